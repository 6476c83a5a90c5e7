//! Compile tests for the macros: what must expand and compile (`ui/pass`), and what must be
//! rejected with a clear error on the offending token (`ui/fail`, with the expected `.stderr`).
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p genai-o11y-tests --test ui`
//! and review every `.stderr` diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}

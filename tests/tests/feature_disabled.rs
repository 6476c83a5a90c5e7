//! Runs the feature-specific tests of the runtime crate (`disabled`, `tls`) in their own cargo
//! invocations: cargo unifies features across one build, so they cannot share the workspace build.

use std::process::Command;

/// Runs `cargo test -p genai-o11y --features {features} --test {test}` and checks `expect` passed.
fn run(features: &str, test: &str, expect: &str) {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let target = workspace.join("target").join("feature-checks");
    let out = Command::new(env!("CARGO"))
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "-p", "genai-o11y", "--features", features, "--test", test])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains(&format!("test {expect} ... ok")), "stdout:\n{stdout}");
    assert!(stdout.contains("test result: ok. 1 passed"), "stdout:\n{stdout}");
}

#[test]
fn the_disabled_feature_turns_annotations_into_the_identity() {
    run("disabled,testing", "disabled", "annotations_are_the_identity");
}

#[test]
fn the_tls_feature_accepts_https_endpoints() {
    run("tls", "tls", "https_presets_build_with_tls");
}

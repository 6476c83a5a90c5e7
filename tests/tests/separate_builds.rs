//! Runs the tests of the runtime crate that need a build of their own (cargo unifies features
//! across one build, and `RUSTFLAGS` change every crate's): the switch-off cfg and the `tls`
//! feature, each in its own cargo invocation and target dir.

use std::process::Command;

/// Runs `cargo test -p genai-o11y --features {features} --test {test}` with `rustflags`, and
/// checks that every test in `expect` passed.
fn run(dir: &str, rustflags: &str, features: &str, test: &str, expect: &[&str]) {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let target = workspace.join("target").join("separate-builds").join(dir);
    let out = Command::new(env!("CARGO"))
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", rustflags)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["test", "-p", "genai-o11y", "--features", features, "--test", test])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    for name in expect {
        assert!(stdout.contains(&format!("test {name} ... ok")), "stdout:\n{stdout}");
    }
    assert!(stdout.contains(&format!("test result: ok. {} passed", expect.len())), "stdout:\n{stdout}");
}

#[test]
fn the_disabled_cfg_turns_annotations_into_the_identity_and_still_validates_them() {
    run(
        "disabled",
        "--cfg genai_o11y_disabled",
        "testing",
        "disabled",
        &["annotations_are_the_identity", "arguments_are_still_validated", "the_guard_api_is_there_by_hand", "current_and_iterators_are_there_and_inert"],
    );
}

#[test]
fn the_tls_feature_accepts_https_endpoints() {
    run("tls", "", "tls", "tls", &["https_presets_build_with_tls"]);
}

//! Runs the `disabled`-feature test of the runtime crate in its own cargo invocation: cargo
//! unifies features across one build, so it cannot share the workspace build.

use std::process::Command;

#[test]
fn the_disabled_feature_turns_annotations_into_the_identity() {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    let target = workspace.join("target").join("feature-disabled");
    let out = Command::new(env!("CARGO"))
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", &target)
        .args(["test", "-p", "genai-o11y", "--features", "disabled,testing", "--test", "disabled"])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("test annotations_are_the_identity ... ok"), "stdout:\n{stdout}");
    assert!(stdout.contains("test result: ok. 1 passed"), "stdout:\n{stdout}");
}

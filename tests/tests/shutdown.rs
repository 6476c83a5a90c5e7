//! A service stopped by SIGTERM (what Kubernetes, systemd and `docker stop` send), in a child
//! process exporting over OTLP to the project's receiver: with `shutdown_signal()` as its
//! graceful shutdown it flushes its last batch; without signal handling that batch is lost,
//! which is what the README warns about.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use genai_o11y_tests::otlp_receiver::Receiver;

/// Runs the service, stops it with SIGTERM once it is ready; returns whether it exited cleanly.
fn run_and_terminate(receiver: &Receiver, args: &[&str]) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sigterm_service"))
        .args(args)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_BSP_SCHEDULE_DELAY", "60000")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "60000")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the service starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("stdout");
    assert!(line.starts_with("ready "), "{line:?}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("the service exits");
    status.success()
}

#[test]
fn sigterm_with_shutdown_signal_flushes_the_last_batch() {
    let receiver = Receiver::start();
    assert!(run_and_terminate(&receiver, &[]), "a graceful exit");
    assert!(receiver.wait_for_spans_blocking(1, Duration::from_secs(10)), "{:?}", receiver.span_names());
    assert!(receiver.span("execute_tool lookup_order").is_some(), "{:?}", receiver.span_names());
}

#[test]
fn sigterm_without_signal_handling_loses_the_batch() {
    let receiver = Receiver::start();
    assert!(!run_and_terminate(&receiver, &["--no-signal-handling"]), "killed by the signal");
    assert!(receiver.span_names().is_empty(), "nothing was exported: {:?}", receiver.span_names());
}

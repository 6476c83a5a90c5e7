//! Short-lived processes (serverless handlers): a child process handles invocations and is then
//! killed with SIGKILL, as a platform freezes or reclaims it, with the batch delay at a minute.
//! `genai_o11y::flush()` at the end of each invocation (the guard out of the handler's reach)
//! gets every span and the metrics out before the answer; `GENAI_O11Y_EXPORT_EACH_SPAN=true`
//! gets each span out as it ends, without a flush; with neither, everything queued is lost.
//! (Graceful shutdown on SIGTERM: `tests/tests/shutdown.rs`.)

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use genai_o11y_tests::otlp_receiver::Receiver;

struct Handler {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Handler {
    fn start(receiver: &Receiver, args: &[&str], env: &[(&str, &str)]) -> Handler {
        let mut child = Command::new(env!("CARGO_BIN_EXE_serverless_handler"))
            .args(args)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_BSP_SCHEDULE_DELAY", "60000")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "60000")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the handler starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Handler { child, stdin, stdout }
    }

    /// One invocation; its answer line.
    fn invoke(&mut self, n: u32) -> String {
        writeln!(self.stdin, "invoke {n}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("the handler answers");
        line.trim().to_owned()
    }

    /// What the platform does to an idle instance: no signal handler, no shutdown, no flush.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

#[test]
fn flush_at_the_end_of_each_invocation_exports_everything_before_the_answer() {
    let receiver = Receiver::start();
    let mut handler = Handler::start(&receiver, &["--flush"], &[]);
    assert_eq!(handler.invoke(1), "done 1 Flushed");
    // Flushed means at the receiver, before the answer left: no waiting here.
    assert_eq!(receiver.spans().len(), 2, "{:?}", receiver.span_names());
    assert_eq!(handler.invoke(2), "done 2 Flushed");
    handler.kill();
    let names = receiver.span_names();
    assert_eq!(names.iter().filter(|n| *n == "invoke_agent order_status").count(), 2, "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "execute_tool lookup_order").count(), 2, "{names:?}");
    // The metrics were flushed too.
    let metrics: Vec<String> = receiver
        .metrics_requests()
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| m.name.clone())
        .collect();
    assert!(metrics.iter().any(|m| m == "gen_ai.invoke_agent.duration"), "{metrics:?}");
}

#[test]
fn export_each_span_gets_them_out_without_a_flush() {
    let receiver = Receiver::start();
    let mut handler = Handler::start(&receiver, &[], &[("GENAI_O11Y_EXPORT_EACH_SPAN", "true")]);
    assert_eq!(handler.invoke(1), "done 1 not flushed");
    assert!(receiver.wait_for_spans_blocking(2, Duration::from_secs(10)), "{:?}", receiver.span_names());
    handler.kill();
    assert_eq!(receiver.span_names().len(), 2);
}

#[test]
fn without_either_the_killed_handler_loses_its_spans() {
    let receiver = Receiver::start();
    let mut handler = Handler::start(&receiver, &[], &[]);
    assert_eq!(handler.invoke(1), "done 1 not flushed");
    handler.kill();
    std::thread::sleep(Duration::from_millis(300));
    assert!(receiver.span_names().is_empty(), "{:?}", receiver.span_names());
}

#[test]
fn a_mistyped_switch_is_a_setup_error_naming_the_variable() {
    let receiver = Receiver::start();
    let out = Command::new(env!("CARGO_BIN_EXE_serverless_handler"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("GENAI_O11Y_EXPORT_EACH_SPAN", "yes")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GENAI_O11Y_EXPORT_EACH_SPAN"), "{stderr}");
}

#[test]
fn flush_without_a_pipeline_says_so() {
    // This test process installs none.
    assert_eq!(genai_o11y::flush(), genai_o11y::setup::FlushOutcome::NoPipeline);
    assert_eq!(genai_o11y::flush_within(Duration::from_millis(10)), genai_o11y::setup::FlushOutcome::NoPipeline);
}

//! The one-call setup exporting to a real OTLP receiver on loopback (real gRPC and HTTP/protobuf,
//! decoded with the protocol's generated types): what arrives, what the presets send, and what
//! happens when the collector is down, slow or failing.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use genai_o11y::setup::{LogFormat, Preset, Protocol, ShutdownReport};
use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};
use genai_o11y_tests::otlp_receiver::{Behaviour, Receiver};

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", server_address = "api.openai.com", server_port = 443)]
fn chat(i: u64) -> Result<Usage, ApiError> {
    Ok(Usage::new().input(100 + i).output(10))
}

#[genai_tool]
fn lookup(q: &str) -> usize {
    q.len()
}

#[genai_agent(name = "worker")]
fn agent() -> Result<(), ApiError> {
    lookup("rust");
    chat(0)?;
    Ok(())
}

/// Runs `f` here, with a watchdog that aborts the test process if `f` has not returned after
/// `limit`: a hang check with a generous margin, not a speed measurement.
fn returns_within<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!("shutdown blocked for more than {limit:?}: aborting");
            std::process::abort();
        }
    });
    let out = f();
    let _ = tx.send(());
    let _ = watchdog.join();
    out
}

fn export_to(receiver: &Receiver, protocol: Protocol) {
    let guard = genai_o11y::init()
        .env_source(env(&[("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test,team=ml")]))
        .service_name("exporter-test")
        .otlp_endpoint(receiver.endpoint())
        .otlp_protocol(protocol)
        .otlp_header("x-tenant", "acme")
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    agent().unwrap();
    let report = guard.shutdown();
    assert_eq!(report, ShutdownReport { completed: true, spans_lost: 0 });

    assert!(receiver.wait_for_spans_blocking(3, Duration::from_secs(10)), "{:?}", receiver.span_names());
    let spans = receiver.spans();
    let agent = spans.iter().find(|s| s.name == "invoke_agent worker").unwrap();
    let chat = spans.iter().find(|s| s.name == "chat gpt-4o").unwrap();
    let tool = spans.iter().find(|s| s.name == "execute_tool lookup").unwrap();
    assert!(chat.is_child_of(agent) && tool.is_child_of(agent));
    for s in &spans {
        assert_eq!(s.resource_attr("service.name").and_then(|v| v.as_str()), Some("exporter-test"));
        assert_eq!(s.resource_attr("deployment.environment.name").and_then(|v| v.as_str()), Some("test"));
        assert_eq!(s.resource_attr("team").and_then(|v| v.as_str()), Some("ml"));
        assert!(s.attr("gen_ai.operation.name").is_some(), "every span carries gen_ai.operation.name: {}", s.name);
    }
    assert_eq!(chat.attr("gen_ai.usage.input_tokens").and_then(|v| v.as_i64()), Some(100));
    assert_eq!(chat.attr("server.port").and_then(|v| v.as_i64()), Some(443), "integers arrive as integers");
    assert_eq!(chat.attr("gen_ai.provider.name").and_then(|v| v.as_str()), Some("openai"));

    assert!(receiver.wait_for_metric_blocking("gen_ai.client.operation.duration", Duration::from_secs(10)), "{:?}", receiver.metric_names());
    let names = receiver.metric_names();
    for m in ["gen_ai.client.operation.duration", "gen_ai.client.token.usage", "gen_ai.execute_tool.duration", "gen_ai.invoke_agent.duration"] {
        assert!(names.contains(&m.to_owned()), "{m} missing from {names:?}");
    }
    let requests = receiver.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.header("x-tenant") == Some("acme")), "the header reaches every request");
}

#[test]
fn spans_and_metrics_arrive_over_grpc() {
    let receiver = Receiver::start();
    export_to(&receiver, Protocol::Grpc);
    assert!(receiver.requests().iter().all(|r| r.path.contains("opentelemetry.proto.collector")), "gRPC methods");
}

#[test]
fn spans_and_metrics_arrive_over_http_protobuf() {
    let receiver = Receiver::start();
    export_to(&receiver, Protocol::HttpProtobuf);
    let paths: Vec<String> = receiver.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"/v1/traces".to_owned()) && paths.contains(&"/v1/metrics".to_owned()), "{paths:?}");
    assert!(receiver.requests().iter().all(|r| r.content_type.as_deref() == Some("application/x-protobuf")));
}

fn preset_requests(preset: Preset, vars: &[(&str, &str)], receiver: &Receiver) -> Vec<genai_o11y_tests::otlp_receiver::ReceivedRequest> {
    let guard = genai_o11y::init().env_source(env(vars)).preset(preset).log_format(LogFormat::Off).install_thread_local().unwrap();
    agent().unwrap();
    let report = guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "{report:?}");
    assert!(receiver.wait_for_spans_blocking(3, Duration::from_secs(10)), "{:?}", receiver.requests());
    assert!(receiver.spans().iter().all(|s| s.attr("gen_ai.operation.name").is_some()), "platforms that keep only GenAI spans keep the tree");
    receiver.requests()
}

#[test]
fn the_presets_send_the_platforms_paths_and_credentials() {
    let r = Receiver::start();
    let reqs =
        preset_requests(Preset::Langfuse, &[("LANGFUSE_PUBLIC_KEY", "pk-lf-1"), ("LANGFUSE_SECRET_KEY", "sk-lf-2"), ("LANGFUSE_HOST", &r.endpoint())], &r);
    assert!(reqs.iter().all(|q| q.path == "/api/public/otel/v1/traces"), "{:?}", reqs.iter().map(|q| &q.path).collect::<Vec<_>>());
    assert!(reqs.iter().all(|q| q.header("authorization") == Some("Basic cGstbGYtMTpzay1sZi0y")));
    assert!(reqs.iter().all(|q| q.header("x-langfuse-ingestion-version") == Some("4")));

    let r = Receiver::start();
    let reqs =
        preset_requests(Preset::Phoenix, &[("PHOENIX_COLLECTOR_ENDPOINT", &r.endpoint()), ("PHOENIX_API_KEY", "px"), ("PHOENIX_PROJECT_NAME", "agents")], &r);
    assert!(reqs.iter().all(|q| q.path == "/v1/traces" && q.header("authorization") == Some("Bearer px")));
    assert!(r.spans().iter().all(|s| s.resource_attr("openinference.project.name").and_then(|v| v.as_str()) == Some("agents")));

    let r = Receiver::start();
    let reqs = preset_requests(Preset::LangSmith, &[("LANGSMITH_ENDPOINT", &r.endpoint()), ("LANGSMITH_API_KEY", "lsv2"), ("LANGSMITH_PROJECT", "p1")], &r);
    assert!(reqs.iter().all(|q| q.path == "/otel/v1/traces" && q.header("x-api-key") == Some("lsv2") && q.header("langsmith-project") == Some("p1")));

    let r = Receiver::start();
    let url = format!("{}/api", r.endpoint());
    let reqs = preset_requests(Preset::Opik, &[("OPIK_URL_OVERRIDE", &url), ("OPIK_API_KEY", "ok"), ("OPIK_WORKSPACE", "ws"), ("OPIK_PROJECT_NAME", "pr")], &r);
    assert!(reqs.iter().all(|q| q.path == "/api/v1/private/otel/v1/traces"
        && q.header("authorization") == Some("ok")
        && q.header("comet-workspace") == Some("ws")
        && q.header("projectname") == Some("pr")));

    let r = Receiver::start();
    let reqs = preset_requests(Preset::MLflow, &[("MLFLOW_TRACKING_URI", &r.endpoint()), ("MLFLOW_EXPERIMENT_ID", "7"), ("MLFLOW_TRACKING_TOKEN", "mt")], &r);
    assert!(reqs.iter().all(|q| q.path == "/v1/traces" && q.header("x-mlflow-experiment-id") == Some("7") && q.header("authorization") == Some("Bearer mt")));
}

/// The collector is down, slow, or failing: calls are unaffected, nothing panics, the failure is
/// reported once, and shutdown keeps its deadline.
fn degraded(endpoint: String, protocol: Protocol, deadline: Duration) -> (ShutdownReport, String, u64) {
    let logs = Buf::default();
    let guard = genai_o11y::init()
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .env_source(env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "300")]))
        .log_output(logs.clone())
        .shutdown_timeout(deadline)
        .install_thread_local()
        .unwrap();
    for i in 0..50 {
        // The calls return their values as usual.
        assert_eq!(chat(i).unwrap().input_tokens, Some(100 + i));
    }
    let ended = guard.stats().spans_ended();
    let report = returns_within(deadline * 4 + Duration::from_secs(5), move || guard.shutdown());
    (report, logs.text(), ended)
}

fn warnings(logs: &str) -> usize {
    logs.lines().filter(|l| l.contains("telemetry export failed")).count()
}

#[test]
fn a_dead_collector_costs_dropped_telemetry_and_one_warning() {
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let (report, logs, ended) = degraded(Receiver::unused_endpoint(), protocol, Duration::from_secs(2));
        assert_eq!(ended, 50);
        assert_eq!(report.spans_lost, 50, "{protocol:?}: {report:?}\n{logs}");
        assert_eq!(warnings(&logs), 1, "{protocol:?}: reported once:\n{logs}");
        assert!(logs.contains("50 span(s) were not exported"), "{logs}");
    }
}

#[test]
fn a_failing_collector_is_reported_once() {
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let receiver = Receiver::start_with(Behaviour::Fail);
        let (report, logs, _) = degraded(receiver.endpoint(), protocol, Duration::from_secs(2));
        assert!(report.spans_lost > 0, "{report:?}");
        assert_eq!(warnings(&logs), 1, "{protocol:?}:\n{logs}");
        assert!(receiver.wait_for_requests_blocking(1, Duration::from_secs(5)), "the exporter did reach the receiver");
        assert!(receiver.spans().is_empty(), "nothing accepted");
    }
}

#[test]
fn a_slow_collector_never_holds_up_shutdown_past_its_deadline() {
    let receiver = Receiver::start_with(Behaviour::Slow(Duration::from_secs(5)));
    let (report, logs, ended) = degraded(receiver.endpoint(), Protocol::HttpProtobuf, Duration::from_millis(500));
    assert_eq!(ended, 50);
    assert!(report.spans_lost > 0, "{report:?}");
    assert!(logs.contains("were not exported"), "{logs}");
    receiver.shutdown();
}

#[test]
fn the_queue_bounds_memory_and_drops_are_counted() {
    let receiver = Receiver::start_with(Behaviour::Slow(Duration::from_secs(3)));
    let logs = Buf::default();
    let guard = genai_o11y::init()
        .env_source(env(&[]))
        .otlp_endpoint(receiver.endpoint())
        .max_queue_size(64)
        .log_output(logs.clone())
        .shutdown_timeout(Duration::from_millis(300))
        .install_thread_local()
        .unwrap();
    for i in 0..2000 {
        chat(i).unwrap();
    }
    let stats = guard.stats();
    assert_eq!(stats.spans_ended(), 2000);
    let report = returns_within(Duration::from_secs(10), move || guard.shutdown());
    // At most one queue (64) plus one batch (64) can be held or in flight: the rest was dropped.
    assert!(report.spans_lost >= 2000 - 128, "{report:?}");
    assert!(stats.spans_exported() <= 128, "{}", stats.spans_exported());
    assert!(logs.text().contains("span(s) were not exported"));
    receiver.shutdown();
}

#[test]
fn logs_reach_the_collector_through_the_logs_bridge() {
    let receiver = Receiver::start();
    let guard = genai_o11y::init()
        .env_source(env(&[]))
        .otlp_endpoint(receiver.endpoint())
        .otel_logs(true)
        .log_summaries(true)
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    agent().unwrap();
    tracing::info!(target: "my_app", "the application's own log line");
    tracing::trace!(target: "some_dependency", "a dependency's trace chatter");
    tracing::debug!(target: "hyper_util::client", "connecting");
    let _ = guard.shutdown();
    assert!(receiver.wait_for_log_records_blocking(1, Duration::from_secs(10)));
    let chat_span = receiver.span("chat gpt-4o").expect("the chat span");
    let records = receiver.log_records();
    let bodies: Vec<&str> = records.iter().filter_map(|r| r.body.as_ref().and_then(|b| b.as_str())).collect();
    assert!(bodies.contains(&"the application's own log line"), "{bodies:?}");
    assert!(!bodies.iter().any(|b| b.contains("chatter") || b.contains("connecting")), "only what the export filter passes: {bodies:?}");
    let summary =
        records.iter().find(|r| r.body.as_ref().and_then(|b| b.as_str()).is_some_and(|b| b.contains("chat gpt-4o completed"))).expect("the summary record");
    assert_eq!(summary.trace_id.as_deref(), Some(chat_span.trace_id.as_str()), "the log record is correlated with the span");
    assert_eq!(summary.span_id.as_deref(), Some(chat_span.span_id.as_str()));
}

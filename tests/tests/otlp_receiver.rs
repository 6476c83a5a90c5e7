//! The test OTLP receiver itself, driven by the real `opentelemetry-otlp` exporters over gRPC
//! (tonic) and HTTP/protobuf (reqwest blocking client).
//!
//! The gRPC exporter needs a tokio runtime that keeps running while the test thread blocks in a
//! flush: it is built inside a multi-thread runtime's context and flushed from the plain test
//! thread. The HTTP exporter (blocking client) exports from the batch processors' own threads.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use genai_o11y_tests::otlp_receiver::{
    AttrValue, Behaviour, MetricKind, PointValue, Protocol, Receiver, Signal, SpanKind, StatusCode, GRPC_LOGS_PATH, GRPC_METRICS_PATH, GRPC_TRACES_PATH,
};
use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{Span as _, SpanKind as OtelKind, Status, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Array, Context, KeyValue, Value};
use opentelemetry_otlp::{LogExporter, MetricExporter, SpanExporter, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;

const WAIT: Duration = Duration::from_secs(10);

fn resource() -> Resource {
    Resource::builder_empty()
        .with_service_name("receiver-test")
        .with_attributes([KeyValue::new("deployment.environment.name", "ci"), KeyValue::new("service.instance.count", 3i64)])
        .build()
}

/// A runtime whose worker keeps the tonic channel going while the test thread blocks.
fn grpc_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

fn grpc_metadata(token: &str) -> tonic::metadata::MetadataMap {
    let mut md = tonic::metadata::MetadataMap::new();
    md.insert("authorization", format!("Bearer {token}").parse().unwrap());
    md.insert("x-project", "genai".parse().unwrap());
    md
}

fn http_headers(token: &str) -> HashMap<String, String> {
    HashMap::from([("Authorization".to_owned(), format!("Bearer {token}")), ("x-project".to_owned(), "genai".to_owned())])
}

fn grpc_span_exporter(endpoint: &str, metadata: tonic::metadata::MetadataMap) -> SpanExporter {
    SpanExporter::builder().with_tonic().with_endpoint(endpoint).with_metadata(metadata).with_timeout(Duration::from_secs(5)).build().unwrap()
}

fn http_span_exporter(url: &str, headers: HashMap<String, String>) -> SpanExporter {
    SpanExporter::builder().with_http().with_endpoint(url).with_headers(headers).with_timeout(Duration::from_secs(5)).build().unwrap()
}

fn tracer_provider(exporter: SpanExporter) -> SdkTracerProvider {
    SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource()).build()
}

/// A client span with a child that fails.
fn emit_spans(provider: &SdkTracerProvider) {
    let tracer = provider.tracer("receiver-test-scope");
    let parent = tracer
        .span_builder("chat gpt-4o")
        .with_kind(OtelKind::Client)
        .with_attributes([
            KeyValue::new("gen_ai.operation.name", "chat"),
            KeyValue::new("gen_ai.usage.input_tokens", 42i64),
            KeyValue::new("gen_ai.request.temperature", 0.5f64),
            KeyValue::new("gen_ai.request.stream", true),
            KeyValue::new("gen_ai.response.finish_reasons", Value::Array(Array::String(vec!["stop".into()]))),
        ])
        .start(&tracer);
    let cx = Context::current_with_span(parent);
    let mut child = tracer.start_with_context("execute_tool get_weather", &cx);
    child.add_event("exception", vec![KeyValue::new("exception.type", "timeout")]);
    child.set_status(Status::error("tool timed out"));
    child.end();
    cx.span().end();
}

fn assert_spans(receiver: &Receiver, protocol: Protocol) {
    assert!(receiver.wait_for_spans_blocking(2, WAIT), "spans: {:?}", receiver.span_names());
    let spans = receiver.spans();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let chat = receiver.span("chat gpt-4o").unwrap();
    let tool = receiver.span("execute_tool get_weather").unwrap();
    assert_eq!(chat.protocol, protocol);
    assert_eq!(chat.kind, SpanKind::Client);
    assert_eq!(tool.kind, SpanKind::Internal);
    assert!(chat.is_root());
    assert!(tool.is_child_of(&chat));
    assert_eq!(chat.trace_id.len(), 32);
    assert_eq!(chat.span_id.len(), 16);
    assert_eq!(chat.scope_name, "receiver-test-scope");
    // Attributes, typed and rendered.
    assert_eq!(chat.attr("gen_ai.operation.name"), Some(&AttrValue::Str("chat".into())));
    assert_eq!(chat.attr("gen_ai.usage.input_tokens").and_then(AttrValue::as_i64), Some(42));
    assert_eq!(chat.attr("gen_ai.request.temperature").and_then(AttrValue::as_f64), Some(0.5));
    assert_eq!(chat.attr("gen_ai.request.stream").and_then(AttrValue::as_bool), Some(true));
    assert_eq!(chat.attr_str("gen_ai.response.finish_reasons").as_deref(), Some("[\"stop\"]"));
    assert_eq!(chat.attr("gen_ai.response.finish_reasons").and_then(AttrValue::as_string_list), Some(vec!["stop".to_owned()]));
    assert!(chat.rendered_attributes().contains(&("gen_ai.usage.input_tokens".to_owned(), "42".to_owned())));
    // Resource attributes.
    assert_eq!(chat.resource_attr("service.name").and_then(AttrValue::as_str), Some("receiver-test"));
    assert_eq!(chat.resource_attr("deployment.environment.name").and_then(AttrValue::as_str), Some("ci"));
    assert_eq!(chat.resource_attr("service.instance.count").and_then(AttrValue::as_i64), Some(3));
    // Status and events.
    assert_eq!(chat.status_code, StatusCode::Unset);
    assert_eq!(tool.status_code, StatusCode::Error);
    assert_eq!(tool.status_message, "tool timed out");
    assert_eq!(tool.events.len(), 1);
    assert_eq!(tool.events[0].name, "exception");
    assert_eq!(tool.events[0].attributes.get("exception.type").and_then(AttrValue::as_str), Some("timeout"));
    assert!(chat.end_time_unix_nano >= chat.start_time_unix_nano);
}

#[test]
fn grpc_spans_arrive_decoded_with_resource_and_metadata() {
    let receiver = Receiver::start();
    let rt = grpc_runtime();
    let provider = {
        let _guard = rt.enter();
        tracer_provider(grpc_span_exporter(&receiver.endpoint(), grpc_metadata("grpc-secret")))
    };
    emit_spans(&provider);
    provider.force_flush().expect("exported");
    assert_spans(&receiver, Protocol::Grpc);

    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!((r.protocol, r.signal, r.path.as_str()), (Protocol::Grpc, Some(Signal::Traces), GRPC_TRACES_PATH));
    assert_eq!(r.header("authorization"), Some("Bearer grpc-secret"));
    assert_eq!(r.header("X-Project"), Some("genai"), "case-insensitive lookup");
    assert!(r.content_type.as_deref().unwrap().starts_with("application/grpc"));
    assert_eq!(receiver.trace_requests().len(), 1);
    provider.shutdown().unwrap();
}

#[test]
fn http_spans_arrive_decoded_with_resource_and_headers() {
    let receiver = Receiver::start();
    let provider = tracer_provider(http_span_exporter(&receiver.traces_url(), http_headers("http-secret")));
    emit_spans(&provider);
    provider.force_flush().expect("exported");
    assert_spans(&receiver, Protocol::HttpProtobuf);

    let r = &receiver.requests()[0];
    assert_eq!((r.protocol, r.signal, r.path.as_str(), r.method.as_str()), (Protocol::HttpProtobuf, Some(Signal::Traces), "/v1/traces", "POST"));
    assert_eq!(r.header("authorization"), Some("Bearer http-secret"));
    assert_eq!(r.header("x-project"), Some("genai"));
    assert_eq!(r.content_type.as_deref(), Some("application/x-protobuf"));
    assert!(r.body_len > 0);
    assert_eq!(r.decode_error, None);
    provider.shutdown().unwrap();
}

fn emit_metrics(provider: &SdkMeterProvider) {
    let meter = provider.meter("receiver-test-meter");
    let tokens = meter.u64_histogram("gen_ai.client.token.usage").with_unit("{token}").with_description("tokens").build();
    tokens.record(42, &[KeyValue::new("gen_ai.token.type", "input"), KeyValue::new("gen_ai.request.model", "gpt-4o")]);
    tokens.record(7, &[KeyValue::new("gen_ai.token.type", "output"), KeyValue::new("gen_ai.request.model", "gpt-4o")]);
    let calls = meter.u64_counter("genai_o11y.client.cost.unpriced").build();
    calls.add(2, &[KeyValue::new("gen_ai.request.model", "mystery")]);
    let duration = meter.f64_histogram("gen_ai.client.operation.duration").with_unit("s").build();
    duration.record(0.25, &[]);
}

fn assert_metrics(receiver: &Receiver, protocol: Protocol) {
    assert!(receiver.wait_for_metric_blocking("gen_ai.client.operation.duration", WAIT), "{:?}", receiver.metric_names());
    assert_eq!(receiver.metric_names(), ["gen_ai.client.operation.duration", "gen_ai.client.token.usage", "genai_o11y.client.cost.unpriced"]);
    let tokens = receiver.metric("gen_ai.client.token.usage").unwrap();
    assert_eq!(tokens.protocol, protocol);
    assert_eq!((tokens.unit.as_str(), tokens.description.as_str(), tokens.kind), ("{token}", "tokens", MetricKind::Histogram));
    assert_eq!(tokens.scope_name, "receiver-test-meter");
    assert_eq!(tokens.resource.get("service.name").and_then(AttrValue::as_str), Some("receiver-test"));
    let mut points: Vec<(Option<String>, Option<u64>, Option<f64>)> =
        tokens.data_points.iter().map(|p| (p.attr_str("gen_ai.token.type"), p.count(), p.sum())).collect();
    points.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(points, [(Some("input".into()), Some(1), Some(42.0)), (Some("output".into()), Some(1), Some(7.0))]);
    assert!(tokens.data_points.iter().all(|p| p.attr_str("gen_ai.request.model").as_deref() == Some("gpt-4o")));
    assert!(matches!(tokens.data_points[0].value, PointValue::Histogram { .. }));

    let unpriced = receiver.metric("genai_o11y.client.cost.unpriced").unwrap();
    assert_eq!((unpriced.kind, unpriced.is_monotonic), (MetricKind::Sum, Some(true)));
    assert_eq!(unpriced.data_points.len(), 1);
    assert_eq!(unpriced.data_points[0].value, PointValue::Int(2));
    assert_eq!(unpriced.data_points[0].rendered_attributes(), [("gen_ai.request.model".to_owned(), "mystery".to_owned())]);
    let duration = receiver.metric("gen_ai.client.operation.duration").unwrap();
    assert_eq!(duration.unit, "s");
    assert_eq!(duration.data_points[0].sum(), Some(0.25));
}

fn emit_log(provider: &SdkLoggerProvider) {
    let logger = provider.logger("receiver-test-logger");
    let mut record = logger.create_log_record();
    record.set_body("model answered".into());
    record.set_severity_number(Severity::Warn);
    record.set_severity_text("WARN");
    record.set_event_name("gen_ai.client.inference.operation.details");
    record.add_attribute("gen_ai.operation.name", "chat");
    logger.emit(record);
}

fn assert_logs(receiver: &Receiver, protocol: Protocol) {
    assert!(receiver.wait_for_log_records_blocking(1, WAIT));
    let logs = receiver.log_records();
    assert_eq!(logs.len(), 1);
    let log = &logs[0];
    assert_eq!(log.protocol, protocol);
    assert_eq!(log.body, Some(AttrValue::Str("model answered".into())));
    assert_eq!((log.severity_number, log.severity_text.as_str()), (Severity::Warn as i32, "WARN"));
    assert_eq!(log.event_name, "gen_ai.client.inference.operation.details");
    assert_eq!(log.attr_str("gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(log.scope_name, "receiver-test-logger");
    assert_eq!(log.resource.get("deployment.environment.name").and_then(AttrValue::as_str), Some("ci"));
}

#[test]
fn grpc_metrics_and_logs_arrive_decoded() {
    let receiver = Receiver::start();
    let rt = grpc_runtime();
    let (meters, loggers) = {
        let _guard = rt.enter();
        let metric_exporter = MetricExporter::builder().with_tonic().with_endpoint(receiver.endpoint()).with_metadata(grpc_metadata("m")).build().unwrap();
        let log_exporter = LogExporter::builder().with_tonic().with_endpoint(receiver.endpoint()).with_metadata(grpc_metadata("l")).build().unwrap();
        (
            SdkMeterProvider::builder().with_reader(PeriodicReader::builder(metric_exporter).build()).with_resource(resource()).build(),
            SdkLoggerProvider::builder().with_batch_exporter(log_exporter).with_resource(resource()).build(),
        )
    };
    emit_metrics(&meters);
    meters.force_flush().expect("metrics exported");
    assert_metrics(&receiver, Protocol::Grpc);
    emit_log(&loggers);
    loggers.force_flush().expect("logs exported");
    assert_logs(&receiver, Protocol::Grpc);

    let paths: Vec<(String, Option<String>)> = receiver.requests().iter().map(|r| (r.path.clone(), r.header("authorization").map(str::to_owned))).collect();
    assert!(paths.contains(&(GRPC_METRICS_PATH.to_owned(), Some("Bearer m".to_owned()))), "{paths:?}");
    assert!(paths.contains(&(GRPC_LOGS_PATH.to_owned(), Some("Bearer l".to_owned()))), "{paths:?}");
    meters.shutdown().unwrap();
    loggers.shutdown().unwrap();
}

#[test]
fn http_metrics_and_logs_arrive_decoded() {
    let receiver = Receiver::start();
    let metric_exporter = MetricExporter::builder().with_http().with_endpoint(receiver.metrics_url()).with_headers(http_headers("m")).build().unwrap();
    let log_exporter = LogExporter::builder().with_http().with_endpoint(receiver.logs_url()).with_headers(http_headers("l")).build().unwrap();
    let meters = SdkMeterProvider::builder().with_reader(PeriodicReader::builder(metric_exporter).build()).with_resource(resource()).build();
    let loggers = SdkLoggerProvider::builder().with_batch_exporter(log_exporter).with_resource(resource()).build();
    emit_metrics(&meters);
    meters.force_flush().expect("metrics exported");
    assert_metrics(&receiver, Protocol::HttpProtobuf);
    emit_log(&loggers);
    loggers.force_flush().expect("logs exported");
    assert_logs(&receiver, Protocol::HttpProtobuf);

    let requests = receiver.requests();
    let metrics = requests.iter().find(|r| r.signal == Some(Signal::Metrics)).unwrap();
    assert_eq!((metrics.path.as_str(), metrics.header("authorization")), ("/v1/metrics", Some("Bearer m")));
    let logs = requests.iter().find(|r| r.signal == Some(Signal::Logs)).unwrap();
    assert_eq!((logs.path.as_str(), logs.header("authorization")), ("/v1/logs", Some("Bearer l")));
    meters.shutdown().unwrap();
    loggers.shutdown().unwrap();
}

#[test]
fn fail_makes_both_exporters_report_an_error_until_it_is_lifted() {
    let receiver = Receiver::start_with(Behaviour::Fail);
    let rt = grpc_runtime();
    let grpc = {
        let _guard = rt.enter();
        tracer_provider(grpc_span_exporter(&receiver.endpoint(), grpc_metadata("g")))
    };
    let http = tracer_provider(http_span_exporter(&receiver.traces_url(), http_headers("h")));

    emit_spans(&grpc);
    let err = grpc.force_flush().expect_err("gRPC export fails");
    assert!(format!("{err:?}").to_lowercase().contains("internal") || format!("{err}").contains("Fail"), "{err:?}");
    emit_spans(&http);
    let err = http.force_flush().expect_err("HTTP export fails");
    assert!(format!("{err}").contains("500"), "{err}");

    let requests = receiver.requests();
    assert_eq!(requests.len(), 2, "failed requests are recorded");
    assert!(requests.iter().all(|r| r.behaviour == Behaviour::Fail && r.payload.is_some()));
    assert!(receiver.spans().is_empty(), "the data of failed requests is not counted as received");

    receiver.set_behaviour(Behaviour::Normal);
    assert_eq!(receiver.behaviour(), Behaviour::Normal);
    emit_spans(&grpc);
    grpc.force_flush().expect("gRPC export succeeds again");
    emit_spans(&http);
    http.force_flush().expect("HTTP export succeeds again");
    assert!(receiver.wait_for_spans_blocking(4, WAIT));
    let protocols: Vec<Protocol> = receiver.spans().iter().map(|s| s.protocol).collect();
    assert_eq!(protocols.iter().filter(|p| **p == Protocol::Grpc).count(), 2);
    assert_eq!(protocols.iter().filter(|p| **p == Protocol::HttpProtobuf).count(), 2);
    grpc.shutdown().unwrap();
    http.shutdown().unwrap();
}

#[test]
fn slow_delays_the_answer_and_a_short_exporter_timeout_gives_up() {
    let delay = Duration::from_millis(400);
    let receiver = Receiver::start_with(Behaviour::Slow(delay));
    let rt = grpc_runtime();
    let grpc = {
        let _guard = rt.enter();
        tracer_provider(grpc_span_exporter(&receiver.endpoint(), grpc_metadata("g")))
    };
    let http = tracer_provider(http_span_exporter(&receiver.traces_url(), http_headers("h")));

    for provider in [&grpc, &http] {
        emit_spans(provider);
        let started = Instant::now();
        provider.force_flush().expect("a slow answer is still a success");
        let took = started.elapsed();
        assert!(took >= delay, "took {took:?}, the receiver waits {delay:?}");
    }
    assert_eq!(receiver.spans().len(), 4);

    // An exporter timeout shorter than the delay: the export fails, nothing counts as received.
    receiver.clear();
    receiver.set_behaviour(Behaviour::Slow(Duration::from_secs(3)));
    let impatient = SpanExporter::builder().with_http().with_endpoint(receiver.traces_url()).with_timeout(Duration::from_millis(200)).build().unwrap();
    let impatient = tracer_provider(impatient);
    emit_spans(&impatient);
    let started = Instant::now();
    assert!(impatient.force_flush().is_err(), "timed out");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(receiver.requests().len(), 1, "it arrived");
    assert!(receiver.spans().is_empty(), "but was never answered");
    grpc.shutdown().unwrap();
    http.shutdown().unwrap();
    let _ = impatient.shutdown();
}

#[test]
fn a_down_endpoint_fails_the_export() {
    let down = Receiver::unused_endpoint();
    assert!(down.starts_with("http://127.0.0.1:"));
    let rt = grpc_runtime();
    let grpc = {
        let _guard = rt.enter();
        tracer_provider(grpc_span_exporter(&down, grpc_metadata("g")))
    };
    let http = tracer_provider(http_span_exporter(&format!("{down}/v1/traces"), http_headers("h")));
    for provider in [&grpc, &http] {
        emit_spans(provider);
        let started = Instant::now();
        assert!(provider.force_flush().is_err());
        assert!(started.elapsed() < Duration::from_secs(5), "connection refused, not a timeout");
    }
    let _ = grpc.shutdown();
    let _ = http.shutdown();
}

#[test]
fn a_shut_down_receiver_refuses_and_keeps_what_it_received() {
    let receiver = Receiver::start();
    let http = tracer_provider(http_span_exporter(&receiver.traces_url(), http_headers("h")));
    emit_spans(&http);
    http.force_flush().unwrap();
    receiver.shutdown();
    receiver.shutdown(); // idempotent
    assert_eq!(receiver.spans().len(), 2);
    emit_spans(&http);
    assert!(http.force_flush().is_err(), "nothing listens any more");
    let _ = http.shutdown();
}

/// One raw HTTP/1.1 request; returns the status code.
fn raw_post(receiver: &Receiver, path: &str, content_type: &str, body: &[u8]) -> u16 {
    let mut s = std::net::TcpStream::connect(receiver.addr()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nX-Api-Key: k-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn unknown_paths_bad_bodies_and_other_content_types_are_recorded_and_rejected() {
    let receiver = Receiver::start();
    assert_eq!(raw_post(&receiver, "/v1/spans", "application/x-protobuf", b""), 404);
    assert_eq!(raw_post(&receiver, "/v1/traces", "application/json", b"{}"), 415);
    assert_eq!(raw_post(&receiver, "/v1/traces", "application/x-protobuf", &[0xff, 0xff, 0xff]), 400);
    // An empty protobuf message is a valid (empty) export request.
    assert_eq!(raw_post(&receiver, "/v1/logs", "application/x-protobuf", b""), 200);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!((requests[0].signal, requests[0].path.as_str()), (None, "/v1/spans"));
    assert!(requests[1].decode_error.as_deref().unwrap().contains("content-type"));
    assert!(requests[2].decode_error.as_deref().unwrap().contains("protobuf"));
    assert!(requests[3].decode_error.is_none());
    assert!(requests.iter().all(|r| r.header("x-api-key") == Some("k-1")));
    assert_eq!(receiver.logs_requests().len(), 1);
    assert!(receiver.log_records().is_empty());
}

#[tokio::test]
async fn waiting_is_bounded_and_does_not_block_the_runtime() {
    let receiver = Receiver::start();
    let started = Instant::now();
    assert!(!receiver.wait_for_spans(1, Duration::from_millis(100)).await);
    assert!(!receiver.wait_for_metric("nope", Duration::from_millis(50)).await);
    assert!(!receiver.wait_for_log_records(1, Duration::from_millis(50)).await);
    assert!(!receiver.wait_for_requests_blocking(1, Duration::from_millis(50)));
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(5), "{took:?}");
    assert!(receiver.wait_for_requests(0, Duration::ZERO).await);
}

//! Export that survives production, against the project's OTLP receiver: gzip over HTTP and gRPC
//! (from `OTEL_EXPORTER_OTLP_COMPRESSION`, its per-signal form, or code), and the size guard in
//! front of a receiver that refuses requests over a limit: a large batch split, an oversized span
//! shortened, nothing lost silently.

mod common;

use std::collections::HashMap;

use common::*;
use genai_o11y::setup::{Compression, Guard, LogFormat, Protocol};
use genai_o11y::{genai_span, CaptureConfig, CaptureMode, Settings};
use genai_o11y_tests::otlp_receiver::{Payload, Receiver};
use prost::Message;
use serde_json::json;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", input_messages = json!([{"role": "user", "parts": [{"type": "text", "content": question}]}]))]
fn chat(question: &str) -> Result<ChatResponse, ApiError> {
    Ok(response("gpt-4o", "It is sunny."))
}

/// A pipeline to `receiver` over `protocol`, content capture on.
fn install(receiver: &Receiver, protocol: Protocol, vars: &[(&str, &str)], size_limit: Option<usize>) -> Guard {
    let mut setup = genai_o11y::init()
        .env_source(env(vars))
        .otlp_endpoint(receiver.endpoint())
        .otlp_protocol(protocol)
        .settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly).max_length(4 * 1024 * 1024)))
        .log_format(LogFormat::Off);
    if let Some(limit) = size_limit {
        setup = setup.otlp_max_export_bytes(limit);
    }
    setup.install_thread_local().unwrap()
}

fn trace_requests(receiver: &Receiver) -> Vec<genai_o11y_tests::otlp_receiver::ReceivedRequest> {
    receiver.requests().into_iter().filter(|r| r.signal == Some(genai_o11y_tests::otlp_receiver::Signal::Traces)).collect()
}

#[test]
fn gzip_over_http_and_grpc_from_the_environment_or_code() {
    let question = "Will it rain in Paris tomorrow? ".repeat(200);
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        for (vars, code) in [
            (&[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")][..], None),
            (&[("OTEL_EXPORTER_OTLP_COMPRESSION", "none"), ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip")][..], None),
            (&[][..], Some(Compression::Gzip)),
        ] {
            let receiver = Receiver::start();
            let mut setup = genai_o11y::init()
                .env_source(env(vars))
                .otlp_endpoint(receiver.endpoint())
                .otlp_protocol(protocol)
                .settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)))
                .log_format(LogFormat::Off);
            if let Some(c) = code {
                setup = setup.otlp_compression(c);
            }
            let guard = setup.install_thread_local().unwrap();
            chat(&question).unwrap();
            guard.flush();
            let requests = trace_requests(&receiver);
            assert_eq!(requests.len(), 1, "{protocol:?} {vars:?}");
            let r = &requests[0];
            let encoding = match protocol {
                Protocol::HttpProtobuf => r.header("content-encoding"),
                Protocol::Grpc => r.header("grpc-encoding"),
            };
            assert_eq!(encoding, Some("gzip"), "{protocol:?} {vars:?}: {:?}", r.headers);
            let Some(Payload::Traces(payload)) = &r.payload else { panic!("decoded: {:?}", r.decode_error) };
            if protocol == Protocol::HttpProtobuf {
                // The repeated question compresses many times over.
                assert!(r.body_len * 5 < payload.encoded_len(), "{} bytes sent for {}", r.body_len, payload.encoded_len());
            }
            assert_eq!(receiver.span("chat gpt-4o").and_then(|s| s.attr_str("gen_ai.input.messages")).map(|m| m.contains("Paris")), Some(true));
            drop(guard);
        }
    }
}

#[test]
fn a_bad_compression_names_its_variable() {
    let receiver = Receiver::start();
    let e = genai_o11y::init()
        .env_source(env(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli")]))
        .otlp_endpoint(receiver.endpoint())
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap_err();
    assert!(e.to_string().contains("OTEL_EXPORTER_OTLP_COMPRESSION") && e.to_string().contains("gzip"), "{e}");
    let e = genai_o11y::init()
        .env_source(env(&[("GENAI_O11Y_OTLP_MAX_EXPORT_BYTES", "1k")]))
        .otlp_endpoint(receiver.endpoint())
        .install_thread_local()
        .unwrap_err();
    assert!(e.to_string().contains("GENAI_O11Y_OTLP_MAX_EXPORT_BYTES"), "{e}");
}

const LIMIT: usize = 256 * 1024;

/// Forty calls of about 20 KiB each: one batch of about 800 KiB, three times the receiver's limit.
fn forty_calls() {
    for i in 0..40 {
        chat(&format!("{i}: {}", "a long question about the weather ".repeat(600))).unwrap();
    }
}

#[test]
fn a_batch_over_the_receivers_limit_is_split_and_arrives_whole() {
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let receiver = Receiver::start_with_limit(LIMIT);
        let guard = install(&receiver, protocol, &[], Some(LIMIT));
        forty_calls();
        guard.flush();
        let stats = guard.stats();
        assert_eq!(receiver.span_names().len(), 40, "{protocol:?}: every span arrived");
        assert!(trace_requests(&receiver).len() >= 4, "{protocol:?}: {} exports", trace_requests(&receiver).len());
        assert!(trace_requests(&receiver).iter().all(|r| r.decode_error.is_none()), "{protocol:?}: none refused");
        assert_eq!((stats.spans_exported(), stats.spans_failed(), stats.batches_split()), (40, 0, 1), "{protocol:?}: {stats:?}");
        drop(guard);
    }
}

#[test]
fn without_the_guard_the_receiver_refuses_the_batch_and_it_is_counted() {
    // A limit above the receiver's: the one batch is refused whole.
    let receiver = Receiver::start_with_limit(LIMIT);
    let guard = install(&receiver, Protocol::HttpProtobuf, &[], Some(16 * 1024 * 1024));
    forty_calls();
    guard.flush();
    assert!(receiver.span_names().is_empty());
    let stats = guard.stats();
    assert_eq!(stats.spans_failed(), 40, "lost, and counted: {stats:?}");
    let report = guard.shutdown();
    assert_eq!(report.spans_lost, 40);
}

#[test]
fn a_span_over_the_limit_on_its_own_is_shortened_and_stays_valid_json() {
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let receiver = Receiver::start_with_limit(LIMIT);
        let guard = install(&receiver, protocol, &[], Some(LIMIT));
        // One conversation of about 1 MiB.
        chat(&"x".repeat(1024 * 1024)).unwrap();
        chat("a short one").unwrap();
        guard.flush();
        let stats = guard.stats();
        assert_eq!((stats.spans_trimmed(), stats.spans_exported(), stats.spans_failed()), (1, 2, 0), "{protocol:?}: {stats:?}");
        let spans = receiver.spans();
        let long = spans.iter().find(|s| s.attr_str("gen_ai.input.messages").is_some_and(|m| m.len() > 1000)).expect("the long call arrived");
        let messages: serde_json::Value = serde_json::from_str(&long.attr_str("gen_ai.input.messages").unwrap()).expect("still valid JSON");
        assert!(messages.to_string().len() < LIMIT);
        assert_eq!(long.attr("genai_o11y.content.truncated").and_then(|v| v.as_bool()), Some(true));
        let short = spans.iter().find(|s| s.attr_str("gen_ai.input.messages").is_some_and(|m| m.contains("a short one"))).expect("the short call arrived");
        assert!(short.attr("genai_o11y.content.truncated").is_none());
        drop(guard);
    }
}

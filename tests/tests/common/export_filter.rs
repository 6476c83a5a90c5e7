//! What `init()` exports when installed for real (the global subscriber, the exporter's threads
//! included): the application's spans and this crate's, nothing of the exporter's own stack, no
//! dependency's TRACE chatter. Used by `export_filter_grpc.rs` and `export_filter_http.rs`, one
//! global install per test binary.

use std::time::Duration;

use genai_o11y::setup::{LogFormat, Protocol, ShutdownReport};
use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};
use genai_o11y_tests::otlp_receiver::Receiver;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat(i: u64) -> Usage {
    // What a model client's dependencies say while the call runs.
    tracing::trace!(target: "some_http_client::pool", "checkout {i}");
    tracing::debug!(target: "hyper_util::client::legacy::connect::http", "connecting to 127.0.0.1:443");
    let _dep = tracing::trace_span!(target: "some_http_client", "send_request").entered();
    Usage::new().input(10 + i).output(2)
}

#[genai_tool]
fn lookup(q: &str) -> usize {
    q.len()
}

#[genai_agent(name = "worker")]
fn agent(i: u64) -> Usage {
    lookup("rust");
    chat(i)
}

/// Runs rounds of requests while the exporter works (each round flushed), then checks that
/// exactly the spans the application created arrived.
pub fn exports_only_the_applications_spans(protocol: Protocol) {
    let receiver = Receiver::start();
    let guard = genai_o11y::init()
        .service_name("export-filter-test")
        .otlp_endpoint(receiver.endpoint())
        .otlp_protocol(protocol)
        .log_format(LogFormat::Off)
        .install()
        .expect("the first and only install of this process");
    const ROUNDS: u64 = 5;
    const PER_ROUND: u64 = 4;
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            // The application's own span, at INFO: exported, with the GenAI spans beneath it.
            let _request = tracing::info_span!(target: "my_app::handlers", "handle_request", round).entered();
            agent(round * PER_ROUND + i);
        }
        // Each flush is an export, over the exporter's h2/hyper/tonic/reqwest stack, in this
        // process, under the same global subscriber.
        guard.flush();
    }
    let report = guard.shutdown();
    assert_eq!(report, ShutdownReport { completed: true, spans_lost: 0 });

    let created = (ROUNDS * PER_ROUND * 4) as usize;
    assert!(receiver.wait_for_spans_blocking(created, Duration::from_secs(10)), "{:?}", receiver.span_names());
    let spans = receiver.spans();
    let mut names: Vec<String> = spans.iter().map(|s| s.name.clone()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names, ["chat gpt-4o", "execute_tool lookup", "handle_request", "invoke_agent worker"], "only the application's spans");
    assert_eq!(spans.len(), created, "spans received == spans the application created");
    for chat in spans.iter().filter(|s| s.name == "chat gpt-4o") {
        let events: Vec<&str> = chat.events.iter().map(|e| e.name.as_str()).collect();
        assert!(events.is_empty(), "no dependency event on a chat span by default: {events:?}");
    }
}

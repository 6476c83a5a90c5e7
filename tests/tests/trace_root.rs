//! A trace's local root (a request's server span, started before the handler opens its
//! attribution scope) learns from the spans beneath it: the attribution, and the input and
//! answer of the outermost GenAI spans (`genai_o11y::trace_root`). Against the SDK's in-memory
//! exporter (through `TestTelemetry`, wired like `init()`), and through the dialects.

mod common;

use common::*;
use genai_o11y::attribution::Attribution;
use genai_o11y::setup::Dialect;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_tool, CaptureConfig, CaptureMode, Settings};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use serde_json::{json, Value as Json};
use tracing::Instrument;

/// Looks the order up.
#[genai_tool]
async fn lookup(order: u32) -> Result<String, ApiError> {
    Ok(format!("order {order}: shipped"))
}

/// Answers a customer.
#[genai_agent(name = "support")]
async fn support(question: String) -> Result<String, ApiError> {
    let status = lookup(7).await?;
    Ok(format!("{question} -> {status}"))
}

/// A request handler: the attribution scope opens inside the request's span.
async fn handle(question: &str) -> String {
    let attribution = Attribution::new().session_id("sess-9").user_id("user-3").metadata("app.feature", "support");
    attribution.scope(support(question.to_owned())).await.unwrap()
}

fn capturing() -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)))
}

fn text(s: &SpanData, key: &str) -> Option<String> {
    attr(s, key).map(|v| v.as_str().into_owned())
}

#[tokio::test]
async fn the_request_span_gets_the_attribution_and_the_agents_input_and_answer() {
    let t = capturing();
    let answer = handle("Where is my order?").instrument(tracing::info_span!("POST /support")).await;
    let root = t.span("POST /support");
    assert_eq!(text(&root, "session.id").as_deref(), Some("sess-9"), "the scope opened inside the request marks its span too");
    assert_eq!(text(&root, "user.id").as_deref(), Some("user-3"));
    assert_eq!(text(&root, "app.feature").as_deref(), Some("support"));
    let input: Json = serde_json::from_str(&text(&root, "genai_o11y.trace.input").expect("the trace's input")).unwrap();
    assert_eq!(input, json!([{"role": "user", "parts": [{"type": "text", "content": "Where is my order?"}]}]));
    let output: Json = serde_json::from_str(&text(&root, "genai_o11y.trace.output").expect("the trace's answer")).unwrap();
    assert_eq!(output[0]["parts"][0]["content"], answer.as_str(), "the agent's answer, not the tool's result");
    // The spans beneath keep what they had; no trace name unless a dialect asks.
    let agent = t.span("invoke_agent support");
    assert_eq!(attr(&agent, "genai_o11y.trace.input"), None);
    assert_eq!(attr(&agent, "genai_o11y.trace.name"), None);
}

#[tokio::test]
async fn without_capture_only_the_attribution_reaches_the_root() {
    let t = TestTelemetry::new();
    handle("hi").instrument(tracing::info_span!("POST /support")).await;
    let root = t.span("POST /support");
    assert_eq!(text(&root, "session.id").as_deref(), Some("sess-9"));
    assert_eq!(attr(&root, "genai_o11y.trace.input"), None);
    assert_eq!(attr(&root, "genai_o11y.trace.output"), None);
}

#[tokio::test]
async fn a_root_that_is_a_genai_span_carries_its_own_content() {
    let t = capturing();
    support("direct".to_owned()).await.unwrap();
    let agent = t.span("invoke_agent support");
    assert_eq!(attr(&agent, "genai_o11y.trace.input"), None);
    assert!(attr(&agent, "gen_ai.input.messages").is_some());
}

#[tokio::test]
async fn two_agents_in_one_request_give_the_first_input_and_the_last_answer() {
    let t = capturing();
    async {
        support("first question".to_owned()).await.unwrap();
        support("second question".to_owned()).await.unwrap();
    }
    .instrument(tracing::info_span!("POST /batch"))
    .await;
    let root = t.span("POST /batch");
    let input = text(&root, "genai_o11y.trace.input").unwrap();
    let output = text(&root, "genai_o11y.trace.output").unwrap();
    assert!(input.contains("first question") && !input.contains("second"), "{input}");
    assert!(output.contains("second question"), "{output}");
}

#[test]
fn the_dialects_show_the_trace_content_where_their_platform_reads_it() {
    let root = || {
        vec![
            opentelemetry::KeyValue::new("http.request.method", "POST"),
            opentelemetry::KeyValue::new("genai_o11y.trace.input", r#"[{"role":"user","parts":[{"type":"text","content":"Where is my order?"}]}]"#),
            opentelemetry::KeyValue::new(
                "genai_o11y.trace.output",
                r#"[{"role":"assistant","parts":[{"type":"text","content":"Shipped."}],"finish_reason":"stop"}]"#,
            ),
            opentelemetry::KeyValue::new("genai_o11y.trace.name", "POST /support"),
        ]
    };
    let get = |attrs: &[opentelemetry::KeyValue], k: &str| attrs.iter().find(|kv| kv.key.as_str() == k).map(|kv| kv.value.as_str().into_owned());
    let mut p = root();
    Dialect::Phoenix.rewrite(&mut p);
    assert_eq!(get(&p, "input.value").as_deref(), Some("Where is my order?"));
    assert_eq!(get(&p, "output.value").as_deref(), Some("Shipped."));
    let mut l = root();
    Dialect::Langfuse.rewrite(&mut l);
    assert_eq!(get(&l, "langfuse.trace.name").as_deref(), Some("POST /support"));
    assert!(get(&l, "langfuse.trace.input").unwrap().contains("Where is my order?"));
    assert!(get(&l, "langfuse.trace.output").unwrap().contains("Shipped."));
    let mut m = root();
    Dialect::MLflow.rewrite(&mut m);
    assert!(get(&m, "mlflow.spanInputs").unwrap().contains("Where is my order?"));
    assert!(get(&m, "mlflow.spanOutputs").unwrap().contains("Shipped."));
    let mut s = root();
    Dialect::LangSmith.rewrite(&mut s);
    assert!(get(&s, "input.value").unwrap().contains("Where is my order?"));
}

#[test]
fn langfuse_gets_the_completion_start_time_of_a_streamed_generation() {
    use std::time::{Duration, UNIX_EPOCH};
    // 2026-12-06T20:41:07Z, and the first chunk 0.25 s later.
    let start = UNIX_EPOCH + Duration::from_secs(1_796_589_667);
    let mut span = opentelemetry_sdk::trace::SpanData {
        span_context: opentelemetry::trace::SpanContext::empty_context(),
        parent_span_id: opentelemetry::trace::SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: opentelemetry::trace::SpanKind::Client,
        name: "chat gpt-4o".into(),
        start_time: start,
        end_time: start + Duration::from_secs(2),
        attributes: vec![
            opentelemetry::KeyValue::new("gen_ai.operation.name", "chat"),
            opentelemetry::KeyValue::new("gen_ai.response.time_to_first_chunk", 0.25),
        ],
        dropped_attributes_count: 0,
        events: Default::default(),
        links: Default::default(),
        status: opentelemetry::trace::Status::Unset,
        instrumentation_scope: Default::default(),
    };
    Dialect::Langfuse.apply(&mut span);
    let v = span.attributes.iter().find(|kv| kv.key.as_str() == "langfuse.observation.completion_start_time").map(|kv| kv.value.clone());
    assert_eq!(v, Some(Value::from("2026-12-06T20:41:07.250000Z")));
}

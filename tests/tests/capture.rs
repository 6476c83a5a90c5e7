//! Content capture: off by default, on in spans or events, truncated, redacted; never serialized
//! when off or unsampled.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, genai_tool, CaptureConfig, CaptureMode, ContentKind, Sensitive, Settings, Usage};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData};
use serde::Serialize;
use serde_json::{json, Value as Json};
use tracing_subscriber::layer::SubscriberExt;

thread_local! {
    /// Serializations of `Msg` on this test's thread (tests run in parallel on their own threads,
    /// and a current-thread runtime polls everything on the test's thread).
    static SERIALIZED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn serialized() -> usize {
    SERIALIZED.with(|c| c.get())
}

/// A message whose serialization is counted.
#[derive(Clone)]
struct Msg {
    role: &'static str,
    content: String,
}
impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.with(|c| c.set(c.get() + 1));
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Msg", 2)?;
        st.serialize_field("role", self.role)?;
        st.serialize_field("content", &self.content)?;
        st.end()
    }
}

#[derive(Serialize)]
struct Choice {
    message: Msg,
}

struct Req {
    messages: Vec<Msg>,
    system: String,
    api_key: Sensitive<String>,
}

#[derive(genai_o11y::HasUsage)]
struct Resp {
    input_tokens: u32,
    output_tokens: u32,
    #[usage(skip)]
    choices: Vec<Choice>,
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = "gpt-4o",
    input_messages = req.messages,
    system_instructions = req.system,
    tool_definitions = json!([{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]),
    output_messages = |r: &Resp| r.choices.iter().map(|c| c.message.clone()).collect::<Vec<_>>()
)]
async fn chat(req: Req) -> Result<Resp, ApiError> {
    let _key = req.api_key;
    Ok(Resp { input_tokens: 10, output_tokens: 4, choices: vec![Choice { message: Msg { role: "assistant", content: "It is sunny.".into() } }] })
}

fn req(text: &str) -> Req {
    Req { messages: vec![Msg { role: "user", content: text.into() }], system: "You are terse.".into(), api_key: Sensitive("sk-secret".into()) }
}

#[derive(Serialize)]
struct Weather {
    temp_c: i32,
    sky: &'static str,
}

struct NotSerializable;

#[genai_tool]
async fn get_weather(_ctx: &NotSerializable, city: &str, days: u8) -> Result<Weather, ApiError> {
    Ok(Weather { temp_c: 14 + days as i32, sky: if city == "Paris" { "rain" } else { "clear" } })
}

const CONTENT: [&str; 6] = [
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
];

fn no_content_anywhere(spans: &[SpanData]) {
    for sp in spans {
        for k in keys(sp) {
            assert!(!CONTENT.contains(&k.as_str()), "{k} on {}", sp.name);
        }
        for e in sp.events.iter() {
            assert_ne!(e.name, "gen_ai.client.inference.operation.details");
            for kv in &e.attributes {
                assert!(!CONTENT.contains(&kv.key.as_str()), "{} in event {}", kv.key, e.name);
            }
        }
        let dump = format!("{sp:?}");
        assert!(!dump.contains("sunny") && !dump.contains("hello there") && !dump.contains("terse"), "content leaked: {dump}");
    }
}

fn with_capture(c: CaptureConfig) -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().capture(c))
}

fn json_attr(span: &SpanData, key: &str) -> Json {
    match attr(span, key) {
        Some(Value::String(s)) => serde_json::from_str(s.as_str()).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {}", s.as_str())),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test]
async fn off_by_default_nothing_is_recorded_or_even_serialized() {
    let t = TestTelemetry::new();
    chat(req("hello there")).await.unwrap();
    get_weather(&NotSerializable, "Paris", 2).await.unwrap();
    assert_eq!(serialized(), 0, "zero serialization when capture is off");
    no_content_anywhere(&t.spans());
}

#[tokio::test]
async fn on_spans_in_the_conventions_shapes() {
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly));
    chat(req("hello there")).await.unwrap();
    assert_eq!(serialized(), 2, "once in, once out: serialization happens when capture is on");
    let span = t.span("chat gpt-4o");
    assert_eq!(json_attr(&span, "gen_ai.input.messages"), json!([{"role": "user", "parts": [{"type": "text", "content": "hello there"}]}]));
    assert_eq!(json_attr(&span, "gen_ai.system_instructions"), json!([{"type": "text", "content": "You are terse."}]));
    assert_eq!(json_attr(&span, "gen_ai.tool.definitions"), json!([{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]));
    assert_eq!(
        json_attr(&span, "gen_ai.output.messages"),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "It is sunny."}], "finish_reason": "stop"}])
    );
    // The JSON string keeps the spec's field order.
    match attr(&span, "gen_ai.input.messages") {
        Some(Value::String(s)) => assert!(s.as_str().starts_with(r#"[{"role":"user","parts""#), "{}", s.as_str()),
        other => panic!("{other:?}"),
    }
    assert!(span.events.iter().all(|e| e.name != "gen_ai.client.inference.operation.details"), "SPAN_ONLY: no event");
    assert!(!format!("{span:?}").contains("sk-secret"));
}

#[tokio::test]
async fn tools_capture_their_serializable_arguments_and_result() {
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly));
    get_weather(&NotSerializable, "Paris", 2).await.unwrap();
    let span = t.span("execute_tool get_weather");
    assert_eq!(json_attr(&span, "gen_ai.tool.call.arguments"), json!({"city": "Paris", "days": 2}), "the context argument is skipped");
    assert_eq!(json_attr(&span, "gen_ai.tool.call.result"), json!({"temp_c": 16, "sky": "rain"}));
}

/// Books a table.
#[genai_tool(call_id = call_id)]
fn book(call_id: &str, restaurant: &str, seats: u8) -> bool {
    !call_id.is_empty() && !restaurant.is_empty() && seats > 0
}

/// Looks a word up.
#[genai_tool(call_id = call.id.as_str())]
fn define(call: &ToolCallRef, word: &str) -> usize {
    call.id.len() + word.len()
}

#[derive(serde::Serialize)]
struct ToolCallRef {
    id: String,
}

#[tokio::test]
async fn a_parameter_given_as_call_id_is_not_an_argument() {
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly));
    assert!(book("call_7", "Chez Anna", 2));
    let span = t.span("execute_tool book");
    assert_eq!(string_attr(&span, "gen_ai.tool.call.id").as_deref(), Some("call_7"));
    assert_eq!(json_attr(&span, "gen_ai.tool.call.arguments"), json!({"restaurant": "Chez Anna", "seats": 2}));
    define(&ToolCallRef { id: "call_8".into() }, "ossify");
    let span = t.span("execute_tool define");
    assert_eq!(string_attr(&span, "gen_ai.tool.call.id").as_deref(), Some("call_8"));
    assert_eq!(json_attr(&span, "gen_ai.tool.call.arguments"), json!({"word": "ossify"}), "the parameter the call id is read from is left out");
}

#[tokio::test]
async fn events_mode_emits_the_details_event_instead() {
    let t = with_capture(CaptureConfig::new(CaptureMode::EventOnly));
    chat(req("hello there")).await.unwrap();
    let span = t.span("chat gpt-4o");
    for k in CONTENT {
        assert!(attr(&span, k).is_none(), "{k} on the span in EVENT_ONLY mode");
    }
    let events: Vec<_> = span.events.iter().filter(|e| e.name == "gen_ai.client.inference.operation.details").collect();
    assert_eq!(events.len(), 1);
    let get = |k: &str| events[0].attributes.iter().find(|kv| kv.key.as_str() == k).map(|kv| kv.value.clone());
    assert_eq!(get("gen_ai.operation.name"), Some(s("chat")));
    assert_eq!(get("gen_ai.request.model"), Some(s("gpt-4o")));
    assert_eq!(get("gen_ai.usage.input_tokens"), Some(Value::I64(10)));
    let input: Json = serde_json::from_str(get("gen_ai.input.messages").unwrap().as_str().as_ref()).unwrap();
    assert_eq!(input[0]["parts"][0]["content"], "hello there");
    let output: Json = serde_json::from_str(get("gen_ai.output.messages").unwrap().as_str().as_ref()).unwrap();
    assert_eq!(output[0]["parts"][0]["content"], "It is sunny.");

    let t2 = with_capture(CaptureConfig::new(CaptureMode::SpanAndEvent).emit_event(false));
    chat(req("x")).await.unwrap();
    let span = t2.span("chat gpt-4o");
    assert!(attr(&span, "gen_ai.input.messages").is_some());
    assert!(span.events.is_empty(), "OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT=false");
    drop(t);
}

#[tokio::test]
async fn long_content_is_truncated_to_valid_json() {
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly).max_length(200));
    chat(req(&"word ".repeat(1000))).await.unwrap();
    let span = t.span("chat gpt-4o");
    let raw = match attr(&span, "gen_ai.input.messages") {
        Some(Value::String(s)) => s.as_str().to_owned(),
        other => panic!("{other:?}"),
    };
    assert!(raw.len() <= 200, "{} bytes", raw.len());
    let v: Json = serde_json::from_str(&raw).expect("still valid JSON");
    assert!(v[0]["parts"][0]["content"].as_str().unwrap().ends_with("…[truncated]"));
    assert_eq!(attr(&span, "genai_o11y.content.truncated"), Some(&Value::Bool(true)));
}

#[tokio::test]
async fn the_redaction_hook_runs_before_anything_is_recorded() {
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly).redact(move |kind, v| {
        seen2.fetch_add(1, Ordering::SeqCst);
        match kind {
            ContentKind::SystemInstructions => *v = Json::Null, // drop
            ContentKind::InputMessages => {
                if let Some(c) = v.pointer_mut("/0/parts/0/content") {
                    *c = json!(c.as_str().unwrap().replace("4111-1111", "****"));
                    // mask
                }
            }
            ContentKind::OutputMessages => *v = json!("[output withheld]"), // replace
            _ => {}
        }
    }));
    chat(req("my card is 4111-1111")).await.unwrap();
    let span = t.span("chat gpt-4o");
    assert_eq!(json_attr(&span, "gen_ai.input.messages")[0]["parts"][0]["content"], "my card is ****");
    assert_eq!(attr(&span, "gen_ai.system_instructions"), None);
    assert_eq!(json_attr(&span, "gen_ai.output.messages"), json!("[output withheld]"));
    assert_eq!(seen.load(Ordering::SeqCst), 4);
    assert!(!format!("{span:?}").contains("4111-1111"));
}

#[derive(Serialize)]
struct Login {
    user: String,
    password: Sensitive<String>,
}

#[genai_tool(arguments = login)]
fn sign_in(login: &Login) -> bool {
    !login.password.is_empty()
}

#[test]
fn sensitive_values_are_never_captured_verbatim() {
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly));
    assert!(sign_in(&Login { user: "ann".into(), password: Sensitive("hunter2".into()) }));
    let span = t.span("execute_tool sign_in");
    assert_eq!(json_attr(&span, "gen_ai.tool.call.arguments"), json!({"user": "ann", "password": "[REDACTED]"}));
    assert!(!format!("{span:?}").contains("hunter2"));
}

#[tokio::test]
async fn unsampled_spans_serialize_nothing() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder().with_sampler(Sampler::AlwaysOff).with_simple_exporter(exporter.clone()).build();
    let sub = tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(provider.tracer("t")));
    let _g = tracing::subscriber::set_default(sub);
    let meter = opentelemetry::metrics::noop::NoopMeterProvider::new();
    let _m = genai_o11y::scoped_with(&meter, Settings::default().capture(CaptureConfig::new(CaptureMode::SpanAndEvent)));
    chat(req("hello there")).await.unwrap();
    assert_eq!(serialized(), 0, "capture on, but the span is not sampled");
    assert!(exporter.get_finished_spans().unwrap().is_empty());
}

#[tokio::test]
async fn error_messages_are_recorded_when_capture_is_on() {
    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
    async fn failing() -> Result<Usage, ApiError> {
        Err(ApiError::RateLimited)
    }
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly));
    failing().await.unwrap_err();
    assert_eq!(error_description(&t.span("chat gpt-4o")).as_deref(), Some("rate limited: retry after 20s"));
}

#[test]
fn modes_come_from_the_standard_variable() {
    assert_eq!(CaptureMode::parse("SPAN_AND_EVENT"), CaptureMode::SpanAndEvent);
    assert_eq!(CaptureMode::parse("true"), CaptureMode::SpanOnly);
    assert_eq!(CaptureMode::parse("false"), CaptureMode::NoContent);
}

#[genai_o11y::genai_agent(name = "planner")]
async fn plan(question: &str) -> Result<String, ApiError> {
    Ok(format!("plan for {question}"))
}

#[genai_o11y::genai_agent(name = "router", input_messages = vec![Msg { role: "user", content: format!("route {n}") }], output_messages = |r: &u32| format!("routed to {r}"))]
fn route(n: u32) -> u32 {
    n + 1
}

#[tokio::test]
async fn agents_capture_their_input_and_answer_as_one_message_each() {
    let t = with_capture(CaptureConfig::new(CaptureMode::SpanOnly));
    plan("a trip to Paris").await.unwrap();
    route(41);
    let p = t.span("invoke_agent planner");
    assert_eq!(json_attr(&p, "gen_ai.input.messages"), json!([{"role": "user", "parts": [{"type": "text", "content": "a trip to Paris"}]}]));
    assert_eq!(
        json_attr(&p, "gen_ai.output.messages"),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "plan for a trip to Paris"}], "finish_reason": "stop"}])
    );
    let r = t.span("invoke_agent router");
    let input = json_attr(&r, "gen_ai.input.messages");
    assert_eq!(input[0]["role"], "user");
    assert_eq!(input[0]["parts"][0]["content"], "route 41", "explicit input_messages: {input}");
    let output = json_attr(&r, "gen_ai.output.messages");
    assert!(output.to_string().contains("routed to 42"), "explicit output_messages: {output}");

    let off = TestTelemetry::new();
    plan("secret plans").await.unwrap();
    let p = off.span("invoke_agent planner");
    assert!(attr(&p, "gen_ai.input.messages").is_none() && attr(&p, "gen_ai.output.messages").is_none(), "nothing with capture off");
}

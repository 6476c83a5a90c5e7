//! `genai_o11y::current()`: the body of an annotated function updates its own call after the
//! fact (usage, response model and id, finish reasons, output, extra attributes), in both
//! convention modes, read from the SDK's in-memory exporters: the values reach the span, the
//! metrics, the cost, the enclosing agent's totals and the log summary; they win over the return
//! value's field by field; outside a call (or with no pipeline at all) the setters do nothing.

mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use common::*;
use futures::stream::{self, Stream, StreamExt};
use genai_o11y::testing::{attr, point_attrs, TestTelemetry};
use genai_o11y::{current, genai_agent, genai_span, genai_tool, CaptureConfig, CaptureMode, Conventions, GenAiSpanBuilder, Outcome, Response, Settings, Usage};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{json, Value as Json};

const MODES: [Conventions; 2] = [Conventions::V1_41, Conventions::LatestExperimental];

fn capturing(conventions: Conventions) -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::new(CaptureMode::SpanOnly)))
}

fn json_attr(span: &SpanData, key: &str) -> Json {
    match attr(span, key) {
        Some(Value::String(s)) => serde_json::from_str(s.as_str()).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {}", s.as_str())),
        other => panic!("{key}: {other:?}"),
    }
}

fn finish_reasons(span: &SpanData) -> Option<&Value> {
    attr(span, "gen_ai.response.finish_reasons")
}

fn strings(v: &[&str]) -> Value {
    Value::Array(Array::String(v.iter().map(|s| (*s).to_owned().into()).collect()))
}

/// A client that returns only the text: everything else is set through `current()`.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn text_only_chat(prompt: &str) -> Result<String, ApiError> {
    let answer = format!("echo: {prompt}");
    current()
        .usage(Usage::new().input(1200).output(300).cache_read(1000))
        .response_model("gpt-4o-2024-08-06")
        .response_id("chatcmpl-current")
        .finish_reasons(["stop"])
        .output(&answer)
        .attribute("app.retries", 2)
        .attribute("app.route", "primary");
    Ok(answer)
}

/// The input and output token points of the token metrics of each mode, as `(type, sum)`.
fn token_sums(t: &TestTelemetry, conventions: Conventions) -> Vec<(String, u64)> {
    let mut got: Vec<(String, u64)> = match conventions {
        Conventions::V1_41 => t
            .u64_histogram("gen_ai.client.token.usage")
            .iter()
            .map(|p| {
                let attrs = point_attrs(p.attributes());
                assert!(attrs.contains(&("gen_ai.response.model".into(), "gpt-4o-2024-08-06".into())), "{attrs:?}");
                (attrs.iter().find(|(k, _)| k == "gen_ai.token.type").unwrap().1.clone(), p.sum())
            })
            .collect(),
        _ => ["input", "output"]
            .iter()
            .map(|ty| {
                let points = t.u64_counter(&format!("gen_ai.client.inference.usage.{ty}_tokens"));
                assert!(points.iter().all(|p| point_attrs(p.attributes()).contains(&("gen_ai.response.model".into(), "gpt-4o-2024-08-06".into()))));
                ((*ty).to_owned(), points.iter().map(|p| p.value()).sum())
            })
            .collect(),
    };
    got.sort();
    got
}

#[test]
fn every_setter_reaches_the_span_and_the_metrics_in_both_modes() {
    for conventions in MODES {
        let t = capturing(conventions);
        assert_eq!(text_only_chat("hi").unwrap(), "echo: hi");
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(1200), "{conventions:?}");
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(300));
        assert_eq!(int_attr(&span, "gen_ai.usage.cache_read.input_tokens"), Some(1000));
        assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("chatcmpl-current"));
        assert_eq!(finish_reasons(&span), Some(&strings(&["stop"])));
        assert_eq!(int_attr(&span, "app.retries"), Some(2));
        assert_eq!(string_attr(&span, "app.route").as_deref(), Some("primary"));
        let output = json_attr(&span, "gen_ai.output.messages");
        assert_eq!(output[0]["role"], "assistant");
        assert_eq!(output[0]["parts"][0], json!({"type": "text", "content": "echo: hi"}));
        assert_eq!(attr(&span, "genai_o11y.usage.missing"), None);
        // The cost from the pricing table, for the model set here (200 uncached + 1000 cached
        // input, 300 output at gpt-4o's prices).
        let want = (200.0 * 2.5 + 1000.0 * 1.25 + 300.0 * 10.0) / 1e6;
        match attr(&span, "genai_o11y.cost.amount") {
            Some(Value::F64(c)) => assert!((c - want).abs() < 1e-12, "{c} != {want}"),
            other => panic!("cost: {other:?}"),
        }
        assert!((t.f64_counter("genai_o11y.client.cost").iter().map(|p| p.value()).sum::<f64>() - want).abs() < 1e-12);
        assert_eq!(token_sums(&t, conventions), [("input".to_owned(), 1200), ("output".to_owned(), 300)]);
    }
}

/// A response with its own usage and metadata, partly overridden through `current()`.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn corrected_chat() -> Result<ChatResponse, ApiError> {
    current().usage(Usage::new().output(50)).response_model("gpt-4o-2024-11-20");
    Ok(response("gpt-4o", "hi"))
}

#[test]
fn current_wins_field_by_field_over_the_return_value() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        corrected_chat().unwrap();
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(50), "set through current(): it wins");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(107), "not set: the return value's");
        assert_eq!(int_attr(&span, "gen_ai.usage.cache_read.input_tokens"), Some(100), "not set: the return value's");
        assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-11-20"), "set: it wins");
        assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("chatcmpl-123"), "not set: the return value's");
        assert_eq!(finish_reasons(&span), Some(&strings(&["stop"])));
        let output_points: u64 = match conventions {
            Conventions::V1_41 => t
                .u64_histogram("gen_ai.client.token.usage")
                .iter()
                .filter(|p| point_attrs(p.attributes()).contains(&("gen_ai.token.type".into(), "output".into())))
                .map(|p| p.sum())
                .sum(),
            _ => t.u64_counter("gen_ai.client.inference.usage.output_tokens").iter().map(|p| p.value()).sum(),
        };
        assert_eq!(output_points, 50, "the metrics agree with the span");
    }
}

/// Usage set twice: the later counts replace the earlier ones (totals, never added); a
/// `Response` brings its metadata along.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn twice() -> Result<(), ApiError> {
    current().usage(Usage::new().input(10).output(1));
    current().usage(Response::new(Usage::new().output(7)).id("resp-2").model("gpt-4o-mini").finish_reason("length"));
    current().finish_reasons(Vec::<String>::new());
    Ok(())
}

#[test]
fn usage_set_again_replaces_the_counts_it_reports() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        twice().unwrap();
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(10));
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(7));
        assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("resp-2"));
        assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-mini"));
        assert_eq!(finish_reasons(&span), Some(&strings(&["length"])), "an empty list changes nothing");
    }
}

#[genai_tool]
fn lookup(city: &str) -> Result<String, ApiError> {
    current().attribute("app.cache_hit", true).output(&json!({"city": city, "temp_c": 21}));
    Ok(format!("21C in {city}"))
}

#[genai_agent(name = "planner")]
fn planner(q: &str) -> Result<String, ApiError> {
    let weather = lookup(q)?;
    let answer = text_only_chat(&weather)?;
    // After the nested calls returned, the agent is current again.
    current().attribute("app.plan.steps", 2).output("the plan, as the agent reports it");
    Ok(answer)
}

#[test]
fn tools_and_agents_take_attributes_and_output_and_the_innermost_call_is_current() {
    for conventions in MODES {
        let t = capturing(conventions);
        planner("Paris").unwrap();
        let tool = t.span("execute_tool lookup");
        assert_eq!(attr(&tool, "app.cache_hit"), Some(&Value::Bool(true)));
        assert_eq!(json_attr(&tool, "gen_ai.tool.call.result"), json!({"city": "Paris", "temp_c": 21}), "replaces the returned result");
        let chat = t.span("chat gpt-4o");
        let agent = t.span("invoke_agent planner");
        assert_eq!(int_attr(&agent, "app.plan.steps"), Some(2));
        assert_eq!(int_attr(&chat, "app.plan.steps"), None);
        assert_eq!(attr(&agent, "app.retries"), None, "the chat's attribute stayed on the chat");
        assert_eq!(attr(&agent, "app.cache_hit"), None);
        let output = json_attr(&agent, "gen_ai.output.messages");
        assert_eq!(output[0]["parts"][0]["content"], "the plan, as the agent reports it");
        // The chat's usage, set through current(), rolls up to the agent.
        assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(1200));
        assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.output_tokens"), Some(300));
    }
}

#[test]
fn the_log_summary_reads_the_values_set() {
    for conventions in MODES {
        let t = TestTelemetry::with_logs(Settings::default().conventions(conventions).log_summaries(true));
        text_only_chat("hi").unwrap();
        let records = t.log_records();
        let summary = records.iter().find(|r| format!("{:?}", r.record.body()).contains("chat gpt-4o completed")).expect("the summary line");
        let field = |key: &str| summary.record.attributes_iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| format!("{v:?}"));
        assert_eq!(field("input_tokens").as_deref(), Some("Int(1200)"), "{conventions:?}");
        assert_eq!(field("output_tokens").as_deref(), Some("Int(300)"));
    }
}

/// Counts serializations: content is serialized only when captured.
struct Counted<'a>(&'a AtomicUsize);
impl serde::Serialize for Counted<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        s.serialize_str("counted")
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn reports_output(serialized: &AtomicUsize) -> Result<bool, ApiError> {
    current().output(&Counted(serialized));
    Ok(current().capturing())
}

#[test]
fn output_is_serialized_and_recorded_only_when_capturing() {
    for conventions in MODES {
        let n = AtomicUsize::new(0);
        let t = TestTelemetry::with_conventions(conventions);
        assert!(!reports_output(&n).unwrap(), "capture is off by default");
        assert_eq!(n.load(Ordering::SeqCst), 0, "nothing serialized");
        assert_eq!(attr(&t.span("chat gpt-4o"), "gen_ai.output.messages"), None);
        drop(t);
        let t = capturing(conventions);
        assert!(reports_output(&n).unwrap());
        assert_eq!(n.load(Ordering::SeqCst), 1);
        assert_eq!(json_attr(&t.span("chat gpt-4o"), "gen_ai.output.messages")[0]["parts"][0]["content"], "counted");
    }
}

#[test]
fn redaction_and_truncation_apply_to_output_set_through_current() {
    let t = TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly).max_length(200).redact(|_, v| {
        if let Some(s) = v.pointer_mut("/0/parts/0/content") {
            *s = json!(s.as_str().unwrap_or_default().replace("secret", "[X]"));
        }
    })));
    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
    fn long() -> Result<(), ApiError> {
        current().output(&format!("secret {}", "word ".repeat(1000)));
        Ok(())
    }
    long().unwrap();
    let span = t.span("chat gpt-4o");
    let text = string_attr(&span, "gen_ai.output.messages").unwrap();
    assert!(text.len() <= 200, "truncated: {text}");
    let v: Json = serde_json::from_str(&text).expect("still valid JSON");
    let content = v[0]["parts"][0]["content"].as_str().unwrap();
    assert!(content.starts_with("[X] word") && content.ends_with("…[truncated]"), "redacted, then truncated: {content}");
    assert_eq!(attr(&span, "genai_o11y.content.truncated"), Some(&Value::Bool(true)));
}

#[test]
fn outside_a_call_the_setters_do_nothing() {
    let t = capturing(Conventions::V1_41);
    let c = current();
    assert!(!c.is_active());
    assert!(!c.capturing());
    c.usage(Usage::new().input(1)).response_model("m").response_id("r").finish_reasons(["stop"]).output("x").attribute("k", 1);
    assert!(t.spans().is_empty());
    // A call made afterwards is not touched by them.
    corrected_chat().unwrap();
    assert_eq!(string_attr(&t.span("chat gpt-4o"), "gen_ai.response.id").as_deref(), Some("chatcmpl-123"));
    assert_eq!(attr(&t.span("chat gpt-4o"), "k"), None);
}

#[test]
fn with_no_pipeline_at_all_nothing_panics() {
    // No subscriber, no meter provider: the calls are not recorded, their bodies run as written.
    assert_eq!(text_only_chat("hi").unwrap(), "echo: hi");
    assert_eq!(planner("Rome").unwrap(), "echo: 21C in Rome");
    let n = AtomicUsize::new(0);
    assert!(!reports_output(&n).unwrap());
    assert_eq!(n.load(Ordering::SeqCst), 0);
}

#[test]
fn a_handle_kept_past_its_call_updates_nothing_else() {
    let t = TestTelemetry::new();
    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
    fn leak() -> Result<genai_o11y::CurrentCall, ApiError> {
        Ok(current())
    }
    let handle = leak().unwrap();
    assert!(handle.is_active());
    handle.usage(Usage::new().input(5)).attribute("late", true);
    corrected_chat().unwrap();
    let spans = t.spans();
    assert_eq!(spans.len(), 2);
    assert!(spans.iter().all(|s| attr(s, "late").is_none()), "the call had ended: nothing lands anywhere");
    assert_eq!(int_attr(&spans[1], "gen_ai.usage.input_tokens"), Some(107), "the next call is not touched");
}

#[test]
fn by_hand_an_active_call_has_the_same_updates() {
    let t = TestTelemetry::new();
    let call = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o").start();
    call.updates().usage(Usage::new().input(3).output(4)).attribute("by.hand", true);
    let value: Result<Usage, ApiError> = Ok(Usage::new().input(1).output(1));
    call.finish(Outcome::from_result(&value));
    let span = t.span("chat gpt-4o");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(3));
    assert_eq!(attr(&span, "by.hand"), Some(&Value::Bool(true)));
}

// ---- streams: in the body and while the stream is polled

/// The body sets the model; the last chunk's usage arrives while the stream is polled (the
/// chunks are text, they report nothing).
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn streamed_text() -> impl Stream<Item = String> {
    current().response_model("gpt-4o-2024-08-06");
    stream::iter(["Hel", "lo", ""]).map(|piece| {
        if piece.is_empty() {
            current().usage(Usage::new().input(9).output(2)).finish_reasons(["stop"]);
        }
        piece.to_owned()
    })
}

#[tokio::test]
async fn a_stream_sets_usage_while_it_is_polled() {
    for conventions in MODES {
        let t = capturing(conventions);
        let got: Vec<String> = streamed_text().collect().await;
        assert_eq!(got.concat(), "Hello");
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(9));
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(2));
        assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"), "set in the body");
        assert_eq!(finish_reasons(&span), Some(&strings(&["stop"])));
        assert_eq!(json_attr(&span, "gen_ai.output.messages")[0]["parts"][0]["content"], "Hello", "the streamed answer is kept");
    }
}

// ---- across `.await` and threads

/// Polls a future once with a no-op waker.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Pending once, then ready.
struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
async fn two_halves() -> Result<(), ApiError> {
    current().usage(Usage::new().input(4)).attribute("first.thread", format!("{:?}", std::thread::current().id()));
    YieldOnce(false).await;
    current().usage(Usage::new().output(6)).attribute("second.thread", format!("{:?}", std::thread::current().id()));
    Ok(())
}

#[test]
fn the_slot_follows_the_future_from_thread_to_thread() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        let mut fut = Box::pin(two_halves());
        assert!(poll_once(&mut fut).is_pending());
        assert!(!current().is_active(), "between polls the call is not current on this thread");
        std::thread::spawn(move || {
            assert!(!current().is_active());
            assert!(matches!(poll_once(&mut fut), Poll::Ready(Ok(()))));
            assert!(!current().is_active());
        })
        .join()
        .unwrap();
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(4));
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(6));
        assert_ne!(string_attr(&span, "first.thread"), string_attr(&span, "second.thread"), "two threads, one call");
    }
}

/// Starts at the call (on the test thread, where the test pipeline is), then runs wherever the
/// runtime puts it.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn hopping(steps: u64) -> impl Future<Output = Result<usize, ApiError>> + Send {
    async move {
        let mut threads = std::collections::HashSet::new();
        for i in 1..=steps {
            tokio::task::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(1))).await.unwrap();
            threads.insert(std::thread::current().id());
            current().usage(Usage::new().input(i).output(i * 2));
        }
        // A task spawned through the helper carries the call along; a plain spawn does not.
        genai_o11y::task::spawn(async {
            current().attribute("from.helper", true);
        })
        .await
        .unwrap();
        tokio::spawn(async { current().attribute("from.plain", true).is_active() }).await.map(|active| assert!(!active)).unwrap();
        Ok(threads.len())
    }
}

#[test]
fn across_awaits_on_a_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        let fut = hopping(20);
        let threads = rt.block_on(async { tokio::spawn(fut).await.unwrap() }).unwrap();
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(20), "the last counts set ({threads} worker threads seen)");
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(40));
        assert_eq!(attr(&span, "from.helper"), Some(&Value::Bool(true)));
        assert_eq!(attr(&span, "from.plain"), None);
    }
}

#[test]
fn attributes_are_bounded() {
    let t = TestTelemetry::new();
    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
    fn chatty() -> Result<(), ApiError> {
        for i in 0..1000 {
            current().attribute(format!("app.k{i}"), i);
        }
        current().attribute("app.k0", "again").usage(Usage::new().input(3).output(1));
        Ok(())
    }
    chatty().unwrap();
    let span = t.span("chat gpt-4o");
    // At most 128 kept per call (and the SDK's own limit, 128 attributes per span, applies).
    let app = keys(&span).into_iter().filter(|k| k.starts_with("app.k")).count();
    assert!(app <= 128, "{app}");
    assert_eq!(string_attr(&span, "app.k0").as_deref(), Some("again"), "a key set again replaces its value");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(3), "the call's own attributes are all there");
    assert_eq!(string_attr(&span, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(string_attr(&span, "gen_ai.provider.name").as_deref(), Some("openai"));
}

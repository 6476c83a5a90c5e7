//! How calls end: success, `Err`, early `return`, `?`, panic, cancellation; and the tree that
//! agents, tools, chats and the application's own `tracing` spans form.

mod common;

use std::future::Future;
use std::panic::AssertUnwindSafe;

use common::*;
use futures::FutureExt;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use tracing::Instrument;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_forever() -> Result<ChatResponse, ApiError> {
    std::future::pending::<()>().await;
    unreachable!()
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_then_panic(msg: &'static str) -> Result<ChatResponse, ApiError> {
    tokio::task::yield_now().await;
    panic!("{}", msg);
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_sync_panic() -> Result<ChatResponse, ApiError> {
    std::panic::panic_any(42u32)
}

fn maybe(fail: bool) -> Result<(), ApiError> {
    if fail {
        Err(ApiError::Timeout)
    } else {
        Ok(())
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_early(early: bool, fail: bool) -> Result<ChatResponse, ApiError> {
    if early {
        return Ok(response("gpt-4o", "early"));
    }
    maybe(fail)?;
    Ok(response("gpt-4o", "late"))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_early_sync(fail: bool) -> Result<ChatResponse, ApiError> {
    maybe(fail)?;
    if !fail {
        return Ok(response("gpt-4o", "sync"));
    }
    unreachable!()
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_lazy() -> impl Future<Output = Result<ChatResponse, ApiError>> {
    async { Ok(response("gpt-4o", "lazy")) }
}

fn cancelled(span: &opentelemetry_sdk::trace::SpanData) -> bool {
    attr(span, "error.type") == Some(&s("cancelled")) && error_description(span).is_some_and(|d| d.contains("cancelled")) && exceptions(span).len() == 1
}

#[tokio::test]
async fn a_dropped_future_ends_its_span_as_cancelled() {
    let t = TestTelemetry::new();
    // Polled once, then dropped.
    assert!(chat_forever().now_or_never().is_none());
    let span = t.span("chat gpt-4o");
    assert!(cancelled(&span), "{span:?}");
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), None);

    // The duration is recorded with that error.type.
    let points = t.f64_histogram("gen_ai.client.operation.duration");
    assert_eq!(points.len(), 1);
    assert!(points[0].attributes().any(|kv| kv.key.as_str() == "error.type" && kv.value == s("cancelled")));
    assert_eq!(points[0].count(), 1);
}

#[tokio::test]
async fn select_and_timeout_cancel_the_losing_call() {
    let t = TestTelemetry::new();
    // `biased`: the losing call is polled (so started) before the winner completes. An
    // `async fn` opens its span on first poll; a future that is never polled never started.
    tokio::select! {
        biased;
        _ = chat_forever() => unreachable!(),
        r = chat_early(false, false) => assert!(r.is_ok()),
    }
    let r = tokio::time::timeout(std::time::Duration::from_millis(1), chat_forever()).await;
    assert!(r.is_err(), "timed out");
    let spans = t.spans();
    assert_eq!(spans.len(), 3);
    assert!(spans[0].status == Status::Unset && !cancelled(&spans[0]), "the winner succeeded");
    assert!(cancelled(&spans[1]), "the select loser");
    assert!(cancelled(&spans[2]), "the timed-out call");
}

#[tokio::test]
async fn a_future_returned_by_a_sync_fn_and_dropped_unpolled_still_ends_its_span() {
    let t = TestTelemetry::new();
    let fut = chat_lazy();
    drop(fut);
    let span = t.span("chat gpt-4o");
    assert!(cancelled(&span));
    chat_lazy().await.unwrap();
    assert_eq!(t.spans()[1].status, Status::Unset);
}

#[tokio::test]
async fn an_async_panic_ends_the_span_then_continues_unchanged() {
    let t = with_error_messages();
    let caught = AssertUnwindSafe(chat_then_panic("model exploded")).catch_unwind().await;
    let payload = caught.expect_err("the panic continues");
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("model exploded"), "payload unchanged");
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "error.type"), Some(&s("panic")));
    assert_eq!(error_description(&span).as_deref(), Some("panicked: model exploded"));
    let points = t.f64_histogram("gen_ai.client.operation.duration");
    assert!(points[0].attributes().any(|kv| kv.key.as_str() == "error.type" && kv.value == s("panic")));
}

#[test]
fn a_sync_panic_ends_the_span_then_continues_unchanged() {
    let t = TestTelemetry::new();
    let payload = std::panic::catch_unwind(chat_sync_panic).expect_err("the panic continues");
    assert_eq!(payload.downcast_ref::<u32>(), Some(&42), "payload unchanged (not a string)");
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "error.type"), Some(&s("panic")));
    assert_eq!(error_description(&span).as_deref(), Some("panicked"));
}

#[tokio::test]
async fn without_capture_a_panic_message_is_not_recorded() {
    let t = TestTelemetry::new();
    let _ = AssertUnwindSafe(chat_then_panic("the prompt was: secret")).catch_unwind().await;
    let span = t.span("chat gpt-4o");
    assert_eq!(error_description(&span).as_deref(), Some("panicked"));
    assert!(!format!("{span:?}").contains("secret"));
}

#[tokio::test]
async fn early_return_and_question_mark_still_record() {
    let t = TestTelemetry::new();
    assert_eq!(chat_early(true, false).await.unwrap().text, "early");
    assert_eq!(chat_early(false, true).await.unwrap_err(), ApiError::Timeout);
    assert_eq!(chat_early(false, false).await.unwrap().text, "late");
    assert_eq!(chat_early_sync(true).unwrap_err(), ApiError::Timeout);
    assert_eq!(chat_early_sync(false).unwrap().text, "sync");
    let spans = t.spans();
    assert_eq!(spans.len(), 5);
    let error_types: Vec<Option<String>> = spans.iter().map(|s| string_attr(s, "error.type")).collect();
    assert_eq!(error_types, [None, Some("timeout".into()), None, Some("timeout".into()), None]);
    let usage: Vec<Option<i64>> = spans.iter().map(|s| int_attr(s, "gen_ai.usage.input_tokens")).collect();
    assert_eq!(usage, [Some(107), None, Some(107), None, Some(107)]);
}

// ---- tools and agents ----

/// Looks up the current weather for a city.
///
/// Second paragraph: not part of the description.
#[genai_tool(call_id = call_id.to_owned())]
async fn get_weather(call_id: &str, city: &str) -> Result<String, ApiError> {
    tokio::task::yield_now().await;
    if city == "Atlantis" {
        return Err(ApiError::Timeout);
    }
    Ok(format!("sunny in {city}"))
}

#[genai_tool(name = "search", tool_type = "datastore", description = "Searches the index.", conversation_id = "conv-7")]
fn search_index(q: &str) -> Vec<String> {
    vec![q.to_uppercase()]
}

#[genai_span(operation = "chat", provider = "openai", model = model)]
async fn plan(model: &str) -> Result<ChatResponse, ApiError> {
    Ok(response(model, "plan"))
}

/// Researches a question.
#[genai_agent(name = "researcher", id = "agent-42", version = "1.2.0", conversation_id = "conv-7")]
async fn research(q: &str) -> Result<String, ApiError> {
    let p = plan("gpt-4o").await?;
    // Two tools in parallel.
    let (a, b) = futures::join!(get_weather("call_1", "Paris"), get_weather("call_2", "Oslo"));
    let hits = search_index(q);
    Ok(format!("{} {} {} {}", p.text, a?, b?, hits[0]))
}

#[genai_agent]
fn sync_agent() -> u32 {
    search_index("x").len() as u32
}

#[tokio::test]
async fn tool_spans_follow_the_conventions() {
    let t = with_error_messages();
    get_weather("call_9", "Rome").await.unwrap();
    get_weather("call_10", "Atlantis").await.unwrap_err();
    search_index("q");
    let spans = t.spans();
    let ok = &spans[0];
    assert_eq!(ok.name, "execute_tool get_weather");
    assert_eq!(ok.span_kind, SpanKind::Internal);
    assert!(is_root(ok));
    assert_eq!(keys(ok), ["gen_ai.operation.name", "gen_ai.tool.call.id", "gen_ai.tool.description", "gen_ai.tool.name", "gen_ai.tool.type"]);
    assert_eq!(attr(ok, "gen_ai.operation.name"), Some(&s("execute_tool")));
    assert_eq!(attr(ok, "gen_ai.tool.name"), Some(&s("get_weather")));
    assert_eq!(attr(ok, "gen_ai.tool.type"), Some(&s("function")));
    assert_eq!(attr(ok, "gen_ai.tool.call.id"), Some(&s("call_9")));
    assert_eq!(attr(ok, "gen_ai.tool.description"), Some(&s("Looks up the current weather for a city.")));
    let failed = &spans[1];
    assert_eq!(attr(failed, "error.type"), Some(&s("timeout")));
    assert_eq!(error_description(failed).as_deref(), Some("request timed out"));
    let search = &spans[2];
    assert_eq!(search.name, "execute_tool search");
    assert_eq!(attr(search, "gen_ai.tool.type"), Some(&s("datastore")));
    assert_eq!(attr(search, "gen_ai.tool.description"), Some(&s("Searches the index.")));
    assert_eq!(attr(search, "gen_ai.conversation.id"), Some(&s("conv-7")));

    let points = t.f64_histogram("gen_ai.execute_tool.duration");
    let mut attrs: Vec<Vec<(String, String)>> = points.iter().map(|p| genai_o11y::testing::point_attrs(p.attributes())).collect();
    attrs.sort();
    assert_eq!(
        attrs,
        [
            vec![("error.type".into(), "timeout".into()), ("gen_ai.tool.name".into(), "get_weather".into()), ("gen_ai.tool.type".into(), "function".into())],
            vec![("gen_ai.tool.name".into(), "get_weather".into()), ("gen_ai.tool.type".into(), "function".into())],
            vec![("gen_ai.tool.name".into(), "search".into()), ("gen_ai.tool.type".into(), "datastore".into())],
        ]
    );
}

#[tokio::test]
async fn an_agent_is_the_parent_of_its_chats_and_tools_under_the_apps_own_span() {
    let t = TestTelemetry::new();
    let out = research("rust").instrument(tracing::info_span!("http.request")).await.unwrap();
    assert_eq!(out, "plan sunny in Paris sunny in Oslo RUST");
    let request = t.span("http.request");
    let agent = t.span("invoke_agent researcher");
    let chat = t.span("chat gpt-4o");
    let tools: Vec<_> = t.spans().into_iter().filter(|s| s.name == "execute_tool get_weather").collect();
    let search = t.span("execute_tool search");
    assert!(is_root(&request));
    assert!(is_child_of(&agent, &request), "the agent nests under the app's span");
    assert!(is_child_of(&chat, &agent));
    assert_eq!(tools.len(), 2);
    assert!(tools.iter().all(|tool| is_child_of(tool, &agent)), "parallel tools are both children of the agent");
    assert!(is_child_of(&search, &agent));
    assert_ne!(tools[0].span_context.span_id(), tools[1].span_context.span_id());

    assert_eq!(agent.span_kind, SpanKind::Internal);
    assert_eq!(
        keys(&agent),
        [
            "gen_ai.agent.description",
            "gen_ai.agent.id",
            "gen_ai.agent.name",
            "gen_ai.agent.version",
            "gen_ai.conversation.id",
            "gen_ai.operation.name",
            "genai_o11y.agent.inference_calls",
            "genai_o11y.agent.tool_calls",
            "genai_o11y.aggregated_cost.amount",
            "genai_o11y.aggregated_cost.currency",
            "genai_o11y.aggregated_usage.cache_read.input_tokens",
            "genai_o11y.aggregated_usage.input_tokens",
            "genai_o11y.aggregated_usage.output_tokens",
        ]
    );
    assert_eq!(int_attr(&agent, "genai_o11y.agent.inference_calls"), Some(1));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.tool_calls"), Some(3));
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), int_attr(&chat, "gen_ai.usage.input_tokens"));
    assert_eq!(attr(&agent, "gen_ai.operation.name"), Some(&s("invoke_agent")));
    assert_eq!(attr(&agent, "gen_ai.agent.name"), Some(&s("researcher")));
    assert_eq!(attr(&agent, "gen_ai.agent.id"), Some(&s("agent-42")));
    assert_eq!(attr(&agent, "gen_ai.agent.version"), Some(&s("1.2.0")));
    assert_eq!(attr(&agent, "gen_ai.agent.description"), Some(&s("Researches a question.")));
    // Tools run by the agent name it.
    assert!(tools.iter().all(|tool| attr(tool, "gen_ai.agent.name") == Some(&s("researcher"))));
    let points = t.f64_histogram("gen_ai.execute_tool.duration");
    assert!(points.iter().all(|p| p.attributes().any(|kv| kv.key.as_str() == "gen_ai.agent.name" && kv.value == s("researcher"))));
    let agent_points = t.f64_histogram("gen_ai.invoke_agent.duration");
    assert_eq!(agent_points.len(), 1);
    assert_eq!(genai_o11y::testing::point_attrs(agent_points[0].attributes()), [("gen_ai.agent.name".to_owned(), "researcher".to_owned())]);
    // After the agent returned, tools called outside it carry no agent name.
    t.reset_spans();
    search_index("after");
    assert_eq!(attr(&t.span("execute_tool search"), "gen_ai.agent.name"), None);
}

#[test]
fn sync_agents_parent_their_tools() {
    let t = TestTelemetry::new();
    assert_eq!(sync_agent(), 1);
    let agent = t.span("invoke_agent sync_agent");
    let tool = t.span("execute_tool search");
    assert!(is_child_of(&tool, &agent));
    assert_eq!(attr(&tool, "gen_ai.agent.name"), Some(&s("sync_agent")));
    assert_eq!(attr(&agent, "gen_ai.agent.description"), None);
    assert_eq!(agent.status, Status::Unset);
    assert!(attr(&agent, "gen_ai.usage.input_tokens").is_none());
    assert_eq!(attr(&agent, "gen_ai.operation.name"), Some(&Value::String("invoke_agent".into())));
}

// ---- type-erased errors: the chain is searched for a known error type ----

#[derive(Debug)]
struct Throttled;
impl std::fmt::Display for Throttled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("throttled by the provider")
    }
}
impl std::error::Error for Throttled {}
impl genai_o11y::ErrorType for Throttled {
    fn error_type(&self) -> std::borrow::Cow<'static, str> {
        "429".into()
    }
}

#[derive(Debug)]
struct NeverRegistered;
impl std::fmt::Display for NeverRegistered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unknown")
    }
}
impl std::error::Error for NeverRegistered {}

#[genai_tool]
fn erased(kind: u8) -> anyhow::Result<u8> {
    use anyhow::Context as _;
    match kind {
        0 => Err(anyhow::Error::new(Throttled)).context("calling the model"),
        1 => Err(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "down")).context("reaching the index"),
        2 => Err(anyhow::Error::new(NeverRegistered)),
        _ => Ok(kind),
    }
}

#[genai_tool]
fn boxed() -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    Err(Box::new(Throttled))
}

#[test]
fn anyhow_errors_take_the_error_type_of_a_known_error_in_their_chain() {
    genai_o11y::register_error_type::<Throttled>();
    let t = TestTelemetry::new();
    let error_type = |s: &opentelemetry_sdk::trace::SpanData| string_attr(s, "error.type");
    assert!(erased(0).is_err());
    assert_eq!(error_type(&t.span("execute_tool erased")).as_deref(), Some("429"), "the registered type beneath the context");
    t.reset_spans();
    assert!(erased(1).is_err());
    assert_eq!(error_type(&t.span("execute_tool erased")).as_deref(), Some("connection_refused"), "std::io::Error is known from the start");
    t.reset_spans();
    assert!(erased(2).is_err());
    assert_eq!(error_type(&t.span("execute_tool erased")).as_deref(), Some("anyhow::Error"), "nothing known in the chain: the erased type");
    t.reset_spans();
    assert!(boxed().is_err());
    let s = t.span("execute_tool boxed");
    assert_eq!(error_type(&s).as_deref(), Some("429"));
    assert_eq!(string_attr(&s, "exception.type"), None, "exception.type lives on the exception event");
    let event = s.events.iter().find(|e| e.name == "exception").expect("the exception event");
    assert!(event.attributes.iter().any(|kv| kv.key.as_str() == "exception.type" && kv.value.as_str().ends_with("Throttled")), "{event:?}");
    let durations = t.f64_histogram("gen_ai.execute_tool.duration");
    let types: Vec<String> = durations
        .iter()
        .flat_map(|p| p.attributes().filter(|kv| kv.key.as_str() == "error.type").map(|kv| kv.value.as_str().into_owned()).collect::<Vec<_>>())
        .collect();
    assert!(types.contains(&"429".to_owned()) && types.contains(&"connection_refused".to_owned()), "{types:?}");
}

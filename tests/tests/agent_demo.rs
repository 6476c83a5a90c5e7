//! The examples' agent demo (`genai_o11y_examples::agent_demo`) against the fake
//! OpenAI-compatible server: real HTTP, real SSE, the annotations' spans and metrics.
//!
//! `TestTelemetry` is per thread: current-thread `#[tokio::test]`s, the fake server runs on the
//! same thread.

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y_examples::agent_demo::{self, ApiError, ChatRequest, Message, OpenAiClient, MODEL};
use genai_o11y_examples::fake_openai::{self, CACHED_TOKENS, COMPLETION_TOKENS_PER_TOOL_CALL, PROMPT_TOKENS_PER_MESSAGE};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;

fn reasons(v: &[&str]) -> Value {
    Value::Array(Array::String(v.iter().map(|s| (*s).to_owned().into()).collect()))
}

fn named(t: &TestTelemetry, name: &str) -> Vec<SpanData> {
    let mut v: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name == name).collect();
    v.sort_by_key(|s| s.start_time);
    v
}

#[tokio::test]
async fn the_agent_demo_makes_the_span_tree() {
    let server = fake_openai::start().await;
    let t = TestTelemetry::new();
    let answer = agent_demo::run(&server.base_url(), Some("sk-test-123")).await.unwrap();
    assert_eq!(answer, "Trip plan: Paris: 18°C, light rain; Oslo: 9°C, clear. Pack for both.");
    let answer_words = answer.split_inclusive(' ').count() as i64;

    // The tree: invoke_agent trip_planner -> chat, 2x execute_tool, streamed chat.
    let agent = t.span("invoke_agent trip_planner");
    let chats = named(&t, "chat gpt-4o");
    let tools = named(&t, "execute_tool get_weather");
    assert_eq!((chats.len(), tools.len()), (2, 2), "{:?}", t.span_names());
    assert!(is_root(&agent));
    assert!(chats.iter().chain(&tools).all(|s| is_child_of(s, &agent)), "every call is a child of the agent");
    let (plan, answer_span) = (&chats[0], &chats[1]);
    assert!(tools.iter().all(|tool| tool.start_time >= plan.end_time && tool.end_time <= answer_span.start_time));
    assert!(tools[0].start_time < tools[1].end_time && tools[1].start_time < tools[0].end_time, "the tools ran in parallel");

    // The agent.
    assert_eq!(agent.span_kind, SpanKind::Internal);
    assert_eq!(agent.status, Status::Unset);
    assert_eq!(string_attr(&agent, "gen_ai.agent.name").as_deref(), Some("trip_planner"));
    assert_eq!(
        string_attr(&agent, "gen_ai.agent.description").as_deref(),
        Some("Plans a trip: asks the model, runs the weather lookups it asks for in parallel, then streams the final answer.")
    );
    assert_eq!(int_attr(&agent, "genai_o11y.agent.inference_calls"), Some(2));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.tool_calls"), Some(2));

    // The first chat: not streamed, asks for two tool calls.
    let p = PROMPT_TOKENS_PER_MESSAGE as i64;
    assert_eq!(plan.span_kind, SpanKind::Client);
    assert_eq!(attr(plan, "gen_ai.request.stream"), None);
    assert_eq!(string_attr(plan, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(string_attr(plan, "gen_ai.provider.name").as_deref(), Some("openai"));
    assert_eq!(string_attr(plan, "gen_ai.request.model").as_deref(), Some(MODEL));
    assert!(matches!(attr(plan, "gen_ai.request.temperature"), Some(Value::F64(v)) if (*v - 0.2).abs() < 1e-6));
    assert_eq!(string_attr(plan, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(string_attr(plan, "gen_ai.response.id").as_deref(), Some("chatcmpl-fake-1"));
    assert_eq!(attr(plan, "gen_ai.response.finish_reasons"), Some(&reasons(&["tool_calls"])));
    assert_eq!(int_attr(plan, "gen_ai.usage.input_tokens"), Some(2 * p), "system + user");
    assert_eq!(int_attr(plan, "gen_ai.usage.output_tokens"), Some(2 * COMPLETION_TOKENS_PER_TOOL_CALL as i64));
    assert_eq!(int_attr(plan, "gen_ai.usage.cache_read.input_tokens"), Some(0));

    // The streamed answer.
    assert_eq!(attr(answer_span, "gen_ai.request.stream"), Some(&Value::Bool(true)));
    assert_eq!(string_attr(answer_span, "gen_ai.response.id").as_deref(), Some("chatcmpl-fake-2"));
    assert_eq!(attr(answer_span, "gen_ai.response.finish_reasons"), Some(&reasons(&["stop"])));
    assert_eq!(int_attr(answer_span, "gen_ai.usage.input_tokens"), Some(5 * p), "system, user, assistant, 2 tool results");
    assert_eq!(int_attr(answer_span, "gen_ai.usage.output_tokens"), Some(answer_words));
    assert_eq!(int_attr(answer_span, "gen_ai.usage.cache_read.input_tokens"), Some(CACHED_TOKENS as i64));
    assert!(matches!(attr(answer_span, "gen_ai.response.time_to_first_chunk"), Some(Value::F64(v)) if *v > 0.0));
    assert_eq!(attr(answer_span, "genai_o11y.usage.missing"), None);

    // server.* on both chats.
    for chat in &chats {
        assert_eq!(string_attr(chat, "server.address").as_deref(), Some("127.0.0.1"));
        assert_eq!(int_attr(chat, "server.port"), Some(i64::from(server.port())));
    }

    // The rollup on the agent: both chats, counted once.
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(7 * p));
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.output_tokens"), Some(24 + answer_words));

    // The tools.
    let mut call_ids: Vec<String> = tools.iter().map(|s| string_attr(s, "gen_ai.tool.call.id").unwrap()).collect();
    call_ids.sort();
    assert_eq!(call_ids, ["call_oslo", "call_paris"]);
    for tool in &tools {
        assert_eq!(tool.status, Status::Unset);
        assert_eq!(string_attr(tool, "gen_ai.agent.name").as_deref(), Some("trip_planner"));
        assert_eq!(string_attr(tool, "gen_ai.tool.description").as_deref(), Some("Looks up the current weather for a city."));
        assert_eq!(string_attr(tool, "gen_ai.tool.type").as_deref(), Some("function"));
    }

    // Metrics.
    let tokens = t.u64_histogram("gen_ai.client.token.usage");
    assert_eq!(tokens.iter().map(|p| p.sum()).sum::<u64>(), (7 * p + 24 + answer_words) as u64);
    assert_eq!(t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| p.count()).sum::<u64>(), 2);
    assert_eq!(t.f64_histogram("gen_ai.execute_tool.duration").iter().map(|p| p.count()).sum::<u64>(), 2);
    assert_eq!(t.f64_histogram("gen_ai.client.operation.time_to_first_chunk").iter().map(|p| p.count()).sum::<u64>(), 1);
    assert_eq!(t.f64_histogram("gen_ai.invoke_agent.duration").len(), 1);

    // What the server saw.
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.header("authorization") == Some("Bearer sk-test-123")));
    assert_eq!(requests[0].body["stream"], false);
    assert_eq!(requests[1].body["stream"], true);
    assert_eq!(requests[1].body["stream_options"]["include_usage"], true);
    assert_eq!(requests[1].body["messages"][2]["tool_calls"].as_array().map(Vec::len), Some(2));
    assert_eq!(requests[1].body["messages"][3]["role"], "tool");
    server.shutdown();
}

#[tokio::test]
async fn a_stream_read_to_the_end_carries_the_usage_of_its_last_chunk() {
    let server = fake_openai::start().await;
    let t = TestTelemetry::new();
    let client = OpenAiClient::new(&server.base_url(), None).unwrap();
    let stream = client.chat_stream(&ChatRequest::new(MODEL, vec![Message::user("hello there")]).max_tokens(64)).await.unwrap();
    let chunks: Vec<_> = stream.collect().await;
    let text: String = chunks.iter().map(|c| c.as_ref().unwrap().text()).collect();
    assert_eq!(text, "Scripted answer to: hello there");
    assert!(chunks.last().unwrap().as_ref().unwrap().usage.is_some(), "usage in the last chunk");
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "gen_ai.request.stream"), Some(&Value::Bool(true)));
    assert_eq!(int_attr(&span, "gen_ai.request.max_tokens"), Some(64));
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(PROMPT_TOKENS_PER_MESSAGE as i64));
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(5));
    assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&reasons(&["stop"])));
    assert!(server.requests()[0].header("authorization").is_none(), "no key, no header");
}

#[tokio::test]
async fn http_429_is_error_type_429_on_the_chat_and_the_agent() {
    let server = fake_openai::start().await;
    server.set_failure(Some(429));
    let t = TestTelemetry::new();
    let err = agent_demo::run(&server.base_url(), Some("k")).await.unwrap_err();
    assert!(matches!(&err, ApiError::RateLimited { message } if message.contains("Rate limit")), "{err:?}");
    let chat = t.span("chat gpt-4o");
    let agent = t.span("invoke_agent trip_planner");
    assert_eq!(string_attr(&chat, "error.type").as_deref(), Some("429"));
    assert_eq!(string_attr(&agent, "error.type").as_deref(), Some("429"));
    assert_eq!(error_description(&chat).as_deref(), Some("rate limited (HTTP 429)"), "the content-free description");
    assert!(t.spans().iter().all(|s| s.name != "execute_tool get_weather"));
}

#[tokio::test]
async fn other_statuses_are_other_and_a_slow_server_is_a_timeout() {
    let server = fake_openai::start().await;
    let t = TestTelemetry::new();
    server.set_failure(Some(500));
    let client = OpenAiClient::new(&server.base_url(), None).unwrap();
    let err = client.chat(&ChatRequest::new(MODEL, vec![Message::user("hi")])).await.unwrap_err();
    assert!(matches!(err, ApiError::Status { status: 500, .. }), "{err:?}");
    assert_eq!(string_attr(&t.span("chat gpt-4o"), "error.type").as_deref(), Some("_OTHER"));

    t.reset_spans();
    server.set_failure(None);
    server.set_delay(Duration::from_millis(500));
    let impatient = OpenAiClient::with_timeout(&server.base_url(), None, Duration::from_millis(50)).unwrap();
    let err = impatient.chat_stream(&ChatRequest::new(MODEL, vec![Message::user("hi")])).await.err().expect("timed out");
    assert_eq!(err, ApiError::Timeout);
    let span = t.span("chat gpt-4o");
    assert_eq!(string_attr(&span, "error.type").as_deref(), Some("timeout"));
    assert_eq!(attr(&span, "gen_ai.request.stream"), Some(&Value::Bool(true)));
}

//! The `async-openai` adapter: functions returning the real crate's types (built from payloads
//! shaped as OpenAI's API documents them, deserialized into async-openai 0.43's types; no
//! network) need no `usage = ...`: usage with cached and reasoning tokens, response id, model and
//! finish reasons reach the span and the metrics.

mod common;

use async_openai::types::chat::{CreateChatCompletionResponse, CreateChatCompletionStreamResponse};
use async_openai::types::embeddings::CreateEmbeddingResponse;
use async_openai::types::responses::{Response, ResponseStreamEvent};
use common::*;
use futures::stream::{self, Stream, StreamExt};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, HasUsage};
use opentelemetry::{Array, Value};
use serde_json::json;

fn strings(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> Vec<String> {
    match attr(span, key) {
        Some(Value::Array(Array::String(v))) => v.iter().map(|s| s.as_str().to_owned()).collect(),
        other => panic!("{key}: {other:?}"),
    }
}

fn chat_completion(with_usage: bool) -> CreateChatCompletionResponse {
    let mut v = json!({
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "gpt-4o-2024-08-06",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "The image shows a wooden boardwalk.", "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 1117,
            "completion_tokens": 46,
            "total_tokens": 1163,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 12, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "service_tier": "default",
        "system_fingerprint": "fp_fc9f1d7035"
    });
    if !with_usage {
        v.as_object_mut().unwrap().remove("usage");
    }
    serde_json::from_value(v).expect("the documented payload deserializes into async-openai's type")
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(with_usage: bool) -> Result<CreateChatCompletionResponse, ApiError> {
    Ok(chat_completion(with_usage))
}

#[tokio::test]
async fn a_chat_completion_reports_usage_with_cache_and_reasoning_id_model_and_finish_reasons() {
    let t = TestTelemetry::new();
    chat(true).await.unwrap();
    let s = t.span("chat gpt-4o");
    assert_eq!(int_attr(&s, "gen_ai.usage.input_tokens"), Some(1117), "prompt_tokens include the cached ones, as the spec wants");
    assert_eq!(int_attr(&s, "gen_ai.usage.output_tokens"), Some(46));
    assert_eq!(int_attr(&s, "gen_ai.usage.cache_read.input_tokens"), Some(1024));
    assert_eq!(int_attr(&s, "gen_ai.usage.reasoning.output_tokens"), Some(12));
    assert_eq!(string_attr(&s, "gen_ai.response.id").as_deref(), Some("chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG"));
    assert_eq!(string_attr(&s, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(strings(&s, "gen_ai.response.finish_reasons"), ["stop"]);
    let tokens = t.u64_histogram("gen_ai.client.token.usage");
    assert_eq!(tokens.iter().map(|p| p.sum()).sum::<u64>(), 1117 + 46);
}

#[tokio::test]
async fn a_response_without_usage_is_missing_usage_never_zeros() {
    let t = TestTelemetry::new();
    chat(false).await.unwrap();
    let s = t.span("chat gpt-4o");
    assert_eq!(int_attr(&s, "gen_ai.usage.input_tokens"), None);
    assert_eq!(int_attr(&s, "gen_ai.usage.output_tokens"), None);
    assert_eq!(attr(&s, "genai_o11y.usage.missing"), Some(&Value::Bool(true)));
}

fn chunk(v: serde_json::Value) -> CreateChatCompletionStreamResponse {
    serde_json::from_value(v).expect("a documented chunk")
}

/// Chunks as OpenAI streams them with `stream_options.include_usage`: deltas, a chunk with the
/// finish reason, then a last chunk with no choices and the usage.
fn chat_chunks() -> Vec<Result<CreateChatCompletionStreamResponse, ApiError>> {
    let base = |choices: serde_json::Value, usage: serde_json::Value| {
        json!({"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190, "model": "gpt-4o-mini-2024-07-18",
               "system_fingerprint": "fp_44709d6fcb", "choices": choices, "usage": usage})
    };
    vec![
        Ok(chunk(base(json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": null, "finish_reason": null}]), json!(null)))),
        Ok(chunk(base(json!([{"index": 0, "delta": {"content": "Hello"}, "logprobs": null, "finish_reason": null}]), json!(null)))),
        Ok(chunk(base(json!([{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "length"}]), json!(null)))),
        Ok(chunk(base(
            json!([]),
            json!({"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21, "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}}),
        ))),
    ]
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-mini")]
fn stream_chat() -> impl Stream<Item = Result<CreateChatCompletionStreamResponse, ApiError>> {
    stream::iter(chat_chunks())
}

#[tokio::test]
async fn stream_chunks_report_usage_from_the_last_chunk_and_the_finish_reason_from_theirs() {
    let t = TestTelemetry::new();
    let n = stream_chat().count().await;
    assert_eq!(n, 4);
    let s = t.span("chat gpt-4o-mini");
    assert_eq!(int_attr(&s, "gen_ai.usage.input_tokens"), Some(9));
    assert_eq!(int_attr(&s, "gen_ai.usage.output_tokens"), Some(12));
    assert_eq!(strings(&s, "gen_ai.response.finish_reasons"), ["length"], "the last chunk, with no choices, keeps the reason");
    assert_eq!(string_attr(&s, "gen_ai.response.model").as_deref(), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!(attr(&s, "genai_o11y.usage.missing"), None);
}

fn responses_object(status: &str, output: serde_json::Value, incomplete: Option<&str>) -> serde_json::Value {
    json!({
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "status": status,
        "error": null,
        "incomplete_details": incomplete.map(|r| json!({"reason": r})),
        "instructions": null,
        "max_output_tokens": null,
        "model": "gpt-4.1-2025-04-14",
        "output": output,
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null},
        "store": true,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 20}, "output_tokens": 87,
                  "output_tokens_details": {"reasoning_tokens": 30}, "total_tokens": 123},
        "user": null,
        "metadata": {}
    })
}

fn message_output() -> serde_json::Value {
    json!([{"type": "message", "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": "In a peaceful grove beneath a silver moon...", "annotations": []}]}])
}

fn function_call_output() -> serde_json::Value {
    json!([{"type": "function_call", "id": "fc_12345xyz", "call_id": "call_12345xyz", "name": "get_weather",
            "arguments": "{\"location\":\"Paris, France\"}", "status": "completed"}])
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4.1")]
fn respond(v: serde_json::Value) -> Result<Response, ApiError> {
    Ok(serde_json::from_value(v).expect("a documented Responses API object"))
}

#[test]
fn responses_api_objects_report_usage_and_finish_reasons() {
    let t = TestTelemetry::new();
    respond(responses_object("completed", message_output(), None)).unwrap();
    respond(responses_object("completed", function_call_output(), None)).unwrap();
    respond(responses_object("incomplete", message_output(), Some("max_output_tokens"))).unwrap();
    let spans = t.spans();
    assert_eq!(spans.len(), 3);
    let s = &spans[0];
    assert_eq!(int_attr(s, "gen_ai.usage.input_tokens"), Some(36));
    assert_eq!(int_attr(s, "gen_ai.usage.output_tokens"), Some(87));
    assert_eq!(int_attr(s, "gen_ai.usage.cache_read.input_tokens"), Some(20));
    assert_eq!(int_attr(s, "gen_ai.usage.reasoning.output_tokens"), Some(30));
    assert_eq!(string_attr(s, "gen_ai.response.id").as_deref(), Some("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"));
    assert_eq!(string_attr(s, "gen_ai.response.model").as_deref(), Some("gpt-4.1-2025-04-14"));
    assert_eq!(strings(&spans[0], "gen_ai.response.finish_reasons"), ["stop"]);
    assert_eq!(strings(&spans[1], "gen_ai.response.finish_reasons"), ["tool_calls"]);
    assert_eq!(strings(&spans[2], "gen_ai.response.finish_reasons"), ["length"]);
}

fn event(v: serde_json::Value) -> ResponseStreamEvent {
    serde_json::from_value(v).expect("a documented stream event")
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4.1")]
fn respond_streaming() -> impl Stream<Item = Result<ResponseStreamEvent, ApiError>> {
    let created = responses_object("in_progress", json!([]), None);
    let mut created_without_usage = created.clone();
    created_without_usage["usage"] = json!(null);
    stream::iter(vec![
        Ok(event(json!({"type": "response.created", "sequence_number": 0, "response": created_without_usage}))),
        Ok(event(
            json!({"type": "response.output_text.delta", "sequence_number": 1, "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "In a", "logprobs": []}),
        )),
        Ok(event(json!({"type": "response.completed", "sequence_number": 2, "response": responses_object("completed", message_output(), None)}))),
    ])
}

#[tokio::test]
async fn responses_api_stream_events_report_the_completed_responses_usage() {
    let t = TestTelemetry::new();
    assert_eq!(respond_streaming().count().await, 3);
    let s = t.span("chat gpt-4.1");
    assert_eq!(int_attr(&s, "gen_ai.usage.input_tokens"), Some(36));
    assert_eq!(int_attr(&s, "gen_ai.usage.output_tokens"), Some(87));
    assert_eq!(strings(&s, "gen_ai.response.finish_reasons"), ["stop"]);
    assert_eq!(string_attr(&s, "gen_ai.response.id").as_deref(), Some("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"));
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small")]
fn embed() -> Result<CreateEmbeddingResponse, ApiError> {
    Ok(serde_json::from_value(json!({
        "object": "list",
        "data": [{"object": "embedding", "embedding": [0.0023064255, -0.009327292, -0.0028842222], "index": 0}],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
    }))
    .expect("a documented embeddings response"))
}

#[test]
fn embeddings_report_their_input_tokens() {
    let t = TestTelemetry::new();
    embed().unwrap();
    let s = t.span("embeddings text-embedding-3-small");
    assert_eq!(int_attr(&s, "gen_ai.usage.input_tokens"), Some(8));
    assert_eq!(int_attr(&s, "gen_ai.usage.output_tokens"), None);
    assert_eq!(string_attr(&s, "gen_ai.response.model").as_deref(), Some("text-embedding-3-small"));
}

#[test]
fn the_types_report_usage_by_hand_too() {
    let u = chat_completion(true).usage();
    assert_eq!((u.input_tokens, u.cache_read_input_tokens, u.reasoning_output_tokens), (Some(1117), Some(1024), Some(12)));
    assert!(chat_completion(false).usage().is_empty());
}

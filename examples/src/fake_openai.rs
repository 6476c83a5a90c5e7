//! A fake OpenAI-compatible chat server (`POST /v1/chat/completions`) on `127.0.0.1:0`, for the
//! agent demo and the tests. Deterministic and scripted:
//!
//! * the request has `tools` and no `tool` message yet: the answer asks for two tool calls,
//!   `get_weather` for Paris (`call_paris`) and Oslo (`call_oslo`), `finish_reason = "tool_calls"`;
//! * otherwise: a text answer, `finish_reason = "stop"`. With tool results it is
//!   `"Trip plan: {results joined by "; "}. Pack for both."`, without them
//!   `"Scripted answer to: {last user message}"`.
//!
//! `stream: true` answers with server-sent events (`data: {chat.completion.chunk}` ... `data: [DONE]`),
//! one chunk per word, and, when `stream_options.include_usage` is true, a last chunk with no
//! choices that carries `usage` (as OpenAI does).
//!
//! Usage, so tests can assert exact counts: `prompt_tokens = 40 × messages`,
//! `prompt_tokens_details.cached_tokens = 32` once the conversation holds an assistant message
//! (else 0), `completion_tokens = 12 × tool calls` or the number of words of the text.
//! The response model is `"{model}-2024-08-06"`, the id `chatcmpl-fake-{n}` (`n` counts requests
//! from 1).
//!
//! `GET /v1/responses/{id}` (the Responses API's "Get a model response") answers two stored
//! responses: `resp_done` (`completed`, the text `"Stored answer."`) and `resp_cut`
//! (`incomplete`, `max_output_tokens`), both of model `gpt-4o-2024-08-06` with the instructions
//! `"Answer briefly."`; any other id is a 404. `?stream=true` answers their events
//! (`response.created` with sequence number 0, `response.completed` / `response.incomplete`
//! with 1), those after `starting_after` only.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures::StreamExt;
use serde_json::{json, Value};

/// Prompt tokens per message in the request (see the module docs).
pub const PROMPT_TOKENS_PER_MESSAGE: u64 = 40;
/// Cached prompt tokens once the conversation holds an assistant message.
pub const CACHED_TOKENS: u64 = 32;
/// Completion tokens per requested tool call.
pub const COMPLETION_TOKENS_PER_TOOL_CALL: u64 = 12;
/// Pause between two streamed chunks.
pub const CHUNK_INTERVAL: Duration = Duration::from_millis(2);

/// One request the server received.
#[derive(Clone, Debug)]
pub struct FakeRequest {
    pub path: String,
    /// Names lower case.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Value::Null` if it was not JSON).
    pub body: Value,
}

impl FakeRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<FakeRequest>>,
    failure: Mutex<Option<u16>>,
    delay: Mutex<Duration>,
    counter: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running fake server. Stops on [`FakeOpenAi::shutdown`] or drop.
pub struct FakeOpenAi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

/// Starts the server on the current tokio runtime (127.0.0.1, a free port).
pub async fn start() -> FakeOpenAi {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake_openai: bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("fake_openai: local_addr");
    let shared = Arc::new(Shared::default());
    let app = Router::new().route("/v1/chat/completions", post(chat_completions)).route("/v1/responses/{id}", get(get_response)).with_state(shared.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        tokio::select! {
            r = axum::serve(listener, app) => { if let Err(e) = r { eprintln!("fake_openai: server error: {e}"); } }
            _ = stopped => {}
        }
    });
    FakeOpenAi { addr, shared, stop: Mutex::new(Some(stop)) }
}

impl FakeOpenAi {
    /// `http://127.0.0.1:PORT/v1` (what an OpenAI client takes as its base URL).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
    /// Every request received, in order.
    pub fn requests(&self) -> Vec<FakeRequest> {
        lock(&self.shared.requests).clone()
    }
    /// `Some(status)`: answer every request with that HTTP status and an OpenAI-style error body
    /// (429 = `rate_limit_exceeded`); `None`: back to the script.
    pub fn set_failure(&self, status: Option<u16>) {
        *lock(&self.shared.failure) = status;
    }
    /// Wait this long before answering (to exercise client timeouts).
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.shared.delay) = delay;
    }
    /// Stops accepting connections. Idempotent; also done on drop.
    pub fn shutdown(&self) {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn usage(prompt: u64, completion: u64, cached: u64) -> Value {
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": { "cached_tokens": cached },
    })
}

fn tool_calls() -> Vec<Value> {
    [("call_paris", "Paris"), ("call_oslo", "Oslo")]
        .iter()
        .map(|(id, city)| {
            json!({
                "id": id,
                "type": "function",
                "function": { "name": "get_weather", "arguments": json!({ "city": city }).to_string() },
            })
        })
        .collect()
}

async fn chat_completions(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    lock(&shared.requests).push(FakeRequest {
        path: "/v1/chat/completions".into(),
        headers: headers.iter().map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body: request.clone(),
    });
    let n = shared.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let delay = *lock(&shared.delay);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = *lock(&shared.failure) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (kind, message) = match status.as_u16() {
            429 => ("rate_limit_exceeded", "Rate limit reached for gpt-4o. Please try again in 20s."),
            401 => ("invalid_request_error", "Incorrect API key provided."),
            _ => ("server_error", "The server had an error while processing your request."),
        };
        return (status, axum::Json(json!({ "error": { "message": message, "type": kind, "code": kind } }))).into_response();
    }
    let Some(messages) = request.get("messages").and_then(Value::as_array) else {
        let err = json!({ "error": { "message": "'messages' is required", "type": "invalid_request_error" } });
        return (StatusCode::BAD_REQUEST, axum::Json(err)).into_response();
    };
    let model = request.get("model").and_then(Value::as_str).unwrap_or("gpt-4o");
    let response_model = format!("{model}-2024-08-06");
    let id = format!("chatcmpl-fake-{n}");
    let has_tools = request.get("tools").and_then(Value::as_array).is_some_and(|t| !t.is_empty());
    let role = |m: &Value| m.get("role").and_then(Value::as_str).unwrap_or("").to_owned();
    let text_of = |m: &Value| m.get("content").and_then(Value::as_str).unwrap_or("").to_owned();
    let tool_results: Vec<String> = messages.iter().filter(|m| role(m) == "tool").map(text_of).collect();
    let prompt_tokens = PROMPT_TOKENS_PER_MESSAGE * messages.len() as u64;
    let cached = if messages.iter().any(|m| role(m) == "assistant") { CACHED_TOKENS } else { 0 };
    let stream = request.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = request.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false);

    // The script.
    let (content, calls, finish_reason) = if has_tools && tool_results.is_empty() {
        (None, tool_calls(), "tool_calls")
    } else if !tool_results.is_empty() {
        (Some(format!("Trip plan: {}. Pack for both.", tool_results.join("; "))), Vec::new(), "stop")
    } else {
        let last_user = messages.iter().rev().find(|m| role(m) == "user").map(text_of).unwrap_or_default();
        (Some(format!("Scripted answer to: {last_user}")), Vec::new(), "stop")
    };
    let words: Vec<String> = content.as_deref().map(|c| c.split_inclusive(' ').map(str::to_owned).collect()).unwrap_or_default();
    let completion_tokens = if calls.is_empty() { words.len() as u64 } else { COMPLETION_TOKENS_PER_TOOL_CALL * calls.len() as u64 };
    let usage = usage(prompt_tokens, completion_tokens, cached);

    if !stream {
        let mut message = json!({ "role": "assistant", "content": content });
        if !calls.is_empty() {
            message["tool_calls"] = Value::Array(calls);
        }
        let body = json!({
            "id": id,
            "object": "chat.completion",
            "created": 1_700_000_000u64 + n,
            "model": response_model,
            "choices": [{ "index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason }],
            "usage": usage,
        });
        return axum::Json(body).into_response();
    }

    // Streaming: one event per chunk.
    let chunk = |delta: Value, finish: Option<&str>| {
        let mut c = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000u64 + n,
            "model": response_model,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }],
        });
        if include_usage {
            c["usage"] = Value::Null;
        }
        c
    };
    let mut events = vec![chunk(json!({ "role": "assistant", "content": "" }), None)];
    for w in &words {
        events.push(chunk(json!({ "content": w }), None));
    }
    if !calls.is_empty() {
        let deltas: Vec<Value> =
            calls.iter().enumerate().map(|(i, c)| json!({ "index": i, "id": c["id"], "type": "function", "function": c["function"] })).collect();
        events.push(chunk(json!({ "tool_calls": deltas }), None));
    }
    events.push(chunk(json!({}), Some(finish_reason)));
    if include_usage {
        events.push(json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": 1_700_000_000u64 + n,
            "model": response_model,
            "choices": [],
            "usage": usage,
        }));
    }
    let mut lines: Vec<String> = events.into_iter().map(|e| format!("data: {e}\n\n")).collect();
    lines.push("data: [DONE]\n\n".to_owned());
    let body = futures::stream::iter(lines).then(|line| async move {
        tokio::time::sleep(CHUNK_INTERVAL).await;
        Ok::<Bytes, Infallible>(Bytes::from(line))
    });
    ([(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")], Body::from_stream(body)).into_response()
}

/// A stored Responses API object (see the module docs).
fn stored_response(id: &str, in_progress: bool) -> Option<Value> {
    let (status, details, text) = match id {
        "resp_done" => ("completed", Value::Null, "Stored answer."),
        "resp_cut" => ("incomplete", json!({ "reason": "max_output_tokens" }), "Stored ans"),
        _ => return None,
    };
    let status = if in_progress { "in_progress" } else { status };
    Some(json!({
        "id": id,
        "object": "response",
        "created_at": 1_700_000_000u64,
        "model": "gpt-4o-2024-08-06",
        "status": status,
        "incomplete_details": details,
        "instructions": "Answer briefly.",
        "output": [{
            "type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [{ "type": "output_text", "text": text, "annotations": [] }]
        }],
        "usage": {
            "input_tokens": 20, "input_tokens_details": { "cached_tokens": 0 },
            "output_tokens": 3, "output_tokens_details": { "reasoning_tokens": 0 }, "total_tokens": 23
        }
    }))
}

async fn get_response(State(shared): State<Arc<Shared>>, Path(id): Path<String>, uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let query: Vec<(&str, &str)> = uri.query().unwrap_or_default().split('&').filter_map(|kv| kv.split_once('=')).collect();
    let q = |k: &str| query.iter().find(|(key, _)| *key == k).map(|(_, v)| v.to_string());
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    lock(&shared.requests).push(FakeRequest {
        path,
        headers: headers.iter().map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect(),
        body: Value::Null,
    });
    let Some(done) = stored_response(&id, false) else {
        let err = json!({ "error": { "message": format!("No response found with id '{id}'."), "type": "invalid_request_error", "code": null } });
        return (StatusCode::NOT_FOUND, axum::Json(err)).into_response();
    };
    if q("stream").as_deref() != Some("true") {
        return axum::Json(done).into_response();
    }
    let after: Option<u64> = q("starting_after").and_then(|v| v.parse().ok());
    let last = if done["status"] == "completed" { "response.completed" } else { "response.incomplete" };
    let events = [(0u64, "response.created", stored_response(&id, true)), (1, last, Some(done))];
    let body: String = events
        .into_iter()
        .filter(|(n, _, _)| after.is_none_or(|a| *n > a))
        .map(|(n, ty, r)| format!("event: {ty}\ndata: {}\n\n", json!({ "type": ty, "sequence_number": n, "response": r })))
        .collect();
    ([(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

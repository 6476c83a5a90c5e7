//! An agent against an OpenAI-compatible API, instrumented by annotation: a small reqwest client
//! (a chat call and a streamed chat call), a tool, and the agent that ties them together:
//!
//! ```text
//! invoke_agent trip_planner
//!   chat gpt-4o                      (asks for two tool calls)
//!   execute_tool get_weather         (Paris)  } in parallel
//!   execute_tool get_weather         (Oslo)   }
//!   chat gpt-4o                      (streamed final answer, gen_ai.request.stream = true)
//! ```
//!
//! Run it against [`crate::fake_openai`] (no network needed) or any OpenAI-compatible server
//! reachable over plain HTTP (the client is built without TLS).

use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::time::Duration;

use futures::{Stream, StreamExt};
use genai_o11y::{genai_agent, genai_span, genai_tool, ErrorType, HasUsage};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The model the demo asks for.
pub const MODEL: &str = "gpt-4o";
/// The question the demo agent answers.
pub const QUESTION: &str = "I am going to Paris and then Oslo next week. What should I pack?";

// ---- errors ----

/// What can go wrong talking to the API or running a tool.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// HTTP 429.
    RateLimited { message: String },
    /// The request (or the stream) took longer than the client's timeout.
    Timeout,
    /// Any other non-success HTTP status.
    Status { status: u16, message: String },
    /// Connection refused, reset, ...
    Transport(String),
    /// A body or an SSE event that is not what the API promises.
    Decode(String),
    /// A tool failed.
    Tool(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::RateLimited { message } => write!(f, "rate limited: {message}"),
            ApiError::Timeout => f.write_str("request timed out"),
            ApiError::Status { status, message } => write!(f, "HTTP {status}: {message}"),
            ApiError::Transport(e) => write!(f, "transport error: {e}"),
            ApiError::Decode(e) => write!(f, "unexpected response: {e}"),
            ApiError::Tool(e) => write!(f, "tool failed: {e}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl ErrorType for ApiError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ApiError::RateLimited { .. } => "429".into(),
            ApiError::Timeout => "timeout".into(),
            _ => "_OTHER".into(),
        }
    }
    /// Content-free: safe to record with content capture off (the API's messages are not).
    fn description(&self) -> Option<Cow<'static, str>> {
        Some(match self {
            ApiError::RateLimited { .. } => "rate limited (HTTP 429)".into(),
            ApiError::Timeout => "request timed out".into(),
            ApiError::Status { status, .. } => format!("HTTP {status}").into(),
            ApiError::Transport(_) => "transport error".into(),
            ApiError::Decode(_) => "unexpected response".into(),
            ApiError::Tool(_) => "tool failed".into(),
        })
    }
}

impl From<reqwest::Error> for ApiError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            ApiError::Timeout
        } else if e.is_decode() {
            ApiError::Decode(e.to_string())
        } else if let Some(status) = e.status() {
            ApiError::from_status(status.as_u16(), e.to_string())
        } else {
            ApiError::Transport(e.to_string())
        }
    }
}

impl ApiError {
    fn from_status(status: u16, message: String) -> Self {
        if status == 429 {
            ApiError::RateLimited { message }
        } else {
            ApiError::Status { status, message }
        }
    }
}

// ---- wire types ----

/// A conversation message (request and response side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    fn text(role: &str, content: &str) -> Message {
        Message { role: role.into(), content: Some(content.into()), tool_calls: None, tool_call_id: None }
    }
    pub fn system(content: &str) -> Message {
        Message::text("system", content)
    }
    pub fn user(content: &str) -> Message {
        Message::text("user", content)
    }
    pub fn tool(call_id: &str, content: &str) -> Message {
        Message { tool_call_id: Some(call_id.into()), ..Message::text("tool", content) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    pub function: FunctionCall,
}

fn function_type() -> String {
    "function".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    /// JSON, as a string (OpenAI's encoding).
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

/// `POST /chat/completions` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<Message>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

impl ChatRequest {
    pub fn new(model: &str, messages: Vec<Message>) -> ChatRequest {
        ChatRequest { model: model.into(), messages, tools: Vec::new(), temperature: None, max_tokens: None, stream: false, stream_options: None }
    }
    pub fn tools(mut self, tools: Vec<Value>) -> ChatRequest {
        self.tools = tools;
        self
    }
    pub fn temperature(mut self, t: f32) -> ChatRequest {
        self.temperature = Some(t);
        self
    }
    pub fn max_tokens(mut self, n: u32) -> ChatRequest {
        self.max_tokens = Some(n);
        self
    }
}

/// `usage.prompt_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, HasUsage)]
pub struct PromptTokensDetails {
    #[serde(default)]
    pub cached_tokens: Option<u32>,
}

/// `usage` of a completion (and of the last chunk of a stream).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, HasUsage)]
pub struct CompletionUsage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    #[usage(skip)]
    #[serde(default)]
    pub total_tokens: u32,
    /// Cached prompt tokens (`gen_ai.usage.cache_read.input_tokens`).
    #[usage(nested)]
    #[serde(default)]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Choice {
    pub index: u32,
    pub message: Message,
    pub finish_reason: Option<String>,
}

/// Lets `#[usage(finish_reasons)]` read `choices[].finish_reason`.
impl genai_o11y::TextField for Choice {
    fn texts(&self) -> Vec<&str> {
        self.finish_reason.as_deref().into_iter().collect()
    }
    fn first(&self) -> Option<&str> {
        self.finish_reason.as_deref()
    }
}

/// A `chat.completion`: id, model, finish reasons and (nested) usage for the span.
#[derive(Debug, Clone, PartialEq, Deserialize, HasUsage)]
pub struct ChatCompletion {
    pub id: String,
    pub model: String,
    #[usage(finish_reasons)]
    pub choices: Vec<Choice>,
    /// Nested `HasUsage` (a field named `usage` is nested by default).
    pub usage: Option<CompletionUsage>,
}

impl ChatCompletion {
    /// The first choice's message.
    pub fn message(&self) -> Option<&Message> {
        self.choices.first().map(|c| &c.message)
    }
}

/// A streamed tool-call fragment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolCallDelta {
    pub index: u32,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub function: Option<FunctionDelta>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FunctionDelta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Delta {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChunkChoice {
    pub index: u32,
    #[serde(default)]
    pub delta: Delta,
    pub finish_reason: Option<String>,
}

impl genai_o11y::TextField for ChunkChoice {
    fn texts(&self) -> Vec<&str> {
        self.finish_reason.as_deref().into_iter().collect()
    }
    fn first(&self) -> Option<&str> {
        self.finish_reason.as_deref()
    }
}

/// A `chat.completion.chunk`. Usage arrives in the last chunk (`stream_options.include_usage`).
#[derive(Debug, Clone, PartialEq, Deserialize, HasUsage)]
pub struct ChatCompletionChunk {
    pub id: String,
    pub model: String,
    #[usage(finish_reasons)]
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
    #[serde(default)]
    pub usage: Option<CompletionUsage>,
}

impl ChatCompletionChunk {
    /// The text this chunk adds.
    pub fn text(&self) -> &str {
        self.choices.first().and_then(|c| c.delta.content.as_deref()).unwrap_or("")
    }
}

// ---- the client ----

/// A minimal OpenAI-compatible client.
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    http: reqwest::Client,
    base_url: String,
    api_key: Option<String>,
    host: String,
    port: u16,
}

impl OpenAiClient {
    /// `base_url` as OpenAI's SDKs take it (`http://host:port/v1`); requests go to
    /// `{base_url}/chat/completions`. Timeout: 30 s.
    pub fn new(base_url: &str, api_key: Option<&str>) -> Result<OpenAiClient, ApiError> {
        OpenAiClient::with_timeout(base_url, api_key, Duration::from_secs(30))
    }

    pub fn with_timeout(base_url: &str, api_key: Option<&str>, timeout: Duration) -> Result<OpenAiClient, ApiError> {
        let url = reqwest::Url::parse(base_url).map_err(|e| ApiError::Transport(format!("invalid base URL {base_url:?}: {e}")))?;
        let host = url.host_str().ok_or_else(|| ApiError::Transport(format!("no host in {base_url:?}")))?.to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| ApiError::Transport(e.to_string()))?;
        Ok(OpenAiClient { http, base_url: base_url.trim_end_matches('/').to_owned(), api_key: api_key.map(str::to_owned), host, port })
    }

    /// `server.address`.
    pub fn server_address(&self) -> &str {
        &self.host
    }
    /// `server.port`.
    pub fn server_port(&self) -> u16 {
        self.port
    }

    async fn post(&self, body: &ChatRequest) -> Result<reqwest::Response, ApiError> {
        let mut req = self.http.post(format!("{}/chat/completions", self.base_url)).json(body);
        if let Some(key) = &self.api_key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let text = resp.text().await.unwrap_or_default();
        let message =
            serde_json::from_str::<Value>(&text).ok().and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_owned)).unwrap_or(text);
        Err(ApiError::from_status(status.as_u16(), message))
    }

    /// A chat completion.
    #[genai_span(operation = "chat", provider = "openai", model = req.model.clone(), temperature = req.temperature,
                 max_tokens = req.max_tokens, server_address = self.host.clone(), server_port = self.port)]
    pub async fn chat(&self, req: &ChatRequest) -> Result<ChatCompletion, ApiError> {
        let body = ChatRequest { stream: false, stream_options: None, ..req.clone() };
        Ok(self.post(&body).await?.json::<ChatCompletion>().await?)
    }

    /// A streamed chat completion (`stream: true`, usage in the last chunk). The span covers the
    /// whole stream: it ends when the stream does.
    #[genai_span(operation = "chat", provider = "openai", model = req.model.clone(), temperature = req.temperature,
                 max_tokens = req.max_tokens, server_address = self.host.clone(), server_port = self.port)]
    pub async fn chat_stream(&self, req: &ChatRequest) -> Result<impl Stream<Item = Result<ChatCompletionChunk, ApiError>>, ApiError> {
        let body = ChatRequest { stream: true, stream_options: Some(StreamOptions { include_usage: true }), ..req.clone() };
        let resp = self.post(&body).await?;
        Ok(sse_chunks(resp))
    }
}

/// reqwest's body chunks (`bytes::Bytes`, re-exported by axum).
type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>;

struct SseState {
    body: ByteStream,
    buf: Vec<u8>,
    finished: bool,
}

/// The next complete event (`\n\n`-terminated, `\r` removed) in `buf`, if any.
fn take_event(buf: &mut Vec<u8>) -> Option<String> {
    let end = buf.windows(2).position(|w| w == b"\n\n")?;
    let event: Vec<u8> = buf.drain(..end + 2).collect();
    Some(String::from_utf8_lossy(&event).into_owned())
}

/// Parses a `text/event-stream` of chat chunks, up to `data: [DONE]`. A body that ends before
/// `[DONE]` yields a `Decode` error, a body that fails mid-way its transport error.
fn sse_chunks(resp: reqwest::Response) -> impl Stream<Item = Result<ChatCompletionChunk, ApiError>> + Send + 'static {
    let state = SseState { body: Box::pin(resp.bytes_stream()), buf: Vec::new(), finished: false };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if st.finished {
                return None;
            }
            while let Some(event) = take_event(&mut st.buf) {
                let data: Vec<&str> = event.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
                if data.is_empty() {
                    continue; // comment or keep-alive
                }
                let data = data.join("\n");
                if data.trim() == "[DONE]" {
                    return None;
                }
                let item = serde_json::from_str::<ChatCompletionChunk>(&data).map_err(|e| ApiError::Decode(format!("chunk: {e}")));
                st.finished = item.is_err();
                return Some((item, st));
            }
            match st.body.next().await {
                Some(Ok(bytes)) => st.buf.extend(bytes.as_ref().iter().copied().filter(|b| *b != b'\r')),
                Some(Err(e)) => {
                    st.finished = true;
                    return Some((Err(ApiError::from(e)), st));
                }
                None => {
                    st.finished = true;
                    return Some((Err(ApiError::Decode("the stream ended before [DONE]".into())), st));
                }
            }
        }
    })
}

// ---- the tool ----

/// Looks up the current weather for a city.
#[genai_tool(call_id = call.id.clone())]
pub async fn get_weather(call: &ToolCall, city: &str) -> Result<String, ApiError> {
    tokio::time::sleep(Duration::from_millis(5)).await; // the weather service
    match city {
        "Paris" => Ok("Paris: 18°C, light rain".to_owned()),
        "Oslo" => Ok("Oslo: 9°C, clear".to_owned()),
        other => Err(ApiError::Tool(format!("no weather for {other:?}"))),
    }
}

/// The tool as the model sees it.
pub fn weather_tool_definition() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Looks up the current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": { "city": { "type": "string" } },
                "required": ["city"],
            },
        },
    })
}

/// Runs one tool call; a failure becomes the tool message's content (the model sees it).
async fn run_tool(call: &ToolCall) -> Message {
    let args: Value = serde_json::from_str(&call.function.arguments).unwrap_or(Value::Null);
    let content = match call.function.name.as_str() {
        "get_weather" => {
            let city = args.get("city").and_then(Value::as_str).unwrap_or_default();
            get_weather(call, city).await.unwrap_or_else(|e| format!("error: {e}"))
        }
        other => format!("error: unknown tool {other:?}"),
    };
    Message::tool(&call.id, &content)
}

// ---- the agent ----

/// Plans a trip: asks the model, runs the weather lookups it asks for in parallel, then streams the final answer.
#[genai_agent(name = "trip_planner")]
pub async fn plan_trip(client: &OpenAiClient, question: &str) -> Result<String, ApiError> {
    let tools = vec![weather_tool_definition()];
    let mut messages = vec![Message::system("You plan trips. Check the weather with the tools before answering."), Message::user(question)];

    let first = client.chat(&ChatRequest::new(MODEL, messages.clone()).tools(tools.clone()).temperature(0.2)).await?;
    let reply = first.message().cloned().ok_or_else(|| ApiError::Decode("no choices".into()))?;
    let calls = reply.tool_calls.clone().unwrap_or_default();
    if calls.is_empty() {
        return Ok(reply.content.unwrap_or_default());
    }
    messages.push(reply);
    messages.extend(futures::future::join_all(calls.iter().map(run_tool)).await);

    let stream = client.chat_stream(&ChatRequest::new(MODEL, messages).tools(tools).temperature(0.2)).await?;
    let mut stream = std::pin::pin!(stream);
    let mut answer = String::new();
    while let Some(chunk) = stream.next().await {
        answer.push_str(chunk?.text());
    }
    Ok(answer)
}

/// The demo: the trip planner against the OpenAI-compatible API at `base_url`
/// (`http://host:port/v1`), with `api_key` as the bearer token if given.
pub async fn run(base_url: &str, api_key: Option<&str>) -> Result<String, ApiError> {
    let client = OpenAiClient::new(base_url, api_key)?;
    plan_trip(&client, QUESTION).await
}

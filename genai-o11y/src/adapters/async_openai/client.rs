//! Traced calls straight on async-openai's client (feature `async-openai-client`): the telemetry
//! of an annotated function, with no function to annotate.
//!
//! ```no_run
//! # async fn demo(client: async_openai::Client<async_openai::config::OpenAIConfig>,
//! #               request: async_openai::types::chat::CreateChatCompletionRequest) -> Result<(), async_openai::error::OpenAIError> {
//! use genai_o11y::adapters::async_openai::TracedClient;
//! use futures_core::Stream;
//!
//! let answer = client.traced().chat(request.clone()).await?;
//! let chunks = client.traced().chat_stream(request.clone()).await?;   // the span lasts until the stream ends
//! let answer = client
//!     .traced()
//!     .with(|call| call.prompt_name("support-answer").prompt_version("3").attribute("app.tier", "gold"))
//!     .chat(request)
//!     .await?;
//! let stored = client.traced().fetch_response("resp_123").await?; // span `fetch_response`
//! # Ok(()) }
//! ```
//!
//! Each call opens the span `#[genai_span]` would (`chat {model}`, CLIENT) with the request's
//! parameters read from the request itself: model, temperature, `max_completion_tokens` (else
//! `max_tokens`), top_p, stop sequences, seed, frequency and presence penalties, `n`, the output
//! type (`json` for a JSON response format), `stream`, the reasoning effort
//! (`gen_ai.request.reasoning.level`), and for the Responses API `previous_response_id`
//! (`gen_ai.request.previous_response.id`), a compaction item in the input
//! (`gen_ai.conversation.compacted`) and a stored prompt (its id and version as the prompt name
//! and version, its variables as `gen_ai.prompt.variable.<key>` when content is captured);
//! `server.address` / `server.port` from the
//! client's API base; provider `openai` (change it with `.with(|call| call.provider(..))` for
//! another OpenAI-compatible service). Usage, response id and model, finish reasons, and with
//! content capture on the request's messages and tool definitions (the Responses API's input and
//! instructions) and the answer, streamed or not. `error.type` is the HTTP status of an API error
//! (`429`), `timeout`, `connect`, or the kind of client-side failure (see the
//! [`ErrorType`](crate::ErrorType) implementation of `OpenAIError`).

use std::borrow::Cow;

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::chat::ReasoningEffort;
use async_openai::types::chat::{ChatCompletionResponseStream, CreateChatCompletionRequest, CreateChatCompletionResponse, ResponseFormat, StopConfiguration};
use async_openai::types::responses::{CreateResponse, InputItem, InputParam, Item, Response, ResponsePromptVariables, ResponseStream};
use async_openai::Client;
use serde_json::Value as Json;

use crate::call::{ActiveCall, GenAiSpanBuilder, Outcome};
use crate::capture::{to_json, ContentKind};
use crate::error::ErrorType;
use crate::semconv::http as names;

/// The provider every traced call names unless told otherwise.
pub const PROVIDER: &str = "openai";

/// `client.traced()`: traced calls on an async-openai [`Client`].
pub trait TracedClient<C: Config> {
    /// The traced calls of this client (see [the module documentation](self)).
    fn traced(&self) -> Traced<'_, C>;
}

impl<C: Config> TracedClient<C> for Client<C> {
    fn traced(&self) -> Traced<'_, C> {
        Traced { client: self, options: Vec::new() }
    }
}

type Options<'c> = Vec<Box<dyn FnOnce(GenAiSpanBuilder) -> GenAiSpanBuilder + Send + 'c>>;

/// Traced calls on an async-openai [`Client`]; made by [`TracedClient::traced`].
#[must_use = "a traced client does nothing until one of its calls is awaited"]
pub struct Traced<'c, C: Config> {
    client: &'c Client<C>,
    options: Options<'c>,
}

impl<'c, C: Config> Traced<'c, C> {
    /// Adds to the span what the request does not say: any [`GenAiSpanBuilder`] method (prompt
    /// identity, conversation id, extra attributes, another provider or span name), applied
    /// after the parameters read from the request.
    pub fn with(mut self, f: impl FnOnce(GenAiSpanBuilder) -> GenAiSpanBuilder + Send + 'c) -> Self {
        self.options.push(Box::new(f));
        self
    }

    fn start(self, builder: GenAiSpanBuilder) -> ActiveCall {
        let mut b = builder;
        if let Some((host, port)) = server_of(self.client.config().api_base()) {
            b = b.server_address(host).server_port(port);
        }
        for f in self.options {
            b = f(b);
        }
        b.start()
    }

    /// `client.chat().create(request)`, in a `chat {model}` span.
    pub async fn chat(self, request: CreateChatCompletionRequest) -> Result<CreateChatCompletionResponse, OpenAIError> {
        let client = self.client;
        let mut call = self.start(chat_builder(&request));
        capture_chat_request(&mut call, &request);
        call.instrument(client.chat().create(request), |r, capturing| classified(r, capturing, |r| to_json(&r.choices))).await
    }

    /// `client.chat().create_stream(request)`, in a `chat {model}` span that lasts until the
    /// stream ends, fails or is dropped; usage from the last chunk (ask for it with
    /// `stream_options.include_usage`), the answer put back together from the chunks.
    pub async fn chat_stream(self, request: CreateChatCompletionRequest) -> Result<ChatCompletionResponseStream, OpenAIError> {
        let client = self.client;
        let mut call = self.start(chat_builder(&request).stream(true));
        capture_chat_request(&mut call, &request);
        stream_in(call, client.chat().create_stream(request)).await
    }

    /// `client.responses().create(request)` (the Responses API), in a `chat {model}` span.
    pub async fn responses(self, request: CreateResponse) -> Result<Response, OpenAIError> {
        let client = self.client;
        let mut call = self.start(responses_builder(&request));
        capture_responses_request(&mut call, &request);
        call.instrument(client.responses().create(request), |r, capturing| classified(r, capturing, to_json)).await
    }

    /// `client.responses().retrieve(response_id)` (the Responses API's "Get a model response"),
    /// in a `fetch_response` span (CLIENT): `gen_ai.response.id`, and from the fetched response
    /// its model, finish reason and (latest conventions) `gen_ai.response.status`; with content
    /// capture on, its instructions, tool definitions and output (never input messages: a fetched
    /// response does not carry them). No token usage: nothing is generated.
    pub async fn fetch_response(self, response_id: &str) -> Result<Response, OpenAIError> {
        let client = self.client;
        let call = self.start(GenAiSpanBuilder::fetch_response(PROVIDER, response_id));
        let (mut call, out) = call.run_body(client.responses().retrieve(response_id)).await;
        if let (Ok(v), true) = (&out, call.capturing()) {
            // Known only now: they come with the fetched response.
            if let Some(i) = &v.instructions {
                call.capture_serialized(ContentKind::SystemInstructions, i);
            }
            if let Some(t) = &v.tools {
                call.capture_serialized(ContentKind::ToolDefinitions, t);
            }
        }
        let capturing = call.capturing();
        call.finish(classified(&out, capturing, |v| to_json(&v.output)));
        out
    }

    /// `client.responses().retrieve_stream(response_id)`, resuming after the event
    /// `starting_after` when given (`gen_ai.request.stream_cursor` in the latest conventions), in
    /// a `fetch_response` span that lasts until the stream ends; the status, model and finish
    /// reason from the last event that carries the response.
    pub async fn fetch_response_stream(self, response_id: &str, starting_after: Option<u32>) -> Result<ResponseStream, OpenAIError> {
        use async_openai::traits::RequestOptionsBuilder;
        let client = self.client;
        let builder = GenAiSpanBuilder::fetch_response(PROVIDER, response_id).stream_cursor(starting_after.map(|n| n.to_string())).stream(true);
        let call = self.start(builder);
        let responses = client.responses();
        let responses = match starting_after {
            Some(n) => match responses.query(&[("starting_after", n)]) {
                Ok(r) => r,
                Err(e) => {
                    call.finish(Outcome::failure(crate::ErrorInfo::from_error_type(&e)));
                    return Err(e);
                }
            },
            None => responses,
        };
        stream_in(call, responses.retrieve_stream(response_id)).await
    }

    /// `client.responses().create_stream(request)`, in a `chat {model}` span that lasts until
    /// the stream ends; usage and the answer from `response.completed`.
    pub async fn responses_stream(self, request: CreateResponse) -> Result<ResponseStream, OpenAIError> {
        let client = self.client;
        let mut call = self.start(responses_builder(&request).stream(true));
        capture_responses_request(&mut call, &request);
        stream_in(call, client.responses().create_stream(request)).await
    }
}

/// Opens a stream inside the call's span; the stream then carries the span until it ends. A
/// failure to open it ends the span with its error.
async fn stream_in<T>(
    call: ActiveCall,
    open: impl std::future::Future<Output = Result<async_openai::types::stream::StreamResponse<T>, OpenAIError>>,
) -> Result<async_openai::types::stream::StreamResponse<T>, OpenAIError>
where
    T: crate::HasUsage + serde::Serialize + Send + 'static,
{
    let (call, out) = call.run_body(open).await;
    match out {
        Ok(stream) => Ok(Box::pin(call.instrument_stream(stream, classify_chunk))),
        Err(e) => {
            call.finish(Outcome::failure(crate::ErrorInfo::from_error_type(&e)));
            Err(e)
        }
    }
}

/// A response, chunk or stream event: its usage, or its error typed by [`ErrorType`]; with
/// capture on, its `output` content.
fn classified<T: crate::HasUsage>(r: &Result<T, OpenAIError>, capturing: bool, output: impl FnOnce(&T) -> Option<Json>) -> Outcome<'_> {
    match r {
        Ok(v) if capturing => Outcome::with_usage(v).with_output(output(v)),
        Ok(v) => Outcome::with_usage(v),
        Err(e) => Outcome::failure(crate::ErrorInfo::from_error_type(e)),
    }
}

/// A chunk (or stream event), its content folded into the streamed answer.
fn classify_chunk<T: crate::HasUsage + serde::Serialize>(item: &Result<T, OpenAIError>, capturing: bool) -> Outcome<'_> {
    classified(item, capturing, to_json)
}

/// The span of a Chat Completions request, its parameters read from the request (the
/// deprecated `max_tokens` and `seed` too: what the request sends is what the span says).
#[allow(deprecated)]
fn chat_builder(r: &CreateChatCompletionRequest) -> GenAiSpanBuilder {
    let stop: Option<Vec<&str>> = r.stop.as_ref().map(|s| match s {
        StopConfiguration::String(s) => vec![s.as_str()],
        StopConfiguration::StringArray(v) => v.iter().map(String::as_str).collect(),
    });
    let output_type = match r.response_format {
        Some(ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. }) => Some("json"),
        Some(ResponseFormat::Text) => Some("text"),
        _ => None,
    };
    GenAiSpanBuilder::inference("chat", PROVIDER, r.model.as_str())
        .temperature(r.temperature)
        .max_tokens(r.max_completion_tokens.or(r.max_tokens))
        .top_p(r.top_p)
        .stop_sequences(stop)
        .seed(r.seed)
        .frequency_penalty(r.frequency_penalty)
        .presence_penalty(r.presence_penalty)
        .choice_count(r.n)
        .output_type(output_type)
        .stream(r.stream.unwrap_or(false))
        .reasoning_level(r.reasoning_effort.as_ref().map(reasoning_effort))
}

/// The reasoning effort as the request sends it (`gen_ai.request.reasoning.level` is "the exact
/// string value sent to the provider").
fn reasoning_effort(e: &ReasoningEffort) -> &'static str {
    match e {
        ReasoningEffort::None => "none",
        ReasoningEffort::Minimal => "minimal",
        ReasoningEffort::Low => "low",
        ReasoningEffort::Medium => "medium",
        ReasoningEffort::High => "high",
        ReasoningEffort::Xhigh => "xhigh",
        ReasoningEffort::Max => "max",
    }
}

/// The span of a Responses API request.
fn responses_builder(r: &CreateResponse) -> GenAiSpanBuilder {
    let compacted = match &r.input {
        InputParam::Items(items) => items.iter().any(|i| matches!(i, InputItem::Item(Item::Compaction(_)))),
        InputParam::Text(_) => false,
    };
    GenAiSpanBuilder::inference("chat", PROVIDER, r.model.as_deref())
        .temperature(r.temperature)
        .max_tokens(r.max_output_tokens)
        .top_p(r.top_p)
        .stream(r.stream.unwrap_or(false))
        .reasoning_level(r.reasoning.as_ref().and_then(|x| x.effort.as_ref()).map(reasoning_effort))
        .previous_response_id(r.previous_response_id.as_deref())
        // The context carries a compaction item (`/responses/compact`): a compacted view.
        .conversation_compacted(compacted)
        // A stored prompt: its id is the template's name, with its version.
        .prompt_name(r.prompt.as_ref().map(|p| p.id.as_str()))
        .prompt_version(r.prompt.as_ref().and_then(|p| p.version.as_deref()))
}

fn capture_chat_request(call: &mut ActiveCall, r: &CreateChatCompletionRequest) {
    if call.capturing() {
        call.capture_serialized(ContentKind::InputMessages, &r.messages);
        if let Some(tools) = &r.tools {
            call.capture_serialized(ContentKind::ToolDefinitions, tools);
        }
    }
}

fn capture_responses_request(call: &mut ActiveCall, r: &CreateResponse) {
    if call.capturing() {
        call.capture_serialized(ContentKind::InputMessages, &r.input);
        if let Some(i) = &r.instructions {
            call.capture(ContentKind::SystemInstructions, Some(Json::String(i.clone())));
        }
        if let Some(tools) = &r.tools {
            call.capture_serialized(ContentKind::ToolDefinitions, tools);
        }
        // A stored prompt's variables, when they are a map (`gen_ai.prompt.variable.<key>`).
        if let Some(ResponsePromptVariables::Custom(vars @ Json::Object(_))) = r.prompt.as_ref().and_then(|p| p.variables.as_ref()) {
            call.capture(ContentKind::PromptVariables, Some(vars.clone()));
        }
    }
}

/// `server.address` and `server.port` of an API base URL (`https://api.openai.com/v1`).
fn server_of(base: &str) -> Option<(String, u16)> {
    let (scheme, rest) = base.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => match p.parse::<u16>() {
            Ok(p) => (h, p),
            Err(_) => (authority, default_port(scheme)?),
        },
        _ => (authority, default_port(scheme)?),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// `error.type` of async-openai's errors: the HTTP status of an API error (`429`, `500`), else
/// what failed (`timeout`, `connect`, the HTTP status of a failed request, `_OTHER`),
/// `deserialize`, `stream`, `invalid_argument`, `file`. The description (recorded whatever the
/// capture setting) is the API error's `type` and `code`, which carry no content.
impl ErrorType for OpenAIError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            OpenAIError::ApiError(e) => e.status_code.as_u16().to_string().into(),
            OpenAIError::Reqwest(e) if e.is_timeout() => names::ERROR_TIMEOUT.into(),
            OpenAIError::Reqwest(e) if e.is_connect() => names::ERROR_CONNECT.into(),
            OpenAIError::Reqwest(e) => e.status().map_or(Cow::Borrowed(names::ERROR_OTHER), |s| s.as_u16().to_string().into()),
            OpenAIError::JSONDeserialize(..) => "deserialize".into(),
            OpenAIError::StreamError(_) => "stream".into(),
            OpenAIError::InvalidArgument(_) => "invalid_argument".into(),
            OpenAIError::FileSaveError(_) | OpenAIError::FileReadError(_) => "file".into(),
            #[allow(unreachable_patterns)]
            _ => names::ERROR_OTHER.into(),
        }
    }

    fn description(&self) -> Option<Cow<'static, str>> {
        match self {
            OpenAIError::ApiError(e) => {
                let kind = [e.api_error.r#type.as_deref(), e.api_error.code.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                Some(format!("{} {}", e.status_code.as_u16(), kind).trim_end().to_owned().into())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::server_of;

    #[test]
    fn server_of_api_bases() {
        assert_eq!(server_of("https://api.openai.com/v1"), Some(("api.openai.com".into(), 443)));
        assert_eq!(server_of("http://127.0.0.1:8080/v1"), Some(("127.0.0.1".into(), 8080)));
        assert_eq!(server_of("http://user:pw@[::1]:9/v1"), Some(("::1".into(), 9)));
        assert_eq!(server_of("http://localhost"), Some(("localhost".into(), 80)));
        assert_eq!(server_of("nonsense"), None);
    }
}

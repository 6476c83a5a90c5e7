//! [`HasUsage`] for async-openai's Chat Completions responses and stream chunks, Responses API
//! objects and stream events, and embeddings responses.
//!
//! ```no_run
//! # #[cfg(feature = "async-openai")] mod demo {
//! use async_openai::types::chat::{CreateChatCompletionRequest, CreateChatCompletionResponse};
//! # #[derive(Debug)] struct ApiError;
//! # impl std::fmt::Display for ApiError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("e") } }
//! #[genai_o11y::genai_span(operation = "chat", provider = "openai", model = req.model.as_str(),
//!                          input_messages = req.messages, output_messages = |r| r.choices.clone())]
//! async fn chat(req: &CreateChatCompletionRequest) -> Result<CreateChatCompletionResponse, ApiError> {
//!     // client.chat().create(req.clone()).await.map_err(..)
//! #   Err(ApiError)
//! }
//! # }
//! ```
//!
//! What is read:
//! * usage: `prompt_tokens` / `input_tokens` (they include cached tokens, as the conventions
//!   want), `completion_tokens` / `output_tokens`, `prompt_tokens_details.cached_tokens` /
//!   `input_tokens_details.cached_tokens` (cache reads), `cache_write_tokens` when reported,
//!   `completion_tokens_details.reasoning_tokens` / `output_tokens_details.reasoning_tokens`. A
//!   response or chunk without `usage` reports **no** counts (never zeros): a stream's usage comes
//!   from its last chunk (`stream_options.include_usage`), and a stream that never reports it is
//!   marked `genai_o11y.usage.missing`.
//! * usage by modality (latest conventions: `gen_ai.usage.{text,image,audio}.*`): Chat
//!   Completions' `prompt_tokens_details.{text,image,audio}_tokens` and
//!   `completion_tokens_details.{text,audio}_tokens`. A zero part is not reported (OpenAI sends
//!   `audio_tokens: 0` on every text call), and text is never derived from the other parts: the
//!   tokens no part names are recorded as modality `unknown` (see the README). The Responses API
//!   reports no breakdown.
//! * `gen_ai.response.id` and `gen_ai.response.model` from `id` and `model`.
//! * finish reasons: Chat Completions' `choices[].finish_reason` as the provider names them
//!   (`stop`, `length`, `tool_calls`, `content_filter`, `function_call`); for the Responses API,
//!   from `status` and `incomplete_details` (`completed` → `stop`, or `tool_calls` when the
//!   output has function calls; `incomplete` → `length` for `max_output_tokens`, else its
//!   reason; `failed` and `cancelled` → `error`, as the OpenAI `fetch_response` refinement says).
//! * `gen_ai.response.status` of a fetched response (`fetch_response`): the Responses API's
//!   `status`, value for value.

use async_openai::types::chat::{CompletionUsage, CreateChatCompletionResponse, CreateChatCompletionStreamResponse, FinishReason};
use async_openai::types::embeddings::CreateEmbeddingResponse;
use async_openai::types::responses::{OutputItem, Response as ResponsesResponse, ResponseStreamEvent, ResponseUsage, Status};

use crate::usage::{ByModality, HasUsage, Usage};

fn count(n: impl TryInto<u64>) -> Option<u64> {
    n.try_into().ok()
}

/// A modality part as the breakdown records it: a zero is a modality the call did not use.
fn part(n: Option<impl TryInto<u64>>) -> Option<u64> {
    n.and_then(count).filter(|n| *n > 0)
}

/// The usage of a Chat Completions response or chunk.
fn chat_usage(u: &CompletionUsage) -> Usage {
    let prompt = u.prompt_tokens_details.as_ref();
    let completion = u.completion_tokens_details.as_ref();
    Usage {
        input_tokens: Some(u64::from(u.prompt_tokens)),
        output_tokens: Some(u64::from(u.completion_tokens)),
        cache_read_input_tokens: prompt.and_then(|d| d.cached_tokens).map(u64::from),
        cache_write_input_tokens: prompt.and_then(|d| d.cache_write_tokens).and_then(count),
        reasoning_output_tokens: completion.and_then(|d| d.reasoning_tokens).map(u64::from),
        input_by_modality: ByModality {
            text: part(prompt.and_then(|d| d.text_tokens)),
            image: part(prompt.and_then(|d| d.image_tokens)),
            audio: part(prompt.and_then(|d| d.audio_tokens)),
        },
        output_by_modality: ByModality {
            text: part(completion.and_then(|d| d.text_tokens)),
            image: None,
            audio: part(completion.and_then(|d| d.audio_tokens)),
        },
        ..Usage::new()
    }
}

/// The usage of a Responses API object.
fn responses_usage(u: &ResponseUsage) -> Usage {
    Usage {
        input_tokens: Some(u64::from(u.input_tokens)),
        output_tokens: Some(u64::from(u.output_tokens)),
        cache_read_input_tokens: Some(u64::from(u.input_tokens_details.cached_tokens)),
        cache_write_input_tokens: u.input_tokens_details.cache_write_tokens.and_then(count),
        reasoning_output_tokens: Some(u64::from(u.output_tokens_details.reasoning_tokens)),
        ..Usage::new()
    }
}

/// Chat Completions' finish reason, as the provider names it.
pub fn finish_reason(r: FinishReason) -> &'static str {
    match r {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::FunctionCall => "function_call",
    }
}

/// Chat Completions' responses and stream chunks read alike: usage when it is there (a chunk
/// carries it only at the end, with `stream_options.include_usage`), finish reasons from the
/// choices that end.
macro_rules! chat_completion {
    ($($ty:ty),*) => {$(
        impl HasUsage for $ty {
            fn usage(&self) -> Usage {
                self.usage.as_ref().map(chat_usage).unwrap_or_default()
            }
            fn response_id(&self) -> Option<&str> {
                Some(&self.id)
            }
            fn response_model(&self) -> Option<&str> {
                Some(&self.model)
            }
            fn finish_reasons(&self) -> Vec<&str> {
                self.choices.iter().filter_map(|c| c.finish_reason).map(finish_reason).collect()
            }
        }
    )*};
}
chat_completion!(CreateChatCompletionResponse, CreateChatCompletionStreamResponse);

/// The finish reason of a Responses API object (see the module documentation).
pub fn responses_finish_reason(r: &ResponsesResponse) -> Option<&str> {
    match r.status {
        Status::Completed if r.output.iter().any(|o| matches!(o, OutputItem::FunctionCall(_))) => Some("tool_calls"),
        Status::Completed => Some("stop"),
        Status::Incomplete => Some(match r.incomplete_details.as_ref().map(|d| d.reason.as_str()) {
            Some("max_output_tokens") | None => "length",
            Some(other) => other,
        }),
        Status::Failed => Some("error"),
        Status::Cancelled => Some("error"),
        Status::InProgress | Status::Queued => None,
    }
}

impl HasUsage for ResponsesResponse {
    fn usage(&self) -> Usage {
        self.usage.as_ref().map(responses_usage).unwrap_or_default()
    }
    fn response_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        responses_finish_reason(self).into_iter().collect()
    }
    /// `status`, whose values map one to one onto `gen_ai.response.status` (the OpenAI
    /// refinement of `fetch_response`).
    fn response_status(&self) -> Option<&str> {
        use crate::semconv::fetch_response as fr;
        Some(match self.status {
            Status::Queued => fr::STATUS_QUEUED,
            Status::InProgress => fr::STATUS_IN_PROGRESS,
            Status::Completed => fr::STATUS_COMPLETED,
            Status::Incomplete => fr::STATUS_INCOMPLETE,
            Status::Failed => fr::STATUS_FAILED,
            Status::Cancelled => fr::STATUS_CANCELLED,
        })
    }
}

/// The response a stream event carries in full, if it does (created, in progress, completed,
/// failed, incomplete).
fn event_response(e: &ResponseStreamEvent) -> Option<&ResponsesResponse> {
    match e {
        ResponseStreamEvent::ResponseCreated(e) => Some(&e.response),
        ResponseStreamEvent::ResponseInProgress(e) => Some(&e.response),
        ResponseStreamEvent::ResponseCompleted(e) => Some(&e.response),
        ResponseStreamEvent::ResponseFailed(e) => Some(&e.response),
        ResponseStreamEvent::ResponseIncomplete(e) => Some(&e.response),
        _ => None,
    }
}

/// A Responses API stream event: the final usage and finish reason come with
/// `response.completed` (or `.incomplete` / `.failed`); id and model with every event that
/// carries the response.
impl HasUsage for ResponseStreamEvent {
    fn usage(&self) -> Usage {
        event_response(self).map(HasUsage::usage).unwrap_or_default()
    }
    fn response_id(&self) -> Option<&str> {
        event_response(self).map(|r| r.id.as_str())
    }
    fn response_model(&self) -> Option<&str> {
        event_response(self).map(|r| r.model.as_str())
    }
    fn finish_reasons(&self) -> Vec<&str> {
        match self {
            ResponseStreamEvent::ResponseCompleted(_) | ResponseStreamEvent::ResponseFailed(_) | ResponseStreamEvent::ResponseIncomplete(_) => {
                event_response(self).map(HasUsage::finish_reasons).unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }
    /// The status of the response the event carries (the last one seen wins).
    fn response_status(&self) -> Option<&str> {
        event_response(self).and_then(HasUsage::response_status)
    }
}

impl HasUsage for CreateEmbeddingResponse {
    fn usage(&self) -> Usage {
        Usage::new().input(u64::from(self.usage.prompt_tokens))
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
}

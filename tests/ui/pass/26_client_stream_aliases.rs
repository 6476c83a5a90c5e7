// async-openai's own stream aliases as return types (what `create_stream` returns), directly,
// in a `Result`, with a `usage` closure, and the streamed chunks captured by a closure per chunk.
#![deny(warnings)]

use async_openai::error::OpenAIError;
use async_openai::types::chat::{ChatCompletionResponseStream, CreateChatCompletionRequest};
use async_openai::types::responses::{CreateResponse, ResponseStream};
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use genai_o11y::{genai_span, Usage};

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str())]
async fn chat_stream(client: &Client<OpenAIConfig>, req: CreateChatCompletionRequest) -> Result<ChatCompletionResponseStream, OpenAIError> {
    client.chat().create_stream(req).await
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), output_messages = |chunk| chunk.choices.clone())]
async fn chat_stream_captured(client: &Client<OpenAIConfig>, req: CreateChatCompletionRequest) -> Result<async_openai::types::chat::ChatCompletionResponseStream, OpenAIError> {
    client.chat().create_stream(req).await
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_deref())]
async fn responses_stream(client: &Client<OpenAIConfig>, req: CreateResponse) -> Result<ResponseStream, OpenAIError> {
    client.responses().create_stream(req).await
}

#[genai_span(operation = "chat", provider = "openai", usage = |_chunk| Usage::new())]
fn already_open(stream: ChatCompletionResponseStream) -> ChatCompletionResponseStream {
    stream
}

fn main() {
    let _ = (chat_stream, chat_stream_captured, responses_stream, already_open);
}

// async-openai's types with genai-o11y's `async-openai` feature off: the error names the feature
// (a foreign type cannot derive `HasUsage`, so the generic fixes would not apply).
use async_openai::types::chat::{CreateChatCompletionResponse, CreateChatCompletionStreamResponse};
use futures_core::Stream;
use genai_o11y::genai_span;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat() -> Result<CreateChatCompletionResponse, String> {
    Err("offline".into())
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_stream() -> Result<impl Stream<Item = Result<CreateChatCompletionStreamResponse, String>>, String> {
    Err::<futures_core::stream::BoxStream<'static, _>, _>("offline".into())
}

fn main() {}

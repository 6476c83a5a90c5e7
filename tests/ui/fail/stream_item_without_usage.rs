use futures::stream::{self, Stream};
use genai_o11y::genai_span;

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_stream() -> impl Stream<Item = Result<String, ApiError>> {
    stream::iter(vec![Ok("hello".to_owned())])
}

fn main() {}

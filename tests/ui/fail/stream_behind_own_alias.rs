// A stream behind the application's own alias: the macro cannot see that it is a stream, so the
// span would end when the stream is created. The error names the item and says what to write.
use std::pin::Pin;

use futures::Stream;
use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Chunk {
    output_tokens: Option<u32>,
}

type Chunks = Pin<Box<dyn Stream<Item = Result<Chunk, String>> + Send>>;

#[genai_span(operation = "chat", provider = "openai")]
async fn chat_stream() -> Result<Chunks, String> {
    Ok(Box::pin(futures::stream::iter(vec![Ok(Chunk { output_tokens: Some(1) })])))
}

fn main() {}

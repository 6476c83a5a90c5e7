use std::future::Future;
use std::pin::Pin;

use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[genai_span(operation = "chat", provider = "openai", usage = none)]
fn chat() -> BoxFut<Result<Resp, String>> {
    Box::pin(async { Ok(Resp { input_tokens: 1 }) })
}

fn main() {}

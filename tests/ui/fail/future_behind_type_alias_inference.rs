// The realistic form of `future_behind_type_alias`: an inference span without `usage = none`.
// The clear error (write `async fn` or `impl Future`) comes first, before the usage check of the
// future type.
use std::future::Future;
use std::pin::Pin;

use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[genai_span(operation = "chat", provider = "openai")]
fn chat() -> BoxFut<Result<Resp, String>> {
    Box::pin(async { Ok(Resp { input_tokens: 1 }) })
}

fn main() {}

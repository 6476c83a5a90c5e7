// The same with `usage = |r: &Response| ...`: the clear error comes first, before the closure's
// type mismatch (it expected the response, and got the future).
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use genai_o11y::{genai_span, Usage};

struct Response {
    tokens: u64,
}

struct ChatFuture;

impl Future for ChatFuture {
    type Output = Result<Response, String>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Ok(Response { tokens: 1 }))
    }
}

#[genai_span(operation = "chat", provider = "openai", usage = |r: &Response| Usage::new().input(r.tokens))]
fn chat() -> ChatFuture {
    ChatFuture
}

fn main() {}

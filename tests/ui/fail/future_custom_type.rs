// A sync fn returning a hand-written future type: the span would cover only the creation of the
// future, so it is a compile error that says how to write it.
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use genai_o11y::{genai_span, Usage};

struct ChatFuture;

impl Future for ChatFuture {
    type Output = Result<Usage, String>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Ok(Usage::new()))
    }
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat() -> ChatFuture {
    ChatFuture
}

fn main() {}

// A sync fn returning `Pin<Box<dyn Future>>` or `BoxFuture`: the future is instrumented and
// boxed again.
use std::future::Future;
use std::pin::Pin;

use futures::future::{BoxFuture, LocalBoxFuture};
use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat(prompt: String) -> Pin<Box<dyn Future<Output = Result<Resp, String>> + Send>> {
    Box::pin(async move { Ok(Resp { input_tokens: prompt.len() as u32 }) })
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat_local<'a>(prompt: &'a str) -> Pin<Box<dyn Future<Output = Resp> + 'a>> {
    Box::pin(async move { Resp { input_tokens: prompt.len() as u32 } })
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat_boxfuture(prompt: &str) -> BoxFuture<'_, anyhow::Result<Resp>> {
    Box::pin(async move { Ok(Resp { input_tokens: prompt.len() as u32 }) })
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat_local_boxfuture(prompt: String) -> LocalBoxFuture<'static, Resp> {
    Box::pin(async move { Resp { input_tokens: prompt.len() as u32 } })
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let f = chat("abc".into());
    assert_send(&f);
    assert_eq!(futures::executor::block_on(f).unwrap().input_tokens, 3);
    assert_eq!(futures::executor::block_on(chat_local("ab")).input_tokens, 2);
    let f = chat_boxfuture("abcd");
    assert_send(&f);
    assert_eq!(futures::executor::block_on(f).unwrap().input_tokens, 4);
    assert_eq!(futures::executor::block_on(chat_local_boxfuture("x".into())).input_tokens, 1);
}

// A sync fn returning `impl Future`: the returned future is instrumented.
use std::future::Future;

use genai_o11y::{genai_span, genai_tool, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai", model = model.to_owned())]
fn chat(model: &str, prompt: String) -> impl Future<Output = Result<Resp, std::io::Error>> {
    let n = prompt.len() as u32;
    async move { Ok(Resp { input_tokens: n }) }
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat_send(prompt: String) -> impl Future<Output = Resp> + Send + 'static {
    async move { Resp { input_tokens: prompt.len() as u32 } }
}

// The future borrows an argument.
#[genai_span(operation = "chat", provider = "openai")]
fn chat_borrowing<'a>(prompt: &'a str) -> impl Future<Output = anyhow::Result<Resp>> + 'a {
    async move { Ok(Resp { input_tokens: prompt.len() as u32 }) }
}

// A tool returning a future of `()`.
#[genai_tool]
fn fire_and_forget() -> impl Future<Output = ()> {
    async {}
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let f = chat("gpt-4o", "hello".into());
    assert_send(&f);
    assert_eq!(futures::executor::block_on(f).unwrap().input_tokens, 5);
    let f = chat_send("abc".into());
    assert_send(&f);
    assert_eq!(futures::executor::block_on(f).input_tokens, 3);
    let s = String::from("xy");
    assert_eq!(futures::executor::block_on(chat_borrowing(&s)).unwrap().input_tokens, 2);
    futures::executor::block_on(fire_and_forget());
}

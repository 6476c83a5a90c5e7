// Return types that report usage without `Result`: `Option<T>`, `T`, `Box<T>`, `Arc<T>`, `&T`.
use std::rc::Rc;
use std::sync::Arc;

use genai_o11y::{genai_span, HasUsage, Response, Usage};

#[derive(HasUsage, Debug)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
async fn optional(hit: bool) -> Option<Resp> {
    hit.then_some(Resp { input_tokens: 1 })
}

#[genai_span(operation = "chat", provider = "openai")]
async fn plain() -> Resp {
    Resp { input_tokens: 2 }
}

#[genai_span(operation = "chat", provider = "openai")]
fn boxed() -> Box<Resp> {
    Box::new(Resp { input_tokens: 3 })
}

#[genai_span(operation = "chat", provider = "openai")]
async fn shared() -> Arc<Resp> {
    Arc::new(Resp { input_tokens: 4 })
}

#[genai_span(operation = "chat", provider = "openai")]
fn rc() -> Rc<Resp> {
    Rc::new(Resp { input_tokens: 5 })
}

#[genai_span(operation = "chat", provider = "openai")]
fn result_of_box() -> Result<Box<Resp>, String> {
    Ok(Box::new(Resp { input_tokens: 6 }))
}

#[genai_span(operation = "chat", provider = "openai")]
fn result_of_option() -> Result<Option<Resp>, String> {
    Ok(None)
}

// The runtime's own types report usage.
#[genai_span(operation = "chat", provider = "openai")]
fn usage_value() -> Usage {
    Usage::new().input(7).output(1)
}

#[genai_span(operation = "chat", provider = "openai")]
fn response_value() -> Response {
    Response::new(Usage::new().input(8)).id("r-1").model("gpt-4o-2024").finish_reason("stop")
}

// A `'static` reference.
static CACHED: Resp = Resp { input_tokens: 9 };
#[genai_span(operation = "chat", provider = "openai")]
fn cached() -> &'static Resp {
    &CACHED
}

fn main() {
    assert!(futures::executor::block_on(optional(true)).is_some());
    assert!(futures::executor::block_on(optional(false)).is_none());
    assert_eq!(futures::executor::block_on(plain()).input_tokens, 2);
    assert_eq!(boxed().input_tokens, 3);
    assert_eq!(futures::executor::block_on(shared()).input_tokens, 4);
    assert_eq!(rc().input_tokens, 5);
    assert_eq!(result_of_box().unwrap().input_tokens, 6);
    assert!(result_of_option().unwrap().is_none());
    assert_eq!(usage_value().input_tokens, Some(7));
    assert_eq!(response_value().id.as_deref(), Some("r-1"));
    assert_eq!(cached().input_tokens, 9);
}

// One-line bodies, for every annotation and every function shape, under `#![deny(warnings)]`:
// no warning may come from the generated code (`unused_braces` once did).
#![deny(warnings)]

use std::future::Future;

use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};

#[derive(Debug)]
pub struct E;

#[genai_tool]
pub async fn tool(x: u32) -> Result<u32, E> { Ok(x + 1) }

#[genai_tool]
pub fn sync_tool(x: u32) -> Result<u32, E> { Ok(x + 1) }

#[genai_tool]
pub fn future_tool(x: u32) -> impl Future<Output = u32> { async move { x + 1 } }

#[genai_agent(name = "a")]
pub async fn agent(x: u32) -> Result<u32, E> { Ok(x + 1) }

#[genai_agent(name = "b")]
pub fn sync_agent(x: u32) -> u32 { x + 1 }

#[genai_span(operation = "chat", provider = "openai")]
pub async fn chat(n: u64) -> Result<Usage, E> { Ok(Usage::new().input(n)) }

#[genai_span(operation = "chat", provider = "openai")]
pub fn sync_chat(n: u64) -> Usage { Usage::new().input(n) }

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
pub async fn stream_chat(n: u64) -> impl futures::Stream<Item = Usage> { futures::stream::iter([Usage::new().input(n)]) }

#[genai_tool]
pub async fn with_inner_attribute(x: u32) -> u32 {
    #![allow(clippy::identity_op)]
    x + 0
}

fn main() {
    let _ = (tool(1), sync_tool(1), future_tool(1), agent(1), sync_agent(1), chat(1), sync_chat(1), stream_chat(1), with_inner_attribute(1));
}

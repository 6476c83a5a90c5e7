// An annotated function nobody calls gets the `dead_code` warning a plain function gets (here an
// error, with `deny`), whatever its shape.
#![deny(dead_code)]

use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};

#[genai_span(operation = "chat", provider = "openai")]
fn unused_chat() -> Usage {
    Usage::new()
}

#[genai_tool]
async fn unused_tool(city: &str) -> String {
    city.to_owned()
}

struct Agent;

impl Agent {
    #[genai_agent(name = "a")]
    fn unused_method(&self) -> u8 {
        1
    }
}

fn main() {
    let _ = Agent;
}

// An integer literal where a number is expected is that number: `temperature = 1`, `top_p = 0`,
// `frequency_penalty = -1` (no warning, even under `deny(warnings)`).
#![deny(warnings)]
use genai_o11y::{genai_span, Usage};

#[genai_span(operation = "chat", provider = "openai", temperature = 1, top_p = 0, frequency_penalty = -1, presence_penalty = 2)]
fn chat() -> Usage {
    Usage::new()
}

fn main() {
    let _ = chat();
}

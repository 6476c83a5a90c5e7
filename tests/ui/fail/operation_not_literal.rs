use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

const CHAT: &str = "chat";

#[genai_span(operation = CHAT, provider = "openai")]
fn chat() -> Resp {
    Resp { input_tokens: 1 }
}

fn main() {}

use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai", conversation_compacted = false)]
fn chat() -> Resp {
    Resp { input_tokens: 1 }
}

fn main() {}

use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai", arguments = prompt)]
fn chat(prompt: &str) -> Resp {
    Resp { input_tokens: prompt.len() as u32 }
}

fn main() {}

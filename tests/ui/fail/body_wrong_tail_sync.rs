use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
fn chat(prompt: &str) -> Result<Resp, String> {
    let _ = prompt;
    Ok("done")
}

fn main() {}

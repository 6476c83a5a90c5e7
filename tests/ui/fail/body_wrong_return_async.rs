use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
async fn chat(prompt: &str) -> Result<Resp, String> {
    if prompt.is_empty() {
        return Ok(5);
    }
    Ok(Resp { input_tokens: 1 })
}

fn main() {}

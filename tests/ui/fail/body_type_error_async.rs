use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
async fn chat(prompt: &str) -> Result<Resp, String> {
    let n: u32 = prompt;
    Ok(Resp { input_tokens: n })
}

fn main() {}

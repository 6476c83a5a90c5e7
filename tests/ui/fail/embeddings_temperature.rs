use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small", temperature = 0.2)]
fn embed() -> Resp {
    Resp { input_tokens: 1 }
}

fn main() {}

use genai_o11y::{genai_span, Usage};

#[genai_span(operation = "chat", provider = "openai", temperature = "hot", modle = "gpt-4o")]
fn chat() -> Usage {
    Usage::new()
}

fn main() {
    let _ = chat();
}

use genai_o11y::genai_span;

#[genai_span(operation = "chat", provider = "openai", usage = None)]
fn chat() -> String {
    String::new()
}

fn main() {}

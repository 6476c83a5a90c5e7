use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

trait Model {
    #[genai_span(operation = "chat", provider = "openai")]
    async fn chat(&self) -> Resp;
}

fn main() {}

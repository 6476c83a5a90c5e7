use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai", prompt_name = "greeting", prompt_variables = "user_name=Alice")]
fn chat() -> Resp {
    Resp { input_tokens: 1 }
}

fn main() {}

use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

// No `Serialize`.
struct Message {
    content: String,
}

#[genai_span(operation = "chat", provider = "openai", input_messages = messages)]
fn chat(messages: Vec<Message>) -> Resp {
    Resp { input_tokens: messages.len() as u32 }
}

fn main() {}

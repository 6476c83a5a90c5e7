use genai_o11y::{genai_span, HasUsage};

// No `Serialize`.
struct Choice {
    text: String,
}

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
    #[usage(skip)]
    choice: Choice,
}

#[genai_span(operation = "chat", provider = "openai", output_messages = |r: &Resp| &r.choice)]
fn chat() -> Resp {
    Resp { input_tokens: 1, choice: Choice { text: "hi".into() } }
}

fn main() {}

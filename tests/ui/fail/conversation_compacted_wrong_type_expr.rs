use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

// A count where a `bool` is expected: the type error names the argument's value.
#[genai_span(operation = "chat", provider = "openai", conversation_compacted = turns)]
fn chat(turns: u32) -> Resp {
    Resp { input_tokens: turns }
}

fn main() {}

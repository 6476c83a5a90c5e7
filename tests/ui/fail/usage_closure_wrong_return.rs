struct Foreign {
    tokens: u64,
}

#[genai_o11y::genai_span(operation = "chat", provider = "openai", usage = |r: &Foreign| r.tokens)]
fn chat() -> Foreign {
    Foreign { tokens: 1 }
}

fn main() {}

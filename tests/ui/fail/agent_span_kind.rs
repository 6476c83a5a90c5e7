use genai_o11y::genai_agent;

#[genai_agent(span_kind = "server", provider = "openai")]
fn assistant() -> usize {
    1
}

fn main() {}

use genai_o11y::genai_guardrail;

#[genai_guardrail(decision = "block")]
fn shield(text: &str) -> bool {
    text.is_empty()
}

#[genai_guardrail(name = "other", decision = none)]
fn other(text: &str) -> bool {
    text.is_empty()
}

fn main() {}

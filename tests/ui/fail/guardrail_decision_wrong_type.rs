use genai_o11y::genai_guardrail;

#[genai_guardrail(decision = |flagged: &bool| *flagged)]
fn shield(text: &str) -> bool {
    text.is_empty()
}

fn main() {}

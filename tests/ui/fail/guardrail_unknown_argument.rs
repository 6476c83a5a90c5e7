use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

#[genai_guardrail(polcy = "privacy", operation = "chat", arguments = text)]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

#[genai_guardrail(output = "redacted")]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

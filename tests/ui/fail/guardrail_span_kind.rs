use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

#[genai_guardrail(name = "shield", span_kind = "remote")]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

#[genai_guardrail(fields = 1, crate = "genai_o11y")]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

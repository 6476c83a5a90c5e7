use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

const NAME: &str = "shield";

#[genai_guardrail(name = NAME)]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

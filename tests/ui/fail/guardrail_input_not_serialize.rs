use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

struct Prompt {
    text: String,
}

#[genai_guardrail(input = prompt)]
fn shield(prompt: &Prompt) -> Decision {
    let _ = &prompt.text;
    Decision::allow()
}

fn main() {}

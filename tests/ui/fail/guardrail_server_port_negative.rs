use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

#[genai_guardrail(span_kind = "client", server_address = "guard.internal", server_port = -1)]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

// Each text argument of `#[genai_guardrail]` with a literal of the wrong kind or an empty one:
// every error at once, on its own token.
use genai_o11y::genai_guardrail;
use genai_o11y::guard::Decision;

#[genai_guardrail(
    name = "",
    policy = "",
    policy_version = 3,
    source = "",
    risk_category = 0.5,
    provider = "",
    server_address = true,
    server_port = 70000,
    conversation_id = ""
)]
fn shield(text: &str) -> Decision {
    let _ = text;
    Decision::allow()
}

fn main() {}

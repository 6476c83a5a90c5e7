use genai_o11y::genai_guardrail;

struct Moderation {
    flagged: bool,
}

#[genai_guardrail(name = "moderation")]
async fn moderate(text: &str) -> Result<Moderation, String> {
    Ok(Moderation { flagged: text.is_empty() })
}

fn main() {
    let _ = moderate("x");
    let _ = |m: Moderation| m.flagged;
}

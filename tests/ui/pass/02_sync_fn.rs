// Sync functions: the body runs in a closure inside the span.
use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
    output_tokens: u32,
}

#[derive(Debug)]
struct E;
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("e")
    }
}

#[genai_span(operation = "chat", provider = "openai", model = model)]
fn chat(model: &str, fail: bool) -> Result<Resp, E> {
    if fail {
        return Err(E);
    }
    let r = Resp { input_tokens: 1, output_tokens: 2 };
    Ok(r)
}

// `?` inside a sync body goes through the recording too.
#[genai_span(operation = "generate_content", provider = "gcp.gemini")]
fn generate(input: &str) -> Result<Resp, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    Ok(Resp { input_tokens: n, output_tokens: n })
}

#[genai_span(operation = "chat", provider = "openai")]
pub(crate) fn plain() -> Resp {
    Resp { input_tokens: 0, output_tokens: 0 }
}

fn main() {
    assert!(chat("gpt-4o", false).is_ok());
    assert!(chat("gpt-4o", true).is_err());
    assert_eq!(generate("7").unwrap().output_tokens, 7);
    assert!(generate("x").is_err());
    assert_eq!(plain().input_tokens, 0);
}

use genai_o11y::{genai_span, Usage};

#[genai_span(operation = "invoke_workflow", provider = "openai")]
async fn report() -> Result<Usage, String> {
    Ok(Usage::new())
}

fn main() {}

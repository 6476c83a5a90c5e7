use genai_o11y::genai_workflow;

#[genai_workflow(name = "report", model = "gpt-4o")]
async fn report() -> Result<u32, String> {
    Ok(1)
}

fn main() {}

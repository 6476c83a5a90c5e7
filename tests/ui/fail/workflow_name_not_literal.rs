use genai_o11y::genai_workflow;

const NAME: &str = "report";

#[genai_workflow(name = NAME)]
async fn report() -> Result<u32, String> {
    Ok(1)
}

fn main() {}

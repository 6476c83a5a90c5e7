use genai_o11y::genai_agent;

#[genai_agent(name = "planner", operation = "chat")]
fn plan() -> Vec<String> {
    Vec::new()
}

fn main() {}

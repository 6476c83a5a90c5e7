use genai_o11y::genai_tool;

#[genai_tool(prompt_version = "3")]
fn lookup(q: &str) -> String {
    q.to_owned()
}

fn main() {}

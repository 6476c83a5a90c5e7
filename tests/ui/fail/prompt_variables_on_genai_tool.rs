use genai_o11y::genai_tool;

#[genai_tool(prompt_variables = vars)]
fn lookup(vars: &std::collections::HashMap<String, String>) -> usize {
    vars.len()
}

fn main() {}

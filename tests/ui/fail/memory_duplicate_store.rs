use genai_o11y::genai_memory;

#[genai_memory(operation = "search_memory", store = "a", store = "b")]
fn recall() -> Vec<String> {
    Vec::new()
}

fn main() {}

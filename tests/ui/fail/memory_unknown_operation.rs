use genai_o11y::genai_memory;

#[genai_memory(operation = "remember", store = "facts")]
fn remember() -> usize {
    1
}

fn main() {}

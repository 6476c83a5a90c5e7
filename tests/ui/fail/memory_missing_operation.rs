use genai_o11y::genai_memory;

#[genai_memory(store = "facts")]
fn remember() -> usize {
    1
}

fn main() {}

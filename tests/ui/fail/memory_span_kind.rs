use genai_o11y::genai_memory;

#[genai_memory(operation = "create_memory", span_kind = "server")]
fn remember() -> usize {
    1
}

fn main() {}

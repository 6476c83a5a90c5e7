use genai_o11y::genai_span;

#[genai_span(operation = custom(""), provider = "cohere")]
fn rerank() -> Vec<usize> {
    Vec::new()
}

fn main() {}

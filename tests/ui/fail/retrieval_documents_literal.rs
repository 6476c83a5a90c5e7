use genai_o11y::genai_retrieval;

#[genai_retrieval(data_source = "kb", documents = 3)]
fn search() -> u32 {
    3
}

fn main() {}

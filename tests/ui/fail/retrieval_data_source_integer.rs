use genai_o11y::{genai_retrieval, RetrievedDocument};

#[genai_retrieval(data_source = 3)]
fn search() -> Vec<RetrievedDocument> {
    Vec::new()
}

fn main() {}

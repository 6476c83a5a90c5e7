use genai_o11y::Document;

#[derive(Document)]
struct Hit {
    id: String,
    score: String,
}

fn main() {}

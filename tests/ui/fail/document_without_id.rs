use genai_o11y::Document;

#[derive(Document)]
struct Hit {
    key: String,
    score: f64,
}

fn main() {}

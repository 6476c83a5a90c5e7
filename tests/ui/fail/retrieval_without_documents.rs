use genai_o11y::genai_retrieval;

struct Hits {
    count: u32,
}

#[genai_retrieval(data_source = "kb")]
fn search() -> Result<Hits, String> {
    Ok(Hits { count: 1 })
}

fn main() {
    let _ = search().map(|h| h.count);
}

// `custom("...")` operations need no usage; embeddings read usage like any inference call.
use genai_o11y::{genai_span, HasUsage};

#[genai_span(operation = custom("rerank"), provider = "cohere", model = "rerank-v3.5")]
async fn rerank(docs: &[&str]) -> Result<Vec<usize>, std::io::Error> {
    Ok((0..docs.len()).collect())
}

#[genai_span(operation = custom("moderation.check_v2"), provider = "openai")]
fn moderate(text: &str) -> bool {
    !text.is_empty()
}

// A custom operation whose return type does report usage: it is recorded.
#[derive(HasUsage)]
struct Scored {
    #[usage(input_tokens)]
    tokens: u32,
}
#[genai_span(operation = custom("score"), provider = "openai")]
fn score() -> Scored {
    Scored { tokens: 3 }
}

#[derive(HasUsage)]
struct EmbeddingResponse {
    model: String,
    prompt_tokens: u32,
    #[usage(skip)]
    total_tokens: u32,
    data: Vec<Vec<f32>>,
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small", server_address = "api.openai.com", fields(batch = 2i64))]
async fn embed(input: &[&str]) -> Result<EmbeddingResponse, std::io::Error> {
    Ok(EmbeddingResponse {
        model: "text-embedding-3-small".into(),
        prompt_tokens: input.len() as u32,
        total_tokens: input.len() as u32,
        data: vec![vec![0.0; 3]; input.len()],
    })
}

fn main() {
    assert_eq!(futures::executor::block_on(rerank(&["a", "b"])).unwrap(), vec![0, 1]);
    assert!(moderate("x"));
    assert_eq!(score().tokens, 3);
    let r = futures::executor::block_on(embed(&["a", "b"])).unwrap();
    assert_eq!(r.data.len(), 2);
    assert_eq!(r.total_tokens, 2);
    assert_eq!(r.model, "text-embedding-3-small");
}

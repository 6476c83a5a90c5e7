use async_trait::async_trait;
use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[async_trait]
trait Model {
    async fn chat(&self) -> Result<Resp, String>;
}

struct OpenAi;

#[async_trait]
impl Model for OpenAi {
    #[genai_span(operation = "chat", provider = "openai")]
    async fn chat(&self) -> Result<Resp, String> {
        let n: u32 = "one";
        Ok(Resp { input_tokens: n })
    }
}

fn main() {}

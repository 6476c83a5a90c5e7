// Native `async fn` in traits: on an impl method and on a default method with a body.
use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[derive(Debug)]
struct E;
impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("e")
    }
}

trait Model {
    fn name(&self) -> &str;

    async fn chat(&self, prompt: &str) -> Result<Resp, E>;

    #[genai_span(operation = "chat", provider = "openai", model = self.name())]
    async fn chat_twice(&self, prompt: &str) -> Result<Resp, E> {
        let a = self.chat(prompt).await?;
        let b = self.chat(prompt).await?;
        Ok(Resp { input_tokens: a.input_tokens + b.input_tokens })
    }

    #[genai_span(operation = "chat", provider = "openai")]
    fn sync_default(&self) -> Resp {
        Resp { input_tokens: 1 }
    }
}

struct OpenAi;

impl Model for OpenAi {
    fn name(&self) -> &str {
        "gpt-4o"
    }

    #[genai_span(operation = "chat", provider = "openai", model = self.name())]
    async fn chat(&self, prompt: &str) -> Result<Resp, E> {
        Ok(Resp { input_tokens: prompt.len() as u32 })
    }
}

fn main() {
    let m = OpenAi;
    let r = futures::executor::block_on(m.chat_twice("abc")).unwrap();
    assert_eq!(r.input_tokens, 6);
    assert_eq!(m.sync_default().input_tokens, 1);
}

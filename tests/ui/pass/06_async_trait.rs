// `#[async_trait]` expands first; `#[genai_span]` then sees a sync fn returning
// `Pin<Box<dyn Future<Output = ..> + Send + 'async_trait>>` and instruments the future.
use async_trait::async_trait;
use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[async_trait]
trait Model: Send + Sync {
    async fn chat(&self, prompt: &str) -> anyhow::Result<Resp>;

    #[genai_agent(name = "default_agent")]
    async fn run(&self, prompt: &str) -> anyhow::Result<u32> {
        Ok(self.chat(prompt).await?.input_tokens)
    }
}

struct OpenAi {
    model: String,
}

#[async_trait]
impl Model for OpenAi {
    #[genai_span(operation = "chat", provider = "openai", model = self.model.clone())]
    async fn chat(&self, prompt: &str) -> anyhow::Result<Resp> {
        if prompt.is_empty() {
            anyhow::bail!("empty prompt");
        }
        Ok(Resp { input_tokens: prompt.len() as u32 })
    }
}

#[async_trait]
trait Tool {
    async fn call(&mut self, arg: String) -> Result<String, String>;
}

struct Echo;

#[async_trait]
impl Tool for Echo {
    #[genai_tool(name = "echo")]
    async fn call(&mut self, arg: String) -> Result<String, String> {
        Ok(arg)
    }
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let m: Box<dyn Model> = Box::new(OpenAi { model: "gpt-4o".into() });
    let fut = m.chat("hello");
    assert_send(&fut);
    assert_eq!(futures::executor::block_on(fut).unwrap().input_tokens, 5);
    assert!(futures::executor::block_on(m.chat("")).is_err());
    assert_eq!(futures::executor::block_on(m.run("abc")).unwrap(), 3);
    let mut e = Echo;
    assert_eq!(futures::executor::block_on(e.call("x".into())).unwrap(), "x");
}

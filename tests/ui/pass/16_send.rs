// The instrumented future is `Send` when the body is (spawnable on a multi-thread runtime), and
// stays `!Send` only when the body is.
use std::rc::Rc;

use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

struct Client {
    model: String,
}

impl Client {
    #[genai_span(operation = "chat", provider = "openai", model = self.model.clone())]
    async fn chat(&self, prompt: &str) -> Result<Resp, std::io::Error> {
        tokio::task::yield_now().await;
        Ok(Resp { input_tokens: prompt.len() as u32 })
    }
}

#[genai_tool]
async fn tool(x: String) -> Result<String, std::io::Error> {
    tokio::task::yield_now().await;
    Ok(x)
}

#[genai_agent(name = "agent")]
async fn agent(c: &Client) -> anyhow::Result<u32> {
    let r = c.chat("abc").await?;
    let _ = tool("x".into()).await?;
    Ok(r.input_tokens)
}

// `!Send` bodies still compile (the future is then `!Send`, as without the attribute).
#[genai_span(operation = "chat", provider = "openai")]
async fn local() -> Resp {
    let rc = Rc::new(1u32);
    tokio::task::yield_now().await;
    Resp { input_tokens: *rc }
}

fn assert_send<T: Send>(_: T) {}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let c = Client { model: "gpt-4o".into() };
    assert_send(c.chat("x"));
    assert_send(tool("x".into()));
    assert_send(agent(&c));
    let c = std::sync::Arc::new(c);
    let h = tokio::spawn({
        let c = c.clone();
        async move { agent(&c).await.unwrap() }
    });
    assert_eq!(h.await.unwrap(), 3);
    assert_eq!(local().await.input_tokens, 1);
}

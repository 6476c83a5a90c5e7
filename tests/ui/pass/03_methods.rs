// Methods taking `&self`, `&mut self` and `self`, sync and async.
use genai_o11y::{genai_span, genai_tool, HasUsage};

#[derive(HasUsage, Clone, Default)]
struct Resp {
    input_tokens: u32,
    output_tokens: u32,
}

#[derive(Default)]
struct Client {
    model: String,
    last: Resp,
    calls: u32,
}

impl Client {
    #[genai_span(operation = "chat", provider = "openai", model = self.model.clone())]
    async fn chat(&self, prompt: &str) -> Result<Resp, std::io::Error> {
        Ok(Resp { input_tokens: prompt.len() as u32, output_tokens: 1 })
    }

    #[genai_span(operation = "chat", provider = "openai", model = &self.model)]
    async fn chat_mut(&mut self, prompt: &str) -> Result<Resp, std::io::Error> {
        self.calls += 1;
        let r = self.chat(prompt).await?;
        self.last = r.clone();
        Ok(r)
    }

    #[genai_span(operation = "chat", provider = "openai", model = self.model.as_str())]
    fn chat_sync(&self) -> Resp {
        self.last.clone()
    }

    // A sync `&mut self` method returning a borrow of `self`: the body runs in an `FnOnce`
    // closure, which may return what it borrows.
    #[genai_span(operation = "chat", provider = "openai")]
    fn last_mut(&mut self) -> &mut Resp {
        self.calls += 1;
        &mut self.last
    }

    #[genai_span(operation = "chat", provider = "openai")]
    fn last_ref(&self) -> &Resp {
        &self.last
    }

    #[genai_span(operation = "chat", provider = "openai", model = self.model.clone())]
    fn into_last(self) -> Resp {
        self.last
    }

    #[genai_span(operation = "chat", provider = "openai")]
    async fn into_last_async(self) -> Resp {
        self.last
    }

    #[genai_tool]
    fn bump(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[genai_span(operation = "chat", provider = "openai")]
    fn new_resp() -> Resp {
        Resp::default()
    }
}

fn main() {
    let mut c = Client { model: "gpt-4o".into(), ..Default::default() };
    futures::executor::block_on(async {
        c.chat("hi").await.unwrap();
        c.chat_mut("hello").await.unwrap();
    });
    assert_eq!(c.chat_sync().input_tokens, 5);
    c.last_mut().output_tokens = 9;
    assert_eq!(c.last_ref().output_tokens, 9);
    assert_eq!(c.bump(), 3);
    let _ = Client::new_resp();
    let c2 = Client { model: "m".into(), ..Default::default() };
    assert_eq!(futures::executor::block_on(c2.into_last_async()).output_tokens, 0);
    assert_eq!(c.into_last().output_tokens, 9);
}

// `genai_o11y::current()` in every kind of body: sync, async (the handle held across `.await`
// keeps the future `Send`), a future-returning fn, a stream's body and its polling, a tool, an
// agent, a method; and outside any call.
use futures::stream::{self, Stream, StreamExt};
use genai_o11y::{current, genai_agent, genai_span, genai_tool, CurrentCall, Response, Usage};

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn sync_chat() -> Result<String, ApiError> {
    current().usage(Usage::new().input(1).output(2)).response_model("m").response_id("r").finish_reasons(["stop"]).output("hi").attribute("k", 1);
    Ok("hi".into())
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
async fn async_chat() -> Result<String, ApiError> {
    let call: CurrentCall = current();
    tokio::task::yield_now().await;
    call.usage(Response::new(Usage::new().input(1)).id("r")).finish_reasons(vec![String::from("stop")]);
    Ok("hi".into())
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn future_chat() -> impl std::future::Future<Output = Result<(), ApiError>> + Send {
    async {
        current().usage(&Usage::new().output(3));
        Ok(())
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn streamed() -> impl Stream<Item = String> + Send {
    current().response_model("m");
    stream::iter(["a", "b"]).map(|s| {
        current().usage(Usage::new().output(1));
        s.to_owned()
    })
}

#[genai_tool]
fn tool(x: u32) -> u32 {
    current().attribute("app.x", x as i64).output(&x);
    x
}

#[genai_agent(name = "a")]
async fn agent() -> Result<u32, ApiError> {
    current().attribute("app.step", "start");
    let _ = sync_chat()?;
    let _ = async_chat().await?;
    future_chat().await?;
    let _ = streamed().collect::<Vec<_>>().await;
    current().output("done");
    Ok(tool(2))
}

struct Client;
impl Client {
    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
    fn method(&self) -> Result<(), ApiError> {
        current().attribute("app.method", true);
        Ok(())
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert!(!current().is_active());
    current().usage(Usage::new()).attribute("outside", true);
    assert_eq!(assert_send(agent()).await.unwrap(), 2);
    Client.method().unwrap();
    let handle = current();
    std::thread::spawn(move || handle.attribute("k", "v").is_active()).join().unwrap();
}

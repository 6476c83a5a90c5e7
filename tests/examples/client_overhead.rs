//! Instructions per call of async-openai's client against the fake OpenAI-compatible server on
//! loopback, three ways: plain (`client.chat().create`), through an annotated function, and
//! through `client.traced().chat`. Run under callgrind by `scripts/bench_client.sh`, which counts
//! `N` and `2N` calls and takes the difference (start-up cancels out).
//!
//! `cargo run --release -p genai-o11y-tests --example client_overhead -- plain|annotated|traced N`

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionResponse};
use async_openai::Client;
use genai_o11y::adapters::async_openai::TracedClient;
use genai_o11y::genai_span;
use genai_o11y_examples::fake_openai;

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), temperature = req.temperature, max_tokens = req.max_completion_tokens)]
async fn annotated(client: &Client<OpenAIConfig>, req: CreateChatCompletionRequest) -> Result<CreateChatCompletionResponse, OpenAIError> {
    client.chat().create(req).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("traced");
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(50);
    let fake = fake_openai::start().await;
    let client = Client::with_config(OpenAIConfig::new().with_api_base(fake.base_url()).with_api_key("sk-bench"));
    let _telemetry = genai_o11y::testing::TestTelemetry::new();
    let req = CreateChatCompletionRequest {
        model: "gpt-4o".into(),
        messages: vec![ChatCompletionRequestUserMessage::from("What is the weather in Paris?").into()],
        temperature: Some(0.2),
        max_completion_tokens: Some(256),
        ..Default::default()
    };
    let mut tokens = 0u64;
    for _ in 0..n {
        let resp = match mode {
            "plain" => client.chat().create(req.clone()).await,
            "annotated" => annotated(&client, req.clone()).await,
            _ => client.traced().chat(req.clone()).await,
        }
        .expect("the fake server answers");
        tokens += resp.usage.map_or(0, |u| u64::from(u.completion_tokens));
    }
    println!("{mode} {n} calls, {tokens} completion tokens");
}

//! Other crates' GenAI spans under `init()`: rig's agent (one tool, two turns) and the `genai`
//! crate's chat and streamed chat, against the fake OpenAI-compatible server on loopback, nothing
//! written for them beyond `init()`. Prints the spans to the terminal, or, with
//! `OTEL_EXPORTER_OTLP_ENDPOINT`, exports them (this is what the official registry's live check
//! judges for foreign spans):
//!
//!     cargo run -p genai-o11y-tests --example foreign_spans
//!     ../shared/tools/semconv-check default -- cargo run -q -p genai-o11y-tests --example foreign_spans

use futures::StreamExt;
use genai::adapter::AdapterKind;
use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatStreamEvent};
use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
use genai::{ModelIden, ServiceTarget};
use genai_o11y_examples::fake_openai;
use rig_agent::core::providers::openai::OpenAIConfig;
use rig_agent::core::tool::ToolExecutionError;
use rig_agent::rig_tool;

#[rig_tool(description = "The weather in a city")]
fn get_weather(city: String) -> Result<String, ToolExecutionError> {
    Ok(format!("{city}: 18C"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("foreign-spans").install()?;
    let fake = fake_openai::start().await;

    // rig: its agent loop makes the provider calls.
    let mut config = OpenAIConfig::new("test-key");
    config.base_url = fake.base_url();
    let agent = rig_agent::AgentBuilder::new(config.client().chat("gpt-4o")).name("planner").preamble("Plan trips.").tool(GetWeather).build();
    let plan = agent.prompt("Plan a trip to Paris and Oslo").max_turns(3).await?;
    println!("rig: {}", plan.output());

    // genai: a chat and a streamed chat (its spans need its `otel` feature).
    let endpoint = format!("{}/", fake.base_url());
    let resolver = ServiceTargetResolver::from_resolver_fn(move |t: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
        Ok(ServiceTarget {
            endpoint: Endpoint::from_owned(endpoint.clone()),
            auth: AuthData::from_single("test-key"),
            model: ModelIden::new(AdapterKind::OpenAI, t.model.model_name),
        })
    });
    let client = genai::Client::builder().with_service_target_resolver(resolver).build()?;
    let answer = client.exec_chat("gpt-4o", ChatRequest::new(vec![ChatMessage::user("hello")]), None).await?;
    println!("genai: {}", answer.first_text().unwrap_or_default());
    let options = ChatOptions::default().with_capture_usage(true);
    {
        // The stream's span ends when the stream is dropped.
        let mut stream = client.exec_chat_stream("gpt-4o", ChatRequest::new(vec![ChatMessage::user("stream it")]), Some(&options)).await?.stream;
        print!("genai streamed: ");
        while let Some(event) = stream.next().await {
            if let ChatStreamEvent::Chunk(c) = event? {
                print!("{}", c.content);
            }
        }
        println!();
    }

    guard.flush();
    drop(guard);
    Ok(())
}

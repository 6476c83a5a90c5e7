//! A multi-step agent: a chat that asks for tools, two tool calls in parallel, a streamed answer,
//! against an OpenAI-compatible endpoint: `OPENAI_BASE_URL` (and `OPENAI_API_KEY`) when set,
//! otherwise an embedded fake server on loopback. Telemetry goes to the console, or over OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//!     cargo run -p genai-o11y-examples --example agent

use genai_o11y_examples::{agent_demo, fake_openai};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("trip-planner").log_summaries(true).install()?;

    let (base_url, fake) = match std::env::var("OPENAI_BASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let server = fake_openai::start().await;
            (server.base_url(), Some(server))
        }
    };
    let api_key = std::env::var("OPENAI_API_KEY").ok();
    let answer = agent_demo::run(&base_url, api_key.as_deref()).await?;
    println!("\nanswer: {answer}\n");

    guard.flush();
    drop(guard);
    if let Some(server) = fake {
        server.shutdown();
    }
    Ok(())
}

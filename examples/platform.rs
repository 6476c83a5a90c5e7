//! The agent of `agent.rs`, sending its traces to an LLM observability platform through a preset.
//! Choose it with `PLATFORM` (`langfuse`, `phoenix`, `langsmith`, `opik`) and set the platform's
//! own variables, e.g. for Langfuse:
//!
//!     PLATFORM=langfuse LANGFUSE_PUBLIC_KEY=pk-lf-... LANGFUSE_SECRET_KEY=sk-lf-... \
//!         LANGFUSE_HOST=https://cloud.langfuse.com cargo run -p genai-o11y-examples --example platform
//!
//! or for a local Phoenix (`PHOENIX_COLLECTOR_ENDPOINT` defaults to http://localhost:6006):
//!
//!     PLATFORM=phoenix cargo run -p genai-o11y-examples --example platform

use genai_o11y::setup::Preset;
use genai_o11y_examples::{agent_demo, fake_openai};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let preset = match std::env::var("PLATFORM").unwrap_or_else(|_| "phoenix".into()).to_ascii_lowercase().as_str() {
        "langfuse" => Preset::Langfuse,
        "phoenix" => Preset::Phoenix,
        "langsmith" => Preset::LangSmith,
        "opik" => Preset::Opik,
        other => return Err(format!("unknown PLATFORM {other:?}: langfuse, phoenix, langsmith or opik").into()),
    };
    // A missing key is a clear error here, before any call is made.
    let guard = genai_o11y::init().service_name("trip-planner").preset(preset).install()?;
    let server = fake_openai::start().await;
    let answer = agent_demo::run(&server.base_url(), None).await?;
    println!("answer: {answer}");
    let report = guard.shutdown();
    println!("sent to {preset:?}: {report:?}");
    server.shutdown();
    Ok(())
}

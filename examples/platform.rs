//! The agent of `agent.rs`, sending its traces to an LLM observability platform through a preset.
//! Choose it with `PLATFORM` (`langfuse`, `phoenix`, `langsmith`, `opik`, `mlflow`) and set the
//! platform's own variables, e.g. for Langfuse:
//!
//!     PLATFORM=langfuse LANGFUSE_PUBLIC_KEY=pk-lf-... LANGFUSE_SECRET_KEY=sk-lf-... \
//!         LANGFUSE_HOST=https://cloud.langfuse.com cargo run -p genai-o11y-examples --example platform
//!
//! or for a local Phoenix (`PHOENIX_COLLECTOR_ENDPOINT` defaults to http://localhost:6006):
//!
//!     PLATFORM=phoenix cargo run -p genai-o11y-examples --example platform
//!
//! or for an MLflow tracking server (`MLFLOW_TRACKING_URI` defaults to http://localhost:5000,
//! `MLFLOW_EXPERIMENT_ID` to 0, the Default experiment):
//!
//!     PLATFORM=mlflow MLFLOW_TRACKING_URI=http://127.0.0.1:5000 cargo run -p genai-o11y-examples --example platform

use genai_o11y_examples::{agent_demo, fake_openai, platform};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let preset = platform::from_env()?.unwrap_or(genai_o11y::setup::Preset::Phoenix);
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

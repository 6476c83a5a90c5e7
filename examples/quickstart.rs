//! A small agent with a chat and parallel tool calls, against a fake model, printing its spans
//! and metrics to the terminal. No server needed:
//!
//!     cargo run -p genai-o11y-examples --example quickstart

use std::time::Duration;

use genai_o11y::setup::ConsoleStyle;
use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};

// ---- the application: a fake model API, a tool and an agent ----

#[derive(HasUsage, Debug)]
struct ChatResponse {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(cache_read)]
    cached: Option<u32>,
    finish_reason: Option<String>,
    #[usage(skip)]
    content: String,
}

#[derive(Debug)]
struct ApiError(String);
impl std::error::Error for ApiError {}
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct ChatRequest {
    model: String,
    prompt: String,
    temperature: Option<f32>,
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.clone(), temperature = req.temperature, max_tokens = 512)]
async fn chat(req: &ChatRequest) -> Result<ChatResponse, ApiError> {
    tokio::time::sleep(Duration::from_millis(40)).await; // the "network"
    Ok(ChatResponse {
        id: "chatcmpl-42".into(),
        model: format!("{}-2024-08-06", req.model),
        prompt_tokens: 12 * req.prompt.split_whitespace().count() as u32,
        completion_tokens: 37,
        cached: Some(8),
        finish_reason: Some("stop".into()),
        content: "Pack an umbrella for Paris; Oslo is clear.".into(),
    })
}

/// Looks up the current weather for a city.
#[genai_tool]
async fn get_weather(city: &str) -> Result<String, ApiError> {
    tokio::time::sleep(Duration::from_millis(15)).await;
    match city {
        "Atlantis" => Err(ApiError("no such city".into())),
        _ => Ok(format!("{city}: 14°C, light rain")),
    }
}

/// Plans a trip by checking the weather and asking the model.
#[genai_agent(name = "trip_planner")]
async fn plan_trip(cities: &[&str]) -> Result<String, ApiError> {
    let reports = futures::future::join_all(cities.iter().map(|c| get_weather(c))).await;
    let known: Vec<String> = reports.into_iter().filter_map(Result::ok).collect();
    let req = ChatRequest { model: "gpt-4o".into(), prompt: format!("Plan a trip given: {}", known.join("; ")), temperature: Some(0.3) };
    Ok(chat(&req).await?.content)
}

// ---- the pipeline: one call; the console exporter prints each trace and, at exit, the metrics ----

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("quickstart").console_style(ConsoleStyle::Verbose).install()?;

    let answer = plan_trip(&["Paris", "Oslo", "Atlantis"]).await?;
    println!("answer: {answer}\n");

    guard.flush(); // print the trace now (the guard also flushes when dropped)
    drop(guard); // shutdown: the metrics summary
    Ok(())
}

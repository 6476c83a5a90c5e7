//! A small agent with a chat and two parallel tool calls, against a fake model, printing the
//! spans and metrics it produced. No server needed:
//!
//!     cargo run -p genai-o11y-examples --example quickstart

use std::time::Duration;

use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};
use genai_o11y_examples::{metrics_summary, span_tree};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

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

// ---- the pipeline: OpenTelemetry SDK with in-memory exporters, printed at the end ----

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let spans = InMemorySpanExporter::default();
    let tracer_provider = SdkTracerProvider::builder().with_simple_exporter(spans.clone()).build();
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer_provider.tracer("quickstart"))
        .with_location(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_target(false);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).expect("first subscriber");

    let metrics = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(metrics.clone()).with_interval(Duration::from_secs(3600)).build();
    let meter_provider = SdkMeterProvider::builder().with_reader(reader).build();
    opentelemetry::global::set_meter_provider(meter_provider.clone());

    let answer = plan_trip(&["Paris", "Oslo", "Atlantis"]).await.expect("the fake model answers");
    println!("answer: {answer}\n");

    let _ = tracer_provider.force_flush();
    println!("== spans ==\n{}", span_tree(&spans.get_finished_spans().unwrap_or_default()));
    let _ = meter_provider.force_flush();
    let rm = metrics.get_finished_metrics().ok().and_then(|mut v| v.pop()).unwrap_or_default();
    println!("== metrics ==\n{}", metrics_summary(&rm));
}

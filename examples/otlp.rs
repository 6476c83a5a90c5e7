//! The agent of `agent.rs`, exporting spans and metrics over OTLP to a collector (Jaeger, an
//! OpenTelemetry Collector, Grafana Alloy...). Endpoint and protocol come from the standard
//! variables; without them, `http://localhost:4318` over HTTP/protobuf.
//!
//!     OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
//!         cargo run -p genai-o11y-examples --example otlp
//!
//! With no collector listening, the application runs exactly the same: one warning, and at exit
//! the number of spans that could not be exported.

use genai_o11y_examples::{agent_demo, fake_openai};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|_| "http://localhost:4318".into());
    let guard = genai_o11y::init().service_name("trip-planner").otlp_endpoint(endpoint.clone()).install()?;
    let server = fake_openai::start().await;
    let answer = agent_demo::run(&server.base_url(), None).await?;
    println!("answer: {answer}\nspans sent to {endpoint}");
    let report = guard.shutdown();
    println!("shutdown: {report:?}");
    server.shutdown();
    Ok(())
}

//! The Prometheus and health features, live: an annotated workload against a fake model API
//! (two models, failures, tools, an agent, streamed calls) and an HTTP server with
//!
//! * `http://127.0.0.1:9464/metrics`  Prometheus text (scrape it, or open it in a browser)
//! * `http://127.0.0.1:9464/healthz`  liveness JSON
//! * `http://127.0.0.1:9464/readyz`   readiness JSON (503 until the first workload round is done)
//!
//! Runs until Ctrl-C:
//!
//!     cargo run -p genai-o11y-examples --example prometheus_health
//!
//! Point a Prometheus at it (`scrape_configs: [{job_name: genai, static_configs: [{targets:
//! ["127.0.0.1:9464"]}]}]`), load `dashboards/genai-alerts.yml` as a rule file and import
//! `dashboards/genai-grafana.json` into Grafana.

use genai_o11y_examples::prometheus_demo;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let addr = std::env::var("DEMO_ADDR").unwrap_or_else(|_| "127.0.0.1:9464".to_owned());
    let demo = prometheus_demo::serve(addr.as_str()).await?;
    let at = demo.local_addr();
    println!("serving http://{at}/metrics, http://{at}/healthz and http://{at}/readyz; Ctrl-C to stop");
    tokio::signal::ctrl_c().await?;
    println!("stopping after {} workload rounds", demo.iterations());
    demo.shutdown().await?;
    Ok(())
}

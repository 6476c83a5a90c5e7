//! Prometheus exposition of the metrics (feature `prometheus`).
//!
//! [`PrometheusHandle::new`] creates a private [`prometheus::Registry`] and the OpenTelemetry
//! [`PrometheusExporter`] that feeds it. The exporter is a `MetricReader`: add it to your
//! `SdkMeterProvider` with `.with_reader(exporter)`. [`PrometheusHandle::render`] produces the
//! Prometheus text format (`text/plain; version=0.0.4`) with the `prometheus` crate's
//! [`TextEncoder`]; the HTTP server of the `health` feature serves it on `/metrics`.
//!
//! ```no_run
//! use opentelemetry_sdk::metrics::SdkMeterProvider;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//!
//! let (prom, exporter) = genai_o11y::prometheus::PrometheusHandle::new()?;
//! let provider = SdkMeterProvider::builder().with_reader(exporter).build();
//! opentelemetry::global::set_meter_provider(provider);
//! genai_o11y::refresh_instruments();
//! // ... annotated calls ...
//! println!("{}", prom.render());
//! # Ok(())
//! # }
//! ```
//!
//! ## Names in Prometheus
//!
//! The exporter maps OpenTelemetry names with the OpenTelemetry→Prometheus compatibility rules:
//! dots become underscores, the unit `s` appends `_seconds`, curly-brace units (`{token}`,
//! `{call}`, `{currency}`) append nothing, monotonic counters append `_total`, and histograms
//! expose `_bucket`/`_sum`/`_count`. Attribute keys become labels the same way
//! (`gen_ai.request.model` → `gen_ai_request_model`, `error.type` → `error_type`), and every series
//! carries `otel_scope_name="genai-o11y"` and `otel_scope_version`. In the default (v1.41) mode:
//!
//! | OpenTelemetry | Prometheus |
//! |---|---|
//! | `gen_ai.client.operation.duration` (s) | `gen_ai_client_operation_duration_seconds_{bucket,sum,count}` |
//! | `gen_ai.client.token.usage` ({token}) | `gen_ai_client_token_usage_{bucket,sum,count}` |
//! | `gen_ai.client.operation.time_to_first_chunk` (s) | `gen_ai_client_operation_time_to_first_chunk_seconds_*` |
//! | `gen_ai.client.operation.time_per_output_chunk` (s) | `gen_ai_client_operation_time_per_output_chunk_seconds_*` |
//! | `gen_ai.execute_tool.duration` (s) | `gen_ai_execute_tool_duration_seconds_*` |
//! | `gen_ai.invoke_agent.duration` (s) | `gen_ai_invoke_agent_duration_seconds_*` |
//! | `genai_o11y.client.cost` ({currency}) | `genai_o11y_client_cost_total` |
//! | `genai_o11y.client.cache_read.input_tokens` ({token}) | `genai_o11y_client_cache_read_input_tokens_total` |
//! | `genai_o11y.client.cost.unpriced` ({call}) | `genai_o11y_client_cost_unpriced_total` |
//! | `genai_o11y.client.usage.missing` ({call}) | `genai_o11y_client_usage_missing_total` |

use std::fmt;

use opentelemetry_prometheus::PrometheusExporter;
use prometheus::{Encoder, TextEncoder};

/// The content type of [`PrometheusHandle::render`]'s output (`text/plain; version=0.0.4`).
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// A handle on the registry the exporter writes to: cheap to clone, renders the exposition text.
#[derive(Clone)]
pub struct PrometheusHandle {
    registry: prometheus::Registry,
}

impl fmt::Debug for PrometheusHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusHandle").finish_non_exhaustive()
    }
}

impl PrometheusHandle {
    /// `GET /metrics` as an axum router to merge into the application's own, in one line:
    /// `let app = app.merge(handle.router());` (feature `health` brings axum). It fits a router
    /// of any state type.
    #[cfg(feature = "health")]
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        metrics_route(Some(self.clone()))
    }

    /// A fresh registry and the exporter (a `MetricReader`) that feeds it. Add the exporter to
    /// the meter provider: `SdkMeterProvider::builder().with_reader(exporter)`.
    pub fn new() -> Result<(PrometheusHandle, PrometheusExporter), PrometheusError> {
        Self::with_builder(opentelemetry_prometheus::exporter())
    }

    /// Like [`new`](Self::new), from an exporter builder configured by the caller (namespace,
    /// `without_target_info`, resource selector, ...). Its registry is replaced by a fresh one.
    pub fn with_builder(builder: opentelemetry_prometheus::ExporterBuilder) -> Result<(PrometheusHandle, PrometheusExporter), PrometheusError> {
        let registry = prometheus::Registry::new();
        let exporter = builder.with_registry(registry.clone()).build().map_err(|e| PrometheusError(e.to_string()))?;
        Ok((PrometheusHandle { registry }, exporter))
    }

    /// The registry (to register other collectors next to the OpenTelemetry ones).
    pub fn registry(&self) -> &prometheus::Registry {
        &self.registry
    }

    /// Collects the metrics now and renders them in the Prometheus text format.
    pub fn render(&self) -> String {
        self.try_render().unwrap_or_else(|e| format!("# genai-o11y: {e}\n"))
    }

    /// Like [`render`](Self::render), reporting an encoding failure instead of a comment line.
    pub fn try_render(&self) -> Result<String, PrometheusError> {
        let families = self.registry.gather();
        let mut buf = Vec::new();
        TextEncoder::new().encode(&families, &mut buf).map_err(|e| PrometheusError(e.to_string()))?;
        String::from_utf8(buf).map_err(|e| PrometheusError(e.to_string()))
    }
}

/// Building the exporter or encoding the metrics failed.
#[derive(Debug, Clone)]
pub struct PrometheusError(String);

impl fmt::Display for PrometheusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "prometheus exporter: {}", self.0)
    }
}

impl std::error::Error for PrometheusError {}

/// The `/metrics` route of an optional handle (the one home of `/metrics`, for
/// [`PrometheusHandle::router`], `Guard::metrics_router` and the probe server): the exposition
/// text, rendered off the async workers, or `404` with the fix when there is no handle.
#[cfg(feature = "health")]
pub(crate) fn metrics_route<S: Clone + Send + Sync + 'static>(handle: Option<PrometheusHandle>) -> axum::Router<S> {
    use axum::http::{header, StatusCode};
    use axum::response::IntoResponse;
    axum::Router::new().route(
        METRICS_PATH,
        axum::routing::get(move || {
            let handle = handle.clone();
            async move {
                let Some(handle) = handle else {
                    return (StatusCode::NOT_FOUND, "no Prometheus reader: call .prometheus() on the setup (feature `prometheus`)\n").into_response();
                };
                // Collecting and encoding is synchronous work: keep it off the async workers.
                match tokio::task::spawn_blocking(move || handle.try_render()).await {
                    Ok(Ok(text)) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
                    Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                    Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
                }
            }
        }),
    )
}

/// Where the exposition text is served.
pub const METRICS_PATH: &str = "/metrics";

//! The `tracing-opentelemetry` layer in this crate's lean configuration.

/// The `tracing-opentelemetry` layer for `tracer`, configured as this crate's own pipelines
/// (`init()`, `testing`) configure it: no `code.*`, `thread.*`, `busy_ns`/`idle_ns` or `target`
/// attributes on the spans. The GenAI spans carry only their convention attributes, and the
/// layer skips the per-span bookkeeping those attributes cost (measured in the overhead bench).
/// Use it when wiring your own subscriber:
/// `tracing_subscriber::registry().with(genai_o11y::otel_layer(provider.tracer("app")))`.
#[cfg(any(feature = "sdk", feature = "testing"))]
pub fn otel_layer<S, T>(tracer: T) -> tracing_opentelemetry::OpenTelemetryLayer<S, T>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    T: opentelemetry::trace::Tracer + 'static,
    T::Span: Send + Sync,
{
    tracing_opentelemetry::layer().with_tracer(tracer).with_location(false).with_threads(false).with_tracked_inactivity(false).with_target(false)
}

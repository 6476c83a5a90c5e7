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

/// The events that are log records only (the `gen_ai.client.operation.exception` event, for the
/// logs bridge): a filter that keeps them off the layer it filters (the span layer, which has
/// its own `exception` span event, and the text log).
#[cfg(any(feature = "sdk", feature = "testing"))]
pub(crate) fn not_log_record_only() -> tracing_subscriber::filter::FilterFn<impl Fn(&tracing::Metadata<'_>) -> bool> {
    tracing_subscriber::filter::filter_fn(|m| !(m.is_event() && m.name() == crate::semconv::v1_41::GEN_AI_CLIENT_OPERATION_EXCEPTION))
}

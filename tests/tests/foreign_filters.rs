//! Foreign-span enrichment enables no span or event that the other layers disable. Alone in its
//! test binary: a callsite's interest is shared by every subscriber of the process, so the
//! subscribers of other tests running in parallel would decide it too.

use genai_o11y::foreign::ForeignSpans;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn enrichment_enables_no_span_or_event_that_the_filters_disable() {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::Layer as _;
    let tp = SdkTracerProvider::builder().build();
    let foreign = ForeignSpans::new();
    // As `init()` wires it: the layer also filtered by the OpenTelemetry layer's filter.
    let subscriber = tracing_subscriber::registry()
        .with(genai_o11y::otel_layer(tp.tracer("app")).with_filter(LevelFilter::INFO))
        .with(foreign.layer_with(LevelFilter::INFO));
    tracing::subscriber::with_default(subscriber, || {
        assert!(!tracing::enabled!(target: "other_llm::client", tracing::Level::DEBUG));
        assert!(!tracing::event_enabled!(target: "other_llm::client", tracing::Level::DEBUG, gen_ai.operation.name = "chat"));
        assert!(!tracing::span_enabled!(target: "other_llm::client", tracing::Level::DEBUG, gen_ai.operation.name = "chat"));
        assert!(tracing::span_enabled!(target: "other_llm::client", tracing::Level::INFO, gen_ai.operation.name = "chat"));
    });
    // The layer alone is filtered to foreign GenAI span callsites: no event, no other span.
    let subscriber = tracing_subscriber::registry().with(genai_o11y::otel_layer(tp.tracer("app")).with_filter(LevelFilter::INFO)).with(foreign.layer());
    tracing::subscriber::with_default(subscriber, || {
        assert!(!tracing::event_enabled!(target: "other_llm::client", tracing::Level::TRACE, gen_ai.operation.name = "chat"));
        assert!(!tracing::span_enabled!(target: "other_llm::client", tracing::Level::TRACE, step = 1));
    });
}

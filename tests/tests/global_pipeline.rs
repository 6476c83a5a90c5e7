//! The process-wide path an application uses: a global `tracing` subscriber, the global meter
//! provider, `OTEL_SEMCONV_STABILITY_OPT_IN` read from the environment. One test in its own
//! binary, because it changes process-wide state.

use std::time::Duration;

use genai_o11y::{genai_span, Usage};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat() -> Usage {
    Usage::new().input(3).output(4)
}

fn names(exporter: &InMemoryMetricExporter, provider: &SdkMeterProvider) -> Vec<String> {
    exporter.reset();
    provider.force_flush().unwrap();
    let rm: ResourceMetrics = exporter.get_finished_metrics().unwrap().pop().unwrap_or_default();
    let mut n: Vec<String> = rm.scope_metrics().flat_map(|s| s.metrics()).map(|m| m.name().to_owned()).collect();
    n.sort();
    n
}

#[test]
fn global_pipeline_with_the_latest_conventions_from_the_environment() {
    // Set before anything reads it (this binary has a single test).
    std::env::set_var("OTEL_SEMCONV_STABILITY_OPT_IN", "http,gen_ai_latest_experimental");

    // A call before any pipeline exists: no panic, nothing recorded anywhere.
    chat();

    let spans = InMemorySpanExporter::default();
    let tracer_provider = SdkTracerProvider::builder().with_simple_exporter(spans.clone()).build();
    let subscriber = tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("app")));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let metrics = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(metrics.clone()).with_interval(Duration::from_secs(3600)).build();
    let meter_provider = SdkMeterProvider::builder().with_reader(reader).build();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    // Instruments made before the provider was installed are re-created on next use.
    genai_o11y::refresh_instruments();

    chat();
    // From another thread too: the global pipeline is not per-thread.
    std::thread::spawn(chat).join().unwrap();

    let finished = spans.get_finished_spans().unwrap();
    assert_eq!(finished.len(), 2, "the call made before the subscriber existed left no span");
    assert!(finished.iter().all(|s| s.name == "chat gpt-4o"));
    let names = names(&metrics, &meter_provider);
    assert!(names.contains(&"gen_ai.client.inference.duration".to_owned()), "{names:?}");
    assert!(names.contains(&"gen_ai.client.inference.usage.input_tokens".to_owned()), "{names:?}");
    assert!(!names.contains(&"gen_ai.client.token.usage".to_owned()), "{names:?}");
}

//! Telemetry switched off at run time: no `tracing` subscriber and a meter provider that records
//! nothing (opentelemetry's no-op provider, or the global provider nobody set). Annotated calls
//! are then dormant: the function runs as written and nothing else happens, not even the
//! conversion of the annotation's arguments.
//!
//! One test function: the dormant check reads the process-wide `tracing` level hint, which any
//! subscriber installed by a concurrent test (even on another thread) would raise.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genai_o11y::attribution::Attribution;
use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage, Settings};
use opentelemetry::metrics::noop::NoopMeterProvider;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

static MODEL_ARGUMENT_READ: AtomicUsize = AtomicUsize::new(0);

fn model_name(m: &str) -> &str {
    MODEL_ARGUMENT_READ.fetch_add(1, Ordering::SeqCst);
    m
}

#[derive(HasUsage, Debug, PartialEq)]
struct Resp {
    text: String,
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[derive(Debug, PartialEq)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}
impl std::error::Error for ApiError {}

#[genai_span(operation = "chat", provider = "openai", model = model_name(model))]
async fn chat(model: &str, fail: bool) -> Result<Resp, ApiError> {
    tokio::task::yield_now().await;
    if fail {
        return Err(ApiError);
    }
    Ok(Resp { text: format!("answer from {model}"), prompt_tokens: 10, completion_tokens: 5 })
}

#[genai_span(operation = "chat", provider = "openai", model = model_name(model))]
async fn stuck(model: &str) -> Result<Resp, ApiError> {
    let _ = model;
    std::future::pending().await
}

#[genai_span(operation = "chat", provider = "openai", model = model_name(model))]
fn chat_sync(model: &str) -> Result<Resp, ApiError> {
    Ok(Resp { text: format!("sync answer from {model}"), prompt_tokens: 1, completion_tokens: 1 })
}

#[genai_tool]
fn explode(_why: &str) -> u32 {
    panic!("the tool's own panic")
}

#[genai_agent(name = "concierge", session_id = "s-42", user_id = "u-7")]
async fn concierge() -> Option<String> {
    Attribution::current().and_then(|a| a.get_session_id().map(str::to_owned))
}

fn metric_names(exporter: &InMemoryMetricExporter) -> Vec<String> {
    let batches: Vec<ResourceMetrics> = exporter.get_finished_metrics().unwrap();
    batches.iter().flat_map(|rm| rm.scope_metrics().flat_map(|sm| sm.metrics().map(|m| m.name().to_owned()))).collect()
}

#[test]
fn switched_off_calls_are_dormant_and_behave_as_written() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    assert_eq!(tracing::level_filters::LevelFilter::current(), tracing::level_filters::LevelFilter::OFF, "no subscriber in this process yet");

    // 1. The global meter provider nobody set, no subscriber: dormant. Same values, same errors,
    //    and the annotation's arguments are not evaluated (as under `--cfg genai_o11y_disabled`).
    let ok = rt.block_on(chat("gpt-4o", false));
    assert_eq!(ok, Ok(Resp { text: "answer from gpt-4o".into(), prompt_tokens: 10, completion_tokens: 5 }));
    assert_eq!(rt.block_on(chat("gpt-4o", true)), Err(ApiError));
    assert_eq!(chat_sync("gpt-4o-mini").unwrap().text, "sync answer from gpt-4o-mini");
    assert_eq!(MODEL_ARGUMENT_READ.load(Ordering::SeqCst), 0, "a dormant call converts no argument");

    // Panics pass through unchanged.
    let panic = std::panic::catch_unwind(|| explode("now")).unwrap_err();
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the tool's own panic"));

    // A call cancelled midway is dropped without a trace.
    rt.block_on(async {
        assert!(tokio::time::timeout(Duration::from_millis(10), stuck("gpt-4o")).await.is_err());
    });

    // Attribution still reaches the body (its outgoing requests propagate it as baggage).
    assert_eq!(rt.block_on(concierge()).as_deref(), Some("s-42"));

    // 2. The no-op meter provider in scope on this thread: dormant as well.
    {
        let noop = NoopMeterProvider::new();
        let _scoped = genai_o11y::scoped_with(&noop, Settings::default());
        assert!(chat_sync("gpt-4o").is_ok());
        assert_eq!(MODEL_ARGUMENT_READ.load(Ordering::SeqCst), 0);
    }

    // 3. A real meter provider, still no subscriber: metrics are on, so the call is not dormant
    //    (duration and tokens counted, no span anywhere).
    {
        let exporter = InMemoryMetricExporter::default();
        let meter = SdkMeterProvider::builder().with_reader(PeriodicReader::builder(exporter.clone()).build()).build();
        let _scoped = genai_o11y::scoped_with(&meter, Settings::default());
        assert!(chat_sync("gpt-4o").is_ok());
        assert_eq!(MODEL_ARGUMENT_READ.load(Ordering::SeqCst), 1);
        meter.force_flush().unwrap();
        let names = metric_names(&exporter);
        assert!(names.iter().any(|n| n == "gen_ai.client.operation.duration"), "{names:?}");
        assert!(names.iter().any(|n| n == "gen_ai.client.token.usage"), "{names:?}");
    }

    // 4. A subscriber, the no-op meter provider: spans are on, so the call is not dormant.
    {
        let spans = InMemorySpanExporter::default();
        let tracer = SdkTracerProvider::builder().with_simple_exporter(spans.clone()).build();
        let sub = tracing_subscriber::registry().with(genai_o11y::otel_layer(opentelemetry::trace::TracerProvider::tracer(&tracer, "t")));
        let _sub = tracing::subscriber::set_default(sub);
        let noop = NoopMeterProvider::new();
        let _scoped = genai_o11y::scoped_with(&noop, Settings::default());
        assert!(chat_sync("gpt-4o").is_ok());
        assert_eq!(MODEL_ARGUMENT_READ.load(Ordering::SeqCst), 2);
        let names: Vec<String> = spans.get_finished_spans().unwrap().iter().map(|s| s.name.to_string()).collect();
        assert_eq!(names, ["chat gpt-4o"]);
    }
}

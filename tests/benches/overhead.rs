//! What `#[genai_span]` costs, against the same instrumentation written by hand and against no
//! instrumentation, with the pipeline enabled (tracing-opentelemetry layer in its lean settings,
//! SDK tracer with a simple processor and a no-op exporter, SDK meter provider) and disabled (no
//! subscriber, no-op meter provider).
//!
//! Run: `cargo bench -p genai-o11y-tests --bench overhead`, then
//! `python3 scripts/bench_ratios.py` prints the ratios.

use std::cell::RefCell;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use futures::stream::{self, Stream, StreamExt};
use futures::FutureExt;
use genai_o11y::{genai_span, CaptureConfig, CaptureMode, Conventions, HasUsage, Settings};
use opentelemetry::metrics::Histogram;
use opentelemetry::trace::{Status, TraceContextExt, TracerProvider as _};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

// ---------------------------------------------------------------- the fake model call

#[derive(HasUsage, Debug)]
struct Resp {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    cached_tokens: Option<u32>,
    finish_reason: Option<String>,
}

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

struct Req {
    model: String,
    temperature: Option<f64>,
    max_tokens: Option<i64>,
}

#[inline(never)]
async fn body(req: &Req) -> Result<Resp, ApiError> {
    Ok(Resp {
        id: "chatcmpl-1".to_owned(),
        model: req.model.clone(),
        prompt_tokens: black_box(107),
        completion_tokens: 42,
        cached_tokens: Some(100),
        finish_reason: Some("stop".to_owned()),
    })
}

async fn plain(req: &Req) -> Result<Resp, ApiError> {
    body(req).await
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), temperature = req.temperature, max_tokens = req.max_tokens)]
async fn annotated(req: &Req) -> Result<Resp, ApiError> {
    body(req).await
}

#[derive(serde::Serialize)]
struct Message {
    role: &'static str,
    content: String,
}

struct ChatReq {
    model: String,
    messages: Vec<Message>,
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), input_messages = req.messages)]
async fn annotated_capture(req: &ChatReq) -> Result<Resp, ApiError> {
    Ok(Resp {
        id: "chatcmpl-1".to_owned(),
        model: req.model.clone(),
        prompt_tokens: black_box(107),
        completion_tokens: 42,
        cached_tokens: Some(100),
        finish_reason: Some("stop".to_owned()),
    })
}

/// A realistic conversation: 20 OpenAI Chat Completions messages, about 40 KB of JSON (system
/// prompt, user turns, assistant tool calls, tool results, answers), typed as an SDK types them.
#[derive(serde::Serialize, Clone)]
struct ConvMessage {
    role: &'static str,
    content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<ConvToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<String>,
}

#[derive(serde::Serialize, Clone)]
struct ConvToolCall {
    id: String,
    r#type: &'static str,
    function: ConvFunction,
}

#[derive(serde::Serialize, Clone)]
struct ConvFunction {
    name: String,
    arguments: String,
}

#[derive(serde::Serialize, Clone)]
struct ConvChoice {
    index: u32,
    message: ConvMessage,
    finish_reason: &'static str,
}

struct ConvReq {
    model: String,
    messages: Vec<ConvMessage>,
}

#[derive(HasUsage)]
struct ConvResp {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(skip)]
    choices: Vec<ConvChoice>,
}

fn conversation() -> ConvReq {
    let prose = |i: usize, n: usize| {
        let words = ["weather", "forecast", "Paris", "rain", "umbrella", "museum", "schedule", "tomorrow", "temperature", "humidity", "wind"];
        (0..n).map(|k| words[(i * 7 + k) % words.len()]).collect::<Vec<_>>().join(" ")
    };
    let mut messages = vec![ConvMessage { role: "system", content: Some(prose(0, 300)), tool_calls: vec![], tool_call_id: None }];
    for turn in 0..19 {
        let m = match turn % 4 {
            0 => ConvMessage { role: "user", content: Some(prose(turn, 280)), tool_calls: vec![], tool_call_id: None },
            1 => ConvMessage {
                role: "assistant",
                content: None,
                tool_calls: vec![ConvToolCall {
                    id: format!("call_{turn}"),
                    r#type: "function",
                    function: ConvFunction {
                        name: "get_weather".into(),
                        arguments: format!("{{\"city\":\"Paris\",\"day\":{turn},\"notes\":\"{}\"}}", prose(turn, 120)),
                    },
                }],
                tool_call_id: None,
            },
            2 => ConvMessage {
                role: "tool",
                content: Some(format!("{{\"forecast\":\"{}\"}}", prose(turn, 280))),
                tool_calls: vec![],
                tool_call_id: Some(format!("call_{}", turn - 1)),
            },
            _ => ConvMessage { role: "assistant", content: Some(prose(turn, 280)), tool_calls: vec![], tool_call_id: None },
        };
        messages.push(m);
    }
    ConvReq { model: "gpt-4o".to_owned(), messages }
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), input_messages = req.messages, output_messages = |r: &ConvResp| r.choices.clone())]
async fn annotated_conversation(req: &ConvReq) -> Result<ConvResp, ApiError> {
    Ok(ConvResp {
        id: "chatcmpl-1".to_owned(),
        model: req.model.clone(),
        prompt_tokens: black_box(9_800),
        completion_tokens: 210,
        choices: vec![ConvChoice {
            index: 0,
            message: ConvMessage {
                role: "assistant",
                content: Some("It will rain in Paris tomorrow; take an umbrella.".into()),
                tool_calls: vec![],
                tool_call_id: None,
            },
            finish_reason: "stop",
        }],
    })
}

#[derive(HasUsage, Default)]
struct Chunk {
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    #[usage(skip)]
    delta: &'static str,
}

fn chunks() -> impl Stream<Item = Chunk> {
    stream::iter(0..10u32).map(|i| Chunk { prompt_tokens: (i == 9).then_some(107), completion_tokens: (i == 9).then_some(10), delta: "tok " })
}

fn plain_stream() -> impl Stream<Item = Chunk> {
    chunks()
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn annotated_stream() -> impl Stream<Item = Chunk> {
    chunks()
}

/// The same stream, its chunks' text folded into the captured answer when capture is on.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", output_messages = |c| c.delta)]
fn annotated_stream_answer() -> impl Stream<Item = Chunk> {
    chunks()
}

/// Creates the stream (the span starts there) and consumes it: a whole streamed call.
fn drain<S: Stream<Item = Chunk>>(make: impl FnOnce() -> S) -> usize {
    run(async move { make().map(|c| c.delta.len()).fold(0, |a, b| async move { a + b }).await })
}

// ---------------------------------------------------------------- the same, by hand

struct HandInstruments {
    duration: Histogram<f64>,
    tokens: Histogram<u64>,
    /// The cache-read counter the annotation records in v1.41 mode (calls that read the cache).
    cache_read: opentelemetry::metrics::Counter<u64>,
}

thread_local! {
    static HAND: RefCell<Option<Arc<HandInstruments>>> = const { RefCell::new(None) };
}

fn hand_instruments(provider: &dyn opentelemetry::metrics::MeterProvider) -> Arc<HandInstruments> {
    let meter = provider.meter("hand");
    Arc::new(HandInstruments {
        duration: meter
            .f64_histogram("gen_ai.client.operation.duration")
            .with_unit("s")
            .with_boundaries(genai_o11y::semconv::v1_41::DURATION_BUCKETS.to_vec())
            .build(),
        tokens: meter
            .u64_histogram("gen_ai.client.token.usage")
            .with_unit("{token}")
            .with_boundaries(genai_o11y::semconv::v1_41::TOKEN_BUCKETS.to_vec())
            .build(),
        cache_read: meter.u64_counter(genai_o11y::semconv::vendor::CACHE_READ_INPUT_TOKENS_METRIC).with_unit("{token}").build(),
    })
}

async fn hand(req: &Req) -> Result<Resp, ApiError> {
    let span = tracing::info_span!(
        target: "genai_o11y", "gen_ai.inference",
        otel.name = %format_args!("chat {}", req.model),
        otel.kind = "client",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = req.model.as_str(),
        gen_ai.request.temperature = req.temperature,
        gen_ai.request.max_tokens = req.max_tokens,
    );
    let start = Instant::now();
    let result = body(req).instrument(span.clone()).await;
    let elapsed = start.elapsed().as_secs_f64();
    let cx = (!span.is_disabled()).then(|| span.context());
    if let Some(cx) = &cx {
        let s = cx.span();
        match &result {
            Ok(r) => s.set_attributes([
                KeyValue::new("gen_ai.usage.input_tokens", r.prompt_tokens as i64),
                KeyValue::new("gen_ai.usage.output_tokens", r.completion_tokens as i64),
                KeyValue::new("gen_ai.usage.cache_read.input_tokens", r.cached_tokens.unwrap_or(0) as i64),
                KeyValue::new("gen_ai.response.id", r.id.clone()),
                KeyValue::new("gen_ai.response.model", r.model.clone()),
                KeyValue::new(
                    "gen_ai.response.finish_reasons",
                    Value::Array(Array::String(r.finish_reason.iter().map(|f| StringValue::from(f.clone())).collect())),
                ),
            ]),
            Err(e) => {
                s.set_attribute(KeyValue::new("error.type", std::any::type_name::<ApiError>()));
                s.set_status(Status::error(e.to_string()));
            }
        }
    }
    let _attached = cx.map(|cx| cx.attach());
    let instruments = HAND.with(|h| h.borrow().clone()).expect("installed by the bench");
    let mut attrs = vec![
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.provider.name", "openai"),
        KeyValue::new("gen_ai.request.model", req.model.clone()),
    ];
    if let Ok(r) = &result {
        attrs.push(KeyValue::new("gen_ai.response.model", r.model.clone()));
    }
    instruments.duration.record(elapsed, &attrs);
    if let Ok(r) = &result {
        attrs.push(KeyValue::new("gen_ai.token.type", "input"));
        instruments.tokens.record(r.prompt_tokens as u64, &attrs);
        attrs.pop();
        attrs.push(KeyValue::new("gen_ai.token.type", "output"));
        instruments.tokens.record(r.completion_tokens as u64, &attrs);
        attrs.pop();
        if let Some(cached) = r.cached_tokens.filter(|c| *c > 0) {
            instruments.cache_read.add(cached as u64, &attrs);
        }
    }
    result
}

// ---------------------------------------------------------------- pipelines

#[derive(Debug, Default, Clone)]
struct CountingExporter(Arc<AtomicU64>);
impl SpanExporter for CountingExporter {
    async fn export(&self, batch: Vec<SpanData>) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

struct Enabled {
    _tracer: SdkTracerProvider,
    _meter: SdkMeterProvider,
    _sub: tracing::subscriber::DefaultGuard,
    _scoped: genai_o11y::ScopedGuard,
}

fn enable() -> Enabled {
    enable_with(no_pricing())
}

/// The instrumentation the hand-written version does: no cost estimation, no capture.
fn no_pricing() -> Settings {
    Settings::default().pricing(None)
}

fn enable_with(settings: Settings) -> Enabled {
    let tracer = SdkTracerProvider::builder().with_simple_exporter(CountingExporter::default()).build();
    let reader = PeriodicReader::builder(InMemoryMetricExporter::default()).with_interval(Duration::from_secs(3600)).build();
    let meter = SdkMeterProvider::builder().with_reader(reader).build();
    let layer = genai_o11y::otel_layer(tracer.tracer("bench"));
    let sub = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let scoped = genai_o11y::scoped_with(&meter, settings.conventions(Conventions::V1_41));
    HAND.with(|h| *h.borrow_mut() = Some(hand_instruments(&meter)));
    Enabled { _tracer: tracer, _meter: meter, _sub: sub, _scoped: scoped }
}

fn disable() -> genai_o11y::ScopedGuard {
    let noop = opentelemetry::metrics::noop::NoopMeterProvider::new();
    HAND.with(|h| *h.borrow_mut() = Some(hand_instruments(&noop)));
    genai_o11y::scoped_with(&noop, no_pricing())
}

#[inline(never)]
fn run<F: std::future::Future>(f: F) -> F::Output {
    f.now_or_never().expect("the fake model completes on first poll")
}

/// The uninstrumented, hand-written and annotated calls under the pipeline installed by the caller.
/// Each instrumented variant twice, interleaved: the script keeps the faster of each pair, which
/// removes most of this VM's drift between measurements.
fn bench_core(c: &mut Criterion, group: &str, req: &Req) {
    let mut g = c.benchmark_group(group);
    g.bench_function("uninstrumented", |b| b.iter(|| run(plain(black_box(req)))));
    g.bench_function("hand_written", |b| b.iter(|| run(hand(black_box(req)))));
    g.bench_function("annotated", |b| b.iter(|| run(annotated(black_box(req)))));
    g.bench_function("hand_written_2", |b| b.iter(|| run(hand(black_box(req)))));
    g.bench_function("annotated_2", |b| b.iter(|| run(annotated(black_box(req)))));
    g.finish();
}

fn benches(c: &mut Criterion) {
    let req = Req { model: "gpt-4o".to_owned(), temperature: Some(0.7), max_tokens: Some(256) };

    {
        let _off = disable();
        bench_core(c, "disabled", &req);
    }
    {
        let _on = enable();
        bench_core(c, "enabled", &req);
    }
    // Issue 3's features, each against the annotated call without it (pipeline enabled).
    let chat_req = ChatReq {
        model: "gpt-4o".to_owned(),
        messages: vec![
            Message { role: "system", content: "You are a helpful assistant.".to_owned() },
            Message { role: "user", content: "What is the weather in Paris today? Answer in one sentence.".to_owned() },
        ],
    };
    let mut g = c.benchmark_group("features");
    {
        let _on = enable();
        g.bench_function("annotated", |b| b.iter(|| run(annotated(black_box(&req)))));
        g.bench_function("capture_off", |b| b.iter(|| run(annotated_capture(black_box(&chat_req)))));
    }
    {
        let _on = enable_with(Settings::default());
        g.bench_function("pricing_on", |b| b.iter(|| run(annotated(black_box(&req)))));
    }
    {
        let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        g.bench_function("capture_on", |b| b.iter(|| run(annotated_capture(black_box(&chat_req)))));
    }
    // A 20-message, ~40 KB conversation: capture off, on (default 16 KiB limit: truncated), on
    // with a 64 KiB limit (normalized and serialized whole).
    let conv = conversation();
    {
        let _on = enable();
        g.bench_function("conversation_off", |b| b.iter(|| run(annotated_conversation(black_box(&conv)))));
    }
    {
        let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        g.bench_function("conversation_on", |b| b.iter(|| run(annotated_conversation(black_box(&conv)))));
    }
    {
        let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly).max_length(64 * 1024)));
        g.bench_function("conversation_on_64k", |b| b.iter(|| run(annotated_conversation(black_box(&conv)))));
    }
    g.finish();
    // Issue 4: what a degraded collector costs the application. The same annotated call, the
    // pipeline exporting over OTLP/HTTP to a healthy receiver, to a dead endpoint, to a receiver
    // that takes 5 s per request. The export runs on the batch processor's thread; a full queue
    // drops, it never blocks the caller.
    let healthy = genai_o11y_tests::otlp_receiver::Receiver::start();
    let slow = genai_o11y_tests::otlp_receiver::Receiver::start_with(genai_o11y_tests::otlp_receiver::Behaviour::Slow(Duration::from_secs(5)));
    let mut g = c.benchmark_group("collector");
    for (name, endpoint) in [("healthy", healthy.endpoint()), ("dead", genai_o11y_tests::otlp_receiver::Receiver::unused_endpoint()), ("slow", slow.endpoint())]
    {
        let guard = genai_o11y::init()
            .env_source(|_| None)
            .otlp_endpoint(endpoint)
            .settings(no_pricing())
            .log_format(genai_o11y::setup::LogFormat::Off)
            .shutdown_timeout(Duration::from_millis(200))
            .install_thread_local()
            .expect("pipeline");
        g.bench_function(name, |b| b.iter(|| run(annotated(black_box(&req)))));
        drop(guard);
    }
    g.finish();
    healthy.shutdown();
    slow.shutdown();

    // Issue 9: attribution per span (the processor writing 0, 2 or 6 attributes; the metric
    // allow-list), against the same pipeline without the attribution processor; and the tower
    // server layer per request, against the bare service.
    bench_attribution(c, &req);
    bench_server_layer(c);
    // Issue 10: an evaluation event (and its score) on the current span, against the same
    // request span and annotated call without it.
    bench_evaluation(c, &req);
    // A retrieval span returning 10 documents: capture off, and on (the documents serialized
    // and recorded); the same search unannotated as the baseline.
    bench_retrieval(c);
    bench_media(c);

    let mut g = c.benchmark_group("streaming");
    {
        let _on = enable();
        g.bench_function("uninstrumented", |b| b.iter(|| drain(plain_stream)));
        g.bench_function("annotated", |b| b.iter(|| drain(annotated_stream)));
        // The streamed answer: capture off costs nothing (the closure never runs); capture on
        // folds each chunk's text into the answer recorded at the end.
        g.bench_function("answer_capture_off", |b| b.iter(|| drain(annotated_stream_answer)));
    }
    {
        let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        g.bench_function("answer_capture_on", |b| b.iter(|| drain(annotated_stream_answer)));
    }
    g.finish();

    // The trace-root processor: an annotated call inside a request span, the export processor
    // alone and wrapped by it.
    bench_trace_root(c, &req);
    bench_foreign(c, &req);
    bench_sampling(c, &req);
}

/// Outcome sampling: the same request trace (a request span and an annotated call, two spans)
/// through the export processor alone and behind the sampler, keeping every trace (ratio 1), so
/// that both export the same spans and the difference is the holding and deciding.
fn bench_sampling(c: &mut Criterion, req: &Req) {
    let mut g = c.benchmark_group("sampling");
    let call = || run(async { annotated(black_box(req)).await }.instrument(tracing::info_span!("request")));
    {
        let _on = enable_processor(Wrap::None, no_pricing());
        g.bench_function("no_sampler", |b| b.iter(call));
    }
    {
        let _on = enable_processor(Wrap::Sampler, no_pricing());
        g.bench_function("sampler", |b| b.iter(call));
    }
    g.finish();
}

fn bench_trace_root(c: &mut Criterion, req: &Req) {
    let mut g = c.benchmark_group("trace_root");
    let call = || run(async { annotated(black_box(req)).await }.instrument(tracing::info_span!("request")));
    {
        let _on = enable_processor(Wrap::None, no_pricing());
        g.bench_function("no_processor", |b| b.iter(call));
    }
    {
        let _on = enable_processor(Wrap::TraceRoot, no_pricing());
        g.bench_function("processor", |b| b.iter(call));
    }
    g.finish();
}

/// A GenAI chat span as another crate (rig, genai) makes it: its own target, usage recorded
/// after the response.
#[inline(never)]
fn foreign_chat(req: &Req) {
    let span = tracing::info_span!(
        target: "other_llm::client",
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = req.model.as_str(),
        gen_ai.response.model = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
    );
    let _entered = span.enter();
    span.record("gen_ai.response.model", "gpt-4o-2024-08-06");
    span.record("gen_ai.usage.input_tokens", 120i64);
    span.record("gen_ai.usage.output_tokens", 30i64);
}

/// Issue 17: other crates' GenAI spans. `ours_*`: this crate's annotated call, without and with
/// foreign-span enrichment in the pipeline (what it adds to our own spans: the layer's target
/// check and the processor's open-span check). `foreign_*`: a foreign chat span, exported as it
/// is, and enriched (cost from the built-in table, the GenAI metrics).
fn bench_foreign(c: &mut Criterion, req: &Req) {
    let mut g = c.benchmark_group("foreign");
    {
        let _on = enable_processor(Wrap::None, Settings::default());
        g.bench_function("ours_plain", |b| b.iter(|| run(annotated(black_box(req)))));
        g.bench_function("foreign_plain", |b| b.iter(|| run(async { foreign_chat(black_box(req)) })));
    }
    {
        let _on = enable_processor(Wrap::Foreign, Settings::default());
        g.bench_function("ours_enriching", |b| b.iter(|| run(annotated(black_box(req)))));
        g.bench_function("foreign_enriched", |b| b.iter(|| run(async { foreign_chat(black_box(req)) })));
    }
    // As `init()` wires it: the OpenTelemetry layer under a per-layer filter of its own.
    for (name, on) in [("ours_plain_filtered", false), ("ours_enriching_filtered", true)] {
        let _on = enable_filtered(on);
        g.bench_function(name, |b| b.iter(|| run(annotated(black_box(req)))));
    }
    g.finish();
}

/// The enabled pipeline with its OpenTelemetry layer under a per-layer filter, and foreign-span
/// enrichment or not.
fn enable_filtered(foreign: bool) -> Enabled {
    use tracing_subscriber::Layer as _;
    let processor = opentelemetry_sdk::trace::SimpleSpanProcessor::new(CountingExporter::default());
    let f = genai_o11y::foreign::ForeignSpans::new();
    let tracer = if foreign {
        SdkTracerProvider::builder().with_span_processor(f.wrap(processor)).build()
    } else {
        SdkTracerProvider::builder().with_span_processor(processor).build()
    };
    let reader = PeriodicReader::builder(InMemoryMetricExporter::default()).with_interval(Duration::from_secs(3600)).build();
    let meter = SdkMeterProvider::builder().with_reader(reader).build();
    let layer = genai_o11y::otel_layer(tracer.tracer("bench")).with_filter(tracing_subscriber::filter::LevelFilter::TRACE);
    let sub = if foreign {
        tracing::subscriber::set_default(tracing_subscriber::registry().with(layer).with(f.layer()))
    } else {
        tracing::subscriber::set_default(tracing_subscriber::registry().with(layer))
    };
    let scoped = genai_o11y::scoped_with(&meter, Settings::default().conventions(Conventions::V1_41));
    Enabled { _tracer: tracer, _meter: meter, _sub: sub, _scoped: scoped }
}

/// What wraps the export processor of [`enable_processor`]'s pipeline.
enum Wrap {
    None,
    /// Foreign-span enrichment: its processor around the export, its layer in the subscriber.
    Foreign,
    Attribution,
    TraceRoot,
    Sampler,
}

/// The enabled pipeline, its export processor wrapped by one of this crate's span processors or not.
fn enable_processor(wrap: Wrap, settings: Settings) -> Enabled {
    let processor = opentelemetry_sdk::trace::SimpleSpanProcessor::new(CountingExporter::default());
    let builder = SdkTracerProvider::builder();
    let foreign = matches!(wrap, Wrap::Foreign).then(genai_o11y::foreign::ForeignSpans::new);
    let tracer = match wrap {
        Wrap::None => builder.with_span_processor(processor).build(),
        Wrap::Foreign => builder.with_span_processor(foreign.as_ref().expect("foreign").wrap(processor)).build(),
        Wrap::Attribution => builder.with_span_processor(genai_o11y::attribution::AttributionProcessor::wrap(processor)).build(),
        Wrap::TraceRoot => builder.with_span_processor(genai_o11y::trace_root::TraceRootProcessor::wrap(processor)).build(),
        Wrap::Sampler => builder
            .with_span_processor(
                genai_o11y::sampling::OutcomeSampler::wrap(genai_o11y::sampling::OutcomeSampling::keep_successes(1.0), processor).expect("valid"),
            )
            .build(),
    };
    let reader = PeriodicReader::builder(InMemoryMetricExporter::default()).with_interval(Duration::from_secs(3600)).build();
    let meter = SdkMeterProvider::builder().with_reader(reader).build();
    let layer = genai_o11y::otel_layer(tracer.tracer("bench"));
    // Not `Option<layer>`: an `Option` does not pass the subscriber on to the foreign layer.
    let sub = match foreign {
        Some(f) => tracing::subscriber::set_default(tracing_subscriber::registry().with(layer).with(f.layer())),
        None => tracing::subscriber::set_default(tracing_subscriber::registry().with(layer)),
    };
    let scoped = genai_o11y::scoped_with(&meter, settings.conventions(Conventions::V1_41));
    Enabled { _tracer: tracer, _meter: meter, _sub: sub, _scoped: scoped }
}

fn bench_attribution(c: &mut Criterion, req: &Req) {
    use genai_o11y::attribution::{Attribution, MetricAttribution};
    let two = || Attribution::new().session_id("session-42").user_id("user-7");
    let six = || two().tags(["beta", "eu"]).metadata("app.feature", "search").metadata("app.tenant_tier", "gold").metadata("app.release", "2026.12");
    let mut g = c.benchmark_group("attribution");
    {
        let _on = enable_processor(Wrap::None, no_pricing());
        g.bench_function("no_processor", |b| b.iter(|| run(annotated(black_box(req)))));
    }
    {
        let _on = enable_processor(Wrap::Attribution, no_pricing());
        g.bench_function("attr_0", |b| b.iter(|| run(annotated(black_box(req)))));
        two().in_scope(|| g.bench_function("attr_2", |b| b.iter(|| run(annotated(black_box(req))))));
        six().in_scope(|| g.bench_function("attr_6", |b| b.iter(|| run(annotated(black_box(req))))));
    }
    {
        let _on = enable_processor(Wrap::Attribution, no_pricing().metric_attribution(MetricAttribution::keys(["app.feature", "app.tenant_tier"])));
        six().in_scope(|| g.bench_function("attr_6_metrics", |b| b.iter(|| run(annotated(black_box(req))))));
    }
    g.finish();
}

fn bench_evaluation(c: &mut Criterion, req: &Req) {
    use genai_o11y::evaluation::Evaluation;
    let _on = enable();
    let mut g = c.benchmark_group("evaluation");
    g.bench_function("call", |b| b.iter(|| run(async { annotated(black_box(req)).await }.instrument(tracing::info_span!("request")))));
    g.bench_function("call_evaluated", |b| {
        b.iter(|| {
            run(async {
                let r = annotated(black_box(req)).await;
                Evaluation::score("relevance", 0.9).explanation("on topic").record();
                r
            }
            .instrument(tracing::info_span!("request")))
        })
    });
    g.finish();
}

#[derive(genai_o11y::Document)]
struct Hit {
    id: String,
    score: f32,
}

fn hits() -> Vec<Hit> {
    (0..10).map(|i| Hit { id: format!("doc-{i}"), score: 1.0 - i as f32 / 20.0 }).collect()
}

async fn plain_search(query: &str) -> Result<Vec<Hit>, ApiError> {
    let _ = black_box(query);
    Ok(hits())
}

#[genai_o11y::genai_retrieval(data_source = "kb", top_k = 10, query = query)]
async fn annotated_search(query: &str) -> Result<Vec<Hit>, ApiError> {
    let _ = black_box(query);
    Ok(hits())
}

/// A chat request whose user message carries an image as a base64 data URL (OpenAI's shape).
#[derive(serde::Serialize)]
struct ImageReq {
    model: String,
    messages: Vec<serde_json::Value>,
}

fn image_req(bytes: usize) -> ImageReq {
    let b64 = "iVBORw0KGgoAAAANSUhEUgAA".repeat(bytes / 18);
    ImageReq {
        model: "gpt-4o".to_owned(),
        messages: vec![serde_json::json!({"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{b64}")}}
        ]})],
    }
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), input_messages = req.messages)]
async fn annotated_image(req: &ImageReq) -> Result<Resp, ApiError> {
    Ok(Resp {
        id: "chatcmpl-1".to_owned(),
        model: req.model.clone(),
        prompt_tokens: black_box(1107),
        completion_tokens: 42,
        cached_tokens: None,
        finish_reason: Some("stop".to_owned()),
    })
}

/// Media in captured content: an image of 2 and 8 MiB (decoded), its request serialized once
/// (the yardstick), and the annotated call with capture off and on. The capture's cost is
/// `capture_on - capture_off`, against `serialize`.
fn bench_media(c: &mut Criterion) {
    let mut g = c.benchmark_group("media");
    g.sample_size(20);
    for (label, bytes) in [("2mib", 2 * 1024 * 1024), ("8mib", 8 * 1024 * 1024)] {
        let req = image_req(bytes);
        // Through `run` like the others (the instruction-count script counts per `run`).
        g.bench_function(format!("serialize_{label}"), |b| b.iter(|| run(async { serde_json::to_string(black_box(&req)).map(|s| s.len()) })));
        // The floor of capture with an uploader: one copy of the base64 for its queue.
        let data_url = req.messages[0]["content"][1]["image_url"]["url"].as_str().unwrap_or_default().to_owned();
        g.bench_function(format!("copy_{label}"), |b| b.iter(|| run(async { black_box(&data_url).to_owned().len() })));
        {
            let _on = enable_with(no_pricing());
            g.bench_function(format!("capture_off_{label}"), |b| b.iter(|| run(annotated_image(black_box(&req)))));
        }
        {
            let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
            g.bench_function(format!("capture_on_{label}"), |b| b.iter(|| run(annotated_image(black_box(&req)))));
        }
        {
            // With an uploader: the base64 is copied for its queue (the uploader keeps nothing).
            let sink = genai_o11y::capture::media::MediaSink::new(Discard);
            let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly).media(sink.clone())));
            // The queue drains between calls (untimed), as it would between real calls.
            g.bench_function(format!("capture_upload_{label}"), |b| {
                b.iter_batched(|| sink.flush(Duration::from_secs(5)), |_| run(annotated_image(black_box(&req))), criterion::BatchSize::PerIteration)
            });
        }
    }
    g.finish();
}

/// An uploader that stores nothing.
struct Discard;
impl genai_o11y::capture::media::MediaUploader for Discard {
    fn uri(&self, media: &genai_o11y::capture::media::Media) -> String {
        format!("mem://{}", media.id())
    }
    fn upload(&self, _: &genai_o11y::capture::media::Media) -> Result<(), genai_o11y::capture::media::UploadError> {
        Ok(())
    }
}

fn bench_retrieval(c: &mut Criterion) {
    let mut g = c.benchmark_group("retrieval");
    {
        let _on = enable();
        g.bench_function("uninstrumented", |b| b.iter(|| run(plain_search(black_box("how do I reset my password?")))));
        g.bench_function("annotated", |b| b.iter(|| run(annotated_search(black_box("how do I reset my password?")))));
    }
    {
        let _on = enable_with(no_pricing().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        g.bench_function("annotated_captured", |b| b.iter(|| run(annotated_search(black_box("how do I reset my password?")))));
    }
    g.finish();
}

/// A bare HTTP service: answers 200 at once.
#[derive(Clone)]
struct Ok200;
impl tower_service::Service<http::Request<()>> for Ok200 {
    type Response = http::Response<()>;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<http::Response<()>, std::convert::Infallible>>;
    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn call(&mut self, _: http::Request<()>) -> Self::Future {
        std::future::ready(Ok(http::Response::new(())))
    }
}

fn request(traceparent: bool) -> http::Request<()> {
    let mut r = http::Request::post("/tools/get_weather");
    if traceparent {
        r = r.header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }
    r.body(()).unwrap()
}

fn bench_server_layer(c: &mut Criterion) {
    use tower_layer::Layer;
    use tower_service::Service;
    opentelemetry::global::set_text_map_propagator(opentelemetry::propagation::TextMapCompositePropagator::new(vec![
        Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
        Box::new(opentelemetry_sdk::propagation::BaggagePropagator::new()),
    ]));
    let _on = enable_processor(Wrap::Attribution, no_pricing());
    let mut g = c.benchmark_group("server");
    let mut bare = Ok200;
    g.bench_function("bare", |b| b.iter(|| run(async { bare.call(black_box(request(true))).await })));
    // The same span written by hand: extract, a SERVER span with the request's fields, the status.
    g.bench_function("hand_span", |b| {
        b.iter(|| {
            run(async {
                let req = black_box(request(true));
                let span = tracing::info_span!(
                    "http.server",
                    otel.name = "POST",
                    otel.kind = "server",
                    http.request.method = "POST",
                    url.path = req.uri().path(),
                    http.response.status_code = tracing::field::Empty
                );
                let _ = span.set_parent(genai_o11y::propagation::extract(req.headers()));
                let resp = bare.call(req).instrument(span.clone()).await.unwrap();
                span.record("http.response.status_code", i64::from(resp.status().as_u16()));
                resp
            })
        })
    });
    let mut layered = genai_o11y::propagation::ServerLayer::new().layer(Ok200);
    g.bench_function("layer", |b| b.iter(|| run(async { layered.call(black_box(request(false))).await })));
    g.bench_function("layer_traceparent", |b| b.iter(|| run(async { layered.call(black_box(request(true))).await })));
    g.finish();
}

criterion_group! {
    name = overhead;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(overhead);

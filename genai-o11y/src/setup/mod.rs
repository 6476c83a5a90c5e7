//! Setup in one call (feature `sdk`): a `tracing` subscriber (honouring `RUST_LOG`) with the
//! `tracing-opentelemetry` layer, the SDK tracer and meter providers, an exporter, and
//! trace-correlated logs; [`Guard`] flushes and shuts everything down on drop, **within a
//! deadline**.
//!
//! ```no_run
//! let _guard = genai_o11y::init().service_name("my-ai-service").install()?;
//! # Ok::<(), genai_o11y::setup::SetupError>(())
//! ```
//!
//! The standard variables are honoured (code settings override them): `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`),
//! `OTEL_EXPORTER_OTLP_ENDPOINT` / `_PROTOCOL` / `_HEADERS` / `_TIMEOUT` and their per-signal
//! forms, `OTEL_TRACES_SAMPLER` / `_ARG`, `OTEL_SDK_DISABLED`, `OTEL_BSP_*` and
//! `OTEL_METRIC_EXPORT_INTERVAL`. Without an endpoint, the console exporter prints each finished
//! trace and, at shutdown, a metrics summary.

pub mod config;
pub mod console;
pub mod logs;
#[cfg(feature = "otlp")]
pub mod presets;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer};

pub use config::{Protocol, SamplerConfig, SetupError, Signal};
pub use console::{ConsoleStyle, SharedWriter};
pub use logs::{LogFormat, TraceLogLayer};
#[cfg(feature = "otlp")]
pub use presets::Preset;

use config::{Env, OtlpCode};

/// Where spans and metrics go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exporter {
    /// A readable tree per trace and a metrics summary at shutdown (the default without an
    /// endpoint).
    Console,
    /// OTLP over gRPC or HTTP/protobuf (feature `otlp`).
    Otlp,
    /// Nothing is exported (spans are still created for the logs' trace ids).
    None,
}

/// Default batch queue: large enough that bursts are not dropped (the SDK's default is 2048).
pub const DEFAULT_MAX_QUEUE_SIZE: usize = 16_384;

/// Starts a setup. See the module documentation.
pub fn init() -> Setup {
    Setup::default()
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The builder returned by [`init`].
pub struct Setup {
    service_name: Option<String>,
    resource: Vec<KeyValue>,
    exporter: Option<Exporter>,
    otlp: OtlpCode,
    #[cfg(feature = "otlp")]
    preset: Option<Preset>,
    sampler: Option<SamplerConfig>,
    log_format: LogFormat,
    filter: Option<String>,
    console_out: Option<SharedWriter>,
    log_out: Option<SharedWriter>,
    console_style: ConsoleStyle,
    shutdown_timeout: Duration,
    max_queue_size: Option<usize>,
    metric_interval: Option<Duration>,
    settings: Option<crate::metrics::Settings>,
    log_summaries: bool,
    #[cfg(feature = "prometheus")]
    prometheus: bool,
    #[cfg(feature = "otel-logs")]
    otel_logs: bool,
    env: Box<dyn Fn(&str) -> Option<String> + Send>,
    custom_spans: Option<CustomSpans>,
}

type CustomSpans = Box<dyn FnOnce(opentelemetry_sdk::trace::TracerProviderBuilder, opentelemetry_sdk::trace::BatchConfig, Arc<StatsInner>) -> opentelemetry_sdk::trace::TracerProviderBuilder + Send>;

impl Default for Setup {
    fn default() -> Self {
        Setup {
            service_name: None,
            resource: Vec::new(),
            exporter: None,
            otlp: OtlpCode::default(),
            #[cfg(feature = "otlp")]
            preset: None,
            sampler: None,
            log_format: LogFormat::Text,
            filter: None,
            console_out: None,
            log_out: None,
            console_style: ConsoleStyle::Compact,
            shutdown_timeout: Duration::from_secs(5),
            max_queue_size: None,
            metric_interval: None,
            settings: None,
            log_summaries: false,
            #[cfg(feature = "prometheus")]
            prometheus: false,
            #[cfg(feature = "otel-logs")]
            otel_logs: false,
            env: Box::new(config::process_env),
            custom_spans: None,
        }
    }
}

impl Setup {
    /// `service.name` (overrides `OTEL_SERVICE_NAME`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }
    /// A resource attribute (added to `OTEL_RESOURCE_ATTRIBUTES`).
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.push(KeyValue::new(key.into(), value.into()));
        self
    }
    /// The exporter (overrides `OTEL_TRACES_EXPORTER`).
    pub fn exporter(mut self, e: Exporter) -> Self {
        self.exporter = Some(e);
        self
    }
    /// The OTLP base endpoint, like `OTEL_EXPORTER_OTLP_ENDPOINT` (selects the OTLP exporter).
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp.endpoint = Some(url.into());
        self.exporter.get_or_insert(Exporter::Otlp);
        self
    }
    /// The OTLP protocol.
    pub fn otlp_protocol(mut self, p: Protocol) -> Self {
        self.otlp.protocol = Some(p);
        self
    }
    /// An OTLP header (gRPC metadata).
    pub fn otlp_header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.otlp.headers.push((key.into(), value.into()));
        self
    }
    /// Sends traces to an LLM observability platform (feature `otlp`).
    #[cfg(feature = "otlp")]
    pub fn preset(mut self, p: Preset) -> Self {
        self.preset = Some(p);
        self.exporter = Some(Exporter::Otlp);
        self
    }
    /// The sampler (overrides `OTEL_TRACES_SAMPLER`).
    pub fn sampler(mut self, s: SamplerConfig) -> Self {
        self.sampler = Some(s);
        self
    }
    /// Parent-based ratio sampling: keep `ratio` of the root traces, follow the parent otherwise.
    pub fn sample_ratio(self, ratio: f64) -> Self {
        self.sampler(SamplerConfig::ParentBased(Box::new(SamplerConfig::Ratio(ratio.clamp(0.0, 1.0)))))
    }
    /// The log format (default text on standard error).
    pub fn log_format(mut self, f: LogFormat) -> Self {
        self.log_format = f;
        self
    }
    /// Filter directives like `RUST_LOG` (default: `RUST_LOG`, else `info`).
    pub fn filter(mut self, directives: impl Into<String>) -> Self {
        self.filter = Some(directives.into());
        self
    }
    /// Where the console exporter writes (default standard output).
    pub fn console_output(mut self, w: impl Write + Send + 'static) -> Self {
        self.console_out = Some(Arc::new(Mutex::new(Box::new(w))));
        self
    }
    /// How much the console exporter prints.
    pub fn console_style(mut self, s: ConsoleStyle) -> Self {
        self.console_style = s;
        self
    }
    /// Where log lines go (default standard error).
    pub fn log_output(mut self, w: impl Write + Send + 'static) -> Self {
        self.log_out = Some(Arc::new(Mutex::new(Box::new(w))));
        self
    }
    /// The most the guard waits at shutdown (default 5 s): a dead collector never hangs exit.
    pub fn shutdown_timeout(mut self, d: Duration) -> Self {
        self.shutdown_timeout = d;
        self
    }
    /// The batch queue size (default 16384, or `OTEL_BSP_MAX_QUEUE_SIZE`).
    pub fn max_queue_size(mut self, n: usize) -> Self {
        self.max_queue_size = Some(n.max(1));
        self
    }
    /// How often metrics are pushed over OTLP (default `OTEL_METRIC_EXPORT_INTERVAL`, else 60 s).
    pub fn metric_interval(mut self, d: Duration) -> Self {
        self.metric_interval = Some(d);
        self
    }
    /// Convention mode, pricing and capture for the annotated calls (default: from the
    /// environment and the built-in pricing table).
    pub fn settings(mut self, s: crate::metrics::Settings) -> Self {
        self.settings = Some(s);
        self
    }
    /// Log one line per GenAI call (INFO when it succeeds, WARN when it is cancelled or rate
    /// limited, ERROR when it fails; DEBUG with the captured content when capture is on).
    pub fn log_summaries(mut self, on: bool) -> Self {
        self.log_summaries = on;
        self
    }
    /// Also serve metrics to Prometheus: [`Guard::prometheus`] gives the handle to render
    /// `/metrics` (feature `prometheus`).
    #[cfg(feature = "prometheus")]
    pub fn prometheus(mut self) -> Self {
        self.prometheus = true;
        self
    }
    /// Also export log events through the OpenTelemetry logs bridge over OTLP (features
    /// `otel-logs` and `otlp`).
    #[cfg(feature = "otel-logs")]
    pub fn otel_logs(mut self, on: bool) -> Self {
        self.otel_logs = on;
        self
    }
    /// Sends spans to an exporter of your own (batched and counted like the others); metrics
    /// follow [`Setup::exporter`].
    pub fn span_exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.custom_spans = Some(Box::new(move |tp, batch, stats| {
            tp.with_span_processor(CountingProcessor::new(
                BatchSpanProcessor::builder(Counted::new(exporter, stats.clone())).with_batch_config(batch).build(),
                stats,
            ))
        }));
        self
    }
    /// Reads variables from `env` instead of the process environment (tests).
    pub fn env_source(mut self, env: impl Fn(&str) -> Option<String> + Send + 'static) -> Self {
        self.env = Box::new(env);
        self
    }

    /// Builds the pipeline and installs it for the whole process. Errors when called twice.
    pub fn install(self) -> Result<Guard, SetupError> {
        if INSTALLED.swap(true, Ordering::SeqCst) {
            return Err(SetupError::AlreadyInstalled);
        }
        let result = self.build().and_then(|built| {
            let Built { subscriber, guard } = built;
            tracing::dispatcher::set_global_default(subscriber).map_err(|_| SetupError::AlreadyInstalled)?;
            if let Some(mp) = &guard.meter_provider {
                opentelemetry::global::set_meter_provider(mp.clone());
            }
            if let Some(s) = &guard.settings {
                crate::metrics::set_conventions(s.conventions);
                crate::metrics::set_pricing(s.pricing.as_ref().map(|p| (**p).clone()));
                crate::settings::set_capture(s.capture.clone());
                crate::metrics::set_log_summaries(s.log_summaries);
            }
            crate::metrics::refresh();
            Ok(guard)
        });
        if result.is_err() {
            INSTALLED.store(false, Ordering::SeqCst);
        }
        result
    }

    /// Builds the pipeline and installs it for the **current thread** only (tests, or several
    /// pipelines in one process). The guard also restores the thread's previous subscriber.
    pub fn install_thread_local(self) -> Result<Guard, SetupError> {
        let Built { subscriber, mut guard } = self.build()?;
        guard.thread_guard = Some(tracing::dispatcher::set_default(&subscriber));
        guard.dispatch = Some(subscriber);
        let settings = guard.settings.clone().unwrap_or_else(crate::metrics::Settings::global);
        if let Some(mp) = &guard.meter_provider {
            guard.scoped = Some(crate::metrics::scoped_with(mp, settings));
        }
        Ok(guard)
    }

    fn build(self) -> Result<Built, SetupError> {
        let env: Env<'_> = &*self.env;
        let log_out = self.log_out.clone().unwrap_or_else(|| Arc::new(Mutex::new(Box::new(std::io::stderr()))));
        let filter = match &self.filter {
            Some(f) => EnvFilter::try_new(f).map_err(|e| SetupError::InvalidFilter(e.to_string()))?,
            None => match env("RUST_LOG") {
                Some(f) => EnvFilter::try_new(&f).map_err(|e| SetupError::InvalidFilter(e.to_string()))?,
                // The SDK's own start-up chatter stays out of the application's logs.
                None => EnvFilter::new("info,opentelemetry=warn,opentelemetry_sdk=warn,opentelemetry_otlp=warn"),
            },
        };
        let settings = Some(self.settings.clone().unwrap_or_else(crate::metrics::Settings::global).log_summaries(self.log_summaries));
        let log_layer = TraceLogLayer::new(self.log_format, log_out);

        if config::sdk_disabled(env) {
            // OTEL_SDK_DISABLED: logs only, no telemetry pipeline.
            let subscriber = tracing_subscriber::registry().with(log_layer.with_filter(filter));
            return Ok(Built { subscriber: tracing::Dispatch::new(subscriber), guard: Guard::empty(self.shutdown_timeout, settings) });
        }

        let exporter = match self.exporter {
            Some(e) => e,
            None => match config::exporter_from_env(env)?.as_deref() {
                Some("otlp") => Exporter::Otlp,
                Some("none") => Exporter::None,
                Some(_) => Exporter::Console,
                None if env("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() || env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some() => Exporter::Otlp,
                None => Exporter::Console,
            },
        };
        let sampler = match &self.sampler {
            Some(s) => s.clone(),
            None => SamplerConfig::from_env(env)?,
        };

        // Resource: the SDK's detectors (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES), then code.
        #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
        let mut resource_attrs = self.resource.clone();
        #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
        let mut otlp = self.otlp.clone();
        #[cfg(feature = "otlp")]
        if let Some(p) = self.preset {
            let t = p.resolve(env)?;
            otlp.traces_url = Some(t.traces_url);
            otlp.protocol = Some(Protocol::HttpProtobuf);
            otlp.headers.extend(t.headers);
            resource_attrs.extend(t.resource.into_iter().map(|(k, v)| KeyValue::new(k, v)));
        }
        // Resource, lowest precedence first: the SDK's telemetry.sdk.* attributes,
        // OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, then code. Read through `env` (not the
        // process environment directly) so the same rules apply everywhere.
        let mut attrs: Vec<KeyValue> = Vec::new();
        if let Some(v) = env("OTEL_RESOURCE_ATTRIBUTES") {
            attrs.extend(config::parse_resource_attributes(&v)?.into_iter().map(|(k, v)| KeyValue::new(k, v)));
        }
        let service = self
            .service_name
            .clone()
            .or_else(|| env("OTEL_SERVICE_NAME"))
            .or_else(|| attrs.iter().find(|kv| kv.key.as_str() == "service.name").map(|kv| kv.value.as_str().into_owned()))
            .unwrap_or_else(|| "unknown_service".to_owned());
        attrs.extend(resource_attrs);
        let resource = Resource::builder_empty()
            .with_detector(Box::new(opentelemetry_sdk::resource::TelemetryResourceDetector))
            .with_attributes(attrs)
            .with_service_name(service)
            .build();

        let stats = Arc::new(StatsInner::default());
        let console_out = self.console_out.clone().unwrap_or_else(|| Arc::new(Mutex::new(Box::new(std::io::stdout()))));
        let mut runtime: Option<tokio::runtime::Runtime> = None;
        let queue = self.max_queue_size.or_else(|| config::queue_size_from_env(env)).unwrap_or(DEFAULT_MAX_QUEUE_SIZE);
        let batch = || BatchConfigBuilder::default().with_max_queue_size(queue).build();

        let mut tp = SdkTracerProvider::builder().with_resource(resource.clone()).with_sampler(sampler.build());
        let mut mp = SdkMeterProvider::builder().with_resource(resource.clone());
        let custom = self.custom_spans.is_some();
        if let Some(f) = self.custom_spans {
            tp = f(tp, batch(), stats.clone());
        }
        match exporter {
            Exporter::Console => {
                if !custom {
                    let spans = Counted::new(console::ConsoleSpanExporter::new(console_out.clone(), self.console_style), stats.clone());
                    tp = tp.with_span_processor(CountingProcessor::new(BatchSpanProcessor::builder(spans).with_batch_config(batch()).build(), stats.clone()));
                }
                let reader = PeriodicReader::builder(console::ConsoleMetricExporter::new(console_out.clone())).with_interval(Duration::from_secs(3600)).build();
                mp = mp.with_reader(reader);
            }
            Exporter::None => {}
            Exporter::Otlp => {
                #[cfg(feature = "otlp")]
                {
                    let traces = config::resolve_otlp(Signal::Traces, &otlp, env)?;
                    let timeout = config::export_timeout(env);
                    if !custom {
                        let span_exporter = otlp_span_exporter(&traces, timeout, &mut runtime)?;
                        tp = tp.with_span_processor(CountingProcessor::new(
                            BatchSpanProcessor::builder(Counted::new(span_exporter, stats.clone())).with_batch_config(batch()).build(),
                            stats.clone(),
                        ));
                    }
                    // Platforms (presets) take traces only; metrics go to a collector endpoint.
                    if otlp.traces_url.is_none() {
                        let metrics = config::resolve_otlp(Signal::Metrics, &otlp, env)?;
                        let metric_exporter = otlp_metric_exporter(&metrics, timeout, &mut runtime)?;
                        let mut reader = PeriodicReader::builder(metric_exporter);
                        if let Some(i) = self.metric_interval {
                            reader = reader.with_interval(i);
                        }
                        mp = mp.with_reader(reader.build());
                    }
                }
                #[cfg(not(feature = "otlp"))]
                {
                    let _ = (&otlp, &mut runtime);
                    return Err(SetupError::FeatureDisabled("otlp"));
                }
            }
        }
        #[cfg(feature = "prometheus")]
        let prometheus = if self.prometheus {
            let (handle, reader) = crate::prometheus::PrometheusHandle::new().map_err(|e| SetupError::Exporter(e.to_string()))?;
            mp = mp.with_reader(reader);
            Some(handle)
        } else {
            None
        };
        let tracer_provider = tp.build();
        let meter_provider = mp.build();

        let otel_layer = crate::otel_layer(tracer_provider.tracer("genai-o11y"));
        // The SDK's own (internal) events never reach the exporters: no feedback loop.
        let otel_filter = tracing_subscriber::filter::filter_fn(|m| !m.target().starts_with("opentelemetry"));

        #[cfg(feature = "otel-logs")]
        let (logger_provider, logs_layer) = if self.otel_logs {
            let logs = config::resolve_otlp(Signal::Logs, &otlp, env)?;
            let exporter = otlp_log_exporter(&logs, config::export_timeout(env), &mut runtime)?;
            let lp = opentelemetry_sdk::logs::SdkLoggerProvider::builder().with_resource(resource.clone()).with_batch_exporter(exporter).build();
            let layer = opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&lp);
            (Some(lp), Some(layer))
        } else {
            (None, None)
        };

        let subscriber = tracing_subscriber::registry()
            .with(otel_layer.with_filter(otel_filter))
            .with(log_layer.with_filter(filter));
        #[cfg(feature = "otel-logs")]
        let subscriber = subscriber.with(logs_layer.map(|l| l.with_filter(tracing_subscriber::filter::filter_fn(|m| !m.target().starts_with("opentelemetry")))));

        let dispatch = tracing::Dispatch::new(subscriber);
        let _ = stats.dispatch.set(dispatch.downgrade());
        Ok(Built {
            subscriber: dispatch,
            guard: Guard {
                tracer_provider: Some(tracer_provider),
                meter_provider: Some(meter_provider),
                #[cfg(feature = "otel-logs")]
                logger_provider,
                runtime,
                stats: Stats(stats),
                deadline: self.shutdown_timeout,
                settings,
                #[cfg(feature = "prometheus")]
                prometheus,
                thread_guard: None,
                dispatch: None,
                scoped: None,
                done: false,
            },
        })
    }
}

struct Built {
    subscriber: tracing::Dispatch,
    guard: Guard,
}

/// Builds the OTLP exporter of one signal (`SpanExporter`, `MetricExporter`, `LogExporter`: the
/// builders are alike but distinct types, hence a macro).
///
/// HTTP: built off any async context (the blocking HTTP client must not be created, or later
/// dropped, on a runtime thread; it runs on the batch processor's own thread). gRPC: needs a
/// tokio runtime for its connection, a small one owned by the guard, so the application may or
/// may not use tokio itself.
#[cfg(feature = "otlp")]
macro_rules! otlp_exporter {
    ($exporter:path, $target:expr, $timeout:expr, $runtime:expr) => {{
        use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
        let (target, timeout, runtime): (&config::OtlpTarget, Duration, &mut Option<tokio::runtime::Runtime>) = ($target, $timeout, $runtime);
        config::check_tls(target)?;
        match target.protocol {
            Protocol::HttpProtobuf => {
                let (url, headers) = (target.url.clone(), target.headers.iter().cloned().collect());
                off_runtime(move || {
                    <$exporter>::builder()
                        .with_http()
                        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                        .with_endpoint(url)
                        .with_headers(headers)
                        .with_timeout(timeout)
                        .build()
                })
            }
            Protocol::Grpc => {
                if runtime.is_none() {
                    *runtime = Some(grpc_runtime()?);
                }
                let _enter = runtime.as_ref().map(|r| r.enter());
                <$exporter>::builder()
                    .with_tonic()
                    .with_endpoint(target.url.clone())
                    .with_metadata(metadata(&target.headers)?)
                    .with_timeout(timeout)
                    .build()
                    .map_err(|e| SetupError::Exporter(e.to_string()))
            }
        }
    }};
}

#[cfg(feature = "otlp")]
fn otlp_span_exporter(t: &config::OtlpTarget, timeout: Duration, rt: &mut Option<tokio::runtime::Runtime>) -> Result<opentelemetry_otlp::SpanExporter, SetupError> {
    otlp_exporter!(opentelemetry_otlp::SpanExporter, t, timeout, rt)
}

#[cfg(feature = "otlp")]
fn otlp_metric_exporter(t: &config::OtlpTarget, timeout: Duration, rt: &mut Option<tokio::runtime::Runtime>) -> Result<opentelemetry_otlp::MetricExporter, SetupError> {
    otlp_exporter!(opentelemetry_otlp::MetricExporter, t, timeout, rt)
}

#[cfg(feature = "otel-logs")]
fn otlp_log_exporter(t: &config::OtlpTarget, timeout: Duration, rt: &mut Option<tokio::runtime::Runtime>) -> Result<opentelemetry_otlp::LogExporter, SetupError> {
    otlp_exporter!(opentelemetry_otlp::LogExporter, t, timeout, rt)
}

#[cfg(feature = "otlp")]
fn off_runtime<T: Send + 'static, E: std::fmt::Display + Send + 'static>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, SetupError> {
    std::thread::spawn(move || f().map_err(|e| e.to_string()))
        .join()
        .map_err(|_| SetupError::Exporter("the exporter builder panicked".into()))?
        .map_err(SetupError::Exporter)
}

#[cfg(feature = "otlp")]
fn grpc_runtime() -> Result<tokio::runtime::Runtime, SetupError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("genai-o11y-otlp")
        .enable_all()
        .build()
        .map_err(|e| SetupError::Exporter(format!("cannot start the gRPC runtime: {e}")))
}

#[cfg(feature = "otlp")]
fn metadata(headers: &[(String, String)]) -> Result<tonic::metadata::MetadataMap, SetupError> {
    let mut m = tonic::metadata::MetadataMap::new();
    for (k, v) in headers {
        let key = tonic::metadata::MetadataKey::from_bytes(k.as_bytes()).map_err(|_| SetupError::InvalidHeaders(format!("{k:?} is not a valid gRPC metadata key")))?;
        let val = v.parse().map_err(|_| SetupError::InvalidHeaders(format!("the value of {k:?} is not valid gRPC metadata")))?;
        m.insert(key, val);
    }
    Ok(m)
}

// ------------------------------------------------------------------ counting what is lost

#[derive(Debug, Default)]
struct StatsInner {
    ended: AtomicU64,
    exported: AtomicU64,
    failed: AtomicU64,
    warned: AtomicBool,
    /// The pipeline's own subscriber: warnings from the exporter's thread go through it (that
    /// thread has no subscriber of its own when the pipeline is installed for one thread).
    dispatch: std::sync::OnceLock<tracing::dispatcher::WeakDispatch>,
}

impl StatsInner {
    fn warn(&self, f: impl FnOnce()) {
        match self.dispatch.get().and_then(|d| d.upgrade()) {
            Some(d) => tracing::dispatcher::with_default(&d, f),
            None => f(),
        }
    }
}

/// What the pipeline did with the spans: for the drop report, and for tests.
#[derive(Clone, Debug, Default)]
pub struct Stats(Arc<StatsInner>);

impl Stats {
    /// Spans that ended (and were sampled).
    pub fn spans_ended(&self) -> u64 {
        self.0.ended.load(Ordering::Relaxed)
    }
    /// Spans the exporter accepted.
    pub fn spans_exported(&self) -> u64 {
        self.0.exported.load(Ordering::Relaxed)
    }
    /// Spans whose export failed (the collector was down, slow or answered an error).
    pub fn spans_failed(&self) -> u64 {
        self.0.failed.load(Ordering::Relaxed)
    }
    /// Spans neither exported nor failed: dropped by the full queue, or still queued.
    pub fn spans_unaccounted(&self) -> u64 {
        self.spans_ended().saturating_sub(self.spans_exported() + self.spans_failed())
    }
}

/// Counts exports and failures; warns once, on the first failure.
#[derive(Debug)]
struct Counted<E> {
    inner: E,
    stats: Arc<StatsInner>,
}

impl<E> Counted<E> {
    fn new(inner: E, stats: Arc<StatsInner>) -> Self {
        Counted { inner, stats }
    }
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        let r = self.inner.export(batch).await;
        match &r {
            Ok(()) => self.stats.exported.fetch_add(n, Ordering::Relaxed),
            Err(e) => {
                if !self.stats.warned.swap(true, Ordering::Relaxed) {
                    self.stats.warn(|| {
                        tracing::warn!(
                            target: "genai_o11y",
                            "telemetry export failed ({e}); the application is unaffected, further failures are counted and reported at shutdown"
                        )
                    });
                }
                self.stats.failed.fetch_add(n, Ordering::Relaxed)
            }
        };
        r
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

/// Counts ended spans in front of the batch processor.
#[derive(Debug)]
struct CountingProcessor<P> {
    inner: P,
    stats: Arc<StatsInner>,
}

impl<P> CountingProcessor<P> {
    fn new(inner: P, stats: Arc<StatsInner>) -> Self {
        CountingProcessor { inner, stats }
    }
}

impl<P: SpanProcessor> SpanProcessor for CountingProcessor<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx)
    }
    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.stats.ended.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.on_end(span)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

// ------------------------------------------------------------------ the guard

/// Flushes and shuts the pipeline down when dropped, within the deadline set by
/// [`Setup::shutdown_timeout`]. Telemetry still in flight after the deadline is dropped (and
/// reported): exit is never held up by a dead collector.
#[must_use = "the pipeline shuts down when the guard is dropped"]
pub struct Guard {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    #[cfg(feature = "otel-logs")]
    logger_provider: Option<opentelemetry_sdk::logs::SdkLoggerProvider>,
    runtime: Option<tokio::runtime::Runtime>,
    stats: Stats,
    deadline: Duration,
    settings: Option<crate::metrics::Settings>,
    #[cfg(feature = "prometheus")]
    prometheus: Option<crate::prometheus::PrometheusHandle>,
    thread_guard: Option<tracing::dispatcher::DefaultGuard>,
    /// Keeps a thread-local pipeline's subscriber alive (the exporter reports through it).
    dispatch: Option<tracing::Dispatch>,
    scoped: Option<crate::metrics::ScopedGuard>,
    done: bool,
}

/// How shutdown ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Everything was flushed before the deadline.
    pub completed: bool,
    /// Spans that were not exported (queue full, export failures, or cut by the deadline).
    pub spans_lost: u64,
}

impl Guard {
    fn empty(deadline: Duration, settings: Option<crate::metrics::Settings>) -> Self {
        Guard {
            tracer_provider: None,
            meter_provider: None,
            #[cfg(feature = "otel-logs")]
            logger_provider: None,
            runtime: None,
            stats: Stats::default(),
            deadline,
            settings,
            #[cfg(feature = "prometheus")]
            prometheus: None,
            thread_guard: None,
            dispatch: None,
            scoped: None,
            done: false,
        }
    }

    /// Span accounting so far.
    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    /// The meter provider (to add instruments of your own).
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter_provider.as_ref()
    }

    /// The Prometheus handle, when [`Setup::prometheus`] was set.
    #[cfg(feature = "prometheus")]
    pub fn prometheus(&self) -> Option<&crate::prometheus::PrometheusHandle> {
        self.prometheus.as_ref()
    }

    /// Exports what is queued now (bounded by the deadline).
    pub fn flush(&self) {
        let tp = self.tracer_provider.clone();
        let mp = self.meter_provider.clone();
        let _ = within(self.deadline, move || {
            if let Some(tp) = tp {
                let _ = tp.force_flush();
            }
            if let Some(mp) = mp {
                let _ = mp.force_flush();
            }
        });
    }

    /// Shuts down now and reports what was lost; the same happens on drop.
    pub fn shutdown(mut self) -> ShutdownReport {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> ShutdownReport {
        if std::mem::replace(&mut self.done, true) {
            return ShutdownReport { completed: true, spans_lost: 0 };
        }
        let tp = self.tracer_provider.take();
        let mp = self.meter_provider.take();
        #[cfg(feature = "otel-logs")]
        let lp = self.logger_provider.take();
        let deadline = self.deadline;
        let completed = within(deadline, move || {
            if let Some(tp) = tp {
                let _ = tp.shutdown_with_timeout(deadline);
            }
            if let Some(mp) = mp {
                let _ = mp.shutdown_with_timeout(deadline);
            }
            #[cfg(feature = "otel-logs")]
            if let Some(lp) = lp {
                let _ = lp.shutdown_with_timeout(deadline);
            }
        });
        let lost = self.stats.spans_failed() + self.stats.spans_unaccounted();
        if lost > 0 || !completed {
            let stats = &self.stats;
            stats.0.warn(|| {
                tracing::warn!(
                    target: "genai_o11y",
                    spans_ended = stats.spans_ended(),
                    spans_exported = stats.spans_exported(),
                    spans_lost = lost,
                    "telemetry shutdown: {lost} span(s) were not exported{}",
                    if completed { "" } else { " (the shutdown deadline was reached)" }
                )
            });
        }
        // The gRPC runtime: shut down in the background, never waiting for a hung connection.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        self.scoped.take();
        self.thread_guard.take();
        self.dispatch.take();
        ShutdownReport { completed, spans_lost: lost }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.shutdown_inner();
    }
}

/// Runs `f` on its own thread and waits at most `deadline`. True if it finished in time.
fn within(deadline: Duration, f: impl FnOnce() + Send + 'static) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("genai-o11y-shutdown".into()).spawn(move || {
        f();
        let _ = tx.send(());
    });
    match spawned {
        Ok(_) => rx.recv_timeout(deadline).is_ok(),
        Err(_) => false,
    }
}

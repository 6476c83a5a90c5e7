//! The [`Setup`] builder: what to install, set in code (overriding the environment), and the
//! two ways to install it.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::{SpanExporter, TracerProviderBuilder};

use super::config::{self, OtlpCode, Source};
use super::console::{ConsoleStyle, SharedWriter};
use super::guard::Guard;
use super::logs::LogFormat;
use super::pipeline::{self, Built};
#[cfg(feature = "otlp")]
use super::presets::Preset;
use super::stats::StatsInner;
use super::{Protocol, SamplerConfig, SetupError};

/// Where spans and metrics go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exporter {
    /// A readable tree per trace and a metrics summary at shutdown, on standard error with the
    /// log lines (the default without an endpoint; [`Setup::console_output`] to change it).
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

/// The builder returned by [`init`]. `Debug` shows the settings with header values and URL
/// credentials redacted.
pub struct Setup {
    pub(super) service_name: Option<String>,
    pub(super) resource: Vec<KeyValue>,
    /// The exporter and the method that chose it.
    pub(super) exporter: Option<(Exporter, Source)>,
    pub(super) otlp: OtlpCode,
    #[cfg(feature = "otlp")]
    pub(super) preset: Option<Preset>,
    /// The dialect applied to OTLP span exports (default: the preset's).
    pub(super) dialect: Option<super::Dialect>,
    pub(super) sampler: Option<SamplerConfig>,
    pub(super) log_format: LogFormat,
    pub(super) filter: Option<String>,
    pub(super) export_filter: Option<String>,
    pub(super) console_out: Option<SharedWriter>,
    pub(super) log_out: Option<SharedWriter>,
    pub(super) stdout_is_protocol: Option<bool>,
    pub(super) console_style: ConsoleStyle,
    pub(super) shutdown_timeout: Duration,
    pub(super) max_queue_size: Option<usize>,
    pub(super) export_each_span: Option<bool>,
    pub(super) outcome_sampling: Option<crate::sampling::OutcomeSampling>,
    pub(super) max_export_bytes: Option<usize>,
    pub(super) metric_interval: Option<Duration>,
    pub(super) settings: Option<crate::settings::Settings>,
    #[cfg(feature = "prometheus")]
    pub(super) prometheus: bool,
    #[cfg(feature = "otel-logs")]
    pub(super) otel_logs: bool,
    pub(super) env: Box<EnvSource>,
    pub(super) custom_spans: Option<CustomSpans>,
    pub(super) propagators: Option<Vec<super::Propagator>>,
    pub(super) foreign: Option<crate::foreign::ForeignSpans>,
}

/// Reads a variable ([`Setup::env_source`], else the process environment).
pub(super) type EnvSource = dyn Fn(&str) -> Option<String> + Send;

/// Adds the span processor of [`Setup::span_exporter`].
pub(super) type CustomSpans = Box<dyn FnOnce(TracerProviderBuilder, pipeline::ExportConfig, Arc<StatsInner>) -> TracerProviderBuilder + Send>;

impl Default for Setup {
    fn default() -> Self {
        Setup {
            service_name: None,
            resource: Vec::new(),
            exporter: None,
            otlp: OtlpCode::default(),
            #[cfg(feature = "otlp")]
            preset: None,
            dialect: None,
            sampler: None,
            log_format: LogFormat::Text,
            filter: None,
            export_filter: None,
            console_out: None,
            log_out: None,
            stdout_is_protocol: None,
            console_style: ConsoleStyle::Compact,
            shutdown_timeout: Duration::from_secs(5),
            max_queue_size: None,
            export_each_span: None,
            outcome_sampling: None,
            max_export_bytes: None,
            metric_interval: None,
            settings: None,
            #[cfg(feature = "prometheus")]
            prometheus: false,
            #[cfg(feature = "otel-logs")]
            otel_logs: false,
            env: Box::new(config::process_env),
            custom_spans: None,
            propagators: None,
            foreign: None,
        }
    }
}

impl fmt::Debug for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Setup");
        d.field("service_name", &self.service_name)
            .field("resource", &self.resource)
            .field("exporter", &self.exporter.map(|(e, _)| e))
            .field("otlp", &self.otlp);
        #[cfg(feature = "otlp")]
        d.field("preset", &self.preset);
        d.field("dialect", &self.dialect);
        d.field("sampler", &self.sampler)
            .field("log_format", &self.log_format)
            .field("filter", &self.filter)
            .field("export_filter", &self.export_filter)
            .field("console_style", &self.console_style)
            .field("stdout_is_protocol", &self.stdout_is_protocol)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("max_queue_size", &self.max_queue_size)
            .field("export_each_span", &self.export_each_span)
            .field("outcome_sampling", &self.outcome_sampling)
            .field("max_export_bytes", &self.max_export_bytes)
            .field("metric_interval", &self.metric_interval)
            .field("span_exporter", &self.custom_spans.is_some());
        #[cfg(feature = "prometheus")]
        d.field("prometheus", &self.prometheus);
        #[cfg(feature = "otel-logs")]
        d.field("otel_logs", &self.otel_logs);
        d.finish_non_exhaustive()
    }
}

impl Setup {
    /// `service.name` (overrides `OTEL_SERVICE_NAME`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }
    /// `service.namespace`: the services of one application share it, and the presets send their
    /// traces to the platform project of that name (unless the platform's own project variable
    /// is set), so a trace that spans them lands in one project.
    pub fn service_namespace(self, namespace: impl Into<String>) -> Self {
        self.resource_attribute("service.namespace", namespace)
    }
    /// A resource attribute (added to `OTEL_RESOURCE_ATTRIBUTES`).
    pub fn resource_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource.push(KeyValue::new(key.into(), value.into()));
        self
    }
    /// The exporter (overrides `OTEL_TRACES_EXPORTER`).
    pub fn exporter(mut self, e: Exporter) -> Self {
        self.exporter = Some((e, Source::Code("Setup::exporter()")));
        self
    }
    /// The OTLP base endpoint, like `OTEL_EXPORTER_OTLP_ENDPOINT` (selects the OTLP exporter).
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp.endpoint = Some(url.into());
        self.exporter.get_or_insert((Exporter::Otlp, Source::Code("Setup::otlp_endpoint()")));
        self
    }
    /// The OTLP protocol.
    pub fn otlp_protocol(mut self, p: Protocol) -> Self {
        self.otlp.protocol = Some(p);
        self
    }
    /// OTLP payload compression for every signal (overrides `OTEL_EXPORTER_OTLP_COMPRESSION` and
    /// its per-signal forms; default none). Captured content compresses well: a chat's messages
    /// shrink several times over.
    pub fn otlp_compression(mut self, c: super::config::Compression) -> Self {
        self.otlp.compression = Some(c);
        self
    }
    /// The most bytes one OTLP span export may carry (overrides `GENAI_O11Y_OTLP_MAX_EXPORT_BYTES`;
    /// default 4 MiB, what a gRPC receiver accepts by default, an OpenTelemetry Collector
    /// among them). A larger batch is split; a span larger on its own has its longest values
    /// shortened (JSON content kept valid, marked `genai_o11y.content.truncated`) or, if that is
    /// not enough, is dropped and counted ([`Stats`](super::Stats)).
    pub fn otlp_max_export_bytes(mut self, bytes: usize) -> Self {
        self.max_export_bytes = Some(bytes);
        self
    }
    /// An OTLP header (gRPC metadata).
    pub fn otlp_header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.otlp.headers.push((key.into(), value.into(), Source::Code("Setup::otlp_header()")));
        self
    }
    /// Sends traces to an LLM observability platform (feature `otlp`).
    #[cfg(feature = "otlp")]
    pub fn preset(mut self, p: Preset) -> Self {
        self.preset = Some(p);
        self.exporter = Some((Exporter::Otlp, Source::Code("Setup::preset()")));
        self
    }
    /// Applies a platform's [`Dialect`](super::Dialect) to the OTLP span exports: for a platform
    /// reached through a collector, or to override a preset's own (which it applies by default).
    /// Spans sent to [`Setup::span_exporter`] are not rewritten: wrap that exporter with
    /// [`Dialect::wrap`](super::Dialect::wrap).
    pub fn dialect(mut self, d: super::Dialect) -> Self {
        self.dialect = Some(d);
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
    /// Which events become log lines: directives like `RUST_LOG` (default: `RUST_LOG`, else
    /// `info`).
    pub fn filter(mut self, directives: impl Into<String>) -> Self {
        self.filter = Some(directives.into());
        self
    }
    /// Which spans and events are exported (OTLP, console, presets): `RUST_LOG`-style
    /// directives (default: `GENAI_O11Y_EXPORT_FILTER`, else `info`). This crate's own spans and
    /// events (target `genai_o11y`, the details event at DEBUG included) are always exported
    /// unless a directive names `genai_o11y`; `rmcp`'s only at `warn` and above unless a
    /// directive names `rmcp` (its session-long `serve_inner` span is a root trace with nothing
    /// in it; `genai_o11y::mcp` traces the requests); the exporter's own stack (`h2`, `hyper`,
    /// `hyper_util`, `tonic`, `tower`, `reqwest`, `opentelemetry*`) never is, whatever the
    /// directives say: exporting it would feed the exporter its own spans.
    pub fn export_filter(mut self, directives: impl Into<String>) -> Self {
        self.export_filter = Some(directives.into());
        self
    }
    /// Where the console exporter writes (default standard error, with the log lines).
    /// `std::io::stdout()` is honoured until standard output is
    /// [reserved for a protocol](crate::stdout), then the output goes to standard error.
    pub fn console_output(mut self, w: impl Write + Send + 'static) -> Self {
        self.console_out = Some(Arc::new(Mutex::new(crate::stdout::guarded(w))));
        self
    }
    /// How much the console exporter prints.
    pub fn console_style(mut self, s: ConsoleStyle) -> Self {
        self.console_style = s;
        self
    }
    /// Where log lines go (default standard error). `std::io::stdout()` is honoured until
    /// standard output is [reserved for a protocol](crate::stdout), then the lines go to
    /// standard error.
    pub fn log_output(mut self, w: impl Write + Send + 'static) -> Self {
        self.log_out = Some(Arc::new(Mutex::new(crate::stdout::guarded(w))));
        self
    }
    /// Standard output carries a protocol (MCP, LSP, any JSON-RPC over stdio): reserves it at
    /// install, for the rest of the process, so that no telemetry byte reaches it (overrides
    /// `GENAI_O11Y_STDOUT_IS_PROTOCOL`; see [`crate::stdout`]). `false` leaves it unreserved
    /// at install; nothing un-reserves it once reserved (`mcp::TracedServer` serving over stdio
    /// reserves it itself).
    pub fn stdout_is_protocol(mut self, on: bool) -> Self {
        self.stdout_is_protocol = Some(on);
        self
    }
    /// Keep every trace that went wrong and a share of the others, decided when each trace's
    /// local root ends (overrides the `GENAI_O11Y_SAMPLING_*` variables; see
    /// [`crate::sampling`]). `OTEL_TRACES_SAMPLER` stays the head sampler, in front of it. A bad
    /// setting is a [`SetupError::InvalidSampler`] naming the method.
    pub fn outcome_sampling(mut self, sampling: crate::sampling::OutcomeSampling) -> Self {
        self.outcome_sampling = Some(sampling);
        self
    }
    /// Export each span as soon as it ends, rather than in batches every few seconds (overrides
    /// `GENAI_O11Y_EXPORT_EACH_SPAN`): for short-lived processes and serverless handlers, whose
    /// spans would otherwise wait in the queue when the process is frozen or killed. The export
    /// still runs on the batch processor's thread, never the application's; more spans mean
    /// more requests to the collector.
    pub fn export_each_span(mut self, on: bool) -> Self {
        self.export_each_span = Some(on);
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
    /// Convention mode, pricing, capture and log summaries for the annotated calls (default:
    /// from the environment and the built-in pricing table). Replaces what earlier calls set,
    /// [`Setup::log_summaries`] included.
    pub fn settings(mut self, s: crate::settings::Settings) -> Self {
        self.settings = Some(s);
        self
    }
    /// Log one line per GenAI call (INFO when it succeeds, WARN when it is cancelled or rate
    /// limited, ERROR when it fails; DEBUG with the captured content when capture is on).
    /// Shorthand for [`Settings::log_summaries`](crate::settings::Settings::log_summaries) on
    /// the settings of this setup.
    pub fn log_summaries(mut self, on: bool) -> Self {
        self.settings = Some(self.settings.take().unwrap_or_else(crate::settings::Settings::global).log_summaries(on));
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
    /// How other crates' GenAI spans (rig's, the `genai` crate's) are enriched: cost, rollups
    /// and metrics (see [`crate::foreign`]). By default [`ForeignSpans::new`](crate::foreign::ForeignSpans::new):
    /// all three, no metrics for the crates of [`KNOWN_SELF_METERED`](crate::foreign::KNOWN_SELF_METERED).
    pub fn foreign_spans(mut self, f: crate::foreign::ForeignSpans) -> Self {
        self.foreign = Some(f);
        self
    }
    /// Sends spans to an exporter of your own (batched and counted like the others); metrics
    /// follow [`Setup::exporter`].
    pub fn span_exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.custom_spans = Some(Box::new(move |tp, batch, stats| pipeline::batched(tp, exporter, batch, &stats, None)));
        self
    }
    /// The propagators installed as the global text-map propagator (overrides
    /// `OTEL_PROPAGATORS`; an empty list propagates nothing). Default: W3C Trace Context and
    /// Baggage.
    pub fn propagators(mut self, list: impl IntoIterator<Item = super::Propagator>) -> Self {
        self.propagators = Some(list.into_iter().collect());
        self
    }
    /// The attribution metadata keys the GenAI metrics carry (see
    /// [`MetricAttribution`](crate::attribution::MetricAttribution)); overrides
    /// `GENAI_O11Y_METRIC_ATTRIBUTES`. Shorthand for
    /// [`Settings::metric_attribution`](crate::settings::Settings::metric_attribution).
    pub fn metric_attribution(mut self, m: crate::attribution::MetricAttribution) -> Self {
        self.settings = Some(self.settings.take().unwrap_or_else(crate::settings::Settings::global).metric_attribution(m));
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
        let result = pipeline::build(self).and_then(|built| {
            let Built { subscriber, guard, propagators } = built;
            tracing::dispatcher::set_global_default(subscriber).map_err(|_| SetupError::AlreadyInstalled)?;
            super::propagators::install(&propagators);
            if let Some(mp) = &guard.meter_provider {
                opentelemetry::global::set_meter_provider(mp.clone());
            }
            if let Some(s) = &guard.settings {
                crate::settings::set_conventions(s.conventions);
                crate::settings::set_pricing(s.pricing.as_ref().map(|p| (**p).clone()));
                crate::settings::set_capture(s.capture.clone());
                crate::settings::set_log_summaries(s.log_summaries);
                crate::settings::set_exception_events(s.exception_events);
                crate::settings::set_metric_attribution(s.metric_attribution.clone());
            }
            crate::settings::refresh();
            let mut guard = guard;
            guard.global = true;
            super::flush::register(guard.flushable());
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
        let Built { subscriber, mut guard, propagators } = pipeline::build(self)?;
        // The propagator is process-wide whatever the install.
        super::propagators::install(&propagators);
        guard.thread_guard = Some(tracing::dispatcher::set_default(&subscriber));
        guard.dispatch = Some(subscriber);
        let settings = guard.settings.clone().unwrap_or_else(crate::settings::Settings::global);
        if let Some(mp) = &guard.meter_provider {
            guard.scoped = Some(crate::instruments::scoped_with(mp, settings));
        }
        Ok(guard)
    }
}

//! What installing builds, one step at a time: the log filter, the exporter choice, the
//! sampler, the preset, the resource, the OTLP targets, the tracer and meter providers, the
//! OpenTelemetry logs bridge, and the subscriber that ties them together.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::{MeterProviderBuilder, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchConfig, BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanExporter, TracerProviderBuilder};
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::FilterExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer};

use super::dialect::Dialect;
use crate::attribution::AttributionProcessor;
use crate::foreign::ForeignSpans;
use crate::sampling::{InvalidSampling, OutcomeSampler, OutcomeSampling};
use crate::trace_root::TraceRootProcessor;

use super::builder::{CustomSpans, Exporter, Setup, DEFAULT_MAX_QUEUE_SIZE};
use super::config::{self, Env, OtlpCode, OtlpTarget, Source};
use super::console::{self, SharedWriter};
use super::guard::Guard;
#[cfg(feature = "otlp")]
use super::otlp;
use super::redact::Secrets;
use super::size_guard::{SizeGuard, DEFAULT_MAX_EXPORT_BYTES, MAX_EXPORT_BYTES_ENV, MIN_EXPORT_BYTES};
use super::stats::{Counted, CountingProcessor, Stats, StatsInner};
use super::{SamplerConfig, SetupError, TraceLogLayer};

/// The subscriber to install and the guard that shuts its pipeline down.
pub(super) struct Built {
    pub(super) subscriber: tracing::Dispatch,
    pub(super) guard: Guard,
    /// What to install as the global text-map propagator.
    pub(super) propagators: Vec<super::Propagator>,
}

/// Builds the whole pipeline (installing it is the caller's job).
pub(super) fn build(mut setup: Setup) -> Result<Built, SetupError> {
    let custom_spans = setup.custom_spans.take();
    // Other crates' GenAI spans: noted by a layer when created, enriched by a processor at end.
    let foreign = setup.foreign.take().unwrap_or_default();
    let env: Env<'_> = &*setup.env;
    let filter = resolve_filter(&setup, env)?;
    let export_filter = resolve_export_filter(&setup, env)?;
    let settings = Some(match setup.settings.clone() {
        Some(s) => s,
        // The process-wide settings, with the metric attribution read through the setup's
        // variables (a bad cap is an error here, not a silent default).
        None => {
            let s = crate::settings::Settings::global().metric_attribution(metric_attribution_from(env)?);
            match pricing_from(env)? {
                Some(table) => s.pricing(Some(table)),
                None => s,
            }
        }
    });
    reserve_stdout(&setup, env)?;
    // Log lines and the console exporter share standard error by default: one writer, so that a
    // trace tree and a log line never interleave mid-line.
    let stderr: SharedWriter = Arc::new(Mutex::new(Box::new(std::io::stderr())));
    let log_out = setup.log_out.clone().unwrap_or_else(|| stderr.clone());
    let console_out = setup.console_out.clone().unwrap_or(stderr);
    let propagators = super::propagators::resolve(setup.propagators.as_deref(), env)?;

    if config::sdk_disabled(env) {
        // OTEL_SDK_DISABLED: logs only, no telemetry pipeline.
        let log_layer = TraceLogLayer::new(setup.log_format, log_out);
        let subscriber = tracing_subscriber::registry().with(log_layer.with_filter(filter));
        return Ok(Built { subscriber: tracing::Dispatch::new(subscriber), guard: Guard::empty(setup.shutdown_timeout, settings), propagators });
    }

    let (exporter, exporter_source) = resolve_exporter(&setup, env)?;
    let sampler = match &setup.sampler {
        Some(s) => s.clone(),
        None => SamplerConfig::from_env(env)?,
    };
    let (otlp, preset_resource) = apply_preset(&setup, env)?;
    let resource = build_resource(&setup, env, preset_resource)?;
    let targets = resolve_targets(&setup, exporter, exporter_source, &otlp, env)?;
    let secrets = targets.secrets();

    let stats = Arc::new(StatsInner::new(secrets.clone()));
    let mut runtime: Option<tokio::runtime::Runtime> = None;
    let tp = SdkTracerProvider::builder().with_resource(resource.clone()).with_sampler(sampler.build());
    let tp = span_processors(&setup, tp, custom_spans, exporter, &console_out, &targets, &stats, &mut runtime, env, &foreign)?;
    let mp = SdkMeterProvider::builder().with_resource(resource.clone());
    let mp = metric_readers(&setup, mp, exporter, &console_out, &targets, &mut runtime)?;
    #[cfg(feature = "prometheus")]
    let (mp, prometheus) = prometheus_reader(&setup, mp)?;
    let tracer_provider = tp.build();
    let meter_provider = mp.build();
    #[cfg(feature = "otel-logs")]
    let (logger_provider, logs_layer) = otel_logs(&targets, &resource, &mut runtime)?;
    // With a logs bridge, failed client operations also leave the conventions' exception event
    // (a log record: kept off the spans and the text log, see `crate::layer::not_log_record_only`).
    #[cfg(feature = "otel-logs")]
    let settings = settings.map(|s| if logs_layer.is_some() { s.exception_events(true) } else { s });

    let log_layer = TraceLogLayer::new(setup.log_format, log_out).redacting(secrets);
    let subscriber = tracing_subscriber::registry()
        .with(
            crate::otel_layer(tracer_provider.tracer("genai-o11y")).with_filter(export_filter.and(not_the_exporter()).and(crate::layer::not_log_record_only())),
        )
        .with(log_layer.with_filter(filter.and(crate::layer::not_log_record_only())))
        // After the OpenTelemetry layer: it reads the OpenTelemetry span that layer made (and
        // sees only spans that layer exports).
        .with(foreign.layer_with(resolve_export_filter(&setup, env)?.and(not_the_exporter())));
    // The logs bridge exports what the span exporters do: the export filter, never the
    // exporter's own stack.
    #[cfg(feature = "otel-logs")]
    let logs_filter = logs_layer.is_some().then(|| resolve_export_filter(&setup, env)).transpose()?;
    #[cfg(feature = "otel-logs")]
    let subscriber = subscriber.with(logs_layer.zip(logs_filter).map(|(l, f)| l.with_filter(f.and(not_the_exporter()))));
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
            deadline: setup.shutdown_timeout,
            settings,
            #[cfg(feature = "prometheus")]
            prometheus,
            thread_guard: None,
            dispatch: None,
            scoped: None,
            global: false,
            done: false,
        },
        propagators,
    })
}

/// `Setup::stdout_is_protocol()`, else `GENAI_O11Y_STDOUT_IS_PROTOCOL`: reserves standard
/// output for the protocol the process speaks there (see [`crate::stdout`]).
fn reserve_stdout(setup: &Setup, env: Env<'_>) -> Result<(), SetupError> {
    let on = match setup.stdout_is_protocol {
        Some(on) => on,
        None => config::stdout_is_protocol(env)?.unwrap_or(false),
    };
    if on {
        crate::stdout::reserve_for_protocol();
    }
    Ok(())
}

/// `GENAI_O11Y_PRICING_FILE`: the price list it names, over the built-in table, unless the code
/// chose the pricing ([`crate::set_pricing`]). A file that cannot be read or has a malformed
/// entry is an error naming the variable, the file and the entry.
fn pricing_from(env: Env<'_>) -> Result<Option<crate::PricingTable>, SetupError> {
    use crate::pricing::PRICING_FILE_ENV;
    let Some(file) = env(PRICING_FILE_ENV).filter(|f| !f.trim().is_empty()) else {
        return Ok(None);
    };
    if crate::settings::pricing_is_set() {
        return Ok(None);
    }
    let table = crate::PricingTable::load(file.trim()).map_err(|e| SetupError::InvalidPricing {
        source: Source::Env(PRICING_FILE_ENV),
        file: file.trim().to_owned(),
        entry: e.entry().map(str::to_owned),
        reason: e.reason(),
    })?;
    Ok(Some(table.over(crate::PricingTable::builtin())))
}

/// `GENAI_O11Y_METRIC_ATTRIBUTES` / `_MAX_VALUES` through the setup's variables.
fn metric_attribution_from(env: Env<'_>) -> Result<crate::attribution::MetricAttribution, SetupError> {
    crate::attribution::MetricAttribution::from_vars(env)
        .map_err(|(_, value)| SetupError::InvalidMetricAttribution { source: Source::Env(crate::semconv::attribution::METRIC_ATTRIBUTE_MAX_VALUES_ENV), value })
}

/// The crates an export goes through: their spans and events never reach the exporters (an
/// export would produce more telemetry to export: a feedback loop).
const EXPORTER_STACK: [&str; 6] = ["h2", "hyper", "hyper_util", "tonic", "tower", "reqwest"];

/// Is `target` one of the exporter's own crates (or a module of one), or any `opentelemetry*`?
fn is_exporter_stack(target: &str) -> bool {
    target.starts_with("opentelemetry") || EXPORTER_STACK.iter().any(|c| target.strip_prefix(c).is_some_and(|rest| rest.is_empty() || rest.starts_with("::")))
}

/// The exporter's own spans and events never reach the exporters.
fn not_the_exporter<S>() -> impl tracing_subscriber::layer::Filter<S> {
    tracing_subscriber::filter::filter_fn(|m| !is_exporter_stack(m.target()))
}

/// The variable that sets the export filter (see [`Setup::export_filter`]).
pub const EXPORT_FILTER_ENV: &str = "GENAI_O11Y_EXPORT_FILTER";

/// The export level of crates whose level is not the application's, unless the directives name
/// them: this crate's spans and events at every level (the content-capture details event is
/// DEBUG); and libraries whose own spans trace their internals rather than the application's
/// work, at `warn` (their warnings and errors still reach the exported spans). `rmcp`: its
/// `serve_inner` span lasts the whole MCP session, a root trace of its own that contains
/// nothing; `genai_o11y::mcp` traces the requests.
const EXPORT_LEVEL_BY_DEFAULT: [(&str, &str); 2] = [(crate::semconv::tracing_names::TARGET, "trace"), ("rmcp", "warn")];

/// `Setup::export_filter()`, else `GENAI_O11Y_EXPORT_FILTER`, else `info`; with the levels of
/// [`EXPORT_LEVEL_BY_DEFAULT`] added for the crates the directives do not name.
fn resolve_export_filter(setup: &Setup, env: Env<'_>) -> Result<EnvFilter, SetupError> {
    let (source, directives) = match &setup.export_filter {
        Some(f) => (Source::Code("Setup::export_filter()"), f.clone()),
        None => match env(EXPORT_FILTER_ENV) {
            Some(f) => (Source::Env(EXPORT_FILTER_ENV), f),
            None => (Source::Default, "info".to_owned()),
        },
    };
    let named = |krate: &str| directives.split(',').any(|d| d.trim().split(['=', '[']).next() == Some(krate));
    let added: String = EXPORT_LEVEL_BY_DEFAULT.iter().filter(|(krate, _)| !named(krate)).map(|(krate, level)| format!(",{krate}={level}")).collect();
    let directives = directives + &added;
    EnvFilter::builder().with_regex(false).parse(&directives).map_err(|e| SetupError::InvalidFilter { source, reason: e.to_string() })
}

/// `Setup::filter()`, else `RUST_LOG`, else `info` (the SDK's start-up chatter at `warn`).
fn resolve_filter(setup: &Setup, env: Env<'_>) -> Result<EnvFilter, SetupError> {
    let parse = |source: Source, directives: &str| EnvFilter::try_new(directives).map_err(|e| SetupError::InvalidFilter { source, reason: e.to_string() });
    match &setup.filter {
        Some(f) => parse(Source::Code("Setup::filter()"), f),
        None => match env("RUST_LOG") {
            Some(f) => parse(Source::Env("RUST_LOG"), &f),
            // The SDK's own start-up chatter stays out of the application's logs.
            None => Ok(EnvFilter::new("info,opentelemetry=warn,opentelemetry_sdk=warn,opentelemetry_otlp=warn")),
        },
    }
}

/// The exporter and what chose it: code, `OTEL_TRACES_EXPORTER`, an OTLP endpoint variable, or
/// the console by default.
fn resolve_exporter(setup: &Setup, env: Env<'_>) -> Result<(Exporter, Source), SetupError> {
    if let Some(e) = setup.exporter {
        return Ok(e);
    }
    let from_var = Source::Env("OTEL_TRACES_EXPORTER");
    Ok(match config::exporter_from_env(env)?.as_deref() {
        Some("otlp") => (Exporter::Otlp, from_var),
        Some("none") => (Exporter::None, from_var),
        Some(_) => (Exporter::Console, from_var),
        None if env("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() => (Exporter::Otlp, Source::Env("OTEL_EXPORTER_OTLP_ENDPOINT")),
        None if env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some() => (Exporter::Otlp, Source::Env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
        None => (Exporter::Console, Source::Default),
    })
}

/// The code's OTLP settings with the preset's URL, protocol and headers, and the resource
/// attributes of code and preset.
fn apply_preset(setup: &Setup, env: Env<'_>) -> Result<(OtlpCode, Vec<KeyValue>), SetupError> {
    #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
    let mut otlp = setup.otlp.clone();
    #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
    let mut resource = setup.resource.clone();
    #[cfg(feature = "otlp")]
    if let Some(p) = setup.preset {
        let t = p.resolve(env, service_namespace(setup, env)?.as_deref())?;
        otlp.traces_url = Some((t.traces_url, t.url_source));
        otlp.protocol = Some(config::Protocol::HttpProtobuf);
        otlp.headers.extend(t.headers.into_iter().map(|(k, v)| (k, v, Source::Code("Setup::preset()"))));
        resource.extend(t.resource.into_iter().map(|(k, v)| KeyValue::new(k, v)));
    }
    #[cfg(not(feature = "otlp"))]
    let _ = env;
    Ok((otlp, resource))
}

/// Resource, lowest precedence first: the SDK's telemetry.sdk.* attributes,
/// OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, then code. Read through `env` (not the process
/// environment directly) so the same rules apply everywhere.
fn build_resource(setup: &Setup, env: Env<'_>, code: Vec<KeyValue>) -> Result<Resource, SetupError> {
    let mut attrs: Vec<KeyValue> = Vec::new();
    if let Some(v) = env("OTEL_RESOURCE_ATTRIBUTES") {
        attrs.extend(config::parse_resource_attributes(&v)?.into_iter().map(|(k, v)| KeyValue::new(k, v)));
    }
    let service = service_name(setup, env)?;
    attrs.extend(code);
    Ok(Resource::builder_empty()
        .with_detector(Box::new(opentelemetry_sdk::resource::TelemetryResourceDetector))
        .with_attributes(attrs)
        .with_service_name(service)
        .build())
}

/// `Setup::service_name()`, else `OTEL_SERVICE_NAME`, else `service.name` in
/// `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service`.
fn service_name(setup: &Setup, env: Env<'_>) -> Result<String, SetupError> {
    if let Some(s) = setup.service_name.clone().or_else(|| env("OTEL_SERVICE_NAME")) {
        return Ok(s);
    }
    Ok(env_resource_attribute(env, "service.name")?.unwrap_or_else(|| "unknown_service".to_owned()))
}

/// The value of `key` in `OTEL_RESOURCE_ATTRIBUTES` (the first one given), if any.
fn env_resource_attribute(env: Env<'_>, key: &str) -> Result<Option<String>, SetupError> {
    Ok(match env("OTEL_RESOURCE_ATTRIBUTES") {
        Some(v) => config::parse_resource_attributes(&v)?.into_iter().find(|(k, _)| k == key).map(|(_, v)| v),
        None => None,
    })
}

/// `service.namespace` from the code's resource attributes, else from `OTEL_RESOURCE_ATTRIBUTES`.
#[cfg(feature = "otlp")]
fn service_namespace(setup: &Setup, env: Env<'_>) -> Result<Option<String>, SetupError> {
    const KEY: &str = "service.namespace";
    if let Some(kv) = setup.resource.iter().rev().find(|kv| kv.key.as_str() == KEY) {
        return Ok(Some(kv.value.as_str().into_owned()));
    }
    env_resource_attribute(env, KEY)
}

/// Where each OTLP signal goes (resolved before anything is built, so that their secrets are
/// known to every message the pipeline writes).
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
struct Targets {
    traces: Option<OtlpTarget>,
    metrics: Option<OtlpTarget>,
    logs: Option<OtlpTarget>,
    timeout: Duration,
    /// What selected the exporter.
    source: Source,
}

impl Targets {
    fn secrets(&self) -> Secrets {
        let all = || [&self.traces, &self.metrics, &self.logs].into_iter().flatten();
        Secrets::collect(all().flat_map(|t| &t.headers), all().map(|t| t.url.as_str()))
    }

    /// What to name in an exporter error: the endpoint's source, else what chose the exporter.
    #[cfg(feature = "otlp")]
    fn source_of(&self, t: &OtlpTarget) -> Source {
        if t.url_source == Source::Default {
            self.source
        } else {
            t.url_source
        }
    }
}

fn resolve_targets(setup: &Setup, exporter: Exporter, source: Source, otlp: &OtlpCode, env: Env<'_>) -> Result<Targets, SetupError> {
    #[cfg_attr(not(feature = "otlp"), allow(unused_mut))]
    let mut t = Targets { traces: None, metrics: None, logs: None, timeout: config::export_timeout(env), source };
    if exporter == Exporter::Otlp {
        #[cfg(feature = "otlp")]
        {
            t.traces = Some(config::resolve_otlp(config::Signal::Traces, otlp, env)?);
            // Platforms (presets) take traces only; metrics go to a collector endpoint.
            if otlp.traces_url.is_none() {
                t.metrics = Some(config::resolve_otlp(config::Signal::Metrics, otlp, env)?);
            }
        }
        #[cfg(not(feature = "otlp"))]
        {
            let _ = otlp;
            return Err(SetupError::FeatureDisabled { feature: "otlp", source });
        }
    } else {
        // A malformed OTLP variable (a mistyped protocol, a header with `:` for `=`) is an
        // error even while another exporter is chosen: a mistake to report, not to ignore.
        #[cfg(feature = "otlp")]
        for signal in [config::Signal::Traces, config::Signal::Metrics] {
            config::resolve_otlp(signal, otlp, env)?;
        }
    }
    #[cfg(feature = "otel-logs")]
    if setup.otel_logs {
        t.logs = Some(config::resolve_otlp(config::Signal::Logs, otlp, env)?);
    }
    let _ = setup;
    Ok(t)
}

/// The batch configuration: `Setup::max_queue_size()`, else `OTEL_BSP_MAX_QUEUE_SIZE`, else
/// [`DEFAULT_MAX_QUEUE_SIZE`].
///
/// `Setup::export_each_span()`, else `GENAI_O11Y_EXPORT_EACH_SPAN`: batches of one span, so that
/// each span is handed to the exporter (on the batch processor's own thread, never the
/// application's) as soon as it ends.
fn batch_config(setup: &Setup, env: Env<'_>) -> Result<BatchConfig, SetupError> {
    let queue = setup.max_queue_size.or_else(|| config::queue_size_from_env(env)).unwrap_or(DEFAULT_MAX_QUEUE_SIZE);
    let each = match setup.export_each_span {
        Some(on) => on,
        None => config::export_each_span(env)?.unwrap_or(false),
    };
    let builder = BatchConfigBuilder::default().with_max_queue_size(queue);
    Ok(if each { builder.with_max_export_batch_size(1).build() } else { builder.build() })
}

/// The span processors: the custom exporter if any, else the console or OTLP one, batched and
/// counted.
#[allow(clippy::too_many_arguments)]
fn span_processors(
    setup: &Setup,
    mut tp: TracerProviderBuilder,
    custom: Option<CustomSpans>,
    exporter: Exporter,
    console_out: &SharedWriter,
    targets: &Targets,
    stats: &Arc<StatsInner>,
    runtime: &mut Option<tokio::runtime::Runtime>,
    env: Env<'_>,
    foreign: &ForeignSpans,
) -> Result<TracerProviderBuilder, SetupError> {
    // Read (and checked) whatever the exporter: a bad switch is an error even without one.
    let batch = ExportConfig { batch: batch_config(setup, env)?, sampling: outcome_sampling(setup, env)?, size_limit: None, foreign: Some(foreign.clone()) };
    let size_limit = max_export_bytes(setup, env)?;
    #[cfg(not(feature = "otlp"))]
    let _ = size_limit;
    if let Some(f) = custom {
        return Ok(f(tp, batch, stats.clone()));
    }
    match exporter {
        Exporter::Console => {
            let e = console::ConsoleSpanExporter::new(console_out.clone(), setup.console_style);
            tp = tp.with_span_processor(e.local_spans());
            tp = batched(tp, e, batch, stats, None);
        }
        Exporter::None => {}
        Exporter::Otlp => {
            #[cfg(feature = "otlp")]
            if let Some(t) = &targets.traces {
                let e = otlp::span_exporter(t, targets.timeout, runtime, targets.source_of(t))?;
                // The platform's dialect, applied at export (the annotation path stays pure
                // semantic conventions).
                let batch = ExportConfig { size_limit: Some(size_limit), ..batch };
                match setup.dialect.or(setup.preset.map(|p| p.dialect())) {
                    Some(d) => tp = batched(tp, d.wrap(e), batch, stats, Some(d)),
                    None => tp = batched(tp, e, batch, stats, None),
                }
            }
        }
    }
    #[cfg(not(feature = "otlp"))]
    let _ = (targets, runtime);
    Ok(tp)
}

/// `exporter` behind a batch processor, its exports and ended spans counted, the attribution
/// written on every span when it starts.
/// `dialect`: the dialect the exporter applies, if any (Langfuse wants the trace's name on every
/// span).
pub(super) fn batched<E: SpanExporter + 'static>(
    tp: TracerProviderBuilder,
    exporter: E,
    config: ExportConfig,
    stats: &Arc<StatsInner>,
    dialect: Option<Dialect>,
) -> TracerProviderBuilder {
    let batch = match config.size_limit {
        // The size guard in front of the counting: each export it makes is counted on its own.
        Some(limit) => {
            BatchSpanProcessor::builder(SizeGuard::new(Counted::new(exporter, stats.clone()), limit, stats.clone())).with_batch_config(config.batch).build()
        }
        None => BatchSpanProcessor::builder(Counted::new(exporter, stats.clone())).with_batch_config(config.batch).build(),
    };
    let export = CountingProcessor::new(batch, stats.clone());
    // Outcome sampling after the trace root is complete (it decides on the finished root) and
    // before the counting, so that `Stats` counts the spans kept. (Validated when resolved.)
    let roots = match config.sampling {
        Some(cfg) => {
            let sampler = OutcomeSampler::checked(cfg, export);
            let _ = stats.sampling.set(sampler.stats());
            TraceRootProcessor::wrap(sampler)
        }
        None => TraceRootProcessor::wrap(export),
    }
    .stamp_trace_name(dialect.is_some_and(Dialect::wants_trace_name));
    // Other crates' GenAI spans get cost and rollups before anything reads their attributes.
    match config.foreign {
        Some(f) => tp.with_span_processor(AttributionProcessor::wrap(f.wrap(roots))),
        None => tp.with_span_processor(AttributionProcessor::wrap(roots)),
    }
}

/// How spans leave: the batch configuration, outcome sampling if on, and the OTLP export
/// size limit (OTLP only).
pub(super) struct ExportConfig {
    pub(super) batch: BatchConfig,
    pub(super) sampling: Option<OutcomeSampling>,
    pub(super) size_limit: Option<usize>,
    /// The processor half of foreign-span enrichment (its layer is in the subscriber).
    pub(super) foreign: Option<ForeignSpans>,
}

/// `Setup::otlp_max_export_bytes()`, else `GENAI_O11Y_OTLP_MAX_EXPORT_BYTES`, else 4 MiB; at
/// least 64 KiB.
fn max_export_bytes(setup: &Setup, env: Env<'_>) -> Result<usize, SetupError> {
    let (value, source) = match (setup.max_export_bytes, env(MAX_EXPORT_BYTES_ENV)) {
        (Some(n), _) => (n.to_string(), Source::Code("Setup::otlp_max_export_bytes()")),
        (None, Some(v)) => (v.trim().to_owned(), Source::Env(MAX_EXPORT_BYTES_ENV)),
        (None, None) => return Ok(DEFAULT_MAX_EXPORT_BYTES),
    };
    match value.parse::<usize>() {
        Ok(n) if n >= MIN_EXPORT_BYTES => Ok(n),
        _ => Err(SetupError::InvalidExportSize { source, value }),
    }
}

/// `Setup::outcome_sampling()`, else the `GENAI_O11Y_SAMPLING_*` variables; checked, the error
/// naming the method or variable.
fn outcome_sampling(setup: &Setup, env: Env<'_>) -> Result<Option<OutcomeSampling>, SetupError> {
    let invalid = |e: InvalidSampling| SetupError::InvalidSampler {
        source: if e.in_code { Source::Code(e.setting) } else { Source::Env(e.setting) },
        value: e.value,
        reason: format!("expected {}", e.expected),
    };
    let sampling = match &setup.outcome_sampling {
        Some(s) => Some(s.clone()),
        None => OutcomeSampling::from_env(env).map_err(invalid)?,
    };
    if let Some(s) = &sampling {
        s.validate().map_err(invalid)?;
    }
    Ok(sampling)
}

/// The metric readers: the console summary at shutdown, or the periodic OTLP push.
fn metric_readers(
    setup: &Setup,
    mut mp: MeterProviderBuilder,
    exporter: Exporter,
    console_out: &SharedWriter,
    targets: &Targets,
    runtime: &mut Option<tokio::runtime::Runtime>,
) -> Result<MeterProviderBuilder, SetupError> {
    match exporter {
        Exporter::Console => {
            let reader = PeriodicReader::builder(console::ConsoleMetricExporter::new(console_out.clone())).with_interval(Duration::from_secs(3600)).build();
            mp = mp.with_reader(reader);
        }
        Exporter::None => {}
        Exporter::Otlp =>
        {
            #[cfg(feature = "otlp")]
            if let Some(t) = &targets.metrics {
                let mut reader = PeriodicReader::builder(otlp::metric_exporter(t, targets.timeout, runtime, targets.source_of(t))?);
                if let Some(i) = setup.metric_interval {
                    reader = reader.with_interval(i);
                }
                mp = mp.with_reader(reader.build());
            }
        }
    }
    #[cfg(not(feature = "otlp"))]
    let _ = (setup, targets, runtime);
    Ok(mp)
}

/// The Prometheus reader and its handle, with `Setup::prometheus()`.
#[cfg(feature = "prometheus")]
fn prometheus_reader(setup: &Setup, mp: MeterProviderBuilder) -> Result<(MeterProviderBuilder, Option<crate::prometheus::PrometheusHandle>), SetupError> {
    if !setup.prometheus {
        return Ok((mp, None));
    }
    let (handle, reader) = crate::prometheus::PrometheusHandle::new().map_err(|e| SetupError::Exporter {
        exporter: "Prometheus",
        source: Source::Code("Setup::prometheus()"),
        reason: e.to_string(),
    })?;
    Ok((mp.with_reader(reader), Some(handle)))
}

#[cfg(feature = "otel-logs")]
type LogsBridge =
    opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge<opentelemetry_sdk::logs::SdkLoggerProvider, opentelemetry_sdk::logs::SdkLogger>;

/// The OpenTelemetry logs bridge over OTLP, with `Setup::otel_logs(true)`.
#[cfg(feature = "otel-logs")]
fn otel_logs(
    targets: &Targets,
    resource: &Resource,
    runtime: &mut Option<tokio::runtime::Runtime>,
) -> Result<(Option<opentelemetry_sdk::logs::SdkLoggerProvider>, Option<LogsBridge>), SetupError> {
    let Some(t) = &targets.logs else {
        return Ok((None, None));
    };
    let exporter = otlp::log_exporter(t, targets.timeout, runtime, Source::Code("Setup::otel_logs()"))?;
    let lp = opentelemetry_sdk::logs::SdkLoggerProvider::builder().with_resource(resource.clone()).with_batch_exporter(exporter).build();
    let layer = opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&lp);
    Ok((Some(lp), Some(layer)))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn the_exporter_stack_is_recognised_by_crate_not_by_prefix() {
        for t in
            ["h2", "h2::proto::streams", "hyper", "hyper_util::client::legacy", "tonic::transport", "tower::buffer", "reqwest::connect", "opentelemetry_sdk"]
        {
            assert!(is_exporter_stack(t), "{t}");
        }
        for t in ["h2o", "hyperloop::x", "my_app", "genai_o11y", "towers"] {
            assert!(!is_exporter_stack(t), "{t}");
        }
    }

    /// Which of a fixed set of events and spans pass `filter`, as `target:LEVEL` (a span as
    /// `target:LEVEL span name`).
    fn passing(filter: EnvFilter) -> Vec<String> {
        #[derive(Clone, Default)]
        struct Seen(Arc<Mutex<Vec<String>>>);
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Seen {
            fn on_event(&self, e: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
                self.0.lock().unwrap().push(format!("{}:{}", e.metadata().target(), e.metadata().level()));
            }
            fn on_new_span(&self, a: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: tracing_subscriber::layer::Context<'_, S>) {
                let m = a.metadata();
                self.0.lock().unwrap().push(format!("{}:{} span {}", m.target(), m.level(), m.name()));
            }
        }
        let seen = Seen::default();
        let subscriber = tracing_subscriber::registry().with(seen.clone().with_filter(filter.and(not_the_exporter())));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "my_app", "x");
            tracing::debug!(target: "my_app", "x");
            tracing::warn!(target: "other", "x");
            tracing::trace!(target: "some_dep", "x");
            tracing::debug!(target: "genai_o11y", "x");
            tracing::info!(target: "genai_o11y", "x");
            tracing::error!(target: "h2::codec", "x");
            tracing::error!(target: "opentelemetry_sdk", "x");
            // rmcp's session-long span and its chatter; its warnings.
            let _session = tracing::info_span!(target: "rmcp::service", "serve_inner");
            tracing::info!(target: "rmcp::service", "x");
            tracing::warn!(target: "rmcp::service", "x");
        });
        let out = seen.0.lock().unwrap().clone();
        out
    }

    fn export_filter(code: Option<&str>, vars: &[(&str, &str)]) -> Result<EnvFilter, SetupError> {
        let mut setup = crate::setup::init();
        if let Some(c) = code {
            setup = setup.export_filter(c);
        }
        resolve_export_filter(&setup, &crate::setup::config::fixed_env(vars))
    }

    #[test]
    fn export_filter_defaults_to_info_and_keeps_this_crates_debug_events() {
        assert_eq!(passing(export_filter(None, &[]).unwrap()), ["my_app:INFO", "other:WARN", "genai_o11y:DEBUG", "genai_o11y:INFO", "rmcp::service:WARN"]);
    }

    #[test]
    fn rmcp_exports_its_warnings_not_its_session_span_unless_the_directives_name_it() {
        for directives in ["trace", "debug,my_app=trace", "info,rmcp::service=info"] {
            let out = passing(export_filter(Some(directives), &[]).unwrap());
            let rmcp: Vec<&String> = out.iter().filter(|e| e.starts_with("rmcp")).collect();
            // A directive for a module of rmcp leaves the crate's default for the rest.
            let expected: &[&str] = if directives.contains("rmcp::service") {
                &["rmcp::service:INFO span serve_inner", "rmcp::service:INFO", "rmcp::service:WARN"]
            } else {
                &["rmcp::service:WARN"]
            };
            assert_eq!(rmcp, expected, "{directives}");
        }
        let out = passing(export_filter(None, &[(EXPORT_FILTER_ENV, "warn,rmcp=info")]).unwrap());
        assert!(out.contains(&"rmcp::service:INFO span serve_inner".to_owned()), "named: taken as written: {out:?}");
    }

    #[test]
    fn export_filter_from_code_then_the_environment_and_never_the_exporter_stack() {
        let f = export_filter(None, &[(EXPORT_FILTER_ENV, "error,my_app=debug")]).unwrap();
        assert_eq!(passing(f), ["my_app:INFO", "my_app:DEBUG", "genai_o11y:DEBUG", "genai_o11y:INFO", "rmcp::service:WARN"]);
        let f = export_filter(Some("warn"), &[(EXPORT_FILTER_ENV, "trace")]).unwrap();
        assert_eq!(passing(f), ["other:WARN", "genai_o11y:DEBUG", "genai_o11y:INFO", "rmcp::service:WARN"], "code wins over the variable");
        let f = export_filter(Some("trace"), &[]).unwrap();
        assert!(!passing(f).iter().any(|e| e.starts_with("h2") || e.starts_with("opentelemetry")), "whatever the directives say");
        // A directive naming this crate is taken as written.
        let f = export_filter(Some("info,genai_o11y=warn"), &[]).unwrap();
        assert_eq!(passing(f), ["my_app:INFO", "other:WARN", "rmcp::service:WARN"]);
        match export_filter(None, &[(EXPORT_FILTER_ENV, "info,my_app=loud")]) {
            Err(e) => assert!(format!("{e:?}").contains(EXPORT_FILTER_ENV), "{e:?}"),
            Ok(_) => panic!("an invalid directive is an error"),
        }
    }
}

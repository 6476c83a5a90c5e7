//! Test helpers (feature `testing`): a real OpenTelemetry pipeline that keeps what it receives.
//!
//! [`TestTelemetry`] installs, **for the current thread**, a `tracing` subscriber with the
//! `tracing-opentelemetry` layer over an SDK tracer provider that exports to an
//! `InMemorySpanExporter`, and a meter provider with a manual reader. Run async tests on a
//! current-thread runtime (`#[tokio::test]`'s default) or `futures::executor::block_on`, so every
//! poll happens on that thread.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, HistogramDataPoint, Metric, MetricData, ResourceMetrics, SumDataPoint};

/// A recorded metric: name, unit, data points.
#[derive(Debug, Clone)]
pub struct MetricInfo {
    /// The metric name.
    pub name: String,
    /// The unit.
    pub unit: String,
    /// The data points.
    pub points: Points,
}

/// The data points of a metric, by instrument type.
#[derive(Debug, Clone)]
pub enum Points {
    /// An `f64` histogram.
    F64Histogram(Vec<HistogramDataPoint<f64>>),
    /// A `u64` histogram.
    U64Histogram(Vec<HistogramDataPoint<u64>>),
    /// A `u64` counter (monotonic sum).
    U64Sum(Vec<SumDataPoint<u64>>),
    /// An `f64` counter (monotonic sum).
    F64Sum(Vec<SumDataPoint<f64>>),
    /// Anything else, as debug text.
    Other(String),
}

impl From<&Metric> for MetricInfo {
    fn from(m: &Metric) -> Self {
        let points = match m.data() {
            AggregatedMetrics::F64(MetricData::Histogram(h)) => Points::F64Histogram(h.data_points().cloned().collect()),
            AggregatedMetrics::U64(MetricData::Histogram(h)) => Points::U64Histogram(h.data_points().cloned().collect()),
            AggregatedMetrics::U64(MetricData::Sum(s)) => Points::U64Sum(s.data_points().cloned().collect()),
            AggregatedMetrics::F64(MetricData::Sum(s)) => Points::F64Sum(s.data_points().cloned().collect()),
            other => Points::Other(format!("{other:?}")),
        };
        MetricInfo { name: m.name().to_owned(), unit: m.unit().to_owned(), points }
    }
}
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

use crate::instruments::ScopedGuard;
use crate::semconv::Conventions;
use crate::settings::Settings;

/// A per-thread OpenTelemetry pipeline whose output can be inspected.
pub struct TestTelemetry {
    exporter: InMemorySpanExporter,
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    metrics: InMemoryMetricExporter,
    sampling: Option<crate::sampling::SamplingStatsHandle>,
    /// The logs bridge's provider and exporter ([`TestTelemetry::with_logs`]).
    #[cfg(feature = "otel-logs")]
    logs: Option<(opentelemetry_sdk::logs::SdkLoggerProvider, opentelemetry_sdk::logs::InMemoryLogExporter)>,
    _metrics: ScopedGuard,
    _subscriber: tracing::subscriber::DefaultGuard,
}

impl Default for TestTelemetry {
    fn default() -> Self {
        Self::new()
    }
}

impl TestTelemetry {
    /// Default settings: v1.41 names, the built-in pricing table, no content capture.
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    /// The given convention mode (and the defaults for the rest: built-in pricing, no capture).
    pub fn with_conventions(conventions: Conventions) -> Self {
        Self::with_settings(Settings::default().conventions(conventions))
    }

    /// The given settings (conventions, pricing, capture) for the calls made on this thread.
    pub fn with_settings(settings: Settings) -> Self {
        Self::build(settings, None, false)
    }

    /// Outcome sampling in front of the in-memory exporter, where `init()` puts it (after the
    /// trace root is complete); [`sampling_stats`](Self::sampling_stats) reads its counters.
    /// Panics on settings [`OutcomeSampling::validate`](crate::sampling::OutcomeSampling::validate)
    /// refuses.
    pub fn with_outcome_sampling(settings: Settings, sampling: crate::sampling::OutcomeSampling) -> Self {
        Self::build(settings, Some(sampling), false)
    }

    /// The given settings, plus the OpenTelemetry logs bridge over an in-memory log exporter, as
    /// `Setup::otel_logs(true)` installs it (so the failed client operations' exception event is
    /// on): read the records with [`TestTelemetry::log_records`] (feature `otel-logs`).
    #[cfg(feature = "otel-logs")]
    pub fn with_logs(settings: Settings) -> Self {
        Self::build(settings.exception_events(true), None, true)
    }

    #[cfg_attr(not(feature = "otel-logs"), allow(unused_variables))]
    fn build(settings: Settings, sampling: Option<crate::sampling::OutcomeSampling>, with_logs: bool) -> Self {
        let exporter = InMemorySpanExporter::default();
        // A batch processor, flushed before every read: unlike the simple processor it does not call
        // `futures::executor::block_on` on the thread that ends the span, so tests may drive their
        // futures with any executor.
        let export = BatchSpanProcessor::builder(exporter.clone()).build();
        let (roots, stats) = match sampling {
            Some(cfg) => {
                let sampler = crate::sampling::OutcomeSampler::wrap(cfg, export).expect("valid outcome sampling settings");
                let stats = sampler.stats();
                (crate::trace_root::TraceRootProcessor::wrap(sampler), Some(stats))
            }
            None => (crate::trace_root::TraceRootProcessor::wrap(export), None),
        };
        // Other crates' GenAI spans enriched, and attribution written on start, as `init()` does.
        let foreign = crate::foreign::ForeignSpans::new();
        let processor = crate::attribution::AttributionProcessor::wrap(foreign.wrap(roots));
        let tracer_provider = SdkTracerProvider::builder().with_span_processor(processor).build();
        let metrics = InMemoryMetricExporter::default();
        // Exports only on `force_flush` (the interval is longer than any test).
        let reader = PeriodicReader::builder(metrics.clone()).with_interval(std::time::Duration::from_secs(3600)).build();
        let meter_provider = SdkMeterProvider::builder().with_reader(reader).build();
        let layer = crate::otel_layer(tracer_provider.tracer("genai-o11y-test"));
        #[cfg(feature = "otel-logs")]
        let (logs, bridge) = if with_logs {
            let exporter = opentelemetry_sdk::logs::InMemoryLogExporter::default();
            let provider = opentelemetry_sdk::logs::SdkLoggerProvider::builder().with_simple_exporter(exporter.clone()).build();
            let bridge = opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&provider);
            (Some((provider, exporter)), Some(bridge))
        } else {
            (None, None)
        };
        #[cfg(not(feature = "otel-logs"))]
        let bridge: Option<tracing_subscriber::layer::Identity> = None;
        // As `init()` wires it: the log-record-only events stay off the spans.
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::Layer::with_filter(layer, crate::layer::not_log_record_only()))
            .with(bridge)
            .with(foreign.layer());
        let _subscriber = tracing::subscriber::set_default(subscriber);
        let _metrics = crate::instruments::scoped_with(&meter_provider, settings);
        TestTelemetry {
            exporter,
            tracer_provider,
            meter_provider,
            metrics,
            sampling: stats,
            #[cfg(feature = "otel-logs")]
            logs,
            _metrics,
            _subscriber,
        }
    }

    /// What outcome sampling did so far (with [`with_outcome_sampling`](Self::with_outcome_sampling)).
    pub fn sampling_stats(&self) -> Option<crate::sampling::SamplingStats> {
        self.sampling.as_ref().map(|h| h.get())
    }

    /// The log records the logs bridge exported ([`TestTelemetry::with_logs`]; empty otherwise).
    #[cfg(feature = "otel-logs")]
    pub fn log_records(&self) -> Vec<opentelemetry_sdk::logs::in_memory_exporter::LogDataWithResource> {
        match &self.logs {
            Some((provider, exporter)) => {
                let _ = provider.force_flush();
                exporter.get_emitted_logs().unwrap_or_default()
            }
            None => Vec::new(),
        }
    }

    /// Every span finished so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        let _ = self.tracer_provider.force_flush();
        self.exporter.get_finished_spans().unwrap_or_default()
    }

    /// The one finished span with this name. Panics (a test failure) if there is not exactly one.
    #[track_caller]
    pub fn span(&self, name: &str) -> SpanData {
        let mut found: Vec<SpanData> = self.spans().into_iter().filter(|s| s.name == name).collect();
        let hint = if cfg!(genai_o11y_disabled) { " (this build has `--cfg genai_o11y_disabled`: annotations make no spans)" } else { "" };
        assert_eq!(found.len(), 1, "expected exactly one span named {name:?}, found {}: {:?}{hint}", found.len(), self.span_names());
        found.remove(0)
    }

    /// The names of the finished spans.
    pub fn span_names(&self) -> Vec<String> {
        self.spans().into_iter().map(|s| s.name.into_owned()).collect()
    }

    /// Forgets the spans finished so far.
    pub fn reset_spans(&self) {
        self.exporter.reset();
    }

    /// Collects the metrics (cumulative temporality: totals since the start).
    pub fn collect(&self) -> ResourceMetrics {
        self.metrics.reset();
        let _ = self.meter_provider.force_flush();
        self.metrics.get_finished_metrics().ok().and_then(|mut v| v.pop()).unwrap_or_default()
    }

    /// The metric with this name, if any was recorded.
    pub fn metric(&self, name: &str) -> Option<MetricInfo> {
        let rm = self.collect();
        let found = rm.scope_metrics().flat_map(|s| s.metrics()).find(|m| m.name() == name).map(MetricInfo::from);
        found
    }

    /// The names of every recorded metric.
    pub fn metric_names(&self) -> Vec<String> {
        let rm = self.collect();
        let mut names: Vec<String> = rm.scope_metrics().flat_map(|s| s.metrics()).map(|m| m.name().to_owned()).collect();
        names.sort();
        names
    }

    /// The data points of an `f64` histogram.
    #[track_caller]
    pub fn f64_histogram(&self, name: &str) -> Vec<HistogramDataPoint<f64>> {
        match self.metric(name).map(|m| m.points) {
            Some(Points::F64Histogram(p)) => p,
            Some(other) => panic!("{name} is not an f64 histogram: {other:?}"),
            None => Vec::new(),
        }
    }

    /// The data points of a `u64` histogram.
    #[track_caller]
    pub fn u64_histogram(&self, name: &str) -> Vec<HistogramDataPoint<u64>> {
        match self.metric(name).map(|m| m.points) {
            Some(Points::U64Histogram(p)) => p,
            Some(other) => panic!("{name} is not a u64 histogram: {other:?}"),
            None => Vec::new(),
        }
    }

    /// The data points of a `u64` counter.
    #[track_caller]
    pub fn u64_counter(&self, name: &str) -> Vec<SumDataPoint<u64>> {
        match self.metric(name).map(|m| m.points) {
            Some(Points::U64Sum(p)) => p,
            Some(other) => panic!("{name} is not a u64 counter: {other:?}"),
            None => Vec::new(),
        }
    }

    /// The data points of an `f64` counter.
    #[track_caller]
    pub fn f64_counter(&self, name: &str) -> Vec<SumDataPoint<f64>> {
        match self.metric(name).map(|m| m.points) {
            Some(Points::F64Sum(p)) => p,
            Some(other) => panic!("{name} is not an f64 counter: {other:?}"),
            None => Vec::new(),
        }
    }

    /// The meter provider (to add instruments of your own).
    pub fn meter_provider(&self) -> &SdkMeterProvider {
        &self.meter_provider
    }
}

/// The value of a span attribute.
pub fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

/// The attributes of a metric data point as sorted `(key, value)` strings.
pub fn point_attrs<'a>(attrs: impl Iterator<Item = &'a KeyValue>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = attrs.map(|kv| (kv.key.to_string(), kv.value.to_string())).collect();
    v.sort();
    v
}

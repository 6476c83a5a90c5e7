//! The settings of the calls (convention mode, pricing, content capture, log summaries): one
//! value, [`Settings`], and the process-wide defaults it is read from.
//!
//! The process-wide settings come from the environment (`OTEL_SEMCONV_STABILITY_OPT_IN`,
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, ...) unless set in code with
//! [`set_conventions`], [`set_pricing`], [`set_capture`]. Every setter bumps a generation
//! number, and the instruments cached per thread are rebuilt on their next use.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

use crate::attribution::MetricAttribution;
use crate::capture::CaptureConfig;
use crate::pricing::PricingTable;
use crate::semconv::Conventions;

/// Everything a call needs to know besides its own description.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Which names are emitted.
    pub conventions: Conventions,
    /// Prices for cost estimation; `None` turns cost off entirely (no cost, no unpriced signal).
    pub pricing: Option<Arc<PricingTable>>,
    /// Content capture.
    pub capture: CaptureConfig,
    /// Log one line per call (see `setup::Setup::log_summaries`).
    pub log_summaries: bool,
    /// The attribution metadata keys the GenAI metrics carry (none by default).
    pub metric_attribution: MetricAttribution,
    /// Emit the `gen_ai.client.operation.exception` event (a WARN log record) for every failed
    /// GenAI client operation. On when the setup exports logs (`Setup::otel_logs`): the event is
    /// a log record, for the logs pipeline only (spans carry their own `exception` event).
    pub exception_events: bool,
}

impl Default for Settings {
    /// v1.41 names, the built-in pricing table, no content capture.
    fn default() -> Self {
        Settings {
            conventions: Conventions::V1_41,
            pricing: Some(PricingTable::builtin_shared()),
            capture: CaptureConfig::default(),
            log_summaries: false,
            metric_attribution: MetricAttribution::none(),
            exception_events: false,
        }
    }
}

impl Settings {
    /// With these conventions.
    pub fn conventions(mut self, c: Conventions) -> Self {
        self.conventions = c;
        self
    }
    /// With this pricing table (`None`: no cost).
    pub fn pricing(mut self, p: Option<PricingTable>) -> Self {
        self.pricing = p.map(Arc::new);
        self
    }
    /// With this capture configuration.
    pub fn capture(mut self, c: CaptureConfig) -> Self {
        self.capture = c;
        self
    }
    /// With (or without) one log line per call.
    pub fn log_summaries(mut self, on: bool) -> Self {
        self.log_summaries = on;
        self
    }
    /// With these attribution metadata keys on the GenAI metrics, e.g.
    /// `MetricAttribution::keys(["app.feature"])` (see [`MetricAttribution`]).
    pub fn metric_attribution(mut self, m: MetricAttribution) -> Self {
        self.metric_attribution = m;
        self
    }
    /// With (or without) the `gen_ai.client.operation.exception` log event of failed client
    /// operations (see [`Settings::exception_events`](Settings#structfield.exception_events)).
    pub fn exception_events(mut self, on: bool) -> Self {
        self.exception_events = on;
        self
    }
    /// The media sink of the process-wide capture settings, if they were set and have one.
    #[cfg(feature = "sdk")]
    pub(crate) fn global_media() -> Option<Arc<crate::capture::media::MediaSink>> {
        read(&CAPTURE).and_then(|c| c.media)
    }

    /// The process-wide settings now in force.
    pub fn global() -> Self {
        Settings {
            conventions: conventions(),
            pricing: read(&PRICING).unwrap_or_else(|| Some(PricingTable::builtin_shared())),
            capture: read(&CAPTURE).unwrap_or_else(CaptureConfig::from_env),
            log_summaries: LOG_SUMMARIES.load(Ordering::Relaxed),
            exception_events: EXCEPTION_EVENTS.load(Ordering::Relaxed),
            metric_attribution: read(&METRIC_ATTRIBUTION).unwrap_or_else(|| ENV_METRIC_ATTRIBUTION.get_or_init(MetricAttribution::from_env).clone()),
        }
    }
}

static GENERATION: AtomicU64 = AtomicU64::new(1);
static LOG_SUMMARIES: AtomicBool = AtomicBool::new(false);
static EXCEPTION_EVENTS: AtomicBool = AtomicBool::new(false);
static PRICING: RwLock<Option<Option<Arc<PricingTable>>>> = RwLock::new(None);
static CAPTURE: RwLock<Option<CaptureConfig>> = RwLock::new(None);
static METRIC_ATTRIBUTION: RwLock<Option<MetricAttribution>> = RwLock::new(None);
/// Read once: its value-cap state must be shared by every thread's instruments.
static ENV_METRIC_ATTRIBUTION: std::sync::OnceLock<MetricAttribution> = std::sync::OnceLock::new();
/// 0: not chosen yet (read the environment); 1: v1.41; 2: latest.
static CONVENTIONS: AtomicU8 = AtomicU8::new(0);

fn read<T: Clone>(lock: &RwLock<Option<T>>) -> Option<T> {
    lock.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T>(lock: &RwLock<Option<T>>, value: T) {
    *lock.write().unwrap_or_else(|p| p.into_inner()) = Some(value);
    refresh();
}

/// Has the code chosen the process's pricing table ([`set_pricing`])?
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
pub(crate) fn pricing_is_set() -> bool {
    read(&PRICING).is_some()
}

/// Sets the pricing table for the whole process (`None`: no cost estimation).
pub fn set_pricing(table: Option<PricingTable>) {
    write(&PRICING, table.map(Arc::new));
}

/// Sets the capture configuration for the whole process (overrides the environment).
pub fn set_capture(config: CaptureConfig) {
    write(&CAPTURE, config);
}

/// Sets the attribution metadata keys the GenAI metrics carry for the whole process (overrides
/// `GENAI_O11Y_METRIC_ATTRIBUTES`).
pub fn set_metric_attribution(m: MetricAttribution) {
    write(&METRIC_ATTRIBUTION, m);
}

/// Turns the one-line log summary of every call on or off for the whole process.
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
pub(crate) fn set_log_summaries(on: bool) {
    LOG_SUMMARIES.store(on, Ordering::Relaxed);
    refresh();
}

/// Turns the `gen_ai.client.operation.exception` log event on or off for the whole process (the
/// setup turns it on with its logs bridge).
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
pub(crate) fn set_exception_events(on: bool) {
    EXCEPTION_EVENTS.store(on, Ordering::Relaxed);
    refresh();
}

/// The convention mode in force: set by [`set_conventions`], else read once from
/// `OTEL_SEMCONV_STABILITY_OPT_IN`.
pub fn conventions() -> Conventions {
    match CONVENTIONS.load(Ordering::Relaxed) {
        1 => Conventions::V1_41,
        2 => Conventions::LatestExperimental,
        _ => {
            let c = Conventions::from_env();
            let _ = CONVENTIONS.compare_exchange(0, encode(c), Ordering::Relaxed, Ordering::Relaxed);
            c
        }
    }
}

fn encode(c: Conventions) -> u8 {
    match c {
        Conventions::V1_41 => 1,
        Conventions::LatestExperimental => 2,
    }
}

/// Chooses the convention mode in code (overrides `OTEL_SEMCONV_STABILITY_OPT_IN`).
pub fn set_conventions(c: Conventions) {
    CONVENTIONS.store(encode(c), Ordering::Relaxed);
    refresh();
}

/// Re-creates the instruments from the current global meter provider and settings on next use.
/// Call it after `opentelemetry::global::set_meter_provider` if annotated functions already ran
/// before. The setters of this module call it themselves.
pub fn refresh() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The generation of the process-wide settings: it changes on every [`refresh`].
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

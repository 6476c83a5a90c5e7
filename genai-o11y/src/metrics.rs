//! The metric instruments and the settings of a call (convention mode, pricing, content capture),
//! created once per meter provider and settings.
//!
//! Instruments come from the global meter provider (`opentelemetry::global`). They are created on
//! first use and cached per thread; after installing a new global meter provider, call
//! [`refresh`]. [`set_conventions`], [`crate::set_pricing`] and [`crate::capture::set_capture`]
//! refresh by themselves. A thread can use its own provider and settings with [`scoped_with`],
//! which is what the test helpers do.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry::InstrumentationScope;

use crate::capture::CaptureConfig;
use crate::pricing::PricingTable;
use crate::semconv::{latest, v1_41 as sc, vendor, Conventions};

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
}

impl Default for Settings {
    /// v1.41 names, the built-in pricing table, no content capture.
    fn default() -> Self {
        Settings { conventions: Conventions::V1_41, pricing: Some(Arc::new(PricingTable::builtin())), capture: CaptureConfig::default(), log_summaries: false }
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
    /// The process-wide settings now in force.
    pub fn global() -> Self {
        Settings {
            conventions: conventions(),
            pricing: PRICING.read().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_else(|| Some(Arc::new(PricingTable::builtin()))),
            capture: CAPTURE.read().unwrap_or_else(|p| p.into_inner()).clone().unwrap_or_else(CaptureConfig::from_env),
            log_summaries: LOG_SUMMARIES.load(Ordering::Relaxed),
        }
    }

    /// With (or without) one log line per call.
    pub fn log_summaries(mut self, on: bool) -> Self {
        self.log_summaries = on;
        self
    }
}

static LOG_SUMMARIES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
pub(crate) fn set_log_summaries(on: bool) {
    LOG_SUMMARIES.store(on, Ordering::Relaxed);
    refresh();
}

static PRICING: RwLock<Option<Option<Arc<PricingTable>>>> = RwLock::new(None);
static CAPTURE: RwLock<Option<CaptureConfig>> = RwLock::new(None);

/// Sets the pricing table for the whole process (`None`: no cost estimation).
pub fn set_pricing(table: Option<PricingTable>) {
    *PRICING.write().unwrap_or_else(|p| p.into_inner()) = Some(table.map(Arc::new));
    refresh();
}

pub(crate) fn set_capture(config: CaptureConfig) {
    *CAPTURE.write().unwrap_or_else(|p| p.into_inner()) = Some(config);
    refresh();
}

/// Every instrument this crate records, for one meter and one convention mode.
pub(crate) struct Instruments {
    pub conventions: Conventions,
    pub settings: Settings,
    pub time_to_first_chunk: Histogram<f64>,
    pub time_per_output_chunk: Histogram<f64>,
    pub cost: Counter<f64>,
    pub unpriced: Counter<u64>,
    pub usage_missing: Counter<u64>,
    /// `gen_ai.client.operation.duration`: every inference operation in v1.41; in the latest mode,
    /// the operations that are not `chat`/`text_completion`/`generate_content`.
    pub operation_duration: Histogram<f64>,
    pub tool_duration: Histogram<f64>,
    pub agent_duration: Histogram<f64>,
    pub v1_41: Option<V141Instruments>,
    pub latest: Option<LatestInstruments>,
}

pub(crate) struct V141Instruments {
    pub token_usage: Histogram<u64>,
}

pub(crate) struct LatestInstruments {
    pub inference_duration: Histogram<f64>,
    pub usage_input: Counter<u64>,
    pub usage_output: Counter<u64>,
    pub usage_cache_read: Counter<u64>,
    pub usage_cache_write: Counter<u64>,
    pub usage_reasoning: Counter<u64>,
    pub operation_input_tokens: Histogram<u64>,
    pub operation_output_tokens: Histogram<u64>,
    pub agent_inference_calls: Histogram<u64>,
    pub agent_tool_calls: Histogram<u64>,
}

/// What each instrument measures (its description, Prometheus' HELP text).
fn describe(name: &str) -> &'static str {
    match name {
        n if n == sc::GEN_AI_CLIENT_TOKEN_USAGE => "Number of input and output tokens used per GenAI operation",
        n if n == sc::GEN_AI_CLIENT_OPERATION_DURATION => "Duration of GenAI client operations",
        n if n == latest::GEN_AI_CLIENT_INFERENCE_DURATION => "Duration of GenAI inference operations",
        n if n.ends_with("time_to_first_chunk") => "Time from the start of a streaming GenAI operation to its first chunk",
        n if n.ends_with("time_per_output_chunk") => "Time between consecutive output chunks of a streaming GenAI operation",
        n if n == sc::GEN_AI_EXECUTE_TOOL_DURATION => "Duration of GenAI tool executions",
        n if n == sc::GEN_AI_INVOKE_AGENT_DURATION => "Duration of GenAI agent invocations",
        n if n == latest::GEN_AI_INVOKE_AGENT_INFERENCE_CALLS => "Inference calls made by one agent invocation",
        n if n == latest::GEN_AI_INVOKE_AGENT_TOOL_CALLS => "Tool calls made by one agent invocation",
        n if n.starts_with("gen_ai.client.inference.usage.") => "Tokens used by GenAI inference operations",
        n if n.starts_with("gen_ai.client.inference.operation.") => "Tokens per GenAI inference operation",
        n if n == vendor::COST_METRIC => "Estimated cost of GenAI inference operations, in the currency of the genai_o11y.cost.currency attribute",
        n if n == vendor::UNPRICED_METRIC => "GenAI inference operations whose model is not in the pricing table",
        n if n == vendor::USAGE_MISSING_METRIC => "GenAI inference operations that reported no token usage",
        _ => "",
    }
}

fn duration(meter: &Meter, name: &'static str, buckets: &[f64]) -> Histogram<f64> {
    meter.f64_histogram(name).with_unit(sc::UNIT_SECONDS).with_description(describe(name)).with_boundaries(buckets.to_vec()).build()
}

fn tokens_histogram(meter: &Meter, name: &'static str) -> Histogram<u64> {
    meter.u64_histogram(name).with_unit(sc::UNIT_TOKEN).with_description(describe(name)).with_boundaries(sc::TOKEN_BUCKETS.to_vec()).build()
}

fn tokens_counter(meter: &Meter, name: &'static str) -> Counter<u64> {
    meter.u64_counter(name).with_unit(sc::UNIT_TOKEN).with_description(describe(name)).build()
}

impl Instruments {
    pub(crate) fn new(meter: &Meter, settings: Settings) -> Self {
        let conventions = settings.conventions;
        let calls = |name: &'static str, unit: &'static str| {
            meter.u64_histogram(name).with_unit(unit).with_description(describe(name)).with_boundaries(latest::AGENT_CALLS_BUCKETS.to_vec()).build()
        };
        let (ttfc, tpoc) = match conventions {
            Conventions::V1_41 => (sc::INFERENCE_TIME_TO_FIRST_CHUNK, sc::INFERENCE_TIME_PER_OUTPUT_CHUNK),
            Conventions::LatestExperimental => (latest::INFERENCE_TIME_TO_FIRST_CHUNK, latest::INFERENCE_TIME_PER_OUTPUT_CHUNK),
        };
        let v1_41 = (conventions == Conventions::V1_41)
            .then(|| V141Instruments { token_usage: tokens_histogram(meter, sc::GEN_AI_CLIENT_TOKEN_USAGE) });
        let latest = (conventions == Conventions::LatestExperimental).then(|| LatestInstruments {
            inference_duration: duration(meter, latest::GEN_AI_CLIENT_INFERENCE_DURATION, &sc::DURATION_BUCKETS),
            usage_input: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS),
            usage_output: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS),
            usage_cache_read: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS),
            usage_cache_write: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS),
            usage_reasoning: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS),
            operation_input_tokens: tokens_histogram(meter, latest::GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS),
            operation_output_tokens: tokens_histogram(meter, latest::GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS),
            agent_inference_calls: calls(latest::GEN_AI_INVOKE_AGENT_INFERENCE_CALLS, latest::UNIT_INFERENCE_CALL),
            agent_tool_calls: calls(latest::GEN_AI_INVOKE_AGENT_TOOL_CALLS, latest::UNIT_TOOL_CALL),
        });
        Instruments {
            conventions,
            time_to_first_chunk: duration(meter, ttfc, &sc::DURATION_BUCKETS),
            time_per_output_chunk: duration(meter, tpoc, &sc::DURATION_BUCKETS),
            cost: meter.f64_counter(vendor::COST_METRIC).with_unit(vendor::UNIT_COST).with_description(describe(vendor::COST_METRIC)).build(),
            unpriced: meter.u64_counter(vendor::UNPRICED_METRIC).with_unit(vendor::UNIT_CALL).with_description(describe(vendor::UNPRICED_METRIC)).build(),
            usage_missing: meter
                .u64_counter(vendor::USAGE_MISSING_METRIC)
                .with_unit(vendor::UNIT_CALL)
                .with_description(describe(vendor::USAGE_MISSING_METRIC))
                .build(),
            settings,
            operation_duration: duration(meter, sc::GEN_AI_CLIENT_OPERATION_DURATION, &sc::DURATION_BUCKETS),
            tool_duration: duration(meter, sc::GEN_AI_EXECUTE_TOOL_DURATION, &sc::DURATION_BUCKETS),
            agent_duration: duration(meter, sc::GEN_AI_INVOKE_AGENT_DURATION, &sc::AGENT_DURATION_BUCKETS),
            v1_41,
            latest,
        }
    }

    pub(crate) fn from_provider(provider: &dyn MeterProvider, settings: Settings) -> Self {
        Self::new(&provider.meter_with_scope(scope()), settings)
    }
}

/// The instrumentation scope of every span and metric of this crate.
pub fn scope() -> InstrumentationScope {
    InstrumentationScope::builder(env!("CARGO_PKG_NAME")).with_version(env!("CARGO_PKG_VERSION")).build()
}

static GENERATION: AtomicU64 = AtomicU64::new(1);
/// 0: not chosen yet (read the environment); 1: v1.41; 2: latest.
static CONVENTIONS: AtomicU8 = AtomicU8::new(0);

struct ThreadState {
    cached: Option<(u64, Arc<Instruments>)>,
    scoped: Vec<Arc<Instruments>>,
}

thread_local! {
    static STATE: RefCell<ThreadState> = const { RefCell::new(ThreadState { cached: None, scoped: Vec::new() }) };
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

/// Re-creates the instruments from the current global meter provider on next use. Call it after
/// `opentelemetry::global::set_meter_provider` if annotated functions already ran before.
pub fn refresh() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// The instruments for this call: the innermost [`scoped`] provider of this thread, else the
/// global provider's.
pub(crate) fn current() -> Arc<Instruments> {
    let generation = GENERATION.load(Ordering::Relaxed);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(top) = s.scoped.last() {
            return top.clone();
        }
        if let Some((g, i)) = &s.cached {
            if *g == generation {
                return i.clone();
            }
        }
        let provider = opentelemetry::global::meter_provider();
        let fresh = Arc::new(Instruments::from_provider(&*provider, Settings::global()));
        s.cached = Some((generation, fresh.clone()));
        fresh
    })
}

/// Use `provider` and `conventions` (and the global pricing and capture settings) for the calls
/// made **on this thread** until the guard drops. For tests and for embedding several pipelines
/// in one process.
pub fn scoped(provider: &dyn MeterProvider, conventions: Conventions) -> ScopedGuard {
    scoped_with(provider, Settings::global().conventions(conventions))
}

/// Use `provider` and `settings` for the calls made **on this thread** until the guard drops.
pub fn scoped_with(provider: &dyn MeterProvider, settings: Settings) -> ScopedGuard {
    let i = Arc::new(Instruments::from_provider(provider, settings));
    STATE.with(|s| s.borrow_mut().scoped.push(i));
    ScopedGuard { _not_send: std::marker::PhantomData }
}

/// Restores the previous instruments of this thread when dropped.
#[must_use = "the scoped meter provider is removed when this guard drops"]
pub struct ScopedGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for ScopedGuard {
    fn drop(&mut self) {
        let _ = STATE.try_with(|s| s.borrow_mut().scoped.pop());
    }
}

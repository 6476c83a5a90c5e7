//! The metric instruments, created once per meter provider and convention mode.
//!
//! Instruments come from the global meter provider (`opentelemetry::global`). They are created on
//! first use and cached; after installing a new global meter provider, call [`refresh`] (the
//! setup helpers do it for you). A thread can use its own provider with [`scoped`], which is what
//! the test helpers do.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry::InstrumentationScope;

use crate::semconv::{latest, v1_41 as sc, Conventions};

/// Every instrument this crate records, for one meter and one convention mode.
pub(crate) struct Instruments {
    pub conventions: Conventions,
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
}

fn duration(meter: &Meter, name: &'static str, buckets: &[f64]) -> Histogram<f64> {
    meter.f64_histogram(name).with_unit(sc::UNIT_SECONDS).with_boundaries(buckets.to_vec()).build()
}

fn tokens_histogram(meter: &Meter, name: &'static str) -> Histogram<u64> {
    meter.u64_histogram(name).with_unit(sc::UNIT_TOKEN).with_boundaries(sc::TOKEN_BUCKETS.to_vec()).build()
}

fn tokens_counter(meter: &Meter, name: &'static str) -> Counter<u64> {
    meter.u64_counter(name).with_unit(sc::UNIT_TOKEN).build()
}

impl Instruments {
    pub(crate) fn new(meter: &Meter, conventions: Conventions) -> Self {
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
        });
        Instruments {
            conventions,
            operation_duration: duration(meter, sc::GEN_AI_CLIENT_OPERATION_DURATION, &sc::DURATION_BUCKETS),
            tool_duration: duration(meter, sc::GEN_AI_EXECUTE_TOOL_DURATION, &sc::DURATION_BUCKETS),
            agent_duration: duration(meter, sc::GEN_AI_INVOKE_AGENT_DURATION, &sc::AGENT_DURATION_BUCKETS),
            v1_41,
            latest,
        }
    }

    pub(crate) fn from_provider(provider: &dyn MeterProvider, conventions: Conventions) -> Self {
        Self::new(&provider.meter_with_scope(scope()), conventions)
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
        let fresh = Arc::new(Instruments::from_provider(&*provider, conventions()));
        s.cached = Some((generation, fresh.clone()));
        fresh
    })
}

/// Use `provider` and `conventions` for the calls made **on this thread** until the guard drops.
/// For tests and for embedding several pipelines in one process.
pub fn scoped(provider: &dyn MeterProvider, conventions: Conventions) -> ScopedGuard {
    let i = Arc::new(Instruments::from_provider(provider, conventions));
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

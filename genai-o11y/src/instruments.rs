//! The metric instruments of a meter provider and settings, created once and cached per thread.
//!
//! Instruments come from the global meter provider (`opentelemetry::global`). They are created on
//! first use and cached per thread, and rebuilt when the settings change
//! ([`crate::settings::refresh`]). A thread can use its own provider and settings with
//! [`scoped_with`], which is what the test helpers do.

use std::cell::RefCell;
use std::sync::Arc;

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry::InstrumentationScope;

use crate::semconv::{http, latest, v1_41 as sc, vendor, Conventions};
use crate::settings::{self, Settings};

/// Every instrument this crate records, for one meter and one convention mode.
pub(crate) struct Instruments {
    pub settings: Settings,
    /// Made by a meter provider that holds no state (size zero: opentelemetry's
    /// `NoopMeterProvider`, the global provider nobody set), whose instruments can record nothing.
    pub metrics_off: bool,
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
    /// `gen_ai.invoke_workflow.duration` (the latest conventions' name, in both modes).
    pub workflow_duration: Histogram<f64>,
    /// `mcp.client.operation.duration` and `mcp.server.operation.duration` (feature `mcp`).
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub mcp_client_duration: Histogram<f64>,
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub mcp_server_duration: Histogram<f64>,
    /// `genai_o11y.evaluation.score`, per evaluation name.
    pub evaluation_score: Histogram<f64>,
    /// `genai_o11y.guardrail.decisions`, per guard and result type.
    pub guardrail_decisions: Counter<u64>,
    /// `http.client.request.duration` (`propagation::SendTraced`, feature `reqwest`).
    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub http_client_duration: Histogram<f64>,
    /// `http.server.request.duration` (`propagation::ServerLayer`, feature `tower`).
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub http_server_duration: Histogram<f64>,
    pub v1_41: Option<V141Instruments>,
    pub latest: Option<LatestInstruments>,
}

pub(crate) struct V141Instruments {
    pub token_usage: Histogram<u64>,
    /// `genai_o11y.client.cache_read.input_tokens`: v1.41 has no cache metric (the cache-read
    /// share of input tokens); a name of this crate's, so the v1.41 registry's check stays clean.
    pub usage_cache_read: Counter<u64>,
    /// `genai_o11y.client.operation.duration`: a client operation without a provider, which the
    /// v1.41 histogram cannot take (it requires `gen_ai.provider.name`).
    pub providerless_operation_duration: Histogram<f64>,
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

// Each instrument is created once, here, with its name, unit, description (Prometheus' HELP
// text) and buckets.

const TOKENS_USED: &str = "Tokens used by GenAI inference operations";
const TOKENS_PER_OPERATION: &str = "Tokens per GenAI inference operation";

fn duration(meter: &Meter, name: &'static str, description: &'static str, buckets: &[f64]) -> Histogram<f64> {
    meter.f64_histogram(name).with_unit(sc::UNIT_SECONDS).with_description(description).with_boundaries(buckets.to_vec()).build()
}

fn http_duration(meter: &Meter, name: &'static str, description: &'static str) -> Histogram<f64> {
    meter.f64_histogram(name).with_unit(http::UNIT_SECONDS).with_description(description).with_boundaries(http::DURATION_BUCKETS.to_vec()).build()
}

fn tokens_histogram(meter: &Meter, name: &'static str, description: &'static str) -> Histogram<u64> {
    meter.u64_histogram(name).with_unit(sc::UNIT_TOKEN).with_description(description).with_boundaries(sc::TOKEN_BUCKETS.to_vec()).build()
}

fn tokens_counter(meter: &Meter, name: &'static str) -> Counter<u64> {
    meter.u64_counter(name).with_unit(sc::UNIT_TOKEN).with_description(TOKENS_USED).build()
}

fn calls_counter(meter: &Meter, name: &'static str, description: &'static str) -> Counter<u64> {
    meter.u64_counter(name).with_unit(vendor::UNIT_CALL).with_description(description).build()
}

fn calls_histogram(meter: &Meter, name: &'static str, unit: &'static str, description: &'static str) -> Histogram<u64> {
    meter.u64_histogram(name).with_unit(unit).with_description(description).with_boundaries(latest::AGENT_CALLS_BUCKETS.to_vec()).build()
}

impl Instruments {
    pub(crate) fn new(meter: &Meter, settings: Settings) -> Self {
        let conventions = settings.conventions;
        let (ttfc, tpoc) = match conventions {
            Conventions::V1_41 => (sc::INFERENCE_TIME_TO_FIRST_CHUNK, sc::INFERENCE_TIME_PER_OUTPUT_CHUNK),
            Conventions::LatestExperimental => (latest::INFERENCE_TIME_TO_FIRST_CHUNK, latest::INFERENCE_TIME_PER_OUTPUT_CHUNK),
        };
        let v1_41 = (conventions == Conventions::V1_41).then(|| V141Instruments {
            token_usage: tokens_histogram(meter, sc::GEN_AI_CLIENT_TOKEN_USAGE, "Number of input and output tokens used per GenAI operation"),
            usage_cache_read: tokens_counter(meter, vendor::CACHE_READ_INPUT_TOKENS_METRIC),
            providerless_operation_duration: duration(
                meter,
                vendor::PROVIDERLESS_OPERATION_DURATION_METRIC,
                "Duration of GenAI client operations made without a GenAI provider (retrieval, memory)",
                &sc::DURATION_BUCKETS,
            ),
        });
        let latest = (conventions == Conventions::LatestExperimental).then(|| LatestInstruments {
            inference_duration: duration(meter, latest::GEN_AI_CLIENT_INFERENCE_DURATION, "Duration of GenAI inference operations", &sc::DURATION_BUCKETS),
            usage_input: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS),
            usage_output: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS),
            usage_cache_read: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS),
            usage_cache_write: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS),
            usage_reasoning: tokens_counter(meter, latest::GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS),
            operation_input_tokens: tokens_histogram(meter, latest::GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS, TOKENS_PER_OPERATION),
            operation_output_tokens: tokens_histogram(meter, latest::GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS, TOKENS_PER_OPERATION),
            agent_inference_calls: calls_histogram(
                meter,
                latest::GEN_AI_INVOKE_AGENT_INFERENCE_CALLS,
                latest::UNIT_INFERENCE_CALL,
                "Inference calls made by one agent invocation",
            ),
            agent_tool_calls: calls_histogram(meter, latest::GEN_AI_INVOKE_AGENT_TOOL_CALLS, latest::UNIT_TOOL_CALL, "Tool calls made by one agent invocation"),
        });
        Instruments {
            metrics_off: false,
            time_to_first_chunk: duration(meter, ttfc, "Time from the start of a streaming GenAI operation to its first chunk", &sc::DURATION_BUCKETS),
            time_per_output_chunk: duration(meter, tpoc, "Time between consecutive output chunks of a streaming GenAI operation", &sc::DURATION_BUCKETS),
            cost: meter
                .f64_counter(vendor::COST_METRIC)
                .with_unit(vendor::UNIT_COST)
                .with_description("Estimated cost of GenAI inference operations, in the currency of the genai_o11y.cost.currency attribute")
                .build(),
            unpriced: calls_counter(meter, vendor::UNPRICED_METRIC, "GenAI inference operations whose model is not in the pricing table"),
            usage_missing: calls_counter(meter, vendor::USAGE_MISSING_METRIC, "GenAI inference operations that reported no token usage"),
            settings,
            operation_duration: duration(meter, sc::GEN_AI_CLIENT_OPERATION_DURATION, "Duration of GenAI client operations", &sc::DURATION_BUCKETS),
            tool_duration: duration(meter, sc::GEN_AI_EXECUTE_TOOL_DURATION, "Duration of GenAI tool executions", &sc::DURATION_BUCKETS),
            agent_duration: duration(meter, sc::GEN_AI_INVOKE_AGENT_DURATION, "Duration of GenAI agent invocations", &sc::AGENT_DURATION_BUCKETS),
            workflow_duration: duration(
                meter,
                crate::semconv::workflow::GEN_AI_INVOKE_WORKFLOW_DURATION,
                "Duration of GenAI workflow invocations",
                &crate::semconv::workflow::DURATION_BUCKETS,
            ),
            mcp_client_duration: duration(
                meter,
                crate::semconv::mcp::CLIENT_OPERATION_DURATION,
                "Duration of MCP requests as the client sees them",
                &crate::semconv::mcp::DURATION_BUCKETS,
            ),
            mcp_server_duration: duration(
                meter,
                crate::semconv::mcp::SERVER_OPERATION_DURATION,
                "Duration of MCP requests as the server handles them",
                &crate::semconv::mcp::DURATION_BUCKETS,
            ),
            evaluation_score: meter
                .f64_histogram(crate::semconv::evaluation::SCORE_METRIC)
                .with_unit(crate::semconv::evaluation::UNIT_SCORE)
                .with_description("Scores of GenAI evaluations, per gen_ai.evaluation.name")
                .with_boundaries(crate::semconv::evaluation::SCORE_BUCKETS.to_vec())
                .build(),
            guardrail_decisions: meter
                .u64_counter(crate::semconv::guardrail::DECISIONS_METRIC)
                .with_unit(crate::semconv::guardrail::UNIT_DECISION)
                .with_description("Guardrail decisions, per gen_ai.guardrail.component.name and gen_ai.guardrail.result.type")
                .build(),
            http_client_duration: http_duration(meter, http::CLIENT_REQUEST_DURATION, "Duration of HTTP client requests"),
            http_server_duration: http_duration(meter, http::SERVER_REQUEST_DURATION, "Duration of HTTP server requests"),
            v1_41,
            latest,
        }
    }

    /// Records an evaluation score (with the allowed attribution metadata in force).
    pub(crate) fn record_evaluation(&self, score: f64, name: opentelemetry::StringValue, error_type: Option<opentelemetry::StringValue>) {
        let attribution = self.settings.metric_attribution.attrs(crate::attribution::current().as_deref(), crate::attribution::CallPrompt::default());
        self.evaluation_score.record(score, &crate::evaluation::score_attrs(name, error_type, &attribution));
    }

    pub(crate) fn from_provider(provider: &dyn MeterProvider, settings: Settings) -> Self {
        let mut i = Self::new(&provider.meter_with_scope(scope()), settings);
        // A provider of size zero has nowhere to keep a measurement: it is a no-op, whatever its
        // type (the API offers no other way to tell).
        i.metrics_off = std::mem::size_of_val(provider) == 0;
        i
    }
}

/// The instrumentation scope of every span and metric of this crate.
pub fn scope() -> InstrumentationScope {
    InstrumentationScope::builder(env!("CARGO_PKG_NAME")).with_version(env!("CARGO_PKG_VERSION")).build()
}

struct ThreadState {
    cached: Option<(u64, Arc<Instruments>)>,
    scoped: Vec<Arc<Instruments>>,
}

thread_local! {
    static STATE: RefCell<ThreadState> = const { RefCell::new(ThreadState { cached: None, scoped: Vec::new() }) };
}

/// The instruments for this call: the innermost [`scoped_with`] provider of this thread, else
/// the global provider's.
pub(crate) fn current() -> Arc<Instruments> {
    with_current(Arc::clone)
}

/// Runs `f` on the instruments for this call (see [`current`]), without taking a reference.
pub(crate) fn with_current<R>(f: impl FnOnce(&Arc<Instruments>) -> R) -> R {
    let generation = settings::generation();
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(top) = s.scoped.last() {
            return f(top);
        }
        if let Some((g, i)) = &s.cached {
            if *g == generation {
                return f(i);
            }
        }
        let provider = opentelemetry::global::meter_provider();
        let fresh = Arc::new(Instruments::from_provider(&*provider, Settings::global()));
        let out = f(&fresh);
        s.cached = Some((generation, fresh));
        out
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

//! Other crates' GenAI spans: cost, rollups and metrics for the `gen_ai.*` spans that frameworks
//! and clients emit themselves (rig's agent loop and provider calls, the `genai` crate's chats),
//! which no function of the application can be annotated for.
//!
//! A span is *foreign* when a crate other than this one made it: its `tracing` target is not
//! `genai_o11y` (nor a module of it) and its callsite declares `gen_ai.operation.name`. The
//! target is the one mark that is certain and free: [`ForeignLayer`] is filtered to those
//! callsites once per callsite ([`ForeignCallsites`]), so this crate's spans never reach it. At the end of each foreign span,
//! [`ForeignSpanProcessor`] adds what this crate's own spans get:
//!
//! * **cost** of an inference span (`chat`, `text_completion`, `generate_content`,
//!   `embeddings`) from its `gen_ai.usage.*` attributes, priced by the pricing table in force
//!   (`genai_o11y.cost.*` with `genai_o11y.cost.source = table` and the table's version, or
//!   `genai_o11y.cost.unpriced`); a cost the span already carries is kept;
//! * **rollups**: a foreign agent or workflow span (`invoke_agent`, `invoke_workflow`) gets the
//!   totals of the inference calls beneath it (`genai_o11y.aggregated_usage.*`,
//!   `genai_o11y.aggregated_cost.*`, `genai_o11y.agent.*_calls`), and a foreign inference call
//!   made inside one of this crate's agents, workflows or rollups adds to that scope's totals;
//! * **metrics**: `gen_ai.client.operation.duration`, the token usage and the cost counter of a
//!   foreign inference call, with the same instruments, convention mode and attribute sets as
//!   this crate's calls, unless its crate records metrics of its own
//!   ([`KNOWN_SELF_METERED`], [`ForeignSpans::self_metered`]) or foreign metrics are off
//!   ([`ForeignSpans::metrics`]).
//!
//! Each call counts once in each enclosing agent: the calls of this crate roll up through their
//! own scopes (as before), a foreign call adds to its nearest foreign agent or workflow (whose
//! totals pass up to the foreign one above it when it ends) and to the scope of this crate in
//! force when it started; a foreign agent's totals never pass into this crate's scopes (which
//! already have its calls), nor this crate's into a foreign agent.
//!
//! [`init()`](crate::setup::init) installs both halves. A pipeline wired by hand adds the layer
//! to its subscriber (after the OpenTelemetry layer) and wraps its export processor:
//!
//! ```
//! use genai_o11y::foreign::ForeignSpans;
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider};
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let foreign = ForeignSpans::new();
//! let export = BatchSpanProcessor::builder(InMemorySpanExporter::default()).build();
//! let provider = SdkTracerProvider::builder().with_span_processor(foreign.wrap(export)).build();
//! let subscriber = tracing_subscriber::registry()
//!     .with(genai_o11y::otel_layer(provider.tracer("app")))
//!     .with(foreign.layer());
//! # let _ = subscriber;
//! ```

mod layer;
mod processor;
mod read;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use opentelemetry::trace::SpanId;

pub use layer::{ForeignCallsites, ForeignLayer};
pub use processor::ForeignSpanProcessor;
use tracing_subscriber::filter::combinator::And;
use tracing_subscriber::filter::{FilterExt as _, Filtered};
use tracing_subscriber::Layer as _;

use crate::instruments::Instruments;
use crate::scope::Scope;

/// `tracing` targets (crate names, or a module path prefix) of instrumentations known to record
/// the GenAI client metrics themselves: their spans get cost and rollups, not metrics.
///
/// None so far: rig-core/rig-agent 0.44 and genai 0.7 (`otel` feature) emit spans only (checked
/// in their source: no meter, no histogram). Name more with [`ForeignSpans::self_metered`].
pub const KNOWN_SELF_METERED: &[&str] = &[];

/// How many foreign spans may be open at once (beyond, a span is exported as it is and counted
/// in [`ForeignStats::overflow`]).
const MAX_OPEN: usize = 65_536;

/// The two halves of foreign-span enrichment and the state they share: the [`ForeignLayer`]
/// notes each foreign GenAI span when it is created (where it sits among the agents), the
/// [`ForeignSpanProcessor`] enriches it when it ends. Clones share the state.
#[derive(Clone)]
pub struct ForeignSpans {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ForeignSpans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForeignSpans")
            .field("metrics", &self.shared.metrics)
            .field("self_metered", &self.shared.self_metered)
            .field("stats", &self.stats())
            .finish()
    }
}

struct Shared {
    open: Mutex<HashMap<SpanId, Entry>>,
    /// `open.len()`, read without the lock: this crate's spans only read it.
    count: AtomicUsize,
    overflow: AtomicU64,
    enriched: AtomicU64,
    metrics: bool,
    self_metered: Vec<String>,
}

/// What a foreign span's end needs to know about where it started.
struct Entry {
    /// The nearest enclosing foreign agent or workflow.
    foreign_scope: Option<Arc<Scope>>,
    /// This crate's scope in force when the span was created.
    our_scope: Option<Arc<Scope>>,
    /// The span's own scope, when it is a foreign agent or workflow.
    own_scope: Option<Arc<Scope>>,
    /// The instruments (and settings: pricing, conventions) in force when the span was created.
    instruments: Arc<Instruments>,
    /// Record metrics for it.
    metrics: bool,
    /// The attribution metadata allowed on metrics, as in force when it was created.
    attribution: crate::attribution::MetricAttrs,
}

/// What foreign-span enrichment did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ForeignStats {
    /// Foreign spans enriched when they ended.
    pub enriched: u64,
    /// Foreign spans not enriched because too many were open at once.
    pub overflow: u64,
    /// Foreign spans open now.
    pub open: usize,
}

impl Default for ForeignSpans {
    fn default() -> Self {
        Self::new()
    }
}

impl ForeignSpans {
    /// Enrichment with foreign metrics on, and [`KNOWN_SELF_METERED`].
    pub fn new() -> Self {
        Self::with(true, KNOWN_SELF_METERED.iter().map(|s| s.to_string()).collect())
    }

    fn with(metrics: bool, self_metered: Vec<String>) -> Self {
        ForeignSpans {
            shared: Arc::new(Shared {
                open: Mutex::default(),
                count: AtomicUsize::new(0),
                overflow: AtomicU64::new(0),
                enriched: AtomicU64::new(0),
                metrics,
                self_metered,
            }),
        }
    }

    /// Record the GenAI metrics of foreign inference calls (on by default). Off: they still get
    /// cost and rollups. (Set it before taking the layer and the processor.)
    pub fn metrics(self, on: bool) -> Self {
        Self::with(on, self.shared.self_metered.clone())
    }

    /// A `tracing` target (a crate name or a module path) whose spans' crate records its own
    /// GenAI metrics: its spans get no metrics from this crate, so that none is counted twice.
    pub fn self_metered(self, target: impl Into<String>) -> Self {
        let mut list = self.shared.self_metered.clone();
        list.push(target.into());
        Self::with(self.shared.metrics, list)
    }

    /// The `tracing` layer that notes foreign GenAI spans when they are created, filtered to
    /// their callsites. Add it after the OpenTelemetry layer (`.with(otel).with(foreign.layer())`),
    /// as it is: not inside an `Option` or a `Box<dyn Layer>`, which do not pass the subscriber on
    /// to it when the subscriber is built (it then enriches nothing).
    pub fn layer<S>(&self) -> Filtered<ForeignLayer, ForeignCallsites, S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        self.bare().with_filter(ForeignCallsites)
    }

    /// [`layer`](Self::layer), also filtered by `filter` (the OpenTelemetry layer's own filter:
    /// a foreign span that layer does not export is not enabled for this one either).
    pub fn layer_with<S, F>(&self, filter: F) -> Filtered<ForeignLayer, And<ForeignCallsites, F, S>, S>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
        F: tracing_subscriber::layer::Filter<S>,
    {
        self.bare().with_filter(ForeignCallsites.and(filter))
    }

    fn bare(&self) -> ForeignLayer {
        ForeignLayer { shared: self.shared.clone(), dispatch: std::sync::OnceLock::new() }
    }

    /// `inner` behind the processor that enriches foreign GenAI spans when they end.
    pub fn wrap(&self, inner: impl opentelemetry_sdk::trace::SpanProcessor + 'static) -> ForeignSpanProcessor {
        ForeignSpanProcessor { inner: Box::new(inner), shared: self.shared.clone() }
    }

    /// What enrichment did so far.
    pub fn stats(&self) -> ForeignStats {
        ForeignStats {
            enriched: self.shared.enriched.load(Ordering::Relaxed),
            overflow: self.shared.overflow.load(Ordering::Relaxed),
            open: self.shared.count.load(Ordering::Relaxed),
        }
    }
}

impl Shared {
    /// Does `target`'s crate record its own metrics?
    fn is_self_metered(&self, target: &str) -> bool {
        self.self_metered.iter().any(|c| target.strip_prefix(c.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with("::")))
    }

    fn insert(&self, id: SpanId, entry: Entry) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() >= MAX_OPEN {
            self.overflow.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if open.insert(id, entry).is_none() {
            self.count.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The entry of `id`, if it is an open foreign span (one atomic load while none is open).
    fn take(&self, id: SpanId) -> Option<Entry> {
        if self.count.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let entry = self.open.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        if entry.is_some() {
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
        entry
    }
}

/// Is `target` this crate's (`genai_o11y` or a module of it)?
fn is_ours(target: &str) -> bool {
    const T: &str = crate::semconv::tracing_names::TARGET;
    target.starts_with(T) && (target.len() == T.len() || target[T.len()..].starts_with("::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_targets_are_this_crate_and_its_modules_only() {
        for t in ["genai_o11y", "genai_o11y::mcp"] {
            assert!(is_ours(t), "{t}");
        }
        for t in ["genai_o11y_tests", "rig::completions", "genai::otel::span", "genai"] {
            assert!(!is_ours(t), "{t}");
        }
    }

    #[test]
    fn self_metered_matches_a_crate_or_module_prefix() {
        let f = ForeignSpans::new().self_metered("my_client").self_metered("rig::completions");
        assert!(f.shared.is_self_metered("my_client"));
        assert!(f.shared.is_self_metered("my_client::chat"));
        assert!(f.shared.is_self_metered("rig::completions"));
        assert!(!f.shared.is_self_metered("my_client2"));
        assert!(!f.shared.is_self_metered("rig::agent"));
        assert!(f.shared.metrics);
        assert!(!f.metrics(false).shared.metrics);
    }
}

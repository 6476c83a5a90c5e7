//! Scopes: the agent (or user-requested rollup) whose body is running, with the totals of the
//! inference calls made beneath it.
//!
//! `gen_ai.usage.*` lives only on inference spans. An agent span (and a [`Rollup`] span) gets the
//! totals of the calls beneath it under `genai_o11y.aggregated_usage.*`, a separate namespace, so
//! a backend that sums `gen_ai.usage.*` over a trace never counts a token twice. Totals are
//! atomic: parallel chats and tools (`join_all`, `tokio::spawn` through [`crate::task`]) add to
//! the same scope safely. A nested scope adds its totals to its parent when it ends.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use opentelemetry::{KeyValue, StringValue};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::semconv::vendor;
use crate::thread_slot::{self, Slot, SlotGuard};
use crate::usage::Usage;

/// What kind of scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Agent,
    /// A workflow: totals like an agent's, without the agent's own call counts.
    Workflow,
    Rollup,
}

const INPUT: u8 = 1;
const OUTPUT: u8 = 2;
const CACHE_READ: u8 = 4;
const CACHE_WRITE: u8 = 8;
const REASONING: u8 = 16;

/// Running totals of one scope.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    input: AtomicU64,
    output: AtomicU64,
    cache_read: AtomicU64,
    cache_write: AtomicU64,
    reasoning: AtomicU64,
    /// Which counts were ever reported (never emit a silent zero).
    reported: AtomicU8,
    /// This scope's own calls (not those of nested scopes).
    pub inference_calls: AtomicU64,
    pub tool_calls: AtomicU64,
    /// Cost in billionths of the currency unit.
    cost_nanos: AtomicU64,
    cost_currency: Mutex<CostCurrency>,
}

#[derive(Debug, Default)]
enum CostCurrency {
    #[default]
    None,
    One(String),
    Mixed,
}

impl Totals {
    pub(crate) fn add_usage(&self, u: &Usage) {
        let add = |flag: u8, counter: &AtomicU64, v: Option<u64>| {
            if let Some(v) = v {
                counter.fetch_add(v, Ordering::Relaxed);
                self.reported.fetch_or(flag, Ordering::Relaxed);
            }
        };
        add(INPUT, &self.input, u.spec_input_tokens());
        add(OUTPUT, &self.output, u.output_tokens);
        add(CACHE_READ, &self.cache_read, u.cache_read_input_tokens);
        add(CACHE_WRITE, &self.cache_write, u.cache_write_input_tokens);
        add(REASONING, &self.reasoning, u.reasoning_output_tokens);
    }

    pub(crate) fn add_cost(&self, amount: f64, currency: &str) {
        if !(amount.is_finite() && amount >= 0.0) {
            return;
        }
        let mut c = self.cost_currency.lock().unwrap_or_else(|p| p.into_inner());
        match &*c {
            CostCurrency::None => *c = CostCurrency::One(currency.to_owned()),
            CostCurrency::One(existing) if existing == currency => {}
            CostCurrency::One(_) => *c = CostCurrency::Mixed,
            CostCurrency::Mixed => {}
        }
        drop(c);
        self.cost_nanos.fetch_add((amount * 1e9).round() as u64, Ordering::Relaxed);
    }

    /// The totals as a `Usage` (only the counts that were reported).
    pub(crate) fn usage(&self) -> Usage {
        let r = self.reported.load(Ordering::Relaxed);
        let get = |flag: u8, c: &AtomicU64| (r & flag != 0).then(|| c.load(Ordering::Relaxed));
        Usage {
            input_tokens: get(INPUT, &self.input),
            output_tokens: get(OUTPUT, &self.output),
            cache_read_input_tokens: get(CACHE_READ, &self.cache_read),
            cache_write_input_tokens: get(CACHE_WRITE, &self.cache_write),
            reasoning_output_tokens: get(REASONING, &self.reasoning),
            ..Usage::new()
        }
    }

    /// Total cost and its currency; `None` when nothing was priced or currencies were mixed.
    pub(crate) fn cost(&self) -> Option<(f64, String)> {
        match &*self.cost_currency.lock().unwrap_or_else(|p| p.into_inner()) {
            CostCurrency::One(c) => Some((self.cost_nanos.load(Ordering::Relaxed) as f64 / 1e9, c.clone())),
            _ => None,
        }
    }

    /// Adds another scope's token and cost totals (not its call counts) to these.
    fn absorb(&self, other: &Totals) {
        self.add_usage(&other.usage());
        if let Some((amount, currency)) = other.cost() {
            self.add_cost(amount, &currency);
        }
    }

    /// The span attributes of these totals.
    pub(crate) fn attributes(&self, kind: ScopeKind) -> Vec<KeyValue> {
        let mut attrs = Vec::with_capacity(9);
        let u = self.usage();
        let mut put = |k: &'static str, v: Option<u64>| {
            if let Some(v) = v {
                attrs.push(KeyValue::new(k, i64::try_from(v).unwrap_or(i64::MAX)));
            }
        };
        put(vendor::AGGREGATED_INPUT_TOKENS, u.input_tokens);
        put(vendor::AGGREGATED_OUTPUT_TOKENS, u.output_tokens);
        put(vendor::AGGREGATED_CACHE_READ_INPUT_TOKENS, u.cache_read_input_tokens);
        put(vendor::AGGREGATED_CACHE_WRITE_INPUT_TOKENS, u.cache_write_input_tokens);
        put(vendor::AGGREGATED_REASONING_OUTPUT_TOKENS, u.reasoning_output_tokens);
        if kind == ScopeKind::Agent {
            put(vendor::AGENT_INFERENCE_CALLS, Some(self.inference_calls.load(Ordering::Relaxed)));
            put(vendor::AGENT_TOOL_CALLS, Some(self.tool_calls.load(Ordering::Relaxed)));
        }
        if let Some((amount, currency)) = self.cost() {
            attrs.push(KeyValue::new(vendor::AGGREGATED_COST_AMOUNT, amount));
            attrs.push(KeyValue::new(vendor::AGGREGATED_COST_CURRENCY, currency));
        }
        attrs
    }
}

/// An agent or rollup scope.
#[derive(Debug)]
pub(crate) struct Scope {
    pub kind: ScopeKind,
    pub name: Option<StringValue>,
    pub parent: Option<Arc<Scope>>,
    pub totals: Totals,
}

impl Scope {
    pub(crate) fn new(kind: ScopeKind, name: Option<StringValue>, parent: Option<Arc<Scope>>) -> Arc<Scope> {
        Arc::new(Scope { kind, name, parent, totals: Totals::default() })
    }

    /// The nearest agent: this scope or an ancestor.
    pub(crate) fn agent(self: &Arc<Self>) -> Option<&Arc<Scope>> {
        let mut s = Some(self);
        while let Some(scope) = s {
            if scope.kind == ScopeKind::Agent {
                return Some(scope);
            }
            s = scope.parent.as_ref();
        }
        None
    }

    /// The scope ended: pass its totals up.
    pub(crate) fn close(&self) {
        if let Some(parent) = &self.parent {
            parent.totals.absorb(&self.totals);
        }
    }
}

thread_local! {
    static CURRENT: Slot<Scope> = const { RefCell::new(None) };
}

/// The scope whose body is running on this thread.
pub(crate) fn current() -> Option<Arc<Scope>> {
    thread_slot::get(&CURRENT)
}

/// Makes `scope` current until dropped (a no-op for `None`).
pub(crate) struct ScopeGuard {
    _slot: SlotGuard<Scope>,
}

impl ScopeGuard {
    pub(crate) fn enter(scope: Option<&Arc<Scope>>) -> ScopeGuard {
        ScopeGuard { _slot: SlotGuard::enter(&CURRENT, scope) }
    }
}

/// The name of the agent whose body is running on this thread, if any.
pub fn current_agent_name() -> Option<String> {
    current().and_then(|s| s.agent().and_then(|a| a.name.as_ref().map(|n| n.as_str().to_owned())))
}

/// Totals of the inference calls beneath any span you choose (a request handler, a workflow step),
/// recorded on that span as `genai_o11y.aggregated_usage.*` when the work ends.
///
/// ```
/// # async fn handle() {}
/// # async fn demo() {
/// use tracing::Instrument;
/// let span = tracing::info_span!("handle_request");
/// genai_o11y::Rollup::new(span.clone()).instrument(handle()).instrument(span).await;
/// # }
/// ```
pub struct Rollup {
    span: tracing::Span,
    scope: Arc<Scope>,
    done: bool,
}

impl Rollup {
    /// Totals for `span`.
    pub fn new(span: tracing::Span) -> Self {
        Rollup { span, scope: Scope::new(ScopeKind::Rollup, None, current()), done: false }
    }

    /// Runs `f` inside the scope and records the totals.
    pub fn in_scope<R>(mut self, f: impl FnOnce() -> R) -> R {
        let out = {
            let _g = ScopeGuard::enter(Some(&self.scope));
            f()
        };
        self.finish();
        out
    }

    /// Wraps a future: its inference calls are totalled; the totals are recorded when it
    /// completes or is dropped.
    pub fn instrument<F: Future>(self, fut: F) -> RollupFuture<F> {
        RollupFuture { inner: fut, rollup: Some(self) }
    }

    fn finish(&mut self) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        self.scope.close();
        let attrs = self.scope.totals.attributes(ScopeKind::Rollup);
        for kv in attrs {
            self.span.set_attribute(kv.key, kv.value);
        }
    }
}

impl Drop for Rollup {
    fn drop(&mut self) {
        self.finish();
    }
}

pin_project_lite::pin_project! {
    /// A future wrapped by [`Rollup::instrument`].
    pub struct RollupFuture<F> {
        #[pin]
        inner: F,
        rollup: Option<Rollup>,
    }
}

impl<F: Future> Future for RollupFuture<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let polled = {
            let _g = ScopeGuard::enter(this.rollup.as_ref().map(|r| &r.scope));
            this.inner.poll(cx)
        };
        if polled.is_ready() {
            if let Some(mut r) = this.rollup.take() {
                r.finish();
            }
        }
        polled
    }
}

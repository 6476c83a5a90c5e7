//! [`OutcomeSampler`]: see [the module documentation](super).

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::config::{InvalidSampling, OutcomeSampling};
use super::decide::{sampled, threshold, Findings};
use super::stats::{Counters, Early, Reason, SamplingStatsHandle};
use crate::trace_root::IdHasher;

type Map<V> = HashMap<TraceId, V, BuildHasherDefault<IdHasher>>;

/// The spans of one trace, held until its local roots have ended.
struct Held {
    /// Local roots started and not ended (several requests of one trace can reach a service).
    open_roots: u32,
    since: Instant,
    spans: Vec<SpanData>,
    findings: Findings,
}

#[derive(Default)]
struct State {
    held: Map<Held>,
    /// When each trace began to be held, oldest first (entries of decided traces are skipped).
    order: VecDeque<(Instant, TraceId)>,
    /// Recent decisions, for the spans that end after their trace was decided.
    decided: Map<bool>,
    decided_order: VecDeque<TraceId>,
}

struct Shared {
    inner: Box<dyn SpanProcessor>,
    cfg: OutcomeSampling,
    threshold: u64,
    state: Mutex<State>,
    counters: Arc<Counters>,
    stop: Mutex<bool>,
    wake: Condvar,
}

/// Holds each trace's spans until its local root ends, then passes the whole local trace on to
/// the processor it wraps when it went wrong, or by the ratio (see [the module
/// documentation](super)). Wrap the export processor with it.
pub struct OutcomeSampler {
    shared: Arc<Shared>,
    sweeper: Once,
}

impl std::fmt::Debug for OutcomeSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeSampler").field("cfg", &self.shared.cfg).field("stats", &self.stats().get()).finish()
    }
}

impl OutcomeSampler {
    /// Outcome sampling in front of `inner` (the export processor).
    pub fn wrap(cfg: OutcomeSampling, inner: impl SpanProcessor + 'static) -> Result<Self, InvalidSampling> {
        cfg.validate()?;
        Ok(Self::checked(cfg, inner))
    }

    /// [`wrap`](Self::wrap) with settings already validated.
    pub(crate) fn checked(cfg: OutcomeSampling, inner: impl SpanProcessor + 'static) -> Self {
        let shared = Shared {
            inner: Box::new(inner),
            threshold: threshold(cfg.ratio),
            cfg,
            state: Mutex::default(),
            counters: Arc::default(),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        };
        OutcomeSampler { shared: Arc::new(shared), sweeper: Once::new() }
    }

    /// Its counters, live (take the handle before handing the processor to the provider).
    pub fn stats(&self) -> SamplingStatsHandle {
        SamplingStatsHandle(self.shared.counters.clone())
    }

    /// Decides, on a thread of its own, the traces held longer than `max_age` when no span of
    /// theirs ends (started on the first trace held).
    fn start_sweeper(&self) {
        self.sweeper.call_once(|| {
            let weak = Arc::downgrade(&self.shared);
            let tick = (self.shared.cfg.max_age / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
            let _ = std::thread::Builder::new().name("genai-o11y-sampling".into()).spawn(move || loop {
                let Some(shared) = weak.upgrade() else { return };
                let stopped = {
                    let stop = shared.stop.lock().unwrap_or_else(|p| p.into_inner());
                    let (stop, _) = shared.wake.wait_timeout(stop, tick).unwrap_or_else(|p| p.into_inner());
                    *stop
                };
                if stopped {
                    return;
                }
                shared.sweep(Instant::now());
            });
        });
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides `held` (early, when `early` says why): the spans to pass on, if kept.
    fn decide(&self, st: &mut State, trace: TraceId, held: Held, early: Option<Early>) -> Vec<SpanData> {
        let reason = held.findings.reason(&self.cfg).or_else(|| sampled(trace, self.threshold).then_some(Reason::Sampled));
        self.counters.decided(reason, held.spans.len());
        if let Some(e) = early {
            self.counters.early(e);
        }
        self.remember(st, trace, reason.is_some());
        if reason.is_some() {
            held.spans
        } else {
            Vec::new()
        }
    }

    fn remember(&self, st: &mut State, trace: TraceId, kept: bool) {
        if st.decided.insert(trace, kept).is_none() {
            st.decided_order.push_back(trace);
            while st.decided_order.len() > self.cfg.max_traces {
                if let Some(old) = st.decided_order.pop_front() {
                    st.decided.remove(&old);
                }
            }
        }
    }

    /// Decides the traces held since before `now - max_age`.
    fn sweep(&self, now: Instant) {
        let mut out = Vec::new();
        {
            let mut st = self.lock();
            while let Some(&(since, trace)) = st.order.front() {
                if now.saturating_duration_since(since) < self.cfg.max_age {
                    break;
                }
                st.order.pop_front();
                if st.held.get(&trace).is_some_and(|h| h.since == since) {
                    let held = st.held.remove(&trace).expect("found above");
                    out.extend(self.decide(&mut st, trace, held, Some(Early::Age)));
                }
            }
            self.counters.set_held(st.held.len());
        }
        self.pass_on(out);
    }

    /// Decides every trace held (at shutdown).
    fn decide_all(&self) {
        let mut out = Vec::new();
        {
            let mut st = self.lock();
            let held: Vec<(TraceId, Held)> = st.held.drain().collect();
            st.order.clear();
            for (trace, h) in held {
                out.extend(self.decide(&mut st, trace, h, Some(Early::Shutdown)));
            }
            self.counters.set_held(0);
        }
        self.pass_on(out);
    }

    fn pass_on(&self, spans: Vec<SpanData>) {
        for s in spans {
            self.inner.on_end(s);
        }
    }
}

impl SpanProcessor for OutcomeSampler {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        use opentelemetry::trace::Span as _;
        let local_root = !cx.has_active_span() || cx.span().span_context().is_remote();
        if local_root && span.is_recording() {
            let shared = &*self.shared;
            let trace = span.span_context().trace_id();
            let mut out = Vec::new();
            let new = {
                let mut st = shared.lock();
                match st.held.get_mut(&trace) {
                    Some(h) => {
                        h.open_roots += 1;
                        false
                    }
                    None => {
                        // At the bound, the oldest trace held is decided now, on what it showed.
                        while st.held.len() >= shared.cfg.max_traces {
                            let Some((since, old)) = st.order.pop_front() else { break };
                            if st.held.get(&old).is_some_and(|h| h.since == since) {
                                let held = st.held.remove(&old).expect("found above");
                                out.extend(shared.decide(&mut st, old, held, Some(Early::TracesBound)));
                            }
                        }
                        let since = Instant::now();
                        st.held.insert(trace, Held { open_roots: 1, since, spans: Vec::new(), findings: Findings::default() });
                        st.order.push_back((since, trace));
                        // Entries of traces decided at their root's end stay until swept: keep
                        // them bounded.
                        if st.order.len() > 2 * shared.cfg.max_traces {
                            let State { held, order, .. } = &mut *st;
                            order.retain(|(since, t)| held.get(t).is_some_and(|h| h.since == *since));
                        }
                        shared.counters.set_held(st.held.len());
                        true
                    }
                }
            };
            shared.pass_on(out);
            if new {
                self.start_sweeper();
            }
        }
        self.shared.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        let shared = &*self.shared;
        let trace = span.span_context.trace_id();
        let local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
        let out = {
            let mut st = shared.lock();
            match st.held.get_mut(&trace) {
                Some(h) => {
                    h.findings.add(&span, &shared.cfg);
                    if local_root {
                        h.open_roots = h.open_roots.saturating_sub(1);
                    }
                    h.spans.push(span);
                    let done = local_root && h.open_roots == 0;
                    if done || h.spans.len() >= shared.cfg.max_spans_per_trace {
                        let held = st.held.remove(&trace).expect("found above");
                        let out = shared.decide(&mut st, trace, held, (!done).then_some(Early::SpansBound));
                        shared.counters.set_held(st.held.len());
                        out
                    } else {
                        Vec::new()
                    }
                }
                None => match st.decided.get(&trace).copied() {
                    // Its trace was decided: it follows.
                    Some(kept) => {
                        shared.counters.followed(kept);
                        if kept {
                            vec![span]
                        } else {
                            Vec::new()
                        }
                    }
                    // A span of a trace not held here (nor remembered): judged alone.
                    None => {
                        let mut findings = Findings::default();
                        findings.add(&span, &shared.cfg);
                        let held = Held { open_roots: 0, since: Instant::now(), spans: vec![span], findings };
                        shared.decide(&mut st, trace, held, None)
                    }
                },
            }
        };
        shared.pass_on(out);
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Only what is overdue: a trace still running is not cut by a flush.
        self.shared.sweep(Instant::now());
        self.shared.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        *self.shared.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.shared.wake.notify_all();
        self.shared.decide_all();
        self.shared.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        // Called while the provider is built, before any span (and so before the sweeper).
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.inner.set_resource(resource);
        }
    }
}

impl Drop for OutcomeSampler {
    fn drop(&mut self) {
        *self.shared.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.shared.wake.notify_all();
    }
}

//! What outcome sampling did: traces kept by reason, dropped, decided early.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Why a trace was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reason {
    Error,
    GuardBlocked,
    LowScore,
    Slow,
    Costly,
    Sampled,
}

/// Why a trace was decided before its local root ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Early {
    /// [`max_traces`](super::OutcomeSampling::max_traces) held already: the oldest is decided.
    TracesBound,
    /// [`max_spans_per_trace`](super::OutcomeSampling::max_spans_per_trace) spans held for it.
    SpansBound,
    /// Older than [`max_age`](super::OutcomeSampling::max_age).
    Age,
    /// The pipeline shut down.
    Shutdown,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    kept: [AtomicU64; 6],
    dropped: AtomicU64,
    early: [AtomicU64; 4],
    spans_kept: AtomicU64,
    spans_dropped: AtomicU64,
    held: AtomicU64,
}

impl Counters {
    pub(super) fn decided(&self, reason: Option<Reason>, spans: usize) {
        match reason {
            Some(r) => {
                self.kept[r as usize].fetch_add(1, Ordering::Relaxed);
                self.spans_kept.fetch_add(spans as u64, Ordering::Relaxed);
            }
            None => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                self.spans_dropped.fetch_add(spans as u64, Ordering::Relaxed);
            }
        }
    }
    pub(super) fn early(&self, why: Early) {
        self.early[why as usize].fetch_add(1, Ordering::Relaxed);
    }
    /// A span that followed its trace's earlier decision.
    pub(super) fn followed(&self, kept: bool) {
        let c = if kept { &self.spans_kept } else { &self.spans_dropped };
        c.fetch_add(1, Ordering::Relaxed);
    }
    pub(super) fn set_held(&self, n: usize) {
        self.held.store(n as u64, Ordering::Relaxed);
    }
}

/// A snapshot of what outcome sampling did (traces, except where it says spans).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SamplingStats {
    /// Kept: a span was an error (error status or `error.type`, cancelled and panic included).
    pub kept_error: u64,
    /// Kept: a guard blocked.
    pub kept_guard_blocked: u64,
    /// Kept: an evaluation scored below the threshold.
    pub kept_low_score: u64,
    /// Kept: a span took longer than the threshold.
    pub kept_slow: u64,
    /// Kept: the calls cost more than the threshold.
    pub kept_costly: u64,
    /// Kept by the ratio.
    pub kept_sampled: u64,
    /// Not kept.
    pub dropped: u64,
    /// Decided early because `max_traces` were held (the oldest one).
    pub decided_early_traces_bound: u64,
    /// Decided early because the trace had `max_spans_per_trace` spans held.
    pub decided_early_spans_bound: u64,
    /// Decided early because the trace was older than `max_age`.
    pub decided_early_age: u64,
    /// Decided at shutdown, its root not ended.
    pub decided_at_shutdown: u64,
    /// Spans passed on to the exporter.
    pub spans_kept: u64,
    /// Spans not exported.
    pub spans_dropped: u64,
    /// Traces held now, waiting for their root.
    pub traces_held: u64,
}

impl SamplingStats {
    /// Every trace kept, whatever the reason.
    pub fn kept(&self) -> u64 {
        self.kept_error + self.kept_guard_blocked + self.kept_low_score + self.kept_slow + self.kept_costly + self.kept_sampled
    }
}

/// A live view of an [`OutcomeSampler`](super::OutcomeSampler)'s counters (it outlives the
/// processor, which the tracer provider owns).
#[derive(Clone, Debug, Default)]
pub struct SamplingStatsHandle(pub(super) Arc<Counters>);

impl SamplingStatsHandle {
    /// The counters now.
    pub fn get(&self) -> SamplingStats {
        let c = &self.0;
        let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
        SamplingStats {
            kept_error: n(&c.kept[Reason::Error as usize]),
            kept_guard_blocked: n(&c.kept[Reason::GuardBlocked as usize]),
            kept_low_score: n(&c.kept[Reason::LowScore as usize]),
            kept_slow: n(&c.kept[Reason::Slow as usize]),
            kept_costly: n(&c.kept[Reason::Costly as usize]),
            kept_sampled: n(&c.kept[Reason::Sampled as usize]),
            dropped: n(&c.dropped),
            decided_early_traces_bound: n(&c.early[Early::TracesBound as usize]),
            decided_early_spans_bound: n(&c.early[Early::SpansBound as usize]),
            decided_early_age: n(&c.early[Early::Age as usize]),
            decided_at_shutdown: n(&c.early[Early::Shutdown as usize]),
            spans_kept: n(&c.spans_kept),
            spans_dropped: n(&c.spans_dropped),
            traces_held: n(&c.held),
        }
    }
}

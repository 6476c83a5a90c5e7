//! Counting what is lost: every ended span, every export and every failure, for the shutdown
//! report and for tests.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::redact::Secrets;

#[derive(Debug, Default)]
pub(super) struct StatsInner {
    ended: AtomicU64,
    exported: AtomicU64,
    failed: AtomicU64,
    /// Spans shortened to fit the OTLP export limit (`size_guard`).
    pub(super) trimmed: AtomicU64,
    /// Spans too large for the OTLP export limit even shortened: dropped.
    pub(super) dropped_oversized: AtomicU64,
    /// Batches split to fit the OTLP export limit.
    pub(super) batches_split: AtomicU64,
    warned: AtomicBool,
    warned_oversized: AtomicBool,
    /// The pipeline's own subscriber: warnings from the exporter's thread go through it (that
    /// thread has no subscriber of its own when the pipeline is installed for one thread).
    pub(super) dispatch: OnceLock<tracing::dispatcher::WeakDispatch>,
    /// Header values and URL secrets, kept out of the export-failure warning.
    secrets: Secrets,
    /// Outcome sampling's counters, when it is on.
    pub(super) sampling: OnceLock<crate::sampling::SamplingStatsHandle>,
}

impl StatsInner {
    pub(super) fn new(secrets: Secrets) -> Self {
        StatsInner { secrets, ..Default::default() }
    }

    /// Warns, once, that a span was dropped for its size.
    pub(super) fn warn_once_oversized(&self, name: &str, size: usize, budget: usize) {
        if !self.warned_oversized.swap(true, Ordering::Relaxed) {
            self.warn(|| {
                tracing::warn!(
                    target: "genai_o11y",
                    "span {name:?} dropped: about {size} bytes even shortened, over the {budget} an OTLP export may carry (Setup::otlp_max_export_bytes); further ones are counted and reported at shutdown"
                )
            });
        }
    }

    /// Runs `f` (which logs) in the pipeline's subscriber.
    pub(super) fn warn(&self, f: impl FnOnce()) {
        match self.dispatch.get().and_then(|d| d.upgrade()) {
            Some(d) => tracing::dispatcher::with_default(&d, f),
            None => f(),
        }
    }
}

/// What the pipeline did with the spans: for the drop report, and for tests.
#[derive(Clone, Default)]
pub struct Stats(pub(super) Arc<StatsInner>);

impl Stats {
    /// Spans that ended (and were sampled).
    pub fn spans_ended(&self) -> u64 {
        self.0.ended.load(Ordering::Relaxed)
    }
    /// Spans the exporter accepted.
    pub fn spans_exported(&self) -> u64 {
        self.0.exported.load(Ordering::Relaxed)
    }
    /// Spans whose export failed (the collector was down, slow or answered an error).
    pub fn spans_failed(&self) -> u64 {
        self.0.failed.load(Ordering::Relaxed)
    }
    /// Spans neither exported, failed nor dropped for their size: dropped by the full queue, or
    /// still queued.
    pub fn spans_unaccounted(&self) -> u64 {
        self.spans_ended().saturating_sub(self.spans_exported() + self.spans_failed() + self.spans_dropped_oversized())
    }
    /// Spans shortened (their longest values) to fit the OTLP export limit, then exported.
    pub fn spans_trimmed(&self) -> u64 {
        self.0.trimmed.load(Ordering::Relaxed)
    }
    /// Spans dropped because even shortened they were over the OTLP export limit.
    pub fn spans_dropped_oversized(&self) -> u64 {
        self.0.dropped_oversized.load(Ordering::Relaxed)
    }
    /// Batches split into several exports to stay under the OTLP export limit.
    pub fn batches_split(&self) -> u64 {
        self.0.batches_split.load(Ordering::Relaxed)
    }
    /// What outcome sampling kept, dropped and decided early, when it is on
    /// ([`Setup::outcome_sampling`](super::Setup::outcome_sampling)). The span counters above
    /// count only the spans it kept.
    pub fn sampling(&self) -> Option<crate::sampling::SamplingStats> {
        self.0.sampling.get().map(|h| h.get())
    }
}

/// `Stats { spans_ended: 3, spans_exported: 2, spans_failed: 0, spans_unaccounted: 1, ... }`.
impl fmt::Debug for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stats")
            .field("spans_ended", &self.spans_ended())
            .field("spans_exported", &self.spans_exported())
            .field("spans_failed", &self.spans_failed())
            .field("spans_unaccounted", &self.spans_unaccounted())
            .field("spans_trimmed", &self.spans_trimmed())
            .field("spans_dropped_oversized", &self.spans_dropped_oversized())
            .field("batches_split", &self.batches_split())
            .finish()
    }
}

/// Counts exports and failures; warns once, on the first failure.
#[derive(Debug)]
pub(super) struct Counted<E> {
    inner: E,
    stats: Arc<StatsInner>,
}

impl<E> Counted<E> {
    pub(super) fn new(inner: E, stats: Arc<StatsInner>) -> Self {
        Counted { inner, stats }
    }
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        let r = self.inner.export(batch).await;
        match &r {
            Ok(()) => self.stats.exported.fetch_add(n, Ordering::Relaxed),
            Err(e) => {
                if !self.stats.warned.swap(true, Ordering::Relaxed) {
                    // The error may quote the URL (with its query) or a header.
                    let e = self.stats.secrets.scrub(&e.to_string());
                    self.stats.warn(|| {
                        tracing::warn!(
                            target: "genai_o11y",
                            "telemetry export failed ({e}); the application is unaffected, further failures are counted and reported at shutdown"
                        )
                    });
                }
                self.stats.failed.fetch_add(n, Ordering::Relaxed)
            }
        };
        r
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

/// Counts ended spans in front of the batch processor.
#[derive(Debug)]
pub(super) struct CountingProcessor<P> {
    inner: P,
    stats: Arc<StatsInner>,
}

impl<P> CountingProcessor<P> {
    pub(super) fn new(inner: P, stats: Arc<StatsInner>) -> Self {
        CountingProcessor { inner, stats }
    }
}

impl<P: SpanProcessor> SpanProcessor for CountingProcessor<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx)
    }
    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.stats.ended.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.on_end(span)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_counters_only() {
        let s = Stats::default();
        s.0.ended.store(3, Ordering::Relaxed);
        s.0.exported.store(2, Ordering::Relaxed);
        assert_eq!(
            format!("{s:?}"),
            "Stats { spans_ended: 3, spans_exported: 2, spans_failed: 0, spans_unaccounted: 1, spans_trimmed: 0, spans_dropped_oversized: 0, batches_split: 0 }"
        );
    }
}

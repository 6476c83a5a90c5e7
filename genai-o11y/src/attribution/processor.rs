//! [`AttributionProcessor`]: the SDK span processor that writes the attribution in force on
//! every span when it starts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::current::{current, Applied};

/// How many live attributed spans are remembered for their children to inherit from.
const MAX_LIVE: usize = 65_536;

/// Writes `session.id`, `user.id`, tags and metadata of the [`Attribution`](super::Attribution)
/// in force on every span when it starts, or, when none is in force on that thread, those of its
/// parent span (a live span of this process).
///
/// At the end of each span it also tidies this crate's span events (see `span_events.rs`:
/// tracing-opentelemetry's `level` and `target` removed from the conventions' events, this
/// crate's log lines kept off the spans).
///
/// [`init()`](crate::setup::init) installs it. A pipeline wired by hand wraps its export
/// processor with it, so the span data is not copied once more at the end of every span (the SDK
/// copies it for each processor):
///
/// ```
/// use genai_o11y::attribution::AttributionProcessor;
/// use opentelemetry_sdk::trace::{BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider};
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(AttributionProcessor::wrap(BatchSpanProcessor::builder(exporter).build()))
///     .build();
/// # let _ = provider;
/// ```
///
/// [`AttributionProcessor::new`] works alone too, beside other processors.
#[derive(Debug)]
pub struct AttributionProcessor {
    inner: Option<Box<dyn SpanProcessor>>,
    live: Mutex<HashMap<SpanId, Arc<Applied>>>,
    live_count: AtomicUsize,
}

impl Default for AttributionProcessor {
    fn default() -> Self {
        Self::new()
    }
}

impl AttributionProcessor {
    /// A processor of its own (add it before the export processor).
    pub fn new() -> Self {
        AttributionProcessor { inner: None, live: Mutex::default(), live_count: AtomicUsize::new(0) }
    }

    /// Attribution first, then everything `inner` does.
    pub fn wrap(inner: impl SpanProcessor + 'static) -> Self {
        AttributionProcessor { inner: Some(Box::new(inner)), ..Self::new() }
    }

    fn inherited(&self, parent: &Context) -> Option<Arc<Applied>> {
        if self.live_count.load(Ordering::Relaxed) == 0 || !parent.has_active_span() {
            return None;
        }
        let parent = parent.span();
        // A remote parent is another process's span (even when, in a test, it lives here too):
        // attribution crosses processes only as baggage.
        if parent.span_context().is_remote() {
            return None;
        }
        let id = parent.span_context().span_id();
        self.live.lock().unwrap_or_else(|p| p.into_inner()).get(&id).cloned()
    }

    fn remember(&self, id: SpanId, applied: Arc<Applied>) {
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        if live.len() < MAX_LIVE && live.insert(id, applied).is_none() {
            self.live_count.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn forget(&self, id: SpanId) {
        if self.live_count.load(Ordering::Relaxed) == 0 {
            return;
        }
        if self.live.lock().unwrap_or_else(|p| p.into_inner()).remove(&id).is_some() {
            self.live_count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl SpanProcessor for AttributionProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        if let Some(applied) = current().or_else(|| self.inherited(cx)) {
            use opentelemetry::trace::Span as _;
            for kv in &applied.span_attrs {
                span.set_attribute(kv.clone());
            }
            if span.is_recording() {
                self.remember(span.span_context().span_id(), applied);
            }
        }
        if let Some(inner) = &self.inner {
            inner.on_start(span, cx);
        }
    }

    fn on_end(&self, mut span: SpanData) {
        self.forget(span.span_context.span_id());
        // The outermost step of every pipeline: this crate's events lose the `level` and
        // `target` attributes `tracing-opentelemetry` adds (no convention defines them).
        crate::span_events::tidy(&mut span);
        if let Some(inner) = &self.inner {
            inner.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.as_ref().map_or(Ok(()), |i| i.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.as_ref().map_or(Ok(()), |i| i.shutdown_with_timeout(timeout))
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Some(inner) = &mut self.inner {
            inner.set_resource(resource);
        }
    }
}

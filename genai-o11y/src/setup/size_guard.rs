//! Keeping each OTLP span export under what the receiver accepts.
//!
//! A gRPC receiver refuses a message over 4 MiB by default (an OpenTelemetry Collector among
//! them), and an HTTP receiver has a body limit of its own: a batch over it is refused whole,
//! every span of it lost. With content capture, one span can carry megabytes (a long
//! conversation, a document). [`SizeGuard`] sits in front of the OTLP exporter: a batch larger
//! than the limit is split into exports under it; a span larger than the limit on its own has its
//! longest string values shortened (JSON content kept valid, the span marked
//! `genai_o11y.content.truncated`) and, when that is not enough, is dropped; both counted in
//! [`Stats`](super::Stats). Sizes are the protobuf encoding's, estimated from the span's data
//! (no encoding pass), with room left for the request's resource, scope and framing.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

use super::stats::StatsInner;
use crate::semconv::vendor;

/// `GENAI_O11Y_OTLP_MAX_EXPORT_BYTES`: the most bytes one OTLP span export may carry.
pub const MAX_EXPORT_BYTES_ENV: &str = "GENAI_O11Y_OTLP_MAX_EXPORT_BYTES";
/// The default: gRPC's default receive limit, 4 MiB.
pub const DEFAULT_MAX_EXPORT_BYTES: usize = 4 * 1024 * 1024;
/// The least accepted.
pub const MIN_EXPORT_BYTES: usize = 64 * 1024;
/// Room for the request's framing and scope, besides the resource.
const FRAMING: usize = 4 * 1024;
/// What a shortened value ends with.
const MARK: &str = "…[truncated]";

/// Splits and trims span batches to fit `limit` bytes (see the module docs).
#[derive(Debug)]
pub(super) struct SizeGuard<E> {
    inner: E,
    limit: usize,
    resource: usize,
    stats: Arc<StatsInner>,
}

impl<E> SizeGuard<E> {
    pub(super) fn new(inner: E, limit: usize, stats: Arc<StatsInner>) -> Self {
        SizeGuard { inner, limit, resource: 0, stats }
    }

    /// What the spans of one export may take.
    fn budget(&self) -> usize {
        self.limit.saturating_sub(FRAMING + self.resource).max(self.limit / 2)
    }
}

impl<E: SpanExporter> SpanExporter for SizeGuard<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let budget = self.budget();
        let mut exports: Vec<Vec<SpanData>> = Vec::new();
        let (mut current, mut used) = (Vec::new(), 0usize);
        for mut span in batch {
            let mut size = span_size(&span);
            if size > budget {
                shorten(&mut span, size - budget);
                size = span_size(&span);
                if size > budget {
                    self.stats.dropped_oversized.fetch_add(1, Ordering::Relaxed);
                    self.stats.warn_once_oversized(&span.name, size, budget);
                    continue;
                }
                self.stats.trimmed.fetch_add(1, Ordering::Relaxed);
            }
            if used + size > budget && !current.is_empty() {
                exports.push(std::mem::take(&mut current));
                used = 0;
            }
            current.push(span);
            used += size;
        }
        if !current.is_empty() {
            exports.push(current);
        }
        if exports.len() > 1 {
            self.stats.batches_split.fetch_add(1, Ordering::Relaxed);
        }
        let mut result = Ok(());
        for spans in exports {
            if let Err(e) = self.inner.export(spans).await {
                result = Err(e);
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.iter().map(|(k, v)| attribute_size(k.as_str(), v)).sum();
        self.inner.set_resource(resource)
    }
}

/// The encoded size of a value, a little over the protobuf encoding's.
fn value_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.as_str().len() + 6,
        Value::Array(a) => {
            8 + match a {
                opentelemetry::Array::String(v) => v.iter().map(|s| s.as_str().len() + 6).sum(),
                opentelemetry::Array::Bool(v) => v.len() * 4,
                opentelemetry::Array::I64(v) => v.len() * 12,
                opentelemetry::Array::F64(v) => v.len() * 12,
                _ => 64,
            }
        }
        _ => 12,
    }
}

fn attribute_size(key: &str, v: &Value) -> usize {
    key.len() + value_size(v) + 8
}

fn attributes_size(attrs: &[KeyValue]) -> usize {
    attrs.iter().map(|kv| attribute_size(kv.key.as_str(), &kv.value)).sum()
}

/// The encoded size of a span (ids, times, kind, status, name, attributes, events, links).
pub(super) fn span_size(span: &SpanData) -> usize {
    let status = match &span.status {
        opentelemetry::trace::Status::Error { description } => description.len() + 8,
        _ => 4,
    };
    96 + span.name.len()
        + status
        + attributes_size(&span.attributes)
        + span.events.iter().map(|e| 24 + e.name.len() + attributes_size(&e.attributes)).sum::<usize>()
        + span.links.iter().map(|l| 48 + attributes_size(&l.attributes)).sum::<usize>()
}

/// Shortens the longest string values of `span` (its attributes' and its events') by at least
/// `excess` bytes in all: every string longer than a common cap is cut to it, the cap the largest
/// that removes the excess. JSON content stays valid JSON.
fn shorten(span: &mut SpanData, excess: usize) {
    let mut lens: Vec<usize> = strings(span).map(|s| s.len()).collect();
    lens.sort_unstable_by(|a, b| b.cmp(a));
    // The largest cap whose cuts remove the excess (with room for the mark each cut adds): cut
    // the k longest strings to the same length, for the smallest k that can.
    let need = excess + 64;
    let mut cap = 0;
    let mut top = 0usize;
    for (i, len) in lens.iter().enumerate() {
        top += len;
        let k = i + 1;
        let next = lens.get(k).copied().unwrap_or(0);
        let Some(left) = top.checked_sub(need + k * MARK.len()) else { continue };
        if left / k >= next {
            cap = left / k;
            break;
        }
    }
    let mut cut = false;
    let cut_value = |v: &mut Value, cut: &mut bool| {
        if let Value::String(s) = v {
            if s.as_str().len() > cap {
                *v = Value::from(shortened(s.as_str(), cap));
                *cut = true;
            }
        }
    };
    for kv in span.attributes.iter_mut() {
        cut_value(&mut kv.value, &mut cut);
    }
    for e in span.events.events.iter_mut() {
        for kv in e.attributes.iter_mut() {
            cut_value(&mut kv.value, &mut cut);
        }
    }
    if cut && !span.attributes.iter().any(|kv| kv.key.as_str() == vendor::CONTENT_TRUNCATED) {
        span.attributes.push(KeyValue::new(vendor::CONTENT_TRUNCATED, true));
    }
}

/// Every string value of the span's attributes and events.
fn strings(span: &SpanData) -> impl Iterator<Item = &str> {
    fn of(kv: &KeyValue) -> Option<&str> {
        match &kv.value {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
    span.attributes.iter().filter_map(of).chain(span.events.iter().flat_map(|e| e.attributes.iter()).filter_map(of))
}

/// `s` in at most `max` bytes: valid JSON still when it was JSON, else cut on a char boundary
/// with a mark.
fn shortened(s: &str, max: usize) -> String {
    let looks_json = matches!(s.trim_start().as_bytes().first(), Some(b'[' | b'{'));
    if looks_json {
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(s) {
            return crate::capture::truncate(json, max).0;
        }
    }
    let keep = max.saturating_sub(MARK.len());
    let mut end = keep.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MARK}", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(attrs: Vec<KeyValue>) -> SpanData {
        let mut s = opentelemetry_sdk::trace::SpanData {
            span_context: opentelemetry::trace::SpanContext::empty_context(),
            parent_span_id: opentelemetry::trace::SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: opentelemetry::trace::SpanKind::Client,
            name: "chat gpt-4o".into(),
            start_time: std::time::SystemTime::UNIX_EPOCH,
            end_time: std::time::SystemTime::UNIX_EPOCH,
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: Default::default(),
            links: Default::default(),
            status: opentelemetry::trace::Status::Unset,
            instrumentation_scope: Default::default(),
        };
        s.attributes = attrs;
        s
    }

    /// Keeps the sizes of what it is given.
    #[derive(Debug, Default)]
    struct Sizes(std::sync::Mutex<Vec<usize>>);

    impl SpanExporter for &Sizes {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0.lock().unwrap().push(batch.iter().map(span_size).sum());
            Ok(())
        }
    }

    #[test]
    fn splits_shortens_and_drops_what_cannot_fit() {
        let sizes = Sizes::default();
        let stats = Arc::new(StatsInner::default());
        let guard = SizeGuard::new(&sizes, 128 * 1024, stats.clone());
        let budget = guard.budget();
        let mut batch: Vec<SpanData> = (0..20).map(|i| span(vec![KeyValue::new("payload", format!("{i}{}", "y".repeat(20_000)))])).collect();
        // Too large even shortened: its size is in a key, which is never cut.
        batch.push(span(vec![KeyValue::new("k".repeat(200_000), "v")]));
        batch.push(span(vec![KeyValue::new("payload", "z".repeat(500_000))]));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(guard.export(batch)).unwrap();
        let sizes = sizes.0.lock().unwrap().clone();
        assert!(sizes.len() >= 4 && sizes.iter().all(|s| *s <= budget), "{sizes:?} over {budget}");
        assert_eq!(stats.dropped_oversized.load(Ordering::Relaxed), 1);
        assert_eq!(stats.trimmed.load(Ordering::Relaxed), 1);
        assert_eq!(stats.batches_split.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn shortening_fits_the_budget_and_keeps_json_valid() {
        let messages = serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": "x".repeat(300_000)}]}]).to_string();
        let mut s = span(vec![
            KeyValue::new("gen_ai.input.messages", messages),
            KeyValue::new("gen_ai.system_instructions", "é".repeat(50_000)),
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
        ]);
        let budget = 64 * 1024;
        let before = span_size(&s);
        shorten(&mut s, before - budget);
        assert!(span_size(&s) <= budget, "{} > {budget}", span_size(&s));
        let input = s.attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.input.messages").unwrap().value.as_str().into_owned();
        assert!(serde_json::from_str::<serde_json::Value>(&input).is_ok(), "still JSON");
        let system = s.attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.system_instructions").unwrap().value.as_str().into_owned();
        assert!(system.ends_with(MARK));
        assert_eq!(s.attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.request.model").unwrap().value.as_str(), "gpt-4o", "short values untouched");
        assert!(s.attributes.iter().any(|kv| kv.key.as_str() == vendor::CONTENT_TRUNCATED));
    }
}

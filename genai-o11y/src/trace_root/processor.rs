//! [`TraceRootProcessor`]: see [the module documentation](super).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;

use crate::attribution::with_metadata_keys;
use crate::semconv::{attribution as attr_names, retrieval, v1_41 as sc, vendor};

/// The most live local roots followed at once.
pub const MAX_ROOTS: usize = 16_384;
/// The most spans remembered beneath one root.
pub const MAX_SPANS_PER_ROOT: usize = 4_096;

/// Where a span's captured input is, by kind of span (the first present wins).
const INPUTS: [&str; 3] = [sc::GEN_AI_INPUT_MESSAGES, sc::GEN_AI_TOOL_CALL_ARGUMENTS, retrieval::GEN_AI_RETRIEVAL_QUERY_TEXT];
/// Where a span's captured output is.
const OUTPUTS: [&str; 3] = [sc::GEN_AI_OUTPUT_MESSAGES, sc::GEN_AI_TOOL_CALL_RESULT, retrieval::GEN_AI_RETRIEVAL_DOCUMENTS];

/// A span that ended beneath a live root.
struct Beneath {
    id: SpanId,
    parent: SpanId,
    genai: bool,
    start: SystemTime,
    end: SystemTime,
    input: Option<Value>,
    output: Option<Value>,
}

/// A live local root and what its trace told it so far.
struct Root {
    span_id: SpanId,
    name: Cow<'static, str>,
    attribution: Vec<KeyValue>,
    beneath: Vec<Beneath>,
}

/// Completes each trace's local root from the spans beneath it (see [the module
/// documentation](super)). Wrap the export processor with it, like the attribution processor:
///
/// ```
/// use genai_o11y::trace_root::TraceRootProcessor;
/// use opentelemetry_sdk::trace::{BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider};
///
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(TraceRootProcessor::wrap(BatchSpanProcessor::builder(InMemorySpanExporter::default()).build()))
///     .build();
/// # let _ = provider;
/// ```
#[derive(Debug)]
pub struct TraceRootProcessor {
    inner: Option<Box<dyn SpanProcessor>>,
    roots: Mutex<HashMap<TraceId, Root, BuildHasherDefault<IdHasher>>>,
    live: AtomicUsize,
    stamp_name: bool,
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Root").field("name", &self.name).field("beneath", &self.beneath.len()).finish()
    }
}

impl Default for TraceRootProcessor {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceRootProcessor {
    /// A processor of its own (add it before the export processor: it changes the root's data
    /// only for processors after it).
    pub fn new() -> Self {
        TraceRootProcessor { inner: None, roots: Mutex::default(), live: AtomicUsize::new(0), stamp_name: false }
    }

    /// Completes the roots, then everything `inner` does.
    pub fn wrap(inner: impl SpanProcessor + 'static) -> Self {
        TraceRootProcessor { inner: Some(Box::new(inner)), ..Self::new() }
    }

    /// Also writes the root's name on every span beneath it, as `genai_o11y.trace.name` (for
    /// platforms that read the trace's name per span, as Langfuse does).
    pub fn stamp_trace_name(mut self, on: bool) -> Self {
        self.stamp_name = on;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TraceId, Root, BuildHasherDefault<IdHasher>>> {
        self.roots.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Trace ids are random already: their low bits are the hash (SipHash was a third of this
/// processor's cost).
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 ^= (v as u64) ^ ((v >> 64) as u64);
    }
}

fn get<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes.iter().rev().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

fn has(span: &SpanData, key: &str) -> bool {
    get(span, key).is_some()
}

fn first_of(span: &SpanData, keys: &[&str]) -> Option<Value> {
    keys.iter().find_map(|k| get(span, k)).cloned()
}

/// The attribution keys a span carries (written by the attribution processor when it started).
fn attribution_of(span: &SpanData) -> Vec<KeyValue> {
    with_metadata_keys(|metadata| {
        span.attributes
            .iter()
            .filter(|kv| matches!(kv.key.as_str(), attr_names::SESSION_ID | attr_names::USER_ID | attr_names::TAGS) || metadata.contains(&kv.key))
            .cloned()
            .collect()
    })
}

impl Root {
    /// The first outermost GenAI span's input and the last one's output: the GenAI spans with no
    /// GenAI span above them (among the spans remembered), by start and by end.
    fn content(&self) -> (Option<Value>, Option<Value>) {
        if !self.beneath.iter().any(|b| b.input.is_some() || b.output.is_some()) {
            return (None, None);
        }
        let by_id: HashMap<SpanId, &Beneath> = self.beneath.iter().map(|b| (b.id, b)).collect();
        let outermost = |b: &&Beneath| {
            let mut parent = b.parent;
            // Bounded: each step moves to a remembered span, at most all of them.
            for _ in 0..self.beneath.len() {
                if parent == self.span_id {
                    return true;
                }
                match by_id.get(&parent) {
                    Some(p) if p.genai => return false,
                    Some(p) => parent = p.parent,
                    None => return true,
                }
            }
            true
        };
        let top: Vec<&Beneath> = self.beneath.iter().filter(|b| b.genai).filter(outermost).collect();
        let input = top.iter().filter(|b| b.input.is_some()).min_by_key(|b| b.start).and_then(|b| b.input.clone());
        let output = top.iter().filter(|b| b.output.is_some()).max_by_key(|b| b.end).and_then(|b| b.output.clone());
        (input, output)
    }
}

impl SpanProcessor for TraceRootProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        use opentelemetry::trace::Span as _;
        let local_root = !cx.has_active_span() || cx.span().span_context().is_remote();
        if local_root && span.is_recording() && self.live.load(Ordering::Relaxed) < MAX_ROOTS {
            let ctx = span.span_context().clone();
            // The root's name, only for a dialect that wants it on every span: the SDK span has no
            // getter of its own, and a copy of its data is most of this processor's cost.
            let name = if self.stamp_name { span.exported_data().map_or(Cow::Borrowed(""), |d| d.name) } else { Cow::Borrowed("") };
            let mut roots = self.lock();
            if roots.len() < MAX_ROOTS
                && roots.insert(ctx.trace_id(), Root { span_id: ctx.span_id(), name, attribution: Vec::new(), beneath: Vec::new() }).is_none()
            {
                self.live.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let Some(inner) = &self.inner {
            inner.on_start(span, cx);
        }
    }

    fn on_end(&self, mut span: SpanData) {
        if self.live.load(Ordering::Relaxed) > 0 {
            let trace = span.span_context.trace_id();
            let mut roots = self.lock();
            match roots.get_mut(&trace) {
                Some(root) if root.span_id == span.span_context.span_id() => {
                    let root = roots.remove(&trace).expect("found above");
                    drop(roots);
                    self.live.fetch_sub(1, Ordering::Relaxed);
                    complete(&mut span, root);
                }
                Some(root) => {
                    if self.stamp_name && !root.name.is_empty() && !has(&span, vendor::TRACE_NAME) {
                        span.attributes.push(KeyValue::new(vendor::TRACE_NAME, root.name.clone()));
                    }
                    if root.attribution.is_empty() {
                        root.attribution = attribution_of(&span);
                    }
                    // Spans are remembered from the first one with captured content on: the
                    // ancestors that decide whether it is outermost end after it (without capture,
                    // nothing is remembered at all).
                    let genai = has(&span, sc::GEN_AI_OPERATION_NAME);
                    let (input, output) = if genai { (first_of(&span, &INPUTS), first_of(&span, &OUTPUTS)) } else { (None, None) };
                    let content = input.is_some() || output.is_some();
                    if (content || !root.beneath.is_empty()) && root.beneath.len() < MAX_SPANS_PER_ROOT {
                        root.beneath.push(Beneath {
                            id: span.span_context.span_id(),
                            parent: span.parent_span_id,
                            genai,
                            start: span.start_time,
                            end: span.end_time,
                            input,
                            output,
                        });
                    }
                }
                None => {}
            }
        }
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

/// Writes on the root what its trace told it: the attribution it lacks, and (when it is not a
/// GenAI span itself) the trace's input and output.
fn complete(span: &mut SpanData, root: Root) {
    for kv in &root.attribution {
        if !has(span, kv.key.as_str()) {
            span.attributes.push(kv.clone());
        }
    }
    if has(span, sc::GEN_AI_OPERATION_NAME) {
        return;
    }
    let (input, output) = root.content();
    if let Some(v) = input.filter(|_| !has(span, vendor::TRACE_INPUT)) {
        span.attributes.push(KeyValue::new(vendor::TRACE_INPUT, v));
    }
    if let Some(v) = output.filter(|_| !has(span, vendor::TRACE_OUTPUT)) {
        span.attributes.push(KeyValue::new(vendor::TRACE_OUTPUT, v));
    }
}

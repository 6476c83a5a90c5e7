//! The console exporter: a readable tree of each finished trace (durations, tokens, cost,
//! errors) and a metrics summary at shutdown. The default when no OTLP endpoint is configured,
//! on standard error (standard output belongs to the program: its answer, a pipe, a protocol).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};

use crate::semconv::{evaluation as ev, guardrail as gr, v1_41 as sc, vendor};

/// Where console output goes.
pub type SharedWriter = Arc<Mutex<Box<dyn Write + Send>>>;

/// How much of each span is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConsoleStyle {
    /// One line per span: duration, tokens, cost, error.
    #[default]
    Compact,
    /// The compact line plus every attribute.
    Verbose,
}

const MAX_PENDING_SPANS: usize = 10_000;

/// Prints each trace as a tree when its local root span ends (its first line names the trace).
///
/// A span whose parent is remote is the local root of a service that was called, unless that
/// parent was started in this process too (two services in one process, a test): then the trace
/// is printed whole when its real root ends. [`ConsoleSpanExporter::local_spans`] tells it which
/// spans started here.
#[derive(Clone)]
pub struct ConsoleSpanExporter {
    out: SharedWriter,
    style: ConsoleStyle,
    pending: Arc<Mutex<PendingTraces>>,
    local: Arc<Mutex<HashSet<SpanId>>>,
    tracked: Arc<std::sync::atomic::AtomicBool>,
}

/// The span processor that records which spans started in this process, for
/// [`ConsoleSpanExporter`] (add it to the same tracer provider).
#[derive(Debug, Clone)]
pub struct LocalSpans(Arc<Mutex<HashSet<SpanId>>>);

/// At most this many span ids are remembered (spans started here, not yet printed).
const MAX_LOCAL_SPANS: usize = 100_000;

impl SpanProcessor for LocalSpans {
    fn on_start(&self, span: &mut Span, _cx: &opentelemetry::Context) {
        use opentelemetry::trace::Span as _;
        if let Ok(mut ids) = self.0.lock() {
            if ids.len() < MAX_LOCAL_SPANS {
                ids.insert(span.span_context().span_id());
            }
        }
    }
    fn on_end(&self, _span: SpanData) {}
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

#[derive(Default)]
struct PendingTraces {
    by_trace: HashMap<TraceId, Vec<SpanData>>,
    order: Vec<TraceId>,
    count: usize,
}

impl std::fmt::Debug for ConsoleSpanExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleSpanExporter").field("style", &self.style).finish()
    }
}

impl ConsoleSpanExporter {
    /// Writes to `out`.
    pub fn new(out: SharedWriter, style: ConsoleStyle) -> Self {
        ConsoleSpanExporter { out, style, pending: Arc::default(), local: Arc::default(), tracked: Arc::default() }
    }

    /// The processor that tells this exporter which spans started in this process.
    pub fn local_spans(&self) -> LocalSpans {
        self.tracked.store(true, std::sync::atomic::Ordering::Relaxed);
        LocalSpans(self.local.clone())
    }

    /// Is this span where a printed tree begins? A root; a span whose parent is in another
    /// process; and, when [`LocalSpans`] tells which spans started here, a span whose parent was
    /// printed already (an evaluation recorded after its call ended).
    fn is_local_root(&self, span: &SpanData) -> bool {
        if span.parent_span_id == SpanId::INVALID {
            return true;
        }
        if !self.tracked.load(std::sync::atomic::Ordering::Relaxed) {
            return span.parent_span_is_remote;
        }
        !self.local.lock().map(|ids| ids.contains(&span.parent_span_id)).unwrap_or(false)
    }

    /// Forgets the printed spans.
    fn printed(&self, spans: &[SpanData]) {
        if let Ok(mut ids) = self.local.lock() {
            for s in spans {
                ids.remove(&s.span_context.span_id());
            }
        }
    }

    fn write(&self, text: &str) {
        if let Ok(mut w) = self.out.lock() {
            let _ = w.write_all(text.as_bytes());
            let _ = w.flush();
        }
    }
}

impl SpanExporter for ConsoleSpanExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut ready = Vec::new();
        {
            let Ok(mut p) = self.pending.lock() else { return Ok(()) };
            for span in batch {
                let trace = span.span_context.trace_id();
                let is_root = self.is_local_root(&span);
                if !p.by_trace.contains_key(&trace) {
                    p.order.push(trace);
                }
                p.by_trace.entry(trace).or_default().push(span);
                p.count += 1;
                if is_root {
                    if let Some(spans) = p.by_trace.remove(&trace) {
                        p.count -= spans.len();
                        p.order.retain(|t| *t != trace);
                        self.printed(&spans);
                        ready.push(spans);
                    }
                }
            }
            // Bounded memory: traces whose root never ends here are printed as they are.
            while p.count > MAX_PENDING_SPANS && !p.order.is_empty() {
                let oldest = p.order.remove(0);
                if let Some(spans) = p.by_trace.remove(&oldest) {
                    p.count -= spans.len();
                    self.printed(&spans);
                    ready.push(spans);
                }
            }
        }
        for spans in ready {
            self.write(&span_tree(&spans, self.style));
        }
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        // Print what never got its root (the root's span is still open at shutdown).
        let rest: Vec<Vec<SpanData>> = match self.pending.lock() {
            Ok(mut p) => {
                p.count = 0;
                p.order.clear();
                p.by_trace.drain().map(|(_, v)| v).collect()
            }
            Err(_) => Vec::new(),
        };
        for spans in rest {
            self.write(&span_tree(&spans, self.style));
        }
        Ok(())
    }
}

/// Keeps the latest metrics and prints a summary at shutdown.
pub struct ConsoleMetricExporter {
    out: SharedWriter,
    latest: Mutex<Option<String>>,
}

impl ConsoleMetricExporter {
    /// Writes to `out`.
    pub fn new(out: SharedWriter) -> Self {
        ConsoleMetricExporter { out, latest: Mutex::new(None) }
    }
}

impl PushMetricExporter for ConsoleMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let text = metrics_summary(metrics);
        if let Ok(mut l) = self.latest.lock() {
            *l = Some(text);
        }
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if let Some(text) = self.latest.lock().ok().and_then(|mut l| l.take()) {
            if !text.is_empty() {
                if let Ok(mut w) = self.out.lock() {
                    let _ = writeln!(w, "== metrics ==\n{text}");
                    let _ = w.flush();
                }
            }
        }
        Ok(())
    }
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

fn attr<'a>(s: &'a SpanData, key: &str) -> Option<&'a Value> {
    s.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
}

fn int(s: &SpanData, key: &str) -> Option<i64> {
    match attr(s, key) {
        Some(Value::I64(v)) => Some(*v),
        _ => None,
    }
}

/// The GenAI summary of one span: tokens, cost, error.
fn summary(s: &SpanData) -> String {
    let mut out = String::new();
    // A guard's decision is its key figure (the guard's name is the span's):
    // `guard BLOCK risk personal_data 0.97 (rule pii.ssn): reason`.
    if let Some(result) = attr(s, gr::RESULT_TYPE) {
        let _ = write!(out, "  guard {}", result.as_str().to_uppercase());
        let category = attr(s, gr::RISK_CATEGORY);
        if let Some(c) = &category {
            let _ = write!(out, " risk {}", c.as_str());
        }
        if let Some(Value::F64(score)) = attr(s, gr::RISK_SCORE) {
            let _ = write!(out, "{} {score}", if category.is_some() { "" } else { " risk" });
        }
        if let Some(r) = attr(s, gr::POLICY_RULE_ID) {
            let _ = write!(out, " (rule {})", r.as_str());
        }
        if let Some(r) = attr(s, gr::RESULT_REASON) {
            let _ = write!(out, ": {}", r.as_str());
        }
    }
    if let Some(n) = int(s, gr::BLOCK_COUNT) {
        let _ = write!(out, "  {n} guard block{}", if n == 1 { "" } else { "s" });
    }
    match (int(s, sc::GEN_AI_USAGE_INPUT_TOKENS), int(s, sc::GEN_AI_USAGE_OUTPUT_TOKENS)) {
        (None, None) => {}
        (i, o) => {
            let _ = write!(out, "  tokens in {} / out {}", i.map_or("-".into(), |v| v.to_string()), o.map_or("-".into(), |v| v.to_string()));
            if let Some(c) = int(s, sc::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS) {
                let _ = write!(out, " ({c} cached)");
            }
        }
    }
    if let (Some(i), Some(o)) = (int(s, vendor::AGGREGATED_INPUT_TOKENS), int(s, vendor::AGGREGATED_OUTPUT_TOKENS)) {
        let _ = write!(out, "  total tokens in {i} / out {o}");
    }
    for (amount, currency) in [(vendor::COST_AMOUNT, vendor::COST_CURRENCY), (vendor::AGGREGATED_COST_AMOUNT, vendor::AGGREGATED_COST_CURRENCY)] {
        if let Some(Value::F64(c)) = attr(s, amount) {
            let cur = attr(s, currency).map(|v| v.as_str().into_owned()).unwrap_or_default();
            let _ = write!(out, "  cost {c:.6} {cur}");
        }
    }
    if let Some(n) = int(s, crate::semconv::retrieval::DOCUMENT_COUNT) {
        let _ = write!(out, "  {n} documents");
    }
    if let Some(n) = int(s, crate::semconv::memory::GEN_AI_MEMORY_RECORD_COUNT) {
        let _ = write!(out, "  {n} records");
    }
    // Evaluations: the events on this span (each `eval name=score/label`).
    for e in s.events.iter().filter(|e| e.name == ev::EVENT) {
        let get = |k: &str| e.attributes.iter().find(|kv| kv.key.as_str() == k).map(|kv| kv.value.clone());
        let name = get(ev::NAME).map(|v| v.as_str().into_owned()).unwrap_or_default();
        let result = match (get(ev::SCORE_VALUE), get(ev::SCORE_LABEL)) {
            (Some(Value::F64(v)), Some(l)) => format!("{v} ({})", l.as_str()),
            (Some(Value::F64(v)), _) => v.to_string(),
            (_, Some(l)) => l.as_str().into_owned(),
            _ => String::new(),
        };
        let _ = write!(out, "  eval {name}={result}");
        if let Some(t) = get(sc::ERROR_TYPE) {
            let _ = write!(out, " (evaluator failed: {})", t.as_str());
        }
    }
    if let Some(Value::F64(t)) = attr(s, sc::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK) {
        let _ = write!(out, "  first chunk {:.1} ms", t * 1000.0);
    }
    if let Status::Error { description } = &s.status {
        let ty = attr(s, sc::ERROR_TYPE).map(|v| v.as_str().into_owned()).unwrap_or_default();
        let _ = write!(out, "  ERROR {ty}");
        if !description.is_empty() {
            let _ = write!(out, ": {description}");
        }
    }
    out
}

/// Renders spans as an indented tree.
pub fn span_tree(spans: &[SpanData], style: ConsoleStyle) -> String {
    let ids: Vec<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let mut roots = Vec::new();
    for s in spans {
        if ids.contains(&s.parent_span_id) {
            children.entry(s.parent_span_id).or_default().push(s);
        } else {
            roots.push(s);
        }
    }
    for v in children.values_mut() {
        v.sort_by_key(|s| s.start_time);
    }
    roots.sort_by_key(|s| s.start_time);
    let mut out = String::new();
    for r in roots {
        write_span(&mut out, r, &children, 0, style);
    }
    out
}

fn write_span(out: &mut String, s: &SpanData, children: &HashMap<SpanId, Vec<&SpanData>>, depth: usize, style: ConsoleStyle) {
    let ms = s.end_time.duration_since(s.start_time).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    let indent = "  ".repeat(depth);
    let trace = if depth == 0 { format!("  · trace {}", s.span_context.trace_id()) } else { String::new() };
    let _ = writeln!(out, "{indent}{} [{:?}] {ms:.1} ms{}{trace}", s.name, s.span_kind, summary(s));
    if style == ConsoleStyle::Verbose {
        let mut attrs: Vec<&KeyValue> = s.attributes.iter().collect();
        attrs.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
        for kv in attrs {
            let v = match &kv.value {
                Value::String(s) => format!("{:?}", s.as_str()),
                other => other.to_string(),
            };
            let _ = writeln!(out, "{indent}    {} = {v}", kv.key);
        }
    }
    if let Some(kids) = children.get(&s.span_context.span_id()) {
        for k in kids {
            write_span(out, k, children, depth + 1, style);
        }
    }
}

/// Renders metrics: one line per data point (count/sum for histograms, value for counters).
pub fn metrics_summary(rm: &ResourceMetrics) -> String {
    let mut out = String::new();
    for m in rm.scope_metrics().flat_map(|s| s.metrics()) {
        let _ = writeln!(out, "{} ({})", m.name(), m.unit());
        let attrs = |it: &mut dyn Iterator<Item = &KeyValue>| {
            let mut v: Vec<String> = it.map(|kv| format!("{}={}", kv.key, kv.value)).collect();
            v.sort();
            v.join(" ")
        };
        match m.data() {
            AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                for p in h.data_points() {
                    let _ = writeln!(out, "    count={} sum={:.4} {}", p.count(), p.sum(), attrs(&mut p.attributes()));
                }
            }
            AggregatedMetrics::U64(MetricData::Histogram(h)) => {
                for p in h.data_points() {
                    let _ = writeln!(out, "    count={} sum={} {}", p.count(), p.sum(), attrs(&mut p.attributes()));
                }
            }
            AggregatedMetrics::U64(MetricData::Sum(s)) => {
                for p in s.data_points() {
                    let _ = writeln!(out, "    value={} {}", p.value(), attrs(&mut p.attributes()));
                }
            }
            AggregatedMetrics::F64(MetricData::Sum(s)) => {
                for p in s.data_points() {
                    let _ = writeln!(out, "    value={:.6} {}", p.value(), attrs(&mut p.attributes()));
                }
            }
            other => {
                let _ = writeln!(out, "    {other:?}");
            }
        }
    }
    out
}

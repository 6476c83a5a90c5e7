//! Helpers shared by the examples: print finished spans as a tree and metrics as a summary.

use std::collections::HashMap;
use std::fmt::Write as _;

use opentelemetry::trace::{SpanId, Status};
use opentelemetry::Value;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::trace::SpanData;

/// Renders spans as an indented tree: name, duration, the GenAI attributes, status.
pub fn span_tree(spans: &[SpanData]) -> String {
    let mut children: HashMap<SpanId, Vec<&SpanData>> = HashMap::new();
    let ids: Vec<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut roots = Vec::new();
    for s in spans {
        if ids.contains(&s.parent_span_id) {
            children.entry(s.parent_span_id).or_default().push(s);
        } else {
            roots.push(s);
        }
    }
    let mut out = String::new();
    for v in children.values_mut() {
        v.sort_by_key(|s| s.start_time);
    }
    roots.sort_by_key(|s| s.start_time);
    for r in roots {
        write_span(&mut out, r, &children, 0);
    }
    out
}

fn write_span(out: &mut String, s: &SpanData, children: &HashMap<SpanId, Vec<&SpanData>>, depth: usize) {
    let ms = s.end_time.duration_since(s.start_time).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    let indent = "  ".repeat(depth);
    let _ = write!(out, "{indent}{} [{:?}] {ms:.1} ms", s.name, s.span_kind);
    if let Status::Error { description } = &s.status {
        let _ = write!(out, "  ERROR: {description}");
    }
    out.push('\n');
    let mut attrs: Vec<_> = s.attributes.iter().collect();
    attrs.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    for kv in attrs {
        let v = match &kv.value {
            Value::String(s) => format!("{:?}", s.as_str()),
            other => other.to_string(),
        };
        let _ = writeln!(out, "{indent}    {} = {v}", kv.key);
    }
    if let Some(kids) = children.get(&s.span_context.span_id()) {
        for k in kids {
            write_span(out, k, children, depth + 1);
        }
    }
}

/// Renders metrics: one line per data point (count/sum for histograms, value for counters).
pub fn metrics_summary(rm: &ResourceMetrics) -> String {
    let mut out = String::new();
    for m in rm.scope_metrics().flat_map(|s| s.metrics()) {
        let _ = writeln!(out, "{} ({})", m.name(), m.unit());
        let attrs = |it: &mut dyn Iterator<Item = &opentelemetry::KeyValue>| {
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
            other => {
                let _ = writeln!(out, "    {other:?}");
            }
        }
    }
    out
}

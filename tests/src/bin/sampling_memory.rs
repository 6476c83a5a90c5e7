//! Memory of outcome sampling under 100 000 concurrent open traces, for
//! `tests/tests/outcome_sampling.rs`: each trace's local root is started and never ended, and five
//! spans beneath it end (so they are held, waiting for the root). Prints one line,
//! `rss_growth_kib={} traces_held={} decided_early={}`: the growth of the resident set from before
//! the first trace to after the last.
//!
//! `--max-traces N`: outcome sampling holding at most N traces; `--none`: no outcome sampling
//! (the baseline: the open roots themselves).

use opentelemetry::trace::{Span as _, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanProcessor};

const TRACES: usize = 100_000;
const SPANS_BENEATH: usize = 5;

/// The export side: drops everything (only what the sampler holds is measured).
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &Context) {}
    fn on_end(&self, _: SpanData) {}
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: std::time::Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let max_traces = args.iter().position(|a| a == "--max-traces").and_then(|i| args.get(i + 1)).and_then(|n| n.parse::<usize>().ok());
    let (provider, stats) = match max_traces {
        Some(n) => {
            let sampling = genai_o11y::sampling::OutcomeSampling::keep_successes(0.1).max_traces(n).max_age(std::time::Duration::from_secs(3600));
            let sampler = genai_o11y::sampling::OutcomeSampler::wrap(sampling, Discard).expect("valid settings");
            let stats = sampler.stats();
            (SdkTracerProvider::builder().with_span_processor(sampler).build(), Some(stats))
        }
        None => (SdkTracerProvider::builder().with_span_processor(Discard).build(), None),
    };
    let tracer = provider.tracer("memory");
    let before = rss_kib();
    let mut roots = Vec::with_capacity(TRACES);
    for i in 0..TRACES {
        let root = Context::current_with_span(tracer.start("request"));
        for _ in 0..SPANS_BENEATH {
            let mut child = tracer.start_with_context("execute_tool lookup", &root);
            child.set_attribute(opentelemetry::KeyValue::new("gen_ai.tool.name", "lookup"));
            child.set_attribute(opentelemetry::KeyValue::new("request.number", i as i64));
            child.end();
        }
        roots.push(root);
    }
    let after = rss_kib();
    let s = stats.map(|s| s.get()).unwrap_or_default();
    println!("rss_growth_kib={} traces_held={} decided_early={}", after.saturating_sub(before), s.traces_held, s.decided_early_traces_bound);
    // The roots stay open to the end: the process exits without ending them.
    std::mem::forget(roots);
}

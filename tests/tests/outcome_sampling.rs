//! Outcome sampling: every trace that went wrong is exported whole, the others by a ratio decided
//! from the trace id (the same in every service), the metrics count every call, and memory stays
//! within the configured bounds (the 100 000-trace RSS measure: `sampling_memory.rs`).

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::*;
use genai_o11y::evaluation::Evaluation;
use genai_o11y::sampling::{OutcomeSampler, OutcomeSampling};
use genai_o11y::setup::{LogFormat, SetupError, Source};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool, Settings};
use opentelemetry::trace::{Span as _, TraceContextExt, TraceId, Tracer as _, TracerProvider as _};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor, SpanData};

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(fail: bool) -> Result<ChatResponse, ApiError> {
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(response("gpt-4o", "It is sunny."))
}

#[genai_agent(name = "support")]
async fn support(fail: bool) -> Result<ChatResponse, ApiError> {
    chat(fail).await
}

fn by_trace(spans: &[SpanData]) -> HashMap<TraceId, Vec<&SpanData>> {
    let mut m: HashMap<TraceId, Vec<&SpanData>> = HashMap::new();
    for s in spans {
        m.entry(s.span_context.trace_id()).or_default().push(s);
    }
    m
}

/// Binomial bounds: the mean ± 5 standard deviations (a false failure once in millions of runs).
fn within_binomial(kept: u64, n: u64, p: f64) -> bool {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    (kept as f64 - mean).abs() <= 5.0 * sd
}

#[tokio::test]
async fn every_error_trace_whole_the_successes_by_the_ratio_and_every_call_in_the_metrics() {
    let t = TestTelemetry::with_outcome_sampling(Settings::default(), OutcomeSampling::keep_successes(0.1));
    for i in 0..10_000 {
        let _ = support(i % 20 == 0).await;
    }
    let spans = t.spans();
    let traces = by_trace(&spans);
    assert!(traces.values().all(|spans| spans.len() == 2), "every kept trace is whole: the agent and its chat");
    let failed = traces.values().filter(|spans| spans.iter().any(|s| attr(s, "error.type").is_some())).count() as u64;
    assert_eq!(failed, 500, "every error trace");
    let successes = traces.len() as u64 - failed;
    assert!(within_binomial(successes, 9_500, 0.1), "{successes} of 9500 successful traces kept at 10%");

    let stats = t.sampling_stats().unwrap();
    assert_eq!(stats.kept_error, 500);
    assert_eq!(stats.kept_sampled, successes);
    assert_eq!(stats.dropped, 9_500 - successes);
    assert_eq!(stats.spans_kept, 2 * traces.len() as u64);
    assert_eq!(stats.spans_dropped, 2 * (9_500 - successes));
    assert_eq!(stats.traces_held, 0);

    // Metrics are never sampled.
    let count = |name: &str| t.f64_histogram(name).iter().map(|p| p.count()).sum::<u64>();
    assert_eq!(count("gen_ai.invoke_agent.duration"), 10_000);
    assert_eq!(count("gen_ai.client.operation.duration"), 10_000);
    let tokens: u64 = t.u64_histogram("gen_ai.client.token.usage").iter().map(|p| p.count()).sum();
    assert_eq!(tokens, 2 * 9_500, "input and output tokens of every successful call");
}

/// A service of its own: outcome sampling at `ratio` in front of an in-memory exporter.
fn service(ratio: f64) -> (SdkTracerProvider, InMemorySpanExporter) {
    let exporter = InMemorySpanExporter::default();
    let sampler = OutcomeSampler::wrap(OutcomeSampling::keep_successes(ratio), SimpleSpanProcessor::new(exporter.clone())).unwrap();
    (SdkTracerProvider::builder().with_span_processor(sampler).build(), exporter)
}

fn kept(exporter: &InMemorySpanExporter) -> HashSet<TraceId> {
    exporter.get_finished_spans().unwrap().iter().map(|s| s.span_context.trace_id()).collect()
}

#[test]
fn services_with_the_same_ratio_keep_the_same_successful_traces() {
    let (front, front_spans) = service(0.25);
    let (back, back_spans) = service(0.25);
    let (other, other_spans) = service(0.5);
    let (front_t, back_t, other_t) = (front.tracer("front"), back.tracer("back"), other.tracer("other"));
    for _ in 0..2_000 {
        // The front end's request, and the back end's handling of it (a remote parent).
        let request = Context::current_with_span(front_t.start("request"));
        let remote = Context::new().with_remote_span_context(request.span().span_context().clone());
        let mut handling = back_t.start_with_context("handle", &remote);
        handling.end();
        let mut elsewhere = other_t.start_with_context("handle", &remote);
        elsewhere.end();
        request.span().end();
    }
    let (front_kept, back_kept, other_kept) = (kept(&front_spans), kept(&back_spans), kept(&other_spans));
    assert_eq!(front_kept, back_kept, "the same traces, whole across both services");
    assert!(within_binomial(front_kept.len() as u64, 2_000, 0.25), "{}", front_kept.len());
    assert!(front_kept.is_subset(&other_kept), "a higher ratio keeps a superset");
    assert!(within_binomial(other_kept.len() as u64, 2_000, 0.5), "{}", other_kept.len());
}

/// Looks the order up, and fails badly.
#[genai_tool]
fn explode() -> String {
    panic!("the tool blew up")
}

#[genai_agent(name = "fragile")]
fn fragile() -> String {
    explode()
}

#[test]
fn a_panic_inside_a_span_still_yields_its_kept_trace() {
    let t = TestTelemetry::with_outcome_sampling(Settings::default(), OutcomeSampling::keep_successes(0.0));
    assert!(std::panic::catch_unwind(fragile).is_err(), "the panic goes on unchanged");
    let names = t.span_names();
    assert!(names.contains(&"invoke_agent fragile".to_string()) && names.contains(&"execute_tool explode".to_string()), "{names:?}");
    assert_eq!(attr(&t.span("execute_tool explode"), "error.type").map(|v| v.to_string()).as_deref(), Some("panic"));
    assert_eq!(t.sampling_stats().unwrap().kept_error, 1);
}

#[genai_agent(name = "judged")]
async fn judged(score: f64) -> Result<ChatResponse, ApiError> {
    let answer = chat(false).await?;
    Evaluation::score("relevance", score).record();
    Ok(answer)
}

#[genai_agent(name = "slow")]
async fn slow(ms: u64) -> Result<(), ApiError> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(())
}

#[tokio::test]
async fn slow_costly_and_badly_scored_traces_are_kept_at_ratio_zero() {
    let sampling = OutcomeSampling::keep_successes(0.0).slower_than(Duration::from_millis(40)).score_below(0.5).costlier_than(1.0);
    let t = TestTelemetry::with_outcome_sampling(Settings::default(), sampling);
    judged(0.2).await.unwrap();
    judged(0.9).await.unwrap();
    slow(80).await.unwrap();
    slow(0).await.unwrap();
    support(false).await.unwrap();
    let stats = t.sampling_stats().unwrap();
    assert_eq!((stats.kept_low_score, stats.kept_slow, stats.kept_costly, stats.kept_sampled), (1, 1, 0, 0), "{stats:?}");
    assert_eq!(stats.dropped, 3, "{stats:?}");
    // The cost of one gpt-4o call is far below 1: a threshold below it keeps the trace.
    let t = TestTelemetry::with_outcome_sampling(Settings::default(), OutcomeSampling::keep_successes(0.0).costlier_than(0.0));
    support(false).await.unwrap();
    assert_eq!(t.sampling_stats().unwrap().kept_costly, 1);
    assert_eq!(t.span_names().len(), 2);
}

#[genai_tool]
fn step(n: u32) -> u32 {
    n
}

#[genai_agent(name = "busy")]
fn busy() -> u32 {
    (0..5).map(step).sum()
}

#[test]
fn a_trace_at_the_span_bound_is_decided_early_and_its_later_spans_follow() {
    let t = TestTelemetry::with_outcome_sampling(Settings::default(), OutcomeSampling::keep_successes(1.0).max_spans_per_trace(3));
    busy();
    let stats = t.sampling_stats().unwrap();
    assert_eq!(stats.decided_early_spans_bound, 1);
    assert_eq!(stats.kept_sampled, 1);
    assert_eq!(stats.spans_kept, 6, "the three held, then three that followed the decision");
    assert_eq!(t.spans().len(), 6);
}

#[test]
fn at_the_trace_bound_the_oldest_is_decided_and_old_traces_by_age() {
    let exporter = InMemorySpanExporter::default();
    let sampler =
        OutcomeSampler::wrap(OutcomeSampling::keep_successes(0.0).max_traces(2).max_age(Duration::from_millis(50)), SimpleSpanProcessor::new(exporter.clone()))
            .unwrap();
    let stats = sampler.stats();
    let provider = SdkTracerProvider::builder().with_span_processor(sampler).build();
    let tracer = provider.tracer("bounds");
    let roots: Vec<_> = (0..3).map(|_| Context::current_with_span(tracer.start("request"))).collect();
    let s = stats.get();
    assert_eq!((s.decided_early_traces_bound, s.traces_held, s.dropped), (1, 2, 1), "{s:?}");
    // The decided trace's late span follows the decision (dropped at ratio 0, no error).
    roots[0].span().end();
    assert_eq!(stats.get().spans_dropped, 1);
    // The two others are never ended: the sweeper decides them once they are older than 50 ms
    // (polled: it ticks on a thread of its own; the deadline only bounds a hang).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while stats.get().decided_early_age < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let s = stats.get();
    assert_eq!((s.decided_early_age, s.traces_held), (2, 0), "{s:?}");
    drop(roots);
}

#[test]
fn a_bad_setting_is_a_setup_error_naming_its_variable_or_method() {
    let vars = |v: &'static [(&'static str, &'static str)]| move |k: &str| v.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
    let from_env = genai_o11y::init()
        .env_source(vars(&[("GENAI_O11Y_SAMPLING_SUCCESS_RATIO", "0.1"), ("GENAI_O11Y_SAMPLING_MAX_TRACES", "lots")]))
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap_err();
    assert!(matches!(&from_env, SetupError::InvalidSampler { source: Source::Env("GENAI_O11Y_SAMPLING_MAX_TRACES"), .. }), "{from_env:?}");
    assert!(from_env.to_string().contains("GENAI_O11Y_SAMPLING_MAX_TRACES"), "{from_env}");
    let in_code = genai_o11y::init()
        .env_source(vars(&[]))
        .outcome_sampling(OutcomeSampling::keep_successes(10.0))
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap_err();
    assert!(in_code.to_string().contains("OutcomeSampling::keep_successes"), "{in_code}");
    // A good one: the guard reports it.
    let guard = genai_o11y::init()
        .env_source(vars(&[("GENAI_O11Y_SAMPLING_SUCCESS_RATIO", "0.5")]))
        .span_exporter(InMemorySpanExporter::default())
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    assert_eq!(guard.stats().sampling().map(|s| s.kept()), Some(0));
}

/// `rss_growth_kib`, `traces_held`, `decided_early` of one run of `sampling_memory`.
fn memory_run(args: &[&str]) -> (u64, u64, u64) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sampling_memory")).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in {line:?}"))
    };
    (field("rss_growth_kib"), field("traces_held"), field("decided_early"))
}

#[test]
fn a_hundred_thousand_open_traces_stay_within_the_configured_memory() {
    // The open roots themselves, without outcome sampling.
    let (baseline, _, _) = memory_run(&["--none"]);
    // At most 1 000 traces held: the rest decided early, oldest first.
    let (bounded, held, early) = memory_run(&["--max-traces", "1000"]);
    assert_eq!(held, 1_000);
    assert_eq!(early, 99_000);
    // Without a real bound every trace's five spans stay in memory.
    let (unbounded, held_all, _) = memory_run(&["--max-traces", "1000000"]);
    assert_eq!(held_all, 100_000);
    eprintln!("RSS growth for 100 000 open traces: baseline {baseline} KiB, bounded {bounded} KiB, unbounded {unbounded} KiB");
    // 1 000 traces of five spans, and the decisions remembered: a few MiB above the baseline.
    assert!(bounded <= baseline + 16 * 1024, "bounded {bounded} KiB vs baseline {baseline} KiB");
    assert!(unbounded > bounded + 100 * 1024, "the bound is what keeps it: unbounded {unbounded} KiB vs {bounded} KiB");
}

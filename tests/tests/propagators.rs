//! What `init()` installs for context propagation and attribution: the global W3C propagators
//! chosen by `OTEL_PROPAGATORS` (or `Setup::propagators`), the attribution processor in the
//! span pipeline, and the metric attribution variables. One test: the propagator is process-wide state.

mod common;

use std::collections::HashMap;

use common::*;
use genai_o11y::attribution::Attribution;
use genai_o11y::setup::{LogFormat, Propagator, SetupError};
use genai_o11y::{genai_tool, propagation};
use opentelemetry_sdk::trace::InMemorySpanExporter;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[genai_tool]
async fn lookup(q: &str) -> Result<String, ApiError> {
    Ok(q.to_owned())
}

/// The headers `propagation::inject` writes inside a span, with a propagated attribution.
fn injected() -> Vec<String> {
    let mut headers = http::HeaderMap::new();
    Attribution::new().session_id("s-1").propagate(true).in_scope(|| tracing::info_span!("outgoing").in_scope(|| propagation::inject(&mut headers)));
    let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn init_installs_the_propagators_and_the_attribution_processor() {
    for (vars, expected) in [
        (vec![], vec!["baggage", "traceparent", "tracestate"]),
        (vec![("OTEL_PROPAGATORS", "tracecontext")], vec!["traceparent", "tracestate"]),
        (vec![("OTEL_PROPAGATORS", "baggage")], vec!["baggage"]),
        (vec![("OTEL_PROPAGATORS", "none")], vec![]),
    ] {
        let exporter = InMemorySpanExporter::default();
        let guard = genai_o11y::init().env_source(env(&vars)).span_exporter(exporter.clone()).log_format(LogFormat::Off).install_thread_local().unwrap();
        assert_eq!(injected(), expected, "{vars:?}");
        drop(guard);
    }

    // In code, over the environment.
    let guard = genai_o11y::init()
        .env_source(env(&[("OTEL_PROPAGATORS", "b3")]))
        .propagators([Propagator::TraceContext])
        .span_exporter(InMemorySpanExporter::default())
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    assert_eq!(injected(), ["traceparent", "tracestate"]);
    drop(guard);

    // An unknown propagator is an error that names the variable and the choices.
    let err = genai_o11y::init().env_source(env(&[("OTEL_PROPAGATORS", "tracecontext,xray")])).log_format(LogFormat::Off).install_thread_local().unwrap_err();
    assert!(matches!(err, SetupError::UnknownPropagator { .. }));
    assert_eq!(err.to_string(), "unknown propagator \"xray\" (from OTEL_PROPAGATORS): expected `tracecontext`, `baggage` or `none`, comma-separated");

    // A cap on metric attribution values that is not a number is refused, not ignored.
    let err = genai_o11y::init()
        .env_source(env(&[("GENAI_O11Y_METRIC_ATTRIBUTES", "app.feature"), ("GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES", "two")]))
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid cap on metric attribution values \"two\" (from GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES): expected a whole number, e.g. 100"
    );

    // The attribution processor is in init()'s pipeline.
    let exporter = InMemorySpanExporter::default();
    let guard = genai_o11y::init().env_source(env(&[])).span_exporter(exporter.clone()).log_format(LogFormat::Off).install_thread_local().unwrap();
    Attribution::new().session_id("s-init").user_id("u-init").scope(lookup("x")).await.unwrap();
    lookup("y").await.unwrap();
    guard.flush();
    let spans = exporter.get_finished_spans().unwrap();
    drop(guard);
    let session: Vec<(String, Option<String>)> =
        spans.iter().map(|s| (string_attr(s, "gen_ai.tool.call.arguments").unwrap_or_default(), string_attr(s, "session.id"))).collect();
    assert_eq!(spans.len(), 2);
    assert_eq!(string_attr(&spans[0], "session.id").as_deref(), Some("s-init"));
    assert_eq!(string_attr(&spans[0], "user.id").as_deref(), Some("u-init"));
    assert_eq!(string_attr(&spans[1], "session.id"), None, "{session:?}");
}

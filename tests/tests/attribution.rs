//! Attribution: session, user, tags and metadata on every span started inside a scope (this
//! crate's and the application's own), nested scopes, concurrent tasks, and the metric allow-list.

mod common;

use common::*;
use futures::future::join_all;
use genai_o11y::attribution::{Attribution, MetricAttribution};
use genai_o11y::testing::{point_attrs, Points, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool, Settings, Usage};
use opentelemetry_sdk::trace::SpanData;
use tracing::Instrument;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(prompt: &str) -> Result<Usage, ApiError> {
    tokio::task::yield_now().await;
    let _ = prompt;
    Ok(Usage::new().input(10).output(2))
}

#[genai_tool]
async fn lookup(marker: String) -> Result<String, ApiError> {
    tokio::task::yield_now().await;
    // The application's own span, inside the tool.
    async { tokio::task::yield_now().await }.instrument(tracing::info_span!("db_query", marker = marker.as_str())).await;
    Ok(marker)
}

#[genai_agent(name = "helper")]
async fn agent(marker: String) -> Result<String, ApiError> {
    let found = lookup(marker.clone()).await?;
    chat(&found).await?;
    Ok(found)
}

fn session(span: &SpanData) -> Option<String> {
    string_attr(span, "session.id")
}

fn tags(span: &SpanData) -> Vec<String> {
    match genai_o11y::testing::attr(span, "genai_o11y.tags") {
        Some(opentelemetry::Value::Array(opentelemetry::Array::String(t))) => t.iter().map(|s| s.as_str().to_owned()).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn every_span_started_inside_carries_the_attribution_and_none_outside() {
    let t = TestTelemetry::new();
    let scoped = Attribution::new().session_id("s-1").user_id("u-1").tags(["beta", "eu"]).metadata("app.feature", "search").metadata("app.tier", "gold");
    scoped.scope(agent("m".into()).instrument(tracing::info_span!("handle_request"))).await.unwrap();
    agent("outside".into()).await.unwrap();

    let spans = t.spans();
    let first_trace = t.span("handle_request").span_context.trace_id();
    let (inside, outside): (Vec<&SpanData>, Vec<&SpanData>) = spans.iter().partition(|s| s.span_context.trace_id() == first_trace);
    let names: Vec<&str> = inside.iter().map(|s| s.name.as_ref()).collect();
    for expected in ["handle_request", "invoke_agent helper", "execute_tool lookup", "db_query", "chat gpt-4o"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    for s in &inside {
        assert_eq!(session(s).as_deref(), Some("s-1"), "{}", s.name);
        assert_eq!(string_attr(s, "user.id").as_deref(), Some("u-1"), "{}", s.name);
        assert_eq!(tags(s), ["beta", "eu"], "{}", s.name);
        assert_eq!(string_attr(s, "app.feature").as_deref(), Some("search"), "{}", s.name);
        assert_eq!(string_attr(s, "app.tier").as_deref(), Some("gold"), "{}", s.name);
    }
    assert_eq!(outside.len(), 4);
    for s in &outside {
        for k in ["session.id", "user.id", "genai_o11y.tags", "app.feature"] {
            assert!(genai_o11y::testing::attr(s, k).is_none(), "{} carries {k}", s.name);
        }
    }
}

#[tokio::test]
async fn nested_scopes_merge_and_the_inner_one_wins() {
    let t = TestTelemetry::new();
    let outer = Attribution::new().session_id("s-outer").user_id("u-1").tag("a").metadata("app.feature", "search");
    outer
        .scope(async {
            chat("outer").await.unwrap();
            Attribution::new().session_id("s-inner").tag("b").metadata("app.feature", "summarize").scope(chat("inner")).await.unwrap();
            chat("outer again").await.unwrap();
        })
        .await;
    let spans = t.spans();
    type Row = (Option<String>, Option<String>, Vec<String>, Option<String>);
    let got: Vec<Row> = spans.iter().map(|s| (session(s), string_attr(s, "user.id"), tags(s), string_attr(s, "app.feature"))).collect();
    let row = |s: &str, tags: &[&str], f: &str| {
        (Some(s.to_owned()), Some("u-1".to_owned()), tags.iter().map(|t| t.to_string()).collect::<Vec<_>>(), Some(f.to_owned()))
    };
    assert_eq!(got, [row("s-outer", &["a"], "search"), row("s-inner", &["a", "b"], "summarize"), row("s-outer", &["a"], "search")]);
}

#[tokio::test]
async fn hand_built_calls_and_closures_in_scope() {
    let t = TestTelemetry::new();
    Attribution::new().session_id("s-sync").in_scope(|| {
        let call = genai_o11y::GenAiSpanBuilder::tool("by_hand").start();
        call.finish(genai_o11y::Outcome::default());
        tracing::info_span!("app_sync").in_scope(|| {});
    });
    // The builder's own attribution (what `#[genai_agent(session_id = ..)]` uses).
    let call = genai_o11y::GenAiSpanBuilder::agent("hand_agent").attribution(Attribution::new().session_id("s-agent").user_id("u-agent")).start();
    call.in_scope(|| tracing::info_span!("inside_hand_agent").in_scope(|| {}), |_, _| genai_o11y::Outcome::default());
    let call = genai_o11y::GenAiSpanBuilder::tool("after").start();
    call.finish(genai_o11y::Outcome::default());
    for (name, s) in [("execute_tool by_hand", "s-sync"), ("app_sync", "s-sync"), ("invoke_agent hand_agent", "s-agent"), ("inside_hand_agent", "s-agent")] {
        assert_eq!(session(&t.span(name)).as_deref(), Some(s), "{name}");
    }
    assert_eq!(string_attr(&t.span("inside_hand_agent"), "user.id").as_deref(), Some("u-agent"));
    assert_eq!(session(&t.span("execute_tool after")), None, "the agent's attribution ends with it");
}

/// Two sessions at once on one thread, interleaved at every await: nothing leaks.
#[tokio::test]
async fn concurrent_sessions_do_not_leak_into_each_other() {
    let t = TestTelemetry::new();
    let sessions = ["alpha", "beta", "gamma"];
    // join_all: polled inside one task.
    join_all(sessions.map(|s| Attribution::new().session_id(s).scope(agent(format!("join-{s}"))))).await;
    // task::spawn: other tasks, carried by task::Context (current-thread runtime: interleaved).
    let handles = sessions.map(|s| Attribution::new().session_id(s).scope(async move { genai_o11y::task::spawn(agent(format!("spawn-{s}"))).await.unwrap() }));
    join_all(handles).await;
    // Plain tokio::spawn of a future in the current span: its spans inherit the parent span's.
    let plain = sessions.map(|s| {
        Attribution::new()
            .session_id(s)
            .scope(async move { tokio::spawn(lookup(format!("plain-{s}")).in_current_span()).await.unwrap() }.instrument(tracing::info_span!("plain_parent")))
    });
    join_all(plain).await;

    let spans = t.spans();
    let mut checked = 0;
    for s in &spans {
        let marker = string_attr(s, "marker").or_else(|| {
            // The tool and agent spans: find the marker on their db_query descendant's trace.
            spans.iter().find(|d| d.span_context.trace_id() == s.span_context.trace_id() && d.name == "db_query").and_then(|d| string_attr(d, "marker"))
        });
        let Some(marker) = marker else { continue };
        let expected = marker.rsplit('-').next().unwrap().to_owned();
        assert_eq!(session(s).as_deref(), Some(expected.as_str()), "{} of {marker}", s.name);
        checked += 1;
    }
    assert!(checked >= 3 * (4 + 4 + 3), "checked {checked} spans");
}

/// Every point of every metric, as (metric, sorted attributes).
fn all_points(t: &TestTelemetry) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for name in t.metric_names() {
        let points: Vec<Vec<(String, String)>> = match t.metric(&name).unwrap().points {
            Points::F64Histogram(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::U64Histogram(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::U64Sum(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::F64Sum(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::Other(o) => panic!("{name}: {o}"),
        };
        out.extend(points.into_iter().map(|p| (name.clone(), p)));
    }
    out
}

#[genai_span(operation = "chat", provider = "openai", model = "no-such-model")]
async fn unpriced_chat() -> Result<Usage, ApiError> {
    Ok(Usage::new().input(1).output(1))
}

#[tokio::test]
async fn allowed_keys_reach_every_genai_metric_and_nothing_else_does() {
    for conventions in [genai_o11y::Conventions::V1_41, genai_o11y::Conventions::LatestExperimental] {
        let t = TestTelemetry::with_settings(
            Settings::default().conventions(conventions).metric_attribution(MetricAttribution::keys(["app.feature", "session.id"])),
        );
        let a = Attribution::new().session_id("s-1").user_id("u-1").tag("beta").metadata("app.feature", "search").metadata("app.secret_sauce", "x");
        a.scope(async {
            agent("m".into()).await.unwrap();
            unpriced_chat().await.unwrap();
        })
        .await;
        let points = all_points(&t);
        let names: std::collections::BTreeSet<&str> = points.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains("genai_o11y.client.cost") && names.contains("genai_o11y.client.cost.unpriced") && names.len() >= 5, "{names:?}");
        for (name, attrs) in &points {
            assert!(attrs.contains(&("app.feature".into(), "search".into())), "{conventions:?} {name}: {attrs:?}");
            for (k, _) in attrs {
                assert!(!["session.id", "user.id", "app.secret_sauce", "genai_o11y.tags"].contains(&k.as_str()), "{name} carries {k}");
            }
        }
    }
}

#[tokio::test]
async fn the_cardinality_cap_holds_under_ten_thousand_distinct_values() {
    let t = TestTelemetry::with_settings(Settings::default().metric_attribution(MetricAttribution::keys(["app.feature"]).max_values(20)));
    for i in 0..10_000 {
        Attribution::new().metadata("app.feature", format!("feature-{i}")).scope(chat("x")).await.unwrap();
    }
    let values: std::collections::BTreeSet<String> = all_points(&t)
        .into_iter()
        .filter(|(n, _)| n == "gen_ai.client.operation.duration")
        .map(|(_, attrs)| attrs.into_iter().find(|(k, _)| k == "app.feature").unwrap().1)
        .collect();
    assert_eq!(values.len(), 21, "20 values and the overflow value");
    assert!(values.contains(MetricAttribution::OVERFLOW_VALUE));
    // The spans keep the real value: only metrics are capped.
    assert!(t.spans().iter().any(|s| string_attr(s, "app.feature").as_deref() == Some("feature-9999")));
}

#[genai_span(operation = "chat", provider = "anthropic", model = "claude-sonnet-4", prompt_name = "support-answer", prompt_version = version)]
async fn versioned_chat(version: &str, fail: bool) -> Result<Usage, ApiError> {
    tokio::task::yield_now().await;
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(Usage::new().input(100).output(20).cache_read(40))
}

#[genai_span(operation = "chat", provider = "anthropic", model = "claude-sonnet-4", prompt_name = "support-answer")]
async fn unversioned_chat() -> Result<Usage, ApiError> {
    Ok(Usage::new().input(1).output(1))
}

/// The prompt identity of each call becomes a dimension of its metrics (duration, tokens, cost)
/// when the allow-list names its keys, in both convention modes, under the same value cap; by
/// default (tests/tests/inference.rs) no metric carries it.
#[tokio::test]
async fn listed_prompt_keys_put_each_calls_prompt_on_its_metrics_under_the_cap() {
    for conventions in [genai_o11y::Conventions::V1_41, genai_o11y::Conventions::LatestExperimental] {
        let keys = ["app.feature", "gen_ai.prompt.name", "gen_ai.prompt.version"];
        let t = TestTelemetry::with_settings(Settings::default().conventions(conventions).metric_attribution(MetricAttribution::keys(keys).max_values(2)));
        Attribution::new()
            .metadata("app.feature", "support")
            .scope(async {
                versioned_chat("3", false).await.unwrap();
                versioned_chat("4", false).await.unwrap();
                versioned_chat("4", true).await.unwrap_err();
                versioned_chat("5", false).await.unwrap(); // a third version: past the cap of 2
                unversioned_chat().await.unwrap();
            })
            .await;
        chat("no prompt, no attribution").await.unwrap();

        let points = all_points(&t);
        let names: std::collections::BTreeSet<&str> = points.iter().map(|(n, _)| n.as_str()).collect();
        let (duration, tokens) = match conventions {
            genai_o11y::Conventions::V1_41 => ("gen_ai.client.operation.duration", "gen_ai.client.token.usage"),
            genai_o11y::Conventions::LatestExperimental => ("gen_ai.client.inference.duration", "gen_ai.client.inference.usage.input_tokens"),
        };
        for metric in [duration, tokens, "genai_o11y.client.cost"] {
            assert!(names.contains(metric), "{conventions:?}: {metric} in {names:?}");
            let versions: std::collections::BTreeSet<Option<String>> = points
                .iter()
                .filter(|(n, attrs)| n == metric && attrs.contains(&("gen_ai.prompt.name".into(), "support-answer".into())))
                .map(|(_, attrs)| attrs.iter().find(|(k, _)| k == "gen_ai.prompt.version").map(|(_, v)| v.clone()))
                .collect();
            let want: std::collections::BTreeSet<Option<String>> =
                [Some("3"), Some("4"), Some(MetricAttribution::OVERFLOW_VALUE), None].into_iter().map(|v| v.map(str::to_owned)).collect();
            assert_eq!(versions, want, "{conventions:?} {metric}: two versions, the overflow, and the call without a version");
            // The call outside any prompt and attribution: neither dimension.
            assert!(
                points.iter().any(|(n, attrs)| n == metric && !attrs.iter().any(|(k, _)| k.starts_with("gen_ai.prompt.") || k == "app.feature")),
                "{conventions:?} {metric}: the plain call has its own series"
            );
        }
        // The failed call of version 4: its duration carries error.type next to the prompt.
        let failed = points.iter().find(|(n, attrs)| n == duration && attrs.contains(&("error.type".into(), "429".into()))).expect("failed call measured");
        assert!(failed.1.contains(&("gen_ai.prompt.version".into(), "4".into())) && failed.1.contains(&("app.feature".into(), "support".into())), "{failed:?}");
        // Spans keep the real version: only metrics are capped.
        assert!(t.spans().iter().any(|s| string_attr(s, "gen_ai.prompt.version").as_deref() == Some("5")));
    }
}

#[genai_agent(name = "concierge", session_id = session.as_str(), user_id = "u-42")]
async fn concierge(session: String) -> Result<String, ApiError> {
    lookup(format!("concierge-{session}")).await
}

#[tokio::test]
async fn genai_agent_session_and_user_arguments_scope_the_agents_body() {
    let t = TestTelemetry::new();
    // Inside an outer scope: the agent's own arguments win, the rest of the outer one stays.
    Attribution::new().session_id("outer").metadata("app.feature", "desk").scope(concierge("s-9".into())).await.unwrap();
    chat("after").await.unwrap();
    for name in ["invoke_agent concierge", "execute_tool lookup", "db_query"] {
        let s = t.span(name);
        assert_eq!(session(&s).as_deref(), Some("s-9"), "{name}");
        assert_eq!(string_attr(&s, "user.id").as_deref(), Some("u-42"), "{name}");
        assert_eq!(string_attr(&s, "app.feature").as_deref(), Some("desk"), "{name}");
    }
    assert_eq!(session(&t.span("chat gpt-4o")), None, "the scope ends with the agent");
}

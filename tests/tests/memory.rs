//! `#[genai_memory]`: memory operations' spans, record counts from the return value, the opt-in
//! query and records, in both convention modes.

mod common;

use common::*;
use genai_o11y::testing::{attr, point_attrs, TestTelemetry};
use genai_o11y::{genai_agent, genai_memory, CaptureConfig, CaptureMode, Conventions, Settings};
use opentelemetry::trace::SpanKind;

#[derive(serde::Serialize, Clone)]
struct Fact {
    key: String,
    value: String,
}

#[genai_memory(operation = "search_memory", store = "user-facts", provider = "mem0", query = query)]
async fn recall(query: &str) -> Result<Vec<Fact>, ApiError> {
    let _ = query;
    Ok(vec![Fact { key: "city".into(), value: "Paris".into() }, Fact { key: "diet".into(), value: "vegetarian".into() }])
}

#[genai_memory(operation = "upsert_memory", store = "user-facts", span_kind = "internal", records = facts)]
fn remember(facts: &[Fact]) -> usize {
    facts.len()
}

#[genai_memory(operation = "delete_memory", store = "user-facts", record = id)]
fn forget(id: &str) -> Result<(), ApiError> {
    let _ = id;
    Err(ApiError::Timeout)
}

#[genai_agent(name = "assistant")]
async fn assistant() -> Result<usize, ApiError> {
    let facts = recall("where does the user live?").await?;
    Ok(remember(&facts))
}

#[tokio::test]
async fn memory_operations_in_both_modes() {
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_conventions(conventions);
        assert_eq!(assistant().await.unwrap(), 2);
        assert!(forget("fact-9").is_err());
        let agent = t.span("invoke_agent assistant");
        let search = t.span("search_memory");
        assert_eq!(search.span_kind, SpanKind::Client);
        assert!(is_child_of(&search, &agent));
        for (k, v) in [("gen_ai.operation.name", "search_memory"), ("gen_ai.memory.store.id", "user-facts"), ("gen_ai.provider.name", "mem0")] {
            assert_eq!(string_attr(&search, k).as_deref(), Some(v), "{conventions:?} {k}");
        }
        assert_eq!(int_attr(&search, "gen_ai.memory.record.count"), Some(2), "the records returned");
        let upsert = t.span("upsert_memory");
        assert_eq!(upsert.span_kind, SpanKind::Internal, "an in-process store");
        assert_eq!(int_attr(&upsert, "gen_ai.memory.record.count"), Some(2), "a count returned");
        let delete = t.span("delete_memory");
        assert_eq!(string_attr(&delete, "gen_ai.memory.record.id").as_deref(), Some("fact-9"));
        assert_eq!(string_attr(&delete, "error.type").as_deref(), Some("timeout"));
        assert!(attr(&delete, "gen_ai.memory.record.count").is_none(), "`()` says nothing about records");
        // Content is opt-in.
        assert!(attr(&search, "gen_ai.memory.query.text").is_none() && attr(&upsert, "gen_ai.memory.records").is_none());
        let ops = |metric: &str| -> Vec<String> {
            t.f64_histogram(metric).iter().flat_map(|p| point_attrs(p.attributes())).filter(|(k, _)| k == "gen_ai.operation.name").map(|(_, v)| v).collect()
        };
        // The search names its provider. The other two involve none: v1.41 requires
        // `gen_ai.provider.name` on `gen_ai.client.operation.duration`, so there they are this
        // crate's `genai_o11y.client.operation.duration`; the latest conventions require it only
        // when a provider is involved.
        let (conventional, providerless) = match conventions {
            Conventions::V1_41 => (vec!["search_memory"], vec!["upsert_memory", "delete_memory"]),
            _ => (vec!["search_memory", "upsert_memory", "delete_memory"], vec![]),
        };
        assert_eq!(sorted(ops("gen_ai.client.operation.duration")), sorted(conventional), "{conventions:?}");
        assert_eq!(sorted(ops("genai_o11y.client.operation.duration")), sorted(providerless), "{conventions:?}");
    }
}

#[tokio::test]
async fn with_capture_the_query_and_records() {
    let t = TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
    assistant().await.unwrap();
    assert_eq!(string_attr(&t.span("search_memory"), "gen_ai.memory.query.text").as_deref(), Some("where does the user live?"));
    let records: serde_json::Value = serde_json::from_str(&string_attr(&t.span("upsert_memory"), "gen_ai.memory.records").unwrap()).unwrap();
    assert_eq!(records, serde_json::json!([{"key": "city", "value": "Paris"}, {"key": "diet", "value": "vegetarian"}]));
}

fn sorted(v: Vec<impl Into<String>>) -> Vec<String> {
    let mut v: Vec<String> = v.into_iter().map(Into::into).collect();
    v.sort();
    v
}

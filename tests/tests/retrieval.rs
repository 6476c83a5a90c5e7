//! `#[genai_retrieval]` and `#[derive(Document)]`: the retrieval span, its documents read from the
//! return value, the opt-in query and documents validated against the conventions' official
//! schema, in both modes; and a RAG agent end to end (retrieval, chat, evaluation).

mod common;

use common::*;
use genai_o11y::evaluation::Evaluation;
use genai_o11y::testing::{attr, point_attrs, TestTelemetry};
use genai_o11y::{genai_agent, genai_retrieval, genai_span, CaptureConfig, CaptureMode, Conventions, Document, RetrievedDocument, Settings, Usage};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use serde_json::{json, Value as Json};

/// The official schema of `gen_ai.retrieval.documents` (semantic conventions v1.41.1).
const DOCUMENTS_SCHEMA: &str = include_str!("../schemas/gen-ai-retrieval-documents.json");

#[derive(Document, Clone)]
struct Hit {
    id: String,
    score: Option<f32>,
    #[allow(dead_code)]
    text: String,
}

#[derive(Document)]
struct Chunk {
    #[document(id)]
    chunk_id: u64,
    #[document(score)]
    relevance: f64,
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Result<Usage, ApiError> {
    let _ = text;
    Ok(Usage::new().input(8))
}

/// Searches the knowledge base.
#[genai_retrieval(data_source = "kb-articles", provider = "qdrant", model = "text-embedding-3-small", top_k = k, query = query)]
async fn search(query: &str, k: u32) -> Result<Vec<Hit>, ApiError> {
    embed(query).await?;
    let hit = |id: &str, score: Option<f32>| Hit { id: id.into(), score, text: "...".into() };
    Ok(vec![hit("doc-1", Some(0.92)), hit("doc-7", Some(0.81)), hit("doc-9", None)].into_iter().take(k as usize).collect())
}

#[genai_retrieval(data_source = "chunks")]
fn search_chunks() -> Vec<Chunk> {
    vec![Chunk { chunk_id: 42, relevance: 0.5 }]
}

/// A client type we do not own: read with a closure.
struct Foreign {
    keys: Vec<(String, f64)>,
}

#[genai_retrieval(data_source = "foreign", documents = |r| r.keys.iter().map(|(k, s)| RetrievedDocument::new(k.as_str()).score(*s)).collect::<Vec<_>>())]
fn search_foreign() -> Result<Foreign, ApiError> {
    Ok(Foreign { keys: vec![("a".into(), 1.0)] })
}

#[genai_retrieval(data_source = "nothing", documents = none)]
fn search_quietly() -> Result<u32, ApiError> {
    Ok(3)
}

#[genai_retrieval(data_source = "kb-articles")]
async fn search_fails() -> Result<Vec<Hit>, ApiError> {
    Err(ApiError::Timeout)
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(context: &[Hit]) -> Result<Usage, ApiError> {
    let _ = context;
    Ok(Usage::new().input(300).output(40))
}

#[genai_agent(name = "rag")]
async fn rag(question: &str) -> Result<String, ApiError> {
    let hits = search(question, 3).await?;
    chat(&hits).await?;
    Evaluation::score("context_relevance", 0.86).record();
    Ok("Use the reset link.".into())
}

#[tokio::test]
async fn a_rag_agent_end_to_end_in_both_modes() {
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_conventions(conventions);
        rag("how do I reset my password?").await.unwrap();
        let agent = t.span("invoke_agent rag");
        let retrieval = t.span("retrieval kb-articles");
        assert_eq!(retrieval.span_kind, SpanKind::Client);
        assert!(is_child_of(&retrieval, &agent));
        assert!(is_child_of(&t.span("embeddings text-embedding-3-small"), &retrieval), "the embedding is the retrieval's child");
        assert!(is_child_of(&t.span("chat gpt-4o"), &agent));
        for (k, v) in [
            ("gen_ai.operation.name", "retrieval"),
            ("gen_ai.data_source.id", "kb-articles"),
            ("gen_ai.provider.name", "qdrant"),
            ("gen_ai.request.model", "text-embedding-3-small"),
        ] {
            assert_eq!(string_attr(&retrieval, k).as_deref(), Some(v), "{conventions:?} {k}");
        }
        match conventions {
            Conventions::V1_41 => assert_eq!(attr(&retrieval, "gen_ai.request.top_k"), Some(&Value::F64(3.0))),
            Conventions::LatestExperimental => assert_eq!(attr(&retrieval, "gen_ai.retrieval.top_k"), Some(&Value::I64(3))),
        }
        assert_eq!(int_attr(&retrieval, "genai_o11y.retrieval.document_count"), Some(3));
        // Content is opt-in: no query, no documents with capture off.
        assert!(attr(&retrieval, "gen_ai.retrieval.query.text").is_none());
        assert!(attr(&retrieval, "gen_ai.retrieval.documents").is_none());
        // The evaluation is on the agent.
        assert!(agent.events.iter().any(|e| e.name == "gen_ai.evaluation.result"));
        // The retrieval is a client operation: gen_ai.client.operation.duration.
        let durations: Vec<Vec<(String, String)>> = t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| point_attrs(p.attributes())).collect();
        assert!(durations.iter().any(|d| d.contains(&("gen_ai.operation.name".to_owned(), "retrieval".to_owned()))), "{durations:?}");
    }
}

#[tokio::test]
async fn with_capture_the_query_and_documents_follow_the_official_schema() {
    let t = TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)));
    search("how do I reset my password?", 3).await.unwrap();
    search_chunks();
    let retrieval = t.span("retrieval kb-articles");
    assert_eq!(string_attr(&retrieval, "gen_ai.retrieval.query.text").as_deref(), Some("how do I reset my password?"), "the query as text, not JSON");
    let schema: Json = serde_json::from_str(DOCUMENTS_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (name, expected) in [
        ("retrieval kb-articles", json!([{"id": "doc-1", "score": 0.9200000166893005}, {"id": "doc-7", "score": 0.8100000023841858}])),
        ("retrieval chunks", json!([{"id": "42", "score": 0.5}])),
    ] {
        let s = t.span(name);
        let text = string_attr(&s, "gen_ai.retrieval.documents").unwrap_or_else(|| panic!("{name}: documents"));
        let docs: Json = serde_json::from_str(&text).unwrap();
        assert!(
            validator.is_valid(&docs),
            "{name}: {docs} against the official schema: {:?}",
            validator.iter_errors(&docs).map(|e| e.to_string()).collect::<Vec<_>>()
        );
        assert_eq!(docs, expected, "{name}: a document without a score is counted, not listed (the schema requires both)");
    }
    assert_eq!(int_attr(&retrieval, "genai_o11y.retrieval.document_count"), Some(3));
}

#[tokio::test]
async fn documents_from_closures_none_and_errors() {
    let t = TestTelemetry::new();
    search_foreign().unwrap();
    search_quietly().unwrap();
    assert!(search_fails().await.is_err());
    assert_eq!(int_attr(&t.span("retrieval foreign"), "genai_o11y.retrieval.document_count"), Some(1));
    assert!(attr(&t.span("retrieval nothing"), "genai_o11y.retrieval.document_count").is_none(), "documents = none records none");
    let failed = t.spans().into_iter().find(|s| s.name == "retrieval kb-articles").unwrap();
    assert_eq!(string_attr(&failed, "error.type").as_deref(), Some("timeout"));
    assert!(attr(&failed, "genai_o11y.retrieval.document_count").is_none());
}

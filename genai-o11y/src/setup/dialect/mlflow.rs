//! MLflow 3.x. Its tracking server translates the GenAI conventions itself when it stores a span
//! (`mlflow/tracing/otel/translation/genai_semconv.py`, 3.17.2): the span type of chat,
//! completion, embeddings, tool and agent spans, the model and provider, the token usage (cache
//! included), the inputs and outputs from `gen_ai.input.messages` / `gen_ai.output.messages` and
//! `gen_ai.tool.call.arguments` / `result`, the session (`session.id`, else
//! `gen_ai.conversation.id`) and the user (`user.id`). It computes the cost itself.
//!
//! Added here:
//! - `mlflow.spanType` on every span of a known operation. MLflow has no type for retrieval,
//!   memory, workflow, plan or evaluation spans (they would be `UNKNOWN`), and the type it
//!   derives for the others is written into the span's attributes but not into the column its
//!   `span.type` search filter reads: a type sent by the client is both.
//! - The inputs and outputs MLflow reads nowhere else: a retrieval's query and documents (the
//!   documents in the shape of `mlflow.entities.Document`, which its UI shows as a retriever's
//!   documents), a memory operation's query and records.
//! - The usage of an embeddings span in MLflow's own key, with its total: MLflow totals a span's
//!   tokens only when it has both input and output tokens, and an embeddings call reports input
//!   tokens only, so the trace's total would leave them out.
//! - The attribution's metadata as trace tags (`mlflow.traceTag.<key>`, read on the root span).
//!
//! A span whose own keys already say what it is (`mlflow.*`, OpenInference's
//! `openinference.span.kind` / `input.value` / `output.value`, Langfuse's observation type) keeps
//! them: MLflow reads those before its GenAI translation.

use opentelemetry::Value;
use serde_json::{json, Map, Value as Json};

use super::{Attrs, Op};
use crate::semconv::platforms::{langfuse as lf, mlflow as ml, phoenix as px};
use crate::semconv::{memory, retrieval, v1_41 as sc};

pub(super) fn rewrite(a: &mut Attrs<'_>) {
    let op = a.op();
    if !a.has(px::SPAN_KIND) && !a.has(lf::OBSERVATION_TYPE) {
        if let Some(t) = span_type(op, a.str(sc::GEN_AI_OPERATION_NAME)) {
            a.add(ml::SPAN_TYPE, t);
        }
    }
    let (inputs, outputs) = match op {
        Op::Retrieval => (retrieval_inputs(a), retrieval_outputs(a)),
        Op::Memory => (memory_inputs(a), None),
        Op::Guard => guard_inputs_outputs(a),
        _ => (None, None),
    };
    if let Some(i) = inputs.filter(|_| !a.has(px::INPUT_VALUE)) {
        a.add(ml::SPAN_INPUTS, i.to_string());
    }
    if let Some(o) = outputs.filter(|_| !a.has(px::OUTPUT_VALUE)) {
        a.add(ml::SPAN_OUTPUTS, o.to_string());
    }
    // A trace's local root: MLflow shows the trace's request and response from it.
    if !a.has(px::INPUT_VALUE) {
        a.trace_content(ml::SPAN_INPUTS, ml::SPAN_OUTPUTS);
    }
    if op == Op::Embeddings && !a.has(sc::GEN_AI_USAGE_OUTPUT_TOKENS) {
        if let Some(Value::I64(n)) = a.get(sc::GEN_AI_USAGE_INPUT_TOKENS) {
            let usage = json!({ ml::USAGE_INPUT_TOKENS: n, ml::USAGE_TOTAL_TOKENS: n });
            a.add(ml::CHAT_USAGE, usage.to_string());
        }
    }
    for (k, v) in a.metadata() {
        a.add_owned(format!("{}{k}", ml::TRACE_TAG_PREFIX), v);
    }
}

/// A guard's inputs (the content it checked, when captured) and outputs (its decision, and what
/// it let through when captured).
fn guard_inputs_outputs(a: &Attrs<'_>) -> (Option<Json>, Option<Json>) {
    use crate::semconv::guardrail as g;
    let text = |k: &str| a.str(k).map(|t| serde_json::from_str::<Json>(t).unwrap_or_else(|_| Json::String(t.to_owned())));
    let inputs = text(g::CONTENT_INPUT_VALUE).map(|v| json!({ "content": v }));
    let mut out = Map::new();
    for (key, attr) in [("result", g::RESULT_TYPE), ("reason", g::RESULT_REASON), ("risk_category", g::RISK_CATEGORY), ("rule_id", g::POLICY_RULE_ID)] {
        if let Some(v) = a.str(attr) {
            out.insert(key.to_owned(), Json::String(v.to_owned()));
        }
    }
    if let Some(v) = text(g::CONTENT_OUTPUT_VALUE) {
        out.insert("content".to_owned(), v);
    }
    (inputs, (!out.is_empty()).then_some(Json::Object(out)))
}

/// `mlflow.entities.SpanType` of a span; `operation` tells a chat from the other inference
/// operations (MLflow's own mapping: `chat` is `CHAT_MODEL`, `text_completion` and
/// `generate_content` are `LLM`).
fn span_type(op: Op, operation: Option<&str>) -> Option<&'static str> {
    Some(match op {
        Op::Inference if operation == Some(sc::OP_CHAT) => ml::TYPE_CHAT_MODEL,
        Op::Inference => ml::TYPE_LLM,
        Op::Embeddings => ml::TYPE_EMBEDDING,
        Op::Tool => ml::TYPE_TOOL,
        Op::Agent => ml::TYPE_AGENT,
        Op::Retrieval => ml::TYPE_RETRIEVER,
        Op::Memory => ml::TYPE_MEMORY,
        Op::Workflow => ml::TYPE_WORKFLOW,
        // A plan is a step of the agent's (MLflow has no planning type).
        Op::Plan => ml::TYPE_CHAIN,
        Op::Evaluation => ml::TYPE_EVALUATOR,
        Op::Guard => ml::TYPE_GUARDRAIL,
        // The application's own spans: MLflow's default (`UNKNOWN`).
        Op::Other => return None,
    })
}

/// `{"query": ..}` from the captured query text.
fn retrieval_inputs(a: &Attrs<'_>) -> Option<Json> {
    let query = a.str(retrieval::GEN_AI_RETRIEVAL_QUERY_TEXT)?;
    Some(json!({ ml::INPUT_QUERY: query }))
}

/// The captured documents (`[{"id", "score"}]`) as MLflow's documents: `page_content` is empty
/// (the conventions carry no document text), the id is also the `doc_uri` MLflow's UI and
/// retrieval judges name a document by, the score goes in the metadata.
fn retrieval_outputs(a: &Attrs<'_>) -> Option<Json> {
    let docs: Json = serde_json::from_str(a.str(retrieval::GEN_AI_RETRIEVAL_DOCUMENTS)?).ok()?;
    let docs = docs.as_array()?.iter().map(|d| {
        let mut metadata = Map::new();
        let id = d.get(ml::DOC_ID).filter(|v| v.is_string());
        if let Some(id) = id {
            metadata.insert(ml::DOC_URI.to_owned(), id.clone());
        }
        if let Some(score) = d.get(ml::DOC_SCORE).filter(|v| v.is_number()) {
            metadata.insert(ml::DOC_SCORE.to_owned(), score.clone());
        }
        json!({ ml::DOC_PAGE_CONTENT: "", ml::DOC_METADATA: metadata, ml::DOC_ID: id })
    });
    Some(Json::Array(docs.collect()))
}

/// `{"query": .., "records": ..}` from the captured query text and records written, whichever
/// there are.
fn memory_inputs(a: &Attrs<'_>) -> Option<Json> {
    let mut m = Map::new();
    if let Some(q) = a.str(memory::GEN_AI_MEMORY_QUERY_TEXT) {
        m.insert(ml::INPUT_QUERY.to_owned(), Json::String(q.to_owned()));
    }
    if let Some(r) = a.str(memory::GEN_AI_MEMORY_RECORDS) {
        let records = serde_json::from_str(r).unwrap_or_else(|_| Json::String(r.to_owned()));
        m.insert(ml::INPUT_RECORDS.to_owned(), records);
    }
    (!m.is_empty()).then_some(Json::Object(m))
}

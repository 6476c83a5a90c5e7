//! Arize Phoenix. Its decoder translates `gen_ai.*` to OpenInference itself (span kind, model,
//! tokens, messages, tool name and parameters, session); what it leaves empty is the Input and
//! Output of tool and agent spans, and the kind of spans it cannot classify. OpenInference keys
//! sent by the application take precedence over its translation, so they are only added here.

use opentelemetry::{Array, StringValue, Value};

use super::{content_value, Attrs, Op};
use crate::semconv::platforms::phoenix as px;
use crate::semconv::{v1_41 as sc, vendor};

/// The resource attribute shown in the metadata.
const SERVICE_NAME: &str = "service.name";

pub(super) fn rewrite(a: &mut Attrs<'_>) {
    let op = a.op();
    a.add(px::SPAN_KIND, kind(op));
    let (input, output) = match op {
        Op::Tool => (sc::GEN_AI_TOOL_CALL_ARGUMENTS, sc::GEN_AI_TOOL_CALL_RESULT),
        Op::Agent => (sc::GEN_AI_INPUT_MESSAGES, sc::GEN_AI_OUTPUT_MESSAGES),
        Op::Guard => (crate::semconv::guardrail::CONTENT_INPUT_VALUE, crate::semconv::guardrail::CONTENT_OUTPUT_VALUE),
        _ => ("", ""),
    };
    if !input.is_empty() {
        let single_text = op == Op::Agent;
        value(a, input, px::INPUT_VALUE, px::INPUT_MIME_TYPE, single_text);
        value(a, output, px::OUTPUT_VALUE, px::OUTPUT_MIME_TYPE, single_text);
    }
    // A trace's local root (a request's server span): the trace's input and answer, which
    // Phoenix shows for the trace and its session.
    value(a, vendor::TRACE_INPUT, px::INPUT_VALUE, px::INPUT_MIME_TYPE, true);
    value(a, vendor::TRACE_OUTPUT, px::OUTPUT_VALUE, px::OUTPUT_MIME_TYPE, true);
    // `session.id`, `user.id`, `tag.tags` and `metadata` are OpenInference's own names: kept as
    // they are when the application sets them; the attribution's tags and metadata are renamed.
    a.copy(sc::GEN_AI_CONVERSATION_ID, px::SESSION_ID);
    let tags = a.tags();
    if !tags.is_empty() {
        a.add(px::TAGS, Value::Array(Array::String(tags.into_iter().map(StringValue::from).collect())));
    }
    // Phoenix shows no resource: the service that made the span goes into its metadata (shown
    // with the span, and filterable as `metadata['service.name']`).
    let mut metadata = a.metadata();
    if let Some(service) = a.origin().service_name.clone() {
        if !metadata.iter().any(|(k, _)| k == SERVICE_NAME) {
            metadata.push((SERVICE_NAME.to_owned(), service));
        }
    }
    if !metadata.is_empty() {
        let object: serde_json::Map<String, serde_json::Value> = metadata.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        a.add(px::METADATA, serde_json::Value::Object(object).to_string());
    }
}

fn kind(op: Op) -> &'static str {
    match op {
        Op::Inference => px::KIND_LLM,
        Op::Embeddings => px::KIND_EMBEDDING,
        Op::Tool => px::KIND_TOOL,
        Op::Agent => px::KIND_AGENT,
        Op::Retrieval => px::KIND_RETRIEVER,
        Op::Evaluation => px::KIND_EVALUATOR,
        Op::Guard => px::KIND_GUARDRAIL,
        Op::Workflow | Op::Memory | Op::Plan | Op::Other => px::KIND_CHAIN,
    }
}

/// `to` (and its mime type when JSON) from the captured content at `from`, if any; with
/// `single_text`, a list of one message whose parts are all text shows as that text (what an
/// agent was asked and answered reads as a sentence in Phoenix's Input and Output).
fn value(a: &mut Attrs<'_>, from: &str, to: &'static str, mime: &'static str, single_text: bool) {
    if a.has(to) {
        return;
    }
    let Some(text) = a.str(from) else { return };
    if let Some(t) = single_text.then(|| message_text(text)).flatten() {
        a.add(to, t);
        return;
    }
    let (v, json) = content_value(text);
    let v = v.into_owned();
    a.add(to, v);
    if json {
        a.add(mime, px::MIME_JSON);
    }
}

/// The text of a message list of the conventions' shape holding one message with text parts only.
fn message_text(messages: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(messages).ok()?;
    let [message] = v.as_array()?.as_slice() else { return None };
    let parts = message.get("parts")?.as_array()?;
    let texts: Option<Vec<&str>> = parts.iter().map(|p| (p.get("type")?.as_str()? == "text").then(|| p.get("content")?.as_str()).flatten()).collect();
    let texts = texts.filter(|t| !t.is_empty())?;
    Some(texts.join("\n"))
}

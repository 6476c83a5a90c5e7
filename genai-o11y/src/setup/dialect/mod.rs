//! Per-platform dialects, applied at export time: the annotation path emits the GenAI semantic
//! conventions only; a [`Dialect`] rewrites each span's attributes just before the exporter sends
//! it, adding what its platform reads and removing what it would misfile.
//!
//! The presets apply theirs ([`Preset::dialect`](super::Preset::dialect)); a pipeline wired by
//! hand wraps its exporter:
//!
//! ```no_run
//! use genai_o11y::setup::Dialect;
//! use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
//!
//! fn provider(exporter: impl SpanExporter + 'static) -> SdkTracerProvider {
//!     SdkTracerProvider::builder().with_batch_exporter(Dialect::Phoenix.wrap(exporter)).build()
//! }
//! ```
//!
//! | dialect | adds | removes |
//! |---|---|---|
//! | Phoenix | `openinference.span.kind`; `input.value` / `output.value` (+ `_mime_type`) on tool and agent spans; `session.id` from `gen_ai.conversation.id`; the attribution's tags as `tag.tags`, its metadata and the resource's `service.name` as `metadata` (JSON) | nothing |
//! | Langfuse | `langfuse.observation.type`; `langfuse.session.id`, `langfuse.user.id`; `gen_ai.usage.cost` from the computed cost (USD); on generation spans `langfuse.observation.prompt.name` / `.version` from `gen_ai.prompt.name` / `version`; the attribution's tags as `langfuse.trace.tags`, its metadata as `langfuse.trace.metadata.<key>` | nothing |
//! | LangSmith | `langsmith.span.kind`; `gen_ai.system`; `langsmith.metadata.ls_model_name` / `ls_provider` / `conversation_id` / `session_id` / `user_id`; the attribution's tags as `langsmith.span.tags`, its metadata as `langsmith.metadata.<key>` | renames the operation `embeddings` to `embedding` |
//! | Opik | `gen_ai.system` (not on agent spans); the attribution's tags as `opik.tags`, its user and metadata as `opik.metadata.user_id` / `<key>` | on agent spans: model, usage, messages, system instructions; everywhere: other platforms' keys, and `user.id`, `genai_o11y.tags` and the metadata keys once renamed |
//! | MLflow | `mlflow.spanType` (`CHAT_MODEL`, `LLM`, `EMBEDDING`, `TOOL`, `AGENT`, `RETRIEVER`, `MEMORY`, `WORKFLOW`, `CHAIN` for plans, `EVALUATOR`, `GUARDRAIL`); `mlflow.spanInputs` / `mlflow.spanOutputs` on retrieval spans (`{"query"}`, the documents as MLflow's `[{page_content, metadata: {doc_uri, score}, id}]`) and memory spans (`{"query", "records"}`); on embeddings spans `mlflow.chat.tokenUsage` with its total; the attribution's metadata as `mlflow.traceTag.<key>` | nothing |
//!
//! Guard spans (`run_guardrail`, [`crate::guard`]): Phoenix `GUARDRAIL`, Langfuse `guardrail`,
//! MLflow `GUARDRAIL`; LangSmith has no guardrail run type (`chain`); Opik's span type is not set
//! by this dialect for any span (a guard span carries no model or usage, so Opik files it as a
//! general span). Phoenix gets the guard's captured content as the span's `input.value` /
//! `output.value`; MLflow gets it as `mlflow.spanInputs` and the decision (`{"result", "reason"}`)
//! as `mlflow.spanOutputs`.
//!
//! Every rule adds a key only when the span does not carry it already: what the application
//! sets by hand wins.

mod langfuse;
mod langsmith;
mod mlflow;
mod opik;
mod phoenix;

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;

use crate::semconv::{attribution, platforms, v1_41 as sc, vendor};

/// What a platform reads beyond the GenAI conventions, applied to spans at export time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Arize Phoenix (OpenInference keys).
    Phoenix,
    /// Langfuse.
    Langfuse,
    /// LangSmith.
    LangSmith,
    /// Comet Opik.
    Opik,
    /// MLflow 3.x.
    MLflow,
}

impl Dialect {
    /// `exporter` with this dialect applied to every span it exports.
    pub fn wrap<E: SpanExporter>(self, exporter: E) -> DialectExporter<E> {
        DialectExporter { inner: exporter, dialect: self, origin: Origin::default() }
    }

    /// Whether the platform reads the trace's name on every span (the span pipeline then writes
    /// `genai_o11y.trace.name` beneath each trace's local root).
    pub fn wants_trace_name(self) -> bool {
        self == Dialect::Langfuse
    }

    /// Rewrites one span's attributes.
    pub fn apply(self, span: &mut SpanData) {
        self.rewrite_from(&mut span.attributes, &Origin::default(), Some(span.start_time))
    }

    /// Rewrites a span's attributes (what [`Dialect::apply`] does to a `SpanData`), without
    /// the exporter's resource.
    pub fn rewrite(self, attributes: &mut Vec<KeyValue>) {
        self.rewrite_from(attributes, &Origin::default(), None)
    }

    /// Rewrites a span's attributes, knowing the resource of the process that made it and when
    /// the span started.
    pub(crate) fn rewrite_from(self, attributes: &mut Vec<KeyValue>, origin: &Origin, start: Option<SystemTime>) {
        let mut a = Attrs(attributes, origin, start);
        match self {
            Dialect::Phoenix => phoenix::rewrite(&mut a),
            Dialect::Langfuse => langfuse::rewrite(&mut a),
            Dialect::LangSmith => langsmith::rewrite(&mut a),
            Dialect::Opik => opik::rewrite(&mut a),
            Dialect::MLflow => mlflow::rewrite(&mut a),
        }
    }
}

/// A span exporter that applies a [`Dialect`] to each span before passing the batch on.
#[derive(Debug)]
pub struct DialectExporter<E> {
    inner: E,
    dialect: Dialect,
    origin: Origin,
}

/// What the dialects read of the resource (the SDK hands it to the exporter): platforms that show
/// no resource get the service on each span, and Langfuse wants environment and release on every
/// observation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    /// `service.name`.
    pub(crate) service_name: Option<String>,
    /// `service.namespace`.
    pub(crate) service_namespace: Option<String>,
    /// `service.version`.
    pub(crate) service_version: Option<String>,
    /// `deployment.environment.name` (or the older `deployment.environment`).
    pub(crate) environment: Option<String>,
}

impl Origin {
    /// The fields of `resource`.
    pub(crate) fn of(resource: &Resource) -> Origin {
        let get = |k: &'static str| resource.get(&opentelemetry::Key::from_static_str(k)).map(|v| v.as_str().into_owned());
        Origin {
            service_name: get("service.name"),
            service_namespace: get("service.namespace"),
            service_version: get("service.version"),
            environment: get("deployment.environment.name").or_else(|| get("deployment.environment")),
        }
    }
}

impl<E> DialectExporter<E> {
    /// The dialect applied.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
    /// The wrapped exporter.
    pub fn into_inner(self) -> E {
        self.inner
    }
}

impl<E: SpanExporter> SpanExporter for DialectExporter<E> {
    async fn export(&self, mut batch: Vec<SpanData>) -> OTelSdkResult {
        for span in &mut batch {
            self.dialect.rewrite_from(&mut span.attributes, &self.origin, Some(span.start_time));
        }
        self.inner.export(batch).await
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.origin = Origin::of(resource);
        self.inner.set_resource(resource)
    }
}

/// What a span is, from `gen_ai.operation.name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    /// `chat`, `text_completion`, `generate_content`.
    Inference,
    /// `embeddings`.
    Embeddings,
    /// `execute_tool`.
    Tool,
    /// `invoke_agent`, `create_agent`.
    Agent,
    /// `retrieval`.
    Retrieval,
    /// `invoke_workflow`.
    Workflow,
    /// A memory operation (`search_memory`, `upsert_memory`, ...).
    Memory,
    /// `plan`.
    Plan,
    /// `run_guardrail` (`crate::guard`).
    Guard,
    /// An evaluation made after its call ended (`crate::evaluation`): no operation, a
    /// `gen_ai.evaluation.name`.
    Evaluation,
    /// Another operation, or none (the application's own spans).
    Other,
}

/// A span's attributes, with the lookups the dialects need.
pub(super) struct Attrs<'a>(&'a mut Vec<KeyValue>, &'a Origin, Option<SystemTime>);

impl Attrs<'_> {
    /// The resource of the process that made the span.
    pub(super) fn origin(&self) -> &Origin {
        self.1
    }
    /// When the span started, when known.
    pub(super) fn start(&self) -> Option<SystemTime> {
        self.2
    }
    /// The trace's input and output written on its local root (`crate::trace_root`), as `to_in`
    /// / `to_out` (JSON text, or the text of a single text message), with `mime` keys when given.
    pub(super) fn trace_content(&mut self, to_in: &'static str, to_out: &'static str) {
        for (from, to) in [(vendor::TRACE_INPUT, to_in), (vendor::TRACE_OUTPUT, to_out)] {
            if let Some(text) = self.str(from).map(str::to_owned) {
                let (v, _) = content_value(&text);
                self.add(to, v.into_owned());
            }
        }
    }
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
    }
    /// A string attribute (other types are not text the platforms read).
    pub(super) fn str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    pub(super) fn op(&self) -> Op {
        match self.str(sc::GEN_AI_OPERATION_NAME) {
            Some(sc::OP_CHAT | sc::OP_TEXT_COMPLETION | sc::OP_GENERATE_CONTENT) => Op::Inference,
            Some(sc::OP_EMBEDDINGS) => Op::Embeddings,
            Some(sc::OP_EXECUTE_TOOL) => Op::Tool,
            Some(sc::OP_INVOKE_AGENT | platforms::OP_CREATE_AGENT) => Op::Agent,
            Some(platforms::OP_RETRIEVAL) => Op::Retrieval,
            Some(crate::semconv::workflow::OP_INVOKE_WORKFLOW) => Op::Workflow,
            Some(op) if crate::semconv::memory::OPERATIONS.contains(&op) => Op::Memory,
            Some(crate::semconv::plan::OP_PLAN) => Op::Plan,
            Some(crate::semconv::guardrail::OP_RUN_GUARDRAIL) => Op::Guard,
            _ if self.has(crate::semconv::evaluation::NAME) => Op::Evaluation,
            _ => Op::Other,
        }
    }
    /// Sets `key` unless the span carries it already.
    pub(super) fn add(&mut self, key: &'static str, value: impl Into<Value>) {
        if !self.has(key) {
            self.0.push(KeyValue::new(key, value));
        }
    }
    /// Replaces the value of `key` (every occurrence).
    pub(super) fn replace(&mut self, key: &str, value: &'static str) {
        for kv in self.0.iter_mut().filter(|kv| kv.key.as_str() == key) {
            kv.value = Value::from(value);
        }
    }
    /// Removes every attribute whose key `drop` selects.
    pub(super) fn remove_where(&mut self, drop: impl Fn(&str) -> bool) {
        self.0.retain(|kv| !drop(kv.key.as_str()));
    }
    /// Sets `key` (built at run time) unless the span carries it already.
    pub(super) fn add_owned(&mut self, key: String, value: impl Into<Value>) {
        if !self.has(&key) {
            self.0.push(KeyValue::new(key, value));
        }
    }
    /// The attribution's tags (`genai_o11y.tags`), if any.
    pub(super) fn tags(&self) -> Vec<String> {
        match self.get(attribution::TAGS) {
            Some(Value::Array(opentelemetry::Array::String(tags))) => tags.iter().map(|t| t.as_str().to_owned()).collect(),
            _ => Vec::new(),
        }
    }
    /// The attribution's metadata on this span: the string attributes whose keys were given to
    /// `Attribution::metadata` in this process.
    pub(super) fn metadata(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for kv in self.0.iter() {
            if let Value::String(v) = &kv.value {
                if crate::attribution::is_metadata_key(kv.key.as_str()) && !out.iter().any(|(k, _)| k == kv.key.as_str()) {
                    out.push((kv.key.as_str().to_owned(), v.as_str().to_owned()));
                }
            }
        }
        out
    }
    /// Copies the string attribute `from` to `to` (when `to` is absent).
    pub(super) fn copy(&mut self, from: &str, to: &'static str) {
        if let Some(v) = self.str(from).map(str::to_owned) {
            self.add(to, v);
        }
    }
}

/// Captured content as a platform's `input.value` / `output.value`: a JSON string becomes its
/// text; an object or array stays JSON (and says so, with the JSON mime type); anything else is
/// taken as it is.
pub(super) fn content_value(text: &str) -> (Cow<'_, str>, bool) {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(s)) => (Cow::Owned(s), false),
        Ok(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => (Cow::Borrowed(text), true),
        _ => (Cow::Borrowed(text), false),
    }
}

#[cfg(test)]
mod tests;

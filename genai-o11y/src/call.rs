//! The runtime behind the annotations, usable by hand: [`GenAiSpan`] describes a call,
//! [`GenAiSpan::start`] opens its span and returns an [`ActiveCall`], which records the outcome,
//! the duration and the token usage exactly once: when the call returns, fails, panics, or is
//! dropped before completion.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use serde_json::Value as Json;

use crate::capture::ContentKind;
use crate::error::ErrorInfo;
use crate::metrics::{self, Instruments};
use crate::params::{BoolParam, FloatParam, IntParam, TextListParam, TextParam};
use crate::pricing::CostSource;
use crate::scope::{self, Scope, ScopeGuard, ScopeKind};
use crate::semconv::{is_inference_operation, latest, tracing_names as tn, v1_41 as sc, vendor, Conventions};
use crate::usage::{HasUsage, Usage};

/// What kind of GenAI operation a span describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A model call (`chat`, `text_completion`, `generate_content`, `embeddings`, or a custom
    /// operation): span kind CLIENT, named `{operation} {model}`.
    Inference,
    /// `execute_tool`: span kind INTERNAL, named `execute_tool {tool}`.
    Tool,
    /// `invoke_agent` (in-process): span kind INTERNAL, named `invoke_agent {agent}`.
    Agent,
}

/// A description of one GenAI operation, built before the call. Every value is evaluated once,
/// here, before the body runs.
///
/// ```
/// # use genai_o11y::GenAiSpan;
/// let call = GenAiSpan::inference("chat", "openai", "gpt-4o").temperature(0.2).max_tokens(256u32).start();
/// let answer: Result<genai_o11y::Usage, std::io::Error> = Ok(genai_o11y::Usage::new().input(10).output(2));
/// call.finish(genai_o11y::Outcome::from_result(&answer));
/// ```
#[derive(Clone, Debug)]
pub struct GenAiSpan {
    kind: Kind,
    operation: StringValue,
    name: Option<StringValue>,
    provider: Option<StringValue>,
    model: Option<StringValue>,
    conversation_id: Option<StringValue>,
    server_address: Option<StringValue>,
    server_port: Option<i64>,
    // request parameters
    temperature: Option<f64>,
    top_p: Option<f64>,
    top_k: Option<i64>,
    max_tokens: Option<i64>,
    seed: Option<i64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    choice_count: Option<i64>,
    output_type: Option<StringValue>,
    stop_sequences: Option<Vec<StringValue>>,
    stream: Option<bool>,
    // tools
    tool_type: Option<StringValue>,
    tool_call_id: Option<StringValue>,
    description: Option<StringValue>,
    // agents
    agent_id: Option<StringValue>,
    agent_version: Option<StringValue>,
    // everything else
    extra: Vec<KeyValue>,
    expects_usage: bool,
}

impl GenAiSpan {
    #[inline]
    fn new(kind: Kind, operation: StringValue) -> Self {
        GenAiSpan {
            kind,
            operation,
            name: None,
            provider: None,
            model: None,
            conversation_id: None,
            server_address: None,
            server_port: None,
            temperature: None,
            top_p: None,
            top_k: None,
            max_tokens: None,
            seed: None,
            frequency_penalty: None,
            presence_penalty: None,
            choice_count: None,
            output_type: None,
            stop_sequences: None,
            stream: None,
            tool_type: None,
            tool_call_id: None,
            description: None,
            agent_id: None,
            agent_version: None,
            extra: Vec::new(),
            expects_usage: kind == Kind::Inference,
        }
    }

    /// A model call. `operation` is usually one of `chat`, `text_completion`,
    /// `generate_content`, `embeddings` (see [`crate::semconv::v1_41::INFERENCE_OPERATIONS`]).
    #[inline]
    pub fn inference(operation: impl TextParam, provider: impl TextParam, model: impl TextParam) -> Self {
        let mut s = GenAiSpan::new(Kind::Inference, operation.into_text().unwrap_or_else(|| sc::OP_CHAT.into()));
        s.provider = provider.into_text();
        s.model = model.into_text();
        s
    }

    /// A tool execution named `name` (`gen_ai.tool.name`).
    #[inline]
    pub fn tool(name: impl TextParam) -> Self {
        let mut s = GenAiSpan::new(Kind::Tool, sc::OP_EXECUTE_TOOL.into());
        s.name = name.into_text();
        s
    }

    /// An in-process agent invocation named `name` (`gen_ai.agent.name`).
    #[inline]
    pub fn agent(name: impl TextParam) -> Self {
        let mut s = GenAiSpan::new(Kind::Agent, sc::OP_INVOKE_AGENT.into());
        s.name = name.into_text();
        s
    }

    /// The kind of operation.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Overrides the span name (inference spans; tools and agents are named after their
    /// `name`).
    #[inline]
    pub fn span_name(mut self, name: impl TextParam) -> Self {
        if self.kind == Kind::Inference {
            self.name = name.into_text();
        }
        self
    }
    /// `gen_ai.provider.name`.
    #[inline]
    pub fn provider(mut self, v: impl TextParam) -> Self {
        self.provider = v.into_text();
        self
    }
    /// `gen_ai.request.model`.
    #[inline]
    pub fn model(mut self, v: impl TextParam) -> Self {
        self.model = v.into_text();
        self
    }
    /// `gen_ai.conversation.id`.
    #[inline]
    pub fn conversation_id(mut self, v: impl TextParam) -> Self {
        self.conversation_id = v.into_text();
        self
    }
    /// `server.address`.
    #[inline]
    pub fn server_address(mut self, v: impl TextParam) -> Self {
        self.server_address = v.into_text();
        self
    }
    /// `server.port`.
    #[inline]
    pub fn server_port(mut self, v: impl IntParam) -> Self {
        self.server_port = v.into_i64();
        self
    }
    /// `gen_ai.request.temperature`.
    #[inline]
    pub fn temperature(mut self, v: impl FloatParam) -> Self {
        self.temperature = v.into_f64();
        self
    }
    /// `gen_ai.request.top_p`.
    #[inline]
    pub fn top_p(mut self, v: impl FloatParam) -> Self {
        self.top_p = v.into_f64();
        self
    }
    /// `gen_ai.request.top_k` (a double in v1.41, an int in the latest conventions).
    #[inline]
    pub fn top_k(mut self, v: impl IntParam) -> Self {
        self.top_k = v.into_i64();
        self
    }
    /// `gen_ai.request.max_tokens`.
    #[inline]
    pub fn max_tokens(mut self, v: impl IntParam) -> Self {
        self.max_tokens = v.into_i64();
        self
    }
    /// `gen_ai.request.seed`.
    #[inline]
    pub fn seed(mut self, v: impl IntParam) -> Self {
        self.seed = v.into_i64();
        self
    }
    /// `gen_ai.request.frequency_penalty`.
    #[inline]
    pub fn frequency_penalty(mut self, v: impl FloatParam) -> Self {
        self.frequency_penalty = v.into_f64();
        self
    }
    /// `gen_ai.request.presence_penalty`.
    #[inline]
    pub fn presence_penalty(mut self, v: impl FloatParam) -> Self {
        self.presence_penalty = v.into_f64();
        self
    }
    /// `gen_ai.request.choice.count` (recorded only when it is not 1, as the spec says).
    #[inline]
    pub fn choice_count(mut self, v: impl IntParam) -> Self {
        self.choice_count = v.into_i64().filter(|n| *n != 1);
        self
    }
    /// `gen_ai.output.type` (`text`, `json`, `image`, `speech`).
    #[inline]
    pub fn output_type(mut self, v: impl TextParam) -> Self {
        self.output_type = v.into_text();
        self
    }
    /// `gen_ai.request.stop_sequences`.
    #[inline]
    pub fn stop_sequences(mut self, v: impl TextListParam) -> Self {
        self.stop_sequences = v.into_texts();
        self
    }
    /// `gen_ai.request.stream` (set only when true, as the spec says).
    #[inline]
    pub fn stream(mut self, v: impl BoolParam) -> Self {
        self.stream = v.into_bool().filter(|b| *b);
        self
    }
    /// `gen_ai.tool.type` (default `function`).
    #[inline]
    pub fn tool_type(mut self, v: impl TextParam) -> Self {
        self.tool_type = v.into_text();
        self
    }
    /// `gen_ai.tool.call.id`.
    #[inline]
    pub fn tool_call_id(mut self, v: impl TextParam) -> Self {
        self.tool_call_id = v.into_text();
        self
    }
    /// `gen_ai.tool.description` or `gen_ai.agent.description`.
    #[inline]
    pub fn description(mut self, v: impl TextParam) -> Self {
        self.description = v.into_text();
        self
    }
    /// `gen_ai.agent.id`.
    #[inline]
    pub fn agent_id(mut self, v: impl TextParam) -> Self {
        self.agent_id = v.into_text();
        self
    }
    /// `gen_ai.agent.version`.
    #[inline]
    pub fn agent_version(mut self, v: impl TextParam) -> Self {
        self.agent_version = v.into_text();
        self
    }
    /// Whether the call is expected to report token usage (inference: yes). A call that was
    /// expected to and did not is marked `genai_o11y.usage.missing = true` and counted.
    #[inline]
    pub fn expects_usage(mut self, v: bool) -> Self {
        self.expects_usage = v;
        self
    }
    /// Any other span attribute (not a metric attribute: metrics keep low cardinality).
    #[inline]
    pub fn attribute(mut self, key: impl Into<Key>, value: impl Into<Value>) -> Self {
        self.extra.push(KeyValue::new(key, value));
        self
    }

    /// Opens the span (a child of the current `tracing` span) and starts the clock.
    pub fn start(self) -> ActiveCall {
        let instruments = metrics::current();
        let scope = scope::current();
        let agent_name = scope.as_ref().and_then(|s| s.agent()).and_then(|a| a.name.clone());
        let span = self.open_span(agent_name.as_ref(), instruments.conventions);
        let capturing = instruments.settings.capture.mode.is_on()
            && !span.is_disabled()
            && span.context().span().span_context().is_sampled();
        let GenAiSpan { kind, operation, name, provider, model, server_address, server_port, tool_type, stream, expects_usage, .. } =
            self;
        let own_scope = (kind == Kind::Agent).then(|| Scope::new(ScopeKind::Agent, name.clone(), scope.clone()));
        ActiveCall(Box::new(CallState {
            span,
            start: Instant::now(),
            instruments,
            meta: CallMeta {
                kind,
                operation,
                name,
                provider,
                request_model: model,
                server_address,
                server_port,
                tool_type,
                agent_name,
                scope,
                expects_usage,
                streaming: stream.unwrap_or(false),
            },
            own_scope,
            capturing,
            captured: Vec::new(),
            done: false,
        }))
    }

    fn open_span(&self, agent: Option<&StringValue>, conventions: Conventions) -> tracing::Span {
        let s = |v: &Option<StringValue>| v.as_ref().map(|v| v.as_str().to_owned());
        let span = match self.kind {
            Kind::Inference => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::INFERENCE_SPAN,
                { tn::OTEL_NAME } = %SpanName(self),
                { tn::OTEL_KIND } = "client",
                { sc::GEN_AI_OPERATION_NAME } = self.operation.as_str(),
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
                { sc::SERVER_ADDRESS } = s(&self.server_address),
                { sc::SERVER_PORT } = self.server_port,
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
                { sc::GEN_AI_REQUEST_MAX_TOKENS } = self.max_tokens,
                { sc::GEN_AI_REQUEST_TEMPERATURE } = self.temperature,
                { sc::GEN_AI_REQUEST_TOP_P } = self.top_p,
                { sc::GEN_AI_REQUEST_SEED } = self.seed,
                { sc::GEN_AI_REQUEST_FREQUENCY_PENALTY } = self.frequency_penalty,
                { sc::GEN_AI_REQUEST_PRESENCE_PENALTY } = self.presence_penalty,
                { sc::GEN_AI_REQUEST_CHOICE_COUNT } = self.choice_count,
                { sc::GEN_AI_OUTPUT_TYPE } = s(&self.output_type),
                { sc::GEN_AI_REQUEST_STREAM } = self.stream,
            ),
            Kind::Tool => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::TOOL_SPAN,
                { tn::OTEL_NAME } = %SpanName(self),
                { sc::GEN_AI_OPERATION_NAME } = sc::OP_EXECUTE_TOOL,
                { sc::GEN_AI_TOOL_NAME } = s(&self.name),
                { sc::GEN_AI_TOOL_TYPE } = self.tool_type.as_ref().map_or(sc::TOOL_TYPE_FUNCTION, |t| t.as_str()),
                { sc::GEN_AI_TOOL_CALL_ID } = s(&self.tool_call_id),
                { sc::GEN_AI_TOOL_DESCRIPTION } = s(&self.description),
                { sc::GEN_AI_AGENT_NAME } = agent.map(|a| a.as_str()),
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
            ),
            Kind::Agent => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::AGENT_SPAN,
                { tn::OTEL_NAME } = %SpanName(self),
                { sc::GEN_AI_OPERATION_NAME } = sc::OP_INVOKE_AGENT,
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { sc::GEN_AI_AGENT_NAME } = s(&self.name),
                { sc::GEN_AI_AGENT_ID } = s(&self.agent_id),
                { sc::GEN_AI_AGENT_DESCRIPTION } = s(&self.description),
                { sc::GEN_AI_AGENT_VERSION } = s(&self.agent_version),
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
            ),
        };
        if !span.is_disabled() {
            // Attributes that are not plain `tracing` values (arrays, mode-dependent types, user
            // keys). The OTel span is not started yet, so they land in its builder and samplers
            // see them like the fields above.
            if let Some(k) = self.top_k {
                match conventions {
                    Conventions::V1_41 => span.set_attribute(sc::GEN_AI_REQUEST_TOP_K, k as f64),
                    Conventions::LatestExperimental => span.set_attribute(latest::GEN_AI_REQUEST_TOP_K, k),
                }
            }
            if let Some(stop) = &self.stop_sequences {
                span.set_attribute(sc::GEN_AI_REQUEST_STOP_SEQUENCES, Value::Array(Array::String(stop.clone())));
            }
            for kv in &self.extra {
                span.set_attribute(kv.key.clone(), kv.value.clone());
            }
        }
        span
    }
}

/// `{operation} {model}`, `execute_tool {tool}`, `invoke_agent {agent}`: formatted only when
/// the span is enabled.
struct SpanName<'a>(&'a GenAiSpan);

impl fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        match (s.kind, &s.name) {
            (Kind::Inference, Some(name)) => f.write_str(name.as_str()),
            (Kind::Inference, None) => match &s.model {
                Some(m) => write!(f, "{} {}", s.operation.as_str(), m.as_str()),
                None => f.write_str(s.operation.as_str()),
            },
            (_, Some(name)) if !name.as_str().is_empty() => write!(f, "{} {}", s.operation.as_str(), name.as_str()),
            (_, _) => f.write_str(s.operation.as_str()),
        }
    }
}

/// What the metrics of a finished call need.
#[derive(Debug)]
pub(crate) struct CallMeta {
    kind: Kind,
    operation: StringValue,
    name: Option<StringValue>,
    provider: Option<StringValue>,
    request_model: Option<StringValue>,
    server_address: Option<StringValue>,
    server_port: Option<i64>,
    tool_type: Option<StringValue>,
    /// The nearest enclosing agent's name (tools record it).
    agent_name: Option<StringValue>,
    /// The scope the call runs in (totals go there).
    scope: Option<Arc<Scope>>,
    expects_usage: bool,
    streaming: bool,
}

/// Metric attributes, on the stack: the common 6, plus `error.type` and one instrument-specific
/// attribute, need no heap allocation.
pub(crate) type MetricAttrs = smallvec::SmallVec<[KeyValue; 8]>;

impl CallMeta {
    /// The common low-cardinality attributes of the inference metrics (no error.type).
    pub(crate) fn inference_attrs(&self, response_model: Option<&str>) -> MetricAttrs {
        let mut attrs = MetricAttrs::new();
        attrs.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, self.operation.clone()));
        if let Some(p) = &self.provider {
            attrs.push(KeyValue::new(sc::GEN_AI_PROVIDER_NAME, p.clone()));
        }
        if let Some(m) = &self.request_model {
            attrs.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, m.clone()));
        }
        if let Some(m) = response_model {
            attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, text(m)));
        }
        if let Some(a) = &self.server_address {
            attrs.push(KeyValue::new(sc::SERVER_ADDRESS, a.clone()));
        }
        if let Some(p) = self.server_port {
            attrs.push(KeyValue::new(sc::SERVER_PORT, p));
        }
        attrs
    }
}

/// How a call ended. Build one by hand with [`Outcome::from_result`], [`Outcome::success`],
/// [`Outcome::with_usage`] or [`Outcome::failure`]. It borrows the call's return value, so
/// nothing is copied unless an attribute or a metric needs it.
#[derive(Default)]
pub struct Outcome<'a> {
    usage: UsageSource<'a>,
    error: Option<ErrorInfo>,
    output: Option<Json>,
}

/// Where the usage of a finished call is read from.
#[derive(Default)]
#[doc(hidden)]
pub enum UsageSource<'a> {
    /// Nothing reported.
    #[default]
    None,
    /// The return value itself (or its `Ok`).
    Borrowed(&'a dyn HasUsage),
    /// Computed by a `usage = ...` closure.
    Owned(Box<dyn HasUsage + 'a>),
}

impl<'a> UsageSource<'a> {
    fn get(&self) -> Option<&dyn HasUsage> {
        match self {
            UsageSource::None => None,
            UsageSource::Borrowed(u) => Some(*u),
            UsageSource::Owned(u) => Some(&**u),
        }
    }
}

impl<'a> From<Option<&'a dyn HasUsage>> for UsageSource<'a> {
    fn from(v: Option<&'a dyn HasUsage>) -> Self {
        v.map_or(UsageSource::None, UsageSource::Borrowed)
    }
}

impl<'a> From<Option<Box<dyn HasUsage + 'a>>> for UsageSource<'a> {
    fn from(v: Option<Box<dyn HasUsage + 'a>>) -> Self {
        v.map_or(UsageSource::None, UsageSource::Owned)
    }
}

impl fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcome").field("usage", &self.usage().map(|u| u.usage())).field("error", &self.error).finish()
    }
}

impl<'a> Outcome<'a> {
    /// Success, nothing to report.
    pub fn success() -> Self {
        Outcome::default()
    }
    /// Success with the usage of `value`.
    pub fn with_usage<T: HasUsage>(value: &'a T) -> Self {
        Outcome { usage: UsageSource::Borrowed(value), error: None, output: None }
    }
    /// Success with an owned usage value (for example a [`Usage`](crate::Usage) or a
    /// [`Response`](crate::Response)).
    pub fn with_owned_usage<T: HasUsage + 'a>(value: T) -> Self {
        Outcome { usage: UsageSource::Owned(Box::new(value)), error: None, output: None }
    }
    /// Failure.
    pub fn failure(error: ErrorInfo) -> Self {
        Outcome { usage: UsageSource::None, error: Some(error), output: None }
    }
    /// From a `Result` whose success value reports usage and whose error is `Display`.
    pub fn from_result<T: HasUsage, E: fmt::Display>(r: &'a Result<T, E>) -> Self {
        match r {
            Ok(v) => Outcome::with_usage(v),
            Err(e) => Outcome::failure(ErrorInfo::from_display(e)),
        }
    }
    /// The usage, if any.
    pub fn usage(&self) -> Option<&dyn HasUsage> {
        self.usage.get()
    }
    /// The error, if any.
    pub fn error(&self) -> Option<&ErrorInfo> {
        self.error.as_ref()
    }
    /// Captured output content (output messages of a model call, the result of a tool): recorded
    /// only when capture is on. Build it only when the classifier is told capture is on.
    pub fn with_output(mut self, output: Option<Json>) -> Self {
        self.output = output;
        self
    }
    #[doc(hidden)]
    pub fn __with_error(mut base: Self, error: ErrorInfo) -> Self {
        base.error = Some(error);
        base
    }
    #[doc(hidden)]
    pub fn __new(usage: impl Into<UsageSource<'a>>, error: Option<ErrorInfo>) -> Self {
        Outcome { usage: usage.into(), error, output: None }
    }
}

/// A started call. Dropping it without [`ActiveCall::finish`] records the call as cancelled
/// (or as a panic, when dropped during unwinding).
#[must_use = "dropping an ActiveCall records the call as cancelled"]
pub struct ActiveCall(pub(crate) Box<CallState>);

/// The state of a started call, boxed: the call moves through futures and guards, and a pointer
/// moves for free where 300 bytes would be copied at every step.
pub(crate) struct CallState {
    pub(crate) span: tracing::Span,
    pub(crate) start: Instant,
    pub(crate) instruments: Arc<Instruments>,
    pub(crate) meta: CallMeta,
    /// The scope an agent opens for its body.
    own_scope: Option<Arc<Scope>>,
    /// Content capture is on and this span is recorded and sampled.
    capturing: bool,
    /// Content captured at entry, kept for the details event.
    captured: Vec<(ContentKind, String)>,
    done: bool,
}

impl fmt::Debug for ActiveCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveCall").field("span", &self.0.span).field("meta", &self.0.meta).finish_non_exhaustive()
    }
}

impl ActiveCall {
    /// The `tracing` span of the call: enter it, record on it, or reach the OpenTelemetry span
    /// through `tracing_opentelemetry::OpenTelemetrySpanExt`.
    pub fn span(&self) -> &tracing::Span {
        &self.0.span
    }

    /// Records the outcome, ends the span, records the metrics.
    pub fn finish(mut self, outcome: Outcome<'_>) {
        self.record(outcome);
    }

    /// Runs `body` inside the span, then records what `classify` reads from its result. A panic
    /// in `body` is recorded and then continues unchanged.
    ///
    /// `classify` gets the result and whether content capture is on for this call.
    pub fn in_scope<R>(self, body: impl FnOnce() -> R, classify: impl for<'a> FnOnce(&'a R, bool) -> Outcome<'a>) -> R {
        let result = {
            let _entered = self.0.span.enter();
            let _scope = ScopeGuard::enter(self.0.own_scope.as_ref());
            catch_unwind(AssertUnwindSafe(body))
        };
        match result {
            Ok(out) => {
                let outcome = classify_safely(classify, &out, self.0.capturing);
                self.finish(outcome);
                out
            }
            Err(payload) => {
                self.finish(Outcome::failure(ErrorInfo::panicked(Some(&*payload))));
                resume_unwind(payload)
            }
        }
    }

    /// Wraps `fut`: the span is entered on every poll and ends when the future completes, panics
    /// or is dropped (cancelled). `classify` gets the output and whether capture is on.
    pub fn instrument<F, C>(self, fut: F, classify: C) -> Instrumented<F, C>
    where
        F: Future,
        C: for<'a> FnOnce(&'a F::Output, bool) -> Outcome<'a>,
    {
        Instrumented { inner: fut, call: Some(self), classify: Some(classify) }
    }

    /// Is content captured for this call (capture on, span recorded and sampled)? Serialize
    /// nothing when it is not.
    pub fn capturing(&self) -> bool {
        self.0.capturing
    }

    /// Records a piece of content (normalized, redacted, truncated) on the span and keeps it for
    /// the details event. Does nothing unless [`ActiveCall::capturing`].
    pub fn capture(&mut self, kind: ContentKind, value: Option<Json>) {
        if !self.0.capturing {
            return;
        }
        let Some(value) = value else { return };
        let config = &self.0.instruments.settings.capture;
        let Some((text, truncated)) = config.prepare(kind, value) else { return };
        if config.mode.on_spans() {
            self.0.span.set_attribute(kind.key(), text.clone());
            if truncated {
                self.0.span.set_attribute(vendor::CONTENT_TRUNCATED, true);
            }
        }
        if config.mode.in_events() {
            self.0.captured.push((kind, text));
        }
    }

    /// Runs `f` with the span entered and (for agents) the agent's scope current.
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.0.span.enter();
        let _scope = ScopeGuard::enter(self.0.own_scope.as_ref());
        f()
    }

    pub(crate) fn record(&mut self, mut outcome: Outcome<'_>) {
        if std::mem::replace(&mut self.0.done, true) {
            return;
        }
        let elapsed = self.0.start.elapsed().as_secs_f64();
        // Error messages may echo content: without capture, only a content-free description.
        let error_messages = self.0.instruments.settings.capture.error_messages;
        if let Some(e) = &mut outcome.error {
            let safe = e.safe_message.take();
            if !error_messages {
                e.message = safe;
            }
        }
        // Output content (present only when the classifier was told capture is on).
        if let Some(output) = outcome.output.take() {
            let kind = if self.0.meta.kind == Kind::Tool { ContentKind::ToolCallResult } else { ContentKind::OutputMessages };
            self.capture(kind, Some(output));
        }
        let settings = &self.0.instruments.settings;
        let meta = &self.0.meta;
        let usage = outcome.usage().map(|u| u.usage()).filter(|u| !u.is_empty());
        let response_model = outcome.usage().and_then(|u| u.response_model());
        // Cost: what the provider reported, else the pricing table.
        let mut unpriced = false;
        let cost = match (meta.kind, usage) {
            (Kind::Inference, Some(u)) => outcome.usage().and_then(|r| r.cost()).or_else(|| {
                let table = settings.pricing.as_ref()?;
                let c = table.cost(meta.provider.as_ref().map(|p| p.as_str()), &[response_model, meta.request_model.as_ref().map(|m| m.as_str())], &u);
                unpriced = c.is_none();
                c
            }),
            _ => None,
        };
        let usage_missing = meta.kind == Kind::Inference && meta.expects_usage && usage.is_none() && outcome.error.is_none();

        // Totals for the enclosing agent / rollup.
        match meta.kind {
            Kind::Inference => {
                if let Some(scope) = &meta.scope {
                    if let Some(u) = &usage {
                        scope.totals.add_usage(u);
                    }
                    if let Some(c) = &cost {
                        scope.totals.add_cost(c.amount, &c.currency);
                    }
                    if let Some(agent) = scope.agent() {
                        agent.totals.inference_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            Kind::Tool => {
                if let Some(agent) = meta.scope.as_ref().and_then(|s| s.agent()) {
                    agent.totals.tool_calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            Kind::Agent => {
                if let Some(own) = &self.0.own_scope {
                    own.close();
                }
            }
        }

        let conventions = self.0.instruments.conventions;
        let cx = (!self.0.span.is_disabled()).then(|| self.0.span.context());
        if let Some(cx) = &cx {
            let span = cx.span();
            record_on_span(&span, meta, &outcome, conventions);
            let mut extra: Vec<KeyValue> = Vec::new();
            if let Some(c) = &cost {
                extra.push(KeyValue::new(vendor::COST_AMOUNT, c.amount));
                extra.push(KeyValue::new(vendor::COST_CURRENCY, c.currency.clone()));
                match &c.source {
                    CostSource::Provider => extra.push(KeyValue::new(vendor::COST_SOURCE, vendor::COST_SOURCE_PROVIDER)),
                    CostSource::Table(v) => {
                        extra.push(KeyValue::new(vendor::COST_SOURCE, vendor::COST_SOURCE_TABLE));
                        extra.push(KeyValue::new(vendor::COST_PRICING_VERSION, v.clone()));
                    }
                }
            }
            if unpriced {
                extra.push(KeyValue::new(vendor::COST_UNPRICED, true));
            }
            if usage_missing {
                extra.push(KeyValue::new(vendor::USAGE_MISSING, true));
            }
            if let Some(own) = &self.0.own_scope {
                extra.extend(own.totals.attributes(ScopeKind::Agent));
            }
            if !extra.is_empty() {
                span.set_attributes(extra);
            }
        }
        if self.0.capturing && self.0.meta.kind == Kind::Inference && self.0.instruments.settings.capture.mode.in_events() && self.0.instruments.settings.capture.emit_event {
            emit_details_event(&self.0.span, &self.0.meta, &self.0.captured, &outcome);
        }
        // Record the metrics in the span's context (exemplars, context-aware readers).
        let _attached = cx.map(|cx| cx.attach());
        if self.0.instruments.settings.log_summaries {
            // With the span's context attached: a logs bridge correlates the record with it.
            log_summary(&self.0.span, &self.0.meta, &outcome, usage, cost.as_ref().map(|c| c.amount), elapsed, &self.0.captured);
        }
        let i = &self.0.instruments;
        if self.0.meta.kind == Kind::Inference {
            // One attribute list for every inference metric of this call: the common attributes,
            // extended and truncated back for each instrument's extra attributes.
            let mut attrs = self.0.meta.inference_attrs(response_model);
            record_inference_metrics(i, &mut attrs, &outcome, usage, elapsed);
            if let Some(c) = &cost {
                let common = attrs.len();
                attrs.push(KeyValue::new(vendor::COST_CURRENCY, c.currency.clone()));
                attrs.push(KeyValue::new(
                    vendor::COST_SOURCE,
                    if c.source == CostSource::Provider { vendor::COST_SOURCE_PROVIDER } else { vendor::COST_SOURCE_TABLE },
                ));
                i.cost.add(c.amount, &attrs);
                attrs.truncate(common);
            }
            if unpriced {
                i.unpriced.add(1, &attrs);
            }
            if usage_missing {
                i.usage_missing.add(1, &attrs);
            }
        } else {
            record_metrics(i, &self.0.meta, &outcome, elapsed);
        }
        if let (Kind::Agent, Some(l), Some(own)) = (self.0.meta.kind, &i.latest, &self.0.own_scope) {
            let mut attrs = Vec::with_capacity(1);
            if let Some(name) = &self.0.meta.name {
                attrs.push(KeyValue::new(sc::GEN_AI_AGENT_NAME, name.clone()));
            }
            l.agent_inference_calls.record(own.totals.inference_calls.load(std::sync::atomic::Ordering::Relaxed), &attrs);
            l.agent_tool_calls.record(own.totals.tool_calls.load(std::sync::atomic::Ordering::Relaxed), &attrs);
        }
    }
}

/// One log line for a finished call, inside its span (so it carries the call's trace and span
/// ids): INFO on success, WARN when cancelled or rate limited, ERROR on failure; DEBUG lines with
/// the captured content when capture is on.
fn log_summary(span: &tracing::Span, meta: &CallMeta, outcome: &Outcome<'_>, usage: Option<Usage>, cost: Option<f64>, elapsed: f64, captured: &[(ContentKind, String)]) {
    let model = meta.request_model.as_ref().map(|m| m.as_str()).unwrap_or_default();
    let name = meta.name.as_ref().map(|m| m.as_str()).unwrap_or(model);
    let op = meta.operation.as_str();
    let ms = (elapsed * 1000.0 * 10.0).round() / 10.0;
    let input = usage.and_then(|u| u.spec_input_tokens());
    let output = usage.and_then(|u| u.output_tokens);
    match &outcome.error {
        None => tracing::info!(target: tn::TARGET, parent: span, duration_ms = ms, input_tokens = input, output_tokens = output, cost, "{op} {name} completed"),
        Some(e) if e.error_type == sc::ERROR_TYPE_CANCELLED || e.error_type == "429" => {
            tracing::warn!(target: tn::TARGET, parent: span, duration_ms = ms, error.type = e.error_type.as_ref(), "{op} {name} {}", if e.error_type == "429" { "rate limited" } else { "cancelled" })
        }
        Some(e) => tracing::error!(
            target: tn::TARGET, parent: span, duration_ms = ms, error.type = e.error_type.as_ref(),
            "{op} {name} failed{}", e.message.as_ref().map(|m| format!(": {m}")).unwrap_or_default()
        ),
    }
    for (kind, text) in captured {
        tracing::debug!(target: tn::TARGET, parent: span, content = text.as_str(), "{}", kind.key());
    }
}

/// The `gen_ai.client.inference.operation.details` event, inside the call's span.
fn emit_details_event(span: &tracing::Span, meta: &CallMeta, captured: &[(ContentKind, String)], outcome: &Outcome<'_>) {
    let get = |k: ContentKind| captured.iter().rev().find(|(kind, _)| *kind == k).map(|(_, t)| t.as_str());
    let usage = outcome.usage().map(|u| u.usage()).unwrap_or_default();
    let i64_of = |v: Option<u64>| v.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    tracing::event!(
        name: sc::GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        target: tn::TARGET,
        parent: span,
        tracing::Level::DEBUG,
        { sc::GEN_AI_OPERATION_NAME } = meta.operation.as_str(),
        { sc::GEN_AI_PROVIDER_NAME } = meta.provider.as_ref().map(|p| p.as_str()),
        { sc::GEN_AI_REQUEST_MODEL } = meta.request_model.as_ref().map(|p| p.as_str()),
        { sc::GEN_AI_RESPONSE_ID } = outcome.usage().and_then(|u| u.response_id()),
        { sc::GEN_AI_RESPONSE_MODEL } = outcome.usage().and_then(|u| u.response_model()),
        { sc::GEN_AI_USAGE_INPUT_TOKENS } = i64_of(usage.spec_input_tokens()),
        { sc::GEN_AI_USAGE_OUTPUT_TOKENS } = i64_of(usage.output_tokens),
        { sc::ERROR_TYPE } = outcome.error.as_ref().map(|e| e.error_type.as_ref()),
        { sc::GEN_AI_SYSTEM_INSTRUCTIONS } = get(ContentKind::SystemInstructions),
        { sc::GEN_AI_INPUT_MESSAGES } = get(ContentKind::InputMessages),
        { sc::GEN_AI_OUTPUT_MESSAGES } = get(ContentKind::OutputMessages),
        { sc::GEN_AI_TOOL_DEFINITIONS } = get(ContentKind::ToolDefinitions),
    );
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        if !self.0.done {
            let error = if std::thread::panicking() { ErrorInfo::panicked(None) } else { ErrorInfo::cancelled() };
            self.record(Outcome::failure(error));
        }
    }
}

fn classify_safely<'a, R, C: FnOnce(&'a R, bool) -> Outcome<'a>>(classify: C, out: &'a R, capturing: bool) -> Outcome<'a> {
    // The classifier may run user code (a `usage = ...` closure). Telemetry must not take the
    // app down: a panic there costs the usage, not the call's value.
    catch_unwind(AssertUnwindSafe(|| classify(out, capturing))).unwrap_or_default()
}

fn text(v: &str) -> Value {
    Value::String(StringValue::from(v.to_owned()))
}

fn record_on_span(span: &opentelemetry::trace::SpanRef<'_>, meta: &CallMeta, outcome: &Outcome<'_>, conventions: Conventions) {
    let mut attrs: Vec<KeyValue> = Vec::with_capacity(10);
    if let Some(report) = outcome.usage() {
        if meta.kind == Kind::Inference {
            let u = &report.usage();
            let mut put = |key: &'static str, v: Option<u64>| {
                if let Some(v) = v {
                    attrs.push(KeyValue::new(key, i64::try_from(v).unwrap_or(i64::MAX)));
                }
            };
            put(sc::GEN_AI_USAGE_INPUT_TOKENS, u.spec_input_tokens());
            put(sc::GEN_AI_USAGE_OUTPUT_TOKENS, u.output_tokens);
            put(sc::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.cache_read_input_tokens);
            put(conventions.cache_write_key(), u.cache_write_input_tokens);
            put(sc::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning_output_tokens);
        }
        if let Some(id) = report.response_id() {
            attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_ID, text(id)));
        }
        if let Some(m) = report.response_model() {
            attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, text(m)));
        }
    }
    let mut finish_reasons = outcome.usage().map(|r| r.finish_reasons()).unwrap_or_default();
    if finish_reasons.is_empty() && meta.streaming && outcome.error.is_some() {
        // A finish reason was expected but never arrived (the stream was cut short).
        finish_reasons.push(sc::FINISH_REASON_ERROR);
    }
    if !finish_reasons.is_empty() {
        let reasons = finish_reasons.into_iter().map(|r| StringValue::from(r.to_owned())).collect();
        attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_FINISH_REASONS, Value::Array(Array::String(reasons))));
    }
    if let Some(err) = &outcome.error {
        attrs.push(KeyValue::new(sc::ERROR_TYPE, Value::String(cow_value(&err.error_type))));
        let mut event = Vec::with_capacity(2);
        event.push(KeyValue::new(sc::EXCEPTION_TYPE, Value::String(cow_value(&err.exception_type))));
        if let Some(m) = &err.message {
            event.push(KeyValue::new(sc::EXCEPTION_MESSAGE, text(m)));
        }
        span.add_event(sc::EXCEPTION_EVENT, event);
        span.set_status(Status::error(err.message.clone().unwrap_or_default()));
    }
    if !attrs.is_empty() {
        span.set_attributes(attrs);
    }
}

fn cow_value(c: &Cow<'static, str>) -> StringValue {
    match c {
        Cow::Borrowed(s) => StringValue::from(*s),
        Cow::Owned(s) => StringValue::from(s.clone()),
    }
}

fn record_metrics(i: &Instruments, meta: &CallMeta, outcome: &Outcome<'_>, elapsed: f64) {
    let error_type = outcome.error.as_ref().map(|e| KeyValue::new(sc::ERROR_TYPE, Value::String(cow_value(&e.error_type))));
    match meta.kind {
        Kind::Tool => {
            let mut attrs = Vec::with_capacity(4);
            if let Some(name) = &meta.name {
                attrs.push(KeyValue::new(sc::GEN_AI_TOOL_NAME, name.clone()));
            }
            attrs.push(KeyValue::new(sc::GEN_AI_TOOL_TYPE, meta.tool_type.clone().unwrap_or_else(|| sc::TOOL_TYPE_FUNCTION.into())));
            if let Some(agent) = &meta.agent_name {
                attrs.push(KeyValue::new(sc::GEN_AI_AGENT_NAME, agent.clone()));
            }
            attrs.extend(error_type);
            i.tool_duration.record(elapsed, &attrs);
        }
        Kind::Agent => {
            let mut attrs = Vec::with_capacity(3);
            if let Some(name) = &meta.name {
                attrs.push(KeyValue::new(sc::GEN_AI_AGENT_NAME, name.clone()));
            }
            if let Some(m) = &meta.request_model {
                attrs.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, m.clone()));
            }
            attrs.extend(error_type);
            i.agent_duration.record(elapsed, &attrs);
        }
        Kind::Inference => unreachable!("inference metrics are recorded by record_inference_metrics"),
    }
}

/// `attrs` holds the common attributes (no error.type, which only the duration and operation
/// histograms carry); it is returned to that state.
fn record_inference_metrics(i: &Instruments, attrs: &mut MetricAttrs, outcome: &Outcome<'_>, usage: Option<Usage>, elapsed: f64) {
    let error_type = outcome.error.as_ref().map(|e| KeyValue::new(sc::ERROR_TYPE, Value::String(cow_value(&e.error_type))));
    let common = attrs.len();
    let inference = attrs.first().is_some_and(|op| is_inference_operation(op.value.as_str().as_ref()));

    match (&i.v1_41, &i.latest) {
        (Some(v), _) => {
            attrs.extend(error_type);
            i.operation_duration.record(elapsed, &attrs);
            if let Some(u) = usage {
                for (n, ty) in [(u.spec_input_tokens(), sc::GEN_AI_TOKEN_TYPE_INPUT), (u.output_tokens, sc::GEN_AI_TOKEN_TYPE_OUTPUT)] {
                    if let Some(n) = n {
                        attrs.push(KeyValue::new(sc::GEN_AI_TOKEN_TYPE, ty));
                        v.token_usage.record(n, &attrs);
                        attrs.pop();
                    }
                }
            }
        }
        (None, Some(l)) if inference => {
            // Usage counters: every inference operation, failed ones included, 0 when nothing
            // came back; modality `unknown` (providers give no breakdown through `HasUsage`).
            attrs.push(KeyValue::new(latest::GEN_AI_TOKEN_MODALITY, latest::GEN_AI_TOKEN_MODALITY_UNKNOWN));
            let u = usage.unwrap_or_default();
            l.usage_input.add(u.spec_input_tokens().unwrap_or(0), &attrs);
            l.usage_output.add(u.output_tokens.unwrap_or(0), &attrs);
            if let Some(n) = u.cache_read_input_tokens {
                l.usage_cache_read.add(n, &attrs);
            }
            if let Some(n) = u.cache_write_input_tokens {
                l.usage_cache_write.add(n, &attrs);
            }
            if let Some(n) = u.reasoning_output_tokens {
                l.usage_reasoning.add(n, &attrs);
            }
            attrs.truncate(common);
            attrs.extend(error_type);
            l.inference_duration.record(elapsed, &attrs);
            // Per-operation distributions: successful operations that reported usage.
            if let Some(u) = usage.filter(|_| outcome.error.is_none()) {
                if let Some(n) = u.spec_input_tokens() {
                    l.operation_input_tokens.record(n, &attrs);
                }
                if let Some(n) = u.output_tokens {
                    l.operation_output_tokens.record(n, &attrs);
                }
            }
        }
        _ => {
            // Latest mode, non-inference operation (embeddings, custom): the generic duration.
            attrs.extend(error_type);
            i.operation_duration.record(elapsed, &attrs);
        }
    }
    attrs.truncate(common);
}

pin_project_lite::pin_project! {
    /// A future wrapped by [`ActiveCall::instrument`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F, C> {
        #[pin]
        inner: F,
        call: Option<ActiveCall>,
        classify: Option<C>,
    }
}

impl<F, C> Future for Instrumented<F, C>
where
    F: Future,
    C: for<'a> FnOnce(&'a F::Output, bool) -> Outcome<'a>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref() else {
            // Completed already: polling again is the inner future's business.
            return this.inner.poll(cx);
        };
        let inner = this.inner;
        let polled = call.enter(|| catch_unwind(AssertUnwindSafe(|| inner.poll(cx))));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => {
                if let Some(call) = this.call.take() {
                    let outcome = match this.classify.take() {
                        Some(classify) => classify_safely(classify, &out, call.0.capturing),
                        None => Outcome::default(),
                    };
                    call.finish(outcome);
                }
                Poll::Ready(out)
            }
            Err(payload) => {
                if let Some(call) = this.call.take() {
                    call.finish(Outcome::failure(ErrorInfo::panicked(Some(&*payload))));
                }
                resume_unwind(payload)
            }
        }
    }
}


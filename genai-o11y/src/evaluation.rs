//! Evaluations: how good an answer was, as the `gen_ai.evaluation.result` event on the span it
//! evaluates, and a histogram of scores per evaluation name (`genai_o11y.evaluation.score`) so
//! that Prometheus can alert on a falling score.
//!
//! ```
//! use genai_o11y::evaluation::{Evaluation, EvaluationTarget};
//! # fn demo() {
//! // Inside the call (or the agent) being evaluated: an event on its span.
//! Evaluation::score("relevance", 0.92).explanation("answers the question asked").record();
//!
//! // Later, after the call ended: keep its target while it runs, evaluate when you can.
//! let target = EvaluationTarget::current();
//! Evaluation::label("toxicity", "safe").target(target).record();
//! # }
//! ```
//!
//! An evaluation of a span that is still the current one is an event on it. One of a span that
//! has ended (a handle from [`EvaluationTarget::current`], or a response id remembered with
//! [`remember_responses`]) opens a short child span `evaluation {name}` of the evaluated span,
//! which carries the event and the same attributes (span events cannot be added to an ended
//! span). The event carries `gen_ai.evaluation.name`, `gen_ai.evaluation.score.value` and/or
//! `gen_ai.evaluation.score.label`, `gen_ai.evaluation.explanation`, `gen_ai.response.id` and,
//! when the evaluator itself failed, `error.type`.
//!
//! Recording never fails the application: an evaluation without a name, or without a finite
//! score and without a label, is dropped with a warning.

use std::collections::VecDeque;
use std::sync::Mutex;

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue, StringValue};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::params::TextParam;
use crate::semconv::{evaluation as names, tracing_names as tn, v1_41 as sc};

/// One evaluation result. Built with a score ([`Evaluation::score`]) or a label
/// ([`Evaluation::label`]), then recorded with [`Evaluation::record`].
#[derive(Clone, Debug)]
#[must_use = "an evaluation is recorded only by `.record()`"]
pub struct Evaluation {
    name: Option<StringValue>,
    score: Option<f64>,
    label: Option<StringValue>,
    explanation: Option<StringValue>,
    response_id: Option<StringValue>,
    error_type: Option<StringValue>,
    target: Option<EvaluationTarget>,
}

impl Evaluation {
    fn new(name: impl TextParam) -> Self {
        Evaluation { name: name.into_text(), score: None, label: None, explanation: None, response_id: None, error_type: None, target: None }
    }

    /// A numeric result (`gen_ai.evaluation.score.value`) of the evaluation `name`
    /// (`gen_ai.evaluation.name`, e.g. `relevance`, `faithfulness`).
    pub fn score(name: impl TextParam, value: f64) -> Self {
        Self::new(name).with_score(value)
    }

    /// A categorical result (`gen_ai.evaluation.score.label`, e.g. `pass`, `safe`).
    pub fn label(name: impl TextParam, label: impl TextParam) -> Self {
        Self::new(name).with_label(label)
    }

    /// Adds (or replaces) the numeric score.
    pub fn with_score(mut self, value: f64) -> Self {
        self.score = value.is_finite().then_some(value);
        self
    }

    /// Adds (or replaces) the label.
    pub fn with_label(mut self, label: impl TextParam) -> Self {
        self.label = label.into_text();
        self
    }

    /// Why the evaluator decided so (`gen_ai.evaluation.explanation`).
    pub fn explanation(mut self, text: impl TextParam) -> Self {
        self.explanation = text.into_text();
        self
    }

    /// The response evaluated (`gen_ai.response.id`). With [`remember_responses`] on, the
    /// evaluation is parented to the span of the call that returned it when no target is given.
    pub fn response_id(mut self, id: impl TextParam) -> Self {
        self.response_id = id.into_text();
        self
    }

    /// The evaluator itself failed (`error.type`, low cardinality: `timeout`, `judge_refused`).
    pub fn error_type(mut self, error_type: impl TextParam) -> Self {
        self.error_type = error_type.into_text();
        self
    }

    /// The span evaluated (default: the current span, else the call that returned
    /// [`response_id`](Evaluation::response_id)).
    pub fn target(mut self, target: impl Into<Option<EvaluationTarget>>) -> Self {
        self.target = target.into();
        self
    }

    /// Records the event and the score. Never fails: an evaluation without a name, or without a
    /// score and a label, is dropped with a warning.
    pub fn record(self) {
        let Some(name) = self.name.clone().filter(|n| !n.as_str().is_empty()) else {
            tracing::warn!(target: tn::TARGET, "evaluation dropped: it has no name (gen_ai.evaluation.name is required)");
            return;
        };
        if self.score.is_none() && self.label.is_none() {
            tracing::warn!(target: tn::TARGET, evaluation = name.as_str(), "evaluation dropped: it has neither a finite score nor a label");
            return;
        }
        let current = tracing::Span::current();
        let target = self.target.or_else(|| self.response_id.as_ref().and_then(|id| remembered(id.as_str()))).or_else(|| EvaluationTarget::of(&current));
        let on_current = target.is_some_and(|t| EvaluationTarget::of(&current) == Some(t));
        if on_current || target.is_none() {
            self.event(&current, &name);
        } else if let Some(t) = target {
            let span = tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, names::SPAN,
                { tn::OTEL_NAME } = format!("{} {}", names::SPAN_NAME_PREFIX, name.as_str()),
                { names::NAME } = name.as_str(),
                { names::SCORE_VALUE } = self.score,
                { names::SCORE_LABEL } = self.label.as_ref().map(|l| l.as_str()),
                { sc::GEN_AI_RESPONSE_ID } = self.response_id.as_ref().map(|l| l.as_str()),
                { sc::ERROR_TYPE } = self.error_type.as_ref().map(|l| l.as_str()),
            );
            let _ = span.set_parent(Context::new().with_remote_span_context(t.span_context()));
            self.event(&span, &name);
        }
        if let Some(score) = self.score {
            crate::instruments::current().record_evaluation(score, name, self.error_type);
        }
    }

    fn event(&self, parent: &tracing::Span, name: &StringValue) {
        tracing::event!(
            name: names::EVENT,
            target: tn::TARGET,
            parent: parent,
            tracing::Level::INFO,
            { names::NAME } = name.as_str(),
            { names::SCORE_VALUE } = self.score,
            { names::SCORE_LABEL } = self.label.as_ref().map(|l| l.as_str()),
            { names::EXPLANATION } = self.explanation.as_ref().map(|l| l.as_str()),
            { sc::GEN_AI_RESPONSE_ID } = self.response_id.as_ref().map(|l| l.as_str()),
            { sc::ERROR_TYPE } = self.error_type.as_ref().map(|l| l.as_str()),
        );
    }
}

/// Shorthand: `Evaluation::score(name, value).record()`.
pub fn record(name: impl TextParam, value: f64) {
    Evaluation::score(name, value).record();
}

/// The span an evaluation is about: take it while the call runs ([`EvaluationTarget::current`]
/// inside the annotated function, or [`crate::ActiveCall::evaluation_target`]), evaluate later.
/// `Copy` and `Send`: keep it with the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvaluationTarget {
    trace_id: TraceId,
    span_id: SpanId,
    flags: TraceFlags,
}

impl EvaluationTarget {
    /// The current span (inside an annotated function: its call's span), if it is recorded.
    pub fn current() -> Option<Self> {
        Self::of(&tracing::Span::current())
    }

    /// `span`, if it is recorded.
    pub fn of(span: &tracing::Span) -> Option<Self> {
        if span.is_none() || span.is_disabled() {
            return None;
        }
        let cx = span.context();
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| EvaluationTarget { trace_id: sc.trace_id(), span_id: sc.span_id(), flags: sc.trace_flags() })
    }

    /// As a (local) parent span context.
    fn span_context(&self) -> SpanContext {
        SpanContext::new(self.trace_id, self.span_id, self.flags, false, TraceState::default())
    }

    /// The evaluated span's trace id (hex), e.g. for a platform's score API.
    pub fn trace_id(&self) -> String {
        self.trace_id.to_string()
    }

    /// The evaluated span's id (hex).
    pub fn span_id(&self) -> String {
        self.span_id.to_string()
    }
}

/// Response ids and their spans, remembered for evaluations that name only the response.
static RESPONSES: Mutex<Responses> = Mutex::new(Responses { capacity: 0, entries: VecDeque::new() });

struct Responses {
    capacity: usize,
    entries: VecDeque<(StringValue, EvaluationTarget)>,
}

/// Remembers the span of the last `capacity` inference calls by their response id, so that
/// `Evaluation::...response_id(id)` finds the call it evaluates after it ended (0, the default,
/// remembers none). Costs a lock and a map entry per call that returns a response id.
pub fn remember_responses(capacity: usize) {
    let mut r = RESPONSES.lock().unwrap_or_else(|p| p.into_inner());
    r.capacity = capacity;
    while r.entries.len() > capacity {
        r.entries.pop_front();
    }
}

/// Called when an inference call finishes with a response id.
pub(crate) fn remember(response_id: &str, span: &tracing::Span) {
    let mut r = RESPONSES.lock().unwrap_or_else(|p| p.into_inner());
    if r.capacity == 0 {
        return;
    }
    let Some(target) = EvaluationTarget::of(span) else { return };
    if r.entries.len() >= r.capacity {
        r.entries.pop_front();
    }
    r.entries.push_back((StringValue::from(response_id.to_owned()), target));
}

/// Is any response remembered at all (a cheap check before computing a response id)?
pub(crate) fn remembering() -> bool {
    RESPONSES.lock().map(|r| r.capacity > 0).unwrap_or(false)
}

fn remembered(response_id: &str) -> Option<EvaluationTarget> {
    let r = RESPONSES.lock().unwrap_or_else(|p| p.into_inner());
    r.entries.iter().rev().find(|(id, _)| id.as_str() == response_id).map(|(_, t)| *t)
}

/// The metric attributes of a score.
pub(crate) fn score_attrs(name: StringValue, error_type: Option<StringValue>, attribution: &[KeyValue]) -> Vec<KeyValue> {
    let mut attrs = Vec::with_capacity(2 + attribution.len());
    attrs.push(KeyValue::new(names::NAME, name));
    if let Some(e) = error_type {
        attrs.push(KeyValue::new(sc::ERROR_TYPE, e));
    }
    attrs.extend(attribution.iter().cloned());
    attrs
}

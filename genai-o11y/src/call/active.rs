//! [`ActiveCall`]: a started call. It records its finish exactly once: when the call returns,
//! fails, panics, or is dropped before completion (cancelled).

use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use opentelemetry::trace::TraceContextExt;
use serde_json::Value as Json;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::current::{CallUpdates, CurrentCall};
use super::meta::{CallMeta, MetricAttrs};
use super::operation::OperationKind;
use super::outcome::Outcome;
use crate::attribution::{Applied, Guard as AttributionGuard};
use crate::capture::ContentKind;
use crate::error::ErrorInfo;
use crate::instruments::Instruments;
use crate::record::{self, Finish};
use crate::scope::{Scope, ScopeGuard};
use crate::semconv::vendor;

/// A started call. Dropping it without [`ActiveCall::finish`] records the call as cancelled
/// (or as a panic, when dropped during unwinding).
///
/// A call that starts while telemetry is switched off (no `tracing` subscriber, a no-op meter
/// provider) is *dormant*: it has no state and records nothing, and the wrappers run the
/// function as if it were not annotated.
#[must_use = "dropping an ActiveCall records the call as cancelled"]
pub struct ActiveCall(Option<Box<CallState>>);

/// The span of a dormant call.
static NO_SPAN: tracing::Span = tracing::Span::none();

/// The state of a started call, boxed: the call moves through futures and guards, and a pointer
/// moves for free where 300 bytes would be copied at every step.
pub(crate) struct CallState {
    span: tracing::Span,
    start: Instant,
    instruments: Arc<Instruments>,
    meta: CallMeta,
    /// The scope an agent opens for its body.
    own_scope: Option<Arc<Scope>>,
    /// The attribution an agent opens for its body (`session_id`, `user_id`), merged.
    own_attribution: Option<Arc<Applied>>,
    /// Content capture is on and this span is recorded and sampled.
    capturing: bool,
    /// Content captured at entry, kept for the details event.
    captured: Vec<(ContentKind, String)>,
    /// What the body set through [`crate::current`]; the call is current on the thread while its
    /// body runs.
    pending: CallUpdates,
    done: bool,
}

impl CallState {
    pub(crate) fn new(
        span: tracing::Span,
        start: Instant,
        instruments: Arc<Instruments>,
        meta: CallMeta,
        own_scope: Option<Arc<Scope>>,
        own_attribution: Option<Arc<Applied>>,
        capturing: bool,
    ) -> Self {
        let pending = CallUpdates::new(capturing);
        CallState { span, start, instruments, meta, own_scope, own_attribution, capturing, captured: Vec::new(), pending, done: false }
    }

    /// Is this content an attribute of this span's type? In the latest conventions some span
    /// types list only part of it: `plan` none, `create_agent` its system instructions, a fetched
    /// response its instructions, tool definitions and output (no input: it does not carry it),
    /// `embeddings` none. v1.41 mode: all.
    fn listed(&self, kind: ContentKind) -> bool {
        if self.instruments.settings.conventions != crate::Conventions::LatestExperimental {
            return true;
        }
        match self.meta.kind {
            OperationKind::Plan => false,
            OperationKind::CreateAgent => kind == ContentKind::SystemInstructions,
            OperationKind::FetchResponse => matches!(kind, ContentKind::SystemInstructions | ContentKind::OutputMessages | ContentKind::ToolDefinitions),
            OperationKind::Inference => self.meta.operation.as_str() != crate::semconv::v1_41::OP_EMBEDDINGS,
            _ => true,
        }
    }
}

impl fmt::Debug for ActiveCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(s) => f.debug_struct("ActiveCall").field("span", &s.span).field("meta", &s.meta).finish_non_exhaustive(),
            None => f.write_str("ActiveCall(dormant)"),
        }
    }
}

impl ActiveCall {
    pub(crate) fn new(state: CallState) -> Self {
        ActiveCall(Some(Box::new(state)))
    }

    /// A call made while telemetry is switched off: no span, nothing recorded.
    #[inline]
    pub(crate) fn dormant() -> Self {
        ActiveCall(None)
    }

    /// Does this call record nothing (telemetry was switched off when it started)?
    #[inline]
    pub(crate) fn is_dormant(&self) -> bool {
        self.0.is_none()
    }

    /// The `tracing` span of the call: enter it, record on it, or reach the OpenTelemetry span
    /// through `tracing_opentelemetry::OpenTelemetrySpanExt` (a disabled span for a call made
    /// while telemetry is switched off).
    pub fn span(&self) -> &tracing::Span {
        self.0.as_ref().map_or(&NO_SPAN, |s| &s.span)
    }

    /// The call's span as the target of a later evaluation ([`crate::evaluation`]).
    pub fn evaluation_target(&self) -> Option<crate::evaluation::EvaluationTarget> {
        crate::evaluation::EvaluationTarget::of(&self.0.as_ref()?.span)
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
        if self.is_dormant() {
            return body();
        }
        match self.enter(|| catch_unwind(AssertUnwindSafe(body))) {
            Ok(out) => {
                let outcome = classify_safely(classify, &out, self.capturing());
                self.finish(outcome);
                out
            }
            Err(payload) => {
                self.finish(Outcome::failure(ErrorInfo::panicked(Some(&*payload))));
                resume_unwind(payload)
            }
        }
    }

    /// A handle to update this call after the fact, as [`crate::current`] gives one inside its
    /// body: its values win over the outcome's, field by field (an inert handle for a dormant
    /// call).
    pub fn updates(&self) -> CurrentCall {
        self.0.as_ref().map_or_else(CurrentCall::default, |s| CurrentCall::of(&s.pending.handle()))
    }

    /// Is content captured for this call (capture on, span recorded and sampled)? Serialize
    /// nothing when it is not.
    pub fn capturing(&self) -> bool {
        self.0.as_ref().is_some_and(|s| s.capturing)
    }

    /// The most bytes of content kept for one attribute ([`CaptureConfig::max_length`](crate::CaptureConfig::max_length)).
    pub(crate) fn capture_limit(&self) -> usize {
        self.0.as_ref().map_or(0, |s| s.instruments.settings.capture.max_length)
    }

    /// Records a piece of content (normalized, redacted, truncated) on the span and keeps it for
    /// the details event. Does nothing unless [`ActiveCall::capturing`].
    pub fn capture(&mut self, kind: ContentKind, value: Option<Json>) {
        let Some(state) = self.0.as_deref_mut().filter(|s| s.capturing) else { return };
        let Some(value) = value else { return };
        if !state.listed(kind) {
            return;
        }
        if kind == ContentKind::PromptVariables {
            return state.capture_prompt_variables(value);
        }
        let config = &state.instruments.settings.capture;
        let prepared = config.prepare_in(kind, value, state.instruments.settings.conventions);
        state.record_captured(kind, prepared);
    }

    /// [`capture`](Self::capture) of a value serialized here, only when capturing: long base64
    /// media in it (images, audio, files) is hashed where it lies rather than copied (see
    /// [`media`](crate::capture::media)).
    pub fn capture_serialized<T: serde::Serialize + ?Sized>(&mut self, kind: ContentKind, value: &T) {
        let Some(state) = self.0.as_deref_mut().filter(|s| s.capturing) else { return };
        if !state.listed(kind) {
            return;
        }
        if kind == ContentKind::PromptVariables {
            return self.capture(kind, crate::capture::to_json(value));
        }
        let prepared = state.instruments.settings.capture.prepare_serialized(kind, value, state.instruments.settings.conventions);
        state.record_captured(kind, prepared);
    }
}

impl CallState {
    /// Records prepared content on the span and keeps it for the details event.
    fn record_captured(&mut self, kind: ContentKind, prepared: Option<(String, bool)>) {
        let Some((text, truncated)) = prepared else { return };
        let mode = self.instruments.settings.capture.mode;
        // Text content (the retrieval query) is recorded as the string itself.
        let text = if kind.is_text() { serde_json::from_str::<String>(&text).unwrap_or(text) } else { text };
        if mode.on_spans() {
            self.span.set_attribute(kind.key(), text.clone());
            if truncated {
                self.span.set_attribute(vendor::CONTENT_TRUNCATED, true);
            }
        }
        if mode.in_events() {
            self.captured.push((kind, text));
        }
    }

    /// `gen_ai.prompt.variable.<key>`, one span attribute per variable (opt-in content of the
    /// latest conventions: v1.41 has no such key, so nothing is written in that mode; span
    /// modes only, each value truncated to the capture limit).
    fn capture_prompt_variables(&mut self, value: Json) {
        let settings = &self.instruments.settings;
        if settings.conventions != crate::semconv::Conventions::LatestExperimental || !settings.capture.mode.on_spans() || self.span.is_disabled() {
            return;
        }
        let Some(Json::Object(vars)) = settings.capture.normalized_and_redacted(ContentKind::PromptVariables, value) else { return };
        let limit = settings.capture.max_length;
        let mut truncated = false;
        for (key, v) in vars {
            let Json::String(mut text) = v else { continue };
            if text.len() > limit {
                let mut end = limit;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                truncated = true;
            }
            self.span.set_attribute(format!("{}{key}", crate::semconv::latest::GEN_AI_PROMPT_VARIABLE_PREFIX), text);
        }
        if truncated {
            self.span.set_attribute(vendor::CONTENT_TRUNCATED, true);
        }
    }
}

impl ActiveCall {
    /// Runs `f` with the span entered, the call current ([`crate::current`]) and (for agents) the
    /// agent's scope and attribution current.
    /// The attribution first: the OpenTelemetry span starts when it is first entered, and the
    /// attribution processor reads the attribution in force then.
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let Some(state) = self.0.as_deref() else { return f() };
        let _attribution = AttributionGuard::enter(state.own_attribution.as_ref());
        let _entered = state.span.enter();
        let _scope = ScopeGuard::enter(state.own_scope.as_ref());
        let _current = state.pending.enter();
        f()
    }

    /// The common metric attributes of a streamed chunk of this call.
    pub(crate) fn chunk_attrs(&self, response_model: Option<&str>) -> MetricAttrs {
        let mut attrs = MetricAttrs::new();
        if let Some(state) = &self.0 {
            state.meta.inference_attrs(response_model, &mut attrs);
        }
        attrs
    }

    /// The first chunk of a stream arrived at `at`: records the time to it and returns it.
    pub(crate) fn first_chunk(&self, at: Instant, attrs: &MetricAttrs) -> f64 {
        let Some(state) = &self.0 else { return 0.0 };
        let seconds = at.duration_since(state.start).as_secs_f64();
        state.instruments.time_to_first_chunk.record(seconds, attrs);
        seconds
    }

    /// A later chunk of a stream arrived after waiting `seconds` for it.
    pub(crate) fn next_chunk(&self, seconds: f64, attrs: &MetricAttrs) {
        if let Some(state) = &self.0 {
            state.instruments.time_per_output_chunk.record(seconds, attrs);
        }
    }

    /// Sets `gen_ai.response.time_to_first_chunk` on the span.
    pub(crate) fn set_time_to_first_chunk(&self, seconds: f64) {
        if let Some(state) = self.0.as_ref().filter(|s| !s.span.is_disabled()) {
            state.span.set_attribute(crate::semconv::v1_41::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, seconds);
        }
    }

    /// Computes the finish once, then hands it to each recorder.
    fn record(&mut self, mut outcome: Outcome<'_>) {
        let Some(state) = self.0.as_deref_mut() else { return };
        if std::mem::replace(&mut state.done, true) {
            return;
        }
        let elapsed = state.start.elapsed().as_secs_f64();
        // What the body set through `current()`, laid over the outcome.
        let extra = state.pending.take().map(|updates| updates.apply(&mut outcome));
        // Output content (present only when the classifier was told capture is on).
        let (kind, capturing) = (state.meta.kind, state.capturing);
        if let Some(output) = outcome.output.take() {
            let kind = match kind {
                OperationKind::Tool => ContentKind::ToolCallResult,
                OperationKind::Guard => ContentKind::GuardrailOutput,
                _ => ContentKind::OutputMessages,
            };
            self.capture(kind, Some(output));
        }
        // A retrieval's documents: their count always, the documents themselves when capturing.
        if let Some(docs) = &outcome.documents {
            if capturing {
                let json = serde_json::Value::Array(docs.iter().map(|d| d.to_json()).collect());
                self.capture(ContentKind::RetrievalDocuments, Some(json));
            }
        }
        let Some(state) = self.0.as_deref() else { return };
        let settings = &state.instruments.settings;
        let finish = Finish::compute(&state.meta, settings, outcome, elapsed);
        record::rollup::add(&state.meta, state.own_scope.as_deref(), &finish);
        let cx = (!state.span.is_disabled()).then(|| state.span.context());
        if let Some(cx) = &cx {
            record::span::write(&cx.span(), &state.meta, state.own_scope.as_deref(), &finish, settings.conventions);
            if let Some(extra) = extra.filter(|a| !a.is_empty()) {
                // After the call's own attributes: the span's attribute limit never crowds those
                // out, and a key the application sets on purpose is its choice.
                cx.span().set_attributes(extra);
            }
            if let Some(id) = finish.response_id().filter(|_| crate::evaluation::remembering()) {
                crate::evaluation::remember(id, &state.span);
            }
        }
        if state.meta.kind == OperationKind::Guard {
            crate::guard::record::events(&state.span, &state.meta, &finish, &state.captured);
        }
        if state.capturing && state.meta.kind == OperationKind::Inference && settings.capture.mode.in_events() && settings.capture.emit_event {
            record::events::details(&state.span, &state.meta, &state.captured, &finish);
        }
        // Log and record the metrics in the span's context (exemplars, context-aware readers, a
        // logs bridge correlating the record with the span).
        let _attached = cx.map(|cx| cx.attach());
        if settings.log_summaries {
            record::logs::summary(&state.span, &state.meta, &finish, &state.captured);
        }
        if settings.exception_events && finish.error.is_some() {
            record::logs::exception(&state.span, &state.meta, &finish);
        }
        record::metrics::record(&state.instruments, &state.meta, state.own_scope.as_deref(), &finish);
    }
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        if self.0.as_ref().is_some_and(|s| !s.done) {
            let error = if std::thread::panicking() { ErrorInfo::panicked(None) } else { ErrorInfo::cancelled() };
            self.record(Outcome::failure(error));
        }
    }
}

/// Runs a classifier of the call's return value. It may run user code (a `usage = ...` closure):
/// a panic there costs the usage, not the call's value, and telemetry never takes the app down.
pub(crate) fn classify_safely<'a, R, C: FnOnce(&'a R, bool) -> Outcome<'a>>(classify: C, out: &'a R, capturing: bool) -> Outcome<'a> {
    catch_unwind(AssertUnwindSafe(|| classify(out, capturing))).unwrap_or_default()
}

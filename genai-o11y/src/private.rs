//! What the generated code calls. Not a public API: no stability guarantee.
//!
//! The attribute macros emit calls to the functions and macros here and nothing else of this
//! crate, so the protocol between the expansion and the runtime (dispatch ladders, reference
//! depths, trait names) is owned by the runtime.

use serde_json::Value as Json;

use crate::call::{ActiveCall, Outcome, UsageSource};
use crate::capture::to_json;
use crate::error::ErrorInfo;
use crate::usage::{ReportsChunkUsage, ReportsUsage};

pub use crate::call::{Body, GenAiSpanBuilder, Instrumented, InstrumentedIter, InstrumentedStream};
pub use crate::capture::normalize::{agent_answer as as_assistant_message, agent_input as as_user_message};
pub use crate::capture::ContentKind;
pub use crate::dispatch;
pub use crate::dispatch::BoxedStream;
pub use crate::documents::{Document, HasDocuments};
pub use crate::params::Static;
pub use crate::pricing::Cost;
pub use crate::usage::{CostField, HasUsage, TextField, TokenCount};
pub use crate::usage::{InputTokens, Modality, Usage};
pub use serde_json;
pub use std;

pub use crate::__genai_o11y_check_not_stream as check_not_stream;
pub use crate::__genai_o11y_check_sync_return as check_sync_return;
pub use crate::__genai_o11y_error_of as error_of;
pub use crate::__genai_o11y_exit_code_of as exit_code_of;
pub use crate::__genai_o11y_json_of as json_of;
pub use crate::__genai_o11y_ok_json_of as ok_json_of;
pub use crate::__genai_o11y_ok_of as ok_of;
pub use crate::__genai_o11y_optional_usage_of as optional_usage_of;
pub use crate::__genai_o11y_record_count_of as record_count_of;
pub use crate::__genai_o11y_select as select;

/// Picks the instrumented or the original item: the original when the application is built with
/// `--cfg genai_o11y_disabled` (evaluated in this crate, so only the final build's flags decide,
/// never a dependency's features).
#[cfg(not(genai_o11y_disabled))]
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_select {
    (instrumented { $($on:tt)* } original { $($off:tt)* }) => { $($on)* };
}

/// Picks the instrumented or the original item (see above): here, the original.
#[cfg(genai_o11y_disabled)]
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_select {
    (instrumented { $($on:tt)* } original { $($off:tt)* }) => { $($off)* };
}

/// The outcome of a returned value: its usage (however read), its error, its captured output.
#[inline]
pub fn outcome<'a>(usage: impl Into<UsageSource<'a>>, error: Option<ErrorInfo>, output: Option<Json>) -> Outcome<'a> {
    Outcome::from_parts(usage, error, output)
}

/// Output content read by the user's `output_messages = ...` closure from the success value.
#[inline]
pub fn output_with<'a, T: ?Sized, U: serde::Serialize>(ok: Option<&'a T>, f: impl FnOnce(&'a T) -> U) -> Option<Json> {
    ok.and_then(|v| to_json(&f(v)))
}

/// Content captured at entry (`input_messages = ...`): serialized only when capturing.
#[inline]
pub fn capture<T: serde::Serialize + ?Sized>(call: &mut ActiveCall, kind: ContentKind, value: &T) {
    call.capture_serialized(kind, value);
}

/// The documents of a retrieval's return value (it must report them).
#[inline]
pub fn required_documents<T: crate::ReportsDocuments + ?Sized>(out: &T) -> Option<Vec<crate::RetrievedDocument>> {
    out.reported_documents()
}

/// The documents read by the user's `documents = ...` closure from the success value.
#[inline]
pub fn documents_with<'a, T: ?Sized, D: crate::HasDocuments>(ok: Option<&'a T>, f: impl FnOnce(&'a T) -> D) -> Option<Vec<crate::RetrievedDocument>> {
    ok.map(|v| f(v).documents())
}

/// A derived document's id field (spanned at the field's type).
#[inline]
pub fn document_id<T: crate::documents::DocumentIdField + ?Sized>(v: &T) -> Option<std::borrow::Cow<'_, str>> {
    v.document_id()
}

/// A derived document's score field (spanned at the field's type).
#[inline]
pub fn document_score<T: crate::documents::DocumentScoreField + ?Sized>(v: &T) -> Option<f64> {
    v.document_score().filter(|s| s.is_finite())
}

/// Usage of a return type that must report it (inference operations).
#[inline]
pub fn required_usage<T: ReportsUsage + ?Sized>(out: &T) -> Option<&dyn HasUsage> {
    out.usage_source()
}

// The checks for async-openai's types (the macro names them when the return type does): with
// the feature off, their error names the feature.
#[cfg(feature = "async-openai")]
pub use self::{required_chunk_usage as async_openai_required_chunk_usage, required_usage as async_openai_required_usage};
#[cfg(not(feature = "async-openai"))]
pub use crate::adapters::feature_off::{async_openai_required_chunk_usage, async_openai_required_usage};

/// Usage of a stream chunk, for streaming inference operations.
#[inline]
pub fn required_chunk_usage<T: ReportsChunkUsage + ?Sized>(out: &T) -> Option<&dyn HasUsage> {
    out.chunk_usage_source()
}

/// Usage read by the user's `usage = ...` closure from the success value.
#[inline]
pub fn usage_with<'a, T: ?Sized, U: HasUsage + 'a>(ok: Option<&'a T>, f: impl FnOnce(&'a T) -> U) -> Option<Box<dyn HasUsage + 'a>> {
    ok.map(|v| Box::new(f(v)) as Box<dyn HasUsage + 'a>)
}

/// Checks at compile time that a field is a token count (spanned at the field's type).
#[inline]
pub fn token_count<T: TokenCount + ?Sized>(v: &T) -> Option<u64> {
    v.token_count()
}

/// Checks at compile time that a field is text (spanned at the field's type).
#[inline]
pub fn texts<T: TextField + ?Sized>(v: &T) -> Vec<&str> {
    v.texts()
}

/// A provider-reported cost read from a `cost` field.
#[inline]
pub fn reported_cost<T: CostField + ?Sized>(v: &T, currency: &'static str) -> Option<Cost> {
    v.amount().map(|a| Cost::reported(a, currency))
}

/// The first text of a text field.
#[inline]
pub fn first_text<T: TextField + ?Sized>(v: &T) -> Option<&str> {
    v.first()
}

/// Runs a sync body inside the span. The closure is passed straight to an `FnOnce` bound so that
/// it may return borrows of what it captured.
#[inline]
pub fn run_sync<R>(call: ActiveCall, body: impl FnOnce() -> R, classify: impl for<'a> FnOnce(&'a R, bool) -> Outcome<'a>) -> R {
    call.in_scope(body, classify)
}

/// Starts a call whose builder is made only when telemetry is on: while it is switched off, the
/// annotation's arguments are not even converted (as with `--cfg genai_o11y_disabled`). For
/// annotations without attribution (which outgoing requests may propagate even then).
#[inline]
pub fn start_lazily(build: impl FnOnce() -> crate::GenAiSpanBuilder) -> ActiveCall {
    if crate::call::dormant() {
        return ActiveCall::dormant();
    }
    build().start_live()
}

/// Wraps a future.
#[inline]
pub fn instrument<F, C>(call: ActiveCall, fut: F, classify: C) -> Instrumented<F, C>
where
    F: core::future::Future,
    C: for<'a> FnOnce(&'a F::Output, bool) -> Outcome<'a>,
{
    call.instrument(fut, classify)
}

/// Wraps a stream.
#[inline]
pub fn instrument_stream<S, C>(call: ActiveCall, stream: S, classify: C) -> InstrumentedStream<S, C>
where
    S: futures_core::Stream,
    C: for<'a> FnMut(&'a S::Item, bool) -> Outcome<'a>,
{
    call.instrument_stream(stream, classify)
}

/// Wraps an iterator (a sync fn returning `impl Iterator`).
#[inline]
pub fn instrument_iter<I, C>(call: ActiveCall, iter: I, classify: C) -> InstrumentedIter<I, C>
where
    I: Iterator,
    C: for<'a> FnMut(&'a I::Item, bool) -> Outcome<'a>,
{
    call.instrument_iter(iter, classify)
}

/// Runs the body of a stream-returning async fn; hands the call back.
#[inline]
pub fn run_body<F: core::future::Future>(call: ActiveCall, fut: F) -> Body<F> {
    call.run_body(fut)
}

/// Runs the body of a stream-returning sync fn; hands the call back.
#[inline]
pub fn run_sync_body<R>(call: ActiveCall, body: impl FnOnce() -> R) -> (ActiveCall, R) {
    call.run_sync_body(body)
}

/// Ends a stream call that failed before its stream existed.
#[inline]
pub fn fail(call: ActiveCall, error: Option<ErrorInfo>) {
    call.finish(outcome(UsageSource::None, error, None));
}

/// Type-checks a classifier that never runs (telemetry compiled out, arguments still checked).
#[inline(always)]
pub fn check_classifier<R: ?Sized, C: for<'a> FnOnce(&'a R, bool) -> Outcome<'a>>(_: C) {}

/// Calls a closure once. Passing the closure straight to an `FnOnce` bound lets it return borrows
/// of what it captured (a `&mut self` method returning `&mut T`).
#[inline]
pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
    f()
}

// ---- guards (`crate::guard`)

pub use crate::guard::{Decision, DecisionKind, GuardDecision};

/// The decision of a guard's return value (it must report one).
#[inline]
pub fn required_decision<T: crate::guard::ReportsDecision + ?Sized>(out: &T) -> Option<Decision> {
    out.reported_decision()
}

/// The decision read by the user's `decision = ...` closure from the success value.
#[inline]
pub fn decision_with<'a, T: ?Sized, D: GuardDecision>(ok: Option<&'a T>, f: impl FnOnce(&'a T) -> D) -> Option<Decision> {
    ok.map(|v| f(v).guard_decision())
}

/// A guard's parameters as the content it checked: the value of a single one, else their object.
#[inline]
pub fn guard_input(args: Json) -> Option<Json> {
    match args {
        Json::Object(m) if m.len() == 1 => m.into_iter().next().map(|(_, v)| v),
        Json::Object(m) if m.is_empty() => None,
        other => Some(other),
    }
}

/// A derived decision's text field (spanned at the field's type).
#[inline]
pub fn decision_text<T: crate::guard::DecisionText + ?Sized>(v: &T) -> Option<opentelemetry::StringValue> {
    v.decision_text()
}

/// A derived decision's risk score field (spanned at the field's type).
#[inline]
pub fn decision_score<T: crate::guard::DecisionScore + ?Sized>(v: &T) -> Option<f64> {
    v.decision_score().filter(|s| s.is_finite())
}

/// A derived decision from its parts.
#[inline]
pub fn decision(
    kind: DecisionKind,
    reason: Option<opentelemetry::StringValue>,
    value: Option<opentelemetry::StringValue>,
    risk_category: Option<opentelemetry::StringValue>,
    risk_score: Option<f64>,
    rule_id: Option<opentelemetry::StringValue>,
) -> Decision {
    Decision { kind, reason, value, risk_category, risk_score, rule_id }
}

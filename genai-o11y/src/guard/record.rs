//! What a finished guard records: the decision on its span, the `gen_ai.guardrail.result` event,
//! the decisions counter, and for a block the ERROR log record and the mark on the enclosing
//! scopes (`crate::scope::Totals::add_guard_block`).

use opentelemetry::trace::TraceContextExt;
use opentelemetry::{KeyValue, StringValue};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{Decision, GuardSpec};
use crate::call::CallMeta;
use crate::capture::ContentKind;
use crate::instruments::Instruments;
use crate::record::Finish;
use crate::semconv::{guardrail as names, tracing_names as tn, v1_41 as sc};

/// The risk category of a decision: its own, else the guard's default.
fn risk_category<'a>(d: &'a Decision, spec: Option<&'a GuardSpec>) -> Option<&'a StringValue> {
    d.risk_category.as_ref().or_else(|| spec.and_then(|s| s.risk_category.as_ref()))
}

/// The decision's attributes, written on the guard's span when it ends.
pub(crate) fn span_attributes(meta: &CallMeta, finish: &Finish<'_>, attrs: &mut Vec<KeyValue>) {
    let Some(d) = &finish.decision else { return };
    attrs.push(KeyValue::new(names::RESULT_TYPE, d.kind.as_str()));
    // The mark an outcome sampler reads (`crate::sampling`), on the guard's own span too: a guard
    // may run outside any agent.
    if d.is_block() {
        attrs.push(KeyValue::new(names::BLOCKED, true));
    }
    let mut put = |k: &'static str, v: Option<&StringValue>| {
        if let Some(v) = v {
            attrs.push(KeyValue::new(k, v.clone()));
        }
    };
    put(names::RESULT_VALUE, d.value.as_ref());
    put(names::RESULT_REASON, d.reason.as_ref());
    put(names::RISK_CATEGORY, risk_category(d, meta.guard.as_deref()));
    put(names::POLICY_RULE_ID, d.rule_id.as_ref());
    if let Some(s) = d.risk_score {
        attrs.push(KeyValue::new(names::RISK_SCORE, s));
    }
}

/// The `gen_ai.guardrail.result` event on the guard's span, and the ERROR log record of a block.
pub(crate) fn events(span: &tracing::Span, meta: &CallMeta, finish: &Finish<'_>, captured: &[(ContentKind, String)]) {
    let Some(d) = &finish.decision else { return };
    let spec = meta.guard.as_deref();
    let s = |v: Option<&StringValue>| v.map(|v| v.as_str().to_owned());
    let content = |kind: ContentKind| captured.iter().rev().find(|(k, _)| *k == kind).map(|(_, t)| t.as_str());
    let name = meta.name.as_ref().map(|n| n.as_str());
    if !span.is_disabled() {
        tracing::event!(
            name: names::EVENT,
            target: tn::TARGET,
            parent: span,
            tracing::Level::INFO,
            { names::COMPONENT_NAME } = name,
            { names::RESULT_TYPE } = d.kind.as_str(),
            { names::RESULT_VALUE } = s(d.value.as_ref()),
            { names::RESULT_REASON } = s(d.reason.as_ref()),
            { names::SOURCE } = s(spec.and_then(|g| g.source.as_ref())),
            { names::RISK_CATEGORY } = s(risk_category(d, spec)),
            { names::RISK_SCORE } = d.risk_score,
            { names::POLICY_ID } = s(spec.and_then(|g| g.policy_id.as_ref())),
            { names::POLICY_VERSION } = s(spec.and_then(|g| g.policy_version.as_ref())),
            { names::POLICY_RULE_ID } = s(d.rule_id.as_ref()),
            { names::CONTENT_INPUT_VALUE } = content(ContentKind::GuardrailInput),
            { names::CONTENT_OUTPUT_VALUE } = content(ContentKind::GuardrailOutput),
        );
    }
    if d.is_block() {
        log_block(span, name, d, spec);
    }
}

/// A block, at ERROR, with its trace and span ids. Not parented to the guard's span: an ERROR
/// event there would mark the span failed, and a block is the guard doing its job.
fn log_block(span: &tracing::Span, name: Option<&str>, d: &Decision, spec: Option<&GuardSpec>) {
    let sc = span.context().span().span_context().clone();
    let (trace_id, span_id) = if sc.is_valid() { (Some(sc.trace_id().to_string()), Some(sc.span_id().to_string())) } else { (None, None) };
    let name = name.unwrap_or_default();
    tracing::error!(
        target: tn::TARGET,
        parent: None,
        trace_id,
        span_id,
        { names::COMPONENT_NAME } = name,
        { names::RESULT_TYPE } = d.kind.as_str(),
        { names::RESULT_REASON } = d.reason.as_ref().map(|r| r.as_str()),
        { names::POLICY_ID } = spec.and_then(|g| g.policy_id.as_ref()).map(|p| p.as_str()),
        { names::POLICY_RULE_ID } = d.rule_id.as_ref().map(|r| r.as_str()),
        "guardrail {name} blocked{}",
        d.reason.as_ref().map(|r| format!(": {}", r.as_str())).unwrap_or_default()
    );
}

/// `genai_o11y.guardrail.decisions`: one per decision, by guard name and result type, with the
/// allowed attribution keys. A guard that failed made no decision and is not counted.
pub(crate) fn metrics(i: &Instruments, meta: &CallMeta, finish: &Finish<'_>) {
    let Some(d) = &finish.decision else { return };
    let mut attrs: smallvec::SmallVec<[KeyValue; 8]> = smallvec::SmallVec::new();
    if let Some(name) = &meta.name {
        attrs.push(KeyValue::new(names::COMPONENT_NAME, name.clone()));
    }
    attrs.push(KeyValue::new(names::RESULT_TYPE, d.kind.as_str()));
    if let Some(agent) = &meta.agent_name {
        attrs.push(KeyValue::new(sc::GEN_AI_AGENT_NAME, agent.clone()));
    }
    attrs.extend(meta.attribution.iter().cloned());
    i.guardrail_decisions.add(1, &attrs);
}

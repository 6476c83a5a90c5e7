//! The metrics a finished call records: one function per operation kind, each in the convention
//! mode of the instruments.

use std::sync::atomic::Ordering;

use opentelemetry::KeyValue;

use super::Finish;
use crate::call::{CallMeta, OperationKind};
use crate::instruments::{Instruments, LatestInstruments, V141Instruments};
use crate::pricing::CostSource;
use crate::scope::Scope;
use crate::semconv::{latest, v1_41 as sc, vendor, workflow as wf};
use crate::usage::{ByModality, Modality};

type MetricAttrs = smallvec::SmallVec<[KeyValue; 8]>;

/// Records the metrics of a finished call.
pub(crate) fn record(i: &Instruments, meta: &CallMeta, own_scope: Option<&Scope>, finish: &Finish<'_>) {
    match meta.kind {
        OperationKind::Inference => inference(i, meta, finish),
        OperationKind::Tool => tool(i, meta, finish),
        OperationKind::Agent => agent(i, meta, own_scope, finish),
        OperationKind::Workflow => workflow(i, meta, finish),
        OperationKind::CreateAgent | OperationKind::Retrieval | OperationKind::Memory => client_operation(i, meta, finish),
        // A hosted agent and a fetched response are client operations (no inference metrics:
        // a fetch consumes no tokens; the hosted agent's own runs are the provider's).
        OperationKind::RemoteAgent | OperationKind::FetchResponse => remote_operation(i, meta, finish),
        // The conventions define no metric for planning (its chat records its own).
        OperationKind::Plan => {}
        OperationKind::Guard => crate::guard::record::metrics(i, meta, finish),
    }
}

/// `gen_ai.client.operation.duration` of a client operation that is not an inference call
/// (`create_agent`, `retrieval`, memory). In v1.41 mode one made without a provider goes to
/// `genai_o11y.client.operation.duration` instead: v1.41 requires `gen_ai.provider.name` there.
fn client_operation(i: &Instruments, meta: &CallMeta, finish: &Finish<'_>) {
    let mut attrs = MetricAttrs::new();
    meta.inference_attrs(None, &mut attrs);
    let histogram = match &i.v1_41 {
        Some(v) if meta.provider.is_none() => &v.providerless_operation_duration,
        _ => &i.operation_duration,
    };
    with(&mut attrs, error_type(finish), |a| histogram.record(finish.elapsed, a));
}

/// `gen_ai.client.operation.duration` of a remote agent invocation or a fetched response, with
/// the response model when the return value reports one.
fn remote_operation(i: &Instruments, meta: &CallMeta, finish: &Finish<'_>) {
    let mut attrs = MetricAttrs::new();
    meta.inference_attrs(finish.response_model(), &mut attrs);
    with(&mut attrs, error_type(finish), |a| i.operation_duration.record(finish.elapsed, a));
}

fn workflow(i: &Instruments, meta: &CallMeta, finish: &Finish<'_>) {
    let mut attrs = MetricAttrs::new();
    if let Some(name) = &meta.name {
        attrs.push(KeyValue::new(wf::GEN_AI_WORKFLOW_NAME, name.clone()));
    }
    if !meta.attribution.is_empty() {
        attrs.extend(meta.attribution.iter().cloned());
    }
    attrs.extend(error_type(finish));
    i.workflow_duration.record(finish.elapsed, &attrs);
}

fn error_type(finish: &Finish<'_>) -> Option<KeyValue> {
    finish.error_type().map(|t| KeyValue::new(sc::ERROR_TYPE, t))
}

fn tool(i: &Instruments, meta: &CallMeta, finish: &Finish<'_>) {
    let mut attrs = MetricAttrs::new();
    if let Some(name) = &meta.name {
        attrs.push(KeyValue::new(sc::GEN_AI_TOOL_NAME, name.clone()));
    }
    attrs.push(KeyValue::new(sc::GEN_AI_TOOL_TYPE, meta.tool_type.clone().unwrap_or_else(|| sc::TOOL_TYPE_FUNCTION.into())));
    if let Some(agent) = &meta.agent_name {
        attrs.push(KeyValue::new(sc::GEN_AI_AGENT_NAME, agent.clone()));
    }
    if !meta.attribution.is_empty() {
        attrs.extend(meta.attribution.iter().cloned());
    }
    attrs.extend(error_type(finish));
    i.tool_duration.record(finish.elapsed, &attrs);
}

fn agent(i: &Instruments, meta: &CallMeta, own_scope: Option<&Scope>, finish: &Finish<'_>) {
    let mut attrs = MetricAttrs::new();
    if let Some(name) = &meta.name {
        attrs.push(KeyValue::new(sc::GEN_AI_AGENT_NAME, name.clone()));
    }
    if let Some(m) = &meta.request_model {
        attrs.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, m.clone()));
    }
    if !meta.attribution.is_empty() {
        attrs.extend(meta.attribution.iter().cloned());
    }
    attrs.extend(error_type(finish));
    i.agent_duration.record(finish.elapsed, &attrs);
    if let (Some(l), Some(own)) = (&i.latest, own_scope) {
        let name: MetricAttrs = meta.name.iter().map(|n| KeyValue::new(sc::GEN_AI_AGENT_NAME, n.clone())).chain(meta.attribution.iter().cloned()).collect();
        l.agent_inference_calls.record(own.totals.inference_calls.load(Ordering::Relaxed), &name);
        l.agent_tool_calls.record(own.totals.tool_calls.load(Ordering::Relaxed), &name);
    }
}

/// One attribute list for every inference metric of the call: the common attributes, extended
/// and truncated back for each instrument's extra attributes.
fn inference(i: &Instruments, meta: &CallMeta, finish: &Finish<'_>) {
    let mut attrs = MetricAttrs::new();
    meta.inference_attrs(finish.response_model(), &mut attrs);
    match (&i.v1_41, &i.latest) {
        (Some(v), _) => v1_41_inference(i, v, &mut attrs, finish),
        (None, Some(l)) if meta.in_inference_family() => latest_inference(l, meta, &mut attrs, finish),
        _ => {
            // Latest mode, an operation outside the inference family (embeddings, custom): the
            // generic duration.
            with(&mut attrs, error_type(finish), |a| i.operation_duration.record(finish.elapsed, a));
        }
    }
    if let Some(c) = &finish.cost {
        let source = if c.source == CostSource::Provider { vendor::COST_SOURCE_PROVIDER } else { vendor::COST_SOURCE_TABLE };
        attrs.push(KeyValue::new(vendor::COST_CURRENCY, c.currency.clone()));
        with(&mut attrs, Some(KeyValue::new(vendor::COST_SOURCE, source)), |a| i.cost.add(c.amount, a));
        attrs.pop();
    }
    if finish.unpriced {
        i.unpriced.add(1, &attrs);
    }
    if finish.usage_missing {
        i.usage_missing.add(1, &attrs);
    }
}

/// Runs `f` with `extra` (if any) appended to `attrs`, then takes it off again: a push and a pop,
/// the cheapest way on the hot path.
fn with(attrs: &mut MetricAttrs, extra: Option<KeyValue>, f: impl FnOnce(&[KeyValue])) {
    match extra {
        Some(kv) => {
            attrs.push(kv);
            f(attrs);
            attrs.pop();
        }
        None => f(attrs),
    }
}

fn v1_41_inference(i: &Instruments, v: &V141Instruments, attrs: &mut MetricAttrs, finish: &Finish<'_>) {
    with(attrs, error_type(finish), |a| i.operation_duration.record(finish.elapsed, a));
    if let Some(u) = finish.usage {
        for (n, ty) in [(u.total_input_tokens(), sc::GEN_AI_TOKEN_TYPE_INPUT), (u.total_output_tokens(), sc::GEN_AI_TOKEN_TYPE_OUTPUT)] {
            if let Some(n) = n {
                with(attrs, Some(KeyValue::new(sc::GEN_AI_TOKEN_TYPE, ty)), |a| v.token_usage.record(n, a));
            }
        }
        // v1.41 has no cache metric: this crate's counter, with the token metrics' attributes,
        // only for a call that read from the cache (a zero adds nothing to a rate, and costs a
        // record on every call).
        if let Some(n) = u.total_cache_read_input_tokens().filter(|n| *n > 0) {
            v.usage_cache_read.add(n, attrs.as_slice());
        }
    }
}

fn latest_inference(l: &LatestInstruments, meta: &CallMeta, attrs: &mut MetricAttrs, finish: &Finish<'_>) {
    // A call that reports no usage on purpose (`usage = none`) records no usage metric: the
    // conventions' "MUST NOT report usage metrics" when the count cannot be obtained.
    if !meta.expects_usage && finish.usage.is_none() {
        with(attrs, error_type(finish), |a| l.inference_duration.record(finish.elapsed, a));
        return;
    }
    // Usage counters (`token-metrics.yaml`): every inference operation, failed ones included, 0
    // when nothing came back. Input, output and cache reads by the modality the provider
    // reported, the tokens no reported part names as `unknown`; cache writes and reasoning have
    // no breakdown (`unknown`).
    let u = finish.usage.unwrap_or_default();
    by_modality(attrs, u.total_input_tokens(), &u.input_by_modality, |n, a| l.usage_input.add(n, a));
    by_modality(attrs, u.total_output_tokens(), &u.output_by_modality, |n, a| l.usage_output.add(n, a));
    by_modality(attrs, u.total_cache_read_input_tokens(), &u.cache_read_by_modality, |n, a| l.usage_cache_read.add(n, a));
    with(attrs, Some(KeyValue::new(latest::GEN_AI_TOKEN_MODALITY, latest::GEN_AI_TOKEN_MODALITY_UNKNOWN)), |a| {
        l.usage_cache_write.add(u.cache_write_input_tokens.unwrap_or(0), a);
        l.usage_reasoning.add(u.reasoning_output_tokens.unwrap_or(0), a);
    });
    with(attrs, error_type(finish), |a| {
        l.inference_duration.record(finish.elapsed, a);
        // Per-operation distributions: every operation, failed ones with their `error.type`, 0
        // when nothing came back.
        l.operation_input_tokens.record(u.total_input_tokens().unwrap_or(0), a);
        l.operation_output_tokens.record(u.total_output_tokens().unwrap_or(0), a);
    });
}

/// The value of `gen_ai.token.modality` for a modality.
fn modality_value(m: Modality) -> &'static str {
    match m {
        Modality::Text => latest::GEN_AI_TOKEN_MODALITY_TEXT,
        Modality::Image => latest::GEN_AI_TOKEN_MODALITY_IMAGE,
        Modality::Audio => latest::GEN_AI_TOKEN_MODALITY_AUDIO,
    }
}

/// Adds `total` to a usage counter split by modality: each reported part under its modality,
/// what the parts leave of the total (or all of it, or 0 when nothing was reported) under
/// `unknown`. A rest of 0 beside reported parts adds nothing: the parts sum to the total.
fn by_modality(attrs: &mut MetricAttrs, total: Option<u64>, parts: &ByModality, add: impl Fn(u64, &[KeyValue])) {
    for (m, n) in parts.parts() {
        with(attrs, Some(KeyValue::new(latest::GEN_AI_TOKEN_MODALITY, modality_value(m))), |a| add(n, a));
    }
    let rest = parts.rest(total).unwrap_or(0);
    if parts.is_empty() || rest > 0 {
        with(attrs, Some(KeyValue::new(latest::GEN_AI_TOKEN_MODALITY, latest::GEN_AI_TOKEN_MODALITY_UNKNOWN)), |a| add(rest, a));
    }
}

//! The attributes, status and exception event a finished call writes on its span.

use opentelemetry::trace::{SpanRef, Status};
use opentelemetry::{Array, KeyValue, StringValue, Value};

use super::Finish;
use crate::call::{CallMeta, OperationKind};
use crate::pricing::CostSource;
use crate::scope::Scope;
use crate::semconv::{latest, v1_41 as sc, vendor, Conventions};

fn text(v: &str) -> Value {
    Value::String(StringValue::from(v.to_owned()))
}

/// `attributes.gen_ai.usage.breakdown` of the latest conventions: each part the provider
/// reported, by modality (keys in `Modality::ALL` order).
fn usage_breakdown(u: &crate::usage::Usage) -> impl Iterator<Item = (&'static str, u64)> + '_ {
    use crate::usage::Modality;
    const INPUT: [&str; 3] = [latest::GEN_AI_USAGE_TEXT_INPUT_TOKENS, latest::GEN_AI_USAGE_IMAGE_INPUT_TOKENS, latest::GEN_AI_USAGE_AUDIO_INPUT_TOKENS];
    const OUTPUT: [&str; 3] = [latest::GEN_AI_USAGE_TEXT_OUTPUT_TOKENS, latest::GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS, latest::GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS];
    const CACHE_READ: [&str; 3] = [
        latest::GEN_AI_USAGE_TEXT_CACHE_READ_INPUT_TOKENS,
        latest::GEN_AI_USAGE_IMAGE_CACHE_READ_INPUT_TOKENS,
        latest::GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS,
    ];
    [(&u.input_by_modality, INPUT), (&u.output_by_modality, OUTPUT), (&u.cache_read_by_modality, CACHE_READ)]
        .into_iter()
        .flat_map(|(by, keys)| Modality::ALL.into_iter().zip(keys).filter_map(move |(m, key)| by.get(m).map(|n| (key, n))))
}

/// Writes the finish of a call on its (recording) span.
pub(crate) fn write(span: &SpanRef<'_>, meta: &CallMeta, own_scope: Option<&Scope>, finish: &Finish<'_>, conventions: Conventions) {
    let mut attrs: Vec<KeyValue> = Vec::with_capacity(10);
    // The latest conventions' embeddings span: input tokens and the response model, no more.
    let latest_embeddings =
        conventions == Conventions::LatestExperimental && meta.kind == OperationKind::Inference && meta.operation.as_str() == sc::OP_EMBEDDINGS;
    if let (OperationKind::Inference, Some(u), true) = (meta.kind, &finish.usage, latest_embeddings) {
        if let Some(n) = u.total_input_tokens() {
            attrs.push(KeyValue::new(sc::GEN_AI_USAGE_INPUT_TOKENS, i64::try_from(n).unwrap_or(i64::MAX)));
        }
    } else if let (OperationKind::Inference, Some(u)) = (meta.kind, &finish.usage) {
        let mut put = |key: &'static str, v: Option<u64>| {
            if let Some(v) = v {
                attrs.push(KeyValue::new(key, i64::try_from(v).unwrap_or(i64::MAX)));
            }
        };
        put(sc::GEN_AI_USAGE_INPUT_TOKENS, u.total_input_tokens());
        put(sc::GEN_AI_USAGE_OUTPUT_TOKENS, u.total_output_tokens());
        put(sc::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, u.total_cache_read_input_tokens());
        put(conventions.cache_write_key(), u.cache_write_input_tokens);
        put(sc::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, u.reasoning_output_tokens);
        // The breakdown by modality: a group of the latest conventions only (v1.41 has none).
        if conventions == Conventions::LatestExperimental {
            for (key, v) in usage_breakdown(u) {
                put(key, Some(v));
            }
        }
    }
    // A fetch names the response it fetches when it starts: written once.
    let known_id = meta.kind == OperationKind::FetchResponse;
    if let (Some(id), false, false) = (finish.response_id(), latest_embeddings, known_id) {
        attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_ID, text(id)));
    }
    if let Some(m) = finish.response_model() {
        attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, crate::call::response_model_value(m)));
    }
    let finish_reasons = if latest_embeddings { Vec::new() } else { finish.finish_reasons() };
    if !finish_reasons.is_empty() {
        let reasons = finish_reasons.into_iter().map(|r| StringValue::from(r.to_owned())).collect();
        attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_FINISH_REASONS, Value::Array(Array::String(reasons))));
    }
    if let (Some(err), Some(error_type)) = (&finish.error, finish.error_type()) {
        attrs.push(KeyValue::new(sc::ERROR_TYPE, error_type));
        let mut event = Vec::with_capacity(2);
        event.push(KeyValue::new(sc::EXCEPTION_TYPE, Value::String(super::finish::cow_value(&err.exception_type))));
        if let Some(m) = &err.message {
            event.push(KeyValue::new(sc::EXCEPTION_MESSAGE, text(m)));
        }
        span.add_event(sc::EXCEPTION_EVENT, event);
        span.set_status(Status::error(err.message.clone().unwrap_or_default()));
    }
    latest_operations(&mut attrs, meta, finish, conventions);
    if let Some(c) = &finish.cost {
        attrs.push(KeyValue::new(vendor::COST_AMOUNT, c.amount));
        attrs.push(KeyValue::new(vendor::COST_CURRENCY, c.currency.clone()));
        match &c.source {
            CostSource::Provider => attrs.push(KeyValue::new(vendor::COST_SOURCE, vendor::COST_SOURCE_PROVIDER)),
            CostSource::Table(v) => {
                attrs.push(KeyValue::new(vendor::COST_SOURCE, vendor::COST_SOURCE_TABLE));
                attrs.push(KeyValue::new(vendor::COST_PRICING_VERSION, v.clone()));
            }
        }
    }
    if finish.unpriced {
        attrs.push(KeyValue::new(vendor::COST_UNPRICED, true));
    }
    if let Some(n) = finish.record_count {
        attrs.push(KeyValue::new(crate::semconv::memory::GEN_AI_MEMORY_RECORD_COUNT, i64::try_from(n).unwrap_or(i64::MAX)));
    }
    if let Some(n) = finish.document_count {
        attrs.push(KeyValue::new(crate::semconv::retrieval::DOCUMENT_COUNT, i64::try_from(n).unwrap_or(i64::MAX)));
    }
    if meta.kind == OperationKind::Guard {
        crate::guard::record::span_attributes(meta, finish, &mut attrs);
    }
    if finish.usage_missing {
        attrs.push(KeyValue::new(vendor::USAGE_MISSING, true));
    }
    if let Some(own) = own_scope {
        attrs.extend(own.totals.attributes(own.kind));
    }
    if !attrs.is_empty() {
        span.set_attributes(attrs);
    }
}

/// What the latest conventions' operations add at the end of a call: the fetched response's
/// `gen_ai.response.status` (latest mode only: v1.41 has no such key), a command tool's
/// `process.exit.code` (both modes: a core attribute).
fn latest_operations(attrs: &mut Vec<KeyValue>, meta: &CallMeta, finish: &Finish<'_>, conventions: Conventions) {
    if let (OperationKind::FetchResponse, Conventions::LatestExperimental) = (meta.kind, conventions) {
        if let Some(status) = finish.report().and_then(|r| r.response_status()) {
            attrs.push(KeyValue::new(crate::semconv::fetch_response::GEN_AI_RESPONSE_STATUS, text(status)));
        }
    }
    if let (OperationKind::Tool, Some(code)) = (meta.kind, finish.exit_code) {
        attrs.push(KeyValue::new(crate::semconv::skill::PROCESS_EXIT_CODE, code));
    }
}

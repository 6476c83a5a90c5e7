//! The `gen_ai.client.inference.operation.details` event of a finished inference call (content
//! capture in the event modes).

use super::Finish;
use crate::call::CallMeta;
use crate::capture::ContentKind;
use crate::semconv::{tracing_names as tn, v1_41 as sc};

/// Emits the details event inside the call's span, with the content captured during the call.
pub(crate) fn details(span: &tracing::Span, meta: &CallMeta, captured: &[(ContentKind, String)], finish: &Finish<'_>) {
    let get = |k: ContentKind| captured.iter().rev().find(|(kind, _)| *kind == k).map(|(_, t)| t.as_str());
    let usage = finish.usage.unwrap_or_default();
    let i64_of = |v: Option<u64>| v.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
    tracing::event!(
        name: sc::GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS,
        target: tn::TARGET,
        parent: span,
        tracing::Level::DEBUG,
        { sc::GEN_AI_OPERATION_NAME } = meta.operation.as_str(),
        { sc::GEN_AI_PROVIDER_NAME } = meta.provider.as_ref().map(|p| p.as_str()),
        { sc::GEN_AI_REQUEST_MODEL } = meta.request_model.as_ref().map(|p| p.as_str()),
        { sc::GEN_AI_RESPONSE_ID } = finish.response_id(),
        { sc::GEN_AI_RESPONSE_MODEL } = finish.response_model(),
        { sc::GEN_AI_USAGE_INPUT_TOKENS } = i64_of(usage.spec_input_tokens()),
        { sc::GEN_AI_USAGE_OUTPUT_TOKENS } = i64_of(usage.output_tokens),
        { sc::ERROR_TYPE } = finish.error.as_ref().map(|e| e.error_type.as_ref()),
        { sc::GEN_AI_SYSTEM_INSTRUCTIONS } = get(ContentKind::SystemInstructions),
        { sc::GEN_AI_INPUT_MESSAGES } = get(ContentKind::InputMessages),
        { sc::GEN_AI_OUTPUT_MESSAGES } = get(ContentKind::OutputMessages),
        { sc::GEN_AI_TOOL_DEFINITIONS } = get(ContentKind::ToolDefinitions),
    );
}

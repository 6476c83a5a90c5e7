//! The one-line log summary of a finished call (`Setup::log_summaries`), and the conventions'
//! `gen_ai.client.operation.exception` event of a failed client operation (with a logs bridge).

use super::Finish;
use crate::call::{CallMeta, OperationKind};
use crate::capture::ContentKind;
use crate::semconv::{tracing_names as tn, v1_41 as sc};

/// `error.type` of a rate-limited call (HTTP 429), logged as a warning.
const RATE_LIMITED: &str = "429";

/// One log line for a finished call, inside its span (so it carries the call's trace and span
/// ids): INFO on success, WARN when cancelled or rate limited, ERROR on failure; DEBUG lines with
/// the captured content when capture is on.
pub(crate) fn summary(span: &tracing::Span, meta: &CallMeta, finish: &Finish<'_>, captured: &[(ContentKind, String)]) {
    let name = meta.display_name();
    let op = meta.operation.as_str();
    let ms = (finish.elapsed * 1000.0 * 10.0).round() / 10.0;
    let input = finish.usage.and_then(|u| u.spec_input_tokens());
    let output = finish.usage.and_then(|u| u.output_tokens);
    let cost = finish.cost.as_ref().map(|c| c.amount);
    match &finish.error {
        None => {
            tracing::info!(target: tn::TARGET, parent: span, duration_ms = ms, input_tokens = input, output_tokens = output, cost, "{op} {name} completed")
        }
        Some(e) if e.error_type == sc::ERROR_TYPE_CANCELLED || e.error_type == RATE_LIMITED => {
            let what = if e.error_type == RATE_LIMITED { "rate limited" } else { "cancelled" };
            tracing::warn!(target: tn::TARGET, parent: span, duration_ms = ms, error.type = e.error_type.as_ref(), "{op} {name} {what}")
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

/// The `gen_ai.client.operation.exception` event of a failed GenAI client operation (inference,
/// `create_agent`, retrieval, memory): a WARN log record (severity 13, as the conventions say)
/// inside the call's span, with `exception.type` and, when it may be recorded, `exception.message`
/// (the same two the span's `exception` event has). The same event in both convention modes.
pub(crate) fn exception(span: &tracing::Span, meta: &CallMeta, finish: &Finish<'_>) {
    let Some(e) = &finish.error else { return };
    if !matches!(meta.kind, OperationKind::Inference | OperationKind::CreateAgent | OperationKind::Retrieval | OperationKind::Memory) {
        return;
    }
    tracing::event!(
        name: sc::GEN_AI_CLIENT_OPERATION_EXCEPTION,
        target: tn::TARGET,
        parent: span,
        tracing::Level::WARN,
        { sc::EXCEPTION_TYPE } = e.exception_type.as_ref(),
        { sc::EXCEPTION_MESSAGE } = e.message.as_deref(),
    );
}

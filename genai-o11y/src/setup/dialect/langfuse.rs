//! Langfuse. It reads the GenAI conventions itself (type from the operation, model, usage with
//! the cache subtracted, messages, tool arguments); added here: the observation type (so a
//! span's type does not depend on the order of its fallbacks), the session and user as its own
//! trace-level keys (it reads `gen_ai.conversation.id` on the root span only), the computed
//! cost as `gen_ai.usage.cost` (else it prices the model itself, or not at all), and prompt
//! linking from `gen_ai.prompt.name` / `version` on generation observations (the only ones
//! Langfuse links to a prompt).

use opentelemetry::{Array, StringValue, Value};

use super::{Attrs, Op};
use crate::semconv::platforms::{general, langfuse as lf};
use crate::semconv::{latest, v1_41 as sc, vendor};

/// The only currency Langfuse's cost is in.
const USD: &str = "USD";

pub(super) fn rewrite(a: &mut Attrs<'_>) {
    let op = a.op();
    if let Some(t) = observation_type(op) {
        a.add(lf::OBSERVATION_TYPE, t);
    }
    a.copy(general::SESSION_ID, lf::SESSION_ID);
    a.copy(sc::GEN_AI_CONVERSATION_ID, lf::SESSION_ID);
    a.copy(general::USER_ID, lf::USER_ID);
    let tags = a.tags();
    if !tags.is_empty() {
        a.add(lf::TRACE_TAGS, Value::Array(Array::String(tags.into_iter().map(StringValue::from).collect())));
    }
    for (k, v) in a.metadata() {
        a.add_owned(format!("{}{k}", lf::TRACE_METADATA_PREFIX), v);
    }
    // The observation type the span ends up with (an application's own wins over ours).
    if a.str(lf::OBSERVATION_TYPE) == Some(lf::TYPE_GENERATION) {
        a.copy(sc::GEN_AI_PROMPT_NAME, lf::PROMPT_NAME);
        a.copy(latest::GEN_AI_PROMPT_VERSION, lf::PROMPT_VERSION);
    }
    // Langfuse v4 reads the trace's name per observation (environment and version it reads from
    // the resource itself: `deployment.environment.name`, `service.version`).
    a.copy(vendor::TRACE_NAME, lf::TRACE_NAME);
    a.trace_content(lf::TRACE_INPUT, lf::TRACE_OUTPUT);
    // Time to first token: when the first chunk of a streamed generation arrived.
    if let (Some(start), Some(ttfc)) = (a.start(), a.get(sc::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK).and_then(number)) {
        if ttfc.is_finite() && ttfc >= 0.0 {
            a.add(lf::COMPLETION_START_TIME, iso8601(start + std::time::Duration::from_secs_f64(ttfc)));
        }
    }
    if matches!(op, Op::Inference | Op::Embeddings) && a.str(vendor::COST_CURRENCY).is_none_or(|c| c.eq_ignore_ascii_case(USD)) {
        if let Some(cost) = a.get(vendor::COST_AMOUNT).and_then(number) {
            a.add(lf::USAGE_COST, cost);
        }
    }
}

fn observation_type(op: Op) -> Option<&'static str> {
    Some(match op {
        Op::Inference => lf::TYPE_GENERATION,
        Op::Embeddings => lf::TYPE_EMBEDDING,
        Op::Tool => lf::TYPE_TOOL,
        Op::Agent => lf::TYPE_AGENT,
        Op::Retrieval => lf::TYPE_RETRIEVER,
        // A plain span: Langfuse's default.
        Op::Evaluation => lf::TYPE_EVALUATOR,
        Op::Guard => lf::TYPE_GUARDRAIL,
        Op::Workflow => lf::TYPE_CHAIN,
        Op::Memory | Op::Plan | Op::Other => return None,
    })
}

fn number(v: &opentelemetry::Value) -> Option<f64> {
    match v {
        opentelemetry::Value::F64(f) => Some(*f),
        opentelemetry::Value::I64(i) => Some(*i as f64),
        _ => None,
    }
}

/// `2026-12-06T20:41:07.123456Z`: UTC, microseconds.
pub(super) fn iso8601(t: std::time::SystemTime) -> String {
    let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = crate::calendar::civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z", rem / 3_600, rem % 3_600 / 60, rem % 60, since.subsec_micros())
}

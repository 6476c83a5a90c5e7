//! Comet Opik. It has no agent span type: an agent span carrying a model, token usage or
//! messages becomes an `llm` span (and its tokens are counted twice, once more under the agent),
//! so those are removed from agent spans. Any attribute without a rule of its own lands in the
//! span's Input, so no other platform's keys are sent. The provider goes as `gen_ai.system`
//! (it reads `gen_ai.provider.name` only since 2026-08).

use super::{Attrs, Op};
use opentelemetry::{Array, StringValue, Value};

use crate::semconv::attribution;
use crate::semconv::platforms::{self, general, langfuse, langsmith, mlflow, opik, phoenix};
use crate::semconv::v1_41 as sc;

/// What an agent span must not carry: each makes Opik file it as an `llm` span.
const NOT_ON_AGENTS: [&str; 5] =
    [sc::GEN_AI_REQUEST_MODEL, sc::GEN_AI_RESPONSE_MODEL, sc::GEN_AI_INPUT_MESSAGES, sc::GEN_AI_OUTPUT_MESSAGES, sc::GEN_AI_SYSTEM_INSTRUCTIONS];

pub(super) fn rewrite(a: &mut Attrs<'_>) {
    // Attribution: tags and metadata under Opik's keys; the bare keys (which Opik would dump
    // into the span's Input) removed. `session.id` is Opik's thread, kept.
    let tags = a.tags();
    if !tags.is_empty() {
        a.add(opik::TAGS, Value::Array(Array::String(tags.into_iter().map(StringValue::from).collect())));
    }
    let metadata = a.metadata();
    for (k, v) in &metadata {
        a.add_owned(format!("{}{k}", opik::METADATA_PREFIX), v.clone());
    }
    a.copy(general::USER_ID, opik::METADATA_USER_ID);
    a.remove_where(|k| k == attribution::TAGS || k == general::USER_ID || metadata.iter().any(|(m, _)| m == k));
    let agent = a.op() == Op::Agent;
    a.remove_where(|k| {
        is_other_platform(k) || (agent && (NOT_ON_AGENTS.contains(&k) || k.starts_with(opik::GEN_AI_USAGE_PREFIX) || k == platforms::GEN_AI_SYSTEM))
    });
    if !agent {
        a.copy(sc::GEN_AI_PROVIDER_NAME, platforms::GEN_AI_SYSTEM);
    }
}

fn is_other_platform(k: &str) -> bool {
    k.starts_with(langfuse::PREFIX)
        || k.starts_with(langsmith::PREFIX)
        || k.starts_with(mlflow::PREFIX)
        || phoenix::PREFIXES.iter().any(|p| k.starts_with(p))
        || k == phoenix::METADATA
}

//! Comet Opik. It has no agent span type: an agent span carrying a model, token usage or
//! messages becomes an `llm` span (and its tokens are counted twice, once more under the agent),
//! so those are removed from agent spans. Any attribute without a rule of its own lands in the
//! span's Input, so no other platform's keys are sent. The provider goes as `gen_ai.system`
//! (it reads `gen_ai.provider.name` only since 2026-08).

use super::{Attrs, Op};
use crate::semconv::platforms::{self, langfuse, langsmith, opik, phoenix};
use crate::semconv::v1_41 as sc;

/// What an agent span must not carry: each makes Opik file it as an `llm` span.
const NOT_ON_AGENTS: [&str; 5] =
    [sc::GEN_AI_REQUEST_MODEL, sc::GEN_AI_RESPONSE_MODEL, sc::GEN_AI_INPUT_MESSAGES, sc::GEN_AI_OUTPUT_MESSAGES, sc::GEN_AI_SYSTEM_INSTRUCTIONS];

pub(super) fn rewrite(a: &mut Attrs<'_>) {
    let agent = a.op() == Op::Agent;
    a.remove_where(|k| {
        is_other_platform(k) || (agent && (NOT_ON_AGENTS.contains(&k) || k.starts_with(opik::GEN_AI_USAGE_PREFIX) || k == platforms::GEN_AI_SYSTEM))
    });
    if !agent {
        a.copy(sc::GEN_AI_PROVIDER_NAME, platforms::GEN_AI_SYSTEM);
    }
}

fn is_other_platform(k: &str) -> bool {
    k.starts_with(langfuse::PREFIX) || k.starts_with(langsmith::PREFIX) || phoenix::PREFIXES.iter().any(|p| k.starts_with(p)) || k == phoenix::METADATA
}

//! LangSmith (documented behaviour only: its server is closed). It documents `gen_ai.system`
//! (not `gen_ai.provider.name`) for the provider, the operation `embedding` (not the
//! conventions' `embeddings`), and prices runs by the `ls_model_name` / `ls_provider` metadata;
//! threads come from `conversation_id` / `session_id` metadata.

use super::{Attrs, Op};
use crate::semconv::platforms::{self, general, langsmith as ls};
use crate::semconv::v1_41 as sc;

pub(super) fn rewrite(a: &mut Attrs<'_>) {
    let op = a.op();
    a.add(ls::SPAN_KIND, kind(op));
    a.copy(sc::GEN_AI_PROVIDER_NAME, platforms::GEN_AI_SYSTEM);
    if matches!(op, Op::Inference | Op::Embeddings) {
        a.copy(sc::GEN_AI_REQUEST_MODEL, ls::METADATA_MODEL_NAME);
        a.copy(sc::GEN_AI_RESPONSE_MODEL, ls::METADATA_MODEL_NAME);
        a.copy(sc::GEN_AI_PROVIDER_NAME, ls::METADATA_PROVIDER);
    }
    if op == Op::Embeddings {
        a.replace(sc::GEN_AI_OPERATION_NAME, ls::OP_EMBEDDING);
    }
    a.copy(sc::GEN_AI_CONVERSATION_ID, ls::METADATA_CONVERSATION_ID);
    // A trace's local root: the root run's inputs and outputs.
    a.trace_content(platforms::phoenix::INPUT_VALUE, platforms::phoenix::OUTPUT_VALUE);
    a.copy(general::SESSION_ID, ls::METADATA_SESSION_ID);
    a.copy(general::USER_ID, ls::METADATA_USER_ID);
    let tags = a.tags();
    if !tags.is_empty() {
        a.add(ls::SPAN_TAGS, tags.join(","));
    }
    for (k, v) in a.metadata() {
        a.add_owned(format!("{}{k}", ls::METADATA_PREFIX), v);
    }
}

fn kind(op: Op) -> &'static str {
    match op {
        Op::Inference => ls::KIND_LLM,
        Op::Embeddings => ls::KIND_EMBEDDING,
        Op::Tool => ls::KIND_TOOL,
        Op::Retrieval => ls::KIND_RETRIEVER,
        Op::Agent | Op::Workflow | Op::Memory | Op::Plan | Op::Evaluation | Op::Guard | Op::Other => ls::KIND_CHAIN,
    }
}

//! What a finished call adds to the totals of the agent or rollup it ran in.

use std::sync::atomic::Ordering;

use super::Finish;
use crate::call::{CallMeta, OperationKind};
use crate::scope::Scope;

/// Adds the call to its enclosing scope: an inference call's tokens and cost, a tool call to its
/// agent's count; an agent's own scope closes and passes its totals up.
pub(crate) fn add(meta: &CallMeta, own_scope: Option<&Scope>, finish: &Finish<'_>) {
    match meta.kind {
        OperationKind::Inference => {
            if let Some(scope) = &meta.scope {
                add_inference(scope, finish);
            }
        }
        OperationKind::Tool => {
            if let Some(agent) = meta.scope.as_ref().and_then(|s| s.agent()) {
                agent.totals.tool_calls.fetch_add(1, Ordering::Relaxed);
            }
        }
        OperationKind::Agent | OperationKind::RemoteAgent | OperationKind::Workflow => {
            if let Some(own) = own_scope {
                own.close();
            }
        }
        // A block marks the scope it ran in; the mark passes up to every enclosing scope as
        // they close (`Totals::absorb`).
        OperationKind::Guard => {
            if let (Some(scope), true) = (&meta.scope, finish.decision.as_ref().is_some_and(|d| d.is_block())) {
                scope.totals.add_guard_block();
            }
        }
        OperationKind::CreateAgent | OperationKind::Plan | OperationKind::Retrieval | OperationKind::Memory | OperationKind::FetchResponse => {}
    }
}

/// An inference call's tokens and cost to `scope`, and one call to its agent's count (this
/// crate's calls and other crates' GenAI spans alike).
pub(crate) fn add_inference(scope: &std::sync::Arc<Scope>, finish: &Finish<'_>) {
    if let Some(u) = &finish.usage {
        scope.totals.add_usage(u);
    }
    if let Some(c) = &finish.cost {
        scope.totals.add_cost(c.amount, &c.currency);
    }
    if let Some(agent) = scope.agent() {
        agent.totals.inference_calls.fetch_add(1, Ordering::Relaxed);
    }
}

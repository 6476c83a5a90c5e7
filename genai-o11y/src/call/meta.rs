//! What the recorders of a finished call need to know about it: fixed when the call starts.

use std::sync::Arc;

use opentelemetry::{KeyValue, StringValue};

use super::operation::OperationKind;
use crate::scope::Scope;
use crate::semconv::{is_inference_operation, v1_41 as sc};

/// The description of a started call that outlives its builder.
#[derive(Debug)]
pub(crate) struct CallMeta {
    pub kind: OperationKind,
    pub operation: StringValue,
    pub name: Option<StringValue>,
    pub provider: Option<StringValue>,
    pub request_model: Option<StringValue>,
    pub server_address: Option<StringValue>,
    pub server_port: Option<i64>,
    pub tool_type: Option<StringValue>,
    /// The nearest enclosing agent's name (tools record it).
    pub agent_name: Option<StringValue>,
    /// The scope the call runs in (totals go there).
    pub scope: Option<Arc<Scope>>,
    pub expects_usage: bool,
    pub streaming: bool,
}

/// Metric attributes, on the stack: the common 6, plus `error.type` and one instrument-specific
/// attribute, need no heap allocation.
pub(crate) type MetricAttrs = smallvec::SmallVec<[KeyValue; 8]>;

impl CallMeta {
    /// The name the call is known by in logs and the console: the tool or agent name, else the
    /// request model.
    pub(crate) fn display_name(&self) -> &str {
        let model = self.request_model.as_ref().map(|m| m.as_str()).unwrap_or_default();
        self.name.as_ref().map(|m| m.as_str()).unwrap_or(model)
    }

    /// One of the operations whose metrics are the `gen_ai.client.inference.*` family in the
    /// latest conventions (`chat`, `text_completion`, `generate_content`)?
    pub(crate) fn in_inference_family(&self) -> bool {
        self.kind == OperationKind::Inference && is_inference_operation(self.operation.as_str())
    }

    /// The common low-cardinality attributes of the inference metrics (no `error.type`).
    pub(crate) fn inference_attrs(&self, response_model: Option<&str>) -> MetricAttrs {
        let mut attrs = MetricAttrs::new();
        attrs.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, self.operation.clone()));
        if let Some(p) = &self.provider {
            attrs.push(KeyValue::new(sc::GEN_AI_PROVIDER_NAME, p.clone()));
        }
        if let Some(m) = &self.request_model {
            attrs.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, m.clone()));
        }
        if let Some(m) = response_model {
            attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, StringValue::from(m.to_owned())));
        }
        if let Some(a) = &self.server_address {
            attrs.push(KeyValue::new(sc::SERVER_ADDRESS, a.clone()));
        }
        if let Some(p) = self.server_port {
            attrs.push(KeyValue::new(sc::SERVER_PORT, p));
        }
        attrs
    }
}

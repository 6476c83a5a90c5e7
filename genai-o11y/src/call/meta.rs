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
    /// The allowed attribution metadata of the call (`MetricAttribution`), on every metric.
    pub attribution: crate::attribution::MetricAttrs,
    /// A guard's policy, source and default risk category.
    pub guard: Option<Box<crate::guard::GuardSpec>>,
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

    /// Appends the common low-cardinality attributes of the inference metrics (no `error.type`)
    /// to `attrs` (written in place: the list lives on the caller's stack).
    pub(crate) fn inference_attrs(&self, response_model: Option<&str>, attrs: &mut MetricAttrs) {
        attrs.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, self.operation.clone()));
        if let Some(p) = &self.provider {
            attrs.push(KeyValue::new(sc::GEN_AI_PROVIDER_NAME, p.clone()));
        }
        if let Some(m) = &self.request_model {
            attrs.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, m.clone()));
        }
        if let Some(m) = response_model {
            attrs.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, response_model_value(m)));
        }
        if let Some(a) = &self.server_address {
            attrs.push(KeyValue::new(sc::SERVER_ADDRESS, a.clone()));
        }
        if let Some(p) = self.server_port {
            attrs.push(KeyValue::new(sc::SERVER_PORT, p));
        }
        if !self.attribution.is_empty() {
            attrs.extend(self.attribution.iter().cloned());
        }
    }
}

thread_local! {
    /// The response models this thread saw last (a few per application, all day long).
    static RESPONSE_MODELS: std::cell::RefCell<Vec<StringValue>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How many response models a thread keeps for reuse.
const RESPONSE_MODELS_KEPT: usize = 8;

/// `gen_ai.response.model` as an attribute value: a shared copy of a model this thread has seen
/// recently, so the common case allocates nothing (the value is a metric attribute of every
/// call); a new one replaces the oldest.
pub(crate) fn response_model_value(model: &str) -> StringValue {
    let fresh = || StringValue::from(std::sync::Arc::<str>::from(model));
    RESPONSE_MODELS
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(v) = cache.iter().find(|v| v.as_str() == model) {
                return v.clone();
            }
            let v = fresh();
            if cache.len() == RESPONSE_MODELS_KEPT {
                cache.remove(0);
            }
            cache.push(v.clone());
            v
        })
        .unwrap_or_else(|_| fresh())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_models_are_shared_and_bounded() {
        let a = response_model_value("gpt-4o-2024-08-06");
        assert_eq!(a.as_str(), "gpt-4o-2024-08-06");
        assert_eq!(response_model_value("gpt-4o-2024-08-06"), a);
        for i in 0..20 {
            assert_eq!(response_model_value(&format!("m{i}")).as_str(), format!("m{i}"));
        }
        RESPONSE_MODELS.with(|c| assert_eq!(c.borrow().len(), RESPONSE_MODELS_KEPT));
        assert_eq!(response_model_value("gpt-4o-2024-08-06").as_str(), "gpt-4o-2024-08-06", "evicted, then made again");
    }
}

//! Reading a foreign span's GenAI attributes.

use opentelemetry::{KeyValue, StringValue, Value};

use crate::semconv::{latest, v1_41 as sc, vendor};
use crate::usage::{HasUsage, Usage};

/// rig's name for the reasoning tokens (`gen_ai.usage.reasoning.output_tokens` in the
/// conventions).
const RIG_REASONING_TOKENS: &str = "gen_ai.usage.reasoning_tokens";

/// The prefix of the token counts.
const USAGE: &str = "gen_ai.usage.";

/// Values recorded as text where the conventions type them otherwise. Token counts recorded as
/// text become integers, as the conventions type them.
/// `tracing-opentelemetry` turns a `u64` field into its decimal text (it records no unsigned
/// integer), so a crate that records `usage.input_tokens: u64` on a span (rig does) exports
/// `"80"`.
///
/// Likewise `gen_ai.response.finish_reasons` recorded as the JSON text of a string array (a
/// `tracing` field has no array type: the `genai` crate records `["stop"]`) becomes the string
/// array the conventions type it as.
pub(super) fn typed_as_the_conventions_say(attrs: &mut [KeyValue]) {
    for kv in attrs.iter_mut() {
        let Value::String(s) = &kv.value else { continue };
        if kv.key.as_str().starts_with(USAGE) {
            if let Ok(n) = s.as_str().trim().parse::<i64>() {
                kv.value = Value::I64(n);
            }
        } else if kv.key.as_str() == sc::GEN_AI_RESPONSE_FINISH_REASONS {
            if let Ok(list) = serde_json::from_str::<Vec<String>>(s.as_str()) {
                kv.value = Value::Array(opentelemetry::Array::String(list.into_iter().map(StringValue::from).collect()));
            }
        }
    }
}

/// The attributes of a finished span, looked up by key.
pub(super) struct Read<'a>(&'a [KeyValue]);

impl<'a> Read<'a> {
    pub(super) fn new(attrs: &'a [KeyValue]) -> Self {
        Read(attrs)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        // The last value set wins, as in the SDK's span.
        self.0.iter().rev().find(|kv| kv.key.as_str() == key).map(|kv| &kv.value)
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(super) fn operation(&self) -> Option<&'a str> {
        match self.get(sc::GEN_AI_OPERATION_NAME)? {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    pub(super) fn error_type(&self) -> Option<&'a str> {
        match self.get(sc::ERROR_TYPE)? {
            Value::String(s) if !s.as_str().is_empty() => Some(s.as_str()),
            _ => None,
        }
    }

    pub(super) fn text(&self, key: &str) -> Option<StringValue> {
        match self.get(key)? {
            Value::String(s) if !s.as_str().is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    /// A count: an integer, or a non-negative whole float or decimal text (what `tracing`
    /// fields from other crates may carry).
    fn count(&self, key: &str) -> Option<u64> {
        match self.get(key)? {
            Value::I64(n) => u64::try_from(*n).ok(),
            Value::F64(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 => Some(*f as u64),
            Value::String(s) => s.as_str().trim().parse().ok(),
            _ => None,
        }
    }

    pub(super) fn int(&self, key: &str) -> Option<i64> {
        self.count(key).and_then(|n| i64::try_from(n).ok())
    }

    pub(super) fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// What the span reports: its usage (both conventions' names, and rig's), response model
    /// and id, and a cost it already carries.
    pub(super) fn report(&self) -> Report {
        let usage = Usage {
            input_tokens: self.count(sc::GEN_AI_USAGE_INPUT_TOKENS),
            output_tokens: self.count(sc::GEN_AI_USAGE_OUTPUT_TOKENS),
            cache_read_input_tokens: self.count(sc::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
            cache_write_input_tokens: self
                .count(sc::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)
                .or_else(|| self.count(latest::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)),
            reasoning_output_tokens: self.count(sc::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS).or_else(|| self.count(RIG_REASONING_TOKENS)),
            ..Usage::new()
        };
        let cost = match (self.get(vendor::COST_AMOUNT), self.text(vendor::COST_CURRENCY)) {
            (Some(Value::F64(amount)), Some(currency)) => Some(crate::Cost::reported(*amount, currency.as_str())),
            _ => None,
        };
        Report { usage, response_model: self.text(sc::GEN_AI_RESPONSE_MODEL), response_id: self.text(sc::GEN_AI_RESPONSE_ID), cost }
    }
}

/// A foreign span's report, as [`HasUsage`] (what this crate's recorders read).
pub(super) struct Report {
    pub(super) usage: Usage,
    response_model: Option<StringValue>,
    response_id: Option<StringValue>,
    cost: Option<crate::Cost>,
}

impl HasUsage for Report {
    fn usage(&self) -> Usage {
        self.usage
    }

    fn response_id(&self) -> Option<&str> {
        self.response_id.as_ref().map(|s| s.as_str())
    }

    fn response_model(&self) -> Option<&str> {
        self.response_model.as_ref().map(|s| s.as_str())
    }

    fn cost(&self) -> Option<crate::Cost> {
        self.cost.clone()
    }
}

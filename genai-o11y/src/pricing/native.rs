//! This crate's own table format (JSON, or TOML with the `pricing-toml` feature):
//!
//! ```json
//! { "version": "my-prices-2026-11", "currency": "USD",
//!   "models": [ { "provider": "openai", "model": "gpt-4o", "input": 2.5, "output": 10.0, "cache_read": 1.25 } ],
//!   "aliases": { "my-gpt4o-deployment": "gpt-4o" } }
//! ```
//!
//! Prices are per million tokens; `provider` is a `gen_ai.provider.name` (or one of its aliases,
//! see [`canonical_provider`](super::canonical_provider)); without it the entry matches any
//! provider.

use serde_json::{Map, Value};

use super::{price, string, ModelPrice, PricingError, PricingTable};

/// A table from the parsed document (JSON, or TOML turned into JSON values).
pub(super) fn from_value(v: Value) -> Result<PricingTable, PricingError> {
    let Value::Object(root) = v else {
        return Err(PricingError::parse("genai-o11y", "expected an object with `version` and `models`"));
    };
    let version = match root.get("version") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => return Err(PricingError::parse("genai-o11y", "`version` is not a non-empty string")),
        None => return Err(PricingError::parse("genai-o11y", "missing `version`")),
    };
    let mut table = PricingTable::new(version);
    match root.get("currency") {
        Some(Value::String(c)) => table.currency = c.clone(),
        Some(_) => return Err(PricingError::parse("genai-o11y", "`currency` is not a string")),
        None => {}
    }
    let models = match root.get("models") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(PricingError::parse("genai-o11y", "`models` is not a list")),
        None => &[],
    };
    for (i, m) in models.iter().enumerate() {
        table = table.with_price(entry(i, m)?);
    }
    if let Some(aliases) = root.get("aliases") {
        let Value::Object(aliases) = aliases else {
            return Err(PricingError::parse("genai-o11y", "`aliases` is not an object of name: model"));
        };
        for (name, model) in aliases {
            let Value::String(model) = model else {
                return Err(PricingError::invalid(format!("aliases.{name}"), "is not a model name (a string)"));
            };
            table = table.with_alias(name, model);
        }
    }
    Ok(table)
}

fn entry(i: usize, m: &Value) -> Result<ModelPrice, PricingError> {
    let Value::Object(m) = m else {
        return Err(PricingError::invalid(format!("models[{i}]"), "is not an object"));
    };
    let name = match m.get("model") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(PricingError::invalid(format!("models[{i}]"), "has no `model` name")),
    };
    let num = |key: &str, m: &Map<String, Value>| price(m, key, &name, 1.0);
    let required = |key: &str| num(key, m)?.ok_or_else(|| PricingError::invalid(&name, format!("`{key}` is missing")));
    let mut p = ModelPrice::new(None, &name, required("input")?, required("output")?);
    p.provider = string(m, "provider", &name)?.map(|s| super::canonical_provider(&s).to_owned());
    p.cache_read = num("cache_read", m)?;
    p.cache_write = num("cache_write", m)?;
    p.reasoning = num("reasoning", m)?;
    p.currency = string(m, "currency", &name)?;
    Ok(p)
}

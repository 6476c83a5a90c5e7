//! Estimated cost with provenance.
//!
//! A [`PricingTable`] maps (provider, model) to prices per million tokens. Inference spans carry
//! `genai_o11y.cost.amount`, `genai_o11y.cost.currency`, `genai_o11y.cost.source` (`provider`
//! when the response reported its own cost through [`HasUsage::cost`](crate::HasUsage::cost),
//! `table` otherwise) and `genai_o11y.cost.pricing_version`; the `genai_o11y.client.cost` counter
//! is recorded with the token metrics' attributes. A model the table does not know yields **no**
//! cost, `genai_o11y.cost.unpriced = true` and one `genai_o11y.client.cost.unpriced` count: never
//! a wrong number.
//!
//! Tables load from JSON (or TOML with the `pricing-toml` feature):
//!
//! ```json
//! { "version": "my-prices-2026-11", "currency": "USD",
//!   "models": [ { "provider": "openai", "model": "gpt-4o", "input": 2.5, "output": 10.0, "cache_read": 1.25 } ] }
//! ```
//!
//! Cache pricing follows the spec's convention, whatever the provider's: `gen_ai.usage.input_tokens`
//! includes cached tokens (the `HasUsage` derive corrects Anthropic's count), so the uncached part is
//! `input - cache_read - cache_write`, each part at its own price (the input price when the table has
//! no cache price). Reasoning tokens are part of the output, at the reasoning price if one is given.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::usage::Usage;

/// Prices of one model, per million tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// `gen_ai.provider.name` this price applies to; `None` matches any provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// The model name. A response model such as `gpt-4o-2024-08-06` matches `gpt-4o` when no
    /// exact entry exists (the longest entry that is a prefix followed by `-`).
    pub model: String,
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Cache-read input tokens (default: the input price).
    #[serde(default)]
    pub cache_read: Option<f64>,
    /// Cache-write input tokens (default: the input price).
    #[serde(default)]
    pub cache_write: Option<f64>,
    /// Reasoning output tokens (default: the output price).
    #[serde(default)]
    pub reasoning: Option<f64>,
    /// Overrides the table's currency.
    #[serde(default)]
    pub currency: Option<String>,
}

impl ModelPrice {
    /// A price for `model` at `input` and `output` per million tokens.
    pub fn new(provider: Option<&str>, model: &str, input: f64, output: f64) -> Self {
        ModelPrice {
            provider: provider.map(str::to_owned),
            model: model.to_owned(),
            input,
            output,
            cache_read: None,
            cache_write: None,
            reasoning: None,
            currency: None,
        }
    }
    /// Sets the cache-read price.
    pub fn cache_read(mut self, p: f64) -> Self {
        self.cache_read = Some(p);
        self
    }
    /// Sets the cache-write price.
    pub fn cache_write(mut self, p: f64) -> Self {
        self.cache_write = Some(p);
        self
    }
    /// Sets the reasoning price.
    pub fn reasoning(mut self, p: f64) -> Self {
        self.reasoning = Some(p);
        self
    }

    /// The cost of `usage` at these prices; `None` when the usage has no count to price.
    pub fn cost_of(&self, usage: &Usage) -> Option<f64> {
        let input = usage.spec_input_tokens();
        if input.is_none() && usage.output_tokens.is_none() {
            return None;
        }
        let input = input.unwrap_or(0) as f64;
        let cache_read = usage.cache_read_input_tokens.unwrap_or(0) as f64;
        let cache_write = usage.cache_write_input_tokens.unwrap_or(0) as f64;
        let uncached = (input - cache_read - cache_write).max(0.0);
        let output = usage.output_tokens.unwrap_or(0) as f64;
        let reasoning = usage.reasoning_output_tokens.unwrap_or(0) as f64;
        let input_cost = uncached * self.input + cache_read * self.cache_read.unwrap_or(self.input) + cache_write * self.cache_write.unwrap_or(self.input);
        let output_cost = match self.reasoning {
            Some(r) => (output - reasoning).max(0.0) * self.output + reasoning.min(output) * r,
            None => output * self.output,
        };
        Some((input_cost + output_cost) / 1_000_000.0)
    }
}

/// A set of prices, with the version that is recorded as provenance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PricingTable {
    /// Recorded as `genai_o11y.cost.pricing_version`.
    pub version: String,
    /// Default currency of the entries (ISO 4217, e.g. `USD`).
    #[serde(default = "usd")]
    pub currency: String,
    /// The entries.
    #[serde(default)]
    pub models: Vec<ModelPrice>,
}

fn usd() -> String {
    "USD".to_owned()
}

/// Where a cost figure came from.
#[derive(Clone, Debug, PartialEq)]
pub enum CostSource {
    /// The provider reported it in the response.
    Provider,
    /// Computed from a pricing table of this version.
    Table(String),
}

/// An estimated (or provider-reported) cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// The amount, in `currency`.
    pub amount: f64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Provenance.
    pub source: CostSource,
}

impl Cost {
    /// A cost reported by the provider itself.
    pub fn reported(amount: f64, currency: impl Into<String>) -> Self {
        Cost { amount, currency: currency.into(), source: CostSource::Provider }
    }
}

/// Why a table could not be loaded.
#[derive(Debug)]
pub enum PricingError {
    /// Reading the file failed.
    Io(std::io::Error),
    /// The content is not a valid table.
    Parse(String),
    /// A price is negative or not a number, or an entry has no model.
    Invalid(String),
    /// The file extension is neither `.json` nor `.toml` (or TOML support is not compiled in).
    UnknownFormat(String),
}

impl std::fmt::Display for PricingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PricingError::Io(e) => write!(f, "cannot read the pricing table: {e}"),
            PricingError::Parse(e) => write!(f, "invalid pricing table: {e}"),
            PricingError::Invalid(e) => write!(f, "invalid price: {e}"),
            PricingError::UnknownFormat(e) => write!(f, "unknown pricing table format: {e}"),
        }
    }
}

impl std::error::Error for PricingError {}

impl PricingTable {
    /// An empty table (every model unpriced).
    pub fn new(version: impl Into<String>) -> Self {
        PricingTable { version: version.into(), currency: usd(), models: Vec::new() }
    }

    /// Adds (or replaces) a price.
    pub fn with_price(mut self, price: ModelPrice) -> Self {
        self.models.retain(|m| !(m.model == price.model && m.provider == price.provider));
        self.models.push(price);
        self
    }

    /// The small built-in table: list prices of a few widely used models, as published by their
    /// providers in 2026. It is a convenience, not a source of truth: load your own table
    /// (contract prices, new models) with [`PricingTable::from_file`].
    pub fn builtin() -> Self {
        let p = |prov: &str, model: &str, i: f64, o: f64| ModelPrice::new(Some(prov), model, i, o);
        PricingTable::new("genai-o11y-builtin-2026-11")
            .with_price(p("openai", "gpt-4o", 2.5, 10.0).cache_read(1.25))
            .with_price(p("openai", "gpt-4o-mini", 0.15, 0.6).cache_read(0.075))
            .with_price(p("openai", "gpt-4.1", 2.0, 8.0).cache_read(0.5))
            .with_price(p("openai", "gpt-4.1-mini", 0.4, 1.6).cache_read(0.1))
            .with_price(p("openai", "o3", 2.0, 8.0).cache_read(0.5))
            .with_price(p("openai", "text-embedding-3-small", 0.02, 0.0))
            .with_price(p("anthropic", "claude-sonnet-4", 3.0, 15.0).cache_read(0.3).cache_write(3.75))
            .with_price(p("anthropic", "claude-opus-4", 15.0, 75.0).cache_read(1.5).cache_write(18.75))
            .with_price(p("anthropic", "claude-haiku-4", 1.0, 5.0).cache_read(0.1).cache_write(1.25))
    }

    /// Parses a JSON table.
    pub fn from_json(text: &str) -> Result<Self, PricingError> {
        let t: PricingTable = serde_json::from_str(text).map_err(|e| PricingError::Parse(e.to_string()))?;
        t.validated()
    }

    /// Parses a TOML table (feature `pricing-toml`).
    #[cfg(feature = "pricing-toml")]
    pub fn from_toml(text: &str) -> Result<Self, PricingError> {
        let t: PricingTable = toml::from_str(text).map_err(|e| PricingError::Parse(e.to_string()))?;
        t.validated()
    }

    /// Loads a `.json` (or, with the `pricing-toml` feature, `.toml`) file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PricingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(PricingError::Io)?;
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Self::from_json(&text),
            #[cfg(feature = "pricing-toml")]
            Some("toml") => Self::from_toml(&text),
            other => Err(PricingError::UnknownFormat(format!(
                "{:?} (expected .json{})",
                other.unwrap_or(""),
                if cfg!(feature = "pricing-toml") { " or .toml" } else { "; enable the `pricing-toml` feature for .toml" }
            ))),
        }
    }

    fn validated(self) -> Result<Self, PricingError> {
        for m in &self.models {
            if m.model.is_empty() {
                return Err(PricingError::Invalid("an entry has an empty `model`".into()));
            }
            for (what, v) in
                [("input", Some(m.input)), ("output", Some(m.output)), ("cache_read", m.cache_read), ("cache_write", m.cache_write), ("reasoning", m.reasoning)]
            {
                if let Some(v) = v {
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(PricingError::Invalid(format!("{}: `{what}` is {v}", m.model)));
                    }
                }
            }
        }
        Ok(self)
    }

    /// The entry for this provider and model: exact name first, then the longest entry that is a
    /// prefix of `model` followed by `-` (a dated snapshot of a priced model).
    pub fn lookup(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        let provider_ok = |m: &ModelPrice| m.provider.is_none() || m.provider.as_deref() == provider;
        if let Some(m) = self.models.iter().find(|m| provider_ok(m) && m.model == model) {
            return Some(m);
        }
        self.models
            .iter()
            .filter(|m| provider_ok(m) && model.len() > m.model.len() && model.starts_with(&m.model) && model.as_bytes()[m.model.len()] == b'-')
            .max_by_key(|m| m.model.len())
    }

    /// The cost of a call: the response model is tried first (what actually served the call),
    /// then the request model. `None` if neither is priced or the usage has nothing to price.
    pub fn cost(&self, provider: Option<&str>, models: &[Option<&str>], usage: &Usage) -> Option<Cost> {
        let price = models.iter().flatten().find_map(|m| self.lookup(provider, m))?;
        let amount = price.cost_of(usage)?;
        Some(Cost { amount, currency: price.currency.clone().unwrap_or_else(|| self.currency.clone()), source: CostSource::Table(self.version.clone()) })
    }
}

impl Default for PricingTable {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_uncached_cached_and_output_tokens() {
        let t = PricingTable::builtin();
        // 1000 input of which 400 cached, 200 output: 600*2.5 + 400*1.25 + 200*10 per million.
        let u = Usage::new().input(1000).cache_read(400).output(200);
        let c = t.cost(Some("openai"), &[Some("gpt-4o-2024-08-06"), Some("gpt-4o")], &u).unwrap();
        assert!((c.amount - (600.0 * 2.5 + 400.0 * 1.25 + 200.0 * 10.0) / 1e6).abs() < 1e-12);
        assert_eq!(c.currency, "USD");
        assert_eq!(c.source, CostSource::Table("genai-o11y-builtin-2026-11".into()));
    }

    #[test]
    fn anthropic_convention_does_not_double_count_cache() {
        let t = PricingTable::builtin();
        let u = Usage::new().input(100).cache_read(1000).cache_write(200).output(10).input_convention(crate::InputTokens::ExcludesCache);
        let c = t.cost(Some("anthropic"), &[Some("claude-sonnet-4")], &u).unwrap();
        let want = (100.0 * 3.0 + 1000.0 * 0.3 + 200.0 * 3.75 + 10.0 * 15.0) / 1e6;
        assert!((c.amount - want).abs() < 1e-12, "{} != {want}", c.amount);
    }

    #[test]
    fn unknown_models_and_providers_are_unpriced() {
        let t = PricingTable::builtin();
        let u = Usage::new().input(10).output(10);
        assert!(t.cost(Some("openai"), &[Some("gpt-5-turbo")], &u).is_none());
        assert!(t.cost(Some("azure.ai.openai"), &[Some("gpt-4o")], &u).is_none(), "a price is per provider");
        assert!(t.cost(Some("openai"), &[Some("gpt-4oo")], &u).is_none(), "no prefix match without a dash");
        assert!(t.lookup(Some("openai"), "gpt-4o-mini-2024-07-18").is_some_and(|m| m.model == "gpt-4o-mini"), "longest prefix wins");
        assert!(t.cost(Some("openai"), &[Some("gpt-4o")], &Usage::new()).is_none(), "nothing to price");
    }

    #[test]
    fn reasoning_price() {
        let p = ModelPrice::new(None, "r", 1.0, 10.0).reasoning(20.0);
        let c = p.cost_of(&Usage::new().input(0).output(100).reasoning(40)).unwrap();
        assert!((c - (60.0 * 10.0 + 40.0 * 20.0) / 1e6).abs() < 1e-12);
    }

    #[test]
    fn json_tables_load_and_validate() {
        let t = PricingTable::from_json(
            r#"{"version":"v7","currency":"EUR","models":[{"provider":"openai","model":"gpt-4o","input":2.0,"output":8.0,"cache_read":1.0}]}"#,
        )
        .unwrap();
        assert_eq!(t.version, "v7");
        assert_eq!(t.lookup(Some("openai"), "gpt-4o").unwrap().cache_read, Some(1.0));
        assert!(matches!(PricingTable::from_json(r#"{"version":"v","models":[{"model":"m","input":-1,"output":1}]}"#), Err(PricingError::Invalid(_))));
        assert!(matches!(PricingTable::from_json("{"), Err(PricingError::Parse(_))));
        assert!(matches!(PricingTable::from_file("/nonexistent/prices.json"), Err(PricingError::Io(_))));
    }
}

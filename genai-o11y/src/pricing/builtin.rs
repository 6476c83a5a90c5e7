//! The built-in table: list prices of the current models of OpenAI, Anthropic, Google (Gemini
//! API and Vertex AI), Mistral, DeepSeek, xAI, Amazon Bedrock and Azure OpenAI.
//!
//! Source: pydantic/genai-prices, `prices/new_data/v2/data.json` at commit
//! 47df840a5ab10bbcffb8e5ac01b9899032245d1b (2026-08-21), MIT licence, Copyright (c) Pydantic
//! Services Inc. genai-prices takes its prices from the providers' published price pages (each
//! provider's `pricing_urls` in `builtin.json`) and checks them against LiteLLM, OpenRouter and
//! Helicone. `builtin.json` is that file's selection of 121 models, written by
//! `scripts/pricing_builtin.py` (which lists the models kept); its `version`,
//! `genai-prices@2026-08-21`, is recorded as `genai_o11y.cost.pricing_version`.
//!
//! Parsed once, on first use, by the genai-prices loader.

use std::sync::{Arc, OnceLock};

use super::PricingTable;

/// The genai-prices selection (see the module documentation).
const DATA: &str = include_str!("builtin.json");

/// The version recorded on costs computed from the built-in table.
pub const BUILTIN_VERSION: &str = "genai-prices@2026-08-21";

static TABLE: OnceLock<Arc<PricingTable>> = OnceLock::new();

/// The built-in table, parsed on first use.
pub(crate) fn shared() -> Arc<PricingTable> {
    TABLE
        .get_or_init(|| {
            // The data is tested (`builtin_data_loads`): a failure here is a build of a broken file.
            let table = PricingTable::from_genai_prices(DATA).unwrap_or_else(|e| {
                debug_assert!(false, "the built-in pricing data does not load: {e}");
                PricingTable::new(BUILTIN_VERSION)
            });
            Arc::new(table)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_data_loads_with_its_version() {
        let t = PricingTable::from_genai_prices(DATA).unwrap();
        assert_eq!(t.version, BUILTIN_VERSION);
        assert_eq!(t.models().count(), 121);
        let v: serde_json::Value = serde_json::from_str(DATA).unwrap();
        assert_eq!(v["commit"], "47df840a5ab10bbcffb8e5ac01b9899032245d1b");
        assert_eq!(v["version"], BUILTIN_VERSION);
    }
}

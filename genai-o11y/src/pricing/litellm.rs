//! LiteLLM's `model_prices_and_context_window.json`: an object of model name → entry, prices per
//! token.
//!
//! Read: `input_cost_per_token`, `output_cost_per_token`, `cache_read_input_token_cost`,
//! `cache_creation_input_token_cost`, `output_cost_per_reasoning_token` (× 10⁶ for per million),
//! and `litellm_provider` (mapped to a `gen_ai.provider.name`, see
//! [`canonical_provider`](super::canonical_provider)). Not read: the tiers above a context size
//! (`*_above_200k_tokens`: the base price applies), batch, priority and flex prices, per-image,
//! per-second and audio prices. Skipped: `sample_spec` (the file's own documentation) and entries
//! without a per-token price (image generation, audio by the second, ...). A key with one route
//! prefix (`azure/gpt-4o`, `gemini/gemini-2.5-pro`) is the model after it (the entry without a
//! prefix wins when both exist); a key with more (`bedrock/us-east-1/…`, `1024-x-1024/dall-e-2`)
//! is specific to a region or an image size and is skipped.

use serde_json::Value;

use super::{price, string, ModelPrice, PricingError, PricingTable};

const PER_MILLION: f64 = 1e6;

pub(super) fn from_value(v: Value) -> Result<PricingTable, PricingError> {
    let Value::Object(root) = v else {
        return Err(PricingError::parse("LiteLLM", "expected an object of model name: prices"));
    };
    let mut table = PricingTable::new("litellm");
    for (key, entry) in &root {
        if key == "sample_spec" {
            continue;
        }
        let Value::Object(e) = entry else {
            return Err(PricingError::invalid(key, "is not an object"));
        };
        let input = price(e, "input_cost_per_token", key, PER_MILLION)?;
        let output = price(e, "output_cost_per_token", key, PER_MILLION)?;
        // No input price: not a token-priced model (images, audio, per-request), or a misspelt
        // key; either way no number is made up (an output-only price would price input at 0).
        if input.is_none() {
            continue;
        }
        let (model, prefixed) = match key.split('/').count() {
            1 => (key.as_str(), false),
            2 => (key.rsplit_once('/').map_or(key.as_str(), |(_, m)| m), true),
            _ => continue,
        };
        let mut p = ModelPrice::new(None, model, input.unwrap_or_default(), output.unwrap_or(0.0));
        p.provider = string(e, "litellm_provider", key)?.map(|s| super::canonical_provider(&s).to_owned());
        p.cache_read = price(e, "cache_read_input_token_cost", key, PER_MILLION)?;
        p.cache_write = price(e, "cache_creation_input_token_cost", key, PER_MILLION)?;
        p.reasoning = price(e, "output_cost_per_reasoning_token", key, PER_MILLION)?;
        if prefixed && table.lookup_exact(p.provider.as_deref(), model).is_some() {
            continue;
        }
        table = table.with_price(p);
    }
    Ok(table)
}

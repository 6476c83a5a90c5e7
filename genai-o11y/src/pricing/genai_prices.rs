//! pydantic/genai-prices' data file (`prices/new_data/v2/data.json`, or the frozen v1
//! `prices/data.json`): a list of providers, each with its models, a `match` clause per model and
//! prices per million tokens.
//!
//! Read: per provider `id` (mapped to a `gen_ai.provider.name`, see
//! [`canonical_provider`](super::canonical_provider)) and `fallback_model_providers` (Azure
//! bills OpenAI's models at OpenAI's prices); per model `id`, `match` and `prices`:
//! `input_mtok`, `output_mtok`, `cache_read_mtok`, `cache_write_mtok`, `output_reasoning_mtok`.
//!
//! Simplifications, documented in the README:
//! - a tiered price (`{"base": 3, "tiers": [{"start": 200000, "price": 6}]}`) is its base price;
//! - of prices that change on a date (`"constraint": {"start_date": …}`), the one in force on the
//!   day the table is loaded applies; a time-of-day price (DeepSeek's off-peak discount) is not
//!   applied per call: the price of the longer part of the day is used;
//! - `regex` clauses never match (the `or` around them still does: genai-prices writes dated
//!   snapshots as regexes, and the dated-snapshot form of a name covers them);
//! - audio, image, video, web search and per-request prices are not read (the usage has no such
//!   counts).
//!
//! Matching: a model's `equals` names are exact names; its other clauses are rules, tried after
//! every exact name, the rule with the longest literal first.

use serde_json::{Map, Value};

use super::{price_value, ModelPrice, PricingError, PricingTable, Rule};

const FORMAT: &str = "genai-prices";

/// A table from the published list, or from `{ "version": …, "providers": [ … ] }` wrapping one
/// (the built-in table's form). `today` is `YYYY-MM-DD`, for date-constrained prices.
pub(super) fn from_value(v: Value, today: &str) -> Result<PricingTable, PricingError> {
    let (version, providers) = match v {
        Value::Array(a) => (FORMAT.to_owned(), a),
        Value::Object(mut o) => match (o.remove("providers"), o.remove("version")) {
            (Some(Value::Array(a)), Some(Value::String(v))) => (v, a),
            (Some(Value::Array(a)), None) => (FORMAT.to_owned(), a),
            _ => return Err(PricingError::parse(FORMAT, "expected a list of providers (or an object with `version` and `providers`)")),
        },
        _ => return Err(PricingError::parse(FORMAT, "expected a list of providers")),
    };
    let mut table = PricingTable::new(version);
    for (i, p) in providers.iter().enumerate() {
        let Value::Object(p) = p else {
            return Err(PricingError::invalid(format!("providers[{i}]"), "is not an object"));
        };
        let Some(Value::String(pid)) = p.get("id") else {
            return Err(PricingError::invalid(format!("providers[{i}]"), "has no `id`"));
        };
        let provider = super::canonical_provider(pid).to_owned();
        if let Some(f) = p.get("fallback_model_providers") {
            let Value::Array(f) = f else {
                return Err(PricingError::invalid(pid, "`fallback_model_providers` is not a list"));
            };
            let to: Vec<&str> = f.iter().filter_map(Value::as_str).map(super::canonical_provider).collect();
            table = table.with_provider_fallback(&provider, to);
        }
        let models = match p.get("models") {
            Some(Value::Array(m)) => m.as_slice(),
            _ => return Err(PricingError::invalid(pid, "has no `models` list")),
        };
        for (j, m) in models.iter().enumerate() {
            let Value::Object(m) = m else {
                return Err(PricingError::invalid(format!("{pid}.models[{j}]"), "is not an object"));
            };
            let Some(Value::String(mid)) = m.get("id") else {
                return Err(PricingError::invalid(format!("{pid}.models[{j}]"), "has no `id`"));
            };
            let entry = format!("{pid}/{mid}");
            let rule = match m.get("match") {
                Some(c) => clause(c, &entry)?,
                None => return Err(PricingError::invalid(&entry, "has no `match` clause")),
            };
            let prices = match m.get("prices") {
                Some(Value::Object(o)) => o,
                Some(Value::Array(list)) => in_force(list, today, &entry)?,
                _ => return Err(PricingError::invalid(&entry, "`prices` is neither an object nor a list")),
            };
            let num = |key: &str| price_value(prices.get(key), key, &entry, 1.0);
            let mut price = ModelPrice::new(Some(&provider), mid, num("input_mtok")?.unwrap_or(0.0), num("output_mtok")?.unwrap_or(0.0));
            price.cache_read = num("cache_read_mtok")?;
            price.cache_write = num("cache_write_mtok")?;
            price.reasoning = num("output_reasoning_mtok")?;
            table = table.with_matched_price(price, rule);
        }
    }
    Ok(table)
}

/// A `match` clause.
fn clause(c: &Value, entry: &str) -> Result<Rule, PricingError> {
    let Value::Object(c) = c else {
        return Err(PricingError::invalid(entry, "a `match` clause is not an object"));
    };
    let (kind, v) = match c.iter().next() {
        Some(kv) if c.len() == 1 => kv,
        _ => return Err(PricingError::invalid(entry, "a `match` clause has not exactly one key")),
    };
    let text = || match v {
        Value::String(s) => Ok(s.as_str().into()),
        _ => Err(PricingError::invalid(entry, format!("`{kind}` is not a string"))),
    };
    let list = || match v {
        Value::Array(a) => a.iter().map(|x| clause(x, entry)).collect::<Result<Vec<_>, _>>(),
        _ => Err(PricingError::invalid(entry, format!("`{kind}` is not a list"))),
    };
    Ok(match kind.as_str() {
        "equals" => Rule::Equals(text()?),
        "starts_with" => Rule::StartsWith(text()?),
        "ends_with" => Rule::EndsWith(text()?),
        "contains" => Rule::Contains(text()?),
        "regex" => {
            text()?;
            Rule::Never
        }
        "or" => Rule::Or(list()?),
        "and" => Rule::And(list()?),
        other => return Err(PricingError::invalid(entry, format!("unknown `match` clause `{other}`"))),
    })
}

/// The prices in force: the latest `start_date` on or before `today`, else the unconstrained
/// entry; then a time-of-day window replaces them if it covers more than half the day.
fn in_force<'a>(list: &'a [Value], today: &str, entry: &str) -> Result<&'a Map<String, Value>, PricingError> {
    let mut default = None;
    let mut dated: Option<(&str, &Map<String, Value>)> = None;
    let mut windowed = None;
    for item in list {
        let (Some(Value::Object(prices)), constraint) = (item.get("prices"), item.get("constraint")) else {
            return Err(PricingError::invalid(entry, "a `prices` list item has no `prices` object"));
        };
        match constraint.and_then(Value::as_object) {
            None => default = default.or(Some(prices)),
            Some(c) => {
                if let Some(Value::String(d)) = c.get("start_date") {
                    if d.as_str() <= today && dated.is_none_or(|(best, _)| d.as_str() > best) {
                        dated = Some((d, prices));
                    }
                } else if let (Some(Value::String(s)), Some(Value::String(e))) = (c.get("start_time"), c.get("end_time")) {
                    if window_minutes(s, e).is_some_and(|m| m > 12 * 60) {
                        windowed = Some(prices);
                    }
                }
            }
        }
    }
    windowed.or(dated.map(|(_, p)| p)).or(default).ok_or_else(|| PricingError::invalid(entry, "no price applies today"))
}

/// The length of a daily window `HH:MM:SSZ`–`HH:MM:SSZ`, in minutes.
fn window_minutes(start: &str, end: &str) -> Option<u32> {
    let min = |t: &str| -> Option<u32> {
        let mut parts = t.trim_end_matches('Z').split(':');
        let h: u32 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        Some(h * 60 + m)
    };
    let (s, e) = (min(start)?, min(end)?);
    Some(if e >= s { e - s } else { 24 * 60 - s + e })
}

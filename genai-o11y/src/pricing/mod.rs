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
//! Tables:
//! - [`PricingTable::builtin`]: the current models of eight providers, from pydantic/genai-prices
//!   (see `pricing/builtin.rs` for the source, commit and date; its version is
//!   [`BUILTIN_VERSION`]);
//! - loaded from a file ([`PricingTable::load`], format detected from the content) or a string:
//!   LiteLLM's `model_prices_and_context_window.json` ([`PricingTable::from_litellm_json`]),
//!   genai-prices' `data.json` ([`PricingTable::from_genai_prices`]), or this crate's own format
//!   ([`PricingTable::from_json`], TOML with the `pricing-toml` feature);
//! - layered: [`PricingTable::over`] puts a table of yours over another (the built-in one), each
//!   cost naming the version of the layer that priced it.
//!
//! Matching (see `normalize.rs`): the provider through its aliases, the model as named and then
//! without a route prefix, a Bedrock region prefix or version suffix, a dated snapshot suffix;
//! the response model first (what served the call: Azure reports the real model there, whatever
//! the deployment is called), then the request model. [`PricingTable::with_alias`] maps a name of
//! yours (an Azure deployment) to a model.
//!
//! Cache pricing follows the spec's convention, whatever the provider's: `gen_ai.usage.input_tokens`
//! includes cached tokens (the `HasUsage` derive corrects Anthropic's count), so the uncached part is
//! `input - cache_read - cache_write`, each part at its own price (the input price when the table has
//! no cache price). Reasoning tokens are part of the output, at the reasoning price if one is given.

mod builtin;
mod genai_prices;
mod litellm;
mod native;
mod normalize;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use smallvec::SmallVec;

pub use builtin::BUILTIN_VERSION;
pub use normalize::canonical_provider;
use normalize::Candidates;

use crate::usage::Usage;

/// Prices of one model, per million tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// `gen_ai.provider.name` this price applies to (its canonical name, see
    /// [`canonical_provider`]); `None` matches any provider.
    #[serde(default)]
    pub provider: Option<String>,
    /// The model name (for a genai-prices entry, its id: the names it prices are its `match`
    /// clause). A dated snapshot such as `gpt-4o-2024-08-06` matches `gpt-4o` when the table has
    /// no entry for the snapshot itself (see the module documentation).
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

/// The environment variable naming a price list file that `Setup` loads over
/// the built-in table (when the code sets no pricing itself). Its format is told from the content
/// ([`PricingTable::load`]); a malformed file is a `SetupError` naming the variable, the file and
/// the entry.
pub const PRICING_FILE_ENV: &str = "GENAI_O11Y_PRICING_FILE";

/// How a price list's entry names the models it prices, beyond exact names (genai-prices'
/// `match` clauses).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rule {
    Equals(Box<str>),
    StartsWith(Box<str>),
    EndsWith(Box<str>),
    Contains(Box<str>),
    Or(Vec<Rule>),
    And(Vec<Rule>),
    /// A clause this crate does not evaluate (`regex`).
    Never,
}

impl Rule {
    fn matches(&self, s: &str) -> bool {
        match self {
            Rule::Equals(x) => s == &**x,
            Rule::StartsWith(x) => s.starts_with(&**x),
            Rule::EndsWith(x) => s.ends_with(&**x),
            Rule::Contains(x) => s.contains(&**x),
            Rule::Or(v) => v.iter().any(|r| r.matches(s)),
            Rule::And(v) => v.iter().all(|r| r.matches(s)),
            Rule::Never => false,
        }
    }

    /// The length of its longest literal: the more specific rules are tried first.
    fn specificity(&self) -> usize {
        match self {
            Rule::Equals(x) | Rule::StartsWith(x) | Rule::EndsWith(x) | Rule::Contains(x) => x.len(),
            Rule::Or(v) | Rule::And(v) => v.iter().map(Rule::specificity).max().unwrap_or(0),
            Rule::Never => 0,
        }
    }

    /// Its exact names (top-level `equals`, alone or in an `or`) and what remains.
    fn split(self) -> (Vec<Box<str>>, Option<Rule>) {
        match self {
            Rule::Equals(x) => (vec![x], None),
            Rule::Or(v) => {
                let (eq, rest): (Vec<_>, Vec<_>) = v.into_iter().partition(|r| matches!(r, Rule::Equals(_)));
                let names = eq.into_iter().filter_map(|r| if let Rule::Equals(x) = r { Some(x) } else { None }).collect();
                let rest: Vec<_> = rest.into_iter().filter(|r| *r != Rule::Never).collect();
                (names, if rest.is_empty() { None } else { Some(Rule::Or(rest)) })
            }
            Rule::Never => (Vec::new(), None),
            other => (Vec::new(), Some(other)),
        }
    }
}

/// A set of prices, with the version that is recorded as provenance.
///
/// Lookups are a few hash probes (one per form of the name, see the module documentation); the
/// rules of a genai-prices list are scanned only when no exact name matches.
#[derive(Clone, Debug)]
pub struct PricingTable {
    /// Recorded as `genai_o11y.cost.pricing_version` on the costs this table (not a table under
    /// it) prices.
    pub version: String,
    /// Default currency of the entries (ISO 4217, e.g. `USD`).
    pub currency: String,
    models: Vec<ModelPrice>,
    /// Exact name → entries (of any provider).
    names: HashMap<Box<str>, SmallVec<[u32; 2]>, Fnv>,
    /// (specificity, rule, entry), the most specific first.
    rules: Vec<(usize, Rule, u32)>,
    /// Provider → the providers whose prices apply when it has none.
    fallbacks: Vec<(Box<str>, Vec<Box<str>>)>,
    /// A name of the user's (an Azure deployment) → the model it serves.
    aliases: HashMap<Box<str>, Box<str>, Fnv>,
    /// The table consulted when this one has no price.
    under: Option<Arc<PricingTable>>,
}

impl PartialEq for PricingTable {
    fn eq(&self, o: &Self) -> bool {
        self.version == o.version
            && self.currency == o.currency
            && self.models == o.models
            && self.rules == o.rules
            && self.fallbacks == o.fallbacks
            && self.aliases == o.aliases
            && self.under == o.under
    }
}

/// FNV-1a: the keys are short model names from the table (no untrusted insertions), and SipHash
/// would be most of a lookup's cost.
#[derive(Clone, Copy, Debug, Default)]
struct Fnv;

impl std::hash::BuildHasher for Fnv {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
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

/// Why a price list could not be loaded. Each names the file (when it came from one) and, for
/// a bad entry, the entry.
#[derive(Debug)]
#[non_exhaustive]
pub enum PricingError {
    /// Reading the file failed.
    Io {
        /// The file.
        file: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// The content is not a price list of a known format (or not JSON / TOML at all).
    Parse {
        /// The file, if it came from one.
        file: Option<PathBuf>,
        /// The format it was read as (`JSON`, `TOML`, `LiteLLM`, `genai-prices`, `genai-o11y`).
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An entry is malformed: a price that is not a number or is negative, a missing name, an
    /// unknown match clause.
    Invalid {
        /// The file, if it came from one.
        file: Option<PathBuf>,
        /// The entry: its model name (LiteLLM, this crate's format), `provider/model`
        /// (genai-prices), or its position.
        entry: String,
        /// What is wrong, e.g. `"input_cost_per_token" is not a number ("cheap")`.
        reason: String,
    },
}

impl PricingError {
    pub(crate) fn parse(format: &'static str, reason: impl Into<String>) -> Self {
        PricingError::Parse { file: None, format, reason: reason.into() }
    }

    pub(crate) fn invalid(entry: impl Into<String>, reason: impl Into<String>) -> Self {
        PricingError::Invalid { file: None, entry: entry.into(), reason: reason.into() }
    }

    fn in_file(mut self, path: &Path) -> Self {
        match &mut self {
            PricingError::Io { .. } => {}
            PricingError::Parse { file, .. } | PricingError::Invalid { file, .. } => *file = Some(path.to_owned()),
        }
        self
    }

    /// The file the list came from, if any.
    pub fn file(&self) -> Option<&Path> {
        match self {
            PricingError::Io { file, .. } => Some(file),
            PricingError::Parse { file, .. } | PricingError::Invalid { file, .. } => file.as_deref(),
        }
    }

    /// The malformed entry, if the error is about one.
    pub fn entry(&self) -> Option<&str> {
        match self {
            PricingError::Invalid { entry, .. } => Some(entry),
            _ => None,
        }
    }

    /// What is wrong, without the file and the entry.
    pub fn reason(&self) -> String {
        match self {
            PricingError::Io { error, .. } => format!("cannot read it: {error}"),
            PricingError::Parse { format, reason, .. } => format!("not a valid {format} price list: {reason}"),
            PricingError::Invalid { reason, .. } => reason.clone(),
        }
    }
}

impl std::fmt::Display for PricingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = |f: &mut std::fmt::Formatter<'_>, file: &Option<PathBuf>| match file {
            Some(p) => write!(f, "{}: ", p.display()),
            None => Ok(()),
        };
        match self {
            PricingError::Io { file, error } => write!(f, "cannot read the price list {}: {error}", file.display()),
            PricingError::Parse { file: p, format, reason } => {
                file(f, p)?;
                write!(f, "not a valid {format} price list: {reason}")
            }
            PricingError::Invalid { file: p, entry, reason } => {
                file(f, p)?;
                write!(f, "entry {entry:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for PricingError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PricingError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A price field of `obj`, times `scale` (10⁶ for a price per token): `None` when absent or null.
pub(crate) fn price(obj: &Map<String, Value>, key: &str, entry: &str, scale: f64) -> Result<Option<f64>, PricingError> {
    price_value(obj.get(key), key, entry, scale)
}

/// A price (a number, or a genai-prices tiered price, of which the base applies).
pub(crate) fn price_value(v: Option<&Value>, key: &str, entry: &str, scale: f64) -> Result<Option<f64>, PricingError> {
    let n = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::Object(tiered)) if tiered.contains_key("base") => tiered.get("base").and_then(Value::as_f64),
        Some(_) => None,
    };
    let Some(n) = n.filter(|n| n.is_finite()) else {
        return Err(PricingError::invalid(entry, format!("{key:?} is not a number ({})", v.map_or(String::new(), |v| v.to_string()))));
    };
    if n < 0.0 {
        return Err(PricingError::invalid(entry, format!("{key:?} is negative ({})", v.map_or(String::new(), |v| v.to_string()))));
    }
    // Per token × 10⁶ is not exact in binary: round to 10⁻⁹ per million tokens.
    Ok(Some(if scale == 1.0 { n } else { (n * scale * 1e9).round() / 1e9 }))
}

/// A string field of `obj`: `None` when absent.
pub(crate) fn string(obj: &Map<String, Value>, key: &str, entry: &str) -> Result<Option<String>, PricingError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(PricingError::invalid(entry, format!("{key:?} is not a string ({other})"))),
    }
}

/// Today's date in UTC, `YYYY-MM-DD` (for date-constrained genai-prices entries).
fn today_utc() -> String {
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    let (y, m, d) = crate::calendar::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

impl PricingTable {
    /// An empty table (every model unpriced).
    pub fn new(version: impl Into<String>) -> Self {
        PricingTable {
            version: version.into(),
            currency: usd(),
            models: Vec::new(),
            names: HashMap::default(),
            rules: Vec::new(),
            fallbacks: Vec::new(),
            aliases: HashMap::default(),
            under: None,
        }
    }

    /// The built-in table: list prices of the current models of OpenAI, Anthropic, Google,
    /// Mistral, DeepSeek, xAI, Amazon Bedrock and Azure OpenAI, from pydantic/genai-prices
    /// (version [`BUILTIN_VERSION`]; source and commit in `pricing/builtin.rs`). List prices, not
    /// yours: put your own over it with [`PricingTable::over`] (contract prices, new models).
    pub fn builtin() -> Self {
        (*builtin::shared()).clone()
    }

    /// The built-in table, shared (parsed once).
    pub(crate) fn builtin_shared() -> Arc<Self> {
        builtin::shared()
    }

    /// With this version (recorded as `genai_o11y.cost.pricing_version`).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Adds (or replaces: same provider and model) a price.
    pub fn with_price(mut self, mut price: ModelPrice) -> Self {
        price.provider = price.provider.map(|p| canonical_provider(&p).to_owned());
        if let Some(i) = self.models.iter().position(|m| m.model == price.model && m.provider == price.provider) {
            self.models[i] = price;
            return self;
        }
        let name: Box<str> = price.model.as_str().into();
        let i = self.push(price);
        self.names.entry(name).or_default().push(i);
        self
    }

    /// Adds a price whose models `rule` names (genai-prices' `match`).
    pub(crate) fn with_matched_price(mut self, price: ModelPrice, rule: Rule) -> Self {
        let i = self.push(price);
        let (names, rest) = rule.split();
        for n in names {
            self.names.entry(n).or_default().push(i);
        }
        if let Some(rule) = rest {
            let s = rule.specificity();
            let at = self.rules.partition_point(|(o, _, _)| *o >= s);
            self.rules.insert(at, (s, rule, i));
        }
        self
    }

    fn push(&mut self, price: ModelPrice) -> u32 {
        self.models.push(price);
        (self.models.len() - 1) as u32
    }

    /// Prices `name` (e.g. an Azure OpenAI deployment, which the request names instead of the
    /// model) as `model`. The response model is tried first, and Azure reports the real model
    /// there: an alias matters when the response has none, or for names of your own.
    pub fn with_alias(mut self, name: impl Into<String>, model: impl Into<String>) -> Self {
        self.aliases.insert(name.into().into(), model.into().into());
        self
    }

    /// When `provider` has no price for a model, use `to`'s (in order): a provider reselling
    /// another's models at the same prices (genai-prices says so of Azure for OpenAI's and
    /// Anthropic's models).
    pub fn with_provider_fallback<S: AsRef<str>>(mut self, provider: &str, to: impl IntoIterator<Item = S>) -> Self {
        let to = to.into_iter().map(|s| canonical_provider(s.as_ref()).into()).collect();
        self.fallbacks.push((canonical_provider(provider).into(), to));
        self
    }

    /// This table over `base`: a model this table does not price is looked up in `base` (and
    /// the tables under it). Each cost names the version of the table that priced it.
    ///
    /// ```
    /// # use genai_o11y::{ModelPrice, PricingTable};
    /// let contract = PricingTable::new("contract-2026-q4").with_price(ModelPrice::new(Some("openai"), "gpt-4o", 2.0, 8.0));
    /// let table = contract.over(PricingTable::builtin());
    /// assert_eq!(table.lookup(Some("openai"), "gpt-4o").unwrap().input, 2.0);
    /// assert!(table.lookup(Some("anthropic"), "claude-sonnet-4-5").is_some());
    /// ```
    pub fn over(mut self, base: PricingTable) -> PricingTable {
        let under = match self.under.take() {
            Some(u) => Arc::unwrap_or_clone(u).over(base),
            None => base,
        };
        self.under = Some(Arc::new(under));
        self
    }

    /// The entries of this table (not of the tables under it).
    pub fn models(&self) -> impl Iterator<Item = &ModelPrice> + '_ {
        self.models.iter()
    }

    /// Parses this crate's JSON format (see [`PricingTable::load`] for the others).
    pub fn from_json(text: &str) -> Result<Self, PricingError> {
        let v: Value = serde_json::from_str(text).map_err(|e| PricingError::parse("JSON", e.to_string()))?;
        native::from_value(v)
    }

    /// Parses this crate's format in TOML (feature `pricing-toml`).
    #[cfg(feature = "pricing-toml")]
    pub fn from_toml(text: &str) -> Result<Self, PricingError> {
        let v: Value = toml::from_str(text).map_err(|e| PricingError::parse("TOML", e.to_string()))?;
        native::from_value(v)
    }

    /// Parses LiteLLM's `model_prices_and_context_window.json` (version `litellm`: set yours
    /// with [`PricingTable::with_version`]). What is read and skipped: see `pricing/litellm.rs`.
    pub fn from_litellm_json(text: &str) -> Result<Self, PricingError> {
        let v: Value = serde_json::from_str(text).map_err(|e| PricingError::parse("JSON", e.to_string()))?;
        litellm::from_value(v)
    }

    /// Parses pydantic/genai-prices' `data.json` (v2 `prices/new_data/v2/data.json`, or v1),
    /// with the prices in force today (version `genai-prices`, or the `version` of an object
    /// `{ "version", "providers" }` wrapping the list). See `pricing/genai_prices.rs`.
    pub fn from_genai_prices(text: &str) -> Result<Self, PricingError> {
        Self::from_genai_prices_on(text, &today_utc())
    }

    /// [`PricingTable::from_genai_prices`] with the prices in force on `date` (`YYYY-MM-DD`).
    pub fn from_genai_prices_on(text: &str, date: &str) -> Result<Self, PricingError> {
        let v: Value = serde_json::from_str(text).map_err(|e| PricingError::parse("JSON", e.to_string()))?;
        genai_prices::from_value(v, date)
    }

    /// Parses a JSON price list of any of the three formats, told apart by their shape: a list
    /// (or an object with `providers`) is genai-prices'; an object with `version` and a `models`
    /// list is this crate's; any other object is LiteLLM's (model name → entry).
    pub fn parse(text: &str) -> Result<Self, PricingError> {
        let v: Value = serde_json::from_str(text).map_err(|e| PricingError::parse("JSON", e.to_string()))?;
        match &v {
            Value::Array(_) => genai_prices::from_value(v, &today_utc()),
            Value::Object(o) if o.contains_key("providers") => genai_prices::from_value(v, &today_utc()),
            Value::Object(o) if o.contains_key("version") && o.get("models").is_some_and(Value::is_array) => native::from_value(v),
            Value::Object(_) => litellm::from_value(v),
            _ => Err(PricingError::parse("JSON", "expected a genai-prices list, a LiteLLM object or a genai-o11y table")),
        }
    }

    /// Loads a price list file: `.toml` as this crate's format (feature `pricing-toml`), anything
    /// else as JSON of any of the three formats ([`PricingTable::parse`]). A LiteLLM or
    /// genai-prices file without a version of its own gets `litellm:<file name>` or
    /// `genai-prices:<file name>`. Errors name the file (and the entry).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, PricingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|error| PricingError::Io { file: path.to_owned(), error })?;
        let table = if path.extension().is_some_and(|e| e == "toml") { Self::toml_file(&text) } else { Self::parse(&text) }.map_err(|e| e.in_file(path))?;
        let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok(match table.version.as_str() {
            v @ ("litellm" | "genai-prices") => {
                let v = format!("{v}:{name}");
                table.with_version(v)
            }
            _ => table,
        })
    }

    #[cfg(feature = "pricing-toml")]
    fn toml_file(text: &str) -> Result<Self, PricingError> {
        Self::from_toml(text)
    }

    #[cfg(not(feature = "pricing-toml"))]
    fn toml_file(_: &str) -> Result<Self, PricingError> {
        Err(PricingError::parse("TOML", "TOML tables need the `pricing-toml` feature"))
    }

    /// [`PricingTable::load`] (the earlier name).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PricingError> {
        Self::load(path)
    }

    /// The entry for this provider and model (see the module documentation for how names are
    /// matched), in this table or a table under it.
    pub fn lookup(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        self.find(provider, model).map(|(_, p)| p)
    }

    /// The entry named exactly `model` for exactly this provider, in this table only.
    pub(crate) fn lookup_exact(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        self.names.get(model)?.iter().map(|&i| &self.models[i as usize]).find(|m| m.provider.as_deref() == provider)
    }

    /// The entry and the table (layer) that has it.
    fn find(&self, provider: Option<&str>, model: &str) -> Option<(&PricingTable, &ModelPrice)> {
        let provider = provider.map(canonical_provider);
        if self.aliases.is_empty() {
            // The common case first: the name as given, for the call's provider, in this layer
            // (what the full search below would find first).
            if let Some(m) = self.exact(provider, model) {
                return Some((self, m));
            }
        }
        let names = Candidates::of(model);
        if !self.aliases.is_empty() {
            if let Some(target) = names.iter().find_map(|n| self.aliases.get(n)) {
                return self.find_in_layers(provider, &Candidates::of(target));
            }
        }
        self.find_in_layers(provider, &names)
    }

    fn find_in_layers(&self, provider: Option<&str>, names: &Candidates<'_>) -> Option<(&PricingTable, &ModelPrice)> {
        let mut layer = Some(self);
        while let Some(t) = layer {
            if let Some(p) = t.find_here(provider, names) {
                return Some((t, p));
            }
            layer = t.under.as_deref();
        }
        None
    }

    /// In this layer: the call's provider (entries without a provider too), its family
    /// (`gcp.gemini` → `gcp.gen_ai`), then the providers it falls back to.
    fn find_here(&self, provider: Option<&str>, names: &Candidates<'_>) -> Option<&ModelPrice> {
        if let Some(m) = self.find_for(provider, true, names) {
            return Some(m);
        }
        let p = provider?;
        let family = normalize::provider_family(p);
        if let Some(m) = family.and_then(|f| self.find_for(Some(f), false, names)) {
            return Some(m);
        }
        self.fallbacks
            .iter()
            .filter(|(from, _)| &**from == p || Some(&**from) == family)
            .flat_map(|(_, to)| to.iter())
            .find_map(|to| self.find_for(Some(to), false, names))
    }

    /// The entry named exactly `model`, of this provider or of none.
    fn exact(&self, provider: Option<&str>, model: &str) -> Option<&ModelPrice> {
        let ids = self.names.get(model)?;
        ids.iter().map(|&i| &self.models[i as usize]).find(|m| m.provider.as_deref() == provider || m.provider.is_none())
    }

    fn find_for(&self, provider: Option<&str>, any_provider_too: bool, names: &Candidates<'_>) -> Option<&ModelPrice> {
        let ok = |m: &ModelPrice| m.provider.as_deref() == provider || (any_provider_too && m.provider.is_none());
        for n in names.iter() {
            if let Some(ids) = self.names.get(n) {
                if let Some(m) = ids.iter().map(|&i| &self.models[i as usize]).find(|m| ok(m)) {
                    return Some(m);
                }
            }
        }
        self.rules.iter().map(|(_, r, i)| (r, &self.models[*i as usize])).find(|(r, m)| ok(m) && names.iter().any(|n| r.matches(n))).map(|(_, m)| m)
    }

    /// The cost of a call: the response model is tried first (what actually served the call),
    /// then the request model. `None` if neither is priced or the usage has nothing to price.
    pub fn cost(&self, provider: Option<&str>, models: &[Option<&str>], usage: &Usage) -> Option<Cost> {
        let (layer, price) = models.iter().flatten().find_map(|m| self.find(provider, m))?;
        let amount = price.cost_of(usage)?;
        Some(Cost { amount, currency: price.currency.clone().unwrap_or_else(|| layer.currency.clone()), source: CostSource::Table(layer.version.clone()) })
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
        assert_eq!(c.source, CostSource::Table(BUILTIN_VERSION.into()));
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
        assert!(t.cost(Some("groq"), &[Some("gpt-4o")], &u).is_none(), "a price is per provider");
        assert!(t.cost(None, &[Some("gpt-4o")], &u).is_none(), "no provider, no provider's price");
        assert!(t.cost(Some("openai"), &[Some("gpt-4oo")], &u).is_none());
        assert!(t.cost(Some("openai"), &[Some("gpt-4o")], &Usage::new()).is_none(), "nothing to price");
    }

    #[test]
    fn a_snapshot_is_its_model_but_another_model_is_not() {
        let t = PricingTable::new("t").with_price(ModelPrice::new(Some("openai"), "gpt-4o", 2.5, 10.0));
        assert_eq!(t.lookup(Some("openai"), "gpt-4o-2024-08-06").map(|m| m.input), Some(2.5));
        assert!(t.lookup(Some("openai"), "gpt-4o-mini").is_none(), "gpt-4o-mini is not gpt-4o");
        assert!(t.lookup(Some("openai"), "gpt-4o-mini-2024-07-18").is_none());
        let t = t.with_price(ModelPrice::new(Some("openai"), "gpt-4o-mini", 0.15, 0.6));
        assert_eq!(t.lookup(Some("openai"), "gpt-4o-mini-2024-07-18").map(|m| m.input), Some(0.15));
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
        let e = PricingTable::from_json(r#"{"version":"v","models":[{"model":"m","input":-1,"output":1}]}"#).unwrap_err();
        assert_eq!(e.entry(), Some("m"));
        assert_eq!(e.to_string(), r#"entry "m": "input" is negative (-1)"#);
        assert!(matches!(PricingTable::from_json("{"), Err(PricingError::Parse { .. })));
        assert!(matches!(PricingTable::from_file("/nonexistent/prices.json"), Err(PricingError::Io { .. })));
    }

    #[test]
    fn rules_split_into_exact_names_and_the_rest() {
        let r = Rule::Or(vec![Rule::Equals("a".into()), Rule::StartsWith("b-".into()), Rule::Never]);
        assert_eq!(r.split(), (vec!["a".into()], Some(Rule::Or(vec![Rule::StartsWith("b-".into())]))));
        assert_eq!(Rule::Never.split(), (vec![], None));
    }

    #[test]
    fn today_is_a_date() {
        let d = today_utc();
        assert_eq!(d.len(), 10);
        assert!(d.as_str() > "2024-01-01", "{d}");
    }
}

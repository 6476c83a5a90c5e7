//! Attribution in metrics: the application's allow-list of low-cardinality metadata keys that
//! the GenAI metrics carry (and, by opt-in, the prompt identity of each call), with a cap on the
//! distinct values of each.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};

use opentelemetry::{Key, KeyValue, StringValue};

use super::current::Applied;
use crate::semconv::{attribution as names, latest, tracing_names as tn, v1_41 as sc};

/// Metric attributes of a call taken from its attribution (a `Vec`: empty, it allocates nothing and
/// keeps the call state small).
pub(crate) type MetricAttrs = Vec<KeyValue>;

/// Which attribution metadata keys the GenAI metrics carry (duration, tokens, cost, tool and
/// agent metrics alike), e.g. `app.feature` or `app.tenant_tier`, so that Prometheus can answer
/// "cost per feature per hour".
///
/// Only keys on the list ever reach a metric; `session.id` and `user.id` never do (they cannot be
/// listed). Each key keeps at most [`max_values`](MetricAttribution::max_values) distinct values
/// (100 by default); the values past the cap are folded into
/// [`OVERFLOW_VALUE`](MetricAttribution::OVERFLOW_VALUE) and a warning is logged once per key.
///
/// **Prompt identity** (off by default): the list may also name `gen_ai.prompt.name` and
/// `gen_ai.prompt.version` ([`PROMPT_IDENTITY`](MetricAttribution::PROMPT_IDENTITY)), the only
/// `gen_ai.*` keys it accepts. Their values are not attribution metadata but the prompt of each
/// call (`prompt_name` / `prompt_version` of `#[genai_span]`,
/// [`GenAiSpanBuilder::prompt_name`](crate::GenAiSpanBuilder::prompt_name)), on every metric of
/// that call (duration, tokens, cost), under the same cap: "cost per prompt version".
///
/// ```
/// use genai_o11y::attribution::MetricAttribution;
/// let m = MetricAttribution::keys(["app.feature", "app.tenant_tier"]).max_values(50);
/// let with_prompts = MetricAttribution::keys(["app.feature", "gen_ai.prompt.name", "gen_ai.prompt.version"]);
/// # let _ = (m, with_prompts);
/// ```
///
/// In code: [`crate::Settings::metric_attribution`] (or `Setup::metric_attribution`); from the
/// environment: `GENAI_O11Y_METRIC_ATTRIBUTES=app.feature,gen_ai.prompt.name,gen_ai.prompt.version`
/// and `GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES=50`.
#[derive(Clone, Default)]
pub struct MetricAttribution {
    keys: Arc<[(Key, Source)]>,
    max_values: usize,
    seen: Arc<Mutex<HashMap<Key, Seen>>>,
}

/// Where the value of an allowed key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The attribution metadata in force.
    Metadata,
    /// The call's `gen_ai.prompt.name`.
    PromptName,
    /// The call's `gen_ai.prompt.version`.
    PromptVersion,
}

/// The prompt identity of a call, for the allowed prompt keys.
#[derive(Clone, Copy, Default)]
pub(crate) struct CallPrompt<'a> {
    pub name: Option<&'a StringValue>,
    pub version: Option<&'a StringValue>,
}

#[derive(Default)]
struct Seen {
    values: HashSet<StringValue>,
    warned: bool,
}

impl fmt::Debug for MetricAttribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricAttribution").field("keys", &self.allowed().collect::<Vec<_>>()).field("max_values", &self.max_values).finish()
    }
}

impl MetricAttribution {
    /// The value that stands for every value past the cap.
    pub const OVERFLOW_VALUE: &'static str = "_other";
    /// The default cap on distinct values per key.
    pub const DEFAULT_MAX_VALUES: usize = 100;
    /// The prompt-identity keys the list accepts (the only `gen_ai.*` keys it does):
    /// `gen_ai.prompt.name` and `gen_ai.prompt.version`.
    pub const PROMPT_IDENTITY: [&'static str; 2] = [sc::GEN_AI_PROMPT_NAME, latest::GEN_AI_PROMPT_VERSION];

    /// No attribution in metrics (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// These metadata keys (and, when listed, [`PROMPT_IDENTITY`](Self::PROMPT_IDENTITY) keys) on
    /// every GenAI metric. `session.id`, `user.id` and the other keys of the `gen_ai.*` /
    /// `genai_o11y.*` / `otel.*` namespaces are dropped from the list.
    pub fn keys<K: Into<Key>>(keys: impl IntoIterator<Item = K>) -> Self {
        let mut list: Vec<(Key, Source)> = Vec::new();
        for k in keys.into_iter().map(Into::into) {
            let s = k.as_str();
            let source = match s {
                sc::GEN_AI_PROMPT_NAME => Source::PromptName,
                latest::GEN_AI_PROMPT_VERSION => Source::PromptVersion,
                _ => Source::Metadata,
            };
            let refused = source == Source::Metadata
                && (s.is_empty() || s == names::SESSION_ID || s == names::USER_ID || names::RESERVED_PREFIXES.iter().any(|p| s.starts_with(p)));
            if !refused && !list.iter().any(|(l, _)| *l == k) {
                list.push((k, source));
            }
        }
        MetricAttribution { keys: list.into(), max_values: Self::DEFAULT_MAX_VALUES, seen: Arc::default() }
    }

    /// At most `n` distinct values per key (at least 1); the rest become
    /// [`OVERFLOW_VALUE`](Self::OVERFLOW_VALUE).
    pub fn max_values(mut self, n: usize) -> Self {
        self.max_values = n.max(1);
        self.seen = Arc::default();
        self
    }

    /// From `GENAI_O11Y_METRIC_ATTRIBUTES` (comma-separated keys) and
    /// `GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES`; none when unset. A cap that is not a whole
    /// number keeps the default (`init()` refuses it instead).
    pub fn from_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok()).unwrap_or_else(|(keys, _)| keys)
    }

    /// From the variables `var` reads: the keys, or the keys with the default cap and the bad
    /// cap's value when the cap is not a whole number.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, (Self, String)> {
        let m = match var(names::METRIC_ATTRIBUTES_ENV) {
            Some(list) => Self::keys(list.split(',').map(str::trim).filter(|k| !k.is_empty()).map(|k| Key::from(k.to_owned()))),
            None => Self::none(),
        };
        match var(names::METRIC_ATTRIBUTE_MAX_VALUES_ENV) {
            None => Ok(m),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) => Ok(m.max_values(n)),
                Err(_) => Err((m, v)),
            },
        }
    }

    /// No key allowed (the default): the metrics carry no attribution.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The allowed keys.
    pub fn allowed(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(k, _)| k.as_str())
    }

    /// Whether the prompt identity of the calls reaches the metrics (a
    /// [`PROMPT_IDENTITY`](Self::PROMPT_IDENTITY) key is listed).
    pub fn has_prompt_identity(&self) -> bool {
        self.keys.iter().any(|(_, s)| *s != Source::Metadata)
    }

    /// The metric attributes of a call made under `applied` with `prompt`: the allowed keys it
    /// has, each value seen before or under the cap, else the overflow value.
    pub(crate) fn attrs(&self, applied: Option<&Applied>, prompt: CallPrompt<'_>) -> MetricAttrs {
        let mut out = MetricAttrs::new();
        for (key, source) in self.keys.iter() {
            let value = match source {
                Source::Metadata => applied.and_then(|a| a.metadata_value(key)),
                Source::PromptName => prompt.name,
                Source::PromptVersion => prompt.version,
            };
            if let Some(value) = value {
                out.push(KeyValue::new(key.clone(), self.admit(key, value)));
            }
        }
        out
    }

    fn admit(&self, key: &Key, value: &StringValue) -> StringValue {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let entry = seen.entry(key.clone()).or_default();
        if entry.values.contains(value) {
            return value.clone();
        }
        if entry.values.len() < self.max_values {
            entry.values.insert(value.clone());
            return value.clone();
        }
        if !std::mem::replace(&mut entry.warned, true) {
            tracing::warn!(
                target: tn::TARGET,
                key = key.as_str(),
                max_values = self.max_values,
                "metric attribution key {} has more than {} distinct values: the rest are recorded as {:?}",
                key.as_str(),
                self.max_values,
                Self::OVERFLOW_VALUE
            );
        }
        StringValue::from(Self::OVERFLOW_VALUE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Attribution;

    #[test]
    fn only_listed_keys_and_never_ids() {
        let m = MetricAttribution::keys(["app.feature", "session.id", "user.id", "gen_ai.request.model", "app.feature"]);
        assert_eq!(m.allowed().collect::<Vec<_>>(), ["app.feature"]);
        let a = Applied::merge(None, Attribution::new().session_id("s").user_id("u").metadata("app.feature", "search").metadata("app.other", "x"));
        let got: Vec<String> = m.attrs(Some(&a), CallPrompt::default()).iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect();
        assert_eq!(got, ["app.feature=search"]);
        assert!(MetricAttribution::none().attrs(Some(&a), CallPrompt::default()).is_empty());
    }

    #[test]
    fn the_cap_folds_the_excess_into_one_value() {
        let m = MetricAttribution::keys(["app.feature"]).max_values(3);
        let mut values = HashSet::new();
        for i in 0..10_000 {
            let a = Applied::merge(None, Attribution::new().metadata("app.feature", format!("f{}", i % 500)));
            values.insert(m.attrs(Some(&a), CallPrompt::default())[0].value.to_string());
        }
        let mut values: Vec<String> = values.into_iter().collect();
        values.sort();
        assert_eq!(values, ["_other", "f0", "f1", "f2"]);
    }

    #[test]
    fn prompt_identity_only_when_listed_and_capped_like_the_rest() {
        let (name, v1, v2, v3) = (StringValue::from("support-answer"), StringValue::from("1"), StringValue::from("2"), StringValue::from("3"));
        let a = Applied::merge(None, Attribution::new().metadata("app.feature", "search"));
        let got = |m: &MetricAttribution, version: &StringValue| -> Vec<String> {
            m.attrs(Some(&a), CallPrompt { name: Some(&name), version: Some(version) }).iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect()
        };
        // Not listed (the default, or metadata keys only): never on a metric.
        let plain = MetricAttribution::keys(["app.feature", "gen_ai.prompt.variable.x", "gen_ai.request.model"]);
        assert_eq!(plain.allowed().collect::<Vec<_>>(), ["app.feature"], "other gen_ai.* keys stay refused");
        assert!(!plain.has_prompt_identity());
        assert_eq!(got(&plain, &v1), ["app.feature=search"]);
        // Listed: the call's values, in the list's order, the version capped like any key.
        let m = MetricAttribution::keys(["gen_ai.prompt.name", "app.feature", "gen_ai.prompt.version"]).max_values(2);
        assert!(m.has_prompt_identity());
        assert_eq!(got(&m, &v1), ["gen_ai.prompt.name=support-answer", "app.feature=search", "gen_ai.prompt.version=1"]);
        assert_eq!(got(&m, &v2)[2], "gen_ai.prompt.version=2");
        assert_eq!(got(&m, &v3)[2], "gen_ai.prompt.version=_other", "a third version is past the cap of 2");
        assert_eq!(got(&m, &v1)[2], "gen_ai.prompt.version=1", "a value seen before keeps its name");
        // A call without a prompt (or without attribution): only what it has.
        let none: Vec<String> = m.attrs(None, CallPrompt::default()).iter().map(|kv| kv.key.to_string()).collect();
        assert!(none.is_empty(), "{none:?}");
        let name_only = MetricAttribution::keys(MetricAttribution::PROMPT_IDENTITY.into_iter().take(1));
        let got: Vec<String> = name_only.attrs(None, CallPrompt { name: Some(&name), version: Some(&v1) }).iter().map(|kv| kv.key.to_string()).collect();
        assert_eq!(got, ["gen_ai.prompt.name"]);
    }

    #[test]
    fn from_the_environment() {
        let vars = |k: &str| match k {
            "GENAI_O11Y_METRIC_ATTRIBUTES" => Some(" app.feature, ,app.tier,user.id".to_owned()),
            "GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES" => Some("7".to_owned()),
            _ => None,
        };
        let m = MetricAttribution::from_vars(vars).unwrap();
        assert_eq!(m.allowed().collect::<Vec<_>>(), ["app.feature", "app.tier"]);
        assert_eq!(m.max_values, 7);
        assert_eq!(MetricAttribution::from_vars(|_| None).unwrap().allowed().count(), 0);
        let prompts =
            MetricAttribution::from_vars(|k| (k == "GENAI_O11Y_METRIC_ATTRIBUTES").then(|| "gen_ai.prompt.name,gen_ai.prompt.version".to_owned())).unwrap();
        assert!(prompts.has_prompt_identity());
        assert_eq!(prompts.allowed().collect::<Vec<_>>(), MetricAttribution::PROMPT_IDENTITY);
        let bad = MetricAttribution::from_vars(|k| Some(if k.ends_with("MAX_VALUES") { "two".into() } else { "app.feature".into() }));
        let (fallback, value) = bad.unwrap_err();
        assert_eq!((fallback.max_values, value.as_str()), (MetricAttribution::DEFAULT_MAX_VALUES, "two"));
    }
}

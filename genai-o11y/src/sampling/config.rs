//! What [`OutcomeSampling`] keeps, and its bounds: in code, or from the `GENAI_O11Y_SAMPLING_*`
//! variables.

use std::fmt;
use std::time::Duration;

/// The share of successful traces kept; setting it turns outcome sampling on (`0` to `1`).
pub const SUCCESS_RATIO_ENV: &str = "GENAI_O11Y_SAMPLING_SUCCESS_RATIO";
/// Keep a trace with a span longer than this many milliseconds.
pub const SLOWER_THAN_MS_ENV: &str = "GENAI_O11Y_SAMPLING_SLOWER_THAN_MS";
/// Keep a trace whose calls cost more than this in total (`genai_o11y.cost.amount`).
pub const COSTLIER_THAN_ENV: &str = "GENAI_O11Y_SAMPLING_COSTLIER_THAN";
/// Keep a trace with an evaluation score below this.
pub const SCORE_BELOW_ENV: &str = "GENAI_O11Y_SAMPLING_SCORE_BELOW";
/// The most traces held at once.
pub const MAX_TRACES_ENV: &str = "GENAI_O11Y_SAMPLING_MAX_TRACES";
/// The most spans held per trace.
pub const MAX_SPANS_PER_TRACE_ENV: &str = "GENAI_O11Y_SAMPLING_MAX_SPANS_PER_TRACE";
/// The longest a trace is held, in milliseconds.
pub const MAX_AGE_MS_ENV: &str = "GENAI_O11Y_SAMPLING_MAX_AGE_MS";

/// Default [`OutcomeSampling::max_traces`].
pub const DEFAULT_MAX_TRACES: usize = 10_000;
/// Default [`OutcomeSampling::max_spans_per_trace`].
pub const DEFAULT_MAX_SPANS_PER_TRACE: usize = 1_000;
/// Default [`OutcomeSampling::max_age`].
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(60);

/// What outcome sampling keeps (see [the module documentation](super)).
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeSampling {
    pub(super) ratio: f64,
    pub(super) slower_than: Option<Duration>,
    pub(super) costlier_than: Option<f64>,
    pub(super) score_below: Option<f64>,
    pub(super) max_traces: usize,
    pub(super) max_spans_per_trace: usize,
    pub(super) max_age: Duration,
}

/// A setting outcome sampling cannot use: which method or variable, the value, and what it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidSampling {
    /// The method (`OutcomeSampling::keep_successes`) or variable (`GENAI_O11Y_SAMPLING_SUCCESS_RATIO`).
    pub setting: &'static str,
    /// Set in code (`false`: from the environment).
    pub in_code: bool,
    /// The value.
    pub value: String,
    /// What is accepted.
    pub expected: &'static str,
}

impl fmt::Display for InvalidSampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid outcome sampling setting {:?} (from {}): expected {}", self.value, self.setting, self.expected)
    }
}

impl std::error::Error for InvalidSampling {}

const RATIO: &str = "a ratio from 0 to 1, e.g. 0.1";
const POSITIVE_COUNT: &str = "a whole number above 0";
const MILLIS: &str = "a whole number of milliseconds above 0";
const NUMBER: &str = "a finite number";

impl OutcomeSampling {
    /// Keep every trace that went wrong, and `ratio` (from 0 to 1) of the others.
    pub fn keep_successes(ratio: f64) -> Self {
        OutcomeSampling {
            ratio,
            slower_than: None,
            costlier_than: None,
            score_below: None,
            max_traces: DEFAULT_MAX_TRACES,
            max_spans_per_trace: DEFAULT_MAX_SPANS_PER_TRACE,
            max_age: DEFAULT_MAX_AGE,
        }
    }

    /// Also keep every trace with a span that took longer than `d` (the request's own span, or
    /// one call beneath it).
    pub fn slower_than(mut self, d: Duration) -> Self {
        self.slower_than = Some(d);
        self
    }

    /// Also keep every trace whose calls cost more than `amount` in total (their
    /// `genai_o11y.cost.amount`, in the pricing table's currency).
    pub fn costlier_than(mut self, amount: f64) -> Self {
        self.costlier_than = Some(amount);
        self
    }

    /// Also keep every trace with an evaluation (`gen_ai.evaluation.result`) scored below `score`.
    pub fn score_below(mut self, score: f64) -> Self {
        self.score_below = Some(score);
        self
    }

    /// The most traces held at once (default 10 000); at the bound, the oldest is decided early.
    pub fn max_traces(mut self, n: usize) -> Self {
        self.max_traces = n;
        self
    }

    /// The most spans held for one trace (default 1 000); at the bound, the trace is decided early.
    pub fn max_spans_per_trace(mut self, n: usize) -> Self {
        self.max_spans_per_trace = n;
        self
    }

    /// The longest a trace is held (default 60 s): a trace whose local root has not ended by then
    /// (a long-running agent, a root that never ends) is decided on what it showed so far.
    pub fn max_age(mut self, d: Duration) -> Self {
        self.max_age = d;
        self
    }

    /// The share of successful traces kept.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Checks every setting; the error names the method.
    pub fn validate(&self) -> Result<(), InvalidSampling> {
        let bad = |setting: &'static str, value: String, expected: &'static str| Err(InvalidSampling { setting, in_code: true, value, expected });
        if !(self.ratio.is_finite() && (0.0..=1.0).contains(&self.ratio)) {
            return bad("OutcomeSampling::keep_successes", self.ratio.to_string(), RATIO);
        }
        if let Some(c) = self.costlier_than.filter(|c| !c.is_finite()) {
            return bad("OutcomeSampling::costlier_than", c.to_string(), NUMBER);
        }
        if let Some(s) = self.score_below.filter(|s| !s.is_finite()) {
            return bad("OutcomeSampling::score_below", s.to_string(), NUMBER);
        }
        if self.max_traces == 0 {
            return bad("OutcomeSampling::max_traces", "0".into(), POSITIVE_COUNT);
        }
        if self.max_spans_per_trace == 0 {
            return bad("OutcomeSampling::max_spans_per_trace", "0".into(), POSITIVE_COUNT);
        }
        if self.max_age.is_zero() {
            return bad("OutcomeSampling::max_age", "0s".into(), MILLIS);
        }
        Ok(())
    }

    /// The settings from the environment: `None` when `GENAI_O11Y_SAMPLING_SUCCESS_RATIO` is unset
    /// (the other variables only refine it). The error names the variable.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, InvalidSampling> {
        let get = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let Some(ratio) = get(SUCCESS_RATIO_ENV) else { return Ok(None) };
        let bad = |setting: &'static str, value: &str, expected: &'static str| InvalidSampling { setting, in_code: false, value: value.to_owned(), expected };
        let ratio: f64 = ratio.parse().ok().filter(|r: &f64| r.is_finite() && (0.0..=1.0).contains(r)).ok_or_else(|| bad(SUCCESS_RATIO_ENV, &ratio, RATIO))?;
        let mut s = OutcomeSampling::keep_successes(ratio);
        let millis = |name: &'static str| -> Result<Option<Duration>, InvalidSampling> {
            get(name).map(|v| v.parse::<u64>().ok().filter(|n| *n > 0).map(Duration::from_millis).ok_or_else(|| bad(name, &v, MILLIS))).transpose()
        };
        let number = |name: &'static str| -> Result<Option<f64>, InvalidSampling> {
            get(name).map(|v| v.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| bad(name, &v, NUMBER))).transpose()
        };
        let count = |name: &'static str| -> Result<Option<usize>, InvalidSampling> {
            get(name).map(|v| v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| bad(name, &v, POSITIVE_COUNT))).transpose()
        };
        s.slower_than = millis(SLOWER_THAN_MS_ENV)?;
        s.costlier_than = number(COSTLIER_THAN_ENV)?;
        s.score_below = number(SCORE_BELOW_ENV)?;
        if let Some(n) = count(MAX_TRACES_ENV)? {
            s.max_traces = n;
        }
        if let Some(n) = count(MAX_SPANS_PER_TRACE_ENV)? {
            s.max_spans_per_trace = n;
        }
        if let Some(d) = millis(MAX_AGE_MS_ENV)? {
            s.max_age = d;
        }
        Ok(Some(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn from_the_environment() {
        assert_eq!(OutcomeSampling::from_env(env(&[])).unwrap(), None);
        assert_eq!(OutcomeSampling::from_env(env(&[(MAX_TRACES_ENV, "5")])).unwrap(), None, "only the ratio turns it on");
        let s = OutcomeSampling::from_env(env(&[
            (SUCCESS_RATIO_ENV, " 0.25 "),
            (SLOWER_THAN_MS_ENV, "2000"),
            (COSTLIER_THAN_ENV, "0.5"),
            (SCORE_BELOW_ENV, "0.3"),
            (MAX_TRACES_ENV, "100"),
            (MAX_SPANS_PER_TRACE_ENV, "50"),
            (MAX_AGE_MS_ENV, "30000"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            s,
            OutcomeSampling::keep_successes(0.25)
                .slower_than(Duration::from_secs(2))
                .costlier_than(0.5)
                .score_below(0.3)
                .max_traces(100)
                .max_spans_per_trace(50)
                .max_age(Duration::from_secs(30))
        );
    }

    #[test]
    fn a_bad_value_names_its_variable_or_method() {
        for (vars, setting) in [
            (&[(SUCCESS_RATIO_ENV, "10%")][..], SUCCESS_RATIO_ENV),
            (&[(SUCCESS_RATIO_ENV, "1.5")][..], SUCCESS_RATIO_ENV),
            (&[(SUCCESS_RATIO_ENV, "0.1"), (SLOWER_THAN_MS_ENV, "2s")][..], SLOWER_THAN_MS_ENV),
            (&[(SUCCESS_RATIO_ENV, "0.1"), (MAX_TRACES_ENV, "0")][..], MAX_TRACES_ENV),
            (&[(SUCCESS_RATIO_ENV, "0.1"), (COSTLIER_THAN_ENV, "NaN")][..], COSTLIER_THAN_ENV),
        ] {
            let vars: &'static [(&str, &str)] = Box::leak(vars.to_vec().into_boxed_slice());
            let e = OutcomeSampling::from_env(env(vars)).unwrap_err();
            assert_eq!(e.setting, setting);
            assert!(!e.in_code);
            assert!(e.to_string().contains(setting), "{e}");
        }
        let e = OutcomeSampling::keep_successes(-0.1).validate().unwrap_err();
        assert_eq!(e.setting, "OutcomeSampling::keep_successes");
        assert_eq!(OutcomeSampling::keep_successes(0.1).max_spans_per_trace(0).validate().unwrap_err().setting, "OutcomeSampling::max_spans_per_trace");
        assert_eq!(OutcomeSampling::keep_successes(0.1).score_below(f64::INFINITY).validate().unwrap_err().setting, "OutcomeSampling::score_below");
        assert!(OutcomeSampling::keep_successes(0.0).validate().is_ok() && OutcomeSampling::keep_successes(1.0).validate().is_ok());
    }
}

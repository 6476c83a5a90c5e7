//! Guardrails: a guard function's span, its decision, and what a block leaves behind.
//!
//! `#[genai_guardrail(name = "pii", policy = "privacy")]` on a guard (or
//! [`GenAiSpanBuilder::guardrail`](crate::GenAiSpanBuilder::guardrail) by hand) opens the span
//! `run_guardrail {name}` (INTERNAL, or CLIENT for a remote guard service), and reads the guard's
//! [`Decision`] from its return value through [`GuardDecision`] (derive it on your own enum, or
//! return a `Decision`), or through a `decision = |v| ...` closure.
//!
//! ```
//! use genai_o11y::guard::{Decision, GuardDecision};
//!
//! #[derive(GuardDecision)]
//! enum Verdict {
//!     Allow,
//!     Block { reason: String, rule_id: &'static str },
//!     Modify { redacted: String },
//!     Escalate,
//! }
//!
//! #[genai_o11y::genai_guardrail(name = "pii", policy = "privacy", policy_version = "3", source = "input")]
//! fn pii_guard(text: &str) -> Verdict {
//!     if text.contains("SSN") {
//!         Verdict::Block { reason: "a social security number".into(), rule_id: "pii.ssn" }
//!     } else {
//!         Verdict::Allow
//!     }
//! }
//! # assert_eq!(pii_guard("hello").guard_decision(), Decision::allow());
//! ```
//!
//! What one decision records (names of the proposal in semantic-conventions-genai PR #427, in
//! both convention modes; see [`crate::semconv::guardrail`]):
//! * on the span: `gen_ai.operation.name = run_guardrail`, `gen_ai.guardrail.component.name`,
//!   `.policy.id`, `.policy.version`, `.source`, and the decision: `.result.type` (`allow`,
//!   `block`, `modify`, `escalate`), `.result.value`, `.result.reason`, `.risk.category`,
//!   `.risk.score`, `.policy.rule.id`;
//! * the event `gen_ai.guardrail.result` on the span with the same attributes, and with content
//!   capture on, `gen_ai.guardrail.content.input.value` / `.content.output.value`;
//! * the counter `genai_o11y.guardrail.decisions` by guard name and result type (and the
//!   allowed attribution keys, [`MetricAttribution`](crate::attribution::MetricAttribution));
//! * for a block: an ERROR log record with the trace id, and `genai_o11y.guardrail.blocked =
//!   true` / `genai_o11y.guardrail.block_count` on every enclosing agent, workflow and rollup
//!   span, so a sampler that keeps traces by outcome keeps this one.
//!
//! A guard that fails (returns `Err`, panics) records the error and no decision.

pub(crate) mod record;

/// `#[derive(GuardDecision)]` on an enum of decisions (see [`GuardDecision`]).
pub use genai_o11y_macros::GuardDecision;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use opentelemetry::StringValue;

use crate::params::TextParam;
use crate::semconv::guardrail as names;

/// What the guard decided: `gen_ai.guardrail.result.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    /// The content or action goes through unchanged.
    Allow,
    /// It is stopped.
    Block,
    /// It goes through changed (redacted, rewritten).
    Modify,
    /// It goes to a human (or another workflow) for review.
    Escalate,
}

impl DecisionKind {
    /// The value of `gen_ai.guardrail.result.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allow => names::RESULT_ALLOW,
            DecisionKind::Block => names::RESULT_BLOCK,
            DecisionKind::Modify => names::RESULT_MODIFY,
            DecisionKind::Escalate => names::RESULT_ESCALATE,
        }
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A guard's decision, with why and how risky. Build one with [`Decision::allow`],
/// [`Decision::block`], [`Decision::modify`] or [`Decision::escalate`]; or derive
/// [`GuardDecision`] on your own enum.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Decision {
    pub(crate) kind: DecisionKind,
    pub(crate) reason: Option<StringValue>,
    pub(crate) value: Option<StringValue>,
    pub(crate) risk_category: Option<StringValue>,
    pub(crate) risk_score: Option<f64>,
    pub(crate) rule_id: Option<StringValue>,
}

impl Decision {
    /// A decision of this kind, nothing else known.
    pub fn new(kind: DecisionKind) -> Self {
        Decision { kind, reason: None, value: None, risk_category: None, risk_score: None, rule_id: None }
    }
    /// Let it through.
    pub fn allow() -> Self {
        Self::new(DecisionKind::Allow)
    }
    /// Stop it, for `reason` (`gen_ai.guardrail.result.reason`: say why, without quoting the
    /// content: the reason is recorded whether content capture is on or not).
    pub fn block(reason: impl TextParam) -> Self {
        Self::new(DecisionKind::Block).reason(reason)
    }
    /// Let it through changed, for `reason`.
    pub fn modify(reason: impl TextParam) -> Self {
        Self::new(DecisionKind::Modify).reason(reason)
    }
    /// Send it for review, for `reason`.
    pub fn escalate(reason: impl TextParam) -> Self {
        Self::new(DecisionKind::Escalate).reason(reason)
    }
    /// `gen_ai.guardrail.result.reason`.
    pub fn reason(mut self, reason: impl TextParam) -> Self {
        self.reason = reason.into_text();
        self
    }
    /// `gen_ai.guardrail.result.value`: the guard's own verdict label, when it has one beyond
    /// the four kinds (`warn`, `tripwire_triggered`, `LOW_CONFIDENCE`). A label, never content:
    /// it is recorded whether content capture is on or off (the modified text a `modify`
    /// produces is content; it belongs in the guard's captured output).
    pub fn value(mut self, value: impl TextParam) -> Self {
        self.value = value.into_text();
        self
    }
    /// `gen_ai.guardrail.risk.category` (`pii`, `prompt_injection`, `toxicity`, ...).
    pub fn risk_category(mut self, category: impl TextParam) -> Self {
        self.risk_category = category.into_text();
        self
    }
    /// `gen_ai.guardrail.risk.score` (finite values only).
    pub fn risk_score(mut self, score: f64) -> Self {
        self.risk_score = score.is_finite().then_some(score);
        self
    }
    /// `gen_ai.guardrail.policy.rule.id`: the rule that fired.
    pub fn rule_id(mut self, rule: impl TextParam) -> Self {
        self.rule_id = rule.into_text();
        self
    }
    /// What was decided.
    pub fn kind(&self) -> DecisionKind {
        self.kind
    }
    /// Why, if said.
    pub fn reason_text(&self) -> Option<&str> {
        self.reason.as_ref().map(|r| r.as_str())
    }
    /// Whether it is a block.
    pub fn is_block(&self) -> bool {
        self.kind == DecisionKind::Block
    }
}

/// A guard's return value that says what it decided. Derive it on an enum with
/// `#[derive(genai_o11y::guard::GuardDecision)]`: each variant's kind comes from its name
/// (`Allow`/`Allowed`/`Pass`, `Block`/`Blocked`/`Deny`/`Reject`, `Modify`/`Redact`/`Rewrite`/
/// `Sanitize`/`Mask`, `Escalate`/`Review`) or from `#[guard(allow | block | modify |
/// escalate)]`; its fields named `reason`, `value`, `risk_category`, `risk_score`, `rule_id` (or
/// marked `#[guard(reason)]`, ...) fill the decision.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a guard decision (it does not implement `genai_o11y::guard::GuardDecision`)",
    label = "expected a guard decision",
    note = "return `genai_o11y::guard::Decision`, derive it on your enum with `#[derive(genai_o11y::guard::GuardDecision)]`, or pass `decision = |v| ...` to `#[genai_guardrail]`"
)]
pub trait GuardDecision {
    /// The decision this value stands for.
    fn guard_decision(&self) -> Decision;
}

impl GuardDecision for Decision {
    fn guard_decision(&self) -> Decision {
        self.clone()
    }
}
impl GuardDecision for DecisionKind {
    fn guard_decision(&self) -> Decision {
        Decision::new(*self)
    }
}
impl<T: GuardDecision + ?Sized> GuardDecision for &T {
    fn guard_decision(&self) -> Decision {
        (**self).guard_decision()
    }
}
impl<T: GuardDecision + ?Sized> GuardDecision for Box<T> {
    fn guard_decision(&self) -> Decision {
        (**self).guard_decision()
    }
}
impl<T: GuardDecision + ?Sized> GuardDecision for Arc<T> {
    fn guard_decision(&self) -> Decision {
        (**self).guard_decision()
    }
}

/// The return types a guard's decision is read from: any `T: GuardDecision`, and `Result<T, E>`
/// with `T: GuardDecision` (an `Err` is the guard failing: no decision, the error recorded).
#[diagnostic::on_unimplemented(
    message = "`{Self}` reports no guard decision, which a guardrail span records",
    label = "this return type reports no guard decision",
    note = "fix it in one of three ways:\n  1. return `genai_o11y::guard::Decision` (`Decision::allow()`, `Decision::block(\"why\")`, ...);\n  2. derive it on your own enum: `#[derive(genai_o11y::guard::GuardDecision)]`;\n  3. pass `decision = |v| ...` to `#[genai_guardrail]`, returning a `Decision`, to read it from a type you do not own",
    note = "if this function returns a future, write `async fn` or spell the return type `impl Future<Output = T>`"
)]
pub trait ReportsDecision {
    /// The decision, `None` for an `Err`.
    fn reported_decision(&self) -> Option<Decision>;
}

impl<T: GuardDecision> ReportsDecision for T {
    fn reported_decision(&self) -> Option<Decision> {
        Some(self.guard_decision())
    }
}

impl<T: GuardDecision, E> ReportsDecision for Result<T, E> {
    fn reported_decision(&self) -> Option<Decision> {
        self.as_ref().ok().map(GuardDecision::guard_decision)
    }
}

/// A field of a derived decision that holds text (`reason`, `value`, `risk_category`,
/// `rule_id`): `String`, `&str`, `Cow<str>`, `Arc<str>`, `Box<str>`, or an `Option` of one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not text a guard decision can record",
    note = "`reason`, `value`, `risk_category` and `rule_id` are text (`String`, `&str`, `Cow<str>`, `Arc<str>`), or an `Option` of one"
)]
pub trait DecisionText {
    /// The text.
    fn decision_text(&self) -> Option<StringValue>;
}
macro_rules! decision_texts {
    ($($t:ty),*) => {$(impl DecisionText for $t {
        fn decision_text(&self) -> Option<StringValue> {
            Some(StringValue::from(AsRef::<str>::as_ref(self).to_owned()))
        }
    })*};
}
decision_texts!(String, str, Box<str>, Arc<str>, Cow<'_, str>);
impl<T: DecisionText + ?Sized> DecisionText for &T {
    fn decision_text(&self) -> Option<StringValue> {
        (**self).decision_text()
    }
}
impl<T: DecisionText> DecisionText for Option<T> {
    fn decision_text(&self) -> Option<StringValue> {
        self.as_ref().and_then(DecisionText::decision_text)
    }
}

/// A field of a derived decision that holds the risk score: `f32`, `f64`, or an `Option` of one.
#[diagnostic::on_unimplemented(message = "`{Self}` is not a risk score", note = "`risk_score` is an `f32` or `f64`, or an `Option` of one")]
pub trait DecisionScore {
    /// The score.
    fn decision_score(&self) -> Option<f64>;
}
impl DecisionScore for f64 {
    fn decision_score(&self) -> Option<f64> {
        Some(*self)
    }
}
impl DecisionScore for f32 {
    fn decision_score(&self) -> Option<f64> {
        Some(f64::from(*self))
    }
}
impl<T: DecisionScore + ?Sized> DecisionScore for &T {
    fn decision_score(&self) -> Option<f64> {
        (**self).decision_score()
    }
}
impl<T: DecisionScore> DecisionScore for Option<T> {
    fn decision_score(&self) -> Option<f64> {
        self.as_ref().and_then(DecisionScore::decision_score)
    }
}

/// What a guard's builder knows besides the common fields: its policy, what it checks, its
/// default risk category, and whether it is a remote service.
#[derive(Clone, Debug, Default)]
pub(crate) struct GuardSpec {
    pub policy_id: Option<StringValue>,
    pub policy_version: Option<StringValue>,
    pub source: Option<StringValue>,
    pub risk_category: Option<StringValue>,
    /// A remote guard service: span kind CLIENT.
    pub remote: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_and_return_types() {
        let d = Decision::block("pii").risk_score(f64::NAN).risk_category("pii").rule_id("r1").value("tripwire");
        assert_eq!(d.kind(), DecisionKind::Block);
        assert_eq!(d.reason_text(), Some("pii"));
        assert_eq!(d.risk_score, None, "not finite: dropped");
        let ok: Result<Decision, ()> = Ok(Decision::allow());
        assert_eq!(ok.reported_decision(), Some(Decision::allow()));
        let err: Result<Decision, ()> = Err(());
        assert_eq!(err.reported_decision(), None);
        assert_eq!(DecisionKind::Escalate.reported_decision().map(|d| d.kind), Some(DecisionKind::Escalate));
        assert_eq!(DecisionKind::Modify.to_string(), "modify");
        assert_eq!(Some("x").decision_text().map(|t| t.to_string()), Some("x".to_owned()));
        assert_eq!(Some(0.5f32).decision_score(), Some(0.5));
    }
}

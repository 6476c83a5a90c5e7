//! [`Outcome`]: how a call ended, as the classifier of its return value (or the hand-written
//! code) reports it. It borrows the return value: nothing is copied unless an attribute needs it.

use std::fmt;

use serde_json::Value as Json;

use crate::error::ErrorInfo;
use crate::usage::HasUsage;

/// How a call ended. Build one by hand with [`Outcome::from_result`], [`Outcome::success`],
/// [`Outcome::with_usage`] or [`Outcome::failure`]. It borrows the call's return value, so
/// nothing is copied unless an attribute or a metric needs it.
#[derive(Default)]
pub struct Outcome<'a> {
    pub(crate) usage: UsageSource<'a>,
    pub(crate) error: Option<ErrorInfo>,
    pub(crate) output: Option<Json>,
    /// What a retrieval returned (`None`: not reported).
    pub(crate) documents: Option<Vec<crate::documents::RetrievedDocument>>,
    /// How many memory records the operation touched (`None`: not reported).
    pub(crate) record_count: Option<u64>,
    /// The exit code of a command tool's process (`None`: not reported).
    pub(crate) exit_code: Option<i64>,
    /// What a guard decided (`None`: not reported, or the guard failed).
    pub(crate) decision: Option<crate::guard::Decision>,
}

/// Where the usage of a finished call is read from.
#[derive(Default)]
#[doc(hidden)]
pub enum UsageSource<'a> {
    /// Nothing reported.
    #[default]
    None,
    /// The return value itself (or its `Ok`).
    Borrowed(&'a dyn HasUsage),
    /// Computed by a `usage = ...` closure.
    Owned(Box<dyn HasUsage + 'a>),
}

impl<'a> UsageSource<'a> {
    pub(crate) fn get(&self) -> Option<&dyn HasUsage> {
        match self {
            UsageSource::None => None,
            UsageSource::Borrowed(u) => Some(*u),
            UsageSource::Owned(u) => Some(&**u),
        }
    }
}

impl<'a> From<Option<&'a dyn HasUsage>> for UsageSource<'a> {
    fn from(v: Option<&'a dyn HasUsage>) -> Self {
        v.map_or(UsageSource::None, UsageSource::Borrowed)
    }
}

impl<'a> From<Option<Box<dyn HasUsage + 'a>>> for UsageSource<'a> {
    fn from(v: Option<Box<dyn HasUsage + 'a>>) -> Self {
        v.map_or(UsageSource::None, UsageSource::Owned)
    }
}

impl fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcome").field("usage", &self.usage().map(|u| u.usage())).field("error", &self.error).finish()
    }
}

impl<'a> Outcome<'a> {
    /// Success, nothing to report.
    pub fn success() -> Self {
        Outcome::default()
    }
    /// Success with the usage of `value`.
    pub fn with_usage<T: HasUsage>(value: &'a T) -> Self {
        Outcome { usage: UsageSource::Borrowed(value), error: None, output: None, documents: None, record_count: None, exit_code: None, decision: None }
    }
    /// Success with an owned usage value (for example a [`Usage`](crate::Usage) or a
    /// [`Response`](crate::Response)).
    pub fn with_owned_usage<T: HasUsage + 'a>(value: T) -> Self {
        Outcome { usage: UsageSource::Owned(Box::new(value)), error: None, output: None, documents: None, record_count: None, exit_code: None, decision: None }
    }
    /// Failure.
    pub fn failure(error: ErrorInfo) -> Self {
        Outcome { usage: UsageSource::None, error: Some(error), output: None, documents: None, record_count: None, exit_code: None, decision: None }
    }
    /// From a `Result` whose success value reports usage and whose error is `Display`.
    pub fn from_result<T: HasUsage, E: fmt::Display>(r: &'a Result<T, E>) -> Self {
        match r {
            Ok(v) => Outcome::with_usage(v),
            Err(e) => Outcome::failure(ErrorInfo::from_display(e)),
        }
    }
    /// The usage, if any.
    pub fn usage(&self) -> Option<&dyn HasUsage> {
        self.usage.get()
    }
    /// The error, if any.
    pub fn error(&self) -> Option<&ErrorInfo> {
        self.error.as_ref()
    }
    /// With the documents a retrieval returned (their count on the span, and
    /// `gen_ai.retrieval.documents` when content is captured).
    pub fn with_documents(mut self, documents: Option<Vec<crate::documents::RetrievedDocument>>) -> Self {
        self.documents = documents;
        self
    }
    /// With the number of memory records the operation touched (`gen_ai.memory.record.count`).
    pub fn with_record_count(mut self, count: Option<u64>) -> Self {
        self.record_count = count;
        self
    }
    /// The exit code of the process a command tool ran (`process.exit.code`), e.g.
    /// `ReportsExitCode::reported_exit_code(&result)` for a `Result<std::process::Output, E>`.
    pub fn with_exit_code(mut self, code: Option<i64>) -> Self {
        self.exit_code = code;
        self
    }
    /// With what a guard decided (`gen_ai.guardrail.result.*`, see [`crate::guard`]).
    pub fn with_decision(mut self, decision: Option<crate::guard::Decision>) -> Self {
        self.decision = decision;
        self
    }
    /// The guard's decision, if any.
    pub fn decision(&self) -> Option<&crate::guard::Decision> {
        self.decision.as_ref()
    }
    /// Captured output content (output messages of a model call, the result of a tool): recorded
    /// only when capture is on. Build it only when the classifier is told capture is on.
    pub fn with_output(mut self, output: Option<Json>) -> Self {
        self.output = output;
        self
    }
    /// From its parts (the generated code's classifier).
    pub(crate) fn from_parts(usage: impl Into<UsageSource<'a>>, error: Option<ErrorInfo>, output: Option<Json>) -> Self {
        Outcome { usage: usage.into(), error, output, documents: None, record_count: None, exit_code: None, decision: None }
    }
}

//! [`Finish`]: the outcome of a call, computed once from what the call returned.

use std::borrow::Cow;

use opentelemetry::StringValue;

use crate::call::{CallMeta, OperationKind, Outcome, UsageSource};
use crate::error::ErrorInfo;
use crate::pricing::Cost;
use crate::semconv::v1_41 as sc;
use crate::settings::Settings;
use crate::usage::{HasUsage, Usage};

/// Everything the recorders need to know about how a call ended. It borrows the call's return
/// value (response id, model and finish reasons are read in place).
pub(crate) struct Finish<'a> {
    /// Seconds from the start of the call.
    pub elapsed: f64,
    /// What reported the usage (the response, a stream's gathered chunks, a `usage` closure).
    source: UsageSource<'a>,
    /// The token counts, when any was reported.
    pub usage: Option<Usage>,
    /// What the provider reported, else what the pricing table says (inference calls only).
    pub cost: Option<Cost>,
    /// A pricing table is in force, but has no price for the model.
    pub unpriced: bool,
    /// The call was expected to report usage, succeeded, and reported none.
    pub usage_missing: bool,
    /// The error, its message already reduced to what may be recorded.
    pub error: Option<ErrorInfo>,
    /// A stream cut short before its finish reason arrived.
    streaming: bool,
    /// How many documents a retrieval returned.
    pub document_count: Option<usize>,
    /// How many memory records the operation touched.
    pub record_count: Option<u64>,
    /// The exit code of a command tool's process.
    pub exit_code: Option<i64>,
    /// What a guard decided.
    pub decision: Option<crate::guard::Decision>,
}

impl<'a> Finish<'a> {
    pub(crate) fn compute(meta: &CallMeta, settings: &Settings, outcome: Outcome<'a>, elapsed: f64) -> Self {
        let Outcome { usage: source, mut error, documents, record_count, exit_code, decision, .. } = outcome;
        // Error messages may echo content: without capture, only a content-free description.
        if let Some(e) = &mut error {
            let safe = e.safe_message.take();
            if !settings.capture.error_messages {
                e.message = safe;
            }
        }
        let mut finish = Finish {
            elapsed,
            source,
            usage: None,
            cost: None,
            unpriced: false,
            usage_missing: false,
            error,
            streaming: meta.streaming,
            document_count: documents.map(|d| d.len()),
            record_count,
            exit_code,
            decision,
        };
        // Totals a provider gave only as parts by modality are their sum, for every reader.
        finish.usage = finish.report().map(|u| u.usage().with_totals()).filter(|u| !u.is_empty());
        if meta.kind == OperationKind::Inference {
            if let Some(u) = finish.usage {
                finish.cost = finish.report().and_then(|r| r.cost()).or_else(|| {
                    let table = settings.pricing.as_ref()?;
                    let models = [finish.response_model(), meta.request_model.as_ref().map(|m| m.as_str())];
                    let c = table.cost(meta.provider.as_ref().map(|p| p.as_str()), &models, &u);
                    finish.unpriced = c.is_none();
                    c
                });
            }
            finish.usage_missing = meta.expects_usage && finish.usage.is_none() && finish.error.is_none();
        }
        finish
    }

    /// What reported the usage, if anything did.
    pub(crate) fn report(&self) -> Option<&dyn HasUsage> {
        self.source.get()
    }

    /// `gen_ai.response.id`.
    pub(crate) fn response_id(&self) -> Option<&str> {
        self.report().and_then(|r| r.response_id())
    }

    /// `gen_ai.response.model`.
    pub(crate) fn response_model(&self) -> Option<&str> {
        self.report().and_then(|r| r.response_model())
    }

    /// `gen_ai.response.finish_reasons`: as reported, or `error` for a stream that failed before
    /// its finish reason arrived.
    pub(crate) fn finish_reasons(&self) -> Vec<&str> {
        let mut reasons = self.report().map(|r| r.finish_reasons()).unwrap_or_default();
        if reasons.is_empty() && self.streaming && self.error.is_some() {
            reasons.push(sc::FINISH_REASON_ERROR);
        }
        reasons
    }

    /// `error.type`, as an attribute value.
    pub(crate) fn error_type(&self) -> Option<StringValue> {
        self.error.as_ref().map(|e| cow_value(&e.error_type))
    }
}

/// A `Cow` as an attribute value, without copying a static string (a `&str` parameter would
/// lose whether the text is static).
#[allow(clippy::ptr_arg)]
pub(crate) fn cow_value(c: &Cow<'static, str>) -> StringValue {
    match c {
        Cow::Borrowed(s) => StringValue::from(*s),
        Cow::Owned(s) => StringValue::from(s.clone()),
    }
}

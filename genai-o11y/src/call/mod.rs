//! The runtime behind the annotations, usable by hand: a [`GenAiSpanBuilder`] describes a call,
//! [`GenAiSpanBuilder::start`] opens its span and returns an [`ActiveCall`], which records the
//! outcome, the duration and the token usage exactly once: when the call returns, fails,
//! panics, or is dropped before completion. [`ActiveCall::instrument`],
//! [`ActiveCall::instrument_stream`] and [`ActiveCall::instrument_iter`] wrap futures, streams
//! and iterators; [`current`] reaches the call whose body is running.

mod active;
mod builder;
mod current;
mod future;
mod items;
mod iter;
mod meta;
mod operation;
mod outcome;
mod stream;

pub use active::ActiveCall;
pub use builder::GenAiSpanBuilder;
pub use current::{current, CurrentCall};
pub(crate) use current::{enter, pending, Pending};
pub use future::Instrumented;
pub use iter::InstrumentedIter;
pub(crate) use meta::{response_model_value, CallMeta};
pub use operation::OperationKind;
pub use outcome::{Outcome, UsageSource};
pub use stream::{Body, InstrumentedStream};

/// Is telemetry switched off for a call starting now: no `tracing` subscriber wants anything
/// (the global level hint is `OFF`) and the meter provider records nothing? Then a call is
/// dormant: no span, no metric, no work beyond this check (see `ActiveCall::dormant`).
#[inline]
pub(crate) fn dormant() -> bool {
    tracing::level_filters::LevelFilter::current() == tracing::level_filters::LevelFilter::OFF && crate::instruments::with_current(|i| i.metrics_off)
}

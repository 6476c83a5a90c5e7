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

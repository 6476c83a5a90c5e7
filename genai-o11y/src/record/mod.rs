//! What a finished call leaves behind. Its [`Finish`] is computed once; each signal has its own
//! writer that reads it: span attributes ([`span`]), metrics ([`metrics`]), the details event
//! ([`events`]), the log summary ([`logs`]) and the totals of the enclosing agent or rollup
//! ([`rollup`]).

pub(crate) mod events;
mod finish;
pub(crate) mod logs;
pub(crate) mod metrics;
pub(crate) mod rollup;
pub(crate) mod span;

pub(crate) use finish::Finish;

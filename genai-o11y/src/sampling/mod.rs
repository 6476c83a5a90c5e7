//! Outcome sampling: keep every trace that went wrong and a share of the rest, decided in
//! process once the outcome is known (features `sdk` or `testing`).
//!
//! A head sampler (`OTEL_TRACES_SAMPLER`) decides when a trace starts, before anyone knows whether
//! it will fail; at 1 % it keeps 1 % of the errors too. [`OutcomeSampler`] sits on the export
//! side instead: it holds the spans of each trace until the trace's local root ends (or the trace
//! is older than [`OutcomeSampling::max_age`]), then exports the whole local trace when any span
//! of it
//!
//! * is an error (error status or `error.type`; a cancelled call and a panic included),
//! * took longer than [`OutcomeSampling::slower_than`],
//! * cost more, summed over the trace's calls, than [`OutcomeSampling::costlier_than`],
//! * carries an evaluation score below [`OutcomeSampling::score_below`], or
//! * is a guard that blocked (or an agent a guard blocked in),
//!
//! and otherwise keeps it with probability `ratio`, decided from the trace id alone: the lower 56
//! bits of a W3C trace id with the random flag are random, and OpenTelemetry's consistent
//! probability sampling keeps a trace at probability `p` when they are at or above the rejection
//! threshold `(1 - p) × 2^56`. Every service that samples with the same ratio keeps the same
//! successful traces, so a kept trace is whole across them.
//!
//! Metrics are never sampled: they are recorded when each call ends, before and whatever this
//! decides. Memory is bounded by [`OutcomeSampling::max_traces`] and
//! [`OutcomeSampling::max_spans_per_trace`]; a bound reached, or the maximum age, decides a trace
//! early on what it showed so far (kept if anything above showed, else by the ratio), and its later
//! spans follow that decision. [`SamplingStats`] counts all of it.
//!
//! [`init()`](crate::init) installs it with [`Setup::outcome_sampling`](crate::setup::Setup::outcome_sampling)
//! or the `GENAI_O11Y_SAMPLING_*` variables ([`config`]). By hand, wrap the export processor:
//!
//! ```
//! use genai_o11y::sampling::{OutcomeSampler, OutcomeSampling};
//! use opentelemetry_sdk::trace::{BatchSpanProcessor, InMemorySpanExporter, SdkTracerProvider};
//!
//! let sampler = OutcomeSampler::wrap(OutcomeSampling::keep_successes(0.1), BatchSpanProcessor::builder(InMemorySpanExporter::default()).build())?;
//! let provider = SdkTracerProvider::builder().with_span_processor(sampler).build();
//! # let _ = provider;
//! # Ok::<(), genai_o11y::sampling::InvalidSampling>(())
//! ```

pub mod config;
mod decide;
mod processor;
mod stats;

pub use config::{InvalidSampling, OutcomeSampling};
pub use processor::OutcomeSampler;
pub use stats::{SamplingStats, SamplingStatsHandle};

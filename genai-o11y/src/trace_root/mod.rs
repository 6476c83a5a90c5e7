//! What a trace's **local root** (the outermost span of a trace in this process: an HTTP
//! request's server span, a job's span) learns from the spans beneath it, so that platforms that
//! read a trace from its root show it whole:
//!
//! * the attribution (session, user, tags, metadata) of a scope opened inside it (an
//!   `Attribution::scope` in a request handler marks the spans it runs, and now the request's
//!   server span too, which started before the scope);
//! * the captured input of its first outermost GenAI span and the answer of its last, as
//!   `genai_o11y.trace.input` / `genai_o11y.trace.output` (only when content is captured; not on
//!   a root that is itself a GenAI span, which carries its own);
//! * for the dialects that want it on every span (Langfuse reads the trace name per
//!   observation), the root's name as `genai_o11y.trace.name`.
//!
//! [`TraceRootProcessor`] does it in the span pipeline, before the export processor it wraps;
//! [`init()`](crate::setup::init) installs it. Memory is bounded: at most
//! [`MAX_ROOTS`] live roots are followed and [`MAX_SPANS_PER_ROOT`] spans remembered under each
//! (a span id, its parent's, and captured content only for GenAI spans); past that, spans are not
//! followed, never blocked.

mod processor;

pub(crate) use processor::IdHasher;
pub use processor::{TraceRootProcessor, MAX_ROOTS, MAX_SPANS_PER_ROOT};

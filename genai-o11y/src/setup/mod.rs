//! Setup in one call (feature `sdk`): a `tracing` subscriber (honouring `RUST_LOG`) with the
//! `tracing-opentelemetry` layer, the SDK tracer and meter providers, an exporter, and
//! trace-correlated logs; [`Guard`] flushes and shuts everything down on drop, **within a
//! deadline**.
//!
//! ```no_run
//! let _guard = genai_o11y::init().service_name("my-ai-service").install()?;
//! # Ok::<(), genai_o11y::setup::SetupError>(())
//! ```
//!
//! The standard variables are honoured (code settings override them): `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`),
//! `OTEL_EXPORTER_OTLP_ENDPOINT` / `_PROTOCOL` / `_HEADERS` / `_TIMEOUT` and their per-signal
//! forms, `OTEL_TRACES_SAMPLER` / `_ARG`, `OTEL_SDK_DISABLED`, `OTEL_BSP_*` and
//! `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_PROPAGATORS` (`tracecontext`, `baggage`, `none`; default
//! both: the global propagator that [`crate::propagation`] uses). Without an endpoint, the
//! console exporter prints each finished trace and, at shutdown, a metrics summary, on standard
//! error with the log lines; `GENAI_O11Y_STDOUT_IS_PROTOCOL=true` keeps standard output for the
//! protocol a process speaks there ([`crate::stdout`]).
//!
//! Errors name where the bad value came from (a variable or a builder method); no message,
//! error or `Debug` output shows a header value or the credentials and query of a URL.
//!
//! The parts: `builder` (the [`Setup`] builder), `pipeline` (what installing builds, step by
//! step), `otlp` (the OTLP exporters), `stats` (span accounting), `guard` (shutdown), `flush`
//! ([`flush()`] from anywhere), `error`,
//! `redact` (keeping secrets out of messages), and the public [`config`] (the variables),
//! [`console`], [`dialect`] (what each platform reads, applied at export), [`logs`] and
//! `presets`.

mod builder;
pub mod config;
pub mod console;
pub mod dialect;
mod error;
mod flush;
mod guard;
pub mod logs;
#[cfg(feature = "otlp")]
mod otlp;
mod pipeline;
#[cfg(feature = "otlp")]
pub mod presets;
mod propagators;
mod redact;
mod signal;
mod size_guard;
mod stats;

pub use builder::{init, Exporter, Setup, DEFAULT_MAX_QUEUE_SIZE};
pub use config::{Compression, Protocol, SamplerConfig, Signal};
pub use console::{ConsoleStyle, LocalSpans, SharedWriter};
pub use dialect::{Dialect, DialectExporter};
pub use error::{Endpoint, SetupError, Source};
pub use flush::{flush, flush_within, FlushOutcome};
pub use guard::{Guard, ShutdownReport};
pub use logs::{LogFormat, TraceLogLayer};
pub use pipeline::EXPORT_FILTER_ENV;
#[cfg(feature = "otlp")]
pub use presets::Preset;
pub use propagators::Propagator;
pub use signal::shutdown_signal;
pub use size_guard::{DEFAULT_MAX_EXPORT_BYTES, MAX_EXPORT_BYTES_ENV};
pub use stats::Stats;

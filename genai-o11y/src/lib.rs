//! # genai-o11y
//!
//! OpenTelemetry spans and metrics that follow the GenAI semantic conventions, by annotation.
//!
//! ```no_run
//! use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};
//! # #[derive(Debug)] struct ApiError;
//! # impl std::fmt::Display for ApiError { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("api") } }
//! # impl std::error::Error for ApiError {}
//! # type ToolError = ApiError;
//! # struct ChatRequest { model: String }
//! # struct Weather;
//! # type Answer = String;
//!
//! #[derive(HasUsage)]
//! struct ChatResponse { id: String, model: String, prompt_tokens: u32, completion_tokens: u32 }
//!
//! #[genai_span(operation = "chat", provider = "openai", model = req.model.clone())]
//! async fn chat(req: &ChatRequest) -> Result<ChatResponse, ApiError> {
//!     // call the model
//! #   Ok(ChatResponse { id: "r1".into(), model: req.model.clone(), prompt_tokens: 5, completion_tokens: 7 })
//! }
//!
//! /// Looks up the current weather for a city.
//! #[genai_tool]
//! async fn get_weather(city: &str) -> Result<Weather, ToolError> {
//!     // ...
//! #   let _ = city; Ok(Weather)
//! }
//!
//! #[genai_agent(name = "researcher")]
//! async fn research(q: &str) -> Result<Answer, Box<dyn std::error::Error + Send + Sync>> {
//!     let req = ChatRequest { model: "gpt-4o".into() };
//!     let _weather = get_weather(q).await?;
//!     Ok(chat(&req).await?.id)
//! }
//! ```
//!
//! * `chat` gets a CLIENT span `chat gpt-4o` with `gen_ai.operation.name`, `gen_ai.provider.name`,
//!   `gen_ai.request.model` and the request parameters set at creation, then the token usage,
//!   response id, model and finish reasons read from the return value through [`HasUsage`];
//!   `gen_ai.client.operation.duration` and `gen_ai.client.token.usage` are recorded.
//! * `get_weather` gets an INTERNAL span `execute_tool get_weather` (the doc comment becomes
//!   `gen_ai.tool.description`) and `gen_ai.execute_tool.duration`.
//! * `research` gets an INTERNAL span `invoke_agent researcher` and
//!   `gen_ai.invoke_agent.duration`; the chats and tools it calls are its children.
//!
//! Errors (`Err(e)`, whatever the `Result` alias) set `error.type`, the span status and an
//! `exception` event; a dropped future is recorded with `error.type = cancelled`, a panic with
//! `error.type = panic` (and then continues unchanged).
//!
//! The spans are `tracing` spans: they reach OpenTelemetry through `tracing-opentelemetry`'s
//! layer, which the application installs, and they nest under the application's own spans.
//! Metrics go to the global OpenTelemetry meter provider.
//!
//! ## Convention modes
//! The names of core semantic conventions v1.41 by default; with
//! `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` (or [`set_conventions`]) the
//! latest experimental names. All names live in [`semconv`].
//!
//! ## Switching it off
//! Build the application with `RUSTFLAGS="--cfg genai_o11y_disabled"`: every annotation then
//! expands to the function as written (no span, no metric, no cost), and its arguments are still
//! checked. Only the final build decides: no dependency can switch an application's telemetry
//! off, as a cargo feature could.
//!
//! ## Across services and people
//! [`attribution`] puts a session, a user, tags and metadata on every span of a piece of work
//! (and allowed metadata keys on the metrics); `propagation` (feature `propagation`, with a
//! tower server layer and a reqwest client extension) carries the trace across processes.
//!
//! ## Evaluations
//! [`evaluation`] records how good an answer was: the `gen_ai.evaluation.result` event on the
//! span it evaluates, and a histogram of scores per evaluation name.
//!
//! ## Guardrails
//! [`guard`] and `#[genai_guardrail]`: a guard's span (`run_guardrail {name}`), its decision read
//! from the return value (`allow`, `block`, `modify`, `escalate`), a counter of decisions, and a
//! block's ERROR log record and mark on the enclosing agents, which outcome sampling keeps.
//!
//! ## Updating the call from inside
//! [`current()`](current) in an annotated body sets what only the body learns: usage, the
//! response model and id, finish reasons, the output, extra attributes. Its values win over the
//! return value's, field by field; outside a call it does nothing.
//!
//! ## Streams and iterators
//! A `#[genai_span]` function returning a stream (`impl Stream<Item = T>`, boxed, in a
//! `Result`) or an iterator (`impl Iterator<Item = T>`, `Box<dyn Iterator<Item = T>>`) keeps its
//! span open until the stream ends or the iterator is exhausted, or either is dropped; usage is
//! read per item.
//!
//! ## Without the macros
//! [`GenAiSpanBuilder`] builds the same telemetry by hand, for closures, trait objects and code paths
//! a macro cannot annotate.
#![warn(missing_docs)]

pub mod adapters;
pub mod attribution;
mod calendar;
mod call;
pub mod capture;
#[doc(hidden)]
pub mod dispatch;
pub mod documents;
mod error;
pub mod evaluation;
pub mod guard;
mod instruments;
mod layer;
#[cfg(feature = "mcp")]
pub mod mcp;
mod params;
pub mod pricing;
#[cfg(feature = "propagation")]
pub mod propagation;
mod record;
mod records;
mod scope;
pub mod semconv;
pub mod settings;
mod skills;
#[cfg(any(feature = "sdk", feature = "testing"))]
mod span_events;
pub mod stdout;
pub mod task;
mod thread_slot;
mod usage;

#[cfg(any(feature = "sdk", feature = "testing"))]
pub mod foreign;
#[cfg(feature = "health")]
pub mod health;
#[cfg(feature = "prometheus")]
pub mod prometheus;
#[cfg(any(feature = "sdk", feature = "testing"))]
pub mod sampling;
#[cfg(feature = "health")]
pub mod server;
#[cfg(feature = "sdk")]
pub mod setup;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(any(feature = "sdk", feature = "testing"))]
pub mod trace_root;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[doc(hidden)]
pub use call::UsageSource;
pub use call::{current, ActiveCall, Body, CurrentCall, GenAiSpanBuilder, Instrumented, InstrumentedIter, InstrumentedStream, OperationKind, Outcome};
pub use capture::{CaptureConfig, CaptureMode, ContentKind, Sensitive};
pub use documents::{Document, HasDocuments, ReportsDocuments, RetrievedDocument};
pub use error::{register_error_type, ErrorInfo, ErrorType};
pub use instruments::{scope as instrumentation_scope, scoped, scoped_with, ScopedGuard};
#[cfg(any(feature = "sdk", feature = "testing"))]
pub use layer::otel_layer;
pub use params::{BoolParam, FieldValue, FloatParam, IntParam, Static, TextListParam, TextParam};
pub use pricing::{Cost, CostSource, ModelPrice, PricingError, PricingTable};
pub use records::{RecordCount, ReportsRecordCount};
pub use scope::{current_agent_name, Rollup, RollupFuture};
pub use semconv::Conventions;
pub use settings::{refresh as refresh_instruments, set_capture, set_conventions, set_metric_attribution, set_pricing, Settings};
#[cfg(feature = "sdk")]
pub use setup::{flush, flush_within, init};
pub use skills::{ExitCode, ReportsExitCode, ToolRefinement};
pub use usage::{ByModality, CostField, HasUsage, InputTokens, Modality, ReportsChunkUsage, ReportsUsage, Response, TextField, TokenCount, Usage};

/// `#[genai_agent(name = "...")]` on an agent's entry point: span `invoke_agent {name}`.
pub use genai_o11y_macros::genai_agent;
/// `#[genai_guardrail(name = "...")]` on a guard: span `run_guardrail {name}`, its decision read
/// from the return value (see [`guard`]).
pub use genai_o11y_macros::genai_guardrail;
/// `#[genai_memory(operation = "search_memory", store = ...)]` on a memory operation: span
/// `{operation}`.
pub use genai_o11y_macros::genai_memory;
/// `#[genai_retrieval(data_source = ..., top_k = ..., query = ...)]` on a search of a data source:
/// span `retrieval {data_source}`.
pub use genai_o11y_macros::genai_retrieval;
/// `#[genai_span(operation = "chat", provider = "openai", model = expr, ...)]` on a model call.
/// See the crate documentation and the README for every argument.
pub use genai_o11y_macros::genai_span;
/// `#[genai_tool]` on a tool function: span `execute_tool {name}`.
pub use genai_o11y_macros::genai_tool;
/// `#[genai_workflow(name = "...")]` on a multi-agent or graph entry point: span
/// `invoke_workflow {name}`.
pub use genai_o11y_macros::genai_workflow;
/// `#[derive(Document)]`: one item of a retrieval's result (its `id` and `score` fields).
pub use genai_o11y_macros::Document;
/// `#[derive(HasUsage)]`: read token usage and response metadata from a response type.
pub use genai_o11y_macros::HasUsage;

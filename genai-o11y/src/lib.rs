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
//! ## Without the macros
//! [`GenAiSpan`] builds the same telemetry by hand, for closures, trait objects and code paths
//! a macro cannot annotate.
#![warn(missing_docs)]

mod call;
pub mod capture;
mod error;
pub mod metrics;
mod params;
pub mod pricing;
mod scope;
pub mod semconv;
#[cfg(feature = "sdk")]
pub mod setup;
mod stream;
pub mod task;
mod usage;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "prometheus")]
pub mod prometheus;
#[cfg(feature = "health")]
pub mod health;
#[cfg(feature = "health")]
pub mod server;

pub use call::{ActiveCall, GenAiSpan, Instrumented, Kind, Outcome};
pub use capture::{set_capture, CaptureConfig, CaptureMode, ContentKind, Sensitive};
pub use metrics::{set_pricing, Settings};
pub use pricing::{Cost, CostSource, ModelPrice, PricingTable};
pub use scope::{current_agent_name, Rollup, RollupFuture};
pub use stream::InstrumentedStream;
#[cfg(feature = "sdk")]
pub use setup::init;

/// The `tracing-opentelemetry` layer for `tracer`, configured as this crate's own pipelines
/// (`init()`, `testing`) configure it: no `code.*`, `thread.*`, `busy_ns`/`idle_ns` or `target`
/// attributes on the spans. The GenAI spans carry only their convention attributes, and the
/// layer skips the per-span bookkeeping those attributes cost (measured in the overhead bench).
/// Use it when wiring your own subscriber:
/// `tracing_subscriber::registry().with(genai_o11y::otel_layer(provider.tracer("app")))`.
#[cfg(any(feature = "sdk", feature = "testing"))]
pub fn otel_layer<S, T>(tracer: T) -> tracing_opentelemetry::OpenTelemetryLayer<S, T>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    T: opentelemetry::trace::Tracer + 'static,
    T::Span: Send + Sync,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_location(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
        .with_target(false)
}
#[doc(hidden)]
pub use call::UsageSource;
pub use error::{ErrorInfo, ErrorType};
pub use metrics::{refresh as refresh_instruments, set_conventions};
pub use params::{BoolParam, FloatParam, IntParam, Static, TextListParam, TextParam};
pub use semconv::Conventions;
pub use usage::{CostField, HasUsage, InputTokens, ReportsChunkUsage, ReportsUsage, Response, TextField, TokenCount, Usage};

/// `#[genai_span(operation = "chat", provider = "openai", model = expr, ...)]` on a model call.
/// See the crate documentation and the README for every argument.
pub use genai_o11y_macros::genai_span;
/// `#[genai_tool]` on a tool function: span `execute_tool {name}`.
pub use genai_o11y_macros::genai_tool;
/// `#[genai_agent(name = "...")]` on an agent's entry point: span `invoke_agent {name}`.
pub use genai_o11y_macros::genai_agent;
/// `#[derive(HasUsage)]`: read token usage and response metadata from a response type.
pub use genai_o11y_macros::HasUsage;

/// What the generated code calls. Not a public API: no stability guarantee.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::{ActiveCall, GenAiSpan, Outcome, UsageSource};
    pub use crate::capture::{self, spez as capture_spez, to_json, ContentKind};
    pub use crate::error::ErrorInfo;
    pub use serde_json;

    /// Output content read by the user's `output_messages = ...` closure from the success value.
    #[inline]
    pub fn output_with<'a, T: ?Sized, U: serde::Serialize>(
        ok: Option<&'a T>,
        f: impl FnOnce(&'a T) -> U,
    ) -> Option<serde_json::Value> {
        ok.and_then(|v| to_json(&f(v)))
    }
    pub use crate::error::spez;
    pub use crate::params::Static;
    pub use crate::usage::{HasUsage, ReportsUsage, TextField, TokenCount, Usage};
    pub use std;

    /// Usage of a return type that must report it (inference operations).
    #[inline]
    pub fn required_usage<T: ReportsUsage + ?Sized>(out: &T) -> Option<&dyn HasUsage> {
        out.usage_source()
    }

    /// Usage of a stream chunk, for streaming inference operations.
    #[inline]
    pub fn required_chunk_usage<T: crate::usage::ReportsChunkUsage + ?Sized>(out: &T) -> Option<&dyn HasUsage> {
        out.chunk_usage_source()
    }

    /// Usage read by the user's `usage = ...` closure from the success value.
    #[inline]
    pub fn usage_with<'a, T: ?Sized, U: HasUsage + 'a>(
        ok: Option<&'a T>,
        f: impl FnOnce(&'a T) -> U,
    ) -> Option<::std::boxed::Box<dyn HasUsage + 'a>> {
        ok.map(|v| ::std::boxed::Box::new(f(v)) as ::std::boxed::Box<dyn HasUsage + 'a>)
    }

    /// Checks at compile time that a field is a token count (spanned at the field's type).
    #[inline]
    pub fn token_count<T: TokenCount + ?Sized>(v: &T) -> Option<u64> {
        v.token_count()
    }

    /// Checks at compile time that a field is text (spanned at the field's type).
    #[inline]
    pub fn texts<T: TextField + ?Sized>(v: &T) -> Vec<&str> {
        v.texts()
    }

    pub use crate::pricing::Cost;
    pub use crate::usage::CostField;

    /// A provider-reported cost read from a `cost` field.
    #[inline]
    pub fn reported_cost<T: CostField + ?Sized>(v: &T, currency: &'static str) -> Option<Cost> {
        v.amount().map(|a| Cost::reported(a, currency))
    }

    /// The first text of a text field.
    #[inline]
    pub fn first_text<T: TextField + ?Sized>(v: &T) -> Option<&str> {
        v.first()
    }

    /// Runs a sync body inside the span. The closure is passed straight to an `FnOnce` bound so
    /// that it may return borrows of what it captured.
    #[inline]
    pub fn run_sync<R>(call: ActiveCall, body: impl FnOnce() -> R, classify: impl for<'a> FnOnce(&'a R, bool) -> Outcome<'a>) -> R {
        call.in_scope(body, classify)
    }

    /// Wraps a future.
    #[inline]
    pub fn instrument<F, C>(call: ActiveCall, fut: F, classify: C) -> crate::Instrumented<F, C>
    where
        F: core::future::Future,
        C: for<'a> FnOnce(&'a F::Output, bool) -> Outcome<'a>,
    {
        call.instrument(fut, classify)
    }

    /// Wraps a stream.
    #[inline]
    pub fn instrument_stream<S, C>(call: ActiveCall, stream: S, classify: C) -> crate::InstrumentedStream<S, C>
    where
        S: futures_core::Stream,
        C: for<'a> FnMut(&'a S::Item, bool) -> Outcome<'a>,
    {
        call.instrument_stream(stream, classify)
    }

    /// Runs the body of a stream-returning async fn; hands the call back.
    #[inline]
    pub fn run_body<F: core::future::Future>(call: ActiveCall, fut: F) -> crate::stream::Body<F> {
        call.__run_body(fut)
    }

    /// Runs the body of a stream-returning sync fn; hands the call back.
    #[inline]
    pub fn run_sync_body<R>(call: ActiveCall, body: impl FnOnce() -> R) -> (ActiveCall, R) {
        call.__run_sync_body(body)
    }

    /// Ends a stream call that failed before its stream existed.
    #[inline]
    pub fn fail(call: ActiveCall, error: Option<ErrorInfo>) {
        call.finish(Outcome::__new(UsageSource::None, error));
    }

    /// Calls a closure once. Passing the closure straight to an `FnOnce` bound lets it return
    /// borrows of what it captured (a `&mut self` method returning `&mut T`).
    #[inline]
    pub fn call_once<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    pub use crate::usage::InputTokens;

    /// Compile-time check that a sync function's return type is not a future the macro cannot
    /// see (for example a type alias of `Pin<Box<dyn Future>>`): such a type makes this trait
    /// ambiguous ("type annotations needed"). Write `async fn`, or spell the return type as
    /// `impl Future<Output = T>` or `Pin<Box<dyn Future<Output = T> + Send>>`.
    #[allow(non_camel_case_types)]
    pub trait NotAFuture<A> {
        /// Never called.
        fn check() {}
    }
    impl<T: ?Sized> NotAFuture<()> for T {}
    #[doc(hidden)]
    #[allow(non_camel_case_types, dead_code)]
    pub struct this_function_returns_a_future__write_async_fn_or_impl_Future_so_genai_o11y_can_instrument_it;
    impl<T: ?Sized + core::future::Future>
        NotAFuture<this_function_returns_a_future__write_async_fn_or_impl_Future_so_genai_o11y_can_instrument_it> for T
    {
    }
}

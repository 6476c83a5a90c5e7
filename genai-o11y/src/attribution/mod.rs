//! Attribution: who or what caused the work, on every span it produces.
//!
//! An [`Attribution`] names a session, a user, tags and metadata. Run work inside it
//! ([`Attribution::scope`] for a future, [`Attribution::in_scope`] for a closure, or
//! `#[genai_agent(session_id = .., user_id = ..)]`) and every span that **starts** inside it,
//! this crate's and the application's own `tracing` spans alike, carries
//!
//! | what | span attribute |
//! |---|---|
//! | session | `session.id` |
//! | user | `user.id` |
//! | tags | `genai_o11y.tags` (a list of strings) |
//! | metadata | the key as given, e.g. `app.feature` |
//!
//! The attributes are written when the span starts, by the [`AttributionProcessor`], an SDK span
//! processor that [`init()`](crate::setup::init) installs (a pipeline wired by hand adds it, see
//! its documentation). The platform dialects of the presets rename them to each platform's keys
//! (`tag.tags` and `metadata` for Phoenix, `langfuse.trace.tags` and `langfuse.trace.metadata.*`
//! for Langfuse, ...).
//!
//! ```
//! use genai_o11y::attribution::Attribution;
//! # async fn handle(_q: &str) {}
//! # async fn demo() {
//! Attribution::new()
//!     .session_id("s-42")
//!     .user_id("u-7")
//!     .tags(["beta"])
//!     .metadata("app.feature", "search")
//!     .scope(handle("what is the weather?"))
//!     .await;
//! # }
//! ```
//!
//! Nested scopes merge, the inner one winning key by key (tags add up). A scope is fixed when it
//! is created: `Attribution::new()...scope(fut)` merges with the attribution current at that
//! moment, wherever `fut` is polled later. Work moved to another task or thread takes it along
//! through [`crate::task`] (`task::spawn`, `task::Context`), as it takes the current span; a span
//! started with no attribution in force inherits its parent span's (when the parent is a live
//! span of this process), so `tokio::spawn(fut.in_current_span())` keeps the session too.
//!
//! **Across processes** only by opt-in: [`Attribution::propagate`]`(true)` makes
//! [`crate::propagation::inject`] send it as W3C baggage (baggage travels to every service the
//! request reaches, third parties included: never put a secret in it). A server applies received
//! baggage only when it allows it ([`crate::propagation::ServerLayer::accept_baggage`]).
//!
//! **In metrics**, `session.id` and `user.id` never become metric attributes (their cardinality
//! is unbounded). An application may allow a few low-cardinality metadata keys onto the GenAI
//! metrics with [`MetricAttribution`] (see [`crate::Settings::metric_attribution`]), and, by
//! listing `gen_ai.prompt.name` / `gen_ai.prompt.version` there, the prompt identity of each call.

mod current;
mod metrics;
#[cfg(any(feature = "sdk", feature = "testing"))]
mod processor;

#[cfg(feature = "sdk")]
pub(crate) use current::is_metadata_key;
#[cfg(any(feature = "sdk", feature = "testing"))]
pub(crate) use current::with_metadata_keys;
pub(crate) use current::{current, Applied, Guard};
pub use current::{AttributedFuture, Attribution};
pub use metrics::MetricAttribution;
pub(crate) use metrics::{CallPrompt, MetricAttrs};
#[cfg(any(feature = "sdk", feature = "testing"))]
pub use processor::AttributionProcessor;

//! [`async-openai`](https://docs.rs/async-openai) 0.43.
//!
//! * Feature `async-openai`: its response types, stream chunks and stream aliases report usage
//!   ([`usage`]): a function returning them needs no `usage = ...`, and with content capture on,
//!   a streamed answer is put back together from its chunks.
//! * Feature `async-openai-client`: [`TracedClient`], the same telemetry straight on the client
//!   (`client.traced().chat(request)`), with no annotated wrapper function.

#[cfg(feature = "async-openai-client")]
mod client;
pub mod usage;

#[cfg(feature = "async-openai-client")]
pub use client::{Traced, TracedClient};
pub use usage::{finish_reason, responses_finish_reason};

//! Ready adapters for real LLM client crates, behind cargo features: their response types report
//! token usage, response id, model and finish reasons through [`HasUsage`](crate::HasUsage), so an
//! annotated function that returns them needs no `usage = ...` at all.

#[cfg(feature = "async-openai")]
pub mod async_openai;
#[cfg(not(feature = "async-openai"))]
#[doc(hidden)]
pub mod feature_off;

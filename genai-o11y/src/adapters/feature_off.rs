//! The usage checks of the generated code for the types of a client crate whose adapter feature
//! is off: the compile error names the feature to enable, instead of the three generic fixes
//! (which do not apply: a foreign type cannot derive `HasUsage`). The macro uses them when the
//! return type names one of the adapter's types; with the feature on, `__private` re-exports the
//! ordinary checks under the same names.

use crate::usage::{HasUsage, ReportsChunkUsage, ReportsUsage};

/// async-openai's response types, with the `async-openai` feature off.
#[diagnostic::on_unimplemented(
    message = "`{Self}` reports no token usage here: async-openai's types report it through genai-o11y's `async-openai` feature, which is off",
    label = "needs genai-o11y's `async-openai` feature",
    note = "enable it: `genai-o11y = {{ version = \"0.1\", features = [\"async-openai\"] }}` (for a client, async-openai itself needs its `chat-completion` or `responses` feature)"
)]
pub trait AsyncOpenAiUsage {
    fn usage_source(&self) -> Option<&dyn HasUsage>;
}
impl<T: ReportsUsage + ?Sized> AsyncOpenAiUsage for T {
    fn usage_source(&self) -> Option<&dyn HasUsage> {
        ReportsUsage::usage_source(self)
    }
}

/// async-openai's stream chunk types, with the `async-openai` feature off.
#[diagnostic::on_unimplemented(
    message = "the stream's items (`{Self}`) report no token usage here: async-openai's chunk types report it through genai-o11y's `async-openai` feature, which is off",
    label = "needs genai-o11y's `async-openai` feature",
    note = "enable it: `genai-o11y = {{ version = \"0.1\", features = [\"async-openai\"] }}` (for a client, async-openai itself needs its `chat-completion` or `responses` feature)"
)]
pub trait AsyncOpenAiChunkUsage {
    fn chunk_usage_source(&self) -> Option<&dyn HasUsage>;
}
impl<T: ReportsChunkUsage + ?Sized> AsyncOpenAiChunkUsage for T {
    fn chunk_usage_source(&self) -> Option<&dyn HasUsage> {
        ReportsChunkUsage::chunk_usage_source(self)
    }
}

/// [`required_usage`](crate::__private::required_usage) for async-openai's types.
#[inline]
pub fn async_openai_required_usage<T: AsyncOpenAiUsage + ?Sized>(out: &T) -> Option<&dyn HasUsage> {
    AsyncOpenAiUsage::usage_source(out)
}

/// [`required_chunk_usage`](crate::__private::required_chunk_usage) for async-openai's chunk types.
#[inline]
pub fn async_openai_required_chunk_usage<T: AsyncOpenAiChunkUsage + ?Sized>(out: &T) -> Option<&dyn HasUsage> {
    AsyncOpenAiChunkUsage::chunk_usage_source(out)
}

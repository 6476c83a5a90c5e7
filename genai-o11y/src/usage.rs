//! Token usage and response metadata, read from a call's return value.

use std::rc::Rc;
use std::sync::Arc;

/// How a provider counts input tokens.
///
/// The semantic conventions define `gen_ai.usage.input_tokens` as **all** input tokens, cached ones
/// included. Most providers report it that way. Anthropic reports `input_tokens` *excluding* the
/// cache reads and writes; declare [`InputTokens::ExcludesCache`] for such a source and the
/// emitted value is corrected to follow the spec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum InputTokens {
    /// `input_tokens` already includes cached tokens (OpenAI, Gemini, most providers).
    #[default]
    IncludesCache,
    /// `input_tokens` excludes cache reads and writes (Anthropic): the spec value is
    /// `input_tokens + cache_read + cache_write`.
    ExcludesCache,
}

/// The modality of tokens (`gen_ai.token.modality`), for a provider that breaks its usage down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modality {
    /// Text tokens.
    Text,
    /// Image tokens.
    Image,
    /// Audio tokens.
    Audio,
}

impl Modality {
    /// Every modality, in the order they are recorded.
    pub const ALL: [Modality; 3] = [Modality::Text, Modality::Image, Modality::Audio];
}

/// A split of one token count by modality, as the provider reported it (latest conventions:
/// `gen_ai.usage.{text,image,audio}.*` and `gen_ai.token.modality` on the usage counters).
///
/// Each part is a subset of its total. A part the provider did not report is `None`: this crate
/// never derives one part from the others (see [`ByModality::rest`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ByModality {
    /// Text tokens.
    pub text: Option<u64>,
    /// Image tokens.
    pub image: Option<u64>,
    /// Audio tokens.
    pub audio: Option<u64>,
}

impl ByModality {
    /// Nothing reported.
    pub const fn new() -> Self {
        ByModality { text: None, image: None, audio: None }
    }
    /// The part of `modality`.
    pub fn get(&self, modality: Modality) -> Option<u64> {
        match modality {
            Modality::Text => self.text,
            Modality::Image => self.image,
            Modality::Audio => self.audio,
        }
    }
    /// Sets the part of `modality`.
    pub fn set(&mut self, modality: Modality, n: Option<u64>) {
        match modality {
            Modality::Text => self.text = n,
            Modality::Image => self.image = n,
            Modality::Audio => self.audio = n,
        }
    }
    /// No part reported.
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.image.is_none() && self.audio.is_none()
    }
    /// The reported parts, in [`Modality::ALL`] order.
    pub fn parts(&self) -> impl Iterator<Item = (Modality, u64)> + '_ {
        Modality::ALL.into_iter().filter_map(|m| self.get(m).map(|n| (m, n)))
    }
    /// What `total` holds besides the reported parts (never below zero): tokens of a modality
    /// the provider did not name. `None` without a total.
    pub fn rest(&self, total: Option<u64>) -> Option<u64> {
        total.map(|t| t.saturating_sub(self.parts().map(|(_, n)| n).fold(0u64, u64::saturating_add)))
    }
    /// Fills every part `self` does not report from `other`.
    pub fn or(self, other: ByModality) -> ByModality {
        ByModality { text: self.text.or(other.text), image: self.image.or(other.image), audio: self.audio.or(other.audio) }
    }
}

/// Token counts of one inference call, as the provider reported them.
///
/// Every count is an `Option`: `None` means *not reported*, which is recorded as an absent
/// attribute, never as a silent zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Usage {
    /// Input (prompt) tokens, as reported by the provider (see [`Usage::input_convention`]).
    pub input_tokens: Option<u64>,
    /// Output (completion) tokens, reasoning included.
    pub output_tokens: Option<u64>,
    /// Input tokens served from the provider's cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the provider's cache.
    pub cache_write_input_tokens: Option<u64>,
    /// Reasoning tokens (a subset of the output tokens).
    pub reasoning_output_tokens: Option<u64>,
    /// Whether `input_tokens` includes the cache counts.
    pub input_convention: InputTokens,
    /// The input tokens by modality (`gen_ai.usage.{text,image,audio}.input_tokens`).
    pub input_by_modality: ByModality,
    /// The output tokens by modality (`gen_ai.usage.{text,image,audio}.output_tokens`).
    pub output_by_modality: ByModality,
    /// The cache-read input tokens by modality
    /// (`gen_ai.usage.{text,image,audio}.cache_read.input_tokens`).
    pub cache_read_by_modality: ByModality,
}

impl Usage {
    /// Nothing reported.
    pub const fn new() -> Self {
        Usage {
            input_tokens: None,
            output_tokens: None,
            cache_read_input_tokens: None,
            cache_write_input_tokens: None,
            reasoning_output_tokens: None,
            input_convention: InputTokens::IncludesCache,
            input_by_modality: ByModality::new(),
            output_by_modality: ByModality::new(),
            cache_read_by_modality: ByModality::new(),
        }
    }
    /// Sets the input tokens.
    pub fn input(mut self, n: u64) -> Self {
        self.input_tokens = Some(n);
        self
    }
    /// Sets the output tokens.
    pub fn output(mut self, n: u64) -> Self {
        self.output_tokens = Some(n);
        self
    }
    /// Sets the cache-read input tokens.
    pub fn cache_read(mut self, n: u64) -> Self {
        self.cache_read_input_tokens = Some(n);
        self
    }
    /// Sets the cache-write input tokens.
    pub fn cache_write(mut self, n: u64) -> Self {
        self.cache_write_input_tokens = Some(n);
        self
    }
    /// Sets the reasoning output tokens.
    pub fn reasoning(mut self, n: u64) -> Self {
        self.reasoning_output_tokens = Some(n);
        self
    }
    /// Sets the input tokens of one modality (a part of [`input`](Self::input)):
    /// `Usage::new().input(300).input_of(Modality::Image, 200).input_of(Modality::Text, 100)`.
    pub fn input_of(mut self, modality: Modality, n: u64) -> Self {
        self.input_by_modality.set(modality, Some(n));
        self
    }
    /// Sets the output tokens of one modality (a part of [`output`](Self::output)).
    pub fn output_of(mut self, modality: Modality, n: u64) -> Self {
        self.output_by_modality.set(modality, Some(n));
        self
    }
    /// Sets the cache-read input tokens of one modality (a part of
    /// [`cache_read`](Self::cache_read) and of [`input_of`](Self::input_of) that modality).
    pub fn cache_read_of(mut self, modality: Modality, n: u64) -> Self {
        self.cache_read_by_modality.set(modality, Some(n));
        self
    }
    /// Declares how `input_tokens` counts the cache.
    pub fn input_convention(mut self, convention: InputTokens) -> Self {
        self.input_convention = convention;
        self
    }

    /// True when no count was reported at all.
    pub fn is_empty(&self) -> bool {
        self.input_tokens.is_none()
            && self.output_tokens.is_none()
            && self.cache_read_input_tokens.is_none()
            && self.cache_write_input_tokens.is_none()
            && self.reasoning_output_tokens.is_none()
            && self.input_by_modality.is_empty()
            && self.output_by_modality.is_empty()
            && self.cache_read_by_modality.is_empty()
    }

    /// `gen_ai.usage.input_tokens` for the latest conventions' breakdown: the spec total, else
    /// (a provider that reports only the parts) their sum.
    pub fn total_input_tokens(&self) -> Option<u64> {
        self.spec_input_tokens().or_else(|| sum(&self.input_by_modality))
    }

    /// The same counts, each total that was not reported but whose parts by modality were
    /// filled with the sum of the parts (so every reader of the totals sees them: span, metrics,
    /// rollups, cost, events).
    pub fn with_totals(mut self) -> Usage {
        if self.input_tokens.is_none() && !self.input_by_modality.is_empty() {
            self.input_tokens = self.total_input_tokens();
            self.input_convention = InputTokens::IncludesCache;
        }
        self.output_tokens = self.total_output_tokens();
        self.cache_read_input_tokens = self.total_cache_read_input_tokens();
        self
    }

    /// The output total, else the sum of its parts.
    pub fn total_output_tokens(&self) -> Option<u64> {
        self.output_tokens.or_else(|| sum(&self.output_by_modality))
    }

    /// The cache-read total, else the sum of its parts.
    pub fn total_cache_read_input_tokens(&self) -> Option<u64> {
        self.cache_read_input_tokens.or_else(|| sum(&self.cache_read_by_modality))
    }

    /// `gen_ai.usage.input_tokens` as the spec defines it: all input tokens, cache included.
    pub fn spec_input_tokens(&self) -> Option<u64> {
        match self.input_convention {
            InputTokens::IncludesCache => self.input_tokens,
            InputTokens::ExcludesCache => {
                let cached = self.cache_read_input_tokens.unwrap_or(0) + self.cache_write_input_tokens.unwrap_or(0);
                match self.input_tokens {
                    Some(n) => Some(n.saturating_add(cached)),
                    None if cached > 0 => Some(cached),
                    None => None,
                }
            }
        }
    }

    /// Fills every count that `self` does not report from `other` (used for nested usage).
    pub fn or(self, other: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens.or(other.input_tokens),
            output_tokens: self.output_tokens.or(other.output_tokens),
            cache_read_input_tokens: self.cache_read_input_tokens.or(other.cache_read_input_tokens),
            cache_write_input_tokens: self.cache_write_input_tokens.or(other.cache_write_input_tokens),
            reasoning_output_tokens: self.reasoning_output_tokens.or(other.reasoning_output_tokens),
            input_convention: if self.input_tokens.is_some() { self.input_convention } else { other.input_convention },
            input_by_modality: self.input_by_modality.or(other.input_by_modality),
            output_by_modality: self.output_by_modality.or(other.output_by_modality),
            cache_read_by_modality: self.cache_read_by_modality.or(other.cache_read_by_modality),
        }
    }
}

/// The sum of the reported parts, `None` when none is.
fn sum(parts: &ByModality) -> Option<u64> {
    (!parts.is_empty()).then(|| parts.parts().map(|(_, n)| n).fold(0u64, u64::saturating_add))
}

/// A value that reports the token usage of an inference call, and optionally the response id,
/// the model that actually served it and its finish reasons.
///
/// Derive it with `#[derive(HasUsage)]`, or implement it by hand. For a type you do not own, pass
/// `usage = |resp| ...` to `#[genai_span]` instead (the orphan rule forbids implementing it here).
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not report token usage (it does not implement `HasUsage`)",
    label = "expected a value that implements `genai_o11y::HasUsage`",
    note = "return `genai_o11y::Usage::new().input(..).output(..)`, a `genai_o11y::Response`, or a type with `#[derive(genai_o11y::HasUsage)]`"
)]
pub trait HasUsage {
    /// The token counts.
    fn usage(&self) -> Usage;
    /// `gen_ai.response.id`.
    fn response_id(&self) -> Option<&str> {
        None
    }
    /// `gen_ai.response.model`: the exact model that served the request.
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// `gen_ai.response.finish_reasons`, one per choice, in provider order.
    fn finish_reasons(&self) -> Vec<&str> {
        Vec::new()
    }
    /// The cost the provider reported for this call, if it does (some gateways do). It takes
    /// precedence over the pricing table.
    fn cost(&self) -> Option<crate::Cost> {
        None
    }
    /// `gen_ai.response.status` of a fetched response (`fetch_response`, latest conventions):
    /// `queued`, `in_progress`, `completed`, `incomplete`, `failed`, `cancelled`, or the
    /// provider's own value when none applies.
    fn response_status(&self) -> Option<&str> {
        None
    }
}

impl HasUsage for Usage {
    fn usage(&self) -> Usage {
        *self
    }
}

macro_rules! forward_has_usage {
    ($($ty:ty),*) => {$(
        impl<T: HasUsage + ?Sized> HasUsage for $ty {
            fn usage(&self) -> Usage { (**self).usage() }
            fn response_id(&self) -> Option<&str> { (**self).response_id() }
            fn response_model(&self) -> Option<&str> { (**self).response_model() }
            fn finish_reasons(&self) -> Vec<&str> { (**self).finish_reasons() }
            fn cost(&self) -> Option<crate::Cost> { (**self).cost() }
            fn response_status(&self) -> Option<&str> { (**self).response_status() }
        }
    )*};
}
forward_has_usage!(&T, &mut T, Box<T>, Arc<T>, Rc<T>);

impl<T: HasUsage> HasUsage for Option<T> {
    fn usage(&self) -> Usage {
        self.as_ref().map(HasUsage::usage).unwrap_or_default()
    }
    fn response_id(&self) -> Option<&str> {
        self.as_ref().and_then(HasUsage::response_id)
    }
    fn response_model(&self) -> Option<&str> {
        self.as_ref().and_then(HasUsage::response_model)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.as_ref().map(HasUsage::finish_reasons).unwrap_or_default()
    }
    fn cost(&self) -> Option<crate::Cost> {
        self.as_ref().and_then(HasUsage::cost)
    }
    fn response_status(&self) -> Option<&str> {
        self.as_ref().and_then(HasUsage::response_status)
    }
}

/// A response summary built by hand: what a `usage = |resp| ...` closure can return when the
/// response id, model or finish reasons should be recorded too.
///
/// ```
/// # use genai_o11y::{Response, Usage};
/// let r = Response::new(Usage::new().input(12).output(3)).id("chatcmpl-1").model("gpt-4o-2024-08-06").finish_reason("stop");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Response {
    /// Token counts.
    pub usage: Usage,
    /// `gen_ai.response.id`.
    pub id: Option<String>,
    /// `gen_ai.response.model`.
    pub model: Option<String>,
    /// `gen_ai.response.finish_reasons`.
    pub finish_reasons: Vec<String>,
    /// The cost the provider reported.
    pub cost: Option<crate::Cost>,
    /// `gen_ai.response.status` (a fetched response).
    pub status: Option<String>,
}

impl Response {
    /// A response with these counts and nothing else.
    pub fn new(usage: Usage) -> Self {
        Response { usage, ..Default::default() }
    }
    /// Sets the response id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
    /// Sets the response model.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
    /// Appends a finish reason.
    pub fn finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reasons.push(reason.into());
        self
    }
    /// Sets the cost the provider reported.
    pub fn cost(mut self, cost: crate::Cost) -> Self {
        self.cost = Some(cost);
        self
    }
    /// Sets the lifecycle status of a fetched response (`gen_ai.response.status`).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Lays what `report` reports over this response, field by field: each count, the id, the
    /// model, the finish reasons (when any), the cost and the status it reports replace the
    /// value held; what it does not report is kept. A stream's chunks are gathered this way
    /// (providers send totals, never deltas), and so are the values set through
    /// [`crate::current`] over the return value's.
    pub(crate) fn overlay(&mut self, report: &dyn HasUsage) {
        let u = report.usage();
        let acc = &mut self.usage;
        let take = |dst: &mut Option<u64>, v: Option<u64>| {
            if v.is_some() {
                *dst = v;
            }
        };
        take(&mut acc.input_tokens, u.input_tokens);
        take(&mut acc.output_tokens, u.output_tokens);
        take(&mut acc.cache_read_input_tokens, u.cache_read_input_tokens);
        take(&mut acc.cache_write_input_tokens, u.cache_write_input_tokens);
        take(&mut acc.reasoning_output_tokens, u.reasoning_output_tokens);
        for (dst, src) in [
            (&mut acc.input_by_modality, u.input_by_modality),
            (&mut acc.output_by_modality, u.output_by_modality),
            (&mut acc.cache_read_by_modality, u.cache_read_by_modality),
        ] {
            for m in Modality::ALL {
                if let Some(n) = src.get(m) {
                    dst.set(m, Some(n));
                }
            }
        }
        if u.input_tokens.is_some() {
            acc.input_convention = u.input_convention;
        }
        if let Some(id) = report.response_id() {
            self.id = Some(id.to_owned());
        }
        if let Some(m) = report.response_model() {
            self.model = Some(m.to_owned());
        }
        let reasons = report.finish_reasons();
        if !reasons.is_empty() {
            self.finish_reasons = reasons.into_iter().map(str::to_owned).collect();
        }
        if let Some(c) = report.cost() {
            self.cost = Some(c);
        }
        if let Some(status) = report.response_status() {
            self.status = Some(status.to_owned());
        }
    }
}

impl HasUsage for Response {
    fn usage(&self) -> Usage {
        self.usage
    }
    fn response_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
    fn response_model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.finish_reasons.iter().map(String::as_str).collect()
    }
    fn cost(&self) -> Option<crate::Cost> {
        self.cost.clone()
    }
    fn response_status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}

/// The return types an inference span can read token usage from: any `T: HasUsage` (including
/// `Option<T>`, `&T`, `Box<T>`, `Arc<T>`), and `Result<T, E>` with `T: HasUsage` (whatever the
/// alias: `anyhow::Result<T>`, `io::Result<T>`, your own).
#[diagnostic::on_unimplemented(
    message = "`{Self}` reports no token usage, which an inference span (`chat`, `text_completion`, `generate_content`, `embeddings`) must record",
    label = "this return type reports no token usage",
    note = "fix it in one of three ways:\n  1. `#[derive(genai_o11y::HasUsage)]` (or `impl HasUsage`) on the response type;\n  2. pass `usage = |resp| genai_o11y::Usage::new().input(..).output(..)` to `#[genai_span]` to read it from a type you do not own;\n  3. write `usage = none` in `#[genai_span]` to record no token usage on purpose",
    note = "if this function returns a future, write `async fn` or spell the return type `impl Future<Output = T>`; a stream, spell it `impl Stream<Item = T> + Send`: the span must cover the future or the stream, not its creation"
)]
pub trait ReportsUsage {
    /// The value to read usage from: `None` for an `Err`.
    fn usage_source(&self) -> Option<&dyn HasUsage>;
}

impl<T: HasUsage> ReportsUsage for T {
    fn usage_source(&self) -> Option<&dyn HasUsage> {
        Some(self)
    }
}

impl<T: HasUsage, E> ReportsUsage for Result<T, E> {
    fn usage_source(&self) -> Option<&dyn HasUsage> {
        match self {
            Ok(v) => Some(v),
            Err(_) => None,
        }
    }
}

/// The chunk types a streaming inference span can read usage from: `T: HasUsage` and
/// `Result<T: HasUsage, E>`.
#[diagnostic::on_unimplemented(
    message = "the stream's items (`{Self}`) report no token usage, which a streaming inference span reads from its chunks",
    label = "this stream item type reports no token usage",
    note = "fix it in one of three ways:\n  1. `#[derive(genai_o11y::HasUsage)]` (or `impl HasUsage`) on the chunk type (usage usually arrives in the last chunk);\n  2. pass `usage = |chunk| genai_o11y::Usage::new().input(..).output(..)` to `#[genai_span]` to read it from a chunk type you do not own;\n  3. write `usage = none` in `#[genai_span]` to record no token usage on purpose"
)]
pub trait ReportsChunkUsage {
    /// The value to read usage from: `None` for an `Err` chunk.
    fn chunk_usage_source(&self) -> Option<&dyn HasUsage>;
}

impl<T: HasUsage> ReportsChunkUsage for T {
    fn chunk_usage_source(&self) -> Option<&dyn HasUsage> {
        Some(self)
    }
}

impl<T: HasUsage, E> ReportsChunkUsage for Result<T, E> {
    fn chunk_usage_source(&self) -> Option<&dyn HasUsage> {
        self.as_ref().ok().map(|v| v as &dyn HasUsage)
    }
}

/// A type the `HasUsage` derive accepts for a token-count field: any integer type, or an
/// `Option` of one. Negative values are treated as not reported.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a token count",
    label = "token fields must be an integer type or an `Option` of one",
    note = "use `#[usage(nested)]` for a field whose type implements `HasUsage`, or `#[usage(skip)]` to ignore it"
)]
pub trait TokenCount {
    /// The count, if reported.
    fn token_count(&self) -> Option<u64>;
}

macro_rules! token_count_unsigned {
    ($($t:ty),*) => {$(
        impl TokenCount for $t { fn token_count(&self) -> Option<u64> { Some(*self as u64) } }
    )*};
}
macro_rules! token_count_signed {
    ($($t:ty),*) => {$(
        impl TokenCount for $t { fn token_count(&self) -> Option<u64> { u64::try_from(*self).ok() } }
    )*};
}
token_count_unsigned!(u8, u16, u32, u64, usize);
token_count_signed!(i8, i16, i32, i64, isize, i128, u128);
impl<T: TokenCount> TokenCount for Option<T> {
    fn token_count(&self) -> Option<u64> {
        self.as_ref().and_then(TokenCount::token_count)
    }
}
impl<T: TokenCount + ?Sized> TokenCount for &T {
    fn token_count(&self) -> Option<u64> {
        (**self).token_count()
    }
}

/// A type the `HasUsage` derive accepts for a `cost` field: `f64`, `f32`, or an `Option` of one.
#[diagnostic::on_unimplemented(message = "`{Self}` is not a cost", label = "a `cost` field must be `f64`, `f32`, or an `Option` of one")]
pub trait CostField {
    /// The amount, if reported.
    fn amount(&self) -> Option<f64>;
}
impl CostField for f64 {
    fn amount(&self) -> Option<f64> {
        Some(*self)
    }
}
impl CostField for f32 {
    fn amount(&self) -> Option<f64> {
        Some(f64::from(*self))
    }
}
impl<T: CostField> CostField for Option<T> {
    fn amount(&self) -> Option<f64> {
        self.as_ref().and_then(CostField::amount)
    }
}

/// A type the `HasUsage` derive accepts for a text field (`id`, `model`, `finish_reason`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a text field",
    label = "`response_id`, `response_model` and `finish_reasons` fields must be `String`, `&str`, an `Option` of one, or (finish reasons) a `Vec` of them"
)]
pub trait TextField {
    /// Every string in the field.
    fn texts(&self) -> Vec<&str>;
    /// The first string, without allocating.
    fn first(&self) -> Option<&str>;
}
impl TextField for String {
    fn texts(&self) -> Vec<&str> {
        vec![self.as_str()]
    }
    fn first(&self) -> Option<&str> {
        Some(self.as_str())
    }
}
impl TextField for str {
    fn texts(&self) -> Vec<&str> {
        vec![self]
    }
    fn first(&self) -> Option<&str> {
        Some(self)
    }
}
impl TextField for std::borrow::Cow<'_, str> {
    fn texts(&self) -> Vec<&str> {
        vec![self.as_ref()]
    }
    fn first(&self) -> Option<&str> {
        Some(self.as_ref())
    }
}
impl TextField for Arc<str> {
    fn texts(&self) -> Vec<&str> {
        vec![self.as_ref()]
    }
    fn first(&self) -> Option<&str> {
        Some(self.as_ref())
    }
}
impl<T: TextField + ?Sized> TextField for &T {
    fn texts(&self) -> Vec<&str> {
        (**self).texts()
    }
    fn first(&self) -> Option<&str> {
        (**self).first()
    }
}
impl<T: TextField> TextField for Option<T> {
    fn texts(&self) -> Vec<&str> {
        self.as_ref().map(TextField::texts).unwrap_or_default()
    }
    fn first(&self) -> Option<&str> {
        self.as_ref().and_then(TextField::first)
    }
}
impl<T: TextField> TextField for Vec<T> {
    fn texts(&self) -> Vec<&str> {
        self.iter().flat_map(TextField::texts).collect()
    }
    fn first(&self) -> Option<&str> {
        self.iter().find_map(TextField::first)
    }
}
impl<T: TextField> TextField for [T] {
    fn texts(&self) -> Vec<&str> {
        self.iter().flat_map(TextField::texts).collect()
    }
    fn first(&self) -> Option<&str> {
        self.iter().find_map(TextField::first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_cache_adds_cache_to_input() {
        let u = Usage::new().input(100).cache_read(40).cache_write(10).input_convention(InputTokens::ExcludesCache);
        assert_eq!(u.spec_input_tokens(), Some(150));
        let u = Usage::new().input(100).cache_read(40);
        assert_eq!(u.spec_input_tokens(), Some(100));
        assert_eq!(Usage::new().spec_input_tokens(), None);
        assert_eq!(Usage::new().cache_read(5).input_convention(InputTokens::ExcludesCache).spec_input_tokens(), Some(5));
    }

    #[test]
    fn absent_counts_stay_absent() {
        assert!(Usage::new().is_empty());
        assert!(!Usage::new().output(0).is_empty());
        let none: Option<Usage> = None;
        assert_eq!(none.usage(), Usage::new());
    }

    #[test]
    fn result_reports_usage_of_ok_only() {
        let ok: Result<Usage, String> = Ok(Usage::new().input(3));
        assert_eq!(ok.usage_source().unwrap().usage().input_tokens, Some(3));
        let err: Result<Usage, String> = Err("x".into());
        assert!(err.usage_source().is_none());
    }

    #[test]
    fn token_counts() {
        assert_eq!(5u8.token_count(), Some(5));
        assert_eq!((-1i32).token_count(), None);
        assert_eq!(Some(7usize).token_count(), Some(7));
        assert_eq!(None::<u32>.token_count(), None);
    }

    #[test]
    fn modality_parts_and_rest() {
        let u = Usage::new().input(300).input_of(Modality::Image, 200).input_of(Modality::Text, 100).cache_read_of(Modality::Text, 40);
        assert_eq!(u.input_by_modality.parts().collect::<Vec<_>>(), vec![(Modality::Text, 100), (Modality::Image, 200)]);
        assert_eq!(u.input_by_modality.rest(u.total_input_tokens()), Some(0));
        assert_eq!(u.total_cache_read_input_tokens(), Some(40), "the sum of the parts when no total is reported");
        assert_eq!(u.with_totals().cache_read_input_tokens, Some(40));
        let parts_only = Usage::new().input_of(Modality::Text, 10).input_of(Modality::Image, 5).with_totals();
        assert_eq!((parts_only.input_tokens, parts_only.output_tokens), (Some(15), None));
        // Only audio reported (OpenAI): the rest is of a modality the provider did not name.
        let u = Usage::new().input(100).input_of(Modality::Audio, 60);
        assert_eq!(u.input_by_modality.rest(u.total_input_tokens()), Some(40));
        assert_eq!(u.input_by_modality.text, None, "text is never derived");
        // Inconsistent parts never make a negative rest.
        assert_eq!(Usage::new().input(10).input_of(Modality::Audio, 60).input_by_modality.rest(Some(10)), Some(0));
        assert!(!Usage::new().output_of(Modality::Audio, 1).is_empty());
        let merged = Usage::new().input_of(Modality::Audio, 5).or(Usage::new().input_of(Modality::Audio, 9).input_of(Modality::Text, 2));
        assert_eq!((merged.input_by_modality.audio, merged.input_by_modality.text), (Some(5), Some(2)));
    }

    #[test]
    fn or_fills_gaps() {
        let a = Usage::new().input(1);
        let b = Usage::new().input(9).output(2);
        assert_eq!(a.or(b), Usage::new().input(1).output(2));
    }
}

//! Content capture: prompts, completions, instructions, tool definitions, tool arguments and
//! results. **Off by default.**
//!
//! * Globally: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` = `true`/`false` or
//!   `NO_CONTENT`/`SPAN_ONLY`/`EVENT_ONLY`/`SPAN_AND_EVENT` (`true` means `SPAN_ONLY`);
//!   `OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT=false` suppresses the
//!   `gen_ai.client.inference.operation.details` event. In code: [`set_capture`](crate::settings::set_capture).
//! * Per function: `#[genai_span(input_messages = req.messages, system_instructions = ...,
//!   tool_definitions = ..., output_messages = |resp| ...)]`; tools capture their (serializable)
//!   arguments and result.
//!
//! When off, nothing is serialized. When on, values are serialized only for spans that are
//! recorded and sampled, normalized to the shapes of the conventions (`[{"role", "parts":
//! [{"type": "text", "content"}]}]`), passed to the redaction hook, truncated to
//! [`CaptureConfig::max_length`] (the JSON stays valid), and recorded as JSON strings.
//! [`Sensitive<T>`] always serializes as `"[REDACTED]"`.
//!
//! Error messages can echo content: when capture is off, the span status description and
//! `exception.message` are left out unless [`CaptureConfig::error_messages`] says otherwise (or
//! the error provides a content-free [`ErrorType::description`](crate::ErrorType::description)).

mod config;
pub mod media;
pub mod normalize;
mod streamed;
mod truncate;

pub use config::{to_json, CaptureConfig, CaptureMode, ContentKind, Redactor, Sensitive, CAPTURE_ENV, EMIT_EVENT_ENV, MEDIA_DIR_ENV, REDACTED};
pub use normalize::normalize;
pub use streamed::StreamedAnswer;
pub use truncate::truncate;

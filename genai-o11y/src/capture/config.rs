//! What to capture, where it goes, the redaction hook, and how values are serialized.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use super::{normalize, truncate};

/// The environment variable that turns capture on.
pub const CAPTURE_ENV: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
/// A directory for the media taken out of captured content (a filesystem uploader).
pub const MEDIA_DIR_ENV: &str = "GENAI_O11Y_MEDIA_DIR";
/// The environment variable that gates the details event.
pub const EMIT_EVENT_ENV: &str = "OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT";

/// Where captured content goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CaptureMode {
    /// Nothing is captured (default).
    #[default]
    NoContent,
    /// Span attributes only.
    SpanOnly,
    /// The `gen_ai.client.inference.operation.details` event only.
    EventOnly,
    /// Both.
    SpanAndEvent,
}

impl CaptureMode {
    /// Parses the values of `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`
    /// (case-insensitive). Unknown values mean no capture.
    pub fn parse(v: &str) -> Self {
        match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "span_only" => CaptureMode::SpanOnly,
            "event_only" => CaptureMode::EventOnly,
            "span_and_event" => CaptureMode::SpanAndEvent,
            _ => CaptureMode::NoContent,
        }
    }
    /// Any capture at all?
    pub fn is_on(self) -> bool {
        self != CaptureMode::NoContent
    }
    /// On spans?
    pub fn on_spans(self) -> bool {
        matches!(self, CaptureMode::SpanOnly | CaptureMode::SpanAndEvent)
    }
    /// In events?
    pub fn in_events(self) -> bool {
        matches!(self, CaptureMode::EventOnly | CaptureMode::SpanAndEvent)
    }
}

/// Which piece of content a value is (passed to the redaction hook).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// `gen_ai.input.messages`
    InputMessages,
    /// `gen_ai.output.messages`
    OutputMessages,
    /// `gen_ai.system_instructions`
    SystemInstructions,
    /// `gen_ai.tool.definitions`
    ToolDefinitions,
    /// `gen_ai.tool.call.arguments`
    ToolCallArguments,
    /// `gen_ai.tool.call.result`
    ToolCallResult,
    /// `gen_ai.retrieval.query.text` (a string)
    RetrievalQuery,
    /// `gen_ai.retrieval.documents`
    RetrievalDocuments,
    /// `gen_ai.memory.query.text` (a string)
    MemoryQuery,
    /// `gen_ai.memory.records`
    MemoryRecords,
    /// `gen_ai.guardrail.content.input.value`: what a guard checked (text, else JSON)
    GuardrailInput,
    /// `gen_ai.guardrail.content.output.value`: what a guard let through (text, else JSON)
    GuardrailOutput,
    /// `gen_ai.prompt.variable.<key>`: the variables of the prompt template, a JSON object
    /// (latest conventions only; one span attribute per variable).
    PromptVariables,
}

/// The registry's name of the `gen_ai.prompt.variable.<key>` template.
const PROMPT_VARIABLE: &str = "gen_ai.prompt.variable";

impl ContentKind {
    pub(crate) fn key(self) -> &'static str {
        use crate::semconv::v1_41 as sc;
        match self {
            ContentKind::InputMessages => sc::GEN_AI_INPUT_MESSAGES,
            ContentKind::OutputMessages => sc::GEN_AI_OUTPUT_MESSAGES,
            ContentKind::SystemInstructions => sc::GEN_AI_SYSTEM_INSTRUCTIONS,
            ContentKind::ToolDefinitions => sc::GEN_AI_TOOL_DEFINITIONS,
            ContentKind::ToolCallArguments => sc::GEN_AI_TOOL_CALL_ARGUMENTS,
            ContentKind::ToolCallResult => sc::GEN_AI_TOOL_CALL_RESULT,
            ContentKind::RetrievalQuery => crate::semconv::retrieval::GEN_AI_RETRIEVAL_QUERY_TEXT,
            ContentKind::RetrievalDocuments => crate::semconv::retrieval::GEN_AI_RETRIEVAL_DOCUMENTS,
            ContentKind::MemoryQuery => crate::semconv::memory::GEN_AI_MEMORY_QUERY_TEXT,
            ContentKind::MemoryRecords => crate::semconv::memory::GEN_AI_MEMORY_RECORDS,
            ContentKind::GuardrailInput => crate::semconv::guardrail::CONTENT_INPUT_VALUE,
            ContentKind::GuardrailOutput => crate::semconv::guardrail::CONTENT_OUTPUT_VALUE,
            ContentKind::PromptVariables => PROMPT_VARIABLE,
        }
    }

    /// Recorded as plain text, not JSON.
    pub(crate) fn is_text(self) -> bool {
        matches!(self, ContentKind::RetrievalQuery | ContentKind::MemoryQuery | ContentKind::GuardrailInput | ContentKind::GuardrailOutput)
    }
}

/// A redaction hook: runs on every captured value before anything is recorded. Mask strings in
/// place, replace the value, or set it to `Json::Null` to drop it.
pub type Redactor = Arc<dyn Fn(ContentKind, &mut Json) + Send + Sync>;

/// Capture settings.
#[derive(Clone)]
pub struct CaptureConfig {
    /// Where content goes.
    pub mode: CaptureMode,
    /// Emit the `gen_ai.client.inference.operation.details` event in the event modes (default
    /// true; `OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT=false` turns it off).
    pub emit_event: bool,
    /// Maximum length of one captured attribute, in bytes of JSON (default 16 KiB).
    pub max_length: usize,
    /// Record error messages (status description, `exception.message`). Default: on when
    /// capture is on, off otherwise, because error messages may echo content.
    pub error_messages: bool,
    /// The redaction hook.
    pub redact: Option<Redactor>,
    /// Where the bytes of media taken out of captured content go (see [`super::media`]); without
    /// one, media is still referenced by its hash and its bytes are not kept.
    pub media: Option<Arc<super::media::MediaSink>>,
}

impl fmt::Debug for CaptureConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureConfig")
            .field("mode", &self.mode)
            .field("emit_event", &self.emit_event)
            .field("max_length", &self.max_length)
            .field("error_messages", &self.error_messages)
            .field("redact", &self.redact.is_some())
            .field("media", &self.media)
            .finish()
    }
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig::new(CaptureMode::NoContent)
    }
}

impl CaptureConfig {
    /// Capture in `mode`, with the defaults.
    pub fn new(mode: CaptureMode) -> Self {
        CaptureConfig { mode, emit_event: true, max_length: 16 * 1024, error_messages: mode.is_on(), redact: None, media: None }
    }
    /// From the environment variables (`GENAI_O11Y_MEDIA_DIR` sets a [`FilesystemUploader`](super::media::FilesystemUploader)
    /// for the media taken out of captured content).
    pub fn from_env() -> Self {
        let mode = std::env::var(CAPTURE_ENV).map(|v| CaptureMode::parse(&v)).unwrap_or_default();
        let mut c = CaptureConfig::new(mode);
        if let Ok(v) = std::env::var(EMIT_EVENT_ENV) {
            c.emit_event = !matches!(v.trim().to_ascii_lowercase().as_str(), "false" | "0");
        }
        if let Some(dir) = std::env::var_os(MEDIA_DIR_ENV).filter(|d| !d.is_empty()) {
            c.media = Some(super::media::MediaSink::new(super::media::FilesystemUploader::new(dir)));
        }
        c
    }
    /// Where the bytes of media (base64 images, audio, files) taken out of captured content go:
    /// `MediaSink::new(FilesystemUploader::new("media"))`, or an uploader of your own.
    pub fn media(mut self, sink: Arc<super::media::MediaSink>) -> Self {
        self.media = Some(sink);
        self
    }
    /// Sets the maximum length of one attribute.
    pub fn max_length(mut self, bytes: usize) -> Self {
        self.max_length = bytes.max(64);
        self
    }
    /// Records error messages (or not).
    pub fn error_messages(mut self, on: bool) -> Self {
        self.error_messages = on;
        self
    }
    /// Sets the redaction hook. Long base64 media (over [`INLINE_MAX`](super::media::INLINE_MAX))
    /// in content captured from a function's arguments reaches it as a short placeholder in its
    /// `blob` part's `content` (the bytes are not copied for the hook); the part becomes a
    /// reference after the hook, and a part the hook removes is never uploaded.
    pub fn redact(mut self, f: impl Fn(ContentKind, &mut Json) + Send + Sync + 'static) -> Self {
        self.redact = Some(Arc::new(f));
        self
    }
    /// Emit the details event in the event modes (or not).
    pub fn emit_event(mut self, on: bool) -> Self {
        self.emit_event = on;
        self
    }

    /// Normalizes, redacts and truncates a value; returns the JSON text to record, and whether
    /// it was truncated. `None` when the hook dropped it.
    pub fn prepare(&self, kind: ContentKind, value: Json) -> Option<(String, bool)> {
        self.prepare_in(kind, value, crate::semconv::Conventions::V1_41)
    }

    /// [`prepare`](Self::prepare) for the schemas of a convention mode: in the latest
    /// conventions an output message has no `finish_reason` of its own (deprecated there: the
    /// reasons are `gen_ai.response.finish_reasons`), while v1.41's schema requires one.
    pub(crate) fn prepare_in(&self, kind: ContentKind, value: Json, conventions: crate::semconv::Conventions) -> Option<(String, bool)> {
        let v = self.normalized_and_redacted(kind, value)?;
        Some(self.finished(kind, v, conventions))
    }

    /// [`prepare_in`](Self::prepare_in) for a borrowed value, serialized here: its long base64
    /// media is hashed where it lies rather than copied into the JSON value (copied only for an
    /// uploader with room for it; see [`super::media::lift`]). `None` when the value cannot be
    /// serialized or the hook dropped it.
    pub(crate) fn prepare_serialized<T: Serialize + ?Sized>(
        &self,
        kind: ContentKind,
        value: &T,
        conventions: crate::semconv::Conventions,
    ) -> Option<(String, bool)> {
        if let Some((json, mut lifted)) = super::media::lift::to_json_lifting(value, self.media.as_deref()) {
            let v = normalize(kind, json);
            if lifted.is_empty() || super::media::lift::all_placed(&v) {
                let v = self.redacted_and_externalized(kind, v, &mut lifted)?;
                return Some(self.finished(kind, v, conventions));
            }
            // Base64 that normalization keeps as text (it was no media part after all): the
            // plain way, so that the record is the same as without lifting.
        }
        self.prepare_in(kind, to_json(value)?, conventions)
    }

    /// The JSON text of a normalized, redacted value, truncated.
    fn finished(&self, kind: ContentKind, mut v: Json, conventions: crate::semconv::Conventions) -> (String, bool) {
        if kind == ContentKind::OutputMessages && conventions == crate::semconv::Conventions::LatestExperimental {
            crate::capture::normalize::without_finish_reasons(&mut v);
        }
        truncate(v, self.max_length)
    }

    /// Normalizes and redacts a value (no truncation). `None` when the hook dropped it.
    pub(crate) fn normalized_and_redacted(&self, kind: ContentKind, value: Json) -> Option<Json> {
        self.redacted_and_externalized(kind, normalize(kind, value), &mut Vec::new())
    }

    /// Runs the redaction hook on a normalized value, then takes its media out. `None` when the
    /// hook dropped it.
    fn redacted_and_externalized(&self, kind: ContentKind, mut v: Json, lifted: &mut super::media::lift::LiftedMedia) -> Option<Json> {
        if let Some(r) = &self.redact {
            // A panicking hook costs this piece of content (it is not recorded), not the call.
            let redacted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                r(kind, &mut v);
                v
            }));
            v = redacted.ok()?;
        }
        if v.is_null() {
            return None;
        }
        // After redaction: what the hook removed is never uploaded.
        super::media::externalize(&mut v, self.media.as_deref(), lifted);
        Some(v)
    }
}

/// A value that is never captured verbatim: it serializes as `"[REDACTED]"` and debug-prints as
/// `Sensitive(..)`. Use it for API keys, personal data, anything that must not reach telemetry.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Sensitive<T>(pub T);

impl<T> Sensitive<T> {
    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Sensitive<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(..)")
    }
}

impl<T> Serialize for Sensitive<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

/// What redacted content is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Serializes a value for capture. `Serialize` is required only where capture is requested. A
/// failing (or panicking) `Serialize` implementation costs the content, not the call.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Option<Json> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serde_json::to_value(value).ok())).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn modes() {
        assert_eq!(CaptureMode::parse("true"), CaptureMode::SpanOnly);
        assert_eq!(CaptureMode::parse("FALSE"), CaptureMode::NoContent);
        assert_eq!(CaptureMode::parse("SPAN_AND_EVENT"), CaptureMode::SpanAndEvent);
        assert_eq!(CaptureMode::parse("event_only"), CaptureMode::EventOnly);
        assert_eq!(CaptureMode::parse("NO_CONTENT"), CaptureMode::NoContent);
        assert_eq!(CaptureMode::parse("garbage"), CaptureMode::NoContent);
    }

    #[test]
    fn sensitive_never_serializes_its_value() {
        #[derive(Serialize)]
        struct Req {
            prompt: String,
            api_key: Sensitive<String>,
        }
        let v = to_json(&Req { prompt: "p".into(), api_key: Sensitive("sk-123".into()) }).unwrap();
        assert_eq!(v, json!({"prompt": "p", "api_key": "[REDACTED]"}));
        assert_eq!(format!("{:?}", Sensitive("sk-123")), "Sensitive(..)");
    }

    #[test]
    fn a_panicking_hook_or_serializer_costs_the_content_only() {
        let c = CaptureConfig::new(CaptureMode::SpanOnly).redact(|_, _| panic!("bug in the hook"));
        assert!(c.prepare(ContentKind::InputMessages, json!("x")).is_none());
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                panic!("bug in Serialize")
            }
        }
        assert!(to_json(&Bad).is_none());
    }

    #[test]
    fn redaction_runs_before_truncation_and_can_drop() {
        let c = CaptureConfig::new(CaptureMode::SpanOnly).redact(|kind, v| {
            if kind == ContentKind::SystemInstructions {
                *v = Json::Null;
            } else if let Some(s) = v.pointer_mut("/0/parts/0/content") {
                *s = json!("***");
            }
        });
        assert_eq!(c.prepare(ContentKind::InputMessages, json!("secret")).unwrap().0, r#"[{"role":"user","parts":[{"type":"text","content":"***"}]}]"#);
        assert!(c.prepare(ContentKind::SystemInstructions, json!("x")).is_none());
    }
}

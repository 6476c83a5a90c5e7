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

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value as Json};

/// The environment variable that turns capture on.
pub const CAPTURE_ENV: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
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
}

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
        }
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
}

impl fmt::Debug for CaptureConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptureConfig")
            .field("mode", &self.mode)
            .field("emit_event", &self.emit_event)
            .field("max_length", &self.max_length)
            .field("error_messages", &self.error_messages)
            .field("redact", &self.redact.is_some())
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
        CaptureConfig { mode, emit_event: true, max_length: 16 * 1024, error_messages: mode.is_on(), redact: None }
    }
    /// From the environment variables.
    pub fn from_env() -> Self {
        let mode = std::env::var(CAPTURE_ENV).map(|v| CaptureMode::parse(&v)).unwrap_or_default();
        let mut c = CaptureConfig::new(mode);
        if let Ok(v) = std::env::var(EMIT_EVENT_ENV) {
            c.emit_event = !matches!(v.trim().to_ascii_lowercase().as_str(), "false" | "0");
        }
        c
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
    /// Sets the redaction hook.
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
        let mut v = normalize(kind, value);
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
        Some(truncate(v, self.max_length))
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

// ------------------------------------------------------------------ normalization

fn text_part(s: &str) -> Json {
    serde_json::json!({"type": "text", "content": s})
}

/// Turns common message shapes into the conventions' shapes:
/// * a string → one message (`user` for input, `assistant` for output) with a text part;
/// * `{"role", "content": "..."}` (OpenAI, Anthropic, most SDKs) → `{"role", "parts": [text]}`;
/// * `content` as a list of OpenAI/Anthropic blocks (`text`, `image_url`, `tool_use`,
///   `tool_result`) → the matching typed parts;
/// * OpenAI `tool_calls` → `tool_call` parts; a `tool` message with `tool_call_id` →
///   a `tool_call_response` part;
/// * anything already in the `{"role", "parts"}` shape is kept.
pub fn normalize(kind: ContentKind, value: Json) -> Json {
    match kind {
        ContentKind::InputMessages | ContentKind::OutputMessages => {
            let default_role = if kind == ContentKind::InputMessages { "user" } else { "assistant" };
            let list = match value {
                Json::Array(a) => a,
                Json::Null => return Json::Null,
                other => vec![other],
            };
            Json::Array(list.into_iter().map(|m| normalize_message(m, default_role)).collect())
        }
        ContentKind::SystemInstructions => match value {
            Json::String(s) => Json::Array(vec![text_part(&s)]),
            Json::Array(a) => Json::Array(a.into_iter().map(|p| if let Json::String(s) = p { text_part(&s) } else { p }).collect()),
            other => other,
        },
        ContentKind::ToolCallArguments | ContentKind::ToolCallResult => match value {
            // The conventions expect an object.
            Json::Object(o) => Json::Object(o),
            Json::Null => Json::Null,
            other => serde_json::json!({ "value": other }),
        },
        ContentKind::ToolDefinitions => value,
    }
}

fn normalize_message(m: Json, default_role: &str) -> Json {
    let mut obj = match m {
        Json::String(s) => return serde_json::json!({"role": default_role, "parts": [text_part(&s)]}),
        Json::Object(o) => o,
        other => return serde_json::json!({"role": default_role, "parts": [{"type": "text", "content": other.to_string()}]}),
    };
    if obj.contains_key("parts") {
        return Json::Object(obj);
    }
    let mut out = Map::new();
    out.insert("role".into(), obj.remove("role").unwrap_or_else(|| Json::String(default_role.into())));
    if let Some(name) = obj.remove("name") {
        out.insert("name".into(), name);
    }
    let mut parts = Vec::new();
    let tool_call_id = obj.remove("tool_call_id");
    match obj.remove("content") {
        Some(Json::String(s)) => match &tool_call_id {
            Some(id) => parts.push(serde_json::json!({"type": "tool_call_response", "id": id, "response": s})),
            None => parts.push(text_part(&s)),
        },
        Some(Json::Array(blocks)) => parts.extend(blocks.into_iter().map(normalize_block)),
        Some(Json::Null) | None => {}
        Some(other) => parts.push(serde_json::json!({"type": "text", "content": other.to_string()})),
    }
    if let Some(Json::Array(calls)) = obj.remove("tool_calls") {
        for c in calls {
            let id = c.get("id").cloned();
            let f = c.get("function").cloned().unwrap_or(Json::Null);
            let name = f.get("name").cloned().or_else(|| c.get("name").cloned()).unwrap_or(Json::Null);
            let args = f.get("arguments").cloned().or_else(|| c.get("arguments").cloned());
            let args = match args {
                Some(Json::String(s)) => serde_json::from_str(&s).unwrap_or(Json::String(s)),
                Some(v) => v,
                None => Json::Null,
            };
            let mut p = Map::new();
            p.insert("type".into(), "tool_call".into());
            if let Some(id) = id {
                p.insert("id".into(), id);
            }
            p.insert("name".into(), name);
            if !args.is_null() {
                p.insert("arguments".into(), args);
            }
            parts.push(Json::Object(p));
        }
    }
    if let Some(fr) = obj.remove("finish_reason") {
        out.insert("finish_reason".into(), fr);
    }
    out.insert("parts".into(), Json::Array(parts));
    Json::Object(out)
}

fn normalize_block(b: Json) -> Json {
    let Json::Object(mut o) = b else {
        return match b {
            Json::String(s) => text_part(&s),
            other => serde_json::json!({"type": "text", "content": other.to_string()}),
        };
    };
    let ty = o.get("type").and_then(Json::as_str).unwrap_or("").to_owned();
    match ty.as_str() {
        "text" | "input_text" | "output_text" => {
            let t = o.remove("text").or_else(|| o.remove("content")).unwrap_or(Json::Null);
            serde_json::json!({"type": "text", "content": t})
        }
        "image_url" => {
            let url = o.get("image_url").and_then(|u| u.get("url").cloned().or_else(|| Some(u.clone()))).unwrap_or(Json::Null);
            serde_json::json!({"type": "uri", "modality": "image", "uri": url})
        }
        "tool_use" => serde_json::json!({"type": "tool_call", "id": o.remove("id"), "name": o.remove("name"), "arguments": o.remove("input")}),
        "tool_result" => serde_json::json!({"type": "tool_call_response", "id": o.remove("tool_use_id"), "response": o.remove("content")}),
        "thinking" | "reasoning" => {
            let t = o.remove("thinking").or_else(|| o.remove("text")).or_else(|| o.remove("content")).unwrap_or(Json::Null);
            serde_json::json!({"type": "reasoning", "content": t})
        }
        _ => Json::Object(o),
    }
}

// ------------------------------------------------------------------ truncation

const MARK: &str = "…[truncated]";

/// Serializes `v` to at most `max` bytes, keeping it valid JSON: long strings are shortened
/// first (longest first, on char boundaries, with a `…[truncated]` mark), then trailing array
/// elements are dropped. Returns the text and whether anything was cut.
pub fn truncate(mut v: Json, max: usize) -> (String, bool) {
    let mut text = v.to_string();
    if text.len() <= max {
        return (text, false);
    }
    // Shorten strings: repeatedly cut the longest string by the excess (bounded iterations).
    for _ in 0..64 {
        let excess = text.len().saturating_sub(max);
        if excess == 0 {
            break;
        }
        let Some(longest) = longest_string(&mut v) else { break };
        let len = longest.len();
        if len <= MARK.len() + 8 {
            break;
        }
        let keep = len.saturating_sub(excess + MARK.len()).max(8).min(len);
        let mut cut = keep;
        while cut > 0 && !longest.is_char_boundary(cut) {
            cut -= 1;
        }
        longest.truncate(cut);
        longest.push_str(MARK);
        text = v.to_string();
    }
    // Then drop trailing elements of the outermost array.
    while text.len() > max {
        match &mut v {
            Json::Array(a) if a.len() > 1 => {
                a.pop();
            }
            _ => break,
        }
        text = v.to_string();
    }
    if text.len() > max {
        // Structure alone is too large: record a valid placeholder instead of broken JSON.
        text = serde_json::json!({"truncated": true, "original_bytes": text.len()}).to_string();
    }
    (text, true)
}

fn longest_string(v: &mut Json) -> Option<&mut String> {
    fn visit<'a>(v: &'a mut Json, best: &mut Option<&'a mut String>) {
        match v {
            Json::String(s) if best.as_ref().is_none_or(|b| s.len() > b.len()) => *best = Some(s),
            Json::Array(a) => a.iter_mut().for_each(|x| visit(x, best)),
            Json::Object(o) => o.values_mut().for_each(|x| visit(x, best)),
            _ => {}
        }
    }
    let mut best = None;
    visit(v, &mut best);
    best
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
    fn openai_messages_become_parts() {
        let v = json!([
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {"url": "https://x/cat.png"}}]},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "rainy"}
        ]);
        assert_eq!(
            normalize(ContentKind::InputMessages, v),
            json!([
                {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
                {"role": "user", "parts": [{"type": "text", "content": "what is this?"}, {"type": "uri", "modality": "image", "uri": "https://x/cat.png"}]},
                {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]},
                {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rainy"}]}
            ])
        );
    }

    #[test]
    fn strings_and_spec_shapes() {
        assert_eq!(normalize(ContentKind::InputMessages, json!("hi")), json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]));
        assert_eq!(normalize(ContentKind::OutputMessages, json!("yo")), json!([{"role": "assistant", "parts": [{"type": "text", "content": "yo"}]}]));
        let spec = json!([{"role": "user", "parts": [{"type": "text", "content": "x"}]}]);
        assert_eq!(normalize(ContentKind::InputMessages, spec.clone()), spec);
        assert_eq!(normalize(ContentKind::SystemInstructions, json!("sys")), json!([{"type": "text", "content": "sys"}]));
        assert_eq!(normalize(ContentKind::ToolCallResult, json!(3)), json!({"value": 3}));
    }

    #[test]
    fn truncation_keeps_json_valid() {
        let long = "é".repeat(5000);
        let v = json!([{"role": "user", "parts": [{"type": "text", "content": long}]}]);
        let (text, cut) = truncate(v, 1000);
        assert!(cut);
        assert!(text.len() <= 1000, "{}", text.len());
        let back: Json = serde_json::from_str(&text).expect("valid JSON");
        let content = back[0]["parts"][0]["content"].as_str().unwrap();
        assert!(content.ends_with(MARK));
        // Many small messages: trailing ones dropped.
        let many: Vec<Json> = (0..500).map(|i| json!({"role": "user", "parts": [{"type": "text", "content": format!("m{i}")}]})).collect();
        let (text, cut) = truncate(Json::Array(many), 2000);
        assert!(cut && text.len() <= 2000);
        assert!(serde_json::from_str::<Json>(&text).unwrap().as_array().unwrap().len() < 500);
        let (text, cut) = truncate(json!({"a": 1}), 100);
        assert_eq!((text.as_str(), cut), ("{\"a\":1}", false));
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

//! Fixtures shared by the behavioural tests: a fake model API and helpers over exported data.
#![allow(dead_code)]

use std::borrow::Cow;
use std::fmt;

use genai_o11y::testing::attr;
use genai_o11y::{ErrorType, HasUsage};
use opentelemetry::trace::{SpanId, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

#[derive(HasUsage, Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub id: String,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    #[usage(cache_read)]
    pub cached: Option<u32>,
    pub finish_reason: Option<String>,
    #[usage(skip)]
    pub text: String,
}

pub fn response(model: &str, text: &str) -> ChatResponse {
    ChatResponse {
        id: "chatcmpl-123".into(),
        model: format!("{model}-2024-08-06"),
        prompt_tokens: 107,
        completion_tokens: 42,
        cached: Some(100),
        finish_reason: Some("stop".into()),
        text: text.into(),
    }
}

#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub model: String,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub prompt: String,
}

pub fn request(model: &str) -> ChatRequest {
    ChatRequest { model: model.into(), temperature: Some(0.7), max_tokens: Some(256), prompt: "hi".into() }
}

/// An error with a mapped, low-cardinality `error.type`.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    RateLimited,
    Timeout,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::RateLimited => f.write_str("rate limited: retry after 20s"),
            ApiError::Timeout => f.write_str("request timed out"),
        }
    }
}
impl std::error::Error for ApiError {}

impl ErrorType for ApiError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ApiError::RateLimited => "429".into(),
            ApiError::Timeout => "timeout".into(),
        }
    }
}

/// An error without a mapping: `error.type` is its type name.
#[derive(Debug)]
pub struct PlainError(pub String);
impl fmt::Display for PlainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plain failure: {}", self.0)
    }
}

/// A writer the test can read back (console and log output).
#[derive(Clone, Default)]
pub struct Buf(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A pipeline that records error messages (off by default while content capture is off).
pub fn with_error_messages() -> genai_o11y::testing::TestTelemetry {
    genai_o11y::testing::TestTelemetry::with_settings(genai_o11y::Settings::default().capture(genai_o11y::CaptureConfig::default().error_messages(true)))
}

pub fn s(v: &str) -> Value {
    Value::String(v.to_owned().into())
}

pub fn string_attr(span: &SpanData, key: &str) -> Option<String> {
    match attr(span, key) {
        Some(Value::String(s)) => Some(s.as_str().to_owned()),
        Some(other) => panic!("{key} is not a string: {other:?}"),
        None => None,
    }
}

pub fn int_attr(span: &SpanData, key: &str) -> Option<i64> {
    match attr(span, key) {
        Some(Value::I64(v)) => Some(*v),
        Some(other) => panic!("{key} is not an i64: {other:?}"),
        None => None,
    }
}

pub fn keys(span: &SpanData) -> Vec<String> {
    let mut k: Vec<String> = span.attributes.iter().map(|kv| kv.key.to_string()).collect();
    k.sort();
    k
}

pub fn is_child_of(child: &SpanData, parent: &SpanData) -> bool {
    child.parent_span_id == parent.span_context.span_id() && child.span_context.trace_id() == parent.span_context.trace_id()
}

pub fn is_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID
}

pub fn error_description(span: &SpanData) -> Option<String> {
    match &span.status {
        Status::Error { description } => Some(description.to_string()),
        _ => None,
    }
}

/// The `exception` events of a span, as (exception.type, exception.message).
pub fn exceptions(span: &SpanData) -> Vec<(String, Option<String>)> {
    span.events
        .iter()
        .filter(|e| e.name == "exception")
        .map(|e| {
            let get = |k: &str| e.attributes.iter().find(|kv| kv.key.as_str() == k).map(|kv| kv.value.to_string());
            (get("exception.type").unwrap_or_default(), get("exception.message"))
        })
        .collect()
}

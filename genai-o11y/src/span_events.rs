//! The span events this crate emits through `tracing`, as the conventions define them.
//!
//! `tracing-opentelemetry` turns every `tracing` event inside a span into a span event and always
//! adds two attributes of its own, `level` and `target`, which no convention defines (the official
//! registry's live check flags them on `gen_ai.evaluation.result` and the rest). The export side
//! tidies the events of this crate (target `genai_o11y`):
//!
//! * a convention event (`gen_ai.*`) loses `level` and `target`: it carries exactly its
//!   convention attributes;
//! * any other (the one-line call summaries of `Setup::log_summaries`, diagnostics) is removed
//!   from the span: it is a log line, which the log pipeline and the console carry, and it only
//!   repeats what the span's own attributes say (`duration_ms` next to the span's duration).
//!
//! The application's own events are left as they are (their target says which module logged).

use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::semconv::tracing_names::TARGET;

const LEVEL: &str = "level";
const TARGET_KEY: &str = "target";
/// The prefix of the conventions' event names (`gen_ai.evaluation.result`, ...).
const CONVENTION_EVENT: &str = "gen_ai.";

/// Tidies the events of this crate on `span` (see the module docs).
pub(crate) fn tidy(span: &mut SpanData) {
    let events = &mut span.events.events;
    if !events.iter().any(is_ours) {
        return;
    }
    events.retain(|e| !is_ours(e) || e.name.starts_with(CONVENTION_EVENT));
    for event in events.iter_mut().filter(|e| is_ours(e)) {
        event.attributes.retain(|kv| !is_tracing_field(&kv.key));
    }
}

fn is_ours(event: &opentelemetry::trace::Event) -> bool {
    event.attributes.iter().any(|kv: &KeyValue| kv.key.as_str() == TARGET_KEY && is_our_target(&kv.value))
}

fn is_our_target(target: &Value) -> bool {
    match target {
        Value::String(s) => s.as_str() == TARGET || s.as_str().starts_with("genai_o11y::"),
        _ => false,
    }
}

fn is_tracing_field(key: &Key) -> bool {
    matches!(key.as_str(), LEVEL | TARGET_KEY)
}

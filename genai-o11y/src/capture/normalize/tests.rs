//! Cross-provider rules: strings, the conventions' own shape, unknown shapes kept as text, and
//! no panic on any input. (Each provider's shapes are tested in its file; the schemas themselves
//! in `tests/tests/content_schemas.rs`.)

use serde_json::{json, Value as Json};

use super::*;
use crate::capture::ContentKind;

pub(crate) const KINDS: [ContentKind; 7] = [
    ContentKind::InputMessages,
    ContentKind::OutputMessages,
    ContentKind::SystemInstructions,
    ContentKind::ToolDefinitions,
    ContentKind::ToolCallArguments,
    ContentKind::ToolCallResult,
    ContentKind::PromptVariables,
];

#[test]
fn strings_and_spec_shapes() {
    assert_eq!(normalize(ContentKind::InputMessages, json!("hi")), json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]));
    assert_eq!(
        normalize(ContentKind::OutputMessages, json!("yo")),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "yo"}], "finish_reason": "stop"}])
    );
    let spec = json!([{"role": "user", "parts": [{"type": "text", "content": "x"}]}]);
    assert_eq!(normalize(ContentKind::InputMessages, spec.clone()), spec);
    let spec_out = json!([{"role": "assistant", "parts": [{"type": "tool_call", "id": "1", "name": "f"}], "finish_reason": "tool_call"}]);
    assert_eq!(normalize(ContentKind::OutputMessages, spec_out.clone()), spec_out);
    assert_eq!(normalize(ContentKind::SystemInstructions, json!("sys")), json!([{"type": "text", "content": "sys"}]));
    assert_eq!(
        normalize(ContentKind::SystemInstructions, json!([{"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}}, "b"])),
        json!([{"type": "text", "content": "a"}, {"type": "text", "content": "b"}])
    );
    assert_eq!(normalize(ContentKind::SystemInstructions, json!({"parts": [{"text": "g"}]})), json!([{"type": "text", "content": "g"}]));
    assert_eq!(normalize(ContentKind::SystemInstructions, json!({"role": "system", "content": "s"})), json!([{"type": "text", "content": "s"}]));
    assert_eq!(normalize(ContentKind::InputMessages, Json::Null), Json::Null);
}

#[test]
fn the_fallback_finish_reason_is_stop_or_tool_call() {
    let out = normalize(
        ContentKind::OutputMessages,
        json!([{"role": "assistant", "content": "a"}, {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{}"}}]}]),
    );
    assert_eq!(out[0]["finish_reason"], FALLBACK_FINISH_REASON);
    assert_eq!(out[1]["finish_reason"], "tool_call");
    // A provider's own value wins, mapped; an unknown value is kept.
    assert_eq!(normalize(ContentKind::OutputMessages, json!({"role": "assistant", "content": "a", "finish_reason": "weird"}))[0]["finish_reason"], "weird");
}

#[test]
fn unknown_shapes_and_invalid_parts_are_kept_as_text() {
    let v = json!([
        {"foo": [1, 2, {"bar": null}]},
        42,
        {"role": "user", "parts": [{"type": "text", "content": 42}, {"no_type": true}, 7, {"type": "uri", "uri": "x"}, {"type": "hologram", "beam": 1}]},
        {"role": "user", "content": [{"type": "image_url"}, {"type": "tool_use", "input": {}}]}
    ]);
    let out = normalize(ContentKind::InputMessages, v);
    assert_eq!(out[0], json!({"role": "user", "parts": [{"type": "text", "content": r#"{"foo":[1,2,{"bar":null}]}"#}]}));
    assert_eq!(out[1], json!({"role": "user", "parts": [{"type": "text", "content": "42"}]}));
    assert_eq!(
        out[2]["parts"],
        json!([
            {"type": "text", "content": r#"{"type":"text","content":42}"#},
            {"type": "text", "content": r#"{"no_type":true}"#},
            {"type": "text", "content": "7"},
            {"type": "text", "content": r#"{"type":"uri","uri":"x"}"#},
            {"type": "text", "content": r#"{"type":"hologram","beam":1}"#}
        ])
    );
    assert_eq!(
        out[3]["parts"],
        json!([{"type": "text", "content": r#"{"type":"image_url"}"#}, {"type": "text", "content": r#"{"type":"tool_use","input":{}}"#}])
    );
    // An unknown message of an output list still gets a finish reason.
    assert_eq!(normalize(ContentKind::OutputMessages, json!([{"x": 1}]))[0]["finish_reason"], "stop");
}

// ------------------------------------------------------------------ property-style

/// A small deterministic generator (xorshift), so failures reproduce.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Keys and strings the normalizers look at, so random values hit their branches.
const KEYS: &[&str] = &[
    "role",
    "content",
    "parts",
    "type",
    "text",
    "message",
    "delta",
    "choices",
    "candidates",
    "contents",
    "messages",
    "input",
    "output",
    "tool_calls",
    "function",
    "function_call",
    "tool_call_id",
    "name",
    "arguments",
    "id",
    "call_id",
    "finish_reason",
    "finishReason",
    "stop_reason",
    "status",
    "image_url",
    "url",
    "input_audio",
    "data",
    "format",
    "source",
    "media_type",
    "tool_use_id",
    "thinking",
    "summary",
    "functionCall",
    "functionResponse",
    "inlineData",
    "fileData",
    "mimeType",
    "fileUri",
    "args",
    "response",
    "tools",
    "functionDeclarations",
    "parameters",
    "input_schema",
    "description",
    "system",
    "instructions",
    "file",
    "file_id",
    "refusal",
    "audio",
    "thought",
    "incomplete_details",
    "modality",
    "uri",
    "server_tool_call",
    "object",
];
const STRINGS: &[&str] = &[
    "user",
    "assistant",
    "model",
    "tool",
    "text",
    "image_url",
    "input_text",
    "output_text",
    "input_image",
    "input_file",
    "function_call",
    "function_call_output",
    "reasoning",
    "message",
    "tool_use",
    "tool_result",
    "thinking",
    "image",
    "document",
    "base64",
    "url",
    "web_search_call",
    "web_search_tool_result",
    "server_tool_use",
    "function",
    "custom",
    "tool_call",
    "tool_call_response",
    "blob",
    "uri",
    "file",
    "refusal",
    "stop",
    "tool_calls",
    "end_turn",
    "STOP",
    "SAFETY",
    "OBJECT",
    "incomplete",
    "completed",
    "response",
    "data:image/png;base64,AAAA",
    "{\"a\":1}",
    "[1]",
    "",
    "é…",
    "summary_text",
    "input_audio",
    "server_tool_call",
];

pub(crate) fn random_json(r: &mut Rng, depth: usize) -> Json {
    match r.below(if depth == 0 { 5 } else { 8 }) {
        0 => Json::Null,
        1 => Json::Bool(r.below(2) == 0),
        2 => json!(r.next() as i64 % 1000),
        3 => Json::String(STRINGS[r.below(STRINGS.len())].to_owned()),
        4 => json!(-0.5),
        5 | 6 => {
            let mut m = serde_json::Map::new();
            for _ in 0..r.below(5) {
                m.insert(KEYS[r.below(KEYS.len())].to_owned(), random_json(r, depth - 1));
            }
            Json::Object(m)
        }
        _ => Json::Array((0..r.below(4)).map(|_| random_json(r, depth - 1)).collect()),
    }
}

/// The structure the schemas require, checked without a validator (the tests crate validates
/// against the schemas themselves).
fn well_formed(kind: ContentKind, v: &Json) -> Result<(), String> {
    let parts_ok = |parts: &Json| parts.as_array().is_some_and(|p| p.iter().all(valid_part));
    match kind {
        ContentKind::InputMessages | ContentKind::OutputMessages => {
            let list = v.as_array().ok_or("not an array")?;
            for m in list {
                let ok = m["role"].is_string() && parts_ok(&m["parts"]) && (kind == ContentKind::InputMessages || m["finish_reason"].is_string());
                if !ok {
                    return Err(format!("bad message {m}"));
                }
            }
        }
        ContentKind::SystemInstructions => {
            if !parts_ok(v) {
                return Err("bad parts".into());
            }
        }
        ContentKind::ToolDefinitions => {
            let list = v.as_array().ok_or("not an array")?;
            for d in list {
                let params_ok = d.get("parameters").is_none_or(|p| p.is_object() || p.is_boolean());
                if !(d["type"].is_string() && d["name"].is_string() && params_ok) {
                    return Err(format!("bad definition {d}"));
                }
            }
        }
        ContentKind::ToolCallArguments
        | ContentKind::ToolCallResult
        | ContentKind::RetrievalQuery
        | ContentKind::RetrievalDocuments
        | ContentKind::MemoryQuery
        | ContentKind::MemoryRecords
        | ContentKind::GuardrailInput
        | ContentKind::GuardrailOutput => {}
        ContentKind::PromptVariables => {
            let ok = v.is_null() || v.as_object().is_some_and(|o| o.iter().all(|(k, v)| !k.is_empty() && v.is_string()));
            if !ok {
                return Err(format!("bad prompt variables {v}"));
            }
        }
    }
    Ok(())
}

#[test]
fn any_json_value_normalizes_without_panic_to_a_well_formed_value() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..20_000 {
        let v = random_json(&mut r, 5);
        for kind in KINDS {
            let out = normalize(kind, v.clone());
            if v.is_null() {
                assert!(out.is_null());
                continue;
            }
            if let Err(e) = well_formed(kind, &out) {
                panic!("case {case}, {kind:?}: {e}\ninput: {v}\noutput: {out}");
            }
        }
    }
}

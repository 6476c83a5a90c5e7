//! Gemini `generateContent`: contents (`{"role", "parts"}`, untyped parts `text`, `functionCall`,
//! `functionResponse`, `inlineData`, `fileData`, in camelCase or the SDKs' snake_case), candidates
//! (`{"content", "finishReason"}`) and `finishReason`. A message already in the conventions'
//! shape (`{"role", "parts": [{"type", ...}]}`) is read here too: its typed parts go through
//! `super::part` like any other.

use serde_json::Value as Json;

use super::openai_chat::tool_call_response;
use super::{blob, finish_reason as any_finish_reason, id, json_text, msg, obj, part as any_part, role, take_any, take_string, text, url_part, Obj, Side};

/// `{"role": "user" | "model", "parts": [...]}` (or the conventions' shape).
pub(crate) fn content(mut o: Obj, side: Side) -> Json {
    let role = role(&mut o, side);
    let name = o.remove("name");
    let parts = match o.remove("parts") {
        Some(Json::Array(parts)) => parts.into_iter().map(any_part).collect(),
        Some(Json::Null) | None => Vec::new(),
        Some(other) => vec![any_part(other)],
    };
    let finish = take_any(&mut o, &["finish_reason", "finishReason"]).as_ref().and_then(any_finish_reason);
    let mut m = msg(role, name, parts, finish);
    // Anything else a conventions-shaped message carries (the schema allows more properties).
    if let Json::Object(m) = &mut m {
        for (k, v) in o {
            m.entry(k).or_insert(v);
        }
    }
    m
}

/// A candidate `{"content": {...}, "finishReason": "STOP", "index", "safetyRatings"}`. A
/// candidate blocked by a safety filter has no content: an empty message with its finish reason.
pub(crate) fn candidate(mut o: Obj, side: Side) -> Json {
    let finish = take_any(&mut o, &["finishReason", "finish_reason"]).as_ref().and_then(any_finish_reason);
    let mut m = match o.remove("content") {
        Some(Json::Object(c)) => content(c, side),
        None | Some(Json::Null) => msg(side.role(), None, Vec::new(), None),
        Some(other) => msg(side.role(), None, vec![any_part(other)], None),
    };
    if let (Some(fr), Json::Object(m)) = (finish, &mut m) {
        m.insert("finish_reason".into(), Json::String(fr));
    }
    m
}

/// An untyped part.
pub(crate) fn part(mut o: Obj) -> Json {
    if o.get("text").is_some_and(Json::is_string) {
        let t = take_string(&mut o, "text").unwrap_or_default();
        return if o.get("thought") == Some(&Json::Bool(true)) {
            obj([("type", Some("reasoning".into())), ("content", Some(Json::String(t)))])
        } else {
            text(t)
        };
    }
    if let Some(Json::Object(mut call)) = take_any(&mut o, &["functionCall", "function_call"]) {
        let Some(name) = take_string(&mut call, "name") else { return json_text(&Json::Object(call)) };
        return obj([
            ("type", Some("tool_call".into())),
            ("id", id(call.remove("id"))),
            ("name", Some(Json::String(name))),
            ("arguments", call.remove("args")),
        ]);
    }
    if let Some(Json::Object(mut resp)) = take_any(&mut o, &["functionResponse", "function_response"]) {
        let call_id = id(resp.remove("id"));
        let name = resp.remove("name");
        let mut p = tool_call_response(call_id, resp.remove("response").unwrap_or(Json::Null));
        if let (Some(Json::String(n)), Json::Object(p)) = (name, &mut p) {
            p.insert("name".into(), Json::String(n));
        }
        return p;
    }
    if let Some(Json::Object(mut data)) = take_any(&mut o, &["inlineData", "inline_data"]) {
        let mime = match take_any(&mut data, &["mimeType", "mime_type"]) {
            Some(Json::String(m)) => Some(m),
            _ => None,
        };
        return match take_string(&mut data, "data") {
            Some(d) => blob(mime, "document", d),
            None => json_text(&Json::Object(data)),
        };
    }
    if let Some(Json::Object(mut file)) = take_any(&mut o, &["fileData", "file_data"]) {
        let mime = match take_any(&mut file, &["mimeType", "mime_type"]) {
            Some(Json::String(m)) => Some(m),
            _ => None,
        };
        return match take_any(&mut file, &["fileUri", "file_uri"]) {
            Some(Json::String(uri)) => url_part(uri, "document", mime),
            _ => json_text(&Json::Object(file)),
        };
    }
    json_text(&Json::Object(o))
}

/// `STOP` → `stop`; `MAX_TOKENS` → `length`; `SAFETY`, `RECITATION`, `BLOCKLIST`,
/// `PROHIBITED_CONTENT`, `SPII`, `IMAGE_SAFETY` → `content_filter`; `MALFORMED_FUNCTION_CALL`,
/// `UNEXPECTED_TOOL_CALL` → `error`; others lower-cased.
pub(crate) fn finish_reason(s: &str) -> Option<&'static str> {
    match s {
        "STOP" => Some("stop"),
        "MAX_TOKENS" => Some("length"),
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" | "IMAGE_PROHIBITED_CONTENT" | "IMAGE_RECITATION" => {
            Some("content_filter")
        }
        "MALFORMED_FUNCTION_CALL" | "UNEXPECTED_TOOL_CALL" => Some("error"),
        "LANGUAGE" => Some("language"),
        "OTHER" => Some("other"),
        "FINISH_REASON_UNSPECIFIED" => Some("unspecified"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::capture::{normalize, ContentKind};

    #[test]
    fn contents_and_candidates() {
        let req = json!({"contents": [
            {"role": "user", "parts": [{"text": "What is in this picture?"}, {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]},
            {"role": "model", "parts": [{"functionCall": {"name": "lookup", "args": {"q": "cat"}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "lookup", "response": {"result": "a cat"}}}]}
        ]});
        assert_eq!(
            normalize(ContentKind::InputMessages, req),
            json!([
                {"role": "user", "parts": [{"type": "text", "content": "What is in this picture?"}, {"type": "blob", "mime_type": "image/png", "modality": "image", "content": "iVBORw0KGgo="}]},
                {"role": "assistant", "parts": [{"type": "tool_call", "name": "lookup", "arguments": {"q": "cat"}}]},
                {"role": "user", "parts": [{"type": "tool_call_response", "response": {"result": "a cat"}, "name": "lookup"}]}
            ])
        );
        let resp = json!({"candidates": [
            {"content": {"role": "model", "parts": [{"text": "A cat.", "thoughtSignature": "x"}]}, "finishReason": "STOP", "index": 0},
            {"finishReason": "SAFETY", "index": 1}
        ], "usageMetadata": {"promptTokenCount": 5}});
        assert_eq!(
            normalize(ContentKind::OutputMessages, resp),
            json!([
                {"role": "assistant", "parts": [{"type": "text", "content": "A cat."}], "finish_reason": "stop"},
                {"role": "assistant", "parts": [], "finish_reason": "content_filter"}
            ])
        );
    }
}

//! Anthropic Messages API: content blocks (`text` is shared, see `super::part`; `image`,
//! `document`, `tool_use`, `tool_result`, `thinking`, `server_tool_use`, `*_tool_result`) and
//! `stop_reason`. Messages themselves (`{"role", "content", "stop_reason"}`) have the chat shape
//! (`openai_chat::message`).

use serde_json::Value as Json;

use super::openai_chat::tool_call_response;
use super::{blob, file_part, id, json_text, obj, part as any_part, take_string, text, url_part, Obj};

/// One block.
pub(crate) fn part(ty: &str, mut o: Obj) -> Json {
    match ty {
        "image" | "document" => match o.remove("source") {
            Some(Json::Object(source)) => source_part(ty, source, o),
            other => {
                if let Some(s) = other {
                    o.insert("source".into(), s);
                }
                json_text(&Json::Object(o))
            }
        },
        "tool_use" => {
            let Some(name) = take_string(&mut o, "name") else { return json_text(&Json::Object(o)) };
            obj([("type", Some("tool_call".into())), ("id", id(o.remove("id"))), ("name", Some(Json::String(name))), ("arguments", o.remove("input"))])
        }
        "server_tool_use" => {
            let Some(name) = take_string(&mut o, "name") else { return json_text(&Json::Object(o)) };
            let details = obj([("type", Some(Json::String(name.clone()))), ("input", o.remove("input"))]);
            obj([
                ("type", Some("server_tool_call".into())),
                ("id", id(o.remove("id"))),
                ("name", Some(Json::String(name))),
                ("server_tool_call", Some(details)),
            ])
        }
        "tool_result" => {
            let call_id = id(o.remove("tool_use_id"));
            let response = match o.remove("content") {
                Some(Json::String(s)) => Json::String(s),
                // Text blocks joined; other blocks (images) as parts.
                Some(Json::Array(blocks)) if blocks.iter().all(|b| b.get("type").and_then(Json::as_str) == Some("text")) => {
                    Json::String(blocks.iter().filter_map(|b| b.get("text").and_then(Json::as_str)).collect::<Vec<_>>().join(""))
                }
                Some(Json::Array(blocks)) => Json::Array(blocks.into_iter().map(any_part).collect()),
                Some(other) => other,
                None => Json::Null,
            };
            let mut p = tool_call_response(call_id, response);
            if let (Some(Json::Bool(true)), Json::Object(p)) = (o.remove("is_error"), &mut p) {
                p.insert("is_error".into(), Json::Bool(true));
            }
            p
        }
        "thinking" if o.get("thinking").is_some_and(Json::is_string) => {
            obj([("type", Some("reasoning".into())), ("content", take_string(&mut o, "thinking").map(Json::String))])
        }
        // `web_search_tool_result`, `code_execution_tool_result`, ...: a server tool's outcome.
        t if t.ends_with("_tool_result") => {
            let call_id = id(o.remove("tool_use_id"));
            obj([("type", Some("server_tool_call_response".into())), ("id", call_id), ("server_tool_call_response", Some(Json::Object(o)))])
        }
        _ => json_text(&Json::Object(o)),
    }
}

/// `{"source": {"type": "base64", "media_type", "data"}}`, `{"type": "url", "url"}`,
/// `{"type": "file", "file_id"}`, `{"type": "text", "data"}` (plain-text documents).
fn source_part(ty: &str, mut source: Obj, mut block: Obj) -> Json {
    let modality = if ty == "image" { "image" } else { "document" };
    let mime = take_string(&mut source, "media_type");
    match source.get("type").and_then(Json::as_str) {
        Some("base64") if source.get("data").is_some_and(Json::is_string) => blob(mime, modality, take_string(&mut source, "data").unwrap_or_default()),
        Some("url") if source.get("url").is_some_and(Json::is_string) => url_part(take_string(&mut source, "url").unwrap_or_default(), modality, mime),
        Some("file") if source.get("file_id").is_some_and(Json::is_string) => {
            file_part(take_string(&mut source, "file_id").unwrap_or_default(), modality, mime)
        }
        Some("text") if source.get("data").is_some_and(Json::is_string) => text(take_string(&mut source, "data").unwrap_or_default()),
        _ => {
            if let Some(m) = mime {
                source.insert("media_type".into(), Json::String(m));
            }
            block.insert("source".into(), Json::Object(source));
            json_text(&Json::Object(block))
        }
    }
}

/// `end_turn`, `stop_sequence`, `pause_turn` → `stop`; `max_tokens`,
/// `model_context_window_exceeded` → `length`; `tool_use` → `tool_call`; `refusal` →
/// `content_filter`.
pub(crate) fn finish_reason(s: &str) -> Option<&'static str> {
    match s {
        "end_turn" | "stop_sequence" | "pause_turn" => Some("stop"),
        "max_tokens" | "model_context_window_exceeded" => Some("length"),
        "tool_use" => Some("tool_call"),
        "refusal" => Some("content_filter"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::capture::{normalize, ContentKind};

    #[test]
    fn blocks_and_stop_reason() {
        let input = json!([
            {"role": "user", "content": [
                {"type": "text", "text": "Describe this and check the weather."},
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"}},
                {"type": "document", "source": {"type": "url", "url": "https://x/report.pdf"}}
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "The user wants weather.", "signature": "sig"},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "rainy"}]}]}
        ]);
        assert_eq!(
            normalize(ContentKind::InputMessages, input),
            json!([
                {"role": "user", "parts": [
                    {"type": "text", "content": "Describe this and check the weather."},
                    {"type": "blob", "mime_type": "image/jpeg", "modality": "image", "content": "/9j/4AAQ"},
                    {"type": "uri", "modality": "document", "uri": "https://x/report.pdf"}
                ]},
                {"role": "assistant", "parts": [
                    {"type": "reasoning", "content": "The user wants weather."},
                    {"type": "tool_call", "id": "toolu_1", "name": "get_weather", "arguments": {"city": "Paris"}}
                ]},
                {"role": "user", "parts": [{"type": "tool_call_response", "id": "toolu_1", "response": "rainy"}]}
            ])
        );
        let resp = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "Rainy."}], "stop_reason": "max_tokens", "stop_sequence": null, "usage": {"input_tokens": 3}});
        assert_eq!(
            normalize(ContentKind::OutputMessages, resp),
            json!([{"role": "assistant", "parts": [{"type": "text", "content": "Rainy."}], "finish_reason": "length"}])
        );
    }
}

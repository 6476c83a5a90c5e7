//! OpenAI Chat Completions: request messages, content parts, `tool_calls`, the `tool` role, and
//! responses (`choices[]`). The `{"role", "content"}` message shape is shared by Anthropic's
//! Messages API (its blocks are read by [`super::anthropic`], its `stop_reason` mapped there) and
//! by most SDKs and gateways.

use serde_json::Value as Json;

use super::{
    arguments, file_part, finish_reason as any_finish_reason, id, json_text, msg, obj, part as any_part, role, take_any, take_string, text, url_part, Obj, Side,
};

/// A message `{"role", "content", "tool_calls", "tool_call_id", "refusal", "audio", "name"}` (also
/// Anthropic's `{"role", "content", "stop_reason"}` and the Responses API's `{"type": "message"}`).
pub(crate) fn message(mut o: Obj, side: Side) -> Json {
    let role = role(&mut o, side);
    let name = o.remove("name");
    let tool_call_id = id(o.remove("tool_call_id"));
    let mut parts = Vec::new();
    match (o.remove("content"), tool_call_id.clone()) {
        (None | Some(Json::Null), None) => {}
        (None | Some(Json::Null), Some(id)) => parts.push(tool_call_response(Some(id), Json::Null)),
        // A `tool` message: the result of the call it names.
        (Some(content), Some(id)) => parts.push(tool_call_response(Some(id), tool_content(content))),
        (Some(Json::String(s)), None) => parts.push(text(s)),
        (Some(Json::Array(blocks)), None) => parts.extend(blocks.into_iter().map(any_part)),
        (Some(other), None) => parts.push(any_part(other)),
    }
    if let Some(r) = take_string(&mut o, "refusal") {
        parts.push(text(r));
    }
    if let Some(Json::Object(mut audio)) = o.remove("audio") {
        if let Some(t) = take_string(&mut audio, "transcript") {
            parts.push(text(t));
        }
        if let Some(data) = take_string(&mut audio, "data") {
            parts.push(super::blob(None, "audio", data));
        }
    }
    match o.remove("tool_calls") {
        Some(Json::Array(calls)) => parts.extend(calls.into_iter().map(tool_call)),
        None | Some(Json::Null) => {}
        Some(other) => parts.push(json_text(&other)),
    }
    if let Some(f) = o.remove("function_call").filter(|f| !f.is_null()) {
        parts.push(tool_call(serde_json::json!({ "function": f })));
    }
    let finish = o.remove("finish_reason").or_else(|| o.remove("stop_reason")).as_ref().and_then(any_finish_reason);
    if parts.is_empty() {
        // Nothing recognized, but something there: keep it.
        o.retain(|k, v| !v.is_null() && !matches!(k.as_str(), "type" | "id" | "status" | "annotations" | "stop_sequence" | "model" | "usage"));
        if !o.is_empty() {
            parts.push(json_text(&Json::Object(o)));
        }
    }
    msg(role, name, parts, finish)
}

/// One choice `{"index", "message" | "delta", "finish_reason"}`.
pub(crate) fn choice(mut o: Obj, side: Side) -> Json {
    let finish = o.remove("finish_reason").as_ref().and_then(any_finish_reason);
    let Some(Json::Object(m)) = o.remove("message").or_else(|| o.remove("delta")) else {
        return msg(side.role(), None, vec![json_text(&Json::Object(o))], finish);
    };
    let mut out = message(m, side);
    if let (Some(fr), Json::Object(out)) = (finish, &mut out) {
        out.insert("finish_reason".into(), Json::String(fr));
    }
    out
}

/// `{"id", "type": "function", "function": {"name", "arguments": "<JSON>"}}` (or `custom` with
/// `input`) → a `tool_call` part.
fn tool_call(c: Json) -> Json {
    let Json::Object(mut c) = c else { return json_text(&c) };
    let call_id = id(c.remove("id"));
    let f = match c.remove("function").or_else(|| c.remove("custom")) {
        Some(Json::Object(f)) => f,
        Some(other) => {
            c.insert("function".into(), other);
            return json_text(&Json::Object(c));
        }
        None => c,
    };
    let mut f = f;
    let Some(name) = take_string(&mut f, "name") else {
        return json_text(&Json::Object(f));
    };
    let args = arguments(take_any(&mut f, &["arguments", "input"]));
    obj([("type", Some("tool_call".into())), ("id", call_id), ("name", Some(Json::String(name))), ("arguments", args)])
}

pub(crate) fn tool_call_response(call_id: Option<Json>, response: Json) -> Json {
    obj([("type", Some("tool_call_response".into())), ("id", call_id), ("response", Some(response))])
}

/// The content of a `tool` message: a string stays a string; text parts are joined.
fn tool_content(content: Json) -> Json {
    match content {
        Json::Array(blocks) if blocks.iter().all(|b| b.get("text").is_some_and(Json::is_string)) => {
            Json::String(blocks.iter().filter_map(|b| b.get("text").and_then(Json::as_str)).collect::<Vec<_>>().join(""))
        }
        other => other,
    }
}

/// Chat content parts: `image_url`, `input_audio`, `file`, `refusal`.
pub(crate) fn part(ty: &str, mut o: Obj) -> Json {
    match (ty, o.remove(ty)) {
        ("image_url", Some(Json::String(url))) => url_part(url, "image", None),
        ("image_url", Some(Json::Object(mut u))) if u.get("url").is_some_and(Json::is_string) => {
            url_part(take_string(&mut u, "url").unwrap_or_default(), "image", None)
        }
        ("input_audio", Some(Json::Object(mut a))) if a.get("data").is_some_and(Json::is_string) => {
            let mime = take_string(&mut a, "format").map(|f| format!("audio/{f}"));
            super::blob(mime, "audio", take_string(&mut a, "data").unwrap_or_default())
        }
        ("refusal", Some(Json::String(r))) => text(r),
        ("file", Some(Json::Object(mut f))) => {
            if let Some(file_id) = take_string(&mut f, "file_id") {
                file_part(file_id, "document", None)
            } else if let Some(data) = take_string(&mut f, "file_data") {
                match super::split_data_url(data) {
                    Ok((mime, d)) => super::blob(Some(mime), "document", d),
                    Err(data) => super::blob(None, "document", data),
                }
            } else {
                json_text(&Json::Object(f))
            }
        }
        (_, value) => {
            if let Some(v) = value {
                o.insert(ty.to_owned(), v);
            }
            o.insert("type".into(), Json::String(ty.to_owned()));
            json_text(&Json::Object(o))
        }
    }
}

/// `tool_calls` / `function_call` → `tool_call`; `stop`, `length`, `content_filter` are already
/// the conventions' values.
pub(crate) fn finish_reason(s: &str) -> Option<&'static str> {
    match s {
        "stop" => Some("stop"),
        "length" => Some("length"),
        "content_filter" => Some("content_filter"),
        "tool_calls" | "function_call" | "tool_call" => Some("tool_call"),
        "error" => Some("error"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::capture::{normalize, ContentKind};

    #[test]
    fn request_messages_with_parts_tool_calls_and_tool_results() {
        let v = json!([
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": "https://x/cat.png", "detail": "low"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
            ]},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "rainy"},
            {"role": "assistant", "content": [{"type": "refusal", "refusal": "I can't help with that."}]}
        ]);
        assert_eq!(
            normalize(ContentKind::InputMessages, v),
            json!([
                {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
                {"role": "user", "parts": [
                    {"type": "text", "content": "what is this?"},
                    {"type": "uri", "modality": "image", "uri": "https://x/cat.png"},
                    {"type": "blob", "mime_type": "image/png", "modality": "image", "content": "iVBORw0KGgo="},
                    {"type": "blob", "mime_type": "audio/wav", "modality": "audio", "content": "UklGRg=="}
                ]},
                {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]},
                {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rainy"}]},
                {"role": "assistant", "parts": [{"type": "text", "content": "I can't help with that."}]}
            ])
        );
    }

    #[test]
    fn responses_unwrap_choices_and_map_finish_reasons() {
        let resp = json!({"id": "chatcmpl-1", "object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "It is sunny.", "refusal": null, "annotations": []}, "finish_reason": "stop", "logprobs": null},
            {"index": 1, "message": {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}
        ]});
        assert_eq!(
            normalize(ContentKind::OutputMessages, resp.clone()),
            json!([
                {"role": "assistant", "parts": [{"type": "text", "content": "It is sunny."}], "finish_reason": "stop"},
                {"role": "assistant", "parts": [{"type": "tool_call", "id": "c", "name": "f", "arguments": {}}], "finish_reason": "tool_call"}
            ])
        );
        // `resp.choices` and a single choice give the same messages.
        assert_eq!(normalize(ContentKind::OutputMessages, resp["choices"].clone()), normalize(ContentKind::OutputMessages, resp.clone()));
        assert_eq!(
            normalize(ContentKind::OutputMessages, resp["choices"][0].clone()),
            json!([{"role": "assistant", "parts": [{"type": "text", "content": "It is sunny."}], "finish_reason": "stop"}])
        );
        // A bare message: the documented fallback.
        assert_eq!(
            normalize(ContentKind::OutputMessages, json!({"role": "assistant", "content": "hi"})),
            json!([{"role": "assistant", "parts": [{"type": "text", "content": "hi"}], "finish_reason": "stop"}])
        );
    }
}

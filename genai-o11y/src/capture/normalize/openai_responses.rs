//! OpenAI Responses API: input and output items (`message`, `function_call`,
//! `function_call_output`, `reasoning`, built-in `*_call`), their content parts, and the response
//! object, whose output items become one output message.

use serde_json::Value as Json;

use super::openai_chat::tool_call_response;
use super::{arguments, file_part, id, json_text, msg, obj, part as any_part, take_any, take_string, text, url_part, Obj, Side};

/// Items that are not messages: calls, call outputs, reasoning. (`message` items have the chat
/// message shape and are read as such.)
pub(crate) fn is_item(o: &Obj) -> bool {
    match o.get("type").and_then(Json::as_str) {
        Some("function_call" | "function_call_output" | "reasoning" | "custom_tool_call" | "custom_tool_call_output") => true,
        Some(t) => t.ends_with("_call") || t.ends_with("_call_output"),
        None => false,
    }
}

/// A list of output items of one response (`response.output`), to merge into one message.
pub(crate) fn is_output_list(items: &[Json]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.as_object().is_some_and(|o| is_item(o) || o.get("type").and_then(Json::as_str) == Some("message") && !o.contains_key("stop_reason")))
}

/// One item.
pub(crate) fn item(mut o: Obj, side: Side) -> Json {
    let ty = o.get("type").and_then(Json::as_str).unwrap_or_default().to_owned();
    let assistant = || Json::String("assistant".into());
    match ty.as_str() {
        "function_call" | "custom_tool_call" => msg(assistant(), None, vec![call(o)], None),
        "reasoning" => msg(assistant(), None, reasoning(o), None),
        t if t.ends_with("_call_output") => {
            let call_id = id(take_any(&mut o, &["call_id", "id"]));
            let response = o.remove("output").unwrap_or(Json::Null);
            msg(Json::String("tool".into()), None, vec![tool_call_response(call_id, response)], None)
        }
        t if t.ends_with("_call") => msg(assistant(), None, vec![server_call(o)], None),
        _ => msg(side.role(), None, vec![json_text(&Json::Object(o))], None),
    }
}

/// `{"type": "function_call", "call_id", "name", "arguments": "<JSON>"}` → `tool_call` (the id is
/// `call_id`, which `function_call_output` refers to).
fn call(mut o: Obj) -> Json {
    let Some(name) = take_string(&mut o, "name") else { return json_text(&Json::Object(o)) };
    let call_id = id(take_any(&mut o, &["call_id", "id"]));
    let args = arguments(take_any(&mut o, &["arguments", "input"]));
    obj([("type", Some("tool_call".into())), ("id", call_id), ("name", Some(Json::String(name))), ("arguments", args)])
}

/// A built-in tool's call (`web_search_call`, `file_search_call`, `code_interpreter_call`, ...)
/// → `server_tool_call`, its details kept.
fn server_call(mut o: Obj) -> Json {
    let call_id = id(o.remove("id"));
    let ty = o.get("type").and_then(Json::as_str).unwrap_or_default();
    let name = ty.strip_suffix("_call").unwrap_or(ty).to_owned();
    obj([("type", Some("server_tool_call".into())), ("id", call_id), ("name", Some(Json::String(name))), ("server_tool_call", Some(Json::Object(o)))])
}

/// `{"type": "reasoning", "summary": [{"type": "summary_text", "text"}], "content": [...]}` →
/// reasoning parts (none when the model returned no summary).
fn reasoning(mut o: Obj) -> Vec<Json> {
    let mut parts = Vec::new();
    for key in ["summary", "content"] {
        match o.remove(key) {
            Some(Json::Array(items)) => parts.extend(items.into_iter().map(|s| match s {
                Json::Object(mut s) if s.get("text").is_some_and(Json::is_string) => reasoning_part(take_string(&mut s, "text").unwrap_or_default()),
                Json::String(s) => reasoning_part(s),
                other => json_text(&other),
            })),
            Some(Json::String(s)) => parts.push(reasoning_part(s)),
            _ => {}
        }
    }
    parts
}

fn reasoning_part(s: String) -> Json {
    obj([("type", Some("reasoning".into())), ("content", Some(Json::String(s)))])
}

/// Content parts: `input_text`, `output_text`, `input_image`, `input_file`, `summary_text`,
/// `reasoning_text`.
pub(crate) fn part(ty: &str, mut o: Obj) -> Json {
    match ty {
        "input_text" | "output_text" if o.get("text").is_some_and(Json::is_string) => text(take_string(&mut o, "text").unwrap_or_default()),
        "summary_text" | "reasoning_text" if o.get("text").is_some_and(Json::is_string) => reasoning_part(take_string(&mut o, "text").unwrap_or_default()),
        "input_image" => {
            if let Some(url) = take_string(&mut o, "image_url") {
                url_part(url, "image", None)
            } else if let Some(file_id) = take_string(&mut o, "file_id") {
                file_part(file_id, "image", None)
            } else {
                json_text(&Json::Object(o))
            }
        }
        "input_file" => {
            if let Some(file_id) = take_string(&mut o, "file_id") {
                file_part(file_id, "document", None)
            } else if let Some(url) = take_string(&mut o, "file_url") {
                url_part(url, "document", None)
            } else if let Some(data) = take_string(&mut o, "file_data") {
                match super::split_data_url(data) {
                    Ok((mime, d)) => super::blob(Some(mime), "document", d),
                    Err(data) => super::blob(None, "document", data),
                }
            } else {
                json_text(&Json::Object(o))
            }
        }
        _ => json_text(&Json::Object(o)),
    }
}

/// The output items of one response as one assistant message. The finish reason comes from the
/// response's `status` (`incomplete` → its `incomplete_details.reason`: `max_output_tokens` →
/// `length`, `content_filter`; `failed` → `error`), else `tool_call` when a function was called,
/// else `stop`.
pub(crate) fn merged_output(items: Vec<Json>, response: Option<&Obj>) -> Json {
    let mut parts = Vec::new();
    for i in items {
        match i {
            Json::Object(o) if o.get("type").and_then(Json::as_str) == Some("message") => {
                if let Json::Object(mut m) = super::openai_chat::message(o, Side::Output) {
                    if let Some(Json::Array(p)) = m.remove("parts") {
                        parts.extend(p);
                    }
                }
            }
            Json::Object(o) if is_item(&o) => {
                if let Json::Object(mut m) = item(o, Side::Output) {
                    if let Some(Json::Array(p)) = m.remove("parts") {
                        parts.extend(p);
                    }
                }
            }
            other => parts.push(any_part(other)),
        }
    }
    let status = response.and_then(|r| r.get("status")).and_then(Json::as_str);
    let reason = response.and_then(|r| r.get("incomplete_details")).and_then(|d| d.get("reason")).and_then(Json::as_str);
    let called = parts.iter().any(|p| p.get("type").and_then(Json::as_str) == Some("tool_call"));
    let finish = match (status, reason) {
        (Some("incomplete"), Some("max_output_tokens")) => "length".to_owned(),
        (Some("incomplete"), Some("content_filter")) => "content_filter".to_owned(),
        (Some("incomplete"), Some(other)) => other.to_owned(),
        (Some("failed"), _) => "error".to_owned(),
        _ if called => "tool_call".to_owned(),
        _ => "stop".to_owned(),
    };
    msg(Json::String("assistant".into()), None, parts, Some(finish))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::capture::{normalize, ContentKind};

    #[test]
    fn input_items() {
        let input = json!({"model": "gpt-4.1", "input": [
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "And this?"}, {"type": "input_image", "image_url": "https://x/a.png", "detail": "auto"}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
            {"type": "function_call_output", "call_id": "call_1", "output": "rainy"}
        ]});
        assert_eq!(
            normalize(ContentKind::InputMessages, input),
            json!([
                {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]},
                {"role": "user", "parts": [{"type": "text", "content": "And this?"}, {"type": "uri", "modality": "image", "uri": "https://x/a.png"}]},
                {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}]},
                {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rainy"}]}
            ])
        );
        assert_eq!(normalize(ContentKind::InputMessages, json!({"input": "hi"})), json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]));
    }

    #[test]
    fn the_output_of_one_response_is_one_message() {
        let resp = json!({"id": "resp_1", "object": "response", "status": "completed", "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Looking up the weather."}]},
            {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "paris weather"}},
            {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": "Rainy, 14 °C.", "annotations": []}]}
        ]});
        assert_eq!(
            normalize(ContentKind::OutputMessages, resp.clone()),
            json!([{"role": "assistant", "parts": [
                {"type": "reasoning", "content": "Looking up the weather."},
                {"type": "server_tool_call", "id": "ws_1", "name": "web_search", "server_tool_call": {"type": "web_search_call", "status": "completed", "action": {"type": "search", "query": "paris weather"}}},
                {"type": "text", "content": "Rainy, 14 °C."}
            ], "finish_reason": "stop"}])
        );
        let calls = json!([{"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}]);
        assert_eq!(normalize(ContentKind::OutputMessages, calls)[0]["finish_reason"], "tool_call");
        let cut = json!({"object": "response", "status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}, "output": []});
        assert_eq!(normalize(ContentKind::OutputMessages, cut), json!([{"role": "assistant", "parts": [], "finish_reason": "length"}]));
    }
}

//! Normalization of captured content to the shapes of the conventions' JSON schemas
//! (`gen-ai-input-messages.json`, `gen-ai-output-messages.json`, `gen-ai-system-instructions.json`,
//! `gen-ai-tool-definitions.json`, semantic conventions v1.41).
//!
//! The shape is detected from the JSON itself (the keys present), never from the provider the
//! call names, so a gateway's OpenAI-compatible response to an Anthropic model is read as what it
//! is. What each provider's file recognizes:
//!
//! * [`openai_chat`]: Chat Completions messages (`{"role", "content"}` with a string or content
//!   parts `text`, `image_url`, `input_audio`, `file`, `refusal`; `tool_calls`, legacy
//!   `function_call`, the `tool` role with `tool_call_id`, `refusal`, `audio`) and responses
//!   (`{"choices": [...]}`, one choice `{"message" | "delta", "finish_reason"}`, one message).
//!   Anthropic messages share this message shape (`role` + `content`); their blocks are read by
//!   [`anthropic`].
//! * [`openai_responses`]: Responses API items (`message` with `input_text` / `output_text` /
//!   `input_image` / `input_file` parts, `function_call`, `function_call_output`, `reasoning`,
//!   built-in `*_call` items as `server_tool_call`), the request (`{"input"}`) and the response
//!   (`{"object": "response", "output": [...]}`): all output items of one response become **one**
//!   output message, its finish reason read from `status` / `incomplete_details`.
//! * [`anthropic`]: content blocks `text`, `image`, `document`, `tool_use`, `tool_result`,
//!   `thinking`, `server_tool_use` and `*_tool_result`; `stop_reason`.
//! * [`gemini`]: `generateContent` requests (`{"contents"}`), contents (`{"role", "parts"}` with
//!   untyped parts `text`, `functionCall`, `functionResponse`, `inlineData`, `fileData`, camelCase
//!   or snake_case), responses (`{"candidates"}`, `{"content", "finishReason"}`); role `model` →
//!   `assistant`.
//! * [`openai_images`]: Images API responses (`{"data": [{"b64_json" | "url"}]}`), one message
//!   of image parts.
//! * [`tools`]: tool definitions of every provider, flattened to `{"type": "function", "name",
//!   "description", "parameters"}` (built-in tools as `{"type", "name", ...}`), and tool-call
//!   arguments and results.
//!
//! Rules that hold for any input (tested over random JSON values):
//! * Nothing panics, and the result always matches its schema.
//! * Every output message has a `finish_reason`: the response's own, mapped to the conventions'
//!   values (`stop`, `length`, `content_filter`, `tool_call`, `error`; other values are kept as
//!   they are), else [`FALLBACK_FINISH_REASON`] (`stop`), or `tool_call` when the message holds a
//!   tool call.
//! * Nothing is dropped: a message, part or definition whose shape is not recognized, or whose
//!   recognized shape lacks a required field, is kept as a text part holding its JSON text
//!   (`{"type": "text", "content": "{\"weird\":1}"}`); an unrecognized tool definition as
//!   `{"type": "unknown", "name": "unknown", "definition": "<JSON text>"}`.
//! * A message already in the conventions' shape (`{"role", "parts": [{"type", ...}]}`) is kept;
//!   each of its parts is checked against its schema like any other.

pub mod anthropic;
pub mod gemini;
pub mod openai_chat;
pub mod openai_images;
pub mod openai_responses;
pub mod tools;

use serde_json::{Map, Value as Json};

use super::ContentKind;

pub(crate) type Obj = Map<String, Json>;

/// The finish reason of an output message whose response does not say how it ended (and that
/// holds no tool call: then it is `tool_call`).
pub const FALLBACK_FINISH_REASON: &str = "stop";

/// Normalizes `value` to the shape the conventions define for `kind` (see the module docs).
/// `null` stays `null` (nothing is recorded).
pub fn normalize(kind: ContentKind, value: Json) -> Json {
    if value.is_null() {
        return Json::Null;
    }
    match kind {
        ContentKind::InputMessages => Json::Array(messages(value, Side::Input)),
        ContentKind::OutputMessages => Json::Array(messages(value, Side::Output)),
        ContentKind::SystemInstructions => Json::Array(instructions(value)),
        ContentKind::ToolDefinitions => Json::Array(tools::definitions(value)),
        ContentKind::ToolCallArguments | ContentKind::ToolCallResult => tools::call_value(value),
        ContentKind::RetrievalQuery | ContentKind::MemoryQuery => match value {
            Json::String(s) => Json::String(s),
            other => Json::String(other.to_string()),
        },
        ContentKind::RetrievalDocuments => Json::Array(retrieval_documents(value)),
        // The records as the application gives them (no schema: any JSON).
        ContentKind::MemoryRecords | ContentKind::GuardrailInput | ContentKind::GuardrailOutput => value,
        ContentKind::PromptVariables => prompt_variables(value),
    }
}

/// Takes the per-message `finish_reason` off normalized output messages (the latest
/// conventions' schema deprecates it: the reasons live in `gen_ai.response.finish_reasons`).
pub(crate) fn without_finish_reasons(messages: &mut Json) {
    if let Json::Array(list) = messages {
        for m in list.iter_mut().filter_map(Json::as_object_mut) {
            m.remove("finish_reason");
        }
    }
}

/// The variables of a prompt template as an object of strings (`gen_ai.prompt.variable.<key>`
/// is a string: a string stays itself, any other value becomes its JSON text; a null variable is
/// left out). Anything but an object (a map or a struct) has no variable names: dropped.
fn prompt_variables(value: Json) -> Json {
    match value {
        Json::Object(vars) => Json::Object(
            vars.into_iter()
                .filter(|(k, v)| !k.is_empty() && !v.is_null())
                .map(|(k, v)| {
                    let text = match v {
                        Json::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, Json::String(text))
                })
                .collect(),
        ),
        _ => Json::Null,
    }
}

/// The documents that have what the conventions' schema requires, an `id` (string) and a
/// `score` (number); ids that are numbers become strings.
fn retrieval_documents(value: Json) -> Vec<Json> {
    let items = match value {
        Json::Array(items) => items,
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|d| {
            let id = match d.get("id")? {
                Json::String(s) => Json::String(s.clone()),
                Json::Number(n) => Json::String(n.to_string()),
                _ => return None,
            };
            let score = d.get("score").filter(|s| s.is_number())?.clone();
            Some(serde_json::json!({ "id": id, "score": score }))
        })
        .collect()
}

/// Input or output messages: the default role, and whether a finish reason is required.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    Input,
    Output,
}

impl Side {
    pub(crate) fn role(self) -> Json {
        Json::String(if self == Side::Input { "user" } else { "assistant" }.to_owned())
    }
}

// ------------------------------------------------------------------ messages

fn messages(value: Json, side: Side) -> Vec<Json> {
    let mut out = Vec::new();
    match value {
        Json::Array(items) if side == Side::Output && openai_responses::is_output_list(&items) => {
            out.push(openai_responses::merged_output(items, None));
        }
        Json::Array(items) => out.extend(items.into_iter().map(|m| message(m, side))),
        Json::Object(o) => container(o, side, &mut out),
        other => out.push(message(other, side)),
    }
    if side == Side::Output {
        out.iter_mut().for_each(ensure_finish_reason);
    }
    out
}

/// A whole request or response object: its list of messages; else one message.
fn container(mut o: Obj, side: Side, out: &mut Vec<Json>) {
    if openai_images::is_response(&o) {
        return out.push(openai_images::response(o, side));
    }
    let list_key = ["choices", "candidates", "contents", "messages", "input", "output"].into_iter().find(|k| o.get(*k).is_some_and(Json::is_array));
    match list_key {
        Some("output") if side == Side::Output => {
            let Some(Json::Array(items)) = o.remove("output") else { unreachable!("checked above") };
            out.push(openai_responses::merged_output(items, Some(&o)));
        }
        Some(key) => {
            let Some(Json::Array(items)) = o.remove(key) else { unreachable!("checked above") };
            out.extend(items.into_iter().map(|m| message(m, side)));
        }
        // The Responses API's `input` may be a plain string.
        None if side == Side::Input && o.get("input").is_some_and(Json::is_string) && !o.contains_key("role") => {
            out.push(message(o.remove("input").unwrap_or_default(), side));
        }
        None => out.push(message(Json::Object(o), side)),
    }
}

/// One message of any recognized shape.
pub(crate) fn message(item: Json, side: Side) -> Json {
    let o = match item {
        Json::Object(o) => o,
        Json::String(s) => return msg(side.role(), None, vec![text(s)], None),
        other => return msg(side.role(), None, vec![json_text(&other)], None),
    };
    if o.get("message").is_some_and(Json::is_object) || o.get("delta").is_some_and(Json::is_object) {
        openai_chat::choice(o, side)
    } else if openai_responses::is_item(&o) {
        openai_responses::item(o, side)
    } else if o.get("content").is_some_and(|c| c.get("parts").is_some()) || o.contains_key("finishReason") {
        gemini::candidate(o, side)
    } else if o.contains_key("parts") {
        gemini::content(o, side)
    } else if ["role", "content", "tool_calls", "function_call"].iter().any(|k| o.contains_key(*k)) {
        openai_chat::message(o, side)
    } else {
        msg(side.role(), None, vec![json_text(&Json::Object(o))], None)
    }
}

/// Builds a message in the conventions' field order.
pub(crate) fn msg(role: Json, name: Option<Json>, parts: Vec<Json>, finish_reason: Option<String>) -> Json {
    let mut m = Obj::new();
    m.insert(
        "role".into(),
        match role {
            Json::String(s) => Json::String(s),
            other => Json::String(other.to_string()),
        },
    );
    match name {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) => {
            m.insert("name".into(), Json::String(s));
        }
        Some(other) => {
            m.insert("name".into(), Json::String(other.to_string()));
        }
    }
    m.insert("parts".into(), Json::Array(parts));
    if let Some(fr) = finish_reason {
        m.insert("finish_reason".into(), Json::String(fr));
    }
    Json::Object(m)
}

/// The role of a message, or the side's default.
pub(crate) fn role(o: &mut Obj, side: Side) -> Json {
    match o.remove("role") {
        Some(Json::String(r)) if r == "model" => Json::String("assistant".into()),
        None | Some(Json::Null) => side.role(),
        Some(r) => r,
    }
}

fn ensure_finish_reason(m: &mut Json) {
    let Json::Object(o) = m else { return };
    if o.get("finish_reason").is_some_and(Json::is_string) {
        return;
    }
    let has_tool_call = o.get("parts").and_then(Json::as_array).is_some_and(|p| p.iter().any(|p| p.get("type").and_then(Json::as_str) == Some("tool_call")));
    o.insert("finish_reason".into(), Json::String(if has_tool_call { "tool_call" } else { FALLBACK_FINISH_REASON }.into()));
}

/// Maps any provider's finish reason to the conventions' values (the providers' vocabularies
/// do not collide); unknown values are kept (the schema allows any string).
pub fn finish_reason(value: &Json) -> Option<String> {
    let s = value.as_str()?;
    let mapped = openai_chat::finish_reason(s).or_else(|| anthropic::finish_reason(s)).or_else(|| gemini::finish_reason(s));
    Some(mapped.map_or_else(|| s.to_owned(), str::to_owned))
}

// ------------------------------------------------------------------ system instructions

fn instructions(value: Json) -> Vec<Json> {
    match value {
        Json::Array(items) => items.into_iter().flat_map(instruction_item).collect(),
        Json::Object(mut o) => {
            // A whole request: Anthropic `system`, Gemini `systemInstruction`, Responses `instructions`.
            for key in ["system", "systemInstruction", "system_instruction", "instructions"] {
                if let Some(v) = o.remove(key) {
                    return instructions(v);
                }
            }
            instruction_item(Json::Object(o))
        }
        other => vec![part(other)],
    }
}

fn instruction_item(item: Json) -> Vec<Json> {
    match item {
        // A message (`{"role": "system", "content"}`, a Gemini content): its parts.
        Json::Object(o) if o.contains_key("role") || o.get("parts").is_some_and(Json::is_array) => match message(Json::Object(o), Side::Input) {
            Json::Object(mut m) => match m.remove("parts") {
                Some(Json::Array(parts)) => parts,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        },
        other => vec![part(other)],
    }
}

// ------------------------------------------------------------------ parts

/// One part of any recognized shape; anything else as a text part holding its JSON.
pub(crate) fn part(b: Json) -> Json {
    let p = match b {
        Json::String(s) => return text(s),
        Json::Object(o) => match o.get("type") {
            Some(Json::String(t)) => {
                let t = t.clone();
                typed_part(&t, o)
            }
            None => gemini::part(o),
            Some(_) => json_text(&Json::Object(o)),
        },
        other => return json_text(&other),
    };
    // The safety net: a part that does not match its schema is kept as text.
    if valid_part(&p) {
        p
    } else {
        json_text(&p)
    }
}

fn typed_part(ty: &str, o: Obj) -> Json {
    match ty {
        "text" => text_block(o),
        "file" if o.get("file").is_some_and(Json::is_object) => openai_chat::part(ty, o),
        "tool_call" | "tool_call_response" | "server_tool_call" | "server_tool_call_response" | "blob" | "file" | "uri" | "reasoning" => Json::Object(o),
        "image_url" | "input_audio" | "refusal" => openai_chat::part(ty, o),
        "input_text" | "output_text" | "input_image" | "input_file" | "summary_text" | "reasoning_text" => openai_responses::part(ty, o),
        "image" | "document" | "tool_use" | "tool_result" | "thinking" | "server_tool_use" => anthropic::part(ty, o),
        t if t.ends_with("_tool_result") => anthropic::part(ty, o),
        _ => json_text(&Json::Object(o)),
    }
}

/// `{"type": "text"}` with `text` (OpenAI, Anthropic; or the Assistants API's `{"value"}`) or
/// the conventions' `content`.
fn text_block(mut o: Obj) -> Json {
    match o.remove("text") {
        Some(Json::String(s)) => text(s),
        Some(Json::Object(mut t)) if t.get("value").is_some_and(Json::is_string) => text(take_string(&mut t, "value").unwrap_or_default()),
        None if o.get("content").is_some_and(Json::is_string) => Json::Object(o),
        Some(other) => {
            o.insert("text".into(), other);
            json_text(&Json::Object(o))
        }
        None => json_text(&Json::Object(o)),
    }
}

/// Does a part match its schema (`$defs/<Type>Part` for the conventions' types)?
pub(crate) fn valid_part(p: &Json) -> bool {
    let Some(o) = p.as_object() else { return false };
    let is_str = |k: &str| o.get(k).is_some_and(Json::is_string);
    let str_or_null = |k: &str| o.get(k).is_none_or(|v| v.is_string() || v.is_null());
    let typed_object = |k: &str| o.get(k).and_then(|v| v.get("type")).is_some_and(Json::is_string);
    match o.get("type").and_then(Json::as_str) {
        None => false,
        Some("text" | "reasoning") => is_str("content"),
        Some("tool_call") => is_str("name") && str_or_null("id"),
        Some("tool_call_response") => o.contains_key("response") && str_or_null("id"),
        Some("server_tool_call") => is_str("name") && str_or_null("id") && typed_object("server_tool_call"),
        Some("server_tool_call_response") => str_or_null("id") && typed_object("server_tool_call_response"),
        Some("blob") => is_str("modality") && is_str("content") && str_or_null("mime_type"),
        Some("file") => is_str("modality") && is_str("file_id") && str_or_null("mime_type"),
        Some("uri") => is_str("modality") && is_str("uri") && str_or_null("mime_type"),
        Some(_) => true,
    }
}

// ------------------------------------------------------------------ an agent's input and answer

/// The text of a captured value: a string as it is, a single-entry object's string value as it
/// is, anything else as its JSON text.
fn text_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Object(m) if m.len() == 1 => match m.values().next() {
            Some(Json::String(s)) => s.clone(),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

/// An agent's input (its serializable parameters) as one user message; nothing for an agent
/// without serializable parameters.
pub fn agent_input(params: Json) -> Option<Json> {
    let empty = params.as_object().is_some_and(|m| m.is_empty());
    (!empty).then(|| Json::Array(vec![msg("user".into(), None, vec![text(text_of(&params))], None)]))
}

/// An agent's answer (its serializable success value) as one assistant message, finished
/// (`stop`); nothing for `()`.
pub fn agent_answer(value: Option<Json>) -> Option<Json> {
    value.filter(|v| !v.is_null()).map(|v| Json::Array(vec![msg("assistant".into(), None, vec![text(text_of(&v))], Some(FALLBACK_FINISH_REASON.into()))]))
}

// ------------------------------------------------------------------ helpers

/// A text part.
pub(crate) fn text(s: impl Into<String>) -> Json {
    obj([("type", Some("text".into())), ("content", Some(Json::String(s.into())))])
}

/// A text part holding the JSON text of a piece that could not be mapped.
pub(crate) fn json_text(v: &Json) -> Json {
    text(v.to_string())
}

/// An object of the given fields, in order, leaving out the `None`s.
pub(crate) fn obj<const N: usize>(fields: [(&str, Option<Json>); N]) -> Json {
    let mut m = Obj::new();
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    }
    Json::Object(m)
}

/// Removes `key` if it holds a string.
pub(crate) fn take_string(o: &mut Obj, key: &str) -> Option<String> {
    match o.get(key) {
        Some(Json::String(_)) => match o.remove(key) {
            Some(Json::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Removes the first of `keys` present (camelCase and snake_case spellings).
pub(crate) fn take_any(o: &mut Obj, keys: &[&str]) -> Option<Json> {
    keys.iter().find_map(|k| o.remove(*k))
}

/// An identifier as the schema wants it (string or absent).
pub(crate) fn id(v: Option<Json>) -> Option<Json> {
    match v {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(Json::String(s)),
        Some(other) => Some(Json::String(other.to_string())),
    }
}

/// Tool-call arguments given as a JSON string (OpenAI) are parsed; other strings are kept.
pub(crate) fn arguments(v: Option<Json>) -> Option<Json> {
    match v {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(tools::parse_json_text(s)),
        Some(other) => Some(other),
    }
}

/// `data:<mime>;base64,<data>` → (mime, data).
pub(crate) fn data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime, data))
}

/// `data:<mime>;base64,<data>` → (mime, data), the data in the URL's own buffer (moved down in
/// place: a multi-megabyte image is not copied into a new allocation); the URL back when it is
/// no base64 data URL.
pub(crate) fn split_data_url(mut url: String) -> Result<(String, String), String> {
    let Some((mime, data)) = data_url(&url) else { return Err(url) };
    let (mime, start) = (mime.to_owned(), url.len() - data.len());
    url.drain(..start);
    Ok((mime, url))
}

/// The modality of a MIME type.
pub(crate) fn modality(mime: Option<&str>, default: &str) -> Json {
    let m = match mime.and_then(|m| m.split('/').next()) {
        Some("image") => "image",
        Some("audio") => "audio",
        Some("video") => "video",
        Some(_) => "document",
        None => default,
    };
    Json::String(m.to_owned())
}

/// A blob part (inline bytes, base64).
pub(crate) fn blob(mime: Option<String>, default_modality: &str, content: String) -> Json {
    // `data:;base64,...` names no type.
    let mime = mime.filter(|m| !m.trim().is_empty());
    let modality = modality(mime.as_deref(), default_modality);
    obj([("type", Some("blob".into())), ("mime_type", mime.map(Json::String)), ("modality", Some(modality)), ("content", Some(Json::String(content)))])
}

/// A part for a URL: a `blob` for a base64 data URL, else a `uri`.
pub(crate) fn url_part(url: String, default_modality: &str, mime: Option<String>) -> Json {
    let url = match split_data_url(url) {
        Ok((m, data)) => return blob(Some(m), default_modality, data),
        Err(url) => url,
    };
    let modality = modality(mime.as_deref(), default_modality);
    obj([("type", Some("uri".into())), ("mime_type", mime.map(Json::String)), ("modality", Some(modality)), ("uri", Some(Json::String(url)))])
}

/// A file part (a file uploaded to the provider).
pub(crate) fn file_part(file_id: String, default_modality: &str, mime: Option<String>) -> Json {
    let modality = modality(mime.as_deref(), default_modality);
    obj([("type", Some("file".into())), ("mime_type", mime.map(Json::String)), ("modality", Some(modality)), ("file_id", Some(Json::String(file_id)))])
}

#[cfg(test)]
pub(crate) mod tests;

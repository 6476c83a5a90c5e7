//! Tool definitions of every provider, flattened to the schema's `{"type": "function", "name",
//! "description", "parameters"}` (`gen-ai-tool-definitions.json`), and tool-call arguments and
//! results.
//!
//! * OpenAI Chat Completions `{"type": "function", "function": {"name", "description",
//!   "parameters", "strict"}}` → flat.
//! * OpenAI Responses `{"type": "function", "name", ...}`: already flat; built-in tools
//!   (`{"type": "web_search"}`, `file_search`, `mcp` with `server_label`, ...) →
//!   `{"type", "name": <type or server label>, ...}`.
//! * Anthropic `{"name", "description", "input_schema"}` (type absent or `custom`) → a function
//!   with `parameters` = `input_schema`; server tools (`{"type": "web_search_20250305", "name"}`)
//!   are kept as they are.
//! * Gemini `{"functionDeclarations": [{"name", "description", "parameters" |
//!   "parametersJsonSchema"}]}` → one function each, the OpenAPI type names (`OBJECT`, `STRING`)
//!   lower-cased so `parameters` is a draft-07 JSON Schema; `{"googleSearch": {}}`-style tools →
//!   `{"type": "googleSearch", "name": "googleSearch", "config": {}}`.
//! * A request object with `tools` is read for its list; a string names a function.

use serde_json::Value as Json;

use super::{obj, take_any, take_string, Obj};

/// The list of definitions.
pub(crate) fn definitions(v: Json) -> Vec<Json> {
    let list = match v {
        Json::Array(a) => a,
        Json::Object(mut o) if o.get("tools").is_some_and(Json::is_array) => match o.remove("tools") {
            Some(Json::Array(a)) => a,
            _ => Vec::new(),
        },
        other => vec![other],
    };
    let mut out = Vec::with_capacity(list.len());
    for d in list {
        definition(d, &mut out);
    }
    out
}

fn definition(d: Json, out: &mut Vec<Json>) {
    let mut o = match d {
        Json::Object(o) => o,
        Json::String(name) => return out.push(function(name, None, None)),
        other => return out.push(unknown(&other)),
    };
    if let Some(Json::Array(decls)) = take_any(&mut o, &["functionDeclarations", "function_declarations"]) {
        for decl in decls {
            match decl {
                Json::Object(mut f) => out.push(flat(&mut f).unwrap_or_else(|| unknown(&Json::Object(f)))),
                other => out.push(unknown(&other)),
            }
        }
        // Other tools in the same Gemini tool object.
        out.extend(o.into_iter().map(|(k, v)| builtin(k, v)));
        return;
    }
    let ty = o.get("type").and_then(Json::as_str).map(str::to_owned);
    match ty.as_deref() {
        // Chat Completions: nested.
        None | Some("function") if o.get("function").is_some_and(Json::is_object) => {
            let Some(Json::Object(mut f)) = o.remove("function") else { unreachable!("checked above") };
            match flat(&mut f) {
                Some(def) => out.push(def),
                None => {
                    o.insert("function".into(), Json::Object(f));
                    out.push(unknown(&Json::Object(o)));
                }
            }
        }
        // Flat functions: Responses, Anthropic client tools, the conventions' own shape.
        None | Some("function") => match flat(&mut o) {
            Some(def) => out.push(def),
            None if o.len() == 1 => out.extend(o.into_iter().map(|(k, v)| builtin(k, v))),
            None => out.push(unknown(&Json::Object(o))),
        },
        Some("custom") if o.contains_key("input_schema") => match flat(&mut o) {
            Some(def) => out.push(def),
            None => out.push(unknown(&Json::Object(o))),
        },
        // Built-in and server tools: generic `{"type", "name", ...}`.
        Some(ty) => {
            if !o.get("name").is_some_and(Json::is_string) {
                let name = take_string(&mut o, "server_label").unwrap_or_else(|| ty.to_owned());
                o.insert("name".into(), Json::String(name));
            }
            out.push(Json::Object(o));
        }
    }
}

/// A flat function from `{"name", "description", "parameters" | "input_schema" |
/// "parametersJsonSchema"}`; `None` without a name.
fn flat(f: &mut Obj) -> Option<Json> {
    let name = take_string(f, "name")?;
    let description = match f.remove("description") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    };
    let parameters = take_any(f, &["parameters", "input_schema", "parametersJsonSchema", "parameters_json_schema"]);
    Some(function(name, description, parameters))
}

fn function(name: String, description: Option<String>, parameters: Option<Json>) -> Json {
    let (parameters, original) = match parameters {
        None | Some(Json::Null) => (None, None),
        Some(Json::String(s)) => match serde_json::from_str::<Json>(&s) {
            Ok(p @ Json::Object(_)) => (Some(schema_types(p)), None),
            _ => (None, Some(Json::String(s))),
        },
        Some(p @ (Json::Object(_) | Json::Bool(_))) => (Some(schema_types(p)), None),
        // Not a JSON Schema: kept beside, as text.
        Some(other) => (None, Some(Json::String(other.to_string()))),
    };
    obj([
        ("type", Some("function".into())),
        ("name", Some(Json::String(name))),
        ("description", description.map(Json::String)),
        ("parameters", parameters),
        ("original_parameters", original),
    ])
}

/// Gemini's OpenAPI schema names its types in capitals (`OBJECT`); JSON Schema's are lower-case.
fn schema_types(mut p: Json) -> Json {
    fn visit(v: &mut Json) {
        match v {
            Json::Object(o) => {
                for (k, v) in o.iter_mut() {
                    match v {
                        Json::String(t) if k == "type" && t.bytes().all(|b| b.is_ascii_uppercase()) => *t = t.to_ascii_lowercase(),
                        _ => visit(v),
                    }
                }
            }
            Json::Array(a) => a.iter_mut().for_each(visit),
            _ => {}
        }
    }
    visit(&mut p);
    p
}

/// `{"googleSearch": {}}` → `{"type": "googleSearch", "name": "googleSearch", "config": {}}`.
fn builtin(key: String, config: Json) -> Json {
    obj([("type", Some(Json::String(key.clone()))), ("name", Some(Json::String(key))), ("config", Some(config))])
}

fn unknown(v: &Json) -> Json {
    obj([("type", Some("unknown".into())), ("name", Some("unknown".into())), ("definition", Some(Json::String(v.to_string())))])
}

/// Tool-call arguments and results: the conventions expect JSON objects and ask for a
/// best-effort parse of serialized ones, so a string holding a JSON object or array is parsed;
/// any other string stays the string it is; other values are kept.
pub(crate) fn call_value(v: Json) -> Json {
    match v {
        Json::String(s) => parse_json_text(s),
        other => other,
    }
}

/// Parses a string holding a JSON object or array; returns any other string unchanged.
pub(crate) fn parse_json_text(s: String) -> Json {
    let t = s.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v @ (Json::Object(_) | Json::Array(_))) = serde_json::from_str::<Json>(t) {
            return v;
        }
    }
    Json::String(s)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::capture::{normalize, ContentKind};

    #[test]
    fn every_provider_flattened() {
        let params = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        let flat = json!({"type": "function", "name": "get_weather", "description": "Weather now", "parameters": params});
        let openai_chat =
            json!([{"type": "function", "function": {"name": "get_weather", "description": "Weather now", "parameters": params, "strict": true}}]);
        let responses = json!([{"type": "function", "name": "get_weather", "description": "Weather now", "parameters": params, "strict": true}]);
        let anthropic = json!([{"name": "get_weather", "description": "Weather now", "input_schema": params}]);
        let gemini = json!([{"functionDeclarations": [{"name": "get_weather", "description": "Weather now",
            "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]}}]}]);
        for v in [openai_chat, responses, anthropic, gemini] {
            assert_eq!(normalize(ContentKind::ToolDefinitions, v), json!([flat]));
        }
        assert_eq!(
            normalize(
                ContentKind::ToolDefinitions,
                json!([{"type": "web_search"}, {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}, {"googleSearch": {}}, 7])
            ),
            json!([
                {"type": "web_search", "name": "web_search"},
                {"type": "web_search_20250305", "name": "web_search", "max_uses": 3},
                {"type": "googleSearch", "name": "googleSearch", "config": {}},
                {"type": "unknown", "name": "unknown", "definition": "7"}
            ])
        );
    }

    #[test]
    fn call_values() {
        assert_eq!(normalize(ContentKind::ToolCallResult, json!("rainy")), json!("rainy"));
        assert_eq!(normalize(ContentKind::ToolCallResult, json!("{\"t\": 14}")), json!({"t": 14}));
        assert_eq!(normalize(ContentKind::ToolCallResult, json!("{not json")), json!("{not json"));
        assert_eq!(normalize(ContentKind::ToolCallArguments, json!({"city": "Paris"})), json!({"city": "Paris"}));
        assert_eq!(normalize(ContentKind::ToolCallResult, json!(3)), json!(3));
    }
}

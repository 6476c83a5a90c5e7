//! Captured content against the conventions' official JSON schemas (`tests/schemas/`, v1.41.1):
//! realistic payloads of each provider go through the real annotation path, the span attributes
//! are read back and validated, every part also against the definition of its own `type` (a
//! consumer such as Arize Phoenix drops a whole list when one item fails), and the text of every
//! input survives.

mod common;

use common::*;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, genai_tool, CaptureConfig, CaptureMode, ContentKind, HasUsage, Settings};
use jsonschema::Validator;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use serde::Serialize;
use serde_json::{json, Value as Json};

// ------------------------------------------------------------------ the schemas

const INPUT: &str = include_str!("../schemas/gen-ai-input-messages.json");
const OUTPUT: &str = include_str!("../schemas/gen-ai-output-messages.json");
const SYSTEM: &str = include_str!("../schemas/gen-ai-system-instructions.json");
const TOOLS: &str = include_str!("../schemas/gen-ai-tool-definitions.json");
/// `$ref`'d by the tool definitions' `parameters`; served locally (no network).
const DRAFT_07: &str = include_str!("../schemas/json-schema-draft-07.json");

/// The validators' registry: the one external reference of the schemas, from the vendored copy.
fn registry() -> &'static jsonschema::Registry<'static> {
    static R: std::sync::OnceLock<&'static jsonschema::Registry<'static>> = std::sync::OnceLock::new();
    R.get_or_init(|| {
        let draft_07: Json = serde_json::from_str(DRAFT_07).expect("meta-schema is JSON");
        let registry = jsonschema::Registry::new().add("http://json-schema.org/draft-07/schema#", draft_07).and_then(|r| r.prepare()).expect("registry");
        Box::leak(Box::new(registry))
    })
}

fn compile(schema: &Json) -> Validator {
    jsonschema::options().with_registry(registry()).build(schema).unwrap_or_else(|e| panic!("schema compiles: {e}"))
}

/// The parts' definitions, by the `type` that selects them.
const PART_DEFS: [(&str, &str); 9] = [
    ("text", "TextPart"),
    ("tool_call", "ToolCallRequestPart"),
    ("tool_call_response", "ToolCallResponsePart"),
    ("server_tool_call", "ServerToolCallPart"),
    ("server_tool_call_response", "ServerToolCallResponsePart"),
    ("blob", "BlobPart"),
    ("file", "FilePart"),
    ("uri", "UriPart"),
    ("reasoning", "ReasoningPart"),
];

struct Schema {
    whole: Validator,
    /// One validator per definition: `{"$ref": "#/$defs/<Def>", "$defs": ...}`.
    defs: Vec<(String, Validator)>,
}

impl Schema {
    fn load(text: &str) -> Schema {
        let doc: Json = serde_json::from_str(text).expect("schema is JSON");
        let whole = compile(&doc);
        let defs = doc["$defs"]
            .as_object()
            .expect("$defs")
            .keys()
            .map(|d| (d.clone(), compile(&json!({"$ref": format!("#/$defs/{d}"), "$defs": doc["$defs"]}))))
            .collect();
        Schema { whole, defs }
    }

    fn def(&self, name: &str) -> Option<&Validator> {
        self.defs.iter().find(|(d, _)| d == name).map(|(_, v)| v)
    }

    /// The whole value, then each part against its own type's definition (not only the
    /// catch-all `GenericPart`), each function tool against `FunctionToolDefinition`.
    fn check(&self, what: &str, v: &Json) {
        let errors: Vec<String> = self.whole.iter_errors(v).map(|e| format!("{e} at {}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{what} fails its schema: {errors:?}\n{v:#}");
        let parts: Vec<&Json> = match v.as_array() {
            Some(items) if items.iter().all(|i| i.get("parts").is_some()) => items.iter().flat_map(|m| m["parts"].as_array().unwrap()).collect(),
            Some(items) => items.iter().collect(),
            None => Vec::new(),
        };
        for p in parts {
            let ty = p["type"].as_str().unwrap_or_default();
            let def = PART_DEFS.iter().find(|(t, _)| *t == ty).map(|(_, d)| *d).or((ty == "function").then_some("FunctionToolDefinition"));
            if let Some(validator) = def.and_then(|d| self.def(d)) {
                let errors: Vec<String> = validator.iter_errors(p).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{what}: part {p} fails its {ty} definition: {errors:?}");
            }
        }
    }
}

struct Schemas {
    input: Schema,
    output: Schema,
    system: Schema,
    tools: Schema,
}

fn schemas() -> &'static Schemas {
    static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    S.get_or_init(|| Schemas { input: Schema::load(INPUT), output: Schema::load(OUTPUT), system: Schema::load(SYSTEM), tools: Schema::load(TOOLS) })
}

// ------------------------------------------------------------------ the annotated call

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
    output_tokens: u32,
    #[usage(skip)]
    body: Json,
}

/// What the application would name in its annotation: the request's message list (or the whole
/// request), its system instructions and tools, and the response (or part of it).
struct Exchange {
    provider: &'static str,
    model: &'static str,
    messages: Json,
    system: Option<Json>,
    tools: Option<Json>,
    response: Json,
}

#[genai_span(
    operation = "chat",
    provider = x.provider,
    model = x.model,
    input_messages = &x.messages,
    system_instructions = &x.system,
    tool_definitions = &x.tools,
    output_messages = |r: &Resp| r.body.clone()
)]
async fn call(x: &Exchange) -> Result<Resp, ApiError> {
    Ok(Resp { input_tokens: 10, output_tokens: 5, body: x.response.clone() })
}

fn capture_on() -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)))
}

fn json_attr(span: &SpanData, key: &str) -> Option<Json> {
    match attr(span, key) {
        Some(Value::String(s)) => Some(serde_json::from_str(s.as_str()).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {}", s.as_str()))),
        None => None,
        other => panic!("{key}: {other:?}"),
    }
}

/// Runs the exchange through the annotation; validates and returns (input, output, system, tools).
async fn record(x: Exchange) -> (Json, Json, Option<Json>, Option<Json>) {
    let t = capture_on();
    call(&x).await.unwrap();
    let span = t.span(&format!("chat {}", x.model));
    let s = schemas();
    let input = json_attr(&span, "gen_ai.input.messages").expect("input messages recorded");
    let output = json_attr(&span, "gen_ai.output.messages").expect("output messages recorded");
    s.input.check("gen_ai.input.messages", &input);
    s.output.check("gen_ai.output.messages", &output);
    let system = json_attr(&span, "gen_ai.system_instructions");
    let tools = json_attr(&span, "gen_ai.tool.definitions");
    if let Some(v) = &system {
        s.system.check("gen_ai.system_instructions", v);
    }
    if let Some(v) = &tools {
        s.tools.check("gen_ai.tool.definitions", v);
    }
    assert_eq!(x.system.is_some(), system.is_some());
    assert_eq!(x.tools.is_some(), tools.is_some());
    assert_ne!(input, json!([]), "never an empty list");
    assert_ne!(output, json!([]), "never an empty list");
    assert_eq!(attr(&span, "genai_o11y.content.truncated"), None);
    // A whole request carries its instructions and tools beside the messages.
    let mut messages = x.messages.clone();
    if let Json::Object(o) = &mut messages {
        o.retain(|k, _| !["systemInstruction", "system", "instructions", "tools"].contains(&k.as_str()));
    }
    survives(&messages, &input);
    survives(&x.response, &output);
    if let (Some(a), Some(b)) = (&x.system, &system) {
        survives(a, b);
    }
    (input, output, system, tools)
}

/// Every text of `original` (the string values of `text`, `content`, `thinking`, `refusal`,
/// `output` and `transcript` keys, and plain strings in lists) is found in a string of
/// `recorded`.
fn survives(original: &Json, recorded: &Json) {
    fn texts<'a>(v: &'a Json, key: Option<&str>, out: &mut Vec<&'a str>) {
        match v {
            Json::String(s) if key.is_none_or(|k| ["text", "content", "thinking", "refusal", "output", "transcript"].contains(&k)) => out.push(s),
            Json::Array(a) => a.iter().for_each(|x| texts(x, key.filter(|k| *k != "content"), out)),
            Json::Object(o) => o.iter().for_each(|(k, x)| texts(x, Some(k), out)),
            _ => {}
        }
    }
    fn strings(v: &Json, out: &mut String) {
        match v {
            Json::String(s) => {
                out.push_str(s);
                out.push('\u{0}');
            }
            Json::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Json::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut wanted = Vec::new();
    texts(original, None, &mut wanted);
    let mut haystack = String::new();
    strings(recorded, &mut haystack);
    for w in wanted {
        assert!(haystack.contains(w), "the text {w:?} was lost:\n{recorded:#}");
    }
}

fn types(msg: &Json) -> Vec<&str> {
    msg["parts"].as_array().unwrap().iter().map(|p| p["type"].as_str().unwrap()).collect()
}

// ------------------------------------------------------------------ OpenAI Chat Completions

fn openai_chat_request() -> Json {
    json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a weather assistant. Answer in one sentence."},
            {"role": "user", "content": [
                {"type": "text", "text": "What is the weather like where this photo was taken?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/eiffel.jpg", "detail": "low"}}
            ]},
            {"role": "assistant", "content": null, "refusal": null, "tool_calls": [
                {"id": "call_abc123", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"unit\":\"celsius\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_abc123", "content": "{\"temp_c\":14,\"sky\":\"rain\"}"},
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZFZm10IBAAAAABAAEA", "format": "wav"}}, {"type": "text", "text": "And tomorrow?"}]}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"], "additionalProperties": false},
            "strict": true}}],
        "temperature": 0.2
    })
}

fn openai_chat_response() -> Json {
    json!({
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion", "created": 1741570283, "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "It is raining in Paris, 14 °C; tomorrow looks drier.", "refusal": null, "annotations": []},
            "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 16, "total_tokens": 136}
    })
}

#[tokio::test]
async fn openai_chat_completions() {
    let req = openai_chat_request();
    // As the README suggests: `output_messages = |resp| resp.choices.clone()`.
    let (input, output, _, tools) = record(Exchange {
        provider: "openai",
        model: "gpt-4o",
        messages: req["messages"].clone(),
        system: None,
        tools: Some(req["tools"].clone()),
        response: openai_chat_response()["choices"].clone(),
    })
    .await;
    assert_eq!(input.as_array().unwrap().len(), 5);
    assert_eq!(types(&input[1]), ["text", "uri"]);
    assert_eq!(
        input[2]["parts"][0],
        json!({"type": "tool_call", "id": "call_abc123", "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}})
    );
    assert_eq!(input[3]["parts"][0]["type"], "tool_call_response");
    assert_eq!(types(&input[4]), ["blob", "text"]);
    assert_eq!(
        output,
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "It is raining in Paris, 14 °C; tomorrow looks drier."}], "finish_reason": "stop"}])
    );
    assert_eq!(tools.unwrap()[0]["name"], "get_weather");
}

#[tokio::test]
async fn openai_chat_whole_response_with_tool_calls() {
    let response = json!({"id": "chatcmpl-2", "object": "chat.completion", "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
        {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Lyon\"}"}}
    ]}}]});
    let (_, output, _, _) =
        record(Exchange { provider: "openai", model: "gpt-4o-mini", messages: json!("Weather in Paris and Lyon?"), system: None, tools: None, response }).await;
    assert_eq!(output[0]["finish_reason"], "tool_call");
    assert_eq!(types(&output[0]), ["tool_call", "tool_call"]);
    assert_eq!(output[0]["parts"][1]["arguments"], json!({"city": "Lyon"}));
}

// ------------------------------------------------------------------ OpenAI Responses

#[tokio::test]
async fn openai_responses_api() {
    let req = json!({
        "model": "gpt-4.1",
        "instructions": "You are a concise travel assistant.",
        "input": [
            {"role": "user", "content": "Plan a rainy afternoon in Paris."},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "I like museums."}, {"type": "input_image", "image_url": "https://example.com/map.png", "detail": "auto"}]},
            {"type": "function_call", "id": "fc_1", "call_id": "call_9", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
            {"type": "function_call_output", "call_id": "call_9", "output": "Rain until 18:00, 14 °C"}
        ],
        "tools": [
            {"type": "function", "name": "get_weather", "description": "Weather for a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}, "strict": true},
            {"type": "web_search_preview"}
        ]
    });
    let response = json!({
        "id": "resp_67ccd2bed1ec8190", "object": "response", "created_at": 1741476542, "status": "completed", "model": "gpt-4.1-2025-04-14",
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Indoor options near the Seine."}]},
            {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "Paris museums open today"}},
            {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "Visit the Musée d'Orsay, then tea at Angelina.", "annotations": []}]}
        ],
        "incomplete_details": null,
        "usage": {"input_tokens": 328, "output_tokens": 52, "total_tokens": 380}
    });
    let (input, output, system, tools) = record(Exchange {
        provider: "openai",
        model: "gpt-4.1",
        messages: req["input"].clone(),
        system: Some(req["instructions"].clone()),
        tools: Some(req["tools"].clone()),
        response,
    })
    .await;
    assert_eq!(input.as_array().unwrap().len(), 4);
    assert_eq!(input[2]["parts"][0]["id"], "call_9");
    assert_eq!(input[3]["parts"][0], json!({"type": "tool_call_response", "id": "call_9", "response": "Rain until 18:00, 14 °C"}));
    assert_eq!(output.as_array().unwrap().len(), 1, "one response, one output message");
    assert_eq!(types(&output[0]), ["reasoning", "server_tool_call", "text"]);
    assert_eq!(output[0]["finish_reason"], "stop");
    assert_eq!(system.unwrap(), json!([{"type": "text", "content": "You are a concise travel assistant."}]));
    assert_eq!(tools.unwrap()[1], json!({"type": "web_search_preview", "name": "web_search_preview"}));
}

// ------------------------------------------------------------------ Anthropic Messages

#[tokio::test]
async fn anthropic_messages() {
    let req = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": "You are a meticulous research assistant.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRgABAQ"}},
                {"type": "document", "source": {"type": "url", "url": "https://example.com/paper.pdf"}},
                {"type": "text", "text": "Summarize the paper and check today's weather in Oslo."}
            ]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "I should call the weather tool first.", "signature": "EqQBCgIYAhIM"},
                {"type": "text", "text": "Let me check the weather."},
                {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"city": "Oslo"}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9", "content": [{"type": "text", "text": "Snow, -3 °C"}]},
                {"type": "text", "text": "Thanks, go on."}
            ]}
        ],
        "tools": [
            {"name": "get_weather", "description": "Get the current weather in a given location",
             "input_schema": {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}}, "required": ["city"]}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5}
        ]
    });
    let response = json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "text", "text": "The paper argues for smaller models; Oslo has snow."},
            {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "Oslo weather"}},
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [{"type": "web_search_result", "url": "https://yr.no", "title": "Oslo", "encrypted_content": "abc"}]}
        ],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 2095, "output_tokens": 503}
    });
    let (input, output, system, tools) = record(Exchange {
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        messages: req["messages"].clone(),
        system: Some(req["system"].clone()),
        tools: Some(req["tools"].clone()),
        response,
    })
    .await;
    assert_eq!(types(&input[0]), ["blob", "uri", "text"]);
    assert_eq!(types(&input[1]), ["reasoning", "text", "tool_call"]);
    assert_eq!(input[2]["parts"][0], json!({"type": "tool_call_response", "id": "toolu_01A09q90qw90lq917835lq9", "response": "Snow, -3 °C"}));
    assert_eq!(types(&output[0]), ["text", "server_tool_call", "server_tool_call_response"]);
    assert_eq!(output[0]["finish_reason"], "stop", "end_turn");
    assert_eq!(system.unwrap(), json!([{"type": "text", "content": "You are a meticulous research assistant."}]));
    let tools = tools.unwrap();
    assert_eq!(tools[0]["parameters"]["required"], json!(["city"]));
    assert_eq!(tools[0]["type"], "function");
}

#[tokio::test]
async fn anthropic_stop_reasons_map_to_the_conventions() {
    for (stop, want) in [("end_turn", "stop"), ("max_tokens", "length"), ("tool_use", "tool_call"), ("stop_sequence", "stop"), ("refusal", "content_filter")] {
        let response = json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "ok"}], "stop_reason": stop});
        let (_, output, _, _) =
            record(Exchange { provider: "anthropic", model: "claude-haiku-4-5", messages: json!("hi"), system: None, tools: None, response }).await;
        assert_eq!(output[0]["finish_reason"], want, "{stop}");
    }
}

// ------------------------------------------------------------------ Gemini

#[tokio::test]
async fn gemini_generate_content() {
    let req = json!({
        "systemInstruction": {"parts": [{"text": "You are a cat expert."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "What breed is this cat?"}, {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4AAQSkZJRg"}}]},
            {"role": "model", "parts": [{"functionCall": {"name": "lookup_breed", "args": {"features": ["long hair", "flat face"]}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "lookup_breed", "response": {"breed": "Persian"}}}]},
            {"role": "user", "parts": [{"fileData": {"mimeType": "video/mp4", "fileUri": "gs://bucket/cat.mp4"}}, {"text": "And in this video?"}]}
        ],
        "tools": [
            {"functionDeclarations": [{"name": "lookup_breed", "description": "Find a breed by features",
              "parameters": {"type": "OBJECT", "properties": {"features": {"type": "ARRAY", "items": {"type": "STRING"}}}, "required": ["features"]}}]},
            {"googleSearch": {}}
        ]
    });
    let response = json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": "It is a Persian.", "thoughtSignature": "CiQB"}]}, "finishReason": "STOP", "index": 0,
            "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]}],
        "usageMetadata": {"promptTokenCount": 265, "candidatesTokenCount": 6, "totalTokenCount": 271},
        "modelVersion": "gemini-2.5-flash"
    });
    // The whole request and response objects this time: the lists are found in them.
    let (input, output, system, tools) = record(Exchange {
        provider: "gcp.gemini",
        model: "gemini-2.5-flash",
        messages: req.clone(),
        system: Some(req["systemInstruction"].clone()),
        tools: Some(req["tools"].clone()),
        response,
    })
    .await;
    assert_eq!(input.as_array().unwrap().len(), 4);
    assert_eq!(types(&input[0]), ["text", "blob"]);
    assert_eq!(input[1]["role"], "assistant");
    assert_eq!(types(&input[1]), ["tool_call"]);
    assert_eq!(types(&input[2]), ["tool_call_response"]);
    assert_eq!(input[3]["parts"][0], json!({"type": "uri", "mime_type": "video/mp4", "modality": "video", "uri": "gs://bucket/cat.mp4"}));
    assert_eq!(output, json!([{"role": "assistant", "parts": [{"type": "text", "content": "It is a Persian."}], "finish_reason": "stop"}]));
    assert_eq!(system.unwrap(), json!([{"type": "text", "content": "You are a cat expert."}]));
    let tools = tools.unwrap();
    assert_eq!(tools[0]["parameters"]["properties"]["features"]["items"]["type"], "string", "OpenAPI type names lower-cased");
    assert_eq!(tools[1]["type"], "googleSearch");
}

#[tokio::test]
async fn gemini_finish_reasons_map_to_the_conventions() {
    for (reason, want) in [("STOP", "stop"), ("MAX_TOKENS", "length"), ("SAFETY", "content_filter"), ("RECITATION", "content_filter")] {
        let response = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "…"}]}, "finishReason": reason}]});
        let (_, output, _, _) =
            record(Exchange { provider: "gcp.gemini", model: "gemini-2.5-pro", messages: json!("hi"), system: None, tools: None, response }).await;
        assert_eq!(output[0]["finish_reason"], want, "{reason}");
    }
}

// ------------------------------------------------------------------ bad input

#[tokio::test]
async fn unknown_payloads_and_invalid_parts_are_kept_as_text() {
    let messages = json!([
        {"kind": "note", "body": "an unknown message shape"},
        {"role": "user", "parts": [{"type": "text", "content": 42}, {"type": "uri", "uri": "https://no-modality"}, "a bare string part", {"no": "type"}]},
        {"role": "user", "content": [{"type": "hologram", "beam": "a holographic part"}]}
    ]);
    let response = json!({"result": {"answer": "an unknown response shape"}});
    let t = capture_on();
    call(&Exchange { provider: "acme", model: "m1", messages: messages.clone(), system: Some(json!(17)), tools: Some(json!([{"weird": true}, 3])), response })
        .await
        .unwrap();
    let span = t.span("chat m1");
    let s = schemas();
    let input = json_attr(&span, "gen_ai.input.messages").unwrap();
    let output = json_attr(&span, "gen_ai.output.messages").unwrap();
    s.input.check("input", &input);
    s.output.check("output", &output);
    s.system.check("system", &json_attr(&span, "gen_ai.system_instructions").unwrap());
    let tools = json_attr(&span, "gen_ai.tool.definitions").unwrap();
    s.tools.check("tools", &tools);
    assert_eq!(tools.as_array().unwrap().len(), 2, "no definition dropped");
    // Losslessly: every piece is a text part holding its JSON text.
    assert_eq!(input.as_array().unwrap().len(), 3);
    let raw = string_attr(&span, "gen_ai.input.messages").unwrap();
    for piece in ["an unknown message shape", "42", "https://no-modality", "a bare string part", "type", "a holographic part"] {
        assert!(raw.contains(piece), "{piece} lost: {raw}");
    }
    assert_eq!(types(&input[1]), ["text", "text", "text", "text"]);
    assert_eq!(output[0]["finish_reason"], "stop");
    assert!(output[0]["parts"][0]["content"].as_str().unwrap().contains("an unknown response shape"));
}

// ------------------------------------------------------------------ tools

#[derive(Serialize)]
struct Forecast {
    temp_c: i32,
    sky: &'static str,
}

/// Looks up the weather.
#[genai_tool]
async fn forecast(city: &str, days: u8) -> Result<Forecast, ApiError> {
    Ok(Forecast { temp_c: 10 + days as i32, sky: if city == "Paris" { "rain" } else { "sun" } })
}

/// Answers in plain text.
#[genai_tool]
fn describe(city: &str) -> String {
    format!("{city}: rainy, 14 °C")
}

/// Returns what a remote tool sent: JSON text.
#[genai_tool]
fn remote(query: &str) -> String {
    let _ = query;
    r#"{"hits": 3, "top": "Musée d'Orsay"}"#.to_owned()
}

#[tokio::test]
async fn tool_arguments_and_results() {
    let t = capture_on();
    forecast("Paris", 2).await.unwrap();
    describe("Oslo");
    remote("museums");
    let span = t.span("execute_tool forecast");
    assert_eq!(json_attr(&span, "gen_ai.tool.call.arguments"), Some(json!({"city": "Paris", "days": 2})));
    assert_eq!(json_attr(&span, "gen_ai.tool.call.result"), Some(json!({"temp_c": 12, "sky": "rain"})));
    // A string result stays a string (the conventions' type is `any`), not `{"value": ...}`.
    let span = t.span("execute_tool describe");
    assert_eq!(json_attr(&span, "gen_ai.tool.call.result"), Some(json!("Oslo: rainy, 14 °C")));
    // A string holding a JSON object is parsed (the conventions ask for a best-effort parse).
    let span = t.span("execute_tool remote");
    assert_eq!(json_attr(&span, "gen_ai.tool.call.result"), Some(json!({"hits": 3, "top": "Musée d'Orsay"})));
}

/// Stores a document.
#[genai_tool]
fn store(doc: &str) -> usize {
    doc.len()
}

#[test]
fn a_huge_tool_argument_is_truncated_to_valid_json() {
    let t = capture_on();
    let doc = "lorem ipsum ".repeat(10_000);
    assert_eq!(store(&doc), doc.len());
    let span = t.span("execute_tool store");
    let raw = string_attr(&span, "gen_ai.tool.call.arguments").unwrap();
    assert!(raw.len() <= 16 * 1024, "{} bytes", raw.len());
    let args: Json = serde_json::from_str(&raw).expect("valid JSON");
    assert!(args["doc"].as_str().unwrap().starts_with("lorem ipsum"));
    assert!(args["doc"].as_str().unwrap().ends_with("…[truncated]"));
    assert_eq!(attr(&span, "genai_o11y.content.truncated"), Some(&Value::Bool(true)));
    assert_eq!(json_attr(&span, "gen_ai.tool.call.result"), Some(json!(doc.len())));
}

// ------------------------------------------------------------------ any input

/// A deterministic generator (xorshift) of odd JSON values built from the keys and strings the
/// normalizers look at, plus the realistic payloads above with parts replaced by odd values.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

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
    "source",
    "data",
    "media_type",
    "functionCall",
    "functionResponse",
    "inlineData",
    "fileData",
    "tools",
    "functionDeclarations",
    "parameters",
    "input_schema",
    "system",
    "summary",
    "file",
    "file_id",
    "modality",
    "uri",
    "tool_call_id",
    "server_tool_call",
    "thought",
    "mimeType",
    "fileUri",
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
    "tool_call",
    "tool_call_response",
    "blob",
    "uri",
    "file",
    "refusal",
    "stop",
    "STOP",
    "OBJECT",
    "INTEGER",
    "response",
    "data:image/png;base64,AAAA",
    "{\"a\":1}",
    "",
    "input_image",
    "input_file",
    "input_audio",
    "server_tool_call",
    "custom",
];

fn odd(r: &mut Rng, depth: usize) -> Json {
    match r.below(if depth == 0 { 5 } else { 8 }) {
        0 => Json::Null,
        1 => Json::Bool(r.below(2) == 0),
        2 => json!(r.next() as i64 % 100),
        3 => Json::String(STRINGS[r.below(STRINGS.len())].to_owned()),
        4 => json!(1.5),
        5 | 6 => Json::Object((0..r.below(5)).map(|_| (KEYS[r.below(KEYS.len())].to_owned(), odd(r, depth - 1))).collect()),
        _ => Json::Array((0..r.below(4)).map(|_| odd(r, depth - 1)).collect()),
    }
}

/// Replaces one random node of `v` by an odd value.
fn mutate(v: &mut Json, r: &mut Rng) {
    let n = match v {
        Json::Array(a) if !a.is_empty() => a.len(),
        Json::Object(o) if !o.is_empty() => o.len(),
        _ => return *v = odd(r, 2),
    };
    let i = r.below(n + 1);
    if i == n {
        return *v = odd(r, 2);
    }
    match v {
        Json::Array(a) => mutate(&mut a[i], r),
        Json::Object(o) => mutate(o.values_mut().nth(i).expect("in range"), r),
        _ => unreachable!("checked above"),
    }
}

fn has_empty_list(v: &Json) -> bool {
    match v {
        Json::Array(a) => a.is_empty() || a.iter().any(has_empty_list),
        Json::Object(o) => o.values().any(has_empty_list),
        _ => false,
    }
}

#[test]
fn any_json_value_is_recorded_schema_valid() {
    let s = schemas();
    let config = CaptureConfig::new(CaptureMode::SpanOnly);
    let seeds = [openai_chat_request(), openai_chat_response(), openai_chat_request()["messages"].clone(), openai_chat_request()["tools"].clone()];
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    for case in 0..6_000 {
        let v = if case % 2 == 0 {
            odd(&mut r, 5)
        } else {
            let mut v = seeds[r.below(seeds.len())].clone();
            for _ in 0..3 {
                mutate(&mut v, &mut r);
            }
            v
        };
        for (kind, schema) in [
            (ContentKind::InputMessages, &s.input),
            (ContentKind::OutputMessages, &s.output),
            (ContentKind::SystemInstructions, &s.system),
            (ContentKind::ToolDefinitions, &s.tools),
        ] {
            let Some((text, _)) = config.prepare(kind, v.clone()) else {
                assert!(v.is_null(), "case {case}: {kind:?} dropped {v}");
                continue;
            };
            let recorded: Json = serde_json::from_str(&text).expect("valid JSON");
            if kind == ContentKind::ToolDefinitions {
                // A function's `parameters` are the application's JSON Schema, recorded as given:
                // odd ones match the schema's generic definition branch, not the function one.
                let errors: Vec<String> = schema.whole.iter_errors(&recorded).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "case {case} {kind:?} from {v}: {errors:?}\n{recorded}");
            } else {
                schema.check(&format!("case {case} {kind:?} from {v}"), &recorded);
            }
            // An empty list only from an empty list (`{"choices": []}`, `[]`).
            if recorded == json!([]) && kind != ContentKind::SystemInstructions {
                assert!(has_empty_list(&v), "case {case}: {kind:?} of {v} recorded as an empty list");
            }
        }
    }
}

// ------------------------------------------------------------------ async-openai's own types

use async_openai::types::chat::{CreateChatCompletionRequest, CreateChatCompletionResponse};

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = req.model.as_str(),
    input_messages = req.messages,
    tool_definitions = req.tools,
    output_messages = |r| r.choices.clone()
)]
async fn openai_chat(req: &CreateChatCompletionRequest, reply: serde_json::Value) -> Result<CreateChatCompletionResponse, ApiError> {
    Ok(serde_json::from_value(reply).expect("a documented chat completion"))
}

/// The README's form with the real client's request and response types (async-openai 0.43,
/// deserialized from payloads shaped as OpenAI documents them): every attribute schema-valid,
/// every text kept, the answer's text and tool call present.
#[tokio::test]
async fn async_openai_request_and_response_types() {
    let req: CreateChatCompletionRequest = serde_json::from_value(json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a weather assistant."},
            {"role": "user", "content": [
                {"type": "text", "text": "What should I wear in Paris today?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/sky.jpg", "detail": "low"}}
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_abc123", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_abc123", "content": "18°C and raining"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather for a city",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    }))
    .expect("a documented request");
    let reply = json!({
        "id": "chatcmpl-AbC123", "object": "chat.completion", "created": 1741570283, "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                     "message": {"role": "assistant", "content": "Take an umbrella and a light coat.", "refusal": null, "annotations": []}}],
        "usage": {"prompt_tokens": 82, "completion_tokens": 9, "total_tokens": 91}
    });
    let t = capture_on();
    openai_chat(&req, reply).await.unwrap();
    let span = t.span("chat gpt-4o");
    let s = schemas();
    let input = json_attr(&span, "gen_ai.input.messages").expect("input");
    let output = json_attr(&span, "gen_ai.output.messages").expect("output");
    let tools = json_attr(&span, "gen_ai.tool.definitions").expect("tools");
    s.input.check("gen_ai.input.messages", &input);
    s.output.check("gen_ai.output.messages", &output);
    s.tools.check("gen_ai.tool.definitions", &tools);
    survives(&serde_json::to_value(&req.messages).unwrap(), &input);
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["finish_reason"], "stop");
    assert!(output.to_string().contains("Take an umbrella and a light coat."), "{output}");
    assert!(input.to_string().contains("call_abc123") && input.to_string().contains("get_weather"), "the tool call and its response: {input}");
    assert_eq!(tools[0]["name"], "get_weather", "flattened: {tools}");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(82), "usage through the adapter, no `usage = ...`");
}

// ------------------------------------------------------------------ streamed answers

/// A chunk of any provider's stream, as JSON (a user's chunk type: `output_messages` hands its
/// body over per chunk).
#[derive(HasUsage)]
struct StreamChunk {
    output_tokens: Option<u32>,
    #[usage(skip)]
    body: Json,
}

#[genai_span(operation = "chat", provider = "any", model = "m", output_messages = |c: &StreamChunk| c.body.clone())]
fn stream_of(chunks: Vec<Json>) -> impl futures::Stream<Item = Result<StreamChunk, ApiError>> {
    let n = chunks.len();
    futures::stream::iter(chunks.into_iter().enumerate().map(move |(i, body)| Ok(StreamChunk { output_tokens: (i + 1 == n).then_some(7), body })))
}

/// Streams the chunks to the end; validates and returns the recorded answer.
async fn streamed(chunks: Vec<Json>) -> Json {
    use futures::StreamExt;
    let t = capture_on();
    let items: Vec<_> = stream_of(chunks).collect().await;
    assert!(items.iter().all(Result::is_ok));
    let span = t.span("chat m");
    let output = json_attr(&span, "gen_ai.output.messages").expect("the streamed answer is recorded");
    schemas().output.check("gen_ai.output.messages (streamed)", &output);
    output
}

#[tokio::test]
async fn streamed_answers_of_every_provider_match_the_output_schema() {
    // OpenAI Chat Completions chunks: text and a tool call in fragments, two choices.
    let out = streamed(vec![
        json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Sun"}}, {"index": 1, "delta": {"content": "Rain"}}]}),
        json!({"choices": [{"index": 0, "delta": {"content": "ny."}, "finish_reason": "stop"}, {"index": 1, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{\"a\":"}}]}}]}),
        json!({"choices": [{"index": 1, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}, "finish_reason": "tool_calls"}]}),
        json!({"choices": [], "usage": {"completion_tokens": 7}}),
    ])
    .await;
    assert_eq!(out[0]["parts"][0]["content"], "Sunny.");
    assert_eq!(out[1]["parts"][1], json!({"type": "tool_call", "id": "call_1", "name": "f", "arguments": {"a": 1}}));
    assert_eq!(out[1]["finish_reason"], "tool_call");
    // The Responses API: deltas, then the completed response wins.
    let out = streamed(vec![
        json!({"type": "response.output_text.delta", "output_index": 0, "delta": "Hel"}),
        json!({"type": "response.completed", "response": {"object": "response", "status": "completed", "output": [
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello"}]}]}}),
    ])
    .await;
    assert_eq!(out[0]["parts"][0]["content"], "Hello");
    // Anthropic events with thinking, text and a tool use.
    let out = streamed(vec![
        json!({"type": "message_start", "message": {"role": "assistant"}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me see"}}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Checking."}}),
        json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}}}),
        json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"q\":\"rust\"}"}}),
        json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}}),
    ])
    .await;
    assert_eq!(out[0]["parts"][0]["type"], "reasoning");
    assert_eq!(out[0]["parts"][2]["arguments"], json!({"q": "rust"}));
    // Gemini.
    let out = streamed(vec![
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Bon"}]}}]}),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "jour"}]}, "finishReason": "MAX_TOKENS"}]}),
    ])
    .await;
    assert_eq!(out, json!([{"role": "assistant", "parts": [{"type": "text", "content": "Bonjour"}], "finish_reason": "length"}]));
    // Plain strings, and garbage that adds nothing.
    let out = streamed(vec![json!("a"), json!(null), json!(42), json!({"weird": true}), json!("b")]).await;
    assert_eq!(out[0]["parts"][0]["content"], "ab");
}

#[tokio::test]
async fn a_long_stream_keeps_at_most_max_length() {
    use futures::StreamExt;
    let t = TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly).max_length(1024)));
    let chunks: Vec<Json> = (0..10_000).map(|i| json!({"choices": [{"index": 0, "delta": {"content": format!("word{i} ")}}]})).collect();
    let _: Vec<_> = stream_of(chunks).collect().await;
    let span = t.span("chat m");
    let text = match attr(&span, "gen_ai.output.messages") {
        Some(Value::String(s)) => s.as_str().to_owned(),
        other => panic!("{other:?}"),
    };
    assert!(text.len() <= 1024, "{} bytes", text.len());
    let output: Json = serde_json::from_str(&text).expect("still JSON");
    schemas().output.check("a truncated streamed answer", &output);
    assert!(output[0]["parts"][0]["content"].as_str().unwrap().starts_with("word0 word1 "));
}

// ------------------------------------------------------------------ media as references

/// Base64 of `n` pseudo-random bytes (and the bytes).
fn media_bytes(n: usize, seed: u64) -> (Vec<u8>, String) {
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(n.div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= c.len() { A[((v >> shift) & 63) as usize] as char } else { '=' });
        }
    }
    (bytes, out)
}

fn with_media(dir: &std::path::Path) -> TestTelemetry {
    let sink = genai_o11y::capture::media::MediaSink::new(genai_o11y::capture::media::FilesystemUploader::new(dir));
    TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly).media(sink)))
}

fn uri_parts(messages: &Json) -> Vec<Json> {
    messages.as_array().unwrap().iter().flat_map(|m| m["parts"].as_array().cloned().unwrap_or_default()).filter(|p| p["type"] == "uri").collect()
}

#[tokio::test]
async fn base64_media_of_every_provider_becomes_references_valid_by_the_official_schema() {
    let dir = std::env::temp_dir().join(format!("genai-o11y-media-it-{}", std::process::id()));
    let (image, image_b64) = media_bytes(2 * 1024 * 1024, 7);
    let (audio, audio_b64) = media_bytes(40_000, 11);
    let (_, doc_b64) = media_bytes(30_000, 13);
    let exchanges = [
        // OpenAI Chat: an image data URL, input_audio, a file with file_data.
        json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe these."},
            {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{image_b64}")}},
            {"type": "input_audio", "input_audio": {"data": audio_b64, "format": "wav"}},
            {"type": "file", "file": {"filename": "a.pdf", "file_data": format!("data:application/pdf;base64,{doc_b64}")}}
        ]}]}),
        // OpenAI Responses: input_image and input_file.
        json!({"model": "gpt-4.1", "input": [{"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Describe these."},
            {"type": "input_image", "image_url": format!("data:image/jpeg;base64,{image_b64}")},
            {"type": "input_file", "filename": "a.pdf", "file_data": format!("data:application/pdf;base64,{doc_b64}")}
        ]}]}),
        // Anthropic: image and document base64 sources.
        json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe these."},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image_b64}},
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": doc_b64}}
        ]}]}),
        // Gemini: inlineData.
        json!({"contents": [{"role": "user", "parts": [{"text": "Describe these."}, {"inlineData": {"mimeType": "image/png", "data": image_b64}}]}]}),
    ];
    for (i, messages) in exchanges.into_iter().enumerate() {
        let t = with_media(&dir);
        let x = Exchange { provider: "openai", model: "gpt-4o", messages, system: None, tools: None, response: json!({"role": "assistant", "content": "ok"}) };
        call(&x).await.unwrap();
        let span = t.span("chat gpt-4o");
        let text = match attr(&span, "gen_ai.input.messages") {
            Some(Value::String(s)) => s.as_str().to_owned(),
            other => panic!("{other:?}"),
        };
        assert!(text.len() < 4096, "exchange {i}: no base64 on the span ({} bytes)", text.len());
        let input: Json = serde_json::from_str(&text).unwrap();
        schemas().input.check("gen_ai.input.messages", &input);
        let uris = uri_parts(&input);
        assert!(!uris.is_empty(), "exchange {i}: {input:#}");
        for p in &uris {
            assert!(p["uri"].as_str().unwrap().starts_with("file://"), "{p}");
            assert!(p["size"].as_u64().unwrap() > 1024);
            assert!(p["modality"].is_string());
        }
        assert_eq!(attr(&span, "genai_o11y.content.truncated"), None, "exchange {i}: nothing cut");
    }
    // The bytes arrive, decoded, named by their hash (each piece once, whatever the provider).
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let written = || {
        std::fs::read_dir(&dir).map(|d| d.filter_map(Result::ok).map(|e| std::fs::read(e.path()).unwrap_or_default()).collect::<Vec<_>>()).unwrap_or_default()
    };
    while !(written().contains(&image) && written().contains(&audio)) && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(written().contains(&image), "the 2 MiB image, decoded");
    assert!(written().contains(&audio), "the audio, decoded");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn hostile_media_stays_valid_and_bounded() {
    let t = capture_on();
    let (_, big_b64) = media_bytes(50 * 1024 * 1024, 3);
    let hundred: Vec<Json> =
        (0..100).map(|i| json!({"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{i:03}{}", "QUJD".repeat(600))}})).collect();
    let messages = json!([
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": format!("data:;base64,{}", "QUJD".repeat(1000))}}]},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{}", "!?".repeat(2000))}}]},
        {"role": "user", "content": hundred},
        {"role": "user", "content": [{"type": "file", "file": {"filename": "big.bin", "file_data": format!("data:application/octet-stream;base64,{big_b64}")}}]}
    ]);
    let x = Exchange { provider: "openai", model: "gpt-4o", messages, system: None, tools: None, response: json!({"role": "assistant", "content": "ok"}) };
    call(&x).await.unwrap();
    let span = t.span("chat gpt-4o");
    let input = json_attr(&span, "gen_ai.input.messages").unwrap();
    schemas().input.check("gen_ai.input.messages", &input);
    let uris = uri_parts(&input);
    // Within the attribute's size limit, every piece that fits is a reference (the list is cut
    // from its end, valid JSON, when the references of a hundred images do not fit).
    assert!(uris.len() >= 2, "{}", uris.len());
    assert!(uris.iter().all(|p| p["uri"].as_str().unwrap().starts_with("urn:genai-o11y:media:xxh3-")));
    assert_eq!(uris[0]["mime_type"], Json::Null, "a data URL without a MIME type");
}

#[tokio::test]
async fn generated_media_in_outputs_becomes_references_valid_by_the_official_schema() {
    let t = capture_on();
    let (_, image_b64) = media_bytes(600_000, 17);
    let outputs = [
        // The Images API: one assistant message of image parts (gpt-image-1 names its format).
        json!({"created": 1_713_833_628, "output_format": "webp", "data": [{"b64_json": image_b64, "revised_prompt": "a red fox in the snow"}], "usage": {"input_tokens": 10}}),
        // The Responses API's image generation tool: its base64 result inside the item.
        json!({"object": "response", "status": "completed", "output": [
            {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": image_b64},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Here is your fox."}]}
        ]}),
    ];
    for (i, response) in outputs.into_iter().enumerate() {
        let model = if i == 0 { "gpt-image-1" } else { "gpt-4.1" };
        let x = Exchange { provider: "openai", model, messages: json!("Draw a red fox in the snow."), system: None, tools: None, response };
        call(&x).await.unwrap();
        let span = t.span(&format!("chat {model}"));
        let text = match attr(&span, "gen_ai.output.messages") {
            Some(Value::String(s)) => s.as_str().to_owned(),
            other => panic!("{other:?}"),
        };
        assert!(text.len() < 2048, "output {i}: no base64 on the span ({} bytes): {}", text.len(), &text[..200.min(text.len())]);
        assert!(text.contains("urn:genai-o11y:media:xxh3-"), "output {i}: {text}");
        let output: Json = serde_json::from_str(&text).unwrap();
        schemas().output.check("gen_ai.output.messages", &output);
        assert_eq!(attr(&span, "genai_o11y.content.truncated"), None, "output {i}: nothing cut");
        if i == 0 {
            let parts = &output[0]["parts"];
            assert_eq!(parts[0], json!({"type": "text", "content": "a red fox in the snow"}));
            assert_eq!(parts[1]["type"], "uri");
            assert_eq!(
                (parts[1]["mime_type"].as_str(), parts[1]["modality"].as_str(), parts[1]["size"].as_u64()),
                (Some("image/webp"), Some("image"), Some(600_000))
            );
        }
        t.reset_spans();
    }
}

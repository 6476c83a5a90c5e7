//! async-openai's real client against the fake OpenAI-compatible server on loopback (no
//! network): its own stream alias as an annotated function's return type, the traced calls
//! (`client.traced()`), and the streamed answer captured from the chunks the application saw.

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, ChatCompletionResponseStream, ChatCompletionStreamOptions, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, FunctionObject, StopConfiguration,
};
use async_openai::Client;
use futures::StreamExt;
use genai_o11y::adapters::async_openai::TracedClient;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, CaptureConfig, CaptureMode, Settings};
use genai_o11y_examples::fake_openai;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{json, Value as Json};

fn client(fake: &fake_openai::FakeOpenAi) -> Client<OpenAIConfig> {
    Client::with_config(OpenAIConfig::new().with_api_base(fake.base_url()).with_api_key("sk-test"))
}

fn request(text: &str, stream: bool) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest {
        model: "gpt-4o".into(),
        messages: vec![ChatCompletionRequestUserMessage::from(text).into()],
        stream: stream.then_some(true),
        stream_options: stream.then_some(ChatCompletionStreamOptions { include_usage: Some(true), include_obfuscation: None }),
        ..Default::default()
    }
}

fn weather_tool() -> ChatCompletionTools {
    ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObject {
            name: "get_weather".into(),
            description: Some("Current weather of a city".into()),
            parameters: Some(json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})),
            strict: None,
        },
    })
}

fn capturing() -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)))
}

fn int(s: &SpanData, key: &str) -> Option<i64> {
    match attr(s, key) {
        Some(Value::I64(v)) => Some(*v),
        _ => None,
    }
}
fn float(s: &SpanData, key: &str) -> Option<f64> {
    match attr(s, key) {
        Some(Value::F64(v)) => Some(*v),
        _ => None,
    }
}
fn string(s: &SpanData, key: &str) -> Option<String> {
    attr(s, key).map(|v| v.as_str().into_owned())
}
fn json_attr(s: &SpanData, key: &str) -> Option<Json> {
    string(s, key).map(|t| serde_json::from_str(&t).unwrap_or_else(|e| panic!("{key} is JSON: {e}: {t}")))
}
fn strings(s: &SpanData, key: &str) -> Vec<String> {
    match attr(s, key) {
        Some(Value::Array(Array::String(v))) => v.iter().map(|s| s.as_str().to_owned()).collect(),
        other => panic!("{key}: {other:?}"),
    }
}

/// What the application saw of a stream: the concatenated text of its chunks.
async fn drain(mut stream: ChatCompletionResponseStream) -> String {
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        for c in &chunk.choices {
            text.push_str(c.delta.content.as_deref().unwrap_or(""));
        }
    }
    text
}

// ------------------------------------------------------------------ the client's own stream alias

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), input_messages = req.messages)]
async fn chat_stream(client: &Client<OpenAIConfig>, req: CreateChatCompletionRequest) -> Result<ChatCompletionResponseStream, OpenAIError> {
    client.chat().create_stream(req).await
}

#[tokio::test]
async fn an_annotated_fn_returning_the_clients_stream_alias_covers_the_stream_and_captures_the_answer() {
    let fake = fake_openai::start().await;
    let t = capturing();
    let seen = drain(chat_stream(&client(&fake), request("Where to go in May?", true)).await.unwrap()).await;
    assert_eq!(seen, "Scripted answer to: Where to go in May?");

    let s = t.span("chat gpt-4o");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(attr(&s, "gen_ai.request.stream"), Some(&Value::Bool(true)));
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(40));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(seen.split_inclusive(' ').count() as i64), "the usage of the last chunk (a token per word)");
    assert_eq!(string(&s, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
    assert!(s.end_time >= s.start_time + std::time::Duration::from_millis(2 * 6), "the span lasts until the stream ends");
    assert_eq!(
        json_attr(&s, "gen_ai.output.messages"),
        Some(json!([{"role": "assistant", "parts": [{"type": "text", "content": seen}], "finish_reason": "stop"}])),
        "the answer the user saw"
    );
    assert_eq!(json_attr(&s, "gen_ai.input.messages").unwrap()[0]["parts"][0]["content"], "Where to go in May?");
}

#[tokio::test]
async fn with_capture_off_a_stream_records_no_content() {
    let fake = fake_openai::start().await;
    let t = TestTelemetry::new();
    let seen = drain(chat_stream(&client(&fake), request("hello", true)).await.unwrap()).await;
    let s = t.span("chat gpt-4o");
    assert_eq!(attr(&s, "gen_ai.output.messages"), None);
    assert_eq!(attr(&s, "gen_ai.input.messages"), None);
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(seen.split_inclusive(' ').count() as i64));
}

#[tokio::test]
async fn a_stream_dropped_early_records_the_answer_so_far() {
    let fake = fake_openai::start().await;
    let t = capturing();
    let mut stream = chat_stream(&client(&fake), request("one two three four", true)).await.unwrap();
    let mut seen = String::new();
    for _ in 0..3 {
        let chunk = stream.next().await.unwrap().unwrap();
        seen.push_str(chunk.choices[0].delta.content.as_deref().unwrap_or(""));
    }
    drop(stream);
    let s = t.span("chat gpt-4o");
    assert_eq!(string(&s, "error.type").as_deref(), Some("cancelled"));
    let out = json_attr(&s, "gen_ai.output.messages").expect("the partial answer");
    assert_eq!(out[0]["parts"][0]["content"], seen.as_str());
}

// ------------------------------------------------------------------ client.traced()

#[tokio::test]
async fn traced_chat_reads_the_request_and_the_response() {
    let fake = fake_openai::start().await;
    let t = capturing();
    let mut req = request("Plan a trip", false);
    req.temperature = Some(0.25);
    req.max_completion_tokens = Some(300);
    req.top_p = Some(0.9);
    req.stop = Some(StopConfiguration::StringArray(vec!["END".into()]));
    req.n = Some(1);
    req.tools = Some(vec![weather_tool()]);
    let resp = client(&fake).traced().with(|c| c.prompt_name("trip-planner").prompt_version("7").attribute("app.tier", "gold")).chat(req).await.unwrap();
    assert_eq!(resp.choices[0].finish_reason.map(genai_o11y::adapters::async_openai::finish_reason), Some("tool_calls"));

    let s = t.span("chat gpt-4o");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(string(&s, "gen_ai.provider.name").as_deref(), Some("openai"));
    assert_eq!(float(&s, "gen_ai.request.temperature").map(|v| (v * 100.0).round()), Some(25.0));
    assert_eq!(int(&s, "gen_ai.request.max_tokens"), Some(300));
    assert_eq!(float(&s, "gen_ai.request.top_p").map(|v| (v * 100.0).round()), Some(90.0));
    assert_eq!(strings(&s, "gen_ai.request.stop_sequences"), ["END"]);
    assert_eq!(attr(&s, "gen_ai.request.choice.count"), None, "n = 1 is the default");
    assert_eq!(string(&s, "server.address").as_deref(), Some("127.0.0.1"));
    assert_eq!(int(&s, "server.port"), Some(i64::from(fake.port())));
    assert_eq!(string(&s, "gen_ai.prompt.name").as_deref(), Some("trip-planner"));
    assert_eq!(string(&s, "gen_ai.prompt.version").as_deref(), Some("7"));
    assert_eq!(string(&s, "app.tier").as_deref(), Some("gold"));
    assert_eq!(int(&s, "gen_ai.usage.input_tokens"), Some(40));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(24));
    assert_eq!(strings(&s, "gen_ai.response.finish_reasons"), ["tool_calls"]);
    assert_eq!(string(&s, "gen_ai.response.id").as_deref(), Some("chatcmpl-fake-1"));
    let out = json_attr(&s, "gen_ai.output.messages").unwrap();
    assert_eq!(out[0]["finish_reason"], "tool_call");
    assert_eq!(out[0]["parts"][0]["type"], "tool_call");
    assert_eq!(out[0]["parts"][0]["name"], "get_weather");
    let tools = json_attr(&s, "gen_ai.tool.definitions").unwrap();
    assert_eq!(tools[0]["name"], "get_weather");
    let durations = t.f64_histogram("gen_ai.client.operation.duration");
    assert_eq!(durations.iter().map(|p| p.count()).sum::<u64>(), 1);
}

#[tokio::test]
async fn traced_chat_stream_captures_text_and_tool_call_fragments() {
    let fake = fake_openai::start().await;
    let t = capturing();
    let mut req = request("Weather in Paris and Oslo?", true);
    req.tools = Some(vec![weather_tool()]);
    let mut stream = client(&fake).traced().chat_stream(req).await.unwrap();
    let mut calls = Vec::new();
    while let Some(chunk) = stream.next().await {
        for c in chunk.unwrap().choices {
            calls.extend(c.delta.tool_calls.unwrap_or_default().into_iter().filter_map(|c| c.function.and_then(|f| f.name)));
        }
    }
    assert_eq!(calls, ["get_weather", "get_weather"]);
    let s = t.span("chat gpt-4o");
    assert_eq!(attr(&s, "gen_ai.request.stream"), Some(&Value::Bool(true)));
    assert_eq!(int(&s, "gen_ai.usage.output_tokens"), Some(24));
    let out = json_attr(&s, "gen_ai.output.messages").unwrap();
    let parts = out[0]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0], json!({"type": "tool_call", "id": "call_paris", "name": "get_weather", "arguments": {"city": "Paris"}}));
    assert_eq!(parts[1]["id"], "call_oslo");
    assert_eq!(out[0]["finish_reason"], "tool_call");
}

#[tokio::test]
async fn traced_errors_carry_the_http_status() {
    let fake = fake_openai::start().await;
    fake.set_failure(Some(429));
    let t = TestTelemetry::new();
    let err = client(&fake).traced().chat(request("hi", false)).await.unwrap_err();
    assert!(matches!(err, OpenAIError::ApiError(_)), "{err:?}");
    let s = t.span("chat gpt-4o");
    assert_eq!(string(&s, "error.type").as_deref(), Some("429"));
    assert!(matches!(s.status, Status::Error { .. }));
    let err = client(&fake).traced().chat_stream(request("hi", true)).await.err().expect("the stream fails to open");
    assert!(matches!(err, OpenAIError::ApiError(_) | OpenAIError::StreamError(_)), "{err:?}");
    let failed: Vec<_> = t.spans().into_iter().filter(|s| string(s, "error.type").is_some()).collect();
    assert_eq!(failed.len(), 2);
    assert!(t.f64_histogram("gen_ai.client.operation.duration").iter().all(|p| p.attributes().any(|kv| kv.key.as_str() == "error.type")));
}

#[tokio::test]
async fn an_annotated_fn_and_a_traced_call_record_the_same_telemetry() {
    let fake = fake_openai::start().await;
    let t = TestTelemetry::new();
    drain(chat_stream(&client(&fake), request("same", true)).await.unwrap()).await;
    drain(client(&fake).traced().chat_stream(request("same", true)).await.unwrap()).await;
    let spans = t.spans();
    assert_eq!(spans.len(), 2);
    let keys = |s: &SpanData| {
        let mut k: Vec<String> = s.attributes.iter().map(|kv| kv.key.to_string()).filter(|k| !k.starts_with("server.")).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&spans[0]), keys(&spans[1]), "the traced call adds only server.address / server.port");
    assert_eq!(int(&spans[0], "gen_ai.usage.output_tokens"), int(&spans[1], "gen_ai.usage.output_tokens"));
}

/// `client.traced().fetch_response(id)`: the Responses API's "Get a model response" in a
/// `fetch_response` span, in both convention modes; its streamed variant resuming after an event.
#[tokio::test]
async fn traced_fetch_response_in_both_modes() {
    use futures::StreamExt as _;
    use genai_o11y::Conventions;
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let fake = fake_openai::start().await;
        let client = client(&fake);
        let t = TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        let latest = conventions == Conventions::LatestExperimental;

        let fetched = client.traced().fetch_response("resp_cut").await.unwrap();
        assert_eq!(fetched.id, "resp_cut", "the function returns what the client returned");
        let s = t.span("fetch_response");
        assert_eq!(s.span_kind, SpanKind::Client);
        assert_eq!(string(&s, "gen_ai.operation.name").as_deref(), Some("fetch_response"));
        assert_eq!(string(&s, "gen_ai.provider.name").as_deref(), Some("openai"));
        assert_eq!(string(&s, "gen_ai.response.id").as_deref(), Some("resp_cut"));
        assert_eq!(string(&s, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(strings(&s, "gen_ai.response.finish_reasons"), ["length"], "incomplete for max_output_tokens");
        assert_eq!(string(&s, "gen_ai.response.status").as_deref(), latest.then_some("incomplete"), "{conventions:?}");
        assert_eq!(string(&s, "server.address").as_deref(), Some("127.0.0.1"));
        assert_eq!(int(&s, "server.port"), Some(i64::from(fake.port())));
        for absent in ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.request.model", "gen_ai.input.messages", "genai_o11y.usage.missing"] {
            assert!(attr(&s, absent).is_none(), "{conventions:?}: {absent}: a fetch generates nothing and its response carries no input");
        }
        // Content of the fetched response: its instructions and its output.
        assert_eq!(json_attr(&s, "gen_ai.system_instructions"), Some(json!([{"type": "text", "content": "Answer briefly."}])), "{conventions:?}");
        let output = json_attr(&s, "gen_ai.output.messages").expect("the fetched output");
        assert!(output.to_string().contains("Stored ans"), "{output}");
        assert!(t.metric("gen_ai.client.token.usage").is_none() && t.metric("gen_ai.client.inference.usage.input_tokens").is_none());

        // A response that does not exist: the HTTP status.
        t.reset_spans();
        client.traced().fetch_response("resp_nope").await.unwrap_err();
        assert_eq!(string(&t.span("fetch_response"), "error.type").as_deref(), Some("404"));

        // Streamed, resuming after event 0: only `response.completed` comes back.
        t.reset_spans();
        let mut events = client.traced().fetch_response_stream("resp_done", Some(0)).await.unwrap();
        let mut seen = Vec::new();
        while let Some(e) = events.next().await {
            seen.push(serde_json::to_value(e.unwrap()).unwrap()["type"].as_str().unwrap().to_owned());
        }
        assert_eq!(seen, ["response.completed"]);
        assert!(fake
            .requests()
            .iter()
            .any(|r| r.path.contains("/v1/responses/resp_done?") && r.path.contains("starting_after=0") && r.path.contains("stream=true")));
        let s = t.span("fetch_response");
        assert_eq!(string(&s, "gen_ai.request.stream_cursor").as_deref(), latest.then_some("0"), "{conventions:?}");
        assert_eq!(string(&s, "gen_ai.response.status").as_deref(), latest.then_some("completed"), "{conventions:?}");
        assert_eq!(strings(&s, "gen_ai.response.finish_reasons"), ["stop"]);
        assert!(attr(&s, "gen_ai.request.stream").is_none(), "not an attribute of the fetch_response span");
    }
}

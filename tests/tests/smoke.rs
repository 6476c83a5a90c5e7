use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;

#[derive(HasUsage, Debug)]
struct ChatResponse {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(cache_read)]
    cached: Option<u32>,
    finish_reason: Option<String>,
}

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rate limited")
    }
}

struct ChatRequest {
    model: String,
    temperature: Option<f32>,
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.clone(), temperature = req.temperature, max_tokens = 100)]
async fn chat(req: &ChatRequest) -> Result<ChatResponse, ApiError> {
    Ok(ChatResponse {
        id: "chatcmpl-1".into(),
        model: format!("{}-2024", req.model),
        prompt_tokens: 10,
        completion_tokens: 5,
        cached: Some(4),
        finish_reason: Some("stop".into()),
    })
}

/// Looks up the weather.
#[genai_tool]
async fn get_weather(city: &str) -> Result<String, ApiError> {
    Ok(format!("sunny in {city}"))
}

#[genai_agent(name = "researcher")]
async fn research() -> Result<String, ApiError> {
    let r = chat(&ChatRequest { model: "gpt-4o".into(), temperature: Some(0.5) }).await?;
    let w = get_weather("Paris").await?;
    Ok(format!("{} {w}", r.id))
}

#[tokio::test]
async fn smoke() {
    let t = TestTelemetry::new();
    let out = research().await.unwrap();
    assert_eq!(out, "chatcmpl-1 sunny in Paris");
    let names = t.span_names();
    assert_eq!(names, ["chat gpt-4o", "execute_tool get_weather", "invoke_agent researcher"]);
    let chat = t.span("chat gpt-4o");
    assert_eq!(chat.span_kind, SpanKind::Client);
    for kv in &chat.attributes {
        eprintln!("{} = {:?}", kv.key, kv.value);
    }
    assert_eq!(attr(&chat, "gen_ai.usage.input_tokens"), Some(&Value::I64(10)));
    let agent = t.span("invoke_agent researcher");
    assert_eq!(chat.parent_span_id, agent.span_context.span_id());
    let tool = t.span("execute_tool get_weather");
    for kv in &tool.attributes {
        eprintln!("{} = {:?}", kv.key, kv.value);
    }
    eprintln!("{:?}", t.metric_names());
}

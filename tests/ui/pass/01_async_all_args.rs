// An async inference call with every argument `#[genai_span]` takes.
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, HasUsage};
use opentelemetry::Value;

#[derive(HasUsage, Debug)]
struct ChatResponse {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    finish_reason: Option<String>,
}

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

struct ChatRequest {
    model: String,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    seed: u64,
    stop: Vec<String>,
    conversation: String,
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = req.model.clone(),
    name = "chat override",
    temperature = req.temperature,
    max_tokens = req.max_tokens,
    top_p = 0.9,
    top_k = 40,
    seed = req.seed,
    stop_sequences = req.stop.clone(),
    frequency_penalty = 0.5,
    presence_penalty = -0.5,
    choice_count = 2,
    output_type = "text",
    conversation_id = &req.conversation,
    server_address = "api.openai.com",
    server_port = 443,
    fields(app.tier = "gold", "x.y" = 3i64),
)]
async fn chat(req: &ChatRequest) -> Result<ChatResponse, ApiError> {
    Ok(ChatResponse {
        id: "chatcmpl-1".into(),
        model: req.model.clone(),
        prompt_tokens: 10,
        completion_tokens: 5,
        finish_reason: Some("stop".into()),
    })
}

// A literal array of stop sequences, `Option` values given directly, a computed span name.
#[genai_span(
    operation = "text_completion",
    provider = "openai",
    model = "gpt-3.5-turbo-instruct",
    name = format!("complete {}", prompt.len()),
    stop_sequences = ["\n\n", "END"],
    temperature = Some(0.2f64),
    max_tokens = None::<u32>,
    server_port = Some(8080u16),
)]
async fn complete(prompt: &str) -> Result<ChatResponse, ApiError> {
    let _ = prompt;
    Err(ApiError)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::new();
    let req = ChatRequest {
        model: "gpt-4o".into(),
        temperature: Some(0.7),
        max_tokens: Some(256),
        seed: 42,
        stop: vec!["STOP".into()],
        conversation: "conv-1".into(),
    };
    let r = chat(&req).await.unwrap();
    assert_eq!(r.id, "chatcmpl-1");
    let span = t.span("chat override");
    assert_eq!(attr(&span, "gen_ai.request.max_tokens"), Some(&Value::I64(256)));
    assert_eq!(attr(&span, "gen_ai.request.seed"), Some(&Value::I64(42)));
    assert_eq!(attr(&span, "app.tier"), Some(&Value::from("gold")));
    assert_eq!(attr(&span, "x.y"), Some(&Value::I64(3)));
    assert_eq!(attr(&span, "gen_ai.usage.output_tokens"), Some(&Value::I64(5)));

    assert!(complete("hi").await.is_err());
    let _ = t.span("complete 2");
}

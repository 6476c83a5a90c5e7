//! Inference spans (`#[genai_span]`): names, kinds, attributes and their types, read from the
//! SDK's in-memory exporter through a real `tracing-opentelemetry` layer.

mod common;

use std::sync::Arc;

use common::*;
use genai_o11y::testing::{attr, point_attrs, Points, TestTelemetry};
use genai_o11y::{genai_span, Conventions, HasUsage, Usage};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, Value};

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = req.model.clone(),
    temperature = req.temperature,
    max_tokens = req.max_tokens,
    top_p = 0.9,
    top_k = 40,
    seed = 7u64,
    stop_sequences = ["\n\n", "END"],
    frequency_penalty = 0.5f32,
    presence_penalty = 0.25,
    choice_count = 2,
    output_type = "json",
    conversation_id = "conv-1",
    server_address = "api.openai.com",
    server_port = 443,
    fields(app.tier = "gold", "app.attempt" = 3i64)
)]
async fn chat_all_params(req: &ChatRequest) -> Result<ChatResponse, ApiError> {
    Ok(response(&req.model, "hello"))
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.clone())]
async fn chat(req: ChatRequest, fail: Option<ApiError>) -> Result<ChatResponse, ApiError> {
    // The body moves `req`: the model was read before the body ran.
    let req = req;
    match fail {
        Some(e) => Err(e),
        None => Ok(response(&req.model, &req.prompt)),
    }
}

#[tokio::test]
async fn chat_span_has_name_kind_and_creation_attributes() {
    let t = TestTelemetry::new();
    let out = chat_all_params(&request("gpt-4o")).await.unwrap();
    assert_eq!(out, response("gpt-4o", "hello"), "the value passes through unchanged");

    let span = t.span("chat gpt-4o");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(span.status, Status::Unset, "success leaves the status unset");
    assert_eq!(attr(&span, "gen_ai.operation.name"), Some(&s("chat")));
    assert_eq!(attr(&span, "gen_ai.provider.name"), Some(&s("openai")));
    assert_eq!(attr(&span, "gen_ai.request.model"), Some(&s("gpt-4o")));
    assert_eq!(attr(&span, "gen_ai.request.temperature"), Some(&Value::F64(0.7)), "f32 0.7 is recorded as 0.7");
    assert_eq!(attr(&span, "gen_ai.request.max_tokens"), Some(&Value::I64(256)));
    assert_eq!(attr(&span, "gen_ai.request.top_p"), Some(&Value::F64(0.9)));
    assert_eq!(attr(&span, "gen_ai.request.top_k"), Some(&Value::F64(40.0)), "v1.41 types top_k as a double");
    assert_eq!(attr(&span, "gen_ai.request.seed"), Some(&Value::I64(7)));
    assert_eq!(attr(&span, "gen_ai.request.stop_sequences"), Some(&Value::Array(Array::String(vec!["\n\n".into(), "END".into()]))));
    assert_eq!(attr(&span, "gen_ai.request.frequency_penalty"), Some(&Value::F64(0.5)));
    assert_eq!(attr(&span, "gen_ai.request.presence_penalty"), Some(&Value::F64(0.25)));
    assert_eq!(attr(&span, "gen_ai.request.choice.count"), Some(&Value::I64(2)));
    assert_eq!(attr(&span, "gen_ai.output.type"), Some(&s("json")));
    assert_eq!(attr(&span, "gen_ai.conversation.id"), Some(&s("conv-1")));
    assert_eq!(attr(&span, "server.address"), Some(&s("api.openai.com")));
    assert_eq!(attr(&span, "server.port"), Some(&Value::I64(443)));
    assert_eq!(attr(&span, "app.tier"), Some(&s("gold")));
    assert_eq!(attr(&span, "app.attempt"), Some(&Value::I64(3)));
    // After the call.
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), Some(&Value::I64(107)));
    assert_eq!(attr(&span, "gen_ai.usage.output_tokens"), Some(&Value::I64(42)));
    assert_eq!(attr(&span, "gen_ai.usage.cache_read.input_tokens"), Some(&Value::I64(100)));
    assert_eq!(attr(&span, "gen_ai.response.id"), Some(&s("chatcmpl-123")));
    assert_eq!(attr(&span, "gen_ai.response.model"), Some(&s("gpt-4o-2024-08-06")));
    assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&Value::Array(Array::String(vec!["stop".into()]))));
    // Nothing else: no error, no unreported usage, no stray attribute.
    assert_eq!(
        keys(&span),
        [
            "app.attempt",
            "app.tier",
            "gen_ai.conversation.id",
            "gen_ai.operation.name",
            "gen_ai.output.type",
            "gen_ai.provider.name",
            "gen_ai.request.choice.count",
            "gen_ai.request.frequency_penalty",
            "gen_ai.request.max_tokens",
            "gen_ai.request.model",
            "gen_ai.request.presence_penalty",
            "gen_ai.request.seed",
            "gen_ai.request.stop_sequences",
            "gen_ai.request.temperature",
            "gen_ai.request.top_k",
            "gen_ai.request.top_p",
            "gen_ai.response.finish_reasons",
            "gen_ai.response.id",
            "gen_ai.response.model",
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
            "genai_o11y.cost.amount",
            "genai_o11y.cost.currency",
            "genai_o11y.cost.pricing_version",
            "genai_o11y.cost.source",
            "server.address",
            "server.port",
        ]
    );
    // 107 input of which 100 cached, 42 output, at the built-in gpt-4o prices.
    let want = (7.0 * 2.5 + 100.0 * 1.25 + 42.0 * 10.0) / 1e6;
    assert!(matches!(attr(&span, "genai_o11y.cost.amount"), Some(Value::F64(c)) if (c - want).abs() < 1e-12));
    assert_eq!(attr(&span, "genai_o11y.cost.source"), Some(&s("table")));
    assert!(span.events.is_empty());
}

#[tokio::test]
async fn latest_mode_types_top_k_as_int() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    chat_all_params(&request("gpt-4o")).await.unwrap();
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "gen_ai.request.top_k"), Some(&Value::I64(40)));
}

#[tokio::test]
async fn the_span_name_uses_the_evaluated_model() {
    let t = TestTelemetry::new();
    chat(request("gpt-4o-mini"), None).await.unwrap();
    chat(request("o3"), None).await.unwrap();
    assert_eq!(t.span_names(), ["chat gpt-4o-mini", "chat o3"]);
}

#[tokio::test]
async fn errors_set_status_error_type_and_one_exception_event() {
    let t = with_error_messages();
    let err = chat(request("gpt-4o"), Some(ApiError::RateLimited)).await.unwrap_err();
    assert_eq!(err, ApiError::RateLimited, "the error passes through unchanged");
    let span = t.span("chat gpt-4o");
    assert_eq!(error_description(&span).as_deref(), Some("rate limited: retry after 20s"));
    assert_eq!(attr(&span, "error.type"), Some(&s("429")), "mapped by ErrorType");
    assert_eq!(exceptions(&span), [("inference::common::ApiError".to_owned(), Some("rate limited: retry after 20s".to_owned()))]);
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), None, "no usage on failure, never a zero");
    assert_eq!(attr(&span, "gen_ai.request.model"), Some(&s("gpt-4o")));
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_plain_error() -> Result<ChatResponse, PlainError> {
    Err(PlainError("boom".into()))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_anyhow(fail: bool) -> anyhow::Result<ChatResponse> {
    if fail {
        anyhow::bail!("upstream said no");
    }
    Ok(response("gpt-4o", ""))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_io(fail: bool) -> std::io::Result<ChatResponse> {
    if fail {
        return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "socket timed out"));
    }
    Ok(response("gpt-4o", ""))
}

type MyResult<T> = Result<T, ApiError>;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat_alias() -> MyResult<ChatResponse> {
    Err(ApiError::Timeout)
}

#[tokio::test]
async fn without_capture_error_messages_do_not_leak_content() {
    let t = TestTelemetry::new();
    chat(request("gpt-4o"), Some(ApiError::RateLimited)).await.unwrap_err();
    let span = t.span("chat gpt-4o");
    assert_eq!(error_description(&span).as_deref(), Some(""), "no Display text in the status");
    assert_eq!(exceptions(&span), [("inference::common::ApiError".to_owned(), None)], "no exception.message");
    assert_eq!(attr(&span, "error.type"), Some(&s("429")), "the low-cardinality type is still there");
}

#[tokio::test]
async fn error_detection_is_by_type_not_by_spelling() {
    let t = with_error_messages();
    assert!(chat_plain_error().await.is_err());
    assert!(chat_anyhow(true).await.is_err());
    assert!(chat_anyhow(false).await.is_ok());
    assert!(chat_io(true).is_err());
    assert!(chat_alias().await.is_err());
    let spans = t.spans();
    assert_eq!(spans.len(), 5);
    let types: Vec<Option<String>> = spans.iter().map(|s| string_attr(s, "error.type")).collect();
    assert_eq!(
        types,
        [Some("inference::common::PlainError".to_owned()), Some("anyhow::Error".to_owned()), None, Some("timed_out".to_owned()), Some("timeout".to_owned())]
    );
    assert_eq!(error_description(&spans[0]).as_deref(), Some("plain failure: boom"));
    assert_eq!(error_description(&spans[1]).as_deref(), Some("upstream said no"));
    assert_eq!(spans[2].status, Status::Unset);
    assert_eq!(int_attr(&spans[2], "gen_ai.usage.input_tokens"), Some(107));
    assert_eq!(error_description(&spans[3]).as_deref(), Some("socket timed out"));
}

/// A response type from a crate we do not own.
mod foreign {
    pub struct CreateChatCompletionResponse {
        pub id: String,
        pub usage: Option<CompletionUsage>,
    }
    pub struct CompletionUsage {
        pub prompt_tokens: u32,
        pub completion_tokens: u32,
    }
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = "gpt-4o",
    usage = |r: &foreign::CreateChatCompletionResponse| {
        let u = r.usage.as_ref();
        genai_o11y::Response::new(Usage {
            input_tokens: u.map(|u| u.prompt_tokens as u64),
            output_tokens: u.map(|u| u.completion_tokens as u64),
            ..Usage::new()
        })
        .id(r.id.clone())
    }
)]
async fn chat_foreign() -> Result<foreign::CreateChatCompletionResponse, ApiError> {
    Ok(foreign::CreateChatCompletionResponse { id: "resp-9".into(), usage: Some(foreign::CompletionUsage { prompt_tokens: 11, completion_tokens: 3 }) })
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = |r| Usage::new().input(*r))]
fn chat_untyped_closure() -> u64 {
    5
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
async fn chat_no_usage() -> Result<String, ApiError> {
    Ok("text".into())
}

#[tokio::test]
async fn usage_from_a_closure_or_opted_out() {
    let t = TestTelemetry::new();
    chat_foreign().await.unwrap();
    assert_eq!(chat_untyped_closure(), 5);
    chat_no_usage().await.unwrap();
    let spans = t.spans();
    assert_eq!(int_attr(&spans[0], "gen_ai.usage.input_tokens"), Some(11));
    assert_eq!(int_attr(&spans[0], "gen_ai.usage.output_tokens"), Some(3));
    assert_eq!(string_attr(&spans[0], "gen_ai.response.id").as_deref(), Some("resp-9"));
    assert_eq!(int_attr(&spans[1], "gen_ai.usage.input_tokens"), Some(5));
    assert_eq!(int_attr(&spans[1], "gen_ai.usage.output_tokens"), None);
    assert!(!keys(&spans[2]).iter().any(|k| k.starts_with("gen_ai.usage.")));
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = |_r| -> Usage { panic!("bug in the usage closure") })]
async fn chat_panicking_usage_closure() -> Result<u32, ApiError> {
    Ok(1)
}

#[tokio::test]
async fn a_panicking_usage_closure_costs_the_usage_not_the_value() {
    let t = TestTelemetry::new();
    assert_eq!(chat_panicking_usage_closure().await, Ok(1));
    let span = t.span("chat gpt-4o");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(&span, "gen_ai.usage.input_tokens"), None);
}

#[derive(HasUsage)]
#[usage(input_excludes_cache)]
struct AnthropicMessage {
    id: String,
    model: String,
    input_tokens: u32,
    output_tokens: u32,
    cache_read_input_tokens: Option<u32>,
    cache_creation_input_tokens: Option<u32>,
    stop_reason: Option<String>,
}

#[genai_span(operation = "chat", provider = "anthropic", model = "claude-sonnet-4", top_k = 5)]
async fn messages() -> Result<AnthropicMessage, ApiError> {
    Ok(AnthropicMessage {
        id: "msg_01".into(),
        model: "claude-sonnet-4-20250514".into(),
        input_tokens: 20,
        output_tokens: 7,
        cache_read_input_tokens: Some(1000),
        cache_creation_input_tokens: Some(300),
        stop_reason: Some("end_turn".into()),
    })
}

#[tokio::test]
async fn anthropic_input_tokens_include_cache_as_the_spec_requires() {
    let t = TestTelemetry::new();
    messages().await.unwrap();
    let span = t.span("chat claude-sonnet-4");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(1320));
    assert_eq!(int_attr(&span, "gen_ai.usage.cache_read.input_tokens"), Some(1000));
    assert_eq!(int_attr(&span, "gen_ai.usage.cache_creation.input_tokens"), Some(300));
    assert_eq!(attr(&span, "gen_ai.usage.cache_write.input_tokens"), None, "v1.41 name only");
    assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&Value::Array(Array::String(vec!["end_turn".into()]))));
    assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("claude-sonnet-4-20250514"));

    let t2 = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    messages().await.unwrap();
    let span = t2.span("chat claude-sonnet-4");
    assert_eq!(int_attr(&span, "gen_ai.usage.cache_write.input_tokens"), Some(300));
    assert_eq!(attr(&span, "gen_ai.usage.cache_creation.input_tokens"), None, "latest name only");
    drop(t);
}

// ---- every return shape that carries usage ----

#[derive(HasUsage, Clone)]
struct Tokens {
    input_tokens: u64,
    output_tokens: Option<u64>,
    reasoning_tokens: Option<u16>,
}

#[derive(HasUsage)]
enum Reply {
    Text { usage: Tokens, id: String },
    Refusal(#[usage(input_tokens)] i32),
    Empty,
}

#[genai_span(operation = "text_completion", provider = "ollama", model = "llama3")]
fn complete_plain() -> Tokens {
    Tokens { input_tokens: 3, output_tokens: Some(9), reasoning_tokens: Some(2) }
}
#[genai_span(operation = "generate_content", provider = "gcp.gemini", model = "gemini-2.5")]
fn generate_option(some: bool) -> Option<Tokens> {
    some.then_some(Tokens { input_tokens: 1, output_tokens: None, reasoning_tokens: None })
}
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_boxed() -> Box<Tokens> {
    Box::new(Tokens { input_tokens: 4, output_tokens: Some(4), reasoning_tokens: None })
}
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_arc() -> Result<Arc<Tokens>, ApiError> {
    Ok(Arc::new(Tokens { input_tokens: 6, output_tokens: Some(6), reasoning_tokens: None }))
}
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_enum(which: u8) -> Reply {
    match which {
        0 => Reply::Text { usage: Tokens { input_tokens: 8, output_tokens: Some(1), reasoning_tokens: None }, id: "r-0".into() },
        1 => Reply::Refusal(12),
        _ => Reply::Empty,
    }
}

#[test]
fn usage_is_read_through_every_wrapper_and_enum_variant() {
    let t = TestTelemetry::new();
    complete_plain();
    generate_option(true);
    generate_option(false);
    chat_boxed();
    chat_arc().unwrap();
    chat_enum(0);
    chat_enum(1);
    chat_enum(2);
    let spans = t.spans();
    let inputs: Vec<Option<i64>> = spans.iter().map(|s| int_attr(s, "gen_ai.usage.input_tokens")).collect();
    assert_eq!(inputs, [Some(3), Some(1), None, Some(4), Some(6), Some(8), Some(12), None]);
    assert_eq!(spans[0].name, "text_completion llama3");
    assert_eq!(int_attr(&spans[0], "gen_ai.usage.reasoning.output_tokens"), Some(2));
    assert_eq!(spans[1].name, "generate_content gemini-2.5");
    assert_eq!(int_attr(&spans[1], "gen_ai.usage.output_tokens"), None, "None stays absent");
    assert_eq!(string_attr(&spans[5], "gen_ai.response.id").as_deref(), Some("r-0"));
    assert!(spans.iter().all(|s| s.status == Status::Unset));
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small")]
async fn embed(texts: &[&str]) -> Result<Usage, ApiError> {
    Ok(Usage::new().input(texts.len() as u64 * 10))
}

#[genai_span(operation = custom("rerank"), provider = "cohere", model = "rerank-v3.5", name = format!("rerank {}", 3))]
async fn rerank() -> Result<Vec<u32>, ApiError> {
    Ok(vec![2, 0, 1])
}

#[tokio::test]
async fn embeddings_and_custom_operations() {
    let t = TestTelemetry::new();
    embed(&["a", "b"]).await.unwrap();
    assert_eq!(rerank().await.unwrap(), [2, 0, 1]);
    let e = t.span("embeddings text-embedding-3-small");
    assert_eq!(e.span_kind, SpanKind::Client);
    assert_eq!(int_attr(&e, "gen_ai.usage.input_tokens"), Some(20));
    let r = t.span("rerank 3");
    assert_eq!(string_attr(&r, "gen_ai.operation.name").as_deref(), Some("rerank"));
    assert_eq!(r.span_kind, SpanKind::Client);
    assert!(!keys(&r).iter().any(|k| k.starts_with("gen_ai.usage.")));
}

// ---- prompt identity ----

struct TemplatedRequest {
    prompt_name: String,
    prompt_version: Option<String>,
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", prompt_name = "support-answer", prompt_version = "7")]
async fn chat_prompt_literals() -> Result<ChatResponse, ApiError> {
    Ok(response("gpt-4o", "hello"))
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = "gpt-4o",
    name = "templated",
    prompt_name = req.prompt_name.as_str(),
    prompt_version = req.prompt_version.clone()
)]
async fn chat_prompt_expressions(req: &TemplatedRequest) -> Result<ChatResponse, ApiError> {
    Ok(response("gpt-4o", "hello"))
}

/// Every metric data point's attribute keys (and how many points there are).
fn metric_attribute_keys(t: &TestTelemetry) -> (usize, Vec<String>) {
    let (mut points, mut keys) = (0, Vec::new());
    for name in t.metric_names() {
        let attrs: Vec<Vec<(String, String)>> = match t.metric(&name).expect("listed").points {
            Points::F64Histogram(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::U64Histogram(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::U64Sum(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::F64Sum(p) => p.iter().map(|p| point_attrs(p.attributes())).collect(),
            Points::Other(o) => panic!("{name}: unexpected metric data {o}"),
        };
        points += attrs.len();
        keys.extend(attrs.into_iter().flatten().map(|(k, _)| k));
    }
    keys.sort();
    keys.dedup();
    (points, keys)
}

#[tokio::test]
async fn prompt_identity_is_on_the_span_in_both_modes_and_on_no_metric_by_default() {
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_conventions(conventions);
        chat_prompt_literals().await.unwrap();
        let span = t.span("chat gpt-4o");
        assert_eq!(attr(&span, "gen_ai.prompt.name"), Some(&s("support-answer")), "{conventions:?}");
        assert_eq!(attr(&span, "gen_ai.prompt.version"), Some(&s("7")), "{conventions:?}: v1.41 has no version key, so the latest one");

        let req = TemplatedRequest { prompt_name: "refund-policy".into(), prompt_version: Some("2024-11-02".into()) };
        chat_prompt_expressions(&req).await.unwrap();
        let span = t.span("templated");
        assert_eq!(attr(&span, "gen_ai.prompt.name"), Some(&s("refund-policy")), "{conventions:?}");
        assert_eq!(attr(&span, "gen_ai.prompt.version"), Some(&s("2024-11-02")), "{conventions:?}");

        // A name without a version: the version is absent, never empty.
        t.reset_spans();
        chat_prompt_expressions(&TemplatedRequest { prompt_name: "refund-policy".into(), prompt_version: None }).await.unwrap();
        let span = t.span("templated");
        assert_eq!(attr(&span, "gen_ai.prompt.name"), Some(&s("refund-policy")), "{conventions:?}");
        assert_eq!(attr(&span, "gen_ai.prompt.version"), None, "{conventions:?}");

        // Not given: neither.
        t.reset_spans();
        chat(request("gpt-4o"), None).await.unwrap();
        let span = t.span("chat gpt-4o");
        assert!(!keys(&span).iter().any(|k| k.starts_with("gen_ai.prompt.")), "{conventions:?}: {:?}", keys(&span));

        // By default span attributes only: no metric data point carries them (metrics keep low
        // cardinality; `MetricAttribution` opts in, tests/tests/attribution.rs).
        let (points, metric_keys) = metric_attribute_keys(&t);
        assert!(points >= 4, "{conventions:?}: the calls were measured ({points} points)");
        assert!(metric_keys.contains(&"gen_ai.request.model".to_owned()), "{conventions:?}: {metric_keys:?}");
        assert!(!metric_keys.iter().any(|k| k.starts_with("gen_ai.prompt.")), "{conventions:?}: {metric_keys:?}");
    }
}

// ---- function shapes ----

struct Client {
    model: String,
    calls: u32,
    buffer: Vec<u32>,
}

impl Client {
    #[genai_span(operation = "chat", provider = "openai", model = self.model.clone())]
    async fn chat(&self, prompt: &str) -> Result<ChatResponse, ApiError> {
        Ok(response(&self.model, prompt))
    }

    #[genai_span(operation = "chat", provider = "openai", model = self.model.as_str())]
    fn chat_mut(&mut self) -> Result<ChatResponse, ApiError> {
        self.calls += 1;
        Ok(response(&self.model, "mut"))
    }

    /// A sync `&mut self` method that returns a borrow of `self`.
    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = |b: &&mut Vec<u32>| Usage::new().output(b.len() as u64))]
    fn buffer_mut(&mut self) -> &mut Vec<u32> {
        self.buffer.push(1);
        &mut self.buffer
    }

    #[genai_span(operation = "chat", provider = "openai", model = self.model.clone())]
    async fn into_reply(self) -> Result<ChatResponse, ApiError> {
        Ok(response(&self.model, "owned"))
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn generic<T: HasUsage + Clone>(t: &T) -> T {
    t.clone()
}

trait Model {
    async fn complete(&self, prompt: &str) -> Result<ChatResponse, ApiError>;
}

struct Fake;
impl Model for Fake {
    #[genai_span(operation = "chat", provider = "fake", model = "fake-1")]
    async fn complete(&self, prompt: &str) -> Result<ChatResponse, ApiError> {
        Ok(response("fake-1", prompt))
    }
}

#[async_trait::async_trait]
trait DynModel: Send + Sync {
    async fn complete(&self, prompt: &str) -> Result<ChatResponse, ApiError>;
}

#[async_trait::async_trait]
impl DynModel for Fake {
    #[genai_span(operation = "chat", provider = "fake", model = "fake-dyn")]
    async fn complete(&self, prompt: &str) -> Result<ChatResponse, ApiError> {
        tokio::task::yield_now().await;
        Ok(response("fake-dyn", prompt))
    }
}

#[genai_span(operation = "chat", provider = "openai", model = model.to_owned())]
fn chat_future(model: &str) -> impl std::future::Future<Output = Result<ChatResponse, ApiError>> + '_ {
    async move {
        tokio::task::yield_now().await;
        Ok(response(model, "future"))
    }
}

#[tokio::test]
async fn methods_generics_traits_and_future_returning_fns() {
    let t = TestTelemetry::new();
    let mut c = Client { model: "gpt-4o".into(), calls: 0, buffer: vec![] };
    c.chat("a").await.unwrap();
    c.chat_mut().unwrap();
    assert_eq!(c.calls, 1);
    c.buffer_mut().push(2);
    assert_eq!(c.buffer, [1, 2]);
    generic(&Tokens { input_tokens: 1, output_tokens: None, reasoning_tokens: None });
    Model::complete(&Fake, "p").await.unwrap();
    let dynamic: Box<dyn DynModel> = Box::new(Fake);
    dynamic.complete("q").await.unwrap();
    chat_future("gpt-4.1").await.unwrap();
    c.into_reply().await.unwrap();
    assert_eq!(t.span_names(), ["chat gpt-4o", "chat gpt-4o", "chat gpt-4o", "chat gpt-4o", "chat fake-1", "chat fake-dyn", "chat gpt-4.1", "chat gpt-4o"]);
    let spans = t.spans();
    assert_eq!(int_attr(&spans[2], "gen_ai.usage.output_tokens"), Some(1));
    assert!(spans.iter().all(|s| s.status == Status::Unset));
    assert_eq!(int_attr(&spans[5], "gen_ai.usage.input_tokens"), Some(107));
}

#[tokio::test]
async fn annotated_futures_stay_send() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let _t = TestTelemetry::new();
    let c = Client { model: "m".into(), calls: 0, buffer: vec![] };
    assert_send(c.chat("x")).await.unwrap();
    assert_send(chat(request("m"), None)).await.unwrap();
    assert_send(chat_future("m")).await.unwrap();
}

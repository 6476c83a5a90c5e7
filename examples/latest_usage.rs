//! The newest GenAI conventions' usage and request context, sent over OTLP: a multimodal chat
//! whose provider splits its usage by modality, a reasoning chat that continues a previous
//! response on a compacted context with a prompt template's variables, a streamed answer, and a
//! failed call (its `gen_ai.client.operation.exception` log record, its token metrics with 0).
//! Made for the official checker, in both convention modes:
//!
//!     ../shared/tools/semconv-check latest  -- cargo run -q -p genai-o11y-examples --example latest_usage
//!     ../shared/tools/semconv-check default -- cargo run -q -p genai-o11y-examples --example latest_usage
//!
//! (`OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` selects the latest mode; the
//! checker sets it, the endpoint and content capture.)

use std::borrow::Cow;
use std::collections::BTreeMap;

use futures::StreamExt;
use genai_o11y::{genai_span, ErrorType, HasUsage};

/// A multimodal response (as `gpt-4o-audio-preview` reports it, or a gateway that splits text
/// from images): totals, cache reads, and the parts by modality.
#[derive(HasUsage)]
struct MultimodalResponse {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    cached_tokens: u32,
    text_input_tokens: u32,
    image_input_tokens: u32,
    #[usage(audio_output)]
    speech_tokens: u32,
    text_output_tokens: u32,
    #[usage(text_cache_read)]
    cached_text_tokens: u32,
    finish_reason: String,
    #[usage(skip)]
    text: String,
}

#[derive(HasUsage)]
struct ReasoningResponse {
    id: String,
    model: String,
    input_tokens: u32,
    output_tokens: u32,
    reasoning_tokens: u32,
    finish_reason: String,
}

#[derive(HasUsage, serde::Serialize)]
struct Chunk {
    #[usage(skip)]
    choices: serde_json::Value,
    output_tokens: Option<u32>,
    input_tokens: Option<u32>,
    finish_reason: Option<String>,
}

#[derive(Debug)]
struct RateLimited;
impl std::fmt::Display for RateLimited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rate limited: retry after 20s")
    }
}
impl std::error::Error for RateLimited {}
impl ErrorType for RateLimited {
    fn error_type(&self) -> Cow<'static, str> {
        "429".into()
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-audio-preview", server_address = "api.openai.com", server_port = 443,
             input_messages = question, output_messages = |r: &MultimodalResponse| serde_json::json!({"role": "assistant", "content": r.text}))]
async fn describe_aloud(question: &str) -> Result<MultimodalResponse, RateLimited> {
    Ok(MultimodalResponse {
        id: "chatcmpl-mm1".into(),
        model: "gpt-4o-audio-preview-2024-12-17".into(),
        prompt_tokens: 1358,
        completion_tokens: 240,
        cached_tokens: 1024,
        text_input_tokens: 100,
        image_input_tokens: 1258,
        speech_tokens: 200,
        text_output_tokens: 40,
        cached_text_tokens: 24,
        finish_reason: "stop".into(),
        text: "A wooden boardwalk through a meadow.".into(),
    })
}

#[genai_span(operation = "chat", provider = "openai", model = "o3", server_address = "api.openai.com", server_port = 443,
             reasoning_level = "high", previous_response_id = previous, conversation_compacted = compacted,
             prompt_name = "support-answer", prompt_version = "4", prompt_variables = vars, input_messages = question,
             output_messages = |r: &ReasoningResponse| serde_json::json!({"role": "assistant", "content": format!("answer {}", r.id)}))]
async fn follow_up(question: &str, previous: &str, compacted: bool, vars: &BTreeMap<&str, String>) -> Result<ReasoningResponse, RateLimited> {
    Ok(ReasoningResponse {
        id: "resp_2".into(),
        model: "o3-2025-04-16".into(),
        input_tokens: 812,
        output_tokens: 390,
        reasoning_tokens: 256,
        finish_reason: "stop".into(),
    })
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-mini", server_address = "api.openai.com", server_port = 443, input_messages = question)]
fn streamed(question: &str) -> impl futures::Stream<Item = Result<Chunk, RateLimited>> + Send {
    let chunk = |text: &str, last: bool| Chunk {
        choices: serde_json::json!([{"index": 0, "delta": {"content": text}, "finish_reason": if last { Some("stop") } else { None }}]),
        output_tokens: last.then_some(5),
        input_tokens: last.then_some(12),
        finish_reason: last.then(|| "stop".to_owned()),
    };
    futures::stream::iter([Ok(chunk("It is ", false)), Ok(chunk("sunny.", true))])
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", server_address = "api.openai.com", server_port = 443, input_messages = question)]
async fn overloaded(question: &str) -> Result<MultimodalResponse, RateLimited> {
    Err(RateLimited)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("latest-usage").otel_logs(true).install()?;

    describe_aloud("Describe this photo, aloud.").await?;
    let vars = BTreeMap::from([("user_name", "Alice".to_owned()), ("plan", "pro".to_owned())]);
    follow_up("And the refund?", "resp_1", true, &vars).await?;
    let answer: Vec<_> = streamed("Weather in Paris?").collect().await;
    assert_eq!(answer.len(), 2);
    assert!(overloaded("Hello?").await.is_err());

    println!("{:?}", guard.shutdown());
    Ok(())
}

//! The newest GenAI conventions' usage and request context (issue 15), in both convention modes,
//! read from the SDK's in-memory exporters: usage by modality (span attributes and the
//! `gen_ai.token.modality` of the usage counters), the token histograms and counters of failed
//! calls, the request context (`reasoning_level`, `previous_response_id`,
//! `conversation_compacted`, `prompt_variables`), and the `gen_ai.client.operation.exception`
//! log event. In v1.41 mode, none of the names v1.41.1 lacks may appear.

mod common;

use std::collections::BTreeMap;

use common::*;
use genai_o11y::testing::{attr, point_attrs, TestTelemetry};
use genai_o11y::{genai_span, CaptureConfig, CaptureMode, Conventions, GenAiSpanBuilder, HasUsage, Modality, Outcome, Settings, Usage};
use opentelemetry::logs::Severity;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

/// A provider that reports a split by modality, read by field name and by `#[usage(...)]`.
#[derive(HasUsage, Debug, Clone)]
struct AudioChat {
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(cache_read)]
    cached: u32,
    text_input_tokens: Option<u32>,
    #[usage(audio_input)]
    audio_in: u32,
    #[usage(audio_output)]
    audio_out: u32,
    #[usage(audio_cache_read)]
    audio_cached: u32,
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-audio-preview")]
fn audio_chat(text: Option<u32>) -> Result<AudioChat, ApiError> {
    Ok(AudioChat { prompt_tokens: 300, completion_tokens: 120, cached: 50, text_input_tokens: text, audio_in: 200, audio_out: 100, audio_cached: 50 })
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn failing_chat() -> Result<ChatResponse, ApiError> {
    Err(ApiError::RateLimited)
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn plain_chat() -> Result<ChatResponse, ApiError> {
    Ok(response("gpt-4o", "hi"))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn chat_without_usage() -> Result<String, ApiError> {
    Ok("hi".into())
}

#[derive(serde::Serialize)]
struct Vars<'a> {
    user_name: &'a str,
    turns: u32,
}

#[genai_span(operation = "chat", provider = "openai", model = "o3", reasoning_level = "high", previous_response_id = prev,
             conversation_compacted = compacted, prompt_name = "support-answer", prompt_variables = Vars { user_name: "Alice", turns: 3 })]
fn reasoning_chat(prev: &str, compacted: bool) -> Result<ChatResponse, ApiError> {
    Ok(response("o3", "hi"))
}

const BREAKDOWN: [&str; 9] = [
    "gen_ai.usage.text.input_tokens",
    "gen_ai.usage.image.input_tokens",
    "gen_ai.usage.audio.input_tokens",
    "gen_ai.usage.text.output_tokens",
    "gen_ai.usage.image.output_tokens",
    "gen_ai.usage.audio.output_tokens",
    "gen_ai.usage.text.cache_read.input_tokens",
    "gen_ai.usage.image.cache_read.input_tokens",
    "gen_ai.usage.audio.cache_read.input_tokens",
];

/// Every key of the span that v1.41.1 does not define (the names this work added).
fn latest_only_keys(span: &SpanData) -> Vec<String> {
    keys(span)
        .into_iter()
        .filter(|k| {
            BREAKDOWN.contains(&k.as_str())
                || k.starts_with("gen_ai.prompt.variable.")
                || ["gen_ai.request.reasoning.level", "gen_ai.request.previous_response.id", "gen_ai.conversation.compacted"].contains(&k.as_str())
        })
        .collect()
}

/// A counter's points as `modality -> value`, with the other attributes checked to be `base`.
fn by_modality(t: &TestTelemetry, name: &str) -> BTreeMap<String, u64> {
    t.u64_counter(name)
        .iter()
        .map(|p| {
            let attrs = point_attrs(p.attributes());
            let modality = attrs.iter().find(|(k, _)| k == "gen_ai.token.modality").map(|(_, v)| v.clone()).expect("gen_ai.token.modality is required");
            (modality, p.value())
        })
        .collect()
}

fn modalities(v: &[(&str, u64)]) -> BTreeMap<String, u64> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn latest_mode_records_the_breakdown_by_modality_and_never_derives_text() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    audio_chat(None).unwrap();
    let span = t.span("chat gpt-4o-audio-preview");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(300));
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.input_tokens"), Some(200));
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.output_tokens"), Some(100));
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.cache_read.input_tokens"), Some(50));
    assert_eq!(int_attr(&span, "gen_ai.usage.text.input_tokens"), None, "only audio reported: text is not derived from the rest");
    // Counters: each reported part under its modality, the rest (text or anything else the
    // provider did not name) under `unknown`; the points sum to the span's totals.
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.input_tokens"), modalities(&[("audio", 200), ("unknown", 100)]));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.output_tokens"), modalities(&[("audio", 100), ("unknown", 20)]));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.cache_read.input_tokens"), modalities(&[("audio", 50)]), "the parts make the whole total");
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.cache_write.input_tokens"), modalities(&[("unknown", 0)]));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.reasoning.output_tokens"), modalities(&[("unknown", 0)]));

    // The provider names text too: it is recorded as such, and the counters have no rest.
    t.reset_spans();
    audio_chat(Some(100)).unwrap();
    let span = t.span("chat gpt-4o-audio-preview");
    assert_eq!(int_attr(&span, "gen_ai.usage.text.input_tokens"), Some(100));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.input_tokens"), modalities(&[("audio", 400), ("text", 100), ("unknown", 100)]), "cumulative");
}

#[test]
fn v1_41_mode_keeps_the_totals_and_writes_no_breakdown() {
    let t = TestTelemetry::new();
    audio_chat(Some(100)).unwrap();
    let span = t.span("chat gpt-4o-audio-preview");
    assert_eq!(latest_only_keys(&span), Vec::<String>::new());
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(300));
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(120));
    let usage = t.u64_histogram("gen_ai.client.token.usage");
    assert_eq!(usage.len(), 2, "input and output, no modality");
    assert!(usage.iter().all(|p| p.attributes().all(|kv| kv.key.as_str() != "gen_ai.token.modality")));
    assert!(t.metric_names().iter().all(|n| !n.starts_with("gen_ai.client.inference.")));
}

#[test]
fn a_provider_that_reports_only_parts_gets_their_sum_as_total() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    let call = GenAiSpanBuilder::inference("chat", "gcp.gemini", "gemini-2.5-flash").start();
    let usage = Usage::new().input_of(Modality::Text, 100).input_of(Modality::Image, 258).output_of(Modality::Text, 20);
    call.finish(Outcome::with_usage(&usage));
    let span = t.span("chat gemini-2.5-flash");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(358), "summed from the parts, as the conventions allow");
    assert_eq!(int_attr(&span, "gen_ai.usage.image.input_tokens"), Some(258));
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(20));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.input_tokens"), modalities(&[("image", 258), ("text", 100)]));
    assert_eq!(t.u64_histogram("gen_ai.client.inference.operation.input_tokens")[0].sum(), 358);

    // The enclosing agent's totals see the same sum (one normalisation for every reader).
    #[genai_o11y::genai_agent(name = "describer")]
    fn describer() -> u8 {
        let call = GenAiSpanBuilder::inference("chat", "gcp.gemini", "gemini-2.5-flash").start();
        call.finish(Outcome::with_usage(&Usage::new().input_of(Modality::Text, 100).input_of(Modality::Image, 258)));
        1
    }
    describer();
    assert_eq!(int_attr(&t.span("invoke_agent describer"), "genai_o11y.aggregated_usage.input_tokens"), Some(358));
}

#[test]
fn failed_calls_record_the_token_histograms_and_counters_with_zero() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    failing_chat().unwrap_err();
    plain_chat().unwrap();
    for name in ["gen_ai.client.inference.operation.input_tokens", "gen_ai.client.inference.operation.output_tokens"] {
        let points = t.u64_histogram(name);
        assert_eq!(points.len(), 2, "{name}: the failed call and the successful one");
        let failed = points.iter().find(|p| p.attributes().any(|kv| kv.key.as_str() == "error.type")).expect("the failed call's point");
        assert!(point_attrs(failed.attributes()).contains(&("error.type".into(), "429".into())));
        assert_eq!((failed.count(), failed.sum()), (1, 0), "{name}: 0 when nothing came back");
        let ok = points.iter().find(|p| p.attributes().all(|kv| kv.key.as_str() != "error.type")).unwrap();
        assert_eq!(ok.count(), 1);
    }
    // Every usage counter has a point for each call; the failed one adds 0 under `unknown`, with
    // no `error.type` (the counters do not carry it).
    for name in [
        "gen_ai.client.inference.usage.input_tokens",
        "gen_ai.client.inference.usage.output_tokens",
        "gen_ai.client.inference.usage.cache_read.input_tokens",
        "gen_ai.client.inference.usage.cache_write.input_tokens",
        "gen_ai.client.inference.usage.reasoning.output_tokens",
    ] {
        let points = t.u64_counter(name);
        assert!(!points.is_empty(), "{name}");
        assert!(points.iter().all(|p| p.attributes().all(|kv| kv.key.as_str() != "error.type")), "{name}");
        let failed = points.iter().find(|p| p.attributes().all(|kv| kv.key.as_str() != "gen_ai.response.model")).expect("the failed call's point");
        assert_eq!(failed.value(), 0, "{name}");
    }
    assert_eq!(t.u64_counter("gen_ai.client.inference.usage.cache_read.input_tokens").iter().map(|p| p.value()).sum::<u64>(), 100);
}

#[test]
fn a_call_that_reports_no_usage_on_purpose_records_no_usage_metric() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    chat_without_usage().unwrap();
    let names = t.metric_names();
    assert!(names.contains(&"gen_ai.client.inference.duration".to_owned()));
    assert!(!names.iter().any(|n| n.contains("tokens")), "{names:?}");
}

fn capture_on(conventions: Conventions) -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::new(CaptureMode::SpanOnly)))
}

#[test]
fn the_request_context_is_written_in_latest_mode_only() {
    let t = capture_on(Conventions::LatestExperimental);
    reasoning_chat("resp_0123456789aBCdef", true).unwrap();
    let span = t.span("chat o3");
    assert_eq!(string_attr(&span, "gen_ai.request.reasoning.level").as_deref(), Some("high"));
    assert_eq!(string_attr(&span, "gen_ai.request.previous_response.id").as_deref(), Some("resp_0123456789aBCdef"));
    assert_eq!(attr(&span, "gen_ai.conversation.compacted"), Some(&Value::Bool(true)));
    assert_eq!(string_attr(&span, "gen_ai.prompt.variable.user_name").as_deref(), Some("Alice"));
    assert_eq!(string_attr(&span, "gen_ai.prompt.variable.turns").as_deref(), Some("3"), "a number is written as its text");

    // Not compacted: the positive indicator is left out, never `false`.
    t.reset_spans();
    reasoning_chat("resp_1", false).unwrap();
    assert_eq!(attr(&t.span("chat o3"), "gen_ai.conversation.compacted"), None);

    // v1.41 mode: none of these keys (v1.41.1 defines none of them), capture on or not.
    let t = capture_on(Conventions::V1_41);
    reasoning_chat("resp_1", true).unwrap();
    let span = t.span("chat o3");
    assert_eq!(latest_only_keys(&span), Vec::<String>::new());
    assert_eq!(string_attr(&span, "gen_ai.prompt.name").as_deref(), Some("support-answer"), "v1.41 has the prompt's name");
}

#[test]
fn prompt_variables_are_opt_in_content() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    reasoning_chat("resp_1", true).unwrap();
    let span = t.span("chat o3");
    assert!(keys(&span).iter().all(|k| !k.starts_with("gen_ai.prompt.variable.")), "capture off: no variable");
    assert_eq!(string_attr(&span, "gen_ai.request.reasoning.level").as_deref(), Some("high"), "the rest is not content");

    // The redaction hook sees them, as any content.
    let config = CaptureConfig::new(CaptureMode::SpanOnly).redact(|kind, v| {
        if kind == genai_o11y::ContentKind::PromptVariables {
            v["user_name"] = serde_json::json!("[REDACTED]");
        }
    });
    let t = TestTelemetry::with_settings(Settings::default().conventions(Conventions::LatestExperimental).capture(config));
    reasoning_chat("resp_1", true).unwrap();
    assert_eq!(string_attr(&t.span("chat o3"), "gen_ai.prompt.variable.user_name").as_deref(), Some("[REDACTED]"));
}

#[test]
fn the_builder_methods_write_the_same_attributes() {
    let t = capture_on(Conventions::LatestExperimental);
    let call = GenAiSpanBuilder::inference("chat", "anthropic", "claude-opus-4")
        .reasoning_level("medium")
        .previous_response_id(None::<&str>)
        .conversation_compacted(Some(true))
        .prompt_variable("language", "French")
        .start();
    call.finish(Outcome::with_usage(&Usage::new().input(1).output(1)));
    let span = t.span("chat claude-opus-4");
    assert_eq!(string_attr(&span, "gen_ai.request.reasoning.level").as_deref(), Some("medium"));
    assert_eq!(attr(&span, "gen_ai.request.previous_response.id"), None);
    assert_eq!(attr(&span, "gen_ai.conversation.compacted"), Some(&Value::Bool(true)));
    assert_eq!(string_attr(&span, "gen_ai.prompt.variable.language").as_deref(), Some("French"));
}

fn exception_records(t: &TestTelemetry) -> Vec<opentelemetry_sdk::logs::in_memory_exporter::LogDataWithResource> {
    t.log_records().into_iter().filter(|r| r.record.event_name() == Some("gen_ai.client.operation.exception")).collect()
}

fn log_attr(r: &opentelemetry_sdk::logs::in_memory_exporter::LogDataWithResource, key: &str) -> Option<String> {
    r.record.attributes_iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| format!("{v:?}"))
}

#[test]
fn failed_client_operations_leave_the_exception_event_with_the_logs_bridge() {
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_logs(Settings::default().conventions(conventions).capture(CaptureConfig::new(CaptureMode::NoContent).error_messages(true)));
        plain_chat().unwrap();
        failing_chat().unwrap_err();
        let records = exception_records(&t);
        assert_eq!(records.len(), 1, "{conventions:?}: one event, for the failed call only");
        let r = &records[0];
        assert_eq!(r.record.severity_number(), Some(Severity::Warn), "WARN, severity number 13");
        assert_eq!(Severity::Warn as i32, 13);
        assert!(log_attr(r, "exception.type").unwrap().contains("ApiError"), "the exception type, as on the span: {:?}", log_attr(r, "exception.type"));
        assert!(log_attr(r, "exception.message").unwrap().contains("rate limited"));
        let keys: Vec<String> = r.record.attributes_iter().map(|(k, _)| k.to_string()).collect();
        assert!(keys.iter().all(|k| k.starts_with("exception.")), "only the event's own attributes: {keys:?}");
        // Correlated with the call's span; the span keeps its one `exception` span event.
        let failed = t.spans().into_iter().find(|s| s.name == "chat gpt-4o" && s.attributes.iter().any(|kv| kv.key.as_str() == "error.type")).unwrap();
        let cx = r.record.trace_context().expect("the record carries the span's context");
        assert_eq!((cx.trace_id, cx.span_id), (failed.span_context.trace_id(), failed.span_context.span_id()));
        assert!(failed.events.iter().all(|e| e.name != "gen_ai.client.operation.exception"), "a log record, not a span event");
        assert_eq!(exceptions(&failed).len(), 1);
    }
}

#[test]
fn no_exception_event_without_the_logs_bridge() {
    let t = TestTelemetry::new();
    failing_chat().unwrap_err();
    assert!(t.span("chat gpt-4o").events.iter().all(|e| e.name != "gen_ai.client.operation.exception"));
}

// ---- async-openai: the usage details and the request context the traced client reads ----

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionResponse, ReasoningEffort};
use async_openai::types::responses::{CreateResponse, InputItem, InputParam, Item, Prompt, Reasoning, ResponsePromptVariables};
use genai_o11y::adapters::async_openai::TracedClient;
use genai_o11y_examples::fake_openai;

/// An audio chat completion as OpenAI documents it (`gpt-4o-audio-preview`).
fn audio_completion() -> CreateChatCompletionResponse {
    serde_json::from_value(serde_json::json!({
        "id": "chatcmpl-audio", "object": "chat.completion", "created": 1741570283, "model": "gpt-4o-audio-preview-2024-12-17",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": null, "annotations": []}, "logprobs": null, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": 120, "completion_tokens": 230, "total_tokens": 350,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 90},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 200, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        }
    }))
    .expect("the documented payload deserializes")
}

#[test]
fn async_openai_audio_details_are_the_audio_parts_and_zeros_are_not_parts() {
    let u = audio_completion().usage();
    assert_eq!((u.input_by_modality.audio, u.output_by_modality.audio), (Some(90), Some(200)));
    assert_eq!((u.input_by_modality.text, u.output_by_modality.text), (None, None), "text is not derived");
    assert_eq!(u.cache_read_input_tokens, Some(0), "the cache total stays as reported");
    assert!(u.cache_read_by_modality.is_empty());

    #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-audio-preview")]
    fn audio() -> Result<CreateChatCompletionResponse, ApiError> {
        Ok(audio_completion())
    }
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    audio().unwrap();
    let span = t.span("chat gpt-4o-audio-preview");
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.input_tokens"), Some(90));
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.output_tokens"), Some(200));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.input_tokens"), modalities(&[("audio", 90), ("unknown", 30)]));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.output_tokens"), modalities(&[("audio", 200), ("unknown", 30)]));
}

fn openai(fake: &fake_openai::FakeOpenAi) -> async_openai::Client<OpenAIConfig> {
    async_openai::Client::with_config(OpenAIConfig::new().with_api_base(fake.base_url()).with_api_key("sk-test"))
}

#[tokio::test]
async fn the_traced_client_reads_the_reasoning_effort_in_latest_mode_only() {
    let fake = fake_openai::start().await;
    let request = CreateChatCompletionRequest {
        model: "o3".into(),
        messages: vec![ChatCompletionRequestUserMessage::from("hi").into()],
        reasoning_effort: Some(ReasoningEffort::Xhigh),
        ..Default::default()
    };
    for (conventions, want) in [(Conventions::LatestExperimental, Some("xhigh")), (Conventions::V1_41, None)] {
        let t = TestTelemetry::with_conventions(conventions);
        openai(&fake).traced().chat(request.clone()).await.unwrap();
        let span = t.span("chat o3");
        assert_eq!(string_attr(&span, "gen_ai.request.reasoning.level").as_deref(), want, "{conventions:?}: as sent");
        assert_eq!(latest_only_keys(&span).len(), usize::from(want.is_some()));
    }
}

#[tokio::test]
async fn the_traced_client_reads_the_responses_request_context() {
    // The fake server has no Responses API: the call fails (its 404 has no JSON body), and the
    // span still carries what the request said.
    let fake = fake_openai::start().await;
    let request = CreateResponse {
        model: Some("gpt-5".into()),
        input: InputParam::Items(vec![
            InputItem::Item(Item::Compaction(serde_json::from_value(serde_json::json!({"id": "cmp_1", "encrypted_content": "gAAAA"})).unwrap())),
            InputItem::EasyMessage(serde_json::from_value(serde_json::json!({"role": "user", "content": "and then?"})).unwrap()),
        ]),
        previous_response_id: Some("resp_0123456789aBCdef".into()),
        reasoning: Some(Reasoning { effort: Some(ReasoningEffort::Low), ..Default::default() }),
        prompt: Some(Prompt {
            id: "pmpt_support".into(),
            version: Some("4".into()),
            variables: Some(ResponsePromptVariables::Custom(serde_json::json!({"user_name": "Alice", "plan": "pro"}))),
        }),
        ..Default::default()
    };
    let t = capture_on(Conventions::LatestExperimental);
    openai(&fake).traced().responses(request.clone()).await.unwrap_err();
    let span = t.span("chat gpt-5");
    assert!(string_attr(&span, "error.type").is_some());
    assert_eq!(string_attr(&span, "gen_ai.request.reasoning.level").as_deref(), Some("low"));
    assert_eq!(string_attr(&span, "gen_ai.request.previous_response.id").as_deref(), Some("resp_0123456789aBCdef"));
    assert_eq!(attr(&span, "gen_ai.conversation.compacted"), Some(&Value::Bool(true)), "a compaction item in the input");
    assert_eq!(string_attr(&span, "gen_ai.prompt.name").as_deref(), Some("pmpt_support"));
    assert_eq!(string_attr(&span, "gen_ai.prompt.version").as_deref(), Some("4"));
    assert_eq!(string_attr(&span, "gen_ai.prompt.variable.user_name").as_deref(), Some("Alice"));
    assert_eq!(string_attr(&span, "gen_ai.prompt.variable.plan").as_deref(), Some("pro"));

    let t = capture_on(Conventions::V1_41);
    openai(&fake).traced().responses(request).await.unwrap_err();
    let span = t.span("chat gpt-5");
    assert_eq!(latest_only_keys(&span), Vec::<String>::new());
    assert_eq!(string_attr(&span, "gen_ai.prompt.name").as_deref(), Some("pmpt_support"));
}

// ---- output messages: each mode's own schema ----

const OUTPUT_V1_41: &str = include_str!("../schemas/gen-ai-output-messages.json");
const OUTPUT_LATEST: &str = include_str!("../schemas/latest/gen-ai-output-messages.json");

fn validator(schema: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&serde_json::from_str(schema).unwrap()).expect("the schema compiles")
}

fn errors(v: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    v.iter_errors(value).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

/// A streamed chunk in OpenAI's shape.
#[derive(HasUsage, serde::Serialize)]
struct Chunk {
    #[usage(skip)]
    choices: serde_json::Value,
    output_tokens: Option<u32>,
    finish_reason: Option<String>,
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", output_messages = |r: &ChatResponse| serde_json::json!({"role": "assistant", "content": r.text, "finish_reason": "stop"}))]
fn answered() -> Result<ChatResponse, ApiError> {
    Ok(response("gpt-4o", "Paris is sunny."))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-mini")]
fn streamed_answer() -> impl futures::Stream<Item = Result<Chunk, ApiError>> + Send {
    futures::stream::iter([
        Ok(Chunk { choices: serde_json::json!([{"index": 0, "delta": {"role": "assistant", "content": "Paris "}}]), output_tokens: None, finish_reason: None }),
        Ok(Chunk {
            choices: serde_json::json!([{"index": 0, "delta": {"content": "is sunny."}, "finish_reason": "stop"}]),
            output_tokens: Some(4),
            finish_reason: Some("stop".into()),
        }),
    ])
}

fn output_messages(span: &SpanData) -> serde_json::Value {
    serde_json::from_str(&string_attr(span, "gen_ai.output.messages").expect("captured")).unwrap()
}

#[tokio::test]
async fn output_messages_follow_the_schema_of_their_mode() {
    use futures::StreamExt;
    let (v1_41, latest) = (validator(OUTPUT_V1_41), validator(OUTPUT_LATEST));
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = capture_on(conventions);
        answered().unwrap();
        let _ = streamed_answer().collect::<Vec<_>>().await;
        for name in ["chat gpt-4o", "chat gpt-4o-mini"] {
            let span = t.span(name);
            let messages = output_messages(&span);
            let reasons: Vec<Option<&str>> = messages.as_array().unwrap().iter().map(|m| m.get("finish_reason").and_then(|r| r.as_str())).collect();
            let attr_reasons = match attr(&span, "gen_ai.response.finish_reasons") {
                Some(Value::Array(opentelemetry::Array::String(v))) => v.iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>(),
                other => panic!("{name}: {other:?}"),
            };
            assert_eq!(attr_reasons, ["stop"], "{conventions:?} {name}: the reasons are the span's, in both modes");
            match conventions {
                Conventions::V1_41 => {
                    assert_eq!(reasons, [Some("stop")], "{name}: v1.41's schema requires a finish_reason per message");
                    assert_eq!(errors(&v1_41, &messages), Vec::<String>::new(), "{name}: {messages}");
                }
                Conventions::LatestExperimental => {
                    assert_eq!(reasons, [None], "{name}: deprecated in the latest schema, left out");
                    assert_eq!(errors(&latest, &messages), Vec::<String>::new(), "{name}: {messages}");
                    assert!(!errors(&v1_41, &messages).is_empty(), "{name}: the shape v1.41 would reject, hence one shape per mode");
                }
            }
        }
    }
}

#[test]
fn the_details_event_carries_the_same_output_messages() {
    let t = TestTelemetry::with_settings(Settings::default().conventions(Conventions::LatestExperimental).capture(CaptureConfig::new(CaptureMode::EventOnly)));
    answered().unwrap();
    let span = t.span("chat gpt-4o");
    let event = span.events.iter().find(|e| e.name == "gen_ai.client.inference.operation.details").expect("the details event");
    let text = event.attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.output.messages").map(|kv| kv.value.as_str().into_owned()).unwrap();
    let messages: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(messages[0].get("finish_reason").is_none(), "{messages}");
    assert_eq!(errors(&validator(OUTPUT_LATEST), &messages), Vec::<String>::new());
}

/// A chunk of a realtime-style stream whose last chunk reports the usage by modality.
#[derive(HasUsage)]
struct AudioChunk {
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
    #[usage(audio_input)]
    audio_in: Option<u32>,
    #[usage(audio_output)]
    audio_out: Option<u32>,
    #[usage(text_output)]
    text_out: Option<u32>,
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-realtime")]
fn audio_stream() -> impl futures::Stream<Item = Result<AudioChunk, ApiError>> + Send {
    let empty = AudioChunk { input_tokens: None, output_tokens: None, audio_in: None, audio_out: None, text_out: None };
    let last = AudioChunk { input_tokens: Some(80), output_tokens: Some(300), audio_in: Some(60), audio_out: Some(250), text_out: Some(50) };
    futures::stream::iter([Ok(empty), Ok(last)])
}

#[tokio::test]
async fn a_stream_gathers_the_parts_from_its_chunks() {
    use futures::StreamExt;
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    let _ = audio_stream().collect::<Vec<_>>().await;
    let span = t.span("chat gpt-realtime");
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.input_tokens"), Some(60));
    assert_eq!(int_attr(&span, "gen_ai.usage.audio.output_tokens"), Some(250));
    assert_eq!(int_attr(&span, "gen_ai.usage.text.output_tokens"), Some(50));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.input_tokens"), modalities(&[("audio", 60), ("unknown", 20)]));
    assert_eq!(by_modality(&t, "gen_ai.client.inference.usage.output_tokens"), modalities(&[("audio", 250), ("text", 50)]));
}

// ---- the exception event through the real setup, over OTLP ----

#[test]
fn the_setup_with_otel_logs_exports_the_exception_event() {
    use genai_o11y::setup::LogFormat;
    use genai_o11y_tests::otlp_receiver::Receiver;
    let receiver = Receiver::start();
    let guard = genai_o11y::init()
        .env_source(|_: &str| None)
        .otlp_endpoint(receiver.endpoint())
        .otel_logs(true)
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    plain_chat().unwrap();
    failing_chat().unwrap_err();
    let _ = guard.shutdown();
    assert!(receiver.wait_for_log_records_blocking(1, std::time::Duration::from_secs(10)));
    let records: Vec<_> = receiver.log_records().into_iter().filter(|r| r.event_name == "gen_ai.client.operation.exception").collect();
    assert_eq!(records.len(), 1, "one for the failed call");
    let r = &records[0];
    assert_eq!((r.severity_number, r.severity_text.as_str()), (13, "WARN"));
    assert!(r.attributes.contains_key("exception.type"), "{:?}", r.attributes);
    let failed = receiver.spans().into_iter().find(|s| s.name == "chat gpt-4o" && s.attributes.contains_key("error.type")).expect("the failed span");
    assert_eq!((r.trace_id.as_deref(), r.span_id.as_deref()), (Some(failed.trace_id.as_str()), Some(failed.span_id.as_str())));
    receiver.shutdown();
}

//! Streaming responses: the span covers the whole stream and ends exactly once, whatever the
//! consumer does.

mod common;

use std::pin::Pin;
use std::task::{Context, Poll};

use common::*;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, Conventions, GenAiSpanBuilder, HasUsage, Outcome, Usage};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, Value};

/// An OpenAI-style chunk: usage only in the last one.
#[derive(HasUsage, Debug, Clone, Default)]
struct Chunk {
    id: Option<String>,
    model: Option<String>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    finish_reason: Option<String>,
    #[usage(skip)]
    delta: String,
}

fn chunks(n: usize, with_usage: bool) -> Vec<Result<Chunk, ApiError>> {
    let mut v: Vec<Result<Chunk, ApiError>> = (0..n)
        .map(|i| Ok(Chunk { id: Some("chatcmpl-s".into()), model: Some("gpt-4o-2024-08-06".into()), delta: format!("t{i} "), ..Default::default() }))
        .collect();
    if let Some(Ok(last)) = v.last_mut() {
        last.finish_reason = Some("stop".into());
        if with_usage {
            last.prompt_tokens = Some(20);
            last.completion_tokens = Some(n as u32);
        }
    }
    v
}

/// A stream that yields its items one poll at a time (Pending in between), so time passes and
/// the consumer can act between chunks.
struct Slow<I: Iterator> {
    items: I,
    ready: bool,
}
impl<I: Iterator + Unpin> Stream for Slow<I> {
    type Item = I::Item;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        Poll::Ready(self.items.next())
    }
}
fn slow<T: Unpin>(v: Vec<T>) -> Slow<std::vec::IntoIter<T>> {
    Slow { items: v.into_iter(), ready: false }
}

#[genai_span(operation = "chat", provider = "openai", model = model.to_owned())]
fn chat_stream(model: &str, items: Vec<Result<Chunk, ApiError>>) -> impl Stream<Item = Result<Chunk, ApiError>> {
    slow(items)
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn connect_then_stream(fail: bool) -> Result<BoxStream<'static, Result<Chunk, ApiError>>, ApiError> {
    tokio::task::yield_now().await;
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(slow(chunks(3, true)).boxed())
}

/// Anthropic-style: cumulative usage, input in the first event, output growing.
#[derive(HasUsage, Debug, Clone)]
#[usage(input_excludes_cache)]
struct Event {
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
    cache_read_input_tokens: Option<u32>,
    stop_reason: Option<String>,
}

#[genai_span(operation = "chat", provider = "anthropic", model = "claude-sonnet-4")]
fn messages_stream() -> Pin<Box<dyn Stream<Item = Event> + Send>> {
    let events = vec![
        Event { input_tokens: Some(10), output_tokens: Some(1), cache_read_input_tokens: Some(50), stop_reason: None },
        Event { input_tokens: None, output_tokens: Some(5), cache_read_input_tokens: None, stop_reason: None },
        Event { input_tokens: None, output_tokens: Some(9), cache_read_input_tokens: None, stop_reason: Some("end_turn".into()) },
    ];
    Box::pin(stream::iter(events))
}

#[tokio::test]
async fn a_fully_consumed_stream_records_usage_from_its_last_chunk() {
    let t = TestTelemetry::new();
    let s = chat_stream("gpt-4o", chunks(4, true));
    assert!(t.spans().is_empty(), "the span is open while the stream lives");
    let got: Vec<String> = s.map(|c| c.unwrap().delta).collect().await;
    assert_eq!(got, ["t0 ", "t1 ", "t2 ", "t3 "]);
    let span = t.span("chat gpt-4o");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(&span, "gen_ai.request.stream"), Some(&Value::Bool(true)));
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(20));
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(4));
    assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("chatcmpl-s"));
    assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&Value::Array(Array::String(vec!["stop".into()]))));
    let ttfc = match attr(&span, "gen_ai.response.time_to_first_chunk") {
        Some(Value::F64(v)) => *v,
        other => panic!("time_to_first_chunk: {other:?}"),
    };
    let total = span.end_time.duration_since(span.start_time).unwrap().as_secs_f64();
    assert!(ttfc > 0.0 && ttfc <= total, "{ttfc} within the span's {total}");
    assert_eq!(attr(&span, "genai_o11y.usage.missing"), None);

    let first = t.f64_histogram("gen_ai.client.operation.time_to_first_chunk");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].count(), 1);
    let per_chunk = t.f64_histogram("gen_ai.client.operation.time_per_output_chunk");
    assert_eq!(per_chunk.iter().map(|p| p.count()).sum::<u64>(), 3, "one per chunk after the first");
    let duration = t.f64_histogram("gen_ai.client.operation.duration");
    assert_eq!(duration[0].count(), 1, "one duration for the whole stream");
    assert!(!duration[0].attributes().any(|kv| kv.key.as_str() == "error.type"));
}

#[tokio::test]
async fn cumulative_usage_keeps_the_latest_counts() {
    let t = TestTelemetry::new();
    let n = messages_stream().count().await;
    assert_eq!(n, 3);
    let span = t.span("chat claude-sonnet-4");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(60), "10 + 50 cached (Anthropic excludes cache)");
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(9), "cumulative, not summed");
    assert_eq!(int_attr(&span, "gen_ai.usage.cache_read.input_tokens"), Some(50));
}

#[tokio::test]
async fn breaking_out_early_ends_the_span_as_cancelled() {
    let t = TestTelemetry::new();
    let mut st = Box::pin(chat_stream("gpt-4o", chunks(10, true)));
    let mut seen = 0;
    while let Some(c) = st.next().await {
        c.unwrap();
        seen += 1;
        if seen == 2 {
            break;
        }
    }
    assert!(t.spans().is_empty(), "still open: the consumer holds the stream");
    drop(st);
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "error.type"), Some(&s("cancelled")));
    assert!(error_description(&span).unwrap().contains("cancelled"));
    assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("chatcmpl-s"), "what arrived is kept");
    assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&Value::Array(Array::String(vec!["error".into()]))), "expected but never arrived");
    assert!(attr(&span, "gen_ai.response.time_to_first_chunk").is_some());
    let duration = t.f64_histogram("gen_ai.client.operation.duration");
    assert!(duration[0].attributes().any(|kv| kv.key.as_str() == "error.type" && kv.value == s("cancelled")));
}

#[tokio::test]
async fn a_stream_dropped_unpolled_still_ends_its_span() {
    let t = TestTelemetry::new();
    drop(chat_stream("gpt-4o", chunks(3, true)));
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "error.type"), Some(&s("cancelled")));
    assert_eq!(attr(&span, "gen_ai.response.time_to_first_chunk"), None);
    assert_eq!(t.f64_histogram("gen_ai.client.operation.time_to_first_chunk").len(), 0);
}

#[tokio::test]
async fn an_error_chunk_ends_the_span_with_its_type_and_is_passed_on() {
    let t = with_error_messages();
    let mut items = chunks(2, false);
    items.push(Err(ApiError::Timeout));
    items.extend(chunks(1, true));
    let got: Vec<Result<Chunk, ApiError>> = chat_stream("gpt-4o", items).collect().await;
    assert_eq!(got.len(), 4, "every item reaches the consumer");
    assert_eq!(got[2].as_ref().unwrap_err(), &ApiError::Timeout);
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "error.type"), Some(&s("timeout")));
    assert_eq!(error_description(&span).as_deref(), Some("request timed out"));
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), None, "the usage after the error is not attributed");
    assert_eq!(t.spans().len(), 1, "ended exactly once");
}

#[tokio::test]
async fn a_timed_out_stream_is_cancelled() {
    let t = TestTelemetry::new();
    let never = stream::pending::<Result<Chunk, ApiError>>();
    let st = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o").stream(true).start().instrument_stream(never, |c, _| Outcome::from_result(c));
    let r = tokio::time::timeout(std::time::Duration::from_millis(5), st.into_future()).await;
    assert!(r.is_err());
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "error.type"), Some(&s("cancelled")));
    assert_eq!(attr(&span, "gen_ai.request.stream"), Some(&Value::Bool(true)));
}

#[tokio::test]
async fn a_stream_without_usage_says_so_and_is_counted() {
    let t = TestTelemetry::new();
    let n = chat_stream("gpt-4o", chunks(3, false)).count().await;
    assert_eq!(n, 3);
    let span = t.span("chat gpt-4o");
    assert_eq!(attr(&span, "genai_o11y.usage.missing"), Some(&Value::Bool(true)));
    assert!(!keys(&span).iter().any(|k| k.starts_with("gen_ai.usage.")), "no zeros recorded");
    let missing = t.u64_counter("genai_o11y.client.usage.missing");
    assert_eq!(missing.iter().map(|p| p.value()).sum::<u64>(), 1);
    assert!(t.u64_histogram("gen_ai.client.token.usage").is_empty());
}

#[tokio::test]
async fn async_fns_returning_a_result_of_a_stream() {
    let t = with_error_messages();
    let st = connect_then_stream(false).await.unwrap();
    assert_eq!(st.count().await, 3);
    assert!(connect_then_stream(true).await.is_err());
    let spans = t.spans();
    assert_eq!(spans.len(), 2);
    assert_eq!(int_attr(&spans[0], "gen_ai.usage.input_tokens"), Some(20));
    assert_eq!(spans[0].status, Status::Unset);
    assert_eq!(attr(&spans[1], "error.type"), Some(&s("429")), "failed before the stream existed");
    assert_eq!(error_description(&spans[1]).as_deref(), Some("rate limited: retry after 20s"));
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn traced_stream() -> impl Stream<Item = Chunk> {
    stream::iter(0..3).map(|i| {
        tracing::info_span!("inside_stream").in_scope(|| ());
        Chunk { prompt_tokens: (i == 2).then_some(5), completion_tokens: (i == 2).then_some(3), ..Default::default() }
    })
}

#[tokio::test]
async fn the_span_is_current_only_while_the_stream_is_polled() {
    let t = TestTelemetry::new();
    let mut s = Box::pin(traced_stream());
    while let Some(_c) = s.next().await {
        // The consumer's work between chunks.
        tracing::info_span!("consumer_work").in_scope(|| ());
    }
    let chat = t.span("chat gpt-4o");
    let inside: Vec<_> = t.spans().into_iter().filter(|s| s.name == "inside_stream").collect();
    let consumer: Vec<_> = t.spans().into_iter().filter(|s| s.name == "consumer_work").collect();
    assert_eq!((inside.len(), consumer.len()), (3, 3));
    assert!(inside.iter().all(|s| is_child_of(s, &chat)), "the stream's own work is attributed to it");
    assert!(consumer.iter().all(is_root), "the consumer's work is not");
}

#[tokio::test]
async fn latest_mode_streaming_metric_names() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    chat_stream("gpt-4o", chunks(3, true)).count().await;
    let names = t.metric_names();
    assert!(names.contains(&"gen_ai.client.inference.time_to_first_chunk".to_owned()), "{names:?}");
    assert!(names.contains(&"gen_ai.client.inference.time_per_output_chunk".to_owned()), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("gen_ai.client.operation.time")), "{names:?}");
}

#[tokio::test]
async fn a_hand_wrapped_stream() {
    let t = TestTelemetry::new();
    let items = stream::iter(vec![Usage::new().output(1), Usage::new().input(4).output(2)]);
    let s = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o").stream(true).start().instrument_stream(items, |u, _| Outcome::with_usage(u));
    assert_eq!(s.count().await, 2);
    let span = t.span("chat gpt-4o");
    assert_eq!((int_attr(&span, "gen_ai.usage.input_tokens"), int_attr(&span, "gen_ai.usage.output_tokens")), (Some(4), Some(2)));
}

//! Iterators: a sync function returning `impl Iterator<Item = T>` (or a boxed one) is
//! instrumented like a stream: the span lasts until the iterator is exhausted or dropped, each
//! item's usage is gathered, an error item or a panic inside `next()` ends the span with its
//! error; in both convention modes.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::*;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{current, genai_span, CaptureConfig, CaptureMode, Conventions, GenAiSpanBuilder, HasUsage, Outcome, Settings, Usage};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{Array, Value};

const MODES: [Conventions; 2] = [Conventions::V1_41, Conventions::LatestExperimental];

/// An OpenAI-style chunk: usage only in the last one.
#[derive(HasUsage, Debug, Clone, Default, serde::Serialize)]
struct Chunk {
    id: Option<String>,
    model: Option<String>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    finish_reason: Option<String>,
    #[usage(skip)]
    content: String,
}

fn chunks(n: usize) -> Vec<Result<Chunk, ApiError>> {
    let mut v: Vec<Result<Chunk, ApiError>> = (0..n)
        .map(|i| Ok(Chunk { id: Some("chatcmpl-i".into()), model: Some("gpt-4o-2024-08-06".into()), content: format!("t{i} "), ..Default::default() }))
        .collect();
    if let Some(Ok(last)) = v.last_mut() {
        last.finish_reason = Some("stop".into());
        last.prompt_tokens = Some(20);
        last.completion_tokens = Some(n as u32);
    }
    v
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_iter(items: Vec<Result<Chunk, ApiError>>) -> impl Iterator<Item = Result<Chunk, ApiError>> {
    items.into_iter().inspect(|_| {
        // Work done inside `next()` is attributed to the call.
        tracing::info_span!("inside_next").in_scope(|| ());
    })
}

/// Anthropic-style: cumulative usage, in a boxed iterator.
#[derive(HasUsage, Debug, Clone)]
#[usage(input_excludes_cache)]
struct Event {
    input_tokens: Option<u32>,
    output_tokens: Option<u32>,
    cache_read_input_tokens: Option<u32>,
    stop_reason: Option<String>,
}

#[genai_span(operation = "chat", provider = "anthropic", model = "claude-sonnet-4")]
fn messages_iter() -> Box<dyn Iterator<Item = Event> + Send> {
    Box::new(
        vec![
            Event { input_tokens: Some(10), output_tokens: Some(1), cache_read_input_tokens: Some(50), stop_reason: None },
            Event { input_tokens: None, output_tokens: Some(5), cache_read_input_tokens: None, stop_reason: None },
            Event { input_tokens: None, output_tokens: Some(9), cache_read_input_tokens: None, stop_reason: Some("end_turn".into()) },
        ]
        .into_iter(),
    )
}

/// Connects (and may fail), then iterates.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn connect_then_iterate(fail: bool) -> Result<impl Iterator<Item = Chunk>, ApiError> {
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(chunks(3).into_iter().map(Result::unwrap))
}

#[test]
fn an_exhausted_iterator_ends_its_span_with_the_usage_of_its_items() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        let mut it = chat_iter(chunks(4));
        assert_eq!(it.size_hint(), (4, Some(4)), "size_hint passes through");
        for _ in 0..4 {
            it.next().unwrap().unwrap();
        }
        assert!(t.spans().iter().all(|s| s.name != "chat gpt-4o"), "open until next() returns None");
        assert!(it.next().is_none());
        let span = t.span("chat gpt-4o");
        assert_eq!(span.span_kind, SpanKind::Client);
        assert_eq!(span.status, Status::Unset);
        assert_eq!(attr(&span, "gen_ai.request.stream"), Some(&Value::Bool(true)));
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(20), "{conventions:?}");
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(4));
        assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("chatcmpl-i"));
        assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&Value::Array(Array::String(vec!["stop".into()]))));
        assert!(matches!(attr(&span, "gen_ai.response.time_to_first_chunk"), Some(Value::F64(v)) if *v > 0.0));
        let inside: Vec<_> = t.spans().into_iter().filter(|s| s.name == "inside_next").collect();
        assert_eq!(inside.len(), 4);
        assert!(inside.iter().all(|s| is_child_of(s, &span)), "the span is entered while next() runs");
        let (first, per_chunk, duration) = match conventions {
            Conventions::V1_41 => {
                ("gen_ai.client.operation.time_to_first_chunk", "gen_ai.client.operation.time_per_output_chunk", "gen_ai.client.operation.duration")
            }
            _ => ("gen_ai.client.inference.time_to_first_chunk", "gen_ai.client.inference.time_per_output_chunk", "gen_ai.client.inference.duration"),
        };
        assert_eq!(t.f64_histogram(first).iter().map(|p| p.count()).sum::<u64>(), 1, "{first}");
        assert_eq!(t.f64_histogram(per_chunk).iter().map(|p| p.count()).sum::<u64>(), 3, "{per_chunk}: one per item after the first");
        assert_eq!(t.f64_histogram(duration).iter().map(|p| p.count()).sum::<u64>(), 1, "{duration}: one for the whole iteration");
    }
}

#[test]
fn a_boxed_iterator_keeps_the_latest_cumulative_counts() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        assert_eq!(messages_iter().count(), 3);
        let span = t.span("chat claude-sonnet-4");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(60), "10 + 50 cached (Anthropic excludes cache)");
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(9), "cumulative, not summed");
        assert_eq!(int_attr(&span, "gen_ai.usage.cache_read.input_tokens"), Some(50));
    }
}

#[test]
fn an_iterator_dropped_early_ends_its_span_as_cancelled() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        let mut it = chat_iter(chunks(10));
        it.next().unwrap().unwrap();
        it.next().unwrap().unwrap();
        assert!(t.spans().iter().all(|s| s.name != "chat gpt-4o"), "still open: the consumer holds it");
        drop(it);
        let span = t.span("chat gpt-4o");
        assert_eq!(attr(&span, "error.type"), Some(&s("cancelled")));
        assert_eq!(string_attr(&span, "gen_ai.response.id").as_deref(), Some("chatcmpl-i"), "what arrived is kept");
        assert_eq!(attr(&span, "gen_ai.response.finish_reasons"), Some(&Value::Array(Array::String(vec!["error".into()]))), "expected but never arrived");
        drop(t);

        // Never iterated at all: cancelled too, no time to first item.
        let t = TestTelemetry::with_conventions(conventions);
        drop(chat_iter(chunks(3)));
        let span = t.span("chat gpt-4o");
        assert_eq!(attr(&span, "error.type"), Some(&s("cancelled")));
        assert_eq!(attr(&span, "gen_ai.response.time_to_first_chunk"), None);
    }
}

#[test]
fn an_error_item_ends_the_span_with_its_type_and_is_passed_on() {
    for conventions in MODES {
        let t = TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::default().error_messages(true)));
        let mut items = chunks(2);
        items.insert(1, Err(ApiError::Timeout));
        let got: Vec<Result<Chunk, ApiError>> = chat_iter(items).collect();
        assert_eq!(got.len(), 3, "every item reaches the consumer");
        assert_eq!(got[1].as_ref().unwrap_err(), &ApiError::Timeout);
        let span = t.span("chat gpt-4o");
        assert_eq!(attr(&span, "error.type"), Some(&s("timeout")));
        assert_eq!(error_description(&span).as_deref(), Some("request timed out"));
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), None, "the usage after the error is not attributed");
        assert_eq!(t.spans().iter().filter(|s| s.name == "chat gpt-4o").count(), 1, "ended exactly once");
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn exploding_iter() -> impl Iterator<Item = Chunk> {
    chunks(3).into_iter().map(|c| {
        let c = c.unwrap();
        if c.content == "t1 " {
            panic!("decoder exploded");
        }
        c
    })
}

#[test]
fn a_panic_inside_next_ends_the_span_then_continues() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        let mut it = exploding_iter();
        it.next().unwrap();
        let payload = catch_unwind(AssertUnwindSafe(|| it.next())).expect_err("the panic continues");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"decoder exploded"));
        let span = t.span("chat gpt-4o");
        assert_eq!(attr(&span, "error.type"), Some(&s("panic")), "{conventions:?}");
        assert!(matches!(span.status, Status::Error { .. }));
        // The rest passes through unrecorded; dropping it records nothing more.
        assert!(it.next().is_some());
        drop(it);
        assert_eq!(t.spans().iter().filter(|s| s.name == "chat gpt-4o").count(), 1, "ended exactly once");
    }
}

#[test]
fn a_result_of_an_iterator_fails_before_it_exists_or_iterates() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        assert_eq!(connect_then_iterate(false).unwrap().map(|c| c.content).collect::<String>(), "t0 t1 t2 ");
        assert!(connect_then_iterate(true).is_err());
        let spans = t.spans();
        assert_eq!(spans.len(), 2);
        assert_eq!(int_attr(&spans[0], "gen_ai.usage.input_tokens"), Some(20));
        assert_eq!(attr(&spans[1], "error.type"), Some(&s("429")), "failed before the iterator existed");
    }
}

/// The extra iterator traits are kept when the inner iterator has them.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn exact(n: u64) -> impl ExactSizeIterator<Item = Usage> + DoubleEndedIterator + Send {
    (1..=n).map(|i| Usage::new().input(10).output(i)).collect::<Vec<_>>().into_iter()
}

#[test]
fn exact_size_and_double_ended_iterators_stay_so() {
    let t = TestTelemetry::new();
    let it = exact(3);
    assert_eq!(it.len(), 3);
    let outputs: Vec<u64> = it.rev().map(|u| u.output_tokens.unwrap()).collect();
    assert_eq!(outputs, [3, 2, 1]);
    let span = t.span("chat gpt-4o");
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(1), "the latest item's count (taken from the back)");
}

/// Text pieces that report nothing: the usage arrives through `current()` inside `next()`;
/// the pieces, borrowed from the argument, are the streamed answer.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn words<'a>(text: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    current().response_model("gpt-4o-2024-08-06");
    let n = text.split(' ').count();
    text.split(' ').enumerate().map(move |(i, w)| {
        if i + 1 == n {
            current().usage(Usage::new().input(7).output(n as u64)).finish_reasons(["stop"]);
        }
        w
    })
}

#[test]
fn current_reaches_the_call_inside_next_and_the_answer_is_captured() {
    for conventions in MODES {
        let t = TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        let text = String::from("a borrowed answer");
        assert_eq!(words(&text).collect::<Vec<_>>(), ["a", "borrowed", "answer"]);
        let span = t.span("chat gpt-4o");
        assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(7));
        assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(3));
        assert_eq!(string_attr(&span, "gen_ai.response.model").as_deref(), Some("gpt-4o-2024-08-06"));
        let output: serde_json::Value = serde_json::from_str(&string_attr(&span, "gen_ai.output.messages").unwrap()).unwrap();
        assert_eq!(output[0]["parts"][0]["content"], "aborrowedanswer", "each item folded into one answer");
    }
}

#[test]
fn a_hand_wrapped_iterator() {
    let t = TestTelemetry::new();
    let items = vec![Usage::new().output(1), Usage::new().input(4).output(2)];
    let it = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o").stream(true).start().instrument_iter(items.into_iter(), |u, _| Outcome::with_usage(u));
    assert_eq!(it.usage_so_far(), Usage::new());
    assert_eq!(it.count(), 2);
    let span = t.span("chat gpt-4o");
    assert_eq!(int_attr(&span, "gen_ai.usage.input_tokens"), Some(4));
    assert_eq!(int_attr(&span, "gen_ai.usage.output_tokens"), Some(2));
}

// Functions returning streams: the span covers the whole stream, sync or async, `impl Stream`,
// boxed `dyn Stream`, `BoxStream`, inside a `Result`, with a `usage` closure, borrowing an argument.
use std::pin::Pin;

use futures::stream::{self, BoxStream, Stream, StreamExt};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, HasUsage, Usage};
use opentelemetry::Value;

#[derive(HasUsage, Debug, Clone, Default)]
struct Chunk {
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    #[usage(skip)]
    delta: String,
}

fn chunk(i: u32, last: bool) -> Chunk {
    Chunk {
        prompt_tokens: last.then_some(10),
        completion_tokens: last.then_some(i + 1),
        delta: format!("t{i}"),
    }
}

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

// Sync, `impl Stream` of `Result`s.
#[genai_span(operation = "chat", provider = "openai", model = "sync-impl")]
fn sync_impl() -> impl Stream<Item = Result<Chunk, ApiError>> {
    stream::iter((0..3).map(|i| Ok(chunk(i, i == 2))))
}

// Async, connects then returns a `BoxStream` inside a `Result`.
#[genai_span(operation = "chat", provider = "openai", model = "async-result-box")]
async fn async_result_box() -> Result<BoxStream<'static, Chunk>, ApiError> {
    tokio::task::yield_now().await;
    Ok(stream::iter((0..2).map(|i| chunk(i, i == 1))).boxed())
}

// Sync, `Pin<Box<dyn Stream + Send>>`.
#[genai_span(operation = "chat", provider = "anthropic", model = "pinned-box")]
fn pinned_box() -> Pin<Box<dyn Stream<Item = Chunk> + Send>> {
    Box::pin(stream::iter((0..4).map(|i| chunk(i, i == 3))))
}

// Async, `impl Stream`.
#[genai_span(operation = "chat", provider = "openai", model = "async-impl")]
async fn async_impl() -> impl Stream<Item = Chunk> {
    tokio::task::yield_now().await;
    stream::iter((0..2).map(|i| chunk(i, i == 1)))
}

// A chunk type from another crate: usage read by a closure.
struct ForeignChunk {
    tokens_in: Option<u64>,
    tokens_out: Option<u64>,
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = "foreign",
    usage = |c: &ForeignChunk| {
        let u = Usage::new();
        let u = match c.tokens_in { Some(n) => u.input(n), None => u };
        match c.tokens_out { Some(n) => u.output(n), None => u }
    },
)]
fn foreign() -> impl Stream<Item = ForeignChunk> {
    stream::iter(vec![
        ForeignChunk { tokens_in: None, tokens_out: None },
        ForeignChunk { tokens_in: Some(7), tokens_out: Some(2) },
    ])
}

// Borrowing an argument, sync and async.
#[genai_span(operation = "chat", provider = "openai", model = "borrowed")]
fn borrowed<'a>(prompt: &'a str) -> impl Stream<Item = Chunk> + 'a {
    let words: Vec<&'a str> = prompt.split(' ').collect();
    let n = words.len();
    stream::iter(words.into_iter().enumerate().map(move |(i, w)| Chunk { delta: w.to_owned(), ..chunk(i as u32, i + 1 == n) }))
}

#[genai_span(operation = "chat", provider = "openai", model = "borrowed-async")]
async fn borrowed_async<'a>(prompt: &'a str) -> Result<impl Stream<Item = Chunk> + 'a, ApiError> {
    tokio::task::yield_now().await;
    Ok(stream::iter(prompt.split(' ')).enumerate().map(|(i, w)| Chunk { delta: w.to_owned(), ..chunk(i as u32, i == 2) }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::new();

    let got: Vec<String> = sync_impl().map(|c| c.unwrap().delta).collect().await;
    assert_eq!(got, ["t0", "t1", "t2"]);

    let s = async_result_box().await.unwrap();
    assert!(t.spans().iter().all(|s| s.name != "chat async-result-box"), "open while the stream lives");
    assert_eq!(s.count().await, 2);

    assert_eq!(pinned_box().count().await, 4);
    assert_eq!(async_impl().await.count().await, 2);
    assert_eq!(foreign().count().await, 2);

    let prompt = String::from("hello stream world");
    let got: Vec<String> = borrowed(&prompt).map(|c| c.delta).collect().await;
    assert_eq!(got, ["hello", "stream", "world"]);
    let got: Vec<String> = borrowed_async(&prompt).await.unwrap().map(|c| c.delta).collect().await;
    assert_eq!(got, ["hello", "stream", "world"]);

    let spans = t.spans();
    for (model, input, output) in [
        ("sync-impl", 10, 3),
        ("async-result-box", 10, 2),
        ("pinned-box", 10, 4),
        ("async-impl", 10, 2),
        ("foreign", 7, 2),
        ("borrowed", 10, 3),
        ("borrowed-async", 10, 3),
    ] {
        let name = format!("chat {model}");
        let matching: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(matching.len(), 1, "one span for `{name}`: {:?}", t.span_names());
        let span = matching[0];
        assert_eq!(attr(span, "gen_ai.request.stream"), Some(&Value::Bool(true)), "{name}");
        assert_eq!(attr(span, "gen_ai.usage.input_tokens"), Some(&Value::I64(input)), "{name}");
        assert_eq!(attr(span, "gen_ai.usage.output_tokens"), Some(&Value::I64(output)), "{name}");
    }
    assert_eq!(spans.len(), 7);
}

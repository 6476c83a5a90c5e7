// Functions returning iterators: the span lasts until the iterator is exhausted or dropped, sync
// or async, `impl Iterator`, `Box<dyn Iterator>`, inside a `Result`, with a `usage` closure,
// borrowing an argument, on a method, generic, keeping `Send`, `ExactSizeIterator` and
// `DoubleEndedIterator`. A bound naming another trait (`Clone`) is no iterator shape: the
// function is a plain sync one, as before.
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
    Chunk { prompt_tokens: last.then_some(10), completion_tokens: last.then_some(i + 1), delta: format!("t{i}") }
}

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("api error")
    }
}

#[genai_span(operation = "chat", provider = "openai", model = "sync-impl")]
fn sync_impl() -> impl Iterator<Item = Result<Chunk, ApiError>> {
    (0..3).map(|i| Ok(chunk(i, i == 2)))
}

#[genai_span(operation = "chat", provider = "openai", model = "boxed")]
fn boxed() -> Box<dyn Iterator<Item = Chunk> + Send + 'static> {
    Box::new((0..4).map(|i| chunk(i, i == 3)))
}

#[genai_span(operation = "chat", provider = "openai", model = "result")]
fn result(fail: bool) -> Result<impl Iterator<Item = Chunk> + Send, ApiError> {
    if fail {
        return Err(ApiError);
    }
    Ok((0..2).map(|i| chunk(i, i == 1)))
}

#[genai_span(operation = "chat", provider = "openai", model = "async-impl")]
async fn async_impl() -> impl Iterator<Item = Chunk> {
    tokio::task::yield_now().await;
    (0..2).map(|i| chunk(i, i == 1))
}

struct ForeignChunk {
    tokens_out: Option<u64>,
}

#[genai_span(operation = "chat", provider = "openai", model = "foreign", usage = |c: &ForeignChunk| match c.tokens_out { Some(n) => Usage::new().input(7).output(n), None => Usage::new() })]
fn foreign() -> impl Iterator<Item = ForeignChunk> {
    vec![ForeignChunk { tokens_out: None }, ForeignChunk { tokens_out: Some(2) }].into_iter()
}

#[genai_span(operation = "chat", provider = "openai", model = "borrowed")]
fn borrowed<'a>(prompt: &'a str) -> impl Iterator<Item = Chunk> + 'a {
    let n = prompt.split(' ').count();
    prompt.split(' ').enumerate().map(move |(i, w)| Chunk { delta: w.to_owned(), ..chunk(i as u32, i + 1 == n) })
}

#[genai_span(operation = "chat", provider = "openai", model = "exact")]
fn exact() -> impl ExactSizeIterator<Item = Chunk> + DoubleEndedIterator + Send {
    vec![chunk(0, false), chunk(1, true)].into_iter()
}

#[genai_span(operation = "chat", provider = "openai", model = "generic")]
fn generic<T: Clone + Into<String>>(pieces: Vec<T>) -> impl Iterator<Item = Chunk> {
    let n = pieces.len();
    pieces.into_iter().enumerate().map(move |(i, p)| Chunk { delta: p.into(), ..chunk(i as u32, i + 1 == n) })
}

struct Client;
impl Client {
    #[genai_span(operation = "chat", provider = "openai", model = "method")]
    fn method(&self) -> impl Iterator<Item = Chunk> + '_ {
        (0..1).map(|i| chunk(i, true))
    }
}

// Not an iterator shape (another trait in the bound): a plain sync call.
#[genai_span(operation = "chat", provider = "openai", model = "cloneable", usage = none)]
fn cloneable() -> impl Iterator<Item = u8> + Clone {
    0..3
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::new();

    assert_eq!(sync_impl().map(|c| c.unwrap().delta).collect::<Vec<_>>(), ["t0", "t1", "t2"]);
    assert_eq!(assert_send(boxed()).count(), 4);
    assert_eq!(assert_send(result(false).unwrap()).count(), 2);
    assert!(result(true).is_err());
    assert_eq!(async_impl().await.count(), 2);
    assert_eq!(foreign().count(), 2);
    let prompt = String::from("hello iterator world");
    assert_eq!(borrowed(&prompt).map(|c| c.delta).collect::<Vec<_>>(), ["hello", "iterator", "world"]);
    let e = assert_send(exact());
    assert_eq!(e.len(), 2);
    assert_eq!(e.rev().count(), 2);
    assert_eq!(generic(vec!["a", "b"]).count(), 2);
    assert_eq!(Client.method().count(), 1);
    let c = cloneable();
    assert_eq!(c.clone().count(), 3);
    assert!(t.spans().iter().any(|s| s.name == "chat cloneable"), "ended at return: a plain call");

    let spans = t.spans();
    for (model, input, output) in [
        ("sync-impl", 10, 3),
        ("boxed", 10, 4),
        ("async-impl", 10, 2),
        ("foreign", 7, 2),
        ("borrowed", 10, 3),
        ("exact", 10, 2),
        ("generic", 10, 2),
        ("method", 10, 1),
    ] {
        let name = format!("chat {model}");
        let matching: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(matching.len(), 1, "one span for `{name}`: {:?}", t.span_names());
        let span = matching[0];
        assert_eq!(attr(span, "gen_ai.request.stream"), Some(&Value::Bool(true)), "{name}");
        assert_eq!(attr(span, "gen_ai.usage.input_tokens"), Some(&Value::I64(input)), "{name}");
        assert_eq!(attr(span, "gen_ai.usage.output_tokens"), Some(&Value::I64(output)), "{name}");
    }
    assert_eq!(spans.iter().filter(|s| s.name == "chat result").count(), 2);
}

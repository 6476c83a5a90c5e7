// Carrying the span and agent scope into other tasks and threads (`task::Context`,
// `task::spawn`, `task::spawn_blocking`), and totals on any span with `Rollup`.
use genai_o11y::task::{self, Context};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, Rollup, Usage};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use tracing::Instrument;

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(input: u64) -> Result<Usage, std::io::Error> {
    tokio::task::yield_now().await;
    Ok(Usage::new().input(input).output(1))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat_sync(input: u64) -> Usage {
    Usage::new().input(input).output(1)
}

#[genai_agent(name = "spawner")]
async fn spawner() -> anyhow::Result<()> {
    // Another task, wrapped by hand.
    tokio::spawn(Context::current().wrap(chat(1))).await??;
    // Another task, through the helper.
    task::spawn(chat(2)).await??;
    // `TestTelemetry` installs its subscriber for this thread only: other threads take it along
    // (an application installs one globally instead).
    let dispatch = tracing::dispatcher::get_default(|d| d.clone());
    // A blocking thread, through the helper.
    let d = dispatch.clone();
    task::spawn_blocking(move || tracing::dispatcher::with_default(&d, || chat_sync(4))).await?;
    // A plain thread, with `in_scope`.
    let ctx = Context::current();
    std::thread::spawn(move || tracing::dispatcher::with_default(&dispatch, || ctx.in_scope(|| chat_sync(8)))).join().unwrap();
    Ok(())
}

fn int(span: &SpanData, key: &str) -> Option<i64> {
    match attr(span, key) {
        Some(Value::I64(v)) => Some(*v),
        _ => None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::new();
    spawner().await.unwrap();
    let agent = t.span("invoke_agent spawner");
    let chats: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name == "chat gpt-4o").collect();
    assert_eq!(chats.len(), 4);
    for c in &chats {
        assert_eq!(c.parent_span_id, agent.span_context.span_id(), "every call nests under the agent");
    }
    assert_eq!(int(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(1 + 2 + 4 + 8));
    assert_eq!(int(&agent, "genai_o11y.agent.inference_calls"), Some(4));

    // `Rollup` on a span of your own, around a future and around sync code.
    t.reset_spans();
    let span = tracing::info_span!("handle_request");
    Rollup::new(span.clone())
        .instrument(async {
            chat(3).await.unwrap();
            chat(5).await.unwrap();
        })
        .instrument(span)
        .await;
    assert_eq!(int(&t.span("handle_request"), "genai_o11y.aggregated_usage.input_tokens"), Some(8));

    let span = tracing::info_span!("batch");
    span.in_scope(|| Rollup::new(tracing::Span::current()).in_scope(|| {
        chat_sync(10);
        chat_sync(20);
    }));
    drop(span);
    assert_eq!(int(&t.span("batch"), "genai_o11y.aggregated_usage.input_tokens"), Some(30));
}

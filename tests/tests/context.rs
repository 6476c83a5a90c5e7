//! A span (and its agent) followed into other tasks and threads, on a multi-thread runtime with
//! the process-wide pipeline. One test in its own binary: it installs global state.

mod common;

use common::*;
use genai_o11y::task::Context;
use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

#[genai_span(operation = "chat", provider = "openai", model = model.to_owned())]
async fn chat(model: &str) -> Result<Usage, ApiError> {
    tokio::task::yield_now().await;
    Ok(Usage::new().input(10).output(1))
}

#[genai_tool]
fn crunch(n: u64) -> u64 {
    (0..n).sum()
}

#[genai_agent(name = "spawner")]
async fn spawner() -> Result<(), ApiError> {
    // 1. Another task, through the helper: a child, counted in the agent's totals.
    genai_o11y::task::spawn(chat("spawned")).await.unwrap()?;
    // 2. A plain tokio::spawn: the context does not follow (a root span, not counted).
    tokio::spawn(chat("detached")).await.unwrap()?;
    // 3. join! within the task: children, no help needed.
    let (a, b) = tokio::join!(chat("joined-a"), chat("joined-b"));
    a?;
    b?;
    // 4. spawn_blocking through the helper.
    genai_o11y::task::spawn_blocking(|| crunch(10)).await.unwrap();
    // 5. A thread of a rayon-style pool: carry the context by hand.
    let ctx = Context::current();
    std::thread::spawn(move || ctx.in_scope(|| crunch(20))).join().unwrap();
    // 6. A future moved to another task by hand.
    tokio::spawn(Context::current().wrap(chat("wrapped"))).await.unwrap()?;
    Ok(())
}

fn find<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no span {name}"))
}

#[test]
fn context_follows_work_into_tasks_and_threads() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("t"));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(spawner()).unwrap();
    let _ = provider.force_flush();
    let spans = exporter.get_finished_spans().unwrap();
    let agent = find(&spans, "invoke_agent spawner");

    for child in ["chat spawned", "chat joined-a", "chat joined-b", "chat wrapped"] {
        assert!(is_child_of(find(&spans, child), agent), "{child} is a child of the agent");
    }
    let detached = find(&spans, "chat detached");
    assert!(is_root(detached), "plain tokio::spawn loses the context: that is what task::spawn is for");

    let tools: Vec<&SpanData> = spans.iter().filter(|s| s.name == "execute_tool crunch").collect();
    assert_eq!(tools.len(), 2);
    for tool in tools {
        assert!(is_child_of(tool, agent), "blocking task and thread: children of the agent");
        assert_eq!(string_attr(tool, "gen_ai.agent.name").as_deref(), Some("spawner"), "and they know their agent");
    }

    // Totals: the four calls that ran in the agent's context (not the detached one).
    assert_eq!(int_attr(agent, "genai_o11y.aggregated_usage.input_tokens"), Some(40));
    assert_eq!(int_attr(agent, "genai_o11y.agent.inference_calls"), Some(4));
    assert_eq!(int_attr(agent, "genai_o11y.agent.tool_calls"), Some(2));
}

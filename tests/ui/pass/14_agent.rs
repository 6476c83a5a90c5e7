// `#[genai_agent]` with every argument; defaults.
use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
async fn chat() -> Result<Resp, std::io::Error> {
    Ok(Resp { input_tokens: 1 })
}

#[genai_tool]
fn lookup() -> u32 {
    2
}

struct Session {
    id: String,
}

#[genai_agent(
    name = "researcher",
    id = "agent-123",
    description = "Finds things out",
    version = "1.2.0",
    conversation_id = session.id.clone(),
    provider = "openai",
    model = "gpt-4o",
    fields(team = "search"),
)]
async fn research(session: &Session, q: &str) -> anyhow::Result<String> {
    let r = chat().await?;
    let n = lookup();
    Ok(format!("{q}: {} {n}", r.input_tokens))
}

/// The planner agent.
#[genai_agent]
fn planner() -> Vec<&'static str> {
    vec!["step 1"]
}

#[genai_agent(name = "looper", id = format!("looper-{}", 1))]
async fn looper() {}

fn main() {
    let s = Session { id: "conv-9".into() };
    assert_eq!(futures::executor::block_on(research(&s, "q")).unwrap(), "q: 1 2");
    assert_eq!(planner(), ["step 1"]);
    futures::executor::block_on(looper());
}

//! A RAG agent end to end: a retrieval (with its embedding), a chat given the documents, and an
//! evaluation of the answer, in a workflow, attributed to a session and a feature; printed to the
//! terminal. No server needed:
//!
//!     cargo run -p genai-o11y-examples --example rag

use std::time::Duration;

use genai_o11y::attribution::Attribution;
use genai_o11y::evaluation::{Evaluation, EvaluationTarget};
use genai_o11y::{genai_agent, genai_retrieval, genai_span, genai_workflow, Document, HasUsage, Usage};

#[derive(Debug)]
struct AppError(String);
impl std::error::Error for AppError {}
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One search hit: `#[derive(Document)]` reads its `id` and `score`.
#[derive(Document, Debug, Clone)]
struct Hit {
    id: String,
    score: f32,
    text: String,
}

#[derive(HasUsage, Debug)]
struct ChatResponse {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(skip)]
    content: String,
    /// Where an evaluation made later will land.
    #[usage(skip)]
    target: Option<EvaluationTarget>,
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Result<Usage, AppError> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    Ok(Usage::new().input(text.split_whitespace().count() as u64 * 2))
}

/// Searches the help-center articles.
#[genai_retrieval(data_source = "help-center", provider = "qdrant", top_k = k, query = query)]
async fn search(query: &str, k: u32) -> Result<Vec<Hit>, AppError> {
    embed(query).await?;
    tokio::time::sleep(Duration::from_millis(10)).await;
    let hits = [("kb-12", 0.91, "Reset your password from the sign-in page."), ("kb-40", 0.77, "Passwords expire after 90 days.")];
    Ok(hits.iter().take(k as usize).map(|(id, score, text)| Hit { id: (*id).into(), score: *score, text: (*text).into() }).collect())
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn answer(question: &str, context: &[Hit]) -> Result<ChatResponse, AppError> {
    tokio::time::sleep(Duration::from_millis(30)).await;
    let prompt = context.iter().map(|h| h.text.as_str()).collect::<Vec<_>>().join(" ") + question;
    Ok(ChatResponse {
        id: "chatcmpl-7".into(),
        model: "gpt-4o-2024-08-06".into(),
        prompt_tokens: prompt.split_whitespace().count() as u32 * 3,
        completion_tokens: 24,
        content: "Use the reset link on the sign-in page.".into(),
        target: EvaluationTarget::current(),
    })
}

#[genai_agent(name = "help_desk")]
async fn help_desk(question: &str) -> Result<ChatResponse, AppError> {
    let hits = search(question, 2).await?;
    let reply = answer(question, &hits).await?;
    // An LLM-as-judge (here: a fixed score) grades the context while the agent runs.
    Evaluation::score("context_relevance", 0.9).explanation("both articles are about passwords").record();
    Ok(reply)
}

#[genai_workflow(name = "support_ticket")]
async fn ticket(question: &str) -> Result<ChatResponse, AppError> {
    help_desk(question).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("rag").install()?;

    let reply = Attribution::new()
        .session_id("session-8f2")
        .user_id("user-31")
        .metadata("app.feature", "help_center")
        .scope(ticket("How do I reset my password?"))
        .await?;
    println!("answer: {}\n", reply.content);
    // A human's thumbs-up arrives after the call ended: it lands on the chat's span.
    Evaluation::label("user_feedback", "thumbs_up").target(reply.target).record();

    guard.flush();
    drop(guard);
    Ok(())
}

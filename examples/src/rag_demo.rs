//! The RAG agent of `examples/rag.rs`, end to end: a workflow runs a help-desk agent that recalls
//! the user's past tickets (memory), searches the help center (a retrieval, with its embedding),
//! asks the model given the documents, and grades the context (an evaluation); later the user's
//! thumbs-up lands on the chat's span. All of it attributed to a session, a user and a feature:
//!
//! ```text
//! invoke_workflow support_ticket
//!   invoke_agent help_desk
//!     search_memory                  (support-history)
//!     retrieval help-center          (2 documents)
//!       embeddings text-embedding-3-small
//!     chat gpt-4o                    evaluation context_relevance = 0.9 (event)
//!       evaluation user_feedback     (after the workflow ended)
//! ```

use std::time::Duration;

use genai_o11y::attribution::Attribution;
use genai_o11y::evaluation::{Evaluation, EvaluationTarget};
use genai_o11y::{genai_agent, genai_memory, genai_retrieval, genai_span, genai_workflow, Document, HasUsage, Usage};
use serde::Serialize;

/// The question the demo asks.
pub const QUESTION: &str = "How do I reset my password?";
/// The answer the (fixed) model gives.
pub const ANSWER: &str = "Use the reset link on the sign-in page.";
/// The attribution of the whole run.
pub const SESSION: &str = "session-8f2";
pub const USER: &str = "user-31";
pub const FEATURE: (&str, &str) = ("app.feature", "help_center");
/// What the help center returns: id, score, text.
pub const HITS: [(&str, f32, &str); 2] = [("kb-12", 0.91, "Reset your password from the sign-in page."), ("kb-40", 0.77, "Passwords expire after 90 days.")];
/// The chat's token usage: input tokens are three per word of the prompt.
pub const COMPLETION_TOKENS: u32 = 24;

#[derive(Debug)]
pub struct AppError(String);
impl std::error::Error for AppError {}
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One search hit: `#[derive(Document)]` reads its `id` and `score`.
#[derive(Document, Debug, Clone)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub text: String,
}

/// A past ticket of the user's, from the support history.
#[derive(Serialize, Debug, Clone)]
pub struct PastTicket {
    pub id: String,
    pub summary: String,
}

#[derive(HasUsage, Debug)]
pub struct ChatResponse {
    pub id: String,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    #[usage(skip)]
    pub content: String,
    /// Where an evaluation made later will land.
    #[usage(skip)]
    pub target: Option<EvaluationTarget>,
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
    Ok(HITS.iter().take(k as usize).map(|(id, score, text)| Hit { id: (*id).into(), score: *score, text: (*text).into() }).collect())
}

/// Recalls the user's past tickets about the same topic.
#[genai_memory(operation = "search_memory", store = "support-history", query = topic)]
async fn past_tickets(topic: &str) -> Result<Vec<PastTicket>, AppError> {
    tokio::time::sleep(Duration::from_millis(3)).await;
    let _ = topic;
    Ok(vec![PastTicket { id: "T-1041".into(), summary: "Locked out after three attempts.".into() }])
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn answer(question: &str, context: &[Hit], history: &[PastTicket]) -> Result<ChatResponse, AppError> {
    tokio::time::sleep(Duration::from_millis(30)).await;
    let prompt = context.iter().map(|h| h.text.as_str()).chain(history.iter().map(|t| t.summary.as_str())).collect::<Vec<_>>().join(" ") + question;
    Ok(ChatResponse {
        id: "chatcmpl-7".into(),
        model: "gpt-4o-2024-08-06".into(),
        prompt_tokens: prompt_tokens(&prompt),
        completion_tokens: COMPLETION_TOKENS,
        content: ANSWER.into(),
        target: EvaluationTarget::current(),
    })
}

/// The chat's input tokens for `prompt`.
fn prompt_tokens(prompt: &str) -> u32 {
    prompt.split_whitespace().count() as u32 * 3
}

/// The chat's input tokens for the demo's question (what the model is sent: the documents, the
/// past ticket, the question).
pub fn expected_prompt_tokens() -> u32 {
    let prompt = HITS.iter().map(|h| h.2).chain(["Locked out after three attempts."]).collect::<Vec<_>>().join(" ") + QUESTION;
    prompt_tokens(&prompt)
}

#[genai_agent(name = "help_desk", output_messages = |r: &ChatResponse| r.content.clone())]
async fn help_desk(question: &str) -> Result<ChatResponse, AppError> {
    let history = past_tickets(question).await?;
    let hits = search(question, 2).await?;
    let reply = answer(question, &hits, &history).await?;
    // An LLM-as-judge (here: a fixed score) grades the context while the agent runs.
    Evaluation::score("context_relevance", 0.9).explanation("both articles are about passwords").record();
    Ok(reply)
}

#[genai_workflow(name = "support_ticket", output_messages = |r: &ChatResponse| r.content.clone())]
async fn ticket(question: &str) -> Result<ChatResponse, AppError> {
    help_desk(question).await
}

/// The demo: the support workflow for [`QUESTION`] in the attribution scope ([`SESSION`],
/// [`USER`], [`FEATURE`]), then the user's thumbs-up on the answer (an evaluation that arrives
/// after the call ended: it lands on the chat's span). Returns the answer.
pub async fn run() -> Result<String, AppError> {
    let reply = Attribution::new().session_id(SESSION).user_id(USER).metadata(FEATURE.0, FEATURE.1).scope(ticket(QUESTION)).await?;
    Evaluation::label("user_feedback", "thumbs_up").target(reply.target).record();
    Ok(reply.content)
}

//! A RAG agent end to end (`genai_o11y_examples::rag_demo`): a memory recall, a retrieval (with
//! its embedding), a chat given the documents, and evaluations, in a workflow, attributed to a
//! session and a feature; printed to the terminal. No server needed:
//!
//!     cargo run -p genai-o11y-examples --example rag
//!
//! With `PLATFORM` (`langfuse`, `phoenix`, `langsmith`, `opik`, `mlflow`) it sends the traces to
//! that platform through its preset instead (see `platform.rs`); add
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` to send the query, the documents and
//! the answer too:
//!
//!     PLATFORM=mlflow MLFLOW_TRACKING_URI=http://127.0.0.1:5000 cargo run -p genai-o11y-examples --example rag

use genai_o11y_examples::{platform, rag_demo};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = genai_o11y::init().service_name("rag");
    let preset = platform::from_env()?;
    let guard = match preset {
        Some(p) => setup.preset(p),
        None => setup,
    }
    .install()?;

    let answer = rag_demo::run().await?;
    println!("answer: {answer}\n");

    match preset {
        Some(p) => println!("sent to {p:?}: {:?}", guard.shutdown()),
        None => {
            guard.flush();
            drop(guard);
        }
    }
    Ok(())
}

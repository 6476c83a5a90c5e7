//! Built with `RUSTFLAGS="--cfg genai_o11y_disabled"`, every annotation is the identity: the
//! function is emitted as written (zero cost) while its arguments are still validated at compile
//! time.
//!
//! Run on its own (the flag changes every crate's build, so it gets its own target dir):
//! `RUSTFLAGS="--cfg genai_o11y_disabled" cargo test -p genai-o11y --features testing --test disabled`
//! (the workspace test `switch_off` does exactly that).
#![cfg(all(genai_o11y_disabled, feature = "testing"))]

use genai_o11y::testing::TestTelemetry;
use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};

#[genai_span(operation = "chat", provider = "openai", model = model.to_owned(), temperature = 0.2)]
fn chat(model: &str) -> Result<Usage, String> {
    Ok(Usage::new().input(model.len() as u64))
}

#[genai_tool]
async fn tool() -> u8 {
    7
}

#[genai_agent(name = "a")]
fn agent() -> Result<u64, String> {
    Ok(chat("gpt-4o")?.input_tokens.unwrap_or(0))
}

struct Client;

impl Client {
    #[genai_tool(name = "method")]
    fn method(&self, x: u32) -> u32 {
        x + 1
    }
}

#[test]
fn annotations_are_the_identity() {
    let t = TestTelemetry::new();
    assert_eq!(agent(), Ok(6));
    assert_eq!(block_on(tool()), 7);
    assert_eq!(Client.method(1), 2);
    assert!(t.spans().is_empty(), "no span at all: {:?}", t.span_names());
    assert!(t.metric_names().is_empty(), "no metric at all: {:?}", t.metric_names());
}

#[test]
fn arguments_are_still_validated() {
    let t = trybuild::TestCases::new();
    t.pass("tests/disabled-ui/clean.rs");
    t.compile_fail("tests/disabled-ui/bad_arguments.rs");
    t.compile_fail("tests/disabled-ui/type_errors.rs");
    // This build has no `async-openai` feature: the error names it.
    t.compile_fail("tests/disabled-ui/async_openai_feature_off.rs");
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

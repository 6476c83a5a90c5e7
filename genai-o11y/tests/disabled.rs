//! Built with `RUSTFLAGS="--cfg genai_o11y_disabled"`, every annotation is the identity: the
//! function is emitted as written (zero cost) while its arguments are still validated at compile
//! time.
//!
//! Run on its own (the flag changes every crate's build, so it gets its own target dir):
//! `RUSTFLAGS="--cfg genai_o11y_disabled" cargo test -p genai-o11y --features testing --test disabled`
//! (the workspace test `switch_off` does exactly that).
#![cfg(all(genai_o11y_disabled, feature = "testing"))]

use genai_o11y::guard::{Decision, GuardDecision};
use genai_o11y::testing::TestTelemetry;
use genai_o11y::{genai_agent, genai_guardrail, genai_span, genai_tool, GenAiSpanBuilder, Outcome, Usage};

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

#[derive(GuardDecision, Debug, PartialEq)]
enum Verdict {
    Allow,
    Block { reason: &'static str },
}

#[genai_guardrail(name = "shield", policy = "safety", source = "input")]
fn shield(text: &str) -> Verdict {
    if text.contains("SSN") {
        Verdict::Block { reason: "pii" }
    } else {
        Verdict::Allow
    }
}

#[genai_guardrail(name = "moderation", span_kind = "client", decision = |flagged: &bool| if *flagged { Decision::block("flagged") } else { Decision::allow() })]
async fn moderate(text: &str) -> Result<bool, String> {
    Ok(text.contains("hate"))
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
    // Guards: the function as written, the decision API there too (by hand it still records).
    assert_eq!(shield("my SSN"), Verdict::Block { reason: "pii" });
    assert_eq!(block_on(moderate("hate")), Ok(true));
    assert!(shield("my SSN").guard_decision().is_block());
    assert!(t.spans().is_empty(), "no span at all: {:?}", t.span_names());
    assert!(t.metric_names().is_empty(), "no metric at all: {:?}", t.metric_names());
}

#[test]
fn the_guard_api_is_there_by_hand() {
    let t = TestTelemetry::new();
    let call = GenAiSpanBuilder::guardrail("by_hand").guardrail_policy("p").start();
    call.finish(Outcome::success().with_decision(Some(Decision::block("x"))));
    assert_eq!(t.span_names(), ["run_guardrail by_hand"], "the runtime API is not switched off");
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn updates_itself() -> Result<bool, String> {
    let c = genai_o11y::current();
    c.usage(Usage::new().input(1)).response_model("m").response_id("r").finish_reasons(["stop"]).output("x").attribute("k", 1);
    Ok(c.is_active())
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn items() -> impl Iterator<Item = Usage> {
    vec![Usage::new().input(1), Usage::new().output(2)].into_iter()
}

#[test]
fn current_and_iterators_are_there_and_inert() {
    let t = TestTelemetry::new();
    assert_eq!(updates_itself(), Ok(false), "no call is ever current");
    assert_eq!(items().count(), 2, "the iterator as written");
    // Even inside a call made by hand (the runtime API is on), `current()` is compiled out.
    let call = GenAiSpanBuilder::inference("chat", "openai", "by-hand").start();
    let active = call.in_scope(|| genai_o11y::current().is_active(), |_, _| Outcome::success());
    assert!(!active);
    assert_eq!(t.span_names(), ["chat by-hand"]);
}

#[test]
fn arguments_are_still_validated() {
    let t = trybuild::TestCases::new();
    t.pass("tests/disabled-ui/clean.rs");
    t.compile_fail("tests/disabled-ui/bad_arguments.rs");
    t.compile_fail("tests/disabled-ui/type_errors.rs");
    t.compile_fail("tests/disabled-ui/guard_without_decision.rs");
    // This build has no `async-openai` feature: the error names it.
    t.compile_fail("tests/disabled-ui/async_openai_feature_off.rs");
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
}

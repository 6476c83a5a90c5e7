// `usage = |r| ...` for a response type that does not implement `HasUsage`, and `usage = none`.
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, Response, Usage};
use opentelemetry::Value;

// Stands for a type from another crate.
struct ForeignResp {
    tokens_in: u64,
    tokens_out: u32,
    id: String,
}

#[genai_span(operation = "chat", provider = "openai", usage = |r: &ForeignResp| Usage::new().input(r.tokens_in).output(u64::from(r.tokens_out)))]
async fn typed() -> Result<ForeignResp, std::io::Error> {
    Ok(ForeignResp { tokens_in: 11, tokens_out: 3, id: "a".into() })
}

#[genai_span(operation = "chat", provider = "openai", usage = |r| Usage::new().input(r.tokens_in))]
fn untyped() -> Result<ForeignResp, String> {
    Ok(ForeignResp { tokens_in: 12, tokens_out: 0, id: "b".into() })
}

// Not a `Result`: the closure gets the value itself.
#[genai_span(operation = "chat", provider = "openai", usage = |r| Response::new(Usage::new().input(r.tokens_in)).id(r.id.clone()))]
async fn not_result() -> ForeignResp {
    ForeignResp { tokens_in: 13, tokens_out: 0, id: "c".into() }
}

// A named function works too.
fn read_usage(r: &ForeignResp) -> Usage {
    Usage::new().input(r.tokens_in)
}
#[genai_span(operation = "chat", provider = "openai", usage = read_usage)]
fn by_fn() -> anyhow::Result<ForeignResp> {
    Ok(ForeignResp { tokens_in: 14, tokens_out: 0, id: "d".into() })
}

// Plain strings: no usage on purpose.
#[genai_span(operation = "chat", provider = "openai", usage = none)]
async fn no_usage() -> Result<String, std::io::Error> {
    Ok("hi".into())
}

#[genai_span(operation = "chat", provider = "openai", usage = none)]
fn no_usage_sync() -> String {
    "hi".into()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::new();
    let r = typed().await.unwrap();
    assert_eq!(r.id, "a");
    assert_eq!(attr(&t.span("chat"), "gen_ai.usage.input_tokens"), Some(&Value::I64(11)));
    t.reset_spans();
    assert_eq!(untyped().unwrap().tokens_out, 0);
    assert_eq!(not_result().await.id, "c");
    assert_eq!(by_fn().unwrap().tokens_in, 14);
    assert_eq!(no_usage().await.unwrap(), "hi");
    assert_eq!(no_usage_sync(), "hi");
}

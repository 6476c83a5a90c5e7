//! A serverless-style handler for `tests/tests/short_lived.rs`: it installs the pipeline (OTLP to
//! `OTEL_EXPORTER_OTLP_ENDPOINT`; the test sets a batch delay of a minute, so that nothing leaves
//! on the timer), then handles one invocation per line of standard input (`invoke N`), answering
//! `done N {flush outcome}` on standard output. The guard stays in `main`, out of the handler's
//! reach, and is never dropped: the platform freezes or kills the process between invocations
//! (the test sends SIGKILL), so whatever is still queued then is lost.
//!
//! * `--flush`: the handler calls `genai_o11y::flush()` at the end of each invocation;
//! * without it, only `GENAI_O11Y_EXPORT_EACH_SPAN=true` (set by the test) gets the spans out.

use std::io::BufRead;

use genai_o11y::{genai_agent, genai_tool};

/// Looks the order up.
#[genai_tool]
async fn lookup_order(id: u32) -> Result<String, std::io::Error> {
    Ok(format!("order {id}: shipped"))
}

#[genai_agent(name = "order_status")]
async fn answer(id: u32) -> Result<String, std::io::Error> {
    lookup_order(id).await
}

/// The handler: what a serverless runtime calls per invocation.
async fn handle(invocation: u32, flush: bool) -> String {
    let _ = answer(invocation).await;
    if flush {
        format!("{:?}", genai_o11y::flush())
    } else {
        "not flushed".into()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let flush = std::env::args().any(|a| a == "--flush");
    let guard = genai_o11y::init().service_name("serverless-handler").install().expect("telemetry");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let Some(n) = line.strip_prefix("invoke ").and_then(|n| n.trim().parse().ok()) else { continue };
        let outcome = handle(n, flush).await;
        println!("done {n} {outcome}");
    }
    // Standard input closed: the platform would never get here; keep the guard to the end.
    std::mem::forget(guard);
}

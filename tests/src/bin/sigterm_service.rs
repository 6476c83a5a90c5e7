//! An HTTP service for `tests/tests/shutdown.rs`: it installs the pipeline (OTLP, to
//! `OTEL_EXPORTER_OTLP_ENDPOINT`, with a batch delay of a minute so that nothing is exported
//! before it stops), makes one traced call, prints `ready {addr}` on standard output and serves
//! until it is stopped: with `genai_o11y::setup::shutdown_signal()` as its graceful shutdown, or,
//! with `--no-signal-handling`, until it is killed.

use genai_o11y::genai_tool;

/// Looks the order up.
#[genai_tool]
fn lookup_order(id: u32) -> String {
    format!("order {id}: shipped")
}

#[tokio::main]
async fn main() {
    let handling = !std::env::args().any(|a| a == "--no-signal-handling");
    let guard = genai_o11y::init().service_name("sigterm-service").install().expect("telemetry");
    lookup_order(42);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    // Created (its handlers installed) before the parent is told to send the signal. Not at all
    // without signal handling: an installed handler stays for the life of the process.
    let stop = handling.then(genai_o11y::setup::shutdown_signal);
    println!("ready {}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    match stop {
        Some(stop) => axum::serve(listener, app).with_graceful_shutdown(stop).await.expect("serve"),
        None => axum::serve(listener, app).await.expect("serve"),
    }
    let report = guard.shutdown();
    eprintln!("shut down: {report:?}");
}

//! Shutting down on the signal a service manager sends, so the guard flushes the last batch.
//!
//! Kubernetes, systemd and `docker stop` end a process with SIGTERM. A process that does not
//! handle it dies at once: no destructor runs, and the spans and metrics still queued (up to a
//! batch delay's worth, 5 s by default) are lost. Handling it takes one line in an axum server:
//!
//! ```no_run
//! # async fn demo(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
//! let guard = genai_o11y::init().install().expect("telemetry");
//! axum::serve(listener, app).with_graceful_shutdown(genai_o11y::setup::shutdown_signal()).await?;
//! drop(guard); // flushes, within its deadline (also what the end of `main` does)
//! # Ok(()) }
//! ```
//!
//! and a `tokio::select!` anywhere else (`_ = shutdown_signal() => {}` beside the main loop).

/// Resolves when the process is asked to stop: SIGTERM (service managers, `kill`), SIGINT
/// (Ctrl-C), or, on platforms without SIGTERM, Ctrl-C alone. Needs a tokio runtime with its
/// I/O driver (`#[tokio::main]`). If a handler cannot be installed, that signal is ignored and
/// the other still counts; with neither, the future never resolves (it never ends the
/// program by itself).
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

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

/// Resolves when the process is asked to stop: SIGTERM (service managers, `kill`) or SIGINT
/// (Ctrl-C); on platforms without SIGTERM, Ctrl-C alone. The handlers are installed when this is
/// called, not when the future is first polled, so a signal that arrives before the server
/// starts waiting is not lost (and no longer kills the process). Call it inside the tokio runtime
/// (with its I/O driver: `#[tokio::main]`). A handler that cannot be installed is left out; with
/// none, the future never resolves (it never ends the program by itself).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).ok();
        let mut interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let term = async {
                match terminate.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match interrupt.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {}
                _ = int => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await
            }
        }
    }
}

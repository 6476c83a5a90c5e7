//! A small HTTP server for probes and scraping (feature `health`): `/healthz` (liveness),
//! `/readyz` (readiness) and, with the `prometheus` feature and a [`PrometheusHandle`],
//! `/metrics`.
//!
//! ```no_run
//! # async fn demo(checker: genai_o11y::health::HealthChecker) -> std::io::Result<()> {
//! let server = genai_o11y::server::Server::builder()
//!     .health(checker)              // a HealthChecker; without one both probes report healthy
//!     // .prometheus(guard.prometheus().cloned())   // feature `prometheus`: serve /metrics
//!     .bind("127.0.0.1:9464")
//!     .await?;
//! println!("listening on {}", server.local_addr());
//! // ...
//! server.shutdown().await?;         // graceful: stops accepting, lets requests in flight finish
//! # Ok(())
//! # }
//! ```
//!
//! | route | answer |
//! |---|---|
//! | `GET /healthz` | the liveness [`HealthReport`] as JSON; `200` when healthy, `503` otherwise |
//! | `GET /readyz` | the readiness [`HealthReport`] as JSON; `200` when ready, `503` otherwise |
//! | `GET /metrics` | Prometheus text (`text/plain; version=0.0.4`); `404` without a handle |
//!
//! To serve the routes from your own axum application instead, merge
//! [`ServerBuilder::router`] into it; `/metrics` alone is one line,
//! `app.merge(guard.metrics_router())` (`Guard::metrics_router`).
//!
//! [`HealthReport`]: crate::health::HealthReport
//! [`PrometheusHandle`]: crate::prometheus::PrometheusHandle

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::health::{HealthChecker, HealthReport};
#[cfg(feature = "prometheus")]
use crate::prometheus::PrometheusHandle;

/// How long [`RunningServer::shutdown`] waits for requests in flight before it aborts them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Entry point: [`Server::builder`].
#[derive(Debug)]
pub struct Server;

impl Server {
    /// A server with no checks and no `/metrics`.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }
}

/// What the server serves.
#[derive(Debug, Default, Clone)]
pub struct ServerBuilder {
    health: Option<HealthChecker>,
    #[cfg(feature = "prometheus")]
    prometheus: Option<PrometheusHandle>,
}

#[derive(Clone)]
struct AppState {
    health: HealthChecker,
}

impl ServerBuilder {
    /// The checks behind `/healthz` and `/readyz`.
    pub fn health(mut self, checker: HealthChecker) -> Self {
        self.health = Some(checker);
        self
    }

    /// Serve `/metrics` from this registry.
    /// (`None` serves `404` on `/metrics`, saying why: `.prometheus(guard.prometheus().cloned())`
    /// takes the setup's handle, whether or not it has one.)
    #[cfg(feature = "prometheus")]
    pub fn prometheus(mut self, handle: impl Into<Option<PrometheusHandle>>) -> Self {
        self.prometheus = handle.into();
        self
    }

    /// The routes as an axum [`Router`], to merge into an application's own router.
    pub fn router(self) -> Router {
        let state = AppState { health: self.health.unwrap_or_default() };
        let probes = Router::new().route("/healthz", get(liveness)).route("/readyz", get(readiness));
        #[cfg(feature = "prometheus")]
        let probes = probes.merge(crate::prometheus::metrics_route(self.prometheus));
        #[cfg(not(feature = "prometheus"))]
        let probes = probes.route("/metrics", get(metrics));
        probes.with_state(state)
    }

    /// Binds `addr` (`"127.0.0.1:0"` picks a free port) and serves in a background task of the
    /// current tokio runtime.
    pub async fn bind(self, addr: impl ToSocketAddrs) -> io::Result<RunningServer> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let router = self.router();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    // A dropped sender (RunningServer dropped) also shuts down.
                    let _ = rx.await;
                })
                .await
        });
        Ok(RunningServer { local_addr, shutdown: Some(tx), task: Some(task) })
    }
}

/// A server running in the background. Dropping it also stops it (without waiting).
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// The address the server listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections, waits for the requests in flight (at most
    /// [`SHUTDOWN_GRACE`], then aborts them) and returns the server's result.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(mut task) = self.task.take() else { return Ok(()) };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(io::Error::other(join.to_string())),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn report_response(report: HealthReport) -> Response {
    let code = if report.is_healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (code, Json(report)).into_response()
}

async fn liveness(State(state): State<AppState>) -> Response {
    report_response(state.health.liveness().await)
}

async fn readiness(State(state): State<AppState>) -> Response {
    report_response(state.health.readiness().await)
}

#[cfg(not(feature = "prometheus"))]
async fn metrics(State(_): State<AppState>) -> Response {
    (StatusCode::NOT_FOUND, "built without the `prometheus` feature\n").into_response()
}

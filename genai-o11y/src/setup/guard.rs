//! The [`Guard`]: flushing and shutting the pipeline down, within a deadline.

use std::fmt;
use std::time::Duration;

use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::flush::{self, FlushOutcome, Flushable};
use super::stats::Stats;

/// Flushes and shuts the pipeline down when dropped, within the deadline set by
/// [`Setup::shutdown_timeout`](super::Setup::shutdown_timeout). Telemetry still in flight after
/// the deadline is dropped (and reported): exit is never held up by a dead collector.
#[must_use = "the pipeline shuts down when the guard is dropped"]
pub struct Guard {
    pub(super) tracer_provider: Option<SdkTracerProvider>,
    pub(super) meter_provider: Option<SdkMeterProvider>,
    #[cfg(feature = "otel-logs")]
    pub(super) logger_provider: Option<opentelemetry_sdk::logs::SdkLoggerProvider>,
    pub(super) runtime: Option<tokio::runtime::Runtime>,
    pub(super) stats: Stats,
    pub(super) deadline: Duration,
    pub(super) settings: Option<crate::settings::Settings>,
    #[cfg(feature = "prometheus")]
    pub(super) prometheus: Option<crate::prometheus::PrometheusHandle>,
    pub(super) thread_guard: Option<tracing::dispatcher::DefaultGuard>,
    /// Keeps a thread-local pipeline's subscriber alive (the exporter reports through it).
    pub(super) dispatch: Option<tracing::Dispatch>,
    pub(super) scoped: Option<crate::instruments::ScopedGuard>,
    /// Installed globally: [`crate::flush()`] reaches this pipeline until it shuts down.
    pub(super) global: bool,
    pub(super) done: bool,
}

/// How shutdown ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Everything was flushed before the deadline.
    pub completed: bool,
    /// Spans that were not exported (queue full, export failures, or cut by the deadline).
    pub spans_lost: u64,
}

/// The span counters and the shape of the pipeline (no configuration, hence no secret).
impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("stats", &self.stats)
            .field("deadline", &self.deadline)
            .field("tracing", &self.tracer_provider.is_some())
            .field("metrics", &self.meter_provider.is_some())
            .field("thread_local", &self.thread_guard.is_some())
            .field("shut_down", &self.done)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// A guard with nothing to shut down (`OTEL_SDK_DISABLED`).
    pub(super) fn empty(deadline: Duration, settings: Option<crate::settings::Settings>) -> Self {
        Guard {
            tracer_provider: None,
            meter_provider: None,
            #[cfg(feature = "otel-logs")]
            logger_provider: None,
            runtime: None,
            stats: Stats::default(),
            deadline,
            settings,
            #[cfg(feature = "prometheus")]
            prometheus: None,
            thread_guard: None,
            dispatch: None,
            scoped: None,
            global: false,
            done: false,
        }
    }

    /// Span accounting so far.
    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    /// The meter provider (to add instruments of your own).
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter_provider.as_ref()
    }

    /// The Prometheus handle, when [`Setup::prometheus`](super::Setup::prometheus) was set.
    #[cfg(feature = "prometheus")]
    pub fn prometheus(&self) -> Option<&crate::prometheus::PrometheusHandle> {
        self.prometheus.as_ref()
    }

    /// `GET /metrics` as an axum router to merge into the application's own, in one line:
    /// `let app = app.merge(guard.metrics_router());` (features `prometheus` and `health`). It
    /// answers `404`, saying why, when the setup has no [`Setup::prometheus`](super::Setup::prometheus).
    #[cfg(all(feature = "prometheus", feature = "health"))]
    pub fn metrics_router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        crate::prometheus::metrics_route(self.prometheus.clone())
    }

    /// Exports what is queued now (spans, metrics, log records), waiting at most the deadline.
    /// Where the guard is out of reach, [`crate::flush()`] does the same.
    pub fn flush(&self) -> FlushOutcome {
        if self.done {
            return FlushOutcome::NoPipeline;
        }
        self.flushable().flush(self.deadline)
    }

    pub(super) fn flushable(&self) -> Flushable {
        Flushable {
            tracer_provider: self.tracer_provider.clone(),
            meter_provider: self.meter_provider.clone(),
            #[cfg(feature = "otel-logs")]
            logger_provider: self.logger_provider.clone(),
            deadline: self.deadline,
        }
    }

    /// Shuts down now and reports what was lost; the same happens on drop.
    pub fn shutdown(mut self) -> ShutdownReport {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> ShutdownReport {
        if std::mem::replace(&mut self.done, true) {
            return ShutdownReport { completed: true, spans_lost: 0 };
        }
        if self.global {
            flush::unregister();
        }
        let completed = self.shut_providers_down();
        let lost = self.stats.spans_failed() + self.stats.spans_dropped_oversized() + self.stats.spans_unaccounted();
        if lost > 0 || !completed {
            self.report_losses(lost, completed);
        }
        // The gRPC runtime: shut down in the background, never waiting for a hung connection.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        self.scoped.take();
        self.thread_guard.take();
        self.dispatch.take();
        ShutdownReport { completed, spans_lost: lost }
    }

    /// Shuts the providers down on a thread of their own; true if they finished in time.
    fn shut_providers_down(&mut self) -> bool {
        let tp = self.tracer_provider.take();
        let mp = self.meter_provider.take();
        #[cfg(feature = "otel-logs")]
        let lp = self.logger_provider.take();
        let deadline = self.deadline;
        within(deadline, move || {
            let _ = super::flush::flush_media(deadline);
            if let Some(tp) = tp {
                let _ = tp.shutdown_with_timeout(deadline);
            }
            if let Some(mp) = mp {
                let _ = mp.shutdown_with_timeout(deadline);
            }
            #[cfg(feature = "otel-logs")]
            if let Some(lp) = lp {
                let _ = lp.shutdown_with_timeout(deadline);
            }
        })
    }

    fn report_losses(&self, lost: u64, completed: bool) {
        let stats = &self.stats;
        stats.0.warn(|| {
            tracing::warn!(
                target: "genai_o11y",
                spans_ended = stats.spans_ended(),
                spans_exported = stats.spans_exported(),
                spans_lost = lost,
                "telemetry shutdown: {lost} span(s) were not exported{}",
                if completed { "" } else { " (the shutdown deadline was reached)" }
            )
        });
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.shutdown_inner();
    }
}

/// Runs `f` on its own thread and waits at most `deadline`. True if it finished in time.
pub(super) fn within(deadline: Duration, f: impl FnOnce() + Send + 'static) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("genai-o11y-shutdown".into()).spawn(move || {
        f();
        let _ = tx.send(());
    });
    match spawned {
        Ok(_) => rx.recv_timeout(deadline).is_ok(),
        Err(_) => false,
    }
}

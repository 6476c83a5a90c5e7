//! Flushing where the guard is out of reach: [`flush()`] exports what the installed pipeline has
//! queued (spans, metrics, log records), bounded by a deadline, from anywhere in the process. A
//! serverless handler calls it at the end of each invocation, before the platform freezes the
//! process; a library can call it without being handed the guard.

use std::sync::Mutex;
use std::time::Duration;

use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::guard::within;

/// How a flush ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushOutcome {
    /// Everything queued when the flush began was exported.
    Flushed,
    /// An exporter reported a failure (the collector refused or could not be reached): that
    /// telemetry is lost, and counted in the guard's [`Stats`](super::Stats).
    ExportFailed,
    /// The deadline passed first; the export goes on in the background.
    DeadlineReached,
    /// No pipeline is installed ([`Setup::install`](super::Setup::install) was not called, or its
    /// guard has shut down).
    NoPipeline,
}

/// The providers of one pipeline, as flushing needs them (cheap clones of the SDK's handles).
#[derive(Clone)]
pub(super) struct Flushable {
    pub(super) tracer_provider: Option<SdkTracerProvider>,
    pub(super) meter_provider: Option<SdkMeterProvider>,
    #[cfg(feature = "otel-logs")]
    pub(super) logger_provider: Option<opentelemetry_sdk::logs::SdkLoggerProvider>,
    pub(super) deadline: Duration,
}

/// The pipeline that [`Setup::install`](super::Setup::install) made global, until its guard
/// shuts down.
static INSTALLED: Mutex<Option<Flushable>> = Mutex::new(None);

pub(super) fn register(pipeline: Flushable) {
    *INSTALLED.lock().unwrap_or_else(|p| p.into_inner()) = Some(pipeline);
}

pub(super) fn unregister() {
    INSTALLED.lock().unwrap_or_else(|p| p.into_inner()).take();
}

impl Flushable {
    /// Flushes every provider on a thread of its own, waiting at most `deadline`.
    pub(super) fn flush(&self, deadline: Duration) -> FlushOutcome {
        let pipeline = self.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let finished = within(deadline, move || {
            let mut ok = flush_media(deadline);
            if let Some(tp) = &pipeline.tracer_provider {
                ok &= tp.force_flush().is_ok();
            }
            if let Some(mp) = &pipeline.meter_provider {
                ok &= mp.force_flush().is_ok();
            }
            #[cfg(feature = "otel-logs")]
            if let Some(lp) = &pipeline.logger_provider {
                ok &= lp.force_flush().is_ok();
            }
            let _ = tx.send(ok);
        });
        match (finished, rx.try_recv()) {
            (true, Ok(true)) => FlushOutcome::Flushed,
            (true, _) => FlushOutcome::ExportFailed,
            (false, _) => FlushOutcome::DeadlineReached,
        }
    }
}

/// Uploads the media the global capture settings' sink has queued (see
/// [`MediaSink::flush`](crate::capture::media::MediaSink::flush)); true if there was none left.
pub(super) fn flush_media(deadline: Duration) -> bool {
    crate::settings::Settings::global_media().is_none_or(|m| m.flush(deadline))
}

/// Exports what the installed pipeline has queued, waiting at most the setup's
/// [`shutdown_timeout`](super::Setup::shutdown_timeout) (default 5 s). Never panics and never
/// waits longer, whatever the collector does.
///
/// ```no_run
/// // At the end of a serverless invocation:
/// let _ = genai_o11y::flush();
/// ```
pub fn flush() -> FlushOutcome {
    match installed() {
        Some(p) => p.flush(p.deadline),
        None => FlushOutcome::NoPipeline,
    }
}

/// [`flush()`] with a deadline of its own (a serverless handler with little time left).
pub fn flush_within(deadline: Duration) -> FlushOutcome {
    match installed() {
        Some(p) => p.flush(deadline),
        None => FlushOutcome::NoPipeline,
    }
}

fn installed() -> Option<Flushable> {
    INSTALLED.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

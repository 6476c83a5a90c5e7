//! Health checks for liveness and readiness probes (feature `health`).
//!
//! ```no_run
//! use genai_o11y::health::HealthChecker;
//! use std::time::Duration;
//! # async fn ping_model() -> Result<(), std::io::Error> { Ok(()) }
//! # async fn demo() {
//!
//! let health = HealthChecker::new()
//!     .timeout(Duration::from_secs(2))                           // per check (default 2 s)
//!     .check("llm", || async { ping_model().await?; Ok(()) })   // readiness
//!     .check("vectorstore", || async { Ok(()) })
//!     .liveness_check("event_loop", || async { Ok(()) });       // liveness (and readiness)
//! let report = health.readiness().await;
//! assert!(report.is_healthy());
//! # }
//! ```
//!
//! * Every check of a report runs **concurrently**, each as its own tokio task (call the reports
//!   from inside a tokio runtime), each bounded by its timeout: a check that does not finish in
//!   time is aborted and reported `unhealthy` with the error `timed out after {n} ms`; a check
//!   that panics is reported `unhealthy` with the error `panicked: {message}` and nothing else is
//!   affected. Checks must be asynchronous: a check that blocks its thread cannot be timed out on a
//!   single-threaded runtime.
//! * [`HealthChecker::liveness`] runs the liveness checks only (none: the process is alive and the
//!   report is `healthy` with no checks). [`HealthChecker::readiness`] runs every check, liveness
//!   checks included.
//! * Checks run on every call: no caching. Keep them cheap (a provider ping with `max_tokens = 1`,
//!   a `SELECT 1`).
//!
//! ## JSON shape
//!
//! [`HealthReport`] serializes as (checks in registration order; `error` only when unhealthy):
//!
//! ```json
//! {
//!   "status": "unhealthy",
//!   "checks": {
//!     "llm":         {"status": "healthy",   "latency_ms": 245},
//!     "vectorstore": {"status": "unhealthy", "latency_ms": 2000, "error": "timed out after 2000 ms"},
//!     "redis":       {"status": "healthy",   "latency_ms": 1}
//!   }
//! }
//! ```
//!
//! The overall `status` is `healthy` when every check is (or there is none), `unhealthy`
//! otherwise. `latency_ms` is an integer number of milliseconds (rounded down). The HTTP server
//! ([`crate::server`]) answers `200` with a healthy report and `503` with an unhealthy one.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The error a check returns: anything that converts with `?` or `.into()` (`Err("down".into())`).
pub type CheckError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a check's future resolves to.
pub type CheckResult = Result<(), CheckError>;

type BoxedCheck = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = CheckResult> + Send>> + Send + Sync>;

/// The default timeout of a check.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct Check {
    name: Cow<'static, str>,
    run: BoxedCheck,
    timeout: Option<Duration>,
    liveness: bool,
}

/// A set of named asynchronous checks. Cheap to clone (the checks are shared).
#[derive(Clone)]
pub struct HealthChecker {
    checks: Vec<Check>,
    timeout: Duration,
}

impl Default for HealthChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HealthChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthChecker")
            .field("checks", &self.checks.iter().map(|c| (&*c.name, c.liveness)).collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HealthChecker {
    /// No checks, a timeout of [`DEFAULT_TIMEOUT`] per check.
    pub fn new() -> Self {
        HealthChecker { checks: Vec::new(), timeout: DEFAULT_TIMEOUT }
    }

    /// The timeout of the checks that do not set their own (default 2 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Adds a readiness check: `.check("db", || async { db.ping().await?; Ok(()) })`. A check
    /// registered again under the same name replaces the previous one.
    pub fn check<F, Fut>(self, name: impl Into<Cow<'static, str>>, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        self.add(name.into(), check, None, false)
    }

    /// Adds a readiness check with its own timeout.
    pub fn check_with_timeout<F, Fut>(self, name: impl Into<Cow<'static, str>>, timeout: Duration, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        self.add(name.into(), check, Some(timeout), false)
    }

    /// Adds a liveness check: run by [`liveness`](Self::liveness) and by
    /// [`readiness`](Self::readiness). Keep liveness checks about the process itself (a dead
    /// dependency should make the service unready, not restart it).
    pub fn liveness_check<F, Fut>(self, name: impl Into<Cow<'static, str>>, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        self.add(name.into(), check, None, true)
    }

    fn add<F, Fut>(mut self, name: Cow<'static, str>, check: F, timeout: Option<Duration>, liveness: bool) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = CheckResult> + Send + 'static,
    {
        self.checks.retain(|c| c.name != name);
        let run: BoxedCheck = Arc::new(move || Box::pin(check()));
        self.checks.push(Check { name, run, timeout, liveness });
        self
    }

    /// The names of the registered checks, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.checks.iter().map(|c| &*c.name)
    }

    /// Runs the liveness checks (concurrently). With none, the report is healthy and empty.
    pub async fn liveness(&self) -> HealthReport {
        self.run(|c| c.liveness).await
    }

    /// Runs every check, liveness checks included (concurrently).
    pub async fn readiness(&self) -> HealthReport {
        self.run(|_| true).await
    }

    async fn run(&self, select: impl Fn(&Check) -> bool) -> HealthReport {
        let selected: Vec<&Check> = self.checks.iter().filter(|c| select(c)).collect();
        // Start every check before awaiting any: they run concurrently.
        let started: Vec<_> = selected
            .iter()
            .map(|c| {
                let timeout = c.timeout.unwrap_or(self.timeout);
                let start = Instant::now();
                // Calling the closure may itself panic: do it inside the task, where it is caught.
                let run = c.run.clone();
                let handle = AbortOnDrop(tokio::spawn(async move { run().await }));
                (c.name.to_string(), timeout, start, handle)
            })
            .collect();
        let results = started.into_iter().map(|(name, timeout, start, mut handle)| async move {
            let outcome = tokio::time::timeout(timeout, &mut handle.0).await;
            let latency = start.elapsed();
            let error = match outcome {
                Ok(Ok(Ok(()))) => None,
                Ok(Ok(Err(e))) => Some(error_text(&*e)),
                Ok(Err(join)) if join.is_panic() => Some(format!("panicked: {}", panic_message(join.into_panic()))),
                Ok(Err(_)) => Some("cancelled".to_owned()),
                Err(_) => {
                    handle.0.abort();
                    Some(format!("timed out after {} ms", timeout.as_millis()))
                }
            };
            (name, CheckReport::new(latency, error))
        });
        HealthReport::from_checks(join_all(results).await)
    }
}

/// Aborts a check's task when the report is dropped before it finished (a client that went away
/// must not leave hung checks behind).
struct AbortOnDrop(tokio::task::JoinHandle<CheckResult>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Awaits futures concurrently, keeping their order (a tiny `join_all`, to avoid a dependency).
async fn join_all<F: Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|v| v.expect("every future completed")).collect()
}

fn error_text(e: &(dyn std::error::Error + Send + Sync)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

/// `healthy` or `unhealthy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Every check passed.
    Healthy,
    /// A check failed, timed out or panicked.
    Unhealthy,
}

/// The result of one check: `{"status": "healthy", "latency_ms": 12}`, plus `"error"` when
/// unhealthy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// `healthy` or `unhealthy`.
    pub status: HealthStatus,
    /// How long the check took (until its timeout, for one that timed out), in whole milliseconds.
    pub latency_ms: u64,
    /// Why it is unhealthy: the error's message (with its sources), `timed out after {n} ms`, or
    /// `panicked: {message}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CheckReport {
    fn new(latency: Duration, error: Option<String>) -> Self {
        CheckReport {
            status: if error.is_none() { HealthStatus::Healthy } else { HealthStatus::Unhealthy },
            latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            error,
        }
    }
}

/// A liveness or readiness report: `{"status": ..., "checks": {name: CheckReport, ...}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// `healthy` when every check is.
    pub status: HealthStatus,
    /// The checks, in registration order (a JSON object keyed by check name).
    pub checks: Checks,
}

impl HealthReport {
    fn from_checks(checks: Vec<(String, CheckReport)>) -> Self {
        let healthy = checks.iter().all(|(_, c)| c.status == HealthStatus::Healthy);
        HealthReport { status: if healthy { HealthStatus::Healthy } else { HealthStatus::Unhealthy }, checks: Checks(checks) }
    }

    /// Is the overall status `healthy`?
    pub fn is_healthy(&self) -> bool {
        self.status == HealthStatus::Healthy
    }

    /// The report of the check named `name`.
    pub fn check(&self, name: &str) -> Option<&CheckReport> {
        self.checks.0.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// Serialized as JSON (the shape in the module documentation).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a health report always serializes")
    }
}

/// The checks of a report, in order; serialized as a JSON object keyed by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checks(pub Vec<(String, CheckReport)>);

impl Checks {
    /// The (name, report) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &CheckReport)> {
        self.0.iter().map(|(n, c)| (n.as_str(), c))
    }
    /// How many checks ran.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No check ran.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Checks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, check) in &self.0 {
            map.serialize_entry(name, check)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Checks {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Checks;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of check name to check report")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checks, A::Error> {
                let mut v = Vec::new();
                while let Some((k, c)) = map.next_entry::<String, CheckReport>()? {
                    v.push((k, c));
                }
                Ok(Checks(v))
            }
        }
        d.deserialize_map(V)
    }
}

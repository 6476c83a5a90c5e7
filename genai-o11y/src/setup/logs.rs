//! Trace-correlated structured logs: every event inside a span carries the `trace_id` and
//! `span_id` of the exported OpenTelemetry span, so a log line leads to its trace.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::console::SharedWriter;
use super::redact::Secrets;

/// The log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `2026-11-21T04:15:09.123Z  INFO genai_o11y: message key=value trace_id=… span_id=…`
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `target`, `message`, the fields,
    /// `span`, `trace_id`, `span_id`.
    Json,
    /// No log output.
    Off,
}

/// The layer that writes log lines.
pub struct TraceLogLayer {
    format: LogFormat,
    out: SharedWriter,
    dispatch: OnceLock<tracing::dispatcher::WeakDispatch>,
    /// Removed from every line (the pipeline's header values and URL secrets: the SDK's own
    /// warnings may quote them).
    secrets: Secrets,
}

impl TraceLogLayer {
    /// Writes `format` lines to `out`.
    pub fn new(format: LogFormat, out: SharedWriter) -> Self {
        TraceLogLayer { format, out, dispatch: OnceLock::new(), secrets: Secrets::default() }
    }

    /// Replaces `secrets` by `<redacted>` in every line.
    pub(crate) fn redacting(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// Writes to standard error.
    pub fn stderr(format: LogFormat) -> Self {
        Self::new(format, Arc::new(Mutex::new(Box::new(std::io::stderr()))))
    }
}

#[derive(Default)]
struct Fields {
    message: Option<String>,
    fields: Map<String, Json>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            self.fields.insert(field.name().to_owned(), Json::String(value.to_owned()));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().to_owned(), Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().to_owned(), Json::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields.insert(field.name().to_owned(), Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().to_owned(), Json::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = Some(format!("{value:?}"));
        } else {
            self.fields.insert(field.name().to_owned(), Json::String(format!("{value:?}")));
        }
    }
}

impl<S> Layer<S> for TraceLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if self.format == LogFormat::Off {
            return;
        }
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        // A named event without a message (`gen_ai.evaluation.result`, `gen_ai.guardrail.result`)
        // reads as its name; tracing names unnamed events `event file:line`.
        if fields.message.is_none() && !meta.name().starts_with("event ") {
            fields.message = Some(meta.name().to_owned());
        }
        let span = ctx.event_span(event);
        let span_name = span.as_ref().map(|s| s.name());
        // The exported span's ids (not tracing's own ids).
        let ids = match (&span, self.dispatch.get().and_then(|d| d.upgrade())) {
            (Some(s), Some(dispatch)) => tracing_opentelemetry::get_otel_context(&s.id(), &dispatch).and_then(|cx| {
                let sc = cx.span().span_context().clone();
                sc.is_valid().then(|| (sc.trace_id().to_string(), sc.span_id().to_string()))
            }),
            _ => None,
        };
        let ts = rfc3339(SystemTime::now());
        let line = match self.format {
            LogFormat::Json => {
                let mut obj = Map::new();
                obj.insert("timestamp".into(), Json::String(ts));
                obj.insert("level".into(), Json::String(meta.level().to_string()));
                obj.insert("target".into(), Json::String(meta.target().to_owned()));
                obj.insert("message".into(), Json::String(fields.message.unwrap_or_default()));
                for (k, v) in fields.fields {
                    obj.insert(k, v);
                }
                if let Some(name) = span_name {
                    obj.insert("span".into(), Json::String(name.to_owned()));
                }
                if let Some((t, s)) = ids {
                    obj.insert("trace_id".into(), Json::String(t));
                    obj.insert("span_id".into(), Json::String(s));
                }
                let mut l = Json::Object(obj).to_string();
                l.push('\n');
                l
            }
            LogFormat::Text | LogFormat::Off => {
                let mut l = format!("{ts} {:>5} {}: {}", meta.level(), meta.target(), fields.message.unwrap_or_default());
                for (k, v) in fields.fields {
                    let _ = match v {
                        Json::String(s) => write!(l, " {k}={s}"),
                        other => write!(l, " {k}={other}"),
                    };
                }
                if let Some((t, s)) = ids {
                    let _ = write!(l, " trace_id={t} span_id={s}");
                }
                l.push('\n');
                l
            }
        };
        let line = if self.secrets.is_empty() { line } else { self.secrets.scrub(&line) };
        if let Ok(mut w) = self.out.lock() {
            let _ = w.write_all(line.as_bytes());
        }
    }
}

/// `2026-11-21T04:15:09.123Z` without a date crate (proleptic Gregorian, UTC).
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem % 3600 / 60, rem % 60, d.subsec_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_millis(1_795_233_804_123)), "2026-11-21T04:03:24.123Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
    }
}

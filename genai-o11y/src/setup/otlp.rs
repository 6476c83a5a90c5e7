//! The OTLP exporters of the three signals, over HTTP/protobuf or gRPC (with the small tokio
//! runtime gRPC needs, and the headers turned into gRPC metadata).

use std::time::Duration;

use super::config::{Compression, OtlpTarget, Protocol, Signal, Source};
use super::redact::Secrets;
use super::SetupError;

/// Builds the OTLP exporter of one signal (`SpanExporter`, `MetricExporter`, `LogExporter`: the
/// builders are alike but distinct types, hence a macro).
///
/// HTTP: built off any async context (the blocking HTTP client must not be created, or later
/// dropped, on a runtime thread; it runs on the batch processor's own thread). gRPC: needs a
/// tokio runtime for its connection, a small one owned by the guard, so the application may or
/// may not use tokio itself. Error messages are scrubbed of the target's secrets.
macro_rules! otlp_exporter {
    ($exporter:path, $signal:expr, $target:expr, $timeout:expr, $runtime:expr, $source:expr) => {{
        use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
        let (signal, target, timeout, runtime, source): (Signal, &OtlpTarget, Duration, &mut Option<tokio::runtime::Runtime>, Source) =
            ($signal, $target, $timeout, $runtime, $source);
        let failed = Failure { exporter: exporter_name(signal), source, secrets: Secrets::collect(&target.headers, [target.url.as_str()]) };
        super::config::check_tls(target)?;
        match target.protocol {
            Protocol::HttpProtobuf => {
                let (url, headers) = (target.url.clone(), target.headers.iter().cloned().collect());
                let compression = compression(target);
                off_runtime(&failed, move || {
                    let b = <$exporter>::builder()
                        .with_http()
                        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                        .with_endpoint(url)
                        .with_headers(headers)
                        .with_timeout(timeout);
                    match compression {
                        Some(c) => b.with_compression(c).build(),
                        None => b.build(),
                    }
                })
            }
            Protocol::Grpc => {
                if runtime.is_none() {
                    *runtime = Some(grpc_runtime(&failed)?);
                }
                let _enter = runtime.as_ref().map(|r| r.enter());
                let b = <$exporter>::builder().with_tonic().with_endpoint(target.url.clone()).with_metadata(metadata(target)?).with_timeout(timeout);
                match compression(target) {
                    Some(c) => b.with_compression(c).build(),
                    None => b.build(),
                }
                .map_err(|e| failed.error(&e.to_string()))
            }
        }
    }};
}

/// The OTLP span exporter for `t`; `source` is what selected it (for errors).
pub(super) fn span_exporter(
    t: &OtlpTarget,
    timeout: Duration,
    rt: &mut Option<tokio::runtime::Runtime>,
    source: Source,
) -> Result<opentelemetry_otlp::SpanExporter, SetupError> {
    otlp_exporter!(opentelemetry_otlp::SpanExporter, Signal::Traces, t, timeout, rt, source)
}

/// The OTLP metric exporter for `t`.
pub(super) fn metric_exporter(
    t: &OtlpTarget,
    timeout: Duration,
    rt: &mut Option<tokio::runtime::Runtime>,
    source: Source,
) -> Result<opentelemetry_otlp::MetricExporter, SetupError> {
    otlp_exporter!(opentelemetry_otlp::MetricExporter, Signal::Metrics, t, timeout, rt, source)
}

/// The OTLP log exporter for `t`.
#[cfg(feature = "otel-logs")]
pub(super) fn log_exporter(
    t: &OtlpTarget,
    timeout: Duration,
    rt: &mut Option<tokio::runtime::Runtime>,
    source: Source,
) -> Result<opentelemetry_otlp::LogExporter, SetupError> {
    otlp_exporter!(opentelemetry_otlp::LogExporter, Signal::Logs, t, timeout, rt, source)
}

/// The exporter's compression (`None`: uncompressed, the exporter's default).
fn compression(t: &OtlpTarget) -> Option<opentelemetry_otlp::Compression> {
    match t.compression {
        Compression::Gzip => Some(opentelemetry_otlp::Compression::Gzip),
        Compression::None => None,
    }
}

fn exporter_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "OTLP traces",
        Signal::Metrics => "OTLP metrics",
        Signal::Logs => "OTLP logs",
    }
}

/// Turns a build failure into a [`SetupError::Exporter`] without the target's secrets.
struct Failure {
    exporter: &'static str,
    source: Source,
    secrets: Secrets,
}

impl Failure {
    fn error(&self, reason: &str) -> SetupError {
        SetupError::Exporter { exporter: self.exporter, source: self.source, reason: self.secrets.scrub(reason) }
    }
}

fn off_runtime<T: Send + 'static, E: std::fmt::Display + Send + 'static>(
    failed: &Failure,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, SetupError> {
    std::thread::spawn(move || f().map_err(|e| e.to_string())).join().map_err(|_| failed.error("the exporter builder panicked"))?.map_err(|e| failed.error(&e))
}

fn grpc_runtime(failed: &Failure) -> Result<tokio::runtime::Runtime, SetupError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("genai-o11y-otlp")
        .enable_all()
        .build()
        .map_err(|e| failed.error(&format!("cannot start the gRPC runtime: {e}")))
}

/// The headers of `t` as gRPC metadata. An error names the header (or, for a name that is not
/// one, its position among the headers of its source), never its value.
pub(super) fn metadata(t: &OtlpTarget) -> Result<tonic::metadata::MetadataMap, SetupError> {
    let mut m = tonic::metadata::MetadataMap::new();
    for (i, (k, v)) in t.headers.iter().enumerate() {
        let source = t.header_sources.get(i).copied().unwrap_or(Source::Default);
        let bad = |reason: String| SetupError::InvalidHeaders { source, reason };
        let Ok(key) = tonic::metadata::MetadataKey::from_bytes(k.as_bytes()) else {
            let n = t.header_sources[..i].iter().filter(|s| **s == source).count() + 1;
            return Err(bad(format!("the name of header {n} is not a valid gRPC metadata key (lowercase letters, digits, `-`, `_`, `.`)")));
        };
        let Ok(val) = v.parse() else {
            return Err(bad(format!("the value of `{k}` is not valid gRPC metadata (it holds a control character)")));
        };
        m.insert(key, val);
    }
    Ok(m)
}

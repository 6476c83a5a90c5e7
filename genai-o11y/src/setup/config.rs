#![cfg_attr(not(feature = "otlp"), allow(dead_code))]
//! Reading and validating the standard OpenTelemetry environment variables. Code settings
//! override the variables; signal-specific variables override the generic ones. Every malformed
//! value is an error, never a silent fallback.

use std::fmt;
use std::time::Duration;

/// Why the pipeline could not be installed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SetupError {
    /// `install` was called twice (or another global subscriber exists).
    AlreadyInstalled,
    /// An endpoint that is not an `http://` or `https://` URL with a host.
    InvalidEndpoint {
        /// Where it came from (a variable name or `code`).
        source: String,
        /// The value.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` (or a per-signal form) is not `grpc` or `http/protobuf`.
    UnknownProtocol(String),
    /// `OTEL_EXPORTER_OTLP_HEADERS` is not `key=value,key=value`.
    InvalidHeaders(String),
    /// `OTEL_TRACES_SAMPLER` / `_ARG` is not understood.
    InvalidSampler(String),
    /// `OTEL_TRACES_EXPORTER` names an exporter this crate does not provide.
    UnknownExporter(String),
    /// A preset lacks a required variable.
    MissingVariable(String),
    /// A filter directive (`RUST_LOG`) is invalid.
    InvalidFilter(String),
    /// `OTEL_RESOURCE_ATTRIBUTES` is not `key=value,key2=value2`.
    InvalidResource(String),
    /// The exporter could not be built.
    Exporter(String),
    /// OTLP was asked for, but the crate was built without the `otlp` feature.
    FeatureDisabled(&'static str),
    /// An `https://` endpoint without the `tls` feature, or gRPC over TLS (not supported: use
    /// `http/protobuf`).
    TlsUnavailable(String),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::AlreadyInstalled => f.write_str("the telemetry pipeline is already installed (install it once, at start-up)"),
            SetupError::InvalidEndpoint { source, value, reason } => write!(f, "invalid OTLP endpoint {value:?} (from {source}): {reason}"),
            SetupError::UnknownProtocol(p) => write!(f, "unknown OTLP protocol {p:?}: expected `grpc` or `http/protobuf`"),
            SetupError::InvalidHeaders(h) => write!(f, "invalid OTLP headers: {h} (expected `key=value,key2=value2`, values URL-encoded)"),
            SetupError::InvalidSampler(s) => write!(f, "invalid sampler: {s}"),
            SetupError::UnknownExporter(e) => write!(f, "unknown exporter {e:?}: expected `otlp`, `console` or `none`"),
            SetupError::MissingVariable(v) => write!(f, "missing environment variable {v}"),
            SetupError::InvalidFilter(e) => write!(f, "invalid log filter: {e}"),
            SetupError::InvalidResource(e) => write!(f, "invalid OTEL_RESOURCE_ATTRIBUTES: {e}"),
            SetupError::Exporter(e) => write!(f, "cannot build the exporter: {e}"),
            SetupError::FeatureDisabled(feat) => write!(f, "this needs the `{feat}` feature of genai-o11y"),
            SetupError::TlsUnavailable(url) => write!(
                f,
                "{url} needs TLS: enable the `tls` feature of genai-o11y (HTTPS over OTLP/HTTP); gRPC over TLS is not supported, use OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
            ),
        }
    }
}

impl std::error::Error for SetupError {}

/// OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP/gRPC (default port 4317).
    Grpc,
    /// OTLP/HTTP with protobuf bodies (default port 4318).
    HttpProtobuf,
}

impl Protocol {
    /// Parses the value of `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub fn parse(v: &str) -> Result<Self, SetupError> {
        match v.trim() {
            "grpc" => Ok(Protocol::Grpc),
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            other => Err(SetupError::UnknownProtocol(other.to_owned())),
        }
    }
    fn default_endpoint(self) -> &'static str {
        match self {
            Protocol::Grpc => "http://localhost:4317",
            Protocol::HttpProtobuf => "http://localhost:4318",
        }
    }
}

/// A signal of the OTLP exporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Metrics.
    Metrics,
    /// Logs.
    Logs,
}

impl Signal {
    fn upper(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Metrics => "METRICS",
            Signal::Logs => "LOGS",
        }
    }
    /// The HTTP path appended to a base endpoint.
    pub fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
            Signal::Logs => "/v1/logs",
        }
    }
}

/// Reads environment variables (a function so tests can inject a map).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Checks that `value` is an `http(s)://host[:port][/path]` URL.
pub fn validate_endpoint(source: &str, value: &str) -> Result<String, SetupError> {
    let bad = |reason: &str| SetupError::InvalidEndpoint { source: source.to_owned(), value: value.to_owned(), reason: reason.to_owned() };
    let v = value.trim();
    let rest = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .ok_or_else(|| bad("it must start with http:// or https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err(bad("it has no host"));
    }
    if authority.contains('@') {
        return Err(bad("credentials in the URL are not supported; use headers"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, Some(p)),
        _ => (authority, None),
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace()) {
        return Err(bad("it has no valid host"));
    }
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(bad("the port is not a number between 1 and 65535"));
        }
    }
    Ok(v.trim_end_matches('/').to_owned())
}

/// Parses `key=value,key2=value2` (values percent-decoded, as the spec says).
pub fn parse_headers(value: &str) -> Result<Vec<(String, String)>, SetupError> {
    let mut out = Vec::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| SetupError::InvalidHeaders(format!("{pair:?} has no `=`")))?;
        let k = percent_decode(k.trim()).ok_or_else(|| SetupError::InvalidHeaders(format!("bad percent-encoding in {k:?}")))?;
        let v = percent_decode(v.trim()).ok_or_else(|| SetupError::InvalidHeaders(format!("bad percent-encoding in the value of {k:?}")))?;
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
            return Err(SetupError::InvalidHeaders(format!("{k:?} is not a valid header name")));
        }
        if v.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(SetupError::InvalidHeaders(format!("the value of {k:?} contains a line break")));
        }
        out.push((k.to_ascii_lowercase(), v));
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `OTEL_RESOURCE_ATTRIBUTES`: `key=value,key2=value2`, values percent-decoded.
pub fn parse_resource_attributes(value: &str) -> Result<Vec<(String, String)>, SetupError> {
    let mut out = Vec::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| SetupError::InvalidResource(format!("{pair:?} has no `=`")))?;
        let v = percent_decode(v.trim()).ok_or_else(|| SetupError::InvalidResource(format!("bad percent-encoding in the value of {k:?}")))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(SetupError::InvalidResource(format!("{pair:?} has an empty key")));
        }
        out.push((k.to_owned(), v));
    }
    Ok(out)
}

/// The OTLP settings of one signal, resolved from code settings and the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtlpTarget {
    /// The transport.
    pub protocol: Protocol,
    /// The full URL to send to (for HTTP, including `/v1/traces` etc.).
    pub url: String,
    /// Headers (gRPC metadata).
    pub headers: Vec<(String, String)>,
}

/// Code-level OTLP settings (they override the environment).
#[derive(Clone, Debug, Default)]
pub(crate) struct OtlpCode {
    pub endpoint: Option<String>,
    pub protocol: Option<Protocol>,
    pub headers: Vec<(String, String)>,
    /// A full per-signal URL (presets).
    pub traces_url: Option<String>,
}

/// Resolves the OTLP target of a signal, with the precedence of the spec.
pub(crate) fn resolve_otlp(signal: Signal, code: &OtlpCode, env: Env<'_>) -> Result<OtlpTarget, SetupError> {
    let sig = signal.upper();
    let protocol = match code.protocol {
        Some(p) => p,
        None => match env(&format!("OTEL_EXPORTER_OTLP_{sig}_PROTOCOL")).or_else(|| env("OTEL_EXPORTER_OTLP_PROTOCOL")) {
            Some(p) => Protocol::parse(&p)?,
            None => Protocol::HttpProtobuf,
        },
    };
    let url = if let (Signal::Traces, Some(u)) = (signal, &code.traces_url) {
        validate_endpoint("code", u)?
    } else if let Some(base) = &code.endpoint {
        with_path(protocol, signal, &validate_endpoint("code", base)?)
    } else if let Some(u) = env(&format!("OTEL_EXPORTER_OTLP_{sig}_ENDPOINT")) {
        // A per-signal endpoint is used as is.
        validate_endpoint(&format!("OTEL_EXPORTER_OTLP_{sig}_ENDPOINT"), &u)?
    } else if let Some(base) = env("OTEL_EXPORTER_OTLP_ENDPOINT") {
        with_path(protocol, signal, &validate_endpoint("OTEL_EXPORTER_OTLP_ENDPOINT", &base)?)
    } else {
        with_path(protocol, signal, protocol.default_endpoint())
    };
    let mut headers = Vec::new();
    if let Some(h) = env("OTEL_EXPORTER_OTLP_HEADERS") {
        headers = parse_headers(&h)?;
    }
    if let Some(h) = env(&format!("OTEL_EXPORTER_OTLP_{sig}_HEADERS")) {
        for (k, v) in parse_headers(&h)? {
            headers.retain(|(hk, _)| *hk != k);
            headers.push((k, v));
        }
    }
    for (k, v) in &code.headers {
        let k = k.to_ascii_lowercase();
        headers.retain(|(hk, _)| *hk != k);
        headers.push((k, v.clone()));
    }
    Ok(OtlpTarget { protocol, url, headers })
}

/// TLS is available for HTTPS over OTLP/HTTP with the `tls` feature; never for gRPC (here).
pub(crate) fn check_tls(t: &OtlpTarget) -> Result<(), SetupError> {
    if !t.url.starts_with("https://") {
        return Ok(());
    }
    match t.protocol {
        Protocol::HttpProtobuf if cfg!(feature = "tls") => Ok(()),
        _ => Err(SetupError::TlsUnavailable(t.url.clone())),
    }
}

fn with_path(protocol: Protocol, signal: Signal, base: &str) -> String {
    match protocol {
        Protocol::Grpc => base.trim_end_matches('/').to_owned(),
        Protocol::HttpProtobuf => format!("{}{}", base.trim_end_matches('/'), signal.http_path()),
    }
}

/// The trace sampler.
#[derive(Clone, Debug, PartialEq)]
pub enum SamplerConfig {
    /// Record every trace.
    AlwaysOn,
    /// Record none.
    AlwaysOff,
    /// A fraction of root traces.
    Ratio(f64),
    /// Follow the parent's decision; roots use the inner sampler.
    ParentBased(Box<SamplerConfig>),
}

impl SamplerConfig {
    /// From `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`. Default: parent-based always-on.
    pub(crate) fn from_env(env: Env<'_>) -> Result<Self, SetupError> {
        let arg = env("OTEL_TRACES_SAMPLER_ARG");
        let ratio = || -> Result<f64, SetupError> {
            match &arg {
                None => Ok(1.0),
                Some(a) => match a.trim().parse::<f64>() {
                    Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                    _ => Err(SetupError::InvalidSampler(format!("OTEL_TRACES_SAMPLER_ARG={a:?} is not a ratio between 0 and 1"))),
                },
            }
        };
        let Some(name) = env("OTEL_TRACES_SAMPLER") else {
            return Ok(SamplerConfig::ParentBased(Box::new(SamplerConfig::AlwaysOn)));
        };
        Ok(match name.trim() {
            "always_on" => SamplerConfig::AlwaysOn,
            "always_off" => SamplerConfig::AlwaysOff,
            "traceidratio" => SamplerConfig::Ratio(ratio()?),
            "parentbased_always_on" => SamplerConfig::ParentBased(Box::new(SamplerConfig::AlwaysOn)),
            "parentbased_always_off" => SamplerConfig::ParentBased(Box::new(SamplerConfig::AlwaysOff)),
            "parentbased_traceidratio" => SamplerConfig::ParentBased(Box::new(SamplerConfig::Ratio(ratio()?))),
            other => {
                return Err(SetupError::InvalidSampler(format!(
                    "OTEL_TRACES_SAMPLER={other:?}: expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio"
                )))
            }
        })
    }

    pub(crate) fn build(&self) -> opentelemetry_sdk::trace::Sampler {
        use opentelemetry_sdk::trace::Sampler;
        match self {
            SamplerConfig::AlwaysOn => Sampler::AlwaysOn,
            SamplerConfig::AlwaysOff => Sampler::AlwaysOff,
            SamplerConfig::Ratio(r) => Sampler::TraceIdRatioBased(*r),
            SamplerConfig::ParentBased(inner) => Sampler::ParentBased(Box::new(inner.build())),
        }
    }
}

/// Which exporter to use, from `OTEL_TRACES_EXPORTER` (first value) when not set in code.
pub(crate) fn exporter_from_env(env: Env<'_>) -> Result<Option<String>, SetupError> {
    match env("OTEL_TRACES_EXPORTER") {
        None => Ok(None),
        Some(v) => {
            let first = v.split(',').next().unwrap_or("").trim().to_owned();
            match first.as_str() {
                "otlp" | "console" | "none" => Ok(Some(first)),
                other => Err(SetupError::UnknownExporter(other.to_owned())),
            }
        }
    }
}

/// `OTEL_SDK_DISABLED=true`.
pub(crate) fn sdk_disabled(env: Env<'_>) -> bool {
    env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// `OTEL_BSP_MAX_QUEUE_SIZE`, when set (the SDK reads the other batch variables itself).
pub(crate) fn queue_size_from_env(env: Env<'_>) -> Option<usize> {
    env("OTEL_BSP_MAX_QUEUE_SIZE").and_then(|v| v.trim().parse().ok())
}

/// `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds), default 10 s.
pub(crate) fn export_timeout(env: Env<'_>) -> Duration {
    env("OTEL_EXPORTER_OTLP_TIMEOUT").and_then(|v| v.trim().parse().ok()).map(Duration::from_millis).unwrap_or(Duration::from_secs(10))
}

/// An environment of fixed variables, for the unit tests.
#[cfg(test)]
pub(crate) fn fixed_env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: std::collections::HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[cfg(test)]
mod tests {
    use super::fixed_env as env;
    use super::*;


    #[test]
    fn endpoints() {
        assert_eq!(validate_endpoint("x", "http://localhost:4318/").unwrap(), "http://localhost:4318");
        assert!(validate_endpoint("x", "https://cloud.langfuse.com/api/public/otel").is_ok());
        assert!(validate_endpoint("x", "http://[::1]:4317").is_ok());
        for bad in ["localhost:4317", "ftp://x", "http://", "http://host:99999", "http://host:abc", "http://u:p@host", "http://ho st"] {
            assert!(matches!(validate_endpoint("x", bad), Err(SetupError::InvalidEndpoint { .. })), "{bad}");
        }
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_headers("Authorization=Basic%20abc, x-team = a%2Cb").unwrap(),
            vec![("authorization".to_owned(), "Basic abc".to_owned()), ("x-team".to_owned(), "a,b".to_owned())]
        );
        assert!(parse_headers("novalue").is_err());
        assert!(parse_headers("a=%zz").is_err());
        assert!(parse_headers("bad key=v").is_err());
        assert!(parse_headers("").unwrap().is_empty());
    }

    #[test]
    fn resolution_follows_the_spec_precedence() {
        let code = OtlpCode::default();
        let t = resolve_otlp(Signal::Traces, &code, &env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")])).unwrap();
        assert_eq!(t.url, "http://collector:4318/v1/traces");
        assert_eq!(t.protocol, Protocol::HttpProtobuf);
        let t = resolve_otlp(
            Signal::Traces,
            &code,
            &env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:9999/custom")]),
        )
        .unwrap();
        assert_eq!(t.url, "http://t:9999/custom", "per-signal endpoints are used as is");
        let t = resolve_otlp(Signal::Metrics, &code, &env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")]))
            .unwrap();
        assert_eq!((t.protocol, t.url.as_str()), (Protocol::Grpc, "http://c:4317"));
        let code = OtlpCode { endpoint: Some("http://code:1".into()), headers: vec![("X-A".into(), "code".into())], ..Default::default() };
        let t = resolve_otlp(Signal::Traces, &code, &env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:2"), ("OTEL_EXPORTER_OTLP_HEADERS", "x-a=env,x-b=env")]))
            .unwrap();
        assert_eq!(t.url, "http://code:1/v1/traces", "code overrides the environment");
        assert_eq!(t.headers, vec![("x-b".to_owned(), "env".to_owned()), ("x-a".to_owned(), "code".to_owned())]);
        assert!(matches!(
            resolve_otlp(Signal::Traces, &OtlpCode::default(), &env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")])),
            Err(SetupError::UnknownProtocol(_))
        ));
        assert!(matches!(
            resolve_otlp(Signal::Traces, &OtlpCode::default(), &env(&[("OTEL_EXPORTER_OTLP_HEADERS", "oops")])),
            Err(SetupError::InvalidHeaders(_))
        ));
    }

    #[test]
    fn samplers() {
        assert_eq!(SamplerConfig::from_env(&env(&[])).unwrap(), SamplerConfig::ParentBased(Box::new(SamplerConfig::AlwaysOn)));
        assert_eq!(
            SamplerConfig::from_env(&env(&[("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "0.25")])).unwrap(),
            SamplerConfig::ParentBased(Box::new(SamplerConfig::Ratio(0.25)))
        );
        assert!(SamplerConfig::from_env(&env(&[("OTEL_TRACES_SAMPLER", "traceidratio"), ("OTEL_TRACES_SAMPLER_ARG", "2")])).is_err());
        assert!(SamplerConfig::from_env(&env(&[("OTEL_TRACES_SAMPLER", "sometimes")])).is_err());
    }

    #[test]
    fn exporters_and_switches() {
        assert_eq!(exporter_from_env(&env(&[("OTEL_TRACES_EXPORTER", "console,otlp")])).unwrap().as_deref(), Some("console"));
        assert!(exporter_from_env(&env(&[("OTEL_TRACES_EXPORTER", "zipkin")])).is_err());
        assert!(sdk_disabled(&env(&[("OTEL_SDK_DISABLED", "TRUE")])));
        assert!(!sdk_disabled(&env(&[("OTEL_SDK_DISABLED", "false")])));
    }
}

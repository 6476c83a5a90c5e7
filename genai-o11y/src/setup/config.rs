#![cfg_attr(not(feature = "otlp"), allow(dead_code))]
//! Reading and validating the standard OpenTelemetry environment variables. Code settings
//! override the variables; signal-specific variables override the generic ones. Every malformed
//! value is an error, never a silent fallback.

use std::fmt;
use std::time::Duration;

pub use super::error::{Endpoint, SetupError, Source};
use super::redact::{RedactedHeaders, RedactedUrl};

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
        Self::parse_from(Source::Env("OTEL_EXPORTER_OTLP_PROTOCOL"), v)
    }
    /// Parses a protocol read from `source`.
    pub(crate) fn parse_from(source: Source, v: &str) -> Result<Self, SetupError> {
        match v.trim() {
            "grpc" => Ok(Protocol::Grpc),
            "http/protobuf" => Ok(Protocol::HttpProtobuf),
            other => Err(SetupError::UnknownProtocol { source, value: other.to_owned() }),
        }
    }
    fn default_endpoint(self) -> &'static str {
        match self {
            Protocol::Grpc => "http://localhost:4317",
            Protocol::HttpProtobuf => "http://localhost:4318",
        }
    }
}

/// OTLP payload compression (`OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` or `none`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Uncompressed (the OTLP default).
    None,
    /// gzip, over HTTP (`Content-Encoding: gzip`) and gRPC (`grpc-encoding: gzip`).
    Gzip,
}

impl Compression {
    /// Parses a compression read from `source`: `gzip` or `none` (any case, spaces ignored).
    pub(crate) fn parse_from(source: Source, v: &str) -> Result<Self, SetupError> {
        match v.trim().to_ascii_lowercase().as_str() {
            "gzip" => Ok(Compression::Gzip),
            "none" | "" => Ok(Compression::None),
            _ => Err(SetupError::UnknownCompression { source, value: v.trim().to_owned() }),
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
    /// `OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT`.
    pub(crate) fn endpoint_var(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            Signal::Logs => "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
        }
    }
    /// `OTEL_EXPORTER_OTLP_{SIGNAL}_PROTOCOL`.
    pub(crate) fn protocol_var(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
            Signal::Logs => "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
        }
    }
    /// `OTEL_EXPORTER_OTLP_{SIGNAL}_HEADERS`.
    pub(crate) fn headers_var(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
            Signal::Logs => "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
        }
    }
    /// `OTEL_EXPORTER_OTLP_{SIGNAL}_COMPRESSION`.
    pub(crate) fn compression_var(self) -> &'static str {
        match self {
            Signal::Traces => "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            Signal::Metrics => "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
            Signal::Logs => "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
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

/// Checks that `value` is an `http(s)://host[:port][/path]` URL. The error shows the URL
/// without its credentials and query.
pub fn validate_endpoint(source: Source, value: &str) -> Result<String, SetupError> {
    let bad = |reason: &str| SetupError::InvalidEndpoint { source, url: super::redact::redact_url(value.trim()), reason: reason.to_owned() };
    let v = value.trim();
    let rest = v.strip_prefix("http://").or_else(|| v.strip_prefix("https://")).ok_or_else(|| bad("it must start with http:// or https://"))?;
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

/// Parses `key=value,key2=value2` (values percent-decoded, as the spec says), read from
/// `source`. An error names the header, or its position when no name can be told apart, and
/// never repeats a value.
pub fn parse_headers(source: Source, value: &str) -> Result<Vec<(String, String)>, SetupError> {
    let bad = |reason: String| SetupError::InvalidHeaders { source, reason };
    let mut out = Vec::new();
    for (i, pair) in value.split(',').map(str::trim).filter(|p| !p.is_empty()).enumerate() {
        let n = i + 1;
        let Some((k, v)) = pair.split_once('=') else {
            return Err(bad(match colon_slip(pair) {
                Some(name) => format!("header `{name}` (entry {n}) has no `=`: write `{name}=value`, not `{name}:value`"),
                None => format!("entry {n} has no `=`"),
            }));
        };
        let Some(k) = percent_decode(k.trim()) else {
            return Err(bad(format!("the name of entry {n} has bad percent-encoding")));
        };
        if k.is_empty() || !is_header_name(&k) {
            return Err(bad(match colon_slip(&k) {
                Some(name) => format!("the name of entry {n} is not a valid header name (`{name}` followed by `:`: write `{name}=value`)"),
                None => format!("the name of entry {n} is not a valid header name (letters, digits, `-`, `_`, `.`)"),
            }));
        }
        let Some(v) = percent_decode(v.trim()) else {
            return Err(bad(format!("the value of `{k}` has bad percent-encoding (`%` must start `%XY`, two hex digits)")));
        };
        if v.bytes().any(|b| b == b'\r' || b == b'\n') {
            return Err(bad(format!("the value of `{k}` contains a line break")));
        }
        out.push((k.to_ascii_lowercase(), v));
    }
    Ok(out)
}

fn is_header_name(k: &str) -> bool {
    k.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// `authorization:Bearer …` (a `:` where the `=` belongs): the name before the `:`, if it is
/// one.
fn colon_slip(entry: &str) -> Option<&str> {
    let (name, _) = entry.split_once(':')?;
    let name = name.trim();
    (!name.is_empty() && is_header_name(name)).then_some(name)
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
    let bad = |reason: String| SetupError::InvalidResource { source: Source::Env("OTEL_RESOURCE_ATTRIBUTES"), reason };
    let mut out = Vec::new();
    for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').ok_or_else(|| bad(format!("{pair:?} has no `=`")))?;
        let v = percent_decode(v.trim()).ok_or_else(|| bad(format!("bad percent-encoding in the value of {k:?}")))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(bad(format!("{pair:?} has an empty key")));
        }
        out.push((k.to_owned(), v));
    }
    Ok(out)
}

/// The OTLP settings of one signal, resolved from code settings and the environment. `Debug`
/// shows the URL without credentials or query and the header names only.
#[derive(Clone, PartialEq, Eq)]
pub struct OtlpTarget {
    /// The transport.
    pub protocol: Protocol,
    /// The full URL to send to (for HTTP, including `/v1/traces` etc.).
    pub url: String,
    /// Headers (gRPC metadata).
    pub headers: Vec<(String, String)>,
    /// Payload compression.
    pub compression: Compression,
    /// Where the URL came from.
    pub(crate) url_source: Source,
    /// Where each header came from (same order as `headers`).
    pub(crate) header_sources: Vec<Source>,
}

impl fmt::Debug for OtlpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpTarget")
            .field("protocol", &self.protocol)
            .field("url", &RedactedUrl(&self.url))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("compression", &self.compression)
            .finish()
    }
}

/// Code-level OTLP settings (they override the environment).
#[derive(Clone, Default)]
pub(crate) struct OtlpCode {
    pub endpoint: Option<String>,
    pub protocol: Option<Protocol>,
    /// Name, value, and the method that set it.
    pub headers: Vec<(String, String, Source)>,
    /// A full traces URL and where it came from (presets).
    pub traces_url: Option<(String, Source)>,
    pub compression: Option<Compression>,
}

impl fmt::Debug for OtlpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self.headers.iter().map(|(k, _, _)| (k.clone(), String::new())).collect();
        f.debug_struct("OtlpCode")
            .field("endpoint", &self.endpoint.as_deref().map(RedactedUrl))
            .field("protocol", &self.protocol)
            .field("headers", &RedactedHeaders(&headers))
            .field("traces_url", &self.traces_url.as_ref().map(|(u, _)| RedactedUrl(u)))
            .field("compression", &self.compression)
            .finish()
    }
}

/// Resolves the OTLP target of a signal, with the precedence of the spec.
pub(crate) fn resolve_otlp(signal: Signal, code: &OtlpCode, env: Env<'_>) -> Result<OtlpTarget, SetupError> {
    let protocol = match code.protocol {
        Some(p) => p,
        None => match (env(signal.protocol_var()), env("OTEL_EXPORTER_OTLP_PROTOCOL")) {
            (Some(p), _) => Protocol::parse_from(Source::Env(signal.protocol_var()), &p)?,
            (None, Some(p)) => Protocol::parse_from(Source::Env("OTEL_EXPORTER_OTLP_PROTOCOL"), &p)?,
            (None, None) => Protocol::HttpProtobuf,
        },
    };
    let (url, url_source) = if let (Signal::Traces, Some((u, source))) = (signal, &code.traces_url) {
        (validate_endpoint(*source, u)?, *source)
    } else if let Some(base) = &code.endpoint {
        let source = Source::Code("Setup::otlp_endpoint()");
        (with_path(protocol, signal, &validate_endpoint(source, base)?), source)
    } else if let Some(u) = env(signal.endpoint_var()) {
        // A per-signal endpoint is used as is.
        let source = Source::Env(signal.endpoint_var());
        (validate_endpoint(source, &u)?, source)
    } else if let Some(base) = env("OTEL_EXPORTER_OTLP_ENDPOINT") {
        let source = Source::Env("OTEL_EXPORTER_OTLP_ENDPOINT");
        (with_path(protocol, signal, &validate_endpoint(source, &base)?), source)
    } else {
        (with_path(protocol, signal, protocol.default_endpoint()), Source::Default)
    };
    let mut headers: Vec<(String, String, Source)> = Vec::new();
    let mut set = |k: String, v: String, source: Source| {
        headers.retain(|(hk, _, _)| *hk != k);
        headers.push((k, v, source));
    };
    if let Some(h) = env("OTEL_EXPORTER_OTLP_HEADERS") {
        let source = Source::Env("OTEL_EXPORTER_OTLP_HEADERS");
        for (k, v) in parse_headers(source, &h)? {
            set(k, v, source);
        }
    }
    if let Some(h) = env(signal.headers_var()) {
        let source = Source::Env(signal.headers_var());
        for (k, v) in parse_headers(source, &h)? {
            set(k, v, source);
        }
    }
    for (k, v, source) in &code.headers {
        set(k.to_ascii_lowercase(), v.clone(), *source);
    }
    let header_sources = headers.iter().map(|(_, _, s)| *s).collect();
    let headers = headers.into_iter().map(|(k, v, _)| (k, v)).collect();
    let compression = match code.compression {
        Some(c) => c,
        None => match (env(signal.compression_var()), env("OTEL_EXPORTER_OTLP_COMPRESSION")) {
            (Some(c), _) => Compression::parse_from(Source::Env(signal.compression_var()), &c)?,
            (None, Some(c)) => Compression::parse_from(Source::Env("OTEL_EXPORTER_OTLP_COMPRESSION"), &c)?,
            (None, None) => Compression::None,
        },
    };
    Ok(OtlpTarget { protocol, url, headers, compression, url_source, header_sources })
}

/// TLS is available for HTTPS over OTLP/HTTP with the `tls` feature; never for gRPC (here).
pub(crate) fn check_tls(t: &OtlpTarget) -> Result<(), SetupError> {
    if !t.url.starts_with("https://") {
        return Ok(());
    }
    match t.protocol {
        Protocol::HttpProtobuf if cfg!(feature = "tls") => Ok(()),
        _ => Err(SetupError::TlsUnavailable(Endpoint::new(t.url_source, &t.url))),
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
                    _ => Err(SetupError::InvalidSampler {
                        source: Source::Env("OTEL_TRACES_SAMPLER_ARG"),
                        value: a.clone(),
                        reason: "expected a ratio between 0 and 1".into(),
                    }),
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
                return Err(SetupError::InvalidSampler {
                    source: Source::Env("OTEL_TRACES_SAMPLER"),
                    value: other.to_owned(),
                    reason: "expected always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio".into(),
                })
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
                other => Err(SetupError::UnknownExporter { source: Source::Env("OTEL_TRACES_EXPORTER"), value: other.to_owned() }),
            }
        }
    }
}

/// `OTEL_SDK_DISABLED=true`.
pub(crate) fn sdk_disabled(env: Env<'_>) -> bool {
    env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// `GENAI_O11Y_STDOUT_IS_PROTOCOL`: `true` or `false` (any case, spaces ignored; empty is
/// unset). Anything else is an error: a mistyped switch would leave the protocol pipe unguarded.
pub(crate) fn stdout_is_protocol(env: Env<'_>) -> Result<Option<bool>, SetupError> {
    switch(env, crate::stdout::STDOUT_IS_PROTOCOL_ENV)
}

/// `GENAI_O11Y_EXPORT_EACH_SPAN`: `true` or `false`, as [`stdout_is_protocol`] reads its switch.
pub const EXPORT_EACH_SPAN_ENV: &str = "GENAI_O11Y_EXPORT_EACH_SPAN";

/// `GENAI_O11Y_EXPORT_EACH_SPAN`: export each span as soon as it ends (short-lived processes).
pub(crate) fn export_each_span(env: Env<'_>) -> Result<Option<bool>, SetupError> {
    switch(env, EXPORT_EACH_SPAN_ENV)
}

/// A `true`/`false` variable (any case, spaces ignored; empty is unset); anything else is an
/// error naming the variable.
fn switch(env: Env<'_>, name: &'static str) -> Result<Option<bool>, SetupError> {
    match env(name).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(SetupError::InvalidSwitch { source: Source::Env(name), value: v.to_owned() }),
    }
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

    const X: Source = Source::Code("test");

    #[test]
    fn endpoints() {
        assert_eq!(validate_endpoint(X, "http://localhost:4318/").unwrap(), "http://localhost:4318");
        assert!(validate_endpoint(X, "https://cloud.langfuse.com/api/public/otel").is_ok());
        assert!(validate_endpoint(X, "http://[::1]:4317").is_ok());
        for bad in ["localhost:4317", "ftp://x", "http://", "http://host:99999", "http://host:abc", "http://u:p@host", "http://ho st"] {
            assert!(matches!(validate_endpoint(X, bad), Err(SetupError::InvalidEndpoint { .. })), "{bad}");
        }
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_headers(X, "Authorization=Basic%20abc, x-team = a%2Cb").unwrap(),
            vec![("authorization".to_owned(), "Basic abc".to_owned()), ("x-team".to_owned(), "a,b".to_owned())]
        );
        assert!(parse_headers(X, "novalue").is_err());
        assert!(parse_headers(X, "a=%zz").is_err());
        assert!(parse_headers(X, "bad key=v").is_err());
        assert!(parse_headers(X, "").unwrap().is_empty());
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
        let t =
            resolve_otlp(Signal::Metrics, &code, &env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317")])).unwrap();
        assert_eq!((t.protocol, t.url.as_str()), (Protocol::Grpc, "http://c:4317"));
        let code = OtlpCode {
            endpoint: Some("http://code:1".into()),
            headers: vec![("X-A".into(), "code".into(), Source::Code("Setup::otlp_header()"))],
            ..Default::default()
        };
        let t =
            resolve_otlp(Signal::Traces, &code, &env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:2"), ("OTEL_EXPORTER_OTLP_HEADERS", "x-a=env,x-b=env")]))
                .unwrap();
        assert_eq!(t.url, "http://code:1/v1/traces", "code overrides the environment");
        assert_eq!(t.headers, vec![("x-b".to_owned(), "env".to_owned()), ("x-a".to_owned(), "code".to_owned())]);
        assert!(matches!(
            resolve_otlp(Signal::Traces, &OtlpCode::default(), &env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")])),
            Err(SetupError::UnknownProtocol { .. })
        ));
        assert!(matches!(
            resolve_otlp(Signal::Traces, &OtlpCode::default(), &env(&[("OTEL_EXPORTER_OTLP_HEADERS", "oops")])),
            Err(SetupError::InvalidHeaders { .. })
        ));
    }

    #[test]
    fn compression_from_code_the_signal_and_the_general_variable() {
        let c = |code: OtlpCode, vars: &[(&str, &str)]| resolve_otlp(Signal::Traces, &code, &env(vars)).map(|t| t.compression);
        assert_eq!(c(OtlpCode::default(), &[]).unwrap(), Compression::None);
        assert_eq!(c(OtlpCode::default(), &[("OTEL_EXPORTER_OTLP_COMPRESSION", " GZIP ")]).unwrap(), Compression::Gzip);
        assert_eq!(
            c(OtlpCode::default(), &[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"), ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none")]).unwrap(),
            Compression::None,
            "the per-signal variable wins"
        );
        let code = OtlpCode { compression: Some(Compression::Gzip), ..Default::default() };
        assert_eq!(c(code, &[("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none")]).unwrap(), Compression::Gzip, "code wins");
        assert!(matches!(
            c(OtlpCode::default(), &[("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zip")]),
            Err(SetupError::UnknownCompression { source: Source::Env("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"), .. })
        ));
    }

    #[test]
    fn debug_never_shows_header_values_or_url_secrets() {
        let code = OtlpCode {
            endpoint: Some("http://code:4318?api_key=sk-SECRET-4242".into()),
            headers: vec![("authorization".into(), "Bearer sk-SECRET-4242".into(), Source::Code("Setup::otlp_header()"))],
            ..Default::default()
        };
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces?api_key=sk-SECRET-4242"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=sk-SECRET-4242"),
        ]);
        let t = resolve_otlp(Signal::Traces, &OtlpCode { endpoint: None, ..code.clone() }, &e).unwrap();
        let (target, code) = (format!("{t:?}"), format!("{code:?}"));
        for d in [&target, &code] {
            assert!(!d.contains("SECRET") && d.contains(r#""authorization": "<redacted>""#) && d.contains("?***"), "{d}");
        }
        assert!(target.contains(r#""x-api-key": "<redacted>""#) && target.contains("http://c:4318/v1/traces?***"), "{target}");
        assert_eq!(t.header_sources, vec![Source::Env("OTEL_EXPORTER_OTLP_HEADERS"), Source::Code("Setup::otlp_header()")]);
        assert_eq!(t.url_source, Source::Env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
    }

    #[test]
    fn header_errors_name_the_header_never_the_value() {
        let err = |v: &str| parse_headers(Source::Env("OTEL_EXPORTER_OTLP_HEADERS"), v).unwrap_err().to_string();
        for (value, names) in [
            ("authorization:Bearer sk-SECRET-4242", "`authorization`"),
            ("authorization: Basic sk-SECRET-4242==", "`authorization`"),
            ("x-a=1,sk-SECRET-4242", "entry 2"),
            ("x-a=1,sk-SECRET-4242%zz=v", "entry 2"),
            ("x-api-key=sk-SECRET-4242%z", "`x-api-key`"),
            ("x-api-key=sk-SECRET-4242%0A", "`x-api-key`"),
        ] {
            let msg = err(value);
            assert!(!msg.contains("SECRET") && msg.contains(names) && msg.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{value}: {msg}");
        }
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
        let stdout = |v: &str| stdout_is_protocol(&env(&[("GENAI_O11Y_STDOUT_IS_PROTOCOL", v)]));
        assert_eq!(stdout(" TRUE ").unwrap(), Some(true));
        assert_eq!(stdout("false").unwrap(), Some(false));
        assert_eq!(stdout("").unwrap(), None);
        assert_eq!(stdout_is_protocol(&env(&[])).unwrap(), None);
        assert!(matches!(stdout("yes"), Err(SetupError::InvalidSwitch { .. })));
        let each = |v: &str| export_each_span(&env(&[(EXPORT_EACH_SPAN_ENV, v)]));
        assert_eq!(each("True").unwrap(), Some(true));
        assert_eq!(each(" ").unwrap(), None);
        assert!(matches!(each("1"), Err(SetupError::InvalidSwitch { source: Source::Env(EXPORT_EACH_SPAN_ENV), .. })));
    }
}

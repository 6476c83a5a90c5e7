//! Why a setup failed, and where the bad value came from. Every message names its source (an
//! environment variable or a builder method) and says what would be accepted; none repeats a
//! header value, and URLs are shown with their credentials and query replaced by `***`.
//! `Debug` reads like `Display` (it is what `fn main() -> Result<(), Box<dyn Error>>` prints).

use std::fmt;

/// Where a setting came from.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// An environment variable (its name), e.g. `OTEL_EXPORTER_OTLP_PROTOCOL`.
    Env(&'static str),
    /// A builder method, e.g. `Setup::otlp_protocol()`.
    Code(&'static str),
    /// Neither was set: the built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(name) | Source::Code(name) => f.write_str(name),
            Source::Default => f.write_str("the built-in default"),
        }
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// An endpoint and where it came from (the URL with its credentials and query replaced by
/// `***`).
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Where the URL came from.
    pub source: Source,
    /// The URL, redacted.
    pub url: String,
}

impl Endpoint {
    pub(crate) fn new(source: Source, url: &str) -> Self {
        Endpoint { source, url: super::redact::redact_url(url) }
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.url, self.source)
    }
}

/// Why the pipeline could not be installed.
#[non_exhaustive]
pub enum SetupError {
    /// `install` was called twice (or another global subscriber exists).
    AlreadyInstalled,
    /// An endpoint that is not an `http://` or `https://` URL with a host.
    InvalidEndpoint {
        /// Where it came from.
        source: Source,
        /// The URL, with its credentials and query replaced by `***`.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The OTLP protocol is not `grpc` or `http/protobuf`.
    UnknownProtocol {
        /// Where it came from (`OTEL_EXPORTER_OTLP_PROTOCOL` or a per-signal form).
        source: Source,
        /// The value.
        value: String,
    },
    /// OTLP headers that are not `key=value,key=value` (or not valid gRPC metadata). The reason
    /// names the header (or its position), never its value.
    InvalidHeaders {
        /// Where they came from.
        source: Source,
        /// What is wrong.
        reason: String,
    },
    /// `OTEL_TRACES_SAMPLER` / `_ARG`, or an outcome-sampling setting (a `GENAI_O11Y_SAMPLING_*`
    /// variable or an `OutcomeSampling` method), is not understood.
    InvalidSampler {
        /// `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, the `GENAI_O11Y_SAMPLING_*` variable or
        /// the `OutcomeSampling` method.
        source: Source,
        /// The value.
        value: String,
        /// What would be accepted.
        reason: String,
    },
    /// `OTEL_TRACES_EXPORTER` names an exporter this crate does not provide.
    UnknownExporter {
        /// Where it came from.
        source: Source,
        /// The value.
        value: String,
    },
    /// A preset lacks a required variable.
    MissingVariable {
        /// The variable (always [`Source::Env`]).
        source: Source,
        /// What needs it, e.g. `Preset::Langfuse`.
        needed_by: &'static str,
    },
    /// A filter directive is invalid.
    InvalidFilter {
        /// `RUST_LOG` or `Setup::filter()`.
        source: Source,
        /// What is wrong.
        reason: String,
    },
    /// `OTEL_RESOURCE_ATTRIBUTES` is not `key=value,key2=value2`.
    InvalidResource {
        /// Where it came from.
        source: Source,
        /// What is wrong.
        reason: String,
    },
    /// The exporter could not be built.
    Exporter {
        /// Which exporter, e.g. `OTLP traces`.
        exporter: &'static str,
        /// What selected it.
        source: Source,
        /// What went wrong (header values and URL credentials removed).
        reason: String,
    },
    /// `OTEL_PROPAGATORS` names a propagator this crate does not provide.
    UnknownPropagator {
        /// Where it came from.
        source: Source,
        /// The value.
        value: String,
    },
    /// `GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES` is not a whole number.
    InvalidMetricAttribution {
        /// Where it came from.
        source: Source,
        /// The value.
        value: String,
    },
    /// A switch (`GENAI_O11Y_STDOUT_IS_PROTOCOL`, `GENAI_O11Y_EXPORT_EACH_SPAN`) is neither `true` nor `false`.
    InvalidSwitch {
        /// Where it came from.
        source: Source,
        /// The value.
        value: String,
    },
    /// `OTEL_EXPORTER_OTLP_COMPRESSION` (or its per-signal form) is neither `gzip` nor `none`.
    UnknownCompression {
        /// Where it came from.
        source: Source,
        /// The value.
        value: String,
    },
    /// The most bytes of one OTLP export (`GENAI_O11Y_OTLP_MAX_EXPORT_BYTES`) is not a whole
    /// number of at least 64 KiB.
    InvalidExportSize {
        /// Where it came from.
        source: Source,
        /// The value.
        value: String,
    },
    /// The price list `GENAI_O11Y_PRICING_FILE` names cannot be read, or an entry of it is
    /// malformed.
    InvalidPricing {
        /// Where its name came from.
        source: Source,
        /// The file.
        file: String,
        /// The malformed entry (its model name, or `provider/model` for genai-prices), if the
        /// error is about one.
        entry: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// OTLP was asked for, but the crate was built without the feature.
    FeatureDisabled {
        /// The feature, e.g. `otlp`.
        feature: &'static str,
        /// What asked for it.
        source: Source,
    },
    /// An `https://` endpoint without the `tls` feature, or gRPC over TLS (not supported: use
    /// `http/protobuf`).
    TlsUnavailable(Endpoint),
}

impl SetupError {
    /// The variant's name (the prefix of `Debug`).
    fn kind(&self) -> &'static str {
        match self {
            SetupError::AlreadyInstalled => "AlreadyInstalled",
            SetupError::InvalidEndpoint { .. } => "InvalidEndpoint",
            SetupError::UnknownProtocol { .. } => "UnknownProtocol",
            SetupError::InvalidHeaders { .. } => "InvalidHeaders",
            SetupError::InvalidSampler { .. } => "InvalidSampler",
            SetupError::UnknownExporter { .. } => "UnknownExporter",
            SetupError::MissingVariable { .. } => "MissingVariable",
            SetupError::InvalidFilter { .. } => "InvalidFilter",
            SetupError::InvalidResource { .. } => "InvalidResource",
            SetupError::Exporter { .. } => "Exporter",
            SetupError::UnknownPropagator { .. } => "UnknownPropagator",
            SetupError::InvalidMetricAttribution { .. } => "InvalidMetricAttribution",
            SetupError::InvalidSwitch { .. } => "InvalidSwitch",
            SetupError::UnknownCompression { .. } => "UnknownCompression",
            SetupError::InvalidExportSize { .. } => "InvalidExportSize",
            SetupError::InvalidPricing { .. } => "InvalidPricing",
            SetupError::FeatureDisabled { .. } => "FeatureDisabled",
            SetupError::TlsUnavailable(_) => "TlsUnavailable",
        }
    }

    /// Where the bad value came from (`None` for [`SetupError::AlreadyInstalled`]).
    pub fn source_of_value(&self) -> Option<Source> {
        match self {
            SetupError::AlreadyInstalled => None,
            SetupError::InvalidEndpoint { source, .. }
            | SetupError::UnknownProtocol { source, .. }
            | SetupError::InvalidHeaders { source, .. }
            | SetupError::InvalidSampler { source, .. }
            | SetupError::UnknownExporter { source, .. }
            | SetupError::MissingVariable { source, .. }
            | SetupError::InvalidFilter { source, .. }
            | SetupError::InvalidResource { source, .. }
            | SetupError::Exporter { source, .. }
            | SetupError::UnknownPropagator { source, .. }
            | SetupError::InvalidMetricAttribution { source, .. }
            | SetupError::InvalidSwitch { source, .. }
            | SetupError::UnknownCompression { source, .. }
            | SetupError::InvalidExportSize { source, .. }
            | SetupError::InvalidPricing { source, .. }
            | SetupError::FeatureDisabled { source, .. } => Some(*source),
            SetupError::TlsUnavailable(e) => Some(e.source),
        }
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::AlreadyInstalled => f.write_str(
                "the telemetry pipeline is already installed (Setup::install() was called twice, or another global subscriber exists): install it once, at start-up, or use Setup::install_thread_local()",
            ),
            SetupError::InvalidEndpoint { source, url, reason } => {
                write!(f, "invalid OTLP endpoint {url:?} (from {source}): {reason}; expected `http://host[:port][/path]` or `https://…`")
            }
            SetupError::UnknownProtocol { source, value } => write!(f, "unknown OTLP protocol {value:?} (from {source}): expected `grpc` or `http/protobuf`"),
            SetupError::InvalidHeaders { source, reason } => {
                write!(f, "invalid OTLP headers (from {source}): {reason}; expected `key=value,key2=value2`, values URL-encoded")
            }
            SetupError::InvalidSampler { source, value, reason } => write!(f, "invalid sampler {value:?} (from {source}): {reason}"),
            SetupError::UnknownExporter { source, value } => write!(f, "unknown exporter {value:?} (from {source}): expected `otlp`, `console` or `none`"),
            SetupError::MissingVariable { source, needed_by } => {
                write!(f, "missing environment variable {source} (needed by {needed_by}): set it, or do not use the preset")
            }
            SetupError::InvalidFilter { source, reason } => {
                write!(f, "invalid log filter (from {source}): {reason}; expected directives like `info,my_crate=debug`")
            }
            SetupError::InvalidResource { source, reason } => {
                write!(f, "invalid resource attributes (from {source}): {reason}; expected `key=value,key2=value2`, values URL-encoded")
            }
            SetupError::Exporter { exporter, source, reason } => write!(f, "cannot build the {exporter} exporter (selected by {source}): {reason}"),
            SetupError::UnknownPropagator { source, value } => {
                write!(f, "unknown propagator {value:?} (from {source}): expected `tracecontext`, `baggage` or `none`, comma-separated")
            }
            SetupError::InvalidMetricAttribution { source, value } => {
                write!(f, "invalid cap on metric attribution values {value:?} (from {source}): expected a whole number, e.g. 100")
            }
            SetupError::InvalidSwitch { source, value } => write!(f, "invalid value {value:?} (from {source}): expected `true` or `false`"),
            SetupError::UnknownCompression { source, value } => write!(f, "unknown OTLP compression {value:?} (from {source}): expected `gzip` or `none`"),
            SetupError::InvalidExportSize { source, value } => {
                write!(f, "invalid OTLP export size {value:?} (from {source}): expected a whole number of bytes, at least 65536 (64 KiB)")
            }
            SetupError::InvalidPricing { source, file, entry, reason } => {
                write!(f, "invalid price list {file:?} (from {source}): ")?;
                if let Some(entry) = entry {
                    write!(f, "entry {entry:?}: ")?;
                }
                write!(f, "{reason}")
            }
            SetupError::FeatureDisabled { feature, source } => {
                write!(f, "{source} needs the `{feature}` feature of genai-o11y: enable it in Cargo.toml")
            }
            SetupError::TlsUnavailable(Endpoint { source, url }) => write!(
                f,
                "{url} (from {source}) needs TLS: enable the `tls` feature of genai-o11y (HTTPS over OTLP/HTTP); gRPC over TLS is not supported, use OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
            ),
        }
    }
}

/// The same sentence as `Display`, after the variant's name: `?` in `main` prints something
/// helpful, never a struct dump.
impl fmt::Debug for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {self}", self.kind())
    }
}

impl std::error::Error for SetupError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<(SetupError, &'static str, &'static str)> {
        vec![
            (SetupError::AlreadyInstalled, "Setup::install()", "install_thread_local"),
            (
                SetupError::InvalidEndpoint {
                    source: Source::Env("OTEL_EXPORTER_OTLP_ENDPOINT"),
                    url: "ftp://x".into(),
                    reason: "it must start with http://".into(),
                },
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "expected `http://host",
            ),
            (
                SetupError::UnknownProtocol { source: Source::Code("Setup::otlp_protocol()"), value: "http/json".into() },
                "Setup::otlp_protocol()",
                "`grpc` or `http/protobuf`",
            ),
            (
                SetupError::InvalidHeaders { source: Source::Env("OTEL_EXPORTER_OTLP_TRACES_HEADERS"), reason: "entry 1 has no `=`".into() },
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
                "values URL-encoded",
            ),
            (
                SetupError::InvalidSampler {
                    source: Source::Env("OTEL_TRACES_SAMPLER_ARG"),
                    value: "2".into(),
                    reason: "expected a ratio between 0 and 1".into(),
                },
                "OTEL_TRACES_SAMPLER_ARG",
                "between 0 and 1",
            ),
            (
                SetupError::UnknownExporter { source: Source::Env("OTEL_TRACES_EXPORTER"), value: "jaeger".into() },
                "OTEL_TRACES_EXPORTER",
                "`otlp`, `console` or `none`",
            ),
            (SetupError::MissingVariable { source: Source::Env("LANGFUSE_SECRET_KEY"), needed_by: "Preset::Langfuse" }, "LANGFUSE_SECRET_KEY", "set it"),
            (SetupError::InvalidFilter { source: Source::Code("Setup::filter()"), reason: "bad".into() }, "Setup::filter()", "info,my_crate=debug"),
            (
                SetupError::InvalidResource { source: Source::Env("OTEL_RESOURCE_ATTRIBUTES"), reason: "entry 1 has no `=`".into() },
                "OTEL_RESOURCE_ATTRIBUTES",
                "key=value",
            ),
            (
                SetupError::Exporter { exporter: "Prometheus", source: Source::Code("Setup::prometheus()"), reason: "boom".into() },
                "Setup::prometheus()",
                "cannot build the Prometheus exporter",
            ),
            (
                SetupError::InvalidMetricAttribution { source: Source::Env("GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES"), value: "two".into() },
                "GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES",
                "expected a whole number",
            ),
            (
                SetupError::UnknownPropagator { source: Source::Env("OTEL_PROPAGATORS"), value: "b3".into() },
                "OTEL_PROPAGATORS",
                "`tracecontext`, `baggage` or `none`",
            ),
            (
                SetupError::InvalidSwitch { source: Source::Env("GENAI_O11Y_STDOUT_IS_PROTOCOL"), value: "yes".into() },
                "GENAI_O11Y_STDOUT_IS_PROTOCOL",
                "expected `true` or `false`",
            ),
            (
                SetupError::InvalidPricing {
                    source: Source::Env("GENAI_O11Y_PRICING_FILE"),
                    file: "/etc/prices.json".into(),
                    entry: Some("gpt-4o".into()),
                    reason: "\"input_cost_per_token\" is not a number (\"cheap\")".into(),
                },
                "GENAI_O11Y_PRICING_FILE",
                r#"invalid price list "/etc/prices.json" (from GENAI_O11Y_PRICING_FILE): entry "gpt-4o": "input_cost_per_token" is not a number ("cheap")"#,
            ),
            (SetupError::FeatureDisabled { feature: "otlp", source: Source::Env("OTEL_TRACES_EXPORTER") }, "OTEL_TRACES_EXPORTER", "enable it in Cargo.toml"),
            (SetupError::TlsUnavailable(Endpoint::new(Source::Env("LANGFUSE_HOST"), "https://u:p@cloud/x?k=v")), "LANGFUSE_HOST", "enable the `tls` feature"),
        ]
    }

    #[test]
    fn debug_reads_like_display_and_names_the_source_and_the_hint() {
        for (e, source, hint) in all() {
            let (display, debug) = (e.to_string(), format!("{e:?}"));
            assert!(debug.starts_with(e.kind()) && debug.ends_with(&display), "{debug}");
            assert!(debug.contains(source), "{debug} should name {source}");
            assert!(debug.contains(hint), "{debug} should hint {hint}");
            assert!(!debug.contains("{ source") && !debug.contains("Env(") && !debug.contains("Code("), "no struct dump: {debug}");
            if let Some(s) = e.source_of_value() {
                assert!(display.contains(&s.to_string()));
            }
        }
    }

    #[test]
    fn endpoints_in_errors_are_redacted() {
        let e = SetupError::TlsUnavailable(Endpoint::new(Source::Env("X"), "https://user:pw@host/p?api_key=k#frag"));
        assert_eq!(format!("{e}").split(' ').next(), Some("https://***@host/p?***"));
    }
}

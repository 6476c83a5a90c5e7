//! With the `tls` feature, HTTPS endpoints over OTLP/HTTP are accepted (the cloud presets);
//! gRPC over TLS is still refused with a clear error. Run on its own (feature unification):
//! `cargo test -p genai-o11y --features tls --test tls` (the workspace test `separate_builds`
//! does it).
#![cfg(feature = "tls")]

use genai_o11y::setup::{LogFormat, Preset, SetupError};

fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
}

#[test]
fn https_presets_build_with_tls() {
    // Building the exporter does not connect: this proves the HTTPS client exists.
    let guard = genai_o11y::init()
        .env_source(env(&[("LANGFUSE_PUBLIC_KEY", "pk"), ("LANGFUSE_SECRET_KEY", "sk")]))
        .preset(Preset::Langfuse)
        .log_format(LogFormat::Off)
        .shutdown_timeout(std::time::Duration::from_millis(200))
        .install_thread_local();
    assert!(guard.is_ok(), "{:?}", guard.err());
    let grpc = genai_o11y::init()
        .env_source(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]))
        .log_format(LogFormat::Off)
        .install_thread_local();
    assert!(matches!(grpc.err(), Some(SetupError::TlsUnavailable(_))));
}

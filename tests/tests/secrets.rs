//! Secrets never leak: one distinctive secret goes through every path a credential can take
//! into the setup (code headers, the generic and per-signal header variables, well-formed and
//! malformed, endpoint credentials and queries, the presets' key variables, gRPC metadata), and
//! must then be absent from every error (`Display` and `Debug`), every `Debug` the application
//! can reach (`Setup`, `Guard`, `Stats`, `Preset`), and everything the crate writes to the log
//! and console outputs during the install, a failed export and the shutdown.
//!
//! Each pipeline is installed for the current thread only, with an injected environment; the
//! collector addresses are closed ports, so every export fails (and is reported).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use genai_o11y::setup::{LogFormat, Preset, Protocol, Setup, SetupError, Source};
use genai_o11y::{genai_span, Usage};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

const SECRET: &str = "sk-SECRET-4242";
/// Nothing listens there: connections are refused at once.
const DEAD: &str = "http://127.0.0.1:1";

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
fn chat() -> Result<Usage, ApiError> {
    tracing::info!("calling the model");
    Ok(Usage::new().input(10).output(2))
}

/// Everything a secret could leak into during one install.
#[derive(Default)]
struct Seen {
    texts: Vec<(String, String)>,
    error: Option<SetupError>,
}

impl Seen {
    fn add(&mut self, what: &str, text: String) {
        self.texts.push((what.to_owned(), text));
    }

    /// The secret, in any case (header names are lowercased), is nowhere.
    fn assert_clean(&self, case: &str) {
        for (what, text) in &self.texts {
            assert!(!text.to_lowercase().contains(&SECRET.to_lowercase()), "{case}: the secret leaks into {what}:\n{text}");
        }
    }

    fn log(&self) -> &str {
        &self.texts.iter().find(|(w, _)| w == "the log output").unwrap().1
    }

    fn error(&self, case: &str) -> &SetupError {
        self.error.as_ref().unwrap_or_else(|| panic!("{case}: expected an error, the install succeeded"))
    }

    /// The error's sentence (it is the same in `Display` and `Debug`).
    fn message(&self, case: &str) -> String {
        self.error(case).to_string()
    }
}

/// Installs `setup` with `vars` as the environment, with text logs at every level captured;
/// on success, exports a span to the dead collector, flushes and shuts down.
fn run(case: &str, vars: &[(&str, &str)], setup: impl FnOnce(Setup) -> Setup) -> Seen {
    let (logs, console) = (Buf::default(), Buf::default());
    let setup = setup(
        genai_o11y::init()
            .env_source(env(vars))
            .log_format(LogFormat::Text)
            .filter("trace")
            .log_output(logs.clone())
            .console_output(console.clone())
            .metric_interval(Duration::from_secs(3600))
            .shutdown_timeout(Duration::from_secs(3)),
    );
    let mut seen = Seen::default();
    seen.add("Debug of Setup", format!("{setup:?}"));
    match setup.install_thread_local() {
        Ok(guard) => {
            chat().unwrap();
            guard.flush();
            seen.add("Debug of Guard", format!("{guard:?}"));
            seen.add("Debug of Stats", format!("{:?}", guard.stats()));
            let report = guard.shutdown();
            seen.add("the shutdown report", format!("{report:?}"));
        }
        Err(e) => {
            seen.add("Display of the error", e.to_string());
            seen.add("Debug of the error", format!("{e:?}"));
            seen.add("Debug of Err(error)", format!("{:?}", Err::<(), _>(&e)));
            seen.error = Some(e);
        }
    }
    seen.add("the log output", logs.text());
    seen.add("the console output", console.text());
    seen.assert_clean(case);
    seen
}

/// An OTLP setup to the dead collector with `vars` added to the environment.
fn otlp(case: &str, vars: &[(&str, &str)]) -> Seen {
    let mut all = vec![("OTEL_EXPORTER_OTLP_ENDPOINT", DEAD)];
    all.extend_from_slice(vars);
    run(case, &all, |s| s)
}

// ------------------------------------------------------------------ headers from the environment

#[test]
fn a_colon_instead_of_an_equals_sign_names_the_header_not_its_value() {
    for var in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"] {
        let value = format!("authorization:Bearer {SECRET}");
        let seen = otlp(var, &[(var, &value)]);
        let msg = seen.message(var);
        assert!(matches!(seen.error(var), SetupError::InvalidHeaders { source: Source::Env(v), .. } if *v == var), "{msg}");
        assert!(msg.contains(var) && msg.contains("`authorization`") && msg.contains("authorization=value"), "{msg}");
    }
    // The logs signal is resolved with the OpenTelemetry logs bridge on.
    let var = "OTEL_EXPORTER_OTLP_LOGS_HEADERS";
    let value = format!("authorization:Bearer {SECRET}");
    let seen = run(var, &[("OTEL_EXPORTER_OTLP_ENDPOINT", DEAD), (var, &value)], |s| s.otel_logs(true));
    assert!(seen.message(var).contains(var), "{}", seen.message(var));
}

#[test]
fn a_colon_slip_with_an_equals_sign_in_the_value_names_the_header() {
    // Base64 padding puts an `=` in the value: the "name" is then `authorization:Basic …`.
    let value = format!("authorization:Basic {SECRET}==");
    let seen = otlp("colon slip with padding", &[("OTEL_EXPORTER_OTLP_HEADERS", &value)]);
    let msg = seen.message("colon slip with padding");
    assert!(msg.contains("not a valid header name") && msg.contains("`authorization`"), "{msg}");
}

#[test]
fn other_malformed_headers_name_the_header_or_its_position() {
    let cases: [(&str, String, &str); 5] = [
        ("bad percent-encoding in a value", format!("x-api-key={SECRET}%zz"), "`x-api-key`"),
        ("bad percent-encoding in a name", format!("x-team=ml,{SECRET}%zz=v"), "entry 2"),
        ("a name with a space", format!("x-team=ml,Bearer {SECRET}=v"), "entry 2"),
        ("a line break in a value", format!("x-api-key={SECRET}%0D%0Ainjected: yes"), "`x-api-key`"),
        ("a value without a name", SECRET.to_owned(), "entry 1"),
    ];
    for (case, value, names) in cases {
        for var in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"] {
            let seen = otlp(case, &[(var, &value)]);
            let msg = seen.message(case);
            assert!(msg.contains(var) && msg.contains(names), "{case}: {msg}");
        }
    }
}

#[test]
fn well_formed_headers_from_every_variable_stay_out_of_logs_and_debug() {
    let value = format!("authorization=Bearer%20{SECRET},x-api-key={SECRET}");
    let seen = otlp(
        "well-formed variables",
        &[
            ("OTEL_EXPORTER_OTLP_HEADERS", &value),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", &value),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", &value),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", &value),
        ],
    );
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert!(seen.log().contains("telemetry export failed"), "the failed export is reported: {}", seen.log());
}

// ------------------------------------------------------------------ headers from code

#[test]
fn code_headers_show_their_names_only() {
    let seen = run("code headers", &[], |s| s.otlp_endpoint(DEAD).otlp_header("Authorization", format!("Bearer {SECRET}")).otlp_header("x-api-key", SECRET));
    assert!(seen.error.is_none(), "{:?}", seen.error);
    let setup = &seen.texts[0].1;
    assert!(setup.contains(r#""Authorization": "<redacted>""#) && setup.contains(r#""x-api-key": "<redacted>""#), "{setup}");
}

#[test]
fn grpc_metadata_errors_name_the_header_never_the_value() {
    // A value gRPC metadata cannot carry (a control character), from code and from the
    // environment.
    let value = format!("{SECRET}\u{7f}");
    let seen = run("gRPC metadata value (code)", &[], |s| s.otlp_endpoint(DEAD).otlp_protocol(Protocol::Grpc).otlp_header("x-api-key", value.as_str()));
    let msg = seen.message("gRPC metadata value (code)");
    assert!(msg.contains("`x-api-key`") && msg.contains("Setup::otlp_header()") && msg.contains("gRPC metadata"), "{msg}");

    let var = format!("x-api-key={SECRET}%7F");
    let seen = run(
        "gRPC metadata value (env)",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", DEAD), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_HEADERS", &var)],
        |s| s,
    );
    let msg = seen.message("gRPC metadata value (env)");
    assert!(msg.contains("`x-api-key`") && msg.contains("OTEL_EXPORTER_OTLP_HEADERS"), "{msg}");

    // A name that is not a metadata key (the secret passed as the name by mistake).
    let seen = run("gRPC metadata key", &[], |s| {
        s.otlp_endpoint(DEAD).otlp_protocol(Protocol::Grpc).otlp_header("x-team", "ml").otlp_header(format!("Bearer {SECRET}"), "v")
    });
    let msg = seen.message("gRPC metadata key");
    assert!(msg.contains("header 2") && msg.contains("Setup::otlp_header()"), "{msg}");

    // Well-formed metadata over gRPC.
    let seen = run("gRPC metadata ok", &[], |s| s.otlp_endpoint(DEAD).otlp_protocol(Protocol::Grpc).otlp_header("authorization", format!("Bearer {SECRET}")));
    assert!(seen.error.is_none(), "{:?}", seen.error);
}

// ------------------------------------------------------------------ endpoints

#[test]
fn credentials_in_an_endpoint_are_replaced_by_stars() {
    let with_userinfo = format!("http://user:{SECRET}@collector:4318");
    let seen = otlp("userinfo", &[("OTEL_EXPORTER_OTLP_ENDPOINT", &with_userinfo)]);
    let msg = seen.message("userinfo");
    assert!(msg.contains("http://***@collector:4318") && msg.contains("OTEL_EXPORTER_OTLP_ENDPOINT") && msg.contains("use headers"), "{msg}");

    let seen = run("userinfo (code)", &[], |s| s.otlp_endpoint(format!("http://{SECRET}@collector:4318")));
    let msg = seen.message("userinfo (code)");
    assert!(msg.contains("***@collector") && msg.contains("Setup::otlp_endpoint()"), "{msg}");

    let bad_with_query = format!("ftp://collector/v1/traces?api_key={SECRET}");
    let seen = otlp("query (invalid)", &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &bad_with_query)]);
    let msg = seen.message("query (invalid)");
    assert!(msg.contains("ftp://collector/v1/traces?***") && msg.contains("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), "{msg}");

    // HTTPS without the `tls` feature (not enabled in this test crate).
    let https = format!("https://collector:4318/?api_key={SECRET}");
    let seen = otlp("query (https)", &[("OTEL_EXPORTER_OTLP_ENDPOINT", &https)]);
    assert!(matches!(seen.error("query (https)"), SetupError::TlsUnavailable(_)), "{}", seen.message("query (https)"));
    assert!(seen.message("query (https)").contains("https://collector:4318/?***"));
}

/// An exporter whose errors quote its URL, as HTTP clients' errors do
/// (`error sending request for url (…)`).
#[derive(Debug)]
struct QuotingExporter(String);

impl SpanExporter for QuotingExporter {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Err(OTelSdkError::InternalFailure(format!("error sending request for url ({})", self.0)))
    }
}

#[test]
fn a_secret_in_a_working_endpoints_query_stays_out_of_the_export_failure_reports() {
    // Valid: the query is sent as given, and every export fails (nothing listens).
    let with_query = format!("{DEAD}/v1/traces?api_key={SECRET}");
    let vars = [("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", with_query.as_str()), ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", with_query.as_str())];
    let seen = run("query (valid)", &vars, |s| s.exporter(genai_o11y::setup::Exporter::Otlp));
    assert!(seen.error.is_none(), "{:?}", seen.error);
    assert!(seen.log().contains("telemetry export failed"), "{}", seen.log());
    // The failure report quotes the exporter's error, scrubbed of the pipeline's secrets.
    let seen = run("query quoted by the exporter", &vars, |s| s.exporter(genai_o11y::setup::Exporter::Otlp).span_exporter(QuotingExporter(with_query.clone())));
    assert!(seen.log().contains("telemetry export failed (") && seen.log().contains("?<redacted>"), "{}", seen.log());
}

// ------------------------------------------------------------------ presets

#[test]
fn preset_keys_stay_secret() {
    let cases: Vec<(Preset, Vec<(&str, String)>)> = vec![
        (Preset::Langfuse, vec![("LANGFUSE_PUBLIC_KEY", format!("pk-{SECRET}")), ("LANGFUSE_SECRET_KEY", SECRET.into()), ("LANGFUSE_HOST", DEAD.into())]),
        (Preset::Phoenix, vec![("PHOENIX_API_KEY", SECRET.into()), ("PHOENIX_COLLECTOR_ENDPOINT", DEAD.into())]),
        (Preset::Phoenix, vec![("PHOENIX_CLIENT_HEADERS", format!("api_key={SECRET}")), ("PHOENIX_COLLECTOR_ENDPOINT", DEAD.into())]),
        (Preset::LangSmith, vec![("LANGSMITH_API_KEY", SECRET.into()), ("LANGSMITH_ENDPOINT", DEAD.into())]),
        (Preset::LangSmith, vec![("LANGCHAIN_API_KEY", SECRET.into()), ("LANGSMITH_ENDPOINT", DEAD.into())]),
        (Preset::Opik, vec![("OPIK_API_KEY", SECRET.into()), ("OPIK_URL_OVERRIDE", DEAD.into())]),
        (Preset::MLflow, vec![("MLFLOW_TRACKING_TOKEN", SECRET.into()), ("MLFLOW_TRACKING_URI", DEAD.into())]),
        (Preset::MLflow, vec![("MLFLOW_TRACKING_USERNAME", "ci".into()), ("MLFLOW_TRACKING_PASSWORD", SECRET.into()), ("MLFLOW_TRACKING_URI", DEAD.into())]),
    ];
    for (preset, vars) in cases {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let case = format!("{preset:?} with {:?}", vars.iter().map(|(k, _)| *k).collect::<Vec<_>>());
        let seen = run(&case, &vars, |s| s.preset(preset));
        assert!(seen.error.is_none(), "{case}: {:?}", seen.error);
        assert!(seen.log().contains("telemetry export failed"), "{case}: {}", seen.log());
        assert!(format!("{preset:?}").len() < 12, "a preset is a name");
    }
}

#[test]
fn preset_errors_name_the_variable_not_the_secret() {
    let seen = run("Langfuse without a public key", &[("LANGFUSE_SECRET_KEY", SECRET)], |s| s.preset(Preset::Langfuse));
    let msg = seen.message("Langfuse without a public key");
    assert!(msg.contains("LANGFUSE_PUBLIC_KEY") && msg.contains("Preset::Langfuse"), "{msg}");

    let seen = run("LangSmith without a key", &[("LANGSMITH_PROJECT", "p")], |s| s.preset(Preset::LangSmith));
    assert!(seen.message("LangSmith without a key").contains("LANGSMITH_API_KEY"));

    let bad = format!("api_key:{SECRET}");
    let seen = run("Phoenix colon slip", &[("PHOENIX_API_KEY", SECRET), ("PHOENIX_CLIENT_HEADERS", &bad)], |s| s.preset(Preset::Phoenix));
    let msg = seen.message("Phoenix colon slip");
    assert!(msg.contains("PHOENIX_CLIENT_HEADERS") && msg.contains("`api_key`"), "{msg}");

    let host = format!("http://admin:{SECRET}@langfuse.internal");
    let seen = run("Langfuse host with credentials", &[("LANGFUSE_PUBLIC_KEY", "pk"), ("LANGFUSE_SECRET_KEY", SECRET), ("LANGFUSE_HOST", &host)], |s| {
        s.preset(Preset::Langfuse)
    });
    let msg = seen.message("Langfuse host with credentials");
    assert!(msg.contains("LANGFUSE_HOST") && msg.contains("http://***@langfuse.internal"), "{msg}");

    let endpoint = format!("https://phoenix.example/?token={SECRET}");
    let seen = run("Phoenix over HTTPS without tls", &[("PHOENIX_API_KEY", SECRET), ("PHOENIX_COLLECTOR_ENDPOINT", &endpoint)], |s| s.preset(Preset::Phoenix));
    let msg = seen.message("Phoenix over HTTPS without tls");
    assert!(msg.contains("PHOENIX_COLLECTOR_ENDPOINT") && msg.contains("needs TLS"), "{msg}");
}

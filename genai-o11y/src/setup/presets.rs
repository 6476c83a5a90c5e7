//! LLM observability platforms: endpoint path and authentication from their documented
//! environment variables. All of them take traces over OTLP/HTTP with protobuf bodies.
//!
//! | preset | variables | endpoint | authentication |
//! |---|---|---|---|
//! | Langfuse | `LANGFUSE_PUBLIC_KEY`, `LANGFUSE_SECRET_KEY` (required), `LANGFUSE_HOST` (default `https://cloud.langfuse.com`) | `{host}/api/public/otel/v1/traces` | `Authorization: Basic base64(public:secret)`, `x-langfuse-ingestion-version: 4` |
//! | Phoenix | `PHOENIX_COLLECTOR_ENDPOINT` (default `http://localhost:6006`), `PHOENIX_API_KEY`, `PHOENIX_CLIENT_HEADERS`, `PHOENIX_PROJECT_NAME` (default: the resource's `service.namespace`, else Phoenix's `default` project) | `{endpoint}/v1/traces` | `Authorization: Bearer {key}` when a key is set; project as header `x-project-name` (unless `PHOENIX_CLIENT_HEADERS` sets it) and resource attribute `openinference.project.name` |
//! | LangSmith | `LANGSMITH_API_KEY` (required), `LANGSMITH_ENDPOINT` (default `https://api.smith.langchain.com`), `LANGSMITH_PROJECT` | `{endpoint}/otel/v1/traces` | `x-api-key: {key}`, `Langsmith-Project: {project}` |
//! | Opik | `OPIK_URL_OVERRIDE` (default `https://www.comet.com/opik/api`), `OPIK_API_KEY`, `OPIK_WORKSPACE`, `OPIK_PROJECT_NAME` | `{url}/v1/private/otel/v1/traces` | `Authorization: {key}`, `Comet-Workspace: {workspace}`, `projectName: {project}` |
//! | MLflow | `MLFLOW_TRACKING_URI` (default `http://localhost:5000`), `MLFLOW_EXPERIMENT_ID` (default `0`, the Default experiment), `MLFLOW_RUN_ID`, `MLFLOW_TRACKING_TOKEN` or `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD` | `{tracking uri}/v1/traces` | `x-mlflow-experiment-id: {id}`, `x-mlflow-run-id: {run}`; `Authorization: Bearer {token}` or `Basic base64(user:password)` |
//!
//! MLflow's `MLFLOW_EXPERIMENT_NAME` is not resolved (that takes a call to the tracking server
//! at start-up): with it set and no `MLFLOW_EXPERIMENT_ID`, `install()` fails with
//! [`SetupError::MissingVariable`] naming `MLFLOW_EXPERIMENT_ID`, rather than sending the traces to
//! the Default experiment. Its tracking URI must be the server's `http(s)://` URL (not
//! `databricks`, `file:` or a database URI).
//!
//! Platforms that keep only GenAI spans still get the whole tree: every span this crate emits
//! carries `gen_ai.operation.name`. Each preset also applies its platform's [`Dialect`] to the
//! spans it exports ([`Preset::dialect`]).

use std::fmt;

use super::config::{parse_headers, validate_endpoint, Env, SetupError, Source};
use super::dialect::Dialect;
use super::redact::{RedactedHeaders, RedactedUrl};
use crate::semconv::platforms::{mlflow as ml, phoenix as px};

/// A platform preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Langfuse (cloud or self-hosted).
    Langfuse,
    /// Arize Phoenix.
    Phoenix,
    /// LangSmith.
    LangSmith,
    /// Comet Opik.
    Opik,
    /// MLflow 3.x (a tracking server).
    MLflow,
}

/// What a preset resolves to. `Debug` shows the header names only.
#[derive(Clone, PartialEq, Eq)]
pub struct PresetTarget {
    /// The full OTLP/HTTP traces URL.
    pub traces_url: String,
    /// Headers to send.
    pub headers: Vec<(String, String)>,
    /// Resource attributes the platform reads (e.g. Phoenix's project).
    pub resource: Vec<(String, String)>,
    /// Where the URL came from: the host variable, or the preset's default.
    pub(crate) url_source: Source,
}

impl fmt::Debug for PresetTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresetTarget")
            .field("traces_url", &RedactedUrl(&self.traces_url))
            .field("headers", &RedactedHeaders(&self.headers))
            .field("resource", &self.resource)
            .finish()
    }
}

impl Preset {
    /// The dialect this preset applies to every exported span.
    pub fn dialect(self) -> Dialect {
        match self {
            Preset::Langfuse => Dialect::Langfuse,
            Preset::Phoenix => Dialect::Phoenix,
            Preset::LangSmith => Dialect::LangSmith,
            Preset::Opik => Dialect::Opik,
            Preset::MLflow => Dialect::MLflow,
        }
    }

    /// `Preset::Langfuse` etc. (what needs a missing variable).
    fn path(self) -> &'static str {
        match self {
            Preset::Langfuse => "Preset::Langfuse",
            Preset::Phoenix => "Preset::Phoenix",
            Preset::LangSmith => "Preset::LangSmith",
            Preset::Opik => "Preset::Opik",
            Preset::MLflow => "Preset::MLflow",
        }
    }

    /// Resolves the preset from the environment. `namespace` is the resource's
    /// `service.namespace`: the default project (Phoenix, LangSmith, Opik) when the platform's own
    /// project variable is not set, so that the services of one application, which share it, send
    /// a trace that spans them to one project. Without either, the platform's default project.
    pub(crate) fn resolve(self, env: Env<'_>, namespace: Option<&str>) -> Result<PresetTarget, SetupError> {
        let project = |var: &'static str| env(var).or_else(|| namespace.map(str::to_owned));
        let missing = |name: &'static str| SetupError::MissingVariable { source: Source::Env(name), needed_by: self.path() };
        let need = |name: &'static str| env(name).ok_or_else(|| missing(name));
        let mut url_source = Source::Code("Setup::preset()");
        let mut base = |name: &'static str, default: &str| -> Result<String, SetupError> {
            match env(name) {
                Some(v) => {
                    url_source = Source::Env(name);
                    validate_endpoint(Source::Env(name), &v)
                }
                None => validate_endpoint(url_source, default),
            }
        };
        let mut headers = Vec::new();
        let mut resource = Vec::new();
        let traces_url = match self {
            Preset::Langfuse => {
                let public = need("LANGFUSE_PUBLIC_KEY")?;
                let secret = need("LANGFUSE_SECRET_KEY")?;
                headers.push(("authorization".to_owned(), format!("Basic {}", base64(format!("{public}:{secret}").as_bytes()))));
                headers.push(("x-langfuse-ingestion-version".to_owned(), "4".to_owned()));
                format!("{}/api/public/otel/v1/traces", base("LANGFUSE_HOST", "https://cloud.langfuse.com")?)
            }
            Preset::Phoenix => {
                if let Some(key) = env("PHOENIX_API_KEY") {
                    headers.push(("authorization".to_owned(), format!("Bearer {key}")));
                }
                if let Some(h) = env("PHOENIX_CLIENT_HEADERS") {
                    headers.extend(parse_headers(Source::Env("PHOENIX_CLIENT_HEADERS"), &h)?);
                }
                if let Some(p) = project(px::PROJECT_ENV) {
                    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(px::PROJECT_HEADER)) {
                        headers.push((px::PROJECT_HEADER.to_owned(), p.clone()));
                    }
                    resource.push((px::PROJECT_RESOURCE.to_owned(), p));
                }
                let endpoint = base("PHOENIX_COLLECTOR_ENDPOINT", "http://localhost:6006")?;
                if endpoint.ends_with("/v1/traces") {
                    endpoint
                } else {
                    format!("{endpoint}/v1/traces")
                }
            }
            Preset::LangSmith => {
                let key = env("LANGSMITH_API_KEY").or_else(|| env("LANGCHAIN_API_KEY")).ok_or_else(|| missing("LANGSMITH_API_KEY"))?;
                headers.push(("x-api-key".to_owned(), key));
                if let Some(p) = project("LANGSMITH_PROJECT") {
                    headers.push(("langsmith-project".to_owned(), p));
                }
                format!("{}/otel/v1/traces", base("LANGSMITH_ENDPOINT", "https://api.smith.langchain.com")?)
            }
            Preset::Opik => {
                if let Some(key) = env("OPIK_API_KEY") {
                    headers.push(("authorization".to_owned(), key));
                }
                if let Some(ws) = env("OPIK_WORKSPACE") {
                    headers.push(("comet-workspace".to_owned(), ws));
                }
                if let Some(p) = project("OPIK_PROJECT_NAME") {
                    headers.push(("projectname".to_owned(), p));
                }
                format!("{}/v1/private/otel/v1/traces", base("OPIK_URL_OVERRIDE", "https://www.comet.com/opik/api")?)
            }
            Preset::MLflow => {
                let experiment = match env(ml::EXPERIMENT_ID_ENV) {
                    Some(id) => id,
                    // A name would need a lookup at the tracking server: not done, and not
                    // silently replaced by the Default experiment either.
                    None if env(ml::EXPERIMENT_NAME_ENV).is_some() => {
                        return Err(SetupError::MissingVariable {
                            source: Source::Env(ml::EXPERIMENT_ID_ENV),
                            needed_by: "Preset::MLflow, which does not resolve MLFLOW_EXPERIMENT_NAME",
                        })
                    }
                    None => ml::DEFAULT_EXPERIMENT_ID.to_owned(),
                };
                headers.push((ml::EXPERIMENT_HEADER.to_owned(), experiment));
                if let Some(run) = env(ml::RUN_ID_ENV) {
                    headers.push((ml::RUN_HEADER.to_owned(), run));
                }
                if let Some(token) = env(ml::TRACKING_TOKEN_ENV) {
                    headers.push(("authorization".to_owned(), format!("Bearer {token}")));
                } else if let Some(user) = env(ml::TRACKING_USERNAME_ENV) {
                    let password = need(ml::TRACKING_PASSWORD_ENV)?;
                    headers.push(("authorization".to_owned(), format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))));
                }
                let uri = base(ml::TRACKING_URI_ENV, ml::DEFAULT_TRACKING_URI)?;
                if uri.ends_with(ml::TRACES_PATH) {
                    uri
                } else {
                    format!("{uri}{}", ml::TRACES_PATH)
                }
            }
        };
        Ok(PresetTarget { traces_url, headers, resource, url_source })
    }
}

/// Standard base64 (RFC 4648, with padding).
fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if chunk.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::config::fixed_env as env;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"pk-lf-1:sk-lf-2"), "cGstbGYtMTpzay1sZi0y");
    }

    #[test]
    fn langfuse() {
        let t = Preset::Langfuse
            .resolve(&env(&[("LANGFUSE_PUBLIC_KEY", "pk-lf-1"), ("LANGFUSE_SECRET_KEY", "sk-lf-2"), ("LANGFUSE_HOST", "http://localhost:3000/")]), None)
            .unwrap();
        assert_eq!(t.traces_url, "http://localhost:3000/api/public/otel/v1/traces");
        assert_eq!(t.headers[0], ("authorization".into(), "Basic cGstbGYtMTpzay1sZi0y".into()));
        assert!(
            matches!(Preset::Langfuse.resolve(&env(&[("LANGFUSE_PUBLIC_KEY", "x")]), None), Err(SetupError::MissingVariable { source: Source::Env(v), .. }) if v == "LANGFUSE_SECRET_KEY")
        );
        let cloud = Preset::Langfuse.resolve(&env(&[("LANGFUSE_PUBLIC_KEY", "a"), ("LANGFUSE_SECRET_KEY", "b")]), None).unwrap();
        assert_eq!(cloud.traces_url, "https://cloud.langfuse.com/api/public/otel/v1/traces");
    }

    #[test]
    fn debug_shows_header_names_only() {
        let t = Preset::LangSmith.resolve(&env(&[("LANGSMITH_API_KEY", "sk-SECRET-4242"), ("LANGSMITH_ENDPOINT", "http://ls:1")]), None).unwrap();
        let d = format!("{t:?}");
        assert!(!d.contains("SECRET") && d.contains(r#""x-api-key": "<redacted>""#), "{d}");
        assert_eq!(t.url_source, Source::Env("LANGSMITH_ENDPOINT"));
    }

    #[test]
    fn phoenix_langsmith_opik() {
        let p = Preset::Phoenix.resolve(&env(&[("PHOENIX_API_KEY", "k"), ("PHOENIX_PROJECT_NAME", "agents")]), None).unwrap();
        assert_eq!(p.traces_url, "http://localhost:6006/v1/traces");
        assert_eq!(p.headers, vec![("authorization".into(), "Bearer k".into()), ("x-project-name".into(), "agents".into())]);
        let d = Preset::Phoenix.resolve(&env(&[]), None).unwrap();
        assert_eq!(
            d.headers,
            vec![],
            "no project: Phoenix's `default` (not the service's name: a trace spanning services would land in whichever project's batch came first)"
        );
        let n = Preset::Phoenix.resolve(&env(&[]), Some("shop")).unwrap();
        assert_eq!(n.headers, vec![("x-project-name".into(), "shop".into())], "the project defaults to service.namespace");
        assert_eq!(n.resource, vec![("openinference.project.name".into(), "shop".into())]);
        let v = Preset::Phoenix.resolve(&env(&[("PHOENIX_PROJECT_NAME", "agents")]), Some("shop")).unwrap();
        assert_eq!(v.headers, vec![("x-project-name".into(), "agents".into())], "the variable wins over the namespace");
        let l = Preset::LangSmith.resolve(&env(&[("LANGSMITH_API_KEY", "k")]), Some("shop")).unwrap();
        assert!(l.headers.contains(&("langsmith-project".into(), "shop".into())));
        let o = Preset::Opik.resolve(&env(&[]), Some("shop")).unwrap();
        assert!(o.headers.contains(&("projectname".into(), "shop".into())));
        assert!(d.resource.is_empty());
        let h = Preset::Phoenix.resolve(&env(&[("PHOENIX_CLIENT_HEADERS", "x-project-name=mine")]), None).unwrap();
        assert_eq!(h.headers, vec![("x-project-name".into(), "mine".into())], "PHOENIX_CLIENT_HEADERS wins");
        assert_eq!(p.resource, vec![("openinference.project.name".into(), "agents".into())]);
        let l = Preset::LangSmith.resolve(&env(&[("LANGSMITH_API_KEY", "lsv2"), ("LANGSMITH_PROJECT", "p")]), None).unwrap();
        assert_eq!(l.traces_url, "https://api.smith.langchain.com/otel/v1/traces");
        assert_eq!(l.headers, vec![("x-api-key".into(), "lsv2".into()), ("langsmith-project".into(), "p".into())]);
        assert!(Preset::LangSmith.resolve(&env(&[]), None).is_err());
        let o = Preset::Opik
            .resolve(
                &env(&[("OPIK_URL_OVERRIDE", "http://localhost:5173/api"), ("OPIK_API_KEY", "k"), ("OPIK_WORKSPACE", "w"), ("OPIK_PROJECT_NAME", "p")]),
                None,
            )
            .unwrap();
        assert_eq!(o.traces_url, "http://localhost:5173/api/v1/private/otel/v1/traces");
        assert_eq!(o.headers.len(), 3);
        assert!(Preset::Phoenix.resolve(&env(&[("PHOENIX_COLLECTOR_ENDPOINT", "not a url")]), None).is_err());
    }

    #[test]
    fn mlflow() {
        let d = Preset::MLflow.resolve(&env(&[]), None).unwrap();
        assert_eq!(d.traces_url, "http://localhost:5000/v1/traces");
        assert_eq!(d.headers, vec![("x-mlflow-experiment-id".into(), "0".into())], "the Default experiment");
        assert_eq!(d.url_source, Source::Code("Setup::preset()"));
        assert!(d.resource.is_empty());
        let t = Preset::MLflow
            .resolve(
                &env(&[
                    ("MLFLOW_TRACKING_URI", "http://127.0.0.1:5001/"),
                    ("MLFLOW_EXPERIMENT_ID", "42"),
                    ("MLFLOW_RUN_ID", "run-7"),
                    ("MLFLOW_TRACKING_TOKEN", "tok"),
                    ("MLFLOW_EXPERIMENT_NAME", "ignored when the id is set"),
                ]),
                None,
            )
            .unwrap();
        assert_eq!(t.traces_url, "http://127.0.0.1:5001/v1/traces");
        assert_eq!(t.url_source, Source::Env("MLFLOW_TRACKING_URI"));
        assert_eq!(
            t.headers,
            vec![("x-mlflow-experiment-id".into(), "42".into()), ("x-mlflow-run-id".into(), "run-7".into()), ("authorization".into(), "Bearer tok".into())]
        );
        let full = Preset::MLflow.resolve(&env(&[("MLFLOW_TRACKING_URI", "https://mlflow.internal/v1/traces")]), None).unwrap();
        assert_eq!(full.traces_url, "https://mlflow.internal/v1/traces");
        let basic = Preset::MLflow.resolve(&env(&[("MLFLOW_TRACKING_USERNAME", "pk-lf-1"), ("MLFLOW_TRACKING_PASSWORD", "sk-lf-2")]), None).unwrap();
        assert_eq!(basic.headers[1], ("authorization".into(), "Basic cGstbGYtMTpzay1sZi0y".into()));
        assert!(matches!(
            Preset::MLflow.resolve(&env(&[("MLFLOW_TRACKING_USERNAME", "u")]), None),
            Err(SetupError::MissingVariable { source: Source::Env("MLFLOW_TRACKING_PASSWORD"), .. })
        ));
        // A name is not looked up: an error naming the id, never the Default experiment.
        let named = Preset::MLflow.resolve(&env(&[("MLFLOW_EXPERIMENT_NAME", "agents")]), None);
        assert!(matches!(&named, Err(SetupError::MissingVariable { source: Source::Env("MLFLOW_EXPERIMENT_ID"), .. })), "{named:?}");
        assert!(format!("{:?}", named.unwrap_err()).contains("MLFLOW_EXPERIMENT_NAME"));
        // MLflow's other tracking URIs are not OTLP endpoints.
        for uri in ["databricks", "file:./mlruns", "sqlite:///mlflow.db"] {
            let e = Preset::MLflow.resolve(&env(&[("MLFLOW_TRACKING_URI", uri)]), None);
            assert!(matches!(e, Err(SetupError::InvalidEndpoint { source: Source::Env("MLFLOW_TRACKING_URI"), .. })), "{uri}");
        }
        let d = format!("{t:?}");
        assert!(!d.contains("tok") && !d.contains("run-7"), "{d}");
    }
}

//! End to end against a real Arize Phoenix (`arize-phoenix` 20.26.1): an agent (agent → tool +
//! chat) goes through the Phoenix preset to a `phoenix serve` process, once with content capture
//! on and once off, and Phoenix's own REST and GraphQL APIs must show what its users would see:
//! the span kinds, the model, the token counts (cache included), the cost Phoenix computes, the
//! chat messages (only with capture on), the tool's parameters and Input/Output, the session from
//! `conversation_id`, and the project named after the service namespace; and a trace that spans
//! two services lands in one project, repeatedly, whichever service's batch arrives first.
//!
//! Needs Phoenix in `.venv-phoenix/` (or `PHOENIX_VENV`): `bash scripts/install-phoenix.sh`.
//!
//! Phoenix's gRPC server binds every interface, whatever `PHOENIX_HOST` says. So the test runs
//! in a private network namespace where it can: it re-runs itself under `unshare -n` (a new
//! network namespace with only its own loopback, brought up with `ip link set lo up`), and the
//! Phoenix process, the exporter and the API client all live in there; nothing is reachable from
//! outside. Where `unshare -n` is not permitted it runs on the host's loopback instead (HTTP on
//! 127.0.0.1; the gRPC port, unused by the test, then listens on all interfaces while it runs).

mod common;
#[path = "common/http.rs"]
mod http_client;
#[path = "common/packing.rs"]
mod packing;
#[path = "common/server_process.rs"]
mod server_process;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use genai_o11y::attribution::Attribution;
use genai_o11y::evaluation::{Evaluation, EvaluationTarget};
use genai_o11y::guard::Decision;
use genai_o11y::setup::{LogFormat, Preset};
use genai_o11y::{genai_agent, genai_guardrail, genai_retrieval, CaptureConfig, CaptureMode, Settings};
use http_client::*;
use packing::*;
use serde_json::{json, Value};
use server_process::{temp_dir, ServerProcess};

const INSTALL_HINT: &str = "run `bash scripts/install-phoenix.sh` (installs arize-phoenix into .venv-phoenix/)";
/// Set in the re-run of this test inside the private network namespace.
const INSIDE: &str = "GENAI_O11Y_PHOENIX_NETNS";
const SERVICE: &str = "genai-o11y-phoenix-e2e";

// ---- the agent ----

#[genai_agent(name = "packing_assistant", conversation_id = conversation)]
fn assistant(conversation: &str, question: &str) -> Result<String, ApiError> {
    let _ = conversation;
    get_weather("Paris");
    Ok(chat(&[Msg { role: "user", content: question.into() }])?.text)
}

fn run_agent(endpoint: &str, conversation: &str, capture: CaptureMode) {
    run_agent_in(endpoint, conversation, capture, None)
}

/// The pipeline through the Phoenix preset, on this thread, project named after the namespace.
fn install(endpoint: &str, capture: CaptureMode) -> genai_o11y::setup::Guard {
    install_with(endpoint, CaptureConfig::new(capture))
}

fn install_with(endpoint: &str, capture: CaptureConfig) -> genai_o11y::setup::Guard {
    let env: HashMap<String, String> = [("PHOENIX_COLLECTOR_ENDPOINT".to_owned(), endpoint.to_owned())].into();
    genai_o11y::init()
        .env_source(move |k| env.get(k).cloned())
        .service_name(SERVICE)
        .service_namespace(SERVICE)
        .preset(Preset::Phoenix)
        .settings(Settings::default().capture(capture))
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap()
}

/// The same agent inside an attribution scope (session, user, tags, metadata).
fn run_agent_in(endpoint: &str, conversation: &str, capture: CaptureMode, attribution: Option<Attribution>) {
    let guard = install(endpoint, capture);
    let run = || assistant(conversation, "What should I pack for Paris?").unwrap();
    match attribution {
        Some(a) => a.in_scope(run),
        None => run(),
    };
    let report = guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "Phoenix refused the export: {report:?}");
}

/// Searches the packing guides.
#[genai_retrieval(data_source = "packing-guides", query = query)]
fn search(query: &str) -> Vec<(String, f64)> {
    let _ = query;
    vec![("guide-paris".to_owned(), 0.93), ("guide-rain".to_owned(), 0.71)]
}

/// A guard on the user's question: it blocks what is not about travel.
#[genai_guardrail(name = "travel_only", policy = "topics", source = "input")]
fn travel_only(question: &str) -> Decision {
    if question.contains("pack") {
        Decision::allow()
    } else {
        Decision::block("not about travel").risk_category("off_topic").rule_id("topics.travel")
    }
}

/// A guard, a retrieval and a late evaluation (of the retrieval's span), content captured.
fn run_retrieval_and_evaluation(endpoint: &str) {
    let guard = install(endpoint, CaptureMode::SpanOnly);
    let span = tracing::info_span!("rag_request");
    let target = span.in_scope(|| {
        let _ = travel_only("what to pack for rain?");
        let _ = travel_only("write my tax return");
        search("what to pack for rain?");
        EvaluationTarget::current()
    });
    drop(span);
    Evaluation::score("context_relevance", 0.88).explanation("on topic").target(target).record();
    let report = guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "Phoenix refused the export: {report:?}");
}

/// A chat about a picture: the image goes to the media sink, the span carries a reference.
#[genai_o11y::genai_span(operation = "chat", provider = "openai", model = "gpt-4o", conversation_id = "conv-image", input_messages = messages, usage = none)]
fn describe_image(messages: &Value) -> Result<String, ApiError> {
    let _ = messages;
    Ok("A red square.".to_owned())
}

/// Sends a 4 KiB PNG (as OpenAI's `image_url` data URL) through a filesystem media sink; returns
/// the reference URI the span should carry.
fn run_image_chat(endpoint: &str) -> String {
    use genai_o11y::capture::media::{FilesystemUploader, MediaSink};
    let dir = temp_dir("phoenix-media");
    let sink = MediaSink::new(FilesystemUploader::new(&dir));
    let guard = install_with(endpoint, CaptureConfig::new(CaptureMode::SpanOnly).media(sink.clone()));
    let png = format!("iVBORw0KGgo{}", "A".repeat(4096));
    let messages = json!([{"role": "user", "content": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{png}")}}
    ]}]);
    describe_image(&messages).unwrap();
    assert!(sink.flush(Duration::from_secs(10)));
    let report = guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "Phoenix refused the export: {report:?}");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "the image was stored once: {files:?}");
    format!("file://{}", files[0].display())
}

// ---- HTTP ----

// ---- the Phoenix process ----

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn find_phoenix() -> PathBuf {
    let venv = std::env::var_os("PHOENIX_VENV").map(PathBuf::from).unwrap_or_else(|| root().join(".venv-phoenix"));
    let bin = venv.join("bin/phoenix");
    assert!(bin.is_file(), "{} not found: {INSTALL_HINT}", bin.display());
    bin
}

/// `phoenix` in a process of its own (see `common/server_process.rs`).
type Phoenix = ServerProcess;

fn start_phoenix(bin: &Path) -> ServerProcess {
    let dir = temp_dir("phoenix");
    let (port, grpc_port) = (free_port(), free_port());
    let mut command = Command::new(bin);
    command
        .arg("serve")
        .env("PHOENIX_WORKING_DIR", &dir)
        .env("PHOENIX_HOST", "127.0.0.1")
        .env("PHOENIX_PORT", port.to_string())
        .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
        .env("PHOENIX_TELEMETRY_ENABLED", "false");
    ServerProcess::spawn("phoenix", command, dir, port, Duration::from_secs(10), INSTALL_HINT)
}

// ---- what Phoenix shows ----

/// The project's spans, as its REST API returns them, once there are `n`.
fn spans(addr: SocketAddr, n: usize) -> Vec<Value> {
    poll(Duration::from_secs(60), &format!("{n} spans in project {SERVICE}"), || {
        let body = get_json(addr, &format!("/v1/projects/{SERVICE}/spans?limit=1000"))?;
        let spans = body["data"].as_array()?.clone();
        (spans.len() >= n).then_some(spans)
    })
}

/// A (possibly nested or flattened) attribute of a REST span.
fn attr<'a>(span: &'a Value, key: &str) -> Option<&'a Value> {
    let attrs = &span["attributes"];
    if let Some(v) = attrs.get(key) {
        return Some(v);
    }
    key.split('.').try_fold(attrs, |v, part| v.get(part))
}

fn attr_str(span: &Value, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
}

fn attr_i64(span: &Value, key: &str) -> Option<i64> {
    attr(span, key).and_then(Value::as_i64)
}

/// Phoenix's total cost of a span (GraphQL), once computed.
fn cost(addr: SocketAddr, span_global_id: &str) -> f64 {
    let query = json!({
        "query": "query($id: ID!) { node(id: $id) { ... on Span { costSummary { total { cost tokens } } } } }",
        "variables": { "id": span_global_id },
    });
    poll(Duration::from_secs(30), "the span's cost", || {
        let (status, body) = http(addr, "POST", "/graphql", Some(&query)).ok()?;
        let v: Value = serde_json::from_str(&body).ok()?;
        assert_eq!(status, 200, "{body}");
        v["data"]["node"]["costSummary"]["total"]["cost"].as_f64()
    })
}

fn by_conversation<'a>(spans: &'a [Value], conversation: &str, name: &str) -> &'a Value {
    let agent = spans
        .iter()
        .find(|s| s["name"] == "invoke_agent packing_assistant" && attr_str(s, "session.id").as_deref() == Some(conversation))
        .unwrap_or_else(|| panic!("no agent span with session {conversation}: {spans:#?}"));
    let trace = &agent["context"]["trace_id"];
    spans.iter().find(|s| s["name"] == name && &s["context"]["trace_id"] == trace).unwrap_or_else(|| panic!("no {name} in {conversation}'s trace"))
}

// ---- two services, one trace ----

const SHOP: &str = "shop-e2e";

/// Answers from the knowledge base.
#[genai_o11y::genai_tool]
fn lookup(topic: &str) -> String {
    format!("kb: {topic}")
}

/// The agent service calls the knowledge-base service (on another thread, with a pipeline and a
/// `service.name` of its own, the trace context passed in HTTP headers); `kb_first`: the
/// knowledge base's batch is exported before the agent's (it flushes while the agent's root span
/// is still open), else after.
fn two_services(endpoint: &str, round: usize, kb_first: bool) -> String {
    let setup = |service: &str| {
        let env: HashMap<String, String> =
            [("PHOENIX_COLLECTOR_ENDPOINT".to_owned(), endpoint.to_owned()), ("OTEL_RESOURCE_ATTRIBUTES".to_owned(), format!("service.namespace={SHOP}"))]
                .into();
        genai_o11y::init().env_source(move |k| env.get(k).cloned()).service_name(service).preset(Preset::Phoenix).log_format(LogFormat::Off)
    };
    let agent_guard = setup("agent-svc").install_thread_local().unwrap();
    let (to_kb, kb_rx) = std::sync::mpsc::channel::<http::HeaderMap>();
    let (kb_done, done_rx) = std::sync::mpsc::channel::<()>();
    let (kb_release, release_rx) = std::sync::mpsc::channel::<()>();
    let kb_setup = setup("kb-svc");
    let kb = std::thread::spawn(move || {
        let guard = kb_setup.install_thread_local().unwrap();
        let headers = kb_rx.recv().unwrap();
        let span = tracing::info_span!("POST /lookup");
        genai_o11y::propagation::set_parent(&span, genai_o11y::propagation::extract(&headers));
        span.in_scope(|| lookup("rain"));
        drop(span);
        if !kb_first {
            release_rx.recv().unwrap();
        }
        let report = guard.shutdown();
        assert!(report.completed && report.spans_lost == 0, "{report:?}");
        kb_done.send(()).unwrap();
    });
    #[genai_agent(name = "concierge")]
    fn concierge(to_kb: &std::sync::mpsc::Sender<http::HeaderMap>, done: &std::sync::mpsc::Receiver<()>, kb_first: bool) -> String {
        let mut headers = http::HeaderMap::new();
        genai_o11y::propagation::inject(&mut headers);
        to_kb.send(headers).unwrap();
        if kb_first {
            // The knowledge base's spans reach Phoenix while this agent span is still open.
            done.recv().unwrap();
        }
        "done".to_owned()
    }
    let root = tracing::info_span!("round", n = round);
    let trace_id = root.in_scope(|| {
        use opentelemetry::trace::TraceContextExt as _;
        use tracing_opentelemetry::OpenTelemetrySpanExt as _;
        concierge(&to_kb, &done_rx, kb_first);
        tracing::Span::current().context().span().span_context().trace_id().to_string()
    });
    drop(root);
    let report = agent_guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "{report:?}");
    if !kb_first {
        kb_release.send(()).unwrap();
        done_rx.recv().unwrap();
    }
    kb.join().unwrap();
    trace_id
}

/// Every span of a trace that spans two services is in the namespace's project, in rounds where
/// either service's batch reaches Phoenix first; the service of each span shows in its metadata.
fn one_project_per_trace(phoenix: &Phoenix) {
    let traces: Vec<String> = (0..4).map(|round| two_services(&phoenix.url(), round, round % 2 == 0)).collect();
    let spans = poll(Duration::from_secs(60), "the two services' spans", || {
        let body = get_json(phoenix.addr, &format!("/v1/projects/{SHOP}/spans?limit=1000"))?;
        let spans = body["data"].as_array()?.clone();
        (spans.len() >= traces.len() * 4).then_some(spans)
    });
    for t in &traces {
        let of_trace: Vec<&Value> = spans.iter().filter(|s| s["context"]["trace_id"].as_str() == Some(t)).collect();
        let names: Vec<&str> = of_trace.iter().filter_map(|s| s["name"].as_str()).collect();
        for expected in ["round", "invoke_agent concierge", "POST /lookup", "execute_tool lookup"] {
            assert!(names.contains(&expected), "trace {t}: {expected} is not in project {SHOP}: {names:?}");
        }
        let service_of = |name: &str| {
            let s = of_trace.iter().find(|s| s["name"] == name).unwrap();
            // Phoenix parses the `metadata` JSON and its REST API shows it flattened.
            s["attributes"]["metadata.service.name"].as_str().map(str::to_owned)
        };
        assert_eq!(service_of("invoke_agent concierge").as_deref(), Some("agent-svc"));
        assert_eq!(service_of("execute_tool lookup").as_deref(), Some("kb-svc"));
    }
    let projects = get_json(phoenix.addr, "/v1/projects").expect("projects");
    let names: Vec<&str> = projects["data"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
    assert!(!names.contains(&"agent-svc") && !names.contains(&"kb-svc"), "no project per service: {names:?}");
    if let Some(default) = get_json(phoenix.addr, "/v1/projects/default/spans?limit=1000") {
        let stray = default["data"].as_array().into_iter().flatten().filter(|s| traces.iter().any(|t| s["context"]["trace_id"].as_str() == Some(t))).count();
        assert_eq!(stray, 0, "no span of these traces in the default project");
    }
}

/// A request handler: the request's span is the trace's root, the attribution scope opens inside
/// it, the agent answers with capture on.
fn run_request(endpoint: &str) {
    let guard = install(endpoint, CaptureMode::SpanOnly);
    tracing::info_span!("POST /pack").in_scope(|| {
        Attribution::new().session_id("sess-request").user_id("user-req").in_scope(|| assistant("conv-request", "What should I pack for Paris?").unwrap())
    });
    let report = guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "Phoenix refused the export: {report:?}");
}

/// The request's span shows the question and the answer, and carries the session; Phoenix's
/// session view shows them as its first input and last output.
fn request_root_and_session(addr: SocketAddr) {
    let spans = spans(addr, 16);
    let root = spans.iter().find(|s| s["name"] == "POST /pack").expect("the request span");
    assert_eq!(attr_str(root, "session.id").as_deref(), Some("sess-request"), "the scope opened inside the request marks it: {root:#}");
    assert_eq!(attr_str(root, "user.id").as_deref(), Some("user-req"));
    assert!(attr_str(root, "input.value").is_some_and(|i| i.contains("What should I pack for Paris?")), "{root:#}");
    assert_eq!(attr_str(root, "output.value").as_deref(), Some("Pack an umbrella."), "{root:#}");
    let query = json!({ "query": "{ projects { edges { node { sessions(first: 100) { edges { node { sessionId firstInput { value } lastOutput { value } } } } } } } }" });
    let session = poll(Duration::from_secs(30), "the request's session", || {
        let (_, body) = http(addr, "POST", "/graphql", Some(&query)).ok()?;
        let v: Value = serde_json::from_str(&body).ok()?;
        v["data"]["projects"]["edges"]
            .as_array()?
            .iter()
            .flat_map(|p| p["node"]["sessions"]["edges"].as_array().cloned().unwrap_or_default())
            .find(|s| s["node"]["sessionId"] == "sess-request")
            .map(|s| s["node"].clone())
    });
    assert!(session["firstInput"]["value"].as_str().is_some_and(|i| i.contains("What should I pack for Paris?")), "{session:#}");
    assert_eq!(session["lastOutput"]["value"], "Pack an umbrella.", "{session:#}");
}

fn check(phoenix: &Phoenix) {
    let addr = phoenix.addr;
    one_project_per_trace(phoenix);
    run_request(&phoenix.url());
    run_agent(&phoenix.url(), "conv-capture-on", CaptureMode::SpanOnly);
    run_agent(&phoenix.url(), "conv-capture-off", CaptureMode::NoContent);
    let attribution = Attribution::new().session_id("sess-attributed").user_id("user-7").tags(["beta", "eu"]).metadata("app.feature", "packing");
    run_agent_in(&phoenix.url(), "conv-attributed", CaptureMode::NoContent, Some(attribution));
    run_retrieval_and_evaluation(&phoenix.url());
    let image_uri = run_image_chat(&phoenix.url());
    request_root_and_session(addr);

    // The project is the service namespace (the preset's `x-project-name`), not `default`.
    let projects = poll(Duration::from_secs(60), "the project", || {
        let p = get_json(addr, "/v1/projects")?;
        let names: Vec<String> = p["data"].as_array()?.iter().filter_map(|p| p["name"].as_str().map(str::to_owned)).collect();
        names.contains(&SERVICE.to_owned()).then_some(names)
    });
    assert!(projects.contains(&SERVICE.to_owned()), "{projects:?}");
    let spans = spans(addr, 19);
    assert_eq!(spans.len(), 19, "{spans:#?}");

    // Media as references: Phoenix's own translation of the conventions' `uri` part is an image
    // content whose URL is the reference (what its UI renders); no base64 reached it.
    let image_chat = spans.iter().find(|s| s["name"] == "chat gpt-4o" && attr_str(s, "session.id").as_deref() == Some("conv-image")).expect("the image chat");
    assert_eq!(image_chat["span_kind"], "LLM", "{image_chat:#}");
    let content = |i: usize, key: &str| {
        attr_str(image_chat, &format!("llm.input_messages.0.message.contents.{i}.message_content.{key}")).or_else(|| {
            let contents = &attr(image_chat, "llm.input_messages")?[0]["message"]["contents"][i]["message_content"];
            key.split('.').try_fold(contents, |v, part| v.get(part)).and_then(Value::as_str).map(str::to_owned)
        })
    };
    assert_eq!(content(0, "type").as_deref(), Some("text"), "{image_chat:#}");
    assert_eq!(content(0, "text").as_deref(), Some("What is in this picture?"));
    assert_eq!(content(1, "type").as_deref(), Some("image"), "{image_chat:#}");
    assert_eq!(content(1, "image.image.url").as_deref(), Some(image_uri.as_str()), "{image_chat:#}");
    assert!(!image_chat.to_string().contains("AAAAAAAAAAAAAAAA"), "no base64 in Phoenix: {image_chat:#}");
    let retrieval = spans.iter().find(|s| s["name"] == "retrieval packing-guides").expect("the retrieval span");
    let evaluation = spans.iter().find(|s| s["name"] == "evaluation context_relevance").expect("the evaluation span");
    // Phoenix files the retrieval as a RETRIEVER and translates its query and documents.
    assert_eq!(retrieval["span_kind"], "RETRIEVER", "{retrieval:#}");
    assert_eq!(attr_str(retrieval, "input.value").as_deref(), Some("what to pack for rain?"));
    for (i, (id, score)) in [("guide-paris", 0.93), ("guide-rain", 0.71)].into_iter().enumerate() {
        assert_eq!(retrieval["attributes"][format!("retrieval.documents.{i}.document.id")], id, "{retrieval:#}");
        assert_eq!(retrieval["attributes"][format!("retrieval.documents.{i}.document.score")], score);
    }
    // Guards: GUARDRAIL spans, the question they checked as their input, the decision kept.
    let guards: Vec<&Value> = spans.iter().filter(|s| s["name"] == "run_guardrail travel_only").collect();
    assert_eq!(guards.len(), 2, "{spans:#?}");
    let rag_request = spans.iter().find(|s| s["name"] == "rag_request").expect("the guarded request");
    for g in &guards {
        assert_eq!(g["span_kind"], "GUARDRAIL", "{g:#}");
        assert_eq!(g["parent_id"], rag_request["context"]["span_id"]);
    }
    let by_input = |q: &str| {
        *guards.iter().find(|g| attr_str(g, "input.value").as_deref() == Some(q)).unwrap_or_else(|| panic!("no guard span with input {q}: {guards:#?}"))
    };
    assert_eq!(attr_str(by_input("what to pack for rain?"), "gen_ai.guardrail.result.type").as_deref(), Some("allow"));
    let blocked = by_input("write my tax return");
    assert_eq!(attr_str(blocked, "gen_ai.guardrail.result.type").as_deref(), Some("block"), "{blocked:#}");
    assert_eq!(attr_str(blocked, "gen_ai.guardrail.result.reason").as_deref(), Some("not about travel"));
    assert_eq!(attr_str(blocked, "gen_ai.guardrail.risk.category").as_deref(), Some("off_topic"));
    // The late evaluation: an EVALUATOR span under the evaluated span, carrying the event.
    assert_eq!(evaluation["span_kind"], "EVALUATOR", "{evaluation:#}");
    let rag_request = spans.iter().find(|s| s["name"] == "rag_request").expect("the evaluated span");
    assert_eq!(evaluation["parent_id"], rag_request["context"]["span_id"]);
    let events = evaluation["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["name"] == "gen_ai.evaluation.result" && e["attributes"]["gen_ai.evaluation.score.value"] == 0.88), "{evaluation:#}");

    // Attribution, as Phoenix shows it (the retrieval run has none): the session (over the conversation id), the user, the
    // tags and the metadata on every span of the attributed run.
    let attributed: Vec<&Value> = spans.iter().filter(|s| attr_str(s, "session.id").as_deref() == Some("sess-attributed")).collect();
    let names: Vec<&str> = attributed.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(attributed.len(), 3, "agent, tool and chat carry the session: {names:?}");
    for s in &attributed {
        assert_eq!(attr_str(s, "user.id").as_deref(), Some("user-7"), "{s:#}");
        let tags = attr(s, "tag.tags").unwrap_or_else(|| panic!("tag.tags: {s:#}"));
        assert_eq!(tags, &json!(["beta", "eu"]), "{s:#}");
        // Phoenix parses the `metadata` JSON and its REST API shows it flattened.
        assert_eq!(s["attributes"]["metadata.app.feature"], "packing", "{s:#}");
    }
    // Phoenix's sessions view: the attributed session exists (GraphQL).
    let query = json!({ "query": "{ projects { edges { node { name sessions(first: 100) { edges { node { sessionId numTraces } } } } } } }" });
    let sessions = poll(Duration::from_secs(30), "the attributed session", || {
        let (status, body) = http(addr, "POST", "/graphql", Some(&query)).ok()?;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).ok()?;
        assert!(v["errors"].is_null(), "{body}");
        let ids: Vec<String> = v["data"]["projects"]["edges"]
            .as_array()?
            .iter()
            .flat_map(|p| p["node"]["sessions"]["edges"].as_array().cloned().unwrap_or_default())
            .filter_map(|s| s["node"]["sessionId"].as_str().map(str::to_owned))
            .collect();
        ids.contains(&"sess-attributed".to_owned()).then_some(ids)
    });
    assert!(sessions.contains(&"conv-capture-on".to_owned()), "{sessions:?}");

    for conversation in ["conv-capture-on", "conv-capture-off"] {
        let on = conversation == "conv-capture-on";
        let agent = by_conversation(&spans, conversation, "invoke_agent packing_assistant");
        let chat = by_conversation(&spans, conversation, "chat gpt-4o");
        let tool = by_conversation(&spans, conversation, "execute_tool get_weather");
        assert_eq!(agent["span_kind"], "AGENT");
        assert_eq!(chat["span_kind"], "LLM");
        assert_eq!(tool["span_kind"], "TOOL");
        assert_eq!(attr_str(agent, "session.id").as_deref(), Some(conversation), "the session from conversation_id");

        // Model and tokens, cache included (Phoenix's own translation of gen_ai.*).
        assert_eq!(attr_str(chat, "llm.model_name").as_deref(), Some("gpt-4o"));
        assert_eq!(attr_i64(chat, "llm.token_count.prompt"), Some(107));
        assert_eq!(attr_i64(chat, "llm.token_count.completion"), Some(42));
        assert_eq!(attr_i64(chat, "llm.token_count.prompt_details.cache_read"), Some(100));
        // The cost Phoenix computes from its own price table (gpt-4o is in it).
        let c = cost(addr, chat["id"].as_str().unwrap());
        assert!(c > 0.0, "Phoenix's cost of the chat span: {c}");

        // The tool's parameters (Phoenix) and its Input / Output (the dialect).
        assert_eq!(attr_str(tool, "tool.name").as_deref(), Some("get_weather"));
        if on {
            // Phoenix parses the JSON and stores it flattened (`tool.parameters.city`).
            let params = attr_str(tool, "tool.parameters.city").or_else(|| attr_str(tool, "tool.parameters"));
            assert!(params.as_deref().is_some_and(|p| p == "Paris" || p.contains("Paris")), "tool.parameters: {tool:#}");
            let input: Value = serde_json::from_str(&attr_str(tool, "input.value").expect("tool input.value")).unwrap();
            assert_eq!(input, json!({"city": "Paris"}));
            assert_eq!(attr_str(tool, "input.mime_type").as_deref(), Some("application/json"));
            let output: Value = serde_json::from_str(&attr_str(tool, "output.value").expect("tool output.value")).unwrap();
            assert_eq!(output, json!({"temp_c": 18, "sky": "rain"}));
        } else {
            assert_eq!(attr(tool, "input.value"), None, "no content with capture off");
            assert!(attr(tool, "tool.parameters").is_none() && attr(tool, "tool.parameters.city").is_none());
        }

        // The chat's messages: shown only with capture on. (Phoenix keeps a message list only if
        // every item matches the v1.41 JSON schema.)
        let role = |dir: &str| {
            attr_str(chat, &format!("llm.{dir}_messages.0.message.role"))
                .or_else(|| attr(chat, &format!("llm.{dir}_messages")).and_then(|m| m.get(0)).and_then(|m| m["message"]["role"].as_str()).map(str::to_owned))
        };
        let content = |dir: &str| {
            attr_str(chat, &format!("llm.{dir}_messages.0.message.content"))
                .or_else(|| attr(chat, &format!("llm.{dir}_messages")).and_then(|m| m.get(0)).and_then(|m| m["message"]["content"].as_str()).map(str::to_owned))
        };
        if on {
            assert_eq!(role("input").as_deref(), Some("user"), "{chat:#}");
            assert_eq!(content("input").as_deref(), Some("What should I pack for Paris?"));
            // Phoenix keeps the output list only if every item matches the v1.41 schema
            // (`finish_reason` included): it shows.
            assert_eq!(role("output").as_deref(), Some("assistant"), "{chat:#}");
            assert_eq!(content("output").as_deref(), Some("Pack an umbrella."));
        } else {
            assert_eq!(attr(chat, "llm.input_messages"), None, "{chat:#}");
            assert_eq!(attr(chat, "llm.output_messages"), None);
        }

        // The agent's Input / Output: its parameters and its answer (capture on only).
        if on {
            let input = attr_str(agent, "input.value").expect("agent input.value");
            assert!(input.contains("What should I pack for Paris?"), "{input}");
            assert_eq!(attr_str(agent, "output.value").as_deref(), Some("Pack an umbrella."), "{agent:#}");
        } else {
            assert_eq!(attr(agent, "input.value"), None);
            assert_eq!(attr(agent, "output.value"), None);
        }
    }
}

#[test]
fn phoenix_shows_the_agent_as_its_users_would_see_it() {
    let inside = std::env::var_os(INSIDE).is_some();
    if !inside && Command::new("unshare").args(["-n", "true"]).status().is_ok_and(|s| s.success()) {
        // Re-run this very test in a new network namespace: Phoenix, the exporter and the client
        // all inside, nothing reachable from outside.
        let exe = std::env::current_exe().unwrap();
        let status = Command::new("unshare")
            .arg("-n")
            .arg("--")
            .arg(exe)
            .args(["phoenix_shows_the_agent_as_its_users_would_see_it", "--exact", "--nocapture", "--test-threads=1"])
            .env(INSIDE, "1")
            .status()
            .unwrap();
        assert!(status.success(), "the test inside the network namespace failed ({status}): see its output above");
        return;
    }
    if inside {
        let up = Command::new("ip").args(["link", "set", "lo", "up"]).status();
        assert!(up.is_ok_and(|s| s.success()), "cannot bring up loopback in the network namespace");
    } else {
        eprintln!("`unshare -n` is not permitted here: running Phoenix on the host's loopback (its gRPC port listens on all interfaces meanwhile)");
    }
    let bin = find_phoenix();
    let started = Instant::now();
    let mut phoenix = start_phoenix(&bin);
    phoenix.wait_ready("/healthz");
    eprintln!("phoenix ready after {:?}", started.elapsed());
    let checks = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&phoenix)));
    if result.is_err() {
        eprintln!("---- phoenix log ----\n{}", phoenix.log());
    }
    eprintln!("export and checks took {:?}", checks.elapsed());
    drop(phoenix);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

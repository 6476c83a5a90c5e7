//! Across services: two real HTTP services on loopback, an axum "agent" service whose
//! `#[genai_agent]` calls a "tool" service over reqwest (`SendTraced`), the tool service behind
//! the tower `ServerLayer` running a `#[genai_tool]`. One trace; the tool service's server span
//! is the child of the agent's client call; attribution crosses only when both sides allow it;
//! malformed headers start a fresh trace.

mod common;

use std::net::SocketAddr;

use axum::extract::{Path, RawQuery};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::*;
use genai_o11y::attribution::Attribution;
use genai_o11y::propagation::{SendTraced, ServerLayer};
use genai_o11y::testing::TestTelemetry;
use genai_o11y::{genai_agent, genai_span, genai_tool, Usage};
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SpanData;
use tracing::Instrument;

#[genai_tool]
async fn get_weather(city: String) -> Result<String, ApiError> {
    tokio::task::yield_now().await;
    Ok(format!("sunny in {city}"))
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn summarize(text: &str) -> Result<Usage, ApiError> {
    let _ = text;
    Ok(Usage::new().input(20).output(5))
}

/// The tool service: `POST /tools/{name}` runs the tool; `GET /boom` answers 500.
async fn tool_service(accept_baggage: bool) -> SocketAddr {
    async fn run(Path(name): Path<String>, body: String) -> Json<String> {
        assert_eq!(name, "get_weather");
        Json(get_weather(body).await.unwrap())
    }
    let app = Router::new()
        .route("/tools/{name}", post(run))
        .route("/boom", get(|| async { (http::StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
        .route_layer(ServerLayer::new().accept_baggage(accept_baggage));
    serve(app).await
}

#[genai_agent(name = "planner")]
async fn planner(tools: SocketAddr, city: String) -> Result<String, ApiError> {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let weather = client.post(format!("http://{tools}/tools/get_weather")).body(city).send_traced().await.unwrap();
    assert!(weather.status().is_success());
    let weather: String = weather.json().await.unwrap();
    summarize(&weather).await?;
    Ok(weather)
}

/// The agent service: `GET /ask?tools=..&session=..&propagate=..` runs the agent in an
/// attribution scope.
async fn agent_service() -> SocketAddr {
    async fn ask(RawQuery(q): RawQuery) -> String {
        let q = q.unwrap();
        let param = |k: &str| q.split('&').find_map(|kv| kv.strip_prefix(&format!("{k}="))).unwrap().to_owned();
        let tools: SocketAddr = param("tools").parse().unwrap();
        Attribution::new()
            .session_id(param("session"))
            .user_id("u-7")
            .metadata("app.feature", "weather")
            .propagate(param("propagate") == "true")
            .scope(planner(tools, "Paris".into()))
            .await
            .unwrap()
    }
    serve(Router::new().route("/ask", get(ask)).route_layer(ServerLayer::new())).await
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn install_w3c_propagators() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The spans of one trace, by name (each name once).
struct Trace(Vec<SpanData>);

impl Trace {
    fn of(t: &TestTelemetry, root: &str) -> Trace {
        let spans = t.spans();
        let root = spans.iter().find(|s| s.name == root).unwrap_or_else(|| panic!("no {root}: {:?}", t.span_names()));
        let id = root.span_context.trace_id();
        Trace(spans.iter().filter(|s| s.span_context.trace_id() == id).cloned().collect())
    }
    fn get(&self, name: &str) -> &SpanData {
        let found: Vec<&SpanData> = self.0.iter().filter(|s| s.name == name).collect();
        assert_eq!(found.len(), 1, "{name} in {:?}", self.0.iter().map(|s| s.name.as_ref()).collect::<Vec<_>>());
        found[0]
    }
}

#[tokio::test]
async fn one_trace_across_two_services_and_attribution_only_when_allowed() {
    install_w3c_propagators();
    let t = TestTelemetry::new();
    let tools_accepting = tool_service(true).await;
    let tools_refusing = tool_service(false).await;
    let agent = agent_service().await;

    for (case, tools, propagate, arrives) in
        [("quiet", tools_accepting, false, false), ("loud", tools_accepting, true, true), ("refused", tools_refusing, true, false)]
    {
        t.reset_spans();
        let url = format!("http://{agent}/ask?tools={tools}&session=s-{case}&propagate={propagate}");
        let answer = client().get(url).send_traced().instrument(tracing::info_span!("test_client")).await.unwrap().text().await.unwrap();
        assert_eq!(answer, "sunny in Paris");

        let trace = Trace::of(&t, "test_client");
        let names: Vec<&str> = trace.0.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(trace.0.len(), 8, "{case}: {names:?}");
        let test_client = trace.get("test_client");
        let agent_server = trace.get("GET /ask");
        let planner = trace.get("invoke_agent planner");
        let tool_server = trace.get("POST /tools/{name}");
        let tool = trace.get("execute_tool get_weather");
        let chat = trace.get("chat gpt-4o");
        let client_calls: Vec<&SpanData> = trace.0.iter().filter(|s| s.name == "GET" || s.name == "POST").collect();
        let (to_agent, to_tools) = match client_calls.as_slice() {
            [a, b] if a.name == "GET" => (*a, *b),
            [b, a] => (*a, *b),
            other => panic!("{other:?}"),
        };

        // The tree: test_client → GET (client) → GET /ask (server) → invoke_agent → POST (client)
        // → POST /tools/{name} (server) → execute_tool; the chat under the agent.
        assert!(is_child_of(to_agent, test_client));
        assert!(is_child_of(agent_server, to_agent), "{case}: the agent service continues the caller's trace");
        assert!(is_child_of(planner, agent_server));
        assert!(is_child_of(to_tools, planner));
        assert!(is_child_of(tool_server, to_tools), "{case}: the tool service's server span is the child of the agent's client call");
        assert!(is_child_of(tool, tool_server));
        assert!(is_child_of(chat, planner));
        assert!(tool_server.parent_span_is_remote && agent_server.parent_span_is_remote);

        // HTTP semantic conventions.
        assert_eq!(tool_server.span_kind, SpanKind::Server);
        assert_eq!(to_tools.span_kind, SpanKind::Client);
        assert_eq!(string_attr(tool_server, "http.request.method").as_deref(), Some("POST"));
        assert_eq!(string_attr(tool_server, "http.route").as_deref(), Some("/tools/{name}"));
        assert_eq!(string_attr(tool_server, "url.path").as_deref(), Some("/tools/get_weather"));
        assert_eq!(string_attr(tool_server, "url.scheme").as_deref(), Some("http"));
        assert_eq!(string_attr(tool_server, "network.protocol.version").as_deref(), Some("1.1"));
        assert_eq!(int_attr(tool_server, "http.response.status_code"), Some(200));
        assert_eq!(tool_server.status, Status::Unset);
        assert_eq!(string_attr(to_tools, "http.request.method").as_deref(), Some("POST"));
        assert_eq!(string_attr(to_tools, "server.address").as_deref(), Some("127.0.0.1"));
        assert_eq!(int_attr(to_tools, "server.port"), Some(i64::from(tools.port())));
        assert_eq!(string_attr(to_tools, "url.full"), Some(format!("http://{tools}/tools/get_weather")));
        assert_eq!(int_attr(to_tools, "http.response.status_code"), Some(200));

        // Attribution: in the agent service always; in the tool service only when propagated and
        // accepted.
        let session = format!("s-{case}");
        for s in [planner, to_tools, chat] {
            assert_eq!(string_attr(s, "session.id").as_deref(), Some(session.as_str()), "{case}: {}", s.name);
            assert_eq!(string_attr(s, "user.id").as_deref(), Some("u-7"));
        }
        for s in [tool_server, tool] {
            let expected = arrives.then(|| session.clone());
            assert_eq!(string_attr(s, "session.id"), expected, "{case}: {}", s.name);
            assert_eq!(string_attr(s, "user.id"), arrives.then(|| "u-7".to_owned()), "{case}: {}", s.name);
            assert_eq!(string_attr(s, "app.feature"), arrives.then(|| "weather".to_owned()), "{case}: {}", s.name);
        }
    }
}

#[tokio::test]
async fn malformed_or_oversized_headers_start_a_fresh_trace_without_error() {
    install_w3c_propagators();
    let t = TestTelemetry::new();
    let tools = tool_service(true).await;
    let long = "a".repeat(9000);
    let bad: Vec<(&str, String)> = vec![
        ("traceparent", "00-not-a-trace-id-01".into()),
        ("traceparent", "00-00000000000000000000000000000000-0000000000000000-01".into()),
        ("traceparent", format!("00-{}-00f067aa0ba902b7-01", "f".repeat(5000))),
        ("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
        ("baggage", format!("session.id={long}")),
        ("baggage", "session.id".into()),
        ("baggage", ";;;==,,%%%".into()),
    ];
    let mut trace_ids = Vec::new();
    for (header, value) in &bad {
        t.reset_spans();
        let resp = client().post(format!("http://{tools}/tools/get_weather")).header(*header, value).body("Oslo").send().await.unwrap();
        assert_eq!(resp.status(), 200, "{header}: {value:.40}");
        assert_eq!(resp.text().await.unwrap(), "\"sunny in Oslo\"");
        let server = t.span("POST /tools/{name}");
        assert_eq!(server.parent_span_id, SpanId::INVALID, "{header}: {value:.40} must start a fresh trace");
        assert_eq!(string_attr(&server, "session.id"), None, "{header}: {value:.40}");
        assert!(is_child_of(&t.span("execute_tool get_weather"), &server));
        trace_ids.push(server.span_context.trace_id());
    }
    trace_ids.dedup();
    assert_eq!(trace_ids.len(), bad.len(), "each request its own trace");

    // A 5xx answer is an error of the server span.
    t.reset_spans();
    let resp = client().get(format!("http://{tools}/boom")).send_traced().await.unwrap();
    assert_eq!(resp.status(), 500);
    let server = t.span("GET /boom");
    assert_eq!(int_attr(&server, "http.response.status_code"), Some(500));
    assert_eq!(string_attr(&server, "error.type").as_deref(), Some("500"));
    assert!(matches!(server.status, Status::Error { .. }));
    let client_span = t.span("GET");
    assert_eq!(string_attr(&client_span, "error.type").as_deref(), Some("500"));
    assert!(is_child_of(&server, &client_span));

    // A refused connection: the client span says so, the error is returned unchanged.
    t.reset_spans();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let err = client().get(format!("http://{closed}/x")).send_traced().await.unwrap_err();
    assert!(err.is_connect());
    assert_eq!(string_attr(&t.span("GET"), "error.type").as_deref(), Some("connect"));
}

/// Two services in one process (a demo, a test): the console prints the request as one tree,
/// the called service's server span under the client call, and names the trace.
#[tokio::test]
async fn the_console_prints_two_services_in_one_process_as_one_tree() {
    let out = Buf::default();
    let guard =
        genai_o11y::init().env_source(|_| None).console_output(out.clone()).log_format(genai_o11y::setup::LogFormat::Off).install_thread_local().unwrap();
    let tools = tool_service(false).await;
    let agent = agent_service().await;
    let url = format!("http://{agent}/ask?tools={tools}&session=s-console&propagate=false");
    client().get(url).send_traced().instrument(tracing::info_span!("test_client")).await.unwrap().text().await.unwrap();
    guard.flush();
    let text = out.text();
    let trees: Vec<&str> = text.lines().filter(|l| l.contains("· trace ")).collect();
    assert_eq!(trees.len(), 1, "one tree:\n{text}");
    assert!(trees[0].starts_with("test_client [Internal]"), "{text}");
    let depth = |name: &str| {
        let line = text.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("{name} in\n{text}"));
        (line.len() - line.trim_start().len()) / 2
    };
    assert_eq!(depth("GET /ask [Server]"), 2, "{text}");
    assert_eq!(depth("invoke_agent planner"), 3, "{text}");
    assert_eq!(depth("POST /tools/{name} [Server]"), 5, "{text}");
    assert_eq!(depth("execute_tool get_weather"), 6, "{text}");
    drop(guard);
}

/// A tonic client with the interceptor sends the current span's context in its metadata (to the
/// real gRPC OTLP receiver, which records every request's metadata).
#[tokio::test]
async fn the_tonic_interceptor_sends_the_current_context() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    install_w3c_propagators();
    let t = TestTelemetry::new();
    let receiver = genai_o11y_tests::otlp_receiver::Receiver::start();
    let channel = tonic::transport::Channel::from_shared(receiver.endpoint()).unwrap().connect().await.unwrap();
    let mut client = TraceServiceClient::with_interceptor(channel, genai_o11y::propagation::tonic_interceptor);
    Attribution::new()
        .session_id("s-grpc")
        .propagate(true)
        .scope(async { client.export(ExportTraceServiceRequest::default()).await.unwrap() })
        .instrument(tracing::info_span!("grpc_call"))
        .await;
    let span = t.span("grpc_call");
    let request = receiver.requests().into_iter().last().unwrap();
    let traceparent = request.header("traceparent").expect("traceparent in the metadata");
    assert_eq!(traceparent, format!("00-{}-{}-01", span.span_context.trace_id(), span.span_context.span_id()));
    assert_eq!(request.header("baggage"), Some("session.id=s-grpc"));
    receiver.shutdown();
}

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

/// A data point of a histogram: its attributes (sorted), count and sum.
type Point = (Vec<(String, String)>, u64, f64);

/// The attributes of every point of an HTTP duration metric, sorted, after checking its unit
/// and the conventions' buckets.
fn http_points(t: &TestTelemetry, metric: &str) -> Vec<Point> {
    assert_eq!(t.metric(metric).unwrap_or_else(|| panic!("{metric} in {:?}", t.metric_names())).unit, "s");
    let mut points: Vec<Point> = t
        .f64_histogram(metric)
        .iter()
        .map(|p| {
            assert_eq!(p.bounds().collect::<Vec<_>>(), genai_o11y::semconv::http::DURATION_BUCKETS, "{metric}: the conventions' buckets");
            assert_eq!(p.bounds().collect::<Vec<_>>(), [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0]);
            (genai_o11y::testing::point_attrs(p.attributes()), p.count(), p.sum())
        })
        .collect();
    points.sort_by(|a, b| a.0.cmp(&b.0));
    points
}

fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    v.sort();
    v
}

/// `send_traced` records `http.client.request.duration` and `ServerLayer`
/// `http.server.request.duration`, with the conventions' attributes (no more: no url.full, no
/// attribution), buckets and `error.type` (4xx and 5xx on the client, 5xx only on the server, a
/// refused connection), as long as the spans they time.
#[tokio::test]
async fn both_ends_record_the_http_duration_metrics() {
    install_w3c_propagators();
    let t = TestTelemetry::new();
    let tools = tool_service(false).await;
    let limited =
        serve(Router::new().route("/limited", get(|| async { (http::StatusCode::TOO_MANY_REQUESTS, "slow down") })).route_layer(ServerLayer::new())).await;
    let port = |a: SocketAddr| a.port().to_string();

    // Two successes, a 500, a 429 and a refused connection, inside an attribution scope (whose
    // metadata must not reach the HTTP metrics).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    Attribution::new()
        .metadata("app.feature", "weather")
        .scope(async {
            for city in ["Paris", "Oslo"] {
                let r = client().post(format!("http://{tools}/tools/get_weather?units=metric")).body(city).send_traced().await.unwrap();
                assert_eq!(r.status(), 200);
            }
            assert_eq!(client().get(format!("http://{tools}/boom")).send_traced().await.unwrap().status(), 500);
            assert_eq!(client().get(format!("http://{limited}/limited")).send_traced().await.unwrap().status(), 429);
            assert!(client().get(format!("http://{closed}/x")).send_traced().await.unwrap_err().is_connect());
        })
        .await;

    let client_points = http_points(&t, "http.client.request.duration");
    let attrs: Vec<&Vec<(String, String)>> = client_points.iter().map(|p| &p.0).collect();
    let to = |addr: SocketAddr, method: &str, rest: &[(&str, &str)]| {
        let p = port(addr);
        let mut v = vec![("http.request.method", method), ("server.address", "127.0.0.1"), ("server.port", p.as_str())];
        v.extend_from_slice(rest);
        kv(&v)
    };
    let ok = [("http.response.status_code", "200"), ("network.protocol.version", "1.1")];
    let want = [
        to(tools, "POST", &ok),
        to(tools, "GET", &[("http.response.status_code", "500"), ("error.type", "500"), ("network.protocol.version", "1.1")]),
        to(limited, "GET", &[("http.response.status_code", "429"), ("error.type", "429"), ("network.protocol.version", "1.1")]),
        to(closed, "GET", &[("error.type", "connect")]),
    ];
    for w in &want {
        assert!(attrs.contains(&w), "client point {w:?} in {attrs:?}");
    }
    assert_eq!(client_points.len(), want.len(), "{attrs:?}");
    let posts = client_points.iter().find(|p| p.0 == want[0]).unwrap();
    assert_eq!(posts.1, 2, "one series for both successful calls (no url, no query, no attribution)");

    let server_points = http_points(&t, "http.server.request.duration");
    let attrs: Vec<&Vec<(String, String)>> = server_points.iter().map(|p| &p.0).collect();
    let served = |method: &str, route: &str, rest: &[(&str, &str)]| {
        let mut v = vec![("http.request.method", method), ("url.scheme", "http"), ("http.route", route), ("network.protocol.version", "1.1")];
        v.extend_from_slice(rest);
        kv(&v)
    };
    let want = [
        served("POST", "/tools/{name}", &[("http.response.status_code", "200")]),
        served("GET", "/boom", &[("http.response.status_code", "500"), ("error.type", "500")]),
        served("GET", "/limited", &[("http.response.status_code", "429")]), // a 4xx is the client's error, not the server's
    ];
    for w in &want {
        assert!(attrs.contains(&w), "server point {w:?} in {attrs:?}");
    }
    assert_eq!(server_points.len(), want.len(), "{attrs:?}");
    assert_eq!(server_points.iter().find(|p| p.0 == want[0]).unwrap().1, 2);

    // Each measurement lies within the span it times: the client's within its CLIENT span, the
    // server's within its SERVER span (which is inside the client's).
    let seconds = |s: &SpanData| s.end_time.duration_since(s.start_time).unwrap().as_secs_f64();
    let spans = t.spans();
    let client_spans: f64 = spans.iter().filter(|s| s.name == "POST").map(seconds).sum();
    let server_spans: f64 = spans.iter().filter(|s| s.name == "POST /tools/{name}").map(seconds).sum();
    let (client_sum, server_sum) = (posts.2, server_points.iter().find(|p| p.0 == want[0]).unwrap().2);
    // (50 µs of slack: spans read the wall clock, the metrics a monotonic one.)
    let slack = 50e-6;
    assert!(server_sum > 0.0 && server_sum <= server_spans + slack, "server {server_sum} within its spans {server_spans}");
    assert!(
        client_sum >= server_sum && client_sum <= client_spans + slack,
        "client {client_sum} within its spans {client_spans}, above the server's {server_sum}"
    );
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

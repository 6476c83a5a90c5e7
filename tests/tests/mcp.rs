//! MCP with the official SDK (`rmcp`) over a real transport: this test is the client, a child
//! process (`src/bin/mcp_tool_server.rs`, over stdio, with the default setup) the server. One
//! trace across the two processes, the trace context carried in `params._meta`; tool errors and
//! JSON-RPC errors as `error.type`; MCP attributes on an outer `#[genai_tool]` span instead of a
//! second span; the negotiated protocol version everywhere; only the server's meaningful spans
//! exported (over OTLP to a real receiver); the client's baggage applied only when the server
//! accepts it; and nothing but JSON-RPC on the server's stdout, its telemetry on stderr.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use genai_o11y::attribution::Attribution;
use genai_o11y::genai_tool;
use genai_o11y::mcp;
use genai_o11y::testing::{point_attrs, TestTelemetry};
use genai_o11y_tests::otlp_receiver::{ReceivedSpan, Receiver};
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SpanData;
use rmcp::model::{CallToolRequestParams, ClientConfig, JsonObject, ProtocolVersion};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{Peer, Service, ServiceExt};
use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

const SERVER: &str = env!("CARGO_BIN_EXE_mcp_tool_server");

fn args(city: &str) -> JsonObject {
    let mut m = JsonObject::new();
    m.insert("city".into(), serde_json::Value::String(city.into()));
    m
}

fn weather(city: &str) -> CallToolRequestParams {
    CallToolRequestParams::new("get_weather").with_arguments(args(city))
}

/// The propagators `init()` installs (this process has no pipeline of its own).
fn w3c_propagators() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

/// A server child process exporting over OTLP/HTTP to `receiver` as `service`, and this process
/// as its client, `client`. Its log lines (stderr) are dropped.
async fn otlp_server<C: Service<RoleClient>>(receiver: &Receiver, service: &str, env: &[(&str, &str)], client: C) -> RunningService<RoleClient, C> {
    let endpoint = receiver.endpoint();
    let command = tokio::process::Command::new(SERVER).configure(|c| {
        c.env_clear()
            .env("OTEL_SERVICE_NAME", service)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .env("OTEL_BSP_SCHEDULE_DELAY", "50")
            .envs(env.iter().copied());
    });
    let (transport, _) = TokioChildProcess::builder(command).stderr(Stdio::null()).spawn().unwrap();
    client.serve(transport).await.unwrap()
}

/// A tool of the agent that is implemented by the MCP server.
#[genai_tool]
async fn remote_weather(peer: &Peer<RoleClient>, city: &str) -> Result<String, ApiError> {
    let r = mcp::call_tool(peer, weather(city)).await.map_err(|_| ApiError::Timeout)?;
    Ok(format!("{:?}", r.content))
}

fn hex(span: &SpanData) -> (String, String) {
    (span.span_context.trace_id().to_string(), span.span_context.span_id().to_string())
}

fn server_span<'a>(spans: &'a [ReceivedSpan], trace_id: &str, name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.trace_id == trace_id && s.name == name)
        .unwrap_or_else(|| panic!("no {name} in trace {trace_id}: {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>()))
}

#[tokio::test]
async fn one_trace_from_an_mcp_client_to_an_mcp_server_in_another_process() {
    w3c_propagators();
    let receiver = Receiver::start();
    let t = TestTelemetry::new();
    let client = otlp_server(&receiver, "mcp-tool-server", &[], ()).await;
    let peer = client.peer().clone();

    // 1. A plain call; 2. the tool fails (`isError`); 3. an unknown tool (a JSON-RPC error);
    // 4. inside a `#[genai_tool]`: no second client span.
    let ok = mcp::call_tool(&peer, weather("Paris")).instrument(tracing::info_span!("turn_ok")).await.unwrap();
    assert_eq!(ok.is_error, Some(false));
    let failed = mcp::call_tool(&peer, weather("Atlantis")).instrument(tracing::info_span!("turn_failed")).await.unwrap();
    assert_eq!(failed.is_error, Some(true));
    let unknown = mcp::call_tool(&peer, CallToolRequestParams::new("get_stock")).instrument(tracing::info_span!("turn_unknown")).await;
    assert!(unknown.is_err());
    remote_weather(&peer, "Oslo").instrument(tracing::info_span!("turn_tool")).await.unwrap();
    // The version the server answered on the wire.
    let negotiated = peer.peer_info().unwrap().protocol_version.to_string();
    // Closes the server's stdin and waits for it to exit: everything it exports is sent by then.
    client.cancel().await.unwrap();

    // The server's spans: initialize, 4 tools/call spans, 3 tool executions (the unknown tool
    // has none). Nothing else: not rmcp's session-long `serve_inner`.
    assert!(receiver.wait_for_spans(8, Duration::from_secs(20)).await, "server spans: {:?}", receiver.spans().iter().map(|s| &s.name).collect::<Vec<_>>());
    let server = receiver.spans();
    let mut names: Vec<&str> = server.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "execute_tool get_weather",
            "execute_tool get_weather",
            "execute_tool get_weather",
            "initialize",
            "tools/call get_stock",
            "tools/call get_weather",
            "tools/call get_weather",
            "tools/call get_weather"
        ],
        "only the spans that mean something to the operator"
    );
    let spans = t.spans();
    let turn = |name: &str| spans.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name}"));

    for (turn_name, error) in [("turn_ok", None), ("turn_failed", Some("tool_error")), ("turn_unknown", Some("-32602"))] {
        let turn_span = turn(turn_name);
        let client_span = spans
            .iter()
            .find(|s| s.name.starts_with("tools/call ") && s.parent_span_id == turn_span.span_context.span_id())
            .unwrap_or_else(|| panic!("{turn_name}: no client span"));
        assert_eq!(client_span.span_kind, SpanKind::Client);
        assert_eq!(string_attr(client_span, "mcp.method.name").as_deref(), Some("tools/call"));
        assert_eq!(string_attr(client_span, "gen_ai.operation.name").as_deref(), Some("execute_tool"));
        assert_eq!(string_attr(client_span, "mcp.protocol.version").as_deref(), Some(negotiated.as_str()), "{turn_name}");
        assert_eq!(string_attr(client_span, "error.type").as_deref(), error, "{turn_name}");
        // The JSON-RPC error code of an error response (not of a tool's `isError` result).
        let code = error.filter(|e| e.starts_with('-'));
        assert_eq!(string_attr(client_span, "rpc.response.status_code").as_deref(), code, "{turn_name}");
        let (trace_id, client_id) = hex(client_span);
        let tool = client_span.name.strip_prefix("tools/call ").unwrap();
        let server_call = server_span(&server, &trace_id, &format!("tools/call {tool}"));
        assert_eq!(server_call.kind, genai_o11y_tests::otlp_receiver::SpanKind::Server, "{turn_name}");
        assert_eq!(server_call.parent_span_id.as_deref(), Some(client_id.as_str()), "{turn_name}: the server span continues the client's trace");
        assert_eq!(server_call.attr_str("mcp.method.name").as_deref(), Some("tools/call"));
        assert_eq!(server_call.attr_str("gen_ai.tool.name").as_deref(), Some(tool));
        assert!(server_call.attr("jsonrpc.request.id").is_some(), "{turn_name}");
        // v1.41 mode (the server's default): every JSON-RPC error code is an error.
        assert_eq!(server_call.attr_str("error.type").as_deref(), error, "{turn_name}");
        assert_eq!(server_call.attr_str("rpc.response.status_code").as_deref(), code, "{turn_name}");
        if tool == "get_weather" {
            let execution = server_span(&server, &trace_id, "execute_tool get_weather");
            assert!(execution.is_child_of(server_call), "{turn_name}: the tool runs under the server span");
        }
    }

    // Inside a `#[genai_tool]`: the MCP attributes on that span, no client span of its own.
    let tool_span = t.span("execute_tool remote_weather");
    assert_eq!(string_attr(&tool_span, "mcp.method.name").as_deref(), Some("tools/call"));
    assert_eq!(string_attr(&tool_span, "mcp.protocol.version").as_deref(), Some(negotiated.as_str()));
    assert!(!spans.iter().any(|s| s.name.starts_with("tools/call ") && s.parent_span_id == tool_span.span_context.span_id()));
    let (trace_id, tool_id) = hex(&tool_span);
    assert_eq!(server_span(&server, &trace_id, "tools/call get_weather").parent_span_id.as_deref(), Some(tool_id.as_str()));

    // mcp.client.operation.duration per tool and outcome, with the negotiated version and the
    // JSON-RPC error code.
    let mut points: Vec<Vec<(String, String)>> = t.f64_histogram("mcp.client.operation.duration").iter().map(|p| point_attrs(p.attributes())).collect();
    points.sort();
    let p = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    let v = negotiated.as_str();
    assert_eq!(
        points,
        [
            p(&[
                ("error.type", "-32602"),
                ("gen_ai.operation.name", "execute_tool"),
                ("gen_ai.tool.name", "get_stock"),
                ("mcp.method.name", "tools/call"),
                ("mcp.protocol.version", v),
                ("rpc.response.status_code", "-32602")
            ]),
            p(&[
                ("error.type", "tool_error"),
                ("gen_ai.operation.name", "execute_tool"),
                ("gen_ai.tool.name", "get_weather"),
                ("mcp.method.name", "tools/call"),
                ("mcp.protocol.version", v)
            ]),
            p(&[
                ("gen_ai.operation.name", "execute_tool"),
                ("gen_ai.tool.name", "get_weather"),
                ("mcp.method.name", "tools/call"),
                ("mcp.protocol.version", v)
            ]),
        ]
    );
    receiver.shutdown();
}

#[tokio::test]
async fn every_span_records_the_negotiated_protocol_version() {
    w3c_propagators();
    let receiver = Receiver::start();
    let t = TestTelemetry::new();
    // The client's default is the latest revision, which has no `initialize` handshake: the
    // server answers with an older one. A client pinned to an older revision that the server
    // supports gets that one (which is not the server handler's own answer).
    let pinned = ClientConfig::default().with_protocol_version(ProtocolVersion::V_2025_06_18);
    let mut sessions = Vec::new();
    for (service, client) in [("latest", ClientConfig::default()), ("pinned", pinned)] {
        let requested = client.protocol_version.to_string();
        let client = otlp_server(&receiver, service, &[], client).await;
        // What the server answered on the wire.
        let negotiated = client.peer().peer_info().unwrap().protocol_version.to_string();
        mcp::call_tool(client.peer(), weather("Paris")).await.unwrap();
        client.cancel().await.unwrap();
        sessions.push((service, requested, negotiated));
    }
    assert_eq!(
        sessions.iter().map(|(s, r, n)| (*s, r.as_str(), n.as_str())).collect::<Vec<_>>(),
        [("latest", "2026-07-28", "2025-11-25"), ("pinned", "2025-06-18", "2025-06-18")]
    );
    // Per server: initialize, tools/call, execute_tool.
    assert!(receiver.wait_for_spans(6, Duration::from_secs(20)).await, "{:?}", receiver.spans().iter().map(|s| &s.name).collect::<Vec<_>>());
    let server = receiver.spans();
    let client_spans = t.spans();
    for (service, _, negotiated) in &sessions {
        let spans: Vec<&ReceivedSpan> = server.iter().filter(|s| s.resource_attr("service.name").and_then(|v| v.as_str()) == Some(*service)).collect();
        let mut methods = Vec::new();
        for s in spans.iter().filter(|s| s.kind == genai_o11y_tests::otlp_receiver::SpanKind::Server) {
            methods.push(s.attr_str("mcp.method.name").unwrap());
            assert_eq!(s.attr_str("mcp.protocol.version").as_deref(), Some(negotiated.as_str()), "{service}: {}", s.name);
        }
        methods.sort();
        assert_eq!(methods, ["initialize", "tools/call"], "{service}");
        let client_span = client_spans.iter().find(|c| spans.iter().any(|s| s.trace_id == c.span_context.trace_id().to_string())).unwrap();
        assert_eq!(string_attr(client_span, "mcp.protocol.version").as_deref(), Some(negotiated.as_str()), "{service}: the client span");
    }
    receiver.shutdown();
}

/// The latest conventions' status classification on the server: a request the server could not
/// serve (an unknown tool: `-32602`, invalid params) is not an error of the server; the client
/// counts every JSON-RPC error code as an error. Every request is timed on the server, by method.
#[tokio::test]
async fn the_latest_conventions_classify_json_rpc_codes_per_side() {
    w3c_propagators();
    let receiver = Receiver::start();
    let t = TestTelemetry::new();
    let client = otlp_server(&receiver, "latest", &[("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")], ()).await;
    let peer = client.peer().clone();
    let span = tracing::info_span!("turn");
    let unknown = mcp::call_tool(&peer, CallToolRequestParams::new("get_stock")).instrument(span.clone()).await;
    assert!(unknown.is_err());
    mcp::call_tool(&peer, weather("Paris")).await.unwrap();
    let trace_id = span.context().span().span_context().trace_id().to_string();
    // The server has no prompts or resources: `-32601` (method not found), the caller's mistake.
    assert!(peer.get_prompt(rmcp::model::GetPromptRequestParams::new("greeting")).await.is_err());
    assert!(peer.read_resource(rmcp::model::ReadResourceRequestParams::new("file:///notes.txt")).await.is_err());
    client.cancel().await.unwrap();

    // initialize, 2 tools/call, 1 execute_tool, prompts/get, resources/read.
    assert!(receiver.wait_for_spans(6, Duration::from_secs(20)).await, "{:?}", receiver.spans().iter().map(|s| &s.name).collect::<Vec<_>>());
    let server = receiver.spans();
    let served = server_span(&server, &trace_id, "tools/call get_stock");
    assert_eq!(served.attr_str("rpc.response.status_code").as_deref(), Some("-32602"));
    assert!(served.attr("error.type").is_none(), "-32602 is the caller's mistake, not the server's error");
    assert_ne!(served.status_code, genai_o11y_tests::otlp_receiver::StatusCode::Error);
    let client_span = t.spans().into_iter().find(|s| s.name == "tools/call get_stock").unwrap();
    assert_eq!(string_attr(&client_span, "rpc.response.status_code").as_deref(), Some("-32602"));
    assert_eq!(string_attr(&client_span, "error.type").as_deref(), Some("-32602"), "every code is an error on the client");
    // A prompt request is named after its prompt; a resource request carries its URI (not in
    // the name: high-cardinality).
    let prompt = server.iter().find(|s| s.name == "prompts/get greeting").expect("prompts/get greeting");
    assert_eq!(prompt.attr_str("gen_ai.prompt.name").as_deref(), Some("greeting"));
    assert_eq!(prompt.attr_str("mcp.method.name").as_deref(), Some("prompts/get"));
    let resource = server.iter().find(|s| s.name == "resources/read").expect("resources/read");
    assert_eq!(resource.attr_str("mcp.resource.uri").as_deref(), Some("file:///notes.txt"));
    for s in [prompt, resource] {
        assert_eq!(s.attr_str("rpc.response.status_code").as_deref(), Some("-32601"), "{}", s.name);
        assert!(s.attr("error.type").is_none(), "{}: method not found is not the server's error", s.name);
    }

    // The server's duration per request, whatever the method: initialize too.
    assert!(receiver.wait_for_metric("mcp.server.operation.duration", Duration::from_secs(20)).await);
    let mut points: Vec<Vec<(String, String)>> = receiver
        .metrics()
        .into_iter()
        .filter(|m| m.name == "mcp.server.operation.duration")
        .flat_map(|m| m.data_points)
        .map(|d| genai_o11y_tests::otlp_receiver::rendered(&d.attributes).into_iter().filter(|(k, _)| k != "mcp.protocol.version").collect())
        .collect();
    points.sort();
    points.dedup();
    let p = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert_eq!(
        points,
        [
            p(&[
                ("gen_ai.operation.name", "execute_tool"),
                ("gen_ai.tool.name", "get_stock"),
                ("mcp.method.name", "tools/call"),
                ("rpc.response.status_code", "-32602")
            ]),
            p(&[("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "get_weather"), ("mcp.method.name", "tools/call")]),
            p(&[("gen_ai.prompt.name", "greeting"), ("mcp.method.name", "prompts/get"), ("rpc.response.status_code", "-32601")]),
            p(&[("mcp.method.name", "initialize")]),
            p(&[("mcp.method.name", "resources/read"), ("rpc.response.status_code", "-32601")]),
        ]
    );
    receiver.shutdown();
}

/// The attribution keys a server span may carry.
const ATTRIBUTION: [&str; 4] = ["session.id", "user.id", "genai_o11y.tags", "app.feature"];

#[tokio::test]
async fn the_server_applies_the_clients_baggage_only_when_it_accepts_it() {
    w3c_propagators();
    let receiver = Receiver::start();
    let _t = TestTelemetry::new();
    let mut trace_ids = Vec::new();
    for (service, env) in [("refusing", &[][..]), ("accepting", &[("MCP_TEST_ACCEPT_BAGGAGE", "1")][..])] {
        let client = otlp_server(&receiver, service, env, ()).await;
        let peer = client.peer().clone();
        let span = tracing::info_span!("turn");
        let call = mcp::call_tool(&peer, weather("Paris")).instrument(span.clone());
        // The client's attribution asks to travel: it is sent as baggage in `params._meta`.
        Attribution::new().session_id("s-42").user_id("u-7").tags(["beta"]).metadata("app.feature", "weather").propagate(true).scope(call).await.unwrap();
        trace_ids.push((service, span.context().span().span_context().trace_id().to_string()));
        client.cancel().await.unwrap();
    }
    // Per server: initialize, tools/call, execute_tool.
    assert!(receiver.wait_for_spans(6, Duration::from_secs(20)).await, "{:?}", receiver.spans().iter().map(|s| &s.name).collect::<Vec<_>>());
    let server = receiver.spans();
    for (service, trace_id) in trace_ids {
        let spans: Vec<&ReceivedSpan> = server.iter().filter(|s| s.trace_id == trace_id).collect();
        let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), 2, "{service}: {names:?}");
        for s in spans {
            assert_eq!(s.resource_attr("service.name").and_then(|v| v.as_str()), Some(service));
            if service == "accepting" {
                assert_eq!(s.attr_str("session.id").as_deref(), Some("s-42"), "{}", s.name);
                assert_eq!(s.attr_str("user.id").as_deref(), Some("u-7"), "{}", s.name);
                assert_eq!(s.attr("genai_o11y.tags").and_then(|v| v.as_string_list()), Some(vec!["beta".to_owned()]), "{}", s.name);
                assert_eq!(s.attr_str("app.feature").as_deref(), Some("weather"), "{}", s.name);
            } else {
                for key in ATTRIBUTION {
                    assert!(s.attr(key).is_none(), "{service}: {} carries {key}", s.name);
                }
            }
        }
    }
    receiver.shutdown();
}

/// Runs the server child with `env` and the default console exporter, this process its client
/// over the child's stdin and stdout; returns the client, and tasks that record every byte of
/// the child's stdout and stderr until they close (past the client's end: what the server
/// writes at exit counts too).
async fn recorded_server(
    env: &[(&str, &str)],
) -> (RunningService<RoleClient, ()>, tokio::process::Child, tokio::task::JoinHandle<Vec<u8>>, tokio::task::JoinHandle<Vec<u8>>) {
    let mut child = tokio::process::Command::new(SERVER)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (stdin, mut stdout, mut stderr) = (child.stdin.take().unwrap(), child.stdout.take().unwrap(), child.stderr.take().unwrap());
    // The client reads the child's stdout through a pipe that this task fills and records.
    let (mut to_client, from_child) = tokio::io::duplex(1 << 16);
    let out = tokio::spawn(async move {
        let (mut all, mut buf) = (Vec::new(), vec![0; 8192]);
        loop {
            let n = stdout.read(&mut buf).await.unwrap();
            if n == 0 {
                return all;
            }
            all.extend_from_slice(&buf[..n]);
            // The client may be gone (after `cancel`): keep recording.
            let _ = to_client.write_all(&buf[..n]).await;
        }
    });
    let err = tokio::spawn(async move {
        let mut all = Vec::new();
        stderr.read_to_end(&mut all).await.unwrap();
        all
    });
    let client = ().serve((from_child, stdin)).await.unwrap();
    (client, child, out, err)
}

/// Is `line` one JSON-RPC 2.0 message (a request, a notification, a response or an error)?
fn is_json_rpc(line: &str) -> bool {
    let Ok(Json::Object(m)) = serde_json::from_str::<Json>(line) else { return false };
    m.get("jsonrpc") == Some(&Json::String("2.0".into()))
        && (m.contains_key("method") || (m.contains_key("id") && (m.contains_key("result") ^ m.contains_key("error"))))
}

#[tokio::test]
async fn nothing_but_json_rpc_on_the_stdout_of_an_mcp_stdio_server() {
    w3c_propagators();
    // Not read: a thread with no subscriber that reaches a callsite first would have `tracing`
    // cache "never" for it, and the other tests of this binary would miss its spans.
    let _t = TestTelemetry::new();
    // The default setup (console exporter, log lines, log summaries); then telemetry set to
    // stdout explicitly, kept off it by `TracedServer::serve` over stdio; then by the variable,
    // for a server that `rmcp::ServiceExt::serve` runs.
    let cases: [&[(&str, &str)]; 3] = [
        &[],
        &[("MCP_TEST_TELEMETRY_TO_STDOUT", "1")],
        &[("MCP_TEST_TELEMETRY_TO_STDOUT", "1"), ("MCP_TEST_SERVE", "rmcp"), ("GENAI_O11Y_STDOUT_IS_PROTOCOL", "true")],
    ];
    for env in cases {
        let (client, mut child, out, err) = recorded_server(env).await;
        let peer = client.peer().clone();
        let ok = mcp::call_tool(&peer, weather("Paris")).await.unwrap();
        assert_eq!(ok.is_error, Some(false), "{env:?}");
        let failed = mcp::call_tool(&peer, weather("Atlantis")).await.unwrap();
        assert_eq!(failed.is_error, Some(true), "{env:?}");
        client.cancel().await.unwrap();
        assert!(tokio::time::timeout(Duration::from_secs(20), child.wait()).await.unwrap().unwrap().success(), "{env:?}");
        let (out, err) = (String::from_utf8(out.await.unwrap()).unwrap(), String::from_utf8(err.await.unwrap()).unwrap());

        // stdout: the protocol, every byte of it.
        assert!(out.ends_with('\n'), "{env:?}: {out:?}");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() >= 3, "{env:?}: initialize and two tool calls answered: {out}");
        for line in &lines {
            assert!(is_json_rpc(line), "{env:?}: not a JSON-RPC message on stdout: {line:?}\nstderr:\n{err}");
        }

        // stderr: the telemetry, moved rather than lost.
        for expected in [
            "tools/call get_weather [Server]",                     // the console's trace tree
            "execute_tool get_weather [Internal]",                 // the tool under it
            "INFO genai_o11y: execute_tool get_weather completed", // the log summary of the call
            "ERROR genai_o11y: execute_tool get_weather failed",
            "== metrics ==", // the metrics summary at exit
            "mcp.server.operation.duration (s)",
            "gen_ai.execute_tool.duration (s)",
        ] {
            assert!(err.contains(expected), "{env:?}: stderr lacks {expected:?}:\n{err}");
        }
        // rmcp's session-long span is not printed as a trace of its own.
        assert!(!err.contains("serve_inner"), "{env:?}:\n{err}");
    }
}

/// `TracedServer::serve` runs in a spawned task like `rmcp::ServiceExt::serve` (a compile-time
/// check).
#[allow(dead_code)]
fn serving_is_send<H: rmcp::ServerHandler>(handler: H) {
    fn send<F: Send>(_: F) {}
    send(mcp::TracedServer::new(handler).serve(rmcp::transport::stdio()));
}

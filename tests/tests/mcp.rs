//! MCP with the official SDK (`rmcp`) over a real transport: this test is the client, a child
//! process (`src/bin/mcp_tool_server.rs`, over stdio) the server, exporting its spans over OTLP to
//! a real receiver. One trace across the two processes, the trace context carried in
//! `params._meta`; tool errors and JSON-RPC errors as `error.type`; MCP attributes on an outer
//! `#[genai_tool]` span instead of a second span.

mod common;

use std::time::Duration;

use common::*;
use genai_o11y::genai_tool;
use genai_o11y::mcp;
use genai_o11y::testing::{point_attrs, TestTelemetry};
use genai_o11y_tests::otlp_receiver::{ReceivedSpan, Receiver};
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SpanData;
use rmcp::model::{CallToolRequestParams, JsonObject};
use rmcp::service::RoleClient;
use rmcp::transport::{ConfigureCommandExt, TokioChildProcess};
use rmcp::{Peer, ServiceExt};
use tracing::Instrument;

fn args(city: &str) -> JsonObject {
    let mut m = JsonObject::new();
    m.insert("city".into(), serde_json::Value::String(city.into()));
    m
}

/// A tool of the agent that is implemented by the MCP server.
#[genai_tool]
async fn remote_weather(peer: &Peer<RoleClient>, city: &str) -> Result<String, ApiError> {
    let r = mcp::call_tool(peer, CallToolRequestParams::new("get_weather").with_arguments(args(city))).await.map_err(|_| ApiError::Timeout)?;
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
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
    let receiver = Receiver::start();
    let t = TestTelemetry::new();
    let endpoint = receiver.endpoint();
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcp_tool_server")).configure(|c| {
        c.env_clear().env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint).env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf").env("OTEL_BSP_SCHEDULE_DELAY", "50");
    });
    let client = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let peer = client.peer().clone();

    // 1. A plain call; 2. the tool fails (`isError`); 3. an unknown tool (a JSON-RPC error);
    // 4. inside a `#[genai_tool]`: no second client span.
    let ok = mcp::call_tool(&peer, CallToolRequestParams::new("get_weather").with_arguments(args("Paris")))
        .instrument(tracing::info_span!("turn_ok"))
        .await
        .unwrap();
    assert_eq!(ok.is_error, Some(false));
    let failed = mcp::call_tool(&peer, CallToolRequestParams::new("get_weather").with_arguments(args("Atlantis")))
        .instrument(tracing::info_span!("turn_failed"))
        .await
        .unwrap();
    assert_eq!(failed.is_error, Some(true));
    let unknown = mcp::call_tool(&peer, CallToolRequestParams::new("get_stock")).instrument(tracing::info_span!("turn_unknown")).await;
    assert!(unknown.is_err());
    remote_weather(&peer, "Oslo").instrument(tracing::info_span!("turn_tool")).await.unwrap();
    client.cancel().await.unwrap();

    // The server's spans: 3 tools/call spans, 2 tool executions (the unknown tool has none).
    assert!(receiver.wait_for_spans_blocking(6, Duration::from_secs(20)), "server spans: {:?}", receiver.spans().iter().map(|s| &s.name).collect::<Vec<_>>());
    let server = receiver.spans();
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
        assert!(string_attr(client_span, "mcp.protocol.version").is_some());
        assert_eq!(string_attr(client_span, "error.type").as_deref(), error, "{turn_name}");
        let (trace_id, client_id) = hex(client_span);
        let tool = client_span.name.strip_prefix("tools/call ").unwrap();
        let server_call = server_span(&server, &trace_id, &format!("tools/call {tool}"));
        assert_eq!(server_call.kind, genai_o11y_tests::otlp_receiver::SpanKind::Server, "{turn_name}");
        assert_eq!(server_call.parent_span_id.as_deref(), Some(client_id.as_str()), "{turn_name}: the server span continues the client's trace");
        assert_eq!(server_call.attr_str("mcp.method.name").as_deref(), Some("tools/call"));
        assert_eq!(server_call.attr_str("gen_ai.tool.name").as_deref(), Some(tool));
        assert!(server_call.attr("jsonrpc.request.id").is_some(), "{turn_name}");
        assert_eq!(server_call.attr_str("error.type").as_deref(), error, "{turn_name}");
        if tool == "get_weather" {
            let execution = server_span(&server, &trace_id, "execute_tool get_weather");
            assert!(execution.is_child_of(server_call), "{turn_name}: the tool runs under the server span");
        }
    }

    // Inside a `#[genai_tool]`: the MCP attributes on that span, no client span of its own.
    let tool_span = t.span("execute_tool remote_weather");
    assert_eq!(string_attr(&tool_span, "mcp.method.name").as_deref(), Some("tools/call"));
    assert!(!spans.iter().any(|s| s.name.starts_with("tools/call ") && s.parent_span_id == tool_span.span_context.span_id()));
    let (trace_id, tool_id) = hex(&tool_span);
    assert_eq!(server_span(&server, &trace_id, "tools/call get_weather").parent_span_id.as_deref(), Some(tool_id.as_str()));

    // mcp.client.operation.duration per tool and outcome.
    let mut points: Vec<Vec<(String, String)>> = t
        .f64_histogram("mcp.client.operation.duration")
        .iter()
        .map(|p| point_attrs(p.attributes()).into_iter().filter(|(k, _)| k != "mcp.protocol.version").collect())
        .collect();
    points.sort();
    let p = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert_eq!(
        points,
        [
            p(&[("error.type", "-32602"), ("gen_ai.tool.name", "get_stock"), ("mcp.method.name", "tools/call")]),
            p(&[("error.type", "tool_error"), ("gen_ai.tool.name", "get_weather"), ("mcp.method.name", "tools/call")]),
            p(&[("gen_ai.tool.name", "get_weather"), ("mcp.method.name", "tools/call")]),
        ]
    );
    receiver.shutdown();
}

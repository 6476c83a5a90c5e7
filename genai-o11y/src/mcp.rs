//! MCP (Model Context Protocol) tool calls traced on both ends, with the official Rust SDK
//! `rmcp` (feature `mcp`).
//!
//! * Client: [`call_tool`] in place of `peer.call_tool(..)`: a CLIENT span `tools/call {tool}`
//!   (or, inside a `#[genai_tool]`, the MCP attributes on that tool's span: one span per call),
//!   the trace context sent in the request's `params._meta` (`traceparent`, `tracestate`, and
//!   `baggage` for the attribution that asks for it), `mcp.client.operation.duration`.
//! * Server: [`TracedServer`] around your handler: a SERVER span per request that continues the
//!   client's trace (`tools/call {tool}`, else the method), `jsonrpc.request.id`,
//!   `mcp.server.operation.duration`.
//!
//! Both carry `mcp.method.name`, `mcp.protocol.version`, `gen_ai.operation.name = execute_tool`
//! and `gen_ai.tool.name` on tool calls, and `error.type`: the JSON-RPC error code, or
//! `tool_error` when the result says `isError`.

use std::collections::HashMap;
use std::time::Instant;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::KeyValue;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientRequest, RequestParamsMeta, ServerResult};
use rmcp::service::{NotificationContext, RequestContext, RoleClient, RoleServer, ServiceRole};
use rmcp::{ErrorData as McpError, Peer, Service, ServiceError};
use tracing::field::Empty;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::propagation::outgoing_context;
use crate::semconv::{http as httpc, mcp as names, tracing_names as tn, v1_41 as sc};

/// Calls an MCP tool, traced: see [the module](self).
pub async fn call_tool(peer: &Peer<RoleClient>, mut params: CallToolRequestParams) -> Result<CallToolResult, ServiceError> {
    let tool = params.name.to_string();
    let version = peer.peer_info().map(|i| i.protocol_version.to_string());
    let current = tracing::Span::current();
    // Inside a `#[genai_tool]`: the MCP attributes go on that span, no second span.
    let outer_tool = current.metadata().is_some_and(|m| m.name() == tn::TOOL_SPAN);
    let span = if outer_tool {
        current.set_attribute(names::MCP_METHOD_NAME, names::METHOD_TOOLS_CALL);
        if let Some(v) = &version {
            current.set_attribute(names::MCP_PROTOCOL_VERSION, v.clone());
        }
        current
    } else {
        tracing::span!(
            target: tn::TARGET, tracing::Level::INFO, tn::MCP_CLIENT_SPAN,
            { tn::OTEL_NAME } = format!("{} {tool}", names::METHOD_TOOLS_CALL),
            { tn::OTEL_KIND } = tn::KIND_CLIENT,
            { names::MCP_METHOD_NAME } = names::METHOD_TOOLS_CALL,
            { names::MCP_PROTOCOL_VERSION } = version.as_deref(),
            { sc::GEN_AI_OPERATION_NAME } = sc::OP_EXECUTE_TOOL,
            { sc::GEN_AI_TOOL_NAME } = tool.as_str(),
            { sc::ERROR_TYPE } = Empty,
            { tn::OTEL_STATUS_CODE } = Empty,
        )
    };
    // The trace context (and the attribution that asks for it) in `params._meta`.
    let mut carrier: HashMap<String, String> = HashMap::new();
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&outgoing_context(&span), &mut MapInjector(&mut carrier)));
    for (k, v) in carrier {
        match k.as_str() {
            names::META_TRACEPARENT => params.set_traceparent(&v),
            names::META_TRACESTATE => params.set_tracestate(&v),
            _ => {
                params.meta_or_default().insert(k, serde_json::Value::String(v));
            }
        }
    }
    let start = Instant::now();
    let result = peer.call_tool(params).instrument(span.clone()).await;
    let error = match &result {
        Ok(r) if r.is_error == Some(true) => Some(names::ERROR_TOOL_ERROR.to_owned()),
        Ok(_) => None,
        Err(ServiceError::McpError(e)) => Some(e.code.0.to_string()),
        Err(_) => Some(httpc::ERROR_OTHER.to_owned()),
    };
    if let Some(e) = &error {
        span.set_attribute(sc::ERROR_TYPE, e.clone());
        span.set_status(opentelemetry::trace::Status::error(e.clone()));
    }
    record(true, start, &tool, version, error);
    result
}

/// Your MCP server's handler (any `rmcp::Service<RoleServer>`, so any `ServerHandler`), with a
/// SERVER span per request that continues the caller's trace: see [the module](self).
///
/// ```
/// # fn demo<H: rmcp::ServerHandler>(handler: H) {
/// let service = genai_o11y::mcp::TracedServer::new(handler);
/// // let running = rmcp::ServiceExt::serve(service, rmcp::transport::stdio()).await?;
/// # let _ = service;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TracedServer<S> {
    inner: S,
}

impl<S> TracedServer<S> {
    /// Traces `inner`.
    pub fn new(inner: S) -> Self {
        TracedServer { inner }
    }
    /// The handler.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: Service<RoleServer>> Service<RoleServer> for TracedServer<S> {
    async fn handle_request(
        &self,
        request: <RoleServer as ServiceRole>::PeerReq,
        context: RequestContext<RoleServer>,
    ) -> Result<<RoleServer as ServiceRole>::Resp, McpError> {
        let method = request.method().to_owned();
        let tool = match &request {
            ClientRequest::CallToolRequest(r) => Some(r.params.name.to_string()),
            _ => None,
        };
        let version = context.peer.peer_info().map(|i| i.protocol_version.to_string());
        let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&MetaExtractor(&context.meta)));
        let name = match &tool {
            Some(t) => format!("{method} {t}"),
            None => method.clone(),
        };
        let span = tracing::span!(
            target: tn::TARGET, tracing::Level::INFO, tn::MCP_SERVER_SPAN,
            { tn::OTEL_NAME } = name,
            { tn::OTEL_KIND } = tn::KIND_SERVER,
            { names::MCP_METHOD_NAME } = method.as_str(),
            { names::MCP_PROTOCOL_VERSION } = version.as_deref(),
            { names::JSONRPC_REQUEST_ID } = context.id.to_string(),
            { sc::GEN_AI_OPERATION_NAME } = tool.as_ref().map(|_| sc::OP_EXECUTE_TOOL),
            { sc::GEN_AI_TOOL_NAME } = tool.as_deref(),
            { sc::ERROR_TYPE } = Empty,
            { tn::OTEL_STATUS_CODE } = Empty,
        );
        crate::propagation::set_parent(&span, parent);
        let start = Instant::now();
        let result = self.inner.handle_request(request, context).instrument(span.clone()).await;
        let error = match &result {
            Ok(ServerResult::CallToolResult(r)) if r.is_error == Some(true) => Some(names::ERROR_TOOL_ERROR.to_owned()),
            Ok(_) => None,
            Err(e) => Some(e.code.0.to_string()),
        };
        if let Some(e) = &error {
            span.record(sc::ERROR_TYPE, e.as_str());
            span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
        }
        if let Some(t) = &tool {
            record(false, start, t, version, error);
        }
        result
    }

    async fn handle_notification(&self, notification: <RoleServer as ServiceRole>::PeerNot, context: NotificationContext<RoleServer>) -> Result<(), McpError> {
        self.inner.handle_notification(notification, context).await
    }

    fn get_info(&self) -> <RoleServer as ServiceRole>::Info {
        self.inner.get_info()
    }

    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [rmcp::model::ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }
}

/// `mcp.client.operation.duration` / `mcp.server.operation.duration` of a tool call.
fn record(client: bool, start: Instant, tool: &str, version: Option<String>, error: Option<String>) {
    let mut attrs = vec![KeyValue::new(names::MCP_METHOD_NAME, names::METHOD_TOOLS_CALL), KeyValue::new(sc::GEN_AI_TOOL_NAME, tool.to_owned())];
    if let Some(v) = version {
        attrs.push(KeyValue::new(names::MCP_PROTOCOL_VERSION, v));
    }
    if let Some(e) = error {
        attrs.push(KeyValue::new(sc::ERROR_TYPE, e));
    }
    let i = crate::instruments::current();
    let h = if client { &i.mcp_client_duration } else { &i.mcp_server_duration };
    h.record(start.elapsed().as_secs_f64(), &attrs);
}

struct MapInjector<'a>(&'a mut HashMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

/// Reads the propagation fields from a request's `_meta` (string values only).
struct MetaExtractor<'a>(&'a rmcp::model::RequestMetaObject);

impl Extractor for MetaExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.as_str())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

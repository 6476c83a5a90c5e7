//! MCP (Model Context Protocol) tool calls traced on both ends, with the official Rust SDK
//! `rmcp` (feature `mcp`).
//!
//! * Client: [`call_tool`] in place of `peer.call_tool(..)`: a CLIENT span `tools/call {tool}`
//!   (or, inside a `#[genai_tool]`, the MCP attributes on that tool's span: one span per call),
//!   the trace context sent in the request's `params._meta` (`traceparent`, `tracestate`, and
//!   `baggage` for the attribution that asks for it), `mcp.client.operation.duration`.
//! * Server: [`TracedServer`] around your handler: a SERVER span per request that continues the
//!   client's trace (`tools/call {tool}`, else the method), `jsonrpc.request.id`,
//!   `mcp.server.operation.duration`; the client's baggage as attribution when you allow it
//!   ([`TracedServer::accept_baggage`]). Served over stdio ([`TracedServer::serve`] with
//!   `rmcp::transport::stdio()`), it reserves standard output for the protocol: no telemetry byte
//!   reaches it ([`crate::stdout`]).
//!
//! Both carry `mcp.method.name`, `mcp.protocol.version` (the version the session negotiated, or
//! the one a 2026-07-28 request names in its `_meta`), `gen_ai.operation.name = execute_tool`
//! and `gen_ai.tool.name` on tool calls, `rpc.response.status_code` (the JSON-RPC error code of
//! an error response), and `error.type`: the JSON-RPC error code, or `tool_error` when the result
//! says `isError`. On the server, in the latest conventions, the codes that say the caller sent a
//! request the server could not serve (`-32700`, `-32600`, `-32601`, `-32602`, `-32002`) are
//! not errors: the status code is recorded, `error.type` and the error status are not (v1.41 mode:
//! every code is an error, as v1.41 says). The server also records, on every request (not only
//! tool calls), `mcp.server.operation.duration`; `prompts/get` spans are named after the prompt
//! (`gen_ai.prompt.name`), and `resources/read`, `resources/subscribe`, `resources/unsubscribe`
//! carry `mcp.resource.uri`.

use std::any::TypeId;
use std::collections::HashMap;
use std::time::Instant;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::KeyValue;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientRequest, ProtocolVersion, RequestParamsMeta, ServerResult};
use rmcp::service::{NotificationContext, RequestContext, RoleClient, RoleServer, RunningService, ServerInitializeError, ServiceRole};
use rmcp::transport::IntoTransport;
use rmcp::{ErrorData as McpError, Peer, Service, ServiceError};
use tracing::field::Empty;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::propagation::{attribution_from, outgoing_context};
use crate::semconv::{http as httpc, mcp as names, tracing_names as tn, v1_41 as sc};

/// Calls an MCP tool, traced: see [the module](self).
pub async fn call_tool(peer: &Peer<RoleClient>, mut params: CallToolRequestParams) -> Result<CallToolResult, ServiceError> {
    let tool = params.name.to_string();
    // The server's answer to `initialize` (or the version `server/discover` selected): the
    // negotiated version, never the one the client asked for.
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
            { names::RPC_RESPONSE_STATUS_CODE } = Empty,
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
    // Every JSON-RPC error code is an error on the client (both modes).
    let status_code = match &result {
        Err(ServiceError::McpError(e)) => Some(e.code.0.to_string()),
        _ => None,
    };
    let error = match &result {
        Ok(r) if r.is_error == Some(true) => Some(names::ERROR_TOOL_ERROR.to_owned()),
        Ok(_) => None,
        Err(ServiceError::McpError(e)) => Some(e.code.0.to_string()),
        Err(_) => Some(httpc::ERROR_OTHER.to_owned()),
    };
    if let Some(c) = &status_code {
        span.set_attribute(names::RPC_RESPONSE_STATUS_CODE, c.clone());
    }
    if let Some(e) = &error {
        span.set_attribute(sc::ERROR_TYPE, e.clone());
        span.set_status(opentelemetry::trace::Status::error(e.clone()));
    }
    let target = Target { tool: Some(&tool), prompt: None };
    record(true, start, names::METHOD_TOOLS_CALL, target, version, Status { code: status_code, error });
    result
}

/// Your MCP server's handler (any `rmcp::Service<RoleServer>`, so any `ServerHandler`), with a
/// SERVER span per request that continues the caller's trace: see [the module](self).
///
/// ```no_run
/// # async fn demo<H: rmcp::ServerHandler>(handler: H) -> Result<(), Box<dyn std::error::Error>> {
/// let running = genai_o11y::mcp::TracedServer::new(handler).serve(rmcp::transport::stdio()).await?;
/// running.waiting().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct TracedServer<S> {
    inner: S,
    accept_baggage: bool,
}

impl<S> TracedServer<S> {
    /// Traces `inner`; ignores the baggage clients send.
    pub fn new(inner: S) -> Self {
        TracedServer { inner, accept_baggage: false }
    }

    /// Whether the baggage a client sends (`params._meta.baggage`, what [`call_tool`] sends for
    /// an attribution with `propagate(true)`) becomes the request's
    /// [`Attribution`](crate::attribution::Attribution): session, user, tags and metadata on
    /// every span of the request, the tool's included. Off by default, as for
    /// [`ServerLayer::accept_baggage`](crate::propagation::ServerLayer::accept_baggage): anyone
    /// who can send a request can send baggage.
    pub fn accept_baggage(mut self, on: bool) -> Self {
        self.accept_baggage = on;
        self
    }

    /// The handler.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

impl<S: Service<RoleServer>> TracedServer<S> {
    /// Serves over `transport`, as `rmcp::ServiceExt::serve` does. Over
    /// `rmcp::transport::stdio()` or `stdio_pipes()`, it first reserves standard output for the
    /// protocol ([`crate::stdout::reserve_for_protocol`]): nothing of this crate writes there
    /// from then on. A transport of your own over standard output: reserve it yourself.
    pub async fn serve<T, E, A>(self, transport: T) -> Result<RunningService<RoleServer, Self>, ServerInitializeError>
    where
        T: IntoTransport<RoleServer, E, A> + 'static,
        E: std::error::Error + Send + Sync + 'static,
    {
        if is_stdio::<T>() {
            crate::stdout::reserve_for_protocol();
        }
        rmcp::ServiceExt::serve(self, transport).await
    }

    /// The request in its SERVER span.
    async fn traced(
        &self,
        request: <RoleServer as ServiceRole>::PeerReq,
        context: RequestContext<RoleServer>,
        parent: opentelemetry::Context,
    ) -> Result<<RoleServer as ServiceRole>::Resp, McpError> {
        let method = request.method().to_owned();
        let tool = match &request {
            ClientRequest::CallToolRequest(r) => Some(r.params.name.to_string()),
            _ => None,
        };
        let prompt = match &request {
            ClientRequest::GetPromptRequest(r) => Some(r.params.name.clone()),
            _ => None,
        };
        #[allow(deprecated)] // `resources/subscribe` and `unsubscribe`: legacy, still served
        let resource = match &request {
            ClientRequest::ReadResourceRequest(r) => Some(r.params.uri.clone()),
            ClientRequest::SubscribeRequest(r) => Some(r.params.uri.clone()),
            ClientRequest::UnsubscribeRequest(r) => Some(r.params.uri.clone()),
            _ => None,
        };
        // `initialize`: the version is the negotiated one, known once the handler answered.
        // Any other request: the version its own `_meta` names (2026-07-28 on), else the one
        // the session negotiated.
        let requested = match &request {
            ClientRequest::InitializeRequest(r) => Some(r.params.protocol_version.clone()),
            _ => None,
        };
        let mut version = if requested.is_some() { None } else { context.protocol_version().map(|v| v.to_string()) };
        // The low-cardinality target: the tool or the prompt (never the resource URI).
        let name = match tool.as_ref().or(prompt.as_ref()) {
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
            { sc::GEN_AI_PROMPT_NAME } = prompt.as_deref(),
            { names::MCP_RESOURCE_URI } = resource.as_deref(),
            { sc::ERROR_TYPE } = Empty,
            { names::RPC_RESPONSE_STATUS_CODE } = Empty,
            { tn::OTEL_STATUS_CODE } = Empty,
        );
        crate::propagation::set_parent(&span, parent);
        let start = Instant::now();
        let mut result = self.inner.handle_request(request, context).instrument(span.clone()).await;
        if let Some(requested) = requested {
            result = self.settle_version(requested, result);
            if let Ok(ServerResult::InitializeResult(init)) = &result {
                version = Some(init.protocol_version.to_string());
                span.record(names::MCP_PROTOCOL_VERSION, init.protocol_version.as_str());
            }
        }
        let status_code = result.as_ref().err().map(|e| e.code.0);
        let error = match &result {
            Ok(ServerResult::CallToolResult(r)) if r.is_error == Some(true) => Some(names::ERROR_TOOL_ERROR.to_owned()),
            Ok(_) => None,
            Err(e) if server_error(e.code.0) => Some(e.code.0.to_string()),
            Err(_) => None,
        };
        if let Some(c) = status_code {
            span.record(names::RPC_RESPONSE_STATUS_CODE, c.to_string());
        }
        if let Some(e) = &error {
            span.record(sc::ERROR_TYPE, e.as_str());
            span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
        }
        let target = Target { tool: tool.as_deref(), prompt: prompt.as_deref() };
        record(false, start, &method, target, version, Status { code: status_code.map(|c| c.to_string()), error });
        result
    }

    /// The handler's answer to `initialize`, with the protocol version rmcp will send: rmcp
    /// negotiates it after the handler returns (the client's when the server supports it and it
    /// still has the `initialize` handshake; else the handler's own when that has one; else the
    /// newest supported version that has one; else an error). Settled here by the same rule, in
    /// the answer rmcp then checks (and leaves as it is), the version recorded is the one sent.
    fn settle_version(
        &self,
        requested: ProtocolVersion,
        result: Result<<RoleServer as ServiceRole>::Resp, McpError>,
    ) -> Result<<RoleServer as ServiceRole>::Resp, McpError> {
        let Ok(ServerResult::InitializeResult(mut init)) = result else { return result };
        let supported = self.inner.supported_protocol_versions();
        let negotiated = if requested.has_initialize() && supported.contains(&requested) {
            Some(requested.clone())
        } else if init.protocol_version.has_initialize() {
            Some(init.protocol_version.clone())
        } else {
            supported.iter().filter(|v| v.has_initialize()).max_by(|a, b| a.as_str().cmp(b.as_str())).cloned()
        };
        match negotiated {
            Some(v) => {
                init.protocol_version = v;
                Ok(ServerResult::InitializeResult(init))
            }
            None => Err(McpError::unsupported_protocol_version(requested, &supported)),
        }
    }
}

/// Is `T` the standard streams, as `rmcp::transport::stdio()` or `stdio_pipes()` returns them?
fn is_stdio<T: 'static>() -> bool {
    fn returned<R: 'static>(_: fn() -> R) -> TypeId {
        TypeId::of::<R>()
    }
    let t = TypeId::of::<T>();
    t == returned(rmcp::transport::stdio) || t == returned(rmcp::transport::stdio_pipes)
}

impl<S: Service<RoleServer>> Service<RoleServer> for TracedServer<S> {
    async fn handle_request(
        &self,
        request: <RoleServer as ServiceRole>::PeerReq,
        context: RequestContext<RoleServer>,
    ) -> Result<<RoleServer as ServiceRole>::Resp, McpError> {
        let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&MetaExtractor(&context.meta)));
        // The client's baggage, when allowed, is the attribution of every span the request
        // starts (its SERVER span first).
        match self.accept_baggage.then(|| attribution_from(&parent)).flatten() {
            Some(attribution) => attribution.scope(self.traced(request, context, parent)).await,
            None => self.traced(request, context, parent).await,
        }
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

/// Is the JSON-RPC error code `code`, answered by this server, an error? In the latest
/// conventions (`mcp.server.status.attributes`), not the codes that say the caller sent a request
/// the server could not serve; in v1.41 every code is.
fn server_error(code: i32) -> bool {
    crate::instruments::current().settings.conventions == crate::Conventions::V1_41 || !names::SERVER_NON_ERROR_CODES.contains(&code)
}

/// What a request is about: its tool or prompt (low-cardinality metric attributes).
struct Target<'a> {
    tool: Option<&'a str>,
    prompt: Option<&'a str>,
}

/// How a request ended: the JSON-RPC error code of an error response, and `error.type` when it
/// counts as an error.
struct Status {
    code: Option<String>,
    error: Option<String>,
}

/// `mcp.client.operation.duration` / `mcp.server.operation.duration` of a request.
fn record(client: bool, start: Instant, method: &str, target: Target<'_>, version: Option<String>, status: Status) {
    let mut attrs = vec![KeyValue::new(names::MCP_METHOD_NAME, method.to_owned())];
    if let Some(tool) = target.tool {
        attrs.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, sc::OP_EXECUTE_TOOL));
        attrs.push(KeyValue::new(sc::GEN_AI_TOOL_NAME, tool.to_owned()));
    }
    if let Some(prompt) = target.prompt {
        attrs.push(KeyValue::new(sc::GEN_AI_PROMPT_NAME, prompt.to_owned()));
    }
    if let Some(v) = version {
        attrs.push(KeyValue::new(names::MCP_PROTOCOL_VERSION, v));
    }
    if let Some(c) = status.code {
        attrs.push(KeyValue::new(names::RPC_RESPONSE_STATUS_CODE, c));
    }
    if let Some(e) = status.error {
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

//! An MCP server over stdio for `tests/tests/mcp.rs`: one tool, `get_weather`, behind
//! `genai_o11y::mcp::TracedServer`, with the default setup (`genai_o11y::init()`, log summaries
//! on): the console exporter, or OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Its stdout is
//! the MCP transport: nothing else may reach it.
//!
//! What the tests vary, through the environment:
//! * `MCP_TEST_ACCEPT_BAGGAGE=1`: `TracedServer::accept_baggage(true)`;
//! * `MCP_TEST_TELEMETRY_TO_STDOUT=1`: the console exporter and the log lines set to
//!   `std::io::stdout()` explicitly, so that only the protocol-pipe switch keeps them off it;
//! * `MCP_TEST_SERVE=rmcp`: served by `rmcp::ServiceExt::serve` rather than
//!   `TracedServer::serve` (which reserves stdout itself), so that only
//!   `GENAI_O11Y_STDOUT_IS_PROTOCOL` does.

use genai_o11y::genai_tool;
use genai_o11y::mcp::TracedServer;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, InitializeRequestParams, InitializeResult, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData as McpError, ServerHandler};

#[derive(Clone)]
struct Weather;

#[genai_tool]
async fn get_weather(city: String) -> Result<String, std::io::Error> {
    if city == "Atlantis" {
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no such city"));
    }
    Ok(format!("{city}: 18°C, rain"))
}

impl ServerHandler for Weather {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    /// Answers with its own info and leaves the version to rmcp's negotiation (as handlers
    /// written before `negotiate_initialize` do): the version rmcp sends is not this answer's.
    async fn initialize(&self, _request: InitializeRequestParams, _context: RequestContext<RoleServer>) -> Result<InitializeResult, McpError> {
        Ok(self.get_info())
    }

    async fn call_tool(&self, request: CallToolRequestParams, _context: RequestContext<RoleServer>) -> Result<CallToolResponse, McpError> {
        if request.name != "get_weather" {
            return Err(McpError::invalid_params(format!("unknown tool {}", request.name), None));
        }
        let city = request.arguments.as_ref().and_then(|a| a.get("city")).and_then(|c| c.as_str()).unwrap_or_default().to_owned();
        let result = match get_weather(city).await {
            Ok(text) => CallToolResult::success(vec![ContentBlock::text(text)]),
            Err(e) => CallToolResult::error(vec![ContentBlock::text(e.to_string())]),
        };
        Ok(CallToolResponse::Complete(result))
    }
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut setup = genai_o11y::init().log_summaries(true);
    if flag("MCP_TEST_TELEMETRY_TO_STDOUT") {
        setup = setup.console_output(std::io::stdout()).log_output(std::io::stdout());
    }
    let guard = setup.install()?;
    let server = TracedServer::new(Weather).accept_baggage(flag("MCP_TEST_ACCEPT_BAGGAGE"));
    let running = if std::env::var("MCP_TEST_SERVE").as_deref() == Ok("rmcp") {
        rmcp::ServiceExt::serve(server, rmcp::transport::stdio()).await?
    } else {
        server.serve(rmcp::transport::stdio()).await?
    };
    let _ = running.waiting().await;
    // stdin closed: flush the spans (and, with the console exporter, print the trees and the
    // metrics summary) before exiting.
    guard.shutdown();
    Ok(())
}

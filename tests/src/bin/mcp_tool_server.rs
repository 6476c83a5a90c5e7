//! An MCP server over stdio for `tests/tests/mcp.rs`: one tool, `get_weather`, behind
//! `genai_o11y::mcp::TracedServer`, exporting its spans over OTLP (`OTEL_EXPORTER_OTLP_*` from the
//! environment). Its stdout is the MCP transport: nothing else may print there.

use genai_o11y::genai_tool;
use genai_o11y::mcp::TracedServer;
use genai_o11y::setup::{Exporter, LogFormat};
use rmcp::model::{CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ErrorData as McpError, ServerHandler, ServiceExt};

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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("mcp-tool-server").exporter(Exporter::Otlp).log_format(LogFormat::Off).install()?;
    let running = TracedServer::new(Weather).serve(rmcp::transport::stdio()).await?;
    let _ = running.waiting().await;
    // stdin closed: flush the spans before exiting.
    guard.shutdown();
    Ok(())
}

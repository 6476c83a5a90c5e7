// `#[genai_tool]`: defaults, every argument, sync and async, any return type.
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::genai_tool;
use opentelemetry::Value;

/// Looks up the current weather for a city.
///
/// Only the first paragraph becomes the description.
#[genai_tool]
async fn get_weather(city: &str) -> Result<String, std::io::Error> {
    Ok(format!("sunny in {city}"))
}

struct ToolCall {
    id: String,
    conversation: Option<String>,
}

#[genai_tool(
    name = "web_search",
    tool_type = "extension",
    call_id = call.id.clone(),
    description = "Searches the web",
    conversation_id = call.conversation.clone(),
    fields(search.engine = "duck"),
)]
async fn search(call: &ToolCall, query: &str) -> anyhow::Result<Vec<String>> {
    Ok(vec![query.to_owned()])
}

// Sync, returning a plain value.
#[genai_tool(name = "add")]
fn add(a: i32, b: i32) -> i32 {
    a + b
}

// Returning nothing.
#[genai_tool(tool_type = "datastore")]
fn log(line: &str) {
    let _ = line;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::new();
    assert_eq!(get_weather("Paris").await.unwrap(), "sunny in Paris");
    let s = t.span("execute_tool get_weather");
    assert_eq!(attr(&s, "gen_ai.tool.description"), Some(&Value::from("Looks up the current weather for a city.")));
    let call = ToolCall { id: "call_1".into(), conversation: None };
    assert_eq!(search(&call, "rust").await.unwrap(), ["rust"]);
    let s = t.span("execute_tool web_search");
    assert_eq!(attr(&s, "gen_ai.tool.call.id"), Some(&Value::from("call_1")));
    assert_eq!(attr(&s, "gen_ai.tool.type"), Some(&Value::from("extension")));
    assert_eq!(add(1, 2), 3);
    log("x");
    let _ = t.span("execute_tool add");
    let _ = t.span("execute_tool log");
}

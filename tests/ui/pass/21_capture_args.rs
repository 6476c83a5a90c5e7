// Content capture arguments: `input_messages`, `system_instructions`, `tool_definitions`,
// `output_messages` on `#[genai_span]`; `arguments` and automatic parameter capture on
// `#[genai_tool]`.
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, genai_tool, CaptureConfig, CaptureMode, HasUsage, Settings};
use opentelemetry::Value;
use serde::Serialize;

#[derive(Serialize, Clone)]
struct Message {
    role: String,
    content: String,
}

struct Request {
    messages: Vec<Message>,
    system: String,
}

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
    output_tokens: u32,
    #[usage(skip)]
    text: String,
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = "gpt-4o",
    input_messages = req.messages,
    system_instructions = req.system.clone(),
    tool_definitions = serde_json::json!([{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]),
    output_messages = |r: &Resp| r.text.clone(),
)]
async fn chat(req: Request) -> Result<Resp, std::io::Error> {
    Ok(Resp { input_tokens: 3, output_tokens: 2, text: format!("{} messages", req.messages.len()) })
}

// A sync inference call taking the messages by reference.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-mini", input_messages = messages)]
fn chat_ref(messages: &[Message]) -> Resp {
    Resp { input_tokens: messages.len() as u32, output_tokens: 1, text: String::new() }
}

#[derive(Serialize)]
struct LookupArgs {
    key: String,
}

// Explicit arguments.
#[genai_tool(arguments = args)]
fn lookup(args: &LookupArgs) -> String {
    args.key.to_uppercase()
}

// No `Serialize`: skipped by the automatic capture.
struct Db;

// Automatic capture of the serializable parameters.
#[genai_tool]
async fn query(_db: &Db, table: &str, limit: u32, filter: Option<Vec<String>>) -> Result<Vec<String>, std::io::Error> {
    Ok(vec![format!("{table}:{limit}:{}", filter.map_or(0, |f| f.len()))])
}

fn text(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> String {
    match attr(span, key) {
        Some(Value::String(s)) => s.as_str().to_owned(),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = TestTelemetry::with_settings(Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly)));

    let req = Request {
        messages: vec![Message { role: "user".into(), content: "hello".into() }],
        system: "Be brief.".into(),
    };
    assert_eq!(chat(req).await.unwrap().text, "1 messages");
    let span = t.span("chat gpt-4o");
    assert!(text(&span, "gen_ai.input.messages").contains("hello"));
    assert!(text(&span, "gen_ai.system_instructions").contains("Be brief."));
    assert!(text(&span, "gen_ai.tool.definitions").contains("lookup"));
    assert!(text(&span, "gen_ai.output.messages").contains("1 messages"));

    let msgs = [Message { role: "user".into(), content: "again".into() }];
    chat_ref(&msgs);
    assert!(text(&t.span("chat gpt-4o-mini"), "gen_ai.input.messages").contains("again"));

    assert_eq!(lookup(&LookupArgs { key: "k".into() }), "K");
    let span = t.span("execute_tool lookup");
    let args: serde_json::Value = serde_json::from_str(&text(&span, "gen_ai.tool.call.arguments")).unwrap();
    assert_eq!(args, serde_json::json!({"key": "k"}));
    assert!(text(&span, "gen_ai.tool.call.result").contains('K'));

    let rows = query(&Db, "users", 5, Some(vec!["a".into()])).await.unwrap();
    assert_eq!(rows, ["users:5:1"]);
    let span = t.span("execute_tool query");
    let args: serde_json::Value = serde_json::from_str(&text(&span, "gen_ai.tool.call.arguments")).unwrap();
    assert_eq!(args, serde_json::json!({"table": "users", "limit": 5, "filter": ["a"]}), "`_db` is not serializable and is skipped");
}

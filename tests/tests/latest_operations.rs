//! The latest conventions' operations, in both convention modes: `fetch_response`, an agent a
//! provider hosts (`invoke_agent` CLIENT), the skill and command refinements of `execute_tool`;
//! and every span type carrying only what its latest definition lists.

mod common;

use common::*;
use genai_o11y::testing::{attr, point_attrs, TestTelemetry};
use genai_o11y::{
    genai_agent, genai_memory, genai_retrieval, genai_span, genai_tool, Conventions, GenAiSpanBuilder, Outcome, ReportsExitCode, Response, RetrievedDocument,
    Usage,
};
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;

const MODES: [Conventions; 2] = [Conventions::V1_41, Conventions::LatestExperimental];

fn points(t: &TestTelemetry, metric: &str) -> Vec<Vec<(String, String)>> {
    let mut p: Vec<_> = t.f64_histogram(metric).iter().map(|p| point_attrs(p.attributes())).collect();
    p.sort();
    p
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn absent(span: &SpanData, keys: &[&str], why: &str) {
    for k in keys {
        assert!(attr(span, k).is_none(), "{}: {k} ({why}); keys: {:?}", span.name, common::keys(span));
    }
}

// ---- fetch_response ----

/// Fetches a stored response (its status and model come back with it).
#[genai_span(operation = "fetch_response", provider = "openai", response_id = id, stream_cursor = "42", server_address = "api.openai.com", server_port = 443)]
async fn fetch(id: &str) -> Result<Response, ApiError> {
    // A fetched response carries the usage of the call that generated it: not this call's.
    Ok(Response::new(Usage::new().input(20).output(3)).id(id).model("gpt-4o-2024-08-06").finish_reason("length").status("incomplete"))
}

#[genai_span(operation = "fetch_response", provider = "openai", response_id = id)]
async fn fetch_missing(id: &str) -> Result<Response, ApiError> {
    let _ = id;
    Err(ApiError::RateLimited)
}

#[tokio::test]
async fn fetch_response_spans_and_metrics_in_both_modes() {
    for mode in MODES {
        let t = TestTelemetry::with_conventions(mode);
        fetch("resp_123").await.unwrap();
        fetch_missing("resp_gone").await.unwrap_err();

        let spans: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name == "fetch_response").collect();
        assert_eq!(spans.len(), 2, "{mode:?}: named after the operation alone (the id is high-cardinality)");
        let ok = spans.iter().find(|s| string_attr(s, "gen_ai.response.id").as_deref() == Some("resp_123")).unwrap();
        assert_eq!(ok.span_kind, SpanKind::Client);
        for s in &spans {
            let ids = s.attributes.iter().filter(|kv| kv.key.as_str() == "gen_ai.response.id").count();
            assert_eq!(ids, 1, "{mode:?}: the response id is written once");
        }
        for (k, v) in [
            ("gen_ai.operation.name", "fetch_response"),
            ("gen_ai.provider.name", "openai"),
            ("server.address", "api.openai.com"),
            ("gen_ai.response.model", "gpt-4o-2024-08-06"),
        ] {
            assert_eq!(string_attr(ok, k).as_deref(), Some(v), "{mode:?} {k}");
        }
        assert_eq!(int_attr(ok, "server.port"), Some(443));
        let latest = mode == Conventions::LatestExperimental;
        assert_eq!(string_attr(ok, "gen_ai.response.status").as_deref(), latest.then_some("incomplete"), "{mode:?}: v1.41 has no status key");
        assert_eq!(string_attr(ok, "gen_ai.request.stream_cursor").as_deref(), latest.then_some("42"), "{mode:?}: v1.41 has no cursor key");
        absent(ok, &["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.request.model", "genai_o11y.usage.missing"], "no inference");

        let missing = spans.iter().find(|s| string_attr(s, "gen_ai.response.id").as_deref() == Some("resp_gone")).unwrap();
        assert_eq!(string_attr(missing, "error.type").as_deref(), Some("429"));

        // A client operation: its duration, no token metric, no inference duration.
        assert_eq!(
            points(&t, "gen_ai.client.operation.duration"),
            [
                pairs(&[("error.type", "429"), ("gen_ai.operation.name", "fetch_response"), ("gen_ai.provider.name", "openai")]),
                pairs(&[
                    ("gen_ai.operation.name", "fetch_response"),
                    ("gen_ai.provider.name", "openai"),
                    ("gen_ai.response.model", "gpt-4o-2024-08-06"),
                    ("server.address", "api.openai.com"),
                    ("server.port", "443"),
                ]),
            ],
            "{mode:?}"
        );
        for name in ["gen_ai.client.token.usage", "gen_ai.client.inference.duration", "gen_ai.client.inference.usage.input_tokens"] {
            assert!(t.metric(name).is_none(), "{mode:?}: {name}");
        }
    }
}

#[test]
fn fetch_response_by_hand() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    let call = GenAiSpanBuilder::fetch_response("openai", "resp_9").start();
    let fetched: Result<Response, std::io::Error> = Ok(Response::new(Usage::new()).model("gpt-4o").status("queued"));
    call.finish(Outcome::from_result(&fetched));
    let s = t.span("fetch_response");
    assert_eq!(string_attr(&s, "gen_ai.response.id").as_deref(), Some("resp_9"));
    assert_eq!(string_attr(&s, "gen_ai.response.status").as_deref(), Some("queued"));
    // `inference("fetch_response", ..)` is the same operation.
    assert_eq!(GenAiSpanBuilder::inference("fetch_response", "openai", None::<&str>).kind(), genai_o11y::OperationKind::FetchResponse);
}

// ---- agents: hosted (CLIENT) and in-process (INTERNAL) ----

#[genai_tool]
async fn lookup_booking(code: &str) -> Result<String, ApiError> {
    Ok(format!("booking {code}"))
}

/// Plans trips (an OpenAI Assistant).
#[genai_agent(
    name = "travel",
    span_kind = "client",
    provider = "openai",
    server_address = "api.openai.com",
    server_port = 443,
    id = "asst_42",
    version = "7",
    model = "gpt-4o",
    conversation_id = "thread_1"
)]
async fn hosted_travel_agent(code: &str) -> Result<String, ApiError> {
    // The run asks for a local function tool.
    lookup_booking(code).await
}

/// Answers support questions in this process.
#[genai_agent(name = "support", provider = "openai", id = "agent-1", version = "2", model = "gpt-4o")]
async fn local_support_agent() -> Result<String, ApiError> {
    Ok("done".into())
}

#[tokio::test]
async fn hosted_and_in_process_agents_in_both_modes() {
    for mode in MODES {
        let t = TestTelemetry::with_conventions(mode);
        hosted_travel_agent("X1").await.unwrap();
        local_support_agent().await.unwrap();
        let latest = mode == Conventions::LatestExperimental;

        let hosted = t.span("invoke_agent travel");
        assert_eq!(hosted.span_kind, SpanKind::Client, "{mode:?}");
        for (k, v) in [
            ("gen_ai.operation.name", "invoke_agent"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.agent.name", "travel"),
            ("gen_ai.agent.id", "asst_42"),
            ("gen_ai.agent.version", "7"),
            ("gen_ai.agent.description", "Plans trips (an OpenAI Assistant)."),
            ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.conversation.id", "thread_1"),
            ("server.address", "api.openai.com"),
        ] {
            assert_eq!(string_attr(&hosted, k).as_deref(), Some(v), "{mode:?} {k}");
        }
        assert_eq!(int_attr(&hosted, "server.port"), Some(443));
        // Its local tool runs for it.
        let tool = t.span("execute_tool lookup_booking");
        assert!(is_child_of(&tool, &hosted));
        assert_eq!(string_attr(&tool, "gen_ai.agent.name").as_deref(), Some("travel"));
        assert_eq!(int_attr(&hosted, "genai_o11y.agent.tool_calls"), Some(1));

        let local = t.span("invoke_agent support");
        assert_eq!(local.span_kind, SpanKind::Internal);
        assert_eq!(string_attr(&local, "gen_ai.agent.name").as_deref(), Some("support"));
        assert_eq!(string_attr(&local, "gen_ai.request.model").as_deref(), Some("gpt-4o"));
        if latest {
            absent(&local, &["gen_ai.provider.name", "gen_ai.agent.id", "gen_ai.agent.version"], "not on the latest in-process agent span");
        } else {
            assert_eq!(string_attr(&local, "gen_ai.provider.name").as_deref(), Some("openai"), "v1.41 requires it");
            assert_eq!(string_attr(&local, "gen_ai.agent.id").as_deref(), Some("agent-1"));
            assert_eq!(string_attr(&local, "gen_ai.agent.version").as_deref(), Some("2"));
        }

        // The hosted agent is a client operation; only the in-process one is an agent duration.
        let ops = points(&t, "gen_ai.client.operation.duration");
        assert_eq!(
            ops,
            [pairs(&[
                ("gen_ai.operation.name", "invoke_agent"),
                ("gen_ai.provider.name", "openai"),
                ("gen_ai.request.model", "gpt-4o"),
                ("server.address", "api.openai.com"),
                ("server.port", "443"),
            ])],
            "{mode:?}"
        );
        assert_eq!(points(&t, "gen_ai.invoke_agent.duration"), [pairs(&[("gen_ai.agent.name", "support"), ("gen_ai.request.model", "gpt-4o")])], "{mode:?}");
    }
}

#[test]
fn a_hosted_agent_by_hand() {
    let t = TestTelemetry::new();
    let call =
        GenAiSpanBuilder::remote_agent("aws.bedrock", "claims").agent_id("AGENT123").server_address("bedrock-agent-runtime.us-east-1.amazonaws.com").start();
    call.finish(Outcome::default());
    let s = t.span("invoke_agent claims");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(string_attr(&s, "gen_ai.provider.name").as_deref(), Some("aws.bedrock"));
    // Back to in-process.
    assert_eq!(GenAiSpanBuilder::remote_agent("openai", "a").agent_span_kind("internal").kind(), genai_o11y::OperationKind::Agent);
}

// ---- skills and commands ----

/// Loads a skill's instructions.
#[genai_tool(name = "load_skill", refinement = "load_skill", skill = skill, skill_description = "Review a changelist.", skill_source_uri = "https://skills.example.com/code-review")]
async fn load_skill(skill: &str) -> Result<String, ApiError> {
    Ok(format!("instructions of {skill}"))
}

#[genai_tool(name = "read_skill_resource", refinement = "read_skill_resource", skill = "code-review", skill_resource = path)]
async fn read_resource(path: &str) -> Result<String, ApiError> {
    Ok(format!("contents of {path}"))
}

/// Runs a skill's script.
#[genai_tool(
    name = "run_skill_script",
    refinement = "command",
    skill = "code-review",
    skill_resource = "scripts/check.sh",
    executable = "sh",
    executable_path = "/bin/sh"
)]
async fn run_script(code: i32) -> std::io::Result<std::process::Output> {
    tokio::process::Command::new("/bin/sh").arg("-c").arg(format!("exit {code}")).output().await
}

/// Runs a shell command.
#[genai_tool(name = "bash", refinement = "command", executable = "sh")]
fn bash(code: i32) -> std::io::Result<std::process::ExitStatus> {
    std::process::Command::new("/bin/sh").arg("-c").arg(format!("exit {code}")).status()
}

#[tokio::test]
async fn skill_and_command_tools_in_both_modes() {
    for mode in MODES {
        let t = TestTelemetry::with_conventions(mode);
        load_skill("code-review").await.unwrap();
        read_resource("references/policy.md").await.unwrap();
        let out = run_script(3).await.unwrap();
        assert_eq!(out.status.code(), Some(3), "the function behaves as before");
        bash(0).unwrap();
        let latest = mode == Conventions::LatestExperimental;
        let names = |latest_name: &'static str, plain: &'static str| if latest { latest_name } else { plain };

        let loaded = t.span(names("execute_tool load_skill code-review", "execute_tool load_skill"));
        let read = t.span(names("execute_tool read_skill_resource code-review references/policy.md", "execute_tool read_skill_resource"));
        let script = t.span(names("execute_tool run_skill_script code-review scripts/check.sh", "execute_tool run_skill_script"));
        let shell = t.span(names("execute_tool bash sh", "execute_tool bash"));
        for s in [&loaded, &read, &script, &shell] {
            assert_eq!(s.span_kind, SpanKind::Internal);
            assert_eq!(string_attr(s, "gen_ai.operation.name").as_deref(), Some("execute_tool"));
        }
        if latest {
            assert_eq!(string_attr(&loaded, "gen_ai.skill.name").as_deref(), Some("code-review"));
            assert_eq!(string_attr(&loaded, "gen_ai.skill.description").as_deref(), Some("Review a changelist."));
            assert_eq!(string_attr(&loaded, "gen_ai.skill.source.uri").as_deref(), Some("https://skills.example.com/code-review"));
            assert_eq!(string_attr(&read, "gen_ai.skill.resource.name").as_deref(), Some("references/policy.md"));
            assert_eq!(string_attr(&script, "gen_ai.skill.resource.name").as_deref(), Some("scripts/check.sh"));
        } else {
            for s in [&loaded, &read, &script] {
                absent(s, &["gen_ai.skill.name", "gen_ai.skill.description", "gen_ai.skill.source.uri", "gen_ai.skill.resource.name"], "not in v1.41");
            }
        }
        // process.* are core attributes: both modes, command tools only.
        assert_eq!(string_attr(&script, "process.executable.name").as_deref(), Some("sh"));
        assert_eq!(string_attr(&script, "process.executable.path").as_deref(), Some("/bin/sh"));
        assert_eq!(int_attr(&script, "process.exit.code"), Some(3), "{mode:?}: read from the returned Output");
        assert_eq!(int_attr(&shell, "process.exit.code"), Some(0), "{mode:?}: read from the returned ExitStatus");
        absent(&loaded, &["process.exit.code", "process.executable.name"], "not a command");
        // A non-zero exit is the command's answer, not a failed tool call.
        assert!(attr(&script, "error.type").is_none());
        // The tool metric stays per tool (the skill is a span attribute only).
        assert!(points(&t, "gen_ai.execute_tool.duration").iter().all(|p| p.iter().all(|(k, _)| !k.starts_with("gen_ai.skill"))));
    }
}

#[test]
fn a_command_by_hand() {
    let t = TestTelemetry::new();
    let call = GenAiSpanBuilder::tool("exec_command").tool_refinement("command").process_executable_name("sh").start();
    let out = std::process::Command::new("/bin/sh").args(["-c", "exit 2"]).output();
    call.finish(Outcome::success().with_exit_code(out.reported_exit_code()));
    assert_eq!(int_attr(&t.span("execute_tool exec_command"), "process.exit.code"), Some(2));
}

// ---- every span type, only what its latest definition lists ----

#[genai_retrieval(data_source = "kb", provider = "pinecone", conversation_id = "c-1")]
async fn search(q: &str) -> Result<Vec<RetrievedDocument>, ApiError> {
    let _ = q;
    Ok(vec![RetrievedDocument::new("d1").score(0.9)])
}

#[genai_memory(operation = "search_memory", store = "facts", conversation_id = "c-1")]
async fn recall() -> Result<Vec<String>, ApiError> {
    Ok(vec!["likes tea".into()])
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small", conversation_id = "c-1", prompt_name = "embed")]
async fn embed() -> Result<Response, ApiError> {
    Ok(Response::new(Usage::new().input(8).output(0)).id("emb-1").model("text-embedding-3-small").finish_reason("stop"))
}

#[tokio::test]
async fn each_span_type_carries_what_its_definition_lists() {
    for mode in MODES {
        let t = TestTelemetry::with_conventions(mode);
        search("tea").await.unwrap();
        recall().await.unwrap();
        embed().await.unwrap();
        let latest = mode == Conventions::LatestExperimental;
        let retrieval = t.span("retrieval kb");
        let memory = t.span("search_memory");
        let embeddings = t.span("embeddings text-embedding-3-small");
        for s in [&retrieval, &memory] {
            assert_eq!(string_attr(s, "gen_ai.conversation.id").as_deref(), (!latest).then_some("c-1"), "{mode:?} {}", s.name);
        }
        assert_eq!(int_attr(&embeddings, "gen_ai.usage.input_tokens"), Some(8));
        assert_eq!(string_attr(&embeddings, "gen_ai.response.model").as_deref(), Some("text-embedding-3-small"));
        if latest {
            absent(
                &embeddings,
                &["gen_ai.conversation.id", "gen_ai.prompt.name", "gen_ai.usage.output_tokens", "gen_ai.response.id", "gen_ai.response.finish_reasons"],
                "not on the latest embeddings span",
            );
        } else {
            assert_eq!(string_attr(&embeddings, "gen_ai.conversation.id").as_deref(), Some("c-1"));
            assert_eq!(string_attr(&embeddings, "gen_ai.response.id").as_deref(), Some("emb-1"));
        }
    }
}

// ---- captured content: only what each span type lists ----

#[genai_agent(operation = "plan", name = "support")]
async fn plan_steps(question: &str) -> Result<Vec<String>, ApiError> {
    Ok(vec![format!("look up {question}")])
}

#[genai_agent(operation = "create_agent", name = "support", provider = "openai")]
async fn create_agent(instructions: &str) -> Result<String, ApiError> {
    let _ = instructions;
    Ok("asst_1".into())
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small", input_messages = serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": text}]}]))]
async fn embed_text(text: &str) -> Result<Usage, ApiError> {
    Ok(Usage::new().input(text.len() as u64))
}

#[tokio::test]
async fn captured_content_only_where_the_span_type_lists_it() {
    use genai_o11y::{CaptureConfig, CaptureMode, Settings};
    for mode in MODES {
        let t = TestTelemetry::with_settings(Settings::default().conventions(mode).capture(CaptureConfig::new(CaptureMode::SpanOnly)));
        plan_steps("the order").await.unwrap();
        create_agent("Be helpful.").await.unwrap();
        embed_text("hello").await.unwrap();
        let latest = mode == Conventions::LatestExperimental;
        let checks: [(&str, &[&str]); 3] = [
            ("plan support", &["gen_ai.input.messages", "gen_ai.output.messages"]),
            ("create_agent support", &["gen_ai.input.messages", "gen_ai.output.messages"]),
            ("embeddings text-embedding-3-small", &["gen_ai.input.messages"]),
        ];
        for (name, keys) in checks {
            let s = t.span(name);
            for key in keys {
                assert_eq!(attr(&s, key).is_some(), !latest, "{mode:?} {name}: {key}");
            }
        }
    }
}

//! Golden tests of the platform dialects on the exported protobuf: a small agent (agent → tool +
//! chat from a named prompt template, content capture on) goes through each preset to the real
//! OTLP receiver on loopback, and every span's platform keys must be exactly the expected ones:
//! added where the platform reads them, absent where it would misfile them.

mod common;
#[path = "common/packing.rs"]
mod packing;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::*;
use genai_o11y::setup::{Dialect, LogFormat, Preset};
use genai_o11y::{genai_agent, CaptureConfig, CaptureMode, Settings};
use genai_o11y_tests::otlp_receiver::{AttrValue, ReceivedSpan, Receiver};
use packing::*;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| m.get(k).cloned()
}

#[genai_agent(name = "planner", conversation_id = "conv-42")]
fn planner() -> Result<(), ApiError> {
    get_weather("Paris");
    chat(&[Msg { role: "user", content: "What should I pack for Paris?".into() }])?;
    Ok(())
}

/// The three spans of `planner`, exported through `preset` with capture on.
fn through(preset: Preset, vars: &[(&str, &str)], receiver: &Receiver) -> [ReceivedSpan; 3] {
    let settings = Settings::default().capture(CaptureConfig::new(CaptureMode::SpanOnly));
    let guard = genai_o11y::init()
        .env_source(env(vars))
        .service_name("dialect-test")
        .preset(preset)
        .settings(settings)
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    planner().unwrap();
    let report = guard.shutdown();
    assert!(report.completed && report.spans_lost == 0, "{report:?}");
    assert!(receiver.wait_for_spans_blocking(3, Duration::from_secs(10)), "{:?}", receiver.span_names());
    let span = |name: &str| receiver.span(name).unwrap_or_else(|| panic!("{name} missing from {:?}", receiver.span_names()));
    [span("invoke_agent planner"), span("chat gpt-4o"), span("execute_tool get_weather")]
}

/// Keys that belong to a platform, not to the GenAI conventions this crate emits.
fn is_platform_key(k: &str) -> bool {
    const PREFIXES: [&str; 9] = ["openinference.", "input.", "output.", "llm.", "tag.", "langfuse.", "langsmith.", "opik.", "mlflow."];
    const KEYS: [&str; 5] = ["session.id", "user.id", "metadata", "gen_ai.system", "gen_ai.usage.cost"];
    PREFIXES.iter().any(|p| k.starts_with(p)) || KEYS.contains(&k)
}

fn platform_keys(s: &ReceivedSpan) -> BTreeMap<String, AttrValue> {
    s.attributes.iter().filter(|(k, _)| is_platform_key(k)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn expect(pairs: &[(&str, AttrValue)]) -> BTreeMap<String, AttrValue> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn s(v: &str) -> AttrValue {
    AttrValue::Str(v.to_owned())
}

/// The chat span's computed cost (the built-in price of gpt-4o), as exported.
fn cost(chat: &ReceivedSpan) -> f64 {
    chat.attr("genai_o11y.cost.amount").and_then(|v| v.as_f64()).expect("gpt-4o is priced")
}

const ARGS: &str = r#"{"city":"Paris"}"#;
const RESULT: &str = r#"{"temp_c":18,"sky":"rain"}"#;

#[test]
fn phoenix_gets_openinference_kinds_tool_values_and_the_session() {
    let r = Receiver::start();
    let [agent, chat, tool] =
        through(Preset::Phoenix, &[("PHOENIX_COLLECTOR_ENDPOINT", &r.endpoint()), ("OTEL_RESOURCE_ATTRIBUTES", "service.namespace=shop")], &r);
    // Phoenix shows no resource: the service is in each span's metadata.
    let service = ("metadata", s(r#"{"service.name":"dialect-test"}"#));
    // This agent has no parameters and returns `()`: no content, no input.value / output.value.
    assert_eq!(platform_keys(&agent), expect(&[("openinference.span.kind", s("AGENT")), ("session.id", s("conv-42")), service.clone()]));
    assert_eq!(platform_keys(&chat), expect(&[("openinference.span.kind", s("LLM")), service.clone()]), "Phoenix translates model, tokens and messages itself");
    assert_eq!(
        platform_keys(&tool),
        expect(&[
            ("openinference.span.kind", s("TOOL")),
            ("input.value", s(ARGS)),
            ("input.mime_type", s("application/json")),
            ("output.value", s(RESULT)),
            ("output.mime_type", s("application/json")),
            service,
        ])
    );
    // The project: the service namespace (no PHOENIX_PROJECT_NAME).
    let traces: Vec<_> = r.requests().into_iter().filter(|q| q.path == "/v1/traces").collect();
    assert!(!traces.is_empty() && traces.iter().all(|q| q.header("x-project-name") == Some("shop")));
    // The conventions themselves are untouched.
    assert_eq!(tool.attr_str("gen_ai.tool.call.arguments").as_deref(), Some(ARGS));
    assert_eq!(chat.attr_str("gen_ai.request.model").as_deref(), Some("gpt-4o"));
    assert_eq!(chat.attr_str("gen_ai.prompt.name").as_deref(), Some("packing-advice"));
    assert_eq!(agent.attr_str("gen_ai.conversation.id").as_deref(), Some("conv-42"));
}

#[test]
fn langfuse_gets_observation_types_the_session_and_the_cost() {
    let r = Receiver::start();
    let vars = [("LANGFUSE_PUBLIC_KEY", "pk"), ("LANGFUSE_SECRET_KEY", "sk"), ("LANGFUSE_HOST", &r.endpoint())];
    let [agent, chat, tool] = through(Preset::Langfuse, &vars, &r);
    assert_eq!(platform_keys(&agent), expect(&[("langfuse.observation.type", s("agent")), ("langfuse.session.id", s("conv-42"))]));
    assert_eq!(
        platform_keys(&chat),
        expect(&[
            ("langfuse.observation.type", s("generation")),
            ("gen_ai.usage.cost", AttrValue::Double(cost(&chat))),
            ("langfuse.observation.prompt.name", s("packing-advice")),
            ("langfuse.observation.prompt.version", s("3")),
            ("langfuse.trace.name", s("invoke_agent planner")),
        ]),
        "a generation links its prompt; every observation names its trace (Langfuse v4 reads it per observation)"
    );
    assert_eq!(platform_keys(&tool), expect(&[("langfuse.observation.type", s("tool")), ("langfuse.trace.name", s("invoke_agent planner"))]));
    assert!(agent.attr("genai_o11y.aggregated_cost.amount").is_some() && agent.attr("gen_ai.usage.cost").is_none(), "no cost on the agent: no double count");
}

#[test]
fn langsmith_gets_run_kinds_the_provider_and_model_metadata() {
    let r = Receiver::start();
    let [agent, chat, tool] = through(Preset::LangSmith, &[("LANGSMITH_API_KEY", "k"), ("LANGSMITH_ENDPOINT", &r.endpoint())], &r);
    assert_eq!(
        platform_keys(&agent),
        expect(&[("langsmith.span.kind", s("chain")), ("langsmith.metadata.conversation_id", s("conv-42"))]),
        "the root run names the thread; no model metadata on an agent (it is not priced)"
    );
    assert_eq!(
        platform_keys(&chat),
        expect(&[
            ("langsmith.span.kind", s("llm")),
            ("gen_ai.system", s("openai")),
            ("langsmith.metadata.ls_model_name", s("gpt-4o")),
            ("langsmith.metadata.ls_provider", s("openai")),
        ])
    );
    assert_eq!(platform_keys(&tool), expect(&[("langsmith.span.kind", s("tool"))]));
}

#[test]
fn opik_gets_the_provider_and_no_agent_model_usage_messages_or_foreign_keys() {
    let r = Receiver::start();
    let url = format!("{}/api", r.endpoint());
    let [agent, chat, tool] = through(Preset::Opik, &[("OPIK_URL_OVERRIDE", &url)], &r);
    assert_eq!(platform_keys(&agent), expect(&[]));
    for k in agent.attributes.keys() {
        assert!(
            !(k.starts_with("gen_ai.usage.") || k.ends_with(".model") || k.ends_with(".messages") || k == "gen_ai.system_instructions"),
            "{k} on the agent span would make Opik file it as an llm span"
        );
    }
    assert_eq!(platform_keys(&chat), expect(&[("gen_ai.system", s("openai"))]));
    assert_eq!(chat.attr("gen_ai.usage.input_tokens").and_then(|v| v.as_i64()), Some(107), "the chat span keeps its usage");
    assert!(chat.attr("gen_ai.input.messages").is_some() && chat.attr("gen_ai.output.messages").is_some(), "and its messages");
    assert_eq!(platform_keys(&tool), expect(&[]));
    assert_eq!(tool.attr_str("gen_ai.tool.call.arguments").as_deref(), Some(ARGS));
}

#[test]
fn mlflow_gets_span_types_and_reads_the_rest_itself() {
    let r = Receiver::start();
    let [agent, chat, tool] = through(Preset::MLflow, &[("MLFLOW_TRACKING_URI", &r.endpoint())], &r);
    // MLflow translates model, tokens, messages, tool arguments and the session
    // (`gen_ai.conversation.id`) itself: only the types are added.
    assert_eq!(platform_keys(&agent), expect(&[("mlflow.spanType", s("AGENT"))]));
    assert_eq!(platform_keys(&chat), expect(&[("mlflow.spanType", s("CHAT_MODEL"))]));
    assert_eq!(platform_keys(&tool), expect(&[("mlflow.spanType", s("TOOL"))]));
    // The Default experiment (no MLFLOW_EXPERIMENT_ID).
    let traces: Vec<_> = r.requests().into_iter().filter(|q| q.path == "/v1/traces").collect();
    assert!(!traces.is_empty() && traces.iter().all(|q| q.header("x-mlflow-experiment-id") == Some("0")));
}

/// An agent that does carry a model, usage and messages (set by hand), and other platforms' keys:
/// Opik gets none of them.
#[genai_agent(
    name = "annotated",
    model = "gpt-4o",
    fields("gen_ai.usage.input_tokens" = 5, "gen_ai.input.messages" = "[]", "langfuse.trace.name" = "x", "openinference.span.kind" = "AGENT")
)]
fn annotated() {}

/// `annotated`'s attribute keys, exported through the Opik preset (with another dialect if given).
fn annotated_keys(dialect: Option<Dialect>) -> Vec<String> {
    let r = Receiver::start();
    let url = format!("{}/api", r.endpoint());
    let mut setup = genai_o11y::init().env_source(env(&[("OPIK_URL_OVERRIDE", &url)])).preset(Preset::Opik).log_format(LogFormat::Off);
    if let Some(d) = dialect {
        setup = setup.dialect(d);
    }
    let guard = setup.install_thread_local().unwrap();
    annotated();
    assert!(guard.shutdown().completed);
    assert!(r.wait_for_spans_blocking(1, Duration::from_secs(10)));
    r.span("invoke_agent annotated").unwrap().attributes.keys().cloned().collect()
}

#[test]
fn opik_strips_what_would_misfile_an_agent_even_when_set_by_hand() {
    // The control: `Setup::dialect()` overrides the preset's, and Phoenix's keeps them all.
    let control = annotated_keys(Some(Dialect::Phoenix));
    for k in ["gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.input.messages", "langfuse.trace.name", "openinference.span.kind", "input.value"] {
        assert!(control.iter().any(|c| c == k), "{k} missing from {control:?}");
    }
    assert_eq!(
        annotated_keys(None),
        ["gen_ai.agent.description", "gen_ai.agent.name", "gen_ai.operation.name", "genai_o11y.agent.inference_calls", "genai_o11y.agent.tool_calls"]
    );
}

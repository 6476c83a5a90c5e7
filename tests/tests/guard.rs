//! `#[genai_guardrail]` and `genai_o11y::guard`: the guard's span, every decision (derived,
//! returned, read by a closure, built by hand), the `gen_ai.guardrail.result` event, the decisions
//! counter, the mark a block leaves on every enclosing agent, the ERROR log of a block, content
//! capture, in both convention modes.

mod common;

use common::*;
use genai_o11y::attribution::{Attribution, MetricAttribution};
use genai_o11y::guard::{Decision, DecisionKind, GuardDecision};
use genai_o11y::testing::{attr, point_attrs, TestTelemetry};
use genai_o11y::{genai_agent, genai_guardrail, genai_workflow, CaptureConfig, CaptureMode, Conventions, GenAiSpanBuilder, Outcome, Settings};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

const MODES: [Conventions; 2] = [Conventions::V1_41, Conventions::LatestExperimental];

#[derive(GuardDecision, Debug)]
enum Verdict {
    Allow,
    Block {
        reason: String,
        rule_id: &'static str,
        risk_score: f32,
    },
    #[guard(modify)]
    Masked {
        #[guard(reason)]
        why: &'static str,
        category: Option<String>,
    },
    Escalate(#[guard(reason)] String),
}

/// A guard on the user's input: its decision read from the derived enum.
#[genai_guardrail(name = "pii", policy = "privacy", policy_version = "3", source = "input", risk_category = "pii")]
fn pii_guard(text: &str) -> Verdict {
    if text.contains("SSN") {
        Verdict::Block { reason: "a social security number".into(), rule_id: "pii.ssn", risk_score: 0.97 }
    } else if text.contains("card") {
        Verdict::Masked { why: "card number masked", category: Some("pci".into()) }
    } else if text.contains("lawyer") {
        Verdict::Escalate("legal advice".into())
    } else {
        Verdict::Allow
    }
}

/// What a remote moderation service answers (a type the application does not own).
#[derive(Debug, serde::Serialize)]
struct Moderation {
    flagged: bool,
    category: &'static str,
}

/// A remote guard service: CLIENT, its decision read by a closure; it may fail.
#[genai_guardrail(
    name = "moderation",
    span_kind = "client",
    provider = "openai",
    server_address = "api.openai.com",
    server_port = 443,
    source = "output",
    decision = |m: &Moderation| if m.flagged { Decision::block("flagged").risk_category(m.category).value("flagged") } else { Decision::allow() },
)]
async fn moderate(text: &str) -> Result<Moderation, ApiError> {
    match text {
        "timeout" => Err(ApiError::Timeout),
        t => Ok(Moderation { flagged: t.contains("hate"), category: "hate" }),
    }
}

/// An async guard returning a `Decision` (in a `Result`), whose output is captured.
#[genai_guardrail(name = "redactor", output = |d: &Decision| d.reason_text().map(str::to_owned))]
async fn redactor(text: String, _max: usize) -> Result<Decision, ApiError> {
    Ok(if text.contains('@') { Decision::modify("e-mail redacted").rule_id("email") } else { Decision::allow() })
}

fn event_attrs(span: &SpanData) -> Vec<(String, Value)> {
    let events: Vec<_> = span.events.iter().filter(|e| e.name == "gen_ai.guardrail.result").collect();
    assert_eq!(events.len(), 1, "one result event on {}: {:?}", span.name, span.events);
    events[0].attributes.iter().map(|kv| (kv.key.to_string(), kv.value.clone())).collect()
}

fn event_str(span: &SpanData, key: &str) -> Option<String> {
    event_attrs(span).into_iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str().into_owned())
}

/// `(guard, result type) -> count` of the decisions counter.
fn decisions(t: &TestTelemetry) -> Vec<(String, String, u64)> {
    let mut out: Vec<(String, String, u64)> = t
        .u64_counter("genai_o11y.guardrail.decisions")
        .iter()
        .map(|p| {
            let a = point_attrs(p.attributes());
            let get = |k: &str| a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
            (get("gen_ai.guardrail.component.name"), get("gen_ai.guardrail.result.type"), p.value())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_decision_in_both_modes() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        assert!(matches!(pii_guard("hello"), Verdict::Allow), "the value comes back unchanged");
        assert!(matches!(pii_guard("my SSN is ..."), Verdict::Block { .. }));
        assert!(matches!(pii_guard("my card is ..."), Verdict::Masked { .. }));
        assert!(matches!(pii_guard("I need a lawyer"), Verdict::Escalate(_)));
        let spans: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name == "run_guardrail pii").collect();
        assert_eq!(spans.len(), 4, "{conventions:?}: {:?}", t.span_names());
        for s in &spans {
            assert_eq!(s.span_kind, SpanKind::Internal);
            assert_eq!(s.status, Status::Unset, "a decision, even a block, is no error");
            for (k, v) in [
                ("gen_ai.operation.name", "run_guardrail"),
                ("gen_ai.guardrail.component.name", "pii"),
                ("gen_ai.guardrail.policy.id", "privacy"),
                ("gen_ai.guardrail.policy.version", "3"),
                ("gen_ai.guardrail.source", "input"),
            ] {
                assert_eq!(string_attr(s, k).as_deref(), Some(v), "{conventions:?} {k}");
            }
            assert!(attr(s, "gen_ai.guardrail.content.input.value").is_none(), "content is opt-in");
        }
        let [allow, block, modify, escalate] = [&spans[0], &spans[1], &spans[2], &spans[3]];
        // Allow: the type, the guard's default risk category, nothing else.
        assert_eq!(string_attr(allow, "gen_ai.guardrail.result.type").as_deref(), Some("allow"));
        assert_eq!(string_attr(allow, "gen_ai.guardrail.risk.category").as_deref(), Some("pii"));
        assert!(attr(allow, "gen_ai.guardrail.result.reason").is_none());
        // Block: reason, rule and score from the variant's fields.
        assert_eq!(string_attr(block, "gen_ai.guardrail.result.type").as_deref(), Some("block"));
        assert_eq!(string_attr(block, "gen_ai.guardrail.result.reason").as_deref(), Some("a social security number"));
        assert_eq!(string_attr(block, "gen_ai.guardrail.policy.rule.id").as_deref(), Some("pii.ssn"));
        match attr(block, "gen_ai.guardrail.risk.score") {
            Some(Value::F64(v)) => assert!((v - 0.97).abs() < 1e-6, "{v}"),
            other => panic!("risk score {other:?}"),
        }
        // Modify: a marked reason field; its own category wins over the guard's.
        assert_eq!(string_attr(modify, "gen_ai.guardrail.result.type").as_deref(), Some("modify"));
        assert_eq!(string_attr(modify, "gen_ai.guardrail.result.reason").as_deref(), Some("card number masked"));
        assert_eq!(string_attr(modify, "gen_ai.guardrail.risk.category").as_deref(), Some("pci"));
        // Escalate: a tuple variant's marked field.
        assert_eq!(string_attr(escalate, "gen_ai.guardrail.result.type").as_deref(), Some("escalate"));
        assert_eq!(string_attr(escalate, "gen_ai.guardrail.result.reason").as_deref(), Some("legal advice"));
        // The event carries the decision and the guard's policy.
        for (k, v) in [
            ("gen_ai.guardrail.component.name", "pii"),
            ("gen_ai.guardrail.result.type", "block"),
            ("gen_ai.guardrail.result.reason", "a social security number"),
            ("gen_ai.guardrail.policy.id", "privacy"),
            ("gen_ai.guardrail.policy.version", "3"),
            ("gen_ai.guardrail.policy.rule.id", "pii.ssn"),
            ("gen_ai.guardrail.source", "input"),
            ("gen_ai.guardrail.risk.category", "pii"),
        ] {
            assert_eq!(event_str(block, k).as_deref(), Some(v), "{conventions:?} event {k}");
        }
        assert!(event_attrs(block).iter().any(|(k, _)| k == "gen_ai.guardrail.risk.score"));
        assert_eq!(event_str(escalate, "gen_ai.guardrail.result.type").as_deref(), Some("escalate"));
        // One count per decision, by guard and result type.
        let expected: Vec<(String, String, u64)> = ["allow", "block", "escalate", "modify"].iter().map(|r| ("pii".to_owned(), (*r).to_owned(), 1)).collect();
        assert_eq!(decisions(&t), expected, "{conventions:?}");
        let m = t.metric("genai_o11y.guardrail.decisions").unwrap();
        assert_eq!(m.unit, "{decision}");
    }
}

#[genai_agent(name = "support")]
async fn support(text: &str) -> Result<String, ApiError> {
    if matches!(pii_guard(text), Verdict::Block { .. }) {
        return Ok("I can't help with that".into());
    }
    Ok("sure".into())
}

#[genai_agent(name = "router")]
async fn router(text: &str) -> Result<String, ApiError> {
    let answer = support(text).await?;
    let _ = moderate(&answer).await;
    Ok(answer)
}

#[genai_workflow(name = "desk")]
async fn desk(texts: Vec<&'static str>) -> Result<usize, ApiError> {
    for t in &texts {
        router(t).await?;
    }
    Ok(texts.len())
}

#[tokio::test]
async fn a_block_marks_every_enclosing_agent_and_workflow() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        // One request that a guard blocks, one it allows.
        desk(vec!["my SSN is 123", "hello"]).await.unwrap();
        let spans = t.spans();
        let named = |n: &str| spans.iter().filter(|s| s.name == n).cloned().collect::<Vec<_>>();
        let (supports, routers) = (named("invoke_agent support"), named("invoke_agent router"));
        assert_eq!((supports.len(), routers.len()), (2, 2));
        let blocked = |s: &SpanData| attr(s, "genai_o11y.guardrail.blocked").cloned();
        // The blocked request (the first): the agent that ran the guard, the agent around it,
        // the workflow.
        let by_trace_order = |v: &[SpanData]| {
            let mut v = v.to_vec();
            v.sort_by_key(|s| s.start_time);
            v
        };
        let (supports, routers) = (by_trace_order(&supports), by_trace_order(&routers));
        for s in [&supports[0], &routers[0]] {
            assert_eq!(blocked(s), Some(Value::Bool(true)), "{conventions:?} {}", s.name);
            assert_eq!(int_attr(s, "genai_o11y.guardrail.block_count"), Some(1));
        }
        let workflow = t.span("invoke_workflow desk");
        assert_eq!(blocked(&workflow), Some(Value::Bool(true)));
        assert_eq!(int_attr(&workflow, "genai_o11y.guardrail.block_count"), Some(1), "one block in the whole workflow");
        // The allowed request's agents carry no mark.
        for s in [&supports[1], &routers[1]] {
            assert_eq!(blocked(s), None, "{conventions:?} {}", s.name);
        }
        // The guards ran inside their agents and name them on the counter.
        let guard = spans.iter().find(|s| s.name == "run_guardrail pii" && string_attr(s, "gen_ai.guardrail.result.type").as_deref() == Some("block")).unwrap();
        assert!(is_child_of(guard, &supports[0]));
        assert_eq!(string_attr(guard, "gen_ai.agent.name").as_deref(), Some("support"));
        let agents: Vec<String> = t
            .u64_counter("genai_o11y.guardrail.decisions")
            .iter()
            .flat_map(|p| point_attrs(p.attributes()))
            .filter(|(k, _)| k == "gen_ai.agent.name")
            .map(|(_, v)| v)
            .collect();
        assert!(agents.contains(&"support".to_owned()) && agents.contains(&"router".to_owned()), "{agents:?}");
    }
}

#[tokio::test]
async fn a_remote_guard_read_by_a_closure_and_a_guard_that_fails() {
    for conventions in MODES {
        let t = with_error_messages_in(conventions);
        let m = moderate("some hate speech").await.unwrap();
        assert!(m.flagged, "the value comes back unchanged");
        assert!(moderate("fine").await.is_ok());
        assert_eq!(moderate("timeout").await.unwrap_err(), ApiError::Timeout);
        let spans: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name == "run_guardrail moderation").collect();
        assert_eq!(spans.len(), 3);
        for s in &spans {
            assert_eq!(s.span_kind, SpanKind::Client, "a remote guard service");
            assert_eq!(string_attr(s, "server.address").as_deref(), Some("api.openai.com"));
            assert_eq!(int_attr(s, "server.port"), Some(443));
            assert_eq!(string_attr(s, "gen_ai.provider.name").as_deref(), Some("openai"));
            assert_eq!(string_attr(s, "gen_ai.guardrail.source").as_deref(), Some("output"));
        }
        assert_eq!(string_attr(&spans[0], "gen_ai.guardrail.result.type").as_deref(), Some("block"));
        assert_eq!(string_attr(&spans[0], "gen_ai.guardrail.result.value").as_deref(), Some("flagged"));
        assert_eq!(string_attr(&spans[0], "gen_ai.guardrail.risk.category").as_deref(), Some("hate"));
        assert_eq!(string_attr(&spans[1], "gen_ai.guardrail.result.type").as_deref(), Some("allow"));
        // A guard that fails: the error, no decision, no event, not counted.
        let failed = &spans[2];
        assert_eq!(string_attr(failed, "error.type").as_deref(), Some("timeout"));
        assert!(matches!(failed.status, Status::Error { .. }));
        assert!(attr(failed, "gen_ai.guardrail.result.type").is_none());
        assert!(failed.events.iter().all(|e| e.name != "gen_ai.guardrail.result"));
        let counted: Vec<(String, String, u64)> = decisions(&t);
        assert_eq!(counted, vec![("moderation".into(), "allow".into(), 1), ("moderation".into(), "block".into(), 1)], "{conventions:?}");
    }
}

fn with_error_messages_in(conventions: Conventions) -> TestTelemetry {
    TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::default().error_messages(true)))
}

#[tokio::test]
async fn with_capture_what_the_guard_checked_and_let_through() {
    for (conventions, mode) in [(Conventions::V1_41, CaptureMode::SpanAndEvent), (Conventions::LatestExperimental, CaptureMode::EventOnly)] {
        let t = TestTelemetry::with_settings(Settings::default().conventions(conventions).capture(CaptureConfig::new(mode)));
        pii_guard("hello there");
        let _ = redactor("mail me at a@b.c".into(), 3).await.unwrap();
        let pii = t.span("run_guardrail pii");
        let red = t.span("run_guardrail redactor");
        // A single parameter is the content itself; several are their object.
        assert_eq!(event_str(&pii, "gen_ai.guardrail.content.input.value").as_deref(), Some("hello there"), "{conventions:?}");
        let input: serde_json::Value = serde_json::from_str(&event_str(&red, "gen_ai.guardrail.content.input.value").unwrap()).unwrap();
        assert_eq!(input, serde_json::json!({"text": "mail me at a@b.c", "_max": 3}));
        assert_eq!(event_str(&red, "gen_ai.guardrail.content.output.value").as_deref(), Some("e-mail redacted"));
        assert_eq!(event_str(&red, "gen_ai.guardrail.result.type").as_deref(), Some("modify"));
        assert_eq!(string_attr(&red, "gen_ai.guardrail.policy.rule.id").as_deref(), Some("email"));
        if mode == CaptureMode::SpanAndEvent {
            assert_eq!(string_attr(&pii, "gen_ai.guardrail.content.input.value").as_deref(), Some("hello there"));
            assert_eq!(string_attr(&red, "gen_ai.guardrail.content.output.value").as_deref(), Some("e-mail redacted"));
        } else {
            assert!(attr(&pii, "gen_ai.guardrail.content.input.value").is_none(), "event only");
        }
    }
}

#[test]
fn by_hand_with_the_builder() {
    for conventions in MODES {
        let t = TestTelemetry::with_conventions(conventions);
        let call = GenAiSpanBuilder::guardrail("jailbreak")
            .guardrail_policy("safety")
            .guardrail_source("input")
            .guardrail_span_kind("client")
            .server_address("guard.internal")
            .start();
        call.finish(Outcome::success().with_decision(Some(Decision::block("prompt injection").risk_category("prompt_injection").risk_score(0.8))));
        let s = t.span("run_guardrail jailbreak");
        assert_eq!(s.span_kind, SpanKind::Client);
        assert_eq!(string_attr(&s, "gen_ai.guardrail.result.type").as_deref(), Some("block"));
        assert_eq!(string_attr(&s, "gen_ai.guardrail.risk.category").as_deref(), Some("prompt_injection"));
        assert_eq!(string_attr(&s, "gen_ai.guardrail.policy.id").as_deref(), Some("safety"));
        assert_eq!(decisions(&t), vec![("jailbreak".into(), "block".into(), 1)]);
        // Guard methods on another kind of call change nothing.
        let chat = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o").guardrail_policy("x").guardrail_span_kind("client").expects_usage(false).start();
        chat.finish(Outcome::success());
        assert!(attr(&t.span("chat gpt-4o"), "gen_ai.guardrail.policy.id").is_none());
    }
}

#[test]
fn derived_and_returned_decisions() {
    assert_eq!(Verdict::Allow.guard_decision(), Decision::allow());
    let b = Verdict::Block { reason: "r".into(), rule_id: "x", risk_score: f32::NAN }.guard_decision();
    assert_eq!((b.kind(), b.reason_text()), (DecisionKind::Block, Some("r")));
    assert_eq!(b, Decision::block("r").rule_id("x"), "a score that is not finite is dropped");
    assert_eq!(Verdict::Masked { why: "w", category: None }.guard_decision(), Decision::modify("w"));
    assert_eq!(Verdict::Escalate("e".into()).guard_decision(), Decision::escalate("e"));
    assert!(Decision::block("x").is_block() && !Decision::allow().is_block());
}

#[tokio::test]
async fn allowed_attribution_keys_reach_the_counter() {
    let t = TestTelemetry::with_settings(Settings::default().metric_attribution(MetricAttribution::keys(["app.feature"])));
    Attribution::new().metadata("app.feature", "checkout").user_id("u-1").scope(async { pii_guard("my SSN") }).await;
    let points = t.u64_counter("genai_o11y.guardrail.decisions");
    let attrs = point_attrs(points[0].attributes());
    assert!(attrs.contains(&("app.feature".into(), "checkout".into())), "{attrs:?}");
    assert!(!attrs.iter().any(|(k, _)| k == "user.id"), "{attrs:?}");
}

#[tokio::test]
async fn a_block_is_logged_at_error_with_its_trace_id() {
    use genai_o11y::setup::{Exporter, LogFormat};
    use opentelemetry_sdk::trace::InMemorySpanExporter;
    let logs = Buf::default();
    let spans = InMemorySpanExporter::default();
    let guard = genai_o11y::init()
        .env_source(|_: &str| None)
        .span_exporter(spans.clone())
        .exporter(Exporter::None)
        .log_format(LogFormat::Json)
        .log_output(logs.clone())
        .install_thread_local()
        .unwrap();
    support("my SSN is 123").await.unwrap();
    support("hello").await.unwrap();
    guard.flush();
    let exported = spans.get_finished_spans().unwrap();
    let lines: Vec<serde_json::Value> = logs.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let errors: Vec<&serde_json::Value> = lines.iter().filter(|l| l["level"] == "ERROR").collect();
    assert_eq!(errors.len(), 1, "one block, one ERROR record: {lines:?}");
    let e = errors[0];
    assert_eq!(e["message"], "guardrail pii blocked: a social security number");
    assert_eq!(e["gen_ai.guardrail.component.name"], "pii");
    assert_eq!(e["gen_ai.guardrail.policy.rule.id"], "pii.ssn");
    let guard_span = exported
        .iter()
        .find(|s| s.name == "run_guardrail pii" && s.span_context.span_id().to_string() == e["span_id"].as_str().unwrap())
        .expect("the logged span is the guard's");
    assert_eq!(e["trace_id"].as_str().unwrap(), guard_span.span_context.trace_id().to_string());
    assert_eq!(guard_span.status, Status::Unset, "the ERROR record does not fail the span");
}

#[tokio::test]
async fn the_console_shows_the_decision_as_the_key_figure() {
    use genai_o11y::setup::console::span_tree;
    use genai_o11y::setup::ConsoleStyle;
    let t = TestTelemetry::new();
    support("my SSN is 123").await.unwrap();
    let tree = span_tree(&t.spans(), ConsoleStyle::Compact);
    let line = |prefix: &str| tree.lines().find(|l| l.trim_start().starts_with(prefix)).unwrap_or_else(|| panic!("{prefix} in\n{tree}")).to_owned();
    let guard = line("run_guardrail pii");
    assert!(guard.contains("guard BLOCK risk pii 0.97") && guard.contains("(rule pii.ssn): a social security number"), "{guard}");
    assert!(line("invoke_agent support").contains("1 guard block"), "{tree}");
}

#[tokio::test]
async fn outcome_sampling_keeps_the_traces_where_a_guard_blocked() {
    use genai_o11y::sampling::OutcomeSampling;
    for conventions in MODES {
        // Keep no successful trace by ratio: only the outcomes keep one.
        let t = TestTelemetry::with_outcome_sampling(Settings::default().conventions(conventions), OutcomeSampling::keep_successes(0.0));
        support("hello").await.unwrap();
        support("my SSN is 123").await.unwrap();
        // A guard outside any agent: its own span carries the mark.
        pii_guard("another SSN");
        pii_guard("fine");
        let spans = t.spans();
        let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names.iter().filter(|n| **n == "invoke_agent support").count(), 1, "{conventions:?}: the blocked request only: {names:?}");
        assert_eq!(names.iter().filter(|n| **n == "run_guardrail pii").count(), 2, "{names:?}");
        assert!(spans.iter().filter(|s| s.name == "run_guardrail pii").all(|s| string_attr(s, "gen_ai.guardrail.result.type").as_deref() == Some("block")));
        let stats = t.sampling_stats().unwrap();
        assert_eq!(stats.kept_guard_blocked, 2, "{stats:?}");
    }
}

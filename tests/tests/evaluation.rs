//! Evaluations: the `gen_ai.evaluation.result` event on the span evaluated (the current one, a
//! handle taken during the call, a remembered response id), the score histogram, evaluator
//! failures and invalid evaluations, in both convention modes.

mod common;

use common::*;
use genai_o11y::evaluation::{self, Evaluation, EvaluationTarget};
use genai_o11y::testing::{point_attrs, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, Conventions, HasUsage};
use opentelemetry_sdk::trace::SpanData;

/// The answer and a handle on the call's span, for an evaluation after it ended.
#[derive(HasUsage)]
struct Answer {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(skip)]
    target: Option<EvaluationTarget>,
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(question: &str) -> Result<Answer, ApiError> {
    let _ = question;
    let r = response("gpt-4o", "Pack an umbrella.");
    Ok(Answer { id: r.id, model: r.model, prompt_tokens: r.prompt_tokens, completion_tokens: r.completion_tokens, target: EvaluationTarget::current() })
}

#[genai_agent(name = "judge_demo")]
async fn agent() -> Result<Answer, ApiError> {
    let answer = chat("What should I pack?").await?;
    // Evaluated inside the agent: an event on the agent's span.
    Evaluation::score("relevance", 0.92).explanation("answers the question asked").record();
    Ok(answer)
}

/// Every attribute of each evaluation event: exactly the conventions' (no `level` or `target`,
/// which tracing-opentelemetry adds to every event and the export side removes from ours).
fn event_attrs(span: &SpanData) -> Vec<Vec<(String, String)>> {
    span.events.iter().filter(|e| e.name == "gen_ai.evaluation.result").map(|e| point_attrs(e.attributes.iter())).collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    v.sort();
    v
}

/// The remembered responses are process-wide, and the chats of these tests answer with the same
/// response id: the tests that make them run one at a time.
static RESPONSE_IDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn evaluations_land_on_the_span_they_evaluate_in_both_modes() {
    let _one_at_a_time = RESPONSE_IDS.lock().await;
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_conventions(conventions);
        evaluation::remember_responses(16);
        let answer = agent().await.unwrap();

        // After the call ended: through the handle, and through the response id.
        Evaluation::label("toxicity", "safe").target(answer.target).record();
        Evaluation::score("faithfulness", 0.4).with_label("weak").response_id("chatcmpl-123").record();
        // The evaluator failed: the event says so.
        Evaluation::score("groundedness", 0.0).error_type("judge_timeout").target(answer.target).record();

        let agent_span = t.span("invoke_agent judge_demo");
        let chat_span = t.span("chat gpt-4o");
        assert_eq!(
            event_attrs(&agent_span),
            [pairs(&[
                ("gen_ai.evaluation.name", "relevance"),
                ("gen_ai.evaluation.score.value", "0.92"),
                ("gen_ai.evaluation.explanation", "answers the question asked")
            ])],
            "{conventions:?}"
        );
        let late: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name.starts_with("evaluation ")).collect();
        let names: Vec<&str> = late.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names, ["evaluation toxicity", "evaluation faithfulness", "evaluation groundedness"]);
        for s in &late {
            assert!(is_child_of(s, &chat_span), "{} is a child of the evaluated chat", s.name);
            assert!(!s.parent_span_is_remote);
            assert_eq!(string_attr(s, "gen_ai.evaluation.name").as_deref(), s.name.strip_prefix("evaluation "));
        }
        assert_eq!(event_attrs(&late[0]), [pairs(&[("gen_ai.evaluation.name", "toxicity"), ("gen_ai.evaluation.score.label", "safe")])]);
        assert_eq!(
            event_attrs(&late[1]),
            [pairs(&[
                ("gen_ai.evaluation.name", "faithfulness"),
                ("gen_ai.evaluation.score.value", "0.4"),
                ("gen_ai.evaluation.score.label", "weak"),
                ("gen_ai.response.id", "chatcmpl-123")
            ])]
        );
        assert_eq!(string_attr(&late[2], "error.type").as_deref(), Some("judge_timeout"));
        assert_eq!(
            event_attrs(&late[2]),
            [pairs(&[("gen_ai.evaluation.name", "groundedness"), ("gen_ai.evaluation.score.value", "0"), ("error.type", "judge_timeout")])]
        );

        // The score histogram: one series per evaluation name (and evaluator failure); labels
        // alone record no score.
        type Point = (Vec<(String, String)>, u64, f64);
        let mut points: Vec<Point> = t.f64_histogram("genai_o11y.evaluation.score").iter().map(|p| (point_attrs(p.attributes()), p.count(), p.sum())).collect();
        points.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            points,
            [
                (pairs(&[("error.type", "judge_timeout"), ("gen_ai.evaluation.name", "groundedness")]), 1, 0.0),
                (pairs(&[("gen_ai.evaluation.name", "faithfulness")]), 1, 0.4),
                (pairs(&[("gen_ai.evaluation.name", "relevance")]), 1, 0.92),
            ]
        );
        let m = t.metric("genai_o11y.evaluation.score").unwrap();
        assert_eq!(m.unit, "{score}");
        evaluation::remember_responses(0);
    }
}

#[tokio::test]
async fn invalid_or_unplaceable_evaluations_never_fail_the_application() {
    let t = TestTelemetry::new();
    // No name; a NaN score and no label: dropped (with a warning), nothing recorded.
    Evaluation::score("", 1.0).record();
    Evaluation::score("nan", f64::NAN).record();
    // A response id nobody remembered and no current span: an event nowhere, a score still.
    Evaluation::score("orphan", 0.5).response_id("unknown").record();
    evaluation::record("shorthand", 1.0);
    assert!(t.spans().is_empty(), "{:?}", t.span_names());
    let names: Vec<String> = t.f64_histogram("genai_o11y.evaluation.score").iter().flat_map(|p| point_attrs(p.attributes())).map(|(_, v)| v).collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["orphan", "shorthand"]);
}

#[tokio::test]
async fn the_console_shows_each_evaluation() {
    let _one_at_a_time = RESPONSE_IDS.lock().await;
    let out = Buf::default();
    let guard =
        genai_o11y::init().env_source(|_| None).console_output(out.clone()).log_format(genai_o11y::setup::LogFormat::Off).install_thread_local().unwrap();
    let answer = agent().await.unwrap();
    Evaluation::label("toxicity", "safe").target(answer.target).record();
    guard.flush();
    let text = out.text();
    assert!(text.lines().any(|l| l.starts_with("invoke_agent judge_demo") && l.contains("eval relevance=0.92")), "{text}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("evaluation toxicity") && l.contains("eval toxicity=safe")), "{text}");
    drop(guard);
}

//! `#[genai_agent(operation = "create_agent" | "plan")]`: creating an agent at a provider and an
//! agent making its plan, in both convention modes.

mod common;

use common::*;
use genai_o11y::testing::{point_attrs, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, Conventions, GenAiSpanBuilder, Outcome, Usage};
use opentelemetry::trace::SpanKind;

/// Creates the support agent at the provider.
#[genai_agent(operation = "create_agent", name = "support", provider = "openai", model = "gpt-4o", id = id, version = "3")]
async fn create_support_agent(id: &str) -> Result<String, ApiError> {
    Ok(id.to_owned())
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat() -> Result<Usage, ApiError> {
    Ok(Usage::new().input(40).output(8))
}

#[genai_agent(operation = "plan", name = "support")]
async fn make_plan() -> Result<Vec<String>, ApiError> {
    chat().await?;
    Ok(vec!["look up the order".into(), "answer".into()])
}

#[genai_agent(name = "support")]
async fn support() -> Result<usize, ApiError> {
    let plan = make_plan().await?;
    // By hand: a plan with no name is the enclosing agent's.
    let call = GenAiSpanBuilder::plan(None::<&str>).start();
    call.finish(Outcome::default());
    Ok(plan.len())
}

#[tokio::test]
async fn create_agent_and_plan_spans_in_both_modes() {
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_conventions(conventions);
        create_support_agent("asst_123").await.unwrap();
        assert_eq!(support().await.unwrap(), 2);

        let created = t.span("create_agent support");
        assert_eq!(created.span_kind, SpanKind::Client);
        for (k, v) in [
            ("gen_ai.operation.name", "create_agent"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.agent.name", "support"),
            ("gen_ai.agent.id", "asst_123"),
            ("gen_ai.agent.version", "3"),
            ("gen_ai.agent.description", "Creates the support agent at the provider."),
            ("gen_ai.request.model", "gpt-4o"),
        ] {
            assert_eq!(string_attr(&created, k).as_deref(), Some(v), "{conventions:?} {k}");
        }
        assert!(genai_o11y::testing::attr(&created, "genai_o11y.usage.missing").is_none(), "creating an agent reports no usage");

        let agent = t.span("invoke_agent support");
        let plans: Vec<_> = t.spans().into_iter().filter(|s| s.name == "plan support").collect();
        assert_eq!(plans.len(), 2, "the annotated plan and the hand-built one named after its agent");
        for p in &plans {
            assert_eq!(p.span_kind, SpanKind::Internal);
            assert_eq!(string_attr(p, "gen_ai.operation.name").as_deref(), Some("plan"));
            assert!(is_child_of(p, &agent));
        }
        let chat = t.span("chat gpt-4o");
        assert!(plans.iter().any(|p| is_child_of(&chat, p)), "the chat that makes the plan is its child");
        assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(40), "the plan's chat counts for its agent");

        // create_agent is a client operation: gen_ai.client.operation.duration; plan records none.
        let durations: Vec<Vec<(String, String)>> = t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| point_attrs(p.attributes())).collect();
        assert!(
            durations.contains(&vec![
                ("gen_ai.operation.name".to_owned(), "create_agent".to_owned()),
                ("gen_ai.provider.name".to_owned(), "openai".to_owned()),
                ("gen_ai.request.model".to_owned(), "gpt-4o".to_owned()),
            ]),
            "{durations:?}"
        );
        assert!(durations.iter().all(|d| !d.iter().any(|(_, v)| v == "plan")));
        let agents: Vec<Vec<(String, String)>> = t.f64_histogram("gen_ai.invoke_agent.duration").iter().map(|p| point_attrs(p.attributes())).collect();
        assert_eq!(agents, [vec![("gen_ai.agent.name".to_owned(), "support".to_owned())]], "only the invocation is an agent duration");
    }
}

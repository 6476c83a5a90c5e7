//! `#[genai_workflow]`: a multi-agent entry point's span, its totals, its duration metric, its
//! errors and attribution, in both convention modes.

mod common;

use common::*;
use genai_o11y::testing::{point_attrs, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool, genai_workflow, Conventions, Usage};
use opentelemetry::trace::{SpanKind, Status};

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(input: u64) -> Result<Usage, ApiError> {
    Ok(Usage::new().input(input).output(10))
}

#[genai_tool]
async fn search(q: &str) -> Result<String, ApiError> {
    Ok(q.to_owned())
}

#[genai_agent(name = "researcher")]
async fn researcher() -> Result<(), ApiError> {
    search("rust").await?;
    chat(100).await?;
    Ok(())
}

#[genai_agent(name = "writer")]
async fn writer() -> Result<(), ApiError> {
    chat(200).await?;
    Ok(())
}

/// Plans and writes a report.
#[genai_workflow(name = "report", session_id = "s-wf")]
async fn report(fail: bool) -> Result<u32, ApiError> {
    researcher().await?;
    writer().await?;
    chat(50).await?;
    if fail {
        return Err(ApiError::Timeout);
    }
    Ok(3)
}

#[tokio::test]
async fn a_workflow_spans_its_agents_totals_their_usage_and_records_its_duration() {
    for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
        let t = TestTelemetry::with_conventions(conventions);
        assert_eq!(report(false).await.unwrap(), 3);
        let wf = t.span("invoke_workflow report");
        assert_eq!(wf.span_kind, SpanKind::Internal);
        assert_eq!(string_attr(&wf, "gen_ai.operation.name").as_deref(), Some("invoke_workflow"));
        assert_eq!(string_attr(&wf, "gen_ai.workflow.name").as_deref(), Some("report"));
        assert!(is_root(&wf));
        for agent in ["invoke_agent researcher", "invoke_agent writer"] {
            assert!(is_child_of(&t.span(agent), &wf), "{agent}");
        }
        // Totals of every call beneath it, agents' included; no agent call counts of its own.
        assert_eq!(int_attr(&wf, "genai_o11y.aggregated_usage.input_tokens"), Some(350), "{conventions:?}");
        assert_eq!(int_attr(&wf, "genai_o11y.aggregated_usage.output_tokens"), Some(30));
        assert!(genai_o11y::testing::attr(&wf, "genai_o11y.agent.inference_calls").is_none());
        assert!(genai_o11y::testing::attr(&wf, "gen_ai.usage.input_tokens").is_none(), "usage lives on inference spans only");
        // A tool reports its agent, not the workflow.
        assert_eq!(string_attr(&t.span("execute_tool search"), "gen_ai.agent.name").as_deref(), Some("researcher"));
        // Attribution over the whole workflow.
        assert!(t.spans().iter().all(|s| string_attr(s, "session.id").as_deref() == Some("s-wf")));

        let points = t.f64_histogram("gen_ai.invoke_workflow.duration");
        assert_eq!(points.len(), 1);
        assert_eq!(point_attrs(points[0].attributes()), [("gen_ai.workflow.name".to_owned(), "report".to_owned())]);
        assert_eq!(points[0].bounds().collect::<Vec<_>>(), [1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0]);
        assert_eq!(t.metric("gen_ai.invoke_workflow.duration").unwrap().unit, "s");
    }
}

#[tokio::test]
async fn a_failed_workflow_records_its_error() {
    let t = TestTelemetry::new();
    assert!(report(true).await.is_err());
    let wf = t.span("invoke_workflow report");
    assert!(matches!(wf.status, Status::Error { .. }));
    assert_eq!(string_attr(&wf, "error.type").as_deref(), Some("timeout"));
    let points = t.f64_histogram("gen_ai.invoke_workflow.duration");
    let mut attrs = point_attrs(points[0].attributes());
    attrs.sort();
    assert_eq!(attrs, [("error.type".to_owned(), "timeout".to_owned()), ("gen_ai.workflow.name".to_owned(), "report".to_owned())]);
}

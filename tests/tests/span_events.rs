//! The span events of this crate are the conventions' events, with their attributes only:
//! tracing-opentelemetry's `level` and `target` are removed from them, the one-line call
//! summaries (`log_summaries`) stay log lines and never become span events, and the
//! application's own events inside a GenAI span are left as they are.

mod common;

use common::*;
use genai_o11y::evaluation::Evaluation;
use genai_o11y::testing::TestTelemetry;
use genai_o11y::{genai_span, Settings};

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn chat(fail: bool) -> Result<ChatResponse, ApiError> {
    tracing::info!(target: "my_app::chat", answer_words = 3, "model answered");
    Evaluation::score("relevance", 0.8).record();
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(response("gpt-4o", "It is sunny."))
}

#[tokio::test]
async fn only_convention_events_of_ours_and_the_applications_own_events() {
    let t = TestTelemetry::with_settings(Settings::default().log_summaries(true));
    chat(false).await.unwrap();
    chat(true).await.unwrap_err();

    for span in t.spans().iter().filter(|s| s.name == "chat gpt-4o") {
        let names: Vec<&str> = span.events.iter().map(|e| e.name.as_ref()).collect();
        // The summary line ("chat gpt-4o completed" / "... failed") is not among them.
        assert!(names.iter().all(|n| !n.contains("completed") && !n.contains("failed") && !n.contains("rate limited")), "{names:?}");
        let evaluation = span.events.iter().find(|e| e.name == "gen_ai.evaluation.result").expect("the evaluation event");
        let mut keys: Vec<&str> = evaluation.attributes.iter().map(|kv| kv.key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["gen_ai.evaluation.name", "gen_ai.evaluation.score.value"]);
        // The application's event keeps what tracing-opentelemetry gives every event.
        let own = span.events.iter().find(|e| e.name == "model answered").expect("the application's event");
        let own: Vec<(&str, String)> = own.attributes.iter().map(|kv| (kv.key.as_str(), kv.value.to_string())).collect();
        assert!(own.contains(&("target", "my_app::chat".to_string())), "{own:?}");
        assert!(own.contains(&("level", "INFO".to_string())), "{own:?}");
        assert!(own.contains(&("answer_words", "3".to_string())), "{own:?}");
    }
    // The failed call still has its exception event (written on the OpenTelemetry span itself).
    let failed = t.spans().into_iter().filter(|s| s.name == "chat gpt-4o").find(|s| s.events.iter().any(|e| e.name == "exception"));
    assert!(failed.is_some(), "the failed call's exception event");
}

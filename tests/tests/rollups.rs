//! Usage rollups on agent (and user-chosen) spans, and cost with provenance.

mod common;

use common::*;
use futures::future::join_all;
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage, ModelPrice, PricingTable, Rollup, Settings, Usage};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use tracing::Instrument;

#[genai_span(operation = "chat", provider = "openai", model = model.to_owned())]
async fn chat(model: &str, input: u64, output: u64) -> Result<Usage, ApiError> {
    tokio::task::yield_now().await;
    Ok(Usage::new().input(input).output(output))
}

#[genai_tool]
async fn search(q: &str) -> Result<String, ApiError> {
    tokio::task::yield_now().await;
    Ok(q.to_owned())
}

#[genai_agent(name = "fanout")]
async fn fanout() -> Result<(), ApiError> {
    // Parallel chats and parallel tools.
    let chats = join_all((1..=3u64).map(|i| chat("gpt-4o", 100 * i, 10 * i))).await;
    let tools = join_all(["a", "b"].map(search)).await;
    for c in chats {
        c?;
    }
    for t in tools {
        t?;
    }
    // A chat spawned on the same runtime, carried into the agent's scope.
    tokio::spawn(genai_o11y::task::Context::current().wrap(chat("gpt-4o-mini", 1000, 1))).await.unwrap()?;
    Ok(())
}

fn sum_of(spans: &[SpanData], key: &str) -> i64 {
    spans.iter().filter_map(|s| int_attr(s, key)).sum()
}

#[tokio::test]
async fn agent_totals_equal_the_sum_over_its_calls_and_never_use_gen_ai_usage() {
    let t = TestTelemetry::new();
    fanout().await.unwrap();
    let spans = t.spans();
    let agent = t.span("invoke_agent fanout");
    let chats: Vec<SpanData> = spans.iter().filter(|s| s.name.starts_with("chat ")).cloned().collect();
    assert_eq!(chats.len(), 4);
    assert!(chats.iter().all(|c| is_child_of(c, &agent)), "the spawned chat too, through task::Context");

    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(sum_of(&chats, "gen_ai.usage.input_tokens")));
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(100 + 200 + 300 + 1000));
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.output_tokens"), Some(10 + 20 + 30 + 1));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.inference_calls"), Some(4));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.tool_calls"), Some(2));
    assert_eq!(attr(&agent, "genai_o11y.aggregated_usage.cache_read.input_tokens"), None, "never reported, never zero");
    assert!(!keys(&agent).iter().any(|k| k.starts_with("gen_ai.usage.")), "no double counting: {:?}", keys(&agent));
    // A backend summing gen_ai.usage.* over the trace counts each token once.
    assert_eq!(sum_of(&spans, "gen_ai.usage.input_tokens"), 1600);

    // The aggregated cost equals the sum of the calls' costs.
    let cost = |s: &SpanData| match attr(s, "genai_o11y.cost.amount") {
        Some(Value::F64(v)) => *v,
        _ => 0.0,
    };
    let total: f64 = chats.iter().map(cost).sum();
    assert!(total > 0.0);
    match attr(&agent, "genai_o11y.aggregated_cost.amount") {
        Some(Value::F64(v)) => assert!((v - total).abs() < 1e-9, "{v} != {total}"),
        other => panic!("aggregated cost: {other:?}"),
    }
    assert_eq!(attr(&agent, "genai_o11y.aggregated_cost.currency"), Some(&s("USD")));
}

#[genai_agent(name = "inner")]
async fn inner_agent() -> Result<(), ApiError> {
    chat("gpt-4o", 5, 5).await?;
    Ok(())
}

#[genai_agent(name = "outer")]
async fn outer_agent() -> Result<(), ApiError> {
    chat("gpt-4o", 7, 1).await?;
    inner_agent().await?;
    inner_agent().await
}

#[tokio::test]
async fn nested_agents_roll_up_into_their_parent_but_count_only_their_own_calls() {
    let t = TestTelemetry::new();
    outer_agent().await.unwrap();
    let outer = t.span("invoke_agent outer");
    let inners: Vec<SpanData> = t.spans().into_iter().filter(|s| s.name == "invoke_agent inner").collect();
    assert_eq!(inners.len(), 2);
    assert!(inners.iter().all(|i| is_child_of(i, &outer)));
    assert!(inners.iter().all(|i| int_attr(i, "genai_o11y.aggregated_usage.input_tokens") == Some(5)));
    assert_eq!(int_attr(&outer, "genai_o11y.aggregated_usage.input_tokens"), Some(7 + 5 + 5));
    assert_eq!(int_attr(&outer, "genai_o11y.agent.inference_calls"), Some(1), "its own calls only");
}

#[tokio::test]
async fn a_rollup_on_any_span() {
    let t = TestTelemetry::new();
    let span = tracing::info_span!("handle_request");
    let work = async {
        chat("gpt-4o", 3, 4).await.unwrap();
        chat("gpt-4o", 5, 6).await.unwrap();
    };
    Rollup::new(span.clone()).instrument(work).instrument(span).await;
    let req = t.span("handle_request");
    assert_eq!(int_attr(&req, "genai_o11y.aggregated_usage.input_tokens"), Some(8));
    assert_eq!(int_attr(&req, "genai_o11y.aggregated_usage.output_tokens"), Some(10));
    assert_eq!(attr(&req, "genai_o11y.agent.inference_calls"), None, "call counts are for agents");
}

// ---- cost ----

#[derive(HasUsage)]
#[usage(currency = "EUR")]
struct GatewayResponse {
    prompt_tokens: u32,
    completion_tokens: u32,
    cost: Option<f64>,
}

#[genai_span(operation = "chat", provider = "openrouter", model = "some/model")]
fn via_gateway() -> GatewayResponse {
    GatewayResponse { prompt_tokens: 10, completion_tokens: 10, cost: Some(0.0042) }
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-9-ultra")]
fn unknown_model() -> Usage {
    Usage::new().input(10).output(10)
}

#[derive(HasUsage)]
#[usage(input_excludes_cache)]
struct Message {
    input_tokens: u32,
    output_tokens: u32,
    cache_read_input_tokens: u32,
    cache_creation_input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "anthropic", model = "claude-sonnet-4")]
fn cached_call() -> Message {
    Message { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500 }
}

fn f64_attr(s: &SpanData, k: &str) -> f64 {
    match attr(s, k) {
        Some(Value::F64(v)) => *v,
        other => panic!("{k}: {other:?}"),
    }
}

#[test]
fn cost_priced_cached_provider_reported_and_unpriced() {
    let t = TestTelemetry::new();
    cached_call();
    via_gateway();
    unknown_model();
    let spans = t.spans();

    let cached = &spans[0];
    // Anthropic input excludes cache; each part at its own price: 100*3 + 2000*0.3 + 500*3.75 + 20*15.
    let want = (100.0 * 3.0 + 2000.0 * 0.3 + 500.0 * 3.75 + 20.0 * 15.0) / 1e6;
    assert!((f64_attr(cached, "genai_o11y.cost.amount") - want).abs() < 1e-12);
    assert_eq!(attr(cached, "genai_o11y.cost.source"), Some(&s("table")));
    assert_eq!(attr(cached, "genai_o11y.cost.pricing_version"), Some(&s(genai_o11y::pricing::BUILTIN_VERSION)));
    assert_eq!(attr(cached, "genai_o11y.cost.currency"), Some(&s("USD")));

    let gateway = &spans[1];
    assert_eq!(f64_attr(gateway, "genai_o11y.cost.amount"), 0.0042);
    assert_eq!(attr(gateway, "genai_o11y.cost.source"), Some(&s("provider")));
    assert_eq!(attr(gateway, "genai_o11y.cost.currency"), Some(&s("EUR")));
    assert_eq!(attr(gateway, "genai_o11y.cost.pricing_version"), None);

    let unknown = &spans[2];
    assert_eq!(attr(unknown, "genai_o11y.cost.amount"), None, "no cost rather than a wrong one");
    assert_eq!(attr(unknown, "genai_o11y.cost.unpriced"), Some(&Value::Bool(true)));
    let unpriced = t.u64_counter("genai_o11y.client.cost.unpriced");
    assert_eq!(unpriced.len(), 1);
    assert_eq!(unpriced[0].value(), 1);
    assert!(unpriced[0].attributes().any(|kv| kv.key.as_str() == "gen_ai.request.model" && kv.value.as_str() == "gpt-9-ultra"));

    let costs = t.f64_counter("genai_o11y.client.cost");
    assert_eq!(costs.len(), 2, "the priced and the reported call");
    let total: f64 = costs.iter().map(|p| p.value()).sum();
    assert!((total - (want + 0.0042)).abs() < 1e-12);
}

#[test]
fn a_custom_table_and_no_table() {
    let table = PricingTable::new("contract-2026-q4").with_price(ModelPrice::new(Some("openai"), "gpt-9-ultra", 100.0, 200.0));
    let t = TestTelemetry::with_settings(Settings::default().pricing(Some(table)));
    unknown_model();
    let span = t.span("chat gpt-9-ultra");
    assert!((f64_attr(&span, "genai_o11y.cost.amount") - (10.0 * 100.0 + 10.0 * 200.0) / 1e6).abs() < 1e-12);
    assert_eq!(attr(&span, "genai_o11y.cost.pricing_version"), Some(&s("contract-2026-q4")));
    drop(t);

    let t = TestTelemetry::with_settings(Settings::default().pricing(None));
    unknown_model();
    let span = t.span("chat gpt-9-ultra");
    assert!(!keys(&span).iter().any(|k| k.starts_with("genai_o11y.cost")), "pricing off: no cost, no unpriced signal");
    assert!(t.u64_counter("genai_o11y.client.cost.unpriced").is_empty());
}

#[test]
fn pricing_tables_load_from_files() {
    let dir = std::env::temp_dir().join(format!("genai-o11y-pricing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("prices.json");
    std::fs::write(&json, r#"{"version":"file-v1","models":[{"provider":"openai","model":"gpt-9-ultra","input":1.0,"output":2.0}]}"#).unwrap();
    let table = PricingTable::from_file(&json).unwrap();
    assert_eq!(table.version, "file-v1");
    assert_eq!(table.currency, "USD");
    let toml = dir.join("prices.toml");
    std::fs::write(&toml, "version = \"file-v2\"\ncurrency = \"EUR\"\n[[models]]\nmodel = \"m\"\ninput = 1.5\noutput = 3.0\ncache_read = 0.5\n").unwrap();
    let table = PricingTable::from_file(&toml).unwrap();
    assert_eq!((table.version.as_str(), table.currency.as_str()), ("file-v2", "EUR"));
    assert_eq!(table.lookup(Some("any"), "m").unwrap().cache_read, Some(0.5));
    std::fs::write(dir.join("prices.yaml"), "x").unwrap();
    assert!(PricingTable::from_file(dir.join("prices.yaml")).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

//! Metric names, units, bucket boundaries and attributes, in both convention modes, read from
//! the SDK's in-memory metric exporter.

mod common;

use common::*;
use genai_o11y::semconv::v1_41::{AGENT_DURATION_BUCKETS, DURATION_BUCKETS, TOKEN_BUCKETS};
use genai_o11y::testing::{point_attrs, Points, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, genai_tool, Conventions, Usage};

#[genai_span(operation = "chat", provider = "openai", model = req.model.clone(), server_address = "api.openai.com", server_port = 443, fields(user.id = "u-1"))]
async fn chat(req: &ChatRequest, fail: bool) -> Result<ChatResponse, ApiError> {
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(response(&req.model, "x"))
}

#[genai_span(operation = "embeddings", provider = "openai", model = "text-embedding-3-small")]
fn embed() -> Usage {
    Usage::new().input(30)
}

#[genai_tool]
fn lookup() -> u8 {
    1
}

#[genai_agent(name = "helper", model = "gpt-4o")]
async fn agent() -> Result<u8, ApiError> {
    chat(&request("gpt-4o"), false).await?;
    Ok(lookup())
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    v.sort();
    v
}

async fn workload() {
    agent().await.unwrap();
    chat(&request("gpt-4o"), true).await.unwrap_err();
    embed();
}

#[tokio::test]
async fn v1_41_metrics() {
    let t = TestTelemetry::new();
    workload().await;
    assert_eq!(
        t.metric_names(),
        [
            "gen_ai.client.operation.duration",
            "gen_ai.client.token.usage",
            "gen_ai.execute_tool.duration",
            "gen_ai.invoke_agent.duration",
            "genai_o11y.client.cache_read.input_tokens",
            "genai_o11y.client.cost"
        ],
        "v1.41 has no cache metric: this crate's cache-read counter"
    );
    // Cost: the successful chat and the embeddings call, priced by the built-in table.
    let cost = t.metric("genai_o11y.client.cost").unwrap();
    assert_eq!(cost.unit, "{currency}");
    let mut costs: Vec<(Vec<(String, String)>, f64)> =
        t.f64_counter("genai_o11y.client.cost").iter().map(|p| (point_attrs(p.attributes()), p.value())).collect();
    costs.sort_by(|a, b| a.0.cmp(&b.0));
    let with_cost = |base: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.push(("genai_o11y.cost.currency", "USD"));
        v.push(("genai_o11y.cost.source", "table"));
        pairs(&v)
    };
    let chat_ok = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o"),
        ("gen_ai.response.model", "gpt-4o-2024-08-06"),
        ("server.address", "api.openai.com"),
        ("server.port", "443"),
    ];
    let emb = [("gen_ai.operation.name", "embeddings"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "text-embedding-3-small")];
    assert_eq!(costs.len(), 2);
    assert_eq!(costs[0].0, with_cost(&chat_ok));
    assert!((costs[0].1 - (7.0 * 2.5 + 100.0 * 1.25 + 42.0 * 10.0) / 1e6).abs() < 1e-12);
    assert_eq!(costs[1].0, with_cost(&emb));
    assert!((costs[1].1 - 30.0 * 0.02 / 1e6).abs() < 1e-15);
    let m = t.metric("gen_ai.client.operation.duration").unwrap();
    assert_eq!(m.unit, "s");
    let m = t.metric("gen_ai.client.token.usage").unwrap();
    assert_eq!(m.unit, "{token}");
    assert!(matches!(m.points, Points::U64Histogram(_)), "token usage is an integer histogram");

    let chat_common = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o"),
        ("server.address", "api.openai.com"),
        ("server.port", "443"),
    ];
    let durations = t.f64_histogram("gen_ai.client.operation.duration");
    let mut got: Vec<Vec<(String, String)>> = durations.iter().map(|p| point_attrs(p.attributes())).collect();
    got.sort();
    let mut ok = chat_common.to_vec();
    ok.push(("gen_ai.response.model", "gpt-4o-2024-08-06"));
    let mut failed = chat_common.to_vec();
    failed.push(("error.type", "429"));
    let embeddings = [("gen_ai.operation.name", "embeddings"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "text-embedding-3-small")];
    let mut want = vec![pairs(&ok), pairs(&failed), pairs(&embeddings)];
    want.sort();
    assert_eq!(got, want, "high-cardinality span fields (user.id) never reach metrics");
    for p in &durations {
        assert_eq!(p.bounds().collect::<Vec<_>>(), DURATION_BUCKETS);
        assert_eq!(p.count(), 1);
    }

    let tokens = t.u64_histogram("gen_ai.client.token.usage");
    let mut got: Vec<(Vec<(String, String)>, u64)> = tokens.iter().map(|p| (point_attrs(p.attributes()), p.sum())).collect();
    got.sort();
    let with = |ty: &'static str, base: &[(&'static str, &'static str)]| {
        let mut v = base.to_vec();
        v.push(("gen_ai.token.type", ty));
        pairs(&v)
    };
    let mut want = vec![(with("input", &ok), 107), (with("output", &ok), 42), (with("input", &embeddings), 30)];
    want.sort();
    assert_eq!(got, want, "one record per token type; none for the failed call");
    for p in &tokens {
        assert_eq!(p.bounds().collect::<Vec<_>>(), TOKEN_BUCKETS);
    }
    // 107 input tokens fall in the (64, 256] bucket.
    let input = tokens.iter().find(|p| p.sum() == 107).unwrap();
    let counts: Vec<u64> = input.bucket_counts().collect();
    assert_eq!(counts.len(), 15, "14 boundaries + overflow");
    assert_eq!(counts[4], 1);

    let agent = t.f64_histogram("gen_ai.invoke_agent.duration");
    assert_eq!(agent.len(), 1);
    assert_eq!(agent[0].bounds().collect::<Vec<_>>(), AGENT_DURATION_BUCKETS);
    assert_eq!(point_attrs(agent[0].attributes()), pairs(&[("gen_ai.agent.name", "helper"), ("gen_ai.request.model", "gpt-4o")]));
    let tool = t.f64_histogram("gen_ai.execute_tool.duration");
    assert_eq!(tool[0].bounds().collect::<Vec<_>>(), DURATION_BUCKETS);
    assert_eq!(point_attrs(tool[0].attributes()), pairs(&[("gen_ai.agent.name", "helper"), ("gen_ai.tool.name", "lookup"), ("gen_ai.tool.type", "function")]));

    // Cache reads (the successful chat reported 100 of its 107 input tokens from the cache): this
    // crate's counter (v1.41 defines none), with the token metrics' attributes, so that cache
    // reads / input tokens is the cache-read share.
    let cache = t.metric("genai_o11y.client.cache_read.input_tokens").unwrap();
    assert_eq!(cache.unit, "{token}");
    let cache = t.u64_counter("genai_o11y.client.cache_read.input_tokens");
    assert_eq!(cache.len(), 1, "only the call that read from the cache");
    assert_eq!((point_attrs(cache[0].attributes()), cache[0].value()), (pairs(&ok), 100));
}

#[tokio::test]
async fn latest_experimental_metrics() {
    let t = TestTelemetry::with_conventions(Conventions::LatestExperimental);
    workload().await;
    assert_eq!(
        t.metric_names(),
        [
            "gen_ai.client.inference.duration",
            "gen_ai.client.inference.operation.input_tokens",
            "gen_ai.client.inference.operation.output_tokens",
            "gen_ai.client.inference.usage.cache_read.input_tokens",
            "gen_ai.client.inference.usage.cache_write.input_tokens",
            "gen_ai.client.inference.usage.input_tokens",
            "gen_ai.client.inference.usage.output_tokens",
            "gen_ai.client.inference.usage.reasoning.output_tokens",
            "gen_ai.client.operation.duration",
            "gen_ai.execute_tool.duration",
            "gen_ai.invoke_agent.duration",
            "gen_ai.invoke_agent.inference_calls",
            "gen_ai.invoke_agent.tool_calls",
            "genai_o11y.client.cost",
        ],
        "no gen_ai.client.token.usage in this mode; operation.duration only for embeddings"
    );
    // The agent's own calls: one chat, one tool.
    for (name, unit) in [("gen_ai.invoke_agent.inference_calls", "{inference_call}"), ("gen_ai.invoke_agent.tool_calls", "{tool_call}")] {
        let m = t.metric(name).unwrap();
        assert_eq!(m.unit, unit);
        let points = t.u64_histogram(name);
        assert_eq!(points.len(), 1);
        assert_eq!((points[0].count(), points[0].sum()), (1, 1));
        assert_eq!(points[0].bounds().collect::<Vec<_>>(), [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0]);
        assert_eq!(point_attrs(points[0].attributes()), pairs(&[("gen_ai.agent.name", "helper")]));
    }
    let base = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o"),
        ("server.address", "api.openai.com"),
        ("server.port", "443"),
    ];
    let mut ok = base.to_vec();
    ok.push(("gen_ai.response.model", "gpt-4o-2024-08-06"));

    // Counters: every inference call, the failed one with 0, modality unknown, no error.type.
    let input = t.u64_counter("gen_ai.client.inference.usage.input_tokens");
    let mut got: Vec<(Vec<(String, String)>, u64)> = input.iter().map(|p| (point_attrs(p.attributes()), p.value())).collect();
    got.sort();
    let with_modality = |v: &[(&'static str, &'static str)]| {
        let mut v = v.to_vec();
        v.push(("gen_ai.token.modality", "unknown"));
        pairs(&v)
    };
    let mut want = vec![(with_modality(&ok), 107), (with_modality(&base), 0)];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(t.metric("gen_ai.client.inference.usage.input_tokens").unwrap().unit, "{token}");
    // Cache reads, cache writes and reasoning: every call too (`token-metrics.yaml`), 0 when
    // not reported.
    let cache = t.u64_counter("gen_ai.client.inference.usage.cache_read.input_tokens");
    let mut got: Vec<(Vec<(String, String)>, u64)> = cache.iter().map(|p| (point_attrs(p.attributes()), p.value())).collect();
    got.sort();
    let mut want = vec![(with_modality(&ok), 100), (with_modality(&base), 0)];
    want.sort();
    assert_eq!(got, want);
    for name in ["gen_ai.client.inference.usage.cache_write.input_tokens", "gen_ai.client.inference.usage.reasoning.output_tokens"] {
        assert!(t.u64_counter(name).iter().all(|p| p.value() == 0), "{name}: not reported, 0");
    }

    // Duration: error.type on the failed call.
    let durations = t.f64_histogram("gen_ai.client.inference.duration");
    let mut got: Vec<Vec<(String, String)>> = durations.iter().map(|p| point_attrs(p.attributes())).collect();
    got.sort();
    let mut failed = base.to_vec();
    failed.push(("error.type", "429"));
    let mut want = vec![pairs(&ok), pairs(&failed)];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(t.metric("gen_ai.client.inference.duration").unwrap().unit, "s");
    assert!(durations.iter().all(|p| p.bounds().collect::<Vec<_>>() == DURATION_BUCKETS));

    // Operation histograms: every call, the failed one with its error.type and 0.
    let op_in = t.u64_histogram("gen_ai.client.inference.operation.input_tokens");
    let mut got: Vec<(Vec<(String, String)>, u64)> = op_in.iter().map(|p| (point_attrs(p.attributes()), p.sum())).collect();
    got.sort();
    let mut want = vec![(pairs(&ok), 107), (pairs(&failed), 0)];
    want.sort();
    assert_eq!(got, want);
    assert!(op_in.iter().all(|p| p.bounds().collect::<Vec<_>>() == TOKEN_BUCKETS));
    let op_out = t.u64_histogram("gen_ai.client.inference.operation.output_tokens");
    assert_eq!(op_out.iter().map(|p| p.sum()).sum::<u64>(), 42);
    assert_eq!(op_out.len(), 2);

    // Embeddings keep the generic duration.
    let emb = t.f64_histogram("gen_ai.client.operation.duration");
    assert_eq!(emb.len(), 1);
    assert!(emb[0].attributes().any(|kv| kv.key.as_str() == "gen_ai.operation.name" && kv.value.as_str() == "embeddings"));
}

#[test]
fn the_mode_is_read_from_the_standard_variable() {
    assert_eq!(Conventions::from_opt_in("http,gen_ai_latest_experimental"), Conventions::LatestExperimental);
    assert_eq!(Conventions::from_opt_in("database"), Conventions::V1_41);
}

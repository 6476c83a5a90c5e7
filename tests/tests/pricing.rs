//! Price lists: the built-in table (every model priced), the LiteLLM and genai-prices loaders
//! on excerpts of the real files (tests/fixtures/pricing, see its README), malformed files,
//! name normalization, and what stays unpriced.

use std::collections::HashMap;
use std::path::PathBuf;

use genai_o11y::pricing::{BUILTIN_VERSION, PRICING_FILE_ENV};
use genai_o11y::setup::{Exporter, LogFormat, SetupError, Source};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_span, CostSource, ModelPrice, PricingError, PricingTable, Usage};
use opentelemetry::Value;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/pricing").join(name)
}

fn litellm() -> PricingTable {
    PricingTable::load(fixture("litellm-excerpt.json")).unwrap()
}

fn genai_prices() -> PricingTable {
    PricingTable::load(fixture("genai-prices-v2-excerpt.json")).unwrap()
}

/// (input, output, cache_read, cache_write) per million tokens.
fn prices(t: &PricingTable, provider: &str, model: &str) -> Option<(f64, f64, Option<f64>, Option<f64>)> {
    t.lookup(Some(provider), model).map(|m| (m.input, m.output, m.cache_read, m.cache_write))
}

fn input_price(t: &PricingTable, provider: &str, model: &str) -> Option<f64> {
    t.lookup(Some(provider), model).map(|m| m.input)
}

/// A temporary file with `text`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("genai-o11y-pricing-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn every_built_in_model_is_priced() {
    let t = PricingTable::builtin();
    assert_eq!(t.version, BUILTIN_VERSION);
    assert_eq!(BUILTIN_VERSION, "genai-prices@2026-08-21");
    let usage = Usage::new().input(1000).output(1000);
    let mut per_provider: HashMap<String, usize> = HashMap::new();
    for m in t.models() {
        let cost = m.cost_of(&usage);
        assert!(cost.is_some_and(|c| c > 0.0), "{:?} {}: {cost:?}", m.provider, m.model);
        *per_provider.entry(m.provider.clone().unwrap()).or_default() += 1;
    }
    let mut providers: Vec<_> = per_provider.keys().map(String::as_str).collect();
    providers.sort();
    assert_eq!(providers, ["anthropic", "aws.bedrock", "azure.ai.openai", "deepseek", "gcp.gen_ai", "mistral_ai", "openai", "x_ai"]);
    assert!(t.models().count() > 100, "tens of models per provider, not thousands");
}

#[test]
fn current_models_of_the_eight_providers_are_priced_by_name() {
    let t = PricingTable::builtin();
    let u = Usage::new().input(1000).output(100);
    for (provider, model) in [
        ("openai", "gpt-4o"),
        ("openai", "gpt-4.1-mini"),
        ("openai", "o3"),
        ("openai", "o4-mini"),
        ("openai", "gpt-5"),
        ("openai", "gpt-5-mini"),
        ("openai", "gpt-5.5"),
        ("openai", "text-embedding-3-small"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("anthropic", "claude-haiku-4-5"),
        ("anthropic", "claude-opus-4-1-20250805"),
        ("anthropic", "claude-opus-4-7"),
        ("gcp.gemini", "gemini-2.5-pro"),
        ("gcp.gemini", "gemini-2.5-flash"),
        ("gcp.vertex_ai", "gemini-2.5-flash-lite"),
        ("gcp.gen_ai", "gemini-3-pro-preview"),
        ("mistral_ai", "mistral-large-2512"),
        ("mistral_ai", "mistral-medium-2508"),
        ("mistral_ai", "codestral-2508"),
        ("deepseek", "deepseek-chat"),
        ("deepseek", "deepseek-reasoner"),
        ("x_ai", "grok-4"),
        ("x_ai", "grok-4-1-fast-reasoning"),
        ("x_ai", "grok-code-fast-1"),
        ("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("aws.bedrock", "amazon.nova-pro-v1:0"),
        ("aws.bedrock", "us.amazon.nova-lite-v1:0"),
        ("azure.ai.openai", "gpt-4o-2024-11-20"),
        ("azure.ai.openai", "o4-mini"),
    ] {
        let c = t.cost(Some(provider), &[Some(model)], &u);
        assert!(c.as_ref().is_some_and(|c| c.amount > 0.0 && c.source == CostSource::Table(BUILTIN_VERSION.into())), "{provider} {model}: {c:?}");
    }
}

#[test]
fn both_formats_load_from_the_real_files_and_agree_where_their_sources_do() {
    let (l, g) = (litellm(), genai_prices());
    // The format is told from the content; a file without a version names itself.
    assert_eq!(l.version, "litellm:litellm-excerpt.json");
    assert_eq!(g.version, "genai-prices:genai-prices-v2-excerpt.json");
    // `sample_spec` and the image-generation entry are skipped; 12 entries are per-token prices.
    assert_eq!(l.models().count(), 12);
    assert_eq!(g.models().count(), 12);

    // Same model, same provider: the same input, output, cache-read and cache-write prices.
    for (provider, model) in [
        ("openai", "gpt-4o"),
        ("openai", "gpt-4o-2024-08-06"),
        ("openai", "gpt-4o-mini"),
        ("openai", "gpt-4o-mini-2024-07-18"),
        ("openai", "gpt-4.1-nano"),
        ("anthropic", "claude-opus-4-1"),
        ("anthropic", "claude-opus-4-5"),
        ("anthropic", "claude-opus-4-7"),
    ] {
        let (a, b) = (prices(&l, provider, model), prices(&g, provider, model));
        assert!(a.is_some() && a == b, "{model}: LiteLLM {a:?} vs genai-prices {b:?}");
    }
    assert_eq!(prices(&l, "openai", "gpt-4o"), Some((2.5, 10.0, Some(1.25), None)));
    assert_eq!(prices(&l, "anthropic", "claude-opus-4-5"), Some((5.0, 25.0, Some(0.5), Some(6.25))));
    // Amazon Nova Lite on Bedrock: the same token prices; only genai-prices has a cache-read price.
    let (a, b) = (prices(&l, "aws.bedrock", "amazon.nova-lite-v1:0").unwrap(), prices(&g, "aws.bedrock", "amazon.nova-lite-v1:0").unwrap());
    assert_eq!((a.0, a.1, a.2), (0.06, 0.24, None));
    assert_eq!((b.0, b.1, b.2), (0.06, 0.24, Some(0.015)));
    // Where the sources differ, each table says what its source says: LiteLLM prices the
    // gpt-4o-2024-05-13 snapshot at its own list price, genai-prices names it as gpt-4o.
    assert_eq!(input_price(&l, "openai", "gpt-4o-2024-05-13"), Some(5.0));
    assert_eq!(input_price(&g, "openai", "gpt-4o-2024-05-13"), Some(2.5));
}

#[test]
fn genai_prices_tiers_dates_and_time_of_day() {
    let text = std::fs::read_to_string(fixture("genai-prices-v2-excerpt.json")).unwrap();
    // Claude Sonnet 4.5 has a tier above 200k input tokens: the base price applies.
    let g = PricingTable::from_genai_prices(&text).unwrap();
    assert_eq!(prices(&g, "anthropic", "claude-sonnet-4-5-20250929"), Some((3.0, 15.0, Some(0.3), Some(3.75))));
    // o3's price changed on 2025-06-10: the one in force on the day of loading.
    let before = PricingTable::from_genai_prices_on(&text, "2025-06-01").unwrap();
    let after = PricingTable::from_genai_prices_on(&text, "2025-06-10").unwrap();
    assert_eq!(prices(&before, "openai", "o3").map(|p| (p.0, p.1)), Some((10.0, 40.0)));
    assert_eq!(prices(&after, "openai", "o3").map(|p| (p.0, p.1)), Some((2.0, 8.0)));
    // DeepSeek's off-peak discount is not applied per call: the price of 00:30-16:30 UTC (16 h).
    assert_eq!(prices(&g, "deepseek", "deepseek-chat").map(|p| (p.0, p.1, p.2)), Some((0.27, 1.1, Some(0.07))));
    // Azure bills OpenAI's models at OpenAI's prices (the list's `fallback_model_providers`);
    // its own entries first.
    assert_eq!(input_price(&g, "azure.ai.openai", "gpt-4o"), Some(2.5));
    assert_eq!(prices(&g, "azure.ai.openai", "o4-mini").map(|p| p.2), Some(Some(0.28)), "Azure's o4-mini, not OpenAI's (0.275)");
    assert_eq!(prices(&g, "openai", "o4-mini"), None, "not in the excerpt");
}

#[test]
fn malformed_files_name_the_file_and_the_entry() {
    let bad_litellm =
        TempFile::new("bad-litellm.json", r#"{"gpt-4o": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-05, "litellm_provider": "openai"}}"#);
    let e = PricingTable::load(&bad_litellm.0).unwrap_err();
    assert_eq!((e.file(), e.entry()), (Some(bad_litellm.0.as_path()), Some("gpt-4o")));
    assert_eq!(e.to_string(), format!(r#"{}: entry "gpt-4o": "input_cost_per_token" is not a number ("cheap")"#, bad_litellm.0.display()));

    let negative = TempFile::new("negative.json", r#"{"m": {"input_cost_per_token": 1e-06, "output_cost_per_token": -1e-06}}"#);
    let e = PricingTable::load(&negative.0).unwrap_err();
    assert_eq!(e.entry(), Some("m"));
    assert!(e.to_string().contains(r#"entry "m": "output_cost_per_token" is negative (-1"#), "{e}");

    let bad_clause = TempFile::new(
        "bad-genai-prices.json",
        r#"[{"id": "openai", "models": [{"id": "gpt-4o", "match": {"glob": "gpt-4o*"}, "prices": {"input_mtok": 2.5}}]}]"#,
    );
    let e = PricingTable::load(&bad_clause.0).unwrap_err();
    assert_eq!(e.entry(), Some("openai/gpt-4o"));
    assert!(e.to_string().ends_with("unknown `match` clause `glob`"), "{e}");

    let bad_tier = TempFile::new(
        "bad-tier.json",
        r#"[{"id": "anthropic", "models": [{"id": "claude-x", "match": {"equals": "claude-x"}, "prices": {"input_mtok": {"tiers": []}}}]}]"#,
    );
    assert!(PricingTable::load(&bad_tier.0).unwrap_err().to_string().ends_with(r#"entry "anthropic/claude-x": "input_mtok" is not a number ({"tiers":[]})"#));

    let native = TempFile::new("native.json", r#"{"version": "v1", "models": [{"model": "gpt-4o", "input": 2.5}]}"#);
    assert!(PricingTable::load(&native.0).unwrap_err().to_string().ends_with(r#"entry "gpt-4o": `output` is missing"#));

    let not_json = TempFile::new("not-json.json", "{ nope");
    let e = PricingTable::load(&not_json.0).unwrap_err();
    assert!(matches!(&e, PricingError::Parse { format: "JSON", .. }) && e.file() == Some(not_json.0.as_path()), "{e}");
    assert!(matches!(PricingTable::load("/nonexistent/prices.json"), Err(PricingError::Io { .. })));
}

#[test]
fn normalization_of_provider_and_model_names() {
    let t = PricingTable::builtin();
    let input = |provider: &str, model: &str| input_price(&t, provider, model);
    // Route prefixes and dated snapshots.
    assert_eq!(input("openai", "openai/gpt-4o"), Some(2.5));
    assert_eq!(input("openai", "gpt-4o-2024-08-06"), Some(2.5));
    assert_eq!(input("gcp.gemini", "models/gemini-2.5-pro"), Some(1.25), "Gemini API style");
    assert_eq!(input("gcp.vertex_ai", "gemini-2.5-pro-preview-05-06"), Some(1.25), "genai-prices: starts_with gemini-2.5-pro");
    // A different model is never a prefix match: gpt-4o-mini is not gpt-4o.
    assert_eq!(input("openai", "gpt-4o-mini"), Some(0.15));
    assert_eq!(input("openai", "gpt-4o-mini-2024-07-18"), Some(0.15));
    let only_4o = PricingTable::new("t").with_price(ModelPrice::new(Some("openai"), "gpt-4o", 2.5, 10.0));
    assert_eq!(input_price(&only_4o, "openai", "gpt-4o-mini"), None);
    // Bedrock: model ids, cross-region inference profiles (regional and global are priced
    // differently for the newer models), `bedrock/` routes, ARNs.
    assert_eq!(input("aws.bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0"), Some(3.0));
    assert_eq!(input("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some(3.3));
    assert_eq!(input("aws.bedrock", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some(3.3));
    assert_eq!(input("aws.bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some(3.0));
    assert_eq!(input("aws.bedrock", "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some(3.3));
    assert_eq!(input("aws.bedrock", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"), Some(3.3));
    // Provider aliases (gen_ai.provider.name values and the lists' own names).
    for (provider, model, want) in [
        ("aws.bedrock", "amazon.nova-pro-v1:0", 0.8),
        ("bedrock", "amazon.nova-pro-v1:0", 0.8),
        ("azure.ai.openai", "gpt-4o", 2.5),
        ("azure", "azure/gpt-4o", 2.5),
        ("gcp.gemini", "gemini-2.5-flash", 0.3),
        ("gcp.vertex_ai", "gemini-2.5-flash", 0.3),
        ("google", "gemini-2.5-flash", 0.3),
        ("x_ai", "grok-4", 3.0),
        ("xai", "grok-4", 3.0),
        ("mistral_ai", "mistral-large-2512", 0.5),
        ("mistral", "mistral/mistral-large-2512", 0.5),
        ("deepseek", "deepseek-v4-flash", 0.14),
    ] {
        assert_eq!(input(provider, model), Some(want), "{provider} {model}");
    }
    // Vertex AI serves Anthropic's models at Anthropic's prices (genai-prices' fallback).
    assert_eq!(input("gcp.vertex_ai", "claude-sonnet-4-5@20250929"), Some(3.0));
}

#[test]
fn azure_deployments_are_priced_by_the_response_model_or_an_alias() {
    let t = PricingTable::builtin();
    let u = Usage::new().input(1_000_000).output(0);
    // The request names the deployment; the response names the model: the response model wins.
    let c = t.cost(Some("azure.ai.openai"), &[Some("gpt-4o-2024-11-20"), Some("prod-chat")], &u).unwrap();
    assert!((c.amount - 2.5).abs() < 1e-9);
    // Without a response model, a deployment name is unknown...
    assert!(t.cost(Some("azure.ai.openai"), &[None, Some("azure/prod-chat")], &u).is_none());
    // ...unless mapped to its model.
    let t = PricingTable::new("deployments").with_alias("prod-chat", "gpt-4o-mini").over(PricingTable::builtin());
    let c = t.cost(Some("azure.ai.openai"), &[None, Some("azure/prod-chat")], &u).unwrap();
    assert!((c.amount - 0.15).abs() < 1e-9);
    assert_eq!(c.source, CostSource::Table(BUILTIN_VERSION.into()), "priced by the built-in layer");
}

#[test]
fn a_table_of_yours_over_the_built_in_one() {
    let contract = PricingTable::new("contract-2026-q4").with_price(ModelPrice::new(Some("openai"), "gpt-4o", 2.0, 8.0));
    let t = contract.over(PricingTable::builtin());
    let u = Usage::new().input(1_000_000).output(0);
    let mine = t.cost(Some("openai"), &[Some("gpt-4o-2024-08-06")], &u).unwrap();
    assert_eq!((mine.amount, mine.source), (2.0, CostSource::Table("contract-2026-q4".into())));
    let listed = t.cost(Some("anthropic"), &[Some("claude-opus-4-5")], &u).unwrap();
    assert_eq!((listed.amount, listed.source), (5.0, CostSource::Table(BUILTIN_VERSION.into())));
    // A LiteLLM file over the built-in table, as the environment variable does it.
    let t = litellm().over(PricingTable::builtin());
    assert_eq!(t.cost(Some("openai"), &[Some("gpt-4o-2024-05-13")], &u).unwrap().source, CostSource::Table("litellm:litellm-excerpt.json".into()));
    assert_eq!(t.cost(Some("x_ai"), &[Some("grok-4")], &u).unwrap().source, CostSource::Table(BUILTIN_VERSION.into()));
}

#[genai_span(operation = "chat", provider = "aws.bedrock", model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0")]
fn bedrock_call() -> Usage {
    Usage::new().input(1000).output(100)
}

#[genai_span(operation = "chat", provider = "aws.bedrock", model = "us.anthropic.claude-sonnet-9-v1:0")]
fn unknown_bedrock_call() -> Usage {
    Usage::new().input(1000).output(100)
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-2024-05-13")]
fn old_snapshot_call() -> Usage {
    Usage::new().input(1000).output(100)
}

fn f64_attr(s: &SpanData, k: &str) -> Option<f64> {
    match attr(s, k) {
        Some(Value::F64(v)) => Some(*v),
        _ => None,
    }
}

#[test]
fn spans_carry_the_cost_and_its_version_and_unknown_models_stay_unpriced() {
    let t = TestTelemetry::new();
    bedrock_call();
    unknown_bedrock_call();
    let spans = t.spans();
    let priced = &spans[0];
    let want = (1000.0 * 3.3 + 100.0 * 16.5) / 1e6;
    assert!(f64_attr(priced, "genai_o11y.cost.amount").is_some_and(|c| (c - want).abs() < 1e-12), "{:?}", attr(priced, "genai_o11y.cost.amount"));
    assert_eq!(attr(priced, "genai_o11y.cost.pricing_version"), Some(&Value::from(BUILTIN_VERSION)));
    let unknown = &spans[1];
    assert_eq!(attr(unknown, "genai_o11y.cost.amount"), None, "no guessing: claude-sonnet-9 is not priced");
    assert_eq!(attr(unknown, "genai_o11y.cost.unpriced"), Some(&Value::Bool(true)));
    let unpriced = t.u64_counter("genai_o11y.client.cost.unpriced");
    assert_eq!(unpriced.iter().map(|p| p.value()).sum::<u64>(), 1);
}

fn env(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + Send + 'static {
    let m: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    move |k| m.get(k).cloned()
}

#[test]
fn the_environment_variable_loads_a_file_over_the_built_in_table() {
    let spans = InMemorySpanExporter::default();
    let guard = genai_o11y::init()
        .env_source(env(&[(PRICING_FILE_ENV, fixture("litellm-excerpt.json").display().to_string())]))
        .span_exporter(spans.clone())
        .exporter(Exporter::None)
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    old_snapshot_call();
    bedrock_call();
    guard.flush();
    let exported = spans.get_finished_spans().unwrap();
    let span = |name: &str| exported.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("{name}"));
    let old = span("chat gpt-4o-2024-05-13");
    assert_eq!(attr(old, "genai_o11y.cost.pricing_version"), Some(&Value::from("litellm:litellm-excerpt.json")));
    assert!(f64_attr(old, "genai_o11y.cost.amount").is_some_and(|c| (c - (1000.0 * 5.0 + 100.0 * 15.0) / 1e6).abs() < 1e-12));
    let bedrock = span("chat us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert_eq!(attr(bedrock, "genai_o11y.cost.pricing_version"), Some(&Value::from(BUILTIN_VERSION)));
}

#[test]
fn a_malformed_file_in_the_environment_variable_is_a_setup_error() {
    let bad = TempFile::new("bad-env.json", r#"{"gpt-4o": {"input_cost_per_token": "cheap", "litellm_provider": "openai"}}"#);
    let Err(err) = genai_o11y::init()
        .env_source(env(&[(PRICING_FILE_ENV, bad.0.display().to_string())]))
        .exporter(Exporter::None)
        .log_format(LogFormat::Off)
        .install_thread_local()
    else {
        panic!("a setup error")
    };
    let file = bad.0.display().to_string();
    assert!(
        matches!(&err, SetupError::InvalidPricing { source: Source::Env("GENAI_O11Y_PRICING_FILE"), file: f, entry: Some(e), .. } if *f == file && e == "gpt-4o"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(r#"invalid price list {file:?} (from GENAI_O11Y_PRICING_FILE): entry "gpt-4o": "input_cost_per_token" is not a number ("cheap")"#)
    );
    let Err(missing) = genai_o11y::init()
        .env_source(env(&[(PRICING_FILE_ENV, "/nonexistent/prices.json".to_owned())]))
        .exporter(Exporter::None)
        .log_format(LogFormat::Off)
        .install_thread_local()
    else {
        panic!("a setup error")
    };
    assert!(missing.to_string().starts_with(r#"invalid price list "/nonexistent/prices.json" (from GENAI_O11Y_PRICING_FILE): cannot read it"#), "{missing}");
}

#[test]
fn litellm_vertex_families_and_a_misspelt_input_price() {
    let t = PricingTable::parse(
        r#"{
        "vertex_ai/acme-vx": {"litellm_provider": "vertex_ai-language-models", "input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6},
        "vertex_ai/claude-vx@20250101": {"litellm_provider": "vertex_ai-anthropic_models", "input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5},
        "acme-typo": {"litellm_provider": "openai", "input_cost_per_tokens": 1e-6, "output_cost_per_token": 4e-6}
    }"#,
    )
    .unwrap();
    // LiteLLM names Vertex AI's families `vertex_ai-*`: they are `gcp.vertex_ai`.
    let rounded = |p: Option<f64>| p.map(|p| (p * 1e6).round() / 1e6);
    assert_eq!(rounded(input_price(&t, "gcp.vertex_ai", "acme-vx")), Some(1.0));
    assert_eq!(rounded(input_price(&t, "gcp.vertex_ai", "claude-vx@20250101")), Some(3.0));
    // A misspelt input key prices nothing (rather than input at 0).
    assert_eq!(input_price(&t, "openai", "acme-typo"), None);
}

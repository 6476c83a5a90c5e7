//! Other crates' GenAI spans get what this crate's own spans get: cost with provenance, rollups
//! into the agents above them (theirs and ours, each call counted once), and the GenAI metrics.
//! First with hand-made spans of another `tracing` target (the exact behaviour), then with the
//! real crates, rig (an agent with a tool, through its OpenAI-compatible provider) and genai (a
//! chat and a streamed chat), against the fake OpenAI-compatible server on loopback.

mod common;

use common::*;
use genai_o11y::foreign::ForeignSpans;
use genai_o11y::setup::{Dialect, Exporter, LogFormat};
use genai_o11y::testing::{attr, TestTelemetry};
use genai_o11y::{genai_agent, genai_span, Conventions, ModelPrice, PricingTable, Settings, Usage};
use genai_o11y_examples::fake_openai;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::Value;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor, SpanData};
use tracing::field::Empty;
use tracing_subscriber::layer::SubscriberExt;

/// Input and output prices per million tokens in the test table.
const INPUT_PRICE: f64 = 2.0;
const OUTPUT_PRICE: f64 = 8.0;
const TABLE: &str = "foreign-test-1";

fn table() -> PricingTable {
    PricingTable::new(TABLE).with_price(ModelPrice::new(None, "gpt-4o", INPUT_PRICE, OUTPUT_PRICE))
}

fn settings() -> Settings {
    Settings::default().pricing(Some(table()))
}

fn price(input: u64, output: u64) -> f64 {
    (input as f64 * INPUT_PRICE + output as f64 * OUTPUT_PRICE) / 1e6
}

fn float_attr(span: &SpanData, key: &str) -> Option<f64> {
    match attr(span, key) {
        Some(Value::F64(f)) => Some(*f),
        _ => None,
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-12)
}

/// A chat span as another crate makes it: its own target, usage recorded after the response.
fn foreign_chat(input: u64, output: u64) {
    let span = tracing::info_span!(
        target: "other_llm::client",
        "chat",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = "gpt-4o",
        gen_ai.response.model = Empty,
        gen_ai.usage.input_tokens = Empty,
        gen_ai.usage.output_tokens = Empty,
    );
    let _entered = span.enter();
    span.record("gen_ai.response.model", "gpt-4o-2024-08-06");
    span.record("gen_ai.usage.input_tokens", input as i64);
    span.record("gen_ai.usage.output_tokens", output as i64);
}

fn foreign_agent(name: &str) -> tracing::Span {
    tracing::info_span!(target: "other_llm::agent", "invoke_agent", gen_ai.operation.name = "invoke_agent", gen_ai.agent.name = name)
}

fn foreign_tool() {
    let span = tracing::info_span!(target: "other_llm::agent", "execute_tool", gen_ai.operation.name = "execute_tool", gen_ai.tool.name = "lookup");
    let _entered = span.enter();
}

fn u64_sum(points: &[opentelemetry_sdk::metrics::data::SumDataPoint<u64>]) -> u64 {
    points.iter().map(|p| p.value()).sum()
}

#[test]
fn a_foreign_chat_gets_cost_with_provenance_and_the_genai_metrics() {
    let t = TestTelemetry::with_settings(settings());
    foreign_chat(1000, 200);
    let chat = t.span("chat");
    assert!(close(float_attr(&chat, "genai_o11y.cost.amount"), price(1000, 200)), "{:?}", chat.attributes);
    assert_eq!(string_attr(&chat, "genai_o11y.cost.currency").as_deref(), Some("USD"));
    assert_eq!(string_attr(&chat, "genai_o11y.cost.source").as_deref(), Some("table"));
    assert_eq!(string_attr(&chat, "genai_o11y.cost.pricing_version").as_deref(), Some(TABLE));
    // Its own attributes are left as they were.
    assert_eq!(int_attr(&chat, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(keys(&chat).iter().filter(|k| k.starts_with("genai_o11y.aggregated")).count(), 0);

    let duration = t.f64_histogram("gen_ai.client.operation.duration");
    assert_eq!(duration.len(), 1);
    let d = &duration[0];
    assert_eq!(d.count(), 1);
    let d_attrs = genai_o11y::testing::point_attrs(d.attributes());
    for (k, v) in [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "openai"),
        ("gen_ai.request.model", "gpt-4o"),
        ("gen_ai.response.model", "gpt-4o-2024-08-06"),
    ] {
        assert!(d_attrs.contains(&(k.to_owned(), v.to_owned())), "{k}={v} in {d_attrs:?}");
    }
    let tokens = t.u64_histogram("gen_ai.client.token.usage");
    let by_type = |ty: &str| {
        tokens.iter().find(|p| genai_o11y::testing::point_attrs(p.attributes()).contains(&("gen_ai.token.type".to_owned(), ty.to_owned()))).map(|p| p.sum())
    };
    assert_eq!(by_type("input"), Some(1000));
    assert_eq!(by_type("output"), Some(200));
    let cost = t.f64_counter("genai_o11y.client.cost");
    assert_eq!(cost.len(), 1);
    assert!((cost[0].value() - price(1000, 200)).abs() < 1e-12);
}

#[test]
fn an_unpriced_foreign_model_is_marked_and_counted_like_ours() {
    let t = TestTelemetry::with_settings(settings());
    {
        let span = tracing::info_span!(
            target: "other_llm::client",
            "chat",
            gen_ai.operation.name = "chat",
            gen_ai.provider.name = "acme",
            gen_ai.request.model = "acme-large",
            gen_ai.usage.input_tokens = 10,
            gen_ai.usage.output_tokens = 2,
        );
        let _e = span.enter();
    }
    let chat = t.span("chat");
    assert_eq!(attr(&chat, "genai_o11y.cost.amount"), None);
    assert_eq!(attr(&chat, "genai_o11y.cost.unpriced"), Some(&Value::Bool(true)));
    assert_eq!(u64_sum(&t.u64_counter("genai_o11y.client.cost.unpriced")), 1);
}

#[test]
fn foreign_agents_total_the_calls_beneath_them_and_pass_them_up_to_the_foreign_agent_above() {
    let t = TestTelemetry::with_settings(settings());
    {
        let outer = foreign_agent("outer");
        let _o = outer.enter();
        foreign_chat(100, 10);
        {
            let inner = foreign_agent("inner");
            let _i = inner.enter();
            foreign_chat(200, 20);
            foreign_tool();
            // A span of another kind in between: the chat beneath it still counts.
            let plain = tracing::info_span!(target: "other_llm::util", "step");
            let _p = plain.enter();
            foreign_chat(300, 30);
        }
    }
    let spans = t.spans();
    let agent = |name: &str| spans.iter().find(|s| s.name == "invoke_agent" && string_attr(s, "gen_ai.agent.name").as_deref() == Some(name)).unwrap().clone();
    let (outer, inner) = (agent("outer"), agent("inner"));
    assert_eq!(int_attr(&inner, "genai_o11y.aggregated_usage.input_tokens"), Some(500));
    assert_eq!(int_attr(&inner, "genai_o11y.aggregated_usage.output_tokens"), Some(50));
    assert_eq!(int_attr(&inner, "genai_o11y.agent.inference_calls"), Some(2));
    assert_eq!(int_attr(&inner, "genai_o11y.agent.tool_calls"), Some(1));
    assert!(close(float_attr(&inner, "genai_o11y.aggregated_cost.amount"), price(500, 50)));
    assert_eq!(int_attr(&outer, "genai_o11y.aggregated_usage.input_tokens"), Some(600), "its own call and the inner agent's");
    assert_eq!(int_attr(&outer, "genai_o11y.agent.inference_calls"), Some(1), "its own calls, as for this crate's agents");
    assert!(close(float_attr(&outer, "genai_o11y.aggregated_cost.amount"), price(600, 60)));
    // The agents are not inference calls: no cost of their own, no metrics.
    assert_eq!(attr(&outer, "genai_o11y.cost.amount"), None);
    assert_eq!(t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| p.count()).sum::<u64>(), 3);
}

#[test]
fn the_attribution_in_force_is_written_on_foreign_spans_too() {
    let t = TestTelemetry::with_settings(settings());
    genai_o11y::attribution::Attribution::new().session_id("s-foreign").user_id("u-7").in_scope(|| foreign_chat(10, 2));
    let chat = t.span("chat");
    assert_eq!(string_attr(&chat, "session.id").as_deref(), Some("s-foreign"));
    assert_eq!(string_attr(&chat, "user.id").as_deref(), Some("u-7"));
}

#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o")]
async fn our_chat(input: u64, output: u64) -> Result<Usage, ApiError> {
    Ok(Usage::new().input(input).output(output))
}

#[genai_agent(name = "ours")]
async fn our_agent_with_a_foreign_call() -> Result<(), ApiError> {
    our_chat(1000, 100).await?;
    foreign_chat(500, 50);
    Ok(())
}

#[tokio::test]
async fn a_foreign_call_in_our_agent_adds_to_its_totals_once_and_ours_are_untouched() {
    let t = TestTelemetry::with_settings(settings());
    our_agent_with_a_foreign_call().await.unwrap();
    let agent = t.span("invoke_agent ours");
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(1500));
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.output_tokens"), Some(150));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.inference_calls"), Some(2));
    assert!(close(float_attr(&agent, "genai_o11y.aggregated_cost.amount"), price(1500, 150)));
    // Our own chat: one cost, written by the call itself; one metric point each.
    let ours = t.span("chat gpt-4o");
    assert_eq!(ours.attributes.iter().filter(|kv| kv.key.as_str() == "genai_o11y.cost.amount").count(), 1);
    assert!(close(float_attr(&ours, "genai_o11y.cost.amount"), price(1000, 100)));
    let theirs = t.span("chat");
    assert!(is_child_of(&theirs, &agent));
    assert!(close(float_attr(&theirs, "genai_o11y.cost.amount"), price(500, 50)));
    let cost = t.f64_counter("genai_o11y.client.cost");
    assert!((cost.iter().map(|p| p.value()).sum::<f64>() - price(1500, 150)).abs() < 1e-12, "each call once");
    assert_eq!(t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| p.count()).sum::<u64>(), 2);
}

#[test]
fn the_latest_conventions_metrics_count_foreign_calls_too() {
    let t = TestTelemetry::with_settings(settings().conventions(Conventions::LatestExperimental));
    foreign_chat(1000, 200);
    let input = t.u64_counter("gen_ai.client.inference.usage.input_tokens");
    assert_eq!(u64_sum(&input), 1000, "{:?}", t.metric_names());
    assert_eq!(u64_sum(&t.u64_counter("gen_ai.client.inference.usage.output_tokens")), 200);
    assert_eq!(t.f64_histogram("gen_ai.client.inference.duration").iter().map(|p| p.count()).sum::<u64>(), 1);
}

/// A pipeline wired by hand, as the module docs show: the layer after the OpenTelemetry
/// layer, the processor around the export.
struct HandWired {
    exporter: InMemorySpanExporter,
    metrics: opentelemetry_sdk::metrics::InMemoryMetricExporter,
    meter_provider: SdkMeterProvider,
    _tp: SdkTracerProvider,
    _metrics: genai_o11y::ScopedGuard,
    _subscriber: tracing::subscriber::DefaultGuard,
}

impl HandWired {
    fn new(foreign: ForeignSpans) -> Self {
        let exporter = InMemorySpanExporter::default();
        let tp = SdkTracerProvider::builder().with_span_processor(foreign.wrap(SimpleSpanProcessor::new(exporter.clone()))).build();
        let metrics = opentelemetry_sdk::metrics::InMemoryMetricExporter::default();
        let meter_provider = SdkMeterProvider::builder().with_reader(PeriodicReader::builder(metrics.clone()).build()).build();
        let subscriber = tracing_subscriber::registry().with(genai_o11y::otel_layer(tp.tracer("app"))).with(foreign.layer());
        let _subscriber = tracing::subscriber::set_default(subscriber);
        let _metrics = genai_o11y::scoped_with(&meter_provider, settings());
        HandWired { exporter, metrics, meter_provider, _tp: tp, _metrics, _subscriber }
    }

    fn metric_names(&self) -> Vec<String> {
        self.meter_provider.force_flush().unwrap();
        let mut names: Vec<String> = self
            .metrics
            .get_finished_metrics()
            .unwrap()
            .iter()
            .flat_map(|rm| rm.scope_metrics().flat_map(|sm| sm.metrics().map(|m| m.name().to_owned())))
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

#[test]
fn a_hand_wired_pipeline_enriches_and_a_self_metered_crate_gets_no_metrics_from_us() {
    let p = HandWired::new(ForeignSpans::new().self_metered("other_llm"));
    foreign_chat(1000, 200);
    let spans = p.exporter.get_finished_spans().unwrap();
    assert!(close(float_attr(&spans[0], "genai_o11y.cost.amount"), price(1000, 200)), "cost still");
    assert!(!p.metric_names().iter().any(|n| n.starts_with("gen_ai.") || n.starts_with("genai_o11y.")), "{:?}", p.metric_names());

    let p = HandWired::new(ForeignSpans::new().metrics(false));
    foreign_chat(1000, 200);
    assert!(!p.metric_names().iter().any(|n| n.starts_with("gen_ai.")), "{:?}", p.metric_names());

    let p = HandWired::new(ForeignSpans::new().self_metered("another_crate"));
    foreign_chat(1000, 200);
    assert!(p.metric_names().contains(&"gen_ai.client.token.usage".to_owned()), "{:?}", p.metric_names());
}

// ---- The real crates, against the fake OpenAI-compatible server on loopback.

mod rig_agent_run {
    use rig_agent::core::providers::openai::OpenAIConfig;
    use rig_agent::core::tool::ToolExecutionError;
    use rig_agent::rig_tool;

    #[rig_tool(description = "The weather in a city")]
    fn get_weather(city: String) -> Result<String, ToolExecutionError> {
        Ok(format!("{city}: 18C"))
    }

    /// rig's agent ("planner", one tool) on the fake server: the first turn asks for two
    /// `get_weather` calls, the second answers.
    pub async fn run(base_url: String) -> String {
        let mut config = OpenAIConfig::new("test-key");
        config.base_url = base_url;
        let openai = config.client();
        let agent = rig_agent::AgentBuilder::new(openai.chat("gpt-4o")).name("planner").preamble("Plan trips.").tool(GetWeather).build();
        agent.prompt("Plan a trip to Paris and Oslo").max_turns(3).await.expect("rig agent run").output().to_owned()
    }
}

fn rig_spans(spans: &[SpanData]) -> (SpanData, Vec<SpanData>, Vec<SpanData>) {
    let agent = spans.iter().find(|s| string_attr(s, "gen_ai.operation.name").as_deref() == Some("invoke_agent")).cloned();
    let agent = agent.unwrap_or_else(|| panic!("no invoke_agent in {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>()));
    let of = |op: &str| spans.iter().filter(|s| string_attr(s, "gen_ai.operation.name").as_deref() == Some(op)).cloned().collect::<Vec<_>>();
    (agent, of("chat"), of("execute_tool"))
}

#[tokio::test]
async fn rig_agent_spans_carry_cost_and_its_agent_span_the_rollup() {
    let fake = fake_openai::start().await;
    let t = TestTelemetry::with_settings(settings());
    let answer = rig_agent_run::run(fake.base_url()).await;
    assert!(answer.starts_with("Trip plan:"), "{answer}");
    let spans = t.spans();
    let (agent, chats, tools) = rig_spans(&spans);
    assert_eq!(chats.len(), 2, "two turns");
    assert_eq!(tools.len(), 2, "two tool calls");
    let mut input = 0;
    let mut output = 0;
    for c in &chats {
        let (i, o) = (int_attr(c, "gen_ai.usage.input_tokens").unwrap() as u64, int_attr(c, "gen_ai.usage.output_tokens").unwrap() as u64);
        // The cached part is priced at the input price (the table names no cache price).
        assert!(close(float_attr(c, "genai_o11y.cost.amount"), price(i, o)), "{:?}", c.attributes);
        assert_eq!(string_attr(c, "genai_o11y.cost.pricing_version").as_deref(), Some(TABLE));
        input += i;
        output += o;
    }
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.input_tokens"), Some(input as i64));
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.output_tokens"), Some(output as i64));
    // The second turn's conversation holds the assistant's tool calls: the fake server's cache hit.
    assert_eq!(int_attr(&agent, "genai_o11y.aggregated_usage.cache_read.input_tokens"), Some(fake_openai::CACHED_TOKENS as i64));
    assert!(close(float_attr(&agent, "genai_o11y.aggregated_cost.amount"), price(input, output)));
    // rig's own run usage stays as it is, an integer now (tracing-opentelemetry exported rig's
    // `u64` as text).
    assert_eq!(int_attr(&agent, "gen_ai.usage.input_tokens"), Some(input as i64));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.inference_calls"), Some(2));
    assert_eq!(int_attr(&agent, "genai_o11y.agent.tool_calls"), Some(2));

    let tokens = t.u64_histogram("gen_ai.client.token.usage");
    assert_eq!(tokens.iter().map(|p| p.sum()).sum::<u64>(), input + output);
    let cost = t.f64_counter("genai_o11y.client.cost");
    assert!((cost.iter().map(|p| p.value()).sum::<f64>() - price(input, output)).abs() < 1e-12);
    assert_eq!(t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| p.count()).sum::<u64>(), 2);
}

#[tokio::test]
async fn rig_under_init_through_the_phoenix_dialect() {
    let fake = fake_openai::start().await;
    let exporter = InMemorySpanExporter::default();
    let guard = genai_o11y::init()
        .env_source(|_| None)
        .exporter(Exporter::None)
        .span_exporter(Dialect::Phoenix.wrap(exporter.clone()))
        .settings(settings())
        .log_format(LogFormat::Off)
        .install_thread_local()
        .unwrap();
    rig_agent_run::run(fake.base_url()).await;
    guard.flush();
    let spans = exporter.get_finished_spans().unwrap();
    let (agent, chats, tools) = rig_spans(&spans);
    let kind = |s: &SpanData| string_attr(s, "openinference.span.kind");
    assert_eq!(kind(&agent).as_deref(), Some("AGENT"));
    assert!(chats.iter().all(|c| kind(c).as_deref() == Some("LLM")), "{chats:?}");
    assert!(tools.iter().all(|c| kind(c).as_deref() == Some("TOOL")), "{tools:?}");
    assert!(chats.iter().all(|c| float_attr(c, "genai_o11y.cost.amount").is_some()), "init() enriches");
    assert_eq!(int_attr(&agent, "genai_o11y.agent.inference_calls"), Some(2));
}

mod genai_chat {
    use futures::StreamExt;
    use genai::adapter::AdapterKind;
    use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatStreamEvent};
    use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
    use genai::{Client, ModelIden, ServiceTarget};

    pub fn client(base_url: String) -> Client {
        let endpoint = format!("{base_url}/");
        let resolver = ServiceTargetResolver::from_resolver_fn(move |t: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
            Ok(ServiceTarget {
                endpoint: Endpoint::from_owned(endpoint.clone()),
                auth: AuthData::from_single("test-key"),
                model: ModelIden::new(AdapterKind::OpenAI, t.model.model_name),
            })
        });
        Client::builder().with_service_target_resolver(resolver).build().expect("genai client")
    }

    pub async fn chat(client: &Client, text: &str) -> String {
        let req = ChatRequest::new(vec![ChatMessage::user(text)]);
        client.exec_chat("gpt-4o", req, None).await.expect("genai chat").first_text().unwrap_or_default().to_owned()
    }

    pub async fn stream(client: &Client, text: &str) -> String {
        let req = ChatRequest::new(vec![ChatMessage::user(text)]);
        let options = ChatOptions::default().with_capture_usage(true);
        let mut stream = client.exec_chat_stream("gpt-4o", req, Some(&options)).await.expect("genai stream").stream;
        let mut out = String::new();
        while let Some(event) = stream.next().await {
            if let ChatStreamEvent::Chunk(c) = event.expect("stream event") {
                out.push_str(&c.content);
            }
        }
        out
    }
}

#[tokio::test]
async fn genai_chat_and_streamed_chat_carry_cost_and_count_in_the_metrics() {
    let fake = fake_openai::start().await;
    let t = TestTelemetry::with_settings(settings());
    let client = genai_chat::client(fake.base_url());
    assert_eq!(genai_chat::chat(&client, "hello there").await, "Scripted answer to: hello there");
    assert_eq!(genai_chat::stream(&client, "stream it").await, "Scripted answer to: stream it");
    let spans = t.spans();
    let chats: Vec<&SpanData> = spans.iter().filter(|s| s.name == "chat gpt-4o").collect();
    assert_eq!(chats.len(), 2, "{:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());
    let mut total = (0, 0);
    for c in &chats {
        let (i, o) = (int_attr(c, "gen_ai.usage.input_tokens").unwrap() as u64, int_attr(c, "gen_ai.usage.output_tokens").unwrap() as u64);
        assert_eq!(i, fake_openai::PROMPT_TOKENS_PER_MESSAGE);
        assert!(close(float_attr(c, "genai_o11y.cost.amount"), price(i, o)), "{:?}", c.attributes);
        total = (total.0 + i, total.1 + o);
    }
    // genai records the finish reasons as JSON text (a `tracing` field has no array type): a
    // string array here, as the conventions type it.
    let reasons = attr(chats[0], "gen_ai.response.finish_reasons");
    assert_eq!(reasons, Some(&Value::Array(opentelemetry::Array::String(vec!["stop".into()]))), "{:?}", chats[0].attributes);
    // The streamed chat's span lasts until the stream ends: its duration covers the chunks.
    let streamed = chats.iter().find(|c| attr(c, "gen_ai.request.stream") == Some(&Value::Bool(true))).expect("the streamed chat");
    let lasted = streamed.end_time.duration_since(streamed.start_time).unwrap();
    assert!(lasted >= fake_openai::CHUNK_INTERVAL * 4, "{lasted:?}");

    let tokens = t.u64_histogram("gen_ai.client.token.usage");
    assert_eq!(tokens.iter().map(|p| p.sum()).sum::<u64>(), total.0 + total.1);
    assert_eq!(t.f64_histogram("gen_ai.client.operation.duration").iter().map(|p| p.count()).sum::<u64>(), 2);
    let cost = t.f64_counter("genai_o11y.client.cost");
    assert!((cost.iter().map(|p| p.value()).sum::<f64>() - price(total.0, total.1)).abs() < 1e-12);
}

//! A demo service for the Prometheus and health features: an annotated workload against a fake
//! model API (two models, failures with mapped `error.type`s among them rate limits, tools, an
//! agent, streamed calls, two versions of a prompt template) running in a background loop, whose
//! tools call two downstream HTTP services on loopback (`SendTraced` on the calling side,
//! `ServerLayer` on theirs; some answers are 503 and 404), and an HTTP server with `/metrics`,
//! `/healthz` and `/readyz`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let demo = genai_o11y_examples::prometheus_demo::serve("127.0.0.1:9464").await?;
//! // scrape http://127.0.0.1:9464/metrics
//! demo.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! The meter provider is installed **globally** (`opentelemetry::global::set_meter_provider` and
//! `genai_o11y::refresh_instruments()`), because the workload runs on every worker thread of the
//! runtime. One demo per process at a time.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Path;
use axum::routing::{get, post};
use axum::Router;
use futures::stream::{self, Stream, StreamExt};
use genai_o11y::attribution::{Attribution, MetricAttribution};
use genai_o11y::evaluation::Evaluation;
use genai_o11y::guard::{Decision, GuardDecision};
use genai_o11y::health::HealthChecker;
use genai_o11y::prometheus::PrometheusHandle;
use genai_o11y::propagation::{SendTraced, ServerLayer};
use genai_o11y::server::{RunningServer, Server};
use genai_o11y::{genai_agent, genai_guardrail, genai_span, genai_tool, ErrorType, HasUsage};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::Resource;
use tokio::net::ToSocketAddrs;
use tokio::task::JoinHandle;

/// The two models of the workload (both in the built-in pricing table).
pub const MODELS: [&str; 2] = ["gpt-4o", "claude-sonnet-4"];
/// The `app.feature` attribution values of the workload (on the metrics: the cost-by-feature
/// panel).
pub const FEATURES: [&str; 3] = ["support", "summarize", "chat"];
/// The evaluation the workload records for every agent answer.
pub const EVALUATION: &str = "relevance";
/// The attribution key the demo allows onto its metrics.
pub const FEATURE_KEY: &str = "app.feature";
/// The `service.name` of the demo's resource (`target_info` in Prometheus).
pub const SERVICE_NAME: &str = "genai-o11y-demo";
/// The client-side deadline of a model call; the fake API sometimes hangs past it.
pub const CALL_DEADLINE: Duration = Duration::from_millis(250);
/// The prompt templates of the workload's model calls, as (`gen_ai.prompt.name`,
/// `gen_ai.prompt.version`): the support answer is A/B tested between two versions (on the
/// metrics through the allow-list: the cost-per-prompt-version panel).
pub const PROMPTS: [(&str, &str); 3] = [("support-answer", "3"), ("support-answer", "4"), ("ticket-summary", "1")];
/// The routes of the two downstream services the tools call (`http.route` of
/// `http.server.request.duration`).
pub const DOWNSTREAM_ROUTES: [&str; 2] = ["/search", "/weather/{city}"];

/// A prompt template of [`PROMPTS`].
#[derive(Clone, Copy, Debug)]
pub struct Prompt {
    /// `gen_ai.prompt.name`.
    pub name: &'static str,
    /// `gen_ai.prompt.version`.
    pub version: &'static str,
}

impl Prompt {
    fn of(i: usize) -> Prompt {
        Prompt { name: PROMPTS[i].0, version: PROMPTS[i].1 }
    }
}

// ---------------------------------------------------------------------------------------------
// The fake model API
// ---------------------------------------------------------------------------------------------

/// A chat completion.
#[derive(HasUsage, Debug, Clone)]
pub struct ChatResponse {
    id: String,
    model: String,
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(cache_read)]
    cached: Option<u32>,
    finish_reason: Option<String>,
    #[usage(skip)]
    text: String,
}

/// A streamed chunk: usage only in the last one (OpenAI style).
#[derive(HasUsage, Debug, Clone, Default)]
pub struct Chunk {
    id: Option<String>,
    model: Option<String>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
    finish_reason: Option<String>,
    #[usage(skip)]
    delta: String,
}

/// A model API failure, mapped to a low-cardinality `error.type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// HTTP 429: `error.type = 429`.
    RateLimited,
    /// The call missed [`CALL_DEADLINE`]: `error.type = timeout`.
    Timeout,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::RateLimited => f.write_str("rate limited: retry after 1s"),
            ApiError::Timeout => write!(f, "no response within {} ms", CALL_DEADLINE.as_millis()),
        }
    }
}
impl std::error::Error for ApiError {}

impl ErrorType for ApiError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ApiError::RateLimited => "429".into(),
            ApiError::Timeout => "timeout".into(),
        }
    }
}

/// A tool failure, from the downstream service's answer: `error.type = not_found` (404) or
/// `unavailable` (anything else).
#[derive(Debug, Clone)]
pub struct ToolError {
    status: u16,
    what: String,
}
impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered {}", self.what, self.status)
    }
}
impl std::error::Error for ToolError {}
impl ErrorType for ToolError {
    fn error_type(&self) -> Cow<'static, str> {
        match self.status {
            404 => "not_found".into(),
            _ => "unavailable".into(),
        }
    }
}

/// SplitMix64: cheap deterministic pseudo-randomness for latencies and token counts.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A number in `lo..hi` drawn from `seed`.
fn draw(seed: u64, lo: u64, hi: u64) -> u64 {
    lo + mix(seed) % (hi - lo).max(1)
}

fn provider_of(model: &str) -> &'static str {
    if model.starts_with("claude") {
        "anthropic"
    } else {
        "openai"
    }
}

fn response_model(model: &str) -> String {
    match provider_of(model) {
        "anthropic" => format!("{model}-20250514"),
        _ => format!("{model}-2024-08-06"),
    }
}

/// The "network": latency per model, a rate-limit every 9th call, a hang (past the deadline)
/// every 13th call, and a slow outlier now and then.
async fn fake_api(model: &str, n: u64, prompt: &str) -> Result<ChatResponse, ApiError> {
    if n % 9 == 4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        return Err(ApiError::RateLimited);
    }
    let base = if provider_of(model) == "anthropic" { draw(n, 60, 260) } else { draw(n, 30, 180) };
    let latency = match n % 13 {
        7 => 10_000,      // hangs: the client's deadline fires
        11 => base + 400, // a slow outlier
        _ => base,
    };
    tokio::time::sleep(Duration::from_millis(latency)).await;
    let prompt_tokens = 40 + 12 * prompt.split_whitespace().count() as u32 + draw(n ^ 1, 0, 200) as u32;
    Ok(ChatResponse {
        id: format!("chatcmpl-{n}"),
        model: response_model(model),
        prompt_tokens,
        completion_tokens: draw(n ^ 2, 20, 400) as u32,
        cached: (n % 3 == 1).then_some(prompt_tokens / 2),
        finish_reason: Some("stop".into()),
        text: format!("answer #{n}"),
    })
}

// ---------------------------------------------------------------------------------------------
// The annotated application
// ---------------------------------------------------------------------------------------------

static CHAT_CALLS: AtomicU64 = AtomicU64::new(0);
static STREAM_CALLS: AtomicU64 = AtomicU64::new(0);

/// One chat completion, with the client's deadline, built from a prompt template (or none).
#[genai_span(
    operation = "chat",
    provider = provider_of(model),
    model = model.to_owned(),
    temperature = 0.2,
    max_tokens = 512,
    prompt_name = template.map(|t| t.name),
    prompt_version = template.map(|t| t.version)
)]
pub async fn chat(model: &str, template: Option<Prompt>, prompt: &str) -> Result<ChatResponse, ApiError> {
    let n = CHAT_CALLS.fetch_add(1, Ordering::Relaxed);
    match tokio::time::timeout(CALL_DEADLINE, fake_api(model, n, prompt)).await {
        Ok(r) => r,
        Err(_) => Err(ApiError::Timeout),
    }
}

/// A streamed chat completion: 4–12 chunks, 5–25 ms apart, usage in the last one.
#[genai_span(operation = "chat", provider = provider_of(model), model = model.to_owned(), max_tokens = 256)]
pub fn chat_stream(model: &str, seed: u64) -> impl Stream<Item = Result<Chunk, ApiError>> + Send + 'static {
    let chunks = draw(seed, 4, 13) as usize;
    let response_model = response_model(model);
    stream::unfold(0usize, move |i| {
        let response_model = response_model.clone();
        async move {
            if i == chunks {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(draw(seed.wrapping_add(i as u64), 5, 25))).await;
            let last = i + 1 == chunks;
            let chunk = Chunk {
                id: Some(format!("chatcmpl-s{seed}")),
                model: Some(response_model),
                prompt_tokens: last.then_some(draw(seed, 30, 300) as u32),
                completion_tokens: last.then_some(chunks as u32 * 3),
                finish_reason: last.then(|| "stop".to_owned()),
                delta: format!("tok{i} "),
            };
            Some((Ok(chunk), i + 1))
        }
    })
}

/// The downstream HTTP services the tools call (on loopback), and the client that calls them.
#[derive(Clone, Debug)]
pub struct Downstream {
    client: reqwest::Client,
    docs: SocketAddr,
    weather: SocketAddr,
}

/// An answer of a downstream service: its body on a 2xx, else the tool's error.
async fn answer(sent: reqwest::Result<reqwest::Response>, what: &str) -> Result<String, ToolError> {
    let failed = |status| ToolError { status, what: what.to_owned() };
    let resp = sent.map_err(|_| failed(0))?;
    let status = resp.status().as_u16();
    if !resp.status().is_success() {
        return Err(failed(status));
    }
    resp.text().await.map_err(|_| failed(status))
}

/// Searches the product documentation (the docs service, `POST /search`).
#[genai_tool]
pub async fn search_docs(downstream: &Downstream, query: &str) -> Result<Vec<String>, ToolError> {
    let sent = downstream.client.post(format!("http://{}/search", downstream.docs)).body(query.to_owned()).send_traced().await;
    Ok(vec![answer(sent, "the docs service").await?])
}

/// Looks up the current weather for a city (the weather service, `GET /weather/{city}`).
#[genai_tool]
pub async fn get_weather(downstream: &Downstream, city: &str) -> Result<String, ToolError> {
    answer(downstream.client.get(format!("http://{}/weather/{city}", downstream.weather)).send_traced().await, "the weather service").await
}

/// The demo's guards (the guard panels and the block-rate alert).
pub const GUARDS: [&str; 2] = ["prompt_shield", "pii_filter"];

/// What the input guard decides.
#[derive(GuardDecision)]
pub enum Shield {
    Allow,
    Block { reason: &'static str, rule_id: &'static str },
}

/// The input guard: blocks every 4th round (a prompt injection), allows the rest.
#[genai_guardrail(name = "prompt_shield", policy = "safety", source = "input", risk_category = "prompt_injection")]
pub fn prompt_shield(question: &str, round: u64) -> Shield {
    let _ = question;
    if round % 4 == 3 {
        Shield::Block { reason: "instructions to ignore the system prompt", rule_id: "injection.override" }
    } else {
        Shield::Allow
    }
}

/// The output guard: redacts every 3rd answer, blocks every 5th, allows the rest.
#[genai_guardrail(name = "pii_filter", policy = "privacy", source = "output", risk_category = "pii")]
pub fn pii_filter(answer: &str, round: u64) -> Decision {
    let _ = answer;
    match round % 15 {
        r if r % 5 == 4 => Decision::block("an account number").rule_id("pii.account"),
        r if r % 3 == 1 => Decision::modify("an e-mail address redacted").rule_id("pii.email"),
        _ => Decision::allow(),
    }
}

/// Answers a support question: the input guard first, then asks the model for a plan, runs the
/// tools, answers with one of the two versions of the support prompt, and the output guard checks
/// the answer.
#[genai_agent(name = "support_agent")]
pub async fn support_agent(downstream: &Downstream, model: &str, question: &str, round: u64) -> Result<String, ApiError> {
    if prompt_shield(question, round).guard_decision().is_block() {
        return Ok("I can't help with that.".to_owned());
    }
    let plan = chat(model, None, question).await?;
    let (docs, weather) = futures::join!(search_docs(downstream, question), get_weather(downstream, "Paris"));
    let context = format!("{} {:?} {:?}", plan.text, docs.ok(), weather.ok());
    let answer = chat(model, Some(Prompt::of((round % 2) as usize)), &context).await?;
    if pii_filter(&answer.text, round).is_block() {
        return Ok("I can't share that.".to_owned());
    }
    Ok(answer.text)
}

/// The docs service: 10–60 ms per search; every 7th answers 503.
async fn docs_service() -> io::Result<SocketAddr> {
    static SEARCHES: AtomicU64 = AtomicU64::new(0);
    let search = |query: String| async move {
        let n = SEARCHES.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(draw(n, 10, 60))).await;
        if n % 7 == 3 {
            return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "index is reloading".to_owned());
        }
        (axum::http::StatusCode::OK, format!("doc about {query}"))
    };
    serve_downstream(Router::new().route(DOWNSTREAM_ROUTES[0], post(search)).route_layer(ServerLayer::new())).await
}

/// The weather service: 5–40 ms per lookup; every 5th city is not found (404).
async fn weather_service() -> io::Result<SocketAddr> {
    static LOOKUPS: AtomicU64 = AtomicU64::new(0);
    let weather = |Path(city): Path<String>| async move {
        let n = LOOKUPS.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(draw(n, 5, 40))).await;
        if n % 5 == 2 {
            return (axum::http::StatusCode::NOT_FOUND, format!("no station for {city}"));
        }
        (axum::http::StatusCode::OK, format!("{city}: 18°C"))
    };
    serve_downstream(Router::new().route(DOWNSTREAM_ROUTES[1], get(weather)).route_layer(ServerLayer::new())).await
}

async fn serve_downstream(app: Router) -> io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

// ---------------------------------------------------------------------------------------------
// The workload loop and the server
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct WorkloadState {
    stop: AtomicBool,
    iterations: AtomicU64,
    alive_workers: AtomicUsize,
}

struct AliveGuard(Arc<WorkloadState>);
impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.alive_workers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One round: the agent on `primary`, a direct chat on the other model, a streamed call on
/// `primary` (every 4th stream is abandoned after two chunks: `error.type = cancelled`).
async fn iteration(downstream: &Downstream, primary: &'static str, other: &'static str, round: u64) {
    let feature = |f: &'static str| Attribution::new().session_id(format!("session-{round}")).metadata(FEATURE_KEY, f);
    let _ = feature(FEATURES[0]).scope(support_agent(downstream, primary, "How do I reset my password while travelling?", round)).await;
    // An LLM-as-judge score of the answer (the evaluation panel and alert).
    Evaluation::score(EVALUATION, 0.6 + (round % 4) as f64 * 0.1).record();
    let _ = feature(FEATURES[1]).scope(chat(other, Some(Prompt::of(2)), "Summarize the ticket in one sentence.")).await;
    feature(FEATURES[2]).scope(stream_round(primary, round)).await;
}

async fn stream_round(primary: &'static str, round: u64) {
    let seed = STREAM_CALLS.fetch_add(1, Ordering::Relaxed);
    let mut s = Box::pin(chat_stream(primary, seed ^ round));
    let mut text = String::new();
    let mut seen = 0;
    while let Some(chunk) = s.next().await {
        let Ok(chunk) = chunk else { break };
        text.push_str(&chunk.delta);
        seen += 1;
        if seed % 4 == 1 && seen == 2 {
            break; // the consumer gives up: the span ends as cancelled when `s` drops
        }
    }
}

async fn worker(state: Arc<WorkloadState>, downstream: Downstream, primary: &'static str, other: &'static str) {
    let _alive = AliveGuard(state.clone());
    let mut round = 0u64;
    while !state.stop.load(Ordering::SeqCst) {
        iteration(&downstream, primary, other, round).await;
        state.iterations.fetch_add(1, Ordering::SeqCst);
        round += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The demo: the HTTP server, the background workload and the meter provider.
pub struct DemoServer {
    server: RunningServer,
    prometheus: PrometheusHandle,
    meter_provider: SdkMeterProvider,
    state: Arc<WorkloadState>,
    workers: Vec<JoinHandle<()>>,
    downstream: [SocketAddr; 2],
}

impl fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoServer").field("local_addr", &self.server.local_addr()).finish_non_exhaustive()
    }
}

/// Installs a global meter provider with the Prometheus reader, starts the workload (two
/// concurrent workers, one per primary model) and serves `/metrics`, `/healthz` and `/readyz`
/// on `addr` (`127.0.0.1:0` for a free port). Call it inside a multi-threaded tokio runtime.
pub async fn serve(addr: impl ToSocketAddrs) -> Result<DemoServer, Box<dyn std::error::Error + Send + Sync>> {
    let (prometheus, exporter) = PrometheusHandle::new()?;
    let meter_provider = SdkMeterProvider::builder().with_reader(exporter).with_resource(Resource::builder().with_service_name(SERVICE_NAME).build()).build();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    // `app.feature` (low cardinality) and each call's prompt name and version on every GenAI
    // metric; the session id never is.
    genai_o11y::set_metric_attribution(MetricAttribution::keys([FEATURE_KEY].into_iter().chain(MetricAttribution::PROMPT_IDENTITY)));
    genai_o11y::refresh_instruments();

    let downstream = Downstream { client: reqwest::Client::builder().no_proxy().build()?, docs: docs_service().await?, weather: weather_service().await? };
    let downstream_addrs = [downstream.docs, downstream.weather];
    let state = Arc::new(WorkloadState::default());
    state.alive_workers.store(2, Ordering::SeqCst);
    let workers = vec![
        tokio::spawn(worker(state.clone(), downstream.clone(), MODELS[0], MODELS[1])),
        tokio::spawn(worker(state.clone(), downstream, MODELS[1], MODELS[0])),
    ];

    let (live, ready) = (state.clone(), state.clone());
    let health = HealthChecker::new()
        .timeout(Duration::from_secs(1))
        .liveness_check("workload", move || {
            let alive = live.alive_workers.load(Ordering::SeqCst);
            async move {
                if alive == 0 {
                    return Err("every workload worker has stopped".into());
                }
                Ok(())
            }
        })
        .check("model_api", || async {
            tokio::time::sleep(Duration::from_millis(2)).await; // a ping with max_tokens = 1
            Ok(())
        })
        .check("first_round", move || {
            let done = ready.iterations.load(Ordering::SeqCst);
            async move {
                if done == 0 {
                    return Err("no workload round completed yet".into());
                }
                Ok(())
            }
        });

    let server = Server::builder().health(health).prometheus(prometheus.clone()).bind(addr).await?;
    Ok(DemoServer { server, prometheus, meter_provider, state, workers, downstream: downstream_addrs })
}

impl DemoServer {
    /// Where the server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The Prometheus registry handle (`render()` gives what `/metrics` serves).
    pub fn prometheus(&self) -> &PrometheusHandle {
        &self.prometheus
    }

    /// Where the two downstream services listen (the docs service, then the weather service):
    /// `server.address` / `server.port` of `http.client.request.duration`.
    pub fn downstream(&self) -> [SocketAddr; 2] {
        self.downstream
    }

    /// Workload rounds completed so far (both workers).
    pub fn iterations(&self) -> u64 {
        self.state.iterations.load(Ordering::SeqCst)
    }

    /// Stops the workload (lets the current rounds finish, at most 5 s), the server, and the
    /// meter provider.
    pub async fn shutdown(self) -> io::Result<()> {
        self.state.stop.store(true, Ordering::SeqCst);
        for mut w in self.workers {
            if tokio::time::timeout(Duration::from_secs(5), &mut w).await.is_err() {
                w.abort();
            }
        }
        let result = self.server.shutdown().await;
        let _ = self.meter_provider.shutdown();
        result
    }
}

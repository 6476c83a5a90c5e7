//! A demo service for the Prometheus and health features: an annotated workload against a fake
//! model API (two models, failures with mapped `error.type`s, tools, an agent, streamed calls)
//! running in a background loop, and an HTTP server with `/metrics`, `/healthz` and `/readyz`.
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

use futures::stream::{self, Stream, StreamExt};
use genai_o11y::attribution::{Attribution, MetricAttribution};
use genai_o11y::evaluation::Evaluation;
use genai_o11y::health::HealthChecker;
use genai_o11y::prometheus::PrometheusHandle;
use genai_o11y::server::{RunningServer, Server};
use genai_o11y::{genai_agent, genai_span, genai_tool, ErrorType, HasUsage};
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

/// A tool failure: `error.type = not_found`.
#[derive(Debug, Clone)]
pub struct ToolError(String);
impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not found: {}", self.0)
    }
}
impl std::error::Error for ToolError {}
impl ErrorType for ToolError {
    fn error_type(&self) -> Cow<'static, str> {
        "not_found".into()
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
static TOOL_CALLS: AtomicU64 = AtomicU64::new(0);

/// One chat completion, with the client's deadline.
#[genai_span(operation = "chat", provider = provider_of(model), model = model.to_owned(), temperature = 0.2, max_tokens = 512)]
pub async fn chat(model: &str, prompt: &str) -> Result<ChatResponse, ApiError> {
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

/// Searches the product documentation.
#[genai_tool]
pub async fn search_docs(query: &str) -> Result<Vec<String>, ToolError> {
    let n = TOOL_CALLS.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(draw(n, 10, 60))).await;
    Ok(vec![format!("doc about {query}")])
}

/// Looks up the current weather for a city.
#[genai_tool]
pub async fn get_weather(city: &str) -> Result<String, ToolError> {
    let n = TOOL_CALLS.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(draw(n, 5, 40))).await;
    if n % 5 == 2 {
        return Err(ToolError(city.to_owned()));
    }
    Ok(format!("{city}: 18°C"))
}

/// Answers a support question: asks the model for a plan, runs the tools, then answers.
#[genai_agent(name = "support_agent")]
pub async fn support_agent(model: &str, question: &str) -> Result<String, ApiError> {
    let plan = chat(model, question).await?;
    let (docs, weather) = futures::join!(search_docs(question), get_weather("Paris"));
    let context = format!("{} {:?} {:?}", plan.text, docs.ok(), weather.ok());
    let answer = chat(model, &context).await?;
    Ok(answer.text)
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
async fn iteration(primary: &'static str, other: &'static str, round: u64) {
    let feature = |f: &'static str| Attribution::new().session_id(format!("session-{round}")).metadata(FEATURE_KEY, f);
    let _ = feature(FEATURES[0]).scope(support_agent(primary, "How do I reset my password while travelling?")).await;
    // An LLM-as-judge score of the answer (the evaluation panel and alert).
    Evaluation::score(EVALUATION, 0.6 + (round % 4) as f64 * 0.1).record();
    let _ = feature(FEATURES[1]).scope(chat(other, "Summarize the ticket in one sentence.")).await;
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

async fn worker(state: Arc<WorkloadState>, primary: &'static str, other: &'static str) {
    let _alive = AliveGuard(state.clone());
    let mut round = 0u64;
    while !state.stop.load(Ordering::SeqCst) {
        iteration(primary, other, round).await;
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
    // `app.feature` (low cardinality) on every GenAI metric; the session id never is.
    genai_o11y::set_metric_attribution(MetricAttribution::keys([FEATURE_KEY]));
    genai_o11y::refresh_instruments();

    let state = Arc::new(WorkloadState::default());
    state.alive_workers.store(2, Ordering::SeqCst);
    let workers = vec![tokio::spawn(worker(state.clone(), MODELS[0], MODELS[1])), tokio::spawn(worker(state.clone(), MODELS[1], MODELS[0]))];

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
    Ok(DemoServer { server, prometheus, meter_provider, state, workers })
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

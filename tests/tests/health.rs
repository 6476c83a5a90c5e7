//! Health checks (`genai_o11y::health`) and the probe/metrics HTTP server (`genai_o11y::server`):
//! concurrency, timeouts, panics, the JSON shape, and the status codes over a real loopback
//! connection.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use genai_o11y::health::{HealthChecker, HealthReport, HealthStatus};
use genai_o11y::prometheus::PrometheusHandle;
use genai_o11y::server::Server;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use serde_json::{json, Value};

// ---- a minimal HTTP/1.1 client over a raw TcpStream (no extra dependency) ----

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn http_get_blocking(addr: SocketAddr, path: &str) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of the response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status line");
    let headers: Vec<(String, String)> = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    if headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body);
    }
    Ok(HttpResponse { status, headers, body: String::from_utf8(body).expect("UTF-8 body") })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_line = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}

async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || http_get_blocking(addr, &path)).await.unwrap().expect("HTTP GET")
}

// ---- the checker ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_run_concurrently() {
    // Each check waits until all three have started: run one after the other, they would never
    // finish (and time out).
    let barrier = Arc::new(tokio::sync::Barrier::new(3));
    let mut checker = HealthChecker::new().timeout(Duration::from_secs(5));
    for name in ["llm", "vectorstore", "redis"] {
        let b = barrier.clone();
        checker = checker.check(name, move || {
            let b = b.clone();
            async move {
                b.wait().await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok(())
            }
        });
    }
    let started = Instant::now();
    let report = checker.readiness().await;
    let elapsed = started.elapsed();
    assert!(report.is_healthy(), "{}", report.to_json());
    assert_eq!(report.checks.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["llm", "vectorstore", "redis"], "registration order");
    for (name, c) in report.checks.iter() {
        assert!((200..2000).contains(&c.latency_ms), "{name}: {}", c.latency_ms);
        assert_eq!(c.error, None);
    }
    // (the barrier already proves it; a loose bound on top, for a loaded machine)
    assert!(elapsed < Duration::from_millis(1500), "3 x 200 ms checks took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_check_is_unhealthy_with_a_timeout_error_and_latency_near_the_timeout() {
    let checker = HealthChecker::new()
        .timeout(Duration::from_millis(300))
        .check("hung", std::future::pending)
        .check("fast", || async { Ok(()) })
        .check_with_timeout("own_timeout", Duration::from_millis(100), || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok(())
        });
    let started = Instant::now();
    let report = checker.readiness().await;
    assert!(started.elapsed() < Duration::from_secs(2), "bounded by the timeout: {:?}", started.elapsed());
    assert_eq!(report.status, HealthStatus::Unhealthy);

    let hung = report.check("hung").unwrap();
    assert_eq!(hung.status, HealthStatus::Unhealthy);
    assert_eq!(hung.error.as_deref(), Some("timed out after 300 ms"));
    assert!((300..800).contains(&hung.latency_ms), "latency ≈ the timeout: {}", hung.latency_ms);

    let own = report.check("own_timeout").unwrap();
    assert_eq!(own.error.as_deref(), Some("timed out after 100 ms"));
    assert!((100..600).contains(&own.latency_ms), "{}", own.latency_ms);

    let fast = report.check("fast").unwrap();
    assert_eq!(fast.status, HealthStatus::Healthy);
    assert!(fast.latency_ms < 250, "a hung check does not delay the others: {}", fast.latency_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_panicking_checks_are_unhealthy_and_the_rest_still_runs() {
    #[derive(Debug)]
    struct DbDown;
    impl std::fmt::Display for DbDown {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection refused")
        }
    }
    impl std::error::Error for DbDown {}

    let checker = HealthChecker::new()
        .check("db", || async { Err(DbDown.into()) })
        .check("string_error", || async { Err("quota exhausted".into()) })
        .check("panics", || async { panic!("boom in check") })
        .check("panics_before_its_future", || -> std::future::Ready<genai_o11y::health::CheckResult> { panic!("sync boom") })
        .check("ok", || async { Ok(()) });
    let report = checker.readiness().await;
    assert_eq!(report.status, HealthStatus::Unhealthy);
    assert_eq!(report.check("db").unwrap().error.as_deref(), Some("connection refused"));
    assert_eq!(report.check("string_error").unwrap().error.as_deref(), Some("quota exhausted"));
    assert_eq!(report.check("panics").unwrap().status, HealthStatus::Unhealthy);
    assert_eq!(report.check("panics").unwrap().error.as_deref(), Some("panicked: boom in check"));
    assert_eq!(report.check("panics_before_its_future").unwrap().error.as_deref(), Some("panicked: sync boom"));
    assert_eq!(report.check("ok").unwrap().status, HealthStatus::Healthy);
    // The checker is still usable after a panic.
    assert_eq!(checker.readiness().await.checks.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liveness_runs_only_the_liveness_checks_readiness_runs_all() {
    let checker = HealthChecker::new().liveness_check("process", || async { Ok(()) }).check("llm", || async { Err("provider down".into()) });
    let live = checker.liveness().await;
    assert!(live.is_healthy());
    assert_eq!(live.checks.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["process"]);
    let ready = checker.readiness().await;
    assert!(!ready.is_healthy());
    assert_eq!(ready.checks.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["process", "llm"]);

    let empty = HealthChecker::new().liveness().await;
    assert_eq!(serde_json::to_value(&empty).unwrap(), json!({"status": "healthy", "checks": {}}));
}

/// The seed's shape: `{"status", "checks": {name: {"status", "latency_ms"}}}`, with `"error"`
/// added only to an unhealthy check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_shape_is_exactly_the_documented_one() {
    let checker = HealthChecker::new()
        .check("llm", || async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(())
        })
        .check("vectorstore", || async { Err("index missing".into()) })
        .check("redis", || async { Ok(()) });
    let report = checker.readiness().await;
    let text = report.to_json();
    let mut v: Value = serde_json::from_str(&text).unwrap();

    // key order as documented (status first; checks in registration order)
    assert!(text.starts_with(r#"{"status":"unhealthy","checks":{"llm":{"status":"healthy","latency_ms":"#), "{text}");
    assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["status", "checks"]);
    assert_eq!(v["checks"].as_object().unwrap().keys().collect::<Vec<_>>(), ["llm", "vectorstore", "redis"]);
    // latency_ms is an integer number of milliseconds
    let llm_ms = v["checks"]["llm"]["latency_ms"].as_u64().expect("integer latency_ms");
    assert!(llm_ms >= 20, "{llm_ms}");
    for c in ["llm", "vectorstore", "redis"] {
        assert!(v["checks"][c]["latency_ms"].is_u64(), "{text}");
        v["checks"][c]["latency_ms"] = json!(0);
    }
    assert_eq!(
        v,
        json!({
            "status": "unhealthy",
            "checks": {
                "llm": {"status": "healthy", "latency_ms": 0},
                "vectorstore": {"status": "unhealthy", "latency_ms": 0, "error": "index missing"},
                "redis": {"status": "healthy", "latency_ms": 0}
            }
        })
    );
    // and it reads back
    let back: HealthReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
}

// ---- the server ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_200_or_503_and_survives_a_panicking_check() {
    // The check's deliberate panic is not printed: with RUST_BACKTRACE=1 on a loaded machine,
    // printing its backtrace took longer than the check's 300 ms timeout (a flaky "timed out").
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"first call panics") {
            default_hook(info);
        }
    }));
    let panics = Arc::new(AtomicUsize::new(0));
    let p = panics.clone();
    let checker = HealthChecker::new()
        .timeout(Duration::from_millis(300))
        .liveness_check("process", || async { Ok(()) })
        .check("llm", || async { Ok(()) })
        .check("flaky", move || {
            let n = p.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    panic!("first call panics");
                }
                Ok(())
            }
        })
        .check("hung", std::future::pending);
    let server = Server::builder().health(checker).bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);

    let live = get(addr, "/healthz").await;
    assert_eq!(live.status, 200);
    assert!(live.header("content-type").unwrap().starts_with("application/json"));
    assert_eq!(live.json()["status"], "healthy");

    let ready = get(addr, "/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    let body = ready.json();
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(body["checks"]["flaky"]["status"], "unhealthy");
    assert_eq!(body["checks"]["flaky"]["error"], "panicked: first call panics");
    assert_eq!(body["checks"]["hung"]["error"], "timed out after 300 ms");
    assert_eq!(body["checks"]["llm"]["status"], "healthy");

    // still serving after the panic
    let again = get(addr, "/healthz").await;
    assert_eq!(again.status, 200);
    let ready = get(addr, "/readyz").await;
    assert_eq!(ready.json()["checks"]["flaky"]["status"], "healthy", "the second run of the check passes");
    assert_eq!(ready.status, 503, "still unready: `hung`");

    assert_eq!(get(addr, "/metrics").await.status, 404, "no Prometheus handle given");
    assert_eq!(get(addr, "/nope").await.status, 404);

    server.shutdown().await.unwrap();
    let refused = tokio::task::spawn_blocking(move || http_get_blocking(addr, "/healthz")).await.unwrap();
    assert!(refused.is_err(), "the listener is closed after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_is_ready_with_healthy_checks_and_serves_metrics() {
    let (prom, exporter) = PrometheusHandle::new().unwrap();
    let provider = SdkMeterProvider::builder().with_reader(exporter).build();
    // A local provider for this test only (the annotated path is covered by prometheus_e2e).
    let meter = provider.meter("health-test");
    meter.u64_counter("probe.requests").with_unit("{request}").build().add(3, &[]);
    meter.f64_histogram("probe.duration").with_unit("s").build().record(0.25, &[]);

    let checker = HealthChecker::new().check("llm", || async { Ok(()) });
    let server = Server::builder().health(checker).prometheus(prom.clone()).bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();

    let ready = get(addr, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.json()["checks"]["llm"]["status"], "healthy");

    let metrics = get(addr, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4"));
    assert!(metrics.body.contains("# TYPE probe_requests_total counter"), "{}", metrics.body);
    assert!(metrics.body.contains("probe_requests_total{otel_scope_name=\"health-test\"} 3"), "{}", metrics.body);
    assert!(metrics.body.contains("probe_duration_seconds_count{otel_scope_name=\"health-test\"} 1"), "{}", metrics.body);
    assert!(prom.render().contains("probe_duration_seconds_bucket"), "render() is what /metrics serves");

    server.shutdown().await.unwrap();
    provider.shutdown().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_checker_both_probes_are_healthy() {
    let server = Server::builder().bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    for path in ["/healthz", "/readyz"] {
        let r = get(addr, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json(), json!({"status": "healthy", "checks": {}}));
    }
    server.shutdown().await.unwrap();
}

/// The application's own axum router, with a state of its own, gets `/metrics` in one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guards_metrics_router_merges_into_an_application_router_in_one_line() {
    #[derive(Clone)]
    struct AppState {
        greeting: &'static str,
    }
    #[genai_o11y::genai_tool]
    fn lookup(id: u32) -> u32 {
        id + 1
    }
    let guard = genai_o11y::init()
        .env_source(|_| None)
        .exporter(genai_o11y::setup::Exporter::None)
        .prometheus()
        .log_format(genai_o11y::setup::LogFormat::Off)
        .install_thread_local()
        .unwrap();
    lookup(1);
    let app = axum::Router::new()
        .route("/", axum::routing::get(|axum::extract::State(s): axum::extract::State<AppState>| async move { s.greeting }))
        .merge(guard.metrics_router())
        .with_state(AppState { greeting: "hello" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    assert_eq!(get(addr, "/").await.body, "hello");
    let metrics = get(addr, "/metrics").await;
    assert_eq!(metrics.status, 200);
    assert_eq!(metrics.header("content-type"), Some("text/plain; version=0.0.4"));
    assert!(metrics.body.contains("gen_ai_execute_tool_duration_seconds_count{"), "{}", metrics.body);
    drop(guard);

    // A setup without `.prometheus()`: the route says why.
    let guard = genai_o11y::init()
        .env_source(|_| None)
        .exporter(genai_o11y::setup::Exporter::None)
        .log_format(genai_o11y::setup::LogFormat::Off)
        .install_thread_local()
        .unwrap();
    let app: axum::Router = axum::Router::new().merge(guard.metrics_router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let r = get(addr, "/metrics").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains(".prometheus()"), "{}", r.body);
}

//! End to end against a real Prometheus server: the demo service (annotated workload + `/metrics`)
//! runs in-process, a `prometheus` process scrapes it every second and evaluates
//! `dashboards/genai-alerts.yml`, and every query of `dashboards/genai-grafana.json` and every
//! alert expression is run through Prometheus's HTTP API.
//!
//! Needs the `prometheus` and `promtool` binaries: `bash scripts/install-prometheus.sh`.
//!
//! Grafana's variables are substituted before querying: `$__rate_interval` and `$__range` become
//! `1m` (with a 1 s scrape interval, a minute covers every sample the test produces, and `rate()`
//! only needs two samples in its window), `$model` and `$provider` become `.*` (the "All" value).
//! The alert rules keep their real windows (`[5m]`, `[1h]`): those also work on a few seconds of
//! data. An alert whose threshold keeps it quiet proves nothing by its emptiness, so each alert
//! expression is also split at its top-level `and`/`or`/`unless` and comparison operators, and
//! every operand that is not a number literal (the latency quantile, the error ratio, the token
//! and cost rates) must return non-empty, finite series. Prometheus itself loads the rules: every
//! rule must evaluate with health `ok`, and the error-rate alert (the demo fails ~20% of its
//! calls) must be pending or firing.
//!
//! The issue-14 panels and alert are checked the same way, and by what they must show: cost per
//! prompt version has every (prompt, version) of the demo, the rate-limit panel and alert both
//! providers, the downstream HTTP panels both loopback services (`server_address`,
//! `server_port`) and both routes; the HTTP duration histograms have the conventions' buckets.
//! The guard panels and the block-rate alert (issue 15) show both of the demo's guards.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use genai_o11y_examples::prometheus_demo::{self, DOWNSTREAM_ROUTES, FEATURES, GUARDS, MODELS, PROMPTS};
use serde_json::Value;

/// An instant vector: each series' labels and value.
type Series = Vec<(BTreeMap<String, String>, f64)>;

const INSTALL_HINT: &str = "run `bash scripts/install-prometheus.sh` (installs Debian's `prometheus` package)";

// ---- helpers: binaries, HTTP, URL encoding ----

fn find_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` not found on PATH: {INSTALL_HINT}"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

struct HttpResponse {
    status: u16,
    body: String,
}

/// GET over a raw TcpStream. HTTP/1.0 so that the server delimits the body by closing the
/// connection (no chunked encoding to decode).
fn http_get(addr: SocketAddr, path_and_query: &str) -> std::io::Result<HttpResponse> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path_and_query} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok(HttpResponse { status, body: body.to_owned() })
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

// ---- the Prometheus process ----

/// A `prometheus` process with its temp dir; killed (and the dir removed) on drop, panics included.
struct Prometheus {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

impl Prometheus {
    fn start(bin: &Path, promtool: &Path, target: SocketAddr, rules: &Path) -> Prometheus {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("genai-o11y-prom-{}-{nanos}", std::process::id()));
        fs::create_dir_all(dir.join("data")).unwrap();
        let config = dir.join("prometheus.yml");
        fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - {rules}\n\
                 scrape_configs:\n  - job_name: genai-demo\n    static_configs:\n      - targets: ['{target}']\n",
                rules = rules.display()
            ),
        )
        .unwrap();
        let check = Command::new(promtool).arg("check").arg("config").arg(&config).output().unwrap();
        assert!(check.status.success(), "promtool check config: {}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));

        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let log = fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {INSTALL_HINT}", bin.display()));
        Prometheus { child, dir, addr }
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", self.log());
        }
    }

    fn wait_ready(&mut self, deadline: Instant) {
        loop {
            self.assert_running();
            if matches!(http_get(self.addr, "/-/ready"), Ok(r) if r.status == 200) {
                return;
            }
            assert!(Instant::now() < deadline, "prometheus not ready in time:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn api(&self, path: &str) -> Value {
        let r = http_get(self.addr, path).unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let v: Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("GET {path}: {e}: {}", r.body));
        assert_eq!(v["status"], "success", "GET {path}: {}", r.body);
        v["data"].clone()
    }

    /// `/api/v1/query`: the series of an instant vector as (labels, value).
    fn query(&self, promql: &str) -> Result<Series, String> {
        let r = http_get(self.addr, &format!("/api/v1/query?query={}", url_encode(promql))).map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_str(&r.body).map_err(|e| format!("{e}: {}", r.body))?;
        if v["status"] != "success" {
            return Err(format!("{}: {}", v["errorType"], v["error"]));
        }
        let data = &v["data"];
        if data["resultType"] != "vector" {
            return Err(format!("not an instant vector: {}", data["resultType"]));
        }
        Ok(data["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let labels = s["metric"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
                let value = s["value"][1].as_str().unwrap().parse::<f64>().unwrap_or(f64::NAN);
                (labels, value)
            })
            .collect())
    }

    /// Kills the process and waits for it: no leftover process.
    fn stop(mut self) {
        let pid = self.child.id();
        let _ = self.child.kill();
        let _ = self.child.wait();
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "prometheus (pid {pid}) is gone");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// ---- PromQL plumbing: Grafana variables, `label_values`, alert operands ----

fn substitute_grafana_vars(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m").replace("$__range", "1m").replace("$model", ".*").replace("$provider", ".*")
}

/// Finds `op` at nesting depth 0 (outside `()`, `[]`, `{}` and quotes); word operators must stand
/// alone.
fn find_top_level(s: &str, op: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut depth, mut quote) = (0i32, None::<u8>);
    let word = op.chars().all(|c| c.is_ascii_alphabetic());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'"' | b'\'' | b'`' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ if depth == 0 && s[i..].starts_with(op) => {
                    let before = if i == 0 { b' ' } else { b[i - 1] };
                    let after = b.get(i + op.len()).copied().unwrap_or(b' ');
                    let standalone = !word || (!before.is_ascii_alphanumeric() && before != b'_' && !after.is_ascii_alphanumeric() && after != b'_');
                    // `>`/`<` must not be the start of `>=`/`<=` (handled as their own operators first)
                    let part_of_longer = !word && op.len() == 1 && after == b'=';
                    if standalone && !part_of_longer {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

fn strip_outer_parens(mut s: &str) -> &str {
    loop {
        s = s.trim();
        if !(s.starts_with('(') && s.ends_with(')')) {
            return s;
        }
        // only if the first `(` closes at the very end
        let mut depth = 0;
        let mut closes_at_end = true;
        for (i, c) in s.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && i != s.len() - 1 {
                        closes_at_end = false;
                        break;
                    }
                }
                _ => {}
            }
        }
        if !closes_at_end {
            return s;
        }
        s = &s[1..s.len() - 1];
    }
}

/// The operands of an alert expression that must carry series: split at top-level set operators,
/// then at the top-level comparison; number literals are dropped.
fn alert_operands(expr: &str) -> Vec<String> {
    let e = strip_outer_parens(expr);
    for op in ["or", "unless", "and"] {
        if let Some(i) = find_top_level(e, op) {
            let mut v = alert_operands(&e[..i]);
            v.extend(alert_operands(&e[i + op.len()..]));
            return v;
        }
    }
    for op in [">=", "<=", "==", "!=", ">", "<"] {
        if let Some(i) = find_top_level(e, op) {
            let rhs = e[i + op.len()..].trim();
            let rhs = rhs.strip_prefix("bool ").unwrap_or(rhs);
            return [&e[..i], rhs].into_iter().map(|side| strip_outer_parens(side).to_owned()).filter(|side| side.parse::<f64>().is_err()).collect();
        }
    }
    vec![e.to_owned()]
}

/// The labels of the outermost aggregation's `by (...)`, e.g. `gen_ai_request_model`.
fn by_labels(expr: &str) -> Vec<String> {
    let Some(i) = expr.find("by (") else { return Vec::new() };
    let rest = &expr[i + 4..];
    let end = rest.find(')').unwrap();
    rest[..end].split(',').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty() && l != "le").collect()
}

/// Every identifier of a query that names what this crate emits: `gen_ai_*`, `genai_o11y_*`,
/// and the HTTP metrics and their labels (`http_*`, `server_*`).
fn genai_identifiers(expr: &str) -> BTreeSet<String> {
    const PREFIXES: [&str; 4] = ["gen_ai_", "genai_o11y_", "http_", "server_"];
    let mut out = BTreeSet::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if boundary && PREFIXES.iter().any(|p| expr[i..].starts_with(p)) {
            let end = expr[i..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(expr.len(), |e| i + e);
            out.insert(expr[i..end].to_owned());
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Metric names and label names of an exposition text.
fn exposed_names(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut metrics, mut labels) = (BTreeSet::new(), BTreeSet::new());
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let name_end = line.find(['{', ' ']).unwrap();
        metrics.insert(line[..name_end].to_owned());
        if let Some(body) = line[name_end..].strip_prefix('{') {
            for pair in body[..body.rfind('}').unwrap()].split("\",") {
                if let Some((k, _)) = pair.split_once('=') {
                    labels.insert(k.trim_start_matches(',').to_owned());
                }
            }
        }
    }
    // histogram families are queried through their series names (_bucket/_sum/_count), which
    // are what the text lists; nothing to add.
    (metrics, labels)
}

/// A query to run, with what its result must look like.
struct Probe {
    origin: String,
    promql: String,
    /// Grafana unit of the panel: `s` (0 < v < 10), `percentunit` (0 < v <= 1), else v >= 0.
    unit: String,
    /// Labels every series must carry (the `by (...)` of the panel).
    by: Vec<String>,
}

/// The values a `by (...)` label must show, all of them: labels of the demo's workload.
struct Expected {
    /// `server_port` of the downstream services.
    ports: BTreeSet<String>,
}

/// The set of values of `label` in `result`, when `by` groups by it.
fn label_set<'a>(result: &'a [(BTreeMap<String, String>, f64)], label: &str) -> BTreeSet<&'a str> {
    result.iter().filter_map(|(l, _)| l.get(label).map(String::as_str)).collect()
}

fn check_probe(p: &Probe, result: &[(BTreeMap<String, String>, f64)], expected: &Expected) -> Result<(), String> {
    if result.is_empty() {
        return Err("empty result".into());
    }
    for (labels, v) in result {
        let ok = v.is_finite()
            && match p.unit.as_str() {
                "s" => *v > 0.0 && *v < 10.0,
                "percentunit" => *v > 0.0 && *v <= 1.0,
                _ => *v >= 0.0,
            };
        if !ok {
            return Err(format!("implausible value {v} (unit {}) for {labels:?}", p.unit));
        }
        for l in &p.by {
            if labels.get(l).is_none_or(|v| v.is_empty()) {
                return Err(format!("series without the `{l}` label: {labels:?}"));
            }
        }
    }
    if !result.iter().any(|(_, v)| *v > 0.0) {
        return Err("every value is 0".into());
    }
    if p.by.iter().any(|l| l == "app_feature") {
        let features: BTreeSet<&str> = result.iter().filter_map(|(l, _)| l.get("app_feature").map(String::as_str)).collect();
        if features != FEATURES.into_iter().collect() {
            return Err(format!("features {features:?}, expected {FEATURES:?}"));
        }
    }
    let by = |label: &str| p.by.iter().any(|l| l == label);
    if by("gen_ai_prompt_version") {
        let got: BTreeSet<(&str, &str)> = result
            .iter()
            .map(|(l, _)| (l.get("gen_ai_prompt_name").map_or("", String::as_str), l.get("gen_ai_prompt_version").map_or("", String::as_str)))
            .collect();
        if got != PROMPTS.into_iter().collect() {
            return Err(format!("prompt versions {got:?}, expected {PROMPTS:?}"));
        }
    }
    if by("gen_ai_provider_name") {
        let providers = label_set(result, "gen_ai_provider_name");
        if providers != ["anthropic", "openai"].into_iter().collect() {
            return Err(format!("providers {providers:?}, expected both of the demo's"));
        }
    }
    if by("server_port") {
        let ports = label_set(result, "server_port");
        if ports != expected.ports.iter().map(String::as_str).collect() || label_set(result, "server_address") != ["127.0.0.1"].into_iter().collect() {
            return Err(format!("downstream servers {result:?}, expected 127.0.0.1 on ports {:?}", expected.ports));
        }
    }
    if by("gen_ai_guardrail_component_name") {
        let guards = label_set(result, "gen_ai_guardrail_component_name");
        if guards != GUARDS.into_iter().collect() {
            return Err(format!("guards {guards:?}, expected {GUARDS:?} (both block now and then)"));
        }
    }
    if by("http_route") {
        let routes = label_set(result, "http_route");
        if routes != DOWNSTREAM_ROUTES.into_iter().collect() {
            return Err(format!("routes {routes:?}, expected {DOWNSTREAM_ROUTES:?}"));
        }
    }
    if p.by.iter().any(|l| l == "gen_ai_request_model") {
        let models: BTreeSet<&str> = result.iter().filter_map(|(l, _)| l.get("gen_ai_request_model").map(String::as_str)).collect();
        for m in MODELS {
            if !models.contains(m) {
                return Err(format!("model {m} missing: {models:?}"));
            }
        }
    }
    Ok(())
}

fn dashboard_probes(dashboard: &Value) -> Vec<Probe> {
    let mut probes = Vec::new();
    let mut panels: Vec<&Value> = dashboard["panels"].as_array().unwrap().iter().collect();
    // rows may nest panels
    let nested: Vec<&Value> = panels.iter().filter_map(|p| p["panels"].as_array()).flatten().collect();
    panels.extend(nested);
    for panel in panels {
        let Some(targets) = panel["targets"].as_array() else { continue };
        let title = panel["title"].as_str().unwrap();
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "panel {title:?} uses the datasource variable");
        for t in targets {
            let expr = t["expr"].as_str().unwrap_or_else(|| panic!("panel {title:?}: a target without expr"));
            probes.push(Probe {
                origin: format!("panel {title:?} target {}", t["refId"]),
                promql: substitute_grafana_vars(expr),
                unit: panel["fieldConfig"]["defaults"]["unit"].as_str().unwrap_or("short").to_owned(),
                by: by_labels(expr),
            });
        }
    }
    for var in dashboard["templating"]["list"].as_array().unwrap() {
        if var["type"] != "query" {
            continue;
        }
        // Grafana's `label_values(selector, label)` as PromQL: `group by (label) (selector)`.
        let q = var["query"]["query"].as_str().or(var["definition"].as_str()).unwrap();
        let inner = q.strip_prefix("label_values(").and_then(|r| r.strip_suffix(')')).expect("label_values(...)");
        let comma = inner.rfind(',').unwrap();
        let (selector, label) = (inner[..comma].trim(), inner[comma + 1..].trim());
        probes.push(Probe {
            origin: format!("variable ${}", var["name"].as_str().unwrap()),
            promql: substitute_grafana_vars(&format!("group by ({label}) ({selector})")),
            unit: "short".into(),
            by: vec![label.to_owned()],
        });
    }
    probes
}

fn alert_probes(rules_yaml: &str) -> Vec<(String, String, Vec<Probe>)> {
    // A tiny reader for this file's layout: `- alert: Name` then `expr: |` and an indented block.
    let mut out = Vec::new();
    let lines: Vec<&str> = rules_yaml.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if let Some(name) = lines[i].trim().strip_prefix("- alert:") {
            let name = name.trim().to_owned();
            let mut j = i + 1;
            while !lines[j].trim_start().starts_with("expr:") {
                j += 1;
            }
            let expr_line = lines[j].trim_start().strip_prefix("expr:").unwrap().trim();
            let expr = if expr_line == "|" || expr_line == ">" {
                let indent = lines[j].len() - lines[j].trim_start().len();
                let mut body = Vec::new();
                j += 1;
                while j < lines.len() && (lines[j].trim().is_empty() || lines[j].len() - lines[j].trim_start().len() > indent) {
                    body.push(lines[j].trim());
                    j += 1;
                }
                body.join("\n")
            } else {
                expr_line.to_owned()
            };
            let operands = alert_operands(&expr)
                .into_iter()
                .map(|o| Probe {
                    origin: format!("alert {name} operand `{}`", o.split_whitespace().collect::<Vec<_>>().join(" ")),
                    by: by_labels(&o),
                    promql: o,
                    unit: "any".into(),
                })
                .collect();
            out.push((name, expr, operands));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn alert_operand_splitting() {
    assert_eq!(
        alert_operands("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 10"),
        ["histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))"]
    );
    assert_eq!(alert_operands("(a{e!=\"\"} / b) > 0.05"), ["a{e!=\"\"} / b"]);
    assert_eq!(alert_operands("(a > 3 * b)\nand\n(a * 3600 > 1)"), ["a", "3 * b", "a * 3600"]);
    assert_eq!(alert_operands("x >= bool 2"), ["x"]);
    assert_eq!(alert_operands("sum by (brand) (x)"), ["sum by (brand) (x)"], "`and` inside a word is not an operator");
}

// ---- the test ----

#[test]
fn dashboard_queries_and_alert_rules_against_a_real_prometheus() {
    let started = Instant::now();
    // Default convention mode (v1.41 names), whatever the environment says.
    std::env::remove_var("OTEL_SEMCONV_STABILITY_OPT_IN");
    let prometheus_bin = find_binary("prometheus");
    let promtool = find_binary("promtool");
    let rules_path = root().join("dashboards/genai-alerts.yml");
    let dashboard_path = root().join("dashboards/genai-grafana.json");

    // 1. The rules file is valid.
    let out = Command::new(&promtool).arg("check").arg("rules").arg(&rules_path).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("SUCCESS"), "promtool check rules {}:\n{text}", rules_path.display());

    // 2. The demo service, in-process.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let demo = rt.block_on(prometheus_demo::serve("127.0.0.1:0")).unwrap();
    let target = demo.local_addr();

    // 3. Start Prometheus right away (its startup overlaps the workload's first rounds).
    let mut prom = Prometheus::start(&prometheus_bin, &promtool, target, &rules_path);
    prom.wait_ready(Instant::now() + Duration::from_secs(20));

    // 4. What /metrics really exposes: every genai identifier of every query must be in it.
    let dashboard: Value = serde_json::from_str(&fs::read_to_string(&dashboard_path).unwrap()).unwrap();
    let rules_yaml = fs::read_to_string(&rules_path).unwrap();
    let mut probes = dashboard_probes(&dashboard);
    let alerts = alert_probes(&rules_yaml);
    assert!(probes.len() >= 10, "{} dashboard queries", probes.len());
    assert_eq!(alerts.iter().map(|a| a.0.as_str()).collect::<Vec<_>>().len(), rules_yaml.matches("- alert:").count());

    let exposition = loop {
        let r = http_get(target, "/metrics").unwrap();
        assert_eq!(r.status, 200);
        // wait until the workload has produced every family (the first streamed call, a tool error)
        let families = [
            "gen_ai_client_operation_time_to_first_chunk_seconds_bucket",
            "http_client_request_duration_seconds_bucket",
            "gen_ai_prompt_version=",
            "gen_ai_guardrail_result_type=\"block\"",
        ];
        let errors = ["error_type=\"timeout\"", "error_type=\"429\"", "error_type=\"503\""];
        if demo.iterations() >= 2 && families.iter().chain(&errors).all(|f| r.body.contains(f)) {
            break r.body;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the demo workload produced too little:\n{}", r.body);
        std::thread::sleep(Duration::from_millis(200));
    };
    // Attribution: the allowed feature key is a label of the GenAI metrics; the session id,
    // unbounded, never is.
    assert!(exposition.contains("app_feature=\"support\""), "app.feature on the metrics");
    assert!(!exposition.contains("session_id"), "session.id must never become a metric label");
    let (metric_names, label_names) = exposed_names(&exposition);
    for required in [
        "gen_ai_client_operation_duration_seconds_bucket",
        "gen_ai_client_token_usage_sum",
        "gen_ai_execute_tool_duration_seconds_bucket",
        "gen_ai_invoke_agent_duration_seconds_bucket",
        "gen_ai_client_operation_time_to_first_chunk_seconds_bucket",
        "genai_o11y_client_cost_total",
        "genai_o11y_client_cache_read_input_tokens_total",
        "http_client_request_duration_seconds_bucket",
        "http_server_request_duration_seconds_bucket",
        "genai_o11y_guardrail_decisions_total",
    ] {
        assert!(metric_names.contains(required), "{required} not exposed: {metric_names:?}");
    }
    // Prompt identity reaches the metrics only because the demo lists its keys; the HTTP
    // durations have the conventions' buckets (seconds) on both ends.
    assert!(label_names.contains("gen_ai_prompt_name") && label_names.contains("gen_ai_prompt_version"), "{label_names:?}");
    for histogram in ["http_client_request_duration_seconds_bucket", "http_server_request_duration_seconds_bucket"] {
        let mut bounds: Vec<String> = exposition
            .lines()
            .filter(|l| l.starts_with(histogram))
            .filter_map(|l| l.split("le=\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        bounds.sort_by(|a, b| a.parse::<f64>().unwrap_or(f64::INFINITY).total_cmp(&b.parse::<f64>().unwrap_or(f64::INFINITY)));
        let numeric: Vec<f64> = bounds.iter().filter(|b| *b != "+Inf").map(|b| b.parse().unwrap()).collect();
        assert_eq!(numeric, genai_o11y::semconv::http::DURATION_BUCKETS, "{histogram} buckets");
        assert_eq!(bounds.last().map(String::as_str), Some("+Inf"));
    }
    let expected = Expected { ports: demo.downstream().iter().map(|a| a.port().to_string()).collect() };
    let all_queries: Vec<(String, String)> =
        probes.iter().map(|p| (p.origin.clone(), p.promql.clone())).chain(alerts.iter().map(|(n, e, _)| (format!("alert {n}"), e.clone()))).collect();
    for (origin, q) in &all_queries {
        for id in genai_identifiers(q) {
            assert!(metric_names.contains(&id) || label_names.contains(&id), "{origin}: `{id}` is neither a metric nor a label the exporter emits\n{q}");
        }
    }

    // The exposition passes promtool's lint (every instrument has a description: HELP text).
    let mut lint = Command::new(&promtool).args(["check", "metrics"]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    lint.stdin.take().unwrap().write_all(exposition.as_bytes()).unwrap();
    let lint = lint.wait_with_output().unwrap();
    let lint_text = format!("{}{}", String::from_utf8_lossy(&lint.stdout), String::from_utf8_lossy(&lint.stderr));
    assert!(lint.status.success() && lint_text.trim().is_empty(), "promtool check metrics:\n{lint_text}");

    // 5. Prometheus has scraped the demo (up == 1, a few samples in the window).
    let deadline = started + Duration::from_secs(45);
    loop {
        prom.assert_running();
        let samples = prom.query("count_over_time(up{job=\"genai-demo\"}[1m])").unwrap_or_default();
        let up = prom.query("up{job=\"genai-demo\"}").unwrap_or_default();
        if samples.first().is_some_and(|(_, n)| *n >= 4.0) && up.first().is_some_and(|(_, v)| *v == 1.0) {
            break;
        }
        assert!(Instant::now() < deadline, "prometheus did not scrape the demo: up={up:?}\n{}", prom.log());
        std::thread::sleep(Duration::from_millis(250));
    }

    // 6. Every dashboard query and every alert operand returns plausible series. Retried until the
    //    deadline: series appear as the workload runs (e.g. the first `cancelled` stream).
    probes.extend(
        alerts
            .iter()
            .flat_map(|(_, _, ops)| ops.iter().map(|p| Probe { origin: p.origin.clone(), promql: p.promql.clone(), unit: p.unit.clone(), by: p.by.clone() })),
    );
    let mut report;
    loop {
        prom.assert_running();
        let failures: Vec<String> = probes
            .iter()
            .filter_map(|p| match prom.query(&p.promql).and_then(|r| check_probe(p, &r, &expected).map(|_| r)) {
                Ok(_) => None,
                Err(e) => Some(format!("{}: {e}\n    {}", p.origin, p.promql)),
            })
            .collect();
        report = failures;
        if report.is_empty() || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(report.is_empty(), "queries without plausible results:\n{}", report.join("\n"));

    // Full alert expressions are valid PromQL (empty or not, depending on their thresholds).
    let mut quiet = Vec::new();
    for (name, expr, _) in &alerts {
        let r = prom.query(expr).unwrap_or_else(|e| panic!("alert {name}: {e}"));
        if r.is_empty() {
            quiet.push(name.as_str());
        }
    }
    eprintln!("alerts whose threshold keeps them quiet on the demo (operands checked above): {quiet:?}");

    // 7. Prometheus evaluates the loaded rules without errors; the demo's ~20% failures make the
    //    error-rate alert pending (its `for:` is 5m) or firing.
    loop {
        let groups = prom.api("/api/v1/rules");
        let rules: Vec<&Value> = groups["groups"].as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().unwrap()).collect();
        assert_eq!(rules.len(), alerts.len(), "every rule loaded");
        let unhealthy: Vec<String> =
            rules.iter().filter(|r| r["health"] != "ok").map(|r| format!("{} {} {}", r["name"], r["health"], r["lastError"])).collect();
        let error_alert = rules.iter().find(|r| r["name"] == "GenAIHighErrorRate").unwrap();
        let active = error_alert["state"] == "pending" || error_alert["state"] == "firing";
        // Each model's series turns pending when its own error rate crosses the threshold: wait
        // for all of them (the demo's failures are random, one model may cross later).
        let mut models: BTreeSet<String> = BTreeSet::new();
        if unhealthy.is_empty() && active {
            let firing = prom.query("ALERTS{alertname=\"GenAIHighErrorRate\"}").unwrap();
            assert!(!firing.is_empty(), "ALERTS has the error-rate alert");
            models = firing.iter().filter_map(|(l, _)| l.get("gen_ai_request_model").cloned()).collect();
            if MODELS.iter().all(|m| models.contains(*m)) {
                break;
            }
        }
        assert!(Instant::now() < deadline, "rules: unhealthy {unhealthy:?}, error-rate alert {}, models pending or firing {models:?}", error_alert);
        std::thread::sleep(Duration::from_millis(500));
    }

    // 8. Stop everything: no leftover process.
    prom.stop();
    rt.block_on(demo.shutdown()).unwrap();
    eprintln!("end to end in {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

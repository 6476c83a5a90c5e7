//! A real OTLP receiver for tests: gRPC (tonic, `TraceService`/`MetricsService`/`LogsService`)
//! and HTTP/protobuf (`POST /v1/traces`, `/v1/metrics`, `/v1/logs`, also under any prefix such as
//! a platform's `/api/public/otel/v1/traces`) on **one** port of
//! `127.0.0.1`, decoding the requests with the generated types of `opentelemetry-proto`.
//!
//! The receiver runs on its own thread with its own tokio runtime, so it works the same from a
//! plain `#[test]`, a current-thread `#[tokio::test]` (even while the test thread blocks in a
//! `force_flush`) and a multi-thread runtime. Every request is recorded (path or gRPC method,
//! headers/metadata, the decoded message); the data of the requests it answered with success is
//! available through [`Receiver::spans`], [`Receiver::metrics`] and [`Receiver::log_records`].
//!
//! ```no_run
//! use genai_o11y_tests::otlp_receiver::{Behaviour, Receiver};
//! let receiver = Receiver::start();
//! // gRPC exporter: `.with_endpoint(receiver.endpoint())`
//! // HTTP exporter: `.with_endpoint(receiver.traces_url())` (the full URL of the signal)
//! // ... export, flush ...
//! assert!(receiver.wait_for_spans_blocking(1, std::time::Duration::from_secs(5)));
//! receiver.set_behaviour(Behaviour::Fail); // exports now fail
//! receiver.shutdown();
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode as HttpStatus, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{MetricsService, MetricsServiceServer};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point, AggregationTemporality};
use opentelemetry_proto::tonic::resource::v1::Resource;
pub use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
pub use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use prost::Message;
use tonic::server::NamedService;

/// gRPC method paths, as recorded in [`ReceivedRequest::path`].
pub const GRPC_TRACES_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
pub const GRPC_METRICS_PATH: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
pub const GRPC_LOGS_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// How the receiver answers. Read when a request arrives; change it any time with
/// [`Receiver::set_behaviour`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// Answer at once with success.
    #[default]
    Normal,
    /// Sleep this long, then answer with success (the data counts as received only once answered).
    Slow(Duration),
    /// Answer with HTTP 500 / gRPC `INTERNAL` (neither is retryable under the OTLP spec); the
    /// request is recorded, its data is not counted as received.
    Fail,
}

/// How a request reached the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
}

/// Which OTLP signal a request carried (`None` in [`ReceivedRequest::signal`]: an unknown path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

/// A decoded export request.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Traces(ExportTraceServiceRequest),
    Metrics(ExportMetricsServiceRequest),
    Logs(ExportLogsServiceRequest),
}

/// One request, recorded when it arrived (whatever the receiver then answered).
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    pub protocol: Protocol,
    pub signal: Option<Signal>,
    /// `POST` for every OTLP request (gRPC included).
    pub method: String,
    /// `/v1/traces` for HTTP, the gRPC method path (`GRPC_TRACES_PATH`, ...) for gRPC.
    pub path: String,
    /// Every header (HTTP) or metadata entry (gRPC), names lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// Size of the (protobuf) body.
    pub body_len: usize,
    /// What the receiver did with it.
    pub behaviour: Behaviour,
    /// The decoded message (`None` if it could not be decoded or the path is unknown).
    pub payload: Option<Payload>,
    pub decode_error: Option<String>,
}

impl ReceivedRequest {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Every value of a header (case-insensitive name).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

/// An attribute value (`AnyValue`), decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Str(String),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(Vec<u8>),
    Array(Vec<AttrValue>),
    Map(Vec<(String, AttrValue)>),
    /// An `AnyValue` with no value set.
    Empty,
}

impl AttrValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Double(d) => Some(*d),
            AttrValue::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttrValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The elements of an array value, rendered (strings without quotes).
    pub fn as_string_list(&self) -> Option<Vec<String>> {
        match self {
            AttrValue::Array(v) => Some(v.iter().map(ToString::to_string).collect()),
            _ => None,
        }
    }

    fn render_nested(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => write!(f, "{s:?}"),
            other => write!(f, "{other}"),
        }
    }
}

/// Strings render as themselves, arrays as `["a", 1]`, maps as `{k: v}`, bytes as hex.
impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => f.write_str(s),
            AttrValue::Bool(b) => write!(f, "{b}"),
            AttrValue::Int(i) => write!(f, "{i}"),
            AttrValue::Double(d) => write!(f, "{d}"),
            AttrValue::Bytes(b) => f.write_str(&hex(b)),
            AttrValue::Array(v) => {
                f.write_str("[")?;
                for (i, e) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    e.render_nested(f)?;
                }
                f.write_str("]")
            }
            AttrValue::Map(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: ")?;
                    v.render_nested(f)?;
                }
                f.write_str("}")
            }
            AttrValue::Empty => Ok(()),
        }
    }
}

impl From<&AnyValue> for AttrValue {
    fn from(v: &AnyValue) -> Self {
        match &v.value {
            None => AttrValue::Empty,
            Some(any_value::Value::StringValue(s)) => AttrValue::Str(s.clone()),
            Some(any_value::Value::BoolValue(b)) => AttrValue::Bool(*b),
            Some(any_value::Value::IntValue(i)) => AttrValue::Int(*i),
            Some(any_value::Value::DoubleValue(d)) => AttrValue::Double(*d),
            Some(any_value::Value::BytesValue(b)) => AttrValue::Bytes(b.clone()),
            Some(any_value::Value::ArrayValue(a)) => AttrValue::Array(a.values.iter().map(AttrValue::from).collect()),
            Some(any_value::Value::KvlistValue(l)) => {
                AttrValue::Map(l.values.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map(AttrValue::from).unwrap_or(AttrValue::Empty))).collect())
            }
            // Dictionary-encoded strings (profiles only): not resolvable here.
            #[allow(unreachable_patterns)]
            Some(other) => AttrValue::Str(format!("{other:?}")),
        }
    }
}

/// Attributes by key.
pub type Attributes = BTreeMap<String, AttrValue>;

/// Decodes a list of `KeyValue`s.
pub fn attributes(kvs: &[KeyValue]) -> Attributes {
    kvs.iter().map(|kv| (kv.key.clone(), kv.value.as_ref().map(AttrValue::from).unwrap_or(AttrValue::Empty))).collect()
}

/// Attributes rendered as sorted `(key, value)` strings (see `AttrValue`'s `Display`).
pub fn rendered(attrs: &Attributes) -> Vec<(String, String)> {
    attrs.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
}

fn resource_attrs(r: &Option<Resource>) -> Attributes {
    r.as_ref().map(|r| attributes(&r.attributes)).unwrap_or_default()
}

fn scope_parts(s: &Option<InstrumentationScope>) -> (String, String) {
    s.as_ref().map(|s| (s.name.clone(), s.version.clone())).unwrap_or_default()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn id(b: &[u8]) -> Option<String> {
    (!b.is_empty() && b.iter().any(|x| *x != 0)).then(|| hex(b))
}

/// A span event.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedEvent {
    pub name: String,
    pub attributes: Attributes,
    pub time_unix_nano: u64,
}

/// A span as received, flattened with its resource and scope.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedSpan {
    pub name: String,
    pub kind: SpanKind,
    /// Hex, 32 characters.
    pub trace_id: String,
    /// Hex, 16 characters.
    pub span_id: String,
    /// Hex; `None` for a root span.
    pub parent_span_id: Option<String>,
    pub attributes: Attributes,
    pub resource: Attributes,
    pub scope_name: String,
    pub scope_version: String,
    pub status_code: StatusCode,
    pub status_message: String,
    pub events: Vec<ReceivedEvent>,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    pub protocol: Protocol,
}

impl ReceivedSpan {
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.attributes.get(key)
    }
    /// The attribute rendered as a string (see `AttrValue`'s `Display`).
    pub fn attr_str(&self, key: &str) -> Option<String> {
        self.attributes.get(key).map(ToString::to_string)
    }
    pub fn resource_attr(&self, key: &str) -> Option<&AttrValue> {
        self.resource.get(key)
    }
    /// The attributes as sorted `(key, rendered value)` pairs.
    pub fn rendered_attributes(&self) -> Vec<(String, String)> {
        rendered(&self.attributes)
    }
    pub fn is_root(&self) -> bool {
        self.parent_span_id.is_none()
    }
    pub fn is_child_of(&self, parent: &ReceivedSpan) -> bool {
        self.trace_id == parent.trace_id && self.parent_span_id.as_deref() == Some(parent.span_id.as_str())
    }
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end_time_unix_nano.saturating_sub(self.start_time_unix_nano))
    }
}

/// The shape of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
    /// No data set.
    Empty,
}

/// The value of one data point.
#[derive(Clone, Debug, PartialEq)]
pub enum PointValue {
    Int(i64),
    Double(f64),
    Histogram {
        count: u64,
        sum: Option<f64>,
        min: Option<f64>,
        max: Option<f64>,
        bucket_counts: Vec<u64>,
        explicit_bounds: Vec<f64>,
    },
    ExponentialHistogram {
        count: u64,
        sum: Option<f64>,
        min: Option<f64>,
        max: Option<f64>,
    },
    Summary {
        count: u64,
        sum: f64,
    },
    /// A number point with no value.
    Empty,
}

/// One data point of a metric.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedDataPoint {
    pub attributes: Attributes,
    pub value: PointValue,
}

impl ReceivedDataPoint {
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.attributes.get(key)
    }
    pub fn attr_str(&self, key: &str) -> Option<String> {
        self.attributes.get(key).map(ToString::to_string)
    }
    /// The attributes as sorted `(key, rendered value)` pairs.
    pub fn rendered_attributes(&self) -> Vec<(String, String)> {
        rendered(&self.attributes)
    }
    /// The count of a histogram or summary point.
    pub fn count(&self) -> Option<u64> {
        match &self.value {
            PointValue::Histogram { count, .. } | PointValue::ExponentialHistogram { count, .. } | PointValue::Summary { count, .. } => Some(*count),
            _ => None,
        }
    }
    /// The sum of a histogram or summary point.
    pub fn sum(&self) -> Option<f64> {
        match &self.value {
            PointValue::Histogram { sum, .. } | PointValue::ExponentialHistogram { sum, .. } => *sum,
            PointValue::Summary { sum, .. } => Some(*sum),
            _ => None,
        }
    }
    /// The value of a gauge or sum point, as `f64`.
    pub fn number(&self) -> Option<f64> {
        match &self.value {
            PointValue::Int(i) => Some(*i as f64),
            PointValue::Double(d) => Some(*d),
            _ => None,
        }
    }
}

/// A metric as received (one per metric per export: a cumulative exporter sends the same
/// metric again on every export).
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedMetric {
    pub name: String,
    pub description: String,
    pub unit: String,
    pub kind: MetricKind,
    /// Sums only.
    pub is_monotonic: Option<bool>,
    /// Sums and histograms.
    pub temporality: Option<AggregationTemporality>,
    pub data_points: Vec<ReceivedDataPoint>,
    pub resource: Attributes,
    pub scope_name: String,
    pub scope_version: String,
    pub protocol: Protocol,
}

/// A log record as received, flattened with its resource and scope.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedLogRecord {
    pub body: Option<AttrValue>,
    pub severity_number: i32,
    pub severity_text: String,
    pub event_name: String,
    pub attributes: Attributes,
    pub resource: Attributes,
    pub scope_name: String,
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    pub protocol: Protocol,
}

impl ReceivedLogRecord {
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.attributes.get(key)
    }
    pub fn attr_str(&self, key: &str) -> Option<String> {
        self.attributes.get(key).map(ToString::to_string)
    }
}

// ---- shared state ----

#[derive(Default)]
struct Shared {
    behaviour: Mutex<Behaviour>,
    /// The most bytes one request may carry (gRPC: the decoded message; HTTP: the body as sent),
    /// as a Collector's `max_recv_msg_size_mib` / `max_request_body_size` set it.
    receive_limit: Option<usize>,
    requests: Mutex<Vec<ReceivedRequest>>,
    /// The payloads answered with success, in order.
    accepted: Mutex<Vec<(Protocol, Payload)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

enum Answer {
    Ok,
    Failed,
}

impl Shared {
    /// Records the request, applies the behaviour, and stores the payload once answered with success.
    async fn handle(&self, request: ReceivedRequest) -> Answer {
        let behaviour = *lock(&self.behaviour);
        let payload = request.payload.clone();
        let protocol = request.protocol;
        lock(&self.requests).push(ReceivedRequest { behaviour, ..request });
        match behaviour {
            Behaviour::Fail => return Answer::Failed,
            Behaviour::Slow(d) => tokio::time::sleep(d).await,
            Behaviour::Normal => {}
        }
        if let Some(p) = payload {
            lock(&self.accepted).push((protocol, p));
        }
        Answer::Ok
    }
}

// ---- gRPC ----

#[derive(Clone)]
struct Grpc(Arc<Shared>);

fn grpc_request(path: &str, signal: Signal, metadata: &tonic::metadata::MetadataMap, payload: Payload, body_len: usize) -> ReceivedRequest {
    let headers = header_pairs(&metadata.clone().into_headers());
    let content_type = headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.clone());
    ReceivedRequest {
        protocol: Protocol::Grpc,
        signal: Some(signal),
        method: "POST".into(),
        path: path.into(),
        headers,
        content_type,
        body_len,
        behaviour: Behaviour::Normal,
        payload: Some(payload),
        decode_error: None,
    }
}

fn grpc_failure() -> tonic::Status {
    tonic::Status::internal("otlp_receiver: behaviour is Fail")
}

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(&self, request: tonic::Request<ExportTraceServiceRequest>) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let msg = request.get_ref();
        let rec = grpc_request(GRPC_TRACES_PATH, Signal::Traces, request.metadata(), Payload::Traces(msg.clone()), msg.encoded_len());
        match self.0.handle(rec).await {
            Answer::Ok => Ok(tonic::Response::new(ExportTraceServiceResponse::default())),
            Answer::Failed => Err(grpc_failure()),
        }
    }
}

#[tonic::async_trait]
impl MetricsService for Grpc {
    async fn export(&self, request: tonic::Request<ExportMetricsServiceRequest>) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let msg = request.get_ref();
        let rec = grpc_request(GRPC_METRICS_PATH, Signal::Metrics, request.metadata(), Payload::Metrics(msg.clone()), msg.encoded_len());
        match self.0.handle(rec).await {
            Answer::Ok => Ok(tonic::Response::new(ExportMetricsServiceResponse::default())),
            Answer::Failed => Err(grpc_failure()),
        }
    }
}

#[tonic::async_trait]
impl LogsService for Grpc {
    async fn export(&self, request: tonic::Request<ExportLogsServiceRequest>) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        let msg = request.get_ref();
        let rec = grpc_request(GRPC_LOGS_PATH, Signal::Logs, request.metadata(), Payload::Logs(msg.clone()), msg.encoded_len());
        match self.0.handle(rec).await {
            Answer::Ok => Ok(tonic::Response::new(ExportLogsServiceResponse::default())),
            Answer::Failed => Err(grpc_failure()),
        }
    }
}

// ---- HTTP/protobuf ----

fn header_pairs(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter().map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}

fn protobuf(bytes: Vec<u8>) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/x-protobuf")], bytes).into_response()
}

async fn http_export(shared: Arc<Shared>, signal: Signal, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_protobuf = content_type.as_deref().is_some_and(|c| c.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-protobuf"));
    let encoded =
        headers.get(axum::http::header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).filter(|e| !e.eq_ignore_ascii_case("identity")).map(str::to_owned);
    let plain: Result<std::borrow::Cow<'_, [u8]>, (HttpStatus, String)> = match encoded.as_deref() {
        None => Ok(std::borrow::Cow::Borrowed(body.as_ref())),
        Some(enc) if enc.eq_ignore_ascii_case("gzip") => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(body.as_ref()), &mut out)
                .map(|_| std::borrow::Cow::Owned(out))
                .map_err(|e| (HttpStatus::BAD_REQUEST, format!("invalid gzip body: {e}")))
        }
        Some(enc) => Err((HttpStatus::UNSUPPORTED_MEDIA_TYPE, format!("unsupported content-encoding {enc:?}"))),
    };
    let decoded: Result<Payload, (HttpStatus, String)> = if !is_protobuf {
        Err((HttpStatus::UNSUPPORTED_MEDIA_TYPE, format!("unsupported content-type {content_type:?} (only application/x-protobuf)")))
    } else if shared.receive_limit.is_some_and(|limit| body.len() > limit) {
        Err((HttpStatus::PAYLOAD_TOO_LARGE, format!("request body of {} bytes over the receive limit", body.len())))
    } else {
        plain.and_then(|plain| {
            let r = match signal {
                Signal::Traces => ExportTraceServiceRequest::decode(plain.as_ref()).map(Payload::Traces),
                Signal::Metrics => ExportMetricsServiceRequest::decode(plain.as_ref()).map(Payload::Metrics),
                Signal::Logs => ExportLogsServiceRequest::decode(plain.as_ref()).map(Payload::Logs),
            };
            r.map_err(|e| (HttpStatus::BAD_REQUEST, format!("invalid protobuf: {e}")))
        })
    };
    let (payload, decode_error) = match &decoded {
        Ok(p) => (Some(p.clone()), None),
        Err((_, e)) => (None, Some(e.clone())),
    };
    let rec = ReceivedRequest {
        protocol: Protocol::HttpProtobuf,
        signal: Some(signal),
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: header_pairs(&headers),
        content_type,
        body_len: body.len(),
        behaviour: Behaviour::Normal,
        payload,
        decode_error,
    };
    if let Err((status, msg)) = decoded {
        // Recorded, never accepted.
        let behaviour = *lock(&shared.behaviour);
        lock(&shared.requests).push(ReceivedRequest { behaviour, ..rec });
        return (status, msg).into_response();
    }
    match shared.handle(rec).await {
        Answer::Failed => (HttpStatus::INTERNAL_SERVER_ERROR, "otlp_receiver: behaviour is Fail").into_response(),
        Answer::Ok => protobuf(match signal {
            Signal::Traces => ExportTraceServiceResponse::default().encode_to_vec(),
            Signal::Metrics => ExportMetricsServiceResponse::default().encode_to_vec(),
            Signal::Logs => ExportLogsServiceResponse::default().encode_to_vec(),
        }),
    }
}

async fn unknown_path(State(shared): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    // Platforms put the OTLP paths under a prefix (`/api/public/otel/v1/traces`): decode those too.
    let path = uri.path().to_owned();
    for (suffix, signal) in [("/v1/traces", Signal::Traces), ("/v1/metrics", Signal::Metrics), ("/v1/logs", Signal::Logs)] {
        if method == Method::POST && path.ends_with(suffix) {
            return http_export(shared, signal, method, uri, headers, body).await;
        }
    }
    let content_type = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let behaviour = *lock(&shared.behaviour);
    let protocol = if content_type.as_deref().is_some_and(|c| c.starts_with("application/grpc")) { Protocol::Grpc } else { Protocol::HttpProtobuf };
    lock(&shared.requests).push(ReceivedRequest {
        protocol,
        signal: None,
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: header_pairs(&headers),
        content_type,
        body_len: body.len(),
        behaviour,
        payload: None,
        decode_error: Some("unknown path".into()),
    });
    (HttpStatus::NOT_FOUND, format!("otlp_receiver: no route for {method} {}", uri.path())).into_response()
}

fn router(shared: Arc<Shared>) -> Router {
    let grpc = Grpc(shared.clone());
    // gzip accepted, as a Collector does; the receive limit, when set, as tonic applies it.
    let limit = shared.receive_limit.unwrap_or(4 * 1024 * 1024);
    let gzip = tonic::codec::CompressionEncoding::Gzip;
    let route = |signal: Signal| {
        post(move |State(s): State<Arc<Shared>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes| http_export(s, signal, method, uri, headers, body))
    };
    Router::new()
        .route("/v1/traces", route(Signal::Traces))
        .route("/v1/metrics", route(Signal::Metrics))
        .route("/v1/logs", route(Signal::Logs))
        .route_service(
            &format!("/{}/{{*rest}}", TraceServiceServer::<Grpc>::NAME),
            TraceServiceServer::new(grpc.clone()).accept_compressed(gzip).max_decoding_message_size(limit),
        )
        .route_service(
            &format!("/{}/{{*rest}}", MetricsServiceServer::<Grpc>::NAME),
            MetricsServiceServer::new(grpc.clone()).accept_compressed(gzip).max_decoding_message_size(limit),
        )
        .route_service(
            &format!("/{}/{{*rest}}", LogsServiceServer::<Grpc>::NAME),
            LogsServiceServer::new(grpc).accept_compressed(gzip).max_decoding_message_size(limit),
        )
        // Bodies up to the limit (axum's own default is 2 MiB).
        .layer(axum::extract::DefaultBodyLimit::max(limit.max(64 * 1024 * 1024)))
        .fallback(unknown_path)
        .with_state(shared)
}

// ---- the receiver ----

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<()>,
}

/// An OTLP receiver on `127.0.0.1` (gRPC and HTTP/protobuf on the same port). Shut down on drop.
pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    running: Mutex<Option<Running>>,
}

impl Receiver {
    /// Starts a receiver that answers with success. Callable from anywhere (sync or async).
    pub fn start() -> Receiver {
        Receiver::start_with(Behaviour::Normal)
    }

    /// Starts a receiver with the given behaviour.
    pub fn start_with(behaviour: Behaviour) -> Receiver {
        Receiver::start_inner(behaviour, None)
    }

    /// Starts a receiver that refuses a request over `bytes` (gRPC `RESOURCE_EXHAUSTED` for a
    /// larger decoded message, HTTP 413 for a larger body), as a Collector configured with
    /// `max_recv_msg_size_mib` / `max_request_body_size` does.
    pub fn start_with_limit(bytes: usize) -> Receiver {
        Receiver::start_inner(Behaviour::Normal, Some(bytes))
    }

    fn start_inner(behaviour: Behaviour, receive_limit: Option<usize>) -> Receiver {
        let listener = StdTcpListener::bind("127.0.0.1:0").expect("otlp_receiver: bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("otlp_receiver: set_nonblocking");
        let addr = listener.local_addr().expect("otlp_receiver: local_addr");
        let shared = Arc::new(Shared { behaviour: Mutex::new(behaviour), receive_limit, ..Default::default() });
        let app = router(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("otlp-receiver-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("otlp_receiver: runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("otlp_receiver: tokio listener");
                    tokio::select! {
                        r = axum::serve(listener, app) => { if let Err(e) = r { eprintln!("otlp_receiver: server error: {e}"); } }
                        _ = stopped => {}
                    }
                });
                // Drops the listener and every open connection (and in-flight slow answers).
                rt.shutdown_timeout(Duration::from_millis(200));
            })
            .expect("otlp_receiver: spawn thread");
        Receiver { addr, shared, running: Mutex::new(Some(Running { stop, thread })) }
    }

    /// `http://127.0.0.1:PORT` of a port where nothing listens (bound, then released): an
    /// endpoint that is "down" (connection refused).
    pub fn unused_endpoint() -> String {
        let l = StdTcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().expect("local_addr").port();
        drop(l);
        format!("http://127.0.0.1:{port}")
    }

    /// `http://127.0.0.1:PORT`: the gRPC endpoint, and the base of the HTTP ones.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `{endpoint}/v1/traces` (an HTTP exporter's `with_endpoint` takes the full signal URL).
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint())
    }
    pub fn metrics_url(&self) -> String {
        format!("{}/v1/metrics", self.endpoint())
    }
    pub fn logs_url(&self) -> String {
        format!("{}/v1/logs", self.endpoint())
    }

    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.shared.behaviour) = behaviour;
    }
    pub fn behaviour(&self) -> Behaviour {
        *lock(&self.shared.behaviour)
    }

    /// Every request received, in arrival order, whatever was answered.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The export requests answered with success, as decoded.
    pub fn trace_requests(&self) -> Vec<ExportTraceServiceRequest> {
        self.accepted().into_iter().filter_map(|(_, p)| if let Payload::Traces(r) = p { Some(r) } else { None }).collect()
    }
    pub fn metrics_requests(&self) -> Vec<ExportMetricsServiceRequest> {
        self.accepted().into_iter().filter_map(|(_, p)| if let Payload::Metrics(r) = p { Some(r) } else { None }).collect()
    }
    pub fn logs_requests(&self) -> Vec<ExportLogsServiceRequest> {
        self.accepted().into_iter().filter_map(|(_, p)| if let Payload::Logs(r) = p { Some(r) } else { None }).collect()
    }

    fn accepted(&self) -> Vec<(Protocol, Payload)> {
        lock(&self.shared.accepted).clone()
    }

    /// Every span received (answered with success), in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        let mut out = Vec::new();
        for (protocol, p) in lock(&self.shared.accepted).iter() {
            let Payload::Traces(req) = p else { continue };
            for rs in &req.resource_spans {
                let resource = resource_attrs(&rs.resource);
                for ss in &rs.scope_spans {
                    let (scope_name, scope_version) = scope_parts(&ss.scope);
                    for s in &ss.spans {
                        let status = s.status.clone().unwrap_or_default();
                        out.push(ReceivedSpan {
                            name: s.name.clone(),
                            kind: SpanKind::try_from(s.kind).unwrap_or(SpanKind::Unspecified),
                            trace_id: hex(&s.trace_id),
                            span_id: hex(&s.span_id),
                            parent_span_id: id(&s.parent_span_id),
                            attributes: attributes(&s.attributes),
                            resource: resource.clone(),
                            scope_name: scope_name.clone(),
                            scope_version: scope_version.clone(),
                            status_code: StatusCode::try_from(status.code).unwrap_or(StatusCode::Unset),
                            status_message: status.message,
                            events: s
                                .events
                                .iter()
                                .map(|e| ReceivedEvent { name: e.name.clone(), attributes: attributes(&e.attributes), time_unix_nano: e.time_unix_nano })
                                .collect(),
                            start_time_unix_nano: s.start_time_unix_nano,
                            end_time_unix_nano: s.end_time_unix_nano,
                            protocol: *protocol,
                        });
                    }
                }
            }
        }
        out
    }

    /// The first span with this name.
    pub fn span(&self, name: &str) -> Option<ReceivedSpan> {
        self.spans().into_iter().find(|s| s.name == name)
    }

    /// The names of the spans received, in arrival order.
    pub fn span_names(&self) -> Vec<String> {
        self.spans().into_iter().map(|s| s.name).collect()
    }

    /// Every metric received (answered with success), one entry per metric per export.
    pub fn metrics(&self) -> Vec<ReceivedMetric> {
        let mut out = Vec::new();
        for (protocol, p) in lock(&self.shared.accepted).iter() {
            let Payload::Metrics(req) = p else { continue };
            for rm in &req.resource_metrics {
                let resource = resource_attrs(&rm.resource);
                for sm in &rm.scope_metrics {
                    let (scope_name, scope_version) = scope_parts(&sm.scope);
                    for m in &sm.metrics {
                        let temporality = |t: i32| AggregationTemporality::try_from(t).ok();
                        let (kind, is_monotonic, temporality, data_points) = match &m.data {
                            None => (MetricKind::Empty, None, None, Vec::new()),
                            Some(metric::Data::Gauge(g)) => (MetricKind::Gauge, None, None, g.data_points.iter().map(number_point).collect()),
                            Some(metric::Data::Sum(s)) => (
                                MetricKind::Sum,
                                Some(s.is_monotonic),
                                temporality(s.aggregation_temporality),
                                s.data_points.iter().map(number_point).collect(),
                            ),
                            Some(metric::Data::Histogram(h)) => (
                                MetricKind::Histogram,
                                None,
                                temporality(h.aggregation_temporality),
                                h.data_points
                                    .iter()
                                    .map(|p| ReceivedDataPoint {
                                        attributes: attributes(&p.attributes),
                                        value: PointValue::Histogram {
                                            count: p.count,
                                            sum: p.sum,
                                            min: p.min,
                                            max: p.max,
                                            bucket_counts: p.bucket_counts.clone(),
                                            explicit_bounds: p.explicit_bounds.clone(),
                                        },
                                    })
                                    .collect(),
                            ),
                            Some(metric::Data::ExponentialHistogram(h)) => (
                                MetricKind::ExponentialHistogram,
                                None,
                                temporality(h.aggregation_temporality),
                                h.data_points
                                    .iter()
                                    .map(|p| ReceivedDataPoint {
                                        attributes: attributes(&p.attributes),
                                        value: PointValue::ExponentialHistogram { count: p.count, sum: p.sum, min: p.min, max: p.max },
                                    })
                                    .collect(),
                            ),
                            Some(metric::Data::Summary(s)) => (
                                MetricKind::Summary,
                                None,
                                None,
                                s.data_points
                                    .iter()
                                    .map(|p| ReceivedDataPoint {
                                        attributes: attributes(&p.attributes),
                                        value: PointValue::Summary { count: p.count, sum: p.sum },
                                    })
                                    .collect(),
                            ),
                        };
                        out.push(ReceivedMetric {
                            name: m.name.clone(),
                            description: m.description.clone(),
                            unit: m.unit.clone(),
                            kind,
                            is_monotonic,
                            temporality,
                            data_points,
                            resource: resource.clone(),
                            scope_name: scope_name.clone(),
                            scope_version: scope_version.clone(),
                            protocol: *protocol,
                        });
                    }
                }
            }
        }
        out
    }

    /// The most recently received version of a metric.
    pub fn metric(&self, name: &str) -> Option<ReceivedMetric> {
        self.metrics().into_iter().rev().find(|m| m.name == name)
    }

    /// The distinct names of the metrics received, sorted.
    pub fn metric_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.metrics().into_iter().map(|m| m.name).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Every log record received (answered with success), in arrival order.
    pub fn log_records(&self) -> Vec<ReceivedLogRecord> {
        let mut out = Vec::new();
        for (protocol, p) in lock(&self.shared.accepted).iter() {
            let Payload::Logs(req) = p else { continue };
            for rl in &req.resource_logs {
                let resource = resource_attrs(&rl.resource);
                for sl in &rl.scope_logs {
                    let (scope_name, _) = scope_parts(&sl.scope);
                    for r in &sl.log_records {
                        out.push(ReceivedLogRecord {
                            body: r.body.as_ref().map(AttrValue::from),
                            severity_number: r.severity_number,
                            severity_text: r.severity_text.clone(),
                            event_name: r.event_name.clone(),
                            attributes: attributes(&r.attributes),
                            resource: resource.clone(),
                            scope_name: scope_name.clone(),
                            trace_id: id(&r.trace_id),
                            span_id: id(&r.span_id),
                            time_unix_nano: r.time_unix_nano,
                            observed_time_unix_nano: r.observed_time_unix_nano,
                            protocol: *protocol,
                        });
                    }
                }
            }
        }
        out
    }

    /// Forgets every request and everything received (the behaviour is kept).
    pub fn clear(&self) {
        lock(&self.shared.requests).clear();
        lock(&self.shared.accepted).clear();
    }

    /// Polls `done` every 10 ms until it holds or `timeout` passes; never blocks the runtime.
    pub async fn wait_until(&self, timeout: Duration, mut done: impl FnMut(&Receiver) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// [`Receiver::wait_until`] for sync code: sleeps the calling thread between polls. Do not
    /// call it on a current-thread runtime whose tasks must run for the data to arrive.
    pub fn wait_until_blocking(&self, timeout: Duration, mut done: impl FnMut(&Receiver) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (async) until at least `n` spans were received; `false` on timeout.
    pub async fn wait_for_spans(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |r| r.spans().len() >= n).await
    }
    pub fn wait_for_spans_blocking(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until_blocking(timeout, |r| r.spans().len() >= n)
    }
    /// Waits (async) until a metric with this name was received.
    pub async fn wait_for_metric(&self, name: &str, timeout: Duration) -> bool {
        self.wait_until(timeout, |r| r.metrics().iter().any(|m| m.name == name)).await
    }
    pub fn wait_for_metric_blocking(&self, name: &str, timeout: Duration) -> bool {
        self.wait_until_blocking(timeout, |r| r.metrics().iter().any(|m| m.name == name))
    }
    /// Waits (async) until at least `n` log records were received.
    pub async fn wait_for_log_records(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |r| r.log_records().len() >= n).await
    }
    pub fn wait_for_log_records_blocking(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until_blocking(timeout, |r| r.log_records().len() >= n)
    }
    /// Waits (async) until at least `n` requests arrived (whatever was answered).
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |r| lock(&r.shared.requests).len() >= n).await
    }
    pub fn wait_for_requests_blocking(&self, n: usize, timeout: Duration) -> bool {
        self.wait_until_blocking(timeout, |r| lock(&r.shared.requests).len() >= n)
    }

    /// Stops the server: the port refuses connections from now on, open connections are closed.
    /// What was received stays readable. Idempotent; also done on drop.
    pub fn shutdown(&self) {
        let running = lock(&self.running).take();
        if let Some(Running { stop, thread }) = running {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("endpoint", &self.endpoint()).field("behaviour", &self.behaviour()).finish_non_exhaustive()
    }
}

fn number_point(p: &opentelemetry_proto::tonic::metrics::v1::NumberDataPoint) -> ReceivedDataPoint {
    ReceivedDataPoint {
        attributes: attributes(&p.attributes),
        value: match p.value {
            Some(number_data_point::Value::AsInt(i)) => PointValue::Int(i),
            Some(number_data_point::Value::AsDouble(d)) => PointValue::Double(d),
            None => PointValue::Empty,
        },
    }
}

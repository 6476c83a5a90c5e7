//! [`SendTraced`]: `reqwest` requests in a CLIENT span whose context (and propagated
//! attribution) travels in the request's headers.

use std::future::Future;
use std::time::Instant;

use opentelemetry::KeyValue;
use tracing::field::Empty;
use tracing::Instrument;

use super::conventions::{method, protocol_version};
use super::inject_context;
use super::outgoing_context;
use crate::semconv::{http as names, tracing_names as tn};

/// `send_traced()` in place of `send()`: the request runs in a CLIENT span `{method}` with
/// `http.request.method`, `server.address`, `server.port`, `url.full` (without credentials or
/// query), `http.response.status_code`, and `error.type` plus an error status for a 4xx or 5xx
/// answer or a failed request; its context goes out as `traceparent` (and the attribution that
/// asks for it as `baggage`).
///
/// It also records `http.client.request.duration` (seconds, until the response headers arrive or
/// the request fails; the conventions' buckets) with `http.request.method`, `server.address`,
/// `server.port`, `http.response.status_code` (when an answer came), `error.type` (the status code
/// of a 4xx/5xx answer, else `timeout`, `connect`, `body`, `redirect` or `_OTHER`) and
/// `network.protocol.version` (of the answer): latency and error rate per downstream service.
/// A request dropped before it completes (a caller's timeout) is not recorded.
///
/// ```no_run
/// use genai_o11y::propagation::SendTraced;
/// # async fn demo() -> Result<(), reqwest::Error> {
/// let weather = reqwest::Client::new().post("http://tools.internal/get_weather").body("Paris").send_traced().await?;
/// # let _ = weather; Ok(()) }
/// ```
pub trait SendTraced {
    /// Sends the request in a CLIENT span, its context in the headers.
    fn send_traced(self) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send;
}

impl SendTraced for reqwest::RequestBuilder {
    fn send_traced(self) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send {
        let (client, request) = self.build_split();
        async move {
            // The span starts with the request, where the future is first polled (so
            // `.instrument(span)` on this future makes it a child, as `tracing` users expect).
            let mut request = request?;
            let span = client_span(&request);
            let mut attrs = metric_attrs(&request);
            inject_context(&outgoing_context(&span), request.headers_mut());
            let start = Instant::now();
            let result = client.execute(request).instrument(span.clone()).await;
            let elapsed = start.elapsed().as_secs_f64();
            match &result {
                Ok(resp) => {
                    let code = resp.status().as_u16();
                    span.record(names::RESPONSE_STATUS_CODE, i64::from(code));
                    attrs.push(KeyValue::new(names::RESPONSE_STATUS_CODE, i64::from(code)));
                    if code >= 400 {
                        span.record(names::ERROR_TYPE, code.to_string());
                        span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
                        attrs.push(KeyValue::new(names::ERROR_TYPE, code.to_string()));
                    }
                    if let Some(v) = protocol_version(resp.version()) {
                        attrs.push(KeyValue::new(names::NETWORK_PROTOCOL_VERSION, v));
                    }
                }
                Err(e) => {
                    span.record(names::ERROR_TYPE, error_type(e));
                    span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
                    attrs.push(KeyValue::new(names::ERROR_TYPE, error_type(e)));
                }
            }
            crate::instruments::current().http_client_duration.record(elapsed, &attrs);
            result
        }
    }
}

fn client_span(request: &reqwest::Request) -> tracing::Span {
    let (method, original) = method(request.method());
    let url = request.url();
    let mut full = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        full.push_str(&format!(":{port}"));
    }
    full.push_str(url.path());
    tracing::span!(
        target: tn::TARGET, tracing::Level::INFO, tn::HTTP_CLIENT_SPAN,
        { tn::OTEL_NAME } = method,
        { tn::OTEL_KIND } = "client",
        { names::REQUEST_METHOD } = method,
        { names::REQUEST_METHOD_ORIGINAL } = original,
        { names::SERVER_ADDRESS } = url.host_str(),
        { names::SERVER_PORT } = url.port_or_known_default().map(i64::from),
        { names::URL_FULL } = full,
        { names::NETWORK_PROTOCOL_VERSION } = protocol_version(request.version()),
        { names::RESPONSE_STATUS_CODE } = Empty,
        { names::ERROR_TYPE } = Empty,
        { tn::OTEL_STATUS_CODE } = Empty,
    )
}

/// The attributes of `http.client.request.duration` known before the answer: the method and the
/// server (the conventions' required ones). `url.scheme` and `url.template` are opt-in: not
/// recorded.
fn metric_attrs(request: &reqwest::Request) -> Vec<KeyValue> {
    let url = request.url();
    let mut attrs = Vec::with_capacity(7);
    attrs.push(KeyValue::new(names::REQUEST_METHOD, method(request.method()).0));
    if let Some(host) = url.host_str() {
        attrs.push(KeyValue::new(names::SERVER_ADDRESS, host.to_owned()));
    }
    if let Some(port) = url.port_or_known_default() {
        attrs.push(KeyValue::new(names::SERVER_PORT, i64::from(port)));
    }
    attrs
}

/// A low-cardinality name of a failed request.
fn error_type(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        names::ERROR_TIMEOUT
    } else if e.is_connect() {
        names::ERROR_CONNECT
    } else if e.is_body() || e.is_decode() {
        names::ERROR_BODY
    } else if e.is_redirect() {
        names::ERROR_REDIRECT
    } else {
        names::ERROR_OTHER
    }
}

//! [`SendTraced`]: `reqwest` requests in a CLIENT span whose context (and propagated
//! attribution) travels in the request's headers.

use std::future::Future;

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
            inject_context(&outgoing_context(&span), request.headers_mut());
            let result = client.execute(request).instrument(span.clone()).await;
            match &result {
                Ok(resp) => {
                    let code = resp.status().as_u16();
                    span.record(names::RESPONSE_STATUS_CODE, i64::from(code));
                    if code >= 400 {
                        span.record(names::ERROR_TYPE, code.to_string());
                        span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
                    }
                }
                Err(e) => {
                    span.record(names::ERROR_TYPE, error_type(e));
                    span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
                }
            }
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

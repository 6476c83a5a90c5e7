//! [`ServerLayer`]: a `tower` layer for HTTP servers (axum, hyper, tonic) that continues the
//! caller's trace in a server span following the HTTP semantic conventions.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use opentelemetry::{KeyValue, StringValue};
use tracing::field::Empty;

use super::conventions::{method, protocol_version};
use super::{attribution_from, extract, set_parent};
use crate::attribution::{Applied, Attribution, Guard as AttributionGuard};
use crate::semconv::{http as names, tracing_names as tn};

/// A `tower` layer: for every request, the context of its `traceparent` header (a malformed
/// one starts a fresh trace) and a SERVER span `{method} {route}` (`{method}` without a route)
/// with `http.request.method`, `url.path`, `url.scheme`, `http.route` (with feature `axum`,
/// from axum's matched path: add the layer with `Router::route_layer`, which runs after
/// routing), `network.protocol.version`, `http.response.status_code`, and `error.type` and an
/// error status for a 5xx answer or a failed service.
///
/// It also records `http.server.request.duration` (seconds, until the service returns the
/// response headers or fails; the conventions' buckets) with `http.request.method`, `url.scheme`,
/// `http.route` (when known), `http.response.status_code`, `error.type` (the status code of a 5xx
/// answer, `_OTHER` for a failed service) and `network.protocol.version`. `server.address` and
/// `server.port` are opt-in in the conventions (an attacker could raise their cardinality through
/// the `Host` header): not recorded. A request whose future is dropped before it answers (the
/// client went away) is not recorded. On a tonic server the status is HTTP's (200 for a failed
/// RPC: gRPC's status travels in trailers).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use axum::{routing::post, Router};
/// use genai_o11y::propagation::ServerLayer;
///
/// let app: Router = Router::new()
///     .route("/tools/{name}", post(|| async { "ok" }))
///     .route_layer(ServerLayer::new());
/// # }
/// ```
///
/// Baggage sent by the caller is applied as [`Attribution`] (session, user, tags, metadata on
/// every span of the request) only with [`accept_baggage`](ServerLayer::accept_baggage)`(true)`:
/// anyone who can send a request can send baggage.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerLayer {
    accept_baggage: bool,
}

impl ServerLayer {
    /// Continues the caller's trace; ignores its baggage.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the caller's baggage becomes the request's attribution.
    pub fn accept_baggage(mut self, on: bool) -> Self {
        self.accept_baggage = on;
        self
    }
}

impl<S> tower_layer::Layer<S> for ServerLayer {
    type Service = ServerService<S>;
    fn layer(&self, inner: S) -> ServerService<S> {
        ServerService { inner, layer: *self }
    }
}

/// The service [`ServerLayer`] wraps around yours.
#[derive(Clone, Debug)]
pub struct ServerService<S> {
    inner: S,
    layer: ServerLayer,
}

impl<S, B, RB> tower_service::Service<http::Request<B>> for ServerService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<RB>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ServerFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> ServerFuture<S::Future> {
        let parent = extract(req.headers());
        let attribution = if self.layer.accept_baggage { attribution_from(&parent).map(Attribution::merged_with_current) } else { None };
        let _attribution = AttributionGuard::enter(attribution.as_ref());
        let (span, metric) = server_span(&req);
        set_parent(&span, parent);
        let inner = span.in_scope(|| self.inner.call(req));
        ServerFuture { inner, span, attribution, metric: Some(metric) }
    }
}

/// What `http.server.request.duration` needs from the request: its attributes known before the
/// answer and when it started.
struct ServerMetric {
    start: Instant,
    attrs: Vec<KeyValue>,
}

impl ServerMetric {
    fn record(mut self, status: Option<u16>) {
        if let Some(code) = status {
            self.attrs.push(KeyValue::new(names::RESPONSE_STATUS_CODE, i64::from(code)));
        }
        match status {
            Some(code) if code >= 500 => self.attrs.push(KeyValue::new(names::ERROR_TYPE, code.to_string())),
            Some(_) => {}
            None => self.attrs.push(KeyValue::new(names::ERROR_TYPE, names::ERROR_OTHER)),
        }
        crate::instruments::current().http_server_duration.record(self.start.elapsed().as_secs_f64(), &self.attrs);
    }
}

fn server_span<B>(req: &http::Request<B>) -> (tracing::Span, ServerMetric) {
    let (method, original) = method(req.method());
    let route = route(req);
    let name = match &route {
        Some(r) => format!("{method} {r}"),
        None => method.to_owned(),
    };
    let scheme = req.uri().scheme_str().unwrap_or(names::SCHEME_HTTP);
    let version = protocol_version(req.version());
    let mut attrs = Vec::with_capacity(7);
    attrs.push(KeyValue::new(names::REQUEST_METHOD, method));
    attrs.push(KeyValue::new(names::URL_SCHEME, scheme_value(scheme)));
    if let Some(r) = &route {
        attrs.push(KeyValue::new(names::ROUTE, r.clone()));
    }
    if let Some(v) = version {
        attrs.push(KeyValue::new(names::NETWORK_PROTOCOL_VERSION, v));
    }
    let span = tracing::span!(
        target: tn::TARGET, tracing::Level::INFO, tn::HTTP_SERVER_SPAN,
        { tn::OTEL_NAME } = name,
        { tn::OTEL_KIND } = "server",
        { names::REQUEST_METHOD } = method,
        { names::REQUEST_METHOD_ORIGINAL } = original,
        { names::URL_PATH } = req.uri().path(),
        { names::URL_SCHEME } = scheme,
        { names::ROUTE } = route.as_deref(),
        { names::NETWORK_PROTOCOL_VERSION } = version,
        { names::RESPONSE_STATUS_CODE } = Empty,
        { names::ERROR_TYPE } = Empty,
        { tn::OTEL_STATUS_CODE } = Empty,
    );
    // The clock starts with the span: the metric measures what the span does.
    (span, ServerMetric { start: Instant::now(), attrs })
}

/// `url.scheme` as a metric value (the two usual ones without an allocation).
fn scheme_value(scheme: &str) -> StringValue {
    match scheme {
        names::SCHEME_HTTP => StringValue::from(names::SCHEME_HTTP),
        names::SCHEME_HTTPS => StringValue::from(names::SCHEME_HTTPS),
        other => StringValue::from(other.to_owned()),
    }
}

#[cfg(feature = "axum")]
fn route<B>(req: &http::Request<B>) -> Option<String> {
    req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned())
}

#[cfg(not(feature = "axum"))]
fn route<B>(_req: &http::Request<B>) -> Option<String> {
    None
}

pin_project_lite::pin_project! {
    /// The response future of [`ServerService`]: polled in the request's span and attribution.
    pub struct ServerFuture<F> {
        #[pin]
        inner: F,
        span: tracing::Span,
        attribution: Option<Arc<Applied>>,
        metric: Option<ServerMetric>,
    }
}

impl<F, RB, E> Future for ServerFuture<F>
where
    F: Future<Output = Result<http::Response<RB>, E>>,
{
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _attribution = AttributionGuard::enter(this.attribution.as_ref());
        let _entered = this.span.enter();
        let out = this.inner.poll(cx);
        if let Poll::Ready(result) = &out {
            let status = match result {
                Ok(resp) => {
                    let code = resp.status().as_u16();
                    this.span.record(names::RESPONSE_STATUS_CODE, i64::from(code));
                    // Server spans: only 5xx are errors (a 4xx is the client's).
                    if code >= 500 {
                        this.span.record(names::ERROR_TYPE, code.to_string());
                        this.span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
                    }
                    Some(code)
                }
                Err(_) => {
                    this.span.record(names::ERROR_TYPE, names::ERROR_OTHER);
                    this.span.record(tn::OTEL_STATUS_CODE, tn::OTEL_STATUS_ERROR);
                    None
                }
            };
            if let Some(metric) = this.metric.take() {
                metric.record(status);
            }
        }
        out
    }
}

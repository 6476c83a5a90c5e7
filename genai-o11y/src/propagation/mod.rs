//! Trace context (and, by opt-in, attribution) across processes: W3C Trace Context and Baggage
//! in HTTP headers (feature `propagation`).
//!
//! [`init()`](crate::setup::init) installs the W3C Trace Context and Baggage propagators as the
//! global text-map propagator (`OTEL_PROPAGATORS` chooses: `tracecontext`, `baggage`, `none`);
//! a pipeline wired by hand installs them with `opentelemetry::global::set_text_map_propagator`.
//! The helpers here go through that global propagator:
//!
//! ```
//! use genai_o11y::propagation;
//! # fn demo(incoming: &http::HeaderMap) {
//! // Calling out: the current span's context (and the attribution that asks for it, as baggage).
//! let mut headers = http::HeaderMap::new();
//! propagation::inject(&mut headers);
//!
//! // Receiving: the caller's context, then a span that continues its trace.
//! let parent = propagation::extract(incoming);
//! let span = tracing::info_span!("handle_job");
//! propagation::set_parent(&span, parent.clone());
//!
//! // Or: the next annotated call made with no current span continues it.
//! let _attached = parent.attach();
//! # }
//! ```
//!
//! Middleware does both ends for you:
//! * servers (axum, hyper, tonic): [`ServerLayer`], a `tower` layer (feature `tower`; with
//!   feature `axum`, the route template becomes `http.route`);
//! * `reqwest` clients: [`SendTraced::send_traced`] in place of `send` (feature `reqwest`);
//! * tonic clients: `Client::with_interceptor(channel, tonic_interceptor)` (feature `tonic`).
//!
//! A malformed or oversized `traceparent` or `baggage` header is ignored (the propagators' own
//! parsers decide): the request starts a fresh trace, without error.

#[cfg(feature = "reqwest")]
mod client;
#[cfg(any(feature = "tower", feature = "reqwest"))]
mod conventions;
#[cfg(feature = "tonic")]
mod grpc;
#[cfg(feature = "tower")]
mod server;

#[cfg(feature = "reqwest")]
pub use client::SendTraced;
#[cfg(feature = "tonic")]
pub use grpc::tonic_interceptor;
#[cfg(feature = "tower")]
pub use server::{ServerFuture, ServerLayer, ServerService};

use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::attribution::{self, Attribution};
use crate::semconv::attribution as names;

/// Writes the context of the current `tracing` span into `headers` (`traceparent`,
/// `tracestate`), with the attribution in force as `baggage` when it asks for it
/// ([`Attribution::propagate`]).
pub fn inject(headers: &mut http::HeaderMap) {
    inject_context(&outgoing_context(&tracing::Span::current()), headers);
}

/// Writes `cx` into `headers` through the global propagator.
pub fn inject_context(cx: &Context, headers: &mut http::HeaderMap) {
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(cx, &mut HeaderInjector(headers)));
}

/// The context carried by `headers` (an empty context when they carry none or a malformed one).
pub fn extract(headers: &http::HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)))
}

/// Makes `span` a child of `cx` (an extracted context). Returns `false`, changing nothing, when
/// `cx` carries no valid span context or `span` has already started (it starts when first
/// entered).
pub fn set_parent(span: &tracing::Span, cx: Context) -> bool {
    if !cx.span().span_context().is_valid() {
        return false;
    }
    span.set_parent(cx).is_ok()
}

/// The attribution that `cx`'s baggage carries (`session.id`, `user.id`, `genai_o11y.tags`,
/// every other entry as metadata), if any. For servers that allow it: baggage arrives from
/// anyone who can send a request.
pub fn attribution_from(cx: &Context) -> Option<Attribution> {
    let baggage = cx.baggage();
    if baggage.is_empty() {
        return None;
    }
    let mut a = Attribution::new().propagate(true);
    for (key, (value, _)) in baggage.iter() {
        let v: &str = value.as_str();
        a = match key.as_str() {
            names::SESSION_ID => a.session_id(v),
            names::USER_ID => a.user_id(v),
            names::BAGGAGE_TAGS => a.tags(v.split(',').map(str::trim).filter(|t| !t.is_empty())),
            _ => a.metadata(key.clone(), v),
        };
    }
    (!a.is_empty()).then_some(a)
}

/// The context to send from `span`: its OpenTelemetry context (or the attached one when it has
/// none), with the propagated attribution added to the baggage.
pub(crate) fn outgoing_context(span: &tracing::Span) -> Context {
    let cx = if span.is_none() { Context::current() } else { span.context() };
    let Some(applied) = attribution::current().filter(|a| a.propagate) else { return cx };
    let mut entries: Vec<KeyValue> = cx.baggage().iter().map(|(k, (v, _))| KeyValue::new(k.clone(), v.clone())).collect();
    let mut put = |kv: KeyValue| match entries.iter_mut().find(|e| e.key == kv.key) {
        Some(e) => *e = kv,
        None => entries.push(kv),
    };
    if let Some(s) = &applied.session_id {
        put(KeyValue::new(names::SESSION_ID, s.clone()));
    }
    if let Some(u) = &applied.user_id {
        put(KeyValue::new(names::USER_ID, u.clone()));
    }
    if !applied.tags.is_empty() {
        put(KeyValue::new(names::BAGGAGE_TAGS, applied.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")));
    }
    for (k, v) in &applied.metadata {
        put(KeyValue::new(k.clone(), v.clone()));
    }
    cx.with_baggage(entries)
}

#[cfg(all(test, any(feature = "sdk", feature = "testing")))]
mod tests {
    use super::*;
    use opentelemetry::propagation::TextMapCompositePropagator;
    use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

    fn w3c() -> TextMapCompositePropagator {
        TextMapCompositePropagator::new(vec![Box::new(TraceContextPropagator::new()), Box::new(BaggagePropagator::new())])
    }

    fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_bytes(k.as_bytes()).unwrap(), http::HeaderValue::from_str(v).unwrap())).collect()
    }

    #[test]
    fn attribution_travels_only_when_it_asks_to() {
        use opentelemetry::propagation::TextMapPropagator;
        let p = w3c();
        let send = |a: Attribution| {
            a.in_scope(|| {
                let mut h = http::HeaderMap::new();
                p.inject_context(&outgoing_context(&tracing::Span::none()), &mut HeaderInjector(&mut h));
                h
            })
        };
        let quiet = send(Attribution::new().session_id("s1").user_id("u1"));
        assert!(quiet.get("baggage").is_none());
        let loud = send(Attribution::new().session_id("s1").user_id("u1").tags(["a", "b"]).metadata("app.feature", "search").propagate(true));
        let received = attribution_from(&p.extract(&HeaderExtractor(&loud))).unwrap();
        assert_eq!(received.get_session_id(), Some("s1"));
        assert_eq!(received.get_user_id(), Some("u1"));
        assert_eq!(received.get_tags().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(received.get_metadata().collect::<Vec<_>>(), [("app.feature", "search")]);
    }

    #[test]
    fn malformed_headers_carry_nothing() {
        use opentelemetry::propagation::TextMapPropagator;
        let p = w3c();
        let long = format!("k={}", "v".repeat(10_000));
        for h in [
            headers(&[("traceparent", "00-zz-00f067aa0ba902b7-01")]),
            headers(&[("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")]),
            headers(&[("traceparent", &"0".repeat(5000))]),
            headers(&[("baggage", &long)]),
            headers(&[("baggage", "=;,;==")]),
        ] {
            let cx = p.extract(&HeaderExtractor(&h));
            assert!(!cx.span().span_context().is_valid());
            assert!(attribution_from(&cx).is_none(), "{h:?}");
        }
    }
}

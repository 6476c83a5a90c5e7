//! [`tonic_interceptor`]: a tonic client interceptor that sends the current span's context.

use opentelemetry::propagation::Injector;

use super::outgoing_context;

/// A tonic client interceptor: writes the current `tracing` span's context (and the attribution
/// that asks for it, as baggage) into the request's metadata (feature `tonic`). On the server
/// side, [`ServerLayer`](super::ServerLayer) (feature `tower`) continues the trace, as a tower
/// layer of the tonic server.
///
/// No metric: an interceptor sees the request only, never the answer nor when it arrives, so it
/// cannot time the call or tell its outcome. `http.client.request.duration` would not fit either
/// (gRPC answers HTTP 200 and carries its status in trailers); the RPC conventions' duration
/// metric is the one for gRPC, and this crate does not record it yet.
///
/// ```
/// let interceptor: fn(tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> = genai_o11y::propagation::tonic_interceptor;
/// // let client = MyServiceClient::with_interceptor(channel, genai_o11y::propagation::tonic_interceptor);
/// # let _ = interceptor;
/// ```
pub fn tonic_interceptor(mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    let cx = outgoing_context(&tracing::Span::current());
    opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, &mut MetadataInjector(request.metadata_mut())));
    Ok(request)
}

/// Writes propagation fields as ASCII metadata (a name or value that is not valid metadata is
/// skipped).
struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (tonic::metadata::MetadataKey::from_bytes(key.as_bytes()), tonic::metadata::MetadataValue::try_from(value.as_str())) {
            self.0.insert(k, v);
        }
    }
}

//! The global text-map propagator that `init()` installs: W3C Trace Context and Baggage by
//! default, or what `OTEL_PROPAGATORS` (or [`Setup::propagators`](super::Setup::propagators))
//! says.

use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use super::config::{Env, Source};
use super::SetupError;
use crate::semconv::http as names;

/// A propagator of the context carried in request headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Propagator {
    /// W3C Trace Context (`traceparent`, `tracestate`).
    TraceContext,
    /// W3C Baggage (`baggage`): carries the attribution scopes that ask for it.
    Baggage,
}

/// The default of `OTEL_PROPAGATORS`.
pub(super) const DEFAULT: [Propagator; 2] = [Propagator::TraceContext, Propagator::Baggage];

/// The propagators chosen in code, else from `OTEL_PROPAGATORS` (`tracecontext`, `baggage`,
/// `none`, comma-separated; empty or unset: both).
pub(super) fn resolve(code: Option<&[Propagator]>, env: Env<'_>) -> Result<Vec<Propagator>, SetupError> {
    if let Some(list) = code {
        return Ok(list.to_vec());
    }
    let Some(value) = env(names::PROPAGATORS_ENV).filter(|v| !v.trim().is_empty()) else { return Ok(DEFAULT.to_vec()) };
    let mut out = Vec::new();
    let mut none = false;
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let p = match item.to_ascii_lowercase().as_str() {
            names::PROPAGATOR_TRACECONTEXT => Propagator::TraceContext,
            names::PROPAGATOR_BAGGAGE => Propagator::Baggage,
            names::PROPAGATOR_NONE => {
                none = true;
                continue;
            }
            _ => return Err(SetupError::UnknownPropagator { source: Source::Env(names::PROPAGATORS_ENV), value: item.to_owned() }),
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(if none { Vec::new() } else { out })
}

/// The composite propagator of `list` (empty: propagates nothing).
pub(super) fn build(list: &[Propagator]) -> TextMapCompositePropagator {
    let parts: Vec<Box<dyn TextMapPropagator + Send + Sync>> = list
        .iter()
        .map(|p| -> Box<dyn TextMapPropagator + Send + Sync> {
            match p {
                Propagator::TraceContext => Box::new(TraceContextPropagator::new()),
                Propagator::Baggage => Box::new(BaggagePropagator::new()),
            }
        })
        .collect();
    TextMapCompositePropagator::new(parts)
}

/// Installs `list` as the global text-map propagator.
pub(super) fn install(list: &[Propagator]) {
    opentelemetry::global::set_text_map_propagator(build(list));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(v: Option<&str>) -> Result<Vec<Propagator>, SetupError> {
        let v = v.map(str::to_owned);
        resolve(None, &move |k: &str| (k == "OTEL_PROPAGATORS").then(|| v.clone()).flatten())
    }

    #[test]
    fn otel_propagators() {
        assert_eq!(from(None).unwrap(), DEFAULT);
        assert_eq!(from(Some(" ")).unwrap(), DEFAULT);
        assert_eq!(from(Some("baggage")).unwrap(), [Propagator::Baggage]);
        assert_eq!(from(Some("tracecontext, TraceContext")).unwrap(), [Propagator::TraceContext]);
        assert_eq!(from(Some("none")).unwrap(), []);
        assert_eq!(from(Some("tracecontext,none")).unwrap(), []);
        let e = from(Some("tracecontext,b3")).unwrap_err();
        assert_eq!(e.to_string(), "unknown propagator \"b3\" (from OTEL_PROPAGATORS): expected `tracecontext`, `baggage` or `none`, comma-separated");
        assert_eq!(resolve(Some(&[Propagator::Baggage]), &|_: &str| Some("b3".into())).unwrap(), [Propagator::Baggage]);
    }

    #[test]
    fn the_built_propagator_carries_trace_context_and_baggage() {
        use opentelemetry::baggage::BaggageExt;
        use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
        use std::collections::HashMap;
        let sc = SpanContext::new(TraceId::from(7u128), SpanId::from(9u64), TraceFlags::SAMPLED, true, TraceState::default());
        let cx = opentelemetry::Context::new().with_remote_span_context(sc).with_baggage([opentelemetry::KeyValue::new("session.id", "s1")]);
        let mut carrier: HashMap<String, String> = HashMap::new();
        build(&DEFAULT).inject_context(&cx, &mut carrier);
        assert_eq!(carrier["traceparent"], "00-00000000000000000000000000000007-0000000000000009-01");
        assert_eq!(carrier["baggage"], "session.id=s1");
        let mut only_trace: HashMap<String, String> = HashMap::new();
        build(&[Propagator::TraceContext]).inject_context(&cx, &mut only_trace);
        assert!(!only_trace.contains_key("baggage"));
        let mut nothing: HashMap<String, String> = HashMap::new();
        build(&[]).inject_context(&cx, &mut nothing);
        assert!(nothing.is_empty());
    }
}

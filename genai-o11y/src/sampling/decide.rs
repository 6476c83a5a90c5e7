//! What a trace showed, span by span, and what it earns: a reason to be kept, or the ratio.

use std::time::Duration;

use opentelemetry::trace::{Status, TraceId};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

use super::config::OutcomeSampling;
use super::stats::Reason;
use crate::semconv::{evaluation, v1_41 as sc, vendor};

/// On the agent (and workflow) spans a guard blocked in, and on the guard span: `true`.
pub(super) const GUARD_BLOCKED: &str = "genai_o11y.guardrail.blocked";

/// What the spans of a trace showed so far.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Findings {
    error: bool,
    blocked: bool,
    low_score: bool,
    slow: bool,
    cost: f64,
}

fn value_f64(v: &Value) -> Option<f64> {
    match v {
        Value::F64(f) => Some(*f),
        Value::I64(i) => Some(*i as f64),
        _ => None,
    }
}

impl Findings {
    /// Adds what `span` shows.
    pub(super) fn add(&mut self, span: &SpanData, cfg: &OutcomeSampling) {
        if matches!(span.status, Status::Error { .. }) {
            self.error = true;
        }
        for kv in &span.attributes {
            match kv.key.as_str() {
                sc::ERROR_TYPE => self.error = true,
                vendor::COST_AMOUNT => self.cost += value_f64(&kv.value).unwrap_or(0.0),
                GUARD_BLOCKED => self.blocked |= matches!(kv.value, Value::Bool(true)),
                evaluation::SCORE_VALUE => self.low_score |= below(&kv.value, cfg.score_below),
                _ => {}
            }
        }
        if let Some(threshold) = cfg.score_below {
            let low = span
                .events
                .iter()
                .filter(|e| e.name == evaluation::EVENT)
                .flat_map(|e| e.attributes.iter())
                .any(|kv| kv.key.as_str() == evaluation::SCORE_VALUE && below(&kv.value, Some(threshold)));
            self.low_score |= low;
        }
        if let Some(limit) = cfg.slower_than {
            let took = span.end_time.duration_since(span.start_time).unwrap_or(Duration::ZERO);
            self.slow |= took > limit;
        }
    }

    /// Why the trace is kept whatever the ratio, if it is (the first reason, in this order).
    pub(super) fn reason(&self, cfg: &OutcomeSampling) -> Option<Reason> {
        if self.error {
            Some(Reason::Error)
        } else if self.blocked {
            Some(Reason::GuardBlocked)
        } else if self.low_score {
            Some(Reason::LowScore)
        } else if self.slow {
            Some(Reason::Slow)
        } else if cfg.costlier_than.is_some_and(|limit| self.cost > limit) {
            Some(Reason::Costly)
        } else {
            None
        }
    }
}

fn below(v: &Value, threshold: Option<f64>) -> bool {
    match (value_f64(v), threshold) {
        (Some(score), Some(t)) => score < t,
        _ => false,
    }
}

/// 2^56: the randomness of a W3C trace id (its lower 56 bits).
const RANDOM_RANGE: u64 = 1 << 56;

/// The rejection threshold of OpenTelemetry's consistent probability sampling for a ratio: a
/// trace is kept when its randomness is at or above it.
pub(super) fn threshold(ratio: f64) -> u64 {
    if ratio >= 1.0 {
        0
    } else if ratio <= 0.0 {
        RANDOM_RANGE
    } else {
        ((1.0 - ratio) * RANDOM_RANGE as f64).round() as u64
    }
}

/// Whether the ratio keeps this trace: the same answer in every process with the same ratio.
pub(super) fn sampled(trace: TraceId, threshold: u64) -> bool {
    let bytes = trace.to_bytes();
    let mut low = [0u8; 8];
    low[1..].copy_from_slice(&bytes[9..]);
    u64::from_be_bytes(low) >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consistent_probability() {
        assert_eq!(threshold(1.0), 0);
        assert_eq!(threshold(0.0), RANDOM_RANGE);
        assert_eq!(threshold(0.5), 1 << 55);
        let id = |low56: u64| {
            TraceId::from_bytes({
                let mut b = [0xffu8; 16];
                b[8..].copy_from_slice(&low56.to_be_bytes());
                b
            })
        };
        // Only the lower 56 bits count (byte 8 is not random in W3C ids).
        assert!(sampled(id(RANDOM_RANGE - 1), threshold(0.01)));
        assert!(!sampled(id(0), threshold(0.99)));
        assert!(sampled(id(1 << 55), threshold(0.5)) && !sampled(id((1 << 55) - 1), threshold(0.5)));
        assert!(!sampled(id(RANDOM_RANGE - 1), threshold(0.0)), "0 keeps none");
        assert!(sampled(id(0), threshold(1.0)), "1 keeps all");
        // A higher ratio keeps a superset.
        for low in [0u64, 12345, 1 << 40, (1 << 55) + 7, RANDOM_RANGE - 2] {
            if sampled(id(low), threshold(0.1)) {
                assert!(sampled(id(low), threshold(0.2)));
            }
        }
    }
}

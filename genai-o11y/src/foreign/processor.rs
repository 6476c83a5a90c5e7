//! [`ForeignSpanProcessor`]: enriches foreign GenAI spans when they end.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::Status;
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;

use super::read::Read;
use super::{Entry, Shared};
use crate::call::{CallMeta, OperationKind, Outcome, UsageSource};
use crate::pricing::CostSource;
use crate::record::Finish;
use crate::scope::Scope;
use crate::semconv::{v1_41 as sc, vendor};

/// The processor half of [`ForeignSpans`](super::ForeignSpans): at the end of a span its
/// [`ForeignLayer`](super::ForeignLayer) noted, it adds cost, rollups and metrics (see the
/// module docs), then hands the span to `inner`. Any other span costs one atomic load while no
/// foreign span is open, else one map lookup.
pub struct ForeignSpanProcessor {
    pub(super) inner: Box<dyn SpanProcessor>,
    pub(super) shared: Arc<Shared>,
}

impl fmt::Debug for ForeignSpanProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignSpanProcessor").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl SpanProcessor for ForeignSpanProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        if let Some(entry) = self.shared.take(span.span_context.span_id()) {
            enrich(&mut span, &entry);
            self.shared.enriched.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The scopes a call of the span adds to: its nearest foreign agent or workflow, and the scope
/// of this crate it started in.
fn scopes(entry: &Entry) -> impl Iterator<Item = &Arc<Scope>> {
    entry.foreign_scope.iter().chain(entry.our_scope.iter())
}

fn enrich(span: &mut SpanData, entry: &Entry) {
    super::read::typed_as_the_conventions_say(&mut span.attributes);
    if let Some(own) = &entry.own_scope {
        // A foreign agent or workflow: the totals beneath it, passed up to the foreign one above.
        span.attributes.extend(own.totals.attributes(own.kind));
        own.close();
        return;
    }
    let read = Read::new(&span.attributes);
    let Some(op) = read.operation() else { return };
    match op {
        sc::OP_CHAT | sc::OP_TEXT_COMPLETION | sc::OP_GENERATE_CONTENT | sc::OP_EMBEDDINGS => {
            let op = op.to_owned();
            inference(span, entry, op);
        }
        sc::OP_EXECUTE_TOOL => {
            for agent in scopes(entry).filter_map(|s| s.agent()) {
                agent.totals.tool_calls.fetch_add(1, Ordering::Relaxed);
            }
        }
        _ => {}
    }
}

fn inference(span: &mut SpanData, entry: &Entry, op: String) {
    let read = Read::new(&span.attributes);
    let report = read.report();
    let error = (matches!(span.status, Status::Error { .. }) || read.error_type().is_some()).then(|| crate::error::ErrorInfo {
        error_type: read.error_type().map(|t| t.to_owned()).unwrap_or_else(|| sc::ERROR_TYPE_OTHER.to_owned()).into(),
        exception_type: "".into(),
        message: None,
        safe_message: None,
    });
    let priced_already = read.has(vendor::COST_AMOUNT) || read.has(vendor::COST_UNPRICED);
    let meta = CallMeta {
        kind: OperationKind::Inference,
        operation: StringValue::from(op),
        name: None,
        provider: read.text(sc::GEN_AI_PROVIDER_NAME),
        request_model: read.text(sc::GEN_AI_REQUEST_MODEL),
        server_address: read.text(sc::SERVER_ADDRESS),
        server_port: read.int(sc::SERVER_PORT),
        tool_type: None,
        agent_name: None,
        scope: None,
        // No usage is not a missing usage: its crate may not report it.
        expects_usage: false,
        streaming: read.flag(sc::GEN_AI_REQUEST_STREAM).unwrap_or(false),
        attribution: entry.attribution.clone(),
        guard: None,
    };
    let elapsed = span.end_time.duration_since(span.start_time).map_or(0.0, |d| d.as_secs_f64());
    let usage = if report.usage.is_empty() { UsageSource::None } else { UsageSource::Owned(Box::new(report)) };
    let outcome = Outcome { usage, error, ..Outcome::default() };
    let finish = Finish::compute(&meta, &entry.instruments.settings, outcome, elapsed);
    if !priced_already {
        if let Some(c) = &finish.cost {
            span.attributes.push(KeyValue::new(vendor::COST_AMOUNT, c.amount));
            span.attributes.push(KeyValue::new(vendor::COST_CURRENCY, c.currency.clone()));
            if let CostSource::Table(v) = &c.source {
                span.attributes.push(KeyValue::new(vendor::COST_SOURCE, vendor::COST_SOURCE_TABLE));
                span.attributes.push(KeyValue::new(vendor::COST_PRICING_VERSION, v.clone()));
            } else {
                span.attributes.push(KeyValue::new(vendor::COST_SOURCE, vendor::COST_SOURCE_PROVIDER));
            }
        } else if finish.unpriced {
            span.attributes.push(KeyValue::new(vendor::COST_UNPRICED, true));
        }
    }
    for scope in scopes(entry) {
        crate::record::rollup::add_inference(scope, &finish);
    }
    if entry.metrics {
        crate::record::metrics::record(&entry.instruments, &meta, None, &finish);
    }
}

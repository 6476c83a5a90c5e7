//! [`ForeignLayer`]: notes each foreign GenAI span when it is created.

use std::fmt;
use std::sync::{Arc, OnceLock};

use opentelemetry::trace::TraceContextExt;
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::registry::LookupSpan;

use super::{is_ours, Entry, Shared};
use crate::scope::{Scope, ScopeKind};
use crate::semconv::{v1_41 as sc, workflow as wf};

/// The `tracing` layer half of [`ForeignSpans`](super::ForeignSpans): for a span another crate
/// creates with a `gen_ai.operation.name` field, it starts the OpenTelemetry span (the
/// OpenTelemetry layer would start it at its first entry) and notes, under its span id, the
/// foreign agent and the scope of this crate it runs in, and the instruments in force. It sees no
/// other span nor any event: [`ForeignCallsites`] decides once per callsite.
pub struct ForeignLayer {
    pub(super) shared: Arc<Shared>,
    /// The subscriber this layer is part of (inside a span's creation, `tracing`'s default
    /// dispatcher is not available: it is the one making the call).
    pub(super) dispatch: OnceLock<WeakDispatch>,
}

impl fmt::Debug for ForeignLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignLayer").finish_non_exhaustive()
    }
}

/// The callsites [`ForeignLayer`] sees: spans of another crate than this one that declare
/// `gen_ai.operation.name`. Decided once per callsite from its static metadata (target, fields),
/// so this crate's spans, other spans and every event cost nothing per call (and a callsite the
/// other layers disable stays disabled).
#[derive(Clone, Copy, Debug, Default)]
pub struct ForeignCallsites;

impl ForeignCallsites {
    fn wanted(meta: &Metadata<'_>) -> bool {
        meta.is_span() && !is_ours(meta.target()) && meta.fields().field(sc::GEN_AI_OPERATION_NAME).is_some()
    }
}

impl<S> Filter<S> for ForeignCallsites {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        Self::wanted(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if Self::wanted(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }
}

/// A foreign agent or workflow span's scope, in its `tracing` extensions: its descendants'
/// calls add to it.
struct ForeignScope(Arc<Scope>);

/// Reads `gen_ai.operation.name` when the span is created with it.
struct Operation(Option<String>);

impl Visit for Operation {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == sc::GEN_AI_OPERATION_NAME {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == sc::GEN_AI_OPERATION_NAME {
            self.0 = Some(format!("{value:?}").trim_matches('"').to_owned());
        }
    }
}

impl<S> tracing_subscriber::Layer<S> for ForeignLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        // Only the spans `ForeignCallsites` lets through reach here.
        let meta = attrs.metadata();
        // The OpenTelemetry span, started now (a span the OpenTelemetry layer does not export,
        // or does not record, is left alone: it never reaches the processor).
        let Some(dispatch) = self.dispatch.get().and_then(WeakDispatch::upgrade) else { return };
        let Some(cx) = tracing_opentelemetry::get_otel_context(id, &dispatch) else { return };
        let otel = cx.span();
        if !otel.is_recording() {
            return;
        }
        let span_id = otel.span_context().span_id();
        let mut op = Operation(None);
        attrs.record(&mut op);
        let Some(span) = ctx.span(id) else { return };
        // The nearest foreign agent or workflow above it (through spans of any crate).
        let foreign_scope = span.scope().skip(1).find_map(|s| s.extensions().get::<ForeignScope>().map(|f| f.0.clone()));
        let kind = match op.0.as_deref() {
            Some(sc::OP_INVOKE_AGENT) => Some(ScopeKind::Agent),
            Some(wf::OP_INVOKE_WORKFLOW) => Some(ScopeKind::Workflow),
            _ => None,
        };
        let own_scope = kind.map(|k| Scope::new(k, None, foreign_scope.clone()));
        if let Some(own) = &own_scope {
            // `replace`: a second enrichment layer in the same subscriber must not panic.
            let _ = span.extensions_mut().replace(ForeignScope(own.clone()));
        }
        let instruments = crate::instruments::current();
        let attribution = if instruments.settings.metric_attribution.is_empty() {
            crate::attribution::MetricAttrs::new()
        } else {
            let prompt = crate::attribution::CallPrompt { name: None, version: None };
            instruments.settings.metric_attribution.attrs(crate::attribution::current().as_deref(), prompt)
        };
        let metrics = self.shared.metrics && !self.shared.is_self_metered(meta.target());
        let entry = Entry { foreign_scope, our_scope: crate::scope::current(), own_scope, instruments, metrics, attribution };
        self.shared.insert(span_id, entry);
    }
}

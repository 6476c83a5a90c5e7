//! [`current`]: the annotated call whose body is running, to set after the fact what only the
//! body learns (the usage a streamed answer reports at its end, the model that served it, the
//! output, extra attributes): Langfuse's `update_current_generation`, Opik's
//! `update_current_span`, MLflow's `update_current_trace`.
//!
//! See [`current`] for where a call is current and what wins.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use opentelemetry::{Key, KeyValue};
use serde_json::Value as Json;

use super::outcome::{Outcome, UsageSource};
use crate::params::FieldValue;
use crate::usage::{HasUsage, Response};

/// At most this many extra attributes are kept per call; more are ignored (a key set again
/// replaces its value and does not count twice).
const MAX_ATTRIBUTES: usize = 128;

thread_local! {
    /// The call whose body runs on this thread.
    static CURRENT: RefCell<Option<Frame>> = const { RefCell::new(None) };
}

/// The call whose body runs on a thread: its updates, allocated the first time something asks
/// for them (a call whose body never does costs no allocation).
#[derive(Debug)]
struct Frame {
    capturing: bool,
    pending: Option<Arc<Pending>>,
}

/// A call's updates, as the call holds them: allocated on first use, by [`current`] in its body
/// (then handed back when the body's run ends) or by [`ActiveCall::updates`](crate::ActiveCall::updates).
#[derive(Debug)]
pub(crate) struct CallUpdates {
    capturing: bool,
    pending: OnceLock<Arc<Pending>>,
}

impl CallUpdates {
    pub(crate) fn new(capturing: bool) -> Self {
        CallUpdates { capturing, pending: OnceLock::new() }
    }

    /// The updates, allocated now if nothing asked for them before.
    pub(crate) fn handle(&self) -> Arc<Pending> {
        self.pending.get_or_init(|| Pending::new(self.capturing)).clone()
    }

    /// What was set, taken once (when the call ends).
    pub(crate) fn take(&self) -> Option<Box<Updates>> {
        self.pending.get().and_then(|p| p.take())
    }

    /// Makes the call current on this thread until the guard drops (then the previous one again).
    pub(crate) fn enter(&self) -> FrameGuard<'_> {
        FrameGuard::enter(Some(self), Frame { capturing: self.capturing, pending: self.pending.get().cloned() })
    }
}

/// Makes a call current on this thread until dropped, then restores the previous one; hands the
/// updates allocated meanwhile back to the call.
pub(crate) struct FrameGuard<'a> {
    call: Option<&'a CallUpdates>,
    previous: Option<Option<Frame>>,
}

impl<'a> FrameGuard<'a> {
    fn enter(call: Option<&'a CallUpdates>, frame: Frame) -> Self {
        let previous = CURRENT.try_with(|c| c.borrow_mut().replace(frame)).ok();
        FrameGuard { call, previous }
    }
}

impl Drop for FrameGuard<'_> {
    fn drop(&mut self) {
        let Some(previous) = self.previous.take() else { return };
        let ours = CURRENT.try_with(|c| std::mem::replace(&mut *c.borrow_mut(), previous)).ok().flatten();
        if let (Some(call), Some(Frame { pending: Some(p), .. })) = (self.call, ours) {
            // Allocated during this run: the call keeps it. (Only this run could have allocated
            // it: the call is not reachable elsewhere while its body runs.)
            let _ = call.pending.set(p);
        }
    }
}

/// The updates set through [`current`] on one call, applied when it ends.
#[derive(Debug)]
pub(crate) struct Pending {
    /// Content capture is on and the call's span is recorded and sampled.
    capturing: bool,
    /// `None` until something is set (nothing allocated for a call that sets nothing).
    updates: Mutex<Option<Box<Updates>>>,
}

/// What was set.
#[derive(Debug, Default)]
pub(crate) struct Updates {
    /// Usage and response metadata, as set (only the fields set are laid over the return value's).
    pub response: Option<Response>,
    /// Output content (set only when capturing).
    pub output: Option<Json>,
    /// Extra span attributes.
    pub attributes: Vec<KeyValue>,
}

impl Pending {
    pub(crate) fn new(capturing: bool) -> Arc<Self> {
        Arc::new(Pending { capturing, updates: Mutex::new(None) })
    }

    /// What was set, taken once (when the call ends).
    pub(crate) fn take(&self) -> Option<Box<Updates>> {
        self.lock().take()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Box<Updates>>> {
        // A panic while holding the lock cannot leave the updates half-written in a way that
        // matters: use them as they are.
        self.updates.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut Updates)) {
        f(self.lock().get_or_insert_with(Box::default))
    }

    fn response(&self, f: impl FnOnce(&mut Response)) {
        self.update(|u| f(u.response.get_or_insert_with(Response::default)))
    }
}

impl Updates {
    /// Lays these updates over `outcome` (the values set here win, field by field); returns the
    /// extra attributes.
    pub(crate) fn apply(self: Box<Self>, outcome: &mut Outcome<'_>) -> Vec<KeyValue> {
        let Updates { response, output, attributes } = *self;
        if let Some(set) = response {
            let mut merged = Response::default();
            if let Some(returned) = outcome.usage() {
                merged.overlay(returned);
            }
            merged.overlay(&set);
            outcome.usage = UsageSource::Owned(Box::new(merged));
        }
        if output.is_some() {
            outcome.output = output;
        }
        attributes
    }
}

/// The updates of the call current on this thread (allocated now if nothing asked for them
/// before), for [`current`] and [`crate::task::Context`].
pub(crate) fn pending() -> Option<Arc<Pending>> {
    CURRENT.try_with(|c| c.borrow_mut().as_mut().map(|f| f.pending.get_or_insert_with(|| Pending::new(f.capturing)).clone())).ok().flatten()
}

/// Makes the call whose updates these are current until the guard drops (a no-op for `None`):
/// a [`crate::task::Context`] resumed in another task or thread.
pub(crate) fn enter(pending: Option<&Arc<Pending>>) -> FrameGuard<'static> {
    match pending {
        Some(p) => FrameGuard::enter(None, Frame { capturing: p.capturing, pending: Some(p.clone()) }),
        None => FrameGuard { call: None, previous: None },
    }
}

/// The annotated call whose body is running (the innermost one), to update after the fact.
///
/// ```
/// use genai_o11y::{genai_span, Usage};
///
/// #[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
/// fn chat(prompt: &str) -> String {
///     let answer = format!("echo: {prompt}"); // a client that returns only the text
///     genai_o11y::current()
///         .usage(Usage::new().input(12).output(3))
///         .response_model("gpt-4o-2024-08-06")
///         .response_id("chatcmpl-1")
///         .finish_reasons(["stop"])
///         .output(&answer)
///         .attribute("app.retries", 0);
///     answer
/// }
/// # assert_eq!(chat("hi"), "echo: hi");
/// ```
///
/// **Where a call is current.** An [`ActiveCall`](crate::ActiveCall) makes itself current on the
/// thread while its body runs: every poll of an instrumented future, the run of a sync body, a
/// stream-returning function's body and every poll of its stream, every `next()` of an
/// instrumented iterator; restored on exit. So the call follows its future from thread to thread
/// (not the thread), and a nested call is current inside its own body only.
/// [`crate::task::Context`] (and `task::spawn`, `task::spawn_blocking`) carry it into other tasks
/// and threads; the handle itself may be moved anywhere: it updates the call it was taken in,
/// until that call ends (then nothing).
///
/// **What wins.** The values set here are laid over what the return value (or a stream's chunks)
/// reports, field by field, when the call ends: each token count, the response id, the model and
/// the finish reasons set here replace the returned ones; what is not set here is read from the
/// return value. The output set here replaces the returned output. The merged values go
/// everywhere the returned ones go: span attributes, metrics (token usage, cost from the pricing
/// table), the totals of enclosing agents, the log summary. Usage and response metadata are
/// recorded for inference calls only (as the return value's are).
///
/// Outside an annotated call, with no pipeline installed, or built with
/// `--cfg genai_o11y_disabled`, the setters do nothing.
#[inline]
pub fn current() -> CurrentCall {
    #[cfg(not(genai_o11y_disabled))]
    {
        CurrentCall(pending())
    }
    #[cfg(genai_o11y_disabled)]
    {
        CurrentCall(None)
    }
}

/// A handle on the call [`current`] found (or on none): its setters record on that call when it
/// ends. Cheap to clone, `Send` and `Sync`: it may be moved into a spawned task or thread, and
/// keeps updating the call it was taken in (until that call has ended: then nothing).
///
/// The values set here win over the return value's, field by field: see [`current`].
/// [`ActiveCall::updates`](crate::ActiveCall::updates) gives one for a call built by hand.
#[derive(Clone, Debug, Default)]
pub struct CurrentCall(Option<Arc<Pending>>);

impl CurrentCall {
    pub(crate) fn of(pending: &Arc<Pending>) -> Self {
        CurrentCall(Some(pending.clone()))
    }

    /// True inside an annotated call (whether or not its span is sampled).
    pub fn is_active(&self) -> bool {
        self.0.is_some()
    }

    /// True when content set through [`CurrentCall::output`] is captured (capture on, span
    /// recorded and sampled): build expensive content only then.
    pub fn capturing(&self) -> bool {
        self.0.as_ref().is_some_and(|p| p.capturing)
    }

    /// The token usage (a [`Usage`](crate::Usage), a [`Response`], anything [`HasUsage`]): each
    /// count it reports, and its response id, model, finish reasons and cost when it reports
    /// them, replace what the return value reports. Set again, the later counts replace the
    /// earlier ones (totals, as providers send them; never added).
    pub fn usage(&self, usage: impl HasUsage) -> &Self {
        if let Some(p) = &self.0 {
            // The report is the application's code: a panic in it costs the usage, not the app.
            let read = catch_unwind(AssertUnwindSafe(|| {
                let mut r = Response::default();
                r.overlay(&usage);
                r
            }));
            if let Ok(r) = read {
                p.response(|acc| acc.overlay(&r));
            }
        }
        self
    }

    /// `gen_ai.response.model`: the model that actually served the request.
    pub fn response_model(&self, model: impl Into<String>) -> &Self {
        if let Some(p) = &self.0 {
            let model = model.into();
            p.response(|r| r.model = Some(model));
        }
        self
    }

    /// `gen_ai.response.id`.
    pub fn response_id(&self, id: impl Into<String>) -> &Self {
        if let Some(p) = &self.0 {
            let id = id.into();
            p.response(|r| r.id = Some(id));
        }
        self
    }

    /// `gen_ai.response.finish_reasons`, one per choice, in provider order (replacing any set or
    /// returned before; an empty list changes nothing).
    pub fn finish_reasons<S: Into<String>>(&self, reasons: impl IntoIterator<Item = S>) -> &Self {
        if let Some(p) = &self.0 {
            let reasons: Vec<String> = reasons.into_iter().map(Into::into).collect();
            if !reasons.is_empty() {
                p.response(|r| r.finish_reasons = reasons);
            }
        }
        self
    }

    /// The output content: a model call's output messages (any shape the capture recognizes: a
    /// string, a provider's message or response, messages in the conventions' shape), a tool's
    /// result, an agent's answer. Serialized only when [`capturing`](CurrentCall::capturing),
    /// and then recorded like returned output (normalized, redacted, truncated, media
    /// referenced), replacing it.
    pub fn output<T: serde::Serialize + ?Sized>(&self, output: &T) -> &Self {
        if let Some(p) = self.0.as_ref().filter(|p| p.capturing) {
            if let Some(json) = crate::capture::to_json(output) {
                p.update(|u| u.output = Some(json));
            }
        }
        self
    }

    /// An extra attribute on the call's span (as the macros' `fields(...)` argument writes one at
    /// the start), written when the call ends, after the call's own attributes (so the span's
    /// attribute limit never crowds those out). At most 128 per call; a key set again replaces
    /// its value. Set usage and response metadata through their setters, not as attributes: the
    /// setters reach the metrics too.
    pub fn attribute(&self, key: impl Into<Key>, value: impl FieldValue) -> &Self {
        if let Some(p) = &self.0 {
            if let Some(value) = value.into_value() {
                let kv = KeyValue::new(key, value);
                p.update(|u| match u.attributes.iter().position(|a| a.key == kv.key) {
                    Some(i) => u.attributes[i] = kv,
                    None if u.attributes.len() < MAX_ATTRIBUTES => u.attributes.push(kv),
                    None => {}
                });
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_allocated_in_a_run_are_handed_back_to_the_call() {
        let call = CallUpdates::new(true);
        {
            let _g = call.enter();
            assert!(call.pending.get().is_none(), "nothing allocated on entry");
            current().attribute("k", 1);
        }
        assert!(current().0.is_none(), "restored");
        {
            let _g = call.enter();
            current().attribute("j", 2);
        }
        let updates = call.take().expect("kept across runs");
        assert_eq!(updates.attributes, [KeyValue::new("k", 1), KeyValue::new("j", 2)]);
    }

    #[test]
    fn nested_frames_restore_the_outer_call() {
        let (outer, inner) = (CallUpdates::new(false), CallUpdates::new(false));
        let _o = outer.enter();
        {
            let _i = inner.enter();
            current().attribute("inner", true);
        }
        current().attribute("outer", true);
        drop(_o);
        assert_eq!(inner.take().unwrap().attributes, [KeyValue::new("inner", true)]);
        assert_eq!(outer.take().unwrap().attributes, [KeyValue::new("outer", true)]);
    }

    #[test]
    fn attributes_are_bounded_and_replaced_by_key() {
        let pending = Pending::new(false);
        let handle = CurrentCall::of(&pending);
        for i in 0..1000 {
            handle.attribute(format!("k{i}"), i);
        }
        handle.attribute("k0", "again");
        let updates = pending.take().expect("something was set");
        assert_eq!(updates.attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(updates.attributes[0], KeyValue::new("k0", "again"));
        assert!(pending.take().is_none(), "taken once");
    }

    #[test]
    fn nothing_set_allocates_nothing() {
        let pending = Pending::new(true);
        let _ = CurrentCall::of(&pending).capturing();
        assert!(pending.take().is_none());
    }
}

//! [`Attribution`] (what the application says) and the merged attribution in force on this
//! thread ([`Applied`]), entered by [`Guard`] and read by the span processor, the metric recorder
//! and the propagators.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

use opentelemetry::{Array, Key, KeyValue, StringValue, Value};

use crate::params::TextParam;
use crate::semconv::attribution as names;
use crate::thread_slot::{self, Slot, SlotGuard};

/// At most this many tags and metadata entries per scope; more are ignored.
const MAX_ENTRIES: usize = 64;
/// Longer values are cut (at a character boundary) to this many bytes.
const MAX_VALUE_BYTES: usize = 1024;

/// Who or what caused the work: a session, a user, tags and metadata, written on every span that
/// starts inside [`scope`](Attribution::scope) / [`in_scope`](Attribution::in_scope).
/// See [the module](crate::attribution).
#[derive(Clone, Debug, Default)]
pub struct Attribution {
    session_id: Option<StringValue>,
    user_id: Option<StringValue>,
    tags: Vec<StringValue>,
    metadata: Vec<(Key, StringValue)>,
    propagate: Option<bool>,
}

impl Attribution {
    /// Nothing attributed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `session.id`: the conversation or session the work belongs to.
    pub fn session_id(mut self, id: impl TextParam) -> Self {
        self.session_id = id.into_text().map(bounded).or(self.session_id);
        self
    }

    /// `user.id`: the end user the work is done for (an opaque id, never an e-mail address).
    pub fn user_id(mut self, id: impl TextParam) -> Self {
        self.user_id = id.into_text().map(bounded).or(self.user_id);
        self
    }

    /// Adds one tag (`genai_o11y.tags`).
    pub fn tag(mut self, tag: impl TextParam) -> Self {
        if let Some(t) = tag.into_text().map(bounded) {
            if self.tags.len() < MAX_ENTRIES && !self.tags.contains(&t) {
                self.tags.push(t);
            }
        }
        self
    }

    /// Adds tags.
    pub fn tags<T: TextParam>(self, tags: impl IntoIterator<Item = T>) -> Self {
        tags.into_iter().fold(self, Attribution::tag)
    }

    /// Adds a metadata entry: a span attribute named `key` (e.g. `app.feature`). Keys of the
    /// GenAI and this crate's namespaces (`gen_ai.*`, `genai_o11y.*`, `otel.*`) and `session.id` /
    /// `user.id` (use their own methods) are ignored; a key given twice keeps the last value.
    pub fn metadata(mut self, key: impl Into<Key>, value: impl TextParam) -> Self {
        let key = key.into();
        if is_reserved(key.as_str()) {
            return self;
        }
        let Some(value) = value.into_text().map(bounded) else { return self };
        if let Some(slot) = self.metadata.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else if self.metadata.len() < MAX_ENTRIES {
            register_metadata_key(&key);
            self.metadata.push((key, value));
        }
        self
    }

    /// Whether [`crate::propagation::inject`] sends this attribution to other services as W3C
    /// baggage (default: no, and an inner scope that does not say keeps its parent's choice).
    pub fn propagate(mut self, on: bool) -> Self {
        self.propagate = Some(on);
        self
    }

    /// Nothing set?
    pub fn is_empty(&self) -> bool {
        self.session_id.is_none() && self.user_id.is_none() && self.tags.is_empty() && self.metadata.is_empty()
    }

    /// The attribution in force here (the merge of the scopes around this point), if any.
    pub fn current() -> Option<Attribution> {
        current().map(|a| Attribution {
            session_id: a.session_id.clone(),
            user_id: a.user_id.clone(),
            tags: a.tags.clone(),
            metadata: a.metadata.clone(),
            propagate: Some(a.propagate),
        })
    }

    /// The session id set.
    pub fn get_session_id(&self) -> Option<&str> {
        self.session_id.as_ref().map(|s| s.as_str())
    }
    /// The user id set.
    pub fn get_user_id(&self) -> Option<&str> {
        self.user_id.as_ref().map(|s| s.as_str())
    }
    /// The tags set.
    pub fn get_tags(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(|t| t.as_str())
    }
    /// The metadata set.
    pub fn get_metadata(&self) -> impl Iterator<Item = (&str, &str)> {
        self.metadata.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Wraps a future: every span that starts while it runs carries this attribution, merged
    /// with the one in force now.
    pub fn scope<F: Future>(self, fut: F) -> AttributedFuture<F> {
        AttributedFuture { inner: fut, applied: Some(self.merged_with_current()) }
    }

    /// Runs `f` inside this attribution, merged with the one in force now.
    pub fn in_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let applied = self.merged_with_current();
        let _g = Guard::enter(Some(&applied));
        f()
    }

    /// `newer` over this one (newer wins key by key; tags add up).
    pub(crate) fn merged_into(self, newer: Attribution) -> Attribution {
        let mut out = self;
        out.session_id = newer.session_id.or(out.session_id);
        out.user_id = newer.user_id.or(out.user_id);
        out.propagate = newer.propagate.or(out.propagate);
        out = newer.tags.into_iter().fold(out, Attribution::tag);
        newer.metadata.into_iter().fold(out, |a, (k, v)| a.metadata(k, v))
    }

    /// This attribution over the current one (inner wins key by key; tags add up).
    pub(crate) fn merged_with_current(self) -> Arc<Applied> {
        Arc::new(Applied::merge(current().as_deref(), self))
    }
}

/// The attribution in force: the merge of the scopes around a point, with its span attributes
/// built once.
#[derive(Debug)]
pub(crate) struct Applied {
    pub session_id: Option<StringValue>,
    pub user_id: Option<StringValue>,
    pub tags: Vec<StringValue>,
    pub metadata: Vec<(Key, StringValue)>,
    pub propagate: bool,
    /// What the span processor writes on every span started inside.
    #[cfg_attr(not(any(feature = "sdk", feature = "testing")), allow(dead_code))]
    pub span_attrs: Vec<KeyValue>,
}

impl Applied {
    pub(crate) fn merge(parent: Option<&Applied>, own: Attribution) -> Applied {
        let mut tags = parent.map(|p| p.tags.clone()).unwrap_or_default();
        for t in own.tags {
            if tags.len() < MAX_ENTRIES && !tags.contains(&t) {
                tags.push(t);
            }
        }
        let mut metadata = parent.map(|p| p.metadata.clone()).unwrap_or_default();
        for (k, v) in own.metadata {
            if let Some(slot) = metadata.iter_mut().find(|(pk, _)| *pk == k) {
                slot.1 = v;
            } else if metadata.len() < MAX_ENTRIES {
                metadata.push((k, v));
            }
        }
        let session_id = own.session_id.or_else(|| parent.and_then(|p| p.session_id.clone()));
        let user_id = own.user_id.or_else(|| parent.and_then(|p| p.user_id.clone()));
        let propagate = own.propagate.unwrap_or_else(|| parent.is_some_and(|p| p.propagate));
        let mut span_attrs = Vec::with_capacity(3 + metadata.len());
        if let Some(s) = &session_id {
            span_attrs.push(KeyValue::new(names::SESSION_ID, s.clone()));
        }
        if let Some(u) = &user_id {
            span_attrs.push(KeyValue::new(names::USER_ID, u.clone()));
        }
        if !tags.is_empty() {
            span_attrs.push(KeyValue::new(names::TAGS, Value::Array(Array::String(tags.clone()))));
        }
        span_attrs.extend(metadata.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())));
        Applied { session_id, user_id, tags, metadata, propagate, span_attrs }
    }

    /// The value of a metadata key.
    pub(crate) fn metadata_value(&self, key: &Key) -> Option<&StringValue> {
        self.metadata.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

fn is_reserved(key: &str) -> bool {
    key == names::SESSION_ID || key == names::USER_ID || names::RESERVED_PREFIXES.iter().any(|p| key.starts_with(p)) || key.is_empty()
}

fn bounded(v: StringValue) -> StringValue {
    let s = v.as_str();
    if s.len() <= MAX_VALUE_BYTES {
        return v;
    }
    let mut end = MAX_VALUE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    StringValue::from(s[..end].to_owned())
}

/// The metadata keys ever attributed in this process (at most [`MAX_KEYS`]): the dialects use
/// it to tell metadata from the span's other attributes.
static METADATA_KEYS: RwLock<Vec<Key>> = RwLock::new(Vec::new());
const MAX_KEYS: usize = 256;

fn register_metadata_key(key: &Key) {
    let known = METADATA_KEYS.read().unwrap_or_else(|p| p.into_inner()).contains(key);
    if !known {
        let mut keys = METADATA_KEYS.write().unwrap_or_else(|p| p.into_inner());
        if keys.len() < MAX_KEYS && !keys.contains(key) {
            keys.push(key.clone());
        }
    }
}

/// Was `key` ever given to [`Attribution::metadata`] in this process?
#[cfg(feature = "sdk")]
pub(crate) fn is_metadata_key(key: &str) -> bool {
    METADATA_KEYS.read().unwrap_or_else(|p| p.into_inner()).iter().any(|k| k.as_str() == key)
}

/// `f` of the keys ever given to [`Attribution::metadata`] in this process (one lock for many
/// look-ups).
#[cfg(any(feature = "sdk", feature = "testing"))]
pub(crate) fn with_metadata_keys<R>(f: impl FnOnce(&[Key]) -> R) -> R {
    f(&METADATA_KEYS.read().unwrap_or_else(|p| p.into_inner()))
}

thread_local! {
    static CURRENT: Slot<Applied> = const { RefCell::new(None) };
}

/// The attribution in force on this thread.
pub(crate) fn current() -> Option<Arc<Applied>> {
    thread_slot::get(&CURRENT)
}

/// Makes an attribution current until dropped (a no-op for `None`).
pub(crate) struct Guard {
    _slot: SlotGuard<Applied>,
}

impl Guard {
    pub(crate) fn enter(applied: Option<&Arc<Applied>>) -> Guard {
        Guard { _slot: SlotGuard::enter(&CURRENT, applied) }
    }
}

pin_project_lite::pin_project! {
    /// A future run inside an [`Attribution`] ([`Attribution::scope`]).
    #[must_use = "futures do nothing unless polled"]
    pub struct AttributedFuture<F> {
        #[pin]
        inner: F,
        applied: Option<Arc<Applied>>,
    }
}

impl<F: Future> Future for AttributedFuture<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _g = Guard::enter(this.applied.as_ref());
        this.inner.poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(a: &Applied) -> Vec<(String, String)> {
        a.span_attrs.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())).collect()
    }

    #[test]
    fn nested_scopes_merge_inner_wins_and_tags_add_up() {
        let outer = Attribution::new().session_id("s1").user_id("u1").tag("a").metadata("app.feature", "search").metadata("app.tier", "gold");
        let inner = Attribution::new().user_id("u2").tags(["b", "a"]).metadata("app.feature", "chat");
        outer.in_scope(|| {
            inner.in_scope(|| {
                let a = current().unwrap();
                assert_eq!(
                    attrs(&a),
                    [
                        ("session.id".into(), "s1".into()),
                        ("user.id".into(), "u2".into()),
                        ("genai_o11y.tags".into(), r#"["a","b"]"#.into()),
                        ("app.feature".into(), "chat".into()),
                        ("app.tier".into(), "gold".into()),
                    ]
                );
            });
            assert_eq!(current().unwrap().user_id.as_ref().unwrap().as_str(), "u1");
        });
        assert!(current().is_none());
    }

    #[test]
    fn reserved_keys_empty_values_and_bounds() {
        let long = "x".repeat(5000);
        let a = Attribution::new()
            .metadata("gen_ai.request.model", "m")
            .metadata("genai_o11y.cost.amount", "1")
            .metadata("session.id", "s")
            .metadata("", "v")
            .metadata("app.note", long.as_str())
            .session_id(None::<&str>)
            .tags((0..100).map(|i| format!("t{i}")));
        let applied = Applied::merge(None, a);
        assert_eq!(applied.metadata.len(), 1);
        assert_eq!(applied.metadata[0].1.as_str().len(), MAX_VALUE_BYTES);
        assert_eq!(applied.tags.len(), MAX_ENTRIES);
        assert!(applied.session_id.is_none());
        let multibyte = "é".repeat(1000);
        assert!(bounded(StringValue::from(multibyte)).as_str().len() <= MAX_VALUE_BYTES);
    }

    #[test]
    fn propagate_is_inherited_unless_said() {
        let on = Applied::merge(None, Attribution::new().session_id("s").propagate(true));
        assert!(Applied::merge(Some(&on), Attribution::new().user_id("u")).propagate);
        assert!(!Applied::merge(Some(&on), Attribution::new().propagate(false)).propagate);
    }

    #[test]
    fn futures_carry_the_scope_they_were_created_in() {
        let fut = Attribution::new().session_id("outer").scope(async { current().and_then(|a| a.session_id.clone()) });
        let got = futures_lite_block_on(fut);
        assert_eq!(got.unwrap().as_str(), "outer");
        assert!(current().is_none());
    }

    fn futures_lite_block_on<F: Future>(fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }
}

//! Carrying the current span (and the current agent, and the call [`crate::current`] updates)
//! into other tasks and threads.
//!
//! Within one task nothing is needed: calls made under `join!`, `join_all` or `select!` are polled
//! inside their parent and nest under it. Work that moves to another task or thread must take the
//! context along:
//!
//! ```
//! # async fn chat() {}
//! # fn work() -> u32 { 1 }
//! # async fn demo() {
//! use genai_o11y::task::Context;
//! // tokio::spawn(Context::current().wrap(chat()));           // another task
//! let ctx = Context::current();
//! std::thread::spawn(move || ctx.in_scope(work)).join().unwrap();  // a thread, spawn_blocking, rayon
//! # }
//! ```
//!
//! With the `tokio` feature, [`spawn`] and [`spawn_blocking`] do this for you.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use crate::attribution::{self, Applied, Guard as AttributionGuard};
use crate::call::{self as current_call, Pending};
use crate::scope::{self, Scope, ScopeGuard};

/// The current `tracing` span, GenAI scope (agent, rollup) and attribution, to resume elsewhere.
#[derive(Clone, Debug)]
pub struct Context {
    span: tracing::Span,
    scope: Option<Arc<Scope>>,
    attribution: Option<Arc<Applied>>,
    /// The call whose body was running ([`crate::current`]).
    call: Option<Arc<Pending>>,
}

impl Context {
    /// Captures the current span and scope.
    pub fn current() -> Self {
        Context { span: tracing::Span::current(), scope: scope::current(), attribution: attribution::current(), call: current_call::pending() }
    }

    /// The captured span.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Runs `f` with the captured span entered and the captured scope current.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _attribution = AttributionGuard::enter(self.attribution.as_ref());
        let _scope = ScopeGuard::enter(self.scope.as_ref());
        let _call = current_call::enter(self.call.as_ref());
        self.span.in_scope(f)
    }

    /// Wraps a future so that every poll runs in the captured context.
    pub fn wrap<F: Future>(self, fut: F) -> WithContext<F> {
        WithContext { inner: fut, ctx: self }
    }
}

pin_project_lite::pin_project! {
    /// A future wrapped by [`Context::wrap`].
    pub struct WithContext<F> {
        #[pin]
        inner: F,
        ctx: Context,
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _attribution = AttributionGuard::enter(this.ctx.attribution.as_ref());
        let _scope = ScopeGuard::enter(this.ctx.scope.as_ref());
        let _call = current_call::enter(this.ctx.call.as_ref());
        let _span = this.ctx.span.enter();
        this.inner.poll(cx)
    }
}

/// `tokio::spawn` in the current span and scope.
#[cfg(feature = "tokio")]
pub fn spawn<F>(fut: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(Context::current().wrap(fut))
}

/// `tokio::task::spawn_blocking` in the current span and scope.
#[cfg(feature = "tokio")]
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let ctx = Context::current();
    tokio::task::spawn_blocking(move || ctx.in_scope(f))
}

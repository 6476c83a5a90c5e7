//! [`Instrumented`]: a future whose span is entered on every poll and ends when the future
//! completes, panics or is dropped (cancelled).

use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::active::{classify_safely, ActiveCall};
use super::outcome::Outcome;
use crate::error::ErrorInfo;

impl ActiveCall {
    /// Wraps `fut`: the span is entered on every poll and ends when the future completes, panics
    /// or is dropped (cancelled). `classify` gets the output and whether capture is on.
    pub fn instrument<F, C>(self, fut: F, classify: C) -> Instrumented<F, C>
    where
        F: Future,
        C: for<'a> FnOnce(&'a F::Output, bool) -> Outcome<'a>,
    {
        Instrumented { inner: fut, call: Some(self), classify: Some(classify) }
    }
}

pin_project_lite::pin_project! {
    /// A future wrapped by [`ActiveCall::instrument`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F, C> {
        #[pin]
        inner: F,
        call: Option<ActiveCall>,
        classify: Option<C>,
    }
}

impl<F, C> Future for Instrumented<F, C>
where
    F: Future,
    C: for<'a> FnOnce(&'a F::Output, bool) -> Outcome<'a>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref().filter(|c| !c.is_dormant()) else {
            // Completed already (polling again is the inner future's business), or dormant.
            return this.inner.poll(cx);
        };
        let inner = this.inner;
        let polled = call.enter(|| catch_unwind(AssertUnwindSafe(|| inner.poll(cx))));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => {
                if let Some(call) = this.call.take() {
                    let outcome = match this.classify.take() {
                        Some(classify) => classify_safely(classify, &out, call.capturing()),
                        None => Outcome::default(),
                    };
                    call.finish(outcome);
                }
                Poll::Ready(out)
            }
            Err(payload) => {
                if let Some(call) = this.call.take() {
                    call.finish(Outcome::failure(ErrorInfo::panicked(Some(&*payload))));
                }
                resume_unwind(payload)
            }
        }
    }
}

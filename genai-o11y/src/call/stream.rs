//! Streaming responses: the span covers the whole stream, not the call that created it.
//!
//! The span ends exactly once, with a distinct outcome each time:
//! * the stream completes (`None`): success, with the usage gathered from the chunks;
//! * it yields an error item: `error.type` of that error (the item is passed on unchanged; later
//!   items pass through unrecorded);
//! * it is dropped before the end (consumer `break`, a timeout, a client disconnect), or never
//!   polled at all: `error.type = cancelled`, with whatever usage had arrived;
//! * its code panics: `error.type = panic`, and the panic continues.
//!
//! **Usage from chunks.** Providers send usage once in the last chunk (OpenAI with
//! `stream_options.include_usage`), or cumulatively (Anthropic's `message_delta`). Each count a
//! chunk reports *replaces* the count gathered so far, which is right for both: neither sends
//! deltas. Response id, model, finish reasons and provider-reported cost likewise keep their
//! latest value. A stream that ends without any usage is marked `genai_o11y.usage.missing = true`
//! and counted in `genai_o11y.client.usage.missing`, never recorded as zeros.
//!
//! **The answer.** With content capture on, each chunk's content (the chunk itself when it is
//! serializable, or what `output_messages = |chunk| ..` returns for it) is folded into a
//! [`StreamedAnswer`]: text and tool-call fragments per choice, the finish reason from the last
//! chunk. When the stream ends, fails or is dropped, the answer so far is recorded as
//! `gen_ai.output.messages`. With capture off, nothing is serialized or kept.
//!
//! **Timing.** `gen_ai.response.time_to_first_chunk` (span) and the time-to-first-chunk histogram
//! measure from the start of the call to the first chunk. The time-per-output-chunk histogram
//! measures, for each later chunk, the time spent waiting for it inside the stream, from the
//! moment the consumer asked for it: the consumer's own work between chunks is not counted, and
//! the span is entered only while the stream is polled.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::active::ActiveCall;
use super::items::{Next, Progress};
use super::outcome::Outcome;
use crate::error::ErrorInfo;
use crate::usage::Usage;

pin_project_lite::pin_project! {
    /// A stream wrapped by [`ActiveCall::instrument_stream`].
    #[must_use = "streams do nothing unless polled"]
    pub struct InstrumentedStream<S, C> {
        // First: dropped first, so a stream dropped early ends its call before the inner stream
        // is dropped.
        progress: Progress,
        #[pin]
        inner: S,
        classify: C,
    }
}

impl ActiveCall {
    /// Wraps a stream: the span stays open until the stream ends, fails or is dropped, and is
    /// entered while the stream is polled. `classify` reads each item (and whether capture is
    /// on): its usage and response metadata are gathered, an error item ends the span.
    ///
    /// ```
    /// # use genai_o11y::{GenAiSpanBuilder, Outcome, Usage};
    /// # async fn demo(chunks: impl futures_core::Stream<Item = Result<Usage, std::io::Error>>) {
    /// let stream = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o")
    ///     .stream(true)
    ///     .start()
    ///     .instrument_stream(chunks, |chunk, _capturing| Outcome::from_result(chunk));
    /// # }
    /// ```
    pub fn instrument_stream<S, C>(self, stream: S, classify: C) -> InstrumentedStream<S, C>
    where
        S: Stream,
        C: for<'a> FnMut(&'a S::Item, bool) -> Outcome<'a>,
    {
        InstrumentedStream { progress: Progress::new(self), inner: stream, classify }
    }
}

impl<S, C> Stream for InstrumentedStream<S, C>
where
    S: Stream,
    C: for<'a> FnMut(&'a S::Item, bool) -> Outcome<'a>,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let (inner, classify) = (this.inner, this.classify);
        this.progress.next(
            || inner.poll_next(cx),
            |polled| match polled {
                Poll::Pending => None,
                Poll::Ready(None) => Some(Next::End),
                Poll::Ready(Some(item)) => Some(Next::Item(item)),
            },
            |item, capturing| classify(item, capturing),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S, C> InstrumentedStream<S, C> {
    /// Tokens gathered from the chunks so far.
    pub fn usage_so_far(&self) -> Usage {
        self.progress.usage_so_far()
    }
}

/// The body of a function that returns a stream: runs inside the span (panics recorded,
/// cancellation recorded), and hands the call back with the body's output so the stream can be
/// wrapped. Used by generated code.
pub struct Body<F> {
    inner: Pin<Box<F>>,
    call: Option<ActiveCall>,
}

impl ActiveCall {
    /// Runs the body of a stream-returning async fn inside the span; hands the call back.
    pub(crate) fn run_body<F: std::future::Future>(self, fut: F) -> Body<F> {
        Body { inner: Box::pin(fut), call: Some(self) }
    }

    /// Runs the body of a stream-returning sync fn inside the span; hands the call back.
    pub(crate) fn run_sync_body<R>(self, f: impl FnOnce() -> R) -> (ActiveCall, R) {
        match self.enter(|| catch_unwind(AssertUnwindSafe(f))) {
            Ok(out) => (self, out),
            Err(payload) => {
                self.finish(Outcome::failure(ErrorInfo::panicked(Some(&*payload))));
                resume_unwind(payload)
            }
        }
    }
}

impl<F: std::future::Future> std::future::Future for Body<F> {
    type Output = (ActiveCall, F::Output);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(call) = this.call.as_ref() else {
            panic!("`Body` polled after completion");
        };
        let inner = this.inner.as_mut();
        match call.enter(|| catch_unwind(AssertUnwindSafe(|| inner.poll(cx)))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => match this.call.take() {
                Some(call) => Poll::Ready((call, out)),
                None => Poll::Pending,
            },
            Err(payload) => {
                if let Some(call) = this.call.take() {
                    call.finish(Outcome::failure(ErrorInfo::panicked(Some(&*payload))));
                }
                resume_unwind(payload)
            }
        }
    }
}

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
use std::time::Instant;

use futures_core::Stream;

use super::active::ActiveCall;
use super::meta::MetricAttrs;
use super::outcome::Outcome;
use crate::capture::StreamedAnswer;
use crate::error::ErrorInfo;
use crate::usage::{HasUsage, Response, Usage};

/// What the chunks of a stream reported so far.
#[derive(Debug, Default)]
struct Gathered {
    response: Response,
    any: bool,
    /// The streamed answer, when content is captured (`None` until a chunk brings content).
    answer: Option<StreamedAnswer>,
}

impl Gathered {
    fn merge(&mut self, chunk: &dyn HasUsage) {
        let u = chunk.usage();
        let acc = &mut self.response.usage;
        let take = |dst: &mut Option<u64>, v: Option<u64>| {
            if v.is_some() {
                *dst = v;
            }
        };
        take(&mut acc.input_tokens, u.input_tokens);
        take(&mut acc.output_tokens, u.output_tokens);
        take(&mut acc.cache_read_input_tokens, u.cache_read_input_tokens);
        take(&mut acc.cache_write_input_tokens, u.cache_write_input_tokens);
        take(&mut acc.reasoning_output_tokens, u.reasoning_output_tokens);
        for (dst, src) in [
            (&mut acc.input_by_modality, u.input_by_modality),
            (&mut acc.output_by_modality, u.output_by_modality),
            (&mut acc.cache_read_by_modality, u.cache_read_by_modality),
        ] {
            for m in crate::usage::Modality::ALL {
                if let Some(n) = src.get(m) {
                    dst.set(m, Some(n));
                }
            }
        }
        if u.input_tokens.is_some() {
            acc.input_convention = u.input_convention;
        }
        if let Some(id) = chunk.response_id() {
            self.response.id = Some(id.to_owned());
        }
        if let Some(m) = chunk.response_model() {
            self.response.model = Some(m.to_owned());
        }
        let reasons = chunk.finish_reasons();
        if !reasons.is_empty() {
            self.response.finish_reasons = reasons.into_iter().map(str::to_owned).collect();
        }
        if let Some(c) = chunk.cost() {
            self.response.cost = Some(c);
        }
        if let Some(status) = chunk.response_status() {
            self.response.status = Some(status.to_owned());
        }
        self.any = true;
    }

    fn outcome(self, error: Option<ErrorInfo>) -> Outcome<'static> {
        let mut outcome = if self.any { Outcome::with_owned_usage(self.response) } else { Outcome::success() };
        outcome.error = error;
        outcome.output = self.answer.and_then(StreamedAnswer::finish);
        outcome
    }

    fn usage(&self) -> Usage {
        self.response.usage
    }
}

pin_project_lite::pin_project! {
    /// A stream wrapped by [`ActiveCall::instrument_stream`].
    #[must_use = "streams do nothing unless polled"]
    pub struct InstrumentedStream<S, C> {
        #[pin]
        inner: S,
        call: Option<ActiveCall>,
        classify: C,
        gathered: Gathered,
        first_chunk: Option<f64>,
        waiting_since: Option<Instant>,
        chunk_attrs: Option<MetricAttrs>,
    }

    impl<S, C> PinnedDrop for InstrumentedStream<S, C> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(call) = this.call.take() {
                let error = if std::thread::panicking() { ErrorInfo::panicked(None) } else { ErrorInfo::cancelled() };
                finish(call, std::mem::take(this.gathered), *this.first_chunk, Some(error));
            }
        }
    }
}

fn finish(call: ActiveCall, gathered: Gathered, first_chunk: Option<f64>, error: Option<ErrorInfo>) {
    if let Some(t) = first_chunk {
        call.set_time_to_first_chunk(t);
    }
    call.finish(gathered.outcome(error));
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
        InstrumentedStream {
            inner: stream,
            call: Some(self),
            classify,
            gathered: Gathered::default(),
            first_chunk: None,
            waiting_since: None,
            chunk_attrs: None,
        }
    }
}

impl<S, C> Stream for InstrumentedStream<S, C>
where
    S: Stream,
    C: for<'a> FnMut(&'a S::Item, bool) -> Outcome<'a>,
{
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let mut this = self.project();
        let Some(call) = this.call.as_ref() else {
            // Finished (error item seen): pass the rest through.
            return this.inner.poll_next(cx);
        };
        if this.waiting_since.is_none() {
            *this.waiting_since = Some(Instant::now());
        }
        let inner = this.inner.as_mut();
        let polled = call.enter(|| catch_unwind(AssertUnwindSafe(|| inner.poll_next(cx))));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(None)) => {
                if let Some(call) = this.call.take() {
                    finish(call, std::mem::take(this.gathered), *this.first_chunk, None);
                }
                Poll::Ready(None)
            }
            Ok(Poll::Ready(Some(item))) => {
                let now = Instant::now();
                let waited = this.waiting_since.take().map(|t| now.duration_since(t).as_secs_f64());
                let capturing = call.capturing();
                let mut outcome = catch_unwind(AssertUnwindSafe(|| (this.classify)(&item, capturing))).unwrap_or_default();
                let error = outcome.error().cloned();
                if let Some(u) = outcome.usage() {
                    this.gathered.merge(u);
                }
                if let Some(content) = outcome.output.take() {
                    this.gathered.answer.get_or_insert_with(|| StreamedAnswer::new(call.capture_limit())).push(content);
                }
                drop(outcome);
                let attrs = this.chunk_attrs.get_or_insert_with(|| call.chunk_attrs(this.gathered.response.model.as_deref()));
                match this.first_chunk {
                    None => *this.first_chunk = Some(call.first_chunk(now, attrs)),
                    Some(_) => {
                        if let Some(w) = waited {
                            call.next_chunk(w, attrs);
                        }
                    }
                }
                if let Some(e) = error {
                    if let Some(call) = this.call.take() {
                        finish(call, std::mem::take(this.gathered), *this.first_chunk, Some(e));
                    }
                }
                Poll::Ready(Some(item))
            }
            Err(payload) => {
                if let Some(call) = this.call.take() {
                    finish(call, std::mem::take(this.gathered), *this.first_chunk, Some(ErrorInfo::panicked(Some(&*payload))));
                }
                resume_unwind(payload)
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<S, C> InstrumentedStream<S, C> {
    /// Tokens gathered from the chunks so far.
    pub fn usage_so_far(&self) -> Usage {
        self.gathered.usage()
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

//! What a call whose value arrives in items (a stream's chunks, an iterator's items) tracks
//! while they arrive: the usage and response metadata gathered, the streamed answer, the
//! timing; and how it ends. Shared by [`super::stream`] and [`super::iter`], which differ only
//! in how they ask for the next item.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::time::Instant;

use super::active::ActiveCall;
use super::meta::MetricAttrs;
use super::outcome::Outcome;
use crate::capture::StreamedAnswer;
use crate::error::ErrorInfo;
use crate::usage::{Response, Usage};

/// What the items reported so far.
#[derive(Debug, Default)]
struct Gathered {
    response: Response,
    any: bool,
    /// The streamed answer, when content is captured (`None` until an item brings content).
    answer: Option<StreamedAnswer>,
}

impl Gathered {
    fn outcome(self, error: Option<ErrorInfo>) -> Outcome<'static> {
        let mut outcome = if self.any { Outcome::with_owned_usage(self.response) } else { Outcome::success() };
        outcome.error = error;
        outcome.output = self.answer.and_then(StreamedAnswer::finish);
        outcome
    }
}

/// The call of a stream or iterator, until it ends (exactly once: see [`super::stream`]).
#[derive(Debug)]
pub(crate) struct Progress {
    call: Option<ActiveCall>,
    gathered: Gathered,
    first_chunk: Option<f64>,
    waiting_since: Option<Instant>,
    chunk_attrs: Option<MetricAttrs>,
}

/// What asking for the next item gave.
pub(crate) enum Next<T> {
    /// An item (or, for a stream, `Poll::Pending`: not an item, nothing recorded).
    Item(T),
    /// No more items.
    End,
}

impl Progress {
    pub(crate) fn new(call: ActiveCall) -> Self {
        Progress { call: Some(call), gathered: Gathered::default(), first_chunk: None, waiting_since: None, chunk_attrs: None }
    }

    /// Asks for the next item with `next` (inside the span, a panic recorded and continued),
    /// then reads the item with `classify`: its usage and metadata are gathered, its content
    /// folded into the answer, an error item ends the call. Once the call has ended, `next`
    /// runs as it is. `split` tells what `next` gave: an item, the end, or (a stream's
    /// `Pending`) neither.
    pub(crate) fn next<R, T>(
        &mut self,
        next: impl FnOnce() -> R,
        split: impl FnOnce(&R) -> Option<Next<&T>>,
        classify: impl for<'a> FnOnce(&'a T, bool) -> Outcome<'a>,
    ) -> R {
        let Some(call) = self.call.as_ref() else {
            // Ended (an error item was seen): pass the rest through.
            return next();
        };
        if self.waiting_since.is_none() {
            self.waiting_since = Some(Instant::now());
        }
        let out = match call.enter(|| catch_unwind(AssertUnwindSafe(next))) {
            Ok(out) => out,
            Err(payload) => {
                self.end(Some(ErrorInfo::panicked(Some(&*payload))));
                resume_unwind(payload)
            }
        };
        match split(&out) {
            None => {}
            Some(Next::End) => self.end(None),
            Some(Next::Item(item)) => self.item(item, classify),
        }
        out
    }

    fn item<T>(&mut self, item: &T, classify: impl for<'a> FnOnce(&'a T, bool) -> Outcome<'a>) {
        let Some(call) = self.call.as_ref() else { return };
        let now = Instant::now();
        let waited = self.waiting_since.take().map(|t| now.duration_since(t).as_secs_f64());
        let capturing = call.capturing();
        let mut outcome = catch_unwind(AssertUnwindSafe(|| classify(item, capturing))).unwrap_or_default();
        let error = outcome.error().cloned();
        if let Some(u) = outcome.usage() {
            self.gathered.response.overlay(u);
            self.gathered.any = true;
        }
        if let Some(content) = outcome.output.take() {
            self.gathered.answer.get_or_insert_with(|| StreamedAnswer::new(call.capture_limit())).push(content);
        }
        drop(outcome);
        let attrs = self.chunk_attrs.get_or_insert_with(|| call.chunk_attrs(self.gathered.response.model.as_deref()));
        match self.first_chunk {
            None => self.first_chunk = Some(call.first_chunk(now, attrs)),
            Some(_) => {
                if let Some(w) = waited {
                    call.next_chunk(w, attrs);
                }
            }
        }
        if error.is_some() {
            self.end(error);
        }
    }

    /// Ends the call (once): success without `error`.
    fn end(&mut self, error: Option<ErrorInfo>) {
        if let Some(call) = self.call.take() {
            if let Some(t) = self.first_chunk {
                call.set_time_to_first_chunk(t);
            }
            call.finish(std::mem::take(&mut self.gathered).outcome(error));
        }
    }

    /// Tokens gathered from the items so far.
    pub(crate) fn usage_so_far(&self) -> Usage {
        self.gathered.response.usage
    }
}

impl Drop for Progress {
    /// Dropped before the end: cancelled (or a panic, when dropped during unwinding), with what
    /// had arrived.
    fn drop(&mut self) {
        if self.call.is_some() {
            let error = if std::thread::panicking() { ErrorInfo::panicked(None) } else { ErrorInfo::cancelled() };
            self.end(Some(error));
        }
    }
}

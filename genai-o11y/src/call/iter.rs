//! Iterators: a sync function returning `impl Iterator<Item = T>` is instrumented like a stream
//! (see [`super::stream`]): the span lasts until the iterator is exhausted (`next()` returned
//! `None`), yields an error item, panics or is dropped; each item's usage and response metadata
//! are gathered as a stream's chunks are, its content folded into the streamed answer, and the
//! time to the first item recorded as a stream's time to first chunk. The span is entered
//! while `next()` runs. `size_hint` passes through; the wrapper is a `DoubleEndedIterator`, an
//! `ExactSizeIterator` and a `FusedIterator` when the inner iterator is.

use super::active::ActiveCall;
use super::items::{Next, Progress};
use super::outcome::Outcome;
use crate::usage::Usage;

/// An iterator wrapped by [`ActiveCall::instrument_iter`].
#[must_use = "iterators are lazy and do nothing unless consumed"]
#[derive(Debug)]
pub struct InstrumentedIter<I, C> {
    // First: dropped first, so an iterator dropped early ends its call before the inner one is
    // dropped.
    progress: Progress,
    inner: I,
    classify: C,
}

impl ActiveCall {
    /// Wraps an iterator: the span stays open until the iterator is exhausted, fails or is
    /// dropped, and is entered while `next()` runs. `classify` reads each item (and whether
    /// capture is on): its usage and response metadata are gathered, an error item ends the span.
    ///
    /// ```
    /// # use genai_o11y::{GenAiSpanBuilder, Outcome, Usage};
    /// let chunks = vec![Usage::new().input(3), Usage::new().input(3).output(5)];
    /// let items = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o")
    ///     .stream(true)
    ///     .start()
    ///     .instrument_iter(chunks.into_iter(), |chunk, _capturing| Outcome::with_usage(chunk));
    /// assert_eq!(items.count(), 2);
    /// ```
    pub fn instrument_iter<I, C>(self, iter: I, classify: C) -> InstrumentedIter<I, C>
    where
        I: Iterator,
        C: for<'a> FnMut(&'a I::Item, bool) -> Outcome<'a>,
    {
        InstrumentedIter { progress: Progress::new(self), inner: iter, classify }
    }
}

impl<I, C> Iterator for InstrumentedIter<I, C>
where
    I: Iterator,
    C: for<'a> FnMut(&'a I::Item, bool) -> Outcome<'a>,
{
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let (inner, classify) = (&mut self.inner, &mut self.classify);
        self.progress.next(
            || inner.next(),
            |next| {
                Some(match next {
                    None => Next::End,
                    Some(item) => Next::Item(item),
                })
            },
            |item, capturing| classify(item, capturing),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// Items taken from the back are items like the others.
impl<I, C> DoubleEndedIterator for InstrumentedIter<I, C>
where
    I: DoubleEndedIterator,
    C: for<'a> FnMut(&'a I::Item, bool) -> Outcome<'a>,
{
    fn next_back(&mut self) -> Option<I::Item> {
        let (inner, classify) = (&mut self.inner, &mut self.classify);
        self.progress.next(
            || inner.next_back(),
            |next| {
                Some(match next {
                    None => Next::End,
                    Some(item) => Next::Item(item),
                })
            },
            |item, capturing| classify(item, capturing),
        )
    }
}

impl<I, C> ExactSizeIterator for InstrumentedIter<I, C>
where
    I: ExactSizeIterator,
    C: for<'a> FnMut(&'a I::Item, bool) -> Outcome<'a>,
{
    fn len(&self) -> usize {
        self.inner.len()
    }
}

impl<I, C> std::iter::FusedIterator for InstrumentedIter<I, C>
where
    I: std::iter::FusedIterator,
    C: for<'a> FnMut(&'a I::Item, bool) -> Outcome<'a>,
{
}

impl<I, C> InstrumentedIter<I, C> {
    /// Tokens gathered from the items so far.
    pub fn usage_so_far(&self) -> Usage {
        self.progress.usage_so_far()
    }
}

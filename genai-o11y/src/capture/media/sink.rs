//! [`MediaSink`]: the bounded queue between the call path and the uploader.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};

use super::uploader::{Media, MediaUploader};

/// Default queue length: pieces of media waiting for the uploader.
pub const DEFAULT_QUEUE: usize = 64;
/// Default bound on the base64 bytes waiting for the uploader (128 MiB): the queue's memory,
/// whatever the size of each piece.
pub const DEFAULT_QUEUE_BYTES: usize = 128 * 1024 * 1024;

#[derive(Debug, Default)]
struct Counters {
    referenced: AtomicU64,
    uploaded: AtomicU64,
    dropped_queue_full: AtomicU64,
    failed: AtomicU64,
    warned: AtomicBool,
    /// Pieces queued, and pieces the upload thread is done with (uploaded or failed).
    queued: AtomicU64,
    processed: AtomicU64,
    /// Base64 bytes in the queue now.
    bytes_waiting: AtomicU64,
    /// Signalled by the upload thread after each piece, for [`MediaSink::flush`].
    progress: (Mutex<()>, Condvar),
}

/// What the media sink did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaStats {
    /// Pieces of media taken out of captured content and referenced.
    pub referenced: u64,
    /// Uploaded (or already there).
    pub uploaded: u64,
    /// Not uploaded: the queue was full (the reference is on the span, the bytes are not stored).
    pub dropped_queue_full: u64,
    /// The uploader failed (or panicked, or the content was not valid base64).
    pub failed: u64,
}

/// Hands media to a [`MediaUploader`] on a thread of its own, through a bounded queue: a full
/// queue drops the piece and counts it, never blocking the call. Set it on the capture settings:
/// `CaptureConfig::new(mode).media(MediaSink::new(FilesystemUploader::new("media")))`.
pub struct MediaSink {
    uploader: Arc<dyn MediaUploader>,
    queue: SyncSender<Media>,
    counters: Arc<Counters>,
    max_bytes: u64,
}

impl std::fmt::Debug for MediaSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSink").field("stats", &self.stats()).finish()
    }
}

impl MediaSink {
    /// A sink with the default queue ([`DEFAULT_QUEUE`] pieces).
    pub fn new(uploader: impl MediaUploader) -> Arc<Self> {
        Self::with_queue(uploader, DEFAULT_QUEUE)
    }

    /// A sink whose queue holds `capacity` pieces (at least one) and at most
    /// [`DEFAULT_QUEUE_BYTES`] of them.
    pub fn with_queue(uploader: impl MediaUploader, capacity: usize) -> Arc<Self> {
        Self::with_limits(uploader, capacity, DEFAULT_QUEUE_BYTES)
    }

    /// A sink whose queue holds `capacity` pieces (at least one) and `max_bytes` of base64
    /// (a piece larger than that on its own is dropped and counted).
    pub fn with_limits(uploader: impl MediaUploader, capacity: usize, max_bytes: usize) -> Arc<Self> {
        let uploader: Arc<dyn MediaUploader> = Arc::new(uploader);
        let (queue, rx) = sync_channel::<Media>(capacity.max(1));
        let counters = Arc::new(Counters::default());
        let (up, c) = (uploader.clone(), counters.clone());
        let spawned = std::thread::Builder::new().name("genai-o11y-media".into()).spawn(move || {
            for media in rx {
                let len = media.base64().len() as u64;
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| up.upload(&media)));
                match result {
                    Ok(Ok(())) => {
                        c.uploaded.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Err(e)) => failed(&c, &media, &e.to_string()),
                    Err(_) => failed(&c, &media, "the uploader panicked"),
                }
                c.bytes_waiting.fetch_sub(len, Ordering::Relaxed);
                // Counted under the lock, so that a flush checking the count under it cannot miss
                // the signal.
                let _held = c.progress.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                c.processed.fetch_add(1, Ordering::Release);
                c.progress.1.notify_all();
            }
        });
        if spawned.is_err() {
            tracing::warn!(target: "genai_o11y", "media uploads are off: the upload thread could not start");
        }
        Arc::new(MediaSink { uploader, queue, counters, max_bytes: max_bytes as u64 })
    }

    /// The URI of a piece once uploaded (the uploader's).
    pub(crate) fn uri(&self, media: &Media) -> String {
        self.uploader.uri(media)
    }

    /// Would a piece of `len` base64 bytes fit in the queue now? (Its text is copied on the call
    /// path only when it would.)
    pub(crate) fn has_room(&self, len: usize) -> bool {
        self.counters.bytes_waiting.load(Ordering::Relaxed) + len as u64 <= self.max_bytes
    }

    /// Counts a piece referenced but not queued: there was no room for its text.
    pub(crate) fn dropped(&self) {
        self.counters.referenced.fetch_add(1, Ordering::Relaxed);
        self.counters.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
    }

    /// Queues a piece; never blocks. A full queue (pieces or bytes) drops it and counts it.
    pub(crate) fn submit(&self, media: Media) {
        let c = &self.counters;
        c.referenced.fetch_add(1, Ordering::Relaxed);
        let len = media.base64().len() as u64;
        if c.bytes_waiting.fetch_add(len, Ordering::Relaxed) + len > self.max_bytes {
            c.bytes_waiting.fetch_sub(len, Ordering::Relaxed);
            c.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match self.queue.try_send(media) {
            Ok(()) => {
                c.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                c.bytes_waiting.fetch_sub(len, Ordering::Relaxed);
                c.dropped_queue_full.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Waits until the pieces queued so far are uploaded (or failed), at most `timeout`; true if
    /// they were. [`flush()`](crate::flush) and the guard's shutdown call it for the sink of the
    /// global capture settings, so a process that ends keeps its media.
    pub fn flush(&self, timeout: std::time::Duration) -> bool {
        let c = &self.counters;
        let target = c.queued.load(Ordering::Relaxed);
        let deadline = std::time::Instant::now() + timeout;
        let mut held = c.progress.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        loop {
            if c.processed.load(Ordering::Acquire) >= target {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            held = c.progress.1.wait_timeout(held, left).unwrap_or_else(std::sync::PoisonError::into_inner).0;
        }
    }

    /// The counters now.
    pub fn stats(&self) -> MediaStats {
        let c = &self.counters;
        MediaStats {
            referenced: c.referenced.load(Ordering::Relaxed),
            uploaded: c.uploaded.load(Ordering::Relaxed),
            dropped_queue_full: c.dropped_queue_full.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
        }
    }
}

fn failed(c: &Counters, media: &Media, why: &str) {
    c.failed.fetch_add(1, Ordering::Relaxed);
    if !c.warned.swap(true, Ordering::Relaxed) {
        tracing::warn!(target: "genai_o11y", media = media.id(), "media upload failed ({why}); the application is unaffected, further failures are counted (MediaSink::stats)");
    }
}

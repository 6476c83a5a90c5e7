//! Media as references: base64 content (images, audio, documents) never goes on a span beyond a
//! small inline size. After normalization and redaction, every `blob` part whose content is
//! longer than [`INLINE_MAX`] becomes the conventions' `uri` part, referencing the content by its
//! hash (`urn:genai-o11y:media:<id>`) or by the URI the configured [`MediaUploader`] gives it,
//! with its `mime_type`, `modality` and decoded `size` in bytes. The bytes themselves go to the
//! uploader, on a bounded queue served by a thread of its own: off the call path, never blocking
//! (a full queue drops and counts), an uploader's error never reaching the application (counted,
//! warned once).
//!
//! On the call path this costs a hash of the base64 text (no decoding: a fast 128-bit hash of
//! this crate's, not a cryptographic one) and a move of the string into the queue.

mod hash;
mod sink;
mod uploader;

pub use sink::{MediaSink, MediaStats, DEFAULT_QUEUE, DEFAULT_QUEUE_BYTES};
pub use uploader::{FilesystemUploader, Media, MediaUploader, UploadError};

use serde_json::{Map, Value as Json};

/// The longest base64 content kept inline, as a `blob` part (1 KiB): an icon, a short sound.
pub const INLINE_MAX: usize = 1024;
/// The URI scheme of a reference by hash, when no uploader gives one.
pub const URN_PREFIX: &str = "urn:genai-o11y:media:";

/// Replaces each long `blob` part in `v` (a normalized message list, system instructions, or
/// anything shaped like them) by a `uri` part, handing its content to `sink` when there is one.
pub(crate) fn externalize(v: &mut Json, sink: Option<&MediaSink>) {
    match v {
        Json::Array(items) => items.iter_mut().for_each(|i| externalize(i, sink)),
        Json::Object(o) => {
            if is_long_blob(o) {
                let part = std::mem::take(o);
                *o = reference(part, sink);
                return;
            }
            for (_, child) in o.iter_mut() {
                externalize(child, sink);
            }
        }
        Json::String(text) => externalize_text(text, sink),
        _ => {}
    }
}

/// Replaces each base64 data URL longer than [`INLINE_MAX`] inside a text (an agent's input
/// given as its parameters' JSON, a tool's arguments) by its reference URI.
fn externalize_text(text: &mut String, sink: Option<&MediaSink>) {
    const MARK: &str = ";base64,";
    if text.len() <= INLINE_MAX || !text.contains(MARK) {
        return;
    }
    let is_b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_');
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut changed = false;
    while let Some(i) = rest.find("data:") {
        let after = &rest[i + "data:".len()..];
        // `data:<mime>;base64,<data>`, the MIME type short and plain.
        let mime_end = after.find(MARK).filter(|&m| m <= 100 && after[..m].bytes().all(|b| b.is_ascii_alphanumeric() || b"/+.-".contains(&b)));
        let Some(m) = mime_end else {
            out.push_str(&rest[..i + "data:".len()]);
            rest = after;
            continue;
        };
        let data_at = m + MARK.len();
        let len = after.as_bytes()[data_at..].iter().take_while(|b| is_b64(b)).count();
        if len <= INLINE_MAX {
            out.push_str(&rest[..i + "data:".len() + data_at + len]);
            rest = &after[data_at + len..];
            continue;
        }
        let mime = &after[..m];
        let data = &after[data_at..data_at + len];
        let mime = (!mime.is_empty()).then_some(mime);
        let modality = match crate::capture::normalize::modality(mime, "unknown") {
            Json::String(m) => m,
            _ => "unknown".to_owned(),
        };
        let media = Media::new(hash::content_id(data.as_bytes()), mime.map(str::to_owned), modality, data.to_owned());
        out.push_str(&rest[..i]);
        out.push_str(&sink.map(|s| s.uri(&media)).unwrap_or_else(|| format!("{URN_PREFIX}{}", media.id())));
        if let Some(sink) = sink {
            sink.submit(media);
        }
        rest = &after[data_at + len..];
        changed = true;
    }
    if changed {
        out.push_str(rest);
        *text = out;
    }
}

fn is_long_blob(o: &Map<String, Json>) -> bool {
    o.get("type").and_then(Json::as_str) == Some("blob") && o.get("content").and_then(Json::as_str).is_some_and(|c| c.len() > INLINE_MAX)
}

/// The `uri` part for a long blob part.
fn reference(mut blob: Map<String, Json>, sink: Option<&MediaSink>) -> Map<String, Json> {
    let content = match blob.remove("content") {
        Some(Json::String(s)) => s,
        _ => String::new(),
    };
    let mime_type = blob.remove("mime_type").and_then(|m| m.as_str().map(str::to_owned));
    let modality = blob.remove("modality").and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_else(|| "unknown".into());
    let media = Media::new(hash::content_id(content.as_bytes()), mime_type, modality, content);
    let uri = sink.map(|s| s.uri(&media)).unwrap_or_else(|| format!("{URN_PREFIX}{}", media.id()));
    let mut part = Map::new();
    part.insert("type".into(), Json::String("uri".into()));
    part.insert("mime_type".into(), media.mime_type().map_or(Json::Null, |m| Json::String(m.to_owned())));
    part.insert("modality".into(), Json::String(media.modality().to_owned()));
    part.insert("uri".into(), Json::String(uri));
    part.insert("size".into(), Json::from(media.size()));
    // Anything else the part carried (a provider's extra field) stays.
    for (k, v) in blob {
        if k != "type" {
            part.entry(k).or_insert(v);
        }
    }
    if let Some(sink) = sink {
        sink.submit(media);
    }
    part
}

#[cfg(test)]
mod tests;

//! Media as references: base64 content (images, audio, documents) never goes on a span beyond a
//! small inline size. After normalization and redaction, every `blob` part whose content is
//! longer than [`INLINE_MAX`] becomes the conventions' `uri` part, referencing the content by its
//! hash (`urn:genai-o11y:media:<id>`) or by the URI the configured [`MediaUploader`] gives it,
//! with its `mime_type`, `modality` and decoded `size` in bytes. The bytes themselves go to the
//! uploader, on a bounded queue served by a thread of its own: off the call path, never blocking
//! (a full queue drops and counts), an uploader's error never reaching the application (counted,
//! warned once).
//!
//! On the call path this costs a hash of the base64 text (XXH3-128, no decoding; not a
//! cryptographic hash: it names content), and a copy of it only when an uploader has room for
//! it: content captured from a borrowed request is serialized by a serializer of this module's,
//! which hashes long base64 where it lies instead of copying it into the JSON value.

mod hash;
pub(crate) mod lift;
mod sink;
mod uploader;

pub use sink::{MediaSink, MediaStats, DEFAULT_QUEUE, DEFAULT_QUEUE_BYTES};
pub use uploader::{FilesystemUploader, Media, MediaUploader, UploadError};

use serde_json::{Map, Value as Json};

use lift::LiftedMedia;

/// The longest base64 content kept inline, as a `blob` part (1 KiB): an icon, a short sound.
pub const INLINE_MAX: usize = 1024;
/// The URI scheme of a reference by hash, when no uploader gives one.
pub const URN_PREFIX: &str = "urn:genai-o11y:media:";

/// The size in bytes of base64 text once decoded (from its length: exact for valid base64).
pub(crate) fn decoded_size(base64: &str) -> u64 {
    let t = base64.trim_end();
    let padding = t.bytes().rev().take_while(|b| *b == b'=').count().min(2);
    ((t.len() as u64) * 3 / 4).saturating_sub(padding as u64)
}

/// Replaces each long `blob` part in `v` (a normalized message list, system instructions, or
/// anything shaped like them) by a `uri` part, handing its content to `sink` when there is one.
/// `lifted` holds the media [`lift`] took out of the value: each placeholder becomes its piece's
/// reference, wherever it is.
pub(crate) fn externalize(v: &mut Json, sink: Option<&MediaSink>, lifted: &mut LiftedMedia) {
    match v {
        Json::Array(items) => items.iter_mut().for_each(|i| externalize(i, sink, lifted)),
        Json::Object(o) => {
            if is_long_blob(o) || is_lifted_blob(o) {
                let part = std::mem::take(o);
                *o = reference(part, sink, lifted);
                return;
            }
            for (_, child) in o.iter_mut() {
                externalize(child, sink, lifted);
            }
        }
        Json::String(text) if lift::holds_placeholder(text) => {
            let mime = crate::capture::normalize::data_url(text).map(|(m, _)| m.to_owned()).filter(|m| !m.is_empty());
            *text = lift::replace_placeholders(text, |i| lifted_reference(lifted, i, mime.clone(), None, sink).map_or_else(String::new, |(uri, _)| uri));
        }
        Json::String(text) => externalize_text(text, sink),
        _ => {}
    }
}

/// The reference URI and decoded size of lifted piece `i`, handed to the sink the first time it
/// is met (its text moved out of the table).
fn lifted_reference(lifted: &mut LiftedMedia, i: usize, mime: Option<String>, modality: Option<String>, sink: Option<&MediaSink>) -> Option<(String, u64)> {
    let piece = lifted.get_mut(i)?;
    let modality = modality.unwrap_or_else(|| modality_of(mime.as_deref()));
    let media = Media::with_size(piece.id.clone(), mime, modality, piece.base64.take(), piece.size);
    let size = media.size();
    if std::mem::replace(&mut piece.handed_over, true) {
        return Some((sink.map_or_else(|| urn(&media), |s| s.uri(&media)), size));
    }
    Some((referenced(media, sink), size))
}

/// The reference URI of a piece of media, the piece handed to the sink when there is one:
/// queued, or counted as dropped when its text was not kept (its queue had no room).
fn referenced(media: Media, sink: Option<&MediaSink>) -> String {
    let Some(sink) = sink else { return urn(&media) };
    let uri = sink.uri(&media);
    if media.base64().is_empty() {
        sink.dropped();
    } else {
        sink.submit(media);
    }
    uri
}

/// The reference by hash, when no uploader gives one.
fn urn(media: &Media) -> String {
    format!("{URN_PREFIX}{}", media.id())
}

fn modality_of(mime: Option<&str>) -> String {
    match crate::capture::normalize::modality(mime, "unknown") {
        Json::String(m) => m,
        _ => "unknown".to_owned(),
    }
}

/// Replaces each base64 data URL longer than [`INLINE_MAX`] inside a text (an agent's input
/// given as its parameters' JSON, a tool's arguments), then each bare run of encoded bytes, by
/// its reference URI.
fn externalize_text(text: &mut String, sink: Option<&MediaSink>) {
    if text.len() <= INLINE_MAX {
        return;
    }
    externalize_data_urls(text, sink);
    externalize_runs(text, sink);
}

/// Is this a character of base64 (either alphabet) other than padding?
fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Replaces each run of base64 longer than [`INLINE_MAX`] in a text (a whole string, or a value
/// inside a JSON text) that reads as encoded bytes by its reference URI: an uninterrupted run of
/// base64 characters using at least [`ENCODED_DIVERSITY`] different ones. Encoded binary data
/// (images, audio, documents, anything compressed) uses nearly all 64; words, paths, hex
/// digests and DNA sequences use far fewer, or break on other characters.
fn externalize_runs(text: &mut String, sink: Option<&MediaSink>) {
    let bytes = text.as_bytes();
    let (mut out, mut last, mut i) = (String::new(), 0, 0);
    while i < bytes.len() {
        if !is_base64_char(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_base64_char(bytes[i]) {
            i += 1;
        }
        let mut padding = 0;
        while padding < 2 && i < bytes.len() && bytes[i] == b'=' {
            (i, padding) = (i + 1, padding + 1);
        }
        if i - start <= INLINE_MAX || !reads_as_encoded(&bytes[start..i]) {
            continue;
        }
        let run = &text[start..i];
        let mime = sniffed_mime(run);
        let media = Media::new(hash::content_id(run.as_bytes()), mime.map(str::to_owned), modality_of(mime), run.to_owned());
        out.push_str(&text[last..start]);
        out.push_str(&referenced(media, sink));
        last = i;
    }
    if last > 0 {
        out.push_str(&text[last..]);
        *text = out;
    }
}

/// How many different base64 characters a run must use to read as encoded bytes: random data
/// uses all 64 within its first KiB, text rarely 40 without a space or punctuation.
pub const ENCODED_DIVERSITY: usize = 40;

/// Does a run of base64 characters use at least [`ENCODED_DIVERSITY`] different ones (looking
/// at its first 4 KiB)?
fn reads_as_encoded(run: &[u8]) -> bool {
    let mut seen = [false; 128];
    let mut distinct = 0;
    for &b in run.iter().take(4096) {
        let slot = &mut seen[usize::from(b & 0x7f)];
        if !*slot {
            *slot = true;
            distinct += 1;
            if distinct >= ENCODED_DIVERSITY {
                return true;
            }
        }
    }
    false
}

/// The MIME type of base64 content from its first bytes' signature, when it is a common one.
fn sniffed_mime(base64: &str) -> Option<&'static str> {
    [
        ("iVBORw0KGg", "image/png"),
        ("/9j/", "image/jpeg"),
        ("R0lGOD", "image/gif"),
        ("JVBERi0", "application/pdf"),
        ("T2dnUw", "audio/ogg"),
        ("SUQz", "audio/mpeg"),
    ]
    .into_iter()
    .find(|(signature, _)| base64.starts_with(signature))
    .map(|(_, mime)| mime)
}

/// Replaces each base64 data URL longer than [`INLINE_MAX`] inside a text by its reference URI.
fn externalize_data_urls(text: &mut String, sink: Option<&MediaSink>) {
    const MARK: &str = ";base64,";
    if !text.contains(MARK) {
        return;
    }
    let is_b64 = |b: &u8| is_base64_char(*b) || *b == b'=';
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
        let modality = modality_of(mime);
        let media = Media::new(hash::content_id(data.as_bytes()), mime.map(str::to_owned), modality, data.to_owned());
        out.push_str(&rest[..i]);
        out.push_str(&referenced(media, sink));
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

/// A blob part whose content is a placeholder of [`lift`].
fn is_lifted_blob(o: &Map<String, Json>) -> bool {
    o.get("type").and_then(Json::as_str) == Some("blob") && o.get("content").and_then(Json::as_str).and_then(lift::placeholder_index).is_some()
}

/// The `uri` part for a long (or lifted) blob part.
fn reference(mut blob: Map<String, Json>, sink: Option<&MediaSink>, lifted: &mut LiftedMedia) -> Map<String, Json> {
    let content = match blob.remove("content") {
        Some(Json::String(s)) => s,
        _ => String::new(),
    };
    let mime_type = blob.remove("mime_type").and_then(|m| m.as_str().map(str::to_owned));
    let modality = blob.remove("modality").and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_else(|| "unknown".into());
    let mut part = Map::new();
    part.insert("type".into(), Json::String("uri".into()));
    part.insert("mime_type".into(), mime_type.clone().map_or(Json::Null, Json::String));
    part.insert("modality".into(), Json::String(modality.clone()));
    let (uri, size) = match lift::placeholder_index(&content) {
        Some(i) => lifted_reference(lifted, i, mime_type, Some(modality), sink).unwrap_or_default(),
        None => {
            let media = Media::new(hash::content_id(content.as_bytes()), mime_type, modality, content);
            let size = media.size();
            (referenced(media, sink), size)
        }
    };
    part.insert("uri".into(), Json::String(uri));
    part.insert("size".into(), Json::from(size));
    // Anything else the part carried (a provider's extra field) stays.
    for (k, v) in blob {
        if k != "type" {
            part.entry(k).or_insert(v);
        }
    }
    part
}

#[cfg(test)]
mod tests;

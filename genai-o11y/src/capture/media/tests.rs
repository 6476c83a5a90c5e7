use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::*;

/// What one upload saw: the media id, and the decoded length or the decoding error.
type Seen = (String, Result<usize, String>);

/// Keeps what it is given.
#[derive(Clone, Default)]
struct Keep(Arc<Mutex<Vec<Seen>>>);

impl MediaUploader for Keep {
    fn uri(&self, media: &Media) -> String {
        format!("mem://{}", media.id())
    }
    fn upload(&self, media: &Media) -> Result<(), UploadError> {
        let r = media.bytes().map(|b| b.len());
        let failed = r.as_ref().err().map(|e| e.0.clone());
        self.0.lock().unwrap().push((media.id().to_owned(), r.map_err(|e| e.0)));
        match failed {
            Some(e) => Err(UploadError(e)),
            None => Ok(()),
        }
    }
}

fn wait_for(sink: &MediaSink, done: impl Fn(&MediaStats) -> bool) -> MediaStats {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let s = sink.stats();
        if done(&s) || Instant::now() > until {
            return s;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Valid base64 of `n` bytes.
fn b64(n: usize) -> String {
    let mut s = "QUJD".repeat(n / 3);
    s.truncate(n / 3 * 4);
    s
}

#[test]
fn long_blobs_become_uri_parts_short_ones_stay() {
    let keep = Keep::default();
    let sink = MediaSink::new(keep.clone());
    let long = b64(3000);
    let mut v = json!([{"role": "user", "parts": [
        {"type": "text", "content": "What is in this picture?"},
        {"type": "blob", "mime_type": "image/png", "modality": "image", "content": long},
        {"type": "blob", "mime_type": "audio/wav", "modality": "audio", "content": "UklGRg=="}
    ]}]);
    externalize(&mut v, Some(&sink));
    let parts = &v[0]["parts"];
    assert_eq!(parts[0]["type"], "text");
    assert_eq!(parts[1]["type"], "uri");
    assert_eq!(parts[1]["mime_type"], "image/png");
    assert_eq!(parts[1]["modality"], "image");
    assert_eq!(parts[1]["size"], 3000);
    let uri = parts[1]["uri"].as_str().unwrap();
    assert!(uri.starts_with("mem://xh128-"), "{uri}");
    assert!(parts[1].get("content").is_none());
    assert_eq!(parts[2]["type"], "blob", "1 KiB or less stays inline");
    let stats = wait_for(&sink, |s| s.uploaded == 1);
    assert_eq!((stats.referenced, stats.uploaded, stats.failed, stats.dropped_queue_full), (1, 1, 0, 0));
    assert_eq!(keep.0.lock().unwrap()[0].1, Ok(3000));
}

#[test]
fn without_a_sink_the_reference_is_the_hash() {
    let mut v = json!({"type": "blob", "modality": "image", "content": b64(2000)});
    externalize(&mut v, None);
    assert_eq!(v["uri"].as_str().unwrap().len(), URN_PREFIX.len() + "xh128-".len() + 32);
    assert!(v["uri"].as_str().unwrap().starts_with(URN_PREFIX));
    assert_eq!(v["mime_type"], serde_json::Value::Null, "no MIME type said: null, as the schema allows");
}

#[test]
fn hostile_content_is_referenced_counted_and_never_panics() {
    let keep = Keep::default();
    let sink = MediaSink::with_queue(keep.clone(), 8);
    // Not base64 at all: referenced on the span, the upload fails (counted).
    let mut v = json!({"type": "blob", "modality": "image", "mime_type": "image/png", "content": "!".repeat(5000)});
    externalize(&mut v, Some(&sink));
    assert_eq!(v["type"], "uri");
    let stats = wait_for(&sink, |s| s.failed == 1);
    assert_eq!(stats.failed, 1);
    // A hundred images in one message: every one referenced; the queue of 8 drops what it cannot hold.
    let parts: Vec<serde_json::Value> = (0..100).map(|i| json!({"type": "blob", "modality": "image", "content": format!("{i:04}{}", b64(1500))})).collect();
    let mut v = json!([{"role": "user", "parts": parts}]);
    externalize(&mut v, Some(&sink));
    assert!(v[0]["parts"].as_array().unwrap().iter().all(|p| p["type"] == "uri"));
    let stats = wait_for(&sink, |s| s.uploaded + s.dropped_queue_full == 100);
    assert_eq!(stats.referenced, 101);
    assert_eq!(stats.uploaded + stats.dropped_queue_full, 100);
    assert!(stats.dropped_queue_full > 0, "a queue of 8 cannot take 100 at once: {stats:?}");
}

/// Panics on every upload.
struct Explodes;

impl MediaUploader for Explodes {
    fn uri(&self, media: &Media) -> String {
        format!("x://{}", media.id())
    }
    fn upload(&self, _: &Media) -> Result<(), UploadError> {
        panic!("the uploader blew up")
    }
}

#[test]
fn an_uploader_that_panics_is_counted_and_the_sink_goes_on() {
    let sink = MediaSink::new(Explodes);
    for i in 0..3 {
        let mut v = json!({"type": "blob", "modality": "audio", "content": format!("{i}{}", b64(2000))});
        externalize(&mut v, Some(&sink));
    }
    assert_eq!(wait_for(&sink, |s| s.failed == 3).failed, 3);
}

#[test]
fn the_filesystem_uploader_writes_each_piece_once() {
    let dir = std::env::temp_dir().join(format!("genai-o11y-media-{}", std::process::id()));
    let up = FilesystemUploader::new(&dir);
    let media = Media::new("xh128-test".into(), Some("image/png".into()), "image".into(), "iVBORw0KGgo=".into());
    assert_eq!(up.uri(&media), format!("file://{}", dir.join("xh128-test.png").display()));
    up.upload(&media).unwrap();
    assert_eq!(std::fs::read(up.path_of(&media)).unwrap(), b"\x89PNG\r\n\x1a\n");
    up.upload(&media).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn base64_decoding() {
    let m = |s: &str| Media::new("x".into(), None, "image".into(), s.into());
    assert_eq!(m("aGVsbG8=").bytes().unwrap(), b"hello");
    assert_eq!(m("aGVs\nbG8").bytes().unwrap(), b"hello", "whitespace and missing padding");
    assert_eq!(m("-_8").bytes().unwrap(), vec![0xfb, 0xff], "URL-safe alphabet");
    assert!(m("aGV*bG8=").bytes().is_err());
    assert_eq!(m("aGVsbG8=").size(), 5);
}

#[test]
fn data_urls_inside_texts_become_references_too() {
    let keep = Keep::default();
    let sink = MediaSink::new(keep.clone());
    let image = b64(3000);
    let args = format!(r#"{{"question":"what is this?","image":"data:image/png;base64,{image}","icon":"data:image/png;base64,iVBORw0KGgo="}}"#);
    let mut v = json!([{"role": "user", "parts": [{"type": "text", "content": args}]}]);
    externalize(&mut v, Some(&sink));
    let text = v[0]["parts"][0]["content"].as_str().unwrap();
    assert!(text.len() < 300, "{text}");
    assert!(text.contains(r#""image":"mem://xh128-"#), "{text}");
    assert!(text.contains("data:image/png;base64,iVBORw0KGgo="), "a short one stays: {text}");
    assert!(text.contains(r#""question":"what is this?""#));
    assert_eq!(wait_for(&sink, |s| s.uploaded == 1).uploaded, 1);
    assert_eq!(keep.0.lock().unwrap()[0].1, Ok(3000));
    // Not a data URL: untouched.
    let mut plain = json!({"type": "text", "content": format!("data: {}", "x".repeat(3000))});
    let before = plain.clone();
    externalize(&mut plain, Some(&sink));
    assert_eq!(plain, before);
}

/// Takes its time over each piece.
struct Slow(Duration);

impl MediaUploader for Slow {
    fn uri(&self, media: &Media) -> String {
        format!("slow://{}", media.id())
    }
    fn upload(&self, _: &Media) -> Result<(), UploadError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

#[test]
fn flush_waits_for_the_queued_media_within_its_deadline() {
    let sink = MediaSink::new(Slow(Duration::from_millis(30)));
    for i in 0..4 {
        let mut v = json!({"type": "blob", "modality": "image", "content": format!("{i}{}", b64(2000))});
        externalize(&mut v, Some(&sink));
    }
    assert!(!sink.flush(Duration::ZERO), "four slow uploads cannot be done at once");
    assert!(sink.flush(Duration::from_secs(10)));
    assert_eq!(sink.stats().uploaded, 4, "every queued piece uploaded when flush returns");
    assert!(MediaSink::new(Keep::default()).flush(Duration::ZERO), "nothing queued: flushed at once");
}

#[test]
fn the_queue_is_bounded_in_bytes_too() {
    // Room for two pieces of ~2 KiB of base64 while the uploader sleeps on the first.
    let sink = MediaSink::with_limits(Slow(Duration::from_millis(200)), 64, 5000);
    for i in 0..5 {
        let mut v = json!({"type": "blob", "modality": "image", "content": format!("{i}{}", b64(2000))});
        externalize(&mut v, Some(&sink));
    }
    let stats = sink.stats();
    assert_eq!(stats.referenced, 5);
    assert!(stats.dropped_queue_full >= 2, "5 pieces of 2.7 KB cannot wait in 5000 bytes: {stats:?}");
    assert!(sink.flush(Duration::from_secs(10)));
    let stats = sink.stats();
    assert_eq!(stats.uploaded + stats.dropped_queue_full, 5, "{stats:?}");
    // A piece larger than the whole bound is dropped, never queued.
    let tiny = MediaSink::with_limits(Keep::default(), 64, 100);
    let mut v = json!({"type": "blob", "modality": "image", "content": b64(2000)});
    externalize(&mut v, Some(&tiny));
    assert_eq!(tiny.stats().dropped_queue_full, 1);
    assert_eq!(v["type"], "uri", "the reference stays on the span");
}

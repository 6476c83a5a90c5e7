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
    externalize(&mut v, Some(&sink), &mut Vec::new());
    let parts = &v[0]["parts"];
    assert_eq!(parts[0]["type"], "text");
    assert_eq!(parts[1]["type"], "uri");
    assert_eq!(parts[1]["mime_type"], "image/png");
    assert_eq!(parts[1]["modality"], "image");
    assert_eq!(parts[1]["size"], 3000);
    let uri = parts[1]["uri"].as_str().unwrap();
    assert!(uri.starts_with("mem://xxh3-"), "{uri}");
    assert!(parts[1].get("content").is_none());
    assert_eq!(parts[2]["type"], "blob", "1 KiB or less stays inline");
    let stats = wait_for(&sink, |s| s.uploaded == 1);
    assert_eq!((stats.referenced, stats.uploaded, stats.failed, stats.dropped_queue_full), (1, 1, 0, 0));
    assert_eq!(keep.0.lock().unwrap()[0].1, Ok(3000));
}

#[test]
fn without_a_sink_the_reference_is_the_hash() {
    let mut v = json!({"type": "blob", "modality": "image", "content": b64(2000)});
    externalize(&mut v, None, &mut Vec::new());
    assert_eq!(v["uri"].as_str().unwrap().len(), URN_PREFIX.len() + "xxh3-".len() + 32);
    assert!(v["uri"].as_str().unwrap().starts_with(URN_PREFIX));
    assert_eq!(v["mime_type"], serde_json::Value::Null, "no MIME type said: null, as the schema allows");
}

#[test]
fn hostile_content_is_referenced_counted_and_never_panics() {
    let keep = Keep::default();
    let sink = MediaSink::with_queue(keep.clone(), 8);
    // Not base64 at all: referenced on the span, the upload fails (counted).
    let mut v = json!({"type": "blob", "modality": "image", "mime_type": "image/png", "content": "!".repeat(5000)});
    externalize(&mut v, Some(&sink), &mut Vec::new());
    assert_eq!(v["type"], "uri");
    let stats = wait_for(&sink, |s| s.failed == 1);
    assert_eq!(stats.failed, 1);
    // A hundred images in one message: every one referenced; the queue of 8 drops what it cannot hold.
    let parts: Vec<serde_json::Value> = (0..100).map(|i| json!({"type": "blob", "modality": "image", "content": format!("{i:04}{}", b64(1500))})).collect();
    let mut v = json!([{"role": "user", "parts": parts}]);
    externalize(&mut v, Some(&sink), &mut Vec::new());
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
        externalize(&mut v, Some(&sink), &mut Vec::new());
    }
    assert_eq!(wait_for(&sink, |s| s.failed == 3).failed, 3);
}

#[test]
fn the_filesystem_uploader_writes_each_piece_once() {
    let dir = std::env::temp_dir().join(format!("genai-o11y-media-{}", std::process::id()));
    let up = FilesystemUploader::new(&dir);
    let media = Media::new("xxh3-test".into(), Some("image/png".into()), "image".into(), "iVBORw0KGgo=".into());
    assert_eq!(up.uri(&media), format!("file://{}", dir.join("xxh3-test.png").display()));
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
    externalize(&mut v, Some(&sink), &mut Vec::new());
    let text = v[0]["parts"][0]["content"].as_str().unwrap();
    assert!(text.len() < 300, "{text}");
    assert!(text.contains(r#""image":"mem://xxh3-"#), "{text}");
    assert!(text.contains("data:image/png;base64,iVBORw0KGgo="), "a short one stays: {text}");
    assert!(text.contains(r#""question":"what is this?""#));
    assert_eq!(wait_for(&sink, |s| s.uploaded == 1).uploaded, 1);
    assert_eq!(keep.0.lock().unwrap()[0].1, Ok(3000));
    // Not a data URL: untouched.
    let mut plain = json!({"type": "text", "content": format!("data: {}", "x".repeat(3000))});
    let before = plain.clone();
    externalize(&mut plain, Some(&sink), &mut Vec::new());
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
        externalize(&mut v, Some(&sink), &mut Vec::new());
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
        externalize(&mut v, Some(&sink), &mut Vec::new());
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
    externalize(&mut v, Some(&tiny), &mut Vec::new());
    assert_eq!(tiny.stats().dropped_queue_full, 1);
    assert_eq!(v["type"], "uri", "the reference stays on the span");
}

mod lifted {
    //! Content serialized from a borrowed value ([`lift`]) is recorded exactly as when it is
    //! serialized the plain way, its media hashed where it lies.
    use super::*;
    use crate::capture::{CaptureConfig, CaptureMode, ContentKind};
    use crate::semconv::Conventions;

    fn config(sink: Option<Arc<MediaSink>>) -> CaptureConfig {
        let c = CaptureConfig::new(CaptureMode::SpanOnly).max_length(1 << 20);
        match sink {
            Some(s) => c.media(s),
            None => c,
        }
    }

    /// Every provider shape that carries base64, with one long and one short piece each.
    fn shapes() -> Vec<(ContentKind, serde_json::Value)> {
        let (long, short) = (b64(3000), b64(30));
        vec![
            (
                ContentKind::InputMessages,
                json!([{"role": "user", "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{long}"), "detail": "high"}},
                    {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{short}")}},
                    {"type": "input_audio", "input_audio": {"data": format!("A{long}"), "format": "wav"}},
                    {"type": "file", "file": {"file_data": format!("data:application/pdf;base64,B{long}"), "filename": "a.pdf"}},
                    {"type": "file", "file": {"file_data": format!("C{long}")}}
                ]}]),
            ),
            (
                ContentKind::InputMessages,
                json!([{"role": "user", "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": format!("D{long}")}},
                    {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": short}}
                ]}]),
            ),
            (
                ContentKind::InputMessages,
                json!({"contents": [{"role": "user", "parts": [
                    {"text": "describe"}, {"inlineData": {"mimeType": "image/webp", "data": format!("E{long}")}}
                ]}]}),
            ),
            (
                ContentKind::InputMessages,
                json!({"input": [{"role": "user", "content": [
                    {"type": "input_image", "image_url": format!("data:image/gif;base64,F{long}")},
                    {"type": "input_file", "file_data": format!("data:application/pdf;base64,G{long}")}
                ]}]}),
            ),
            (
                ContentKind::OutputMessages,
                json!({"choices": [{"message": {"role": "assistant", "audio": {"id": "a1", "data": format!("H{long}"), "transcript": "hi"}}, "finish_reason": "stop"}]}),
            ),
            // Media outside any media part: a tool's result whose whole value is a data URL, and
            // a bare base64 `data` field that stays text (serialized the plain way).
            (ContentKind::ToolCallResult, json!({"screenshot": format!("data:image/png;base64,I{long}")})),
            (ContentKind::ToolCallResult, json!({"data": format!("J{long}"), "note": "not a media part"})),
            (ContentKind::InputMessages, json!([{"role": "user", "content": format!("look: data:image/png;base64,K{long}")}])),
        ]
    }

    #[test]
    fn the_record_is_the_same_as_serialized_the_plain_way() {
        for sinked in [false, true] {
            for conventions in [Conventions::V1_41, Conventions::LatestExperimental] {
                for (kind, value) in shapes() {
                    let (a, b) = (Keep::default(), Keep::default());
                    let (sa, sb) = (MediaSink::new(a.clone()), MediaSink::new(b.clone()));
                    let plain = config(sinked.then(|| sa.clone())).prepare_in(kind, value.clone(), conventions);
                    let lifted = config(sinked.then(|| sb.clone())).prepare_serialized(kind, &value, conventions);
                    assert_eq!(lifted, plain, "{kind:?} {value}");
                    let text = lifted.unwrap().0;
                    assert!(!lift::holds_placeholder(&text), "{text}");
                    if sinked {
                        assert!(sa.flush(Duration::from_secs(5)) && sb.flush(Duration::from_secs(5)));
                        let (mut ua, mut ub) = (a.0.lock().unwrap().clone(), b.0.lock().unwrap().clone());
                        ua.sort();
                        ub.sort();
                        assert_eq!(ub, ua, "the same pieces uploaded: {kind:?}");
                        assert_eq!(sb.stats(), sa.stats());
                    }
                }
            }
        }
    }

    #[test]
    fn long_base64_is_hashed_in_place_not_copied_into_the_value() {
        let long = b64(300_000);
        let req = json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{long}")}}]}]);
        let (v, pieces) = lift::to_json_lifting(&req, None).unwrap();
        assert_eq!(pieces.len(), 1);
        assert!(pieces[0].base64.is_none(), "no uploader: the text is not copied");
        assert_eq!(pieces[0].size, 300_000);
        assert!(v.to_string().len() < 200, "{v}");
        // With an uploader, the text is copied for it.
        let sink = MediaSink::new(Keep::default());
        let (_, pieces) = lift::to_json_lifting(&req, Some(&sink)).unwrap();
        assert_eq!(pieces[0].base64.as_deref(), Some(long.as_str()));
        // An uploader without room: not copied, counted as dropped, referenced all the same.
        let full = MediaSink::with_limits(Keep::default(), 64, 1000);
        let (text, _) = config(Some(full.clone())).prepare_serialized(ContentKind::InputMessages, &req, Conventions::V1_41).unwrap();
        assert!(text.contains(r#""type":"uri""#) && text.contains("mem://xxh3-"), "{text}");
        assert_eq!((full.stats().referenced, full.stats().dropped_queue_full), (1, 1));
    }

    #[test]
    fn a_redaction_hook_that_moves_the_media_never_leaks_a_placeholder() {
        let hook = |_: ContentKind, v: &mut serde_json::Value| {
            // Copies each part's content into a text of its own, then drops the parts.
            let contents: Vec<String> =
                v[0]["parts"].as_array().unwrap().iter().filter_map(|p| p.get("content").and_then(|c| c.as_str()).map(str::to_owned)).collect();
            v[0]["parts"] = json!([{"type": "text", "content": format!("moved: {}", contents.join(" | "))}]);
        };
        let req = json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{}", b64(3000))}}]}]);
        let (text, _) = config(None).redact(hook).prepare_serialized(ContentKind::InputMessages, &req, Conventions::V1_41).unwrap();
        assert!(!lift::holds_placeholder(&text), "{text}");
        assert!(text.contains("moved: urn:genai-o11y:media:xxh3-"), "{text}");
    }

    #[test]
    fn every_serde_shape_serializes_as_serde_json_makes_it() {
        // Maps with number keys, enums, tuples, options: as serde_json makes them.
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, String),
            Struct { data: String },
        }
        let value = (
            std::collections::BTreeMap::from([(1, "a"), (2, "b")]),
            vec![E::Unit, E::New(1), E::Tuple(2, "x".into()), E::Struct { data: "y".into() }],
            None::<u8>,
            Some(1.5f32),
            'c',
            f64::NAN,
        );
        assert_eq!(lift::to_json_lifting(&value, None).unwrap().0, serde_json::to_value(&value).unwrap());
    }

    /// Long base64 put in random places of random values (shaped after every provider's keys):
    /// the record is the same either way.
    #[test]
    fn random_values_record_the_same_either_way() {
        use crate::capture::normalize::tests::{random_json, Rng, KINDS};
        fn plant(v: &mut serde_json::Value, r: &mut Rng) {
            match v {
                serde_json::Value::String(s) => match r.below(4) {
                    0 => *s = format!("data:image/png;base64,{}{}", r.below(10), b64(1200)),
                    1 => *s = format!("{}{}", r.below(10), b64(1500)),
                    _ => {}
                },
                serde_json::Value::Array(items) => items.iter_mut().for_each(|i| plant(i, r)),
                serde_json::Value::Object(o) => o.values_mut().for_each(|i| plant(i, r)),
                _ => {}
            }
        }
        let mut r = Rng(0x2545_F491_4F6C_DD1D);
        let sink = MediaSink::new(Keep::default());
        let (mut lifted_somewhere, mut fell_back) = (0, 0);
        for case in 0..3000 {
            let mut v = random_json(&mut r, 5);
            plant(&mut v, &mut r);
            for kind in KINDS.into_iter().filter(|k| *k != ContentKind::PromptVariables) {
                let c = config((case % 10 == 0).then(|| sink.clone()));
                let plain = c.prepare_in(kind, v.clone(), Conventions::LatestExperimental);
                let lifted = c.prepare_serialized(kind, &v, Conventions::LatestExperimental);
                assert_eq!(lifted, plain, "case {case}, {kind:?}: {v}");
                if let Some((json, pieces)) = lift::to_json_lifting(&v, None) {
                    if !pieces.is_empty() {
                        lifted_somewhere += 1;
                        fell_back += usize::from(!lift::all_placed(&crate::capture::normalize(kind, json)));
                    }
                }
            }
        }
        assert!(
            lifted_somewhere > 1000 && fell_back > 0 && fell_back < lifted_somewhere,
            "both paths exercised: {lifted_somewhere} lifted, {fell_back} fell back"
        );
    }
}

/// Standard base64 of `n` pseudo-random bytes after `prefix` (what encoded media looks like).
fn encoded(prefix: &[u8], n: usize) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut bytes = prefix.to_vec();
    bytes.extend((0..n).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    }));
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= c.len() { A[((v >> shift) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

#[test]
fn bare_runs_of_encoded_bytes_become_references_words_paths_and_digests_do_not() {
    let keep = Keep::default();
    let sink = MediaSink::new(keep.clone());
    let png = encoded(b"\x89PNG\r\n\x1a\n", 3000);
    assert!(png.starts_with("iVBORw0KGg"));
    // Inside a JSON text (a tool's result kept as text): the run becomes the reference.
    let result = format!(r#"{{"ok":true,"image":"{png}","note":"rendered"}}"#);
    let mut v = json!({"type": "text", "content": result});
    externalize(&mut v, Some(&sink), &mut Vec::new());
    let text = v["content"].as_str().unwrap();
    assert!(text.starts_with(r#"{"ok":true,"image":"mem://xxh3-"#) && text.ends_with(r#"","note":"rendered"}"#), "{text}");
    assert_eq!(wait_for(&sink, |s| s.uploaded == 1).uploaded, 1);
    assert_eq!(keep.0.lock().unwrap()[0].1, Ok(3008), "the decoded bytes");
    // A whole string; its MIME type read from the PNG signature (the file's extension).
    let dir = std::env::temp_dir().join(format!("genai-o11y-runs-{}", std::process::id()));
    let files = MediaSink::new(FilesystemUploader::new(&dir));
    let mut v = json!({"result": png});
    externalize(&mut v, Some(&files), &mut Vec::new());
    assert!(v["result"].as_str().unwrap().ends_with(".png"), "{v}");
    assert!(files.flush(Duration::from_secs(5)));
    let _ = std::fs::remove_dir_all(&dir);
    // Not encoded bytes: a DNA sequence, a hex digest list, prose, a long path, a long
    // identifier: kept as they are.
    let path = format!("/srv/{}", "Data2024/Run7/".repeat(100));
    let ident = "getUserAccountSettingsByIdentifierV2".repeat(40);
    for s in ["ACGT".repeat(400), "0123456789abcdef".repeat(100), "the quick brown fox ".repeat(100), path, ident] {
        let mut v = json!(s.clone());
        externalize(&mut v, Some(&sink), &mut Vec::new());
        assert_eq!(v, json!(s));
    }
}

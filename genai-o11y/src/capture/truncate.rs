//! Truncation that keeps the JSON valid.

use serde_json::Value as Json;

const MARK: &str = "…[truncated]";

/// Serializes `v` to at most `max` bytes, keeping it valid JSON: long strings are shortened
/// first (longest first, on char boundaries, with a `…[truncated]` mark), then trailing array
/// elements are dropped. Returns the text and whether anything was cut.
pub fn truncate(mut v: Json, max: usize) -> (String, bool) {
    let mut text = v.to_string();
    if text.len() <= max {
        return (text, false);
    }
    // Shorten strings: repeatedly cut the longest string by the excess (bounded iterations).
    for _ in 0..64 {
        let excess = text.len().saturating_sub(max);
        if excess == 0 {
            break;
        }
        let Some(longest) = longest_string(&mut v) else { break };
        let len = longest.len();
        if len <= MARK.len() + 8 {
            break;
        }
        let keep = len.saturating_sub(excess + MARK.len()).max(8).min(len);
        let mut cut = keep;
        while cut > 0 && !longest.is_char_boundary(cut) {
            cut -= 1;
        }
        longest.truncate(cut);
        longest.push_str(MARK);
        text = v.to_string();
    }
    // Then drop trailing elements of the outermost array.
    while text.len() > max {
        match &mut v {
            Json::Array(a) if a.len() > 1 => {
                a.pop();
            }
            _ => break,
        }
        text = v.to_string();
    }
    if text.len() > max {
        // Structure alone is too large: record a valid placeholder instead of broken JSON.
        text = serde_json::json!({"truncated": true, "original_bytes": text.len()}).to_string();
    }
    (text, true)
}

fn longest_string(v: &mut Json) -> Option<&mut String> {
    fn visit<'a>(v: &'a mut Json, best: &mut Option<&'a mut String>) {
        match v {
            Json::String(s) if best.as_ref().is_none_or(|b| s.len() > b.len()) => *best = Some(s),
            Json::Array(a) => a.iter_mut().for_each(|x| visit(x, best)),
            Json::Object(o) => o.values_mut().for_each(|x| visit(x, best)),
            _ => {}
        }
    }
    let mut best = None;
    visit(v, &mut best);
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truncation_keeps_json_valid() {
        let long = "é".repeat(5000);
        let v = json!([{"role": "user", "parts": [{"type": "text", "content": long}]}]);
        let (text, cut) = truncate(v, 1000);
        assert!(cut);
        assert!(text.len() <= 1000, "{}", text.len());
        let back: Json = serde_json::from_str(&text).expect("valid JSON");
        let content = back[0]["parts"][0]["content"].as_str().unwrap();
        assert!(content.ends_with(MARK));
        // Many small messages: trailing ones dropped.
        let many: Vec<Json> = (0..500).map(|i| json!({"role": "user", "parts": [{"type": "text", "content": format!("m{i}")}]})).collect();
        let (text, cut) = truncate(Json::Array(many), 2000);
        assert!(cut && text.len() <= 2000);
        assert!(serde_json::from_str::<Json>(&text).unwrap().as_array().unwrap().len() < 500);
        let (text, cut) = truncate(json!({"a": 1}), 100);
        assert_eq!((text.as_str(), cut), ("{\"a\":1}", false));
    }
}

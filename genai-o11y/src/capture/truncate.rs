//! Truncation that keeps the JSON valid.

use serde_json::Value as Json;

const MARK: &str = "…[truncated]";

/// Strings this short are never cut.
const FLOOR: usize = 8;

/// Serializes `v` to at most `max` bytes, keeping it valid JSON: long strings are shortened
/// first (every string longer than a common cap is cut to it, on a char boundary, with a
/// `…[truncated]` mark; the cap is the largest that removes the excess, so the longest strings
/// lose the most), then trailing elements of the outermost array are dropped. Returns the text
/// and whether anything was cut. The value is serialized a handful of times at most, whatever
/// its size.
pub fn truncate(mut v: Json, max: usize) -> (String, bool) {
    let mut text = v.to_string();
    if text.len() <= max {
        return (text, false);
    }
    // A few rounds: escapes make a string's serialized length differ from its byte length.
    let mut lens = Vec::new();
    for _ in 0..4 {
        lens.clear();
        string_lengths(&v, &mut lens);
        let cap = cap_for(&mut lens, text.len() - max);
        if !cut_strings(&mut v, cap) {
            break;
        }
        text = v.to_string();
        if text.len() <= max {
            return (text, true);
        }
    }
    // Then drop trailing elements of the outermost array, from their sizes measured once.
    if let Json::Array(a) = &mut v {
        let sizes: Vec<usize> = a.iter().map(|e| e.to_string().len()).collect();
        let mut total = 2 + sizes.iter().sum::<usize>() + sizes.len().saturating_sub(1);
        while total > max && a.len() > 1 {
            a.pop();
            total -= sizes[a.len()] + 1;
        }
        text = v.to_string();
    }
    if text.len() > max {
        // Structure alone is too large: record a valid placeholder instead of broken JSON.
        text = serde_json::json!({"truncated": true, "original_bytes": text.len()}).to_string();
    }
    (text, true)
}

/// The largest cap (≥ [`FLOOR`]) whose cuts save at least `excess` bytes; [`FLOOR`] if none does.
fn cap_for(lens: &mut [usize], excess: usize) -> usize {
    let saving = |cap: usize| lens.iter().filter(|&&l| l > cap + MARK.len()).map(|&l| l - cap - MARK.len()).sum::<usize>();
    let (mut lo, mut hi) = (FLOOR, lens.iter().copied().max().unwrap_or(FLOOR).max(FLOOR));
    if saving(lo) < excess {
        return FLOOR;
    }
    // saving(lo) >= excess; find the largest such cap.
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if saving(mid) >= excess {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

fn string_lengths(v: &Json, out: &mut Vec<usize>) {
    match v {
        Json::String(s) => out.push(s.len()),
        Json::Array(a) => a.iter().for_each(|x| string_lengths(x, out)),
        Json::Object(o) => o.values().for_each(|x| string_lengths(x, out)),
        _ => {}
    }
}

/// Cuts every string longer than `cap` plus the mark; returns whether any was cut.
fn cut_strings(v: &mut Json, cap: usize) -> bool {
    match v {
        Json::String(s) if s.len() > cap + MARK.len() => {
            let mut cut = cap;
            while cut > 0 && !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str(MARK);
            true
        }
        Json::Array(a) => a.iter_mut().fold(false, |any, x| cut_strings(x, cap) | any),
        Json::Object(o) => o.values_mut().fold(false, |any, x| cut_strings(x, cap) | any),
        _ => false,
    }
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
        // Several long strings: all cut to a common length, the JSON just under the limit.
        let v = json!([{"a": "x".repeat(3000)}, {"b": "y".repeat(1000)}, {"c": "short"}]);
        let (text, cut) = truncate(v, 1200);
        assert!(cut && text.len() <= 1200 && text.len() > 1100, "{}", text.len());
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(back[0]["a"].as_str().unwrap().len(), back[1]["b"].as_str().unwrap().len());
        assert_eq!(back[2]["c"], "short");
        // Escapes count: quotes serialize to two bytes each.
        let (text, cut) = truncate(json!(["\"".repeat(4000)]), 1000);
        assert!(cut && text.len() <= 1000, "{}", text.len());
        assert!(serde_json::from_str::<Json>(&text).is_ok());
        let (text, cut) = truncate(json!({"a": 1}), 100);
        assert_eq!((text.as_str(), cut), ("{\"a\":1}", false));
    }
}

//! OpenAI's Images API (`images/generations`, `images/edits`, `images/variations`): a response
//! `{"created", "data": [{"b64_json" | "url", "revised_prompt"}], "output_format"}` is one
//! message holding each image as a `blob` part (base64, which then becomes a media reference) or
//! a `uri` part, after its revised prompt as a text part.

use serde_json::Value as Json;

use super::{blob, json_text, msg, take_string, text, url_part, Obj, Side};

/// An Images API response: `created`, and a `data` list of images.
pub(super) fn is_response(o: &Obj) -> bool {
    let image = |i: &Json| i.get("b64_json").is_some_and(Json::is_string) || i.get("url").is_some_and(Json::is_string);
    o.contains_key("created") && o.get("data").and_then(Json::as_array).is_some_and(|d| !d.is_empty() && d.iter().all(image))
}

/// The images of a response, as one message (the side's role: the assistant's, as output).
pub(super) fn response(mut o: Obj, side: Side) -> Json {
    // `png` unless the response says otherwise (gpt-image-1's `output_format`).
    let mime = match o.get("output_format").and_then(Json::as_str) {
        Some("jpg" | "jpeg") => "image/jpeg".to_owned(),
        Some(f) if !f.is_empty() => format!("image/{f}"),
        _ => "image/png".to_owned(),
    };
    let items = match o.remove("data") {
        Some(Json::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        let Json::Object(mut image) = item else { continue };
        if let Some(p) = take_string(&mut image, "revised_prompt") {
            parts.push(text(p));
        }
        match (take_string(&mut image, "b64_json"), take_string(&mut image, "url")) {
            (Some(data), _) => parts.push(blob(Some(mime.clone()), "image", data)),
            (None, Some(url)) => parts.push(url_part(url, "image", Some(mime.clone()))),
            (None, None) => {}
        }
        if !image.is_empty() {
            parts.push(json_text(&Json::Object(image)));
        }
    }
    msg(side.role(), None, parts, None)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::capture::{normalize, ContentKind};

    #[test]
    fn generated_images_are_parts_of_one_assistant_message() {
        let out = normalize(
            ContentKind::OutputMessages,
            json!({"created": 1, "output_format": "webp", "data": [
                {"b64_json": "UklGRg==", "revised_prompt": "a red fox in snow"},
                {"url": "https://img.example/2.webp"}
            ], "usage": {"input_tokens": 10}}),
        );
        assert_eq!(
            out,
            json!([{"role": "assistant", "parts": [
                {"type": "text", "content": "a red fox in snow"},
                {"type": "blob", "mime_type": "image/webp", "modality": "image", "content": "UklGRg=="},
                {"type": "uri", "mime_type": "image/webp", "modality": "image", "uri": "https://img.example/2.webp"}
            ], "finish_reason": "stop"}])
        );
        // DALL-E's responses name no format: PNG.
        let out = normalize(ContentKind::OutputMessages, json!({"created": 1, "data": [{"b64_json": "iVBORw0KGgo="}]}));
        assert_eq!(out[0]["parts"][0]["mime_type"], "image/png");
    }
}

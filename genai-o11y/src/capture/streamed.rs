//! A streamed answer put back together from its chunks, for content capture: the answer the user
//! saw, recorded as `gen_ai.output.messages` when the stream ends (or fails, or is dropped).
//!
//! Each chunk is handed over as JSON (the chunk itself when it is serializable, or what the
//! `output_messages = |chunk| ..` closure returns for it) and folded in here; nothing is kept of
//! a chunk but the text and call fragments it adds. The chunk shapes recognized, by the keys
//! present (never by the provider the call names):
//!
//! * OpenAI Chat Completions chunks `{"choices": [{"index", "delta": {"role", "content",
//!   "reasoning_content", "refusal", "tool_calls": [{"index", "id", "function": {"name",
//!   "arguments"}}]}, "finish_reason"}]}`, a `choices` array alone, one choice, or one `delta`
//!   object: text and reasoning are concatenated per choice, tool calls assembled per tool-call
//!   index (id and name from the fragment that has them, argument fragments concatenated).
//! * Responses API events: `response.output_text.delta`, `response.refusal.delta`,
//!   `response.reasoning_summary_text.delta` / `response.reasoning_text.delta`,
//!   `response.output_item.added` (a function call's id and name), `response.function_call_arguments.delta`;
//!   `response.completed` / `.incomplete` / `.failed` carry the whole response, which then
//!   replaces what the deltas built.
//! * Anthropic Messages events: `message_start`, `content_block_start` (`text`, `tool_use`,
//!   `thinking`), `content_block_delta` (`text_delta`, `input_json_delta`, `thinking_delta`),
//!   `message_delta` (`stop_reason`).
//! * Gemini `streamGenerateContent` responses `{"candidates": [{"index", "content": {"parts":
//!   [{"text"} | {"thought": true, "text"} | {"functionCall"}]}, "finishReason"}]}`.
//! * A string: text of the first choice. An array: each element in turn. A message already in
//!   the conventions' shape (`{"parts": [...]}`): its text parts appended, other parts kept.
//!
//! Anything else adds nothing (a chunk that carries only usage, a keep-alive). The text kept is
//! bounded by the capture's `max_length` (what is past it would be cut anyway): a long stream
//! costs at most that much memory, and the result is marked truncated by the usual truncation.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::normalize::{self, Obj};

/// The answer of a stream so far.
#[derive(Debug, Default)]
pub struct StreamedAnswer {
    choices: BTreeMap<u64, Choice>,
    /// A chunk that carried the whole response (Responses API `response.completed`).
    whole: Option<Json>,
    /// Bytes of text and arguments kept, against `limit`.
    kept: usize,
    limit: usize,
}

#[derive(Debug, Default)]
struct Choice {
    role: Option<String>,
    reasoning: String,
    text: String,
    /// Tool calls by their index in the stream (OpenAI's tool-call index, Anthropic's block
    /// index, the Responses API's output index).
    calls: BTreeMap<u64, ToolCall>,
    /// Complete parts that arrived whole (a Gemini function call, a conventions-shaped part).
    parts: Vec<Json>,
    finish_reason: Option<String>,
}

#[derive(Debug, Default)]
struct ToolCall {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
    /// Arguments that arrived whole (Anthropic's `tool_use.input`, a Gemini `functionCall.args`).
    whole_arguments: Option<Json>,
}

fn index_of(o: &Obj, key: &str) -> Option<u64> {
    o.get(key).and_then(Json::as_u64)
}

fn str_of<'a>(o: &'a Obj, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Json::as_str)
}

impl StreamedAnswer {
    /// An empty answer that keeps at most `limit` bytes of text and arguments.
    pub fn new(limit: usize) -> Self {
        StreamedAnswer { limit, ..StreamedAnswer::default() }
    }

    /// True when nothing has been gathered.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty() && self.whole.is_none()
    }

    /// Appends `s` to `dst`, within the limit (cut at a character boundary). Once a piece has
    /// been cut, nothing more is kept (`kept` is then the limit).
    fn append(kept: &mut usize, limit: usize, dst: &mut String, s: &str) {
        let room = limit.saturating_sub(*kept);
        if room == 0 || s.is_empty() {
            return;
        }
        if s.len() <= room {
            dst.push_str(s);
            *kept += s.len();
            return;
        }
        let mut end = room;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        dst.push_str(&s[..end]);
        *kept = limit;
    }

    fn choice(&mut self, index: u64) -> &mut Choice {
        self.choices.entry(index).or_default()
    }

    fn text(&mut self, index: u64, s: &str) {
        let (kept, limit) = (&mut self.kept, self.limit);
        let c = self.choices.entry(index).or_default();
        Self::append(kept, limit, &mut c.text, s);
    }

    fn reasoning(&mut self, index: u64, s: &str) {
        let (kept, limit) = (&mut self.kept, self.limit);
        let c = self.choices.entry(index).or_default();
        Self::append(kept, limit, &mut c.reasoning, s);
    }

    fn call_fragment(&mut self, choice: u64, call: u64, id: Option<&str>, name: Option<&str>, arguments: Option<&str>) {
        let (kept, limit) = (&mut self.kept, self.limit);
        let c = self.choices.entry(choice).or_default().calls.entry(call).or_default();
        if let Some(id) = id.filter(|s| !s.is_empty()) {
            c.id = Some(id.to_owned());
        }
        if let Some(name) = name.filter(|s| !s.is_empty()) {
            c.name.get_or_insert_with(String::new).push_str(name);
        }
        if let Some(a) = arguments {
            Self::append(kept, limit, &mut c.arguments, a);
        }
    }

    fn finish_reason(&mut self, index: u64, reason: &Json) {
        if let Some(r) = normalize::finish_reason(reason) {
            self.choice(index).finish_reason = Some(r);
        }
    }

    /// Folds one chunk in (see the module documentation for the shapes).
    pub fn push(&mut self, chunk: Json) {
        match chunk {
            Json::String(s) => self.text(0, &s),
            Json::Array(items) => items.into_iter().for_each(|i| self.push(i)),
            Json::Object(o) => self.object(o),
            _ => {}
        }
    }

    fn object(&mut self, mut o: Obj) {
        if let Some(Json::Array(choices)) = o.remove("choices") {
            for (n, c) in choices.into_iter().enumerate() {
                if let Json::Object(c) = c {
                    self.openai_choice(c, n as u64);
                }
            }
            return;
        }
        if let Some(Json::Array(candidates)) = o.remove("candidates") {
            for (n, c) in candidates.into_iter().enumerate() {
                if let Json::Object(c) = c {
                    self.gemini_candidate(c, n as u64);
                }
            }
            return;
        }
        if let Some(t) = str_of(&o, "type").map(str::to_owned) {
            if self.event(&t, &mut o) {
                return;
            }
        }
        if o.get("delta").is_some_and(Json::is_object) || o.get("message").is_some_and(Json::is_object) {
            let index = index_of(&o, "index").unwrap_or(0);
            self.openai_choice(o, index);
        } else if o.get("parts").is_some_and(Json::is_array) {
            self.conventions_message(o);
        } else if ["content", "tool_calls", "reasoning_content", "refusal"].iter().any(|k| o.contains_key(*k)) {
            self.openai_delta(0, o);
        }
    }

    /// One choice of a Chat Completions chunk (`delta`), or of a whole response (`message`).
    fn openai_choice(&mut self, mut c: Obj, position: u64) {
        let index = index_of(&c, "index").unwrap_or(position);
        match c.remove("delta").or_else(|| c.remove("message")) {
            Some(Json::Object(d)) => self.openai_delta(index, d),
            _ => {
                self.choice(index);
            }
        }
        if let Some(r) = c.get("finish_reason").filter(|r| !r.is_null()) {
            self.finish_reason(index, r);
        }
    }

    fn openai_delta(&mut self, index: u64, mut d: Obj) {
        if let Some(r) = str_of(&d, "role") {
            self.choice(index).role = Some(r.to_owned());
        } else {
            self.choice(index);
        }
        match d.remove("content") {
            Some(Json::String(s)) => self.text(index, &s),
            // Content parts in a delta (rare): their text.
            Some(Json::Array(parts)) => {
                for p in parts {
                    if let Some(t) = p.get("text").and_then(Json::as_str) {
                        self.text(index, t);
                    }
                }
            }
            _ => {}
        }
        if let Some(s) = str_of(&d, "refusal") {
            let s = s.to_owned();
            self.text(index, &s);
        }
        for key in ["reasoning_content", "reasoning"] {
            if let Some(s) = str_of(&d, key) {
                let s = s.to_owned();
                self.reasoning(index, &s);
            }
        }
        if let Some(Json::Array(calls)) = d.remove("tool_calls") {
            for (n, call) in calls.into_iter().enumerate() {
                let Json::Object(call) = call else { continue };
                let at = index_of(&call, "index").unwrap_or(n as u64);
                let f = call.get("function").and_then(Json::as_object);
                self.call_fragment(index, at, str_of(&call, "id"), f.and_then(|f| str_of(f, "name")), f.and_then(|f| str_of(f, "arguments")));
            }
        }
    }

    /// A Responses API or Anthropic event; false when `t` is neither.
    fn event(&mut self, t: &str, o: &mut Obj) -> bool {
        let block = index_of(o, "index").or_else(|| index_of(o, "output_index")).unwrap_or(0);
        match t {
            // Responses API.
            "response.output_text.delta" | "response.refusal.delta" => {
                if let Some(d) = str_of(o, "delta").map(str::to_owned) {
                    self.text(0, &d);
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                if let Some(d) = str_of(o, "delta").map(str::to_owned) {
                    self.reasoning(0, &d);
                }
            }
            "response.output_item.added" => {
                if let Some(item) = o.get("item").and_then(Json::as_object) {
                    if str_of(item, "type") == Some("function_call") {
                        let (id, name) = (str_of(item, "call_id").map(str::to_owned), str_of(item, "name").map(str::to_owned));
                        self.call_fragment(0, block, id.as_deref(), name.as_deref(), None);
                    }
                }
            }
            "response.function_call_arguments.delta" => {
                if let Some(d) = str_of(o, "delta").map(str::to_owned) {
                    self.call_fragment(0, block, None, None, Some(&d));
                }
            }
            "response.completed" | "response.incomplete" | "response.failed" => {
                if let Some(r) = o.remove("response").filter(Json::is_object) {
                    self.whole = Some(r);
                }
            }
            t if t.starts_with("response.") => {}
            // Anthropic Messages.
            "message_start" => {
                let role = o.get("message").and_then(|m| m.get("role")).and_then(Json::as_str).map(str::to_owned);
                self.choice(0).role = role;
            }
            "content_block_start" => {
                let Some(b) = o.get("content_block").and_then(Json::as_object) else { return true };
                match str_of(b, "type") {
                    Some("text") => {
                        if let Some(s) = str_of(b, "text").map(str::to_owned) {
                            self.text(0, &s);
                        }
                    }
                    Some("thinking") => {
                        if let Some(s) = str_of(b, "thinking").map(str::to_owned) {
                            self.reasoning(0, &s);
                        }
                    }
                    Some("tool_use") | Some("server_tool_use") => {
                        let (id, name) = (str_of(b, "id").map(str::to_owned), str_of(b, "name").map(str::to_owned));
                        let input = b.get("input").filter(|i| i.as_object().is_some_and(|m| !m.is_empty())).cloned();
                        self.call_fragment(0, block, id.as_deref(), name.as_deref(), None);
                        if let Some(input) = input {
                            self.choice(0).calls.entry(block).or_default().whole_arguments = Some(input);
                        }
                    }
                    _ => {}
                }
            }
            "content_block_delta" => {
                let Some(d) = o.get("delta").and_then(Json::as_object) else { return true };
                match str_of(d, "type") {
                    Some("text_delta") => {
                        if let Some(s) = str_of(d, "text").map(str::to_owned) {
                            self.text(0, &s);
                        }
                    }
                    Some("thinking_delta") => {
                        if let Some(s) = str_of(d, "thinking").map(str::to_owned) {
                            self.reasoning(0, &s);
                        }
                    }
                    Some("input_json_delta") => {
                        if let Some(s) = str_of(d, "partial_json").map(str::to_owned) {
                            self.call_fragment(0, block, None, None, Some(&s));
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(r) = o.get("delta").and_then(|d| d.get("stop_reason")).filter(|r| !r.is_null()).cloned() {
                    self.finish_reason(0, &r);
                }
            }
            "content_block_stop" | "message_stop" | "ping" => {}
            _ => return false,
        }
        true
    }

    /// One Gemini candidate: text and thoughts appended, function calls kept whole.
    fn gemini_candidate(&mut self, c: Obj, position: u64) {
        let index = index_of(&c, "index").unwrap_or(position);
        self.choice(index);
        if let Some(parts) = c.get("content").and_then(|c| c.get("parts")).and_then(Json::as_array) {
            for p in parts {
                let Some(p) = p.as_object() else { continue };
                let thought = p.get("thought").and_then(Json::as_bool).unwrap_or(false);
                if let Some(t) = str_of(p, "text") {
                    let t = t.to_owned();
                    if thought {
                        self.reasoning(index, &t);
                    } else {
                        self.text(index, &t);
                    }
                } else if let Some(f) = p.get("functionCall").or_else(|| p.get("function_call")).and_then(Json::as_object) {
                    let calls = &mut self.choice(index).calls;
                    let at = calls.len() as u64;
                    let call = calls.entry(at).or_default();
                    call.id = str_of(f, "id").map(str::to_owned);
                    call.name = str_of(f, "name").map(str::to_owned);
                    call.whole_arguments = f.get("args").cloned();
                }
            }
        }
        if let Some(r) = c.get("finishReason").or_else(|| c.get("finish_reason")).filter(|r| !r.is_null()) {
            self.finish_reason(index, r);
        }
    }

    /// A message already in the conventions' shape: its text parts appended, others kept whole.
    fn conventions_message(&mut self, mut m: Obj) {
        if let Some(r) = str_of(&m, "role") {
            self.choice(0).role = Some(r.to_owned());
        }
        if let Some(Json::Array(parts)) = m.remove("parts") {
            for p in parts {
                match (p.get("type").and_then(Json::as_str), p.get("content").and_then(Json::as_str)) {
                    (Some("text"), Some(t)) => {
                        let t = t.to_owned();
                        self.text(0, &t);
                    }
                    (Some("reasoning"), Some(t)) => {
                        let t = t.to_owned();
                        self.reasoning(0, &t);
                    }
                    _ => self.choice(0).parts.push(p),
                }
            }
        }
        if let Some(r) = m.get("finish_reason").filter(|r| !r.is_null()).cloned() {
            self.finish_reason(0, &r);
        }
    }

    /// The answer, as output messages in the conventions' shape (one per choice), or the whole
    /// response a chunk carried. `None` when no chunk added anything.
    pub fn finish(self) -> Option<Json> {
        if let Some(whole) = self.whole {
            return Some(whole);
        }
        if self.choices.is_empty() {
            return None;
        }
        let messages = self.choices.into_values().map(Choice::message).collect();
        Some(Json::Array(messages))
    }
}

impl Choice {
    fn message(self) -> Json {
        let mut parts = Vec::new();
        if !self.reasoning.is_empty() {
            parts.push(serde_json::json!({ "type": "reasoning", "content": self.reasoning }));
        }
        if !self.text.is_empty() {
            parts.push(serde_json::json!({ "type": "text", "content": self.text }));
        }
        parts.extend(self.parts);
        let has_calls = !self.calls.is_empty();
        for call in self.calls.into_values() {
            let arguments = match (call.whole_arguments, call.arguments.is_empty()) {
                (Some(a), true) => a,
                (_, false) => super::normalize::tools::parse_json_text(call.arguments),
                (None, true) => Json::Object(Map::new()),
            };
            let mut p = Obj::new();
            p.insert("type".into(), "tool_call".into());
            if let Some(id) = call.id {
                p.insert("id".into(), id.into());
            }
            p.insert("name".into(), call.name.unwrap_or_default().into());
            p.insert("arguments".into(), arguments);
            parts.push(Json::Object(p));
        }
        let finish = self.finish_reason.unwrap_or_else(|| if has_calls { "tool_call" } else { normalize::FALLBACK_FINISH_REASON }.to_owned());
        let mut m = Obj::new();
        m.insert("role".into(), self.role.unwrap_or_else(|| "assistant".to_owned()).into());
        m.insert("parts".into(), Json::Array(parts));
        m.insert("finish_reason".into(), finish.into());
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fold(chunks: Vec<Json>) -> Json {
        let mut a = StreamedAnswer::new(16 * 1024);
        chunks.into_iter().for_each(|c| a.push(c));
        a.finish().expect("something gathered")
    }

    #[test]
    fn openai_chunks_with_text_and_a_tool_call_in_fragments() {
        let out = fold(vec![
            json!({"id": "c1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]}),
            json!({"id": "c1", "choices": [{"index": 0, "delta": {"content": "Let me "}, "finish_reason": null}]}),
            json!({"id": "c1", "choices": [{"index": 0, "delta": {"content": "check."}, "finish_reason": null}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}}]}),
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
            json!({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 5}}),
        ]);
        assert_eq!(
            out,
            json!([{"role": "assistant", "parts": [
                {"type": "text", "content": "Let me check."},
                {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {"city": "Paris"}}
            ], "finish_reason": "tool_call"}])
        );
    }

    #[test]
    fn two_choices_stay_apart_and_a_choices_array_alone_is_read() {
        let out = fold(vec![
            json!([{"index": 1, "delta": {"content": "B"}}, {"index": 0, "delta": {"content": "A"}}]),
            json!([{"index": 0, "delta": {"content": "a"}, "finish_reason": "stop"}, {"index": 1, "delta": {"content": "b"}, "finish_reason": "length"}]),
        ]);
        assert_eq!(out[0]["parts"][0]["content"], "Aa");
        assert_eq!(out[1]["parts"][0]["content"], "Bb");
        assert_eq!(out[0]["finish_reason"], "stop");
        assert_eq!(out[1]["finish_reason"], "length");
    }

    #[test]
    fn anthropic_events() {
        let out = fold(vec![
            json!({"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": []}}),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hmm"}}),
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hi"}}),
            json!({"type": "content_block_start", "index": 2, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "search", "input": {}}}),
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"q\": \"x\"}"}}),
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}}),
            json!({"type": "message_stop"}),
        ]);
        assert_eq!(
            out,
            json!([{"role": "assistant", "parts": [
                {"type": "reasoning", "content": "hmm"},
                {"type": "text", "content": "Hi"},
                {"type": "tool_call", "id": "toolu_1", "name": "search", "arguments": {"q": "x"}}
            ], "finish_reason": "tool_call"}])
        );
    }

    #[test]
    fn responses_events_then_the_completed_response_wins() {
        let mut a = StreamedAnswer::new(1024);
        a.push(json!({"type": "response.output_text.delta", "output_index": 0, "delta": "Hel"}));
        a.push(json!({"type": "response.output_text.delta", "output_index": 0, "delta": "lo"}));
        let partial = StreamedAnswer { whole: None, ..std::mem::take(&mut a) }.finish().unwrap();
        assert_eq!(partial[0]["parts"][0]["content"], "Hello");
        let mut a = StreamedAnswer::new(1024);
        a.push(json!({"type": "response.output_text.delta", "delta": "Hello"}));
        let response = json!({"object": "response", "status": "completed", "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello"}]}]});
        a.push(json!({"type": "response.completed", "response": response.clone()}));
        assert_eq!(a.finish(), Some(response));
    }

    #[test]
    fn gemini_candidates() {
        let out = fold(vec![
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Par"}]}, "index": 0}]}),
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "is"}, {"functionCall": {"name": "book", "args": {"n": 2}}}]}, "finishReason": "STOP", "index": 0}]}),
        ]);
        assert_eq!(out[0]["parts"][0], json!({"type": "text", "content": "Paris"}));
        assert_eq!(out[0]["parts"][1], json!({"type": "tool_call", "name": "book", "arguments": {"n": 2}}));
        assert_eq!(out[0]["finish_reason"], "stop");
    }

    #[test]
    fn strings_and_the_limit() {
        let mut a = StreamedAnswer::new(5);
        for s in ["ab", "cd", "éf", "gh"] {
            a.push(json!(s));
        }
        // 5 bytes at most, cut at a character boundary ("é" is two bytes).
        assert_eq!(a.finish().unwrap()[0]["parts"][0]["content"], "abcd");
    }

    #[test]
    fn nothing_recognized_is_nothing() {
        let mut a = StreamedAnswer::new(100);
        a.push(json!({"usage": {"prompt_tokens": 1}}));
        a.push(json!(42));
        a.push(json!({"type": "ping"}));
        assert!(a.is_empty());
        assert_eq!(a.finish(), None);
    }
}

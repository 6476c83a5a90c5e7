// `#[derive(HasUsage)]`: fields by name, explicit roles, any integer type, nesting, enums,
// generics, `skip`, `input_excludes_cache`.
#![allow(dead_code)]

use genai_o11y::{HasUsage, InputTokens, Usage};

// OpenAI style, every integer type.
#[derive(HasUsage)]
struct AllNames {
    id: String,
    model: Option<String>,
    finish_reasons: Vec<String>,
    prompt_tokens: u8,
    completion_tokens: u16,
    cached_tokens: u32,
    cache_creation_input_tokens: u64,
    reasoning_tokens: usize,
}

#[derive(HasUsage)]
struct SignedAndOptional {
    input_tokens: i32,
    output_tokens: Option<u64>,
    cache_read_input_tokens: Option<i64>,
    stop_reason: &'static str,
}

// Explicit roles on fields with other names.
#[derive(HasUsage)]
struct Roles {
    #[usage(input_tokens)]
    tokens_in: u32,
    #[usage(output_tokens)]
    tokens_out: u32,
    #[usage(cache_read)]
    hits: Option<u32>,
    #[usage(cache_write)]
    writes: u32,
    #[usage(reasoning)]
    thinking: u32,
    #[usage(response_id)]
    request_id: String,
    #[usage(response_model)]
    served_by: String,
    #[usage(finish_reasons)]
    reasons: Vec<&'static str>,
    #[usage(skip)]
    input_tokens: String,
    other: String,
}

// Anthropic style: input excludes the cache.
#[derive(HasUsage)]
#[usage(input_excludes_cache)]
struct AnthropicUsage {
    input_tokens: u32,
    output_tokens: u32,
    cache_read_input_tokens: Option<u32>,
    cache_creation_input_tokens: Option<u32>,
}

// Nested: a `usage` field by name, `#[usage(nested)]` by role.
#[derive(HasUsage)]
struct Message {
    id: String,
    model: String,
    stop_reason: Option<String>,
    usage: AnthropicUsage,
}

#[derive(HasUsage)]
struct WithUsageValue {
    usage: Usage,
}

#[derive(HasUsage)]
struct Envelope {
    #[usage(nested)]
    inner: Message,
    // Own counts win over the nested ones.
    #[usage(output_tokens)]
    corrected_output: u32,
}

#[derive(HasUsage)]
struct OptionalNested {
    usage: Option<Usage>,
}

// Generic: the nested field's type gets a `HasUsage` bound.
#[derive(HasUsage)]
struct Page<T, U> {
    items: Vec<T>,
    #[usage(nested)]
    inner: U,
}

// A generic token field needs the `TokenCount` bound spelled out.
#[derive(HasUsage)]
struct Counted<N: genai_o11y::TokenCount> {
    #[usage(input_tokens)]
    n: N,
}

// Enums: named and tuple variants with roles, unit variants.
#[derive(HasUsage)]
enum Reply {
    Text { id: String, prompt_tokens: u32, completion_tokens: u32 },
    Tool(#[usage(input_tokens)] u32, #[usage(output_tokens)] u64, #[usage(response_id)] String),
    Nested(#[usage(nested)] Message),
    Empty,
}

fn main() {
    let a = AllNames {
        id: "i".into(),
        model: Some("m".into()),
        finish_reasons: vec!["stop".into(), "length".into()],
        prompt_tokens: 1,
        completion_tokens: 2,
        cached_tokens: 3,
        cache_creation_input_tokens: 4,
        reasoning_tokens: 5,
    };
    assert_eq!(a.usage(), Usage::new().input(1).output(2).cache_read(3).cache_write(4).reasoning(5));
    assert_eq!(a.response_id(), Some("i"));
    assert_eq!(a.response_model(), Some("m"));
    assert_eq!(a.finish_reasons(), ["stop", "length"]);

    let s = SignedAndOptional { input_tokens: -1, output_tokens: Some(2), cache_read_input_tokens: None, stop_reason: "end_turn" };
    assert_eq!(s.usage(), Usage::new().output(2));
    assert_eq!(s.finish_reasons(), ["end_turn"]);

    let r = Roles {
        tokens_in: 1,
        tokens_out: 2,
        hits: None,
        writes: 3,
        thinking: 4,
        request_id: "req".into(),
        served_by: "m2".into(),
        reasons: vec!["stop"],
        input_tokens: "ignored".into(),
        other: String::new(),
    };
    assert_eq!(r.usage(), Usage::new().input(1).output(2).cache_write(3).reasoning(4));
    assert_eq!(r.response_id(), Some("req"));
    assert_eq!(r.response_model(), Some("m2"));

    let m = Message {
        id: "msg".into(),
        model: "claude".into(),
        stop_reason: Some("end_turn".into()),
        usage: AnthropicUsage { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: Some(5), cache_creation_input_tokens: None },
    };
    assert_eq!(m.usage().input_convention, InputTokens::ExcludesCache);
    assert_eq!(m.usage().spec_input_tokens(), Some(15));
    assert_eq!(m.response_id(), Some("msg"));

    assert_eq!(WithUsageValue { usage: Usage::new().input(3) }.usage().input_tokens, Some(3));
    let e = Envelope { inner: m, corrected_output: 7 };
    assert_eq!(e.usage().output_tokens, Some(7));
    assert_eq!(e.usage().input_tokens, Some(10));
    assert_eq!(e.response_id(), Some("msg"));
    assert_eq!(OptionalNested { usage: None }.usage(), Usage::new());

    let p = Page { items: vec![1, 2], inner: Usage::new().output(9) };
    assert_eq!(p.usage().output_tokens, Some(9));
    assert_eq!(Counted { n: 4u16 }.usage().input_tokens, Some(4));

    let t = Reply::Tool(1, 2, "call".into());
    assert_eq!(t.usage(), Usage::new().input(1).output(2));
    assert_eq!(t.response_id(), Some("call"));
    let x = Reply::Text { id: "t".into(), prompt_tokens: 3, completion_tokens: 4 };
    assert_eq!(x.usage(), Usage::new().input(3).output(4));
    assert_eq!(Reply::Empty.usage(), Usage::new());
    assert_eq!(Reply::Empty.response_id(), None);
}

//! Argument parsing and validation. Every mistake is a `syn::Error` spanned at the offending
//! token, listing the valid choices.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

/// Which macro is being expanded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MacroKind {
    Span,
    Tool,
    Agent,
}

impl MacroKind {
    pub fn attr_name(self) -> &'static str {
        match self {
            MacroKind::Span => "genai_span",
            MacroKind::Tool => "genai_tool",
            MacroKind::Agent => "genai_agent",
        }
    }

    /// The keys this macro accepts, in the order they are listed in error messages.
    fn keys(self) -> &'static [&'static str] {
        match self {
            MacroKind::Span => &[
                "operation",
                "provider",
                "model",
                "name",
                "temperature",
                "max_tokens",
                "top_p",
                "top_k",
                "seed",
                "stop_sequences",
                "frequency_penalty",
                "presence_penalty",
                "choice_count",
                "output_type",
                "conversation_id",
                "server_address",
                "server_port",
                "usage",
                "input_messages",
                "system_instructions",
                "tool_definitions",
                "output_messages",
                "fields",
                "crate",
            ],
            MacroKind::Tool => &["name", "tool_type", "call_id", "description", "conversation_id", "arguments", "fields", "crate"],
            MacroKind::Agent => {
                &["name", "id", "description", "version", "conversation_id", "provider", "model", "fields", "crate"]
            }
        }
    }
}

/// The well-known inference operations.
pub const OPERATIONS: [&str; 4] = ["chat", "text_completion", "generate_content", "embeddings"];

/// What a key's value must look like, checked on literals at expansion time (anything else is
/// checked by the type system at the expression).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Float,
    Int,
    Text,
    TextList,
    /// A string literal only.
    LitText,
    /// A closure (or any callable expression), never a literal.
    Closure,
    Any,
}

fn value_kind(key: &str) -> ValueKind {
    match key {
        "temperature" | "top_p" | "frequency_penalty" | "presence_penalty" => ValueKind::Float,
        "max_tokens" | "top_k" | "seed" | "choice_count" | "server_port" => ValueKind::Int,
        "stop_sequences" => ValueKind::TextList,
        "tool_type" => ValueKind::LitText,
        "usage" => ValueKind::Any,
        "input_messages" | "system_instructions" | "tool_definitions" | "arguments" => ValueKind::Any,
        "output_messages" => ValueKind::Closure,
        _ => ValueKind::Text,
    }
}

/// Request parameters that make no sense for `embeddings`.
const SAMPLING_PARAMS: [&str; 9] = [
    "temperature",
    "max_tokens",
    "top_p",
    "top_k",
    "seed",
    "stop_sequences",
    "frequency_penalty",
    "presence_penalty",
    "choice_count",
];

/// The operation of a `#[genai_span]`.
#[derive(Clone)]
pub enum Operation {
    WellKnown(LitStr),
    Custom(LitStr),
}

impl Operation {
    pub fn lit(&self) -> &LitStr {
        match self {
            Operation::WellKnown(l) | Operation::Custom(l) => l,
        }
    }
    /// Inference operations must report usage.
    pub fn requires_usage(&self) -> bool {
        matches!(self, Operation::WellKnown(_))
    }
}

/// How usage is read.
#[derive(Clone)]
pub enum UsageArg {
    /// From the return type through `HasUsage` (the default).
    FromReturn,
    /// `usage = <closure>`.
    With(Expr),
    /// `usage = none`.
    Off,
}

/// One `fields(key = value)` entry.
#[derive(Clone)]
pub struct Field {
    pub key: String,
    pub value: Expr,
}

/// Parsed arguments of any of the three attribute macros.
pub struct Args {
    pub operation: Option<Operation>,
    /// `name = "..."` (tool / agent name, or span name override).
    pub name: Option<Expr>,
    /// Simple `key = expr` values, in the order given, for the builder.
    pub values: Vec<(Ident, Expr)>,
    pub usage: UsageArg,
    pub fields: Vec<Field>,
    pub krate: Option<Path>,
}

impl Args {
    pub fn get(&self, key: &str) -> Option<&Expr> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(p) => p.to_token_stream(),
            None => quote::quote!(::genai_o11y),
        }
    }

    pub fn parse(kind: MacroKind, input: TokenStream) -> syn::Result<Args> {
        let raw = syn::parse::Parser::parse2(Punctuated::<RawArg, Token![,]>::parse_terminated, input)?;
        let mut args = Args {
            operation: None,
            name: None,
            values: Vec::new(),
            usage: UsageArg::FromReturn,
            fields: Vec::new(),
            krate: None,
        };
        let mut seen: Vec<String> = Vec::new();
        let mut errors: Option<syn::Error> = None;
        let mut push = |e: syn::Error| match &mut errors {
            Some(all) => all.combine(e),
            None => errors = Some(e),
        };
        for arg in raw {
            let key_str = arg.key.unraw().to_string();
            if !kind.keys().contains(&key_str.as_str()) {
                push(unknown_key(kind, &arg.key, &key_str));
                continue;
            }
            if seen.contains(&key_str) {
                push(syn::Error::new(arg.key.span(), format!("duplicate argument `{key_str}`: give it once")));
                continue;
            }
            seen.push(key_str.clone());
            match (key_str.as_str(), arg.value) {
                ("fields", RawValue::Fields(fields)) => match check_fields(fields) {
                    Ok(f) => args.fields = f,
                    Err(e) => push(e),
                },
                ("fields", RawValue::Expr(e)) => {
                    push(syn::Error::new(e.span(), "`fields` takes a list: `fields(key = value, ...)`"))
                }
                ("crate", RawValue::Expr(e)) => match e {
                    Expr::Path(p) if p.qself.is_none() => args.krate = Some(p.path),
                    other => push(syn::Error::new(other.span(), "`crate` takes a path, e.g. `crate = ::my_reexport::genai_o11y`")),
                },
                (k, RawValue::Fields(f)) => {
                    push(syn::Error::new(f.span, format!("`{k}` takes a value: `{k} = ...`")))
                }
                (k, RawValue::Missing) if k != "fields" => {
                    push(syn::Error::new(arg.key.span(), format!("`{k}` needs a value: `{k} = ...`")))
                }
                (_, RawValue::Missing) => push(syn::Error::new(arg.key.span(), "`fields` takes a list: `fields(key = value, ...)`")),
                ("operation", RawValue::Expr(e)) => match parse_operation(&e) {
                    Ok(op) => args.operation = Some(op),
                    Err(err) => push(err),
                },
                ("usage", RawValue::Expr(e)) => {
                    args.usage = match &e {
                        Expr::Path(p) if p.path.is_ident("none") => UsageArg::Off,
                        Expr::Lit(l) => {
                            push(syn::Error::new(
                                l.span(),
                                "`usage` takes a closure from the response to `genai_o11y::Usage` (e.g. `usage = |r| Usage::new().input(r.tokens_in)`), or `none`",
                            ));
                            UsageArg::FromReturn
                        }
                        _ => UsageArg::With(e),
                    }
                }
                ("name", RawValue::Expr(e)) => match check_name(kind, e) {
                    Ok(e) => args.name = Some(e),
                    Err(err) => push(err),
                },
                (k, RawValue::Expr(e)) => match check_literal(k, value_kind(k), &e) {
                    Ok(()) => args.values.push((Ident::new(k, arg.key.span()), e)),
                    Err(err) => push(err),
                },
            }
        }
        if kind == MacroKind::Span {
            if !seen.iter().any(|k| k == "operation") {
                push(syn::Error::new(
                    Span::call_site(),
                    "missing `operation`: write `#[genai_span(operation = \"chat\", provider = \"...\")]` (one of `chat`, `text_completion`, `generate_content`, `embeddings`, or `custom(\"...\")`)",
                ));
            }
            if !seen.iter().any(|k| k == "provider") {
                push(syn::Error::new(
                    Span::call_site(),
                    "missing `provider`: `gen_ai.provider.name` is required, e.g. `provider = \"openai\"` (well-known values: anthropic, aws.bedrock, azure.ai.inference, azure.ai.openai, cohere, deepseek, gcp.gemini, gcp.vertex_ai, gcp.gen_ai, groq, ibm.watsonx.ai, mistral_ai, moonshot_ai, openai, perplexity, x_ai)",
                ));
            }
            if let Some(Operation::WellKnown(op)) = &args.operation {
                if op.value() == "embeddings" {
                    for (k, _) in &args.values {
                        if SAMPLING_PARAMS.contains(&k.to_string().as_str()) {
                            push(syn::Error::new(k.span(), format!("`{k}` does not apply to `embeddings` (it is a sampling parameter of text generation)")));
                        }
                    }
                }
            }
        }
        match errors {
            Some(e) => Err(e),
            None => Ok(args),
        }
    }
}

fn unknown_key(kind: MacroKind, key: &Ident, key_str: &str) -> syn::Error {
    let valid = kind.keys().iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let hint = match (kind, key_str) {
        (MacroKind::Tool, "type") => "; the tool type is `tool_type = \"...\"`".to_owned(),
        (MacroKind::Tool | MacroKind::Agent, "usage") => {
            "; only `#[genai_span]` records token usage".to_owned()
        }
        (MacroKind::Span, "arguments") => {
            "; `arguments` is for `#[genai_tool]`: a model call's input is `input_messages = ...`".to_owned()
        }
        (MacroKind::Tool, "input_messages" | "output_messages" | "system_instructions" | "tool_definitions") => {
            "; a tool captures its input as `arguments = ...` (by default its serializable parameters) and its result automatically".to_owned()
        }
        (MacroKind::Tool | MacroKind::Agent, "operation") => format!(
            "; `#[{}]` has a fixed operation (`{}`)",
            kind.attr_name(),
            if kind == MacroKind::Tool { "execute_tool" } else { "invoke_agent" }
        ),
        _ => match closest(key_str, kind.keys()) {
            Some(c) => format!("; did you mean `{c}`?"),
            None => String::new(),
        },
    };
    syn::Error::new(key.span(), format!("unknown argument `{key_str}` for `#[{}]`{hint}\nvalid arguments: {valid}", kind.attr_name()))
}

/// The closest valid key by edit distance, when it is close enough to be a typo.
fn closest<'a>(key: &str, keys: &[&'a str]) -> Option<&'a str> {
    keys.iter().map(|k| (distance(key, k), *k)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, k)| k)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn parse_operation(e: &Expr) -> syn::Result<Operation> {
    let list = "expected one of \"chat\", \"text_completion\", \"generate_content\", \"embeddings\", or `custom(\"your_operation\")` for an operation outside the conventions";
    match e {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => {
            if OPERATIONS.contains(&s.value().as_str()) {
                Ok(Operation::WellKnown(s.clone()))
            } else {
                let hint = match s.value().as_str() {
                    "execute_tool" => "; use `#[genai_tool]` for tools",
                    "invoke_agent" => "; use `#[genai_agent]` for agents",
                    _ => "",
                };
                Err(syn::Error::new(s.span(), format!("unknown operation \"{}\"{hint}: {list}", s.value())))
            }
        }
        Expr::Call(call) if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("custom")) => {
            match call.args.iter().collect::<Vec<_>>().as_slice() {
                [Expr::Lit(ExprLit { lit: Lit::Str(s), .. })] if is_operation_name(&s.value()) => Ok(Operation::Custom(s.clone())),
                [Expr::Lit(ExprLit { lit: Lit::Str(s), .. })] => Err(syn::Error::new(
                    s.span(),
                    "a custom operation name must be non-empty lowercase snake_case (it becomes `gen_ai.operation.name` and a metric attribute)",
                )),
                _ => Err(syn::Error::new(call.args.span(), "`custom(...)` takes one string literal, e.g. `custom(\"rerank\")`")),
            }
        }
        other => Err(syn::Error::new(other.span(), format!("`operation` takes a string literal: {list}"))),
    }
}

fn is_operation_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

fn check_name(kind: MacroKind, e: Expr) -> syn::Result<Expr> {
    match (&e, kind) {
        (Expr::Lit(ExprLit { lit: Lit::Str(s), .. }), _) if s.value().trim().is_empty() => {
            Err(syn::Error::new(s.span(), "`name` must not be empty"))
        }
        (Expr::Lit(ExprLit { lit: Lit::Str(_), .. }), _) => Ok(e),
        (Expr::Lit(l), _) => Err(syn::Error::new(l.span(), "`name` takes a string literal")),
        // Span-name overrides may be computed; tool and agent names are metric attributes and
        // must be fixed.
        (_, MacroKind::Span) => Ok(e),
        (_, k) => Err(syn::Error::new(
            e.span(),
            format!(
                "`name` of `#[{}]` must be a string literal: it is a low-cardinality metric attribute",
                k.attr_name()
            ),
        )),
    }
}

fn check_literal(key: &str, kind: ValueKind, e: &Expr) -> syn::Result<()> {
    if kind == ValueKind::Closure {
        return match e {
            Expr::Lit(l) => Err(syn::Error::new(
                l.span(),
                format!("`{key}` takes a closure from the response to its messages, e.g. `{key} = |resp| resp.choices.clone()`"),
            )),
            _ => Ok(()),
        };
    }
    let lit = match e {
        Expr::Lit(ExprLit { lit, .. }) => lit,
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(ExprLit { lit: lit @ (Lit::Int(_) | Lit::Float(_)), .. }) => {
                if matches!(key, "max_tokens" | "choice_count" | "server_port" | "top_k") {
                    return Err(syn::Error::new_spanned(e, format!("`{key}` must not be negative")));
                }
                lit
            }
            _ => return Ok(()),
        },
        _ if kind == ValueKind::LitText => {
            return Err(syn::Error::new(e.span(), format!("`{key}` takes a string literal, e.g. `{key} = \"function\"`")))
        }
        _ => return Ok(()),
    };
    let ok = match (kind, lit) {
        (ValueKind::Float, Lit::Float(_) | Lit::Int(_)) => true,
        (ValueKind::Int, Lit::Int(_)) => true,
        (ValueKind::Text | ValueKind::LitText, Lit::Str(s)) => {
            if s.value().is_empty() {
                return Err(syn::Error::new(s.span(), format!("`{key}` must not be empty")));
            }
            true
        }
        (ValueKind::Any, _) => true,
        (ValueKind::Closure, _) => false,
        _ => false,
    };
    if ok {
        if let (ValueKind::Int, Lit::Int(i)) = (kind, lit) {
            if key == "server_port" && i.base10_parse::<u16>().is_err() {
                return Err(syn::Error::new(i.span(), "`server_port` must be a port number (0-65535)"));
            }
        }
        return Ok(());
    }
    let expected = match kind {
        ValueKind::Float => "a number (`f32`/`f64` expression or literal)",
        ValueKind::Int => "an integer",
        ValueKind::Text | ValueKind::LitText => "a string",
        ValueKind::TextList => "a list of strings (e.g. `[\"\\n\\n\"]` or `req.stop.clone()`)",
        ValueKind::Any | ValueKind::Closure => unreachable!(),
    };
    let found = match lit {
        Lit::Str(_) => "a string literal",
        Lit::Int(_) => "an integer literal",
        Lit::Float(_) => "a float literal",
        Lit::Bool(_) => "a boolean literal",
        _ => "this literal",
    };
    Err(syn::Error::new(lit.span(), format!("`{key}` takes {expected}, found {found}")))
}

fn check_fields(fields: RawFields) -> syn::Result<Vec<Field>> {
    let mut out: Vec<Field> = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for (key, span, value) in fields.entries {
        if key.is_empty() {
            let e = syn::Error::new(span, "field keys must not be empty");
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
            continue;
        }
        if out.iter().any(|f| f.key == key) {
            let e = syn::Error::new(span, format!("duplicate field `{key}`"));
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
            continue;
        }
        out.push(Field { key, value });
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

// ---------------------------------------------------------------------------------------------
// Raw syntax: `key = expr`, `key(...)` for `fields`, a bare `key` (an error, reported above).

struct RawArg {
    key: Ident,
    value: RawValue,
}

enum RawValue {
    Expr(Expr),
    Fields(RawFields),
    Missing,
}

struct RawFields {
    span: Span,
    entries: Vec<(String, Span, Expr)>,
}

impl Parse for RawArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = Ident::parse_any(input)?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            return Ok(RawArg { key, value: RawValue::Expr(value) });
        }
        if input.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            let entries = Punctuated::<RawField, Token![,]>::parse_terminated(&content)?;
            return Ok(RawArg {
                key,
                value: RawValue::Fields(RawFields {
                    span: paren.span.join(),
                    entries: entries.into_iter().map(|f| (f.key, f.span, f.value)).collect(),
                }),
            });
        }
        Ok(RawArg { key, value: RawValue::Missing })
    }
}

struct RawField {
    key: String,
    span: Span,
    value: Expr,
}

impl Parse for RawField {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (key, span) = if input.peek(LitStr) {
            let s: LitStr = input.parse()?;
            (s.value(), s.span())
        } else {
            // A dotted name: `app.user.tier`.
            let first = Ident::parse_any(input)?;
            let mut key = first.unraw().to_string();
            let mut span = first.span();
            while input.peek(Token![.]) {
                input.parse::<Token![.]>()?;
                let next = Ident::parse_any(input)?;
                key.push('.');
                key.push_str(&next.unraw().to_string());
                span = span.join(next.span()).unwrap_or(span);
            }
            (key, span)
        };
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(span, format!("field `{key}` needs a value: `{key} = ...`")));
        }
        input.parse::<Token![=]>()?;
        Ok(RawField { key, span, value: input.parse()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggestions() {
        assert_eq!(closest("modle", MacroKind::Span.keys()), Some("model"));
        assert_eq!(closest("temprature", MacroKind::Span.keys()), Some("temperature"));
        assert_eq!(closest("zzzzzzzz", MacroKind::Span.keys()), None);
    }
}

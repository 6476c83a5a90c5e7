//! Parsing and validation of the arguments, driven by the argument table (`args.rs`). Every
//! mistake is a `syn::Error` spanned at the offending token, listing the valid choices; all of
//! them are reported at once.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Path, Token};

use crate::args::{self, Arg, Becomes, Check, MacroKind, Value, ALIASES, ARGS, OPERATIONS, OTHER_ANNOTATIONS, PROVIDERS};

/// The operation of a `#[genai_span]`.
#[derive(Clone)]
pub enum Operation {
    WellKnown(LitStr, &'static args::Operation),
    Custom(LitStr),
}

impl Operation {
    pub fn lit(&self) -> &LitStr {
        match self {
            Operation::WellKnown(l, _) | Operation::Custom(l) => l,
        }
    }
    /// Inference operations must report usage.
    pub fn requires_usage(&self) -> bool {
        matches!(self, Operation::WellKnown(_, op) if op.requires_usage)
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

/// A `key = value` argument, with its table entry.
pub struct Given {
    pub arg: &'static Arg,
    pub key: Ident,
    pub value: Expr,
}

/// Parsed arguments of any of the three attribute macros.
pub struct Args {
    pub operation: Option<Operation>,
    /// The arguments with a value, in the order given.
    pub values: Vec<Given>,
    pub usage: UsageArg,
    /// How a retrieval's documents are read (the same three ways as usage).
    pub documents: UsageArg,
    /// How a guard's decision is read: `decision = <closure>`, else `GuardDecision` on the
    /// return value.
    pub decision: Option<Expr>,
    pub fields: Vec<Field>,
    pub krate: Option<Path>,
}

/// Collects every error, to report them all at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    fn finish<T>(self, ok: T) -> syn::Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    }
}

impl Args {
    /// The value given for `key`, if any.
    pub fn get(&self, key: &str) -> Option<&Given> {
        self.values.iter().find(|g| g.arg.key == key)
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
            values: Vec::new(),
            usage: UsageArg::FromReturn,
            documents: UsageArg::FromReturn,
            decision: None,
            fields: Vec::new(),
            krate: None,
        };
        let mut seen: Vec<&'static str> = Vec::new();
        let mut errors = Errors::default();
        for raw in raw {
            let key = raw.key.unraw().to_string();
            let Some(arg) = kind.arg(&key) else {
                errors.push(unknown_key(kind, &raw.key, &key));
                continue;
            };
            if seen.contains(&arg.key) {
                errors.push(syn::Error::new(raw.key.span(), format!("duplicate argument `{key}`: give it once")));
                continue;
            }
            seen.push(arg.key);
            match (arg.value, raw.value) {
                (Value::Fields, RawValue::Fields(fields)) => match check_fields(fields) {
                    Ok(f) => args.fields = f,
                    Err(e) => errors.push(e),
                },
                (Value::Fields, RawValue::Expr(e)) => errors.push(syn::Error::new(e.span(), "`fields` takes a list: `fields(key = value, ...)`")),
                (Value::Fields, RawValue::Missing) => errors.push(syn::Error::new(raw.key.span(), "`fields` takes a list: `fields(key = value, ...)`")),
                (_, RawValue::Fields(f)) => errors.push(syn::Error::new(f.span, format!("`{key}` takes a value: `{key} = ...`"))),
                (_, RawValue::Missing) => errors.push(syn::Error::new(raw.key.span(), format!("`{key}` needs a value: `{key} = ...`"))),
                (Value::CratePath, RawValue::Expr(e)) => match e {
                    Expr::Path(p) if p.qself.is_none() => args.krate = Some(p.path),
                    other => errors.push(syn::Error::new(other.span(), "`crate` takes a path, e.g. `crate = ::my_reexport::genai_o11y`")),
                },
                (Value::Operation, RawValue::Expr(e)) => match parse_operation(&e) {
                    Ok(op) => args.operation = Some(op),
                    Err(err) => errors.push(err),
                },
                (Value::UsageClosure, RawValue::Expr(e)) => match closure_or_none(e, USAGE_HINT) {
                    Ok(a) => args.usage = a,
                    Err(err) => errors.push(err),
                },
                (Value::DocumentsClosure, RawValue::Expr(e)) => match closure_or_none(e, DOCUMENTS_HINT) {
                    Ok(a) => args.documents = a,
                    Err(err) => errors.push(err),
                },
                (Value::DecisionClosure, RawValue::Expr(e)) => match e {
                    Expr::Lit(l) => errors.push(syn::Error::new(l.span(), DECISION_HINT)),
                    Expr::Path(p) if p.path.is_ident("none") => errors.push(syn::Error::new(p.span(), DECISION_HINT)),
                    e => args.decision = Some(e),
                },
                (_, RawValue::Expr(e)) => match check_value(kind, arg, &e) {
                    Ok(()) => args.values.push(Given { arg, key: Ident::new(&key, raw.key.span()), value: e }),
                    Err(err) => errors.push(err),
                },
            }
        }
        for arg in kind.args().filter(|a| a.required_on.contains(&kind) && !seen.contains(&a.key)) {
            errors.push(syn::Error::new(Span::call_site(), missing(kind, arg)));
        }
        if let Some(Operation::WellKnown(lit, op)) = &args.operation {
            if !op.sampling {
                for g in args.values.iter().filter(|g| g.arg.checks.contains(&Check::Sampling)) {
                    errors.push(syn::Error::new(
                        g.key.span(),
                        format!("`{}` does not apply to `{}` (it is a sampling parameter of text generation)", g.arg.key, lit.value()),
                    ));
                }
            }
        }
        for e in latest_operation_errors(kind, &args, &seen) {
            errors.push(e);
        }
        errors.finish(args)
    }
}

/// The arguments of the latest conventions' operations, checked against each other:
/// `fetch_response` and what applies to it, a hosted agent (`span_kind = "client"`) and its
/// provider and server, a tool's refinement and its skill and process arguments.
fn latest_operation_errors(kind: MacroKind, args: &Args, seen: &[&str]) -> Vec<syn::Error> {
    let mut out = Vec::new();
    let lit_of = |key: &str| {
        args.get(key).and_then(|g| match &g.value {
            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
            _ => None,
        })
    };
    match kind {
        MacroKind::Span => {
            let fetch = matches!(&args.operation, Some(Operation::WellKnown(_, op)) if op.name == "fetch_response");
            if fetch {
                // (A sampling parameter has its own error, above.)
                for g in args.values.iter().filter(|g| !args::FETCH_RESPONSE_ARGS.contains(&g.arg.key) && !g.arg.checks.contains(&Check::Sampling)) {
                    out.push(syn::Error::new(
                        g.key.span(),
                        format!(
                            "`{}` does not apply to `fetch_response` (no inference: its span has no request model, input, conversation, prompt or sampling attribute); it takes {}",
                            g.arg.key,
                            args::FETCH_RESPONSE_ARGS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                if let UsageArg::With(e) = &args.usage {
                    out.push(syn::Error::new(e.span(), "`usage` does not apply to `fetch_response`: fetching a stored response consumes no tokens"));
                }
                if !seen.contains(&"response_id") {
                    let span = args.operation.as_ref().map(|o| o.lit().span()).unwrap_or_else(Span::call_site);
                    out.push(syn::Error::new(
                        span,
                        "missing `response_id`: `fetch_response` names the response it fetches (`gen_ai.response.id`), e.g. `response_id = id`",
                    ));
                }
            } else {
                for g in args.values.iter().filter(|g| g.arg.checks.contains(&Check::FetchResponse)) {
                    out.push(syn::Error::new(g.key.span(), format!("`{}` applies to `operation = \"fetch_response\"` only", g.arg.key)));
                }
            }
        }
        MacroKind::Agent => {
            let operation = lit_of("operation").unwrap_or_else(|| args::AGENT_OPERATIONS[0].to_owned());
            let remote = lit_of("span_kind").as_deref() == Some("client");
            if let (Some(g), true) = (args.get("span_kind"), operation != "invoke_agent") {
                out.push(syn::Error::new(
                    g.key.span(),
                    format!("`span_kind` applies to `invoke_agent` only: `create_agent` is always CLIENT, `plan` always INTERNAL (here: `{operation}`)"),
                ));
            } else if remote && args.get("provider").is_none() {
                let g = args.get("span_kind").expect("remote: span_kind was given");
                out.push(syn::Error::new(
                    g.value.span(),
                    format!(
                        "an agent a provider hosts names it: add `provider = \"...\"` (`gen_ai.provider.name` is required; well-known values: {PROVIDERS})"
                    ),
                ));
            }
            if !remote && operation == "invoke_agent" {
                for key in ["server_address", "server_port"] {
                    if let Some(g) = args.get(key) {
                        out.push(syn::Error::new(
                            g.key.span(),
                            format!("`{key}` is the host of a remote agent: add `span_kind = \"client\"` (an in-process agent has no server)"),
                        ));
                    }
                }
            }
        }
        MacroKind::Tool => {
            let refinement = lit_of("refinement");
            for (key, applies) in args::REFINEMENT_ARGS {
                let Some(g) = args.get(key) else { continue };
                let list = applies.iter().map(|r| format!("\"{r}\"")).collect::<Vec<_>>().join(", ");
                match &refinement {
                    None => out.push(syn::Error::new(g.key.span(), format!("`{key}` describes a skill or command tool: add `refinement = ...` ({list})"))),
                    Some(r) if !applies.contains(&r.as_str()) => {
                        out.push(syn::Error::new(g.key.span(), format!("`{key}` does not apply to `refinement = \"{r}\"` (it applies to {list})")))
                    }
                    Some(_) => {}
                }
            }
        }
        _ => {}
    }
    out
}

const USAGE_HINT: &str = "`usage` takes a closure from the response to `genai_o11y::Usage` (e.g. `usage = |r| Usage::new().input(r.tokens_in)`), or `none`";
const DECISION_HINT: &str = "`decision` takes a closure from the guard's result to its decision (e.g. `decision = |r| if r.flagged { Decision::block(\"flagged\") } else { Decision::allow() }`): a guard always decides";
const DOCUMENTS_HINT: &str = "`documents` takes a closure from the result to its documents (e.g. `documents = |hits| ...`), or `none`";

/// A `usage = ...` / `documents = ...` value: a closure (any expression), or `none`; a literal is
/// an error that says what is expected.
fn closure_or_none(e: Expr, hint: &str) -> syn::Result<UsageArg> {
    match &e {
        Expr::Path(p) if p.path.is_ident("none") => Ok(UsageArg::Off),
        // `None` is an `Option`, not the keyword: every other argument takes one, this one not.
        Expr::Path(p) if p.path.is_ident("None") => Err(syn::Error::new(p.span(), format!("{hint}: write `none` (lowercase) to record none"))),
        Expr::Lit(l) => Err(syn::Error::new(l.span(), hint)),
        _ => Ok(UsageArg::With(e)),
    }
}

fn missing(kind: MacroKind, arg: &Arg) -> String {
    let one_of = arg.checks.iter().find_map(|c| match c {
        Check::OneOf(choices) => Some(*choices),
        _ => None,
    });
    if let Some(choices) = one_of {
        let list = choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
        return format!("missing `{}`: write `#[{}({} = \"{}\", ...)]` (one of {list})", arg.key, kind.attr_name(), arg.key, choices[0]);
    }
    match arg.key {
        "operation" => format!(
            "missing `operation`: write `#[genai_span(operation = \"chat\", provider = \"...\")]` (one of {}, or `custom(\"...\")`)",
            OPERATIONS.iter().map(|o| format!("`{}`", o.name)).collect::<Vec<_>>().join(", ")
        ),
        "provider" => {
            format!("missing `provider`: `gen_ai.provider.name` is required, e.g. `provider = \"openai\"` (well-known values: {PROVIDERS})")
        }
        key => format!("missing `{key}`: {}", arg.doc),
    }
}

fn unknown_key(kind: MacroKind, key: &Ident, key_str: &str) -> syn::Error {
    let valid = kind.args().map(|a| format!("`{}`", a.key)).collect::<Vec<_>>().join(", ");
    let alias = ALIASES.iter().find(|(k, alias, _)| *k == kind && *alias == key_str).map(|(_, _, hint)| (*hint).to_owned());
    let elsewhere = || {
        ARGS.iter()
            .filter(|a| a.key == key_str && !a.on.contains(&kind))
            .find_map(|a| a.elsewhere)
            .map(|h| h.replace("{attr}", kind.attr_name()).replace("{op}", kind.fixed_operation().unwrap_or_default()).replace("{key}", key_str))
    };
    let closest = || closest(key_str, &kind.args().map(|a| a.key).collect::<Vec<_>>()).map(|c| format!("did you mean `{c}`?"));
    let hint = alias.or_else(elsewhere).or_else(closest).map(|h| format!("; {h}")).unwrap_or_default();
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
    let names = OPERATIONS.iter().map(|o| format!("\"{}\"", o.name)).collect::<Vec<_>>().join(", ");
    let list = format!("expected one of {names}, or `custom(\"your_operation\")` for an operation outside the conventions");
    match e {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => match args::operation(&s.value()) {
            Some(op) => Ok(Operation::WellKnown(s.clone(), op)),
            None => {
                let hint = OTHER_ANNOTATIONS
                    .iter()
                    .find(|(op, _, _)| *op == s.value())
                    .map(|(_, attr, what)| format!("; use `{attr}` for {what}"))
                    .unwrap_or_default();
                Err(syn::Error::new(s.span(), format!("unknown operation \"{}\"{hint}: {list}", s.value())))
            }
        },
        Expr::Call(call) if matches!(&*call.func, Expr::Path(p) if p.path.is_ident("custom")) => match call.args.iter().collect::<Vec<_>>().as_slice() {
            [Expr::Lit(ExprLit { lit: Lit::Str(s), .. })] if is_operation_name(&s.value()) => Ok(Operation::Custom(s.clone())),
            [Expr::Lit(ExprLit { lit: Lit::Str(s), .. })] => Err(syn::Error::new(
                s.span(),
                "a custom operation name must be non-empty lowercase snake_case (it becomes `gen_ai.operation.name` and a metric attribute)",
            )),
            _ => Err(syn::Error::new(call.args.span(), "`custom(...)` takes one string literal, e.g. `custom(\"rerank\")`")),
        },
        other => Err(syn::Error::new(other.span(), format!("`operation` takes a string literal: {list}"))),
    }
}

fn is_operation_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
}

/// Checks a value against its table entry: literals of the wrong kind, negative counts, ports,
/// empty strings, closures given as literals, computed values where a literal is required.
fn check_value(kind: MacroKind, arg: &Arg, e: &Expr) -> syn::Result<()> {
    let key = arg.key;
    match arg.value {
        Value::Serializable if arg.checks.contains(&Check::Named) => {
            return match e {
                Expr::Lit(l) => Err(syn::Error::new(
                    l.span(),
                    format!("`{key}` takes named values, a map or a struct (e.g. `{key} = &vars`, or a `HashMap<&str, String>`): each entry is one variable"),
                )),
                _ => Ok(()),
            }
        }
        Value::Serializable => return Ok(()),
        Value::OutputClosure => {
            let hint = match kind {
                MacroKind::Guard => {
                    format!("`{key}` takes a closure from the guard's result to the content it let through, e.g. `{key} = |v| v.redacted.clone()`")
                }
                _ => format!("`{key}` takes a closure from the response to its messages, e.g. `{key} = |resp| resp.choices.clone()`"),
            };
            return match e {
                Expr::Lit(l) => Err(syn::Error::new(l.span(), hint)),
                _ => Ok(()),
            };
        }
        _ => {}
    }
    let lit = match e {
        Expr::Lit(ExprLit { lit, .. }) => lit,
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(ExprLit { lit: lit @ (Lit::Int(_) | Lit::Float(_)), .. }) => {
                if arg.checks.contains(&Check::NonNegative) {
                    return Err(syn::Error::new_spanned(e, format!("`{key}` must not be negative")));
                }
                lit
            }
            _ => return Ok(()),
        },
        _ if arg.value == Value::LitText => {
            return Err(syn::Error::new(
                e.span(),
                format!("`{key}` of `#[{}]` must be a string literal: it is a low-cardinality metric attribute", kind.attr_name()),
            ))
        }
        _ => return Ok(()),
    };
    match (arg.value, lit) {
        (Value::Float, Lit::Float(_) | Lit::Int(_)) => Ok(()),
        (Value::Int, Lit::Int(i)) => {
            if arg.checks.contains(&Check::Port) && i.base10_parse::<u16>().is_err() {
                return Err(syn::Error::new(i.span(), format!("`{key}` must be a port number (0-65535)")));
            }
            Ok(())
        }
        (Value::Bool, Lit::Bool(b)) => {
            if !b.value && arg.checks.contains(&Check::NotFalse) {
                return Err(syn::Error::new(
                    b.span(),
                    format!("`{key} = false` is never recorded: the conventions make it a positive indicator, set only when it holds; leave `{key}` out, or pass a `bool` computed at run time"),
                ));
            }
            Ok(())
        }
        (Value::Text | Value::LitText, Lit::Str(s)) => {
            if arg.checks.contains(&Check::NotEmpty) && s.value().trim().is_empty() {
                return Err(syn::Error::new(s.span(), format!("`{key}` must not be empty")));
            }
            for check in arg.checks {
                if let Check::OneOf(choices) = check {
                    if !choices.contains(&s.value().as_str()) {
                        let list = choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
                        return Err(syn::Error::new(s.span(), format!("`{key}` of `#[{}]` must be one of {list}", kind.attr_name())));
                    }
                }
            }
            Ok(())
        }
        (value, lit) => {
            let found = match lit {
                Lit::Str(_) => "a string literal",
                Lit::Int(_) => "an integer literal",
                Lit::Float(_) => "a float literal",
                Lit::Bool(_) => "a boolean literal",
                _ => "this literal",
            };
            Err(syn::Error::new(lit.span(), format!("`{key}` takes {}, found {found}", value.expected())))
        }
    }
}

impl Value {
    /// "takes ..." in a type error on a literal.
    fn expected(self) -> &'static str {
        match self {
            Value::Float => "a number (`f32`/`f64` expression or literal)",
            Value::Int => "an integer",
            Value::Text | Value::LitText => "a string",
            Value::Bool => "a `bool`",
            Value::TextList => "a list of strings (e.g. `[\"\\n\\n\"]` or `req.stop.clone()`)",
            other => other.describe(),
        }
    }
}

fn check_fields(fields: RawFields) -> syn::Result<Vec<Field>> {
    let mut out: Vec<Field> = Vec::new();
    let mut errors = Errors::default();
    for (key, span, value) in fields.entries {
        if key.is_empty() {
            errors.push(syn::Error::new(span, "field keys must not be empty"));
        } else if out.iter().any(|f| f.key == key) {
            errors.push(syn::Error::new(span, format!("duplicate field `{key}`")));
        } else {
            out.push(Field { key, value });
        }
    }
    errors.finish(out)
}

impl Becomes {
    /// The builder method, for the arguments that become one.
    pub fn method(self) -> Option<&'static str> {
        match self {
            Becomes::Method(m) => Some(m),
            _ => None,
        }
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
                value: RawValue::Fields(RawFields { span: paren.span.join(), entries: entries.into_iter().map(|f| (f.key, f.span, f.value)).collect() }),
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
        let keys: Vec<&str> = MacroKind::Span.args().map(|a| a.key).collect();
        assert_eq!(closest("modle", &keys), Some("model"));
        assert_eq!(closest("temprature", &keys), Some("temperature"));
        assert_eq!(closest("zzzzzzzz", &keys), None);
    }
}

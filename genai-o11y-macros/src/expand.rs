//! Code generation for `#[genai_span]`, `#[genai_tool]` and `#[genai_agent]`.
//!
//! The generated code is a few calls into `genai_o11y::__private`: build a `GenAiSpan` from the
//! arguments (evaluated once, before the body), start it, run the body as a unit (an
//! `async move` block, or an `FnOnce` closure for sync functions) so that early `return` and `?`
//! pass through the recording, and classify the returned value by its *type*.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Expr, ExprLit, GenericArgument, Lit, PathArguments, ReturnType, Signature, Token, Type, TypeParamBound, Visibility};

use crate::attr::{Args, MacroKind, Operation, UsageArg};

/// A function item, its body kept as raw tokens so that half-written code still expands and
/// rustc reports the real error in the body.
pub struct FnItem {
    attrs: Vec<Attribute>,
    vis: Visibility,
    defaultness: Option<Token![default]>,
    sig: Signature,
    body: Option<TokenStream>,
    semi: Option<Token![;]>,
}

impl Parse for FnItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let defaultness: Option<Token![default]> = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            let semi = input.parse()?;
            return Ok(FnItem { attrs, vis, defaultness, sig, body: None, semi: Some(semi) });
        }
        let body: TokenStream = input.parse()?;
        match body.clone().into_iter().collect::<Vec<_>>().as_slice() {
            [TokenTree::Group(g)] if g.delimiter() == proc_macro2::Delimiter::Brace => {}
            _ => return Err(syn::Error::new(body.span(), "expected a function body")),
        }
        Ok(FnItem { attrs, vis, defaultness, sig, body: Some(body), semi: None })
    }
}

impl ToTokens for FnItem {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for a in &self.attrs {
            a.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.defaultness.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        self.body.to_tokens(tokens);
        self.semi.to_tokens(tokens);
    }
}

/// How the function produces its value.
enum Shape {
    /// `async fn`: the output is the declared return type.
    Async,
    /// A sync fn returning a future (`impl Future<Output = X>`, `Pin<Box<dyn Future<Output = X>>>`,
    /// `BoxFuture<'_, X>`): the returned future is instrumented.
    ReturnsFuture { output: Type, boxed: bool },
    /// Any other sync fn.
    Sync,
}

/// A stream the function returns (directly or as the `Ok` of a `Result`).
struct StreamOut {
    item: Type,
    boxed: bool,
    in_result: bool,
}

/// `impl Stream<Item = X>`, `Pin<Box<dyn Stream<Item = X> ..>>`, `BoxStream<'_, X>`,
/// `LocalBoxStream<'_, X>`, or any of them as the first type argument of a `...Result<..>`.
fn stream_out(ty: &Type) -> Option<StreamOut> {
    if let Some((item, boxed)) = wrapped_output(ty, &STREAM) {
        return Some(StreamOut { item, boxed, in_result: false });
    }
    if let Type::Path(p) = ty {
        let last = p.path.segments.last()?;
        if last.ident == "Result" {
            if let PathArguments::AngleBracketed(a) = &last.arguments {
                if let Some(GenericArgument::Type(first)) = a.args.first() {
                    let (item, boxed) = wrapped_output(first, &STREAM)?;
                    return Some(StreamOut { item, boxed, in_result: true });
                }
            }
        }
    }
    None
}

/// Validates the item against the arguments; returns the item unchanged or an error.
pub fn validate(kind: MacroKind, item: &FnItem) -> syn::Result<()> {
    if let Some(c) = &item.sig.constness {
        return Err(syn::Error::new(c.span(), format!("`#[{}]` cannot be used on a `const fn`", kind.attr_name())));
    }
    if let Some(semi) = &item.semi {
        return Err(syn::Error::new(
            semi.span(),
            format!(
                "`#[{}]` needs a function body: put it on the implementation, not on a trait method declaration",
                kind.attr_name()
            ),
        ));
    }
    if kind == MacroKind::Agent || kind == MacroKind::Tool {
        // Nothing more: tools and agents accept every return type.
    }
    Ok(())
}

pub fn expand(kind: MacroKind, args: &Args, item: FnItem) -> TokenStream {
    let krate = args.krate();
    let ret_ty: Type = match &item.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let ret_span = match &item.sig.output {
        ReturnType::Default => item.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let shape = if item.sig.asyncness.is_some() {
        Shape::Async
    } else if let Some((output, boxed)) = wrapped_output(&ret_ty, &FUTURE) {
        Shape::ReturnsFuture { output, boxed }
    } else {
        Shape::Sync
    };
    let output_ty = match &shape {
        Shape::ReturnsFuture { output, .. } => output.clone(),
        _ => ret_ty.clone(),
    };
    let output_span = match &shape {
        Shape::ReturnsFuture { output, .. } => output.span(),
        _ => ret_span,
    };
    let output_erased = erase_impl_trait(&output_ty);
    let stream = if kind == MacroKind::Span { stream_out(&output_ty) } else { None };

    let builder = builder(kind, args, &item, &krate, stream.is_some());
    let classify = classify(kind, args, &krate, output_span);
    let capture_in = capture_at_entry(kind, args, &item, &krate);
    let body = item.body.clone().expect("validated: the function has a body");
    let call = format_ident!("__genai_o11y_call");
    let out = format_ident!("__genai_o11y_out");
    let allow = quote!(#[allow(
        unknown_lints,
        unreachable_code,
        clippy::diverging_sub_expression,
        clippy::empty_loop,
        clippy::let_unit_value,
        clippy::let_with_type_underscore,
        clippy::needless_return,
        clippy::unreachable,
        clippy::redundant_closure_call
    )]);

    if let Some(st) = &stream {
        return expand_stream(item, st, &shape, &ret_ty, ret_span, &output_erased, builder, capture_in, args, &krate, allow);
    }

    let new_body = match shape {
        Shape::Async => {
            let fake = fake_return(ret_span, &allow, &output_erased);
            quote! {
                #[allow(unused_mut)]
                let mut #call = #builder.start();
                #capture_in
                #krate::__private::instrument(
                    #call,
                    async move {
                        #fake
                        #body
                    },
                    #allow move |#out: &#output_erased, __genai_o11y_capturing: bool| #classify,
                ).await
            }
        }
        Shape::ReturnsFuture { boxed, .. } => {
            let inner = if has_impl_trait(&ret_ty) {
                quote!(#krate::__private::call_once(move || #body))
            } else {
                quote!(#krate::__private::call_once(move || -> #ret_ty #body))
            };
            let wrapped = quote!(#krate::__private::instrument(#call, __genai_o11y_future, #allow move |#out: &#output_erased, __genai_o11y_capturing: bool| #classify));
            let wrapped = if boxed { quote!(#krate::__private::std::boxed::Box::pin(#wrapped)) } else { wrapped };
            quote! {
                #[allow(unused_mut)]
                let mut #call = #builder.start();
                #capture_in
                let __genai_o11y_future = #inner;
                #wrapped
            }
        }
        Shape::Sync => {
            let closure = if has_impl_trait(&ret_ty) {
                quote!(move || #body)
            } else {
                quote_spanned!(ret_span=> move || -> #ret_ty #body)
            };
            let not_a_future = if is_concrete(&ret_ty, &item.sig) {
                quote_spanned! {ret_span=>
                    let _ = <#ret_ty as #krate::__private::NotAFuture<_>>::check;
                }
            } else {
                TokenStream::new()
            };
            quote! {
                #not_a_future
                #[allow(unused_mut)]
                let mut #call = #builder.start();
                #capture_in
                #krate::__private::run_sync(#call, #closure, #allow move |#out: &#output_erased, __genai_o11y_capturing: bool| #classify)
            }
        }
    };

    let FnItem { attrs, vis, defaultness, sig, .. } = item;
    quote! {
        #(#attrs)*
        #vis #defaultness #sig {
            #new_body
        }
    }
}

/// A function returning a stream: the body runs inside the span (it may connect, and fail), then
/// the stream it returns is wrapped so the span lasts until the stream ends or is dropped.
#[allow(clippy::too_many_arguments)]
fn expand_stream(
    item: FnItem,
    st: &StreamOut,
    shape: &Shape,
    ret_ty: &Type,
    ret_span: Span,
    output_erased: &Type,
    builder: TokenStream,
    capture_in: TokenStream,
    args: &Args,
    krate: &TokenStream,
    allow: TokenStream,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let body = item.body.clone().expect("validated: the function has a body");
    let item_erased = erase_impl_trait(&st.item);
    let chunk_classify = classify_with(MacroKind::Span, args, krate, st.item.span(), true);
    let out = format_ident!("__genai_o11y_out");
    let classify_fn = quote!(#allow move |#out: &#item_erased, __genai_o11y_capturing: bool| #chunk_classify);
    let wrap_one = |stream: TokenStream| {
        let w = quote!(#p::instrument_stream(__genai_o11y_call, #stream, #classify_fn));
        if st.boxed {
            quote!(#p::std::boxed::Box::pin(#w))
        } else {
            w
        }
    };
    let wrap = if st.in_result {
        let ok = wrap_one(quote!(__genai_o11y_stream));
        quote! {{
            let __genai_o11y_error = {
                #[allow(unused_imports)]
                use #p::spez::{ErrorNone as _, ErrorViaDisplay as _, ErrorViaErrorType as _, ErrorViaResult as _};
                (&&&&#p::spez::Probe(&__genai_o11y_body_out)).__genai_o11y_error()
            };
            match __genai_o11y_body_out {
                ::core::result::Result::Ok(__genai_o11y_stream) => ::core::result::Result::Ok(#ok),
                ::core::result::Result::Err(__genai_o11y_e) => {
                    #p::fail(__genai_o11y_call, __genai_o11y_error);
                    ::core::result::Result::Err(__genai_o11y_e)
                }
            }
        }}
    } else {
        wrap_one(quote!(__genai_o11y_body_out))
    };
    let new_body = match shape {
        Shape::Async => {
            let fake = fake_return(ret_span, &allow, &output_erased);
            quote! {
                #[allow(unused_mut)]
                let mut __genai_o11y_call = #builder.start();
                #capture_in
                let (__genai_o11y_call, __genai_o11y_body_out) = #p::run_body(__genai_o11y_call, async move {
                    #fake
                    #body
                }).await;
                #wrap
            }
        }
        Shape::Sync => {
            let closure = if has_impl_trait(ret_ty) { quote!(move || #body) } else { quote_spanned!(ret_span=> move || -> #ret_ty #body) };
            quote! {
                #[allow(unused_mut)]
                let mut __genai_o11y_call = #builder.start();
                #capture_in
                let (__genai_o11y_call, __genai_o11y_body_out) = #p::run_sync_body(__genai_o11y_call, #closure);
                #wrap
            }
        }
        Shape::ReturnsFuture { boxed, .. } => {
            let inner = if has_impl_trait(ret_ty) {
                quote!(#p::call_once(move || #body))
            } else {
                quote!(#p::call_once(move || -> #ret_ty #body))
            };
            let fut = quote! {
                async move {
                    let (__genai_o11y_call, __genai_o11y_body_out) = #p::run_body(__genai_o11y_call, __genai_o11y_future).await;
                    #wrap
                }
            };
            let fut = if *boxed { quote!(#p::std::boxed::Box::pin(#fut)) } else { fut };
            quote! {
                #[allow(unused_mut)]
                let mut __genai_o11y_call = #builder.start();
                #capture_in
                let __genai_o11y_future = #inner;
                #fut
            }
        }
    };
    let FnItem { attrs, vis, defaultness, sig, .. } = item;
    quote! {
        #(#attrs)*
        #vis #defaultness #sig {
            #new_body
        }
    }
}

/// Content captured at entry (before the body moves anything): the expressions are evaluated
/// and serialized only when capture is on for this call.
fn capture_at_entry(kind: MacroKind, args: &Args, item: &FnItem, krate: &TokenStream) -> TokenStream {
    let p = quote!(#krate::__private);
    let mut out = TokenStream::new();
    let keys: &[(&str, &str)] = match kind {
        MacroKind::Span => &[
            ("input_messages", "InputMessages"),
            ("system_instructions", "SystemInstructions"),
            ("tool_definitions", "ToolDefinitions"),
        ],
        MacroKind::Tool => &[("arguments", "ToolCallArguments")],
        MacroKind::Agent => &[],
    };
    for (key, variant) in keys {
        if let Some(e) = args.get(key) {
            let variant = format_ident!("{}", variant);
            let call = respan(quote!(#p::to_json), e.span());
            out.extend(quote_spanned! {e.span()=>
                __genai_o11y_call.capture(#p::ContentKind::#variant, #call(&(#e)));
            });
        }
    }
    if kind == MacroKind::Tool && args.get("arguments").is_none() {
        // The tool's parameters, each captured if it is serializable.
        let mut inserts = TokenStream::new();
        for input in &item.sig.inputs {
            if let syn::FnArg::Typed(pt) = input {
                if let syn::Pat::Ident(pi) = &*pt.pat {
                    let ident = &pi.ident;
                    let name = ident.unraw().to_string();
                    inserts.extend(quote! {
                        if let ::core::option::Option::Some(v) = (&&#p::capture_spez::JsonProbe(&#ident)).__genai_o11y_json() {
                            __genai_o11y_args.insert(::std::string::String::from(#name), v);
                        }
                    });
                }
            }
        }
        out.extend(quote! {
            #[allow(unused_imports)]
            use #p::capture_spez::{JsonNone as _, JsonSome as _};
            let mut __genai_o11y_args = #p::serde_json::Map::new();
            #inserts
            __genai_o11y_call.capture(#p::ContentKind::ToolCallArguments, ::core::option::Option::Some(#p::serde_json::Value::Object(__genai_o11y_args)));
        });
    }
    if out.is_empty() {
        return out;
    }
    quote! {
        if __genai_o11y_call.capturing() {
            #out
        }
    }
}

/// A type that wraps an output: a future (`Output`) or a stream (`Item`).
struct Wrapper {
    traits: &'static [&'static str],
    assoc: &'static str,
    /// Aliases of `Pin<Box<dyn Trait<Assoc = X>>>` whose first type argument is X.
    aliases: &'static [&'static str],
    /// X when the bound names the trait without the associated type (`impl Future`).
    default_unit: bool,
}

const FUTURE: Wrapper = Wrapper { traits: &["Future", "IntoFuture"], assoc: "Output", aliases: &["BoxFuture", "LocalBoxFuture"], default_unit: true };
const STREAM: Wrapper = Wrapper { traits: &["Stream"], assoc: "Item", aliases: &["BoxStream", "LocalBoxStream"], default_unit: false };

/// `impl W<Assoc = X>`, `Pin<Box<dyn W<Assoc = X> ..>>` or an alias `BoxW<'_, X>`: returns X and
/// whether the result must be boxed again.
fn wrapped_output(ty: &Type, w: &Wrapper) -> Option<(Type, bool)> {
    match ty {
        Type::ImplTrait(it) => bounds_assoc(it.bounds.iter(), w).map(|o| (o, false)),
        Type::Paren(p) => wrapped_output(&p.elem, w),
        Type::Group(g) => wrapped_output(&g.elem, w),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
            let types: Vec<&Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect();
            let name = last.ident.to_string();
            if name == "Pin" {
                let boxed = match types.as_slice() {
                    [Type::Path(b)] => b.path.segments.last().filter(|s| s.ident == "Box")?,
                    _ => return None,
                };
                let PathArguments::AngleBracketed(a) = &boxed.arguments else { return None };
                let obj = a.args.iter().find_map(|a| match a {
                    GenericArgument::Type(Type::TraitObject(o)) => Some(o),
                    _ => None,
                })?;
                bounds_assoc(obj.bounds.iter(), w).map(|o| (o, true))
            } else if w.aliases.contains(&name.as_str()) {
                types.first().map(|t| ((*t).clone(), true))
            } else {
                None
            }
        }
        _ => None,
    }
}

fn bounds_assoc<'a>(bounds: impl Iterator<Item = &'a TypeParamBound>, w: &Wrapper) -> Option<Type> {
    for b in bounds {
        let TypeParamBound::Trait(t) = b else { continue };
        let last = t.path.segments.last()?;
        if !w.traits.iter().any(|n| last.ident == n) {
            continue;
        }
        if let PathArguments::AngleBracketed(a) = &last.arguments {
            for arg in &a.args {
                if let GenericArgument::AssocType(at) = arg {
                    if at.ident == w.assoc {
                        return Some(at.ty.clone());
                    }
                }
            }
        }
        return w.default_unit.then(|| syn::parse_quote!(()));
    }
    None
}

/// `impl Trait` cannot be named in a `let` or closure parameter: replace it with `_`.
fn erase_impl_trait(ty: &Type) -> Type {
    struct Eraser;
    impl VisitMut for Eraser {
        fn visit_type_mut(&mut self, t: &mut Type) {
            if let Type::ImplTrait(it) = t {
                *t = Type::Infer(syn::TypeInfer { underscore_token: Token![_](it.impl_token.span) });
            } else {
                syn::visit_mut::visit_type_mut(self, t);
            }
        }
    }
    let mut ty = ty.clone();
    Eraser.visit_type_mut(&mut ty);
    ty
}

fn has_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'a> Visit<'a> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'a syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut f = Finder(false);
    f.visit_type(ty);
    f.0
}

/// True when the type names no generic parameter of the function, no `Self` and no
/// `impl Trait`: only then can "is this a future?" be decided where the function is defined.
fn is_concrete(ty: &Type, sig: &Signature) -> bool {
    struct Finder<'s> {
        names: Vec<&'s syn::Ident>,
        generic: bool,
    }
    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_type_impl_trait(&mut self, _: &'a syn::TypeImplTrait) {
            self.generic = true;
        }
        fn visit_type_path(&mut self, p: &'a syn::TypePath) {
            if p.qself.is_some() {
                self.generic = true;
            }
            if let Some(first) = p.path.segments.first() {
                if first.ident == "Self" || self.names.iter().any(|n| **n == first.ident) {
                    self.generic = true;
                }
            }
            syn::visit::visit_type_path(self, p);
        }
        fn visit_type_macro(&mut self, _: &'a syn::TypeMacro) {
            self.generic = true;
        }
    }
    let names = sig
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            syn::GenericParam::Const(c) => Some(&c.ident),
            _ => None,
        })
        .collect();
    let mut f = Finder { names, generic: false };
    f.visit_type(ty);
    !f.generic
}

/// The same tokens, every one of them at `span`: lets rustc blame the user's token (the return
/// type, the `usage` closure) for an error in a call the macro generated.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut ng = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                ng.set_span(span);
                tt = TokenTree::Group(ng);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// A value as the builder takes it: string literals are not copied.
fn value(expr: &Expr, krate: &TokenStream) -> TokenStream {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => quote_spanned!(s.span()=> #krate::__private::Static(#s)),
        other => other.to_token_stream(),
    }
}

fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|l| l.strip_prefix(' ').unwrap_or(&l).trim_end().to_owned())
        .collect();
    // The first paragraph: the summary line(s) rustdoc shows.
    let text = lines.split(|l| l.trim().is_empty()).find(|p| !p.is_empty())?.join(" ");
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn builder(kind: MacroKind, args: &Args, item: &FnItem, krate: &TokenStream, stream: bool) -> TokenStream {
    let fn_name = item.sig.ident.to_string();
    let p = quote!(#krate::__private);
    let mut b = match kind {
        MacroKind::Span => {
            let op = args.operation.as_ref().map(Operation::lit).expect("validated: operation is present");
            // Provider and model are set through their own method calls (below), so that a
            // type error is blamed on the argument, not on the whole attribute.
            quote!(#p::GenAiSpan::inference(#p::Static(#op), ::core::option::Option::None::<#p::Static>, ::core::option::Option::None::<#p::Static>))
        }
        MacroKind::Tool | MacroKind::Agent => {
            let name = match &args.name {
                Some(e) => value(e, krate),
                None => {
                    let lit = syn::LitStr::new(&fn_name, item.sig.ident.span());
                    quote!(#p::Static(#lit))
                }
            };
            if kind == MacroKind::Tool {
                quote!(#p::GenAiSpan::tool(#name))
            } else {
                quote!(#p::GenAiSpan::agent(#name))
            }
        }
    };
    if kind == MacroKind::Span {
        if let Some(name) = &args.name {
            let v = value(name, krate);
            b = quote!(#b.span_name(#v));
        }
    }
    for (key, expr) in &args.values {
        let method = match (kind, key.to_string().as_str()) {
            (_, "input_messages" | "system_instructions" | "tool_definitions" | "output_messages" | "arguments") => continue,
            (_, "call_id") => format_ident!("tool_call_id", span = key.span()),
            (_, "id") => format_ident!("agent_id", span = key.span()),
            (_, "version") => format_ident!("agent_version", span = key.span()),
            _ => key.clone(),
        };
        let v = value(expr, krate);
        let dot = respan(quote!(.), key.span());
        b = quote_spanned!(expr.span()=> #b #dot #method(#v));
    }
    if stream {
        b = quote!(#b.stream(true));
    }
    if kind == MacroKind::Span {
        let expects = !matches!(args.usage, UsageArg::Off) && args.operation.as_ref().is_some_and(Operation::requires_usage);
        if !expects {
            b = quote!(#b.expects_usage(false));
        }
    }
    if kind != MacroKind::Span && args.get("description").is_none() {
        if let Some(doc) = doc_comment(&item.attrs) {
            b = quote!(#b.description(#p::Static(#doc)));
        }
    }
    for f in &args.fields {
        let key = &f.key;
        let v = &f.value;
        b = quote_spanned!(v.span()=> #b.attribute(#key, #v));
    }
    b
}

fn classify(kind: MacroKind, args: &Args, krate: &TokenStream, output_span: Span) -> TokenStream {
    classify_with(kind, args, krate, output_span, false)
}

/// The span of what a closure returns (its body), for errors about that value.
fn returned_span(f: &Expr) -> Span {
    match f {
        Expr::Closure(c) => c.body.span(),
        other => other.span(),
    }
}

fn classify_with(kind: MacroKind, args: &Args, krate: &TokenStream, output_span: Span, chunk: bool) -> TokenStream {
    let p = quote!(#krate::__private);
    let out = format_ident!("__genai_o11y_out");
    let error = quote! {{
        #[allow(unused_imports)]
        use #p::spez::{ErrorNone as _, ErrorViaDisplay as _, ErrorViaErrorType as _, ErrorViaResult as _};
        (&&&&#p::spez::Probe(#out)).__genai_o11y_error()
    }};
    let usage = match (kind, &args.usage) {
        (MacroKind::Span, UsageArg::FromReturn) => {
            if args.operation.as_ref().is_some_and(Operation::requires_usage) {
                let call = if chunk {
                    respan(quote!(#p::required_chunk_usage), output_span)
                } else {
                    respan(quote!(#p::required_usage), output_span)
                };
                let arg = syn::Ident::new("__genai_o11y_out", output_span);
                quote_spanned!(output_span=> #call(#arg))
            } else {
                quote! {{
                    #[allow(unused_imports)]
                    use #p::spez::{UsageNone as _, UsageSome as _};
                    (&&#p::spez::Probe(#out)).__genai_o11y_usage()
                }}
            }
        }
        (MacroKind::Span, UsageArg::With(f)) => {
            let call = respan(quote!(#p::usage_with), returned_span(f));
            quote_spanned! {f.span()=>
            #call(
                {
                    #[allow(unused_imports)]
                    use #p::spez::{OkOfResult as _, OkOfValue as _};
                    (&&#p::spez::Probe(#out)).__genai_o11y_ok()
                },
                #f,
            )
        }}
        _ => quote!(#p::UsageSource::None),
    };
    let ok = quote! {{
        #[allow(unused_imports)]
        use #p::spez::{OkOfResult as _, OkOfValue as _};
        (&&#p::spez::Probe(#out)).__genai_o11y_ok()
    }};
    let output = match (kind, args.get("output_messages")) {
        (MacroKind::Span, Some(f)) => {
            let call = respan(quote!(#p::output_with), returned_span(f));
            quote_spanned!(f.span()=> if __genai_o11y_capturing { #call(#ok, #f) } else { ::core::option::Option::None })
        }
        (MacroKind::Tool, _) => quote! {
            if __genai_o11y_capturing {
                #[allow(unused_imports)]
                use #p::capture_spez::{OkJsonResult as _, OkJsonSome as _, OkJsonValue as _, ValueJsonSome as _};
                (&&&#p::capture_spez::JsonProbe(#out)).__genai_o11y_ok_json()
            } else {
                ::core::option::Option::None
            }
        },
        _ => return quote!(#p::Outcome::__new(#usage, #error)),
    };
    quote!(#p::Outcome::__new(#usage, #error).with_output(#output))
}

/// `if false { return <a value of the declared type>; }` at the start of an async body: it pins
/// the block's type to the declared one, so a type error in the body is reported at the user's
/// line, not at the attribute.
fn fake_return(ret_span: Span, allow: &TokenStream, output_erased: &impl ToTokens) -> TokenStream {
    quote_spanned! {ret_span=>
        #allow
        if false {
            let __genai_o11y_fake_return: #output_erased = loop {};
            return __genai_o11y_fake_return;
        }
    }
}

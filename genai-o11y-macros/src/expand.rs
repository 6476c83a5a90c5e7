//! Code generation for `#[genai_span]`, `#[genai_tool]` and `#[genai_agent]`.
//!
//! The generated code is a few calls into `genai_o11y::__private`: build a `GenAiSpan` from the
//! arguments (evaluated once, before the body), start it, run the body as a unit (an
//! `async move` block, or an `FnOnce` closure for sync functions) so that early `return` and `?`
//! pass through the recording, and classify the returned value by its *type*.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream};
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
    } else if let Some((output, boxed)) = future_output(&ret_ty) {
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

    let builder = builder(kind, args, &item, &krate);
    let classify = classify(kind, args, &krate, output_span);
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

    let new_body = match shape {
        Shape::Async => {
            // The fake return pins the block's type to the declared one, so a type error in the
            // body is reported at the user's line, not at the attribute.
            let fake = quote_spanned! {ret_span=>
                #allow
                if false {
                    let __genai_o11y_fake_return: #output_erased = loop {};
                    return __genai_o11y_fake_return;
                }
            };
            quote! {
                let #call = #builder.start();
                #krate::__private::instrument(
                    #call,
                    async move {
                        #fake
                        #body
                    },
                    #allow move |#out: &#output_erased| #classify,
                ).await
            }
        }
        Shape::ReturnsFuture { boxed, .. } => {
            let inner = if has_impl_trait(&ret_ty) {
                quote!(#krate::__private::call_once(move || #body))
            } else {
                quote!(#krate::__private::call_once(move || -> #ret_ty #body))
            };
            let wrapped = quote!(#krate::__private::instrument(#call, __genai_o11y_future, #allow move |#out: &#output_erased| #classify));
            let wrapped = if boxed { quote!(#krate::__private::std::boxed::Box::pin(#wrapped)) } else { wrapped };
            quote! {
                let #call = #builder.start();
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
                let #call = #builder.start();
                #krate::__private::run_sync(#call, #closure, #allow move |#out: &#output_erased| #classify)
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

/// `impl Future<Output = X>`, `Pin<Box<dyn Future<Output = X> ..>>`, `BoxFuture<'_, X>`,
/// `LocalBoxFuture<'_, X>`: returns X and whether the result must be boxed again.
fn future_output(ty: &Type) -> Option<(Type, bool)> {
    match ty {
        Type::ImplTrait(it) => bounds_output(it.bounds.iter()).map(|o| (o, false)),
        Type::Paren(p) => future_output(&p.elem),
        Type::Group(g) => future_output(&g.elem),
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            let args = match &last.arguments {
                PathArguments::AngleBracketed(a) => a,
                _ => return None,
            };
            let types: Vec<&Type> = args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect();
            match last.ident.to_string().as_str() {
                "Pin" => {
                    let boxed = match types.as_slice() {
                        [Type::Path(b)] => b.path.segments.last().filter(|s| s.ident == "Box")?,
                        _ => return None,
                    };
                    let inner = match &boxed.arguments {
                        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|a| match a {
                            GenericArgument::Type(Type::TraitObject(o)) => Some(o),
                            _ => None,
                        })?,
                        _ => return None,
                    };
                    bounds_output(inner.bounds.iter()).map(|o| (o, true))
                }
                "BoxFuture" | "LocalBoxFuture" => types.first().map(|t| ((*t).clone(), true)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn bounds_output<'a>(bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Type> {
    for b in bounds {
        if let TypeParamBound::Trait(t) = b {
            let last = t.path.segments.last()?;
            if last.ident != "Future" && last.ident != "IntoFuture" {
                continue;
            }
            if let PathArguments::AngleBracketed(a) = &last.arguments {
                for arg in &a.args {
                    if let GenericArgument::AssocType(at) = arg {
                        if at.ident == "Output" {
                            return Some(at.ty.clone());
                        }
                    }
                }
            }
            return Some(syn::parse_quote!(()));
        }
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

fn builder(kind: MacroKind, args: &Args, item: &FnItem, krate: &TokenStream) -> TokenStream {
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
            (_, "call_id") => format_ident!("tool_call_id", span = key.span()),
            (_, "id") => format_ident!("agent_id", span = key.span()),
            (_, "version") => format_ident!("agent_version", span = key.span()),
            _ => key.clone(),
        };
        let v = value(expr, krate);
        let dot = respan(quote!(.), key.span());
        b = quote_spanned!(expr.span()=> #b #dot #method(#v));
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
                let call = respan(quote!(#p::required_usage), output_span);
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
            let call = respan(quote!(#p::usage_with), f.span());
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
    quote!(#p::Outcome::__new(#usage, #error))
}

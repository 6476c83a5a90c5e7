//! Code generation for `#[genai_span]`, `#[genai_tool]` and `#[genai_agent]`.
//!
//! The generated code is a few calls into `genai_o11y::__private`: build a `GenAiSpanBuilder`
//! from the arguments (evaluated once, before the body; each argument becomes the builder method
//! its table entry names), start it, run the body as a unit (an `async move` block, or an
//! `FnOnce` closure for sync functions) so that early `return` and `?` pass through the
//! recording, and classify the returned value by its *type*, through the runtime's dispatch
//! macros. The whole item goes through `__private::select!`, which keeps the original function
//! when the application is built with `--cfg genai_o11y_disabled`.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, ReturnType, Type};

use crate::args::{Becomes, Default, MacroKind, Value};
use crate::fn_item::FnItem;
use crate::parse::{Args, UsageArg};
use crate::shape::{adapter_of, erase_impl_trait, has_impl_trait, is_concrete, stream_out, wrapped_output, Shape, StreamOut, FUTURE};

/// The instrumented item, or the original one when telemetry is compiled out.
///
/// The function item itself is emitted here, as written (attributes, signature, the body's inner
/// attributes, the body's braces); only what is inside its body goes through the runtime's
/// `select!`, so an unused annotated function gets the `dead_code` warning a plain one gets.
pub fn expand(kind: MacroKind, args: &Args, item: FnItem) -> TokenStream {
    let krate = args.krate();
    let (head, body_span, inner_attrs, instrumented, original) = generate(kind, args, item, &krate);
    // The body's braces keep the user's span: a function whose span ends in tokens of this
    // macro's expansion counts as macro-made, and macro-made functions get no `dead_code` warning.
    let mut body = proc_macro2::Group::new(
        Delimiter::Brace,
        quote! {
            #inner_attrs
            #krate::__private::select! {
                instrumented { { #instrumented } }
                original { { #original } }
            }
        },
    );
    body.set_span(body_span);
    quote!(#head #body)
}

/// Lints the generated code may trip and the user's code would not.
fn allow() -> TokenStream {
    quote!(#[allow(
        unknown_lints,
        unreachable_code,
        clippy::diverging_sub_expression,
        clippy::empty_loop,
        clippy::let_unit_value,
        clippy::let_with_type_underscore,
        clippy::needless_return,
        clippy::unreachable,
        clippy::redundant_closure_call
    )])
}

/// Everything the expansion of one function needs.
struct Ctx<'a> {
    kind: MacroKind,
    args: &'a Args,
    p: TokenStream,
    ret_ty: Type,
    ret_span: Span,
    shape: Shape,
    output_span: Span,
    output_erased: Type,
    /// A check that the output is no stream hidden behind a name (`None`: a stream was seen, or
    /// the type cannot be checked where the function is defined).
    hidden_stream_check: TokenStream,
    /// What the function produces (the future's output for a sync fn returning a future).
    output_ty: Type,
}

/// The function's head (attributes, visibility, signature), the body's inner attributes, and the
/// instrumented body and the original one (for `--cfg genai_o11y_disabled`), as statements.
fn generate(kind: MacroKind, args: &Args, item: FnItem, krate: &TokenStream) -> (TokenStream, Span, TokenStream, TokenStream, TokenStream) {
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
        Shape::ReturnsFuture { output: Box::new(output), boxed }
    } else {
        Shape::Sync
    };
    let (output_ty, output_span) = match &shape {
        Shape::ReturnsFuture { output, .. } => ((**output).clone(), output.span()),
        _ => (ret_ty.clone(), ret_span),
    };
    let p = quote!(#krate::__private);
    let stream = if kind == MacroKind::Span { stream_out(&output_ty, &p) } else { None };
    let hidden_stream_check = if kind == MacroKind::Span && stream.is_none() && is_concrete(&output_ty, &item.sig) {
        let check = respan(quote!(#p::check_not_stream!), output_span);
        quote_spanned!(output_span=> #check(#output_ty);)
    } else {
        TokenStream::new()
    };
    let cx = Ctx {
        kind,
        args,
        p,
        output_erased: erase_impl_trait(&output_ty),
        ret_ty,
        ret_span,
        shape,
        output_span,
        hidden_stream_check,
        output_ty: output_ty.clone(),
    };

    let start = start(&cx, &item, stream.is_some());
    let body = item.body.clone().expect("validated: the function has a body");
    let body_span = match body.clone().into_iter().next() {
        Some(TokenTree::Group(g)) => g.span(),
        _ => Span::call_site(),
    };
    // The body's inner attributes (`#![allow(..)]`) stay first in the function's body.
    let (inner_attrs, stmts) = split_inner_attributes(&body);
    let body = quote!({ #stmts });
    let original = original(&cx, &item, &start, stream.as_ref(), &output_ty, &body);
    let new_body = match &stream {
        Some(st) => stream_body(&cx, st, start, body),
        None => plain_body(&cx, &item, start, body),
    };
    let FnItem { attrs, vis, defaultness, sig, .. } = item;
    (quote!(#(#attrs)* #vis #defaultness #sig), body_span, inner_attrs, new_body, original)
}

/// The function as written, for builds with telemetry compiled out, with the arguments still
/// type-checked: the builder, the captured expressions and the classifier of the return value sit
/// in closures that are never called. So a wrong type, a missing `HasUsage` or a future behind
/// an alias is an error in both builds, and a field read only by an argument is not dead code.
fn original(cx: &Ctx<'_>, item: &FnItem, start: &TokenStream, stream: Option<&StreamOut>, output_ty: &Type, body: &TokenStream) -> TokenStream {
    let p = &cx.p;
    let allow = quote!(#[allow(unused_mut, unused_variables, unreachable_code, clippy::all)]);
    let not_a_future = not_a_future(cx, item);
    let hidden_stream = &cx.hidden_stream_check;
    let mut checks = quote! {
        #allow
        let _ = || {
            #not_a_future
            #hidden_stream
            #start
        };
    };
    // The classifier, where the type it reads is written out (not `impl Trait`).
    let read = match stream {
        Some(st) if !has_impl_trait(&st.item) => Some((st.item.clone(), st.item.span(), true)),
        Some(_) => None,
        None if !has_impl_trait(output_ty) => Some((output_ty.clone(), cx.output_span, false)),
        None => None,
    };
    if let Some((ty, span, chunk)) = read {
        let classify = classify(cx, span, chunk);
        checks.extend(quote! {
            #allow
            #p::check_classifier::<#ty, _>(|__genai_o11y_out, __genai_o11y_capturing| #classify);
        });
    }
    let stmts = body_statements(body);
    quote! {
        #checks
        #stmts
    }
}

/// The inner attributes (`#![...]`) at the start of a braced body, and the rest of it.
fn split_inner_attributes(body: &TokenStream) -> (TokenStream, TokenStream) {
    let inner = match body.clone().into_iter().next() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g.stream(),
        _ => return (TokenStream::new(), body.clone()),
    };
    let tokens: Vec<TokenTree> = inner.into_iter().collect();
    let mut n = 0;
    while let [TokenTree::Punct(hash), TokenTree::Punct(bang), TokenTree::Group(g), ..] = &tokens[n..] {
        if hash.as_char() == '#' && bang.as_char() == '!' && g.delimiter() == Delimiter::Bracket {
            n += 3;
        } else {
            break;
        }
    }
    (tokens[..n].iter().cloned().collect(), tokens[n..].iter().cloned().collect())
}

/// For a sync function whose return type is written out: a compile error, with the fix, when that
/// type is a future (the span would cover only its creation).
fn not_a_future(cx: &Ctx<'_>, item: &FnItem) -> TokenStream {
    let (p, ret_ty) = (&cx.p, &cx.ret_ty);
    if matches!(cx.shape, Shape::Sync) && is_concrete(ret_ty, &item.sig) {
        let check = respan(quote!(#p::check_sync_return!), cx.ret_span);
        quote_spanned!(cx.ret_span=> #check(#ret_ty);)
    } else {
        TokenStream::new()
    }
}

/// `let mut call = <builder>.start();` and the content captured at entry.
fn start(cx: &Ctx<'_>, item: &FnItem, stream: bool) -> TokenStream {
    let builder = builder(cx, item, stream);
    let capture = capture_at_entry(cx, item);
    let p = &cx.p;
    // The builder is made only when telemetry is on, unless the call carries attribution (its
    // body's outgoing requests propagate it even when nothing is recorded here).
    let attribution = cx.args.values.iter().any(|g| matches!(g.arg.becomes.method(), Some("session_id" | "user_id")));
    let call = if attribution { quote!(#builder.start()) } else { quote!(#p::start_lazily(|| #builder)) };
    quote! {
        #[allow(unused_mut)]
        let mut __genai_o11y_call = #call;
        #capture
    }
}

/// The closure that classifies the returned value (or a stream's item).
fn classifier(cx: &Ctx<'_>, erased: &Type, span: Span, chunk: bool) -> TokenStream {
    let classify = classify(cx, span, chunk);
    let allow = allow();
    quote!(#allow move |__genai_o11y_out: &#erased, __genai_o11y_capturing: bool| #classify)
}

/// The body as the statements of a block we own: a one-line body (`{ Ok(x + 1) }`) placed as a
/// block inside our block would trip `unused_braces`. A body with inner attributes keeps its
/// braces (they must stay first in their block).
fn body_statements(body: &TokenStream) -> TokenStream {
    match split_inner_attributes(body) {
        (attrs, stmts) if attrs.is_empty() => stmts,
        _ => body.clone(),
    }
}

fn plain_body(cx: &Ctx<'_>, item: &FnItem, start: TokenStream, body: TokenStream) -> TokenStream {
    let p = &cx.p;
    let hidden_stream = &cx.hidden_stream_check;
    let start = quote!(#hidden_stream #start);
    let ret_ty = &cx.ret_ty;
    let classify = classifier(cx, &cx.output_erased, cx.output_span, false);
    match &cx.shape {
        Shape::Async => {
            let fake = fake_return(cx);
            let stmts = body_statements(&body);
            quote! {
                #start
                #p::instrument(__genai_o11y_call, async move { #fake #stmts }, #classify).await
            }
        }
        Shape::ReturnsFuture { boxed, .. } => {
            let inner = if has_impl_trait(ret_ty) { quote!(#p::call_once(move || #body)) } else { quote!(#p::call_once(move || -> #ret_ty #body)) };
            let wrapped = quote!(#p::instrument(__genai_o11y_call, __genai_o11y_future, #classify));
            let wrapped = if *boxed { quote!(#p::std::boxed::Box::pin(#wrapped)) } else { wrapped };
            quote! {
                #start
                let __genai_o11y_future = #inner;
                #wrapped
            }
        }
        Shape::Sync => {
            let closure = sync_closure(cx, body);
            let not_a_future = not_a_future(cx, item);
            quote! {
                #not_a_future
                #start
                #p::run_sync(__genai_o11y_call, #closure, #classify)
            }
        }
    }
}

fn sync_closure(cx: &Ctx<'_>, body: TokenStream) -> TokenStream {
    let ret_ty = &cx.ret_ty;
    if has_impl_trait(ret_ty) {
        quote!(move || #body)
    } else {
        quote_spanned!(cx.ret_span=> move || -> #ret_ty #body)
    }
}

/// A function returning a stream (or an iterator): the body runs inside the span (it may connect,
/// and fail), then the stream it returns is wrapped so the span lasts until the stream ends (the
/// iterator is exhausted) or is dropped.
fn stream_body(cx: &Ctx<'_>, st: &StreamOut, start: TokenStream, body: TokenStream) -> TokenStream {
    let p = &cx.p;
    let ret_ty = &cx.ret_ty;
    let classify = classifier(cx, &erase_impl_trait(&st.item), st.item.span(), true);
    let wrap_one = |stream: TokenStream| match (st.iterator, st.boxed) {
        (false, false) => quote!(#p::instrument_stream(__genai_o11y_call, #stream, #classify)),
        (false, true) => quote!(#p::std::boxed::Box::pin(#p::instrument_stream(__genai_o11y_call, #stream, #classify))),
        (true, false) => quote!(#p::instrument_iter(__genai_o11y_call, #stream, #classify)),
        (true, true) => quote!(#p::std::boxed::Box::new(#p::instrument_iter(__genai_o11y_call, #stream, #classify))),
    };
    let wrap = if st.in_result {
        let ok = wrap_one(quote!(__genai_o11y_stream));
        quote! {{
            let __genai_o11y_error = #p::error_of!(&__genai_o11y_body_out);
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
    match &cx.shape {
        Shape::Async => {
            let fake = fake_return(cx);
            let stmts = body_statements(&body);
            quote! {
                #start
                let (__genai_o11y_call, __genai_o11y_body_out) = #p::run_body(__genai_o11y_call, async move { #fake #stmts }).await;
                #wrap
            }
        }
        Shape::Sync => {
            let closure = sync_closure(cx, body);
            quote! {
                #start
                let (__genai_o11y_call, __genai_o11y_body_out) = #p::run_sync_body(__genai_o11y_call, #closure);
                #wrap
            }
        }
        Shape::ReturnsFuture { boxed, .. } => {
            let inner = if has_impl_trait(ret_ty) { quote!(#p::call_once(move || #body)) } else { quote!(#p::call_once(move || -> #ret_ty #body)) };
            let fut = quote! {
                async move {
                    let (__genai_o11y_call, __genai_o11y_body_out) = #p::run_body(__genai_o11y_call, __genai_o11y_future).await;
                    #wrap
                }
            };
            let fut = if *boxed { quote!(#p::std::boxed::Box::pin(#fut)) } else { fut };
            quote! {
                #start
                let __genai_o11y_future = #inner;
                #fut
            }
        }
    }
}

/// Content captured at entry (before the body moves anything): the expressions are evaluated
/// and serialized only when capture is on for this call.
fn capture_at_entry(cx: &Ctx<'_>, item: &FnItem) -> TokenStream {
    let p = &cx.p;
    let mut out = TokenStream::new();
    for arg in cx.kind.args() {
        let Becomes::CaptureAtEntry(variant) = arg.becomes else { continue };
        let variant = format_ident!("{}", variant);
        match cx.args.get(arg.key) {
            Some(g) => {
                let e = &g.value;
                let call = respan(quote!(#p::capture), e.span());
                out.extend(quote_spanned! {e.span()=>
                    #call(&mut __genai_o11y_call, #p::ContentKind::#variant, &(#e));
                });
            }
            None if arg.default == Default::Parameters => {
                // A tool's call id is not one of its arguments: the parameters its `call_id`
                // names are left out.
                let skip = cx.args.get("call_id").map(|g| idents_in(&g.value)).unwrap_or_default();
                out.extend(capture_parameters(cx.kind, p, item, &variant, &skip))
            }
            None => {}
        }
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

/// The variables an expression reads (`call.id.clone()` → `call`; `call_id` → `call_id`).
fn idents_in(e: &Expr) -> Vec<String> {
    struct Paths(Vec<String>);
    impl<'a> syn::visit::Visit<'a> for Paths {
        fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
            if let Some(i) = p.path.get_ident() {
                self.0.push(i.unraw().to_string());
            }
        }
    }
    let mut v = Paths(Vec::new());
    syn::visit::Visit::visit_expr(&mut v, e);
    v.0
}

/// The function's parameters as a JSON object, each captured if it is serializable, but those
/// named in `skip`.
fn capture_parameters(kind: MacroKind, p: &TokenStream, item: &FnItem, variant: &syn::Ident, skip: &[String]) -> TokenStream {
    let mut inserts = TokenStream::new();
    for input in &item.sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            if let syn::Pat::Ident(pi) = &*pt.pat {
                let ident = &pi.ident;
                if skip.contains(&ident.unraw().to_string()) {
                    continue;
                }
                let name = ident.unraw().to_string();
                inserts.extend(quote! {
                    if let ::core::option::Option::Some(v) = #p::json_of!(&#ident) {
                        __genai_o11y_args.insert(::std::string::String::from(#name), v);
                    }
                });
            }
        }
    }
    // An agent's parameters are its input: one user message. A guard's: the value of a single
    // one (the text it checks), else their object.
    let wrap = if matches!(kind, MacroKind::Agent | MacroKind::Workflow) {
        quote!(#p::as_user_message(__genai_o11y_args))
    } else if kind == MacroKind::Guard {
        quote!(#p::guard_input(__genai_o11y_args))
    } else {
        quote!(::core::option::Option::Some(__genai_o11y_args))
    };
    quote! {
        let mut __genai_o11y_args = #p::serde_json::Map::new();
        #inserts
        let __genai_o11y_args = #p::serde_json::Value::Object(__genai_o11y_args);
        __genai_o11y_call.capture(#p::ContentKind::#variant, #wrap);
    }
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
fn value(expr: &Expr, p: &TokenStream) -> TokenStream {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => quote_spanned!(s.span()=> #p::Static(#s)),
        other => other.to_token_stream(),
    }
}

/// `7` or `-7`.
fn is_int_literal(e: &Expr) -> bool {
    match e {
        Expr::Lit(ExprLit { lit: Lit::Int(_), .. }) => true,
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => is_int_literal(&u.expr),
        _ => false,
    }
}

/// The first paragraph of the doc comment: the summary line(s) rustdoc shows.
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
    let text = lines.split(|l| l.trim().is_empty()).find(|p| !p.is_empty())?.join(" ");
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// The builder: the constructor, then one method call per argument, in the order given (each
/// spanned at its argument, so a type error is blamed on it), then the defaults.
fn builder(cx: &Ctx<'_>, item: &FnItem, stream: bool) -> TokenStream {
    let (p, args, kind) = (&cx.p, cx.args, cx.kind);
    let constructor = format_ident!("{}", kind.constructor());
    let mut b = match kind {
        MacroKind::Span => {
            let op = args.operation.as_ref().map(|o| o.lit()).expect("validated: operation is present");
            // Provider and model are set through their own method calls (below), so that a
            // type error is blamed on the argument, not on the whole attribute.
            quote!(#p::GenAiSpanBuilder::#constructor(#p::Static(#op), ::core::option::Option::None::<#p::Static>, ::core::option::Option::None::<#p::Static>))
        }
        MacroKind::Retrieval => quote!(#p::GenAiSpanBuilder::#constructor()),
        MacroKind::Memory => {
            let op = args.values.iter().find(|g| g.arg.becomes == Becomes::Constructor).map(|g| value(&g.value, p)).expect("validated: operation is present");
            quote!(#p::GenAiSpanBuilder::#constructor(#op))
        }
        MacroKind::Tool | MacroKind::Agent | MacroKind::Workflow | MacroKind::Guard => {
            let name = match args.values.iter().find(|g| g.arg.becomes == Becomes::Constructor) {
                Some(g) => value(&g.value, p),
                None => {
                    let lit = syn::LitStr::new(&item.sig.ident.unraw().to_string(), item.sig.ident.span());
                    quote!(#p::Static(#lit))
                }
            };
            quote!(#p::GenAiSpanBuilder::#constructor(#name))
        }
    };
    for g in &args.values {
        let Some(method) = g.arg.becomes.method() else { continue };
        let method = syn::Ident::new(method, g.key.span());
        let v = match (&g.value, g.arg.value) {
            // `temperature = 1`: an integer literal where a number is expected is that number.
            (e, Value::Float) if is_int_literal(e) => quote_spanned!(e.span()=> #e as f64),
            (e, _) => value(e, p),
        };
        let dot = respan(quote!(.), g.key.span());
        b = quote_spanned!(g.value.span()=> #b #dot #method(#v));
    }
    for arg in kind.args().filter(|a| a.default == Default::DocComment && args.get(a.key).is_none()) {
        if let (Some(method), Some(doc)) = (arg.becomes.method(), doc_comment(&item.attrs)) {
            let method = format_ident!("{}", method);
            b = quote!(#b.#method(#p::Static(#doc)));
        }
    }
    if stream {
        b = quote!(#b.stream(true));
    }
    if kind == MacroKind::Span {
        let expects = !matches!(args.usage, UsageArg::Off) && args.operation.as_ref().is_some_and(|o| o.requires_usage());
        if !expects {
            b = quote!(#b.expects_usage(false));
        }
    }
    for f in &args.fields {
        let key = &f.key;
        let v = &f.value;
        b = quote_spanned!(v.span()=> #b.attribute(#key, #v));
    }
    b
}

/// The span of what a closure returns (its body), for errors about that value.
fn returned_span(f: &Expr) -> Span {
    match f {
        Expr::Closure(c) => c.body.span(),
        other => other.span(),
    }
}

/// The outcome of `__genai_o11y_out` (the returned value, or a stream's item when `chunk`): its
/// usage, its error, and its captured output.
fn classify(cx: &Ctx<'_>, output_span: Span, chunk: bool) -> TokenStream {
    let (p, args, kind) = (&cx.p, cx.args, cx.kind);
    let error = quote!(#p::error_of!(__genai_o11y_out));
    let ok = quote!(#p::ok_of!(__genai_o11y_out));
    let none = quote!(::core::option::Option::None);
    let usage = match (kind, &args.usage) {
        (MacroKind::Span, UsageArg::FromReturn) if args.operation.as_ref().is_some_and(|o| o.requires_usage()) => {
            let name = match (adapter_of(&cx.output_ty), chunk) {
                (Some(prefix), true) => format_ident!("{}_required_chunk_usage", prefix),
                (Some(prefix), false) => format_ident!("{}_required_usage", prefix),
                (None, true) => format_ident!("required_chunk_usage"),
                (None, false) => format_ident!("required_usage"),
            };
            let call = respan(quote!(#p::#name), output_span);
            let arg = syn::Ident::new("__genai_o11y_out", output_span);
            quote_spanned!(output_span=> #call(#arg))
        }
        (MacroKind::Span, UsageArg::FromReturn) => quote!(#p::optional_usage_of!(__genai_o11y_out)),
        (MacroKind::Span, UsageArg::With(f)) => {
            let call = respan(quote!(#p::usage_with), returned_span(f));
            quote_spanned!(f.span()=> #call(#ok, #f))
        }
        _ => quote!(#none::<&dyn #p::HasUsage>),
    };
    let output = match args.values.iter().find(|g| g.arg.becomes == Becomes::CaptureOutput) {
        Some(g) => {
            let f = &g.value;
            let call = respan(quote!(#p::output_with), returned_span(f));
            quote_spanned!(f.span()=> if __genai_o11y_capturing { #call(#ok, #f) } else { #none })
        }
        // A stream's chunk, when it is serializable: folded into the streamed answer.
        None if chunk => quote!(if __genai_o11y_capturing { #p::ok_json_of!(__genai_o11y_out) } else { #none }),
        // A tool's result is captured when it is serializable.
        None if kind == MacroKind::Tool => quote!(if __genai_o11y_capturing { #p::ok_json_of!(__genai_o11y_out) } else { #none }),
        // An agent's answer, by default: its serializable success value as one assistant message.
        None if kind.args().any(|a| a.becomes == Becomes::CaptureOutput && a.default == Default::OkValue) => {
            quote!(if __genai_o11y_capturing { #p::as_assistant_message(#p::ok_json_of!(__genai_o11y_out)) } else { #none })
        }
        None => none,
    };
    let outcome = quote!(#p::outcome(#usage, #error, #output));
    if kind == MacroKind::Memory {
        return quote!(#outcome.with_record_count(#p::record_count_of!(__genai_o11y_out)));
    }
    if kind == MacroKind::Guard {
        let decision = guard_decision(cx, output_span);
        return quote!(#outcome.with_decision(#decision));
    }
    // A command tool: the exit code of the process it ran, when its value carries one.
    if kind == MacroKind::Tool
        && args.get("refinement").is_some_and(|g| matches!(&g.value, Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) if s.value() == "command"))
    {
        return quote!(#outcome.with_exit_code(#p::exit_code_of!(__genai_o11y_out)));
    }
    if kind != MacroKind::Retrieval {
        return outcome;
    }
    let documents = match &args.documents {
        UsageArg::FromReturn => {
            let call = respan(quote!(#p::required_documents), output_span);
            let arg = syn::Ident::new("__genai_o11y_out", output_span);
            quote_spanned!(output_span=> #call(#arg))
        }
        UsageArg::With(f) => {
            let call = respan(quote!(#p::documents_with), returned_span(f));
            quote_spanned!(f.span()=> #call(#ok, #f))
        }
        UsageArg::Off => quote!(::core::option::Option::None),
    };
    quote!(#outcome.with_documents(#documents))
}

/// A guard's decision: read by the `decision = ...` closure from the success value, else from
/// the return value through `GuardDecision` (an error at the return type when it has none).
fn guard_decision(cx: &Ctx<'_>, output_span: Span) -> TokenStream {
    let p = &cx.p;
    match &cx.args.decision {
        Some(f) => {
            let ok = quote!(#p::ok_of!(__genai_o11y_out));
            let call = respan(quote!(#p::decision_with), returned_span(f));
            quote_spanned!(f.span()=> #call(#ok, #f))
        }
        None => {
            let call = respan(quote!(#p::required_decision), output_span);
            let arg = syn::Ident::new("__genai_o11y_out", output_span);
            quote_spanned!(output_span=> #call(#arg))
        }
    }
}

/// `if false { return <a value of the declared type>; }` at the start of an async body: it pins
/// the block's type to the declared one, so a type error in the body is reported at the user's
/// line, not at the attribute.
fn fake_return(cx: &Ctx<'_>) -> TokenStream {
    let allow = allow();
    let erased = &cx.output_erased;
    quote_spanned! {cx.ret_span=>
        #allow
        if false {
            let __genai_o11y_fake_return: #erased = loop {};
            return __genai_o11y_fake_return;
        }
    }
}

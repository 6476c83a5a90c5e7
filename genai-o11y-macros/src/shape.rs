//! What the function returns: a value, a future (`async fn`, `impl Future`, a boxed future) or
//! a stream (directly or inside a `Result`), read from the signature's types.

use proc_macro2::TokenStream;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{GenericArgument, PathArguments, Signature, Token, Type, TypeParamBound};

/// How the function produces its value.
pub enum Shape {
    /// `async fn`: the output is the declared return type.
    Async,
    /// A sync fn returning a future (`impl Future<Output = X>`, `Pin<Box<dyn Future<Output = X>>>`,
    /// `BoxFuture<'_, X>`): the returned future is instrumented.
    ReturnsFuture { output: Box<Type>, boxed: bool },
    /// Any other sync fn.
    Sync,
}

/// A stream or iterator the function returns (directly or as the `Ok` of a `Result`).
pub struct StreamOut {
    pub item: Type,
    pub boxed: bool,
    pub in_result: bool,
    /// A (sync) iterator rather than a stream.
    pub iterator: bool,
}

/// `impl Stream<Item = X>`, `Pin<Box<dyn Stream<Item = X> ..>>`, `BoxStream<'_, X>`,
/// `LocalBoxStream<'_, X>`, a client crate's known stream alias (see [`KNOWN_STREAM_ALIASES`]),
/// or any of them as the first type argument of a `...Result<..>`. `p` is the path of the
/// runtime's `__private` (a known alias's item is projected through its `BoxedStream` trait).
///
/// Likewise an iterator (see [`iter_item`]): `impl Iterator<Item = X>`, `Box<dyn Iterator<Item = X> ..>`.
pub fn stream_out(ty: &Type, p: &TokenStream) -> Option<StreamOut> {
    let found = |t: &Type| stream_item(t, p).map(|(item, boxed)| (item, boxed, false)).or_else(|| iter_item(t).map(|(item, boxed)| (item, boxed, true)));
    if let Some((item, boxed, iterator)) = found(ty) {
        return Some(StreamOut { item, boxed, in_result: false, iterator });
    }
    if let Type::Path(tp) = ty {
        let last = tp.path.segments.last()?;
        if last.ident == "Result" {
            if let PathArguments::AngleBracketed(a) = &last.arguments {
                if let Some(GenericArgument::Type(first)) = a.args.first() {
                    let (item, boxed, iterator) = found(first)?;
                    return Some(StreamOut { item, boxed, in_result: true, iterator });
                }
            }
        }
    }
    None
}

/// The iterator traits the instrumented iterator implements (when the inner one does), and the
/// auto traits it keeps: a bound naming any other trait (`Clone`, `Debug`, your own) is not
/// taken for an iterator (the function is instrumented as a plain sync function, as before).
const ITERATOR_TRAITS: &[&str] = &["Iterator", "DoubleEndedIterator", "ExactSizeIterator", "FusedIterator"];
const AUTO_TRAITS: &[&str] = &["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"];

/// `impl Iterator<Item = X> [+ Send + 'a ..]` or `Box<dyn Iterator<Item = X> [+ Send + 'a ..]>`
/// (any of [`ITERATOR_TRAITS`] naming `Item`): returns X and whether it is boxed.
pub fn iter_item(ty: &Type) -> Option<(Type, bool)> {
    match ty {
        Type::ImplTrait(it) => iter_bounds(it.bounds.iter()).map(|item| (item, false)),
        Type::Paren(t) => iter_item(&t.elem),
        Type::Group(t) => iter_item(&t.elem),
        Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last().filter(|s| s.ident == "Box")?;
            let PathArguments::AngleBracketed(a) = &last.arguments else { return None };
            match a.args.iter().collect::<Vec<_>>().as_slice() {
                [GenericArgument::Type(Type::TraitObject(o))] => iter_bounds(o.bounds.iter()).map(|item| (item, true)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn iter_bounds<'a>(bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<Type> {
    let mut item = None;
    for b in bounds {
        let TypeParamBound::Trait(t) = b else { continue };
        if !matches!(t.modifier, syn::TraitBoundModifier::None) {
            return None;
        }
        let last = t.path.segments.last()?;
        if AUTO_TRAITS.iter().any(|n| last.ident == n) {
            continue;
        }
        if !ITERATOR_TRAITS.iter().any(|n| last.ident == n) {
            return None;
        }
        if let PathArguments::AngleBracketed(a) = &last.arguments {
            for arg in &a.args {
                if let GenericArgument::AssocType(at) = arg {
                    if at.ident == "Item" {
                        item = Some(at.ty.clone());
                    }
                }
            }
        }
    }
    item
}

/// Stream type aliases of client crates that have an adapter, by their last path segment: each is
/// a boxed `dyn Stream` (`Pin<Box<dyn Stream<Item = ..> + Send>>`), so its item is
/// `<Alias as BoxedStream>::Item` and the instrumented stream is boxed again into the same type.
/// async-openai 0.43: `chat().create_stream(..)`, `responses().create_stream(..)`,
/// `completions().create_stream(..)`, and the generic alias behind them.
pub const KNOWN_STREAM_ALIASES: &[&str] = &["ChatCompletionResponseStream", "ResponseStream", "CompletionResponseStream", "StreamResponse"];

fn stream_item(ty: &Type, p: &TokenStream) -> Option<(Type, bool)> {
    if let Some(found) = wrapped_output(ty, &STREAM) {
        return Some(found);
    }
    match ty {
        Type::Paren(t) => stream_item(&t.elem, p),
        Type::Group(t) => stream_item(&t.elem, p),
        Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last()?;
            let known = KNOWN_STREAM_ALIASES.iter().any(|a| last.ident == a);
            known.then(|| (syn::parse_quote!(<#ty as #p::BoxedStream>::Item), true))
        }
        _ => None,
    }
}

/// A type that wraps an output: a future (`Output`) or a stream (`Item`).
pub struct Wrapper {
    traits: &'static [&'static str],
    assoc: &'static str,
    /// Aliases of `Pin<Box<dyn Trait<Assoc = X>>>` whose first type argument is X.
    aliases: &'static [&'static str],
    /// X when the bound names the trait without the associated type (`impl Future`).
    default_unit: bool,
}

pub const FUTURE: Wrapper = Wrapper { traits: &["Future", "IntoFuture"], assoc: "Output", aliases: &["BoxFuture", "LocalBoxFuture"], default_unit: true };
pub const STREAM: Wrapper = Wrapper { traits: &["Stream"], assoc: "Item", aliases: &["BoxStream", "LocalBoxStream"], default_unit: false };

/// `impl W<Assoc = X>`, `Pin<Box<dyn W<Assoc = X> ..>>` or an alias `BoxW<'_, X>`: returns X and
/// whether the result must be boxed again.
pub fn wrapped_output(ty: &Type, w: &Wrapper) -> Option<(Type, bool)> {
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
pub fn erase_impl_trait(ty: &Type) -> Type {
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

pub fn has_impl_trait(ty: &Type) -> bool {
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
pub fn is_concrete(ty: &Type, sig: &Signature) -> bool {
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

/// The client crates that have an adapter behind a feature of the runtime, and the names of
/// their types that report usage through it: a return type naming one of them gets the usage
/// check whose error names the feature (`__private::{prefix}_required_usage`).
pub const ADAPTERS: &[(&str, &[&str])] = &[(
    "async_openai",
    &[
        "async_openai",
        "CreateChatCompletionResponse",
        "CreateChatCompletionStreamResponse",
        "ChatCompletionResponseStream",
        "ResponseStream",
        "ResponseStreamEvent",
        "CreateEmbeddingResponse",
    ],
)];

/// The adapter whose types `ty` names, if any (see [`ADAPTERS`]).
pub fn adapter_of(ty: &Type) -> Option<&'static str> {
    struct Names<'n>(&'n [&'n str], bool);
    impl<'a> Visit<'a> for Names<'_> {
        fn visit_path_segment(&mut self, seg: &'a syn::PathSegment) {
            if self.0.iter().any(|n| seg.ident == n) {
                self.1 = true;
            }
            syn::visit::visit_path_segment(self, seg);
        }
    }
    ADAPTERS.iter().find_map(|(prefix, names)| {
        let mut v = Names(names, false);
        v.visit_type(ty);
        v.1.then_some(*prefix)
    })
}

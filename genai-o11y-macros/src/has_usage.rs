//! `#[derive(HasUsage)]`.
//!
//! Fields are matched by name (`prompt_tokens`, `completion_tokens`, `model`, ...) or by an
//! explicit `#[usage(role)]`. Token fields may be any integer type or an `Option` of one (checked
//! by the `TokenCount` trait, so aliases work and the error points at the field's type).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Member, Path};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Input,
    Output,
    CacheRead,
    CacheWrite,
    Reasoning,
    ResponseId,
    ResponseModel,
    FinishReasons,
    Cost,
    Nested,
    /// A part of the input, output or cache-read count by modality (latest conventions).
    Modal(Part, Modality),
}

/// Which total a modality part belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Input,
    Output,
    CacheRead,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Modality {
    Text,
    Image,
    Audio,
}

impl Part {
    /// The `Usage` field that holds this part's split.
    fn field(self) -> &'static str {
        match self {
            Part::Input => "input_by_modality",
            Part::Output => "output_by_modality",
            Part::CacheRead => "cache_read_by_modality",
        }
    }
}

impl Modality {
    /// The `ByModality` field.
    fn field(self) -> &'static str {
        match self {
            Modality::Text => "text",
            Modality::Image => "image",
            Modality::Audio => "audio",
        }
    }
}

const ROLES: [(&str, Role); 19] = [
    ("input_tokens", Role::Input),
    ("output_tokens", Role::Output),
    ("cache_read", Role::CacheRead),
    ("cache_write", Role::CacheWrite),
    ("reasoning", Role::Reasoning),
    ("response_id", Role::ResponseId),
    ("response_model", Role::ResponseModel),
    ("finish_reasons", Role::FinishReasons),
    ("cost", Role::Cost),
    ("nested", Role::Nested),
    ("text_input", Role::Modal(Part::Input, Modality::Text)),
    ("image_input", Role::Modal(Part::Input, Modality::Image)),
    ("audio_input", Role::Modal(Part::Input, Modality::Audio)),
    ("text_output", Role::Modal(Part::Output, Modality::Text)),
    ("image_output", Role::Modal(Part::Output, Modality::Image)),
    ("audio_output", Role::Modal(Part::Output, Modality::Audio)),
    ("text_cache_read", Role::Modal(Part::CacheRead, Modality::Text)),
    ("image_cache_read", Role::Modal(Part::CacheRead, Modality::Image)),
    ("audio_cache_read", Role::Modal(Part::CacheRead, Modality::Audio)),
];

impl Role {
    fn name(self) -> &'static str {
        ROLES.iter().find(|(_, r)| *r == self).map(|(n, _)| *n).unwrap_or("?")
    }
    fn is_token(self) -> bool {
        matches!(self, Role::Input | Role::Output | Role::CacheRead | Role::CacheWrite | Role::Reasoning | Role::Modal(..))
    }
    /// Field names recognised without an attribute.
    fn by_name(name: &str) -> Option<Role> {
        Some(match name {
            "input_tokens" | "prompt_tokens" => Role::Input,
            "output_tokens" | "completion_tokens" => Role::Output,
            "cache_read_input_tokens" | "cache_read_tokens" | "cached_tokens" | "cached_input_tokens" => Role::CacheRead,
            "cache_creation_input_tokens" | "cache_write_input_tokens" | "cache_write_tokens" | "cache_creation_tokens" => Role::CacheWrite,
            "reasoning_tokens" | "reasoning_output_tokens" => Role::Reasoning,
            "id" | "response_id" => Role::ResponseId,
            "model" | "response_model" => Role::ResponseModel,
            "finish_reason" | "finish_reasons" | "stop_reason" => Role::FinishReasons,
            "cost" => Role::Cost,
            "usage" => Role::Nested,
            // The latest conventions' breakdown, `gen_ai.usage.{modality}.*` spelled as a field.
            "text_input_tokens" => Role::Modal(Part::Input, Modality::Text),
            "image_input_tokens" => Role::Modal(Part::Input, Modality::Image),
            "audio_input_tokens" => Role::Modal(Part::Input, Modality::Audio),
            "text_output_tokens" => Role::Modal(Part::Output, Modality::Text),
            "image_output_tokens" => Role::Modal(Part::Output, Modality::Image),
            "audio_output_tokens" => Role::Modal(Part::Output, Modality::Audio),
            "text_cache_read_input_tokens" => Role::Modal(Part::CacheRead, Modality::Text),
            "image_cache_read_input_tokens" => Role::Modal(Part::CacheRead, Modality::Image),
            "audio_cache_read_input_tokens" => Role::Modal(Part::CacheRead, Modality::Audio),
            _ => return None,
        })
    }
}

const NAMES_HELP: &str = "recognised field names: input_tokens/prompt_tokens, output_tokens/completion_tokens, cache_read_input_tokens/cached_tokens, cache_creation_input_tokens/cache_write_input_tokens, reasoning_tokens, id/response_id, model/response_model, finish_reason/finish_reasons, cost, usage (nested), {text,image,audio}_input_tokens, {text,image,audio}_output_tokens, {text,image,audio}_cache_read_input_tokens; or mark a field `#[usage(input_tokens)]`, `#[usage(output_tokens)]`, `#[usage(cache_read)]`, `#[usage(cache_write)]`, `#[usage(reasoning)]`, `#[usage(response_id)]`, `#[usage(response_model)]`, `#[usage(finish_reasons)]`, `#[usage(cost)]`, `#[usage(nested)]`, or a part by modality: `#[usage(audio_input)]`, `#[usage(image_output)]`, `#[usage(text_cache_read)]`, ...";

struct Mapped {
    role: Role,
    member: Member,
    ty: syn::Type,
}

struct ContainerOpts {
    excludes_cache: bool,
    krate: Option<Path>,
    currency: Option<syn::LitStr>,
}

fn container_opts(input: &DeriveInput) -> syn::Result<ContainerOpts> {
    let mut opts = ContainerOpts { excludes_cache: false, krate: None, currency: None };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("usage")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("input_excludes_cache") {
                if opts.excludes_cache {
                    return Err(meta.error("duplicate `input_excludes_cache`"));
                }
                opts.excludes_cache = true;
                Ok(())
            } else if meta.path.is_ident("crate") {
                opts.krate = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("currency") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                if lit.value().len() != 3 || !lit.value().chars().all(|c| c.is_ascii_uppercase()) {
                    return Err(syn::Error::new(lit.span(), "`currency` is an ISO 4217 code such as \"USD\" or \"EUR\""));
                }
                opts.currency = Some(lit);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown container option; expected `input_excludes_cache` (the provider's input count excludes cached tokens, as Anthropic's does), `currency = \"USD\"` (of a `cost` field) or `crate = path`",
                ))
            }
        })?;
    }
    Ok(opts)
}

/// The role of one field: from `#[usage(...)]`, else from its name. `Ok(None)` = not usage.
fn field_role(field: &syn::Field) -> syn::Result<Option<(Role, Span)>> {
    let mut explicit: Option<(Role, Span)> = None;
    let mut skip = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("usage")) {
        attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident() else {
                return Err(meta.error("expected a role"));
            };
            let name = ident.to_string();
            if explicit.is_some() || skip {
                return Err(meta.error("a field has one role: give one `#[usage(...)]`"));
            }
            if name == "skip" {
                skip = true;
                return Ok(());
            }
            match ROLES.iter().find(|(n, _)| *n == name) {
                Some((_, role)) => {
                    explicit = Some((*role, ident.span()));
                    Ok(())
                }
                None => {
                    let valid = ROLES.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                    Err(meta.error(format!("unknown usage role `{name}`; expected one of {valid}, or `skip`")))
                }
            }
        })?;
    }
    if skip {
        return Ok(None);
    }
    if explicit.is_some() {
        return Ok(explicit);
    }
    Ok(field.ident.as_ref().and_then(|i| Role::by_name(&i.to_string()).map(|r| (r, i.span()))))
}

fn map_fields(fields: &Fields) -> syn::Result<Vec<Mapped>> {
    let mut out: Vec<Mapped> = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for (i, field) in fields.iter().enumerate() {
        let role = match field_role(field) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
                continue;
            }
        };
        let member = match &field.ident {
            Some(id) => Member::Named(id.clone()),
            None => Member::Unnamed(syn::Index { index: i as u32, span: field.span() }),
        };
        if let Some(prev) = out.iter().find(|m| m.role == role.0) {
            let prev_name = match &prev.member {
                Member::Named(n) => n.to_string(),
                Member::Unnamed(i) => i.index.to_string(),
            };
            let e =
                syn::Error::new(role.1, format!("two fields for `{}`: `{prev_name}` already provides it; mark one of them `#[usage(skip)]`", role.0.name()));
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
            continue;
        }
        out.push(Mapped { role: role.0, member, ty: field.ty.clone() });
    }
    match errors {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The body of each trait method for one set of fields, reading them through `access(member)`.
struct Bodies {
    usage: TokenStream,
    id: TokenStream,
    model: TokenStream,
    reasons: TokenStream,
    cost: TokenStream,
}

fn bodies(mapped: &[Mapped], access: &dyn Fn(&Member) -> TokenStream, p: &TokenStream, excludes_cache: bool, currency: &str) -> Bodies {
    let mut sets = Vec::new();
    for m in mapped.iter().filter(|m| m.role.is_token()) {
        if let Role::Modal(part, modality) = m.role {
            let (part, modality) = (format_ident!("{}", part.field()), format_ident!("{}", modality.field()));
            let a = access(&m.member);
            let ty = &m.ty;
            sets.push(quote_spanned!(ty.span()=> __genai_o11y_u.#part.#modality = #p::token_count::<#ty>(#a);));
            continue;
        }
        let field = match m.role {
            Role::Input => "input_tokens",
            Role::Output => "output_tokens",
            Role::CacheRead => "cache_read_input_tokens",
            Role::CacheWrite => "cache_write_input_tokens",
            _ => "reasoning_output_tokens",
        };
        let field = format_ident!("{}", field);
        let a = access(&m.member);
        let ty = &m.ty;
        sets.push(quote_spanned!(ty.span()=> __genai_o11y_u.#field = #p::token_count::<#ty>(#a);));
    }
    let nested = mapped.iter().find(|m| m.role == Role::Nested).map(|m| {
        let a = access(&m.member);
        let ty = &m.ty;
        quote_spanned!(ty.span()=> <#ty as #p::HasUsage>::usage(#a))
    });
    let convention = if excludes_cache { quote!(__genai_o11y_u.input_convention = #p::InputTokens::ExcludesCache;) } else { TokenStream::new() };
    let own_tokens = !sets.is_empty();
    let usage = match (&nested, own_tokens) {
        (Some(n), true) => quote! {
            let mut __genai_o11y_u = #p::Usage::new();
            #(#sets)*
            #convention
            __genai_o11y_u.or(#n)
        },
        (Some(n), false) => quote! {
            #[allow(unused_mut)]
            let mut __genai_o11y_u = #n;
            #convention
            __genai_o11y_u
        },
        (None, _) => quote! {
            #[allow(unused_mut)]
            let mut __genai_o11y_u = #p::Usage::new();
            #(#sets)*
            #convention
            __genai_o11y_u
        },
    };
    let text = |role: Role, method: &str| -> TokenStream {
        let method = format_ident!("{}", method);
        match mapped.iter().find(|m| m.role == role) {
            Some(m) => {
                let a = access(&m.member);
                let ty = &m.ty;
                if role == Role::FinishReasons {
                    quote_spanned!(ty.span()=> #p::texts::<#ty>(#a))
                } else {
                    quote_spanned!(ty.span()=> #p::first_text::<#ty>(#a))
                }
            }
            None => match mapped.iter().find(|m| m.role == Role::Nested) {
                Some(m) => {
                    let a = access(&m.member);
                    let ty = &m.ty;
                    quote!(<#ty as #p::HasUsage>::#method(#a))
                }
                None if role == Role::FinishReasons => quote!(::std::vec::Vec::new()),
                None => quote!(::core::option::Option::None),
            },
        }
    };
    let cost = match mapped.iter().find(|m| m.role == Role::Cost) {
        Some(m) => {
            let a = access(&m.member);
            let ty = &m.ty;
            quote_spanned!(ty.span()=> #p::reported_cost::<#ty>(#a, #currency))
        }
        None => match mapped.iter().find(|m| m.role == Role::Nested) {
            Some(m) => {
                let a = access(&m.member);
                let ty = &m.ty;
                quote!(<#ty as #p::HasUsage>::cost(#a))
            }
            None => quote!(::core::option::Option::None),
        },
    };
    Bodies {
        usage,
        cost,
        id: text(Role::ResponseId, "response_id"),
        model: text(Role::ResponseModel, "response_model"),
        reasons: text(Role::FinishReasons, "finish_reasons"),
    }
}

fn has_counts(mapped: &[Mapped]) -> bool {
    mapped.iter().any(|m| m.role.is_token() || m.role == Role::Nested)
}

/// Does `ty` mention one of the type's generic parameters? Only then is a where-predicate
/// needed (and a predicate on a concrete type would be reported at the derive, not the field).
fn mentions_generics(ty: &syn::Type, generics: &syn::Generics) -> bool {
    use syn::visit::Visit;
    struct Finder<'g> {
        names: Vec<&'g Ident>,
        found: bool,
    }
    impl<'a> Visit<'a> for Finder<'_> {
        fn visit_path(&mut self, p: &'a syn::Path) {
            if let Some(first) = p.segments.first() {
                if self.names.iter().any(|n| **n == first.ident) {
                    self.found = true;
                }
            }
            syn::visit::visit_path(self, p);
        }
    }
    let names = generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(&t.ident),
            _ => None,
        })
        .collect();
    let mut f = Finder { names, found: false };
    f.visit_type(ty);
    f.found
}

/// Where-predicates for fields whose type is generic: `T: HasUsage` for nested fields,
/// `T: TokenCount` for counts, `T: TextField` for text.
fn predicates(mapped: &[Mapped], generics: &syn::Generics, p: &TokenStream, where_clause: &mut syn::WhereClause) {
    for m in mapped.iter().filter(|m| mentions_generics(&m.ty, generics)) {
        let ty = &m.ty;
        let bound = match m.role {
            Role::Nested => quote!(#p::HasUsage),
            Role::Cost => quote!(#p::CostField),
            r if r.is_token() => quote!(#p::TokenCount),
            _ => quote!(#p::TextField),
        };
        where_clause.predicates.push(syn::parse_quote_spanned!(ty.span()=> #ty: #bound));
    }
}

pub fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let opts = container_opts(&input)?;
    let p = match &opts.krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::genai_o11y::__private),
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut where_clause = where_clause.cloned().unwrap_or_else(|| syn::parse_quote!(where));

    let currency = opts.currency.as_ref().map(|l| l.value()).unwrap_or_else(|| "USD".to_owned());
    let (usage, id, model, reasons, cost) = match &input.data {
        Data::Struct(s) => {
            let mapped = map_fields(&s.fields)?;
            if !has_counts(&mapped) {
                return Err(syn::Error::new(
                    input.ident.span(),
                    format!("`{name}` has no token usage field: `HasUsage` needs at least one token count\n{NAMES_HELP}"),
                ));
            }
            predicates(&mapped, &input.generics, &p, &mut where_clause);
            let b = bodies(&mapped, &|m: &Member| quote!(&self.#m), &p, opts.excludes_cache, &currency);
            (b.usage, b.id, b.model, b.reasons, b.cost)
        }
        Data::Enum(e) => {
            let mut usage_arms = Vec::new();
            let mut id_arms = Vec::new();
            let mut model_arms = Vec::new();
            let mut reason_arms = Vec::new();
            let mut cost_arms = Vec::new();
            let mut any = false;
            let mut errors: Option<syn::Error> = None;
            for v in &e.variants {
                let mapped = match map_fields(&v.fields) {
                    Ok(m) => m,
                    Err(err) => {
                        match &mut errors {
                            Some(all) => all.combine(err),
                            None => errors = Some(err),
                        }
                        continue;
                    }
                };
                any |= has_counts(&mapped);
                predicates(&mapped, &input.generics, &p, &mut where_clause);
                let vname = &v.ident;
                let binding = |m: &Member| -> Ident {
                    match m {
                        Member::Named(n) => format_ident!("__genai_o11y_{}", n),
                        Member::Unnamed(i) => format_ident!("__genai_o11y_{}", i.index),
                    }
                };
                let pattern_fields: Vec<TokenStream> = mapped
                    .iter()
                    .map(|m| {
                        let b = binding(&m.member);
                        let member = &m.member;
                        quote!(#member: #b)
                    })
                    .collect();
                let pat = quote!(Self::#vname { #(#pattern_fields,)* .. });
                let b = bodies(&mapped, &|m: &Member| binding(m).to_token_stream(), &p, opts.excludes_cache, &currency);
                let (u, i, mo, r, c) = (b.usage, b.id, b.model, b.reasons, b.cost);
                cost_arms.push(quote!(#pat => #c,));
                usage_arms.push(quote!(#pat => { #u }));
                id_arms.push(quote!(#pat => #i,));
                model_arms.push(quote!(#pat => #mo,));
                reason_arms.push(quote!(#pat => #r,));
            }
            if let Some(e) = errors {
                return Err(e);
            }
            if !any {
                return Err(syn::Error::new(
                    input.ident.span(),
                    format!("no variant of `{name}` has a token usage field: `HasUsage` needs at least one token count\n{NAMES_HELP}"),
                ));
            }
            // (An enum without variants has no usage field: rejected above.)
            (
                quote!(#[allow(unused_variables)] match self { #(#usage_arms)* }),
                quote!(#[allow(unused_variables)] match self { #(#id_arms)* }),
                quote!(#[allow(unused_variables)] match self { #(#model_arms)* }),
                quote!(#[allow(unused_variables)] match self { #(#reason_arms)* }),
                quote!(#[allow(unused_variables)] match self { #(#cost_arms)* }),
            )
        }
        Data::Union(u) => {
            return Err(syn::Error::new(u.union_token.span(), "`HasUsage` cannot be derived for a union"));
        }
    };
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics #p::HasUsage for #name #ty_generics #where_clause {
            fn usage(&self) -> #p::Usage { #usage }
            fn response_id(&self) -> ::core::option::Option<&str> { #id }
            fn response_model(&self) -> ::core::option::Option<&str> { #model }
            fn finish_reasons(&self) -> ::std::vec::Vec<&str> { #reasons }
            fn cost(&self) -> ::core::option::Option<#p::Cost> { #cost }
        }
    })
}

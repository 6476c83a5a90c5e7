//! `#[derive(Document)]`: one item of a retrieval's result, read by field name (`id`, `score`)
//! or by attribute (`#[document(id)]`, `#[document(score)]`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Member};

/// The field that plays a role, and its type.
type Role = (Member, syn::Type);

const HELP: &str = "mark the fields with `#[document(id)]` and `#[document(score)]`, or name them `id` and `score`";

pub fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let p = crate::container::private_path(&input.attrs, "document")?;
    let name = &input.ident;
    let Data::Struct(s) = &input.data else {
        return Err(syn::Error::new(name.span(), "`#[derive(Document)]` applies to structs: one retrieved document each"));
    };
    let (mut id, mut score): (Option<Role>, Option<Role>) = (None, None);
    let fields: Vec<(Member, &syn::Field)> = match &s.fields {
        Fields::Named(n) => n.named.iter().map(|f| (Member::Named(f.ident.clone().expect("named")), f)).collect(),
        Fields::Unnamed(u) => u.unnamed.iter().enumerate().map(|(i, f)| (Member::Unnamed(i.into()), f)).collect(),
        Fields::Unit => Vec::new(),
    };
    // Marked fields first, then the conventional names.
    for (member, f) in &fields {
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("document")) {
            attr.parse_nested_meta(|m| {
                let slot = if m.path.is_ident("id") {
                    &mut id
                } else if m.path.is_ident("score") {
                    &mut score
                } else {
                    return Err(m.error("unknown field role: expected `id` or `score`"));
                };
                if slot.is_some() {
                    return Err(m.error("given twice: one field per role"));
                }
                *slot = Some((member.clone(), f.ty.clone()));
                Ok(())
            })?;
        }
    }
    for (member, f) in &fields {
        if let Member::Named(ident) = member {
            if id.is_none() && ident == "id" {
                id = Some((member.clone(), f.ty.clone()));
            }
            if score.is_none() && ident == "score" {
                score = Some((member.clone(), f.ty.clone()));
            }
        }
    }
    let Some((id_member, id_ty)) = id else {
        return Err(syn::Error::new(name.span(), format!("`{name}` has no document id field: {HELP}")));
    };
    let id_body = quote_spanned!(id_ty.span()=> #p::document_id(&self.#id_member));
    let score_body = match score {
        Some((m, ty)) => quote_spanned!(ty.span()=> #p::document_score(&self.#m)),
        None => quote!(::core::option::Option::None),
    };
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #p::Document for #name #ty_generics #where_clause {
            fn document_id(&self) -> ::core::option::Option<::std::borrow::Cow<'_, str>> {
                #id_body
            }
            fn document_score(&self) -> ::core::option::Option<f64> {
                #score_body
            }
        }
    })
}

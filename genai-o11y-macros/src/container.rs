//! The container option the derives share: `#[<attr>(crate = path)]`, where the generated code
//! finds the runtime.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Attribute;

/// The `__private` path of the runtime for a derive whose container attribute is `attr`
/// (`document`, `guard`): `#[attr(crate = path)]`, else `::genai_o11y`.
pub fn private_path(attrs: &[Attribute], attr: &str) -> syn::Result<TokenStream> {
    let mut krate: Option<syn::Path> = None;
    for a in attrs.iter().filter(|a| a.path().is_ident(attr)) {
        a.parse_nested_meta(|m| {
            if m.path.is_ident("crate") {
                krate = Some(m.value()?.parse()?);
                Ok(())
            } else {
                Err(m.error("unknown container option: the one option is `crate = path`"))
            }
        })?;
    }
    Ok(match &krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::genai_o11y::__private),
    })
}

//! The annotated function, its body kept as raw tokens so that half-written code still expands
//! and rustc reports the real error in the body; and the checks of the item itself.

use proc_macro2::TokenStream;
use proc_macro2::TokenTree;
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Signature, Token, Visibility};

use crate::args::MacroKind;

/// A function item, its body kept as raw tokens so that half-written code still expands and
/// rustc reports the real error in the body.
pub struct FnItem {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub defaultness: Option<Token![default]>,
    pub sig: Signature,
    pub body: Option<TokenStream>,
    pub semi: Option<Token![;]>,
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

/// Validates the item against the arguments; returns the item unchanged or an error.
pub fn validate(kind: MacroKind, item: &FnItem) -> syn::Result<()> {
    if let Some(c) = &item.sig.constness {
        return Err(syn::Error::new(c.span(), format!("`#[{}]` cannot be used on a `const fn`", kind.attr_name())));
    }
    if let Some(semi) = &item.semi {
        return Err(syn::Error::new(
            semi.span(),
            format!("`#[{}]` needs a function body: put it on the implementation, not on a trait method declaration", kind.attr_name()),
        ));
    }
    Ok(())
}

//! `#[derive(GuardDecision)]`: an enum of a guard's decisions. Each variant's kind comes from its
//! name (`Allow`, `Block`, ...) or `#[guard(allow | block | modify | escalate)]`; its fields fill
//! the decision by name (`reason`, `value`, `risk_category`, `risk_score`, `rule_id`) or by
//! `#[guard(reason)]`, ...

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Member};

/// The decision kinds: (attribute name, runtime variant, variant names recognised).
const KINDS: [(&str, &str, &[&str]); 4] = [
    ("allow", "Allow", &["Allow", "Allowed", "Pass", "Passed", "Ok", "Safe"]),
    ("block", "Block", &["Block", "Blocked", "Deny", "Denied", "Reject", "Rejected", "Refuse", "Refused"]),
    ("modify", "Modify", &["Modify", "Modified", "Redact", "Redacted", "Rewrite", "Rewritten", "Sanitize", "Sanitized", "Mask", "Masked"]),
    ("escalate", "Escalate", &["Escalate", "Escalated", "Review", "NeedsReview", "HumanReview"]),
];

/// The field roles: (attribute name, field names recognised).
const ROLES: [(&str, &[&str]); 5] = [
    ("reason", &["reason"]),
    ("value", &["value", "verdict"]),
    ("risk_category", &["risk_category", "category"]),
    ("risk_score", &["risk_score", "score"]),
    ("rule_id", &["rule_id", "rule"]),
];

fn kinds_list() -> String {
    KINDS.iter().map(|(k, _, _)| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

fn roles_list() -> String {
    ROLES.iter().map(|(r, _)| format!("`{r}`")).collect::<Vec<_>>().join(", ")
}

pub fn derive(input: DeriveInput) -> syn::Result<TokenStream> {
    let p = crate::container::private_path(&input.attrs, "guard")?;
    let name = &input.ident;
    let Data::Enum(e) = &input.data else {
        return Err(syn::Error::new(
            name.span(),
            "`#[derive(GuardDecision)]` applies to enums, one variant per decision (`Allow`, `Block { reason }`, ...); for another type implement `genai_o11y::guard::GuardDecision` or pass `decision = |v| ...` to `#[genai_guardrail]`",
        ));
    };
    if e.variants.is_empty() {
        return Err(syn::Error::new(name.span(), "`#[derive(GuardDecision)]` needs at least one variant"));
    }
    let mut arms = TokenStream::new();
    let mut errors: Option<syn::Error> = None;
    let mut push = |err: syn::Error| match &mut errors {
        Some(all) => all.combine(err),
        None => errors = Some(err),
    };
    for v in &e.variants {
        match arm(&p, name, v) {
            Ok(a) => arms.extend(a),
            Err(err) => push(err),
        }
    }
    if let Some(err) = errors {
        return Err(err);
    }
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics #p::GuardDecision for #name #ty_generics #where_clause {
            fn guard_decision(&self) -> #p::Decision {
                match self {
                    #arms
                }
            }
        }
    })
}

fn arm(p: &TokenStream, name: &syn::Ident, v: &syn::Variant) -> syn::Result<TokenStream> {
    let mut kind: Option<&'static str> = None;
    for attr in v.attrs.iter().filter(|a| a.path().is_ident("guard")) {
        attr.parse_nested_meta(|m| {
            match KINDS.iter().find(|(k, _, _)| m.path.is_ident(k)) {
                Some((_, variant, _)) if kind.is_none() => kind = Some(variant),
                Some(_) => return Err(m.error("one decision kind per variant")),
                None => return Err(m.error(format!("unknown decision kind: expected one of {}", kinds_list()))),
            }
            Ok(())
        })?;
    }
    let vname = v.ident.to_string();
    let kind = match kind.or_else(|| KINDS.iter().find(|(_, _, names)| names.contains(&vname.as_str())).map(|(_, variant, _)| *variant)) {
        Some(k) => k,
        None => {
            return Err(syn::Error::new(
                v.ident.span(),
                format!("`{vname}`: which decision is it? Mark it `#[guard(allow)]`, `#[guard(block)]`, `#[guard(modify)]` or `#[guard(escalate)]` (or name it `Allow`, `Block`, `Modify`, `Escalate`)"),
            ))
        }
    };
    let fields: Vec<(Member, &syn::Field)> = match &v.fields {
        Fields::Named(n) => n.named.iter().map(|f| (Member::Named(f.ident.clone().expect("named")), f)).collect(),
        Fields::Unnamed(u) => u.unnamed.iter().enumerate().map(|(i, f)| (Member::Unnamed(i.into()), f)).collect(),
        Fields::Unit => Vec::new(),
    };
    let mut roles: [Option<(Member, &syn::Field)>; 5] = Default::default();
    // Marked fields first, then the conventional names.
    for (member, f) in &fields {
        for attr in f.attrs.iter().filter(|a| a.path().is_ident("guard")) {
            attr.parse_nested_meta(|m| {
                let Some(i) = ROLES.iter().position(|(r, _)| m.path.is_ident(r)) else {
                    return Err(m.error(format!("unknown field role: expected one of {}", roles_list())));
                };
                if roles[i].is_some() {
                    return Err(m.error("given twice: one field per role"));
                }
                roles[i] = Some((member.clone(), *f));
                Ok(())
            })?;
        }
    }
    for (member, f) in &fields {
        if let Member::Named(ident) = member {
            let n = ident.to_string();
            if let Some(i) = ROLES.iter().position(|(_, names)| names.contains(&n.as_str())) {
                if roles[i].is_none() && !roles.iter().flatten().any(|(m, _)| m == member) {
                    roles[i] = Some((member.clone(), *f));
                }
            }
        }
    }
    let mut bindings = TokenStream::new();
    let mut values: Vec<TokenStream> = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        match role {
            Some((member, f)) => {
                // Spanned at the field's type (the binding too): a field of the wrong type is
                // blamed there.
                let ty = &f.ty;
                let var = syn::Ident::new(&format!("__genai_o11y_{}", ROLES[i].0), ty.span());
                bindings.extend(quote!(#member: #var,));
                values.push(if ROLES[i].0 == "risk_score" {
                    quote_spanned!(ty.span()=> #p::decision_score(#var))
                } else {
                    quote_spanned!(ty.span()=> #p::decision_text(#var))
                });
            }
            None => values.push(quote!(::core::option::Option::None)),
        }
    }
    let vident = &v.ident;
    let kind = format_ident!("{}", kind);
    let [reason, value, category, score, rule] = <[TokenStream; 5]>::try_from(values).expect("five roles");
    Ok(quote! {
        #name::#vident { #bindings .. } => #p::decision(#p::DecisionKind::#kind, #reason, #value, #category, #score, #rule),
    })
}

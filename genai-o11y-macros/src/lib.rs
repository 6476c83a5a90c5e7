//! Procedural macros of [`genai-o11y`](https://docs.rs/genai-o11y). Use them through the
//! `genai_o11y` crate, which re-exports them together with the runtime they expand to.
//!
//! The macros are thin: they parse and validate their arguments (every mistake is a compile
//! error on the offending token) and emit a few calls into `genai_o11y::__private`.

use proc_macro::TokenStream;

mod args;
mod container;
#[cfg(test)]
mod docs;
mod document;
mod expand;
mod fn_item;
mod guard_decision;
mod has_usage;
mod parse;
mod shape;

use args::MacroKind;
use parse::Args;

fn attribute(kind: MacroKind, args: TokenStream, item: TokenStream) -> TokenStream {
    let item2: proc_macro2::TokenStream = item.clone().into();
    let parsed_item = syn::parse2::<fn_item::FnItem>(item2.clone());
    let args = Args::parse(kind, args.into());
    let (args, fn_item) = match (args, parsed_item) {
        (Ok(a), Ok(i)) => (a, i),
        (args, parsed) => {
            let mut errors: Option<syn::Error> = None;
            for e in [args.err(), parsed.err().map(|e| not_a_function(kind, e))].into_iter().flatten() {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
            }
            // Keep the item so that its own errors still show and uses of it still resolve.
            let mut out = errors.expect("one of them failed").into_compile_error();
            out.extend(item2);
            return out.into();
        }
    };
    if let Err(e) = fn_item::validate(kind, &fn_item) {
        let mut out = e.into_compile_error();
        out.extend(item2);
        return out.into();
    }
    expand::expand(kind, &args, fn_item).into()
}

fn not_a_function(kind: MacroKind, e: syn::Error) -> syn::Error {
    syn::Error::new(e.span(), format!("`#[{}]` applies to functions and methods: {e}", kind.attr_name()))
}

/// Instruments a model call with a GenAI inference span (`chat gpt-4o`, kind CLIENT) and the
/// GenAI client metrics.
///
/// ```text
/// #[genai_span(operation = "chat", provider = "openai", model = req.model.clone(),
///              temperature = req.temperature, max_tokens = req.max_tokens)]
/// async fn chat(req: &ChatRequest) -> Result<ChatResponse, ApiError> { ... }
/// ```
/// (Syntax sketch; the crate documentation of `genai_o11y` has a compiled example.)
///
/// Arguments (values are Rust expressions evaluated once, before the body):
/// * `operation` (required): `"chat"`, `"text_completion"`, `"generate_content"`,
///   `"embeddings"`, or `custom("name")` for an operation outside the conventions.
/// * `provider` (required): `gen_ai.provider.name`, e.g. `"openai"`, `"anthropic"`.
/// * `model`: `gen_ai.request.model`; the span is named `{operation} {model}`.
/// * `name`: overrides the span name.
/// * Request parameters: `temperature`, `max_tokens`, `top_p`, `top_k`, `seed`,
///   `stop_sequences`, `frequency_penalty`, `presence_penalty`, `choice_count`, `output_type`
///   (each also takes an `Option`).
/// * `conversation_id`, `server_address`, `server_port`.
/// * `fields(key = value, ...)`: extra span attributes.
/// * `usage = |resp| Usage::new()...`: read usage from a type you do not own (the closure gets
///   the success value); `usage = none` to record none.
/// * `crate = path`: where the `genai_o11y` crate is, for re-exports.
///
/// The return type must report token usage (`HasUsage`, directly or inside `Result`/`Option`)
/// unless `usage` is given.
#[proc_macro_attribute]
pub fn genai_span(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Span, args, item)
}

/// Instruments a tool: span `execute_tool {name}` (INTERNAL) and `gen_ai.execute_tool.duration`.
///
/// Arguments: `name` (default: the function's name), `tool_type` (default `"function"`),
/// `call_id`, `description` (default: the doc comment's first paragraph), `conversation_id`,
/// `fields(...)`, `crate`.
#[proc_macro_attribute]
pub fn genai_tool(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Tool, args, item)
}

/// Instruments an in-process agent: span `invoke_agent {name}` (INTERNAL) and
/// `gen_ai.invoke_agent.duration`. The model calls and tools it makes become its children.
///
/// Arguments: `name` (default: the function's name), `id`, `description` (default: the doc
/// comment), `version`, `conversation_id`, `provider`, `model`, `fields(...)`, `crate`.
#[proc_macro_attribute]
pub fn genai_agent(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Agent, args, item)
}

/// Derives `genai_o11y::HasUsage` for a response struct or enum.
///
/// Fields are recognised by name (`input_tokens`/`prompt_tokens`, `output_tokens`/
/// `completion_tokens`, `cached_tokens`, `cache_creation_input_tokens`, `reasoning_tokens`,
/// `id`, `model`, `finish_reason`, `usage` for a nested `HasUsage` value) or marked
/// `#[usage(input_tokens | output_tokens | cache_read | cache_write | reasoning | response_id |
/// response_model | finish_reasons | nested | skip)]`. Token fields may be any integer type or an
/// `Option` of one. `#[usage(input_excludes_cache)]` on the type declares that the provider's
/// input count excludes cached tokens (Anthropic), so the emitted `gen_ai.usage.input_tokens`
/// includes them as the spec requires.
/// `#[genai_workflow(name = "...")]` on a multi-agent or graph entry point: span
/// `invoke_workflow {name}`, INTERNAL, `gen_ai.invoke_workflow.duration`, the tokens and cost of
/// the calls beneath it totalled on its span.
#[proc_macro_attribute]
pub fn genai_workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Workflow, args, item)
}

/// `#[derive(Document)]`: one item of a retrieval's result (`id`, `score`).
#[proc_macro_derive(Document, attributes(document))]
pub fn derive_document(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => document::derive(input).unwrap_or_else(syn::Error::into_compile_error).into(),
        Err(e) => e.into_compile_error().into(),
    }
}

/// `#[genai_retrieval(data_source = ..., top_k = ..., query = ...)]` on a search of a data
/// source: span `retrieval {data_source}`, CLIENT, the documents read from the return value.
#[proc_macro_attribute]
pub fn genai_retrieval(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Retrieval, args, item)
}

/// `#[genai_memory(operation = "search_memory", store = ..., ...)]` on a memory operation: span
/// `{operation}`, CLIENT (or INTERNAL for an in-process store).
#[proc_macro_attribute]
pub fn genai_memory(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Memory, args, item)
}

#[proc_macro_derive(HasUsage, attributes(usage))]
pub fn derive_has_usage(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => has_usage::derive(input).unwrap_or_else(syn::Error::into_compile_error).into(),
        Err(e) => e.into_compile_error().into(),
    }
}

/// `#[genai_guardrail(name = "...", policy = ..., source = ...)]` on a guard: span
/// `run_guardrail {name}` (INTERNAL, or CLIENT with `span_kind = "client"`), its decision read from
/// the return value (`GuardDecision`) or by `decision = |v| ...`.
#[proc_macro_attribute]
pub fn genai_guardrail(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(MacroKind::Guard, args, item)
}

/// `#[derive(GuardDecision)]`: an enum of a guard's decisions (`Allow`, `Block { reason }`,
/// `Modify { .. }`, `Escalate`), read by `#[genai_guardrail]`.
#[proc_macro_derive(GuardDecision, attributes(guard))]
pub fn derive_guard_decision(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input) {
        Ok(input) => guard_decision::derive(input).unwrap_or_else(syn::Error::into_compile_error).into(),
        Err(e) => e.into_compile_error().into(),
    }
}

//! What the argument table (`args.rs`) generates outside this crate: the README's argument
//! tables and the `ui/pass` case that passes every argument of every annotation (so that each
//! builder method the table names exists and takes its kind of value). The tests fail when a
//! generated file drifts from the table; `GENAI_O11Y_BLESS=1` rewrites them.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::args::{Arg, Becomes, Check, Default, MacroKind, Value, FETCH_RESPONSE_ARGS, OPERATIONS};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("the macros crate lives in the workspace").to_owned()
}

fn bless() -> bool {
    std::env::var_os("GENAI_O11Y_BLESS").is_some()
}

fn becomes(kind: MacroKind, a: &Arg) -> String {
    match a.becomes {
        Becomes::Method(m) => format!("`GenAiSpanBuilder::{m}`"),
        Becomes::Constructor => format!("`GenAiSpanBuilder::{}`", kind.constructor()),
        Becomes::CaptureAtEntry(v) => format!("`ActiveCall::capture(ContentKind::{v}, ..)`"),
        Becomes::CaptureOutput => "`Outcome::with_output`".to_owned(),
        Becomes::Usage => "the `Outcome`'s usage".to_owned(),
        Becomes::Documents => "`Outcome::with_documents`".to_owned(),
        Becomes::Decision => "`Outcome::with_decision`".to_owned(),
        Becomes::Attributes => "`GenAiSpanBuilder::attribute`".to_owned(),
        Becomes::CratePath => "paths of the generated code".to_owned(),
    }
}

fn default(a: &Arg) -> &'static str {
    match a.default {
        Default::None => "—",
        Default::FnName => "the function's name",
        Default::DocComment => "the doc comment's first paragraph",
        Default::Parameters => "the function's serializable parameters",
        Default::OkValue => "the serializable success value",
        Default::FromReturnType => "`HasUsage` on the return type (required for the well-known operations)",
        Default::Runtime => "`::genai_o11y`",
        Default::Described(s) => s,
    }
}

/// The README table of one annotation.
pub fn table(kind: MacroKind) -> String {
    let mut out = String::from("| argument | value | becomes | default | meaning |\n|---|---|---|---|---|\n");
    for a in kind.args() {
        let required = if a.required_on.contains(&kind) { " (required)" } else { "" };
        let cells = [format!("`{}`{required}", a.key), a.value.describe().to_owned(), becomes(kind, a), default(a).to_owned(), a.doc.to_owned()];
        let _ = writeln!(out, "| {} |", cells.map(|c| c.replace('|', "\\|")).join(" | "));
    }
    if kind == MacroKind::Span {
        out.push_str("\n| operation | what | sampling parameters | usage |\n|---|---|---|---|\n");
        for o in OPERATIONS {
            let yes = |b: bool| if b { "yes" } else { "no (a compile error)" };
            let usage = if o.requires_usage { "required (`HasUsage`, `usage = ...` or `usage = none`)" } else { "optional" };
            let _ = writeln!(out, "| `\"{}\"` | {} | {} | {usage} |", o.name, o.doc, yes(o.sampling));
        }
        out.push_str("| `custom(\"name\")` | an operation outside the conventions (lowercase snake_case) | yes | optional |\n");
    }
    out
}

/// A value of each kind, as a literal where one exists (`literal`) or as an expression.
fn sample(kind: MacroKind, a: &Arg, literal: bool) -> String {
    let one_of = a.checks.iter().find_map(|c| match c {
        crate::args::Check::OneOf(choices) => Some(format!("\"{}\"", choices[0])),
        _ => None,
    });
    if let Some(v) = one_of {
        return format!("{} = {v}", a.key);
    }
    let s = match (a.value, literal) {
        (Value::Float, true) => "0.5",
        (Value::Float, false) => "req.float",
        (Value::Int, true) => "7",
        (Value::Int, false) => "req.int",
        (Value::Text, true) => "\"text\"",
        (Value::Text, false) => "req.text.as_str()",
        (Value::LitText, _) => "\"lookup\"",
        (Value::TextList, true) => "[\"a\", \"b\"]",
        (Value::TextList, false) => "req.list.clone()",
        (Value::Bool, true) => "true",
        (Value::Bool, false) => "req.flag",
        (Value::Serializable, _) => "req.messages",
        (Value::OutputClosure, _) if kind == MacroKind::Span => "|r: &Resp| r.choices.clone()",
        (Value::OutputClosure, _) => "|r: &u32| r.to_string()",
        (Value::UsageClosure, _) => "|r: &Resp| Usage::new().input(u64::from(r.prompt_tokens))",
        (Value::DocumentsClosure, _) => "|r: &u32| vec![RetrievedDocument::new(r.to_string()).score(0.5)]",
        (Value::DecisionClosure, _) => "|r: &u32| if *r > 1 { Decision::allow() } else { Decision::block(\"too low\").risk_score(0.9) }",
        (Value::Operation, _) => "\"chat\"",
        (Value::Fields, _) => return "fields(app.tier = \"gold\", \"app.user\" = req.text.as_str())".to_owned(),
        (Value::CratePath, _) => "::genai_o11y",
    };
    format!("{} = {s}", a.key)
}

/// The `ui/pass` case that passes every argument of every annotation, as literals and as
/// expressions.
pub fn every_argument_case() -> String {
    let mut out = String::from(
        "// @generated from the argument table (genai-o11y-macros/src/args.rs) by the test\n\
         // `docs::tests::every_argument_case_is_current`: do not edit; `GENAI_O11Y_BLESS=1` rewrites it.\n\
         // Every argument of every annotation, as a literal and as an expression: each becomes the\n\
         // builder method its table entry names, which must exist and take that kind of value.\n\
         #![deny(warnings)]\n\n\
         use genai_o11y::guard::Decision;\n\
         use genai_o11y::{genai_agent, genai_guardrail, genai_memory, genai_retrieval, genai_span, genai_tool, genai_workflow, HasUsage, RetrievedDocument, Usage};\n\n\
         #[derive(serde::Serialize)]\n\
         pub struct Msg {\n    role: &'static str,\n    content: String,\n}\n\n\
         pub struct Req {\n    float: Option<f64>,\n    int: u32,\n    text: String,\n    list: Vec<String>,\n    flag: bool,\n    messages: Vec<Msg>,\n}\n\n\
         #[derive(HasUsage)]\n\
         pub struct Resp {\n    prompt_tokens: u32,\n    completion_tokens: u32,\n    #[usage(skip)]\n    choices: Vec<String>,\n}\n\n\
         fn resp() -> Resp {\n    Resp { prompt_tokens: 1, completion_tokens: 2, choices: vec![\"hi\".into()] }\n}\n",
    );
    for kind in MacroKind::ALL {
        for literal in [true, false] {
            // `fetch_response`'s own arguments have a case of their own (below).
            let args: Vec<String> = kind.args().filter(|a| !a.checks.contains(&Check::FetchResponse)).map(|a| sample(kind, a, literal)).collect();
            let name = format!("{}_{}", kind.attr_name().trim_start_matches("genai_"), if literal { "literals" } else { "expressions" });
            let body = match kind {
                MacroKind::Span => "    let _ = req;\n    Ok(resp())\n",
                _ => "    let _ = req;\n    Ok(resp().completion_tokens)\n",
            };
            let ret = if kind == MacroKind::Span { "Resp" } else { "u32" };
            let _ = write!(
                out,
                "\n/// Doc comment.\n#[{}(\n    {},\n)]\npub async fn {name}(req: &Req) -> Result<{ret}, String> {{\n{body}}}\n",
                kind.attr_name(),
                args.join(",\n    ")
            );
        }
    }
    // `fetch_response`: every argument that applies to it.
    for literal in [true, false] {
        let args: Vec<String> = MacroKind::Span
            .args()
            .filter(|a| FETCH_RESPONSE_ARGS.contains(&a.key))
            .map(|a| if a.value == Value::Operation { "operation = \"fetch_response\"".to_owned() } else { sample(MacroKind::Span, a, literal) })
            .collect();
        let name = format!("fetch_response_{}", if literal { "literals" } else { "expressions" });
        let _ = write!(
            out,
            "\n/// Doc comment.\n#[genai_span(\n    {},\n)]\npub async fn {name}(req: &Req) -> Result<Resp, String> {{\n    let _ = req;\n    Ok(resp())\n}}\n",
            args.join(",\n    ")
        );
    }
    out.push_str(
        "\nfn main() {\n    let req = Req { float: Some(0.2), int: 3, text: \"t\".into(), list: vec![\"x\".into()], flag: true, messages: vec![Msg { role: \"user\", content: \"hi\".into() }] };\n    \
         let _ = (span_literals(&req), span_expressions(&req), tool_literals(&req), tool_expressions(&req), agent_literals(&req), agent_expressions(&req), workflow_literals(&req), workflow_expressions(&req), retrieval_literals(&req), retrieval_expressions(&req), memory_literals(&req), memory_expressions(&req), guardrail_literals(&req), guardrail_expressions(&req), fetch_response_literals(&req), fetch_response_expressions(&req));\n}\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- generated: arguments of #[";
    const END: &str = "<!-- end of generated arguments -->";

    /// Replaces each generated table of the README with what the table says now.
    fn regenerate(readme: &str) -> String {
        let mut out = String::new();
        let mut rest = readme;
        while let Some(start) = rest.find(BEGIN) {
            let header_end = start + rest[start..].find("-->").expect("a closed marker") + 3;
            let name = &rest[start + BEGIN.len()..header_end - 3].trim_end().trim_end_matches(']');
            let kind = MacroKind::ALL.into_iter().find(|k| k.attr_name() == *name).unwrap_or_else(|| panic!("unknown annotation {name}"));
            let end = header_end + rest[header_end..].find(END).expect("an end marker");
            out.push_str(&rest[..header_end]);
            out.push('\n');
            out.push_str(&table(kind));
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn readme_argument_tables_are_current() {
        let path = workspace().join("README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
        for kind in MacroKind::ALL {
            assert!(readme.contains(&format!("{BEGIN}{}] -->", kind.attr_name())), "README.md has no generated table for #[{}]", kind.attr_name());
        }
        let fresh = regenerate(&readme);
        if fresh != readme {
            if bless() {
                std::fs::write(&path, fresh).expect("write README.md");
            } else {
                panic!("README.md's argument tables drifted from genai-o11y-macros/src/args.rs: run `GENAI_O11Y_BLESS=1 cargo test -p genai-o11y-macros`");
            }
        }
    }

    #[test]
    fn every_argument_case_is_current() {
        let path = workspace().join("tests/ui/pass/00_every_argument.rs");
        let fresh = every_argument_case();
        if std::fs::read_to_string(&path).ok().as_deref() != Some(fresh.as_str()) {
            if bless() {
                std::fs::write(&path, fresh).expect("write the ui/pass case");
            } else {
                panic!("{} drifted from the argument table: run `GENAI_O11Y_BLESS=1 cargo test -p genai-o11y-macros`", path.display());
            }
        }
    }

    #[test]
    fn the_case_passes_every_argument() {
        let case = every_argument_case();
        for kind in MacroKind::ALL {
            for a in kind.args() {
                assert!(case.contains(&format!("{} = ", a.key)) || case.contains(&format!("{}(", a.key)), "{}", a.key);
            }
        }
    }
}

//! **The argument table**: every argument of the three attribute macros, declared once.
//!
//! An entry says which annotations accept the key, what its value must be, which checks run on a
//! literal, what it becomes in the runtime (the `GenAiSpanBuilder` method, the captured content,
//! ...), its default, and its documentation. The parser (`parse.rs`), the expansion
//! (`expand.rs`), the README's argument tables and the `ui/pass` case that passes every argument
//! (both generated and checked by `docs.rs`' tests) all read this table. Adding an argument is one
//! entry here plus its runtime method.

/// Which attribute macro.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MacroKind {
    Span,
    Tool,
    Agent,
}

impl MacroKind {
    pub const ALL: [MacroKind; 3] = [MacroKind::Span, MacroKind::Tool, MacroKind::Agent];

    pub fn attr_name(self) -> &'static str {
        match self {
            MacroKind::Span => "genai_span",
            MacroKind::Tool => "genai_tool",
            MacroKind::Agent => "genai_agent",
        }
    }

    /// The operation of the annotations that have a fixed one.
    pub fn fixed_operation(self) -> Option<&'static str> {
        match self {
            MacroKind::Span => None,
            MacroKind::Tool => Some("execute_tool"),
            MacroKind::Agent => Some("invoke_agent"),
        }
    }

    /// The `GenAiSpanBuilder` constructor of this annotation.
    pub fn constructor(self) -> &'static str {
        match self {
            MacroKind::Span => "inference",
            MacroKind::Tool => "tool",
            MacroKind::Agent => "agent",
        }
    }

    /// The arguments this annotation accepts, in table order.
    pub fn args(self) -> impl Iterator<Item = &'static Arg> {
        ARGS.iter().filter(move |a| a.on.contains(&self))
    }

    /// The argument `key` of this annotation.
    pub fn arg(self, key: &str) -> Option<&'static Arg> {
        self.args().find(|a| a.key == key)
    }
}

/// What a value must be. Literals are checked at expansion; any other expression is checked by
/// the type system, through the runtime method's parameter trait.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Value {
    /// `f32`/`f64` or an `Option` of one (`FloatParam`).
    Float,
    /// Any integer type or an `Option` of one (`IntParam`).
    Int,
    /// `&str`, `String`, `Cow<str>`, `Arc<str>` or an `Option` of one (`TextParam`).
    Text,
    /// A string literal, nothing computed (the value is a metric attribute).
    LitText,
    /// A list of strings (`TextListParam`).
    TextList,
    /// Any `Serialize` expression, evaluated and serialized only when content is captured.
    Serializable,
    /// A closure from the success value, run only when content is captured.
    OutputClosure,
    /// A closure from the success value to `genai_o11y::Usage` (or any `HasUsage`), or `none`.
    UsageClosure,
    /// One of the operations (`OPERATIONS`) or `custom("name")`.
    Operation,
    /// `fields(key = value, ...)`: extra span attributes.
    Fields,
    /// A path to the `genai_o11y` crate.
    CratePath,
}

impl Value {
    /// How the README describes the value.
    pub fn describe(self) -> &'static str {
        match self {
            Value::Float => "number (`f64`, `f32`, or an `Option`)",
            Value::Int => "integer (any integer type, or an `Option`)",
            Value::Text => "text (`&str`, `String`, `Cow<str>`, `Arc<str>`, or an `Option`)",
            Value::LitText => "string literal",
            Value::TextList => "list of strings (`[\"a\"]`, `Vec<String>`, `&[&str]`, or an `Option`)",
            Value::Serializable => "any `Serialize` expression (evaluated only when capturing)",
            Value::OutputClosure => "closure from the success value (run only when capturing)",
            Value::UsageClosure => "closure from the success value to a `HasUsage` (e.g. `Usage`), or `none`",
            Value::Operation => "`\"chat\"`, `\"text_completion\"`, `\"generate_content\"`, `\"embeddings\"`, or `custom(\"name\")`",
            Value::Fields => "`fields(key = value, ...)`",
            Value::CratePath => "path",
        }
    }
}

/// A check of a literal value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Check {
    /// Not a negative literal.
    NonNegative,
    /// A port number (0-65535).
    Port,
    /// Not an empty string.
    NotEmpty,
    /// A sampling parameter of text generation: not allowed on `embeddings`.
    Sampling,
}

/// What the argument becomes in the runtime.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Becomes {
    /// `GenAiSpanBuilder::<method>(value)`.
    Method(&'static str),
    /// An argument of the builder's constructor (`GenAiSpanBuilder::inference(operation, ..)`,
    /// `GenAiSpanBuilder::tool(name)`, `GenAiSpanBuilder::agent(name)`).
    Constructor,
    /// Content captured when the call starts: `ActiveCall::capture(ContentKind::<variant>, ..)`.
    CaptureAtEntry(&'static str),
    /// Content read from the success value when the call ends (`Outcome::with_output`).
    CaptureOutput,
    /// How usage is read: by default `HasUsage` on the return type.
    Usage,
    /// `GenAiSpanBuilder::attribute(key, value)`, once per field.
    Attributes,
    /// Where the generated code finds the runtime.
    CratePath,
}

/// The value used when the argument is absent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Default {
    /// Not set.
    None,
    /// The function's name.
    FnName,
    /// The first paragraph of the doc comment.
    DocComment,
    /// The tool's serializable parameters.
    Parameters,
    /// Read from the return type (`HasUsage`) for the operations that report usage.
    FromReturnType,
    /// `genai_o11y`.
    Runtime,
    /// A runtime default, described.
    Described(&'static str),
}

/// One macro argument.
#[derive(Debug)]
pub struct Arg {
    pub key: &'static str,
    /// The annotations that accept it.
    pub on: &'static [MacroKind],
    pub value: Value,
    pub checks: &'static [Check],
    pub becomes: Becomes,
    /// The annotations that require it.
    pub required_on: &'static [MacroKind],
    pub default: Default,
    /// What it means (the README's text).
    pub doc: &'static str,
    /// Said when the key is given to an annotation that does not accept it.
    pub elsewhere: Option<&'static str>,
}

const SPAN: &[MacroKind] = &[MacroKind::Span];
const TOOL: &[MacroKind] = &[MacroKind::Tool];
const AGENT: &[MacroKind] = &[MacroKind::Agent];
const TOOL_AGENT: &[MacroKind] = &[MacroKind::Tool, MacroKind::Agent];
const SPAN_AGENT: &[MacroKind] = &[MacroKind::Span, MacroKind::Agent];
const ALL: &[MacroKind] = &MacroKind::ALL;

const NOT_EMPTY: &[Check] = &[Check::NotEmpty];
const SAMPLING: &[Check] = &[Check::Sampling];
const SAMPLING_COUNT: &[Check] = &[Check::Sampling, Check::NonNegative];
const NONE: &[Check] = &[];

const CONTENT_ON_TOOL: &str = "a tool captures its input as `arguments = ...` (by default its serializable parameters) and its result automatically";

/// Every argument, in the order the README lists them.
pub const ARGS: &[Arg] = &[
    Arg {
        key: "operation",
        on: SPAN,
        value: Value::Operation,
        checks: NONE,
        becomes: Becomes::Constructor,
        required_on: SPAN,
        default: Default::None,
        doc: "`gen_ai.operation.name`; the span is named `{operation} {model}`",
        elsewhere: Some("`#[{attr}]` has a fixed operation (`{op}`)"),
    },
    Arg {
        key: "provider",
        on: SPAN_AGENT,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("provider"),
        required_on: SPAN,
        default: Default::None,
        doc: "`gen_ai.provider.name`, e.g. `\"openai\"`, `\"anthropic\"`, `\"gcp.gemini\"` (required on `#[genai_span]`)",
        elsewhere: None,
    },
    Arg {
        key: "model",
        on: SPAN_AGENT,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("model"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.model`",
        elsewhere: None,
    },
    Arg {
        key: "name",
        on: SPAN,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("span_name"),
        required_on: &[],
        default: Default::Described("`{operation} {model}`"),
        doc: "overrides the span name",
        elsewhere: None,
    },
    Arg {
        key: "name",
        on: TOOL_AGENT,
        value: Value::LitText,
        checks: NOT_EMPTY,
        becomes: Becomes::Constructor,
        required_on: &[],
        default: Default::FnName,
        doc: "`gen_ai.tool.name` / `gen_ai.agent.name` (a metric attribute, so a literal); the span is named `execute_tool {name}` / `invoke_agent {name}`",
        elsewhere: None,
    },
    Arg {
        key: "temperature",
        on: SPAN,
        value: Value::Float,
        checks: SAMPLING,
        becomes: Becomes::Method("temperature"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.temperature`",
        elsewhere: None,
    },
    Arg {
        key: "max_tokens",
        on: SPAN,
        value: Value::Int,
        checks: SAMPLING_COUNT,
        becomes: Becomes::Method("max_tokens"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.max_tokens`",
        elsewhere: None,
    },
    Arg {
        key: "top_p",
        on: SPAN,
        value: Value::Float,
        checks: SAMPLING,
        becomes: Becomes::Method("top_p"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.top_p`",
        elsewhere: None,
    },
    Arg {
        key: "top_k",
        on: SPAN,
        value: Value::Int,
        checks: SAMPLING_COUNT,
        becomes: Becomes::Method("top_k"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.top_k` (a double in v1.41, an int in the latest conventions)",
        elsewhere: None,
    },
    Arg {
        key: "seed",
        on: SPAN,
        value: Value::Int,
        checks: SAMPLING,
        becomes: Becomes::Method("seed"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.seed`",
        elsewhere: None,
    },
    Arg {
        key: "stop_sequences",
        on: SPAN,
        value: Value::TextList,
        checks: SAMPLING,
        becomes: Becomes::Method("stop_sequences"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.stop_sequences`",
        elsewhere: None,
    },
    Arg {
        key: "frequency_penalty",
        on: SPAN,
        value: Value::Float,
        checks: SAMPLING,
        becomes: Becomes::Method("frequency_penalty"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.frequency_penalty`",
        elsewhere: None,
    },
    Arg {
        key: "presence_penalty",
        on: SPAN,
        value: Value::Float,
        checks: SAMPLING,
        becomes: Becomes::Method("presence_penalty"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.presence_penalty`",
        elsewhere: None,
    },
    Arg {
        key: "choice_count",
        on: SPAN,
        value: Value::Int,
        checks: SAMPLING_COUNT,
        becomes: Becomes::Method("choice_count"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.request.choice.count` (recorded only when not 1)",
        elsewhere: None,
    },
    Arg {
        key: "output_type",
        on: SPAN,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("output_type"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.output.type` (`text`, `json`, `image`, `speech`)",
        elsewhere: None,
    },
    Arg {
        key: "server_address",
        on: SPAN,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("server_address"),
        required_on: &[],
        default: Default::None,
        doc: "`server.address`",
        elsewhere: None,
    },
    Arg {
        key: "server_port",
        on: SPAN,
        value: Value::Int,
        checks: &[Check::NonNegative, Check::Port],
        becomes: Becomes::Method("server_port"),
        required_on: &[],
        default: Default::None,
        doc: "`server.port`",
        elsewhere: None,
    },
    Arg {
        key: "tool_type",
        on: TOOL,
        value: Value::LitText,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("tool_type"),
        required_on: &[],
        default: Default::Described("`\"function\"`"),
        doc: "`gen_ai.tool.type` (`function`, `extension`, `datastore`)",
        elsewhere: None,
    },
    Arg {
        key: "call_id",
        on: TOOL,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("tool_call_id"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.tool.call.id`",
        elsewhere: None,
    },
    Arg {
        key: "id",
        on: AGENT,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("agent_id"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.agent.id`",
        elsewhere: None,
    },
    Arg {
        key: "description",
        on: TOOL_AGENT,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("description"),
        required_on: &[],
        default: Default::DocComment,
        doc: "`gen_ai.tool.description` / `gen_ai.agent.description`",
        elsewhere: None,
    },
    Arg {
        key: "version",
        on: AGENT,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("agent_version"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.agent.version`",
        elsewhere: None,
    },
    Arg {
        key: "conversation_id",
        on: ALL,
        value: Value::Text,
        checks: NOT_EMPTY,
        becomes: Becomes::Method("conversation_id"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.conversation.id`",
        elsewhere: None,
    },
    Arg {
        key: "usage",
        on: SPAN,
        value: Value::UsageClosure,
        checks: NONE,
        becomes: Becomes::Usage,
        required_on: &[],
        default: Default::FromReturnType,
        doc: "reads token usage from a type you do not own (`usage = |resp| Usage::new().input(..)`); `usage = none` records none and expects none. On a stream it runs per chunk: return no counts for a chunk that reports none",
        elsewhere: Some("only `#[genai_span]` records token usage"),
    },
    Arg {
        key: "input_messages",
        on: SPAN,
        value: Value::Serializable,
        checks: NONE,
        becomes: Becomes::CaptureAtEntry("InputMessages"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.input.messages` (content capture)",
        elsewhere: Some(CONTENT_ON_TOOL),
    },
    Arg {
        key: "system_instructions",
        on: SPAN,
        value: Value::Serializable,
        checks: NONE,
        becomes: Becomes::CaptureAtEntry("SystemInstructions"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.system_instructions` (content capture)",
        elsewhere: Some(CONTENT_ON_TOOL),
    },
    Arg {
        key: "tool_definitions",
        on: SPAN,
        value: Value::Serializable,
        checks: NONE,
        becomes: Becomes::CaptureAtEntry("ToolDefinitions"),
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.tool.definitions` (content capture)",
        elsewhere: Some(CONTENT_ON_TOOL),
    },
    Arg {
        key: "output_messages",
        on: SPAN,
        value: Value::OutputClosure,
        checks: NONE,
        becomes: Becomes::CaptureOutput,
        required_on: &[],
        default: Default::None,
        doc: "`gen_ai.output.messages` (content capture), e.g. `output_messages = |resp| resp.choices.clone()`",
        elsewhere: Some(CONTENT_ON_TOOL),
    },
    Arg {
        key: "arguments",
        on: TOOL,
        value: Value::Serializable,
        checks: NONE,
        becomes: Becomes::CaptureAtEntry("ToolCallArguments"),
        required_on: &[],
        default: Default::Parameters,
        doc: "`gen_ai.tool.call.arguments` (content capture); the result is captured as `gen_ai.tool.call.result` when serializable",
        elsewhere: Some("`arguments` is for `#[genai_tool]`: a model call's input is `input_messages = ...`"),
    },
    Arg {
        key: "fields",
        on: ALL,
        value: Value::Fields,
        checks: NONE,
        becomes: Becomes::Attributes,
        required_on: &[],
        default: Default::None,
        doc: "extra span attributes, `fields(app.tier = \"gold\", \"key.name\" = expr)` (not metric attributes)",
        elsewhere: None,
    },
    Arg {
        key: "crate",
        on: ALL,
        value: Value::CratePath,
        checks: NONE,
        becomes: Becomes::CratePath,
        required_on: &[],
        default: Default::Runtime,
        doc: "where the `genai_o11y` crate is, for re-exports (`crate = ::my_sdk::genai_o11y`)",
        elsewhere: None,
    },
];

/// Keys people write for another argument.
pub const ALIASES: &[(MacroKind, &str, &str)] = &[(MacroKind::Tool, "type", "the tool type is `tool_type = \"...\"`")];

/// A well-known operation of `#[genai_span]`.
#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    /// The sampling parameters of text generation apply.
    pub sampling: bool,
    /// The return value must report token usage (`HasUsage`) unless `usage` says how.
    pub requires_usage: bool,
    /// What it is (the README's text, generated by the docs tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub doc: &'static str,
}

/// The well-known operations, in the order error messages list them.
pub const OPERATIONS: &[Operation] = &[
    Operation { name: "chat", sampling: true, requires_usage: true, doc: "a chat completion" },
    Operation { name: "text_completion", sampling: true, requires_usage: true, doc: "a legacy text completion" },
    Operation { name: "generate_content", sampling: true, requires_usage: true, doc: "a multimodal generation (Gemini)" },
    Operation { name: "embeddings", sampling: false, requires_usage: true, doc: "an embeddings request" },
];

/// Operations that have an annotation of their own.
pub const OTHER_ANNOTATIONS: &[(&str, &str)] = &[("execute_tool", "#[genai_tool]"), ("invoke_agent", "#[genai_agent]")];

/// Well-known `gen_ai.provider.name` values, listed when `provider` is missing.
pub const PROVIDERS: &str = "anthropic, aws.bedrock, azure.ai.inference, azure.ai.openai, cohere, deepseek, gcp.gemini, gcp.vertex_ai, gcp.gen_ai, groq, ibm.watsonx.ai, mistral_ai, moonshot_ai, openai, perplexity, x_ai";

pub fn operation(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_key_and_annotation() {
        for kind in MacroKind::ALL {
            let keys: Vec<&str> = kind.args().map(|a| a.key).collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[..i].contains(k), "`{k}` is declared twice for #[{}]", kind.attr_name());
            }
        }
    }

    #[test]
    fn every_value_kind_fits_what_it_becomes() {
        for a in ARGS {
            let ok = match a.becomes {
                Becomes::Method(_) => matches!(a.value, Value::Float | Value::Int | Value::Text | Value::LitText | Value::TextList),
                Becomes::Constructor => matches!(a.value, Value::Operation | Value::LitText),
                Becomes::CaptureAtEntry(_) => a.value == Value::Serializable,
                Becomes::CaptureOutput => a.value == Value::OutputClosure,
                Becomes::Usage => a.value == Value::UsageClosure,
                Becomes::Attributes => a.value == Value::Fields,
                Becomes::CratePath => a.value == Value::CratePath,
            };
            assert!(ok, "{a:?}");
        }
    }
}

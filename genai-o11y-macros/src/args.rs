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
    Workflow,
    Retrieval,
    Memory,
    /// `#[genai_guardrail]` (guards: `crate::guard` in the runtime).
    Guard,
}

impl MacroKind {
    pub const ALL: [MacroKind; 7] =
        [MacroKind::Span, MacroKind::Tool, MacroKind::Agent, MacroKind::Workflow, MacroKind::Retrieval, MacroKind::Memory, MacroKind::Guard];

    pub fn attr_name(self) -> &'static str {
        match self {
            MacroKind::Span => "genai_span",
            MacroKind::Tool => "genai_tool",
            MacroKind::Agent => "genai_agent",
            MacroKind::Workflow => "genai_workflow",
            MacroKind::Retrieval => "genai_retrieval",
            MacroKind::Memory => "genai_memory",
            MacroKind::Guard => "genai_guardrail",
        }
    }

    /// The operation of the annotations that have a fixed one.
    pub fn fixed_operation(self) -> Option<&'static str> {
        match self {
            MacroKind::Span => None,
            MacroKind::Tool => Some("execute_tool"),
            MacroKind::Agent => Some("invoke_agent"),
            MacroKind::Workflow => Some("invoke_workflow"),
            MacroKind::Retrieval => Some("retrieval"),
            MacroKind::Memory => None,
            MacroKind::Guard => Some("run_guardrail"),
        }
    }

    /// The `GenAiSpanBuilder` constructor of this annotation.
    pub fn constructor(self) -> &'static str {
        match self {
            MacroKind::Span => "inference",
            MacroKind::Tool => "tool",
            MacroKind::Agent => "agent",
            MacroKind::Workflow => "workflow",
            MacroKind::Retrieval => "retrieval",
            MacroKind::Memory => "memory",
            MacroKind::Guard => "guardrail",
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
    /// `bool` or an `Option<bool>` (`BoolParam`).
    Bool,
    /// Any `Serialize` expression, evaluated and serialized only when content is captured.
    Serializable,
    /// A closure from the success value, run only when content is captured.
    OutputClosure,
    /// A closure from the success value to `genai_o11y::Usage` (or any `HasUsage`), or `none`.
    UsageClosure,
    /// A closure from the success value to a collection of documents (`HasDocuments`), or `none`.
    DocumentsClosure,
    /// A closure from the success value to a guard's decision (`GuardDecision`).
    DecisionClosure,
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
            Value::Bool => "`bool` (or an `Option<bool>`)",
            Value::Serializable => "any `Serialize` expression (evaluated only when capturing)",
            Value::OutputClosure => "closure from the success value (run only when capturing)",
            Value::UsageClosure => "closure from the success value to a `HasUsage` (e.g. `Usage`), or `none`",
            Value::DocumentsClosure => "closure from the success value to a collection of `Document`s (e.g. `Vec<RetrievedDocument>`), or `none`",
            Value::DecisionClosure => "closure from the success value to a `GuardDecision` (e.g. `Decision`)",
            Value::Operation => "`\"chat\"`, `\"text_completion\"`, `\"generate_content\"`, `\"embeddings\"`, `\"fetch_response\"`, or `custom(\"name\")`",
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
    /// One of these string literals.
    OneOf(&'static [&'static str]),
    /// A positive indicator: a `false` literal is an error (the conventions say never to set it
    /// to false).
    NotFalse,
    /// Named values (a map or a struct): no literal is one.
    Named,
    /// Only with `operation = "fetch_response"` (`FETCH_RESPONSE_ARGS`).
    FetchResponse,
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
    /// How a retrieval's documents are read: by default `HasDocuments` on the return value.
    Documents,
    /// How a guard's decision is read: by default `GuardDecision` on the return value.
    Decision,
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
    /// The function's serializable parameters.
    Parameters,
    /// The serializable success value.
    OkValue,
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
    /// Said when the key is given to an annotation that does not accept it (`{attr}`, `{op}` and
    /// `{key}` stand for that annotation, its fixed operation and the key).
    pub elsewhere: Option<&'static str>,
}

impl Arg {
    /// An argument with no checks, not required, no default, no hint when misplaced.
    const fn new(key: &'static str, on: &'static [MacroKind], value: Value, becomes: Becomes, doc: &'static str) -> Arg {
        Arg { key, on, value, checks: NONE, becomes, required_on: &[], default: Default::None, doc, elsewhere: None }
    }
    const fn checks(mut self, checks: &'static [Check]) -> Arg {
        self.checks = checks;
        self
    }
    const fn required_on(mut self, on: &'static [MacroKind]) -> Arg {
        self.required_on = on;
        self
    }
    const fn default(mut self, default: Default) -> Arg {
        self.default = default;
        self
    }
    const fn elsewhere(mut self, hint: &'static str) -> Arg {
        self.elsewhere = Some(hint);
        self
    }
}

const SPAN: &[MacroKind] = &[MacroKind::Span];
const TOOL: &[MacroKind] = &[MacroKind::Tool];
const AGENT: &[MacroKind] = &[MacroKind::Agent];
const WORKFLOW: &[MacroKind] = &[MacroKind::Workflow];
const AGENT_WORKFLOW: &[MacroKind] = &[MacroKind::Agent, MacroKind::Workflow];
const RETRIEVAL: &[MacroKind] = &[MacroKind::Retrieval];
const MEMORY: &[MacroKind] = &[MacroKind::Memory];
/// The operations of `#[genai_memory]`.
pub const MEMORY_OPERATIONS: &[&str] =
    &["search_memory", "create_memory", "update_memory", "upsert_memory", "delete_memory", "create_memory_store", "delete_memory_store"];
const MEMORY_OPERATION: &[Check] = &[Check::OneOf(MEMORY_OPERATIONS)];
const SPAN_KINDS: &[Check] = &[Check::OneOf(&["client", "internal"])];
const SPAN_AGENT_RETRIEVAL: &[MacroKind] = &[MacroKind::Span, MacroKind::Agent, MacroKind::Retrieval];
const NON_NEGATIVE: &[Check] = &[Check::NonNegative];
const ALL: &[MacroKind] = &MacroKind::ALL;
const GUARD: &[MacroKind] = &[MacroKind::Guard];

const NOT_EMPTY: &[Check] = &[Check::NotEmpty];
const NOT_FALSE: &[Check] = &[Check::NotFalse];
const NAMED: &[Check] = &[Check::Named];
const SAMPLING: &[Check] = &[Check::Sampling];
const SAMPLING_COUNT: &[Check] = &[Check::Sampling, Check::NonNegative];
const NONE: &[Check] = &[];
/// The operations of `#[genai_agent]`, the default first.
pub const AGENT_OPERATIONS: &[&str] = &["invoke_agent", "create_agent", "plan"];
const AGENT_OPERATION: &[Check] = &[Check::OneOf(AGENT_OPERATIONS)];

const PROMPT_ELSEWHERE: &str = "prompt identity belongs on the model call it built: `#[genai_span(..., {key} = ...)]`";
const ATTRIBUTION_ELSEWHERE: &str =
    "attribution belongs on the `#[genai_agent]` (its span and every span beneath it) or on `genai_o11y::attribution::Attribution::new().{key}(..).scope(fut)`";

const CONTENT_ON_TOOL: &str = "a tool captures its input as `arguments = ...` (by default its serializable parameters) and its result automatically";

/// Every argument, in the order the README lists them: one entry each.
pub const ARGS: &[Arg] = &[
    Arg::new("operation", SPAN, Value::Operation, Becomes::Constructor, "`gen_ai.operation.name`; the span is named `{operation} {model}`").required_on(SPAN).elsewhere("`#[{attr}]` has a fixed operation (`{op}`)"),
    Arg::new("provider", SPAN, Value::Text, Becomes::Method("provider"), "`gen_ai.provider.name` (required), e.g. `\"openai\"`, `\"anthropic\"`, `\"gcp.gemini\"`").checks(NOT_EMPTY).required_on(SPAN),
    Arg::new("provider", AGENT, Value::Text, Becomes::Method("provider"), "`gen_ai.provider.name`: with `span_kind = \"client\"` the agent's host (required), e.g. `\"openai\"`, `\"aws.bedrock\"`; on an in-process agent the provider of the model it runs on, written in v1.41 mode only (the latest conventions' in-process agent span has none; its model calls carry theirs)").checks(NOT_EMPTY),
    Arg::new("provider", RETRIEVAL, Value::Text, Becomes::Method("provider"), "`gen_ai.provider.name` of the search service, when one is involved").checks(NOT_EMPTY),
    Arg::new("operation", MEMORY, Value::LitText, Becomes::Constructor, "`gen_ai.operation.name`, one of `search_memory`, `create_memory`, `update_memory`, `upsert_memory`, `delete_memory`, `create_memory_store`, `delete_memory_store`; the span is named after it").checks(MEMORY_OPERATION).required_on(MEMORY),
    Arg::new("store", MEMORY, Value::Text, Becomes::Method("memory_store"), "`gen_ai.memory.store.id`").checks(NOT_EMPTY),
    Arg::new("record", MEMORY, Value::Text, Becomes::Method("memory_record"), "`gen_ai.memory.record.id` (an operation on one record)").checks(NOT_EMPTY),
    Arg::new("provider", MEMORY, Value::Text, Becomes::Method("provider"), "`gen_ai.provider.name` of the memory service, when one is involved").checks(NOT_EMPTY),
    Arg::new("span_kind", MEMORY, Value::LitText, Becomes::Method("memory_span_kind"), "`\"client\"` (a remote store) or `\"internal\"` (an in-process store)").checks(SPAN_KINDS).default(Default::Described("`\"client\"`")),
    Arg::new("query", MEMORY, Value::Serializable, Becomes::CaptureAtEntry("MemoryQuery"), "`gen_ai.memory.query.text` (content capture)"),
    Arg::new("records", MEMORY, Value::Serializable, Becomes::CaptureAtEntry("MemoryRecords"), "`gen_ai.memory.records`, the records written (content capture); `gen_ai.memory.record.count` is read from the return value when it is a collection or a count (`RecordCount`)"),
    Arg::new("data_source", RETRIEVAL, Value::Text, Becomes::Method("data_source"), "`gen_ai.data_source.id` (the index, collection or store searched); the span is named `retrieval {data_source}`").checks(NOT_EMPTY),
    Arg::new("top_k", RETRIEVAL, Value::Int, Becomes::Method("retrieval_top_k"), "`gen_ai.retrieval.top_k` (latest conventions; `gen_ai.request.top_k`, a double, in v1.41)").checks(NON_NEGATIVE),
    Arg::new("query", RETRIEVAL, Value::Serializable, Becomes::CaptureAtEntry("RetrievalQuery"), "`gen_ai.retrieval.query.text` (content capture: recorded only when capture is on)"),
    Arg::new("documents", RETRIEVAL, Value::DocumentsClosure, Becomes::Documents, "reads the documents from a type you do not own (`documents = |hits| hits.iter().map(|h| RetrievedDocument::new(&h.key).score(h.rank)).collect::<Vec<_>>()`); `documents = none` records none. Their count is `genai_o11y.retrieval.document_count`; with capture on, `gen_ai.retrieval.documents` (`[{id, score}]`, the ones that have both, as the conventions' schema requires)").default(Default::Described("`HasDocuments` on the return value (a `Vec` of `#[derive(Document)]` items)")),
    Arg::new("model", SPAN_AGENT_RETRIEVAL, Value::Text, Becomes::Method("model"), "`gen_ai.request.model`").checks(NOT_EMPTY),
    Arg::new("name", SPAN, Value::Text, Becomes::Method("span_name"), "overrides the span name").checks(NOT_EMPTY).default(Default::Described("`{operation} {model}`")),
    Arg::new("name", TOOL, Value::LitText, Becomes::Constructor, "`gen_ai.tool.name` (a metric attribute, so a literal); the span is named `execute_tool {name}`").checks(NOT_EMPTY).default(Default::FnName),
    Arg::new("operation", AGENT, Value::LitText, Becomes::Method("agent_operation"), "`\"invoke_agent\"` (running the agent: span `invoke_agent {name}`, INTERNAL), `\"create_agent\"` (creating it at a provider: span `create_agent {name}`, CLIENT, `gen_ai.client.operation.duration`) or `\"plan\"` (the agent making its plan: span `plan {name}`, INTERNAL; the chat that makes it is its child)").checks(AGENT_OPERATION).default(Default::Described("`\"invoke_agent\"`")),
    Arg::new("name", AGENT, Value::LitText, Becomes::Constructor, "`gen_ai.agent.name` (a metric attribute, so a literal); the span is named `invoke_agent {name}`").checks(NOT_EMPTY).default(Default::FnName),
    Arg::new("name", WORKFLOW, Value::LitText, Becomes::Constructor, "`gen_ai.workflow.name` (a metric attribute, so a literal); the span is named `invoke_workflow {name}`").checks(NOT_EMPTY).default(Default::FnName),
    Arg::new("temperature", SPAN, Value::Float, Becomes::Method("temperature"), "`gen_ai.request.temperature`").checks(SAMPLING),
    Arg::new("max_tokens", SPAN, Value::Int, Becomes::Method("max_tokens"), "`gen_ai.request.max_tokens`").checks(SAMPLING_COUNT),
    Arg::new("top_p", SPAN, Value::Float, Becomes::Method("top_p"), "`gen_ai.request.top_p`").checks(SAMPLING),
    Arg::new("top_k", SPAN, Value::Int, Becomes::Method("top_k"), "`gen_ai.request.top_k` (a double in v1.41, an int in the latest conventions)").checks(SAMPLING_COUNT),
    Arg::new("seed", SPAN, Value::Int, Becomes::Method("seed"), "`gen_ai.request.seed`").checks(SAMPLING),
    Arg::new("stop_sequences", SPAN, Value::TextList, Becomes::Method("stop_sequences"), "`gen_ai.request.stop_sequences`").checks(SAMPLING),
    Arg::new("frequency_penalty", SPAN, Value::Float, Becomes::Method("frequency_penalty"), "`gen_ai.request.frequency_penalty`").checks(SAMPLING),
    Arg::new("presence_penalty", SPAN, Value::Float, Becomes::Method("presence_penalty"), "`gen_ai.request.presence_penalty`").checks(SAMPLING),
    Arg::new("choice_count", SPAN, Value::Int, Becomes::Method("choice_count"), "`gen_ai.request.choice.count` (recorded only when not 1)").checks(SAMPLING_COUNT),
    Arg::new("output_type", SPAN, Value::Text, Becomes::Method("output_type"), "`gen_ai.output.type` (`text`, `json`, `image`, `speech`)").checks(NOT_EMPTY),
    Arg::new("server_address", SPAN_AGENT, Value::Text, Becomes::Method("server_address"), "`server.address` (on `#[genai_agent]`: a hosted agent's, with `span_kind = \"client\"` only)").checks(NOT_EMPTY),
    Arg::new("server_port", SPAN_AGENT, Value::Int, Becomes::Method("server_port"), "`server.port` (on `#[genai_agent]`: with `span_kind = \"client\"` only)").checks(&[Check::NonNegative, Check::Port]),
    Arg::new("tool_type", TOOL, Value::LitText, Becomes::Method("tool_type"), "`gen_ai.tool.type` (`function`, `extension`, `datastore`)").checks(NOT_EMPTY).default(Default::Described("`\"function\"`")),
    Arg::new("call_id", TOOL, Value::Text, Becomes::Method("tool_call_id"), "`gen_ai.tool.call.id`").checks(NOT_EMPTY),
    Arg::new("id", AGENT, Value::Text, Becomes::Method("agent_id"), "`gen_ai.agent.id` (on an in-process agent, v1.41 mode only: the latest conventions list it for hosted and created agents)").checks(NOT_EMPTY),
    Arg::new("description", TOOL, Value::Text, Becomes::Method("description"), "`gen_ai.tool.description`").checks(NOT_EMPTY).default(Default::DocComment),
    Arg::new("description", AGENT, Value::Text, Becomes::Method("description"), "`gen_ai.agent.description`").checks(NOT_EMPTY).default(Default::DocComment),
    Arg::new("version", AGENT, Value::Text, Becomes::Method("agent_version"), "`gen_ai.agent.version` (on an in-process agent, v1.41 mode only, as `id`)").checks(NOT_EMPTY),
    Arg::new("conversation_id", ALL, Value::Text, Becomes::Method("conversation_id"), "`gen_ai.conversation.id`").checks(NOT_EMPTY),
    Arg::new("prompt_name", SPAN, Value::Text, Becomes::Method("prompt_name"), "`gen_ai.prompt.name`: the prompt template the call used (a span attribute; on the metrics only when `MetricAttribution` lists it)").checks(NOT_EMPTY).elsewhere(PROMPT_ELSEWHERE),
    Arg::new("prompt_version", SPAN, Value::Text, Becomes::Method("prompt_version"), "`gen_ai.prompt.version` (the latest conventions' key, written in both modes: v1.41 has none); a number is written as a string, `\"3\"` or `v.to_string()`").checks(NOT_EMPTY).elsewhere(PROMPT_ELSEWHERE),
    Arg::new("reasoning_level", SPAN, Value::Text, Becomes::Method("reasoning_level"), "`gen_ai.request.reasoning.level`: the reasoning effort requested, as sent to the provider (`\"low\"`, `\"medium\"`, `\"high\"`; latest conventions only: v1.41 has no such key)").checks(NOT_EMPTY),
    Arg::new("previous_response_id", SPAN, Value::Text, Becomes::Method("previous_response_id"), "`gen_ai.request.previous_response.id`: the previous response the request continues (OpenAI Responses' `previous_response_id`; latest conventions only)").checks(NOT_EMPTY),
    Arg::new("conversation_compacted", SPAN, Value::Bool, Becomes::Method("conversation_compacted"), "`gen_ai.conversation.compacted = true` when the context sent is a compacted view of the conversation; `false` sets nothing, as the conventions want (latest conventions only)").checks(NOT_FALSE),
    Arg::new("prompt_variables", SPAN, Value::Serializable, Becomes::CaptureAtEntry("PromptVariables"), "`gen_ai.prompt.variable.<key>`, one per variable of the prompt template: a map or a struct, e.g. `prompt_variables = &vars` (opt-in content: only when content is captured on spans; latest conventions only)").checks(NAMED).elsewhere(PROMPT_ELSEWHERE),
    Arg::new("session_id", AGENT_WORKFLOW, Value::Text, Becomes::Method("session_id"), "`session.id` on this span and every span beneath it (attribution scope)").checks(NOT_EMPTY).elsewhere(ATTRIBUTION_ELSEWHERE),
    Arg::new("user_id", AGENT_WORKFLOW, Value::Text, Becomes::Method("user_id"), "`user.id` on this span and every span beneath it (attribution scope)").checks(NOT_EMPTY).elsewhere(ATTRIBUTION_ELSEWHERE),
    Arg::new("usage", SPAN, Value::UsageClosure, Becomes::Usage, "reads token usage from a type you do not own (`usage = |resp| Usage::new().input(..)`); `usage = none` records none and expects none. On a stream it runs per chunk: return no counts for a chunk that reports none").default(Default::FromReturnType).elsewhere("only `#[genai_span]` records token usage"),
    Arg::new("input_messages", SPAN, Value::Serializable, Becomes::CaptureAtEntry("InputMessages"), "`gen_ai.input.messages` (content capture)").elsewhere(CONTENT_ON_TOOL),
    Arg::new("input_messages", AGENT_WORKFLOW, Value::Serializable, Becomes::CaptureAtEntry("InputMessages"), "the input as `gen_ai.input.messages` (content capture); by default the serializable parameters, as one user message (the text of a single text parameter, else their JSON)").default(Default::Parameters),
    Arg::new("system_instructions", SPAN, Value::Serializable, Becomes::CaptureAtEntry("SystemInstructions"), "`gen_ai.system_instructions` (content capture)").elsewhere(CONTENT_ON_TOOL),
    Arg::new("tool_definitions", SPAN, Value::Serializable, Becomes::CaptureAtEntry("ToolDefinitions"), "`gen_ai.tool.definitions` (content capture)").elsewhere(CONTENT_ON_TOOL),
    Arg::new("output_messages", SPAN, Value::OutputClosure, Becomes::CaptureOutput, "`gen_ai.output.messages` (content capture), e.g. `output_messages = |resp| resp.choices.clone()`. On a stream it runs per chunk and the results are folded into one answer (text appended per choice, tool-call fragments assembled, the last finish reason); without it a serializable chunk is folded in as it is").elsewhere(CONTENT_ON_TOOL),
    Arg::new("output_messages", AGENT_WORKFLOW, Value::OutputClosure, Becomes::CaptureOutput, "the answer as `gen_ai.output.messages` (content capture); by default the serializable success value, as one assistant message").default(Default::OkValue),
    Arg::new("arguments", TOOL, Value::Serializable, Becomes::CaptureAtEntry("ToolCallArguments"), "`gen_ai.tool.call.arguments` (content capture); by default the parameters but those `call_id` reads; the result is captured as `gen_ai.tool.call.result` when serializable").default(Default::Parameters).elsewhere("`arguments` is for `#[genai_tool]`: a model call's input is `input_messages = ...`"),
    // ---- the latest conventions' operations: fetched responses, hosted agents, skills ----
    Arg::new("response_id", SPAN, Value::Text, Becomes::Method("response_id"), "`gen_ai.response.id` of the response a `fetch_response` fetches (required there)").checks(FETCH_RESPONSE_TEXT),
    Arg::new("stream_cursor", SPAN, Value::Text, Becomes::Method("stream_cursor"), "`gen_ai.request.stream_cursor`: where a streamed `fetch_response` resumes (OpenAI's `starting_after`; latest conventions only)").checks(FETCH_RESPONSE_TEXT),
    Arg::new("span_kind", AGENT, Value::LitText, Becomes::Method("agent_span_kind"), "`\"internal\"` (an agent in this process: span kind INTERNAL, `gen_ai.invoke_agent.duration`) or `\"client\"` (an agent a provider hosts, OpenAI Assistants, Bedrock Agents: span kind CLIENT with `provider` (required), `server_address`, `server_port`, `gen_ai.client.operation.duration`); `invoke_agent` only").checks(SPAN_KINDS).default(Default::Described("`\"internal\"`")),
    Arg::new("refinement", TOOL, Value::LitText, Becomes::Method("tool_refinement"), "which refinement of `execute_tool` the tool is (latest conventions): `\"load_skill\"` (loads a skill into the agent's context), `\"read_skill_resource\"` (reads a file of a skill), `\"command\"` (runs a command or a skill's script; `process.exit.code` is read from a returned `ExitStatus` or `Output`, or any `genai_o11y::ExitCode`). In the latest conventions the span is named `execute_tool {name} {skill} {skill_resource}` (or `{skill_resource}`, `{skill}` for `load_skill`, `{executable}` for `command`)").checks(REFINEMENTS),
    Arg::new("skill", TOOL, Value::Text, Becomes::Method("skill_name"), "`gen_ai.skill.name` (with `refinement`; latest conventions only)").checks(NOT_EMPTY),
    Arg::new("skill_description", TOOL, Value::Text, Becomes::Method("skill_description"), "`gen_ai.skill.description` (with `refinement`; latest conventions only)").checks(NOT_EMPTY),
    Arg::new("skill_source_uri", TOOL, Value::Text, Becomes::Method("skill_source_uri"), "`gen_ai.skill.source.uri`: where the skill comes from, credentials scrubbed (with `refinement`; latest conventions only)").checks(NOT_EMPTY),
    Arg::new("skill_resource", TOOL, Value::Text, Becomes::Method("skill_resource_name"), "`gen_ai.skill.resource.name`, the skill-relative name of the file read or run (`refinement = \"read_skill_resource\"` or `\"command\"`; latest conventions only)").checks(NOT_EMPTY),
    Arg::new("executable", TOOL, Value::Text, Becomes::Method("process_executable_name"), "`process.executable.name` of the process the command runs (`refinement = \"command\"`)").checks(NOT_EMPTY),
    Arg::new("executable_path", TOOL, Value::Text, Becomes::Method("process_executable_path"), "`process.executable.path` of that process (`refinement = \"command\"`)").checks(NOT_EMPTY),
    // ---- #[genai_guardrail] (guards)
    Arg::new("name", GUARD, Value::LitText, Becomes::Constructor, "`gen_ai.guardrail.component.name` (a metric attribute, so a literal); the span is named `run_guardrail {name}`").checks(NOT_EMPTY).default(Default::FnName),
    Arg::new("policy", GUARD, Value::Text, Becomes::Method("guardrail_policy"), "`gen_ai.guardrail.policy.id`: the policy the guard enforces").checks(NOT_EMPTY),
    Arg::new("policy_version", GUARD, Value::Text, Becomes::Method("guardrail_policy_version"), "`gen_ai.guardrail.policy.version`").checks(NOT_EMPTY),
    Arg::new("source", GUARD, Value::Text, Becomes::Method("guardrail_source"), "`gen_ai.guardrail.source`: what the guard checks, e.g. `\"input\"`, `\"output\"`, `\"tool_call\"`").checks(NOT_EMPTY),
    Arg::new("risk_category", GUARD, Value::Text, Becomes::Method("guardrail_risk_category"), "`gen_ai.guardrail.risk.category` when the decision names none, e.g. `\"pii\"`").checks(NOT_EMPTY),
    Arg::new("span_kind", GUARD, Value::LitText, Becomes::Method("guardrail_span_kind"), "`\"internal\"` (an in-process check) or `\"client\"` (a remote guard service)").checks(SPAN_KINDS).default(Default::Described("`\"internal\"`")),
    Arg::new("provider", GUARD, Value::Text, Becomes::Method("provider"), "`gen_ai.provider.name` of a remote guard service, e.g. `\"aws.bedrock\"`").checks(NOT_EMPTY),
    Arg::new("server_address", GUARD, Value::Text, Becomes::Method("server_address"), "`server.address` of a remote guard service").checks(NOT_EMPTY),
    Arg::new("server_port", GUARD, Value::Int, Becomes::Method("server_port"), "`server.port` of a remote guard service").checks(&[Check::NonNegative, Check::Port]),
    Arg::new("input", GUARD, Value::Serializable, Becomes::CaptureAtEntry("GuardrailInput"), "`gen_ai.guardrail.content.input.value`: what the guard checked (content capture); by default its serializable parameters (the value of a single one)").default(Default::Parameters),
    Arg::new("output", GUARD, Value::OutputClosure, Becomes::CaptureOutput, "`gen_ai.guardrail.content.output.value`: what the guard let through (content capture), e.g. `output = |v| v.redacted_text()`"),
    Arg::new("decision", GUARD, Value::DecisionClosure, Becomes::Decision, "reads the decision from a type you do not own (`decision = |r| if r.flagged { Decision::block(\"flagged\") } else { Decision::allow() }`): `gen_ai.guardrail.result.*`").default(Default::Described("`GuardDecision` on the return value (`Decision`, or an enum with `#[derive(GuardDecision)]`)")),
    Arg::new("fields", ALL, Value::Fields, Becomes::Attributes, "extra span attributes, `fields(app.tier = \"gold\", \"key.name\" = expr)` (not metric attributes)"),
    Arg::new("crate", ALL, Value::CratePath, Becomes::CratePath, "where the `genai_o11y` crate is, for re-exports (`crate = ::my_sdk::genai_o11y`)").default(Default::Runtime),
];

const SPAN_AGENT: &[MacroKind] = &[MacroKind::Span, MacroKind::Agent];
const FETCH_RESPONSE_TEXT: &[Check] = &[Check::NotEmpty, Check::FetchResponse];
/// The refinements of `execute_tool` (`command` first: it takes every skill argument).
pub const TOOL_REFINEMENTS: &[&str] = &["command", "read_skill_resource", "load_skill"];
const REFINEMENTS: &[Check] = &[Check::OneOf(TOOL_REFINEMENTS)];
/// The arguments of `#[genai_tool]` that need a `refinement`, and the refinements they apply to.
pub const REFINEMENT_ARGS: &[(&str, &[&str])] = &[
    ("skill", TOOL_REFINEMENTS),
    ("skill_description", TOOL_REFINEMENTS),
    ("skill_source_uri", TOOL_REFINEMENTS),
    ("skill_resource", &["command", "read_skill_resource"]),
    ("executable", &["command"]),
    ("executable_path", &["command"]),
];
/// The `#[genai_span]` arguments that apply to `operation = "fetch_response"` (its span lists no
/// request model, input, conversation, prompt or sampling attribute, and no token usage).
pub const FETCH_RESPONSE_ARGS: &[&str] = &[
    "operation",
    "provider",
    "name",
    "server_address",
    "server_port",
    "response_id",
    "stream_cursor",
    "system_instructions",
    "tool_definitions",
    "output_messages",
    "fields",
    "crate",
];

/// Keys people write for another argument.
pub const ALIASES: &[(MacroKind, &str, &str)] = &[
    (MacroKind::Tool, "type", "the tool type is `tool_type = \"...\"`"),
    // Guards: the content they check and let through.
    (MacroKind::Guard, "arguments", "what a guard checked is `input = ...` (by default its parameters)"),
    (MacroKind::Guard, "input_messages", "what a guard checked is `input = ...` (by default its parameters)"),
    (MacroKind::Guard, "output_messages", "what a guard let through is `output = |v| ...`"),
];

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
    Operation { name: "fetch_response", sampling: false, requires_usage: false, doc: "fetching a stored model response by its id (`response_id`, required): no inference, no token usage (latest conventions; see README \"Convention modes\")" },
];

/// Operations that have an annotation of their own.
/// (operation, annotation, what it annotates).
pub const OTHER_ANNOTATIONS: &[(&str, &str, &str)] = &[
    ("execute_tool", "#[genai_tool]", "tools"),
    ("invoke_agent", "#[genai_agent]", "agents"),
    ("invoke_workflow", "#[genai_workflow]", "workflows"),
    ("retrieval", "#[genai_retrieval]", "retrievals"),
];

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
                Becomes::Method(_) => matches!(a.value, Value::Float | Value::Int | Value::Text | Value::LitText | Value::TextList | Value::Bool),
                Becomes::Constructor => matches!(a.value, Value::Operation | Value::LitText),
                Becomes::CaptureAtEntry(_) => a.value == Value::Serializable,
                Becomes::CaptureOutput => a.value == Value::OutputClosure,
                Becomes::Usage => a.value == Value::UsageClosure,
                Becomes::Documents => a.value == Value::DocumentsClosure,
                Becomes::Decision => a.value == Value::DecisionClosure,
                Becomes::Attributes => a.value == Value::Fields,
                Becomes::CratePath => a.value == Value::CratePath,
            };
            assert!(ok, "{a:?}");
        }
    }
}

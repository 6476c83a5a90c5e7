//! [`GenAiSpanBuilder`]: the description of one call, built before it starts; [`GenAiSpanBuilder::start`]
//! opens its span and returns the [`ActiveCall`].
//!
//! Each builder method is the runtime side of one macro argument (the macro crate's argument
//! table names the method): it stores the value, and [`GenAiSpanBuilder::start`] writes it on the
//! span as the attribute its documentation names.

use std::fmt;
use std::time::Instant;

use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::active::{ActiveCall, CallState};
use super::meta::CallMeta;
use super::operation::OperationKind;
use crate::attribution::{self, Attribution, Guard as AttributionGuard};
use crate::instruments;
use crate::params::{BoolParam, FieldValue, FloatParam, IntParam, TextListParam, TextParam};
use crate::scope::{self, Scope, ScopeKind};
use crate::semconv::{fetch_response as fr, skill as sk};
use crate::semconv::{latest, memory as mem, retrieval as rt, tracing_names as tn, v1_41 as sc, workflow as wf, Conventions};
use crate::skills::{SkillInfo, ToolRefinement};

/// A description of one GenAI operation, built before the call. Every value is evaluated once,
/// here, before the body runs.
///
/// ```
/// # use genai_o11y::GenAiSpanBuilder;
/// let call = GenAiSpanBuilder::inference("chat", "openai", "gpt-4o").temperature(0.2).max_tokens(256u32).start();
/// let answer: Result<genai_o11y::Usage, std::io::Error> = Ok(genai_o11y::Usage::new().input(10).output(2));
/// call.finish(genai_o11y::Outcome::from_result(&answer));
/// ```
#[derive(Clone, Debug)]
pub struct GenAiSpanBuilder {
    kind: OperationKind,
    operation: StringValue,
    name: Option<StringValue>,
    provider: Option<StringValue>,
    model: Option<StringValue>,
    conversation_id: Option<StringValue>,
    server_address: Option<StringValue>,
    server_port: Option<i64>,
    // request parameters
    temperature: Option<f64>,
    top_p: Option<f64>,
    top_k: Option<i64>,
    max_tokens: Option<i64>,
    seed: Option<i64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    choice_count: Option<i64>,
    output_type: Option<StringValue>,
    stop_sequences: Option<Vec<StringValue>>,
    stream: Option<bool>,
    // prompt identity
    prompt_name: Option<StringValue>,
    prompt_version: Option<StringValue>,
    // tools
    tool_type: Option<StringValue>,
    tool_call_id: Option<StringValue>,
    description: Option<StringValue>,
    // agents
    agent_id: Option<StringValue>,
    agent_version: Option<StringValue>,
    // memory
    memory_store: Option<StringValue>,
    memory_record: Option<StringValue>,
    in_process: bool,
    // remote agents, fetched responses, skills (latest conventions)
    remote_agent: bool,
    response_id: Option<StringValue>,
    stream_cursor: Option<StringValue>,
    // Boxed: rarely set.
    skill: Option<Box<SkillInfo>>,
    // guards (boxed: rarely set)
    guard: Option<Box<crate::guard::GuardSpec>>,
    // everything else
    // Boxed: rarely set, and the builder is moved through every method of the chain.
    attribution: Option<Box<Attribution>>,
    extra: Vec<KeyValue>,
    expects_usage: bool,
    // The latest conventions' request context (boxed: rarely set).
    request_context: Option<Box<RequestContext>>,
}

/// What an inference request says about its context, in the latest conventions' names (v1.41
/// has none of them: nothing is written in that mode).
#[derive(Clone, Debug, Default)]
struct RequestContext {
    /// `gen_ai.request.reasoning.level`.
    reasoning_level: Option<StringValue>,
    /// `gen_ai.request.previous_response.id`.
    previous_response_id: Option<StringValue>,
    /// `gen_ai.conversation.compacted`, written only when true.
    compacted: bool,
    /// `gen_ai.prompt.variable.<key>` (opt-in content).
    prompt_variables: Vec<(String, StringValue)>,
}

impl GenAiSpanBuilder {
    #[inline]
    fn new(kind: OperationKind, operation: StringValue) -> Self {
        GenAiSpanBuilder {
            kind,
            operation,
            name: None,
            provider: None,
            model: None,
            conversation_id: None,
            server_address: None,
            server_port: None,
            temperature: None,
            top_p: None,
            top_k: None,
            max_tokens: None,
            seed: None,
            frequency_penalty: None,
            presence_penalty: None,
            choice_count: None,
            output_type: None,
            stop_sequences: None,
            stream: None,
            prompt_name: None,
            prompt_version: None,
            tool_type: None,
            tool_call_id: None,
            description: None,
            agent_id: None,
            agent_version: None,
            memory_store: None,
            memory_record: None,
            in_process: false,
            remote_agent: false,
            response_id: None,
            stream_cursor: None,
            skill: None,
            guard: None,
            attribution: None,
            extra: Vec::new(),
            expects_usage: kind == OperationKind::Inference,
            request_context: None,
        }
    }

    /// A model call. `operation` is usually one of `chat`, `text_completion`,
    /// `generate_content`, `embeddings` (see [`crate::semconv::v1_41::INFERENCE_OPERATIONS`]).
    #[inline]
    pub fn inference(operation: impl TextParam, provider: impl TextParam, model: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Inference, operation.into_text().unwrap_or_else(|| sc::OP_CHAT.into()));
        s.provider = provider.into_text();
        s.model = model.into_text();
        if s.operation.as_str() == fr::OP_FETCH_RESPONSE {
            // Not an inference: no model, no token usage (see `fetch_response`).
            s.kind = OperationKind::FetchResponse;
            s.expects_usage = false;
        }
        s
    }

    /// A tool execution named `name` (`gen_ai.tool.name`).
    #[inline]
    pub fn tool(name: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Tool, sc::OP_EXECUTE_TOOL.into());
        s.name = name.into_text();
        s
    }

    /// An in-process agent invocation named `name` (`gen_ai.agent.name`).
    #[inline]
    pub fn agent(name: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Agent, sc::OP_INVOKE_AGENT.into());
        s.name = name.into_text();
        s
    }

    /// A retrieval (`retrieval`, span kind CLIENT), named after its data source when
    /// [`data_source`](Self::data_source) says which.
    #[inline]
    pub fn retrieval() -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Retrieval, rt::OP_RETRIEVAL.into());
        s.expects_usage = false;
        s
    }
    /// `gen_ai.data_source.id` (retrievals; the span is named `retrieval {data_source}`).
    #[inline]
    pub fn data_source(mut self, v: impl TextParam) -> Self {
        if self.kind == OperationKind::Retrieval {
            self.name = v.into_text();
        }
        self
    }
    /// How many documents a retrieval asks for: `gen_ai.retrieval.top_k` (an int) in the latest
    /// conventions, `gen_ai.request.top_k` (a double) in v1.41.
    #[inline]
    pub fn retrieval_top_k(mut self, v: impl IntParam) -> Self {
        self.top_k = v.into_i64();
        self
    }

    /// A memory operation (one of [`crate::semconv::memory::OPERATIONS`]), span kind CLIENT (see
    /// [`in_process`](Self::in_process)), named after the operation.
    #[inline]
    pub fn memory(operation: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Memory, operation.into_text().unwrap_or_else(|| mem::OP_SEARCH_MEMORY.into()));
        s.expects_usage = false;
        s
    }
    /// `gen_ai.memory.store.id`.
    #[inline]
    pub fn memory_store(mut self, v: impl TextParam) -> Self {
        self.memory_store = v.into_text();
        self
    }
    /// `gen_ai.memory.record.id`.
    #[inline]
    pub fn memory_record(mut self, v: impl TextParam) -> Self {
        self.memory_record = v.into_text();
        self
    }
    /// The span kind of a memory operation: `"client"` (the default: a remote store) or
    /// `"internal"` (an in-process store).
    #[inline]
    pub fn memory_span_kind(mut self, kind: impl TextParam) -> Self {
        self.in_process = kind.into_text().is_some_and(|k| k.as_str() == tn::KIND_INTERNAL);
        self
    }
    /// An in-process store: span kind INTERNAL.
    #[inline]
    pub fn in_process(mut self, yes: bool) -> Self {
        self.in_process = yes;
        self
    }

    /// Creating an agent named `name` at `provider` (`create_agent`, span kind CLIENT): with
    /// [`agent_id`](Self::agent_id), [`description`](Self::description),
    /// [`agent_version`](Self::agent_version), [`model`](Self::model).
    #[inline]
    pub fn create_agent(provider: impl TextParam, name: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::CreateAgent, sc::OP_CREATE_AGENT.into());
        s.provider = provider.into_text();
        s.name = name.into_text();
        s.expects_usage = false;
        s
    }

    /// The agent `name` making its plan (`plan`, INTERNAL); without a name, the enclosing
    /// agent's.
    #[inline]
    pub fn plan(agent_name: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Plan, crate::semconv::plan::OP_PLAN.into());
        s.name = agent_name.into_text();
        s
    }

    /// What an agent annotation does: `invoke_agent` (the default), `create_agent` or `plan`
    /// (`#[genai_agent(operation = "...")]`). Other values leave it unchanged.
    #[inline]
    pub fn agent_operation(mut self, op: impl TextParam) -> Self {
        if !matches!(self.kind, OperationKind::Agent | OperationKind::RemoteAgent | OperationKind::CreateAgent | OperationKind::Plan) {
            return self;
        }
        match op.into_text().as_ref().map(|o| o.as_str()) {
            Some(sc::OP_INVOKE_AGENT) => {
                self.kind = if self.remote_agent { OperationKind::RemoteAgent } else { OperationKind::Agent };
                self.operation = sc::OP_INVOKE_AGENT.into();
            }
            Some(sc::OP_CREATE_AGENT) => {
                self.kind = OperationKind::CreateAgent;
                self.operation = sc::OP_CREATE_AGENT.into();
                self.expects_usage = false;
            }
            Some(crate::semconv::plan::OP_PLAN) => {
                self.kind = OperationKind::Plan;
                self.operation = crate::semconv::plan::OP_PLAN.into();
            }
            _ => {}
        }
        self
    }

    /// A workflow (a multi-agent or graph entry point) named `name` (`gen_ai.workflow.name`): its
    /// span totals the tokens and cost of the calls beneath it, like an agent's.
    #[inline]
    pub fn workflow(name: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Workflow, wf::OP_INVOKE_WORKFLOW.into());
        s.name = name.into_text();
        s
    }

    /// A guard named `name` (`gen_ai.guardrail.component.name`): span `run_guardrail {name}`,
    /// INTERNAL (see [`guardrail_span_kind`](Self::guardrail_span_kind)); finish it with an
    /// [`Outcome`](crate::Outcome) that carries its [`Decision`](crate::guard::Decision)
    /// ([`Outcome::with_decision`](crate::Outcome::with_decision)).
    ///
    /// ```
    /// use genai_o11y::guard::Decision;
    /// use genai_o11y::{GenAiSpanBuilder, Outcome};
    /// let call = GenAiSpanBuilder::guardrail("pii").guardrail_policy("privacy").guardrail_source("input").start();
    /// call.finish(Outcome::success().with_decision(Some(Decision::block("a card number").risk_category("pii"))));
    /// ```
    #[inline]
    pub fn guardrail(name: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::Guard, crate::semconv::guardrail::OP_RUN_GUARDRAIL.into());
        s.name = name.into_text();
        s.expects_usage = false;
        s.guard = Some(Box::default());
        s
    }
    fn guard_spec(&mut self) -> Option<&mut crate::guard::GuardSpec> {
        self.guard.as_deref_mut().filter(|_| self.kind == OperationKind::Guard)
    }
    /// `gen_ai.guardrail.policy.id` (guards).
    #[inline]
    pub fn guardrail_policy(mut self, v: impl TextParam) -> Self {
        if let Some(g) = self.guard_spec() {
            g.policy_id = v.into_text();
        }
        self
    }
    /// `gen_ai.guardrail.policy.version` (guards).
    #[inline]
    pub fn guardrail_policy_version(mut self, v: impl TextParam) -> Self {
        if let Some(g) = self.guard_spec() {
            g.policy_version = v.into_text();
        }
        self
    }
    /// `gen_ai.guardrail.source`: what the guard checks (`input`, `output`, `tool_call`, ...).
    #[inline]
    pub fn guardrail_source(mut self, v: impl TextParam) -> Self {
        if let Some(g) = self.guard_spec() {
            g.source = v.into_text();
        }
        self
    }
    /// The guard's `gen_ai.guardrail.risk.category` when its decision names none.
    #[inline]
    pub fn guardrail_risk_category(mut self, v: impl TextParam) -> Self {
        if let Some(g) = self.guard_spec() {
            g.risk_category = v.into_text();
        }
        self
    }
    /// The span kind of a guard: `"internal"` (the default: an in-process check) or `"client"` (a
    /// remote guard service; give it [`server_address`](Self::server_address)). Other values
    /// leave it unchanged.
    #[inline]
    pub fn guardrail_span_kind(mut self, kind: impl TextParam) -> Self {
        let kind = kind.into_text();
        if let Some(g) = self.guard_spec() {
            match kind.as_ref().map(|k| k.as_str()) {
                Some(tn::KIND_CLIENT) => g.remote = true,
                Some(tn::KIND_INTERNAL) => g.remote = false,
                _ => {}
            }
        }
        self
    }

    /// The kind of operation.
    pub fn kind(&self) -> OperationKind {
        self.kind
    }

    // ---- fetched responses, remote agents, skills (latest conventions) ----

    /// Fetching the stored model response `response_id` from `provider` (`fetch_response`, span
    /// kind CLIENT, named `fetch_response`; OpenAI's "Get a model response"): no inference is
    /// performed, no token usage recorded. `gen_ai.response.status` and the finish reasons are
    /// read from the fetched response (`HasUsage::response_status`). The same as
    /// `inference("fetch_response", provider, None)` plus [`response_id`](Self::response_id).
    #[inline]
    pub fn fetch_response(provider: impl TextParam, response_id: impl TextParam) -> Self {
        let mut s = GenAiSpanBuilder::new(OperationKind::FetchResponse, fr::OP_FETCH_RESPONSE.into());
        s.provider = provider.into_text();
        s.response_id = response_id.into_text();
        s.expects_usage = false;
        s
    }
    /// `gen_ai.response.id` of the response a `fetch_response` fetches (known before the call).
    #[inline]
    pub fn response_id(mut self, v: impl TextParam) -> Self {
        self.response_id = v.into_text();
        self
    }
    /// `gen_ai.request.stream_cursor`: where a streamed `fetch_response` resumes (OpenAI's
    /// `starting_after`). Latest conventions only (v1.41 has no such key).
    #[inline]
    pub fn stream_cursor(mut self, v: impl TextParam) -> Self {
        self.stream_cursor = v.into_text();
        self
    }

    /// Invoking the agent `name` hosted by `provider` (OpenAI Assistants, Bedrock Agents):
    /// `invoke_agent`, span kind CLIENT, with `gen_ai.provider.name` and
    /// [`server_address`](Self::server_address) / [`server_port`](Self::server_port). The same as
    /// `agent(name).agent_span_kind("client").provider(provider)`.
    #[inline]
    pub fn remote_agent(provider: impl TextParam, name: impl TextParam) -> Self {
        GenAiSpanBuilder::agent(name).agent_span_kind(tn::KIND_CLIENT).provider(provider)
    }
    /// Where an agent runs: `"internal"` (the default: in this process, span kind INTERNAL) or
    /// `"client"` (hosted by a provider: span kind CLIENT, see [`remote_agent`](Self::remote_agent)).
    /// Applies to `invoke_agent`; other values leave it unchanged.
    #[inline]
    pub fn agent_span_kind(mut self, kind: impl TextParam) -> Self {
        match kind.into_text().as_ref().map(|k| k.as_str()) {
            Some(tn::KIND_CLIENT) => self.remote_agent = true,
            Some(tn::KIND_INTERNAL) => self.remote_agent = false,
            _ => return self,
        }
        match self.kind {
            OperationKind::Agent | OperationKind::RemoteAgent => {
                self.kind = if self.remote_agent { OperationKind::RemoteAgent } else { OperationKind::Agent };
            }
            _ => {}
        }
        self
    }

    fn skill_mut(&mut self) -> &mut SkillInfo {
        self.skill.get_or_insert_with(Box::default)
    }
    /// Which refinement of `execute_tool` this tool call is: `"load_skill"`, `"read_skill_resource"`
    /// or `"command"` (see [`ToolRefinement`]). In the latest conventions it decides the span name
    /// (`execute_tool {tool} {skill} {resource}`, ...). Other values leave it unchanged.
    #[inline]
    pub fn tool_refinement(mut self, v: impl TextParam) -> Self {
        if let Some(r) = v.into_text().and_then(|t| ToolRefinement::parse(t.as_str())) {
            self.skill_mut().refinement = Some(r);
        }
        self
    }
    /// `gen_ai.skill.name` (latest conventions only).
    #[inline]
    pub fn skill_name(mut self, v: impl TextParam) -> Self {
        self.skill_mut().name = v.into_text();
        self
    }
    /// `gen_ai.skill.description` (latest conventions only).
    #[inline]
    pub fn skill_description(mut self, v: impl TextParam) -> Self {
        self.skill_mut().description = v.into_text();
        self
    }
    /// `gen_ai.skill.source.uri`: where the skill is loaded from, not where it was materialized
    /// (latest conventions only). Scrub credentials from it first.
    #[inline]
    pub fn skill_source_uri(mut self, v: impl TextParam) -> Self {
        self.skill_mut().source_uri = v.into_text();
        self
    }
    /// `gen_ai.skill.resource.name`: the skill-relative name of the resource read or run
    /// (`scripts/extract.py`; latest conventions only).
    #[inline]
    pub fn skill_resource_name(mut self, v: impl TextParam) -> Self {
        self.skill_mut().resource_name = v.into_text();
        self
    }
    /// `process.executable.name` of the process a command tool runs (both modes).
    #[inline]
    pub fn process_executable_name(mut self, v: impl TextParam) -> Self {
        self.skill_mut().executable_name = v.into_text();
        self
    }
    /// `process.executable.path` of the process a command tool runs (both modes).
    #[inline]
    pub fn process_executable_path(mut self, v: impl TextParam) -> Self {
        self.skill_mut().executable_path = v.into_text();
        self
    }

    /// Overrides the span name (inference spans; tools and agents are named after their
    /// `name`).
    #[inline]
    pub fn span_name(mut self, name: impl TextParam) -> Self {
        if matches!(self.kind, OperationKind::Inference | OperationKind::FetchResponse) {
            self.name = name.into_text();
        }
        self
    }
    /// `gen_ai.provider.name`.
    #[inline]
    pub fn provider(mut self, v: impl TextParam) -> Self {
        self.provider = v.into_text();
        self
    }
    /// `gen_ai.request.model`.
    #[inline]
    pub fn model(mut self, v: impl TextParam) -> Self {
        self.model = v.into_text();
        self
    }
    /// `gen_ai.conversation.id`.
    #[inline]
    pub fn conversation_id(mut self, v: impl TextParam) -> Self {
        self.conversation_id = v.into_text();
        self
    }
    /// `server.address`.
    #[inline]
    pub fn server_address(mut self, v: impl TextParam) -> Self {
        self.server_address = v.into_text();
        self
    }
    /// `server.port`.
    #[inline]
    pub fn server_port(mut self, v: impl IntParam) -> Self {
        self.server_port = v.into_i64();
        self
    }
    /// `gen_ai.request.temperature`.
    #[inline]
    pub fn temperature(mut self, v: impl FloatParam) -> Self {
        self.temperature = v.into_f64();
        self
    }
    /// `gen_ai.request.top_p`.
    #[inline]
    pub fn top_p(mut self, v: impl FloatParam) -> Self {
        self.top_p = v.into_f64();
        self
    }
    /// `gen_ai.request.top_k` (a double in v1.41, an int in the latest conventions).
    #[inline]
    pub fn top_k(mut self, v: impl IntParam) -> Self {
        self.top_k = v.into_i64();
        self
    }
    /// `gen_ai.request.max_tokens`.
    #[inline]
    pub fn max_tokens(mut self, v: impl IntParam) -> Self {
        self.max_tokens = v.into_i64();
        self
    }
    /// `gen_ai.request.seed`.
    #[inline]
    pub fn seed(mut self, v: impl IntParam) -> Self {
        self.seed = v.into_i64();
        self
    }
    /// `gen_ai.request.frequency_penalty`.
    #[inline]
    pub fn frequency_penalty(mut self, v: impl FloatParam) -> Self {
        self.frequency_penalty = v.into_f64();
        self
    }
    /// `gen_ai.request.presence_penalty`.
    #[inline]
    pub fn presence_penalty(mut self, v: impl FloatParam) -> Self {
        self.presence_penalty = v.into_f64();
        self
    }
    /// `gen_ai.request.choice.count` (recorded only when it is not 1, as the spec says).
    #[inline]
    pub fn choice_count(mut self, v: impl IntParam) -> Self {
        self.choice_count = v.into_i64().filter(|n| *n != 1);
        self
    }
    /// `gen_ai.output.type` (`text`, `json`, `image`, `speech`).
    #[inline]
    pub fn output_type(mut self, v: impl TextParam) -> Self {
        self.output_type = v.into_text();
        self
    }
    /// `gen_ai.request.stop_sequences`.
    #[inline]
    pub fn stop_sequences(mut self, v: impl TextListParam) -> Self {
        self.stop_sequences = v.into_texts();
        self
    }
    /// `gen_ai.request.stream` (set only when true, as the spec says).
    #[inline]
    pub fn stream(mut self, v: impl BoolParam) -> Self {
        self.stream = v.into_bool().filter(|b| *b);
        self
    }
    /// `gen_ai.prompt.name`: the name of the prompt template the call used (inference spans). A
    /// metric attribute only when the application lists it in its
    /// [`MetricAttribution`](crate::attribution::MetricAttribution).
    #[inline]
    pub fn prompt_name(mut self, v: impl TextParam) -> Self {
        self.prompt_name = v.into_text();
        self
    }
    /// `gen_ai.prompt.version`: the version of that template (inference spans). A name of the
    /// latest conventions, written in both convention modes: v1.41 has no version key. A metric
    /// attribute only when listed in the [`MetricAttribution`](crate::attribution::MetricAttribution).
    #[inline]
    pub fn prompt_version(mut self, v: impl TextParam) -> Self {
        self.prompt_version = v.into_text();
        self
    }
    fn context(&mut self) -> &mut RequestContext {
        self.request_context.get_or_insert_with(Default::default)
    }
    /// `gen_ai.request.reasoning.level`: the reasoning effort requested, as sent to the provider
    /// (`"low"`, `"medium"`, `"high"`; OpenAI's `reasoning_effort` / `reasoning.effort`,
    /// Anthropic's `output_config.effort`). Latest conventions only (inference spans).
    #[inline]
    pub fn reasoning_level(mut self, v: impl TextParam) -> Self {
        if let Some(v) = v.into_text() {
            self.context().reasoning_level = Some(v);
        }
        self
    }
    /// `gen_ai.request.previous_response.id`: the previous response the request continues
    /// (OpenAI Responses' `previous_response_id`). Latest conventions only (inference spans).
    #[inline]
    pub fn previous_response_id(mut self, v: impl TextParam) -> Self {
        if let Some(v) = v.into_text() {
            self.context().previous_response_id = Some(v);
        }
        self
    }
    /// `gen_ai.conversation.compacted = true`: the context sent is a compacted view of the
    /// conversation. A positive indicator only, as the conventions say: `false` (or `None`) sets
    /// nothing. Latest conventions only (inference spans).
    #[inline]
    pub fn conversation_compacted(mut self, v: impl BoolParam) -> Self {
        if v.into_bool() == Some(true) {
            self.context().compacted = true;
        }
        self
    }
    /// `gen_ai.prompt.variable.<key>`: a variable of the prompt template. Opt-in content: written
    /// only when content is captured (a span capture mode), in the latest conventions, through
    /// the redaction hook (as [`ContentKind::PromptVariables`](crate::ContentKind::PromptVariables)).
    #[inline]
    pub fn prompt_variable(mut self, key: impl Into<String>, value: impl TextParam) -> Self {
        if let Some(v) = value.into_text() {
            self.context().prompt_variables.push((key.into(), v));
        }
        self
    }
    /// `gen_ai.tool.type` (default `function`).
    #[inline]
    pub fn tool_type(mut self, v: impl TextParam) -> Self {
        self.tool_type = v.into_text();
        self
    }
    /// `gen_ai.tool.call.id`.
    #[inline]
    pub fn tool_call_id(mut self, v: impl TextParam) -> Self {
        self.tool_call_id = v.into_text();
        self
    }
    /// `gen_ai.tool.description` or `gen_ai.agent.description`.
    #[inline]
    pub fn description(mut self, v: impl TextParam) -> Self {
        self.description = v.into_text();
        self
    }
    /// `gen_ai.agent.id`.
    #[inline]
    pub fn agent_id(mut self, v: impl TextParam) -> Self {
        self.agent_id = v.into_text();
        self
    }
    /// `gen_ai.agent.version`.
    #[inline]
    pub fn agent_version(mut self, v: impl TextParam) -> Self {
        self.agent_version = v.into_text();
        self
    }
    /// `session.id` on this call's span and every span beneath it: shorthand for
    /// [`attribution`](GenAiSpanBuilder::attribution)`(Attribution::new().session_id(v))`
    /// (`#[genai_agent(session_id = ..)]`).
    #[inline]
    pub fn session_id(self, v: impl TextParam) -> Self {
        self.attribution(Attribution::new().session_id(v))
    }
    /// `user.id` on this call's span and every span beneath it: shorthand for
    /// [`attribution`](GenAiSpanBuilder::attribution)`(Attribution::new().user_id(v))`
    /// (`#[genai_agent(user_id = ..)]`).
    #[inline]
    pub fn user_id(self, v: impl TextParam) -> Self {
        self.attribution(Attribution::new().user_id(v))
    }
    /// Whether the call is expected to report token usage (inference: yes). A call that was
    /// expected to and did not is marked `genai_o11y.usage.missing = true` and counted.
    #[inline]
    pub fn expects_usage(mut self, v: bool) -> Self {
        self.expects_usage = v;
        self
    }
    /// Runs the call (for an agent: its whole body) inside this attribution: its span and every
    /// span started beneath it carry `session.id`, `user.id`, the tags and the metadata (see
    /// [`crate::attribution`]). Merged with the attribution in force when the call starts.
    #[inline]
    pub fn attribution(mut self, a: Attribution) -> Self {
        self.attribution = Some(Box::new(match self.attribution.take().map(|b| *b) {
            Some(mine) => mine.merged_into(a),
            None => a,
        }));
        self
    }
    /// Any other span attribute (not a metric attribute: metrics keep low cardinality).
    /// `None` sets nothing; borrowed text is copied.
    #[inline]
    pub fn attribute(mut self, key: impl Into<Key>, value: impl FieldValue) -> Self {
        if let Some(value) = value.into_value() {
            self.extra.push(KeyValue::new(key, value));
        }
        self
    }

    /// Opens the span (a child of the current `tracing` span) and starts the clock.
    ///
    /// While telemetry is switched off (no `tracing` subscriber, a no-op meter provider), the
    /// call is dormant and records nothing; unless it carries attribution, which its body's
    /// outgoing requests may still propagate.
    pub fn start(self) -> ActiveCall {
        if self.attribution.is_none() && super::dormant() {
            return ActiveCall::dormant();
        }
        self.start_live()
    }

    /// [`start`](Self::start) without the dormant check (the caller made it).
    pub(crate) fn start_live(mut self) -> ActiveCall {
        let instruments = instruments::current();
        let scope = scope::current();
        let agent_name = scope.as_ref().and_then(|s| s.agent()).and_then(|a| a.name.clone());
        if self.kind == OperationKind::Plan && self.name.is_none() {
            self.name = agent_name.clone();
        }
        let own_attribution = match &self.attribution {
            Some(a) if !a.is_empty() => Some((**a).clone().merged_with_current()),
            _ => None,
        };
        // In force while the span may start (it starts when first entered, or here when capture
        // asks for its sampling decision).
        let _attribution = AttributionGuard::enter(own_attribution.as_ref());
        // The attribution in force (and the prompt identity) is read only when some of it may go
        // on the metrics (hot path).
        let metric_attribution = if instruments.settings.metric_attribution.is_empty() {
            attribution::MetricAttrs::new()
        } else {
            let prompt = attribution::CallPrompt { name: self.prompt_name.as_ref(), version: self.prompt_version.as_ref() };
            instruments.settings.metric_attribution.attrs(attribution::current().as_deref(), prompt)
        };
        let span = self.open_span(agent_name.as_ref(), instruments.settings.conventions);
        let capturing = instruments.settings.capture.mode.is_on() && !span.is_disabled() && span.context().span().span_context().is_sampled();
        let GenAiSpanBuilder {
            kind,
            operation,
            name,
            provider,
            model,
            server_address,
            server_port,
            tool_type,
            stream,
            expects_usage,
            request_context,
            guard,
            ..
        } = self;
        let own_scope = match kind {
            OperationKind::Agent | OperationKind::RemoteAgent => Some(Scope::new(ScopeKind::Agent, name.clone(), scope.clone())),
            OperationKind::Workflow => Some(Scope::new(ScopeKind::Workflow, name.clone(), scope.clone())),
            _ => None,
        };
        let meta = CallMeta {
            kind,
            operation,
            name,
            provider,
            request_model: model,
            server_address,
            server_port,
            tool_type,
            agent_name,
            scope,
            expects_usage,
            streaming: stream.unwrap_or(false),
            attribution: metric_attribution,
            guard,
        };
        let mut call = ActiveCall::new(CallState::new(span, Instant::now(), instruments, meta, own_scope, own_attribution, capturing));
        if let Some(vars) = request_context.map(|c| c.prompt_variables).filter(|v| !v.is_empty() && capturing) {
            let object = vars.into_iter().map(|(k, v)| (k, serde_json::Value::String(v.as_str().to_owned()))).collect();
            call.capture(crate::capture::ContentKind::PromptVariables, Some(serde_json::Value::Object(object)));
        }
        call
    }

    fn open_span(&self, agent: Option<&StringValue>, conventions: Conventions) -> tracing::Span {
        let s = |v: &Option<StringValue>| v.as_ref().map(|v| v.as_str().to_owned());
        let latest = conventions == Conventions::LatestExperimental;
        // Latest conventions: only what each span type lists (`latest_drops`).
        let only_v1_41 = |v: &Option<StringValue>| if latest { None } else { s(v) };
        // The latest conventions' embeddings span has no conversation id (nor prompt identity).
        let embeddings = self.kind == OperationKind::Inference && self.operation.as_str() == sc::OP_EMBEDDINGS;
        let conversation = if embeddings { only_v1_41(&self.conversation_id) } else { s(&self.conversation_id) };
        let span = match self.kind {
            OperationKind::Inference => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::INFERENCE_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { tn::OTEL_KIND } = "client",
                { sc::GEN_AI_OPERATION_NAME } = self.operation.as_str(),
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
                { sc::SERVER_ADDRESS } = s(&self.server_address),
                { sc::SERVER_PORT } = self.server_port,
                { sc::GEN_AI_CONVERSATION_ID } = conversation,
                { sc::GEN_AI_REQUEST_MAX_TOKENS } = self.max_tokens,
                { sc::GEN_AI_REQUEST_TEMPERATURE } = self.temperature,
                { sc::GEN_AI_REQUEST_TOP_P } = self.top_p,
                { sc::GEN_AI_REQUEST_SEED } = self.seed,
                { sc::GEN_AI_REQUEST_FREQUENCY_PENALTY } = self.frequency_penalty,
                { sc::GEN_AI_REQUEST_PRESENCE_PENALTY } = self.presence_penalty,
                { sc::GEN_AI_REQUEST_CHOICE_COUNT } = self.choice_count,
                { sc::GEN_AI_OUTPUT_TYPE } = s(&self.output_type),
                { sc::GEN_AI_REQUEST_STREAM } = if latest && embeddings { None } else { self.stream },
            ),
            OperationKind::Tool => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::TOOL_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { sc::GEN_AI_OPERATION_NAME } = sc::OP_EXECUTE_TOOL,
                { sc::GEN_AI_TOOL_NAME } = s(&self.name),
                { sc::GEN_AI_TOOL_TYPE } = self.tool_type.as_ref().map_or(sc::TOOL_TYPE_FUNCTION, |t| t.as_str()),
                { sc::GEN_AI_TOOL_CALL_ID } = s(&self.tool_call_id),
                { sc::GEN_AI_TOOL_DESCRIPTION } = s(&self.description),
                { sc::GEN_AI_AGENT_NAME } = agent.map(|a| a.as_str()),
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
            ),
            OperationKind::Agent => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::AGENT_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { sc::GEN_AI_OPERATION_NAME } = sc::OP_INVOKE_AGENT,
                // The latest conventions' in-process agent span has no provider, id or version
                // (v1.41 requires the provider): see README "Convention modes".
                { sc::GEN_AI_PROVIDER_NAME } = only_v1_41(&self.provider),
                { sc::GEN_AI_AGENT_NAME } = s(&self.name),
                { sc::GEN_AI_AGENT_ID } = only_v1_41(&self.agent_id),
                { sc::GEN_AI_AGENT_DESCRIPTION } = s(&self.description),
                { sc::GEN_AI_AGENT_VERSION } = only_v1_41(&self.agent_version),
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
            ),
            OperationKind::RemoteAgent => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::AGENT_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { tn::OTEL_KIND } = tn::KIND_CLIENT,
                { sc::GEN_AI_OPERATION_NAME } = sc::OP_INVOKE_AGENT,
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { sc::GEN_AI_AGENT_NAME } = s(&self.name),
                { sc::GEN_AI_AGENT_ID } = s(&self.agent_id),
                { sc::GEN_AI_AGENT_DESCRIPTION } = s(&self.description),
                { sc::GEN_AI_AGENT_VERSION } = s(&self.agent_version),
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
                { sc::SERVER_ADDRESS } = s(&self.server_address),
                { sc::SERVER_PORT } = self.server_port,
            ),
            OperationKind::FetchResponse => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::FETCH_RESPONSE_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { tn::OTEL_KIND } = tn::KIND_CLIENT,
                { sc::GEN_AI_OPERATION_NAME } = fr::OP_FETCH_RESPONSE,
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { sc::SERVER_ADDRESS } = s(&self.server_address),
                { sc::SERVER_PORT } = self.server_port,
                { sc::GEN_AI_RESPONSE_ID } = s(&self.response_id),
            ),
            OperationKind::Memory => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::MEMORY_SPAN,
                { tn::OTEL_NAME } = self.operation.as_str(),
                { tn::OTEL_KIND } = if self.in_process { tn::KIND_INTERNAL } else { tn::KIND_CLIENT },
                { sc::GEN_AI_OPERATION_NAME } = self.operation.as_str(),
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { mem::GEN_AI_MEMORY_STORE_ID } = s(&self.memory_store),
                { mem::GEN_AI_MEMORY_RECORD_ID } = s(&self.memory_record),
                // Not an attribute of the latest conventions' memory span.
                { sc::GEN_AI_CONVERSATION_ID } = only_v1_41(&self.conversation_id),
            ),
            OperationKind::Retrieval => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::RETRIEVAL_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { tn::OTEL_KIND } = "client",
                { sc::GEN_AI_OPERATION_NAME } = rt::OP_RETRIEVAL,
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { rt::GEN_AI_DATA_SOURCE_ID } = s(&self.name),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
                { sc::SERVER_ADDRESS } = s(&self.server_address),
                { sc::SERVER_PORT } = self.server_port,
                // Not an attribute of the latest conventions' retrieval span.
                { sc::GEN_AI_CONVERSATION_ID } = only_v1_41(&self.conversation_id),
            ),
            OperationKind::CreateAgent => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::CREATE_AGENT_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { tn::OTEL_KIND } = "client",
                { sc::GEN_AI_OPERATION_NAME } = sc::OP_CREATE_AGENT,
                { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                { sc::GEN_AI_AGENT_NAME } = s(&self.name),
                { sc::GEN_AI_AGENT_ID } = s(&self.agent_id),
                { sc::GEN_AI_AGENT_DESCRIPTION } = s(&self.description),
                { sc::GEN_AI_AGENT_VERSION } = s(&self.agent_version),
                { sc::GEN_AI_REQUEST_MODEL } = s(&self.model),
                { sc::SERVER_ADDRESS } = s(&self.server_address),
                { sc::SERVER_PORT } = self.server_port,
            ),
            OperationKind::Plan => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::PLAN_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { sc::GEN_AI_OPERATION_NAME } = crate::semconv::plan::OP_PLAN,
                { sc::GEN_AI_AGENT_NAME } = s(&self.name),
            ),
            OperationKind::Guard => {
                let g = self.guard.as_deref();
                let gs = |f: fn(&crate::guard::GuardSpec) -> &Option<StringValue>| g.and_then(|g| f(g).as_ref()).map(|v| v.as_str().to_owned());
                let remote = g.is_some_and(|g| g.remote);
                tracing::span!(
                    target: tn::TARGET, tracing::Level::INFO, crate::semconv::guardrail::SPAN,
                    { tn::OTEL_NAME } = %SpanName(self, conventions),
                    { tn::OTEL_KIND } = if remote { tn::KIND_CLIENT } else { tn::KIND_INTERNAL },
                    { sc::GEN_AI_OPERATION_NAME } = crate::semconv::guardrail::OP_RUN_GUARDRAIL,
                    { crate::semconv::guardrail::COMPONENT_NAME } = s(&self.name),
                    { crate::semconv::guardrail::POLICY_ID } = gs(|g| &g.policy_id),
                    { crate::semconv::guardrail::POLICY_VERSION } = gs(|g| &g.policy_version),
                    { crate::semconv::guardrail::SOURCE } = gs(|g| &g.source),
                    { sc::GEN_AI_PROVIDER_NAME } = s(&self.provider),
                    { sc::GEN_AI_AGENT_NAME } = agent.map(|a| a.as_str()),
                    { sc::SERVER_ADDRESS } = s(&self.server_address),
                    { sc::SERVER_PORT } = self.server_port,
                    { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
                )
            }
            OperationKind::Workflow => tracing::span!(
                target: tn::TARGET, tracing::Level::INFO, tn::WORKFLOW_SPAN,
                { tn::OTEL_NAME } = %SpanName(self, conventions),
                { sc::GEN_AI_OPERATION_NAME } = wf::OP_INVOKE_WORKFLOW,
                { wf::GEN_AI_WORKFLOW_NAME } = s(&self.name),
                { sc::GEN_AI_CONVERSATION_ID } = s(&self.conversation_id),
            ),
        };
        if !span.is_disabled() {
            // Attributes that are not plain `tracing` values (arrays, mode-dependent types, user
            // keys). The OTel span is not started yet, so they land in its builder and samplers
            // see them like the fields above.
            if let Some(k) = self.top_k {
                match conventions {
                    Conventions::V1_41 => span.set_attribute(sc::GEN_AI_REQUEST_TOP_K, k as f64),
                    Conventions::LatestExperimental if self.kind == OperationKind::Retrieval => span.set_attribute(rt::GEN_AI_RETRIEVAL_TOP_K, k),
                    Conventions::LatestExperimental => span.set_attribute(latest::GEN_AI_REQUEST_TOP_K, k),
                }
            }
            // Prompt identity, in both convention modes (v1.41 has the name only; see
            // `latest::GEN_AI_PROMPT_VERSION`). Set only when given: a declared field costs every
            // span.
            // (The latest conventions' embeddings span has none.)
            if let (Some(name), false) = (&self.prompt_name, latest && embeddings) {
                span.set_attribute(sc::GEN_AI_PROMPT_NAME, name.clone());
            }
            if let (Some(version), false) = (&self.prompt_version, latest && embeddings) {
                span.set_attribute(latest::GEN_AI_PROMPT_VERSION, version.clone());
            }
            if let (Some(cursor), true) = (&self.stream_cursor, latest && self.kind == OperationKind::FetchResponse) {
                span.set_attribute(fr::GEN_AI_REQUEST_STREAM_CURSOR, cursor.clone());
            }
            if let (Some(skill), OperationKind::Tool) = (&self.skill, self.kind) {
                skill_attributes(&span, skill, latest);
            }
            if let Some(stop) = &self.stop_sequences {
                span.set_attribute(sc::GEN_AI_REQUEST_STOP_SEQUENCES, Value::Array(Array::String(stop.clone())));
            }
            // The latest conventions' request context (v1.41 has none of these keys).
            if let (Some(c), Conventions::LatestExperimental, OperationKind::Inference) = (&self.request_context, conventions, self.kind) {
                if let Some(v) = &c.reasoning_level {
                    span.set_attribute(latest::GEN_AI_REQUEST_REASONING_LEVEL, v.clone());
                }
                if let Some(v) = &c.previous_response_id {
                    span.set_attribute(latest::GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID, v.clone());
                }
                if c.compacted {
                    span.set_attribute(latest::GEN_AI_CONVERSATION_COMPACTED, true);
                }
            }
            for kv in &self.extra {
                span.set_attribute(kv.key.clone(), kv.value.clone());
            }
        }
        span
    }
}

/// The attributes of a skill or command tool: `gen_ai.skill.*` in the latest conventions only,
/// `process.*` (core attributes v1.41 defines too) in both modes.
fn skill_attributes(span: &tracing::Span, skill: &SkillInfo, latest: bool) {
    let put = |key: &'static str, v: &Option<StringValue>| {
        if let Some(v) = v {
            span.set_attribute(key, v.clone());
        }
    };
    if latest {
        put(sk::GEN_AI_SKILL_NAME, &skill.name);
        put(sk::GEN_AI_SKILL_DESCRIPTION, &skill.description);
        put(sk::GEN_AI_SKILL_SOURCE_URI, &skill.source_uri);
        if skill.refinement != Some(ToolRefinement::LoadSkill) {
            put(sk::GEN_AI_SKILL_RESOURCE_NAME, &skill.resource_name);
        }
    }
    if skill.refinement == Some(ToolRefinement::Command) {
        put(sk::PROCESS_EXECUTABLE_NAME, &skill.executable_name);
        put(sk::PROCESS_EXECUTABLE_PATH, &skill.executable_path);
    }
}

/// `{operation} {model}`, `execute_tool {tool}`, `invoke_agent {agent}`, `fetch_response`:
/// formatted only when the span is enabled.
struct SpanName<'a>(&'a GenAiSpanBuilder, Conventions);

impl fmt::Display for SpanName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        // The latest conventions' refinements of `execute_tool` name the skill, resource or
        // executable after the tool.
        if let (OperationKind::Tool, Some(name), Conventions::LatestExperimental) = (s.kind, &s.name, self.1) {
            if let Some(suffix) = s.skill.as_ref().and_then(|k| k.span_name_suffix()) {
                return write!(f, "{} {} {suffix}", s.operation.as_str(), name.as_str());
            }
        }
        match (s.kind, &s.name) {
            // The response id is high-cardinality: the span is named after the operation alone.
            (OperationKind::FetchResponse, Some(name)) => f.write_str(name.as_str()),
            (OperationKind::FetchResponse, None) => f.write_str(s.operation.as_str()),
            (OperationKind::Inference, Some(name)) => f.write_str(name.as_str()),
            (OperationKind::Inference, None) => match &s.model {
                Some(m) => write!(f, "{} {}", s.operation.as_str(), m.as_str()),
                None => f.write_str(s.operation.as_str()),
            },
            (_, Some(name)) if !name.as_str().is_empty() => write!(f, "{} {}", s.operation.as_str(), name.as_str()),
            (_, _) => f.write_str(s.operation.as_str()),
        }
    }
}

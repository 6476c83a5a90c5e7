//! Every OpenTelemetry name this crate emits, in one place.
//!
//! Two convention modes exist (see [`Conventions`]):
//!
//! * [`v1_41`]: the names of the last core semantic-conventions release that carried the GenAI
//!   text (v1.41.1). This is the default.
//! * [`latest`]: the latest experimental names of the `semantic-conventions-genai` repository,
//!   selected by `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`.
//!
//! Nothing else in the crate spells a `gen_ai.` string: code refers to these constants.

/// Names of core semantic conventions v1.41 (the default mode).
#[allow(missing_docs)]
pub mod v1_41 {
    // ---- attributes shared by every GenAI span ----
    pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
    pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
    pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
    pub const GEN_AI_OUTPUT_TYPE: &str = "gen_ai.output.type";

    // ---- request ----
    pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
    pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
    pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
    pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
    pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
    pub const GEN_AI_REQUEST_SEED: &str = "gen_ai.request.seed";
    pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
    pub const GEN_AI_REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
    pub const GEN_AI_REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
    pub const GEN_AI_REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
    pub const GEN_AI_REQUEST_STREAM: &str = "gen_ai.request.stream";

    // ---- response ----
    pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
    pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
    pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
    pub const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";

    // ---- usage ----
    pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
    pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
    pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
    /// The cache-write key. v1.41 calls it `cache_creation`; the latest conventions `cache_write`.
    pub const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
    pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";

    // ---- tools ----
    pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
    pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
    pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
    pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";

    // ---- agents ----
    pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
    pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
    pub const GEN_AI_AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
    pub const GEN_AI_AGENT_VERSION: &str = "gen_ai.agent.version";

    // ---- prompt ----
    /// The name of the prompt template an inference call used (v1.41 has the name only: its
    /// version is [`latest::GEN_AI_PROMPT_VERSION`](super::latest::GEN_AI_PROMPT_VERSION)).
    pub const GEN_AI_PROMPT_NAME: &str = "gen_ai.prompt.name";

    // ---- content (opt-in) ----
    pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
    pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
    pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
    pub const GEN_AI_TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";
    pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
    pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
    /// The log-based event that carries an inference call's content.
    pub const GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS: &str = "gen_ai.client.inference.operation.details";
    /// The log-based event of a failed GenAI client operation (a log record at WARN).
    pub const GEN_AI_CLIENT_OPERATION_EXCEPTION: &str = "gen_ai.client.operation.exception";
    /// The finish reason reported in place of one that was expected but never arrived.
    pub const FINISH_REASON_ERROR: &str = "error";

    // ---- metric attributes ----
    pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";
    pub const GEN_AI_TOKEN_TYPE_INPUT: &str = "input";
    pub const GEN_AI_TOKEN_TYPE_OUTPUT: &str = "output";

    // ---- core (stable) keys ----
    pub const ERROR_TYPE: &str = "error.type";
    pub const SERVER_ADDRESS: &str = "server.address";
    pub const SERVER_PORT: &str = "server.port";
    pub const EXCEPTION_EVENT: &str = "exception";
    pub const EXCEPTION_TYPE: &str = "exception.type";
    pub const EXCEPTION_MESSAGE: &str = "exception.message";

    // ---- operation names (values of gen_ai.operation.name) ----
    pub const OP_CHAT: &str = "chat";
    pub const OP_TEXT_COMPLETION: &str = "text_completion";
    pub const OP_GENERATE_CONTENT: &str = "generate_content";
    pub const OP_EMBEDDINGS: &str = "embeddings";
    pub const OP_EXECUTE_TOOL: &str = "execute_tool";
    pub const OP_INVOKE_AGENT: &str = "invoke_agent";
    pub const OP_CREATE_AGENT: &str = "create_agent";
    /// The inference operations accepted by `#[genai_span(operation = ...)]`.
    pub const INFERENCE_OPERATIONS: [&str; 4] = [OP_CHAT, OP_TEXT_COMPLETION, OP_GENERATE_CONTENT, OP_EMBEDDINGS];

    /// Default `gen_ai.tool.type`.
    pub const TOOL_TYPE_FUNCTION: &str = "function";

    // ---- metrics ----
    pub const GEN_AI_CLIENT_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
    pub const GEN_AI_CLIENT_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
    pub const GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.operation.time_to_first_chunk";
    pub const GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK: &str = "gen_ai.client.operation.time_per_output_chunk";
    pub const GEN_AI_EXECUTE_TOOL_DURATION: &str = "gen_ai.execute_tool.duration";
    pub const GEN_AI_INVOKE_AGENT_DURATION: &str = "gen_ai.invoke_agent.duration";
    /// The duration metric of inference operations (`chat`, `text_completion`, `generate_content`).
    pub const INFERENCE_DURATION: &str = GEN_AI_CLIENT_OPERATION_DURATION;
    /// Streaming metrics of inference operations.
    pub const INFERENCE_TIME_TO_FIRST_CHUNK: &str = GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK;
    pub const INFERENCE_TIME_PER_OUTPUT_CHUNK: &str = GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK;

    pub const UNIT_SECONDS: &str = "s";
    pub const UNIT_TOKEN: &str = "{token}";

    /// Duration buckets of the GenAI client metrics (seconds).
    pub const DURATION_BUCKETS: [f64; 14] = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    /// Token-count buckets.
    pub const TOKEN_BUCKETS: [f64; 14] =
        [1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0, 67108864.0];
    /// Buckets of `gen_ai.invoke_agent.duration` (seconds).
    pub const AGENT_DURATION_BUCKETS: [f64; 13] = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6];

    // ---- values this crate emits for error.type when the call did not return ----
    /// `error.type` of a call whose future was dropped before it completed.
    pub const ERROR_TYPE_CANCELLED: &str = "cancelled";
    /// `error.type` of a call that panicked.
    pub const ERROR_TYPE_PANIC: &str = "panic";
    /// Fallback `error.type`.
    pub const ERROR_TYPE_OTHER: &str = "_OTHER";
}

/// Names of the latest experimental GenAI conventions (`gen_ai_latest_experimental`).
///
/// Everything not redefined here is the same as in [`v1_41`].
#[allow(missing_docs)]
pub mod latest {
    pub use super::v1_41::*;

    pub const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";

    /// The version of the prompt template (with `gen_ai.prompt.name`). v1.41 has no version key,
    /// so this one is emitted in both modes.
    pub const GEN_AI_PROMPT_VERSION: &str = "gen_ai.prompt.version";

    pub const GEN_AI_TOKEN_MODALITY: &str = "gen_ai.token.modality";
    pub const GEN_AI_TOKEN_MODALITY_UNKNOWN: &str = "unknown";

    pub const GEN_AI_CLIENT_INFERENCE_DURATION: &str = "gen_ai.client.inference.duration";
    pub const GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.client.inference.time_to_first_chunk";
    pub const GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK: &str = "gen_ai.client.inference.time_per_output_chunk";
    pub const GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS: &str = "gen_ai.client.inference.usage.input_tokens";
    pub const GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS: &str = "gen_ai.client.inference.usage.output_tokens";
    pub const GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.client.inference.usage.cache_read.input_tokens";
    pub const GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.client.inference.usage.cache_write.input_tokens";
    pub const GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.client.inference.usage.reasoning.output_tokens";
    pub const GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS: &str = "gen_ai.client.inference.operation.input_tokens";
    pub const GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS: &str = "gen_ai.client.inference.operation.output_tokens";
    /// The duration metric of inference operations in this mode.
    pub const INFERENCE_DURATION: &str = GEN_AI_CLIENT_INFERENCE_DURATION;
    pub const INFERENCE_TIME_TO_FIRST_CHUNK: &str = GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK;
    pub const INFERENCE_TIME_PER_OUTPUT_CHUNK: &str = GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK;

    pub const GEN_AI_INVOKE_AGENT_INFERENCE_CALLS: &str = "gen_ai.invoke_agent.inference_calls";
    pub const GEN_AI_INVOKE_AGENT_TOOL_CALLS: &str = "gen_ai.invoke_agent.tool_calls";
    pub const UNIT_INFERENCE_CALL: &str = "{inference_call}";
    pub const UNIT_TOOL_CALL: &str = "{tool_call}";
    /// Buckets of the agent call-count histograms.
    pub const AGENT_CALLS_BUCKETS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

    // ---- usage by modality (`attributes.gen_ai.usage.breakdown`; v1.41 has none) ----
    pub const GEN_AI_USAGE_TEXT_INPUT_TOKENS: &str = "gen_ai.usage.text.input_tokens";
    pub const GEN_AI_USAGE_IMAGE_INPUT_TOKENS: &str = "gen_ai.usage.image.input_tokens";
    pub const GEN_AI_USAGE_AUDIO_INPUT_TOKENS: &str = "gen_ai.usage.audio.input_tokens";
    pub const GEN_AI_USAGE_TEXT_OUTPUT_TOKENS: &str = "gen_ai.usage.text.output_tokens";
    pub const GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.image.output_tokens";
    pub const GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS: &str = "gen_ai.usage.audio.output_tokens";
    pub const GEN_AI_USAGE_TEXT_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.text.cache_read.input_tokens";
    pub const GEN_AI_USAGE_IMAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.image.cache_read.input_tokens";
    pub const GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.audio.cache_read.input_tokens";
    /// Values of `gen_ai.token.modality` besides `unknown`.
    pub const GEN_AI_TOKEN_MODALITY_TEXT: &str = "text";
    pub const GEN_AI_TOKEN_MODALITY_IMAGE: &str = "image";
    pub const GEN_AI_TOKEN_MODALITY_AUDIO: &str = "audio";

    // ---- request context (inference spans; v1.41 has none of them) ----
    pub const GEN_AI_REQUEST_REASONING_LEVEL: &str = "gen_ai.request.reasoning.level";
    pub const GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID: &str = "gen_ai.request.previous_response.id";
    pub const GEN_AI_CONVERSATION_COMPACTED: &str = "gen_ai.conversation.compacted";
    /// `gen_ai.prompt.variable.<key>` (opt-in content: written only when content is captured).
    pub const GEN_AI_PROMPT_VARIABLE_PREFIX: &str = "gen_ai.prompt.variable.";
}

/// Names in this crate's own namespace (`genai_o11y.*`): what the conventions do not define.
#[allow(missing_docs)]
pub mod vendor {
    /// Totals of the inference calls beneath an agent (or rollup) span. A separate namespace from
    /// `gen_ai.usage.*`, so backends that sum `gen_ai.usage.*` over a trace never count twice.
    pub const AGGREGATED_INPUT_TOKENS: &str = "genai_o11y.aggregated_usage.input_tokens";
    pub const AGGREGATED_OUTPUT_TOKENS: &str = "genai_o11y.aggregated_usage.output_tokens";
    pub const AGGREGATED_CACHE_READ_INPUT_TOKENS: &str = "genai_o11y.aggregated_usage.cache_read.input_tokens";
    pub const AGGREGATED_CACHE_WRITE_INPUT_TOKENS: &str = "genai_o11y.aggregated_usage.cache_write.input_tokens";
    pub const AGGREGATED_REASONING_OUTPUT_TOKENS: &str = "genai_o11y.aggregated_usage.reasoning.output_tokens";
    pub const AGGREGATED_COST_AMOUNT: &str = "genai_o11y.aggregated_cost.amount";
    pub const AGGREGATED_COST_CURRENCY: &str = "genai_o11y.aggregated_cost.currency";
    /// The agent's own inference and tool calls (span attributes, in both modes).
    pub const AGENT_INFERENCE_CALLS: &str = "genai_o11y.agent.inference_calls";
    pub const AGENT_TOOL_CALLS: &str = "genai_o11y.agent.tool_calls";

    /// Set to `true` on an inference span whose response (or stream) reported no usage at all.
    pub const USAGE_MISSING: &str = "genai_o11y.usage.missing";
    /// Counter of such calls.
    pub const USAGE_MISSING_METRIC: &str = "genai_o11y.client.usage.missing";

    /// Estimated cost of an inference call.
    pub const COST_AMOUNT: &str = "genai_o11y.cost.amount";
    pub const COST_CURRENCY: &str = "genai_o11y.cost.currency";
    /// `provider` (reported in the response) or `table` (computed from a pricing table).
    pub const COST_SOURCE: &str = "genai_o11y.cost.source";
    pub const COST_SOURCE_PROVIDER: &str = "provider";
    pub const COST_SOURCE_TABLE: &str = "table";
    pub const COST_PRICING_VERSION: &str = "genai_o11y.cost.pricing_version";
    /// `true` when the model is not in the pricing table.
    pub const COST_UNPRICED: &str = "genai_o11y.cost.unpriced";
    /// Counter of cost (unit: the currency, given by the `genai_o11y.cost.currency` attribute).
    pub const COST_METRIC: &str = "genai_o11y.client.cost";
    pub const UNIT_COST: &str = "{currency}";
    /// v1.41 mode: input tokens served from the provider's cache (v1.41 defines no cache metric;
    /// the latest mode records the conventions' `gen_ai.client.inference.usage.cache_read.input_tokens`).
    pub const CACHE_READ_INPUT_TOKENS_METRIC: &str = "genai_o11y.client.cache_read.input_tokens";
    /// v1.41 mode: the duration of a client operation made without a GenAI provider (a retrieval
    /// from the application's own vector store, a memory operation on its own store). v1.41
    /// requires `gen_ai.provider.name` on `gen_ai.client.operation.duration`; the latest
    /// conventions require it only "if the operation involves a call to a GenAI provider", and
    /// the latest mode records such operations on the conventions' histogram without it.
    pub const PROVIDERLESS_OPERATION_DURATION_METRIC: &str = "genai_o11y.client.operation.duration";
    /// Counter of inference calls that could not be priced.
    pub const UNPRICED_METRIC: &str = "genai_o11y.client.cost.unpriced";
    pub const UNIT_CALL: &str = "{call}";

    /// `true` when captured content was truncated to the size limit.
    pub const CONTENT_TRUNCATED: &str = "genai_o11y.content.truncated";

    /// On a trace's local root that is not a GenAI span (an HTTP request's server span): the
    /// captured input of its first outermost GenAI span and the answer of its last
    /// (`crate::trace_root`). The dialects turn them into their platform's trace input/output.
    pub const TRACE_INPUT: &str = "genai_o11y.trace.input";
    pub const TRACE_OUTPUT: &str = "genai_o11y.trace.output";
    /// On every span of a trace, when a dialect asks for it (Langfuse): the name of the trace's
    /// local root span.
    pub const TRACE_NAME: &str = "genai_o11y.trace.name";
}

/// MCP (`crate::mcp`): the MCP semantic conventions' names.
#[allow(missing_docs)]
pub mod mcp {
    pub const MCP_METHOD_NAME: &str = "mcp.method.name";
    pub const MCP_SESSION_ID: &str = "mcp.session.id";
    pub const MCP_PROTOCOL_VERSION: &str = "mcp.protocol.version";
    /// The resource a `resources/read`, `resources/subscribe` or `resources/unsubscribe` names.
    pub const MCP_RESOURCE_URI: &str = "mcp.resource.uri";
    pub const JSONRPC_REQUEST_ID: &str = "jsonrpc.request.id";
    pub const METHOD_TOOLS_CALL: &str = "tools/call";
    pub const CLIENT_OPERATION_DURATION: &str = "mcp.client.operation.duration";
    pub const SERVER_OPERATION_DURATION: &str = "mcp.server.operation.duration";
    /// `error.type` of a tool call whose result says `isError`.
    pub const ERROR_TOOL_ERROR: &str = "tool_error";
    /// The MCP conventions' duration boundaries (seconds).
    pub const DURATION_BUCKETS: [f64; 14] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0];
    /// The `params._meta` keys that carry the trace context.
    pub const META_TRACEPARENT: &str = "traceparent";
    pub const META_TRACESTATE: &str = "tracestate";
    pub const META_BAGGAGE: &str = "baggage";
    // ---- status (both modes: v1.41 lists it among the common MCP attributes) ----
    /// The JSON-RPC error code of an error response, as a string (`"-32602"`).
    pub const RPC_RESPONSE_STATUS_CODE: &str = "rpc.response.status_code";
    /// The JSON-RPC codes the latest conventions' `mcp.server.status.attributes` say are not
    /// errors on the server (the caller sent a request the server could not serve): parse error,
    /// invalid request, method not found, invalid params, resource not found.
    pub const SERVER_NON_ERROR_CODES: [i32; 5] = [-32700, -32600, -32601, -32602, -32002];
}

/// Retrieval (`#[genai_retrieval]`): the latest conventions' names, emitted in both modes
/// (v1.41's `retrieval` operation has no `top_k`, query or documents keys of its own; its
/// `gen_ai.request.top_k` is written in v1.41 mode).
#[allow(missing_docs)]
pub mod retrieval {
    pub const OP_RETRIEVAL: &str = "retrieval";
    pub const GEN_AI_DATA_SOURCE_ID: &str = "gen_ai.data_source.id";
    pub const GEN_AI_RETRIEVAL_TOP_K: &str = "gen_ai.retrieval.top_k";
    pub const GEN_AI_RETRIEVAL_QUERY_TEXT: &str = "gen_ai.retrieval.query.text";
    pub const GEN_AI_RETRIEVAL_DOCUMENTS: &str = "gen_ai.retrieval.documents";
    /// How many documents the retrieval returned (the console's key figure).
    pub const DOCUMENT_COUNT: &str = "genai_o11y.retrieval.document_count";
}

/// Memory (`#[genai_memory]`): the latest conventions' operations and attributes, emitted in both
/// modes (v1.41 has none).
#[allow(missing_docs)]
pub mod memory {
    pub const OP_SEARCH_MEMORY: &str = "search_memory";
    pub const OP_CREATE_MEMORY: &str = "create_memory";
    pub const OP_UPDATE_MEMORY: &str = "update_memory";
    pub const OP_UPSERT_MEMORY: &str = "upsert_memory";
    pub const OP_DELETE_MEMORY: &str = "delete_memory";
    pub const OP_CREATE_MEMORY_STORE: &str = "create_memory_store";
    pub const OP_DELETE_MEMORY_STORE: &str = "delete_memory_store";
    /// Every memory operation.
    pub const OPERATIONS: [&str; 7] =
        [OP_SEARCH_MEMORY, OP_CREATE_MEMORY, OP_UPDATE_MEMORY, OP_UPSERT_MEMORY, OP_DELETE_MEMORY, OP_CREATE_MEMORY_STORE, OP_DELETE_MEMORY_STORE];
    pub const GEN_AI_MEMORY_STORE_ID: &str = "gen_ai.memory.store.id";
    pub const GEN_AI_MEMORY_RECORD_ID: &str = "gen_ai.memory.record.id";
    pub const GEN_AI_MEMORY_RECORD_COUNT: &str = "gen_ai.memory.record.count";
    pub const GEN_AI_MEMORY_QUERY_TEXT: &str = "gen_ai.memory.query.text";
    pub const GEN_AI_MEMORY_RECORDS: &str = "gen_ai.memory.records";
}

/// Planning (`#[genai_agent(operation = "plan")]`): the latest conventions' operation, emitted in
/// both modes (v1.41 has none).
#[allow(missing_docs)]
pub mod plan {
    pub const OP_PLAN: &str = "plan";
}

/// Fetching a stored response (`fetch_response`, `#[genai_span(operation = "fetch_response")]`,
/// `GenAiSpanBuilder::fetch_response`): the latest conventions' operation and attributes. v1.41
/// has neither: in v1.41 mode the operation name is written (a value outside v1.41's list, which
/// its open enum allows), the two attributes are not.
#[allow(missing_docs)]
pub mod fetch_response {
    pub const OP_FETCH_RESPONSE: &str = "fetch_response";
    pub const GEN_AI_REQUEST_STREAM_CURSOR: &str = "gen_ai.request.stream_cursor";
    pub const GEN_AI_RESPONSE_STATUS: &str = "gen_ai.response.status";
    /// The values of `gen_ai.response.status`.
    pub const STATUS_QUEUED: &str = "queued";
    pub const STATUS_IN_PROGRESS: &str = "in_progress";
    pub const STATUS_COMPLETED: &str = "completed";
    pub const STATUS_INCOMPLETE: &str = "incomplete";
    pub const STATUS_FAILED: &str = "failed";
    pub const STATUS_CANCELLED: &str = "cancelled";
}

/// Skills and commands (`#[genai_tool(refinement = ...)]`): the latest conventions' refinements of
/// `execute_tool` (`gen_ai.execute_tool.load_skill.internal`, `.read_skill_resource.internal`,
/// `.command.internal`). The `gen_ai.skill.*` keys exist only there (not written in v1.41 mode);
/// the `process.*` keys are core attributes v1.41 defines too (written in both modes).
#[allow(missing_docs)]
pub mod skill {
    pub const REFINEMENT_LOAD_SKILL: &str = "load_skill";
    pub const REFINEMENT_READ_SKILL_RESOURCE: &str = "read_skill_resource";
    pub const REFINEMENT_COMMAND: &str = "command";
    pub const GEN_AI_SKILL_NAME: &str = "gen_ai.skill.name";
    pub const GEN_AI_SKILL_DESCRIPTION: &str = "gen_ai.skill.description";
    pub const GEN_AI_SKILL_SOURCE_URI: &str = "gen_ai.skill.source.uri";
    pub const GEN_AI_SKILL_RESOURCE_NAME: &str = "gen_ai.skill.resource.name";
    pub const PROCESS_EXECUTABLE_NAME: &str = "process.executable.name";
    pub const PROCESS_EXECUTABLE_PATH: &str = "process.executable.path";
    pub const PROCESS_EXIT_CODE: &str = "process.exit.code";
}

/// Workflows (`#[genai_workflow]`): the latest conventions' names, emitted in both modes (v1.41
/// has no workflow operation).
#[allow(missing_docs)]
pub mod workflow {
    pub const OP_INVOKE_WORKFLOW: &str = "invoke_workflow";
    pub const GEN_AI_WORKFLOW_NAME: &str = "gen_ai.workflow.name";
    pub const GEN_AI_INVOKE_WORKFLOW_DURATION: &str = "gen_ai.invoke_workflow.duration";
    /// The reference's boundaries for `gen_ai.invoke_workflow.duration` (seconds).
    pub const DURATION_BUCKETS: [f64; 11] = [1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0];
}

/// Evaluations (`crate::evaluation`): the `gen_ai.evaluation.result` event and its attributes
/// (the same names in both convention modes), and this crate's score histogram.
#[allow(missing_docs)]
pub mod evaluation {
    pub const EVENT: &str = "gen_ai.evaluation.result";
    pub const NAME: &str = "gen_ai.evaluation.name";
    pub const SCORE_VALUE: &str = "gen_ai.evaluation.score.value";
    pub const SCORE_LABEL: &str = "gen_ai.evaluation.score.label";
    pub const EXPLANATION: &str = "gen_ai.evaluation.explanation";
    /// The span that carries an evaluation made after its call ended: `evaluation {name}`.
    pub const SPAN: &str = "gen_ai.evaluation";
    pub const SPAN_NAME_PREFIX: &str = "evaluation";
    /// Histogram of scores, per evaluation name (no convention names one).
    pub const SCORE_METRIC: &str = "genai_o11y.evaluation.score";
    pub const UNIT_SCORE: &str = "{score}";
    /// Scores are usually in 0..1, sometimes 1..5 or 0..10 (LLM-as-judge scales).
    pub const SCORE_BUCKETS: [f64; 16] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 2.0, 3.0, 4.0, 5.0, 10.0];
}

/// Guardrails (`crate::guard`, `#[genai_guardrail]`): the names of the proposal in
/// open-telemetry/semantic-conventions-genai PR #427 (`gen_ai.run_guardrail.internal` /
/// `.client` spans, the `gen_ai.guardrail.result` event). Neither registry has them yet: they are
/// written in both convention modes and listed as deviations in the README.
#[allow(missing_docs)]
pub mod guardrail {
    /// `gen_ai.operation.name` of a guard's span; the span is named `run_guardrail {component}`.
    pub const OP_RUN_GUARDRAIL: &str = "run_guardrail";
    /// The `tracing` span name.
    pub const SPAN: &str = "gen_ai.run_guardrail";
    /// The event on the guard's span that carries its result.
    pub const EVENT: &str = "gen_ai.guardrail.result";
    pub const COMPONENT_NAME: &str = "gen_ai.guardrail.component.name";
    pub const RESULT_TYPE: &str = "gen_ai.guardrail.result.type";
    pub const RESULT_VALUE: &str = "gen_ai.guardrail.result.value";
    pub const RESULT_REASON: &str = "gen_ai.guardrail.result.reason";
    pub const SOURCE: &str = "gen_ai.guardrail.source";
    pub const RISK_CATEGORY: &str = "gen_ai.guardrail.risk.category";
    pub const RISK_SCORE: &str = "gen_ai.guardrail.risk.score";
    pub const POLICY_ID: &str = "gen_ai.guardrail.policy.id";
    pub const POLICY_VERSION: &str = "gen_ai.guardrail.policy.version";
    pub const POLICY_RULE_ID: &str = "gen_ai.guardrail.policy.rule.id";
    /// Opt-in content: what the guard checked, and what it let through (a `modify`).
    pub const CONTENT_INPUT_VALUE: &str = "gen_ai.guardrail.content.input.value";
    pub const CONTENT_OUTPUT_VALUE: &str = "gen_ai.guardrail.content.output.value";
    /// `gen_ai.guardrail.result.type` values.
    pub const RESULT_ALLOW: &str = "allow";
    pub const RESULT_BLOCK: &str = "block";
    pub const RESULT_MODIFY: &str = "modify";
    pub const RESULT_ESCALATE: &str = "escalate";
    /// Counter of decisions by guard and result type (the proposal names no metric).
    pub const DECISIONS_METRIC: &str = "genai_o11y.guardrail.decisions";
    pub const UNIT_DECISION: &str = "{decision}";
    /// On a guard's span that blocked, and on every enclosing agent, workflow or rollup span:
    /// `true` (what the outcome sampler, `crate::sampling`, reads to keep the trace); on the
    /// enclosing spans, how many blocks happened beneath them.
    pub const BLOCKED: &str = "genai_o11y.guardrail.blocked";
    pub const BLOCK_COUNT: &str = "genai_o11y.guardrail.block_count";
}

/// Attribution (`crate::attribution`): who or what caused the work, on every span.
pub mod attribution {
    /// The session (general OpenTelemetry attribute).
    pub const SESSION_ID: &str = "session.id";
    /// The end user (general OpenTelemetry attribute).
    pub const USER_ID: &str = "user.id";
    /// The tags of the attribution (a list of strings; no convention names one).
    pub const TAGS: &str = "genai_o11y.tags";
    /// Namespaces a metadata key may not use (they belong to the conventions and this crate).
    pub const RESERVED_PREFIXES: [&str; 3] = ["gen_ai.", "genai_o11y.", "otel."];
    /// Baggage entries carry tags comma-separated under this key.
    pub const BAGGAGE_TAGS: &str = TAGS;
    /// The metadata keys allowed on the GenAI metrics, comma-separated.
    pub const METRIC_ATTRIBUTES_ENV: &str = "GENAI_O11Y_METRIC_ATTRIBUTES";
    /// The cap on distinct values per allowed key.
    pub const METRIC_ATTRIBUTE_MAX_VALUES_ENV: &str = "GENAI_O11Y_METRIC_ATTRIBUTE_MAX_VALUES";
}

/// HTTP semantic conventions (stable), for the server and client spans and metrics of
/// `crate::propagation`.
#[allow(missing_docs)]
pub mod http {
    /// Duration of the HTTP requests `SendTraced` sends (until the response headers, or the
    /// error). Attributes: `http.request.method`, `server.address`, `server.port` (required),
    /// `http.response.status_code` and `error.type` (conditionally required),
    /// `network.protocol.version` (recommended, when a response says it).
    pub const CLIENT_REQUEST_DURATION: &str = "http.client.request.duration";
    /// Duration of the HTTP requests `ServerLayer` serves (until the response headers, or the
    /// service's error). Attributes: `http.request.method`, `url.scheme` (required),
    /// `http.route`, `http.response.status_code`, `error.type` (conditionally required),
    /// `network.protocol.version` (recommended).
    pub const SERVER_REQUEST_DURATION: &str = "http.server.request.duration";
    /// The `ExplicitBucketBoundaries` both duration metrics SHOULD have (seconds; HTTP metrics
    /// conventions, v1.41.1).
    pub const DURATION_BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    pub const UNIT_SECONDS: &str = "s";
    pub const REQUEST_METHOD: &str = "http.request.method";
    pub const REQUEST_METHOD_ORIGINAL: &str = "http.request.method_original";
    pub const ROUTE: &str = "http.route";
    pub const RESPONSE_STATUS_CODE: &str = "http.response.status_code";
    pub const URL_PATH: &str = "url.path";
    pub const URL_QUERY: &str = "url.query";
    pub const URL_SCHEME: &str = "url.scheme";
    pub const URL_FULL: &str = "url.full";
    pub const SERVER_ADDRESS: &str = "server.address";
    pub const SERVER_PORT: &str = "server.port";
    pub const NETWORK_PROTOCOL_VERSION: &str = "network.protocol.version";
    pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";
    pub const ERROR_TYPE: &str = "error.type";
    /// `error.type` of a client request that failed without an answer.
    pub const ERROR_TIMEOUT: &str = "timeout";
    pub const ERROR_CONNECT: &str = "connect";
    pub const ERROR_BODY: &str = "body";
    pub const ERROR_REDIRECT: &str = "redirect";
    /// `error.type` when nothing more specific is known.
    pub const ERROR_OTHER: &str = "_OTHER";
    /// `url.scheme` when the request line does not say (a server behind a proxy).
    pub const SCHEME_HTTP: &str = "http";
    pub const SCHEME_HTTPS: &str = "https";
    /// `http.request.method` for a method the conventions do not know.
    pub const METHOD_OTHER: &str = "_OTHER";
    /// The methods the conventions know (anything else is `_OTHER`).
    pub const KNOWN_METHODS: [&str; 9] = ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"];
    /// The `OTEL_PROPAGATORS` variable and the values this crate understands.
    pub const PROPAGATORS_ENV: &str = "OTEL_PROPAGATORS";
    pub const PROPAGATOR_TRACECONTEXT: &str = "tracecontext";
    pub const PROPAGATOR_BAGGAGE: &str = "baggage";
    pub const PROPAGATOR_NONE: &str = "none";
}

/// Names the LLM platforms read besides the GenAI conventions, written only by the export-time
/// dialects (`setup::Dialect`): the annotation path never emits them.
#[allow(missing_docs)]
pub mod platforms {
    /// General OpenTelemetry attributes (not GenAI) that the platforms read for attribution.
    pub mod general {
        pub const SESSION_ID: &str = "session.id";
        pub const USER_ID: &str = "user.id";
    }

    /// Arize Phoenix: OpenInference names.
    pub mod phoenix {
        pub const SPAN_KIND: &str = "openinference.span.kind";
        pub const INPUT_VALUE: &str = "input.value";
        pub const INPUT_MIME_TYPE: &str = "input.mime_type";
        pub const OUTPUT_VALUE: &str = "output.value";
        pub const OUTPUT_MIME_TYPE: &str = "output.mime_type";
        pub const SESSION_ID: &str = super::general::SESSION_ID;
        pub const USER_ID: &str = super::general::USER_ID;
        pub const TAGS: &str = "tag.tags";
        pub const METADATA: &str = "metadata";
        pub const MIME_JSON: &str = "application/json";
        /// The project header (Phoenix 15.5.0+; wins over the resource attribute).
        pub const PROJECT_HEADER: &str = "x-project-name";
        /// The project resource attribute.
        pub const PROJECT_RESOURCE: &str = "openinference.project.name";
        pub const PROJECT_ENV: &str = "PHOENIX_PROJECT_NAME";
        pub const KIND_LLM: &str = "LLM";
        pub const KIND_EMBEDDING: &str = "EMBEDDING";
        pub const KIND_TOOL: &str = "TOOL";
        pub const KIND_AGENT: &str = "AGENT";
        pub const KIND_RETRIEVER: &str = "RETRIEVER";
        pub const KIND_CHAIN: &str = "CHAIN";
        pub const KIND_EVALUATOR: &str = "EVALUATOR";
        pub const KIND_GUARDRAIL: &str = "GUARDRAIL";
        /// What OpenInference's own keys start with (`input.*` / `output.*` excepted: other
        /// platforms read those too).
        pub const PREFIXES: [&str; 3] = ["openinference.", "llm.", "tag."];
    }

    /// Langfuse.
    pub mod langfuse {
        pub const OBSERVATION_TYPE: &str = "langfuse.observation.type";
        pub const SESSION_ID: &str = "langfuse.session.id";
        pub const USER_ID: &str = "langfuse.user.id";
        /// Prompt linking (read on generation observations only).
        pub const PROMPT_NAME: &str = "langfuse.observation.prompt.name";
        pub const PROMPT_VERSION: &str = "langfuse.observation.prompt.version";
        /// Cost in USD (read after `langfuse.observation.cost_details`, before its own prices).
        pub const USAGE_COST: &str = "gen_ai.usage.cost";
        pub const TYPE_GENERATION: &str = "generation";
        pub const TYPE_EMBEDDING: &str = "embedding";
        pub const TYPE_TOOL: &str = "tool";
        pub const TYPE_AGENT: &str = "agent";
        pub const TYPE_RETRIEVER: &str = "retriever";
        pub const TYPE_EVALUATOR: &str = "evaluator";
        pub const TYPE_CHAIN: &str = "chain";
        pub const TYPE_GUARDRAIL: &str = "guardrail";
        pub const PREFIX: &str = "langfuse.";
        /// Attribution: the trace's tags (a list) and metadata (`langfuse.trace.metadata.<key>`).
        pub const TRACE_TAGS: &str = "langfuse.trace.tags";
        /// The trace's name, input and output (Langfuse reads the name on every observation).
        pub const TRACE_NAME: &str = "langfuse.trace.name";
        pub const TRACE_INPUT: &str = "langfuse.trace.input";
        pub const TRACE_OUTPUT: &str = "langfuse.trace.output";
        /// When a generation's first chunk arrived (ISO 8601, UTC): Langfuse's time to first token.
        pub const COMPLETION_START_TIME: &str = "langfuse.observation.completion_start_time";
        pub const TRACE_METADATA_PREFIX: &str = "langfuse.trace.metadata.";
    }

    /// LangSmith.
    pub mod langsmith {
        pub const SPAN_KIND: &str = "langsmith.span.kind";
        /// `langsmith.metadata.<key>`.
        pub const METADATA_PREFIX: &str = "langsmith.metadata.";
        pub const METADATA_MODEL_NAME: &str = "langsmith.metadata.ls_model_name";
        pub const METADATA_PROVIDER: &str = "langsmith.metadata.ls_provider";
        /// Threads: metadata `conversation_id` (or `session_id`, `thread_id`) on the root run.
        pub const METADATA_CONVERSATION_ID: &str = "langsmith.metadata.conversation_id";
        pub const METADATA_SESSION_ID: &str = "langsmith.metadata.session_id";
        pub const METADATA_USER_ID: &str = "langsmith.metadata.user_id";
        /// The operation name LangSmith documents for embeddings (the conventions say `embeddings`).
        pub const OP_EMBEDDING: &str = "embedding";
        pub const KIND_LLM: &str = "llm";
        pub const KIND_EMBEDDING: &str = "embedding";
        pub const KIND_TOOL: &str = "tool";
        pub const KIND_CHAIN: &str = "chain";
        pub const KIND_RETRIEVER: &str = "retriever";
        pub const PREFIX: &str = "langsmith.";
        /// Attribution tags, comma-separated.
        pub const SPAN_TAGS: &str = "langsmith.span.tags";
    }

    /// Comet Opik.
    pub mod opik {
        /// The deprecated provider key Opik reads (`gen_ai.provider.name` only since 2026-08).
        pub const GEN_AI_SYSTEM: &str = "gen_ai.system";
        pub const PREFIX: &str = "opik.";
        /// The prefix of every token-usage key (`gen_ai.usage.input_tokens`, ...).
        pub const GEN_AI_USAGE_PREFIX: &str = "gen_ai.usage.";
        /// Attribution: tags (a list) and metadata (`opik.metadata.<key>`, the user among them).
        pub const TAGS: &str = "opik.tags";
        pub const METADATA_PREFIX: &str = "opik.metadata.";
        pub const METADATA_USER_ID: &str = "opik.metadata.user_id";
    }

    /// MLflow 3.x (its tracking server's OTLP endpoint). Attribute values are read as JSON
    /// when they parse as a JSON string, object or array, else as the text itself.
    pub mod mlflow {
        /// The span type (`mlflow.entities.SpanType`); wins over MLflow's own mapping of
        /// `gen_ai.operation.name` and is what its `span.type` search filter reads.
        pub const SPAN_TYPE: &str = "mlflow.spanType";
        /// The span's inputs and outputs (JSON), read before MLflow's own translation.
        pub const SPAN_INPUTS: &str = "mlflow.spanInputs";
        pub const SPAN_OUTPUTS: &str = "mlflow.spanOutputs";
        /// A span's token usage (JSON: `input_tokens`, `output_tokens`, `total_tokens`, ...),
        /// read before MLflow's own translation of `gen_ai.usage.*`.
        pub const CHAT_USAGE: &str = "mlflow.chat.tokenUsage";
        pub const USAGE_INPUT_TOKENS: &str = "input_tokens";
        pub const USAGE_TOTAL_TOKENS: &str = "total_tokens";
        /// `mlflow.traceTag.<key>` on a root span: a tag of the trace.
        pub const TRACE_TAG_PREFIX: &str = "mlflow.traceTag.";
        pub const PREFIX: &str = "mlflow.";
        /// `mlflow.entities.SpanType` values (3.17.2).
        pub const TYPE_CHAT_MODEL: &str = "CHAT_MODEL";
        pub const TYPE_LLM: &str = "LLM";
        pub const TYPE_EMBEDDING: &str = "EMBEDDING";
        pub const TYPE_TOOL: &str = "TOOL";
        pub const TYPE_AGENT: &str = "AGENT";
        pub const TYPE_RETRIEVER: &str = "RETRIEVER";
        pub const TYPE_MEMORY: &str = "MEMORY";
        pub const TYPE_WORKFLOW: &str = "WORKFLOW";
        pub const TYPE_CHAIN: &str = "CHAIN";
        pub const TYPE_EVALUATOR: &str = "EVALUATOR";
        pub const TYPE_GUARDRAIL: &str = "GUARDRAIL";
        /// The fields of a document of a `RETRIEVER` span's outputs (`mlflow.entities.Document`),
        /// and the metadata keys MLflow's UI and retrieval judges read.
        pub const DOC_PAGE_CONTENT: &str = "page_content";
        pub const DOC_METADATA: &str = "metadata";
        pub const DOC_ID: &str = "id";
        pub const DOC_URI: &str = "doc_uri";
        pub const DOC_SCORE: &str = "score";
        /// The keys of the inputs this dialect writes (a retrieval's or memory search's
        /// `query`, the `records` a memory operation writes).
        pub const INPUT_QUERY: &str = "query";
        pub const INPUT_RECORDS: &str = "records";
        /// The OTLP/HTTP traces path of a tracking server, and its headers.
        pub const TRACES_PATH: &str = "/v1/traces";
        pub const EXPERIMENT_HEADER: &str = "x-mlflow-experiment-id";
        pub const RUN_HEADER: &str = "x-mlflow-run-id";
        /// MLflow's standard environment variables.
        pub const TRACKING_URI_ENV: &str = "MLFLOW_TRACKING_URI";
        pub const EXPERIMENT_ID_ENV: &str = "MLFLOW_EXPERIMENT_ID";
        pub const EXPERIMENT_NAME_ENV: &str = "MLFLOW_EXPERIMENT_NAME";
        pub const RUN_ID_ENV: &str = "MLFLOW_RUN_ID";
        pub const TRACKING_TOKEN_ENV: &str = "MLFLOW_TRACKING_TOKEN";
        pub const TRACKING_USERNAME_ENV: &str = "MLFLOW_TRACKING_USERNAME";
        pub const TRACKING_PASSWORD_ENV: &str = "MLFLOW_TRACKING_PASSWORD";
        /// The Default experiment.
        pub const DEFAULT_EXPERIMENT_ID: &str = "0";
        /// `mlflow server`'s default address.
        pub const DEFAULT_TRACKING_URI: &str = "http://localhost:5000";
    }

    /// The deprecated `gen_ai.system` (LangSmith and Opik read it for the provider).
    pub const GEN_AI_SYSTEM: &str = opik::GEN_AI_SYSTEM;
    /// Operation names the conventions define but this crate does not emit (the dialects still
    /// classify them when hand-written spans carry them).
    pub const OP_RETRIEVAL: &str = super::retrieval::OP_RETRIEVAL;
    pub const OP_CREATE_AGENT: &str = super::v1_41::OP_CREATE_AGENT;
}

/// Names of the `tracing` spans this crate creates, and their target. The OpenTelemetry span name
/// is set separately through the `otel.name` field (`chat gpt-4o`, `execute_tool get_weather`).
#[allow(missing_docs)]
pub mod tracing_names {
    /// Target of every span and event of this crate: filter with `RUST_LOG=genai_o11y=info`.
    pub const TARGET: &str = "genai_o11y";
    pub const INFERENCE_SPAN: &str = "gen_ai.inference";
    pub const TOOL_SPAN: &str = "gen_ai.execute_tool";
    pub const AGENT_SPAN: &str = "gen_ai.invoke_agent";
    pub const WORKFLOW_SPAN: &str = "gen_ai.invoke_workflow";
    pub const CREATE_AGENT_SPAN: &str = "gen_ai.create_agent";
    pub const PLAN_SPAN: &str = "gen_ai.plan";
    pub const RETRIEVAL_SPAN: &str = "gen_ai.retrieval";
    pub const MEMORY_SPAN: &str = "gen_ai.memory";
    pub const FETCH_RESPONSE_SPAN: &str = "gen_ai.fetch_response";
    pub const MCP_CLIENT_SPAN: &str = "mcp.client";
    pub const MCP_SERVER_SPAN: &str = "mcp.server";
    pub const KIND_SERVER: &str = "server";
    pub const KIND_CLIENT: &str = "client";
    pub const KIND_INTERNAL: &str = "internal";
    /// Special fields of `tracing-opentelemetry`.
    pub const OTEL_NAME: &str = "otel.name";
    pub const OTEL_KIND: &str = "otel.kind";
    pub const OTEL_STATUS_CODE: &str = "otel.status_code";
    pub const OTEL_STATUS_ERROR: &str = "ERROR";
    /// The HTTP server and client spans of `crate::propagation`.
    pub const HTTP_SERVER_SPAN: &str = "http.server";
    pub const HTTP_CLIENT_SPAN: &str = "http.client";
}

/// Which set of names is emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Conventions {
    /// Core semantic conventions v1.41 (default): `gen_ai.client.token.usage`,
    /// `gen_ai.client.operation.duration`, `gen_ai.usage.cache_creation.input_tokens`.
    #[default]
    V1_41,
    /// The latest experimental GenAI conventions: `gen_ai.client.inference.*` metrics with
    /// `gen_ai.token.modality`, `gen_ai.usage.cache_write.input_tokens`.
    LatestExperimental,
}

/// The environment variable that selects the convention mode.
pub const STABILITY_OPT_IN_ENV: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";
/// The value of [`STABILITY_OPT_IN_ENV`] that selects [`Conventions::LatestExperimental`].
pub const GEN_AI_LATEST_EXPERIMENTAL: &str = "gen_ai_latest_experimental";

impl Conventions {
    /// Parses the value of `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list).
    pub fn from_opt_in(value: &str) -> Self {
        if value.split(',').any(|v| v.trim() == GEN_AI_LATEST_EXPERIMENTAL) {
            Conventions::LatestExperimental
        } else {
            Conventions::V1_41
        }
    }

    /// Reads `OTEL_SEMCONV_STABILITY_OPT_IN` from the environment.
    pub fn from_env() -> Self {
        std::env::var(STABILITY_OPT_IN_ENV).map(|v| Self::from_opt_in(&v)).unwrap_or_default()
    }

    /// The span attribute for cache-write input tokens.
    pub fn cache_write_key(self) -> &'static str {
        match self {
            Conventions::V1_41 => v1_41::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
            Conventions::LatestExperimental => latest::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        }
    }
}

/// Is `op` one of the inference operations whose metrics are the `gen_ai.client.inference.*`
/// family in the latest conventions (`chat`, `text_completion`, `generate_content`)?
pub fn is_inference_operation(op: &str) -> bool {
    op == v1_41::OP_CHAT || op == v1_41::OP_TEXT_COMPLETION || op == v1_41::OP_GENERATE_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_in_parsing() {
        assert_eq!(Conventions::from_opt_in(""), Conventions::V1_41);
        assert_eq!(Conventions::from_opt_in("http"), Conventions::V1_41);
        assert_eq!(Conventions::from_opt_in("http, gen_ai_latest_experimental"), Conventions::LatestExperimental);
        assert_eq!(Conventions::from_opt_in("gen_ai_latest_experimental"), Conventions::LatestExperimental);
        assert_eq!(Conventions::from_opt_in("gen_ai_latest_experimentalx"), Conventions::V1_41);
    }

    #[test]
    fn latest_overrides_only_what_changed() {
        assert_eq!(latest::GEN_AI_USAGE_INPUT_TOKENS, v1_41::GEN_AI_USAGE_INPUT_TOKENS);
        assert_ne!(latest::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS, v1_41::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS);
        assert_eq!(Conventions::LatestExperimental.cache_write_key(), "gen_ai.usage.cache_write.input_tokens");
        assert_eq!(Conventions::V1_41.cache_write_key(), "gen_ai.usage.cache_creation.input_tokens");
        assert_eq!(latest::GEN_AI_PROMPT_NAME, v1_41::GEN_AI_PROMPT_NAME, "v1.41 has the prompt's name, not its version");
    }

    #[test]
    fn http_duration_buckets_are_the_conventions() {
        // `docs/http/http-metrics.md` of semantic conventions v1.41.1, for both metrics.
        let spec = "0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10";
        let parsed: Vec<f64> = spec.split(", ").map(|v| v.parse().unwrap()).collect();
        assert_eq!(http::DURATION_BUCKETS.to_vec(), parsed);
        assert_eq!((http::CLIENT_REQUEST_DURATION, http::SERVER_REQUEST_DURATION), ("http.client.request.duration", "http.server.request.duration"));
    }

    #[test]
    fn buckets_are_the_spec_doubling_series() {
        for w in v1_41::DURATION_BUCKETS.windows(2) {
            assert!((w[1] / w[0] - 2.0).abs() < 1e-9);
        }
        for w in v1_41::TOKEN_BUCKETS.windows(2) {
            assert_eq!(w[1] / w[0], 4.0);
        }
        for w in v1_41::AGENT_DURATION_BUCKETS.windows(2) {
            assert!((w[1] / w[0] - 2.0).abs() < 1e-9);
        }
    }
}

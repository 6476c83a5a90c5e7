//! What kind of GenAI operation a call is.

/// What kind of GenAI operation a span describes: it decides the span kind, the span name, the
/// attributes that apply and the metrics that are recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// A model call (`chat`, `text_completion`, `generate_content`, `embeddings`, or a custom
    /// operation): span kind CLIENT, named `{operation} {model}`.
    Inference,
    /// `execute_tool`: span kind INTERNAL, named `execute_tool {tool}`.
    Tool,
    /// `invoke_agent` (in-process): span kind INTERNAL, named `invoke_agent {agent}`.
    Agent,
    /// `retrieval`: a search of a data source (vector store, search index), span kind CLIENT,
    /// named `retrieval {data_source}`.
    Retrieval,
    /// A memory operation (`search_memory`, `create_memory`, `update_memory`, `upsert_memory`,
    /// `delete_memory`, `create_memory_store`, `delete_memory_store`): span kind CLIENT (INTERNAL
    /// for an in-process store), named after the operation.
    Memory,
    /// `create_agent`: creating an agent at a provider (OpenAI Assistants, Bedrock Agents), span
    /// kind CLIENT, named `create_agent {agent}`.
    CreateAgent,
    /// `plan`: an agent making its plan (the chat that makes it is a child), span kind
    /// INTERNAL, named `plan {agent}`.
    Plan,
    /// `invoke_workflow`: a multi-agent or graph entry point, span kind INTERNAL, named
    /// `invoke_workflow {workflow}`.
    Workflow,
    /// `invoke_agent` of an agent hosted by a provider (OpenAI Assistants, Bedrock Agents): span
    /// kind CLIENT, named `invoke_agent {agent}`, with the provider and server attributes;
    /// `gen_ai.client.operation.duration` (not the in-process `gen_ai.invoke_agent.duration`).
    RemoteAgent,
    /// `fetch_response`: fetching a stored model response by its id (no inference, no token
    /// usage), span kind CLIENT, named `fetch_response`; `gen_ai.client.operation.duration`.
    FetchResponse,
    /// `run_guardrail`: a guard deciding whether content or an action goes through
    /// ([`crate::guard`]), span kind INTERNAL (CLIENT for a remote guard service), named
    /// `run_guardrail {guard}`.
    Guard,
}

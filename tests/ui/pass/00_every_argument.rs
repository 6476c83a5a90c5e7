// @generated from the argument table (genai-o11y-macros/src/args.rs) by the test
// `docs::tests::every_argument_case_is_current`: do not edit; `GENAI_O11Y_BLESS=1` rewrites it.
// Every argument of every annotation, as a literal and as an expression: each becomes the
// builder method its table entry names, which must exist and take that kind of value.
#![deny(warnings)]

use genai_o11y::guard::Decision;
use genai_o11y::{genai_agent, genai_guardrail, genai_memory, genai_retrieval, genai_span, genai_tool, genai_workflow, HasUsage, RetrievedDocument, Usage};

#[derive(serde::Serialize)]
pub struct Msg {
    role: &'static str,
    content: String,
}

pub struct Req {
    float: Option<f64>,
    int: u32,
    text: String,
    list: Vec<String>,
    flag: bool,
    messages: Vec<Msg>,
}

#[derive(HasUsage)]
pub struct Resp {
    prompt_tokens: u32,
    completion_tokens: u32,
    #[usage(skip)]
    choices: Vec<String>,
}

fn resp() -> Resp {
    Resp { prompt_tokens: 1, completion_tokens: 2, choices: vec!["hi".into()] }
}

/// Doc comment.
#[genai_span(
    operation = "chat",
    provider = "text",
    model = "text",
    name = "text",
    temperature = 0.5,
    max_tokens = 7,
    top_p = 0.5,
    top_k = 7,
    seed = 7,
    stop_sequences = ["a", "b"],
    frequency_penalty = 0.5,
    presence_penalty = 0.5,
    choice_count = 7,
    output_type = "text",
    server_address = "text",
    server_port = 7,
    conversation_id = "text",
    prompt_name = "text",
    prompt_version = "text",
    reasoning_level = "text",
    previous_response_id = "text",
    conversation_compacted = true,
    prompt_variables = req.messages,
    usage = |r: &Resp| Usage::new().input(u64::from(r.prompt_tokens)),
    input_messages = req.messages,
    system_instructions = req.messages,
    tool_definitions = req.messages,
    output_messages = |r: &Resp| r.choices.clone(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn span_literals(req: &Req) -> Result<Resp, String> {
    let _ = req;
    Ok(resp())
}

/// Doc comment.
#[genai_span(
    operation = "chat",
    provider = req.text.as_str(),
    model = req.text.as_str(),
    name = req.text.as_str(),
    temperature = req.float,
    max_tokens = req.int,
    top_p = req.float,
    top_k = req.int,
    seed = req.int,
    stop_sequences = req.list.clone(),
    frequency_penalty = req.float,
    presence_penalty = req.float,
    choice_count = req.int,
    output_type = req.text.as_str(),
    server_address = req.text.as_str(),
    server_port = req.int,
    conversation_id = req.text.as_str(),
    prompt_name = req.text.as_str(),
    prompt_version = req.text.as_str(),
    reasoning_level = req.text.as_str(),
    previous_response_id = req.text.as_str(),
    conversation_compacted = req.flag,
    prompt_variables = req.messages,
    usage = |r: &Resp| Usage::new().input(u64::from(r.prompt_tokens)),
    input_messages = req.messages,
    system_instructions = req.messages,
    tool_definitions = req.messages,
    output_messages = |r: &Resp| r.choices.clone(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn span_expressions(req: &Req) -> Result<Resp, String> {
    let _ = req;
    Ok(resp())
}

/// Doc comment.
#[genai_tool(
    name = "lookup",
    tool_type = "lookup",
    call_id = "text",
    description = "text",
    conversation_id = "text",
    arguments = req.messages,
    refinement = "command",
    skill = "text",
    skill_description = "text",
    skill_source_uri = "text",
    skill_resource = "text",
    executable = "text",
    executable_path = "text",
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn tool_literals(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_tool(
    name = "lookup",
    tool_type = "lookup",
    call_id = req.text.as_str(),
    description = req.text.as_str(),
    conversation_id = req.text.as_str(),
    arguments = req.messages,
    refinement = "command",
    skill = req.text.as_str(),
    skill_description = req.text.as_str(),
    skill_source_uri = req.text.as_str(),
    skill_resource = req.text.as_str(),
    executable = req.text.as_str(),
    executable_path = req.text.as_str(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn tool_expressions(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_agent(
    provider = "text",
    model = "text",
    operation = "invoke_agent",
    name = "lookup",
    server_address = "text",
    server_port = 7,
    id = "text",
    description = "text",
    version = "text",
    conversation_id = "text",
    session_id = "text",
    user_id = "text",
    input_messages = req.messages,
    output_messages = |r: &u32| r.to_string(),
    span_kind = "client",
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn agent_literals(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_agent(
    provider = req.text.as_str(),
    model = req.text.as_str(),
    operation = "invoke_agent",
    name = "lookup",
    server_address = req.text.as_str(),
    server_port = req.int,
    id = req.text.as_str(),
    description = req.text.as_str(),
    version = req.text.as_str(),
    conversation_id = req.text.as_str(),
    session_id = req.text.as_str(),
    user_id = req.text.as_str(),
    input_messages = req.messages,
    output_messages = |r: &u32| r.to_string(),
    span_kind = "client",
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn agent_expressions(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_workflow(
    name = "lookup",
    conversation_id = "text",
    session_id = "text",
    user_id = "text",
    input_messages = req.messages,
    output_messages = |r: &u32| r.to_string(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn workflow_literals(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_workflow(
    name = "lookup",
    conversation_id = req.text.as_str(),
    session_id = req.text.as_str(),
    user_id = req.text.as_str(),
    input_messages = req.messages,
    output_messages = |r: &u32| r.to_string(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn workflow_expressions(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_retrieval(
    provider = "text",
    data_source = "text",
    top_k = 7,
    query = req.messages,
    documents = |r: &u32| vec![RetrievedDocument::new(r.to_string()).score(0.5)],
    model = "text",
    conversation_id = "text",
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn retrieval_literals(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_retrieval(
    provider = req.text.as_str(),
    data_source = req.text.as_str(),
    top_k = req.int,
    query = req.messages,
    documents = |r: &u32| vec![RetrievedDocument::new(r.to_string()).score(0.5)],
    model = req.text.as_str(),
    conversation_id = req.text.as_str(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn retrieval_expressions(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_memory(
    operation = "search_memory",
    store = "text",
    record = "text",
    provider = "text",
    span_kind = "client",
    query = req.messages,
    records = req.messages,
    conversation_id = "text",
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn memory_literals(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_memory(
    operation = "search_memory",
    store = req.text.as_str(),
    record = req.text.as_str(),
    provider = req.text.as_str(),
    span_kind = "client",
    query = req.messages,
    records = req.messages,
    conversation_id = req.text.as_str(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn memory_expressions(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_guardrail(
    conversation_id = "text",
    name = "lookup",
    policy = "text",
    policy_version = "text",
    source = "text",
    risk_category = "text",
    span_kind = "client",
    provider = "text",
    server_address = "text",
    server_port = 7,
    input = req.messages,
    output = |r: &u32| r.to_string(),
    decision = |r: &u32| if *r > 1 { Decision::allow() } else { Decision::block("too low").risk_score(0.9) },
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn guardrail_literals(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_guardrail(
    conversation_id = req.text.as_str(),
    name = "lookup",
    policy = req.text.as_str(),
    policy_version = req.text.as_str(),
    source = req.text.as_str(),
    risk_category = req.text.as_str(),
    span_kind = "client",
    provider = req.text.as_str(),
    server_address = req.text.as_str(),
    server_port = req.int,
    input = req.messages,
    output = |r: &u32| r.to_string(),
    decision = |r: &u32| if *r > 1 { Decision::allow() } else { Decision::block("too low").risk_score(0.9) },
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn guardrail_expressions(req: &Req) -> Result<u32, String> {
    let _ = req;
    Ok(resp().completion_tokens)
}

/// Doc comment.
#[genai_span(
    operation = "fetch_response",
    provider = "text",
    name = "text",
    server_address = "text",
    server_port = 7,
    system_instructions = req.messages,
    tool_definitions = req.messages,
    output_messages = |r: &Resp| r.choices.clone(),
    response_id = "text",
    stream_cursor = "text",
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn fetch_response_literals(req: &Req) -> Result<Resp, String> {
    let _ = req;
    Ok(resp())
}

/// Doc comment.
#[genai_span(
    operation = "fetch_response",
    provider = req.text.as_str(),
    name = req.text.as_str(),
    server_address = req.text.as_str(),
    server_port = req.int,
    system_instructions = req.messages,
    tool_definitions = req.messages,
    output_messages = |r: &Resp| r.choices.clone(),
    response_id = req.text.as_str(),
    stream_cursor = req.text.as_str(),
    fields(app.tier = "gold", "app.user" = req.text.as_str()),
    crate = ::genai_o11y,
)]
pub async fn fetch_response_expressions(req: &Req) -> Result<Resp, String> {
    let _ = req;
    Ok(resp())
}

fn main() {
    let req = Req { float: Some(0.2), int: 3, text: "t".into(), list: vec!["x".into()], flag: true, messages: vec![Msg { role: "user", content: "hi".into() }] };
    let _ = (span_literals(&req), span_expressions(&req), tool_literals(&req), tool_expressions(&req), agent_literals(&req), agent_expressions(&req), workflow_literals(&req), workflow_expressions(&req), retrieval_literals(&req), retrieval_expressions(&req), memory_literals(&req), memory_expressions(&req), guardrail_literals(&req), guardrail_expressions(&req), fetch_response_literals(&req), fetch_response_expressions(&req));
}

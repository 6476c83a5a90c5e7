use genai_o11y::genai_agent;

// A hosted agent names its provider.
#[genai_agent(span_kind = "client", server_address = "api.openai.com")]
fn assistant() -> usize {
    1
}

// An in-process agent has no server.
#[genai_agent(server_port = 443)]
fn local() -> usize {
    1
}

// `span_kind` is for `invoke_agent`.
#[genai_agent(operation = "plan", span_kind = "client", provider = "openai")]
fn plan() -> usize {
    1
}

fn main() {}

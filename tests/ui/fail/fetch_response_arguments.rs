use genai_o11y::{genai_span, Response};

// No response id; a model and a temperature do not apply to a fetch.
#[genai_span(operation = "fetch_response", provider = "openai", model = "gpt-4o", temperature = 0.2)]
fn fetch() -> Response {
    Response::default()
}

// A stream cursor belongs to a fetch.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", stream_cursor = "42", usage = none)]
fn chat() -> u32 {
    1
}

// An empty response id.
#[genai_span(operation = "fetch_response", provider = "openai", response_id = "")]
fn fetch_empty() -> Response {
    Response::default()
}

fn main() {}

use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct GatewayResponse {
    prompt_tokens: u32,
    cost: String,
}

fn main() {}

use genai_o11y::HasUsage;

#[derive(HasUsage)]
#[usage(currency = "dollars")]
struct GatewayResponse {
    prompt_tokens: u32,
    cost: f64,
}

fn main() {}

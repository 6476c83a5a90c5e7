use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    id: u64,
    prompt_tokens: u32,
}

fn main() {}

use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    prompt_tokens: String,
    completion_tokens: u32,
}

fn main() {}

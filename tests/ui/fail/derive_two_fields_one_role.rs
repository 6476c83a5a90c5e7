use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    prompt_tokens: u32,
    #[usage(input_tokens)]
    tokens_in: u32,
}

fn main() {}

use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    #[usage(prompt)]
    tokens_in: u32,
}

fn main() {}

use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    id: String,
    text: String,
    total: u32,
}

fn main() {}

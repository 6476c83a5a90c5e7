use genai_o11y::HasUsage;

struct Counts {
    input: u32,
}

#[derive(HasUsage)]
struct ChatResponse {
    usage: Counts,
}

fn main() {}

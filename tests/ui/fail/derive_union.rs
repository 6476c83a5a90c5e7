use genai_o11y::HasUsage;

#[derive(HasUsage)]
union Counts {
    input_tokens: u32,
    output_tokens: u64,
}

fn main() {}

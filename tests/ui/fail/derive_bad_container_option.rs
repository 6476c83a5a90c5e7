use genai_o11y::HasUsage;

#[derive(HasUsage)]
#[usage(excludes_cache)]
struct AnthropicUsage {
    input_tokens: u32,
    cache_read_input_tokens: u32,
}

fn main() {}

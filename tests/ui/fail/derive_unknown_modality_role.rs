use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    prompt_tokens: u32,
    #[usage(video_input)]
    video_tokens: u32,
}

fn main() {}

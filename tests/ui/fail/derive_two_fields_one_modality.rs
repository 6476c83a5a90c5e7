use genai_o11y::HasUsage;

#[derive(HasUsage)]
struct ChatResponse {
    prompt_tokens: u32,
    audio_input_tokens: u32,
    #[usage(audio_input)]
    input_audio: u32,
}

fn main() {}

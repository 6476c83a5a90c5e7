//! The packing assistant's chat and tool, shared by the platform tests (`dialects.rs`,
//! `phoenix_e2e.rs`): a chat (from the prompt template `packing-advice`, version 3) that answers
//! "Pack an umbrella." and a weather tool.
#![allow(dead_code)]

use genai_o11y::{genai_span, genai_tool};
use serde::Serialize;

use super::common::{response, ApiError, ChatResponse};

#[derive(Serialize, Clone)]
pub struct Msg {
    pub role: &'static str,
    pub content: String,
}

#[genai_span(
    operation = "chat",
    provider = "openai",
    model = "gpt-4o",
    prompt_name = "packing-advice",
    prompt_version = "3",
    input_messages = messages,
    output_messages = |r: &ChatResponse| vec![Msg { role: "assistant", content: r.text.clone() }]
)]
pub fn chat(messages: &[Msg]) -> Result<ChatResponse, ApiError> {
    Ok(response("gpt-4o", "Pack an umbrella."))
}

#[derive(Serialize)]
pub struct Weather {
    pub temp_c: i32,
    pub sky: &'static str,
}

#[genai_tool]
pub fn get_weather(city: &str) -> Weather {
    Weather { temp_c: 18, sky: if city == "Paris" { "rain" } else { "clear" } }
}

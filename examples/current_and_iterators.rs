//! Updating a call from its body with `genai_o11y::current()`, and a sync iterator of chunks
//! instrumented like a stream, sent over OTLP: an agent that calls a tool (its result and an extra
//! attribute set from inside), a chat whose client returns only the text (usage, response model
//! and id, finish reasons and the answer set from inside), and a chat read from a blocking
//! iterator of chunks (usage per chunk, the answer folded from them). Made for the official
//! checker, in both convention modes (`app.*` are this application's own attributes, set through
//! `current().attribute(..)`; v1.41 has no tool or agent duration, see README "What the official
//! checker allows"): 0 violations in both modes (4 spans; 8 metrics in v1.41 mode, 15 in latest).
//!
//!     ../shared/tools/semconv-check latest --allow app.cache_hit --allow app.steps -- cargo run -q -p genai-o11y-examples --example current_and_iterators
//!     ../shared/tools/semconv-check default --allow app.cache_hit --allow app.steps --allow gen_ai.execute_tool.duration --allow gen_ai.invoke_agent.duration -- cargo run -q -p genai-o11y-examples --example current_and_iterators

use genai_o11y::{current, genai_agent, genai_span, genai_tool, HasUsage, Usage};

/// An OpenAI-style chunk: usage only in the last one.
#[derive(HasUsage, serde::Serialize)]
struct Chunk {
    #[usage(skip)]
    choices: serde_json::Value,
    id: String,
    model: String,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
}

fn chunk(text: &str, finish: Option<&str>, usage: Option<(u32, u32)>) -> Chunk {
    Chunk {
        choices: serde_json::json!([{"index": 0, "delta": {"content": text}, "finish_reason": finish}]),
        id: "chatcmpl-iter".into(),
        model: "gpt-4o-mini-2024-07-18".into(),
        prompt_tokens: usage.map(|u| u.0),
        completion_tokens: usage.map(|u| u.1),
    }
}

/// Looks up the weather for a city.
#[genai_tool]
fn weather(city: &str) -> String {
    current().attribute("app.cache_hit", false).output(&serde_json::json!({"city": city, "temp_c": 18}));
    format!("18C in {city}")
}

/// A client that returns only the answer's text.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o", usage = none)]
fn chat(prompt: &str) -> String {
    let answer = format!("It is {prompt}: take a light jacket.");
    current()
        .usage(Usage::new().input(42).output(11).cache_read(16))
        .response_model("gpt-4o-2024-08-06")
        .response_id("chatcmpl-current")
        .finish_reasons(["stop"])
        .output(&answer);
    answer
}

/// A blocking client's stream of chunks.
#[genai_span(operation = "chat", provider = "openai", model = "gpt-4o-mini")]
fn chat_chunks() -> impl Iterator<Item = Chunk> {
    vec![chunk("Have ", None, None), chunk("a nice day.", None, None), chunk("", Some("stop"), Some((9, 4)))].into_iter()
}

#[genai_agent(name = "advisor")]
fn advisor(city: &str) -> String {
    let w = weather(city);
    let answer = chat(&w);
    let more: String = chat_chunks().filter_map(|c| c.choices[0]["delta"]["content"].as_str().map(str::to_owned)).collect();
    current().attribute("app.steps", 3);
    format!("{answer} {more}")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = genai_o11y::init().service_name("current-and-iterators").install()?;
    println!("{}", advisor("Lisbon"));
    println!("{:?}", guard.shutdown());
    Ok(())
}

// `crate = path` for a re-exported `genai_o11y`.
mod reexport {
    pub use genai_o11y;
}

use genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};

#[derive(HasUsage)]
#[usage(crate = crate::reexport::genai_o11y)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai", crate = ::genai_o11y)]
async fn absolute() -> Result<Resp, String> {
    Ok(Resp { input_tokens: 1 })
}

#[genai_span(operation = "chat", provider = "openai", crate = crate::reexport::genai_o11y)]
fn through_reexport() -> Resp {
    Resp { input_tokens: 2 }
}

#[genai_tool(crate = crate::reexport::genai_o11y)]
fn tool() -> u8 {
    1
}

#[genai_agent(name = "a", crate = crate::reexport::genai_o11y)]
async fn agent() -> u8 {
    2
}

// The attributes used through the re-export path.
#[reexport::genai_o11y::genai_span(operation = "chat", provider = "openai", crate = crate::reexport::genai_o11y)]
fn via_path() -> Resp {
    Resp { input_tokens: 3 }
}

fn main() {
    assert_eq!(futures::executor::block_on(absolute()).unwrap().input_tokens, 1);
    assert_eq!(through_reexport().input_tokens, 2);
    assert_eq!(tool(), 1);
    assert_eq!(futures::executor::block_on(agent()), 2);
    assert_eq!(via_path().input_tokens, 3);
}

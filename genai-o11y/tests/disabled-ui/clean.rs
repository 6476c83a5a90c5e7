// Compiles without a warning when switched off: a field read only by an argument is not dead
// code, an integer literal is a temperature.
#![deny(warnings)]

use genai_o11y::{genai_span, Usage};

struct Req {
    model: String,
    temperature: Option<f64>,
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.as_str(), temperature = req.temperature, top_p = 1)]
fn chat(req: &Req) -> Usage {
    Usage::new().input(1)
}

fn main() {
    let _ = chat(&Req { model: "m".into(), temperature: Some(0.2) });
}

// With telemetry compiled out, the arguments are still type-checked (in closures that never
// run): a wrong type, a moved field and a return type without usage fail as they do when on.
use genai_o11y::genai_span;

struct Req {
    model: String,
}

#[genai_span(operation = "chat", provider = "openai", model = req.model.len(), temperature = req.model.clone())]
fn chat(req: &Req) -> Result<String, std::io::Error> {
    Ok(req.model.clone())
}

fn main() {
    let _ = chat(&Req { model: "m".into() });
}

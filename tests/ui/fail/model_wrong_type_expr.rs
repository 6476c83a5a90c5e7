use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    input_tokens: u32,
}

struct Req {
    model_id: u32,
}

#[genai_span(operation = "chat", provider = "openai", model = req.model_id)]
async fn chat(req: &Req) -> Resp {
    Resp { input_tokens: req.model_id }
}

fn main() {}

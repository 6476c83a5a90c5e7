use genai_o11y::guard::GuardDecision;

#[derive(GuardDecision)]
struct Verdict {
    blocked: bool,
}

fn main() {}

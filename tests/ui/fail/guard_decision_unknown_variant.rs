use genai_o11y::guard::GuardDecision;

#[derive(GuardDecision)]
enum Verdict {
    Allow,
    Maybe,
    #[guard(warn)]
    Warn,
}

fn main() {}

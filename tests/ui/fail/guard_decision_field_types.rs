use genai_o11y::guard::GuardDecision;

#[derive(GuardDecision)]
enum Verdict {
    Allow,
    Block { reason: u32, risk_score: String },
}

fn main() {}

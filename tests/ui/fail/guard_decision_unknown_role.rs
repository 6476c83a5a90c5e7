use genai_o11y::guard::GuardDecision;

#[derive(GuardDecision)]
enum Verdict {
    Allow,
    Block {
        #[guard(severity)]
        level: u8,
    },
}

fn main() {}

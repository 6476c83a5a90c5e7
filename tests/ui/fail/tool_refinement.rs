use genai_o11y::genai_tool;

#[genai_tool(refinement = "script")]
fn run() -> usize {
    1
}

// A skill argument without a refinement.
#[genai_tool(skill = "code-review")]
fn review() -> usize {
    1
}

// An executable belongs to a command, a resource not to loading a skill.
#[genai_tool(refinement = "load_skill", skill = "pdf", skill_resource = "ref.md", executable = "python3")]
fn load() -> usize {
    1
}

// A refinement is a literal.
#[genai_tool(refinement = kind())]
fn computed() -> usize {
    1
}

fn kind() -> &'static str {
    "command"
}

fn main() {}

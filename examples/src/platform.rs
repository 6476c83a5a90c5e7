//! Which LLM observability platform an example sends its traces to: the `PLATFORM` variable.

use genai_o11y::setup::Preset;

/// The names `PLATFORM` takes.
pub const NAMES: &str = "langfuse, phoenix, langsmith, opik or mlflow";

/// The preset named `name` (case-insensitive).
pub fn preset(name: &str) -> Result<Preset, String> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "langfuse" => Preset::Langfuse,
        "phoenix" => Preset::Phoenix,
        "langsmith" => Preset::LangSmith,
        "opik" => Preset::Opik,
        "mlflow" => Preset::MLflow,
        other => return Err(format!("unknown PLATFORM {other:?}: {NAMES}")),
    })
}

/// The preset `PLATFORM` names, if it is set.
pub fn from_env() -> Result<Option<Preset>, String> {
    std::env::var("PLATFORM").ok().filter(|p| !p.is_empty()).map(|p| preset(&p)).transpose()
}

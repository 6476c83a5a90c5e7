//! Test support for the genai-o11y workspace.

pub mod otlp_receiver;

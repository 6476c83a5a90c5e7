//! Code shared by the examples (and exercised by the tests).

pub mod agent_demo;
pub mod fake_openai;
pub mod platform;
pub mod prometheus_demo;
pub mod rag_demo;

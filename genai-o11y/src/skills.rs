//! Skills and commands: the refinements of `execute_tool` the latest conventions define
//! (`gen_ai.execute_tool.load_skill.internal`, `gen_ai.execute_tool.read_skill_resource.internal`,
//! `gen_ai.execute_tool.command.internal`), and the exit code a command tool returns.
//!
//! ```
//! # use genai_o11y::GenAiSpanBuilder;
//! let call = GenAiSpanBuilder::tool("run_skill_script")
//!     .tool_refinement("command")
//!     .skill_name("pdf-processing")
//!     .skill_resource_name("scripts/extract.py")
//!     .process_executable_name("python3")
//!     .start();
//! let out: Result<std::process::ExitStatus, std::io::Error> = std::process::Command::new("true").status();
//! let outcome = match &out {
//!     Ok(_) => genai_o11y::Outcome::success(),
//!     Err(e) => genai_o11y::Outcome::failure(genai_o11y::ErrorInfo::from_display(e)),
//! };
//! call.finish(outcome.with_exit_code(genai_o11y::ReportsExitCode::reported_exit_code(&out)));
//! ```

use opentelemetry::StringValue;

use crate::semconv::skill as names;

/// Which refinement of `execute_tool` a tool call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ToolRefinement {
    /// A tool that loads a skill into the agent's context (ADK `load_skill`, Agno
    /// `get_skill_instructions`).
    LoadSkill,
    /// A tool that reads a resource of a skill (Microsoft Agent Framework `read_skill_resource`).
    ReadSkillResource,
    /// A tool that runs one or more commands (OpenAI Agents `exec_command`, a `bash` tool, ADK
    /// `run_skill_script`).
    Command,
}

impl ToolRefinement {
    /// `load_skill`, `read_skill_resource` or `command` (the names of the refinements' ids).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            names::REFINEMENT_LOAD_SKILL => Some(ToolRefinement::LoadSkill),
            names::REFINEMENT_READ_SKILL_RESOURCE => Some(ToolRefinement::ReadSkillResource),
            names::REFINEMENT_COMMAND => Some(ToolRefinement::Command),
            _ => None,
        }
    }
}

/// What a skill or command tool call says about its skill and process (rarely set: boxed in the
/// builder).
#[derive(Clone, Debug, Default)]
pub(crate) struct SkillInfo {
    pub refinement: Option<ToolRefinement>,
    pub name: Option<StringValue>,
    pub description: Option<StringValue>,
    pub source_uri: Option<StringValue>,
    pub resource_name: Option<StringValue>,
    pub executable_name: Option<StringValue>,
    pub executable_path: Option<StringValue>,
}

impl SkillInfo {
    /// The suffix of the span name after `execute_tool {tool}`, as the refinement's span-name
    /// rule says: the skill and resource names, the resource name alone, the skill name alone
    /// (loading a skill only), the executable name (a command only); nothing otherwise.
    pub(crate) fn span_name_suffix(&self) -> Option<String> {
        let refinement = self.refinement?;
        let text = |v: &Option<StringValue>| v.as_ref().map(|v| v.as_str().to_owned()).filter(|v| !v.is_empty());
        let (skill, resource, exe) = (text(&self.name), text(&self.resource_name), text(&self.executable_name));
        match refinement {
            ToolRefinement::LoadSkill => skill,
            ToolRefinement::ReadSkillResource | ToolRefinement::Command => match (skill, resource) {
                (Some(s), Some(r)) => Some(format!("{s} {r}")),
                (None, Some(r)) => Some(r),
                // The skill name is not appended without the resource name.
                (_, None) if refinement == ToolRefinement::Command => exe,
                (_, None) => None,
            },
        }
    }
}

/// A value that is, or carries, the exit code of a process: `std::process::ExitStatus`,
/// `std::process::Output`, or your own type. A command tool (`#[genai_tool(refinement =
/// "command")]`) records it as `process.exit.code`.
pub trait ExitCode {
    /// The exit code; `None` when the process was ended by a signal.
    fn exit_code(&self) -> Option<i64>;
}

impl ExitCode for std::process::ExitStatus {
    fn exit_code(&self) -> Option<i64> {
        self.code().map(i64::from)
    }
}
impl ExitCode for std::process::Output {
    fn exit_code(&self) -> Option<i64> {
        self.status.exit_code()
    }
}
impl<T: ExitCode + ?Sized> ExitCode for &T {
    fn exit_code(&self) -> Option<i64> {
        (**self).exit_code()
    }
}

/// The return types a command tool reads its exit code from: `T: ExitCode` and
/// `Result<T: ExitCode, E>` (no code for an `Err`: the command did not run to its end).
pub trait ReportsExitCode {
    /// The exit code, if the value carries one.
    fn reported_exit_code(&self) -> Option<i64>;
}
impl<T: ExitCode> ReportsExitCode for T {
    fn reported_exit_code(&self) -> Option<i64> {
        self.exit_code()
    }
}
impl<T: ExitCode, E> ReportsExitCode for Result<T, E> {
    fn reported_exit_code(&self) -> Option<i64> {
        self.as_ref().ok().and_then(ExitCode::exit_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(refinement: ToolRefinement, skill: Option<&str>, resource: Option<&str>, exe: Option<&str>) -> SkillInfo {
        let t = |v: Option<&str>| v.map(|v| StringValue::from(v.to_owned()));
        SkillInfo { refinement: Some(refinement), name: t(skill), resource_name: t(resource), executable_name: t(exe), ..SkillInfo::default() }
    }

    #[test]
    fn span_name_suffixes_follow_each_refinement() {
        use ToolRefinement::*;
        assert_eq!(info(LoadSkill, Some("pdf"), None, None).span_name_suffix().as_deref(), Some("pdf"));
        assert_eq!(info(LoadSkill, None, None, None).span_name_suffix(), None);
        assert_eq!(info(ReadSkillResource, Some("pdf"), Some("ref.md"), None).span_name_suffix().as_deref(), Some("pdf ref.md"));
        assert_eq!(info(ReadSkillResource, None, Some("ref.md"), None).span_name_suffix().as_deref(), Some("ref.md"));
        assert_eq!(info(ReadSkillResource, Some("pdf"), None, None).span_name_suffix(), None, "the skill name alone is not appended");
        assert_eq!(info(Command, Some("pdf"), Some("x.py"), Some("python3")).span_name_suffix().as_deref(), Some("pdf x.py"));
        assert_eq!(info(Command, Some("pdf"), None, Some("python3")).span_name_suffix().as_deref(), Some("python3"));
        assert_eq!(info(Command, None, None, None).span_name_suffix(), None);
    }

    #[test]
    fn exit_codes() {
        let out = std::process::Command::new("sh").args(["-c", "exit 3"]).output().expect("sh runs");
        assert_eq!(out.reported_exit_code(), Some(3));
        let r: Result<std::process::ExitStatus, ()> = Ok(out.status);
        assert_eq!(r.reported_exit_code(), Some(3));
        let e: Result<std::process::ExitStatus, ()> = Err(());
        assert_eq!(e.reported_exit_code(), None);
    }
}

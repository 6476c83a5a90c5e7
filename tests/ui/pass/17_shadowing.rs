// Names the user defines must not break the expansion: the generated code uses absolute paths.
#![allow(dead_code, non_camel_case_types, unused_macros)]

mod shadow {
    use ::genai_o11y::{genai_agent, genai_span, genai_tool, HasUsage};

    // Prelude types and macros, and names of the runtime's helpers.
    pub struct Option;
    pub struct Box;
    pub struct Vec;
    pub struct String;
    pub struct Some;
    pub struct None;
    pub struct Ok;
    pub struct Err;
    pub fn instrument() {}
    pub fn run_sync() {}
    pub fn call_once() {}
    pub fn required_usage() {}
    pub fn usage_with() {}
    pub fn token_count() {}
    pub mod std {}
    pub mod core {}
    pub mod genai_o11y {}
    pub mod __private {}
    pub trait HasUsageLike {}
    macro_rules! unreachable {
        () => {
            compile_error!("the user's unreachable! was used")
        };
    }

    // A user type named `Result` that reports usage itself.
    #[derive(HasUsage)]
    pub struct Result {
        pub input_tokens: u32,
        pub id: &'static str,
    }

    #[derive(HasUsage)]
    pub enum Reply {
        Text { prompt_tokens: u64 },
        Empty,
    }

    #[genai_span(operation = "chat", provider = "openai", model = "m", max_tokens = 5, temperature = 0.1, stop_sequences = ["x"])]
    pub async fn chat() -> Result {
        Result { input_tokens: 1, id: "x" }
    }

    #[genai_span(operation = "chat", provider = "openai")]
    pub fn chat_sync() -> ::core::result::Result<Reply, &'static str> {
        ::core::result::Result::Ok(Reply::Empty)
    }

    #[genai_span(operation = "chat", provider = "openai")]
    pub fn chat_boxed() -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = Result> + Send>> {
        ::std::boxed::Box::pin(async { Result { input_tokens: 2, id: "y" } })
    }

    #[genai_span(operation = "chat", provider = "openai", usage = |r: &u32| ::genai_o11y::Usage::new().input(u64::from(*r)))]
    pub fn with_closure() -> ::core::result::Result<u32, &'static str> {
        ::core::result::Result::Ok(4)
    }

    /// A tool.
    #[genai_tool]
    pub async fn tool() -> ::core::option::Option<u8> {
        ::core::option::Option::None
    }

    #[genai_agent(name = "a")]
    pub fn agent() -> Box {
        Box
    }
}

// A user type alias named `Result`, the common crate-level pattern.
mod alias {
    use genai_o11y::{genai_span, HasUsage};

    #[derive(Debug)]
    pub struct Error;
    impl std::fmt::Display for Error {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("error")
        }
    }
    pub type Result<T, E = Error> = std::result::Result<T, E>;

    #[derive(HasUsage)]
    pub struct Resp {
        pub input_tokens: u32,
    }

    #[genai_span(operation = "chat", provider = "openai")]
    pub async fn chat() -> Result<Resp> {
        Ok(Resp { input_tokens: 1 })
    }
}

fn main() {
    assert_eq!(futures::executor::block_on(shadow::chat()).input_tokens, 1);
    assert!(shadow::chat_sync().is_ok());
    assert_eq!(futures::executor::block_on(shadow::chat_boxed()).id, "y");
    assert_eq!(shadow::with_closure(), Ok(4));
    assert_eq!(futures::executor::block_on(shadow::tool()), None);
    let _ = shadow::agent();
    assert_eq!(futures::executor::block_on(alias::chat()).unwrap().input_tokens, 1);
}

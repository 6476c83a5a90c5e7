// `Result` under any name: `anyhow::Result`, `io::Result`, the user's own alias.
use genai_o11y::{genai_span, HasUsage};

#[derive(HasUsage)]
struct Resp {
    prompt_tokens: u32,
}

#[derive(Debug)]
enum MyErr {
    Limited,
}
impl std::fmt::Display for MyErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rate limited")
    }
}
impl genai_o11y::ErrorType for MyErr {
    fn error_type(&self) -> std::borrow::Cow<'static, str> {
        "429".into()
    }
}

type MyResult<T> = Result<T, MyErr>;

struct Opaque; // neither Display nor ErrorType

#[genai_span(operation = "chat", provider = "openai")]
async fn with_anyhow() -> anyhow::Result<Resp> {
    Ok(Resp { prompt_tokens: 1 })
}

#[genai_span(operation = "chat", provider = "openai")]
fn with_io() -> std::io::Result<Resp> {
    Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"))
}

#[genai_span(operation = "chat", provider = "openai")]
async fn with_alias() -> MyResult<Resp> {
    Err(MyErr::Limited)
}

#[genai_span(operation = "chat", provider = "openai")]
fn with_opaque() -> Result<Resp, Opaque> {
    Err(Opaque)
}

#[genai_span(operation = "chat", provider = "openai")]
fn with_boxed_error() -> Result<Resp, Box<dyn std::error::Error + Send + Sync>> {
    Ok(Resp { prompt_tokens: 2 })
}

fn main() {
    assert!(futures::executor::block_on(with_anyhow()).is_ok());
    assert!(with_io().is_err());
    assert!(matches!(futures::executor::block_on(with_alias()), Err(MyErr::Limited)));
    assert!(with_opaque().is_err());
    assert!(with_boxed_error().is_ok());
}

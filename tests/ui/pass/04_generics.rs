// Generic functions: bounds inline and in where clauses, sync and async.
use genai_o11y::{genai_span, HasUsage, Usage};

#[derive(HasUsage, Debug, Clone)]
struct Resp {
    input_tokens: u32,
}

#[genai_span(operation = "chat", provider = "openai")]
fn identity<T: HasUsage>(t: T) -> T {
    t
}

#[genai_span(operation = "chat", provider = "openai")]
fn checked<T, E>(t: T, e: Option<E>) -> Result<T, E>
where
    T: HasUsage + Clone,
    E: std::fmt::Display,
{
    match e {
        Some(e) => Err(e),
        None => Ok(t.clone()),
    }
}

#[genai_span(operation = "chat", provider = "openai")]
async fn generic_async<T: HasUsage + Send>(t: T) -> Result<T, std::io::Error> {
    Ok(t)
}

#[genai_span(operation = "chat", provider = "openai", model = model.as_ref())]
async fn impl_arg(model: impl AsRef<str>, n: u64) -> Usage {
    Usage::new().input(n)
}

// Const generics.
#[genai_span(operation = "chat", provider = "openai")]
fn batch<const N: usize>(items: [u32; N]) -> Usage {
    Usage::new().input(items.iter().map(|n| u64::from(*n)).sum())
}

fn main() {
    assert_eq!(identity(Resp { input_tokens: 3 }).input_tokens, 3);
    assert!(checked::<_, String>(Resp { input_tokens: 1 }, None).is_ok());
    assert!(checked(Resp { input_tokens: 1 }, Some("no".to_string())).is_err());
    let r = futures::executor::block_on(generic_async(Usage::new().output(2))).unwrap();
    assert_eq!(r.output_tokens, Some(2));
    assert_eq!(futures::executor::block_on(impl_arg("gpt-4o", 4)).input_tokens, Some(4));
    assert_eq!(batch([1, 2, 3]).input_tokens, Some(6));
}

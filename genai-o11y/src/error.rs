//! How a call's outcome becomes `error.type`, span status and an `exception` event.

use std::borrow::Cow;
use std::fmt;

use crate::semconv::v1_41 as sc;

/// Maps an error to a low-cardinality `error.type` such as `429`, `timeout` or
/// `rate_limited`. Without an implementation, `error.type` is the error's type name
/// (`std::any::type_name`), e.g. `my_app::ApiError`.
///
/// ```
/// use std::borrow::Cow;
/// #[derive(Debug)]
/// enum ApiError { RateLimited, Timeout, Other(String) }
/// impl std::fmt::Display for ApiError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
/// }
/// impl genai_o11y::ErrorType for ApiError {
///     fn error_type(&self) -> Cow<'static, str> {
///         match self { ApiError::RateLimited => "429".into(), ApiError::Timeout => "timeout".into(), ApiError::Other(_) => "_OTHER".into() }
///     }
/// }
/// ```
pub trait ErrorType: fmt::Display {
    /// The `error.type` value. Keep the set of values small: it is a metric attribute.
    fn error_type(&self) -> Cow<'static, str>;

    /// A description that is safe to record even when content capture is off (it must not echo
    /// prompts or completions). Without it, the span status description and `exception.message`
    /// (the error's `Display`) are recorded only when content capture is on.
    fn description(&self) -> Option<Cow<'static, str>> {
        None
    }
}

/// What is recorded for a failed call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    /// `error.type` (span attribute and metric attribute).
    pub error_type: Cow<'static, str>,
    /// `exception.type`: the error's Rust type name.
    pub exception_type: Cow<'static, str>,
    /// The status description and `exception.message` (the error's `Display`), if any.
    /// Recorded only when content capture is on (error messages may echo content).
    pub message: Option<String>,
    /// A content-free description, recorded whatever the capture setting
    /// ([`ErrorType::description`]).
    pub safe_message: Option<String>,
}

impl ErrorInfo {
    /// An error of this `error.type` with a message.
    pub fn new(error_type: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        let error_type = error_type.into();
        ErrorInfo { exception_type: error_type.clone(), error_type, message: Some(message.into()), safe_message: None }
    }

    /// From any `Display` error: `error.type` is the type name.
    pub fn from_display<E: fmt::Display + ?Sized>(e: &E) -> Self {
        let name = type_name_of::<E>();
        ErrorInfo { error_type: name.clone(), exception_type: name, message: Some(e.to_string()), safe_message: None }
    }

    /// From an error that maps itself with [`ErrorType`].
    pub fn from_error_type<E: ErrorType + ?Sized>(e: &E) -> Self {
        ErrorInfo {
            error_type: e.error_type(),
            exception_type: type_name_of::<E>(),
            message: Some(e.to_string()),
            safe_message: e.description().map(Cow::into_owned),
        }
    }

    /// From an error that is neither `Display` nor [`ErrorType`]: its type name, no message.
    pub(crate) fn opaque<E: ?Sized>() -> Self {
        let name = type_name_of::<E>();
        ErrorInfo { error_type: name.clone(), exception_type: name, message: None, safe_message: None }
    }

    /// The future was dropped before it completed.
    pub fn cancelled() -> Self {
        ErrorInfo {
            error_type: Cow::Borrowed(sc::ERROR_TYPE_CANCELLED),
            exception_type: Cow::Borrowed(sc::ERROR_TYPE_CANCELLED),
            message: Some(CANCELLED.to_owned()),
            safe_message: Some(CANCELLED.to_owned()),
        }
    }

    /// The call panicked. `payload` is the panic payload, if available.
    pub fn panicked(payload: Option<&(dyn std::any::Any + Send)>) -> Self {
        let msg = payload.and_then(|p| p.downcast_ref::<&'static str>().map(|s| (*s).to_owned()).or_else(|| p.downcast_ref::<String>().cloned()));
        ErrorInfo {
            error_type: Cow::Borrowed(sc::ERROR_TYPE_PANIC),
            exception_type: Cow::Borrowed(sc::ERROR_TYPE_PANIC),
            message: Some(match msg {
                Some(m) => format!("panicked: {m}"),
                None => "panicked".to_owned(),
            }),
            safe_message: Some("panicked".to_owned()),
        }
    }
}

/// What a chain reader found: the error's `error.type`, description and type name.
struct Known {
    error_type: Cow<'static, str>,
    description: Option<Cow<'static, str>>,
    name: &'static str,
}

/// Reads the `error.type` of a type-erased error, if it is of the type it knows.
type ChainReader = fn(&(dyn std::error::Error + 'static)) -> Option<Known>;

/// The error types searched for in the chain of a type-erased error (`anyhow::Error`,
/// `Box<dyn Error + Send + Sync>`): `std::io::Error`, what the adapters know, and what
/// [`register_error_type`] added.
fn chain_readers() -> &'static std::sync::RwLock<Vec<ChainReader>> {
    static READERS: std::sync::OnceLock<std::sync::RwLock<Vec<ChainReader>>> = std::sync::OnceLock::new();
    READERS.get_or_init(|| {
        #[cfg_attr(not(feature = "async-openai-client"), allow(unused_mut))]
        let mut v: Vec<ChainReader> = vec![reader::<std::io::Error>];
        #[cfg(feature = "async-openai-client")]
        v.push(reader::<async_openai::error::OpenAIError>);
        std::sync::RwLock::new(v)
    })
}

fn reader<E: ErrorType + std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> Option<Known> {
    e.downcast_ref::<E>().map(|e| Known { error_type: ErrorType::error_type(e), description: ErrorType::description(e), name: std::any::type_name::<E>() })
}

/// Makes `E`'s [`ErrorType`] count inside type-erased errors: a call failing with an
/// `anyhow::Error` (or a `Box<dyn Error + Send + Sync>`) whose chain holds an `E` records `E`'s
/// `error.type` (and `exception.type`), instead of `anyhow::Error` for every failure. The chain
/// is searched from the outermost error to the root cause; the first error of a known type wins
/// (`std::io::Error` and, with `async-openai-client`, async-openai's `OpenAIError` are known from
/// the start). Registering a type twice is harmless.
///
/// ```
/// # use std::borrow::Cow;
/// #[derive(Debug)]
/// struct RateLimited;
/// impl std::fmt::Display for RateLimited { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("rate limited") } }
/// impl std::error::Error for RateLimited {}
/// impl genai_o11y::ErrorType for RateLimited { fn error_type(&self) -> Cow<'static, str> { "429".into() } }
///
/// genai_o11y::register_error_type::<RateLimited>();
/// ```
pub fn register_error_type<E: ErrorType + std::error::Error + 'static>() {
    let mut readers = chain_readers().write().unwrap_or_else(|e| e.into_inner());
    let r: ChainReader = reader::<E>;
    if !readers.iter().any(|known| std::ptr::fn_addr_eq(*known, r)) {
        readers.push(r);
    }
}

impl ErrorInfo {
    /// From a type-erased error (`anyhow::Error`, `Box<dyn Error + Send + Sync>`): the
    /// `error.type` of the first error of a known type in its chain (see
    /// [`register_error_type`]), else the erased type's name.
    pub fn from_chain<E: AsRef<dyn std::error::Error + Send + Sync + 'static> + fmt::Display + ?Sized>(e: &E) -> Self {
        let mut info = ErrorInfo::from_display(e);
        let readers = chain_readers().read().unwrap_or_else(|e| e.into_inner());
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e.as_ref());
        while let Some(c) = cause {
            if let Some(known) = readers.iter().find_map(|r| r(c)) {
                info.error_type = known.error_type;
                info.exception_type = Cow::Borrowed(known.name);
                info.safe_message = known.description.map(Cow::into_owned);
                break;
            }
            cause = c.source();
        }
        info
    }
}

const CANCELLED: &str = "the operation was cancelled (dropped before completion: a future, stream or iterator)";

fn type_name_of<E: ?Sized>() -> Cow<'static, str> {
    Cow::Borrowed(std::any::type_name::<E>())
}

impl ErrorType for std::io::Error {
    /// `io::ErrorKind` in snake case, e.g. `timed_out`, `connection_refused`.
    fn error_type(&self) -> Cow<'static, str> {
        let kind = format!("{:?}", self.kind());
        let mut out = String::with_capacity(kind.len() + 4);
        for (i, c) in kind.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_map_to_their_kind() {
        let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow");
        assert_eq!(e.error_type(), "timed_out");
        let e = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "no");
        assert_eq!(e.error_type(), "connection_refused");
    }

    #[test]
    fn panic_payloads() {
        let p: Box<dyn std::any::Any + Send> = Box::new("boom");
        assert_eq!(ErrorInfo::panicked(Some(&*p)).message.as_deref(), Some("panicked: boom"));
        let p: Box<dyn std::any::Any + Send> = Box::new(String::from("x"));
        assert_eq!(ErrorInfo::panicked(Some(&*p)).message.as_deref(), Some("panicked: x"));
        assert_eq!(ErrorInfo::panicked(None).error_type, "panic");
    }
}

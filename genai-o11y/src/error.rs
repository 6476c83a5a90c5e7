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
        let msg = payload
            .and_then(|p| p.downcast_ref::<&'static str>().map(|s| (*s).to_owned()).or_else(|| p.downcast_ref::<String>().cloned()));
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

const CANCELLED: &str = "the operation was cancelled (its future was dropped before completion)";

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

/// Type-based dispatch used by the generated code (autoref specialization): the most specific
/// arm that applies to the return type wins. Method resolution happens where the concrete type is
/// known, so type aliases (`anyhow::Result<T>`, `io::Result<T>`) are seen through.
#[doc(hidden)]
pub mod spez {
    use super::*;

    pub struct Probe<'a, T: ?Sized>(pub &'a T);

    // Level 3: Result<T, E: ErrorType>.
    pub trait ErrorViaErrorType {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
    }
    impl<T, E: ErrorType> ErrorViaErrorType for &&&Probe<'_, Result<T, E>> {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
            self.0.as_ref().err().map(ErrorInfo::from_error_type)
        }
    }
    // Level 2: Result<T, E: Display>.
    pub trait ErrorViaDisplay {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
    }
    impl<T, E: fmt::Display> ErrorViaDisplay for &&Probe<'_, Result<T, E>> {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
            self.0.as_ref().err().map(ErrorInfo::from_display)
        }
    }
    // Level 1: any Result.
    pub trait ErrorViaResult {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
    }
    impl<T, E> ErrorViaResult for &Probe<'_, Result<T, E>> {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
            self.0.as_ref().err().map(|_| {
                let name = type_name_of::<E>();
                ErrorInfo { error_type: name.clone(), exception_type: name, message: None, safe_message: None }
            })
        }
    }
    // Level 0: not a Result: never an error.
    pub trait ErrorNone {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
    }
    impl<T: ?Sized> ErrorNone for Probe<'_, T> {
        fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
            None
        }
    }

    // The success value: `&T` of `Ok(T)`, or the value itself.
    pub trait OkOfResult<'a> {
        type Ok: ?Sized;
        fn __genai_o11y_ok(&self) -> Option<&'a Self::Ok>;
    }
    impl<'a, T, E> OkOfResult<'a> for &Probe<'a, Result<T, E>> {
        type Ok = T;
        fn __genai_o11y_ok(&self) -> Option<&'a T> {
            self.0.as_ref().ok()
        }
    }
    pub trait OkOfValue<'a> {
        type Ok: ?Sized;
        fn __genai_o11y_ok(&self) -> Option<&'a Self::Ok>;
    }
    impl<'a, T: ?Sized> OkOfValue<'a> for Probe<'a, T> {
        type Ok = T;
        fn __genai_o11y_ok(&self) -> Option<&'a T> {
            Some(self.0)
        }
    }

    // Optional usage: where the type reports usage, read it; otherwise none.
    pub trait UsageSome<'a> {
        fn __genai_o11y_usage(&self) -> Option<&'a dyn crate::HasUsage>;
    }
    impl<'a, T: crate::usage::ReportsUsage + ?Sized> UsageSome<'a> for &Probe<'a, T> {
        fn __genai_o11y_usage(&self) -> Option<&'a dyn crate::HasUsage> {
            self.0.usage_source()
        }
    }
    pub trait UsageNone<'a> {
        fn __genai_o11y_usage(&self) -> Option<&'a dyn crate::HasUsage>;
    }
    impl<'a, T: ?Sized> UsageNone<'a> for Probe<'a, T> {
        fn __genai_o11y_usage(&self) -> Option<&'a dyn crate::HasUsage> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::spez::*;
    use super::*;

    #[derive(Debug)]
    struct Mapped;
    impl fmt::Display for Mapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("rate limited")
        }
    }
    impl ErrorType for Mapped {
        fn error_type(&self) -> Cow<'static, str> {
            "429".into()
        }
    }
    struct Opaque;

    #[test]
    fn dispatch_picks_the_most_specific_arm() {
        let r: Result<(), Mapped> = Err(Mapped);
        let e = (&&&&Probe(&r)).__genai_o11y_error().unwrap();
        assert_eq!(e.error_type, "429");
        assert_eq!(e.message.as_deref(), Some("rate limited"));
        assert!(e.exception_type.ends_with("Mapped"));

        let r: Result<(), String> = Err("boom".into());
        let e = (&&&&Probe(&r)).__genai_o11y_error().unwrap();
        assert_eq!(e.error_type, "alloc::string::String");
        assert_eq!(e.message.as_deref(), Some("boom"));

        let r: Result<(), Opaque> = Err(Opaque);
        let e = (&&&&Probe(&r)).__genai_o11y_error().unwrap();
        assert!(e.error_type.ends_with("Opaque"));
        assert_eq!(e.message, None);

        let r: Result<(), String> = Ok(());
        assert_eq!((&&&&Probe(&r)).__genai_o11y_error(), None);
        assert_eq!((&&&&Probe(&5u32)).__genai_o11y_error(), None);
    }

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

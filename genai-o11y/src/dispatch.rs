//! Type-based dispatch for the generated code (autoref specialization): what is the error, the
//! success value, the usage, the JSON of a returned value? The most specific arm that applies to
//! the value's type wins. Method resolution happens where the concrete type is known, so type
//! aliases (`anyhow::Result<T>`, `io::Result<T>`) are seen through.
//!
//! The probe types, the trait ladders and the reference depths are this module's business only:
//! the generated code invokes the `macro_rules!` at the end (through `__private`), one per
//! question, and never names a trait.

use std::fmt;

use serde::Serialize;
use serde_json::Value as Json;

use crate::capture::to_json;
use crate::error::{ErrorInfo, ErrorType};
use crate::usage::{HasUsage, ReportsUsage};

/// A borrowed value under dispatch.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

// ---- error: Result<T, E: ErrorType> > Result<T, E: a type-erased error> > Result<T, E: Display>
// > any Result > not a Result.

pub trait ErrorViaErrorType {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
}
impl<T, E: ErrorType> ErrorViaErrorType for &&&&Probe<'_, Result<T, E>> {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
        self.0.as_ref().err().map(ErrorInfo::from_error_type)
    }
}
pub trait ErrorViaChain {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
}
impl<T, E: AsRef<dyn std::error::Error + Send + Sync + 'static> + fmt::Display> ErrorViaChain for &&&Probe<'_, Result<T, E>> {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
        self.0.as_ref().err().map(|e| ErrorInfo::from_chain(e))
    }
}
pub trait ErrorViaDisplay {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
}
impl<T, E: fmt::Display> ErrorViaDisplay for &&Probe<'_, Result<T, E>> {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
        self.0.as_ref().err().map(ErrorInfo::from_display)
    }
}
pub trait ErrorViaResult {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
}
impl<T, E> ErrorViaResult for &Probe<'_, Result<T, E>> {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
        self.0.as_ref().err().map(|_| ErrorInfo::opaque::<E>())
    }
}
pub trait ErrorNone {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo>;
}
impl<T: ?Sized> ErrorNone for Probe<'_, T> {
    fn __genai_o11y_error(&self) -> Option<ErrorInfo> {
        None
    }
}

// ---- the success value: `&T` of `Ok(T)`, or the value itself.

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

// ---- optional usage (operations that need not report it): read it where the type reports it.

pub trait UsageSome<'a> {
    fn __genai_o11y_usage(&self) -> Option<&'a dyn HasUsage>;
}
impl<'a, T: ReportsUsage + ?Sized> UsageSome<'a> for &Probe<'a, T> {
    fn __genai_o11y_usage(&self) -> Option<&'a dyn HasUsage> {
        self.0.usage_source()
    }
}
pub trait UsageNone<'a> {
    fn __genai_o11y_usage(&self) -> Option<&'a dyn HasUsage>;
}
impl<'a, T: ?Sized> UsageNone<'a> for Probe<'a, T> {
    fn __genai_o11y_usage(&self) -> Option<&'a dyn HasUsage> {
        None
    }
}

// ---- optional record count (memory operations): read it where the type says.

pub trait RecordCountSome {
    fn __genai_o11y_record_count(&self) -> Option<u64>;
}
impl<T: crate::records::ReportsRecordCount + ?Sized> RecordCountSome for &Probe<'_, T> {
    fn __genai_o11y_record_count(&self) -> Option<u64> {
        self.0.reported_record_count()
    }
}
pub trait RecordCountNone {
    fn __genai_o11y_record_count(&self) -> Option<u64>;
}
impl<T: ?Sized> RecordCountNone for Probe<'_, T> {
    fn __genai_o11y_record_count(&self) -> Option<u64> {
        None
    }
}

// ---- optional exit code (command tools): read it where the type says.

pub trait ExitCodeSome {
    fn __genai_o11y_exit_code(&self) -> Option<i64>;
}
impl<T: crate::skills::ReportsExitCode + ?Sized> ExitCodeSome for &Probe<'_, T> {
    fn __genai_o11y_exit_code(&self) -> Option<i64> {
        self.0.reported_exit_code()
    }
}
pub trait ExitCodeNone {
    fn __genai_o11y_exit_code(&self) -> Option<i64>;
}
impl<T: ?Sized> ExitCodeNone for Probe<'_, T> {
    fn __genai_o11y_exit_code(&self) -> Option<i64> {
        None
    }
}

// ---- JSON of a value that may or may not be serializable (tool arguments).

pub trait JsonSome {
    fn __genai_o11y_json(&self) -> Option<Json>;
}
impl<T: Serialize + ?Sized> JsonSome for &Probe<'_, T> {
    fn __genai_o11y_json(&self) -> Option<Json> {
        to_json(self.0)
    }
}
pub trait JsonNone {
    fn __genai_o11y_json(&self) -> Option<Json>;
}
impl<T: ?Sized> JsonNone for Probe<'_, T> {
    fn __genai_o11y_json(&self) -> Option<Json> {
        None
    }
}

// ---- JSON of a success value (tool results): Ok(T: Serialize) > Result > T: Serialize > none.

pub trait OkJsonSome {
    fn __genai_o11y_ok_json(&self) -> Option<Json>;
}
impl<T: Serialize, E> OkJsonSome for &&&Probe<'_, Result<T, E>> {
    fn __genai_o11y_ok_json(&self) -> Option<Json> {
        self.0.as_ref().ok().and_then(to_json)
    }
}
pub trait OkJsonResult {
    fn __genai_o11y_ok_json(&self) -> Option<Json>;
}
impl<T, E> OkJsonResult for &&Probe<'_, Result<T, E>> {
    fn __genai_o11y_ok_json(&self) -> Option<Json> {
        None
    }
}
pub trait ValueJsonSome {
    fn __genai_o11y_ok_json(&self) -> Option<Json>;
}
impl<T: Serialize + ?Sized> ValueJsonSome for &Probe<'_, T> {
    fn __genai_o11y_ok_json(&self) -> Option<Json> {
        to_json(self.0)
    }
}
pub trait OkJsonNone {
    fn __genai_o11y_ok_json(&self) -> Option<Json>;
}
impl<T: ?Sized> OkJsonNone for Probe<'_, T> {
    fn __genai_o11y_ok_json(&self) -> Option<Json> {
        None
    }
}

// ---- sync functions whose return type is a future the macro cannot see.

/// What a sync function returns, for the check that it is not a future.
pub struct ReturnProbe<T: ?Sized>(pub std::marker::PhantomData<T>);

/// The check passed: the return type is not a future.
pub struct NotAFuture;

/// The check failed: `this type is a future`.
pub struct ReturnsAFuture;

pub trait ReturnIsFuture {
    fn __genai_o11y_check(&self) -> ReturnsAFuture;
}
impl<T: core::future::Future + ?Sized> ReturnIsFuture for &ReturnProbe<T> {
    fn __genai_o11y_check(&self) -> ReturnsAFuture {
        ReturnsAFuture
    }
}
pub trait ReturnIsValue {
    fn __genai_o11y_check(&self) -> NotAFuture;
}
impl<T: ?Sized> ReturnIsValue for ReturnProbe<T> {
    fn __genai_o11y_check(&self) -> NotAFuture {
        NotAFuture
    }
}

/// Implemented only by [`NotAFuture`]: a sync function that returns a future type fails here,
/// with the fix in the message.
#[diagnostic::on_unimplemented(
    message = "this function returns a future that genai-o11y cannot see through (a type alias or a custom future type)",
    label = "returns a future",
    note = "write `async fn`, or spell the return type `impl Future<Output = T>` or `Pin<Box<dyn Future<Output = T> + Send>>`, so that the span covers the awaited call"
)]
pub trait SyncReturn {}
impl SyncReturn for NotAFuture {}

/// Compile-time check of a sync function's return type (see [`SyncReturn`]).
#[inline(always)]
pub fn sync_return<T: SyncReturn>(_: T) {}

// ---- streams behind a type alias.

/// A boxed `dyn Stream`, as client crates' stream aliases are (async-openai's
/// `ChatCompletionResponseStream` is `Pin<Box<dyn Stream<Item = Result<Chunk, OpenAIError>> + Send>>`):
/// the macro reads the item type of such an alias through this trait.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a boxed stream (`Pin<Box<dyn Stream<Item = ..> + Send>>`), which the stream aliases of client crates are",
    label = "genai-o11y takes this name for a client crate's stream alias",
    note = "spell the return type `impl Stream<Item = T> + Send`, or `futures::stream::BoxStream<'static, T>`"
)]
pub trait BoxedStream {
    /// The stream's item.
    type Item;
}
impl<'a, T> BoxedStream for std::pin::Pin<Box<dyn futures_core::Stream<Item = T> + Send + 'a>> {
    type Item = T;
}
impl<'a, T> BoxedStream for std::pin::Pin<Box<dyn futures_core::Stream<Item = T> + Send + Sync + 'a>> {
    type Item = T;
}
impl<'a, T> BoxedStream for std::pin::Pin<Box<dyn futures_core::Stream<Item = T> + 'a>> {
    type Item = T;
}

/// The check passed: the return type is not a stream the macro did not see.
pub struct NotAStream;

/// The check failed: the return type (or its `Ok`) is a stream of `Item` behind a type alias or
/// a type of its own.
pub struct StreamOf<Item>(std::marker::PhantomData<Item>);

pub trait ReturnIsStreamInResult<I> {
    fn __genai_o11y_stream_check(&self) -> StreamOf<I>;
}
impl<S: futures_core::Stream, E> ReturnIsStreamInResult<S::Item> for &&ReturnProbe<Result<S, E>> {
    fn __genai_o11y_stream_check(&self) -> StreamOf<S::Item> {
        StreamOf(std::marker::PhantomData)
    }
}
pub trait ReturnIsStream<I> {
    fn __genai_o11y_stream_check(&self) -> StreamOf<I>;
}
impl<S: futures_core::Stream + ?Sized> ReturnIsStream<S::Item> for &ReturnProbe<S> {
    fn __genai_o11y_stream_check(&self) -> StreamOf<S::Item> {
        StreamOf(std::marker::PhantomData)
    }
}
pub trait ReturnIsNoStream {
    fn __genai_o11y_stream_check(&self) -> NotAStream;
}
impl<T: ?Sized> ReturnIsNoStream for ReturnProbe<T> {
    fn __genai_o11y_stream_check(&self) -> NotAStream {
        NotAStream
    }
}

/// Implemented only by [`NotAStream`]: a function whose return type is a stream the macro cannot
/// see (an alias of the application's own, a stream type of its own) fails here, with the fix.
#[diagnostic::on_unimplemented(
    message = "this function returns a stream that genai-o11y cannot see through (a type alias or a stream type of your own): `{Self}`",
    label = "returns a stream",
    note = "spell the return type `impl Stream<Item = T> + Send` (or `Result<impl Stream<Item = T> + Send, E>`), or `futures::stream::BoxStream<'static, T>`, with T the item in `StreamOf<..>` above, so that the span covers the whole stream and reads its chunks (the error below, about token usage, goes away with it)"
)]
pub trait SeenStream {}
impl SeenStream for NotAStream {}

/// Compile-time check that a return type is not a stream behind an alias (see [`SeenStream`]).
#[inline(always)]
pub fn seen_stream<T: SeenStream>(_: T) {}

/// The error of a returned value: `Option<ErrorInfo>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_error_of {
    ($out:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{ErrorNone as _, ErrorViaChain as _, ErrorViaDisplay as _, ErrorViaErrorType as _, ErrorViaResult as _};
        (&&&&&$crate::__private::dispatch::Probe($out)).__genai_o11y_error()
    }};
}

/// The success value of a returned value: `Option<&T>` (`Ok` of a `Result`, else the value).
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_ok_of {
    ($out:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{OkOfResult as _, OkOfValue as _};
        (&&$crate::__private::dispatch::Probe($out)).__genai_o11y_ok()
    }};
}

/// The usage of a returned value whose type may not report any: `Option<&dyn HasUsage>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_optional_usage_of {
    ($out:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{UsageNone as _, UsageSome as _};
        (&&$crate::__private::dispatch::Probe($out)).__genai_o11y_usage()
    }};
}

/// The memory records a returned value says an operation touched: `Option<u64>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_record_count_of {
    ($out:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{RecordCountNone as _, RecordCountSome as _};
        (&&$crate::__private::dispatch::Probe($out)).__genai_o11y_record_count()
    }};
}

/// The exit code a command tool's returned value carries: `Option<i64>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_exit_code_of {
    ($out:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{ExitCodeNone as _, ExitCodeSome as _};
        (&&$crate::__private::dispatch::Probe($out)).__genai_o11y_exit_code()
    }};
}

/// The JSON of a value, if it is serializable: `Option<serde_json::Value>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_json_of {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{JsonNone as _, JsonSome as _};
        (&&$crate::__private::dispatch::Probe($value)).__genai_o11y_json()
    }};
}

/// The JSON of the success value of a returned value, if serializable.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_ok_json_of {
    ($out:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{OkJsonNone as _, OkJsonResult as _, OkJsonSome as _, ValueJsonSome as _};
        (&&&&$crate::__private::dispatch::Probe($out)).__genai_o11y_ok_json()
    }};
}

/// Fails to compile, with the fix, when the type `$ty` is a future.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_check_sync_return {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{ReturnIsFuture as _, ReturnIsValue as _};
        $crate::__private::dispatch::sync_return((&&$crate::__private::dispatch::ReturnProbe::<$ty>(::core::marker::PhantomData)).__genai_o11y_check());
    }};
}

/// Fails to compile, with the fix, when the type `$ty` (or its `Ok`) is a stream.
#[doc(hidden)]
#[macro_export]
macro_rules! __genai_o11y_check_not_stream {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::dispatch::{ReturnIsNoStream as _, ReturnIsStream as _, ReturnIsStreamInResult as _};
        $crate::__private::dispatch::seen_stream((&&&$crate::__private::dispatch::ReturnProbe::<$ty>(::core::marker::PhantomData)).__genai_o11y_stream_check());
    }};
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

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
    fn error_dispatch_picks_the_most_specific_arm() {
        let r: Result<(), Mapped> = Err(Mapped);
        let e = crate::__genai_o11y_error_of!(&r).unwrap();
        assert_eq!(e.error_type, "429");
        assert_eq!(e.message.as_deref(), Some("rate limited"));
        assert!(e.exception_type.ends_with("Mapped"));

        let r: Result<(), String> = Err("boom".into());
        let e = crate::__genai_o11y_error_of!(&r).unwrap();
        assert_eq!(e.error_type, "alloc::string::String");
        assert_eq!(e.message.as_deref(), Some("boom"));

        let r: Result<(), Opaque> = Err(Opaque);
        let e = crate::__genai_o11y_error_of!(&r).unwrap();
        assert!(e.error_type.ends_with("Opaque"));
        assert_eq!(e.message, None);

        // A type-erased error: the first error of a known type in its chain.
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "slow upstream");
        let r: Result<(), Box<dyn std::error::Error + Send + Sync>> = Err(Box::new(io));
        let e = crate::__genai_o11y_error_of!(&r).unwrap();
        assert_eq!(e.error_type, "timed_out");
        assert_eq!(e.exception_type, "std::io::error::Error");
        let r: Result<(), Box<dyn std::error::Error + Send + Sync>> = Err("no type to find".into());
        let e = crate::__genai_o11y_error_of!(&r).unwrap();
        assert!(e.error_type.starts_with("alloc::boxed::Box<dyn core::error::Error"), "{}", e.error_type);

        let r: Result<(), String> = Ok(());
        assert_eq!(crate::__genai_o11y_error_of!(&r), None);
        assert_eq!(crate::__genai_o11y_error_of!(&5u32), None);
    }

    #[test]
    fn ok_and_json_dispatch() {
        let r: Result<u32, Opaque> = Ok(3);
        assert_eq!(crate::__genai_o11y_ok_of!(&r), Some(&3));
        assert_eq!(crate::__genai_o11y_ok_of!(&4u8), Some(&4));
        assert_eq!(crate::__genai_o11y_json_of!(&"x"), Some(Json::from("x")));
        assert_eq!(crate::__genai_o11y_json_of!(&Opaque), None);
        assert_eq!(crate::__genai_o11y_ok_json_of!(&r), Some(Json::from(3)));
        let r: Result<Opaque, String> = Ok(Opaque);
        assert_eq!(crate::__genai_o11y_ok_json_of!(&r), None);
        assert_eq!(crate::__genai_o11y_ok_json_of!(&7u8), Some(Json::from(7)));
        assert_eq!(crate::__genai_o11y_ok_json_of!(&Opaque), None);
        assert!(crate::__genai_o11y_optional_usage_of!(&crate::Usage::new().input(1)).is_some());
        assert!(crate::__genai_o11y_optional_usage_of!(&Opaque).is_none());
        crate::__genai_o11y_check_sync_return!(u32);
    }
}

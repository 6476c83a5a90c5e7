//! Conversions for the values given to the annotations (`temperature = req.temperature`, ...).
//! Each accepts the natural Rust types and an `Option` of them (`None` = not set).

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::StringValue;

/// A floating-point request parameter (`temperature`, `top_p`, penalties).
#[diagnostic::on_unimplemented(message = "`{Self}` is not a floating-point parameter", label = "expected `f32`, `f64`, or an `Option` of one")]
pub trait FloatParam {
    /// The value, if set.
    fn into_f64(self) -> Option<f64>;
}
impl FloatParam for f64 {
    fn into_f64(self) -> Option<f64> {
        Some(self)
    }
}
impl FloatParam for f32 {
    fn into_f64(self) -> Option<f64> {
        // Through the shortest decimal form, so 0.7f32 is recorded as 0.7, not 0.699999988079071.
        self.to_string().parse().ok()
    }
}
impl<T: FloatParam> FloatParam for Option<T> {
    fn into_f64(self) -> Option<f64> {
        self.and_then(FloatParam::into_f64)
    }
}
impl<T: FloatParam + Copy> FloatParam for &T {
    fn into_f64(self) -> Option<f64> {
        (*self).into_f64()
    }
}

/// An integer request parameter (`max_tokens`, `seed`, `top_k`, `choice_count`, `server_port`).
#[diagnostic::on_unimplemented(message = "`{Self}` is not an integer parameter", label = "expected an integer type, or an `Option` of one")]
pub trait IntParam {
    /// The value, if set (values above `i64::MAX` saturate).
    fn into_i64(self) -> Option<i64>;
}
macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl IntParam for $t {
            fn into_i64(self) -> Option<i64> { Some(i64::try_from(self).unwrap_or(i64::MAX)) }
        }
    )*};
}
int_param!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, u128, i128);
impl<T: IntParam> IntParam for Option<T> {
    fn into_i64(self) -> Option<i64> {
        self.and_then(IntParam::into_i64)
    }
}
impl<T: IntParam + Copy> IntParam for &T {
    fn into_i64(self) -> Option<i64> {
        (*self).into_i64()
    }
}

/// A boolean parameter.
#[diagnostic::on_unimplemented(message = "`{Self}` is not a boolean parameter", label = "expected `bool` or `Option<bool>`")]
pub trait BoolParam {
    /// The value, if set.
    fn into_bool(self) -> Option<bool>;
}
impl BoolParam for bool {
    fn into_bool(self) -> Option<bool> {
        Some(self)
    }
}
impl BoolParam for Option<bool> {
    fn into_bool(self) -> Option<bool> {
        self
    }
}
impl BoolParam for &bool {
    fn into_bool(self) -> Option<bool> {
        Some(*self)
    }
}

/// A text parameter (`model`, `provider`, `conversation_id`, `server_address`, ...).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a text parameter",
    label = "expected `&str`, `String`, `Cow<str>`, `Arc<str>`, or an `Option` of one"
)]
pub trait TextParam {
    /// The value, if set.
    fn into_text(self) -> Option<StringValue>;
}
// Owned text is reference-counted: one allocation here, and every later copy (span field,
// metric attributes) is a reference-count increment.
impl TextParam for &str {
    fn into_text(self) -> Option<StringValue> {
        Some(StringValue::from(Arc::<str>::from(self)))
    }
}
impl TextParam for String {
    fn into_text(self) -> Option<StringValue> {
        Some(StringValue::from(Arc::<str>::from(self)))
    }
}
impl TextParam for &String {
    fn into_text(self) -> Option<StringValue> {
        Some(StringValue::from(Arc::<str>::from(self.as_str())))
    }
}
impl TextParam for Cow<'static, str> {
    fn into_text(self) -> Option<StringValue> {
        Some(match self {
            Cow::Borrowed(s) => StringValue::from(s),
            Cow::Owned(s) => StringValue::from(Arc::<str>::from(s)),
        })
    }
}
impl TextParam for Arc<str> {
    fn into_text(self) -> Option<StringValue> {
        Some(StringValue::from(self))
    }
}
impl TextParam for StringValue {
    fn into_text(self) -> Option<StringValue> {
        Some(self)
    }
}
impl TextParam for Static {
    fn into_text(self) -> Option<StringValue> {
        Some(StringValue::from(self.0))
    }
}
impl<T: TextParam> TextParam for Option<T> {
    fn into_text(self) -> Option<StringValue> {
        self.and_then(TextParam::into_text)
    }
}
impl<'a, T> TextParam for &'a Option<T>
where
    &'a T: TextParam,
{
    fn into_text(self) -> Option<StringValue> {
        self.as_ref().and_then(TextParam::into_text)
    }
}

/// A `&'static str` that is not copied (the macros wrap string literals in it).
#[derive(Clone, Copy, Debug)]
pub struct Static(pub &'static str);

/// A list of strings (`stop_sequences`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of strings",
    label = "expected a `Vec`, slice or array of `String`/`&str`, or an `Option` of one"
)]
pub trait TextListParam {
    /// The values, if set.
    fn into_texts(self) -> Option<Vec<StringValue>>;
}
fn texts<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<StringValue> {
    items.into_iter().map(|s| StringValue::from(s.as_ref().to_owned())).collect()
}
impl<S: AsRef<str>> TextListParam for Vec<S> {
    fn into_texts(self) -> Option<Vec<StringValue>> {
        Some(texts(self))
    }
}
impl<S: AsRef<str>> TextListParam for &Vec<S> {
    fn into_texts(self) -> Option<Vec<StringValue>> {
        Some(texts(self))
    }
}
impl<S: AsRef<str>> TextListParam for &[S] {
    fn into_texts(self) -> Option<Vec<StringValue>> {
        Some(texts(self))
    }
}
impl<S: AsRef<str>, const N: usize> TextListParam for [S; N] {
    fn into_texts(self) -> Option<Vec<StringValue>> {
        Some(texts(self))
    }
}
impl<S: AsRef<str>, const N: usize> TextListParam for &[S; N] {
    fn into_texts(self) -> Option<Vec<StringValue>> {
        Some(texts(self))
    }
}
impl<T: TextListParam> TextListParam for Option<T> {
    fn into_texts(self) -> Option<Vec<StringValue>> {
        self.and_then(TextListParam::into_texts)
    }
}
impl<'a, T> TextListParam for &'a Option<T>
where
    &'a T: TextListParam,
{
    fn into_texts(self) -> Option<Vec<StringValue>> {
        self.as_ref().and_then(TextListParam::into_texts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(0.7f32.into_f64(), Some(0.7));
        assert_eq!(Some(0.2f64).into_f64(), Some(0.2));
        assert_eq!(None::<f32>.into_f64(), None);
        assert_eq!(u64::MAX.into_i64(), Some(i64::MAX));
        assert_eq!(Some(7u16).into_i64(), Some(7));
        assert_eq!((&3usize).into_i64(), Some(3));
        assert_eq!("a".into_text().unwrap().as_str(), "a");
        let o: Option<String> = Some("m".into());
        assert_eq!((&o).into_text().unwrap().as_str(), "m");
        assert_eq!(None::<String>.into_text(), None);
        let v = vec!["a".to_string(), "b".to_string()];
        assert_eq!((&v).into_texts().unwrap().len(), 2);
        assert_eq!(["x"].into_texts().unwrap()[0].as_str(), "x");
        assert_eq!(Some(true).into_bool(), Some(true));
    }
}

/// The value of an extra span attribute (`fields(key = value)`, [`GenAiSpanBuilder::attribute`](crate::GenAiSpanBuilder::attribute)):
/// text (borrowed text is copied), a number, a boolean, an OpenTelemetry `Value`, or an `Option`
/// of one (`None` = not set).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a span attribute value",
    label = "expected text, an integer, a float, a `bool`, an `opentelemetry::Value`, or an `Option` of one"
)]
pub trait FieldValue {
    /// The value, if set.
    fn into_value(self) -> Option<opentelemetry::Value>;
}
impl FieldValue for &str {
    fn into_value(self) -> Option<opentelemetry::Value> {
        Some(opentelemetry::Value::String(self.to_owned().into()))
    }
}
impl FieldValue for &String {
    fn into_value(self) -> Option<opentelemetry::Value> {
        self.as_str().into_value()
    }
}
macro_rules! field_value_into {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            fn into_value(self) -> Option<opentelemetry::Value> { Some(self.into()) }
        }
    )*};
}
field_value_into!(String, Cow<'static, str>, Arc<str>, StringValue, opentelemetry::Value, bool, i64, f64);
macro_rules! field_value_int {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            fn into_value(self) -> Option<opentelemetry::Value> { self.into_i64().map(Into::into) }
        }
    )*};
}
field_value_int!(u8, u16, u32, u64, usize, i8, i16, i32, isize);
impl FieldValue for f32 {
    fn into_value(self) -> Option<opentelemetry::Value> {
        self.into_f64().map(Into::into)
    }
}
impl<T: FieldValue> FieldValue for Option<T> {
    fn into_value(self) -> Option<opentelemetry::Value> {
        self.and_then(FieldValue::into_value)
    }
}
impl FieldValue for Static {
    fn into_value(self) -> Option<opentelemetry::Value> {
        Some(opentelemetry::Value::String(self.0.into()))
    }
}

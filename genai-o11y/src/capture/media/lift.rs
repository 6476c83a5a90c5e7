//! Serializing captured content without copying its media: a `serde` serializer that builds the
//! JSON value of a borrowed request like `serde_json::to_value`, except that each long base64
//! string (a base64 data URL, or the bare base64 under a `data` / `file_data` key: Anthropic's
//! and Gemini's sources, OpenAI's `input_audio`, `audio` and `file`) is hashed where it lies and
//! replaced by a short placeholder. The bytes are copied only when an uploader is configured and
//! its queue has room for them.
//!
//! Normalization then runs on the small value as usual and puts each placeholder in a `blob`
//! part's `content`; [`super::externalize`] turns those parts into references. A placeholder that
//! normalization put anywhere else (bare base64 that was not media after all, kept as text) makes
//! the caller serialize the value again the plain way, so the recorded content is the same as
//! without this path.

use serde::ser::{self, Serialize};
use serde_json::value::Serializer as Plain;
use serde_json::{Map, Value as Json};

use super::{hash, MediaSink, INLINE_MAX};

/// The placeholder's delimiters: a private-use character, then the tag, the index, the character.
const MARK: char = '\u{E000}';
const TAG: &str = "genai-o11y-media:";

/// A piece of media lifted out of a serialized value.
#[derive(Debug)]
pub(crate) struct Lifted {
    pub(crate) id: String,
    /// Decoded size in bytes (from the base64 length).
    pub(crate) size: u64,
    /// The base64 text, copied only for an uploader with room for it.
    pub(crate) base64: Option<String>,
    /// Given to the sink already (a placeholder the redaction hook copied is met twice).
    pub(crate) handed_over: bool,
}

/// The pieces lifted from one value, in the order of their placeholders' indexes.
pub(crate) type LiftedMedia = Vec<Lifted>;

fn placeholder(i: usize) -> String {
    format!("{MARK}{TAG}{i}{MARK}")
}

/// The index of a placeholder that is the whole of `s`.
pub(crate) fn placeholder_index(s: &str) -> Option<usize> {
    s.strip_prefix(MARK)?.strip_prefix(TAG)?.strip_suffix(MARK)?.parse().ok()
}

/// Does `s` hold a placeholder anywhere?
pub(crate) fn holds_placeholder(s: &str) -> bool {
    s.len() >= TAG.len() + 2 && s.contains(MARK) && s.contains(TAG)
}

/// A data URL whose data is a placeholder: `data:<mime>;base64,<placeholder>` → its index.
pub(crate) fn data_url_placeholder(s: &str) -> Option<usize> {
    let (_, data) = crate::capture::normalize::data_url(s)?;
    placeholder_index(data)
}

/// Every placeholder of `s` replaced by what `f` gives for its index (a whole data URL around a
/// placeholder is replaced as one).
pub(crate) fn replace_placeholders(s: &str, mut f: impl FnMut(usize) -> String) -> String {
    if let Some(i) = data_url_placeholder(s) {
        return f(i);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let open = format!("{MARK}{TAG}");
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let Some(end) = after.find(MARK) else { break };
        match after[..end].parse::<usize>() {
            Ok(i) => {
                out.push_str(&rest[..at]);
                out.push_str(&f(i));
            }
            Err(_) => out.push_str(&rest[..at + open.len() + end + MARK.len_utf8()]),
        }
        rest = &after[end + MARK.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// Serializes `value` to JSON, lifting its long base64 strings out (see the module docs). `None`
/// when it cannot be serialized this way (an error, a panic, a type only `serde_json`'s own
/// serializer understands): then serialize it the plain way.
pub(crate) fn to_json_lifting<T: Serialize + ?Sized>(value: &T, sink: Option<&MediaSink>) -> Option<(Json, LiftedMedia)> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut lifted = Vec::new();
        let v = value.serialize(Lifter { lifted: &mut lifted, sink, under_data_key: false }).ok()?;
        Some((v, lifted))
    }))
    .ok()
    .flatten()
}

/// Are the placeholders of a normalized value all where media goes (a `blob` part's `content`,
/// or a whole base64 data URL string, which becomes its reference)?
pub(crate) fn all_placed(v: &Json) -> bool {
    match v {
        Json::Array(items) => items.iter().all(all_placed),
        Json::Object(o) => {
            if o.get("type").and_then(Json::as_str) == Some("blob") {
                if let Some(Json::String(c)) = o.get("content") {
                    if placeholder_index(c).is_some() {
                        return o.iter().filter(|(k, _)| k.as_str() != "content").all(|(_, v)| all_placed(v));
                    }
                }
            }
            o.values().all(all_placed)
        }
        Json::String(s) => !holds_placeholder(s) || data_url_placeholder(s).is_some(),
        _ => true,
    }
}

fn is_data_key(key: &str) -> bool {
    matches!(key, "data" | "file_data")
}

struct Lifter<'a> {
    lifted: &'a mut LiftedMedia,
    sink: Option<&'a MediaSink>,
    /// The value is the one under a `data` or `file_data` key.
    under_data_key: bool,
}

impl<'a> Lifter<'a> {
    fn child(&mut self, under_data_key: bool) -> Lifter<'_> {
        Lifter { lifted: self.lifted, sink: self.sink, under_data_key }
    }

    /// Hashes a piece of base64 in place (and copies it for an uploader with room) and returns
    /// its placeholder.
    fn lift(&mut self, base64: &str) -> String {
        let id = hash::content_id(base64.as_bytes());
        // One plain copy (for large sizes the C library's copy streams past the cache: cheaper
        // than copying piece by piece while hashing).
        let copy = self.sink.filter(|s| s.has_room(base64.len())).map(|_| base64.to_owned());
        self.lifted.push(Lifted { id, size: super::decoded_size(base64), base64: copy, handed_over: false });
        placeholder(self.lifted.len() - 1)
    }
}

type Error = serde_json::Error;

fn key_string<K: Serialize + ?Sized>(key: &K) -> Result<String, Error> {
    match key.serialize(Plain)? {
        Json::String(s) => Ok(s),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        _ => Err(ser::Error::custom("key must be a string")),
    }
}

impl<'a> ser::Serializer for Lifter<'a> {
    type Ok = Json;
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<Json, Error> {
        Ok(Json::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<Json, Error> {
        ser::Serializer::serialize_i128(Plain, v)
    }
    fn serialize_u8(self, v: u8) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Json, Error> {
        Ok(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<Json, Error> {
        ser::Serializer::serialize_u128(Plain, v)
    }
    fn serialize_f32(self, v: f32) -> Result<Json, Error> {
        ser::Serializer::serialize_f32(Plain, v)
    }
    fn serialize_f64(self, v: f64) -> Result<Json, Error> {
        ser::Serializer::serialize_f64(Plain, v)
    }
    fn serialize_char(self, v: char) -> Result<Json, Error> {
        Ok(Json::String(v.to_string()))
    }
    fn serialize_str(mut self, v: &str) -> Result<Json, Error> {
        if v.len() > INLINE_MAX {
            if let Some((mime, data)) = crate::capture::normalize::data_url(v) {
                if data.len() > INLINE_MAX {
                    let p = self.lift(data);
                    return Ok(Json::String(format!("data:{mime};base64,{p}")));
                }
            } else if self.under_data_key {
                return Ok(Json::String(self.lift(v)));
            }
        }
        Ok(Json::String(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, Error> {
        ser::Serializer::serialize_bytes(Plain, v)
    }
    fn serialize_none(self) -> Result<Json, Error> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Json, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, Error> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Json, Error> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Json, Error> {
        Ok(Json::String(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, value: &T) -> Result<Json, Error> {
        if name.starts_with("$serde_json::") {
            return Err(ser::Error::custom("serde_json's own type"));
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(mut self, _name: &'static str, _index: u32, variant: &'static str, value: &T) -> Result<Json, Error> {
        let mut m = Map::new();
        m.insert(variant.to_owned(), value.serialize(self.child(is_data_key(variant)))?);
        Ok(Json::Object(m))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'a>, Error> {
        Ok(Seq { lifted: self.lifted, sink: self.sink, items: Vec::with_capacity(len.unwrap_or(0).min(4096)), variant: None })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(self, _name: &'static str, _index: u32, variant: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        let mut s = self.serialize_seq(Some(len))?;
        s.variant = Some(variant);
        Ok(s)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Object<'a>, Error> {
        Ok(Object { lifted: self.lifted, sink: self.sink, map: Map::new(), key: None, variant: None })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Object<'a>, Error> {
        // serde_json's raw values and arbitrary-precision numbers: its own serializer only.
        if name.starts_with("$serde_json::") {
            return Err(ser::Error::custom("serde_json's own type"));
        }
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(self, _name: &'static str, _index: u32, variant: &'static str, _len: usize) -> Result<Object<'a>, Error> {
        let mut o = self.serialize_map(None)?;
        o.variant = Some(variant);
        Ok(o)
    }
}

/// An enum variant's content goes under the variant's name, as serde_json does.
fn in_variant(variant: Option<&'static str>, v: Json) -> Json {
    match variant {
        Some(name) => Json::Object(Map::from_iter([(name.to_owned(), v)])),
        None => v,
    }
}

struct Seq<'a> {
    lifted: &'a mut LiftedMedia,
    sink: Option<&'a MediaSink>,
    items: Vec<Json>,
    variant: Option<&'static str>,
}

impl Seq<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let v = value.serialize(Lifter { lifted: self.lifted, sink: self.sink, under_data_key: false })?;
        self.items.push(v);
        Ok(())
    }
    fn done(self) -> Result<Json, Error> {
        Ok(in_variant(self.variant, Json::Array(self.items)))
    }
}

/// The sequence serializers: each element is pushed, the end makes the array.
macro_rules! sequences {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Seq<'_> {
            type Ok = Json;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.push(value)
            }
            fn end(self) -> Result<Json, Error> {
                self.done()
            }
        }
    )*};
}
sequences!(SerializeSeq::serialize_element, SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field, SerializeTupleVariant::serialize_field);

struct Object<'a> {
    lifted: &'a mut LiftedMedia,
    sink: Option<&'a MediaSink>,
    map: Map<String, Json>,
    key: Option<String>,
    variant: Option<&'static str>,
}

impl Object<'_> {
    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), Error> {
        let v = value.serialize(Lifter { lifted: self.lifted, sink: self.sink, under_data_key: is_data_key(&key) })?;
        self.map.insert(key, v);
        Ok(())
    }
    fn done(self) -> Result<Json, Error> {
        Ok(in_variant(self.variant, Json::Object(self.map)))
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = Json;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key_string(key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self.key.take().ok_or_else(|| <Error as ser::Error>::custom("a value without its key"))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Json, Error> {
        self.done()
    }
}

/// The struct serializers: each field is inserted under its name.
macro_rules! structs {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Object<'_> {
            type Ok = Json;
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
                self.insert(key.to_owned(), value)
            }
            fn end(self) -> Result<Json, Error> {
                self.done()
            }
        }
    )*};
}
structs!(SerializeStruct, SerializeStructVariant);

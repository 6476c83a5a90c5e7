//! Retrieved documents: what a retrieval (`#[genai_retrieval]`) returned, read from its return
//! value through [`HasDocuments`], as `gen_ai.retrieval.documents` (`[{"id", "score"}]`, content
//! capture) and a count on the span.

use std::borrow::Cow;
use std::sync::Arc;

/// One retrieved document: its id and its relevance score, each if known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RetrievedDocument {
    /// The document's id in its data source.
    pub id: Option<String>,
    /// Its relevance score (finite values only).
    pub score: Option<f64>,
}

impl RetrievedDocument {
    /// A document with this id.
    pub fn new(id: impl Into<String>) -> Self {
        RetrievedDocument { id: Some(id.into()), score: None }
    }
    /// With this score.
    pub fn score(mut self, score: f64) -> Self {
        self.score = score.is_finite().then_some(score);
        self
    }
    /// The conventions' JSON shape: `{"id": .., "score": ..}` with the known fields.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if let Some(id) = &self.id {
            m.insert("id".into(), serde_json::Value::String(id.clone()));
        }
        if let Some(n) = self.score.and_then(serde_json::Number::from_f64) {
            m.insert("score".into(), serde_json::Value::Number(n));
        }
        serde_json::Value::Object(m)
    }
}

/// One item of a retrieval's result. Derive it with `#[derive(genai_o11y::Document)]` (fields
/// named `id` and `score`, or marked `#[document(id)]` / `#[document(score)]`), or implement it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a retrieved document (it does not implement `genai_o11y::Document`)",
    label = "expected an item that implements `genai_o11y::Document`",
    note = "derive it: `#[derive(genai_o11y::Document)]` reads the fields `id` and `score` (or the ones marked `#[document(id)]` / `#[document(score)]`)"
)]
pub trait Document {
    /// The document's id, if it has one.
    fn document_id(&self) -> Option<Cow<'_, str>>;
    /// Its relevance score, if known.
    fn document_score(&self) -> Option<f64>;
}

impl Document for RetrievedDocument {
    fn document_id(&self) -> Option<Cow<'_, str>> {
        self.id.as_deref().map(Cow::Borrowed)
    }
    fn document_score(&self) -> Option<f64> {
        self.score
    }
}

/// `(id, score)` pairs.
impl<S: AsRef<str>> Document for (S, f64) {
    fn document_id(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.0.as_ref()))
    }
    fn document_score(&self) -> Option<f64> {
        Some(self.1)
    }
}

/// A collection of retrieved documents: `Vec<T>`, `[T]`, `Box<[T]>`, `Arc<[T]>` of
/// [`Document`]s, and references and `Option`s of those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` reports no retrieved documents (it does not implement `genai_o11y::HasDocuments`)",
    label = "expected a collection of `genai_o11y::Document`s",
    note = "return a `Vec` of a type with `#[derive(genai_o11y::Document)]`, or pass `documents = |r| ...` returning `Vec<genai_o11y::RetrievedDocument>`"
)]
pub trait HasDocuments {
    /// The documents, in order.
    fn documents(&self) -> Vec<RetrievedDocument>;
}

fn collect<T: Document>(items: &[T]) -> Vec<RetrievedDocument> {
    items.iter().map(|d| RetrievedDocument { id: d.document_id().map(Cow::into_owned), score: d.document_score().filter(|s| s.is_finite()) }).collect()
}

impl<T: Document> HasDocuments for [T] {
    fn documents(&self) -> Vec<RetrievedDocument> {
        collect(self)
    }
}
impl<T: Document> HasDocuments for Vec<T> {
    fn documents(&self) -> Vec<RetrievedDocument> {
        collect(self)
    }
}
impl<T: Document> HasDocuments for Box<[T]> {
    fn documents(&self) -> Vec<RetrievedDocument> {
        collect(self)
    }
}
impl<T: Document> HasDocuments for Arc<[T]> {
    fn documents(&self) -> Vec<RetrievedDocument> {
        collect(self)
    }
}
impl<T: HasDocuments + ?Sized> HasDocuments for &T {
    fn documents(&self) -> Vec<RetrievedDocument> {
        (**self).documents()
    }
}
impl<T: HasDocuments> HasDocuments for Option<T> {
    fn documents(&self) -> Vec<RetrievedDocument> {
        self.as_ref().map(HasDocuments::documents).unwrap_or_default()
    }
}

/// The return types a retrieval can read its documents from: any `T: HasDocuments`, and
/// `Result<T, E>` with `T: HasDocuments` (whatever the alias).
#[diagnostic::on_unimplemented(
    message = "`{Self}` reports no retrieved documents, which a retrieval span records",
    label = "this return type reports no retrieved documents",
    note = "fix it in one of three ways:\n  1. return a `Vec` (or slice) of a type with `#[derive(genai_o11y::Document)]` (its `id` and `score` fields);\n  2. pass `documents = |r| ...` to `#[genai_retrieval]`, returning `Vec<genai_o11y::RetrievedDocument>`, to read them from a type you do not own;\n  3. write `documents = none` in `#[genai_retrieval]` to record none on purpose",
    note = "if this function returns a future, write `async fn` or spell the return type `impl Future<Output = T>`"
)]
pub trait ReportsDocuments {
    /// The documents, `None` for an `Err`.
    fn reported_documents(&self) -> Option<Vec<RetrievedDocument>>;
}

impl<T: HasDocuments> ReportsDocuments for T {
    fn reported_documents(&self) -> Option<Vec<RetrievedDocument>> {
        Some(self.documents())
    }
}

impl<T: HasDocuments, E> ReportsDocuments for Result<T, E> {
    fn reported_documents(&self) -> Option<Vec<RetrievedDocument>> {
        self.as_ref().ok().map(HasDocuments::documents)
    }
}

/// A field that holds a document id (text or an integer, or an `Option` of one).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a document id",
    note = "a document id is text (`String`, `&str`, `Arc<str>`, ...) or an integer, or an `Option` of one"
)]
pub trait DocumentIdField {
    /// The id.
    fn document_id(&self) -> Option<Cow<'_, str>>;
}
macro_rules! text_ids {
    ($($t:ty),*) => {$(impl DocumentIdField for $t {
        fn document_id(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(AsRef::<str>::as_ref(self)))
        }
    })*};
}
text_ids!(String, str, Box<str>, Arc<str>, Cow<'_, str>);
macro_rules! int_ids {
    ($($t:ty),*) => {$(impl DocumentIdField for $t {
        fn document_id(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Owned(self.to_string()))
        }
    })*};
}
int_ids!(u32, u64, i32, i64, usize, u128);
impl<T: DocumentIdField + ?Sized> DocumentIdField for &T {
    fn document_id(&self) -> Option<Cow<'_, str>> {
        (**self).document_id()
    }
}
impl<T: DocumentIdField> DocumentIdField for Option<T> {
    fn document_id(&self) -> Option<Cow<'_, str>> {
        self.as_ref().and_then(DocumentIdField::document_id)
    }
}

/// A field that holds a relevance score (`f32`, `f64`, or an `Option` of one).
#[diagnostic::on_unimplemented(message = "`{Self}` is not a relevance score", note = "a score is an `f32` or `f64`, or an `Option` of one")]
pub trait DocumentScoreField {
    /// The score.
    fn document_score(&self) -> Option<f64>;
}
impl DocumentScoreField for f64 {
    fn document_score(&self) -> Option<f64> {
        Some(*self)
    }
}
impl DocumentScoreField for f32 {
    fn document_score(&self) -> Option<f64> {
        Some(f64::from(*self))
    }
}
impl<T: DocumentScoreField> DocumentScoreField for Option<T> {
    fn document_score(&self) -> Option<f64> {
        self.as_ref().and_then(DocumentScoreField::document_score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_of_documents() {
        let v = vec![("a", 0.9), ("b", f64::NAN)];
        assert_eq!(v.documents(), [RetrievedDocument::new("a").score(0.9), RetrievedDocument::new("b")]);
        let r: Result<Vec<RetrievedDocument>, ()> = Ok(vec![RetrievedDocument::new("x")]);
        assert_eq!(r.reported_documents().unwrap().len(), 1);
        let e: Result<Vec<RetrievedDocument>, ()> = Err(());
        assert!(e.reported_documents().is_none());
        assert_eq!(RetrievedDocument::new("x").score(0.5).to_json(), serde_json::json!({"id": "x", "score": 0.5}));
        assert_eq!(RetrievedDocument::default().to_json(), serde_json::json!({}));
        let none: Option<Vec<(String, f64)>> = None;
        assert!(none.documents().is_empty());
    }
}

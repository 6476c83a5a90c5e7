//! HTTP semantic-convention values shared by the server and client spans.

use crate::semconv::http as names;

/// `http.request.method` (`_OTHER` for a method the conventions do not know) and, then, the
/// original.
pub(crate) fn method(m: &http::Method) -> (&'static str, Option<&str>) {
    match names::KNOWN_METHODS.iter().find(|k| **k == m.as_str()) {
        Some(k) => (k, None),
        None => (names::METHOD_OTHER, Some(m.as_str())),
    }
}

pub(crate) fn protocol_version(v: http::Version) -> Option<&'static str> {
    Some(match v {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_and_versions() {
        assert_eq!(method(&http::Method::POST), ("POST", None));
        assert_eq!(method(&http::Method::from_bytes(b"PURGE").unwrap()), ("_OTHER", Some("PURGE")));
        assert_eq!(protocol_version(http::Version::HTTP_11), Some("1.1"));
        assert_eq!(protocol_version(http::Version::HTTP_2), Some("2"));
    }
}

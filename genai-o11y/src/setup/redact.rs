//! Keeping secrets out of messages: URLs lose their credentials and query, headers show their
//! names only, and log lines are scrubbed of the header values and URL secrets in use.

use std::fmt;
use std::sync::Arc;

/// `scheme://user:password@host/path?query#fragment` → `scheme://***@host/path?***`: the
/// userinfo and everything from the query (or fragment) on are replaced.
pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let mut out = String::with_capacity(url.len());
    out.push_str(scheme);
    match authority.rfind('@') {
        Some(at) => {
            out.push_str("***");
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    match tail.find(['?', '#']) {
        Some(q) => {
            out.push_str(&tail[..=q]);
            out.push_str("***");
        }
        None => out.push_str(tail),
    }
    out
}

/// The secret parts of a URL: its userinfo, its query (whole, and each value) and fragment.
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        out.push(userinfo.to_owned());
        out.extend(userinfo.split(':').map(str::to_owned));
    }
    if let Some(i) = rest.find(['?', '#']) {
        let tail = &rest[i + 1..];
        out.push(tail.to_owned());
        for part in tail.split(['&', '#', ';']) {
            out.push(part.to_owned());
            if let Some((_, v)) = part.split_once('=') {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// Headers for `Debug`: the names, each value shown as `"<redacted>"`. A name that is not a
/// header name (perhaps a value passed as the name) is not shown either.
pub(crate) struct RedactedHeaders<'a>(pub &'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(k, _)| (shown_name(k), "<redacted>"))).finish()
    }
}

fn shown_name(k: &str) -> &str {
    if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        k
    } else {
        "<not a header name>"
    }
}

/// A URL for `Debug`, redacted.
pub(crate) struct RedactedUrl<'a>(pub &'a str);

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact_url(self.0), f)
    }
}

/// The secrets of the pipeline (header values, URL credentials and queries), removed from every
/// log line and exporter message.
#[derive(Clone, Default)]
pub(crate) struct Secrets(Arc<Vec<String>>);

/// Shorter strings are not scrubbed: they would mangle ordinary text (`4`, `true`), and they
/// are not credentials.
const MIN_SECRET_LEN: usize = 6;

impl Secrets {
    /// Collects the secrets of `headers` (each value, and the token after an auth scheme like
    /// `Bearer `) and `urls`.
    pub(crate) fn collect<'a>(headers: impl IntoIterator<Item = &'a (String, String)>, urls: impl IntoIterator<Item = &'a str>) -> Self {
        let mut all: Vec<String> = Vec::new();
        for (_, v) in headers {
            all.push(v.clone());
            if let Some((_, token)) = v.trim().split_once(' ') {
                all.push(token.trim().to_owned());
            }
        }
        for u in urls {
            all.extend(url_secrets(u));
        }
        all.retain(|s| s.chars().count() >= MIN_SECRET_LEN);
        // Longest first: a secret containing another is replaced whole.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        all.dedup();
        Secrets(Arc::new(all))
    }

    /// `text` with every secret replaced by `<redacted>`.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in self.0.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "<redacted>");
            }
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_userinfo_and_query() {
        assert_eq!(redact_url("http://u:p@host:4318/v1/traces?api_key=k&x=1"), "http://***@host:4318/v1/traces?***");
        assert_eq!(redact_url("https://host/p#tok"), "https://host/p#***");
        assert_eq!(redact_url("http://host:4318"), "http://host:4318");
        assert_eq!(redact_url("u:p@host?x"), "***@host?***");
        assert_eq!(redact_url("http://host?k=v"), "http://host?***");
    }

    #[test]
    fn headers_show_names_only() {
        let h = vec![("authorization".to_owned(), "Bearer sk-1234".to_owned())];
        assert_eq!(format!("{:?}", RedactedHeaders(&h)), r#"{"authorization": "<redacted>"}"#);
        let h = vec![("Bearer sk-1234".to_owned(), "v".to_owned())];
        assert_eq!(format!("{:?}", RedactedHeaders(&h)), r#"{"<not a header name>": "<redacted>"}"#);
    }

    #[test]
    fn scrubbing() {
        let h = vec![("authorization".to_owned(), "Bearer sk-SECRET".to_owned()), ("v".to_owned(), "4".to_owned())];
        let s = Secrets::collect(&h, ["http://usr:pass-word@h/p?api_key=key-SECRET"]);
        let text = "sent Bearer sk-SECRET and sk-SECRET to http://usr:pass-word@h/p?api_key=key-SECRET (v4)";
        assert_eq!(s.scrub(text), "sent <redacted> and <redacted> to http://<redacted>@h/p?<redacted> (v4)");
    }
}

//! How a call's provider and model name are matched to a price list's entries.
//!
//! Providers: the `gen_ai.provider.name` values of the registry (and the names the price lists
//! use for the same providers) map to one canonical name, [`canonical_provider`]. The Gemini API
//! (`gcp.gemini`) and Vertex AI (`gcp.vertex_ai`) fall back to the prices a list gives for Google
//! as a whole (`gcp.gen_ai`), [`provider_family`].
//!
//! Models: a name is tried as it is, then in these forms, each derived from the previous ones
//! ([`Candidates`]), all by slicing (no allocation on the call path):
//!
//! 1. without a route prefix: the part after the last `/` (`openai/gpt-4o`, `models/gemini-2.5-pro`,
//!    `bedrock/us.anthropic.claude-…`, `azure/<deployment>`, a Bedrock inference-profile ARN);
//! 2. without a Bedrock cross-region inference profile prefix (`us.`, `us-gov.`, `eu.`, `apac.`,
//!    `jp.`, `au.`, `ca.`; not `global.`, which Bedrock prices differently) before a
//!    `vendor.model` id;
//! 3. without a Bedrock version suffix (`-v1:0`, `-v2:0`, `:0`);
//! 4. without a dated snapshot suffix (`-2024-08-06`, `-20241022`, `@20250514`) or `-latest`.
//!
//! Nothing else is stripped: `gpt-4o-mini` is never `gpt-4o`, `gemini-2.5-pro-preview-05-06` is
//! `gemini-2.5-pro` only where the price list says so (genai-prices' `starts_with` rules), and
//! `mistral-large-2411` is not `mistral-large-2512`.

/// The canonical provider name of a `gen_ai.provider.name` value (or of a price list's name for
/// the same provider): `aws.bedrock` for `aws`, `bedrock`, `bedrock_converse`; `azure.ai.openai`
/// for `azure`; `gcp.gen_ai` for `google`; `gcp.gemini` for `gemini`; `gcp.vertex_ai` for
/// `vertex_ai`; `x_ai` for `xai`, `x-ai`; `mistral_ai` for `mistral`. Other names are returned
/// as they are.
pub fn canonical_provider(name: &str) -> &str {
    match name {
        "aws.bedrock" | "aws" | "bedrock" | "bedrock_converse" | "amazon_bedrock" | "amazon-bedrock" => "aws.bedrock",
        "azure.ai.openai" | "azure" | "azure_openai" | "azure-openai" | "az.ai.openai" => "azure.ai.openai",
        "azure.ai.inference" | "azure_ai" => "azure.ai.inference",
        "gcp.gen_ai" | "google" => "gcp.gen_ai",
        "gcp.gemini" | "gemini" | "google_ai_studio" => "gcp.gemini",
        "gcp.vertex_ai" | "vertex_ai" | "vertex" | "google_vertex" => "gcp.vertex_ai",
        "x_ai" | "xai" | "x-ai" => "x_ai",
        "mistral_ai" | "mistral" | "mistralai" => "mistral_ai",
        "ibm.watsonx.ai" | "watsonx" => "ibm.watsonx.ai",
        "cohere" | "cohere_chat" => "cohere",
        "openai" | "text-completion-openai" => "openai",
        // LiteLLM's Vertex AI families: `vertex_ai-language-models`, `vertex_ai-anthropic_models`, ...
        other if other.starts_with("vertex_ai-") => "gcp.vertex_ai",
        other => other,
    }
}

/// The provider whose prices apply when a list has none for this one: Google's for the Gemini
/// API and Vertex AI.
pub(crate) fn provider_family(canonical: &str) -> Option<&'static str> {
    match canonical {
        "gcp.gemini" | "gcp.vertex_ai" => Some("gcp.gen_ai"),
        _ => None,
    }
}

/// The forms of a model name that are looked up, in order (at most 16, distinct).
#[derive(Default)]
pub(crate) struct Candidates<'a> {
    names: [&'a str; 16],
    len: usize,
}

impl<'a> Candidates<'a> {
    pub(crate) fn of(model: &'a str) -> Self {
        let mut c = Candidates::default();
        c.push(model.trim());
        for stage in [strip_route, strip_region, strip_version, strip_date] {
            for i in 0..c.len {
                if let Some(s) = stage(c.names[i]) {
                    c.push(s);
                }
            }
        }
        c
    }

    fn push(&mut self, s: &'a str) {
        if !s.is_empty() && self.len < self.names.len() && !self.names[..self.len].contains(&s) {
            self.names[self.len] = s;
            self.len += 1;
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.names[..self.len].iter().copied()
    }
}

/// `openai/gpt-4o` → `gpt-4o`; `arn:…:inference-profile/us.anthropic.x` → `us.anthropic.x`.
fn strip_route(s: &str) -> Option<&str> {
    s.rsplit_once('/').map(|(_, last)| last)
}

/// The prefixes of Bedrock's geographic cross-region inference profiles.
const BEDROCK_REGIONS: [&str; 7] = ["us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca."];

/// `us.anthropic.claude-…` → `anthropic.claude-…` (only before a `vendor.model` id).
fn strip_region(s: &str) -> Option<&str> {
    BEDROCK_REGIONS.iter().find_map(|p| s.strip_prefix(p)).filter(|rest| rest.contains('.'))
}

/// `…-v2:0` → `…`; `…:0` → `…` (Bedrock model versions).
fn strip_version(s: &str) -> Option<&str> {
    let (head, n) = s.rsplit_once(':')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = head.rfind("-v").filter(|&i| head[i + 2..].bytes().all(|b| b.is_ascii_digit()) && head.len() > i + 2);
    Some(match v {
        Some(i) => &head[..i],
        None => head,
    })
}

/// `…-2024-08-06`, `…-20241022`, `…@20250514`, `…-latest` → `…`.
fn strip_date(s: &str) -> Option<&str> {
    if let Some(head) = s.strip_suffix("-latest") {
        return Some(head);
    }
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let n = b.len();
    // -YYYY-MM-DD
    if n > 11
        && b[n - 11] == b'-'
        && b[n - 6] == b'-'
        && b[n - 3] == b'-'
        && &b[n - 10..n - 8] == b"20"
        && digits(n - 10..n - 6)
        && digits(n - 5..n - 3)
        && digits(n - 2..n)
    {
        return Some(&s[..n - 11]);
    }
    // -YYYYMMDD or @YYYYMMDD
    if n > 9 && (b[n - 9] == b'-' || b[n - 9] == b'@') && &b[n - 8..n - 6] == b"20" && digits(n - 8..n) {
        return Some(&s[..n - 9]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(m: &str) -> Vec<&str> {
        Candidates::of(m).iter().collect()
    }

    #[test]
    fn forms_of_a_model_name() {
        assert_eq!(all("gpt-4o"), ["gpt-4o"]);
        assert_eq!(all("gpt-4o-mini"), ["gpt-4o-mini"], "a different model is never a form of another");
        assert_eq!(all("openai/gpt-4o"), ["openai/gpt-4o", "gpt-4o"]);
        assert_eq!(all("gpt-4o-2024-08-06"), ["gpt-4o-2024-08-06", "gpt-4o"]);
        assert_eq!(all("claude-3-5-sonnet-20241022"), ["claude-3-5-sonnet-20241022", "claude-3-5-sonnet"]);
        assert_eq!(all("claude-sonnet-4@20250514"), ["claude-sonnet-4@20250514", "claude-sonnet-4"]);
        assert_eq!(all("mistral-large-latest"), ["mistral-large-latest", "mistral-large"]);
        assert_eq!(all("mistral-large-2411"), ["mistral-large-2411"]);
        assert_eq!(all("models/gemini-2.5-pro"), ["models/gemini-2.5-pro", "gemini-2.5-pro"]);
        assert_eq!(
            all("anthropic.claude-3-5-sonnet-20241022-v2:0"),
            ["anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-5-sonnet-20241022", "anthropic.claude-3-5-sonnet"]
        );
        assert_eq!(
            all("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            [
                "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "bedrock/us.anthropic.claude-sonnet-4-5-20250929",
                "us.anthropic.claude-sonnet-4-5-20250929",
                "anthropic.claude-sonnet-4-5-20250929",
                "bedrock/us.anthropic.claude-sonnet-4-5",
                "us.anthropic.claude-sonnet-4-5",
                "anthropic.claude-sonnet-4-5",
            ]
        );
        assert_eq!(all("global.anthropic.claude-opus-4-5-v1:0"), ["global.anthropic.claude-opus-4-5-v1:0", "global.anthropic.claude-opus-4-5"]);
        assert_eq!(all("openai.gpt-oss-120b-1:0"), ["openai.gpt-oss-120b-1:0", "openai.gpt-oss-120b-1"]);
        assert_eq!(all("deepseek-v3"), ["deepseek-v3"], "a -vN without :N is a name, not a Bedrock version");
        assert_eq!(all("eu.x"), ["eu.x"], "a region prefix only before vendor.model");
    }

    #[test]
    fn provider_aliases() {
        for (alias, canonical) in [
            ("aws.bedrock", "aws.bedrock"),
            ("bedrock", "aws.bedrock"),
            ("aws", "aws.bedrock"),
            ("azure.ai.openai", "azure.ai.openai"),
            ("azure", "azure.ai.openai"),
            ("gcp.gemini", "gcp.gemini"),
            ("gcp.vertex_ai", "gcp.vertex_ai"),
            ("google", "gcp.gen_ai"),
            ("x_ai", "x_ai"),
            ("xai", "x_ai"),
            ("x-ai", "x_ai"),
            ("mistral_ai", "mistral_ai"),
            ("mistral", "mistral_ai"),
            ("deepseek", "deepseek"),
            ("groq", "groq"),
        ] {
            assert_eq!(canonical_provider(alias), canonical, "{alias}");
        }
        assert_eq!(provider_family("gcp.vertex_ai"), Some("gcp.gen_ai"));
        assert_eq!(provider_family("openai"), None);
    }
}

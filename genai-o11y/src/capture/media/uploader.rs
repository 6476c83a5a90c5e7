//! Where the bytes go: the [`MediaUploader`] trait, and the built-in [`FilesystemUploader`].

use std::fmt;
use std::path::{Path, PathBuf};

/// One piece of media taken out of captured content: its id (the hash of its base64 text), MIME
/// type, modality and content. Uploaders read it on the upload thread.
#[derive(Clone)]
pub struct Media {
    id: String,
    mime_type: Option<String>,
    modality: String,
    base64: String,
    size: u64,
}

impl fmt::Debug for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Media").field("id", &self.id).field("mime_type", &self.mime_type).field("modality", &self.modality).field("size", &self.size()).finish()
    }
}

/// An upload that failed (or content that is not valid base64).
#[derive(Debug)]
pub struct UploadError(pub String);

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UploadError {}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        UploadError(e.to_string())
    }
}

impl Media {
    pub(crate) fn new(id: String, mime_type: Option<String>, modality: String, base64: String) -> Self {
        let size = super::decoded_size(&base64);
        Media { id, mime_type, modality, base64, size }
    }

    /// A piece whose base64 text was not kept (the reference only: no uploader, or no room in
    /// its queue).
    pub(crate) fn with_size(id: String, mime_type: Option<String>, modality: String, base64: Option<String>, size: u64) -> Self {
        Media { id, mime_type, modality, base64: base64.unwrap_or_default(), size }
    }

    /// The content id: `xxh3-` and 32 hex digits, the XXH3-128 hash of the base64 text.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The MIME type, when the content said it (`image/png`).
    pub fn mime_type(&self) -> Option<&str> {
        self.mime_type.as_deref()
    }

    /// `image`, `audio`, `video`, `document`, ...
    pub fn modality(&self) -> &str {
        &self.modality
    }

    /// The size in bytes once decoded (from the base64 length: exact for valid base64).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The content as sent: base64 text. Empty in [`MediaUploader::uri`] when the text was not
    /// kept (the queue had no room for it): such a piece is referenced, not uploaded.
    pub fn base64(&self) -> &str {
        &self.base64
    }

    /// The decoded bytes (standard or URL-safe alphabet, padding optional, whitespace ignored).
    pub fn bytes(&self) -> Result<Vec<u8>, UploadError> {
        decode(&self.base64)
    }

    /// A file extension for the MIME type (`png`, `jpg`, `wav`, `pdf`, ...; `bin` when unknown).
    pub fn extension(&self) -> &'static str {
        match self.mime_type.as_deref().map(|m| m.split(';').next().unwrap_or("").trim()) {
            Some("image/png") => "png",
            Some("image/jpeg" | "image/jpg") => "jpg",
            Some("image/gif") => "gif",
            Some("image/webp") => "webp",
            Some("audio/wav" | "audio/x-wav" | "audio/wave") => "wav",
            Some("audio/mpeg" | "audio/mp3") => "mp3",
            Some("audio/ogg") => "ogg",
            Some("application/pdf") => "pdf",
            Some("text/plain") => "txt",
            Some("video/mp4") => "mp4",
            _ => "bin",
        }
    }
}

fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

fn decode(text: &str) -> Result<Vec<u8>, UploadError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut ended = false;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            b'=' => ended = true,
            _ if ended => return Err(UploadError(format!("invalid base64: data after padding at byte {i}"))),
            _ => {
                let v = sextet(b).ok_or_else(|| UploadError(format!("invalid base64: byte {i} is {b:#04x}")))?;
                acc = (acc << 6) | u32::from(v);
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push((acc >> bits) as u8);
                    acc &= (1 << bits) - 1;
                }
            }
        }
    }
    Ok(out)
}

/// Where media goes, off the call path. [`uri`](Self::uri) runs on the call path (it names the
/// content in the span before it is uploaded): keep it cheap, deterministic and free of I/O.
/// [`upload`](Self::upload) runs on the sink's own thread; an error or a panic there is counted
/// and warned about once, never seen by the application.
pub trait MediaUploader: Send + Sync + 'static {
    /// The URI the content has once uploaded (`s3://bucket/media/{id}.png`, `https://...`),
    /// from the piece's id, MIME type, modality or size (not its text: see [`Media::base64`]).
    fn uri(&self, media: &Media) -> String;
    /// Uploads the content (decode it with [`Media::bytes`]).
    fn upload(&self, media: &Media) -> Result<(), UploadError>;
}

/// Writes each piece of media to `{dir}/{id}.{ext}`, once (content with the same id is already
/// there), through a temporary file renamed into place. Its URIs are `file://` URLs.
#[derive(Clone, Debug)]
pub struct FilesystemUploader {
    dir: PathBuf,
}

impl FilesystemUploader {
    /// Into `dir` (created when the first piece arrives). A relative directory is taken from the
    /// current directory now.
    pub fn new(dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        let dir = if dir.is_absolute() { dir.to_path_buf() } else { std::env::current_dir().map(|c| c.join(dir)).unwrap_or_else(|_| dir.to_path_buf()) };
        FilesystemUploader { dir }
    }

    /// Where a piece goes.
    pub fn path_of(&self, media: &Media) -> PathBuf {
        self.dir.join(format!("{}.{}", media.id(), media.extension()))
    }
}

impl MediaUploader for FilesystemUploader {
    fn uri(&self, media: &Media) -> String {
        format!("file://{}", self.path_of(media).display())
    }

    fn upload(&self, media: &Media) -> Result<(), UploadError> {
        let path = self.path_of(media);
        if path.exists() {
            return Ok(());
        }
        let bytes = media.bytes()?;
        std::fs::create_dir_all(&self.dir)?;
        let tmp = self.dir.join(format!(".{}.tmp", media.id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }
}

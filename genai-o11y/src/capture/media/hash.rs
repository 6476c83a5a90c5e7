//! The content id of a piece of media: XXH3-128 of its base64 text (no decoding), fast enough
//! for the call path (several bytes per cycle) and computable by any tool that has XXH3. Not
//! cryptographic: it names content, it does not authenticate it.

use xxhash_rust::xxh3::xxh3_128;

fn id(h: u128) -> String {
    format!("xxh3-{h:032x}")
}

/// `xxh3-<32 hex digits>`.
pub(super) fn content_id(data: &[u8]) -> String {
    id(xxh3_128(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxh3_128_of_the_text() {
        // The reference value of XXH3-128 for "" (xxHash's own test vector).
        assert_eq!(content_id(b""), "xxh3-99aa06d3014798d86001c324468d497f");
        let base = vec![b'A'; 4099];
        let id = content_id(&base);
        assert_eq!(id.len(), "xxh3-".len() + 32);
        for i in [0, 15, 16, 2048, 4096, 4098] {
            let mut other = base.clone();
            other[i] = b'B';
            assert_ne!(content_id(&other), id, "byte {i}");
        }
        assert_ne!(content_id(&base[..4098]), id, "length");
    }
}

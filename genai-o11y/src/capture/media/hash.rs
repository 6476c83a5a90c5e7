//! The content id of a piece of media: a 128-bit hash of its base64 text, fast enough for the
//! call path (a few bytes per cycle; no decoding). Not cryptographic: it names content, it does not
//! authenticate it.

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
const P3: u64 = 0x5899_65cc_7537_4cc3;

fn mix(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// Two independent lanes of a wyhash-style multiply-fold over 16-byte blocks.
fn hash128(data: &[u8]) -> (u64, u64) {
    let len = data.len() as u64;
    let (mut a, mut b) = (P0 ^ len, P1 ^ len.rotate_left(32));
    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let (w0, w1) = (word(&block[..8]), word(&block[8..]));
        a = mix(w0 ^ P2, a ^ w1);
        b = mix(w1 ^ P3, b ^ w0.rotate_left(17));
    }
    let rest = blocks.remainder();
    let (w0, w1) = (word(&rest[..rest.len().min(8)]), if rest.len() > 8 { word(&rest[8..]) } else { 0 });
    a = mix(a ^ w0 ^ P1, P2 ^ len);
    b = mix(b ^ w1 ^ P0, P3 ^ a);
    (mix(a, P3), mix(b ^ a, P0))
}

/// `xh128-<32 hex digits>`.
pub(super) fn content_id(data: &[u8]) -> String {
    let (a, b) = hash128(data);
    format!("xh128-{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_sensitive_to_every_byte() {
        let base = vec![b'A'; 4099];
        let id = content_id(&base);
        assert_eq!(id, content_id(&base.clone()), "deterministic");
        assert_eq!(id.len(), "xh128-".len() + 32);
        for i in [0, 15, 16, 2048, 4096, 4098] {
            let mut other = base.clone();
            other[i] = b'B';
            assert_ne!(content_id(&other), id, "byte {i}");
        }
        assert_ne!(content_id(&base[..4098]), id, "length");
        assert_ne!(content_id(b""), content_id(b"\0"));
    }
}

//! The value hash: the key of the value index on disk and of in-memory dedup. Its output is
//! stored, so this function must never change without a store migration.

/// A fast 64-bit string hash (8 bytes per step, murmur3 finaliser). Not DoS-resistant, and it
/// does not need to be: every user verifies the value behind a hash before trusting a match.
pub fn value_hash(s: &str) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let b = s.as_bytes();
    let mut h = (b.len() as u64).wrapping_mul(K);
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(31);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::value_hash;

    const PINNED: u64 = 0xad62_f4cb_0e14_47d9;

    #[test]
    fn is_stable() {
        // Stored on disk: these must never change.
        assert_eq!(value_hash(""), 0);
        assert_eq!(value_hash("1.2.3.4"), value_hash("1.2.3.4"));
        assert_ne!(value_hash("1.2.3.4"), value_hash("1.2.3.5"));
        assert_eq!(value_hash("evil.example"), PINNED);
    }
}

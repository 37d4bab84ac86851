//! Deterministic identifiers. Slips uses random UUIDs; ours are derived from content so that
//! two runs on the same input write identical evidence and alert ids.

use std::hash::Hasher;

/// FNV-1a, 64 bits, with a chosen offset basis. Stable across platforms and Rust versions.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn with_basis(basis: u64) -> Self {
        Fnv(basis)
    }
    pub(crate) fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Formats 128 bits as a UUID string (version 8, "custom"), e.g. for IDMEF `ID` fields.
pub(crate) fn uuid_from(hi: u64, lo: u64) -> compact_str::CompactString {
    let hi = (hi & !0xf000) | 0x8000; // version 8
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000; // RFC 4122 variant
    compact_str::format_compact!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// A UUID from anything hashable: two FNV passes with different bases.
pub(crate) fn uuid_of(f: impl Fn(&mut Fnv)) -> compact_str::CompactString {
    let mut a = Fnv::new();
    let mut b = Fnv::with_basis(0x6c62_272e_07bb_0142);
    f(&mut a);
    f(&mut b);
    uuid_from(a.finish(), b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape_and_stability() {
        let u = uuid_of(|h| h.write(b"hello"));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert_eq!(u, uuid_of(|h| h.write(b"hello")));
        assert_ne!(u, uuid_of(|h| h.write(b"hellp")));
    }
}

//! Small helpers shared by detectors.

use compact_str::CompactString;
use foldhash::HashMap;
use std::net::IpAddr;

/// Formats a confidence the way Slips prints it: `1`, `0.6`, `0.35`.
pub fn fmt_confidence(c: f64) -> CompactString {
    let mut s = compact_str::format_compact!("{:.2}", c);
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// Slips' packet-based confidence of scans: more than 10 packets is certain, none is 0.3,
/// otherwise a tenth per packet.
pub fn packet_confidence(pkts: u64) -> f64 {
    match pkts {
        0 => 0.3,
        p if p > 10 => 1.0,
        p => p as f64 / 10.0,
    }
}

/// Keeps at most `cap` items, the first ones seen.
pub fn push_capped<T>(v: &mut Vec<T>, x: T, cap: usize) {
    if v.len() < cap {
        v.push(x);
    }
}

/// A map keyed by a pair of IP addresses, compact in the usual case: two IPv4 addresses
/// pack into one `u64` key (8 bytes instead of 34), so big maps of pairs touch a third of the
/// memory. Other pairs go to a second map.
#[derive(Debug)]
pub struct IpPairMap<V> {
    v4: HashMap<u64, V>,
    other: HashMap<(IpAddr, IpAddr), V>,
}

impl<V> Default for IpPairMap<V> {
    fn default() -> Self {
        IpPairMap {
            v4: HashMap::default(),
            other: HashMap::default(),
        }
    }
}

enum PairKey {
    V4(u64),
    Other((IpAddr, IpAddr)),
}

fn pair_key(a: IpAddr, b: IpAddr) -> PairKey {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            PairKey::V4((u64::from(u32::from(a)) << 32) | u64::from(u32::from(b)))
        }
        _ => PairKey::Other((a, b)),
    }
}

impl<V> IpPairMap<V> {
    pub fn len(&self) -> usize {
        self.v4.len() + self.other.len()
    }
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.other.is_empty()
    }
    pub fn get(&self, a: IpAddr, b: IpAddr) -> Option<&V> {
        match pair_key(a, b) {
            PairKey::V4(k) => self.v4.get(&k),
            PairKey::Other(k) => self.other.get(&k),
        }
    }
    pub fn get_mut(&mut self, a: IpAddr, b: IpAddr) -> Option<&mut V> {
        match pair_key(a, b) {
            PairKey::V4(k) => self.v4.get_mut(&k),
            PairKey::Other(k) => self.other.get_mut(&k),
        }
    }
    /// The value of the pair, inserting `v` first if the pair has none.
    pub fn get_or_insert(&mut self, a: IpAddr, b: IpAddr, v: V) -> &mut V {
        match pair_key(a, b) {
            PairKey::V4(k) => self.v4.entry(k).or_insert(v),
            PairKey::Other(k) => self.other.entry(k).or_insert(v),
        }
    }
    pub fn insert(&mut self, a: IpAddr, b: IpAddr, v: V) -> Option<V> {
        match pair_key(a, b) {
            PairKey::V4(k) => self.v4.insert(k, v),
            PairKey::Other(k) => self.other.insert(k, v),
        }
    }
    pub fn retain(&mut self, mut f: impl FnMut(&mut V) -> bool) {
        self.v4.retain(|_, v| f(v));
        self.other.retain(|_, v| f(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_pair_map_keeps_pairs_apart() {
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        let mut m = IpPairMap::default();
        assert!(m.is_empty());
        m.insert(ip("10.0.0.1"), ip("10.0.0.2"), 1);
        m.insert(ip("10.0.0.2"), ip("10.0.0.1"), 2);
        m.insert(ip("::1"), ip("10.0.0.1"), 3);
        m.insert(ip("::ffff:10.0.0.1"), ip("10.0.0.2"), 4);
        assert_eq!(*m.get_or_insert(ip("10.0.0.1"), ip("10.0.0.2"), 9), 1);
        assert_eq!(*m.get_or_insert(ip("10.0.0.1"), ip("10.0.0.3"), 5), 5);
        assert_eq!(m.len(), 5);
        assert_eq!(m.get(ip("10.0.0.2"), ip("10.0.0.1")), Some(&2));
        assert_eq!(m.get(ip("::1"), ip("10.0.0.1")), Some(&3));
        assert_eq!(m.get(ip("::ffff:10.0.0.1"), ip("10.0.0.2")), Some(&4));
        assert_eq!(m.get(ip("10.0.0.1"), ip("::1")), None);
        if let Some(v) = m.get_mut(ip("::1"), ip("10.0.0.1")) {
            *v = 30;
        }
        m.retain(|v| *v % 2 == 0);
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(ip("::1"), ip("10.0.0.1")), Some(&30));
        assert_eq!(m.get(ip("10.0.0.1"), ip("10.0.0.2")), None);
    }

    #[test]
    fn confidence_formatting() {
        assert_eq!(fmt_confidence(1.0), "1");
        assert_eq!(fmt_confidence(0.6), "0.6");
        assert_eq!(fmt_confidence(0.35), "0.35");
        assert_eq!(fmt_confidence(0.0), "0");
    }

    #[test]
    fn packet_confidence_table() {
        assert_eq!(packet_confidence(0), 0.3);
        assert_eq!(packet_confidence(6), 0.6);
        assert_eq!(packet_confidence(10), 1.0);
        assert_eq!(packet_confidence(11), 1.0);
    }
}

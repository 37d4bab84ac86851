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

/// Confidence that grows with the size of what was seen (targets, attempts, names...): 0.3
/// at `first` (the size that makes evidence at all), 1 at `full`, logarithmic in between
/// (each doubling adds as much as the one before), 0 below `first`. See docs/scoring.md.
pub fn ramp(n: f64, first: f64, full: f64) -> f64 {
    if n.is_nan() || n < first || first <= 0.0 {
        return 0.0;
    }
    if full <= first {
        return 1.0;
    }
    (0.3 + 0.7 * (n / first).ln() / (full / first).ln()).min(1.0)
}

/// The report step of a count that grows: the largest of 1, 2, 5, 10, 20, 50, 100... not
/// above `n`. A growing finding is re-reported when its step changes (a few times per
/// decade), and once more with its true size when its window closes.
pub fn report_step(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut decade = 1u64;
    while decade.saturating_mul(10) <= n {
        decade *= 10;
    }
    [5u64, 2, 1]
        .into_iter()
        .map(|m| decade.saturating_mul(m))
        .find(|&s| s <= n)
        .unwrap_or(decade)
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
    fn ramp_and_steps() {
        assert_eq!(ramp(9.0, 10.0, 30.0), 0.0);
        assert!((ramp(10.0, 10.0, 30.0) - 0.3).abs() < 1e-12);
        assert_eq!(ramp(30.0, 10.0, 30.0), 1.0);
        assert_eq!(ramp(999.0, 10.0, 30.0), 1.0);
        let mid = ramp(20.0, 10.0, 40.0);
        assert!((mid - 0.65).abs() < 1e-12, "{mid}");
        assert_eq!(ramp(f64::NAN, 10.0, 30.0), 0.0);
        let steps: Vec<u64> = [0, 1, 9, 10, 19, 20, 49, 50, 99, 100, 999, 1000, 2500]
            .into_iter()
            .map(report_step)
            .collect();
        assert_eq!(
            steps,
            vec![0, 1, 5, 10, 10, 20, 20, 50, 50, 100, 500, 1000, 2000]
        );
    }

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
}

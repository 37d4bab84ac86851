//! Longest-prefix match over CIDR ranges, flattened once into sorted disjoint intervals.
//!
//! CIDR blocks either nest or are disjoint, so the value of every address under the
//! longest-prefix rule is constant between the boundaries of the blocks. The table stores
//! those boundaries (sorted) with the value that holds from each one on; a lookup is one
//! binary search. IPv4 uses `u32` keys, IPv6 `u128`.

use ipnet::IpNet;
use std::net::IpAddr;

/// Address keys (`u32` for IPv4, `u128` for IPv6).
pub trait Key: Copy + Ord {
    fn succ(self) -> Option<Self>;
}
impl Key for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}
impl Key for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

/// Sorted disjoint intervals with values; see the module documentation.
#[derive(Clone, Debug)]
pub struct RangeTable<K, V> {
    starts: Vec<K>,
    vals: Vec<Option<V>>,
}

impl<K: Key, V: Clone> Default for RangeTable<K, V> {
    fn default() -> Self {
        RangeTable {
            starts: Vec::new(),
            vals: Vec::new(),
        }
    }
}

impl<K: Key, V: Clone> RangeTable<K, V> {
    /// Builds from `(first, last, prefix_len, value)` blocks. When the same block appears
    /// twice, `merge(old, new)` decides its value.
    pub fn build(mut blocks: Vec<(K, K, u8, V)>, merge: impl Fn(&V, &V) -> V) -> Self {
        // Larger blocks first at the same start so that nested ones come after.
        blocks.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
        let mut dedup: Vec<(K, K, u8, V)> = Vec::with_capacity(blocks.len());
        for b in blocks {
            match dedup.last_mut() {
                Some(last) if last.0 == b.0 && last.2 == b.2 => last.3 = merge(&last.3, &b.3),
                _ => dedup.push(b),
            }
        }
        let mut t = RangeTable::default();
        let mut stack: Vec<(K, V)> = Vec::new();
        for (first, last, _, v) in dedup {
            while let Some((end, _)) = stack.last() {
                if *end >= first {
                    break;
                }
                let end = *end;
                stack.pop();
                if let Some(next) = end.succ() {
                    let outer = stack.last().map(|(_, v)| v.clone());
                    t.emit(next, outer);
                }
            }
            t.emit(first, Some(v.clone()));
            stack.push((last, v));
        }
        while let Some((end, _)) = stack.pop() {
            if let Some(next) = end.succ() {
                let outer = stack.last().map(|(_, v)| v.clone());
                t.emit(next, outer);
            }
        }
        t.starts.shrink_to_fit();
        t.vals.shrink_to_fit();
        t
    }

    fn emit(&mut self, at: K, v: Option<V>) {
        if self.starts.last() == Some(&at) {
            if let Some(slot) = self.vals.last_mut() {
                *slot = v;
            }
        } else {
            self.starts.push(at);
            self.vals.push(v);
        }
    }

    /// The value of the longest block containing `k`.
    #[inline]
    pub fn get(&self, k: K) -> Option<&V> {
        let i = self.starts.partition_point(|s| *s <= k);
        if i == 0 {
            return None;
        }
        self.vals.get(i - 1).and_then(Option::as_ref)
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Bytes used by the table.
    pub fn memory_bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<K>()
            + self.vals.capacity() * std::mem::size_of::<Option<V>>()
    }
}

/// IPv4 and IPv6 tables together.
#[derive(Clone, Debug)]
pub struct NetTable<V> {
    pub v4: RangeTable<u32, V>,
    pub v6: RangeTable<u128, V>,
}

impl<V: Clone> Default for NetTable<V> {
    fn default() -> Self {
        NetTable {
            v4: RangeTable::default(),
            v6: RangeTable::default(),
        }
    }
}

impl<V: Clone> NetTable<V> {
    pub fn build(nets: Vec<(IpNet, V)>, merge: impl Fn(&V, &V) -> V + Copy) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (net, v) in nets {
            match net.trunc() {
                IpNet::V4(n) => v4.push((
                    u32::from(n.network()),
                    u32::from(n.broadcast()),
                    n.prefix_len(),
                    v,
                )),
                IpNet::V6(n) => v6.push((
                    u128::from(n.network()),
                    u128::from(n.broadcast()),
                    n.prefix_len(),
                    v,
                )),
            }
        }
        NetTable {
            v4: RangeTable::build(v4, merge),
            v6: RangeTable::build(v6, merge),
        }
    }

    #[inline]
    pub fn get(&self, ip: IpAddr) -> Option<&V> {
        match ip {
            IpAddr::V4(a) => self.v4.get(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.v4.get(u32::from(v4)),
                None => self.v6.get(u128::from(a)),
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub fn memory_bytes(&self) -> usize {
        self.v4.memory_bytes() + self.v6.memory_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(nets: &[(&str, u32)]) -> NetTable<u32> {
        NetTable::build(
            nets.iter().map(|(n, v)| (n.parse().unwrap(), *v)).collect(),
            |a, b| *a.max(b),
        )
    }

    fn get(t: &NetTable<u32>, ip: &str) -> Option<u32> {
        t.get(ip.parse().unwrap()).copied()
    }

    #[test]
    fn longest_prefix_wins() {
        let t = table(&[
            ("10.0.0.0/8", 1),
            ("10.1.0.0/16", 2),
            ("10.1.2.0/24", 3),
            ("10.2.0.0/16", 4),
            ("192.168.0.0/24", 5),
            ("0.0.0.0/0", 9),
        ]);
        assert_eq!(get(&t, "10.1.2.3"), Some(3));
        assert_eq!(get(&t, "10.1.3.3"), Some(2));
        assert_eq!(get(&t, "10.1.255.255"), Some(2));
        assert_eq!(get(&t, "10.2.0.0"), Some(4));
        assert_eq!(get(&t, "10.3.0.0"), Some(1));
        assert_eq!(get(&t, "10.255.255.255"), Some(1));
        assert_eq!(get(&t, "11.0.0.0"), Some(9));
        assert_eq!(get(&t, "192.168.0.255"), Some(5));
        assert_eq!(get(&t, "255.255.255.255"), Some(9));
        assert_eq!(get(&t, "::ffff:10.1.2.3"), Some(3), "IPv4-mapped IPv6");
    }

    #[test]
    fn gaps_and_edges() {
        let t = table(&[
            ("10.0.0.0/24", 1),
            ("10.0.0.128/25", 2),
            ("255.255.255.0/24", 3),
        ]);
        assert_eq!(get(&t, "9.255.255.255"), None);
        assert_eq!(get(&t, "10.0.0.127"), Some(1));
        assert_eq!(get(&t, "10.0.0.128"), Some(2));
        assert_eq!(get(&t, "10.0.0.255"), Some(2));
        assert_eq!(get(&t, "10.0.1.0"), None);
        assert_eq!(get(&t, "255.255.255.255"), Some(3));
        assert_eq!(get(&t, "0.0.0.0"), None);
    }

    #[test]
    fn duplicates_merge_and_ipv6() {
        let t = table(&[
            ("2001:db8::/32", 1),
            ("2001:db8:1::/48", 2),
            ("2001:db8:1::/48", 7),
            ("::/0", 0),
        ]);
        assert_eq!(get(&t, "2001:db8:1::5"), Some(7));
        assert_eq!(get(&t, "2001:db8:2::5"), Some(1));
        assert_eq!(get(&t, "2001:db9::"), Some(0));
        assert_eq!(get(&t, "1.2.3.4"), None);
        let empty = table(&[]);
        assert_eq!(get(&empty, "1.2.3.4"), None);
        assert!(empty.is_empty());
    }

    #[test]
    fn matches_a_naive_scan() {
        // Deterministic pseudo-random nets compared with a linear longest-prefix scan.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut nets = Vec::new();
        for i in 0..300u32 {
            let len = 8 + (rnd() % 17) as u8;
            let addr = std::net::Ipv4Addr::from((rnd() as u32) & 0x0f0f_ffff);
            let net: IpNet = ipnet::Ipv4Net::new(addr, len).unwrap().trunc().into();
            nets.push((net, i));
        }
        let t = NetTable::build(nets.clone(), |a, b| *a.max(b));
        for _ in 0..20_000 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from((rnd() as u32) & 0x0f0f_ffff));
            let best = nets
                .iter()
                .filter(|(n, _)| n.contains(&ip))
                .max_by(|a, b| a.0.prefix_len().cmp(&b.0.prefix_len()).then(a.1.cmp(&b.1)))
                .map(|(_, v)| *v);
            assert_eq!(t.get(ip).copied(), best, "{ip}");
        }
    }
}

//! The engine's bounded index of recent connections by uid ([`slips_core::RecentConns`]).

use slips_core::detector::{ConnInfo, RecentConns};
use slips_core::Str;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// Hashes uids into the map's keys (fixed seed: the same everywhere, every run).
const FINGERPRINT: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x511b_5c01_1ec7_1045);

/// The keys are already hashes: used as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// The last `cap` distinct uids with their latest connection, oldest forgotten first.
///
/// The connections sit in a ring in insertion order: the `n`-th new uid goes to position
/// `n % cap`, overwriting the uid inserted `cap` uids earlier. A map from the uid's 64-bit
/// fingerprint gives its insertion number, so whether its connection is still in the ring is
/// arithmetic (`n + cap >= inserted`) and a forgotten uid costs nothing when it is
/// overwritten; its map entry is dropped by a sweep once the map holds `2 × cap` entries.
/// The ring keeps the uid, so a lookup never returns another uid's connection; two uids
/// with the same fingerprint (about one chance in 2^64 per pair) share one place, the newer
/// one replacing the older. Every operation is O(1) amortised and the memory is fixed:
/// `cap` connections (about 115 bytes each) and at most `2 × cap` map entries (17 bytes).
#[derive(Debug)]
pub(crate) struct RecentIndex {
    map: HashMap<u64, u64, BuildHasherDefault<Prehashed>>,
    ring: Vec<(Str, ConnInfo)>,
    /// New uids inserted so far.
    inserted: u64,
    cap: u64,
}

impl std::fmt::Debug for Prehashed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prehashed")
    }
}

impl RecentIndex {
    pub(crate) fn new(cap: usize) -> Self {
        RecentIndex {
            map: HashMap::default(),
            ring: Vec::new(),
            inserted: 0,
            cap: cap.clamp(1, u32::MAX as usize) as u64,
        }
    }

    fn live(&self, n: u64) -> bool {
        n + self.cap >= self.inserted
    }

    /// Remembers a connection; a uid already held keeps its age and takes the new values.
    pub(crate) fn insert(&mut self, uid: &Str, info: ConnInfo) {
        let (inserted, cap) = (self.inserted, self.cap);
        let n = match self.map.entry(FINGERPRINT.hash_one(uid.as_str())) {
            Entry::Occupied(mut e) if *e.get() + cap >= inserted => {
                let pos = (*e.get() % cap) as usize;
                match self.ring.get_mut(pos) {
                    Some(held) if held.0 == *uid => {
                        held.1 = info;
                        return;
                    }
                    _ => {
                        e.insert(inserted);
                        inserted
                    }
                }
            }
            Entry::Occupied(mut e) => {
                e.insert(inserted);
                inserted
            }
            Entry::Vacant(e) => *e.insert(inserted),
        };
        self.inserted += 1;
        let pos = (n % cap) as usize;
        match self.ring.get_mut(pos) {
            Some(held) => {
                held.0.clone_from(uid);
                held.1 = info;
            }
            None => self.ring.push((uid.clone(), info)),
        }
        if self.map.len() as u64 >= 2 * cap {
            let (inserted, cap) = (self.inserted, self.cap);
            self.map.retain(|_, n| *n + cap >= inserted);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.values().filter(|n| self.live(**n)).count()
    }
}

impl RecentConns for RecentIndex {
    fn by_uid(&self, uid: &str) -> Option<&ConnInfo> {
        let &n = self.map.get(&FINGERPRINT.hash_one(uid))?;
        if !self.live(n) {
            return None;
        }
        match self.ring.get((n % self.cap) as usize) {
            Some((held, c)) if held == uid => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::Timestamp;

    fn info(ts: f64) -> ConnInfo {
        ConnInfo {
            ts: Timestamp::from_secs(ts),
            saddr: "10.0.0.1".parse().unwrap(),
            daddr: "10.0.0.2".parse().unwrap(),
            sport: 1,
            dport: 2,
            proto: None,
            duration: 0.0,
            sbytes: 0,
            dbytes: 0,
            sip_bytes: 0,
        }
    }

    #[test]
    fn forgets_the_oldest_uid_and_keeps_the_age_of_a_repeated_one() {
        let mut r = RecentIndex::new(2);
        r.insert(&"A".into(), info(1.0));
        r.insert(&"B".into(), info(2.0));
        // A again: new values, same age.
        r.insert(&"A".into(), info(3.0));
        assert_eq!(r.by_uid("A").map(|c| c.ts.secs()), Some(3.0));
        r.insert(&"C".into(), info(4.0));
        assert_eq!(r.len(), 2);
        assert!(r.by_uid("A").is_none(), "A was the oldest");
        assert_eq!(r.by_uid("B").map(|c| c.ts.secs()), Some(2.0));
        // A forgotten uid seen again is young again.
        r.insert(&"A".into(), info(5.0));
        assert!(r.by_uid("B").is_none());
        assert_eq!(r.by_uid("C").map(|c| c.ts.secs()), Some(4.0));
        assert_eq!(r.by_uid("A").map(|c| c.ts.secs()), Some(5.0));
        for i in 0..1000 {
            r.insert(&format!("U{i}").into(), info(f64::from(i)));
            assert!(r.map.len() <= 4, "swept: {}", r.map.len());
        }
        assert_eq!(r.len(), 2);
        assert_eq!(r.ring.len(), 2);
        assert_eq!(r.by_uid("U999").map(|c| c.ts.secs()), Some(999.0));
        assert_eq!(r.by_uid("U998").map(|c| c.ts.secs()), Some(998.0));
        assert!(r.by_uid("U997").is_none());
        assert!(r.by_uid("A").is_none());
    }
}

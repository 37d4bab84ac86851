//! Deferred decisions in traffic time, shared by the detectors that must wait for a related
//! record ("was this IP resolved within 30 s after the connection?", "did an SSL record
//! between these IPs show up within 5 minutes?").
//!
//! A detector registers a question with [`Pending::add`] under a key and a time range; any
//! later record that answers it calls [`Pending::satisfy`] with the key and its timestamp. The
//! detector keeps the returned id in its per-window state together with what it needs to
//! build the evidence, and decides with [`Pending::take`] once event time has passed the end
//! of the range or the window closes, so the evidence lands in the window of the record that
//! caused it. Memory is bounded by `cap` open questions: beyond it `add` refuses, and the
//! detector skips the check (no evidence rather than a guess).

use foldhash::HashMap;
use slips_core::Timestamp;
use std::hash::Hash;

struct Item<K> {
    key: K,
    lo: Timestamp,
    hi: Timestamp,
    satisfied: bool,
}

/// Open questions keyed by `K`, each answered by a record of that key inside `[lo, hi]`.
pub struct Pending<K> {
    items: HashMap<u64, Item<K>>,
    by_key: HashMap<K, Vec<u64>>,
    next: u64,
    cap: usize,
}

impl<K: Hash + Eq + Clone> Pending<K> {
    pub fn new(cap: usize) -> Self {
        Pending {
            items: HashMap::default(),
            by_key: HashMap::default(),
            next: 0,
            cap,
        }
    }

    /// Registers a question; `None` when `cap` questions are already open.
    pub fn add(&mut self, key: K, lo: Timestamp, hi: Timestamp) -> Option<u64> {
        if self.items.len() >= self.cap {
            return None;
        }
        let id = self.next;
        self.next += 1;
        self.by_key.entry(key.clone()).or_default().push(id);
        self.items.insert(
            id,
            Item {
                key,
                lo,
                hi,
                satisfied: false,
            },
        );
        Some(id)
    }

    /// A record with this key at `ts` answers every open question whose range holds `ts`.
    pub fn satisfy(&mut self, key: &K, ts: Timestamp) {
        let Some(ids) = self.by_key.get(key) else {
            return;
        };
        for id in ids {
            if let Some(it) = self.items.get_mut(id) {
                if it.lo <= ts && ts <= it.hi {
                    it.satisfied = true;
                }
            }
        }
    }

    /// Whether an open question was answered so far (`None` for an unknown id).
    pub fn peek(&self, id: u64) -> Option<bool> {
        self.items.get(&id).map(|it| it.satisfied)
    }

    /// Closes a question: `Some(true)` if it was answered, `Some(false)` if not, `None` for
    /// an unknown id.
    pub fn take(&mut self, id: u64) -> Option<bool> {
        let it = self.items.remove(&id)?;
        if let Some(v) = self.by_key.get_mut(&it.key) {
            v.retain(|x| *x != id);
            if v.is_empty() {
                self.by_key.remove(&it.key);
            }
        }
        Some(it.satisfied)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: f64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn answers_only_inside_the_range() {
        let mut p = Pending::new(2);
        let a = p.add("x", t(10.0), t(20.0)).unwrap();
        let b = p.add("x", t(30.0), t(40.0)).unwrap();
        assert!(p.add("y", t(0.0), t(1.0)).is_none(), "capped");
        p.satisfy(&"x", t(15.0));
        p.satisfy(&"y", t(35.0));
        assert_eq!(p.take(a), Some(true));
        assert_eq!(p.take(b), Some(false));
        assert_eq!(p.take(b), None);
        assert_eq!(p.len(), 0);
        assert!(p.by_key.is_empty());
    }
}

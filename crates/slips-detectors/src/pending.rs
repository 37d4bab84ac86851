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
//!
//! Questions live in a slab (a vector reused through a free list, so adding and taking
//! allocate nothing in the steady state); the questions of one key form a linked list through
//! the slab whose head the key map holds. An id is the slot index plus the slot's generation,
//! so a stale id is recognised as unknown.

use foldhash::HashMap;
use slips_core::Timestamp;
use std::collections::hash_map::Entry;
use std::hash::Hash;

const NIL: u32 = u32::MAX;

struct Item<K> {
    key: K,
    lo: Timestamp,
    hi: Timestamp,
    satisfied: bool,
    /// Neighbours in the list of questions of the same key.
    prev: u32,
    next: u32,
}

struct Slot<K> {
    generation: u32,
    item: Option<Item<K>>,
}

/// Open questions keyed by `K`, each answered by a record of that key inside `[lo, hi]`.
pub struct Pending<K> {
    slots: Vec<Slot<K>>,
    free: Vec<u32>,
    /// The first question of each key.
    by_key: HashMap<K, u32>,
    open: usize,
    cap: usize,
}

fn id_of(index: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(index)
}

impl<K: Hash + Eq + Clone> Pending<K> {
    pub fn new(cap: usize) -> Self {
        Pending {
            slots: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::default(),
            open: 0,
            // Slot indexes are u32 and `NIL` is reserved.
            cap: cap.min(NIL as usize),
        }
    }

    /// Registers a question; `None` when `cap` questions are already open.
    pub fn add(&mut self, key: K, lo: Timestamp, hi: Timestamp) -> Option<u64> {
        if self.open >= self.cap {
            return None;
        }
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    item: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let head = match self.by_key.entry(key.clone()) {
            Entry::Occupied(mut e) => std::mem::replace(e.get_mut(), index),
            Entry::Vacant(e) => {
                e.insert(index);
                NIL
            }
        };
        if let Some(h) = self.item_mut(head) {
            h.prev = index;
        }
        let slot = self.slots.get_mut(index as usize)?;
        slot.item = Some(Item {
            key,
            lo,
            hi,
            satisfied: false,
            prev: NIL,
            next: head,
        });
        self.open += 1;
        Some(id_of(index, slot.generation))
    }

    fn item_mut(&mut self, index: u32) -> Option<&mut Item<K>> {
        self.slots.get_mut(index as usize)?.item.as_mut()
    }

    /// The slot index of a live id.
    fn live(&self, id: u64) -> Option<u32> {
        let index = (id & u64::from(u32::MAX)) as u32;
        let slot = self.slots.get(index as usize)?;
        (id_of(index, slot.generation) == id && slot.item.is_some()).then_some(index)
    }

    /// A record with this key at `ts` answers every open question whose range holds `ts`.
    pub fn satisfy(&mut self, key: &K, ts: Timestamp) {
        if self.open == 0 {
            return;
        }
        let Some(&head) = self.by_key.get(key) else {
            return;
        };
        let mut i = head;
        while let Some(it) = self.item_mut(i) {
            if it.lo <= ts && ts <= it.hi {
                it.satisfied = true;
            }
            i = it.next;
        }
    }

    /// Whether an open question was answered so far (`None` for an unknown id).
    pub fn peek(&self, id: u64) -> Option<bool> {
        let index = self.live(id)?;
        self.slots[index as usize]
            .item
            .as_ref()
            .map(|it| it.satisfied)
    }

    /// Closes a question: `Some(true)` if it was answered, `Some(false)` if not, `None` for
    /// an unknown id.
    pub fn take(&mut self, id: u64) -> Option<bool> {
        let index = self.live(id)?;
        let slot = &mut self.slots[index as usize];
        let it = slot.item.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(index);
        self.open -= 1;
        if let Some(n) = self.item_mut(it.next) {
            n.prev = it.prev;
        }
        match self.item_mut(it.prev) {
            Some(p) => p.next = it.next,
            None if it.next != NIL => {
                if let Some(h) = self.by_key.get_mut(&it.key) {
                    *h = it.next;
                }
            }
            None => {
                self.by_key.remove(&it.key);
            }
        }
        Some(it.satisfied)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.open
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

    #[test]
    fn lists_per_key_survive_removal_in_any_order_and_reuse() {
        let mut p = Pending::new(100);
        let ids: Vec<u64> = (0..6)
            .map(|i| {
                p.add(i % 2, t(f64::from(i)), t(f64::from(i) + 1.0))
                    .unwrap()
            })
            .collect();
        // Remove the middle, the head and the tail of key 0's list (ids 0, 2, 4).
        assert_eq!(p.take(ids[2]), Some(false));
        p.satisfy(&0, t(0.5));
        assert_eq!(p.peek(ids[0]), Some(true));
        assert_eq!(p.peek(ids[4]), Some(false));
        assert_eq!(p.peek(ids[2]), None, "taken");
        assert_eq!(p.take(ids[4]), Some(false));
        assert_eq!(p.take(ids[0]), Some(true));
        assert!(!p.by_key.contains_key(&0));
        // A reused slot does not answer to the old id.
        let n = p.add(7, t(0.0), t(9.0)).unwrap();
        assert_ne!(n, ids[0]);
        assert_eq!(p.peek(ids[0]), None);
        assert_eq!(p.take(ids[0]), None);
        p.satisfy(&7, t(3.0));
        p.satisfy(&1, t(3.5));
        assert_eq!(
            [ids[1], ids[3], ids[5], n].map(|i| p.take(i)),
            [Some(false), Some(true), Some(false), Some(true)]
        );
        assert_eq!(p.len(), 0);
        assert!(p.by_key.is_empty());
        assert_eq!(p.take(u64::MAX), None);
    }
}

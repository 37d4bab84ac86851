//! "Each flow is analysed once": dropping records seen before in the same run.

use foldhash::HashSet;
use slips_core::{Flow, Record};
use std::hash::{BuildHasher, Hash, Hasher};

/// Keys kept per generation. Two generations are kept, so the memory is bounded by
/// `2 × DEDUP_CAP` keys of 8 bytes (about 20 MB): a duplicate is recognised when fewer than
/// `DEDUP_CAP` (and up to `2 × DEDUP_CAP`) records came in between.
pub const DEDUP_CAP: usize = 1 << 19;

/// Recognises connection records already seen in this run, by their uid (Zeek's `uid`,
/// Suricata's `flow_id`), or by protocol, the 5-tuple and the start time when the format
/// has no uid (the uids slips generates for Argus and nfdump flows are a hash of exactly
/// these, so both rules agree).
///
/// Only connections are de-duplicated. Application records legitimately share a uid and
/// may even be identical in every field slips keeps (several SMTP transactions, HTTP
/// requests or DNS queries of one connection, whose `trans_depth` is not kept): each of
/// them is analysed, so four bad SMTP logins on one connection are four.
///
/// Keys are 64-bit hashes with a per-run random seed (flow keys come from the traffic, so
/// their hashes must not be predictable); two different records colliding is about as
/// likely as `n² / 2⁶⁵`.
#[derive(Debug)]
pub struct Dedup {
    cur: HashSet<u64>,
    prev: HashSet<u64>,
    cap: usize,
    state: foldhash::quality::RandomState,
    duplicates: u64,
}

impl Default for Dedup {
    fn default() -> Self {
        Dedup::new(DEDUP_CAP)
    }
}

impl Dedup {
    /// A de-duplicator keeping up to `cap` keys per generation.
    pub fn new(cap: usize) -> Dedup {
        Dedup {
            cur: HashSet::default(),
            prev: HashSet::default(),
            cap: cap.max(1),
            state: foldhash::quality::RandomState::default(),
            duplicates: 0,
        }
    }

    /// The key of a connection record; `None` for every other record (never a repeat).
    fn key(&self, f: &Flow) -> Option<u64> {
        let Record::Conn(c) = &f.record else {
            return None;
        };
        let mut h = self.state.build_hasher();
        if c.uid.is_empty() {
            (c.proto, c.saddr, c.sport, c.daddr, c.dport, c.ts.micros()).hash(&mut h);
        } else {
            c.uid.hash(&mut h);
        }
        Some(h.finish())
    }

    /// True the first time a connection is seen, and for every record that is not a
    /// connection; false for a repeated connection (counted).
    pub fn is_new(&mut self, f: &Flow) -> bool {
        let Some(k) = self.key(f) else {
            return true;
        };
        if self.cur.contains(&k) || self.prev.contains(&k) {
            self.duplicates += 1;
            return false;
        }
        if self.cur.len() >= self.cap {
            self.prev = std::mem::take(&mut self.cur);
        }
        self.cur.insert(k);
        true
    }

    /// Repeats dropped so far.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{Conn, Dns, Timestamp};

    fn conn(uid: &str, sport: u16, ts: f64) -> Flow {
        Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            saddr: Some("10.0.0.1".parse().unwrap()),
            sport,
            daddr: Some("10.0.0.2".parse().unwrap()),
            dport: 80,
            ..Conn::default()
        })
        .into()
    }

    #[test]
    fn same_uid_or_same_tuple_and_start() {
        let mut d = Dedup::default();
        assert!(d.is_new(&conn("C1", 1, 1.0)));
        assert!(!d.is_new(&conn("C1", 2, 5.0)));
        assert!(d.is_new(&conn("C2", 1, 1.0)));
        assert!(d.is_new(&conn("", 1, 1.0)));
        assert!(!d.is_new(&conn("", 1, 1.0)));
        assert!(d.is_new(&conn("", 1, 1.5)));
        assert!(d.is_new(&conn("", 3, 1.0)));
        assert_eq!(d.duplicates(), 2);
    }

    #[test]
    fn several_records_of_one_connection_are_kept() {
        let mut d = Dedup::default();
        let dns = |ts: f64, q: &str| -> Flow {
            Record::Dns(Box::new(Dns {
                ts: Timestamp::from_secs(ts),
                uid: "C1".into(),
                query: Some(q.into()),
                ..Dns::default()
            }))
            .into()
        };
        assert!(d.is_new(&conn("C1", 1, 1.0)));
        assert!(d.is_new(&dns(1.0, "a.com")));
        assert!(d.is_new(&dns(1.1, "b.com")));
        // Identical application records of one connection are all analysed.
        assert!(d.is_new(&dns(1.1, "b.com")));
        // Same connection, same time, another query: kept.
        assert!(d.is_new(&dns(1.1, "c.com")));
        assert_eq!(d.duplicates(), 0);
    }

    #[test]
    fn four_smtp_transactions_of_one_connection_are_four() {
        use slips_core::{Endpoints, Smtp};
        let mut d = Dedup::default();
        let smtp = || -> Flow {
            Record::Smtp(Box::new(Smtp {
                ts: Timestamp::from_secs(10.0),
                uid: "CSmtp1".into(),
                id: Some(Endpoints {
                    saddr: "10.0.0.1".parse().unwrap(),
                    sport: 40000,
                    daddr: "10.0.0.2".parse().unwrap(),
                    dport: 25,
                }),
                last_reply: Some(
                    "535 5.7.8 Error: authentication failed: bad smtp-auth user".into(),
                ),
                ..Smtp::default()
            }))
            .into()
        };
        assert!(d.is_new(&conn("CSmtp1", 40000, 10.0)));
        for _ in 0..4 {
            assert!(d.is_new(&smtp()));
        }
        assert!(!d.is_new(&conn("CSmtp1", 40000, 10.0)));
        assert_eq!(d.duplicates(), 1);
    }

    #[test]
    fn memory_is_bounded_by_two_generations() {
        let mut d = Dedup::new(4);
        for i in 0..100u16 {
            assert!(d.is_new(&conn("", i, 1.0)));
            assert!(d.cur.len() <= 4 && d.prev.len() <= 4);
        }
        // The last generation is still known.
        assert!(!d.is_new(&conn("", 99, 1.0)));
        // Long gone.
        assert!(d.is_new(&conn("", 0, 1.0)));
    }
}

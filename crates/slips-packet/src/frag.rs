//! Bounded IP fragment reassembly (IPv4 and IPv6).
//!
//! Caps: [`MAX_DATAGRAMS`] datagrams pending at once (the oldest is dropped beyond it),
//! [`MAX_DATAGRAM`] bytes per datagram, [`MAX_PIECES`] fragments per datagram, and a
//! [`FRAG_TIMEOUT`] of packet time after which an incomplete datagram is dropped. Each drop is
//! reported to the caller as a weird name.

use std::collections::VecDeque;
use std::net::IpAddr;

/// Datagrams being reassembled at once.
pub const MAX_DATAGRAMS: usize = 1024;
/// Largest reassembled datagram (IP payload bytes).
pub const MAX_DATAGRAM: usize = 65_535;
/// Fragments kept per datagram.
pub const MAX_PIECES: usize = 128;
/// Seconds of packet time an incomplete datagram is kept (Zeek's `frag_timeout` is off by
/// default; Linux uses 30 s).
pub const FRAG_TIMEOUT: f64 = 30.0;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    proto: u8,
}

struct Pending {
    key: Key,
    first_ts: f64,
    /// (offset, bytes)
    pieces: Vec<(u32, Vec<u8>)>,
    /// Total length once the last fragment was seen.
    total: Option<u32>,
    bytes: usize,
}

/// The result of adding a fragment.
pub(crate) enum FragOut {
    /// The datagram is complete: its upper-layer bytes.
    Done(Vec<u8>),
    /// Still waiting for more fragments.
    Pending,
    /// The fragment was rejected (weird name).
    Weird(&'static str),
}

#[derive(Default)]
pub(crate) struct Reassembler {
    pending: VecDeque<Pending>,
    /// Datagrams dropped (timeouts, caps).
    pub dropped: u64,
}

impl Reassembler {
    /// Adds one fragment; returns the whole upper-layer payload when complete.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        ts: f64,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        id: u32,
        offset: u32,
        more: bool,
        data: &[u8],
    ) -> FragOut {
        self.expire(ts);
        let end = u64::from(offset) + data.len() as u64;
        if end > MAX_DATAGRAM as u64 {
            return FragOut::Weird("excessively_large_fragment");
        }
        let end = end as u32;
        let key = Key {
            src,
            dst,
            id,
            proto,
        };
        let idx = match self.pending.iter().position(|p| p.key == key) {
            Some(i) => i,
            None => {
                if self.pending.len() >= MAX_DATAGRAMS {
                    self.pending.pop_front();
                    self.dropped += 1;
                }
                self.pending.push_back(Pending {
                    key,
                    first_ts: ts,
                    pieces: Vec::new(),
                    total: None,
                    bytes: 0,
                });
                self.pending.len() - 1
            }
        };
        let Some(p) = self.pending.get_mut(idx) else {
            return FragOut::Pending;
        };
        if p.pieces.len() >= MAX_PIECES {
            self.pending.remove(idx);
            self.dropped += 1;
            return FragOut::Weird("excessive_fragments");
        }
        if !more {
            if p.total.is_some_and(|t| t != end) {
                self.pending.remove(idx);
                self.dropped += 1;
                return FragOut::Weird("fragment_inconsistency");
            }
            p.total = Some(end);
        }
        p.bytes += data.len();
        p.pieces.push((offset, data.to_vec()));
        let Some(total) = p.total else {
            return FragOut::Pending;
        };
        // Complete when the pieces cover [0, total) without holes.
        p.pieces.sort_by_key(|(o, _)| *o);
        let mut covered = 0u32;
        for (o, d) in &p.pieces {
            if *o > covered {
                return FragOut::Pending;
            }
            covered = covered.max(o + d.len() as u32);
        }
        if covered < total {
            return FragOut::Pending;
        }
        let Some(p) = self.pending.remove(idx) else {
            return FragOut::Pending;
        };
        let mut out = vec![0u8; total as usize];
        // Overlapping fragments: later offsets win.
        for (o, d) in &p.pieces {
            let s = *o as usize;
            let e = (s + d.len()).min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(s..e), d.get(..e - s)) {
                dst.copy_from_slice(src);
            }
        }
        FragOut::Done(out)
    }

    fn expire(&mut self, ts: f64) {
        while let Some(p) = self.pending.front() {
            if ts - p.first_ts > FRAG_TIMEOUT {
                self.pending.pop_front();
                self.dropped += 1;
            } else {
                break;
            }
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_out_of_order_and_caps() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let mut r = Reassembler::default();
        assert!(matches!(
            r.add(0.0, a, b, 17, 7, 8, false, &[2u8; 4]),
            FragOut::Pending
        ));
        match r.add(0.1, a, b, 17, 7, 0, true, &[1u8; 8]) {
            FragOut::Done(v) => assert_eq!(v, vec![1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]),
            _ => panic!("not reassembled"),
        }
        assert_eq!(r.len(), 0);
        assert!(matches!(
            r.add(0.0, a, b, 17, 8, 65_530, true, &[0u8; 16]),
            FragOut::Weird("excessively_large_fragment")
        ));
        for id in 0..(MAX_DATAGRAMS as u32 + 10) {
            let _ = r.add(1.0, a, b, 17, id + 100, 0, true, &[0u8; 8]);
        }
        assert_eq!(r.len(), MAX_DATAGRAMS);
        let _ = r.add(100.0, a, b, 17, 1, 0, true, &[0u8; 8]);
        assert_eq!(r.len(), 1);
    }
}

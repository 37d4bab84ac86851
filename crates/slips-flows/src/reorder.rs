//! A bounded reorder stage: records of inputs that are not written in start-time order
//! (Suricata's eve.json and the packet engine write flows when they end, Argus and nfdump
//! files are often merged or sorted otherwise) leave in start-time order, so the engine's
//! time windows are anchored at the first flow and detector states are not reset by
//! records that come back in time.
//!
//! A record waits until event time (the largest start time seen) is more than the
//! lateness bound past its own start, or until more than `cap` records wait (then the
//! earliest leaves early, counted as `forced`). Records leave by (start time, arrival
//! number): ties keep their input order, so the output is deterministic. A record that
//! arrives after a later one has already left (it is later than the bound, or the cap
//! forced records out) cannot be put in its place: it leaves at once, is still analysed,
//! and is counted as `late`.
//!
//! Pure and event-time only: nothing here reads the clock.

use slips_core::{Flow, Timestamp};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Default lateness bound of files, seconds of event time (`parameters.reorder_window`):
/// one day. Suricata writes a flow when it ends or times out, and the flows still open at
/// the end of a capture all at the end, in no order: in `test6-malicious.suricata.json`
/// (one day of traffic) 3,800 of 4,767 records come after a later one, up to 23 h 58 min
/// late. Memory stays bounded by [`REORDER_CAP`].
pub const DEFAULT_REORDER_WINDOW: f64 = 86_400.0;

/// Default lateness bound of standard input (a live stream, where waiting costs latency):
/// two minutes, which covers flows that end within Suricata's default UDP and TCP
/// timeouts.
pub const DEFAULT_STREAM_REORDER_WINDOW: f64 = 120.0;

/// Most records waiting in the reorder stage (beyond it the earliest leaves early).
pub const REORDER_CAP: usize = 200_000;

/// What the reorder stage did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReorderStats {
    /// Records that went through.
    pub records: u64,
    /// Records that came after a later record had left (still analysed, out of order).
    pub late: u64,
    /// Records sent on early because `cap` records were waiting.
    pub forced: u64,
    /// Records that arrived before a record with an earlier start (put back in order
    /// unless also `late`).
    pub out_of_order: u64,
}

struct Held {
    ts: Timestamp,
    seq: u64,
    flow: Flow,
}

impl PartialEq for Held {
    fn eq(&self, o: &Self) -> bool {
        (self.ts, self.seq) == (o.ts, o.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.ts, self.seq).cmp(&(o.ts, o.seq))
    }
}

/// The reorder stage. See the module documentation.
pub struct Reorder {
    /// Lateness bound in seconds; infinite: only the cap releases records before the end.
    window: f64,
    cap: usize,
    heap: BinaryHeap<Reverse<Held>>,
    seq: u64,
    /// Largest start time seen.
    now: Option<Timestamp>,
    /// Start time of the last record that left.
    released: Option<Timestamp>,
    stats: ReorderStats,
}

impl std::fmt::Debug for Reorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reorder")
            .field("window", &self.window)
            .field("cap", &self.cap)
            .field("held", &self.heap.len())
            .field("stats", &self.stats)
            .finish()
    }
}

impl Reorder {
    /// A stage with a lateness bound of `window` seconds (negative or NaN: 0; infinite:
    /// records wait until `cap` or the end) and at most `cap` (at least 1) waiting records.
    pub fn new(window: f64, cap: usize) -> Reorder {
        Reorder {
            window: if window >= 0.0 { window } else { 0.0 },
            cap: cap.max(1),
            heap: BinaryHeap::new(),
            seq: 0,
            now: None,
            released: None,
            stats: ReorderStats::default(),
        }
    }

    /// The lateness bound, seconds.
    pub fn window(&self) -> f64 {
        self.window
    }

    /// Takes one record; the records that may leave now are given to `out`, in order.
    pub fn push(&mut self, flow: Flow, out: &mut impl FnMut(Flow)) {
        let ts = flow.record.ts();
        self.stats.records += 1;
        if self.now.is_some_and(|n| ts < n) {
            self.stats.out_of_order += 1;
        }
        if self.released.is_some_and(|r| ts < r) {
            // Its place is gone: analysed now, out of order.
            self.stats.late += 1;
            out(flow);
            return;
        }
        self.now = Some(self.now.map_or(ts, |n| n.max(ts)));
        self.heap.push(Reverse(Held {
            ts,
            seq: self.seq,
            flow,
        }));
        self.seq += 1;
        let horizon = self.now.map(|n| n.secs() - self.window);
        while let Some(Reverse(top)) = self.heap.peek() {
            let due = horizon.is_some_and(|h| top.ts.secs() < h);
            if due {
                self.release(out);
            } else if self.heap.len() > self.cap {
                self.stats.forced += 1;
                self.release(out);
            } else {
                break;
            }
        }
    }

    fn release(&mut self, out: &mut impl FnMut(Flow)) {
        if let Some(Reverse(h)) = self.heap.pop() {
            self.released = Some(self.released.map_or(h.ts, |r| r.max(h.ts)));
            out(h.flow);
        }
    }

    /// The end of the input: every waiting record, in order.
    pub fn finish(&mut self, out: &mut impl FnMut(Flow)) {
        while !self.heap.is_empty() {
            self.release(out);
        }
    }

    /// Most records waiting.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Records waiting.
    pub fn held(&self) -> usize {
        self.heap.len()
    }

    pub fn stats(&self) -> ReorderStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{Conn, Record};

    fn conn(ts: f64, uid: &str) -> Flow {
        Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            ..Conn::default()
        })
        .into()
    }

    fn uid(f: &Flow) -> String {
        match &f.record {
            Record::Conn(c) => c.uid.to_string(),
            _ => unreachable!(),
        }
    }

    fn run(r: &mut Reorder, input: &[(f64, &str)]) -> Vec<String> {
        let mut out = Vec::new();
        for &(ts, u) in input {
            r.push(conn(ts, u), &mut |f| out.push(uid(&f)));
        }
        r.finish(&mut |f| out.push(uid(&f)));
        out
    }

    #[test]
    fn puts_records_back_in_order_within_the_bound() {
        let mut r = Reorder::new(10.0, 100);
        let got = run(
            &mut r,
            &[(5.0, "c"), (1.0, "a"), (3.0, "b"), (20.0, "e"), (12.0, "d")],
        );
        assert_eq!(got, ["a", "b", "c", "d", "e"]);
        let s = r.stats();
        assert_eq!((s.records, s.late, s.forced, s.out_of_order), (5, 0, 0, 3));
    }

    #[test]
    fn releases_as_event_time_passes_the_bound() {
        let mut r = Reorder::new(10.0, 100);
        let mut out = Vec::new();
        for (ts, u) in [(0.0, "a"), (5.0, "b"), (10.0, "c")] {
            r.push(conn(ts, u), &mut |f| out.push(uid(&f)));
        }
        // 10 - 0 is not more than the bound: nothing left yet.
        assert!(out.is_empty());
        r.push(conn(10.5, "d"), &mut |f| out.push(uid(&f)));
        assert_eq!(out, ["a"]);
        r.push(conn(30.0, "e"), &mut |f| out.push(uid(&f)));
        assert_eq!(out, ["a", "b", "c", "d"]);
        assert_eq!(r.held(), 1);
    }

    #[test]
    fn records_later_than_the_bound_are_analysed_and_counted() {
        let mut r = Reorder::new(10.0, 100);
        // "a" at 50 has left when 2.0 comes (70 - 10 > 50): late, passed on at once.
        let got = run(
            &mut r,
            &[(50.0, "a"), (70.0, "b"), (2.0, "late"), (65.0, "c")],
        );
        assert_eq!(got, ["a", "late", "c", "b"]);
        let s = r.stats();
        assert_eq!((s.records, s.late, s.forced), (4, 1, 0));
    }

    #[test]
    fn the_cap_forces_the_earliest_out_and_is_counted() {
        let mut r = Reorder::new(f64::INFINITY, 2);
        let got = run(
            &mut r,
            &[(3.0, "c"), (2.0, "b"), (4.0, "d"), (1.0, "a"), (5.0, "e")],
        );
        // With 3 waiting the earliest leaves: b (after d), then a arrives after b left:
        // late; then c leaves when e arrives.
        assert_eq!(got, ["b", "a", "c", "d", "e"]);
        let s = r.stats();
        assert_eq!((s.forced, s.late), (2, 1));
        assert!(r.held() == 0);
    }

    #[test]
    fn ties_keep_their_input_order() {
        for _ in 0..3 {
            let mut r = Reorder::new(5.0, 100);
            let got = run(
                &mut r,
                &[(2.0, "x"), (1.0, "p"), (2.0, "y"), (1.0, "q"), (2.0, "z")],
            );
            assert_eq!(got, ["p", "q", "x", "y", "z"]);
        }
    }

    #[test]
    fn a_zero_bound_passes_ordered_input_through_and_counts_disorder() {
        let mut r = Reorder::new(0.0, 100);
        let got = run(&mut r, &[(1.0, "a"), (2.0, "b"), (1.5, "c"), (3.0, "d")]);
        assert_eq!(got, ["a", "c", "b", "d"]);
        assert_eq!(r.stats().late, 0);
        let mut r = Reorder::new(0.0, 100);
        let got = run(&mut r, &[(1.0, "a"), (2.0, "b"), (3.0, "d"), (1.5, "c")]);
        assert_eq!(got, ["a", "b", "c", "d"]);
        assert_eq!(r.stats().late, 1);
    }
}

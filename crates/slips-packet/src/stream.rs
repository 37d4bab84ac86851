//! Per-direction TCP stream reassembly with bounded buffers.
//!
//! In-order data is delivered at once; out-of-order segments wait in a small buffer (at most
//! [`MAX_HELD_SEGMENTS`] segments and [`MAX_HELD_BYTES`] bytes per direction). When the buffer
//! is full, or when the connection ends with a hole, the hole is skipped and counted as
//! missed bytes (Zeek's `missed_bytes`), and delivery goes on after it.

/// Out-of-order segments held per direction.
pub const MAX_HELD_SEGMENTS: usize = 32;
/// Out-of-order bytes held per direction.
pub const MAX_HELD_BYTES: usize = 256 * 1024;

#[derive(Default, Debug)]
pub(crate) struct Stream {
    /// Relative sequence number of the next byte to deliver (None until the first data).
    next: Option<u64>,
    held: Vec<(u64, Vec<u8>)>,
    held_bytes: usize,
    /// Bytes skipped over holes.
    pub missed: u64,
}

/// What happened to a segment.
pub(crate) enum Seg<'a> {
    /// Contiguous new bytes to deliver (possibly a suffix of the segment).
    Deliver(&'a [u8]),
    /// A retransmission of bytes already delivered.
    Retransmit,
    /// Held for later.
    Held,
}

impl Stream {
    /// Sets where the stream starts (after the SYN).
    pub fn start_at(&mut self, rel: u64) {
        if self.next.is_none() {
            self.next = Some(rel);
        }
    }

    /// Adds a segment starting at relative sequence `rel`.
    pub fn segment<'a>(&mut self, rel: u64, data: &'a [u8]) -> Seg<'a> {
        let next = *self.next.get_or_insert(rel);
        let end = rel + data.len() as u64;
        if end <= next {
            return Seg::Retransmit;
        }
        if rel <= next {
            let skip = usize::try_from(next - rel).unwrap_or(usize::MAX);
            let new = data.get(skip..).unwrap_or(&[]);
            self.next = Some(end);
            return Seg::Deliver(new);
        }
        // Out of order: hold it if the caps allow.
        if self.held.len() < MAX_HELD_SEGMENTS && self.held_bytes + data.len() <= MAX_HELD_BYTES {
            self.held_bytes += data.len();
            self.held.push((rel, data.to_vec()));
            return Seg::Held;
        }
        // Caps reached: skip the hole up to the earliest held segment (or this one).
        Seg::Held.also_hold(self, rel, data)
    }

    /// Delivers what became contiguous after a delivery (call after `Deliver` until `None`).
    pub fn pop_ready(&mut self) -> Option<Vec<u8>> {
        let next = self.next?;
        let i = self.held.iter().position(|(r, _)| *r <= next)?;
        let (rel, data) = self.held.swap_remove(i);
        self.held_bytes -= data.len();
        let end = rel + data.len() as u64;
        if end <= next {
            return Some(Vec::new());
        }
        let skip = usize::try_from(next - rel).unwrap_or(0);
        self.next = Some(end);
        Some(data.get(skip..).map(<[u8]>::to_vec).unwrap_or_default())
    }

    /// Skips the first hole: counts it as missed and makes the next held segment deliverable.
    /// Returns false when nothing is held.
    pub fn skip_hole(&mut self) -> bool {
        let Some(next) = self.next else {
            return false;
        };
        let Some(min) = self.held.iter().map(|(r, _)| *r).min() else {
            return false;
        };
        if min > next {
            self.missed += min - next;
            self.next = Some(min);
        }
        true
    }
}

impl Seg<'_> {
    fn also_hold<'a>(self, s: &mut Stream, rel: u64, data: &'a [u8]) -> Seg<'a> {
        // Force progress: skip to the earliest of the held segments and this one.
        let min_held = s.held.iter().map(|(r, _)| *r).min().unwrap_or(rel).min(rel);
        let next = s.next.unwrap_or(min_held);
        if min_held > next {
            s.missed += min_held - next;
            s.next = Some(min_held);
        }
        if rel <= min_held {
            s.next = Some(rel + data.len() as u64);
            return Seg::Deliver(data);
        }
        Seg::Held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_out_of_order_and_retransmit() {
        let mut s = Stream::default();
        s.start_at(1);
        assert!(matches!(s.segment(1, b"abc"), Seg::Deliver(b"abc")));
        assert!(matches!(s.segment(7, b"ghi"), Seg::Held));
        assert!(matches!(s.segment(1, b"abc"), Seg::Retransmit));
        assert!(matches!(s.segment(3, b"cdef"), Seg::Deliver(b"def")));
        assert_eq!(s.pop_ready(), Some(b"ghi".to_vec()));
        assert_eq!(s.pop_ready(), None);
        assert!(matches!(s.segment(20, b"x"), Seg::Held));
        assert!(s.skip_hole());
        assert_eq!(s.missed, 10);
        assert_eq!(s.pop_ready(), Some(b"x".to_vec()));
    }

    #[test]
    fn caps_force_progress() {
        let mut s = Stream::default();
        s.start_at(0);
        for i in 0..(MAX_HELD_SEGMENTS as u64 + 5) {
            let _ = s.segment(1000 + i * 10, b"0123456789");
        }
        assert!(s.held.len() <= MAX_HELD_SEGMENTS);
        assert!(s.missed >= 1000);
    }
}

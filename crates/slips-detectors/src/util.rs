//! Small helpers shared by detectors.

use compact_str::CompactString;

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

#[cfg(test)]
mod tests {
    use super::*;

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

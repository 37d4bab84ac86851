//! Stratosphere behavioural letters.
//!
//! Each flow of a tuple (profile, destination IP, destination port, protocol) in a time window
//! becomes one symbol: optional `0`s (one per whole hour since the previous flow), a letter
//! encoding periodicity × size × duration, and a time character encoding the gap to the
//! previous flow. The concatenation of symbols is the tuple's behaviour string that the
//! Markov models of the Stratosphere Testing Framework were trained on.
//!
//! Deliberate choice: the second flow of a tuple already gets its time character (and its
//! zeros), as in the Stratosphere Testing Framework and Slips 0.3, so that strings match the
//! shipped models (`88,h,h,...`). Current Slips emits no time character for the first two
//! flows (`88h,h,...`).

/// Constants of the letter algorithm (seconds and bytes).
pub const TTO: f64 = 3600.0;
pub const TT1: f64 = 1.05;
pub const TT2: f64 = 1.3;
pub const TT3: f64 = 5.0;
pub const TD1: f64 = 0.1;
pub const TD2: f64 = 10.0;
pub const TS1: u64 = 250;
pub const TS2: u64 = 1100;

/// Letter blocks, indexed by periodicity class (unknown, strong, weak, weakly not, strongly
/// not periodic), then by `(size - 1) * 3 + (duration - 1)`.
const BLOCKS: [&[u8; 9]; 5] = [
    b"123456789",
    b"abcdefghi",
    b"ABCDEFGHI",
    b"rstuvwxyz",
    b"RSTUVWXYZ",
];

/// Per-tuple memory needed to compute the next symbol.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LetterState {
    last_ts: Option<f64>,
    /// Gap between the previous flow and the one before it (T1 of the next flow).
    last_gap: Option<f64>,
}

/// Periodicity class: 0 unknown, 1 strongly periodic ... 4 strongly not periodic.
pub fn periodicity(t1: Option<f64>, t2: Option<f64>) -> usize {
    let (Some(t1), Some(t2)) = (t1, t2) else {
        return 0;
    };
    // A zero gap makes the ratio undefined; Slips treats it as perfectly periodic.
    let td = if t2 >= t1 {
        if t1 == 0.0 {
            1.0
        } else {
            t2 / t1
        }
    } else if t2 == 0.0 {
        1.0
    } else {
        t1 / t2
    };
    if td <= TT1 {
        1
    } else if td <= TT2 {
        2
    } else if td <= TT3 {
        3
    } else {
        4
    }
}

/// Duration class 1..=3.
pub fn duration_class(dur: f64) -> usize {
    if dur <= TD1 {
        1
    } else if dur <= TD2 {
        2
    } else {
        3
    }
}

/// Size class 1..=3 (total payload bytes of the flow).
pub fn size_class(bytes: u64) -> usize {
    if bytes <= TS1 {
        1
    } else if bytes <= TS2 {
        2
    } else {
        3
    }
}

/// Time character for the gap since the previous flow.
pub fn time_char(t2: Option<f64>) -> Option<char> {
    let t2 = t2?;
    Some(if t2 <= 5.0 {
        '.'
    } else if t2 <= 60.0 {
        ','
    } else if t2 <= 300.0 {
        '+'
    } else if t2 <= TTO {
        '*'
    } else {
        return None;
    })
}

/// The letter alone for a periodicity class, a size and a duration.
pub fn letter(periodicity: usize, bytes: u64, dur: f64) -> char {
    let idx = (size_class(bytes) - 1) * 3 + (duration_class(dur) - 1);
    BLOCKS[periodicity.min(4)][idx] as char
}

impl LetterState {
    /// Appends the symbol of a new flow of this tuple to `out` and returns its length.
    ///
    /// Gaps are clamped at zero, so out-of-order flows cannot produce negative periods.
    pub fn push(&mut self, ts: f64, dur: f64, bytes: u64, out: &mut String) -> usize {
        let before = out.len();
        let t2 = self.last_ts.map(|last| (ts - last).max(0.0));
        let t1 = self.last_gap;
        if let Some(gap) = t2 {
            if gap >= TTO {
                let zeros = (gap / TTO) as usize;
                // Bounded: a tuple silent for years must not blow up memory.
                out.extend(std::iter::repeat_n('0', zeros.min(1000)));
            }
        }
        out.push(letter(periodicity(t1, t2), bytes, dur.max(0.0)));
        if let Some(c) = time_char(t2) {
            out.push(c);
        }
        self.last_gap = t2;
        self.last_ts = Some(match self.last_ts {
            Some(last) => last.max(ts),
            None => ts,
        });
        out.len() - before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_table_matches_reference() {
        // Rows: size class; columns: duration class; per cell the 5 periodicity letters.
        let expected = [
            ["1aArR", "2bBsS", "3cCtT"],
            ["4dDuU", "5eEvV", "6fFwW"],
            ["7gGxX", "8hHyY", "9iIzZ"],
        ];
        let sizes = [100u64, 500, 5000];
        let durs = [0.05, 5.0, 50.0];
        for (si, row) in expected.iter().enumerate() {
            for (di, cell) in row.iter().enumerate() {
                for (p, want) in cell.chars().enumerate() {
                    assert_eq!(
                        letter(p, sizes[si], durs[di]),
                        want,
                        "size {si} dur {di} p {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn class_boundaries_are_inclusive() {
        assert_eq!(size_class(250), 1);
        assert_eq!(size_class(251), 2);
        assert_eq!(size_class(1100), 2);
        assert_eq!(size_class(1101), 3);
        assert_eq!(duration_class(0.1), 1);
        assert_eq!(duration_class(10.0), 2);
        assert_eq!(duration_class(10.001), 3);
        assert_eq!(periodicity(Some(10.0), Some(10.5)), 1);
        assert_eq!(periodicity(Some(10.0), Some(13.0)), 2);
        assert_eq!(periodicity(Some(10.0), Some(50.0)), 3);
        assert_eq!(periodicity(Some(10.0), Some(50.1)), 4);
        assert_eq!(periodicity(Some(50.1), Some(10.0)), 4);
        assert_eq!(periodicity(None, Some(10.0)), 0);
        assert_eq!(periodicity(Some(0.0), Some(3.0)), 1);
        assert_eq!(time_char(Some(5.0)), Some('.'));
        assert_eq!(time_char(Some(60.0)), Some(','));
        assert_eq!(time_char(Some(300.0)), Some('+'));
        assert_eq!(time_char(Some(3600.0)), Some('*'));
        assert_eq!(time_char(Some(3600.1)), None);
        assert_eq!(time_char(None), None);
    }

    fn run(flows: &[(f64, f64, u64)]) -> String {
        let mut st = LetterState::default();
        let mut s = String::new();
        for &(ts, dur, bytes) in flows {
            st.push(ts, dur, bytes, &mut s);
        }
        s
    }

    #[test]
    fn periodic_http_beacon() {
        // Big, 0.1-10 s flows every 30 s: 8 then 8, then strongly periodic h.
        let flows: Vec<_> = (0..5).map(|i| (i as f64 * 30.0, 1.0, 2000)).collect();
        assert_eq!(run(&flows), "88,h,h,h,");
    }

    #[test]
    fn zeros_for_hours_of_silence() {
        let s = run(&[(0.0, 0.0, 10), (7300.0, 0.0, 10)]);
        assert_eq!(s, "1001");
        let s = run(&[(0.0, 0.0, 10), (7300.0, 0.0, 10), (7301.0, 0.0, 10)]);
        // Third flow: T1 = 7300, T2 = 1 -> ratio 7300 -> strongly not periodic R, '.'.
        assert_eq!(s, "1001R.");
    }

    #[test]
    fn out_of_order_flows_clamp_gaps() {
        let s = run(&[(100.0, 0.0, 10), (50.0, 0.0, 10), (101.0, 0.0, 10)]);
        // Gap to an older flow is 0; then T1 = 0 -> periodic by convention.
        assert_eq!(s, "11.a.");
    }
}

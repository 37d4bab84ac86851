//! `strato_letters.tsv`: the letters of every outgoing tuple, for research (Slips' option
//! `export_strato_letters`).
//!
//! Header `Outtuple\tLetters`, then one row per tuple of each window:
//! `<saddr>-<daddr>-<dport>-<proto>-timewindow<N>\t<letters>`, in the order of the windows
//! given, tuples sorted as the summary lists them.

use slips_core::summary::WindowSummary;
use std::fmt::Write as _;

/// The header line (with its newline).
pub const HEADER: &str = "Outtuple\tLetters\n";

/// Appends the rows of one window summary to `out` (tuples without letters are skipped).
pub fn write_rows(out: &mut String, w: &WindowSummary) {
    for t in &w.out_tuples {
        if t.letters.is_empty() {
            continue;
        }
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{}-{}-{}-{}-timewindow{}\t{}",
            w.profile, t.daddr, t.dport, t.proto, w.window.number, t.letters
        );
    }
}

/// The whole file for a set of window summaries.
pub fn strato_letters_tsv<'a, I>(windows: I) -> String
where
    I: IntoIterator<Item = &'a WindowSummary>,
{
    let mut s = String::from(HEADER);
    for w in windows {
        write_rows(&mut s, w);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::summary::TupleRow;
    use slips_core::{Proto, Timestamp, WindowClock};

    #[test]
    fn rows() {
        let w = WindowSummary {
            profile: "10.0.0.1".parse().unwrap(),
            window: WindowClock::new(Timestamp::ZERO, 3600.0).window(2),
            flows: 3,
            dst_ips: vec![],
            src_ips: vec![],
            client_ports: vec![],
            server_ports: vec![],
            out_tuples: vec![
                TupleRow {
                    daddr: "8.8.8.8".parse().unwrap(),
                    dport: 53,
                    proto: Proto::Udp,
                    letters: "11.a.".into(),
                    flows: 2,
                },
                TupleRow {
                    daddr: "1.2.3.4".parse().unwrap(),
                    dport: 443,
                    proto: Proto::Tcp,
                    letters: String::new(),
                    flows: 1,
                },
            ],
            in_tuples: vec![],
            evidence: vec![],
            alerted: false,
        };
        assert_eq!(
            strato_letters_tsv([&w]),
            "Outtuple\tLetters\n10.0.0.1-8.8.8.8-53-udp-timewindow2\t11.a.\n"
        );
    }
}

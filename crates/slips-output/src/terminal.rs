//! Text for the terminal: the alert block and the periodic progress line. Pure functions.

use crate::alerts_log::push_one_line;
use crate::timefmt::slash;
use slips_core::{Alert, Evidence};
use std::fmt::Write as _;

const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";

/// The block printed when a profile is alerted:
///
/// (the evidence lines start with a tab)
///
/// ```text
/// IP 10.0.2.15 detected as malicious in time window 1 (start 2018/09/27 22:00:00, stop 2018/09/27 23:00:00) given the following evidence:
///     - Detected <description> Threat level: high.
/// ```
///
/// The header is red when `color` is true; no escape codes otherwise. One line per evidence
/// in the order given (pass the alert's evidence). No trailing newline.
pub fn alert_block(alert: &Alert, evidence: &[Evidence], color: bool) -> String {
    let mut out = String::with_capacity(160 + evidence.len() * 120);
    if color {
        out.push_str(RED);
    }
    let _ = write!(
        out,
        "IP {} detected as malicious in time window {} (start {}, stop {}) given the following evidence:",
        alert.profile,
        alert.timewindow.number,
        slash(alert.timewindow.start),
        slash(alert.timewindow.end)
    );
    if color {
        out.push_str(RESET);
    }
    for ev in evidence {
        out.push_str("\n\t- Detected ");
        push_one_line(&ev.description, &mut out);
        let _ = write!(out, " Threat level: {}.", ev.threat_level);
    }
    out
}

/// Numbers of the periodic progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub analyzed_ips: u64,
    pub flows: u64,
    pub evidence: u64,
    pub alerts: u64,
    pub flows_per_sec: f64,
}

/// `Total analyzed IPs: N. Analyzed flows: F. Evidence: E. Alerts: A. R flows/s.`
/// (integration tests parse `Total analyzed IPs:`). The rate is rounded to a whole number.
pub fn stats_line(s: &Stats) -> String {
    let rate = if s.flows_per_sec.is_finite() {
        s.flows_per_sec.max(0.0)
    } else {
        0.0
    };
    format!(
        "Total analyzed IPs: {}. Analyzed flows: {}. Evidence: {}. Alerts: {}. {rate:.0} flows/s.",
        s.analyzed_ips, s.flows, s.evidence, s.alerts
    )
}

/// The terminal as a sink: the block of each alert, and with `-p` the tuples of each
/// closed window with their letters, those a behavioural model matched marked (magenta
/// when `color`).
pub struct TerminalSink<W: std::io::Write> {
    out: W,
    color: bool,
    /// `-p`: print tuples with at least this many flows.
    tuples: Option<u64>,
    /// Tuples matched by a behavioural model: (profile, window, daddr, dport) -> the
    /// evidence description.
    matches: std::collections::BTreeMap<(std::net::IpAddr, i64, std::net::IpAddr, u16), String>,
}

impl<W: std::io::Write> TerminalSink<W> {
    pub fn new(out: W, color: bool, tuples: Option<u64>) -> Self {
        TerminalSink {
            out,
            color,
            tuples,
            matches: Default::default(),
        }
    }

    fn print_tuples(
        &mut self,
        w: &slips_core::summary::WindowSummary,
        min: u64,
    ) -> std::io::Result<()> {
        let rows: Vec<_> = w.out_tuples.iter().filter(|t| t.flows >= min).collect();
        if rows.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        let _ = writeln!(
            text,
            "Profile {} time window {} ({} - {}): {} tuples",
            w.profile,
            w.window.number,
            slash(w.window.start),
            slash(w.window.end),
            rows.len()
        );
        for t in rows {
            match self
                .matches
                .get(&(w.profile, w.window.number, t.daddr, t.dport))
            {
                Some(m) => {
                    let (on, off) = if self.color {
                        ("\x1b[35m", RESET)
                    } else {
                        ("", "")
                    };
                    let _ = write!(
                        text,
                        "  {on}{}-{}-{} ({} flows): {}  DETECTED: ",
                        t.daddr, t.dport, t.proto, t.flows, t.letters
                    );
                    push_one_line(m, &mut text);
                    let _ = writeln!(text, "{off}");
                }
                None => {
                    let _ = writeln!(
                        text,
                        "  {}-{}-{} ({} flows): {}",
                        t.daddr, t.dport, t.proto, t.flows, t.letters
                    );
                }
            }
        }
        self.out.write_all(text.as_bytes())
    }
}

impl<W: std::io::Write> crate::sink::Sink for TerminalSink<W> {
    fn name(&self) -> &'static str {
        "terminal"
    }
    fn evidence(&mut self, e: &Evidence, _now: &crate::sink::Now<'_>) -> crate::Result<()> {
        if self.tuples.is_some()
            && e.evidence_type == slips_core::EvidenceType::BEHAVIOURAL_MODEL_MATCH
        {
            if let (Some(v), Some(port)) = (e.victim.as_ref().and_then(|v| v.as_ip()), e.dst_port) {
                self.matches.insert(
                    (e.profile, e.timewindow.number, v, port),
                    e.description.clone(),
                );
            }
        }
        Ok(())
    }
    fn alert(
        &mut self,
        a: &Alert,
        evidence: &[Evidence],
        _now: &crate::sink::Now<'_>,
    ) -> crate::Result<()> {
        writeln!(self.out, "{}", alert_block(a, evidence, self.color))
            .map_err(crate::OutputError::Write)
    }
    fn window_closed(&mut self, w: &slips_core::summary::WindowSummary) -> crate::Result<()> {
        match self.tuples {
            Some(min) => self.print_tuples(w, min).map_err(crate::OutputError::Write),
            None => Ok(()),
        }
    }
    fn flush(&mut self) -> crate::Result<()> {
        self.out.flush().map_err(crate::OutputError::Write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{alert, evidence_domain, evidence_scan};

    #[test]
    fn golden_alert_block() {
        let evs = [evidence_scan(), evidence_domain()];
        let plain = alert_block(&alert(), &evs, false);
        assert_eq!(
            plain,
            "IP 192.168.2.12 detected as malicious in time window 1 (start 2018/09/27 22:00:00, stop 2018/09/27 23:00:00) given the following evidence:\n\
             \t- Detected Horizontal port scan to port 81/tcp. From 192.168.2.12 to 15 unique destination IPs. Threat level: high.\n\
             \t- Detected Query to a blacklisted domain evil.example. Threat level: critical."
        );
        assert!(!plain.contains('\x1b'));
        let colored = alert_block(&alert(), &evs, true);
        assert!(colored.starts_with("\x1b[31mIP 192.168.2.12 detected"));
        assert_eq!(colored.replace(RED, "").replace(RESET, ""), plain);
    }

    #[test]
    fn golden_stats_line() {
        let s = Stats {
            analyzed_ips: 12,
            flows: 34567,
            evidence: 89,
            alerts: 2,
            flows_per_sec: 1234.6,
        };
        assert_eq!(
            stats_line(&s),
            "Total analyzed IPs: 12. Analyzed flows: 34567. Evidence: 89. Alerts: 2. 1235 flows/s."
        );
        let s = Stats {
            flows_per_sec: f64::NAN,
            ..Default::default()
        };
        assert!(stats_line(&s).ends_with(" 0 flows/s."));
    }
}

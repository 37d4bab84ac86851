//! `alerts.log`: one human-readable line per evidence and per alert.

use crate::error::{OutputError, Result};
use crate::timefmt::iso;
use slips_core::{Alert, Evidence};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::Path;

/// File name of the human-readable evidence and alert log inside the output folder.
pub const ALERTS_LOG: &str = "alerts.log";

/// Width the profile IP is padded to (as Slips pads it), so descriptions line up.
const IP_WIDTH: usize = 26;

/// Buffered writer of `alerts.log`.
///
/// Lines are written in the order the caller hands them over. The wording follows Slips
/// 1.1.21 except that the alert line carries the accumulated threat level instead of the
/// wall-clock "real time", so that the file only depends on the input.
#[derive(Debug)]
pub struct AlertsLog<W: Write = BufWriter<File>> {
    out: W,
    line: String,
}

impl AlertsLog<BufWriter<File>> {
    /// Creates (truncates) `<out_dir>/alerts.log`.
    pub fn create(out_dir: &Path) -> Result<Self> {
        let path = out_dir.join(ALERTS_LOG);
        let f = crate::atomic::create(out_dir, &path)?;
        Ok(Self::new(BufWriter::with_capacity(64 * 1024, f)))
    }
}

impl<W: Write> AlertsLog<W> {
    /// Writes to any writer (tests, stdout). Buffer it yourself if it is unbuffered.
    pub fn new(out: W) -> Self {
        AlertsLog {
            out,
            line: String::with_capacity(256),
        }
    }

    /// Appends the line of one piece of evidence.
    pub fn evidence(&mut self, ev: &Evidence) -> Result<()> {
        self.line.clear();
        evidence_line(ev, &mut self.line);
        self.line.push('\n');
        self.out
            .write_all(self.line.as_bytes())
            .map_err(OutputError::Write)
    }

    /// Appends the line of one alert.
    pub fn alert(&mut self, alert: &Alert) -> Result<()> {
        self.line.clear();
        alert_line(alert, &mut self.line);
        self.line.push('\n');
        self.out
            .write_all(self.line.as_bytes())
            .map_err(OutputError::Write)
    }

    /// Flushes the buffer to the file (call it periodically and at the end).
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(OutputError::Write)
    }

    /// Flushes and returns the inner writer.
    pub fn into_inner(mut self) -> Result<W> {
        self.flush()?;
        Ok(self.out)
    }
}

/// `Src IP <ip padded to 26>`.
fn push_src_ip(ip: IpAddr, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(out, "Src IP {:<width$}", ip.to_string(), width = IP_WIDTH);
}

/// Appends `text` (which may come from the traffic) as part of one line: line breaks
/// become spaces (one evidence is one line) and every other control character is escaped
/// ([`slips_core::text::escape_controls`]), so crafted text can neither forge lines nor
/// drive the terminal.
pub(crate) fn push_one_line(text: &str, out: &mut String) {
    if text.contains(['\n', '\r']) {
        let flat: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
            .collect();
        out.push_str(&slips_core::text::escape_controls(&flat));
    } else {
        out.push_str(&slips_core::text::escape_controls(text));
    }
}

/// `<flow ts ISO> (TW <n>): Src IP <ip padded>. Detected <description> Threat level: <level>.`
pub fn evidence_line(ev: &Evidence, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(out, "{} (TW {}): ", iso(ev.ts), ev.timewindow.number);
    push_src_ip(ev.profile, out);
    out.push_str(". Detected ");
    push_one_line(&ev.description, out);
    let _ = write!(out, " Threat level: {}.", ev.threat_level);
    push_notes(ev, out);
}

/// ` [IP a.b.c.d: AS..., country, SNI...]` for each enriched IP of the evidence.
pub fn push_notes(ev: &Evidence, out: &mut String) {
    use std::fmt::Write as _;
    for n in &ev.notes {
        let _ = write!(out, " [IP {}: ", n.ip);
        push_one_line(&n.text, out);
        out.push(']');
    }
}

/// `<last flow ts ISO>: Src IP <ip padded>. Generated an alert given enough evidence on
/// timewindow <n>. Accumulated threat level: <x.xx>.`
/// When the attacker was blocked, "Is blocked" instead of "Generated an alert", as Slips
/// says; only when the block is really in the firewall.
pub fn alert_line(alert: &Alert, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(out, "{}: ", iso(alert.last_ts));
    push_src_ip(alert.profile, out);
    let verb = if alert.blocked == Some(true) {
        "Is blocked"
    } else {
        "Generated an alert"
    };
    let _ = write!(
        out,
        ". {verb} given enough evidence on timewindow {}. Accumulated threat level: {:.2}.",
        alert.timewindow.number, alert.accumulated_threat_level
    );
}

impl<W: Write> crate::sink::Sink for AlertsLog<W> {
    fn name(&self) -> &'static str {
        "alerts.log"
    }
    fn evidence(&mut self, e: &Evidence, _now: &crate::sink::Now<'_>) -> Result<()> {
        AlertsLog::evidence(self, e)
    }
    fn alert(&mut self, a: &Alert, _ev: &[Evidence], _now: &crate::sink::Now<'_>) -> Result<()> {
        AlertsLog::alert(self, a)
    }
    fn flush(&mut self) -> Result<()> {
        AlertsLog::flush(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_the_traffic_cannot_drive_the_terminal() {
        let mut ev = crate::fixtures::evidence_scan();
        ev.description = "notice \x1b[2J\x1b]0;owned\x07All clear\nfake line".into();
        ev.notes.push(slips_core::IpNote {
            ip: "10.0.0.9".parse().unwrap(),
            text: "SNI \u{1b}[31mred".into(),
        });
        let mut line = String::new();
        evidence_line(&ev, &mut line);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(
            line.contains("notice \\x1b[2J\\x1b]0;owned\\x07All clear fake line"),
            "{line}"
        );
        assert!(line.contains("SNI \\x1b[31mred"), "{line}");
        let block = crate::terminal::alert_block(&crate::fixtures::alert(), &[ev], false);
        assert!(!block
            .replace(['\n', '\t'], "")
            .chars()
            .any(|c| c.is_control()));
    }

    #[test]
    fn enrichment_notes_follow_the_line() {
        let mut ev = crate::fixtures::evidence_scan();
        ev.notes.push(slips_core::IpNote {
            ip: "8.8.8.8".parse().unwrap(),
            text: "AS15169 Google LLC, US".into(),
        });
        let mut line = String::new();
        evidence_line(&ev, &mut line);
        assert!(
            line.ends_with(" [IP 8.8.8.8: AS15169 Google LLC, US]"),
            "{line}"
        );
    }
    use crate::fixtures::{alert, evidence_dst, evidence_scan};

    const GOLDEN: &str = "\
2018-09-27T22:44:06.123456+00:00 (TW 1): Src IP 192.168.2.12              . Detected Horizontal port scan to port 81/tcp. From 192.168.2.12 to 15 unique destination IPs. Threat level: high.
2018-09-27T22:50:00+00:00 (TW 1): Src IP 8.8.4.4                   . Detected Connection from a blacklisted IP (second line) Threat level: medium.
2018-09-27T22:59:59.500000+00:00: Src IP 192.168.2.12              . Generated an alert given enough evidence on timewindow 1. Accumulated threat level: 15.20.
";

    #[test]
    fn golden_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = AlertsLog::create(dir.path()).unwrap();
        log.evidence(&evidence_scan()).unwrap();
        log.evidence(&evidence_dst()).unwrap();
        log.alert(&alert()).unwrap();
        log.flush().unwrap();
        drop(log);
        let got = std::fs::read_to_string(dir.path().join(ALERTS_LOG)).unwrap();
        assert_eq!(got, GOLDEN);
    }

    #[test]
    fn blocking_wording_and_determinism() {
        let write = || {
            let mut log = AlertsLog::new(Vec::new());
            log.evidence(&evidence_scan()).unwrap();
            let mut a = alert();
            a.blocked = Some(true);
            log.alert(&a).unwrap();
            // Asked for but not applied (refused, dry run): the usual wording.
            a.blocked = Some(false);
            log.alert(&a).unwrap();
            log.into_inner().unwrap()
        };
        let a = write();
        assert_eq!(a, write());
        let text = String::from_utf8(a).unwrap();
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "2018-09-27T22:59:59.500000+00:00: Src IP 192.168.2.12              . Is blocked given enough evidence on timewindow 1. Accumulated threat level: 15.20."
        );
        assert!(text
            .lines()
            .nth(2)
            .unwrap()
            .contains(". Generated an alert given"));
    }
}

//! Per-profile files of Slips' old `-l` output: one folder per profiled IP with a file per
//! time window and `ProfileData.txt`, and the global `Blocked.txt`.
//!
//! Every file is rendered in memory and replaced atomically (temporary file + rename), so the
//! live refresh can call the same functions again with newer summaries while readers only
//! ever see complete files.
//!
//! Folder names: a profile's folder is the canonical text of its IP (RFC 5952 for IPv6,
//! e.g. `profiles/fe80::1/`). Colons are kept: the time-window file names contain them too,
//! as Slips' did, and keeping the IP verbatim lets consumers find a profile without a
//! mapping rule. [`profile_dir`] is the single place that builds the path.
//!
//! Rows are sorted (IPs, tuples, ports) so the files only depend on the summaries' content;
//! evidence keeps the order it has in the summary.

use crate::alerts_log::push_one_line;
use crate::atomic::{create, write_atomic};
use crate::error::{OutputError, Result};
use crate::timefmt::{iso, window_file_stamp};
use slips_core::summary::{Counters, PortRow, ProfileSummary, TupleRow, WindowSummary};
use slips_core::{Proto, TimeWindow};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Folder of the per-profile folders inside the output folder.
pub const PROFILES_DIR: &str = "profiles";
/// Per-profile facts file.
pub const PROFILE_DATA: &str = "ProfileData.txt";
/// Global list of alerted profile-windows.
pub const BLOCKED: &str = "Blocked.txt";

/// `<out_dir>/profiles/<ip>`.
pub fn profile_dir(out_dir: &Path, ip: IpAddr) -> PathBuf {
    out_dir.join(PROFILES_DIR).join(ip.to_string())
}

/// `<TW start %Y-%m-%dT%H:%M:%S>.timewindow<N>`.
pub fn window_file_name(tw: &TimeWindow) -> String {
    format!("{}.timewindow{}", window_file_stamp(tw.start), tw.number)
}

/// Writer of the per-profile files of one output folder.
#[derive(Clone, Debug)]
pub struct ProfileFiles {
    out_dir: PathBuf,
    /// Whether blocking runs: only then does an alert request a block.
    blocking: bool,
}

impl ProfileFiles {
    pub fn new(out_dir: &Path) -> Self {
        ProfileFiles {
            out_dir: out_dir.to_path_buf(),
            blocking: false,
        }
    }

    /// With blocking on, alerted windows say a block was requested.
    pub fn with_blocking(mut self, on: bool) -> Self {
        self.blocking = on;
        self
    }

    /// Writes the file of a closed profile-window once (a plain write: nobody reads a closed
    /// window's file while it is written, and file input closes many windows) and returns
    /// its path. Use [`ProfileFiles::write_window`] for files that are rewritten.
    pub fn write_closed_window(&self, w: &WindowSummary) -> Result<PathBuf> {
        let dir = profile_dir(&self.out_dir, w.profile);
        let path = dir.join(window_file_name(&w.window));
        let text = render_window(w, self.blocking);
        let mut f = create(&self.out_dir, &path)?;
        f.write_all(text.as_bytes())
            .map_err(OutputError::io("write", &path))?;
        Ok(path)
    }

    /// (Re)writes the file of one profile-window atomically (live refresh) and returns its
    /// path.
    pub fn write_window(&self, w: &WindowSummary) -> Result<PathBuf> {
        let path = profile_dir(&self.out_dir, w.profile).join(window_file_name(&w.window));
        write_atomic(
            &self.out_dir,
            &path,
            render_window(w, self.blocking).as_bytes(),
        )?;
        tracing::trace!(path = %path.display(), "window file written");
        Ok(path)
    }

    /// (Re)writes `profiles/<ip>/ProfileData.txt` and returns its path.
    pub fn write_profile(&self, p: &ProfileSummary) -> Result<PathBuf> {
        let ip = p.ip.ok_or(OutputError::MissingProfileIp)?;
        let path = profile_dir(&self.out_dir, ip).join(PROFILE_DATA);
        write_atomic(&self.out_dir, &path, render_profile(ip, p).as_bytes())?;
        Ok(path)
    }

    /// (Re)writes `<out>/Blocked.txt` from every alerted (profile, window number); duplicates
    /// are removed and the lines sorted by IP then window. `blocked` says, with blocking
    /// on, whether each alert's attacker was blocked.
    pub fn write_blocked<I>(
        &self,
        alerted: I,
        blocked: &BTreeMap<(IpAddr, i64), bool>,
    ) -> Result<PathBuf>
    where
        I: IntoIterator<Item = (IpAddr, i64)>,
    {
        let path = self.out_dir.join(BLOCKED);
        let text = render_blocked(alerted, self.blocking.then_some(blocked));
        write_atomic(&self.out_dir, &path, text.as_bytes())?;
        Ok(path)
    }
}

/// The alerted profile-windows of a set of profiles, for [`ProfileFiles::write_blocked`].
pub fn blocked_entries<'a, I>(profiles: I) -> Vec<(IpAddr, i64)>
where
    I: IntoIterator<Item = &'a ProfileSummary>,
{
    profiles
        .into_iter()
        .filter_map(|p| p.ip.map(|ip| (ip, &p.alerted_windows)))
        .flat_map(|(ip, ws)| ws.iter().map(move |&n| (ip, n)))
        .collect()
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        "flow"
    } else {
        "flows"
    }
}

fn push_ip_counts(out: &mut String, heading: &str, rows: &[(IpAddr, u64)]) {
    let mut rows: Vec<&(IpAddr, u64)> = rows.iter().collect();
    rows.sort();
    let _ = writeln!(out, "{heading}");
    for (ip, n) in rows {
        let _ = writeln!(out, "\t{ip}: {n} {}", plural(*n));
    }
}

fn push_tuples(out: &mut String, heading: &str, rows: &[TupleRow]) {
    let mut rows: Vec<&TupleRow> = rows.iter().collect();
    rows.sort_by_key(|t| (t.daddr, t.dport, t.proto));
    let _ = writeln!(out, "{heading}");
    for t in rows {
        let _ = writeln!(
            out,
            "\t{}-{}-{}  {}  ({} {})",
            t.daddr,
            t.dport,
            t.proto,
            t.letters,
            t.flows,
            plural(t.flows)
        );
    }
}

/// Protocol classes of the port tables, in output order.
const PROTO_CLASSES: [&str; 5] = ["TCP", "UDP", "ICMP", "ICMPv6", "other"];

fn proto_class(p: Proto) -> usize {
    match p {
        Proto::Tcp => 0,
        Proto::Udp => 1,
        Proto::Icmp => 2,
        Proto::Icmp6 => 3,
        _ => 4,
    }
}

/// Port tables grouped by (protocol class, established first), rows merged per port.
fn push_ports(out: &mut String, client: bool, rows: &[PortRow]) {
    let mut groups: BTreeMap<(usize, bool), BTreeMap<u16, Counters>> = BTreeMap::new();
    for r in rows {
        // `!established` so that Established sorts before NOT Established.
        let c = groups
            .entry((proto_class(r.proto), !r.established))
            .or_default()
            .entry(r.port)
            .or_default();
        c.flows = c.flows.saturating_add(r.counters.flows);
        c.pkts = c.pkts.saturating_add(r.counters.pkts);
        c.bytes = c.bytes.saturating_add(r.counters.bytes);
    }
    for ((class, not_established), ports) in groups {
        let proto = PROTO_CLASSES.get(class).copied().unwrap_or("other");
        let state = if not_established {
            "NOT Established"
        } else {
            "Established"
        };
        let _ = if client {
            writeln!(
                out,
                "As a client, Dst Ports we connected with {proto} {state} flows:"
            )
        } else {
            writeln!(
                out,
                "As a server, Dst Ports others connected to with {proto} {state} flows:"
            )
        };
        for (port, c) in ports {
            let _ = writeln!(
                out,
                "\tPort {port}. Total Flows: {}. Total Pkts: {}. TotalBytes: {}.",
                c.flows, c.pkts, c.bytes
            );
        }
    }
}

/// The text of one time-window file.
pub fn render_window(w: &WindowSummary, blocking: bool) -> String {
    let mut out = String::with_capacity(1024);
    let _ = writeln!(out, "Profile: {}", w.profile);
    let _ = writeln!(
        out,
        "Time window {}: {} - {}",
        w.window.number,
        iso(w.window.start),
        iso(w.window.end)
    );
    let _ = writeln!(out, "Flows: {}", w.flows);
    out.push('\n');
    push_ip_counts(&mut out, "DstIP:", &w.dst_ips);
    if !w.src_ips.is_empty() {
        push_ip_counts(&mut out, "SrcIP:", &w.src_ips);
    }
    out.push('\n');
    push_tuples(&mut out, "OutTuples:", &w.out_tuples);
    if !w.in_tuples.is_empty() {
        push_tuples(&mut out, "InTuples:", &w.in_tuples);
    }
    if !w.client_ports.is_empty() || !w.server_ports.is_empty() {
        out.push('\n');
        push_ports(&mut out, true, &w.client_ports);
        push_ports(&mut out, false, &w.server_ports);
    }
    out.push('\n');
    out.push_str("Evidence of detections in this TW:\n");
    for ev in &w.evidence {
        out.push_str("\tEvidence Description: ");
        push_one_line(&ev.description, &mut out);
        let _ = writeln!(
            out,
            " Confidence: {}. Threat Level: {}. (Evidence type {})",
            ev.confidence, ev.threat_level, ev.evidence_type
        );
    }
    // Slips' line, true only when a block was really asked for (blocking on).
    let yes_no = |b: bool| if b { "True" } else { "False" };
    let _ = writeln!(out, "Alerted in this time window: {}", yes_no(w.alerted));
    let _ = writeln!(
        out,
        "Was requested to block in this time window: {}",
        yes_no(w.alerted && blocking)
    );
    out
}

fn push_list<T: std::fmt::Display>(out: &mut String, key: &str, items: &[T]) {
    if items.is_empty() {
        let _ = writeln!(out, "{key}: none");
        return;
    }
    let _ = writeln!(out, "{key}:");
    for it in items {
        out.push('\t');
        push_one_line(&it.to_string(), out);
        out.push('\n');
    }
}

fn push_numbers(out: &mut String, key: &str, items: &[i64]) {
    let _ = write!(out, "{key}: ");
    if items.is_empty() {
        out.push_str("none");
    }
    for (i, n) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{n}");
    }
    out.push('\n');
}

/// The text of `ProfileData.txt`.
pub fn render_profile(ip: IpAddr, p: &ProfileSummary) -> String {
    let mut out = String::with_capacity(512);
    let _ = writeln!(out, "Profiled IP: {ip}");
    if let Some(info) = &p.enrichment {
        out.push_str("Info: ");
        crate::alerts_log::push_one_line(info, &mut out);
        out.push('\n');
    }
    let _ = writeln!(out, "First seen: {}", iso(p.first_seen));
    let _ = writeln!(out, "Last seen: {}", iso(p.last_seen));
    let _ = writeln!(out, "Flows: {}", p.flows);
    push_list(&mut out, "MAC addresses", &p.macs);
    push_list(&mut out, "Host names", &p.host_names);
    push_list(&mut out, "User agents", &p.user_agents);
    push_list(&mut out, "Software", &p.software);
    push_numbers(&mut out, "Time windows", &p.windows);
    push_numbers(&mut out, "Alerted time windows", &p.alerted_windows);
    let _ = writeln!(out, "Evidence: {}", p.evidence_count);
    let _ = writeln!(
        out,
        "Max threat level: {}",
        p.max_threat_level.map_or("none", |l| l.as_str())
    );
    out
}

/// The text of `Blocked.txt`: the alerted profile-windows, and with blocking on
/// (`blocked` given) whether each was blocked. Without blocking it says nothing was.
pub fn render_blocked<I>(alerted: I, blocked: Option<&BTreeMap<(IpAddr, i64), bool>>) -> String
where
    I: IntoIterator<Item = (IpAddr, i64)>,
{
    let mut rows: Vec<(IpAddr, i64)> = alerted.into_iter().collect();
    rows.sort_unstable();
    rows.dedup();
    let mut out = String::from(match blocked {
        None => "# Blocking is off (--blocking): these profiles raised alerts, none was blocked.\n",
        Some(_) => "# Blocking is on: the profiles that raised alerts and what was done (details in blocking.log).\n",
    });
    out.push_str("Detections:\n");
    for (ip, n) in rows {
        let _ = write!(out, "\t{ip}: timewindow{n}");
        match blocked.map(|b| b.get(&(ip, n)).copied()) {
            None => {}
            Some(Some(true)) => out.push_str(" blocked"),
            Some(_) => out.push_str(" not blocked"),
        }
        out.push('\n');
    }
    out
}

/// Slips' `-l` output as a sink: a file per closed window (open ones rewritten on live
/// refresh), `ProfileData.txt` and `Blocked.txt` at the end, and the timeline of each
/// profile's records (only records the engine gave a profile).
#[derive(Debug)]
pub struct ProfilesSink {
    files: ProfileFiles,
    timeline: crate::Timeline,
    /// With blocking on: whether the attacker of each alerted profile-window was blocked.
    blocked: BTreeMap<(IpAddr, i64), bool>,
    /// Alerted windows of profiles retired during the run (for Blocked.txt).
    retired_alerted: Vec<(IpAddr, i64)>,
}

impl ProfilesSink {
    pub fn new(out_dir: &Path) -> Self {
        ProfilesSink {
            files: ProfileFiles::new(out_dir),
            timeline: crate::Timeline::new(),
            blocked: BTreeMap::new(),
            retired_alerted: Vec::new(),
        }
    }

    /// Blocking runs: window files and Blocked.txt say what was requested and done.
    pub fn with_blocking(mut self, on: bool) -> Self {
        self.files = self.files.with_blocking(on);
        self
    }
}

impl crate::sink::Sink for ProfilesSink {
    fn name(&self) -> &'static str {
        "profiles"
    }
    fn record(&mut self, flow: &slips_core::Flow, profile: Option<IpAddr>) -> Result<()> {
        if let Some(ip) = profile {
            self.timeline.observe(ip, &flow.record);
        }
        Ok(())
    }
    fn alert(
        &mut self,
        alert: &slips_core::Alert,
        _evidence: &[slips_core::Evidence],
        _now: &crate::sink::Now<'_>,
    ) -> Result<()> {
        if let Some(b) = alert.blocked {
            let slot = self
                .blocked
                .entry((alert.profile, alert.timewindow.number))
                .or_insert(false);
            *slot |= b;
        }
        Ok(())
    }
    fn window_closed(&mut self, w: &WindowSummary) -> Result<()> {
        self.files.write_closed_window(w).map(|_| ())
    }
    fn wants_open_windows(&self) -> bool {
        true
    }
    fn refresh(&mut self, open: &[WindowSummary], _now: &crate::sink::Now<'_>) -> Result<()> {
        open.iter()
            .try_for_each(|w| self.files.write_window(w).map(|_| ()))
    }
    fn profile_retired(&mut self, p: &ProfileSummary) -> Result<()> {
        self.retired_alerted
            .extend(blocked_entries(std::iter::once(p)));
        self.files.write_profile(p).map(|_| ())
    }
    fn finish(&mut self, profiles: &[ProfileSummary]) -> Result<()> {
        for p in profiles {
            self.files.write_profile(p)?;
        }
        let mut entries = std::mem::take(&mut self.retired_alerted);
        entries.extend(blocked_entries(profiles));
        entries.sort_unstable();
        self.files.write_blocked(entries, &self.blocked)?;
        self.timeline.write_all(&self.files.out_dir)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{evidence_dst, evidence_scan, ip, ts, tw1};
    use slips_core::{Mac, ThreatLevel};

    fn row(proto: Proto, established: bool, port: u16, flows: u64) -> PortRow {
        PortRow {
            proto,
            established,
            port,
            counters: Counters {
                flows,
                pkts: flows * 2,
                bytes: flows * 100,
            },
        }
    }

    fn summary() -> WindowSummary {
        WindowSummary {
            profile: ip("192.168.2.12"),
            window: tw1(),
            flows: 21,
            dst_ips: vec![
                (ip("8.8.8.8"), 3),
                (ip("1.1.1.1"), 1),
                (ip("192.168.2.1"), 17),
            ],
            src_ips: vec![(ip("192.168.2.50"), 2)],
            client_ports: vec![
                row(Proto::Udp, true, 53, 4),
                row(Proto::Tcp, false, 81, 15),
                row(Proto::Tcp, true, 443, 1),
                row(Proto::Tcp, true, 80, 2),
                row(Proto::Icmp, true, 8, 1),
                row(Proto::Gre, true, 0, 1),
                row(Proto::Igmp, true, 0, 2),
            ],
            server_ports: vec![row(Proto::Tcp, true, 22, 2)],
            out_tuples: vec![
                TupleRow {
                    daddr: ip("8.8.8.8"),
                    dport: 53,
                    proto: Proto::Udp,
                    letters: "11.1.".into(),
                    flows: 3,
                },
                TupleRow {
                    daddr: ip("1.1.1.1"),
                    dport: 443,
                    proto: Proto::Tcp,
                    letters: "9".into(),
                    flows: 1,
                },
            ],
            in_tuples: vec![],
            evidence: vec![evidence_scan(), evidence_dst()],
            alerted: true,
        }
    }

    const GOLDEN_WINDOW: &str = "\
Profile: 192.168.2.12
Time window 1: 2018-09-27T22:00:00+00:00 - 2018-09-27T23:00:00+00:00
Flows: 21

DstIP:
\t1.1.1.1: 1 flow
\t8.8.8.8: 3 flows
\t192.168.2.1: 17 flows
SrcIP:
\t192.168.2.50: 2 flows

OutTuples:
\t1.1.1.1-443-tcp  9  (1 flow)
\t8.8.8.8-53-udp  11.1.  (3 flows)

As a client, Dst Ports we connected with TCP Established flows:
\tPort 80. Total Flows: 2. Total Pkts: 4. TotalBytes: 200.
\tPort 443. Total Flows: 1. Total Pkts: 2. TotalBytes: 100.
As a client, Dst Ports we connected with TCP NOT Established flows:
\tPort 81. Total Flows: 15. Total Pkts: 30. TotalBytes: 1500.
As a client, Dst Ports we connected with UDP Established flows:
\tPort 53. Total Flows: 4. Total Pkts: 8. TotalBytes: 400.
As a client, Dst Ports we connected with ICMP Established flows:
\tPort 8. Total Flows: 1. Total Pkts: 2. TotalBytes: 100.
As a client, Dst Ports we connected with other Established flows:
\tPort 0. Total Flows: 3. Total Pkts: 6. TotalBytes: 300.
As a server, Dst Ports others connected to with TCP Established flows:
\tPort 22. Total Flows: 2. Total Pkts: 4. TotalBytes: 200.

Evidence of detections in this TW:
\tEvidence Description: Horizontal port scan to port 81/tcp. From 192.168.2.12 to 15 unique destination IPs. Confidence: 1. Threat Level: high. (Evidence type HORIZONTAL_PORT_SCAN)
\tEvidence Description: Connection from a blacklisted IP (second line) Confidence: 0.6. Threat Level: medium. (Evidence type THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP)
Alerted in this time window: True
Was requested to block in this time window: False
";

    #[test]
    fn closed_window_file_equals_the_atomic_one() {
        let dir = tempfile::tempdir().unwrap();
        let files = ProfileFiles::new(dir.path());
        let w = summary();
        let closed = files.write_closed_window(&w).unwrap();
        let text = std::fs::read_to_string(&closed).unwrap();
        assert_eq!(text, render_window(&w, false));
        let again = files.write_window(&w).unwrap();
        assert_eq!(again, closed);
        assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
    }

    #[test]
    fn golden_window_file_and_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let files = ProfileFiles::new(dir.path());
        let path = files.write_window(&summary()).unwrap();
        assert_eq!(
            path,
            dir.path()
                .join("profiles/192.168.2.12/2018-09-27T22:00:00.timewindow1")
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), GOLDEN_WINDOW);
        let first = std::fs::read(&path).unwrap();
        files.write_window(&summary()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), first, "deterministic");

        // Live refresh: a newer summary replaces the file; no temporary files remain.
        let mut s = summary();
        s.flows = 1;
        s.dst_ips.truncate(1);
        s.src_ips.clear();
        s.out_tuples.clear();
        s.client_ports.clear();
        s.server_ports.clear();
        s.evidence.clear();
        s.alerted = false;
        files.write_window(&s).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "\
Profile: 192.168.2.12
Time window 1: 2018-09-27T22:00:00+00:00 - 2018-09-27T23:00:00+00:00
Flows: 1

DstIP:
\t8.8.8.8: 3 flows

OutTuples:

Evidence of detections in this TW:
Alerted in this time window: False
Was requested to block in this time window: False
"
        );
        // With blocking on, an alert is a request to block.
        let blocking = ProfileFiles::new(dir.path()).with_blocking(true);
        let text = std::fs::read_to_string(blocking.write_window(&summary()).unwrap()).unwrap();
        assert!(text.ends_with("Alerted in this time window: True\nWas requested to block in this time window: True\n"), "{text}");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["2018-09-27T22:00:00.timewindow1".to_string()]);
    }

    #[test]
    fn golden_profile_data() {
        let dir = tempfile::tempdir().unwrap();
        let files = ProfileFiles::new(dir.path());
        let p = ProfileSummary {
            ip: Some(ip("fe80::1")),
            first_seen: ts(1538085600.5),
            last_seen: ts(1538089100.0),
            flows: 42,
            macs: vec![Mac([8, 0, 0x27, 0x7f, 9, 0xe1])],
            host_names: vec![],
            user_agents: vec!["Mozilla/5.0 (X11; Linux x86_64)".into(), "curl/8.0".into()],
            software: vec!["OpenSSH 8.2".into()],
            windows: vec![1, 2, 5],
            alerted_windows: vec![],
            evidence_count: 3,
            max_threat_level: Some(ThreatLevel::High),
            enrichment: Some("AS15169 Google LLC, US".into()),
        };
        let path = files.write_profile(&p).unwrap();
        assert_eq!(path, dir.path().join("profiles/fe80::1/ProfileData.txt"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "\
Profiled IP: fe80::1
Info: AS15169 Google LLC, US
First seen: 2018-09-27T22:00:00.500000+00:00
Last seen: 2018-09-27T22:58:20+00:00
Flows: 42
MAC addresses:
\t08:00:27:7f:09:e1
Host names: none
User agents:
\tMozilla/5.0 (X11; Linux x86_64)
\tcurl/8.0
Software:
\tOpenSSH 8.2
Time windows: 1, 2, 5
Alerted time windows: none
Evidence: 3
Max threat level: high
"
        );
        let no_ip = ProfileSummary::default();
        assert!(matches!(
            files.write_profile(&no_ip),
            Err(OutputError::MissingProfileIp)
        ));
    }

    #[test]
    fn golden_blocked() {
        let dir = tempfile::tempdir().unwrap();
        let files = ProfileFiles::new(dir.path());
        let profiles = [
            ProfileSummary {
                ip: Some(ip("10.0.0.9")),
                alerted_windows: vec![3, 1],
                ..Default::default()
            },
            ProfileSummary {
                ip: Some(ip("10.0.0.10")),
                alerted_windows: vec![2],
                ..Default::default()
            },
            ProfileSummary {
                ip: Some(ip("10.0.0.9")),
                alerted_windows: vec![1],
                ..Default::default()
            },
        ];
        let none = BTreeMap::new();
        let path = files
            .write_blocked(blocked_entries(&profiles), &none)
            .unwrap();
        assert_eq!(path, dir.path().join("Blocked.txt"));
        let off =
            "# Blocking is off (--blocking): these profiles raised alerts, none was blocked.\n";
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{off}Detections:\n\t10.0.0.9: timewindow1\n\t10.0.0.9: timewindow3\n\t10.0.0.10: timewindow2\n")
        );
        files.write_blocked([], &none).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{off}Detections:\n")
        );

        // Blocking on: what was done per alerted window.
        let files = files.with_blocking(true);
        let done = BTreeMap::from([((ip("10.0.0.9"), 1), true), ((ip("10.0.0.10"), 2), false)]);
        files
            .write_blocked(blocked_entries(&profiles), &done)
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# Blocking is on: the profiles that raised alerts and what was done (details in blocking.log).\nDetections:\n\t10.0.0.9: timewindow1 blocked\n\t10.0.0.9: timewindow3 not blocked\n\t10.0.0.10: timewindow2 not blocked\n"
        );
    }
}

//! SSH detections: successful logins (ssh.log + conn.log bytes), SSH client/server versions
//! changing (software.log), and password guessing counted from ssh.log (Slips'
//! `flow_alerts/ssh.py`, `flow_alerts/software.py` and `brute_force_detector`).
//!
//! Differences from Slips, on purpose:
//! - SSH success needs the conn.log record of the session (its bytes). Slips sleeps 15 s
//!   for it; here the conn record is looked up in the engine's index of recent connections
//!   (the last 65,536 uids, see `slips_core::detector::RecentConns`) and an ssh record that
//!   comes first waits for its conn record at most 60 s of event time (at most 16,384
//!   waiting). Without a conn record nothing is reported, as in Slips.
//! - Version changes compare with the first version seen for the host and role (kept for at
//!   most 65,536 host/role pairs) and report each change once per window (software.log
//!   has no uid, so the engine cannot deduplicate repeats by flow).
//! - Password guessing: the Zeek notice evidence itself is `zeek_notices`; this detector
//!   only uses the notice as a confirmation (its attempt count raises the confidence and the
//!   description says "Confirmed by Zeek notice.log."). Campaigns are kept per window
//!   (at most 4,096 destinations per profile-window); client banners from software.log for at
//!   most 65,536 hosts.

use crate::appkit::{py_float, round_to, CappedSet, FifoMap, PendingByUid};
use crate::knowledge::Resources;
use crate::util::push_capped;
use crate::FromConfig;
use foldhash::HashMap;
use slips_config::Config;
use slips_core::detector::ConnInfo;
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::ports::service_name;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::net::IpAddr;

/// Successful SSH logins.
pub struct SshSuccessful {
    threshold: u64,
    waiting: PendingByUid<(Timestamp, Option<bool>)>,
}

impl Default for SshSuccessful {
    fn default() -> Self {
        SshSuccessful {
            threshold: 4290,
            waiting: PendingByUid::default(),
        }
    }
}

impl FromConfig for SshSuccessful {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        SshSuccessful {
            threshold: cfg.flow_alerts.ssh_succesful_detection_threshold,
            ..Default::default()
        }
    }
}

impl SshSuccessful {
    fn decide(
        &self,
        uid: &Str,
        ts: Timestamp,
        auth: Option<bool>,
        c: &ConnInfo,
        out: &mut Emitter,
    ) {
        let size = c.sbytes.saturating_add(c.dbytes);
        let by = if auth == Some(true) {
            "Zeek"
        } else if size > self.threshold {
            "Slips"
        } else {
            return;
        };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::SSH_SUCCESSFUL,
                c.saddr,
                Side::Src,
                ThreatLevel::Info,
                0.8,
                ts,
                format!(
                    "SSH successful to IP {}. From IP {}. Sent bytes: {size}. Detection model {by}. Confidence 0.8",
                    c.daddr, c.saddr
                ),
            )
            .victim_ip(c.daddr, Side::Dst)
            .proto(Proto::Tcp)
            .ports(Some(c.sport), Some(c.dport))
            .uids([uid.clone()]),
        );
    }
}

impl Detector for SshSuccessful {
    const NAME: &'static str = "ssh_successful";
    const DESCRIPTION: &'static str =
        "Successful SSH logins (Zeek's auth_success, or enough bytes in the session)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::SSH_SUCCESSFUL];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn, RecordKind::Ssh]);
    const CONFIG_KEYS: &'static [&'static str] = &["flow_alerts.ssh_succesful_detection_threshold"];
    const USES_RECENT_CONNS: bool = true;
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        self.waiting.expire(r.ts());
        match r {
            // Connections are remembered by the engine; only ssh records that came first
            // wait for theirs.
            Record::Conn(c) if !self.waiting.is_empty() => {
                let Some(f) = ConnInfo::of(c) else { return };
                if let Some((ts, auth)) = self.waiting.take(&c.uid) {
                    self.decide(&c.uid, ts, auth, &f, out);
                }
            }
            Record::Ssh(s) if ctx.direction == Direction::Out => {
                if let Some(c) = ctx.conn_by_uid(&s.uid) {
                    self.decide(&s.uid, s.ts, s.auth_success, c, out);
                } else {
                    self.waiting
                        .push(s.uid.clone(), s.ts, (s.ts, s.auth_success));
                }
            }
            _ => {}
        }
    }
}

/// Most host/role pairs whose first SSH version is remembered.
const MAX_SOFTWARE_HOSTS: usize = 65_536;

/// SSH client or server versions changing for one host.
pub struct SshVersions {
    first: FifoMap<(IpAddr, bool), (u32, u32)>,
}

impl Default for SshVersions {
    fn default() -> Self {
        SshVersions {
            first: FifoMap::new(MAX_SOFTWARE_HOSTS),
        }
    }
}

impl Detector for SshVersions {
    const NAME: &'static str = "multiple_ssh_versions";
    const DESCRIPTION: &'static str =
        "A host whose SSH client or server version changes (software.log)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::MULTIPLE_SSH_VERSIONS];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Software]);
    /// Changes already reported in the window (capped at 4,096).
    type WindowState = CappedSet<(bool, (u32, u32), (u32, u32))>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        seen: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Record::Software(s) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let kind = s
            .software_type
            .as_deref()
            .unwrap_or("")
            .to_ascii_uppercase();
        let client = if kind.contains("SSH::CLIENT") {
            true
        } else if kind.contains("SSH::SERVER") {
            false
        } else {
            return;
        };
        let (Some(host), Some(major), Some(minor)) = (s.host, s.version_major, s.version_minor)
        else {
            return;
        };
        let now = (major, minor);
        let Some(&old) = self.first.get(&(host, client)) else {
            self.first.insert((host, client), now);
            return;
        };
        if old == now || !seen.insert((client, old, now)) {
            return;
        }
        let role = if client { "client" } else { "server" };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::MULTIPLE_SSH_VERSIONS,
                host,
                Side::Src,
                ThreatLevel::Medium,
                0.9,
                s.ts,
                format!(
                    "SSH {role} version changing from {}_{} to {}_{}",
                    old.0, old.1, now.0, now.1
                ),
            )
            .flow_count(1),
        );
    }
}

/// Banner words of automated SSH tools and libraries (+0.07 confidence).
const AUTOMATION_BANNER_TOKENS: &[&str] = &[
    "libssh", "libssh2", "paramiko", "hydra", "medusa", "ncrack", "net::ssh", "net-ssh",
    "asyncssh", "jsch", "sshj",
];
/// Banner words of common interactive clients (+0.02 confidence).
const KNOWN_CLIENT_BANNER_TOKENS: &[&str] = &["openssh", "putty", "dropbear", "winscp"];
/// Attempts at which the confidence is 1.
const FULL_CONFIDENCE_ATTEMPTS: u32 = 30;
const MAX_CAMPAIGNS_PER_WINDOW: usize = 4096;

/// The reporting bucket of an attempt count: none below the threshold, then
/// `floor(log2(attempts - threshold + 1))` (reports at 9, 10, 12, 16, 24, 40, 72... for 9).
pub fn bucket(attempts: u32, threshold: u32) -> Option<u32> {
    (attempts >= threshold).then(|| (attempts - threshold + 1).max(1).ilog2())
}

/// Confidence bonus from the client banner and where it came from.
pub fn banner_bonus(banner: &str, from_software_log: bool) -> f64 {
    if banner.is_empty() {
        return 0.0;
    }
    let mut bonus: f64 = if from_software_log { 0.03 } else { 0.0 };
    let b = banner.to_ascii_lowercase();
    if AUTOMATION_BANNER_TOKENS.iter().any(|t| b.contains(t)) {
        bonus += 0.07;
    } else if KNOWN_CLIENT_BANNER_TOKENS.iter().any(|t| b.contains(t)) {
        bonus += 0.02;
    }
    bonus.min(0.1)
}

/// Slips' brute-force confidence: 0.5 at the threshold growing to 0.9 just below 30
/// attempts, plus the banner bonus, at most 0.99; 1 from 30 attempts.
pub fn brute_force_confidence(attempts: u32, threshold: u32, bonus: f64) -> f64 {
    let full = threshold.max(FULL_CONFIDENCE_ATTEMPTS);
    if attempts >= full {
        return 1.0;
    }
    let ratio =
        (attempts.saturating_sub(threshold) as f64 / (full - threshold).max(1) as f64).min(1.0);
    round_to((0.5 + 0.4 * ratio + bonus).min(0.99), 2)
}

#[derive(Default)]
struct Campaign {
    saddr: Option<IpAddr>,
    attempts: u32,
    uids: Vec<Str>,
    flows: u64,
    reported: Option<u32>,
    /// Attempts at the last report.
    reported_attempts: u32,
    /// A successful login followed the guessing (reported once, then nothing more).
    succeeded: bool,
    last_ts: Timestamp,
    client: Option<Str>,
}

#[derive(Default)]
pub struct BruteForceState {
    campaigns: HashMap<(IpAddr, u16), Campaign>,
    /// Most attempts a Zeek `SSH::Password_Guessing` notice reported for this profile.
    zeek_confirmed: Option<u32>,
}

/// SSH password guessing counted from ssh.log.
pub struct SshBruteForce {
    threshold: u32,
    banners: FifoMap<IpAddr, Str>,
}

impl Default for SshBruteForce {
    fn default() -> Self {
        SshBruteForce {
            threshold: 9,
            banners: FifoMap::new(MAX_SOFTWARE_HOSTS),
        }
    }
}

impl FromConfig for SshBruteForce {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        SshBruteForce {
            threshold: cfg.brute_force_detector.ssh_attempt_threshold.max(1),
            ..Default::default()
        }
    }
}

/// Attempts in "... (seen in 30 connections)." of a Zeek password-guessing notice.
fn notice_attempts(msg: &str) -> Option<u32> {
    let i = msg.find("seen in ")?;
    msg[i + 8..].split_whitespace().next()?.parse().ok()
}

impl Detector for SshBruteForce {
    const NAME: &'static str = "ssh_brute_force";
    const DESCRIPTION: &'static str =
        "SSH password guessing: many failed attempts from one host to one server (ssh.log)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::PASSWORD_GUESSING];
    const INTERESTS: RecordKinds =
        RecordKinds::of(&[RecordKind::Ssh, RecordKind::Software, RecordKind::Notice]);
    const CONFIG_KEYS: &'static [&'static str] = &["brute_force_detector.ssh_attempt_threshold"];
    type WindowState = BruteForceState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut BruteForceState,
        r: &Record,
        out: &mut Emitter,
    ) {
        if ctx.direction != Direction::Out {
            return;
        }
        let s = match r {
            Record::Software(sw) => {
                let is_client = sw
                    .software_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("SSH::CLIENT"));
                let (true, Some(host)) = (is_client, sw.host) else {
                    return;
                };
                let mut parts: Vec<&str> = Vec::new();
                if let Some(n) = sw.name.as_deref().filter(|n| !n.is_empty()) {
                    parts.push(n);
                }
                if let Some(v) = sw.unparsed_version.as_deref().filter(|v| !v.is_empty()) {
                    if !parts.contains(&v) {
                        parts.push(v);
                    }
                }
                if !parts.is_empty() {
                    self.banners.remove(&host);
                    self.banners.insert(host, parts.join(" ").into());
                }
                return;
            }
            Record::Notice(n) => {
                if n.note.contains("Password_Guessing") {
                    let a = notice_attempts(n.msg.as_deref().unwrap_or("")).unwrap_or(0);
                    st.zeek_confirmed = Some(st.zeek_confirmed.unwrap_or(0).max(a));
                }
                return;
            }
            Record::Ssh(s) => s,
            _ => return,
        };
        let Some(e) = s.id else { return };
        if s.auth_success == Some(true) {
            // A login that succeeds after guessing: the attack worked.
            let Some(c) = st.campaigns.get_mut(&(e.daddr, e.dport)) else {
                return;
            };
            if c.reported.is_none() || c.succeeded {
                return;
            }
            c.succeeded = true;
            push_capped(&mut c.uids, s.uid.clone(), MAX_UIDS_PER_EVIDENCE);
            c.flows += 1;
            let d = self.draft(st, e, s.client.as_deref(), s.ts, true);
            out.emit(d);
            return;
        }
        let inc = match s.auth_attempts.unwrap_or(0) {
            0 => 1,
            n => n,
        };
        if !st.campaigns.contains_key(&(e.daddr, e.dport))
            && st.campaigns.len() >= MAX_CAMPAIGNS_PER_WINDOW
        {
            return;
        }
        let c = st.campaigns.entry((e.daddr, e.dport)).or_default();
        c.saddr = Some(e.saddr);
        c.attempts = c.attempts.saturating_add(inc);
        c.flows += 1;
        c.last_ts = c.last_ts.max(s.ts);
        c.client = s.client.clone();
        push_capped(&mut c.uids, s.uid.clone(), MAX_UIDS_PER_EVIDENCE);
        let Some(b) = bucket(c.attempts, self.threshold) else {
            return;
        };
        if c.reported.is_some_and(|r| r >= b) || c.succeeded {
            return;
        }
        c.reported = Some(b);
        c.reported_attempts = c.attempts;
        let d = self.draft(st, e, s.client.as_deref(), s.ts, false);
        out.emit(d);
    }

    fn on_window_closed(
        &mut self,
        _ctx: &DetectorCtx,
        st: &mut BruteForceState,
        out: &mut Emitter,
    ) {
        // The true number of attempts, when it grew since the last report.
        let mut keys: Vec<_> = st
            .campaigns
            .iter()
            .filter(|(_, c)| {
                c.reported.is_some() && !c.succeeded && c.attempts > c.reported_attempts
            })
            .map(|(k, _)| *k)
            .collect();
        keys.sort_unstable();
        for (daddr, dport) in keys {
            let Some(c) = st.campaigns.get_mut(&(daddr, dport)) else {
                continue;
            };
            c.reported_attempts = c.attempts;
            let (ts, client) = (c.last_ts, c.client.clone());
            let Some(saddr) = c.saddr else { continue };
            let e = slips_core::flow::Endpoints {
                saddr,
                sport: 0,
                daddr,
                dport,
            };
            let d = self.draft(st, e, client.as_deref(), ts, false);
            out.emit(d);
        }
    }
}

impl SshBruteForce {
    /// The evidence of a guessing campaign; `succeeded`: it ended in a successful login
    /// (CRITICAL, confidence 1).
    fn draft(
        &self,
        st: &BruteForceState,
        e: slips_core::flow::Endpoints,
        client: Option<&str>,
        ts: Timestamp,
        succeeded: bool,
    ) -> EvidenceDraft {
        let c = &st.campaigns[&(e.daddr, e.dport)];
        let (banner, source) = match self.banners.get(&e.saddr) {
            Some(b) => (b.as_str(), "software.log"),
            None => match client.filter(|c| !c.is_empty()) {
                Some(c) => (c, "ssh.log"),
                None => ("", ""),
            },
        };
        let confirmed = st.zeek_confirmed;
        let effective = c.attempts.max(confirmed.unwrap_or(0));
        let conf = if succeeded {
            1.0
        } else {
            brute_force_confidence(
                effective,
                self.threshold,
                banner_bonus(banner, source == "software.log"),
            )
        };
        let port = match service_name(e.dport, Proto::Tcp) {
            Some(name) => format!("{name} {}/tcp", e.dport),
            None => format!("{}/tcp", e.dport),
        };
        let mut description = format!(
            "SSH brute force detector from {} to {} on {port}. Attempts observed: {}.",
            e.saddr, e.daddr, c.attempts
        );
        if succeeded {
            description.push_str(" Then a successful login.");
        }
        if !banner.is_empty() {
            description.push_str(&format!(" Client banner: {banner} from {source}."));
        }
        if confirmed.is_some() {
            description.push_str(" Confirmed by Zeek notice.log.");
        }
        description.push_str(&format!(" Confidence: {}. by Slips", py_float(conf)));
        let level = if succeeded {
            ThreatLevel::Critical
        } else {
            ThreatLevel::High
        };
        EvidenceDraft::new(
            EvidenceType::PASSWORD_GUESSING,
            e.saddr,
            Side::Src,
            level,
            conf,
            ts,
            description,
        )
        .victim_ip(e.daddr, Side::Dst)
        .proto(Proto::Tcp)
        .ports(None, Some(e.dport))
        .uids(c.uids.iter().cloned())
        .flow_count(c.flows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{app_conn, run, software, ssh};
    use slips_core::{Flow, Notice};

    use crate::testkit::rows;

    #[test]
    fn ssh_success_by_zeek_and_by_bytes() {
        let ev = run(
            SshSuccessful::default(),
            &[
                app_conn(1.0, "A", "10.0.0.5", "1.2.3.4", 22, 1000, 1000),
                ssh(1.1, "A", "10.0.0.5", "1.2.3.4", Some(true), Some(1)),
                app_conn(2.0, "B", "10.0.0.5", "1.2.3.4", 22, 2000, 2291),
                ssh(2.1, "B", "10.0.0.5", "1.2.3.4", None, None),
                // exactly the threshold: not more than 4290 bytes
                app_conn(3.0, "C", "10.0.0.5", "1.2.3.4", 22, 2000, 2290),
                ssh(3.1, "C", "10.0.0.5", "1.2.3.4", Some(false), Some(3)),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![
                (EvidenceType::SSH_SUCCESSFUL, "10.0.0.5".into(), Side::Src, ThreatLevel::Info, 0.8, "SSH successful to IP 1.2.3.4. From IP 10.0.0.5. Sent bytes: 2000. Detection model Zeek. Confidence 0.8".into()),
                (EvidenceType::SSH_SUCCESSFUL, "10.0.0.5".into(), Side::Src, ThreatLevel::Info, 0.8, "SSH successful to IP 1.2.3.4. From IP 10.0.0.5. Sent bytes: 4291. Detection model Slips. Confidence 0.8".into()),
            ]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "1.2.3.4");
        assert_eq!(ev[1].uids, vec![Str::from("B")]);
    }

    #[test]
    fn ssh_success_waits_for_a_later_conn_record() {
        let ev = run(
            SshSuccessful::default(),
            &[
                ssh(1.0, "A", "10.0.0.5", "1.2.3.4", Some(true), Some(1)),
                app_conn(30.0, "A", "10.0.0.5", "1.2.3.4", 22, 10, 10),
            ],
        );
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].ts, Timestamp::from_secs(1.0));
        // After 60 s of event time the ssh record is forgotten.
        let ev = run(
            SshSuccessful::default(),
            &[
                ssh(1.0, "A", "10.0.0.5", "1.2.3.4", Some(true), Some(1)),
                app_conn(62.0, "Z", "10.0.0.5", "1.2.3.4", 80, 10, 10),
                app_conn(63.0, "A", "10.0.0.5", "1.2.3.4", 22, 10, 10),
            ],
        );
        assert!(ev.is_empty());
    }

    #[test]
    fn versions_changing_golden() {
        let ev = run(
            SshVersions::default(),
            &[
                software(1.0, "192.168.1.247", "SSH::CLIENT", "OpenSSH", 8, 1),
                software(2.0, "192.168.1.247", "SSH::CLIENT", "OpenSSH", 8, 1),
                software(3.0, "192.168.1.247", "SSH::CLIENT", "OpenSSH", 9, 1),
                software(4.0, "192.168.1.247", "SSH::CLIENT", "OpenSSH", 9, 1),
                software(5.0, "192.168.1.247", "SSH::SERVER", "OpenSSH", 7, 4),
                software(6.0, "192.168.1.247", "HTTP::BROWSER", "Firefox", 1, 0),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::MULTIPLE_SSH_VERSIONS,
                "192.168.1.247".into(),
                Side::Src,
                ThreatLevel::Medium,
                0.9,
                "SSH client version changing from 8_1 to 9_1".into()
            )]
        );
    }

    #[test]
    fn buckets_and_confidence() {
        let reports: Vec<u32> = (1..=80)
            .filter(|&a| bucket(a, 9).is_some_and(|b| bucket(a - 1, 9).is_none_or(|p| p < b)))
            .collect();
        assert_eq!(reports, vec![9, 10, 12, 16, 24, 40, 72]);
        assert_eq!(brute_force_confidence(9, 9, 0.0), 0.5);
        assert_eq!(brute_force_confidence(16, 9, 0.0), 0.63);
        assert_eq!(brute_force_confidence(29, 9, 0.1), 0.98);
        assert_eq!(brute_force_confidence(30, 9, 0.0), 1.0);
        assert_eq!(banner_bonus("OpenSSH OpenSSH_8.1", true), 0.05);
        assert_eq!(banner_bonus("SSH-2.0-libssh2_1.9", false), 0.07);
        assert_eq!(banner_bonus("SSH-2.0-paramiko_2.0", true), 0.1);
        assert_eq!(banner_bonus("", true), 0.0);
        assert_eq!(
            notice_attempts("x appears to be guessing SSH passwords (seen in 30 connections)."),
            Some(30)
        );
    }

    fn failed(n: u32, attempts: Option<u32>) -> Vec<Flow> {
        (0..n)
            .map(|i| {
                ssh(
                    i as f64,
                    &format!("B{i}"),
                    "222.186.30.112",
                    "147.32.80.37",
                    Some(false),
                    attempts,
                )
            })
            .collect()
    }

    #[test]
    fn guessing_then_a_login_is_critical_and_true_counts_are_reported() {
        // 45 failures, then the right password.
        let mut flows = failed(45, Some(1));
        flows.push(ssh(
            50.0,
            "OK",
            "222.186.30.112",
            "147.32.80.37",
            Some(true),
            Some(1),
        ));
        let ev = run(SshBruteForce::default(), &flows);
        let last = ev.last().unwrap();
        assert_eq!(last.threat_level, ThreatLevel::Critical);
        assert_eq!(last.confidence, 1.0);
        assert_eq!(
            last.description,
            "SSH brute force detector from 222.186.30.112 to 147.32.80.37 on ssh 22/tcp. Attempts observed: 45. Then a successful login. Confidence: 1.0. by Slips"
        );
        assert!(last.uids.iter().any(|u| u == "OK"));
        // Without the login: reports at 9, 10, 12, 16, 24, 40, then 45 at the close.
        let ev = run(SshBruteForce::default(), &failed(45, Some(1)));
        let n: Vec<u64> = ev.iter().map(|e| e.flow_count).collect();
        assert_eq!(n, vec![9, 10, 12, 16, 24, 40, 45]);
        assert!(ev.iter().all(|e| e.threat_level == ThreatLevel::High));
        // A login without guessing is not an attack.
        let ok = [ssh(1.0, "A", "10.0.0.1", "10.0.0.2", Some(true), Some(1))];
        assert!(run(SshBruteForce::default(), &ok).is_empty());
    }

    #[test]
    fn brute_force_threshold_edge_and_golden() {
        assert!(run(SshBruteForce::default(), &failed(8, Some(1))).is_empty());
        let ev = run(SshBruteForce::default(), &failed(10, None));
        assert_eq!(
            rows(&ev),
            vec![
                (EvidenceType::PASSWORD_GUESSING, "222.186.30.112".into(), Side::Src, ThreatLevel::High, 0.5, "SSH brute force detector from 222.186.30.112 to 147.32.80.37 on ssh 22/tcp. Attempts observed: 9. Confidence: 0.5. by Slips".into()),
                (EvidenceType::PASSWORD_GUESSING, "222.186.30.112".into(), Side::Src, ThreatLevel::High, 0.52, "SSH brute force detector from 222.186.30.112 to 147.32.80.37 on ssh 22/tcp. Attempts observed: 10. Confidence: 0.52. by Slips".into()),
            ]
        );
        assert_eq!(ev[1].victim.as_ref().unwrap().value, "147.32.80.37");
        assert_eq!(ev[1].dst_port, Some(22));
        assert_eq!(ev[1].uids.len(), 10);
        // Successful sessions do not count.
        let mut flows = failed(8, Some(1));
        flows.push(ssh(
            20.0,
            "OK",
            "222.186.30.112",
            "147.32.80.37",
            Some(true),
            Some(5),
        ));
        assert!(run(SshBruteForce::default(), &flows).is_empty());
        // Attempts are summed: 3 sessions of 3 attempts reach 9.
        assert_eq!(run(SshBruteForce::default(), &failed(3, Some(3))).len(), 1);
    }

    #[test]
    fn brute_force_banner_and_zeek_confirmation() {
        let mut flows = vec![
            software(0.0, "222.186.30.112", "SSH::CLIENT", "libssh2", 1, 9),
            Flow::from(Record::Notice(Box::new(Notice {
                ts: Timestamp::from_secs(0.5),
                note: "SSH::Password_Guessing".into(),
                msg: Some(
                    "222.186.30.112 appears to be guessing SSH passwords (seen in 30 connections)."
                        .into(),
                ),
                src: Some("222.186.30.112".parse().unwrap()),
                ..Default::default()
            }))),
        ];
        flows.extend(failed(9, Some(1)));
        let ev = run(SshBruteForce::default(), &flows);
        assert_eq!(
            rows(&ev),
            vec![(EvidenceType::PASSWORD_GUESSING, "222.186.30.112".into(), Side::Src, ThreatLevel::High, 1.0, "SSH brute force detector from 222.186.30.112 to 147.32.80.37 on ssh 22/tcp. Attempts observed: 9. Client banner: libssh2 libssh2_1.9 from software.log. Confirmed by Zeek notice.log. Confidence: 1.0. by Slips".into())]
        );
        // Banner from ssh.log when software.log has none.
        let mut flows = failed(9, Some(1));
        if let Record::Ssh(s) = &mut flows[8].record {
            s.client = Some("SSH-2.0-Go".into());
        }
        let mut cfg = Config::default();
        cfg.brute_force_detector.ssh_attempt_threshold = 9;
        let ev = run(
            SshBruteForce::from_config(&cfg, &Resources::default()),
            &flows,
        );
        assert_eq!(ev[0].description, "SSH brute force detector from 222.186.30.112 to 147.32.80.37 on ssh 22/tcp. Attempts observed: 9. Client banner: SSH-2.0-Go from ssh.log. Confidence: 0.5. by Slips");
    }
}

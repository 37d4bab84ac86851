//! CONNECTION_WITHOUT_DNS and DNS_WITHOUT_CONNECTION, judged in traffic time.
//!
//! Slips decides both with wall-clock sleeps (15 s, then 10/20/30 min re-checks). Here a
//! question is opened when the record arrives and answered by later records of the same
//! profile inside a look-ahead of event time ([`CONN_LOOKAHEAD`], [`DNS_LOOKAHEAD`]); it is
//! decided at the first record of that profile-window past the look-ahead, or when the
//! window closes (whatever has been seen by then), so the evidence lands in the window of
//! the record that caused it. No clock is read and replays give the same results.
//!
//! **CONNECTION_WITHOUT_DNS** (INFO, 0.8, `A connection without DNS resolution to
//! Destination IP: {daddr}`): a connection of the profile to a public IP that the profile
//! did not get in a DNS answer in the 24 h before the connection nor within
//! [`CONN_LOOKAHEAD`] after it. Skipped as in Slips: ICMP, DNS itself (service `dns` or
//! port 53), DHCP servers (learnt from dhcp.log), destinations inside
//! `parameters.client_ips`, DNS-over-HTTPS servers (learnt from ssl.log `is_DoH`), and IPs
//! the knowledge base places in a well-known organisation. Also skipped (Slips does not):
//! broadcast destinations and TCP connections Zeek picked up midstream (a history without
//! the originator's SYN `S`), which started before the capture, like their DNS lookup. Slips disables the check for a
//! single Zeek log file (no dns.log); the detector cannot know the input, so it reports
//! nothing until it has seen at least one DNS record. Reported once per destination per
//! window. Resolutions are kept per querying profile (Slips keeps them for everyone).
//!
//! **DNS_WITHOUT_CONNECTION** (INFO, 0.8, `domain {query} resolved with no connection`): an
//! A/AAAA query answered NOERROR with IP answers, none of which the profile contacted in
//! the window before the query or within [`DNS_LOOKAHEAD`] after it. Skipped: reverse
//! (`.arpa`), `.local`, wildcard, single-label, `cymru` and `wpad` queries. A name is not
//! reported when another resolution of it in the window (typically the A and AAAA lookups
//! of a dual-stack host, which then connects over one of them) was used. Once per query
//! name per window.
//!
//! Memory: resolutions and contacts span windows in maps of at most [`MAX_TRACKED`]
//! entries, entries older than their horizon pruned when full; if a map stays full the
//! detector stops reporting (no evidence rather than a false one). Open questions: at most
//! [`MAX_PENDING`] per detector (beyond it a record is not checked); reported keys: at most
//! `MAX_KEYS_PER_WINDOW` per window.

use crate::connections::{is_broadcast_like, MAX_KEYS_PER_WINDOW};
use crate::knowledge::Knowledge;
use crate::pending::Pending;
use crate::util::IpPairMap;
use foldhash::HashSet;
use slips_config::Config;
use slips_core::net::is_public;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Ioc, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

/// How long after a connection a DNS answer may still arrive.
pub const CONN_LOOKAHEAD: f64 = 30.0;
/// How long after a resolution a connection may still arrive (Slips' last re-check).
pub const DNS_LOOKAHEAD: f64 = 30.0 * 60.0;
/// How far back a resolution counts for a connection.
pub const RESOLUTION_HORIZON: f64 = 24.0 * 3600.0;
/// Entries of the resolution and contact maps.
pub const MAX_TRACKED: usize = 262_144;
/// Open questions per detector.
pub const MAX_PENDING: usize = 65_536;
const MAX_SERVERS: usize = 4096;

/// A map of last-seen times per (profile, IP) with a cap; prunes entries older than
/// `horizon` when full and remembers when it could not record something.
struct TimedMap {
    map: IpPairMap<Timestamp>,
    horizon: f64,
    last_prune: Option<Timestamp>,
    saturated: bool,
}

impl TimedMap {
    fn new(horizon: f64) -> Self {
        TimedMap {
            map: IpPairMap::default(),
            horizon,
            last_prune: None,
            saturated: false,
        }
    }

    fn record(&mut self, (a, b): (IpAddr, IpAddr), ts: Timestamp) {
        if self.map.len() < MAX_TRACKED {
            let t = self.map.get_or_insert(a, b, ts);
            *t = (*t).max(ts);
            return;
        }
        if let Some(t) = self.map.get_mut(a, b) {
            *t = (*t).max(ts);
            return;
        }
        let due = self
            .last_prune
            .is_none_or(|p| ts.secs() - p.secs() >= self.horizon / 10.0);
        if due {
            let min = ts.secs() - self.horizon;
            self.map.retain(|t| t.secs() >= min);
            self.last_prune = Some(ts);
        }
        if self.map.len() >= MAX_TRACKED {
            self.saturated = true;
            return;
        }
        self.map.insert(a, b, ts);
    }

    fn get(&self, &(a, b): &(IpAddr, IpAddr)) -> Option<Timestamp> {
        if self.map.is_empty() {
            return None;
        }
        self.map.get(a, b).copied()
    }
}

fn is_dns_answer_ip(a: &str) -> Option<IpAddr> {
    a.parse().ok()
}

/// Whether `ip` lies in `net/prefix`.
fn in_net(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let p = u32::from(prefix.min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let p = u32::from(prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------

struct PendingConn {
    id: u64,
    deadline: Timestamp,
    ts: Timestamp,
    uid: Str,
    daddr: IpAddr,
    proto: Proto,
    sport: u16,
    dport: u16,
}

#[derive(Default)]
pub struct ConnWithoutDnsState {
    queue: VecDeque<PendingConn>,
    reported: HashSet<IpAddr>,
}

pub struct ConnectionWithoutDns {
    knowledge: Arc<dyn Knowledge>,
    client_ips: Vec<(IpAddr, u8)>,
    resolved: TimedMap,
    pending: Pending<(IpAddr, IpAddr)>,
    dhcp_servers: HashSet<IpAddr>,
    doh_servers: HashSet<IpAddr>,
    dns_seen: bool,
}

impl Default for ConnectionWithoutDns {
    fn default() -> Self {
        Self::new(Arc::new(crate::NoKnowledge), Vec::new())
    }
}

impl ConnectionWithoutDns {
    pub fn new(knowledge: Arc<dyn Knowledge>, client_ips: Vec<(IpAddr, u8)>) -> Self {
        ConnectionWithoutDns {
            knowledge,
            client_ips,
            resolved: TimedMap::new(RESOLUTION_HORIZON),
            pending: Pending::new(MAX_PENDING),
            dhcp_servers: HashSet::default(),
            doh_servers: HashSet::default(),
            dns_seen: false,
        }
    }

    pub fn from_config(cfg: &Config, knowledge: Arc<dyn Knowledge>) -> Self {
        let nets = cfg
            .parameters
            .client_ips
            .iter()
            .map(|n| (n.addr(), n.prefix_len()))
            .collect();
        Self::new(knowledge, nets)
    }

    fn decide(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut ConnWithoutDnsState,
        now: Option<Timestamp>,
        out: &mut Emitter,
    ) {
        while let Some(p) = st.queue.front() {
            if now.is_some_and(|t| t <= p.deadline) {
                break;
            }
            let Some(p) = st.queue.pop_front() else { break };
            let answered = self.pending.take(p.id).unwrap_or(true);
            if answered || !self.dns_seen || self.resolved.saturated {
                continue;
            }
            if st.reported.contains(&p.daddr) || st.reported.len() >= MAX_KEYS_PER_WINDOW {
                continue;
            }
            st.reported.insert(p.daddr);
            out.emit(
                EvidenceDraft::new(
                    EvidenceType::CONNECTION_WITHOUT_DNS,
                    ctx.profile,
                    Side::Src,
                    ThreatLevel::Info,
                    0.8,
                    p.ts,
                    format!(
                        "A connection without DNS resolution to Destination IP: {}",
                        p.daddr
                    ),
                )
                .victim_ip(p.daddr, Side::Dst)
                .proto(p.proto)
                .ports(Some(p.sport), Some(p.dport))
                .uids([p.uid]),
            );
        }
    }

    fn skip_destination(&self, daddr: IpAddr) -> bool {
        !is_public(&daddr)
            || self.dhcp_servers.contains(&daddr)
            || self.doh_servers.contains(&daddr)
            || self.client_ips.iter().any(|&(n, p)| in_net(n, p, daddr))
            || self.knowledge.ip_org(daddr).is_some()
    }
}

impl Detector for ConnectionWithoutDns {
    const NAME: &'static str = "connection_without_dns";
    const DESCRIPTION: &'static str =
        "Connections to public IPs that the host did not get from DNS";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::CONNECTION_WITHOUT_DNS];
    const CONFIG_KEYS: &'static [&'static str] = &["parameters.client_ips"];
    const INTERESTS: RecordKinds = RecordKinds::of(&[
        RecordKind::Conn,
        RecordKind::Dns,
        RecordKind::Dhcp,
        RecordKind::Ssl,
    ]);
    type WindowState = ConnWithoutDnsState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut ConnWithoutDnsState,
        r: &Record,
        out: &mut Emitter,
    ) {
        if ctx.direction != Direction::Out {
            return;
        }
        let ts = r.ts();
        match r {
            Record::Dns(d) => {
                self.dns_seen = true;
                for ip in d.answers.iter().filter_map(|a| is_dns_answer_ip(a)) {
                    self.resolved.record((ctx.profile, ip), d.ts);
                    self.pending.satisfy(&(ctx.profile, ip), d.ts);
                }
            }
            Record::Dhcp(d) => {
                if let Some(s) = d.server_addr {
                    if self.dhcp_servers.len() < MAX_SERVERS {
                        self.dhcp_servers.insert(s);
                    }
                }
            }
            Record::Ssl(s) => {
                if let (Some(true), Some(id)) = (s.is_doh, s.id) {
                    if self.doh_servers.len() < MAX_SERVERS {
                        self.doh_servers.insert(id.daddr);
                    }
                }
            }
            Record::Conn(c) => {
                self.decide(ctx, st, Some(ts), out);
                let Some(daddr) = c.daddr else { return };
                if c.proto().is_icmp() || c.service_is("dns") || c.dport == 53 {
                    return;
                }
                let midstream = c.proto == Some(Proto::Tcp)
                    && !c.history.is_empty()
                    && !c.history.contains('S');
                if midstream || is_broadcast_like(c, &daddr) {
                    return;
                }
                if self.skip_destination(daddr) || st.reported.contains(&daddr) {
                    return;
                }
                if self
                    .resolved
                    .get(&(ctx.profile, daddr))
                    .is_some_and(|t| t.secs() >= c.ts.secs() - RESOLUTION_HORIZON)
                {
                    return;
                }
                let deadline = c.ts.plus(CONN_LOOKAHEAD);
                let lo = c.ts.plus(-RESOLUTION_HORIZON);
                let Some(id) = self.pending.add((ctx.profile, daddr), lo, deadline) else {
                    return;
                };
                st.queue.push_back(PendingConn {
                    id,
                    deadline,
                    ts: c.ts,
                    uid: c.uid.clone(),
                    daddr,
                    proto: c.proto(),
                    sport: c.sport,
                    dport: c.dport,
                });
                return;
            }
            _ => {}
        }
        self.decide(ctx, st, Some(ts), out);
    }

    fn on_window_closed(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut ConnWithoutDnsState,
        out: &mut Emitter,
    ) {
        self.decide(ctx, st, None, out);
    }
}

// ---------------------------------------------------------------------------------------

struct PendingDns {
    ids: Vec<u64>,
    deadline: Timestamp,
    ts: Timestamp,
    uid: Str,
    query: Str,
}

#[derive(Default)]
pub struct DnsWithoutConnState {
    queue: VecDeque<PendingDns>,
    reported: HashSet<Str>,
    /// Query names with a resolution that was used in this window.
    answered: HashSet<Str>,
}

/// Resolutions of one name this close in time are siblings (A and AAAA lookups).
const SIBLING_SECS: f64 = 60.0;

pub struct DnsWithoutConnection {
    /// Last time (start + duration) the profile was connected to an IP.
    contacts: TimedMap,
    pending: Pending<(IpAddr, IpAddr)>,
}

impl Default for DnsWithoutConnection {
    fn default() -> Self {
        DnsWithoutConnection {
            contacts: TimedMap::new(2.0 * 3600.0 + DNS_LOOKAHEAD),
            pending: Pending::new(MAX_PENDING),
        }
    }
}

/// Queries Slips never reports as resolved without connection.
fn ignored_query(q: &str) -> bool {
    let q = q.trim_end_matches('.').to_ascii_lowercase();
    !q.contains('.')
        || q.ends_with(".arpa")
        || q.ends_with(".local")
        || q.contains('*')
        || q.contains("cymru")
        || q.starts_with("wpad")
}

fn is_address_query(d: &slips_core::Dns) -> bool {
    match (d.qtype, d.qtype_name.as_deref()) {
        (Some(t), _) => t == 1 || t == 28,
        (None, Some(n)) => n == "A" || n == "AAAA",
        _ => false,
    }
}

fn is_noerror(d: &slips_core::Dns) -> bool {
    match (d.rcode, d.rcode_name.as_deref()) {
        (Some(c), _) => c == 0,
        (None, Some(n)) => n == "NOERROR",
        _ => false,
    }
}

impl DnsWithoutConnection {
    fn decide(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut DnsWithoutConnState,
        now: Option<Timestamp>,
        out: &mut Emitter,
    ) {
        while let Some(p) = st.queue.front() {
            if now.is_some_and(|t| t <= p.deadline) {
                break;
            }
            let Some(p) = st.queue.pop_front() else { break };
            let mut answered = false;
            for id in &p.ids {
                answered |= self.pending.take(*id).unwrap_or(true);
            }
            if answered {
                if st.answered.len() < MAX_KEYS_PER_WINDOW {
                    st.answered.insert(p.query.clone());
                }
                continue;
            }
            if self.contacts.saturated || st.answered.contains(&p.query) {
                continue;
            }
            // Another resolution of the same name (A and AAAA) that was used counts.
            let sibling_used = st
                .queue
                .iter()
                .take_while(|q| q.deadline.secs() <= p.deadline.secs() + SIBLING_SECS)
                .filter(|q| q.query == p.query)
                .any(|q| {
                    q.ids
                        .iter()
                        .any(|id| self.pending.peek(*id).unwrap_or(false))
                });
            if sibling_used {
                continue;
            }
            if st.reported.contains(&p.query) || st.reported.len() >= MAX_KEYS_PER_WINDOW {
                continue;
            }
            st.reported.insert(p.query.clone());
            out.emit(
                EvidenceDraft::new(
                    EvidenceType::DNS_WITHOUT_CONNECTION,
                    ctx.profile,
                    Side::Src,
                    ThreatLevel::Info,
                    0.8,
                    p.ts,
                    format!("domain {} resolved with no connection", p.query),
                )
                .victim(Ioc::domain(&p.query, Side::Dst))
                .proto(Proto::Udp)
                .uids([p.uid]),
            );
        }
    }
}

impl Detector for DnsWithoutConnection {
    const NAME: &'static str = "dns_without_connection";
    const DESCRIPTION: &'static str = "DNS resolutions whose answers the host never contacted";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DNS_WITHOUT_CONNECTION];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn, RecordKind::Dns]);
    type WindowState = DnsWithoutConnState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut DnsWithoutConnState,
        r: &Record,
        out: &mut Emitter,
    ) {
        if ctx.direction != Direction::Out {
            return;
        }
        // Decide first: a record past the look-ahead must not answer older questions.
        self.decide(ctx, st, Some(r.ts()), out);
        match r {
            Record::Conn(c) => {
                let Some(daddr) = c.daddr else { return };
                let end = c.ts.plus(c.duration.max(0.0));
                self.contacts.record((ctx.profile, daddr), end);
                self.pending.satisfy(&(ctx.profile, daddr), c.ts);
            }
            Record::Dns(d) => {
                let Some(query) = d.query.as_deref() else {
                    return;
                };
                if !is_address_query(d) || !is_noerror(d) || ignored_query(query) {
                    return;
                }
                if st.reported.contains(query) {
                    return;
                }
                let ips: Vec<IpAddr> = d
                    .answers
                    .iter()
                    .filter_map(|a| is_dns_answer_ip(a))
                    .collect();
                if ips.is_empty() {
                    return;
                }
                let window_start = ctx.window.start;
                let contacted_before = ips.iter().any(|ip| {
                    self.contacts
                        .get(&(ctx.profile, *ip))
                        .is_some_and(|t| t >= window_start)
                });
                if contacted_before {
                    return;
                }
                let deadline = d.ts.plus(DNS_LOOKAHEAD);
                let mut ids = Vec::with_capacity(ips.len());
                for ip in ips {
                    match self.pending.add((ctx.profile, ip), d.ts, deadline) {
                        Some(id) => ids.push(id),
                        None => {
                            for id in ids {
                                self.pending.take(id);
                            }
                            return;
                        }
                    }
                }
                st.queue.push_back(PendingDns {
                    ids,
                    deadline,
                    ts: d.ts,
                    uid: d.uid.clone(),
                    query: query.into(),
                });
            }
            _ => {}
        }
    }

    fn on_window_closed(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut DnsWithoutConnState,
        out: &mut Emitter,
    ) {
        self.decide(ctx, st, None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Org;
    use crate::testkit::{conn, run};
    use slips_core::{ConnState, Dns, Endpoints, Flow};

    fn dns(ts: f64, uid: &str, src: &str, query: &str, answers: &[&str]) -> Flow {
        Flow::from(Record::Dns(Box::new(Dns {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            id: Some(Endpoints {
                saddr: src.parse().unwrap(),
                sport: 40000,
                daddr: "10.0.2.3".parse().unwrap(),
                dport: 53,
            }),
            proto: Some(Proto::Udp),
            query: Some(query.into()),
            qtype: Some(1),
            qtype_name: Some("A".into()),
            rcode: Some(0),
            rcode_name: Some("NOERROR".into()),
            answers: answers.iter().map(|a| Str::from(*a)).collect(),
            ..Default::default()
        })))
    }

    fn tcp(ts: f64, uid: &str, dst: &str) -> Flow {
        conn(ts, uid, "10.0.2.15", dst, 80, Proto::Tcp, ConnState::SF)
    }

    #[test]
    fn conn_without_dns_golden_and_lookahead() {
        let flows = vec![
            dns(1.0, "D1", "10.0.2.15", "example.com", &["93.184.216.34"]),
            tcp(2.0, "C1", "93.184.216.34"),
            tcp(3.0, "C2", "185.33.223.203"),
            tcp(4.0, "C3", "185.33.223.203"),
            tcp(5.0, "C4", "1.1.1.1"),
            // The answer for 1.1.1.1 arrives 29 s after the connection: in time.
            dns(34.0, "D2", "10.0.2.15", "one.one", &["1.1.1.1"]),
            tcp(40.0, "C5", "9.9.9.9"),
            // ... for 9.9.9.9 31 s after: too late.
            dns(71.0, "D3", "10.0.2.15", "quad9.net", &["9.9.9.9"]),
            // Private and resolved-by-another-profile destinations.
            tcp(72.0, "C6", "192.168.0.1"),
            dns(73.0, "D4", "10.0.2.99", "x.org", &["7.7.7.7"]),
            tcp(74.0, "C7", "7.7.7.7"),
        ];
        let ev = run(ConnectionWithoutDns::default(), &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.attacker.value.to_string(),
                    e.victim.as_ref().unwrap().value.to_string(),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.uids.clone(),
                )
            })
            .collect();
        let row = |ip: &str, uid: &str| {
            (
                "10.0.2.15".to_string(),
                ip.to_string(),
                ThreatLevel::Info,
                0.8,
                format!("A connection without DNS resolution to Destination IP: {ip}"),
                vec![Str::from(uid)],
            )
        };
        assert_eq!(
            got,
            vec![
                row("185.33.223.203", "C2"),
                row("9.9.9.9", "C5"),
                row("7.7.7.7", "C7")
            ]
        );
    }

    #[test]
    fn conn_without_dns_needs_dns_records_and_skips_orgs() {
        let flows = vec![tcp(1.0, "C1", "185.33.223.203")];
        assert!(
            run(ConnectionWithoutDns::default(), &flows).is_empty(),
            "no DNS seen"
        );
        struct Ms;
        impl Knowledge for Ms {
            fn ip_org(&self, _: IpAddr) -> Option<Org> {
                Some(Org::Microsoft)
            }
        }
        let flows = vec![
            dns(0.0, "D", "10.0.2.15", "a.com", &["2.2.2.2"]),
            tcp(1.0, "C1", "185.33.223.203"),
        ];
        assert_eq!(run(ConnectionWithoutDns::default(), &flows).len(), 1);
        assert!(run(ConnectionWithoutDns::new(Arc::new(Ms), vec![]), &flows).is_empty());
        let own = ConnectionWithoutDns::new(
            Arc::new(crate::NoKnowledge),
            vec![("185.33.0.0".parse().unwrap(), 16)],
        );
        assert!(run(own, &flows).is_empty(), "client_ips");
    }

    #[test]
    fn dns_without_connection_lookahead() {
        let flows = vec![
            tcp(0.0, "C0", "3.3.3.3"),
            // Contacted earlier in the window.
            dns(10.0, "D0", "10.0.2.15", "three.com", &["3.3.3.3"]),
            dns(20.0, "D1", "10.0.2.15", "used.com", &["4.4.4.4", "5.5.5.5"]),
            dns(21.0, "D2", "10.0.2.15", "unused.com", &["6.6.6.6"]),
            dns(22.0, "D3", "10.0.2.15", "late.com", &["8.8.8.8"]),
            dns(
                23.0,
                "D4",
                "10.0.2.15",
                "1.0.0.10.in-addr.arpa",
                &["8.8.4.4"],
            ),
            dns(24.0, "D5", "10.0.2.15", "printer", &["8.8.4.4"]),
            tcp(1000.0, "C1", "5.5.5.5"),
            // 30 min + 1 s after the query: too late.
            tcp(1823.0, "C2", "8.8.8.8"),
        ];
        let ev = run(DnsWithoutConnection::default(), &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.victim.as_ref().unwrap().value.to_string(),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "unused.com".into(),
                    ThreatLevel::Info,
                    0.8,
                    "domain unused.com resolved with no connection".into()
                ),
                (
                    "late.com".into(),
                    ThreatLevel::Info,
                    0.8,
                    "domain late.com resolved with no connection".into()
                ),
            ]
        );
        assert_eq!(ev[0].uids, vec!["D2"]);
        assert_eq!(ev[0].attacker.value, "10.0.2.15");
    }

    #[test]
    fn sibling_resolutions_and_skipped_connections() {
        let mut aaaa = dns(2.0, "D2", "10.0.2.15", "dual.example", &["2a00::1"]);
        if let Record::Dns(d) = &mut aaaa.record {
            d.qtype = Some(28);
        }
        let flows = vec![
            dns(1.0, "D1", "10.0.2.15", "dual.example", &["1.2.3.4"]),
            aaaa,
            tcp(3.0, "C1", "2a00::1"),
        ];
        assert!(run(DnsWithoutConnection::default(), &flows).is_empty());
        assert_eq!(run(DnsWithoutConnection::default(), &flows[..2]).len(), 1);

        let mut midstream = tcp(2.0, "C2", "3.123.248.34");
        let mut bcast = conn(
            3.0,
            "C3",
            "10.0.2.15",
            "147.32.83.255",
            17500,
            Proto::Udp,
            ConnState::S0,
        );
        if let Record::Conn(c) = &mut midstream.record {
            c.state = ConnState::OTH;
            c.history = "DdAa".into();
        }
        if let Record::Conn(c) = &mut bcast.record {
            c.dpkts = 0;
        }
        let flows = vec![
            dns(1.0, "D", "10.0.2.15", "a.com", &["2.2.2.2"]),
            midstream,
            bcast,
        ];
        assert!(run(ConnectionWithoutDns::default(), &flows).is_empty());
    }

    #[test]
    fn networks() {
        assert!(in_net(
            "10.1.0.0".parse().unwrap(),
            16,
            "10.1.200.3".parse().unwrap()
        ));
        assert!(!in_net(
            "10.1.0.0".parse().unwrap(),
            16,
            "10.2.0.3".parse().unwrap()
        ));
        assert!(in_net(
            "fd00::".parse().unwrap(),
            8,
            "fd12::1".parse().unwrap()
        ));
        assert!(!in_net(
            "fd00::".parse().unwrap(),
            8,
            "10.0.0.1".parse().unwrap()
        ));
        assert!(ignored_query("wpad.lan"));
        assert!(!ignored_query("example.com."));
    }
}

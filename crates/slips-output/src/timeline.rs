//! Per-profile timeline of outgoing actions (`Complete-timeline-outgoing-actions.txt`).
//!
//! Every conn record becomes one human line; DNS, HTTP, TLS and SSH records with the same uid
//! add their details to that line. Application records may arrive before or after their conn
//! record, so details that arrive first wait in a bounded map (uid → details) and a second
//! bounded map remembers which line a recent uid belongs to. Both evict their oldest entries
//! when full and count the evictions. Details still waiting when the file is written (their
//! conn record never came, or has not come yet) are written as lines of their own, marked
//! `(no conn record)`; the files are rendered from the state on each call, so a later write
//! merges them once the conn record arrives.
//!
//! Line format, in the spirit of Slips 0.6:
//!
//! ```text
//! <ts ISO>: - DNS asked to 8.8.8.8 53/udp, Sent: 40, Recv: 56, Tot: 96 B, State: Established | DNS query: example.com, answers: 93.184.216.34
//! <ts ISO>: - HTTP asked to 1.2.3.4 80/tcp, Sent: 0, Recv: 0, Tot: 0 B, State: Established, Be careful! Established but empty!
//! <ts ISO>: - PING echo to 1.2.3.4, Sent: 64, Recv: 64, Tot: 128 B
//! ```
//!
//! The label is Zeek's `service` in capitals, else the name of a well-known destination port,
//! else `Not recognized`. For ICMP, Zeek puts the ICMP type in the source port and the code
//! in the destination port; the line names the message (`PING echo`, `ICMP Destination Port
//! Unreachable`, ...). Details are separated by ` | `.

use crate::atomic::write_atomic;
use crate::error::Result;
use crate::profiles::profile_dir;
use crate::timefmt::iso;
use slips_core::{Conn, Dns, Endpoints, Http, Proto, Record, Ssh, Ssl, Str, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

/// File name of the timeline inside a profile folder.
pub const TIMELINE_FILE: &str = "Complete-timeline-outgoing-actions.txt";
/// Default bound of each uid map (details waiting for their conn; uid → line).
pub const DEFAULT_MAX_PENDING: usize = 100_000;
/// Default number of lines kept per profile.
pub const DEFAULT_MAX_LINES_PER_PROFILE: usize = 100_000;
/// Details kept per line (a long HTTP keep-alive connection can have thousands).
pub const MAX_DETAILS_PER_LINE: usize = 16;
/// DNS answers shown per detail.
const MAX_ANSWERS: usize = 10;

/// A map from uid to `V` that keeps at most `cap` entries, evicting the oldest insertion.
#[derive(Debug)]
struct BoundedMap<V> {
    map: HashMap<Str, (u64, V)>,
    order: BTreeMap<u64, Str>,
    next: u64,
    cap: usize,
    evicted: u64,
}

impl<V> BoundedMap<V> {
    fn new(cap: usize) -> Self {
        BoundedMap {
            map: HashMap::new(),
            order: BTreeMap::new(),
            next: 0,
            cap: cap.max(1),
            evicted: 0,
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn get_mut(&mut self, k: &str) -> Option<&mut V> {
        self.map.get_mut(k).map(|(_, v)| v)
    }

    fn get(&self, k: &str) -> Option<&V> {
        self.map.get(k).map(|(_, v)| v)
    }

    fn remove(&mut self, k: &str) -> Option<V> {
        let (seq, v) = self.map.remove(k)?;
        self.order.remove(&seq);
        Some(v)
    }

    /// Inserts (or replaces, moving it to the newest position) and evicts the oldest entries
    /// beyond the bound.
    fn insert(&mut self, k: Str, v: V) {
        self.remove(&k);
        while self.map.len() >= self.cap {
            let Some((_, old)) = self.order.pop_first() else {
                break;
            };
            self.map.remove(&old);
            self.evicted += 1;
        }
        let seq = self.next;
        self.next += 1;
        self.order.insert(seq, k.clone());
        self.map.insert(k, (seq, v));
    }

    /// Values from the oldest to the newest insertion.
    fn values_in_order(&self) -> impl Iterator<Item = &V> {
        self.order
            .values()
            .filter_map(|k| self.map.get(k).map(|(_, v)| v))
    }
}

/// Details attached to one line.
#[derive(Debug, Default, Clone)]
struct Details {
    text: String,
    count: usize,
    dropped: u64,
}

impl Details {
    fn push(&mut self, detail: &str) {
        if self.count >= MAX_DETAILS_PER_LINE {
            self.dropped += 1;
            return;
        }
        self.text.push_str(" | ");
        self.text.push_str(detail);
        self.count += 1;
    }

    fn render_into(&self, out: &mut String) {
        out.push_str(&self.text);
        if self.dropped > 0 {
            let _ = write!(out, " | ({} more details not kept)", self.dropped);
        }
    }
}

#[derive(Debug)]
struct Line {
    ts: Timestamp,
    seq: u64,
    head: String,
    details: Details,
}

#[derive(Debug)]
struct Pending {
    profile: IpAddr,
    ts: Timestamp,
    seq: u64,
    head: String,
    details: Details,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Line { profile: IpAddr, index: usize },
    Dropped,
}

#[derive(Debug, Default)]
struct ProfileLines {
    lines: Vec<Line>,
    dropped: u64,
}

/// Counters of the timeline builder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimelineStats {
    /// Lines kept over all profiles.
    pub lines: u64,
    /// Lines not kept because their profile reached the line bound.
    pub dropped_lines: u64,
    /// uids whose details are waiting for their conn record.
    pub pending: usize,
    /// Waiting details evicted because the map was full.
    pub pending_evicted: u64,
    /// uid → line entries evicted (details arriving later for them become lines of their own).
    pub index_evicted: u64,
}

/// Builder of the per-profile timelines.
#[derive(Debug)]
pub struct Timeline {
    profiles: BTreeMap<IpAddr, ProfileLines>,
    by_uid: BoundedMap<Slot>,
    pending: BoundedMap<Pending>,
    max_lines: usize,
    seq: u64,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Timeline {
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_PENDING, DEFAULT_MAX_LINES_PER_PROFILE)
    }

    /// `max_pending` bounds each uid map; `max_lines_per_profile` the lines kept per profile.
    pub fn with_limits(max_pending: usize, max_lines_per_profile: usize) -> Self {
        Timeline {
            profiles: BTreeMap::new(),
            by_uid: BoundedMap::new(max_pending),
            pending: BoundedMap::new(max_pending),
            max_lines: max_lines_per_profile,
            seq: 0,
        }
    }

    pub fn stats(&self) -> TimelineStats {
        TimelineStats {
            lines: self.profiles.values().map(|p| p.lines.len() as u64).sum(),
            dropped_lines: self.profiles.values().map(|p| p.dropped).sum(),
            pending: self.pending.len(),
            pending_evicted: self.pending.evicted,
            index_evicted: self.by_uid.evicted,
        }
    }

    /// Takes one record of `profile` (the host that originated it). Conn, DNS, HTTP, SSL and
    /// SSH records are used; other kinds are ignored.
    pub fn observe(&mut self, profile: IpAddr, record: &Record) {
        match record {
            Record::Conn(c) => self.observe_conn(profile, c),
            Record::Dns(d) => {
                let head = app_head("DNS", d.id.as_ref(), d.proto.unwrap_or(Proto::Udp));
                self.add_detail(profile, &d.uid, d.ts, head, &dns_detail(d));
            }
            Record::Http(h) => {
                let head = app_head("HTTP", h.id.as_ref(), Proto::Tcp);
                self.add_detail(profile, &h.uid, h.ts, head, &http_detail(h));
            }
            Record::Ssl(s) => {
                let head = app_head("SSL", s.id.as_ref(), Proto::Tcp);
                self.add_detail(profile, &s.uid, s.ts, head, &ssl_detail(s));
            }
            Record::Ssh(s) => {
                let head = app_head("SSH", s.id.as_ref(), Proto::Tcp);
                self.add_detail(profile, &s.uid, s.ts, head, &ssh_detail(s));
            }
            _ => {}
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn observe_conn(&mut self, profile: IpAddr, c: &Conn) {
        let details = if c.uid.is_empty() {
            None
        } else {
            self.pending.remove(&c.uid).map(|p| p.details)
        };
        let max = self.max_lines;
        let seq = self.next_seq();
        let entry = self.profiles.entry(profile).or_default();
        if entry.lines.len() >= max {
            entry.dropped += 1;
            if !c.uid.is_empty() {
                self.by_uid.insert(c.uid.clone(), Slot::Dropped);
            }
            return;
        }
        let index = entry.lines.len();
        entry.lines.push(Line {
            ts: c.ts,
            seq,
            head: conn_head(c),
            details: details.unwrap_or_default(),
        });
        if !c.uid.is_empty() {
            self.by_uid
                .insert(c.uid.clone(), Slot::Line { profile, index });
        }
    }

    fn add_detail(
        &mut self,
        profile: IpAddr,
        uid: &str,
        ts: Timestamp,
        head: String,
        detail: &str,
    ) {
        // DNS names, URIs, user agents, certificate subjects: text from the traffic.
        let detail = &*slips_core::text::escape_controls(detail);
        if uid.is_empty() {
            // Nothing to merge with: a line of its own.
            let seq = self.next_seq();
            let max = self.max_lines;
            let entry = self.profiles.entry(profile).or_default();
            if entry.lines.len() >= max {
                entry.dropped += 1;
                return;
            }
            let mut details = Details::default();
            details.push(detail);
            entry.lines.push(Line {
                ts,
                seq,
                head: standalone_head(ts, &head),
                details,
            });
            return;
        }
        match self.by_uid.get(uid).copied() {
            Some(Slot::Line { profile, index }) => {
                if let Some(line) = self
                    .profiles
                    .get_mut(&profile)
                    .and_then(|p| p.lines.get_mut(index))
                {
                    line.details.push(detail);
                }
                return;
            }
            Some(Slot::Dropped) => return,
            None => {}
        }
        if let Some(p) = self.pending.get_mut(uid) {
            p.details.push(detail);
            return;
        }
        let seq = self.next_seq();
        let mut details = Details::default();
        details.push(detail);
        self.pending.insert(
            uid.into(),
            Pending {
                profile,
                ts,
                seq,
                head: standalone_head(ts, &head),
                details,
            },
        );
        if self.pending.evicted > 0 && self.pending.evicted.is_power_of_two() {
            tracing::debug!(
                evicted = self.pending.evicted,
                "timeline: details waiting for their conn record were evicted"
            );
        }
    }

    /// Renders the timeline of one profile (header, lines in time order, trailer).
    pub fn render(&self, profile: IpAddr) -> Option<String> {
        let lines = self.profiles.get(&profile);
        let pending: Vec<&Pending> = self
            .pending
            .values_in_order()
            .filter(|p| p.profile == profile)
            .collect();
        if lines.is_none() && pending.is_empty() {
            return None;
        }
        Some(self.render_parts(profile, lines, &pending))
    }

    fn render_parts(
        &self,
        ip: IpAddr,
        lines: Option<&ProfileLines>,
        pending: &[&Pending],
    ) -> String {
        let mut items: Vec<(Timestamp, u64, &str, &Details)> = Vec::new();
        if let Some(p) = lines {
            items.extend(
                p.lines
                    .iter()
                    .map(|l| (l.ts, l.seq, l.head.as_str(), &l.details)),
            );
        }
        items.extend(
            pending
                .iter()
                .map(|p| (p.ts, p.seq, p.head.as_str(), &p.details)),
        );
        items.sort_by_key(|&(ts, seq, _, _)| (ts, seq));
        let mut out = String::with_capacity(64 + items.len() * 160);
        let _ = writeln!(out, "Complete TimeLine of IP {ip}");
        for (_, _, head, details) in items {
            out.push_str(head);
            details.render_into(&mut out);
            out.push('\n');
        }
        if let Some(p) = lines.filter(|p| p.dropped > 0) {
            let _ = writeln!(
                out,
                "\n{} more lines not kept: at most {} lines are kept per profile.",
                p.dropped, self.max_lines
            );
        }
        out
    }

    /// Writes `<out>/profiles/<ip>/Complete-timeline-outgoing-actions.txt` for every profile
    /// (atomically, so it can be called again for a live refresh). Returns the number of
    /// files written.
    pub fn write_all(&self, out_dir: &Path) -> Result<usize> {
        let mut pending_by_profile: BTreeMap<IpAddr, Vec<&Pending>> = BTreeMap::new();
        for p in self.pending.values_in_order() {
            pending_by_profile.entry(p.profile).or_default().push(p);
        }
        let mut ips: Vec<IpAddr> = self.profiles.keys().copied().collect();
        ips.extend(pending_by_profile.keys().copied());
        ips.sort_unstable();
        ips.dedup();
        for &ip in &ips {
            let pending = pending_by_profile
                .get(&ip)
                .map_or(&[][..], |v| v.as_slice());
            let text = self.render_parts(ip, self.profiles.get(&ip), pending);
            write_atomic(
                out_dir,
                &profile_dir(out_dir, ip).join(TIMELINE_FILE),
                text.as_bytes(),
            )?;
        }
        let stats = self.stats();
        tracing::debug!(files = ips.len(), ?stats, "timeline written");
        Ok(ips.len())
    }
}

/// Name of a well-known destination port, for flows without a Zeek service.
fn port_name(port: u16) -> Option<&'static str> {
    Some(match port {
        20 | 21 => "FTP",
        22 => "SSH",
        23 => "TELNET",
        25 => "SMTP",
        53 => "DNS",
        67 | 68 => "DHCP",
        80 => "HTTP",
        110 => "POP3",
        123 => "NTP",
        137 => "NETBIOS-NS",
        138 => "NETBIOS-DGM",
        139 => "NETBIOS-SSN",
        143 => "IMAP",
        161 => "SNMP",
        389 => "LDAP",
        443 => "HTTPS",
        445 => "SMB",
        465 => "SMTPS",
        514 => "SYSLOG",
        587 => "SUBMISSION",
        853 => "DNS-OVER-TLS",
        993 => "IMAPS",
        995 => "POP3S",
        1900 => "SSDP",
        3306 => "MYSQL",
        3389 => "RDP",
        5353 => "MDNS",
        5355 => "LLMNR",
        8080 => "HTTP-ALT",
        _ => return None,
    })
}

/// ICMP message name from Zeek's convention (type in the source port, code in the
/// destination port).
pub fn icmp_name(proto: Proto, icmp_type: u16, code: u16) -> String {
    let name: Option<&str> = match proto {
        Proto::Icmp6 => match icmp_type {
            1 => Some(match code {
                0 => "ICMPv6 Destination Unreachable: no route",
                1 => "ICMPv6 Destination Unreachable: administratively prohibited",
                3 => "ICMPv6 Destination Address Unreachable",
                4 => "ICMPv6 Destination Port Unreachable",
                _ => "ICMPv6 Destination Unreachable",
            }),
            2 => Some("ICMPv6 Packet Too Big"),
            3 => Some("ICMPv6 Time Exceeded"),
            4 => Some("ICMPv6 Parameter Problem"),
            128 => Some("PING echo"),
            129 => Some("PING echo reply"),
            130..=132 | 143 => Some("ICMPv6 Multicast Listener message"),
            133 => Some("ICMPv6 Router Solicitation"),
            134 => Some("ICMPv6 Router Advertisement"),
            135 => Some("ICMPv6 Neighbor Solicitation"),
            136 => Some("ICMPv6 Neighbor Advertisement"),
            137 => Some("ICMPv6 Redirect"),
            _ => None,
        },
        _ => match icmp_type {
            0 => Some("PING echo reply"),
            3 => Some(match code {
                0 => "ICMP Destination Net Unreachable",
                1 => "ICMP Destination Host Unreachable",
                2 => "ICMP Destination Protocol Unreachable",
                3 => "ICMP Destination Port Unreachable",
                4 => "ICMP Fragmentation Needed",
                9 | 10 | 13 => "ICMP Destination Administratively Prohibited",
                _ => "ICMP Destination Unreachable",
            }),
            4 => Some("ICMP Source Quench"),
            5 => Some("ICMP Redirect"),
            8 => Some("PING echo"),
            9 => Some("ICMP Router Advertisement"),
            10 => Some("ICMP Router Solicitation"),
            11 => Some("ICMP Time Exceeded"),
            12 => Some("ICMP Parameter Problem"),
            13 => Some("ICMP Timestamp Request"),
            14 => Some("ICMP Timestamp Reply"),
            15 => Some("ICMP Information Request"),
            16 => Some("ICMP Information Reply"),
            17 => Some("ICMP Address Mask Request"),
            18 => Some("ICMP Address Mask Reply"),
            _ => None,
        },
    };
    match name {
        Some(n) => n.to_owned(),
        None => {
            let p = if proto == Proto::Icmp6 {
                "ICMPv6"
            } else {
                "ICMP"
            };
            format!("{p} type {icmp_type} code {code}")
        }
    }
}

fn fmt_addr(a: Option<IpAddr>) -> String {
    a.map_or_else(|| "?".to_owned(), |a| a.to_string())
}

/// The line of a conn record, without details.
fn conn_head(c: &Conn) -> String {
    let mut out = String::with_capacity(160);
    let _ = write!(out, "{}: - ", iso(c.ts));
    let proto = c.proto();
    let (sent, recv) = (c.sbytes, c.dbytes);
    let tot = c.bytes();
    if proto.is_icmp() {
        let _ = write!(
            out,
            "{} to {}, Sent: {sent}, Recv: {recv}, Tot: {tot} B",
            icmp_name(proto, c.sport, c.dport),
            fmt_addr(c.daddr)
        );
        return out;
    }
    let label = match (&c.service, proto) {
        (Some(s), _) if !s.is_empty() => s.as_str().to_ascii_uppercase(),
        (_, Proto::Tcp | Proto::Udp) => port_name(c.dport).unwrap_or("Not recognized").to_owned(),
        (_, p) => p.as_str().to_ascii_uppercase(),
    };
    let _ = write!(
        out,
        "{label} asked to {} {}/{proto}, Sent: {sent}, Recv: {recv}, Tot: {tot} B, State: ",
        fmt_addr(c.daddr),
        c.dport
    );
    if c.is_established() {
        out.push_str("Established");
        if tot == 0 {
            out.push_str(", Be careful! Established but empty!");
        }
    } else {
        out.push_str("Not Established");
    }
    out
}

/// `DNS asked to 8.8.8.8 53/udp` for details without a conn record.
fn app_head(label: &str, id: Option<&Endpoints>, proto: Proto) -> String {
    match id {
        Some(e) => format!("{label} asked to {} {}/{proto}", e.daddr, e.dport),
        None => format!("{label} asked to ?"),
    }
}

fn standalone_head(ts: Timestamp, head: &str) -> String {
    format!("{}: - {head} (no conn record)", iso(ts))
}

fn dns_detail(d: &Dns) -> String {
    let mut out = String::with_capacity(96);
    let _ = write!(out, "DNS query: {}", d.query.as_deref().unwrap_or("-"));
    let rcode = d.rcode_name.as_deref().unwrap_or("");
    if d.answers.is_empty() {
        if rcode.eq_ignore_ascii_case("NXDOMAIN") {
            out.push_str(", NXDOMAIN");
        } else if !rcode.is_empty() && !rcode.eq_ignore_ascii_case("NOERROR") {
            let _ = write!(out, ", rcode: {rcode}");
        } else {
            out.push_str(", answers: none");
        }
        return out;
    }
    out.push_str(", answers: ");
    for (i, a) in d.answers.iter().take(MAX_ANSWERS).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(a);
    }
    if d.answers.len() > MAX_ANSWERS {
        let _ = write!(out, " (+{} more)", d.answers.len() - MAX_ANSWERS);
    }
    out
}

fn http_detail(h: &Http) -> String {
    let mut out = String::with_capacity(128);
    let host = match (&h.host, &h.id) {
        (Some(host), _) => host.to_string(),
        (None, Some(e)) => e.daddr.to_string(),
        (None, None) => "?".to_owned(),
    };
    let _ = write!(
        out,
        "HTTP {} http://{host}{}",
        h.method.as_deref().unwrap_or("-"),
        h.uri.as_deref().unwrap_or("")
    );
    if let Some(code) = h.status_code {
        let _ = write!(out, ", status: {code}");
        if let Some(msg) = &h.status_msg {
            let _ = write!(out, " {msg}");
        }
    }
    if !h.resp_mime_types.is_empty() {
        out.push_str(", MIME: ");
        for (i, m) in h.resp_mime_types.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(m);
        }
    }
    if let Some(ua) = &h.user_agent {
        let _ = write!(out, ", UA: {ua}");
    }
    out
}

fn ssl_detail(s: &Ssl) -> String {
    let mut out = String::with_capacity(128);
    let _ = write!(out, "TLS SNI: {}", s.server_name.as_deref().unwrap_or("-"));
    if let Some(subject) = &s.subject {
        let _ = write!(out, ", subject: {subject}");
    }
    if let Some(v) = &s.version {
        let _ = write!(out, ", version: {v}");
    }
    if let Some(v) = &s.validation_status {
        let _ = write!(out, ", validation: {v}");
    }
    let trusted = match s.validation_status.as_deref() {
        Some("ok") => "Yes",
        Some(_) => "No",
        None => "??",
    };
    let _ = write!(out, ", trusted: {trusted}");
    if s.resumed == Some(true) {
        out.push_str(", resumed");
    }
    out
}

fn ssh_detail(s: &Ssh) -> String {
    let mut out = String::with_capacity(96);
    let _ = write!(
        out,
        "SSH client: {}, server: {}, auth success: ",
        s.client.as_deref().unwrap_or("-"),
        s.server.as_deref().unwrap_or("-")
    );
    out.push_str(match s.auth_success {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    });
    if let Some(n) = s.auth_attempts {
        let _ = write!(out, ", auth attempts: {n}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{ip, ts};
    use slips_core::ConnState;

    const BASE: f64 = 1538085600.0; // 2018-09-27T22:00:00Z

    fn ep(daddr: &str, dport: u16) -> Option<Endpoints> {
        Some(Endpoints {
            saddr: ip("10.0.0.5"),
            sport: 40000,
            daddr: ip(daddr),
            dport,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn conn(
        uid: &str,
        t: f64,
        daddr: &str,
        dport: u16,
        proto: Proto,
        service: Option<&str>,
        state: ConnState,
        bytes: (u64, u64),
    ) -> Record {
        Record::Conn(Conn {
            ts: ts(BASE + t),
            uid: uid.into(),
            saddr: Some(ip("10.0.0.5")),
            sport: 40000,
            daddr: Some(ip(daddr)),
            dport,
            proto: Some(proto),
            service: service.map(Into::into),
            sbytes: bytes.0,
            dbytes: bytes.1,
            state,
            ..Default::default()
        })
    }

    fn dns(uid: &str, t: f64, query: &str, answers: &[&str], rcode: &str) -> Record {
        Record::Dns(Box::new(Dns {
            ts: ts(BASE + t),
            uid: uid.into(),
            id: ep("8.8.8.8", 53),
            proto: Some(Proto::Udp),
            query: Some(query.into()),
            rcode_name: Some(rcode.into()),
            answers: answers.iter().map(|a| (*a).into()).collect(),
            ..Default::default()
        }))
    }

    fn http(uid: &str, t: f64) -> Record {
        Record::Http(Box::new(Http {
            ts: ts(BASE + t),
            uid: uid.into(),
            id: ep("93.184.216.34", 80),
            method: Some("GET".into()),
            host: Some("example.com".into()),
            uri: Some("/index.html".into()),
            user_agent: Some("curl/8.0".into()),
            status_code: Some(200),
            status_msg: Some("OK".into()),
            resp_mime_types: vec!["text/html".into()],
            ..Default::default()
        }))
    }

    fn ssl(uid: &str, t: f64) -> Record {
        Record::Ssl(Box::new(Ssl {
            ts: ts(BASE + t),
            uid: uid.into(),
            id: ep("1.2.3.4", 443),
            version: Some("TLSv13".into()),
            server_name: Some("example.org".into()),
            subject: Some("CN=example.org".into()),
            validation_status: Some("self signed certificate".into()),
            ..Default::default()
        }))
    }

    fn ssh(uid: &str, t: f64) -> Record {
        Record::Ssh(Box::new(Ssh {
            ts: ts(BASE + t),
            uid: uid.into(),
            id: ep("10.0.0.9", 22),
            auth_success: Some(false),
            auth_attempts: Some(3),
            client: Some("SSH-2.0-OpenSSH_8.2".into()),
            server: Some("SSH-2.0-OpenSSH_7.4".into()),
            ..Default::default()
        }))
    }

    /// Zeek's ICMP convention: type 8 in the source port, code 0 in the destination port.
    fn icmp_echo(uid: &str, t: f64) -> Record {
        let Record::Conn(mut c) = conn(
            uid,
            t,
            "1.1.1.1",
            0,
            Proto::Icmp,
            None,
            ConnState::OTH,
            (64, 64),
        ) else {
            unreachable!()
        };
        c.sport = 8;
        Record::Conn(c)
    }

    fn records() -> Vec<Record> {
        vec![
            conn(
                "C1",
                1.0,
                "8.8.8.8",
                53,
                Proto::Udp,
                Some("dns"),
                ConnState::SF,
                (40, 56),
            ),
            dns(
                "C1",
                1.0,
                "example.com",
                &["93.184.216.34", "2606:2800::1"],
                "NOERROR",
            ),
            dns("C2", 2.0, "nope.example", &[], "NXDOMAIN"),
            conn(
                "C2",
                2.0,
                "8.8.8.8",
                53,
                Proto::Udp,
                None,
                ConnState::SF,
                (40, 0),
            ),
            http("C3", 3.5),
            conn(
                "C3",
                3.0,
                "93.184.216.34",
                80,
                Proto::Tcp,
                Some("http"),
                ConnState::SF,
                (120, 900),
            ),
            conn(
                "C4",
                4.0,
                "1.2.3.4",
                443,
                Proto::Tcp,
                Some("ssl"),
                ConnState::SF,
                (500, 4000),
            ),
            ssl("C4", 4.1),
            conn(
                "C5",
                5.0,
                "10.0.0.9",
                22,
                Proto::Tcp,
                Some("ssh"),
                ConnState::SF,
                (2000, 3000),
            ),
            ssh("C5", 5.2),
            icmp_echo("C6", 6.0),
            conn(
                "C7",
                7.0,
                "5.6.7.8",
                6667,
                Proto::Tcp,
                None,
                ConnState::S0,
                (0, 0),
            ),
            conn(
                "C8",
                8.0,
                "5.6.7.9",
                80,
                Proto::Tcp,
                None,
                ConnState::SF,
                (0, 0),
            ),
            conn(
                "C9",
                9.0,
                "224.0.0.22",
                0,
                Proto::Igmp,
                None,
                ConnState::OTH,
                (8, 0),
            ),
        ]
    }

    const GOLDEN: &str = "\
Complete TimeLine of IP 10.0.0.5
2018-09-27T22:00:01+00:00: - DNS asked to 8.8.8.8 53/udp, Sent: 40, Recv: 56, Tot: 96 B, State: Established | DNS query: example.com, answers: 93.184.216.34, 2606:2800::1
2018-09-27T22:00:02+00:00: - DNS asked to 8.8.8.8 53/udp, Sent: 40, Recv: 0, Tot: 40 B, State: Established | DNS query: nope.example, NXDOMAIN
2018-09-27T22:00:03+00:00: - HTTP asked to 93.184.216.34 80/tcp, Sent: 120, Recv: 900, Tot: 1020 B, State: Established | HTTP GET http://example.com/index.html, status: 200 OK, MIME: text/html, UA: curl/8.0
2018-09-27T22:00:04+00:00: - SSL asked to 1.2.3.4 443/tcp, Sent: 500, Recv: 4000, Tot: 4500 B, State: Established | TLS SNI: example.org, subject: CN=example.org, version: TLSv13, validation: self signed certificate, trusted: No
2018-09-27T22:00:05+00:00: - SSH asked to 10.0.0.9 22/tcp, Sent: 2000, Recv: 3000, Tot: 5000 B, State: Established | SSH client: SSH-2.0-OpenSSH_8.2, server: SSH-2.0-OpenSSH_7.4, auth success: no, auth attempts: 3
2018-09-27T22:00:06+00:00: - PING echo to 1.1.1.1, Sent: 64, Recv: 64, Tot: 128 B
2018-09-27T22:00:07+00:00: - Not recognized asked to 5.6.7.8 6667/tcp, Sent: 0, Recv: 0, Tot: 0 B, State: Not Established
2018-09-27T22:00:08+00:00: - HTTP asked to 5.6.7.9 80/tcp, Sent: 0, Recv: 0, Tot: 0 B, State: Established, Be careful! Established but empty!
2018-09-27T22:00:09+00:00: - IGMP asked to 224.0.0.22 0/igmp, Sent: 8, Recv: 0, Tot: 8 B, State: Established
";

    fn build(recs: impl IntoIterator<Item = Record>) -> Timeline {
        let mut t = Timeline::new();
        for r in recs {
            t.observe(ip("10.0.0.5"), &r);
        }
        t
    }

    #[test]
    fn golden_file() {
        let dir = tempfile::tempdir().unwrap();
        let t = build(records());
        assert_eq!(t.write_all(dir.path()).unwrap(), 1);
        let path = dir.path().join("profiles/10.0.0.5").join(TIMELINE_FILE);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), GOLDEN);
        let stats = t.stats();
        assert_eq!(stats.lines, 9);
        assert_eq!(stats.pending, 0);
        // Rewriting gives the same bytes.
        t.write_all(dir.path()).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), GOLDEN);
    }

    #[test]
    fn text_from_the_traffic_is_escaped() {
        let mut recs = records();
        for r in recs.iter_mut() {
            if let Record::Dns(d) = r {
                d.query = Some("evil\x1b]0;x\x07\nfake line.com".into());
            }
        }
        let t = build(recs);
        let text = t.render(ip("10.0.0.5")).unwrap();
        assert!(text.contains("DNS query: evil\\x1b]0;x\\x07\\x0afake line.com"));
        assert!(!text.replace('\n', "").chars().any(|c| c.is_control()));
        assert_eq!(text.lines().count(), GOLDEN.lines().count());
    }

    #[test]
    fn uid_merge_in_both_orders() {
        let recs = records();
        // Every app record after its conn, then every app record before its conn.
        let (conns, apps): (Vec<_>, Vec<_>) =
            recs.into_iter().partition(|r| matches!(r, Record::Conn(_)));
        let after = build(conns.iter().cloned().chain(apps.iter().cloned()));
        let before = build(apps.iter().cloned().chain(conns.iter().cloned()));
        let ip5 = ip("10.0.0.5");
        assert_eq!(after.render(ip5).unwrap(), GOLDEN);
        assert_eq!(before.render(ip5).unwrap(), GOLDEN);
        assert_eq!(before.stats().pending, 0);
        assert!(after.render(ip("10.9.9.9")).is_none());
    }

    #[test]
    fn pending_details_are_bounded_and_written_alone() {
        let mut t = Timeline::with_limits(2, 100);
        let p = ip("10.0.0.5");
        t.observe(p, &dns("D1", 1.0, "a.example", &["1.1.1.1"], "NOERROR"));
        t.observe(p, &dns("D2", 2.0, "b.example", &["2.2.2.2"], "NOERROR"));
        t.observe(p, &dns("D3", 3.0, "c.example", &[], "NOERROR"));
        let s = t.stats();
        assert_eq!((s.pending, s.pending_evicted), (2, 1));
        // D1's details were evicted: its conn line has none. D2 merges.
        t.observe(
            p,
            &conn(
                "D1",
                1.0,
                "8.8.8.8",
                53,
                Proto::Udp,
                Some("dns"),
                ConnState::SF,
                (30, 46),
            ),
        );
        t.observe(
            p,
            &conn(
                "D2",
                2.0,
                "8.8.8.8",
                53,
                Proto::Udp,
                Some("dns"),
                ConnState::SF,
                (30, 46),
            ),
        );
        assert_eq!(
            t.render(p).unwrap(),
            "\
Complete TimeLine of IP 10.0.0.5
2018-09-27T22:00:01+00:00: - DNS asked to 8.8.8.8 53/udp, Sent: 30, Recv: 46, Tot: 76 B, State: Established
2018-09-27T22:00:02+00:00: - DNS asked to 8.8.8.8 53/udp, Sent: 30, Recv: 46, Tot: 76 B, State: Established | DNS query: b.example, answers: 2.2.2.2
2018-09-27T22:00:03+00:00: - DNS asked to 8.8.8.8 53/udp (no conn record) | DNS query: c.example, answers: none
"
        );
        let s = t.stats();
        assert_eq!((s.lines, s.pending, s.pending_evicted), (2, 1, 1));
        // The uid → line map is bounded too: D1's entry is gone after two more conns, so a
        // late detail for it becomes a line of its own.
        t.observe(
            p,
            &conn(
                "E1",
                4.0,
                "9.9.9.9",
                53,
                Proto::Udp,
                None,
                ConnState::S0,
                (30, 0),
            ),
        );
        t.observe(
            p,
            &conn(
                "E2",
                5.0,
                "9.9.9.9",
                53,
                Proto::Udp,
                None,
                ConnState::S0,
                (30, 0),
            ),
        );
        assert!(t.stats().index_evicted >= 1);
        t.observe(p, &dns("D1", 1.5, "late.example", &[], "NXDOMAIN"));
        assert!(t
            .render(p)
            .unwrap()
            .contains("22:00:01.500000+00:00: - DNS asked to 8.8.8.8 53/udp (no conn record) | DNS query: late.example, NXDOMAIN\n"));
    }

    #[test]
    fn lines_per_profile_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Timeline::with_limits(10, 2);
        let p = ip("10.0.0.5");
        for (i, uid) in ["A", "B", "C"].iter().enumerate() {
            t.observe(
                p,
                &conn(
                    uid,
                    i as f64,
                    "8.8.8.8",
                    53,
                    Proto::Udp,
                    None,
                    ConnState::SF,
                    (1, 1),
                ),
            );
        }
        // A detail of the dropped conn is dropped too (not a line of its own).
        t.observe(p, &dns("C", 2.0, "x.example", &[], "NOERROR"));
        assert_eq!(t.stats().dropped_lines, 1);
        t.write_all(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("profiles/10.0.0.5").join(TIMELINE_FILE)).unwrap(),
            "\
Complete TimeLine of IP 10.0.0.5
2018-09-27T22:00:00+00:00: - DNS asked to 8.8.8.8 53/udp, Sent: 1, Recv: 1, Tot: 2 B, State: Established
2018-09-27T22:00:01+00:00: - DNS asked to 8.8.8.8 53/udp, Sent: 1, Recv: 1, Tot: 2 B, State: Established

1 more lines not kept: at most 2 lines are kept per profile.
"
        );
    }

    #[test]
    fn details_per_line_are_capped() {
        let mut t = Timeline::new();
        let p = ip("10.0.0.5");
        t.observe(
            p,
            &conn(
                "H",
                0.0,
                "93.184.216.34",
                80,
                Proto::Tcp,
                Some("http"),
                ConnState::SF,
                (1, 1),
            ),
        );
        for i in 0..(MAX_DETAILS_PER_LINE + 3) {
            t.observe(p, &http("H", i as f64));
        }
        let text = t.render(p).unwrap();
        assert_eq!(text.matches("HTTP GET").count(), MAX_DETAILS_PER_LINE);
        assert!(text.ends_with(" | (3 more details not kept)\n"), "{text}");
    }

    #[test]
    fn icmp_names() {
        assert_eq!(icmp_name(Proto::Icmp, 8, 0), "PING echo");
        assert_eq!(
            icmp_name(Proto::Icmp, 3, 3),
            "ICMP Destination Port Unreachable"
        );
        assert_eq!(
            icmp_name(Proto::Icmp, 3, 0),
            "ICMP Destination Net Unreachable"
        );
        assert_eq!(icmp_name(Proto::Icmp, 13, 0), "ICMP Timestamp Request");
        assert_eq!(icmp_name(Proto::Icmp6, 128, 0), "PING echo");
        assert_eq!(
            icmp_name(Proto::Icmp6, 135, 0),
            "ICMPv6 Neighbor Solicitation"
        );
        assert_eq!(icmp_name(Proto::Icmp, 99, 1), "ICMP type 99 code 1");
    }
}

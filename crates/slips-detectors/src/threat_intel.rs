//! Threat intelligence: connections, DNS queries and answers, HTTP hosts and URLs, TLS
//! SNIs, JA3/JA3S fingerprints, certificates and file hashes that match an IoC source
//! (Slips' `threat_intelligence` module and the JA3/certificate checks of `flow_alerts`).
//!
//! The IoCs come from [`Knowledge::intel`] (the `slips-intel` crate loads the feeds);
//! without it the detector reports nothing. Threat levels come from the feed (or the line
//! of a local file); confidences are Slips': 1 for exact matches, 0.7 for a match on a
//! parent domain, 0.8 for a blacklisted ASN. Each finding is reported once per profile and
//! time window (Slips looks each IP up once per window).

use crate::knowledge::{Fingerprint, IocInfo, IocLookup, Knowledge};
use crate::{FromConfig, Resources};
use foldhash::{HashSet, HashSetExt};
use slips_config::Config;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Ioc, IocKind, Method,
    Record, RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Arc;

/// Most findings remembered per profile and window (beyond it, repeats are left to the
/// engine's dedup).
pub const MAX_SEEN_PER_WINDOW: usize = 4096;

/// See the module documentation.
pub struct ThreatIntel {
    knowledge: Arc<dyn Knowledge>,
}

impl FromConfig for ThreatIntel {
    fn from_config(_: &Config, res: &Resources) -> Self {
        ThreatIntel {
            knowledge: Arc::clone(&res.knowledge),
        }
    }
}

/// Most downloaded files per profile and window waiting for an online hash verdict.
pub const MAX_WAITING_FILES: usize = 32;

/// A downloaded file whose hash the online services had not answered yet.
struct WaitingFile {
    hash: Str,
    size: u64,
    server: Option<IpAddr>,
    ts: Timestamp,
    uid: Str,
}

/// Findings already reported in this profile-window, and files waiting for an online
/// hash verdict.
#[derive(Default)]
pub struct Seen {
    seen: HashSet<u64>,
    files: Vec<WaitingFile>,
}

impl Seen {
    /// True the first time (type, attacker, victim) is seen in the window.
    fn first(&mut self, t: EvidenceType, a: &str, v: &str) -> bool {
        if self.seen.len() >= MAX_SEEN_PER_WINDOW {
            return true;
        }
        if self.seen.capacity() == 0 {
            self.seen = HashSet::with_capacity(8);
        }
        let h = foldhash::fast::FixedState::with_seed(0x51_1b5).hash_one((t, a, v));
        self.seen.insert(h)
    }
}

/// Whether a files.log record is a TLS certificate (Zeek's `source` SSL).
fn is_cert_file(f: &slips_core::Files) -> bool {
    f.source
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("ssl"))
}

/// `Description: x. Source: y. Tags: z.` with the parts that are known.
fn about(i: &IocInfo) -> String {
    let mut s = String::new();
    if !i.description.is_empty() {
        s.push_str(&format!(
            "Description: {}. ",
            i.description.trim_end_matches('.')
        ));
    }
    s.push_str(&format!("Source: {}.", i.source));
    if !i.tags.is_empty() {
        s.push_str(&format!(" Tags: {}.", i.tags));
    }
    s
}

fn ioc_of(kind: IocKind, value: &str, side: Side) -> Ioc {
    Ioc {
        kind,
        value: value.into(),
        side,
    }
}

struct Out<'a> {
    out: &'a mut Emitter,
    seen: &'a mut Seen,
    ts: Timestamp,
    uid: &'a Str,
}

impl Out<'_> {
    fn emit(&mut self, d: EvidenceDraft) {
        let v = d.victim.as_ref().map(|v| v.value.as_str()).unwrap_or("");
        if self.seen.first(d.evidence_type, &d.attacker.value, v) {
            self.out.emit(
                d.method(Method::ThreatIntelligence)
                    .uids([self.uid.clone()]),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn draft(
        &self,
        t: EvidenceType,
        attacker: Ioc,
        victim: Option<Ioc>,
        level: ThreatLevel,
        confidence: f64,
        description: String,
    ) -> EvidenceDraft {
        // The attacker IP passed to `new` is replaced right away by the real attacker IoC.
        let mut d = EvidenceDraft::new(
            t,
            IpAddr::from([0, 0, 0, 0]),
            Side::Src,
            level,
            confidence,
            self.ts,
            description,
        );
        d.attacker = attacker;
        d.victim = victim;
        d
    }
}

impl ThreatIntel {
    /// Asks the online hash services (through the knowledge cache) about a downloaded
    /// file; true when decided (a verdict, or nothing will ever come).
    fn file_verdict(&self, w: &WaitingFile, o: &mut Out, me: IpAddr) -> bool {
        let Some(v) = self.knowledge.file_hash_verdict(&w.hash) else {
            return !self.knowledge.online_lookups();
        };
        let from = w
            .server
            .map(|s| s.to_string())
            .unwrap_or_else(|| "-".into());
        let mut desc = format!(
            "Malicious downloaded file {}. size: {} bytes. File was downloaded from server: {from}. Detected by: {}.",
            w.hash, w.size, v.detected_by
        );
        if !v.details.is_empty() {
            desc.push_str(&format!(" {}.", v.details.trim_end_matches('.')));
        }
        let e = o.draft(
            EvidenceType::MALICIOUS_DOWNLOADED_FILE,
            Ioc::ip(me, Side::Src),
            w.server.map(|s| Ioc::ip(s, Side::Dst)),
            v.threat_level,
            v.confidence,
            desc,
        );
        o.emit(e);
        true
    }

    /// Asks again about the files still waiting for a verdict.
    fn retry_files(&self, seen: &mut Seen, out: &mut Emitter, me: IpAddr) {
        if seen.files.is_empty() {
            return;
        }
        let files = std::mem::take(&mut seen.files);
        let mut keep = Vec::new();
        for w in files {
            let mut o = Out {
                out: &mut *out,
                seen: &mut *seen,
                ts: w.ts,
                uid: &w.uid,
            };
            if !self.file_verdict(&w, &mut o, me) {
                keep.push(w);
            }
        }
        seen.files = keep;
    }

    /// A hit of Zeek's intelligence framework (`intel.log`), reported with the evidence
    /// type of its indicator type. Zeek's intel files carry no threat level: MEDIUM.
    fn zeek_intel(i: &slips_core::Intel, seen: &mut Seen, out: &mut Emitter, me: IpAddr) {
        let ind = i.indicator.trim();
        if ind.is_empty() {
            return;
        }
        let uid = i.uid.clone().unwrap_or_default();
        let mut o = Out {
            out,
            seen,
            ts: i.ts,
            uid: &uid,
        };
        let (s, d) = match i.id {
            Some(e) => (e.saddr, e.daddr),
            None => (me, me),
        };
        let other = if s == me { d } else { s };
        let has_peer = i.id.is_some() && other != me;
        let sources = if i.sources.is_empty() {
            "Zeek intel".to_string()
        } else {
            i.sources.join(", ")
        };
        let ty = i.indicator_type.as_deref().unwrap_or("");
        let about = format!(
            "Source: {sources}. Zeek intel {} seen in {}.",
            if ty.is_empty() { "indicator" } else { ty },
            i.seen_where.as_deref().unwrap_or("-")
        );
        let level = ThreatLevel::Medium;
        let with_ports = |e: EvidenceDraft| match i.id {
            Some(ep) => e.ports(Some(ep.sport), Some(ep.dport)),
            None => e,
        };
        // The attacker/victim pair of a connection to something listed: the listed side
        // with MEDIUM, the profile with LOW.
        let pair = |o: &mut Out, t: EvidenceType, listed: Ioc, desc: String| {
            let e = o.draft(
                t,
                listed.clone(),
                Some(Ioc::ip(me, Side::Src)),
                level,
                1.0,
                desc.clone(),
            );
            o.emit(with_ports(e));
            let e = o.draft(
                t,
                Ioc::ip(me, Side::Src),
                Some(listed),
                ThreatLevel::Low,
                1.0,
                desc,
            );
            o.emit(with_ports(e));
        };
        match ty {
            "Intel::ADDR" | "Intel::SUBNET" => {
                let ip = ind.parse::<IpAddr>().ok();
                if ip == Some(me) && has_peer {
                    let desc = format!("connection from blacklisted IP: {me} to {other}. {about}");
                    let e = o.draft(
                        EvidenceType::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP,
                        Ioc::ip(me, Side::Src),
                        Some(Ioc::ip(other, Side::Dst)),
                        level,
                        1.0,
                        desc,
                    );
                    o.emit(with_ports(e));
                } else {
                    let target = ip.filter(|x| *x != me).unwrap_or(other);
                    if target == me {
                        return;
                    }
                    let desc = format!("connection to blacklisted IP: {target} from {me}. {about}");
                    pair(
                        &mut o,
                        EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
                        Ioc::ip(target, Side::Dst),
                        desc,
                    );
                }
            }
            "Intel::DOMAIN" => {
                let desc = format!("connection to a blacklisted domain {ind}. {about}");
                pair(
                    &mut o,
                    EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
                    ioc_of(IocKind::Domain, ind, Side::Dst),
                    desc,
                );
            }
            "Intel::URL" => {
                let desc = format!("connection to a blacklisted URL: {ind}. {about}");
                let e = o.draft(
                    EvidenceType::THREAT_INTELLIGENCE_MALICIOUS_URL,
                    Ioc::ip(me, Side::Src),
                    Some(ioc_of(IocKind::Url, ind, Side::Dst)),
                    level,
                    1.0,
                    desc,
                );
                o.emit(with_ports(e));
            }
            "Intel::FILE_HASH" | "Intel::FILE_NAME" => {
                let from = if has_peer {
                    other.to_string()
                } else {
                    "-".into()
                };
                let desc = format!(
                    "Malicious downloaded file {ind}. File was downloaded from server: {from}. {about}"
                );
                let e = o.draft(
                    EvidenceType::MALICIOUS_DOWNLOADED_FILE,
                    Ioc::ip(me, Side::Src),
                    has_peer.then(|| Ioc::ip(other, Side::Dst)),
                    level,
                    1.0,
                    desc,
                );
                o.emit(with_ports(e));
            }
            "Intel::CERT_HASH" if has_peer => {
                let desc = format!(
                    "Malicious SSL certificate to server {other}. Certificate SHA1: {ind}. {about}"
                );
                pair(
                    &mut o,
                    EvidenceType::MALICIOUS_SSL_CERT,
                    Ioc::ip(other, Side::Dst),
                    desc,
                );
            }
            "Intel::JA3" => {
                let desc =
                    format!("Malicious JA3: {ind} from source address {me} to {other}. {about}");
                let e = o.draft(
                    EvidenceType::MALICIOUS_JA3,
                    Ioc::ip(me, Side::Src),
                    has_peer.then(|| Ioc::ip(other, Side::Dst)),
                    level,
                    1.0,
                    desc,
                );
                o.emit(with_ports(e));
            }
            // E-mail addresses, user names, software, public keys, certificates without a
            // connection: the connection's peer carried a listed indicator.
            _ if has_peer => {
                let desc =
                    format!("connection to {other} with a blacklisted indicator: {ind}. {about}");
                pair(
                    &mut o,
                    EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
                    Ioc::ip(other, Side::Dst),
                    desc,
                );
            }
            _ => {}
        }
    }

    /// A blacklisted domain (DNS query, HTTP host, TLS SNI): the domain as destination
    /// attacker plus the profile with the feed's level.
    fn domain(&self, intel: &dyn IocLookup, o: &mut Out, profile: IpAddr, domain: &str) {
        if domain.parse::<IpAddr>().is_ok() {
            return;
        }
        let Some((info, parent)) = intel.domain(domain) else {
            return;
        };
        let conf = if parent { 0.7 } else { 1.0 };
        let desc = format!(
            "connection to a blacklisted domain {domain}. {}",
            about(&info)
        );
        let dom = ioc_of(IocKind::Domain, domain, Side::Dst);
        let me = Ioc::ip(profile, Side::Src);
        let d = o.draft(
            EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
            dom.clone(),
            Some(me.clone()),
            info.threat_level,
            conf,
            desc.clone(),
        );
        o.emit(d);
        let d = o.draft(
            EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
            me,
            Some(dom),
            info.threat_level,
            conf,
            desc,
        );
        o.emit(d);
    }

    /// A TLS server (certificate or JA3S) that a feed lists: the server with the feed's
    /// level, the client with LOW.
    #[allow(clippy::too_many_arguments)]
    /// The usual pair of a blacklisted server: the server blamed with the feed's level, the
    /// client with `client_level`; `finish` adds what the record knows (ports, protocol).
    #[allow(clippy::too_many_arguments)]
    fn server_pair(
        o: &mut Out,
        t: EvidenceType,
        client: IpAddr,
        server: IpAddr,
        (server_level, client_level): (ThreatLevel, ThreatLevel),
        confidence: f64,
        desc: String,
        finish: impl Fn(EvidenceDraft) -> EvidenceDraft,
    ) {
        let d = o.draft(
            t,
            Ioc::ip(server, Side::Dst),
            Some(Ioc::ip(client, Side::Src)),
            server_level,
            confidence,
            desc.clone(),
        );
        o.emit(finish(d));
        let d = o.draft(
            t,
            Ioc::ip(client, Side::Src),
            Some(Ioc::ip(server, Side::Dst)),
            client_level,
            confidence,
            desc,
        );
        o.emit(finish(d));
    }
}

impl Detector for ThreatIntel {
    const NAME: &'static str = "threat_intelligence";
    const DESCRIPTION: &'static str = "Traffic matching threat-intelligence IoCs: blacklisted IPs, ranges, ASNs, domains, URLs, JA3/JA3S, certificates and file hashes; Zeek intel.log hits; online hash verdicts (Circl.lu, URLhaus) when enabled";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
        EvidenceType::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP,
        EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_ASN,
        EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
        EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER,
        EvidenceType::THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY,
        EvidenceType::THREAT_INTELLIGENCE_MALICIOUS_URL,
        EvidenceType::MALICIOUS_JA3,
        EvidenceType::MALICIOUS_JA3S,
        EvidenceType::MALICIOUS_SSL_CERT,
        EvidenceType::MALICIOUS_DOWNLOADED_FILE,
    ];
    const INTERESTS: RecordKinds = RecordKinds::of(&[
        RecordKind::Conn,
        RecordKind::Dns,
        RecordKind::Http,
        RecordKind::Ssl,
        RecordKind::Files,
        RecordKind::Intel,
    ]);
    type WindowState = Seen;

    fn on_record(&mut self, ctx: &DetectorCtx, seen: &mut Seen, r: &Record, out: &mut Emitter) {
        // Each record once, from its source's point of view.
        if ctx.direction != Direction::Out {
            return;
        }
        let me = ctx.profile;
        self.retry_files(seen, out, me);
        match r {
            Record::Intel(i) => return Self::zeek_intel(i, seen, out, me),
            Record::Files(f) if !is_cert_file(f) => {
                // Online hash services (Slips asks them about the MD5).
                let hash = [f.md5.as_deref(), f.sha1.as_deref(), f.sha256.as_deref()]
                    .into_iter()
                    .flatten()
                    .find(|h| !h.is_empty());
                if let Some(hash) = hash {
                    let w = WaitingFile {
                        hash: hash.into(),
                        size: f.seen_bytes,
                        server: f.tx_hosts.first().copied(),
                        ts: f.ts,
                        uid: f.conn_uids.first().unwrap_or(&f.fuid).clone(),
                    };
                    let mut o = Out {
                        out: &mut *out,
                        seen: &mut *seen,
                        ts: w.ts,
                        uid: &w.uid,
                    };
                    if !self.file_verdict(&w, &mut o, me)
                        && seen.files.len() < MAX_WAITING_FILES
                        && !seen.files.iter().any(|x| x.hash == w.hash)
                    {
                        seen.files.push(w);
                    }
                }
            }
            _ => {}
        }
        let Some(intel) = self.knowledge.intel() else {
            return;
        };
        match r {
            Record::Conn(c) => {
                let (Some(s), Some(d)) = (c.saddr, c.daddr) else {
                    return;
                };
                let mut o = Out {
                    out,
                    seen,
                    ts: c.ts,
                    uid: &c.uid,
                };
                let with_flow = |e: EvidenceDraft| {
                    let e = e.ports(Some(c.sport), Some(c.dport));
                    match c.proto {
                        Some(p) => e.proto(p),
                        None => e,
                    }
                };
                if let Some(info) = intel.ip(d) {
                    let desc = format!(
                        "connection to blacklisted IP: {d} from {s}. {}",
                        about(&info)
                    );
                    Self::server_pair(
                        &mut o,
                        EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
                        s,
                        d,
                        (info.threat_level, ThreatLevel::Low),
                        1.0,
                        desc,
                        with_flow,
                    );
                } else if let Some((asn, info)) = intel.blacklisted_asn(d) {
                    let desc = format!(
                        "Connection to IP: {d} with blacklisted ASN: AS{asn}. {}",
                        about(&info)
                    );
                    Self::server_pair(
                        &mut o,
                        EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_ASN,
                        s,
                        d,
                        (info.threat_level, info.threat_level),
                        0.8,
                        desc,
                        with_flow,
                    );
                }
                if let Some(info) = intel.ip(s) {
                    let desc = format!(
                        "connection from blacklisted IP: {s} to {d}. {}",
                        about(&info)
                    );
                    let e = o.draft(
                        EvidenceType::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP,
                        Ioc::ip(s, Side::Src),
                        Some(Ioc::ip(d, Side::Dst)),
                        info.threat_level,
                        1.0,
                        desc,
                    );
                    o.emit(with_flow(e));
                }
            }
            Record::Dns(q) => {
                let mut o = Out {
                    out,
                    seen,
                    ts: q.ts,
                    uid: &q.uid,
                };
                let query = q.query.as_deref().unwrap_or("");
                let qinfo = if query.is_empty() {
                    None
                } else {
                    self.domain(intel, &mut o, me, query);
                    intel.domain(query)
                };
                for a in &q.answers {
                    let a = a.trim();
                    if let Ok(ip) = a.parse::<IpAddr>() {
                        if let Some(info) = intel.ip(ip) {
                            let desc = format!(
                                "DNS answer with a blacklisted IP: {ip} for query: {query}. {}",
                                about(&info)
                            );
                            let e = o.draft(
                                EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER,
                                Ioc::ip(me, Side::Src),
                                Some(Ioc::ip(ip, Side::Dst)),
                                info.threat_level,
                                1.0,
                                desc,
                            );
                            o.emit(e);
                        }
                        if let Some((info, parent)) = &qinfo {
                            let desc = format!("DNS answer of a blacklisted query. Query: {query} Answer: {ip}. {}", about(info));
                            let e = o.draft(
                                EvidenceType::THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY,
                                Ioc::ip(ip, Side::Dst),
                                Some(Ioc::ip(me, Side::Src)),
                                info.threat_level,
                                if *parent { 0.7 } else { 1.0 },
                                desc,
                            );
                            o.emit(e);
                        }
                    } else if !a.contains(' ') && a.contains('.') {
                        // A CNAME.
                        if let Some((info, parent)) = intel.domain(a) {
                            let desc = format!(
                                "DNS answer with a blacklisted CNAME: {a} for query: {query}. {}",
                                about(&info)
                            );
                            let e = o.draft(
                                EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER,
                                Ioc::ip(me, Side::Src),
                                Some(ioc_of(IocKind::Domain, a, Side::Dst)),
                                info.threat_level,
                                if parent { 0.7 } else { 1.0 },
                                desc,
                            );
                            o.emit(e);
                        }
                    }
                }
            }
            Record::Http(h) => {
                let mut o = Out {
                    out,
                    seen,
                    ts: h.ts,
                    uid: &h.uid,
                };
                let Some(host) = h.host.as_deref().filter(|x| !x.is_empty()) else {
                    return;
                };
                self.domain(intel, &mut o, me, host);
                let url = format!("http://{host}{}", h.uri.as_deref().unwrap_or(""));
                if let Some(info) = intel.url(&url) {
                    let desc = format!("connection to a blacklisted URL: {url}. {}", about(&info));
                    let e = o.draft(
                        EvidenceType::THREAT_INTELLIGENCE_MALICIOUS_URL,
                        Ioc::ip(me, Side::Src),
                        Some(ioc_of(IocKind::Url, &url, Side::Dst)),
                        info.threat_level,
                        1.0,
                        desc,
                    );
                    o.emit(e);
                }
            }
            Record::Ssl(s) => {
                let Some(id) = s.id else { return };
                let (client, server) = (id.saddr, id.daddr);
                let mut o = Out {
                    out,
                    seen,
                    ts: s.ts,
                    uid: &s.uid,
                };
                if let Some(sni) = s.server_name.as_deref().filter(|x| !x.is_empty()) {
                    self.domain(intel, &mut o, me, sni);
                }
                if let Some(ja3) = s.ja3.as_deref().filter(|x| !x.is_empty()) {
                    if let Some(info) = intel.fingerprint(Fingerprint::Ja3, ja3) {
                        let desc = format!(
                            "Malicious JA3: {ja3} from source address {client} to {server}. {}",
                            about(&info)
                        );
                        let e = o.draft(
                            EvidenceType::MALICIOUS_JA3,
                            Ioc::ip(client, Side::Src),
                            Some(Ioc::ip(server, Side::Dst)),
                            info.threat_level,
                            1.0,
                            desc,
                        );
                        o.emit(e.ports(Some(id.sport), Some(id.dport)));
                    }
                }
                if let Some(ja3s) = s.ja3s.as_deref().filter(|x| !x.is_empty()) {
                    if let Some(info) = intel.fingerprint(Fingerprint::Ja3, ja3s) {
                        let desc = format!(
                            "Malicious JA3s: (possible C&C server): {ja3s} to server {server}. {}",
                            about(&info)
                        );
                        Self::server_pair(
                            &mut o,
                            EvidenceType::MALICIOUS_JA3S,
                            client,
                            server,
                            (info.threat_level, ThreatLevel::Low),
                            1.0,
                            desc,
                            |d| d,
                        );
                    }
                }
                for fp in &s.cert_chain {
                    if fp.len() != 40 {
                        continue; // file ids, not fingerprints
                    }
                    if let Some(info) = intel.fingerprint(Fingerprint::CertSha1, fp) {
                        let desc = format!("Malicious SSL certificate to server {server}. Certificate SHA1: {fp}. {}", about(&info));
                        Self::server_pair(
                            &mut o,
                            EvidenceType::MALICIOUS_SSL_CERT,
                            client,
                            server,
                            (info.threat_level, ThreatLevel::Low),
                            1.0,
                            desc,
                            |d| d,
                        );
                    }
                }
            }
            Record::Files(f) => {
                let server = f.tx_hosts.first().copied();
                let uid = f.conn_uids.first().unwrap_or(&f.fuid).clone();
                let mut o = Out {
                    out,
                    seen,
                    ts: f.ts,
                    uid: &uid,
                };
                if is_cert_file(f) {
                    let (Some(sha1), Some(server)) = (f.sha1.as_deref(), server) else {
                        return;
                    };
                    if let Some(info) = intel.fingerprint(Fingerprint::CertSha1, sha1) {
                        let desc = format!("Malicious SSL certificate to server {server}. Certificate SHA1: {sha1}. {}", about(&info));
                        Self::server_pair(
                            &mut o,
                            EvidenceType::MALICIOUS_SSL_CERT,
                            me,
                            server,
                            (info.threat_level, ThreatLevel::Low),
                            1.0,
                            desc,
                            |d| d,
                        );
                    }
                    return;
                }
                let hit = [f.md5.as_deref(), f.sha1.as_deref(), f.sha256.as_deref()]
                    .into_iter()
                    .flatten()
                    .find_map(|h| intel.fingerprint(Fingerprint::FileHash, h).map(|i| (h, i)));
                if let Some((hash, info)) = hit {
                    let from = server.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
                    let desc = format!(
                        "Malicious downloaded file {hash}. size: {} bytes. File was downloaded from server: {from}. {}",
                        f.seen_bytes,
                        about(&info)
                    );
                    let e = o.draft(
                        EvidenceType::MALICIOUS_DOWNLOADED_FILE,
                        Ioc::ip(me, Side::Src),
                        server.map(|s| Ioc::ip(s, Side::Dst)),
                        info.threat_level,
                        1.0,
                        desc,
                    );
                    o.emit(e);
                }
            }
            _ => {}
        }
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, seen: &mut Seen, out: &mut Emitter) {
        self.retry_files(seen, out, ctx.profile);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Conn, Dns, Endpoints, Evidence, Files, Flow, Http, Proto, Ssl};

    /// An in-memory IoC source for the tests.
    #[derive(Default)]
    struct Iocs {
        ips: Vec<(IpAddr, IocInfo)>,
        domains: Vec<(&'static str, IocInfo)>,
        urls: Vec<(&'static str, IocInfo)>,
        fps: Vec<(Fingerprint, &'static str, IocInfo)>,
        asns: Vec<(IpAddr, u32, IocInfo)>,
    }

    impl IocLookup for Iocs {
        fn ip(&self, ip: IpAddr) -> Option<IocInfo> {
            self.ips
                .iter()
                .find(|(i, _)| *i == ip)
                .map(|(_, x)| x.clone())
        }
        fn domain(&self, d: &str) -> Option<(IocInfo, bool)> {
            let d = d.to_ascii_lowercase();
            self.domains.iter().find_map(|(x, i)| {
                if d == *x {
                    Some((i.clone(), false))
                } else if d.ends_with(&format!(".{x}")) {
                    Some((i.clone(), true))
                } else {
                    None
                }
            })
        }
        fn url(&self, u: &str) -> Option<IocInfo> {
            self.urls
                .iter()
                .find(|(x, _)| *x == u)
                .map(|(_, i)| i.clone())
        }
        fn fingerprint(&self, k: Fingerprint, v: &str) -> Option<IocInfo> {
            self.fps
                .iter()
                .find(|(kk, x, _)| *kk == k && *x == v)
                .map(|(_, _, i)| i.clone())
        }
        fn blacklisted_asn(&self, ip: IpAddr) -> Option<(u32, IocInfo)> {
            self.asns
                .iter()
                .find(|(i, _, _)| *i == ip)
                .map(|(_, a, x)| (*a, x.clone()))
        }
    }

    struct K(Iocs);
    impl Knowledge for K {
        fn intel(&self) -> Option<&dyn IocLookup> {
            Some(&self.0)
        }
    }

    fn info(level: ThreatLevel, desc: &str) -> IocInfo {
        IocInfo {
            threat_level: level,
            description: desc.into(),
            source: "feed.txt".into(),
            tags: "honeypot".into(),
        }
    }

    fn det(iocs: Iocs) -> ThreatIntel {
        ThreatIntel::from_config(
            &Config::default(),
            &Resources {
                knowledge: Arc::new(K(iocs)),
                ..Resources::default()
            },
        )
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ep(s: &str, d: &str, dport: u16) -> Option<Endpoints> {
        Some(Endpoints {
            saddr: ip(s),
            sport: 49000,
            daddr: ip(d),
            dport,
        })
    }

    /// (type, attacker, attacker side, victim, level, confidence, description)
    type Row = (
        EvidenceType,
        String,
        Side,
        Option<String>,
        ThreatLevel,
        f64,
        String,
    );

    fn rows(ev: &[Evidence]) -> Vec<Row> {
        ev.iter()
            .map(|e| {
                (
                    e.evidence_type,
                    e.attacker.value.to_string(),
                    e.attacker.side,
                    e.victim.as_ref().map(|v| v.value.to_string()),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect()
    }

    fn row(
        t: EvidenceType,
        a: &str,
        side: Side,
        v: Option<&str>,
        l: ThreatLevel,
        c: f64,
        d: &str,
    ) -> Row {
        (t, a.into(), side, v.map(Into::into), l, c, d.into())
    }

    fn conn(ts: f64, uid: &str, s: &str, d: &str) -> Flow {
        Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            saddr: Some(ip(s)),
            sport: 49000,
            daddr: Some(ip(d)),
            dport: 443,
            proto: Some(Proto::Tcp),
            ..Default::default()
        }))
    }

    #[test]
    fn connections_to_and_from_blacklisted_ips_once_per_window() {
        let d = det(Iocs {
            ips: vec![
                (ip("185.33.223.203"), info(ThreatLevel::High, "Simda CC")),
                (ip("45.148.10.81"), info(ThreatLevel::Medium, "")),
            ],
            asns: vec![(
                ip("93.184.216.34"),
                64500,
                info(ThreatLevel::Medium, "bulletproof"),
            )],
            ..Default::default()
        });
        let ev = run(
            d,
            &[
                conn(10.0, "C1", "10.0.2.15", "185.33.223.203"),
                conn(11.0, "C2", "10.0.2.15", "185.33.223.203"),
                conn(12.0, "C3", "45.148.10.81", "10.0.2.15"),
                conn(13.0, "C4", "10.0.2.15", "93.184.216.34"),
                conn(14.0, "C5", "10.0.2.15", "8.8.8.8"),
            ],
        );
        let to = "connection to blacklisted IP: 185.33.223.203 from 10.0.2.15. Description: Simda CC. Source: feed.txt. Tags: honeypot.";
        let asn = "Connection to IP: 93.184.216.34 with blacklisted ASN: AS64500. Description: bulletproof. Source: feed.txt. Tags: honeypot.";
        assert_eq!(
            rows(&ev),
            vec![
                row(EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, "185.33.223.203", Side::Dst, Some("10.0.2.15"), ThreatLevel::High, 1.0, to),
                row(EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, "10.0.2.15", Side::Src, Some("185.33.223.203"), ThreatLevel::Low, 1.0, to),
                row(EvidenceType::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP, "45.148.10.81", Side::Src, Some("10.0.2.15"), ThreatLevel::Medium, 1.0,
                    "connection from blacklisted IP: 45.148.10.81 to 10.0.2.15. Source: feed.txt. Tags: honeypot."),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_ASN, "93.184.216.34", Side::Dst, Some("10.0.2.15"), ThreatLevel::Medium, 0.8, asn),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_ASN, "10.0.2.15", Side::Src, Some("93.184.216.34"), ThreatLevel::Medium, 0.8, asn),
            ]
        );
        assert_eq!(ev[0].uids, vec![Str::from("C1")]);
        assert_eq!(ev[0].method, Method::ThreatIntelligence);
        assert_eq!(ev[0].dst_port, Some(443));
        assert_eq!(ev[0].proto, Some(Proto::Tcp));
        assert_eq!(
            ev[0].profile,
            ip("185.33.223.203"),
            "stored in the attacker's profile"
        );
    }

    #[test]
    fn dns_queries_answers_and_cnames() {
        let d = det(Iocs {
            ips: vec![(ip("6.6.6.6"), info(ThreatLevel::Medium, "bad answer"))],
            domains: vec![
                ("evil.com", info(ThreatLevel::High, "Rana Malware")),
                ("cname-evil.net", info(ThreatLevel::Critical, "")),
            ],
            ..Default::default()
        });
        let dns = |uid: &str, q: &str, answers: &[&str]| {
            Flow::from(Record::Dns(Box::new(Dns {
                ts: Timestamp::from_secs(5.0),
                uid: uid.into(),
                id: ep("10.0.2.15", "10.0.2.3", 53),
                query: Some(q.into()),
                answers: answers.iter().map(|a| Str::from(*a)).collect(),
                ..Default::default()
            })))
        };
        let ev = run(
            d,
            &[
                dns("D1", "www.evil.com", &["1.2.3.4"]),
                dns(
                    "D2",
                    "good.org",
                    &["6.6.6.6", "x.cname-evil.net", "TXT 12 v=spf1"],
                ),
            ],
        );
        let dom = "connection to a blacklisted domain www.evil.com. Description: Rana Malware. Source: feed.txt. Tags: honeypot.";
        assert_eq!(
            rows(&ev),
            vec![
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "www.evil.com", Side::Dst, Some("10.0.2.15"), ThreatLevel::High, 0.7, dom),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "10.0.2.15", Side::Src, Some("www.evil.com"), ThreatLevel::High, 0.7, dom),
                row(EvidenceType::THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY, "1.2.3.4", Side::Dst, Some("10.0.2.15"), ThreatLevel::High, 0.7,
                    "DNS answer of a blacklisted query. Query: www.evil.com Answer: 1.2.3.4. Description: Rana Malware. Source: feed.txt. Tags: honeypot."),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER, "10.0.2.15", Side::Src, Some("6.6.6.6"), ThreatLevel::Medium, 1.0,
                    "DNS answer with a blacklisted IP: 6.6.6.6 for query: good.org. Description: bad answer. Source: feed.txt. Tags: honeypot."),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER, "10.0.2.15", Side::Src, Some("x.cname-evil.net"), ThreatLevel::Critical, 0.7,
                    "DNS answer with a blacklisted CNAME: x.cname-evil.net for query: good.org. Source: feed.txt. Tags: honeypot."),
            ]
        );
    }

    #[test]
    fn http_host_and_url() {
        let d = det(Iocs {
            domains: vec![("evil.com", info(ThreatLevel::High, ""))],
            urls: vec![(
                "http://evil.com/drop.exe",
                info(ThreatLevel::Medium, "URLhaus"),
            )],
            ..Default::default()
        });
        let ev = run(
            d,
            &[Flow::from(Record::Http(Box::new(Http {
                ts: Timestamp::from_secs(1.0),
                uid: "H1".into(),
                id: ep("10.0.2.15", "1.2.3.4", 80),
                host: Some("evil.com".into()),
                uri: Some("/drop.exe".into()),
                ..Default::default()
            })))],
        );
        let dom = "connection to a blacklisted domain evil.com. Source: feed.txt. Tags: honeypot.";
        assert_eq!(
            rows(&ev),
            vec![
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "evil.com", Side::Dst, Some("10.0.2.15"), ThreatLevel::High, 1.0, dom),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "10.0.2.15", Side::Src, Some("evil.com"), ThreatLevel::High, 1.0, dom),
                row(EvidenceType::THREAT_INTELLIGENCE_MALICIOUS_URL, "10.0.2.15", Side::Src, Some("http://evil.com/drop.exe"), ThreatLevel::Medium, 1.0,
                    "connection to a blacklisted URL: http://evil.com/drop.exe. Description: URLhaus. Source: feed.txt. Tags: honeypot."),
            ]
        );
    }

    #[test]
    fn tls_ja3_ja3s_sni_and_certificates() {
        let sha1 = "0123456789abcdef0123456789abcdef01234567";
        let d = det(Iocs {
            domains: vec![("c2.example", info(ThreatLevel::Medium, ""))],
            fps: vec![
                (
                    Fingerprint::Ja3,
                    "6734f37431670b3ab4292b8f60f29984",
                    info(ThreatLevel::High, "Trickbot Malware"),
                ),
                (
                    Fingerprint::Ja3,
                    "e7d705a3286e19ea42f587b344ee6865",
                    info(ThreatLevel::Medium, "Standard tor client"),
                ),
                (
                    Fingerprint::CertSha1,
                    sha1,
                    info(ThreatLevel::High, "QakBot C&C"),
                ),
            ],
            ..Default::default()
        });
        let ssl = Flow::from(Record::Ssl(Box::new(Ssl {
            ts: Timestamp::from_secs(3.0),
            uid: "S1".into(),
            id: ep("10.0.2.15", "123.33.22.11", 443),
            server_name: Some("c2.example".into()),
            ja3: Some("6734f37431670b3ab4292b8f60f29984".into()),
            ja3s: Some("e7d705a3286e19ea42f587b344ee6865".into()),
            cert_chain: vec![sha1.into(), "FfJ4Ad2NOj2tTFoKQe".into()],
            ..Default::default()
        })));
        let ev = run(d, &[ssl]);
        let dom =
            "connection to a blacklisted domain c2.example. Source: feed.txt. Tags: honeypot.";
        let ja3s = "Malicious JA3s: (possible C&C server): e7d705a3286e19ea42f587b344ee6865 to server 123.33.22.11. Description: Standard tor client. Source: feed.txt. Tags: honeypot.";
        let cert = "Malicious SSL certificate to server 123.33.22.11. Certificate SHA1: 0123456789abcdef0123456789abcdef01234567. Description: QakBot C&C. Source: feed.txt. Tags: honeypot.";
        assert_eq!(
            rows(&ev),
            vec![
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "c2.example", Side::Dst, Some("10.0.2.15"), ThreatLevel::Medium, 1.0, dom),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "10.0.2.15", Side::Src, Some("c2.example"), ThreatLevel::Medium, 1.0, dom),
                row(EvidenceType::MALICIOUS_JA3, "10.0.2.15", Side::Src, Some("123.33.22.11"), ThreatLevel::High, 1.0,
                    "Malicious JA3: 6734f37431670b3ab4292b8f60f29984 from source address 10.0.2.15 to 123.33.22.11. Description: Trickbot Malware. Source: feed.txt. Tags: honeypot."),
                row(EvidenceType::MALICIOUS_JA3S, "123.33.22.11", Side::Dst, Some("10.0.2.15"), ThreatLevel::Medium, 1.0, ja3s),
                row(EvidenceType::MALICIOUS_JA3S, "10.0.2.15", Side::Src, Some("123.33.22.11"), ThreatLevel::Low, 1.0, ja3s),
                row(EvidenceType::MALICIOUS_SSL_CERT, "123.33.22.11", Side::Dst, Some("10.0.2.15"), ThreatLevel::High, 1.0, cert),
                row(EvidenceType::MALICIOUS_SSL_CERT, "10.0.2.15", Side::Src, Some("123.33.22.11"), ThreatLevel::Low, 1.0, cert),
            ]
        );
    }

    #[test]
    fn downloaded_files_and_ssl_certificate_files() {
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let sha1 = "0123456789abcdef0123456789abcdef01234567";
        let d = det(Iocs {
            fps: vec![
                (
                    Fingerprint::FileHash,
                    md5,
                    info(ThreatLevel::Critical, "Emotet"),
                ),
                (Fingerprint::CertSha1, sha1, info(ThreatLevel::High, "")),
            ],
            ..Default::default()
        });
        let file = |fuid: &str, source: &str, md5: Option<&str>, sha1: Option<&str>| {
            Flow::from(Record::Files(Box::new(Files {
                ts: Timestamp::from_secs(4.0),
                fuid: fuid.into(),
                tx_hosts: vec![ip("5.5.5.5")],
                rx_hosts: vec![ip("10.0.2.15")],
                conn_uids: vec!["C9".into()],
                source: Some(source.into()),
                seen_bytes: 1234,
                md5: md5.map(Into::into),
                sha1: sha1.map(Into::into),
                ..Default::default()
            })))
        };
        let ev = run(
            d,
            &[
                file("F1", "HTTP", Some(md5), None),
                file("F2", "SSL", None, Some(sha1)),
            ],
        );
        let cert = "Malicious SSL certificate to server 5.5.5.5. Certificate SHA1: 0123456789abcdef0123456789abcdef01234567. Source: feed.txt. Tags: honeypot.";
        assert_eq!(
            rows(&ev),
            vec![
                row(EvidenceType::MALICIOUS_DOWNLOADED_FILE, "10.0.2.15", Side::Src, Some("5.5.5.5"), ThreatLevel::Critical, 1.0,
                    "Malicious downloaded file d41d8cd98f00b204e9800998ecf8427e. size: 1234 bytes. File was downloaded from server: 5.5.5.5. Description: Emotet. Source: feed.txt. Tags: honeypot."),
                row(EvidenceType::MALICIOUS_SSL_CERT, "5.5.5.5", Side::Dst, Some("10.0.2.15"), ThreatLevel::High, 1.0, cert),
                row(EvidenceType::MALICIOUS_SSL_CERT, "10.0.2.15", Side::Src, Some("5.5.5.5"), ThreatLevel::Low, 1.0, cert),
            ]
        );
        assert_eq!(ev[0].uids, vec![Str::from("C9")]);
    }

    #[test]
    fn nothing_without_intel_and_deterministic_with_it() {
        let none = ThreatIntel::from_config(&Config::default(), &Resources::default());
        assert!(run(none, &[conn(1.0, "C1", "10.0.0.1", "185.33.223.203")]).is_empty());
        let mk = || {
            det(Iocs {
                ips: vec![(ip("185.33.223.203"), info(ThreatLevel::High, "x"))],
                ..Default::default()
            })
        };
        let flows: Vec<Flow> = (0..50)
            .map(|i| {
                conn(
                    i as f64 * 100.0,
                    &format!("C{i}"),
                    "10.0.0.1",
                    "185.33.223.203",
                )
            })
            .collect();
        let a = run(mk(), &flows);
        assert_eq!(a.len(), 4, "two windows of 3600 s, a pair in each");
        assert_eq!(a, run(mk(), &flows));
    }

    /// Online hash verdicts that arrive after the `after`-th question.
    struct Online {
        after: usize,
        asked: std::sync::atomic::AtomicUsize,
        online: bool,
    }

    impl Knowledge for Online {
        fn online_lookups(&self) -> bool {
            self.online
        }
        fn file_hash_verdict(&self, hash: &str) -> Option<crate::knowledge::FileVerdict> {
            let n = self
                .asked
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (n >= self.after && hash == "44d88612fea8a8f36de82e1278abb02f").then(|| {
                crate::knowledge::FileVerdict {
                    threat_level: ThreatLevel::High,
                    confidence: 0.7,
                    detected_by: "Circl.lu (blacklists: MalwareBazaar VirusShare)".into(),
                    details: "".into(),
                }
            })
        }
    }

    fn online(after: usize, on: bool) -> ThreatIntel {
        ThreatIntel::from_config(
            &Config::default(),
            &Resources {
                knowledge: Arc::new(Online {
                    after,
                    asked: Default::default(),
                    online: on,
                }),
                ..Resources::default()
            },
        )
    }

    fn download(ts: f64, fuid: &str, md5: &str) -> Flow {
        Flow::from(Record::Files(Box::new(Files {
            ts: Timestamp::from_secs(ts),
            fuid: fuid.into(),
            tx_hosts: vec![ip("5.5.5.5")],
            rx_hosts: vec![ip("10.0.2.15")],
            conn_uids: vec![format!("C{fuid}").into()],
            source: Some("HTTP".into()),
            seen_bytes: 68,
            md5: Some(md5.into()),
            ..Default::default()
        })))
    }

    #[test]
    fn online_hash_verdicts_now_and_later() {
        let eicar = "44d88612fea8a8f36de82e1278abb02f";
        let desc = "Malicious downloaded file 44d88612fea8a8f36de82e1278abb02f. size: 68 bytes. File was downloaded from server: 5.5.5.5. Detected by: Circl.lu (blacklists: MalwareBazaar VirusShare).";
        let want = vec![row(
            EvidenceType::MALICIOUS_DOWNLOADED_FILE,
            "10.0.2.15",
            Side::Src,
            Some("5.5.5.5"),
            ThreatLevel::High,
            0.7,
            desc,
        )];
        // Known at once.
        let ev = run(online(0, true), &[download(4.0, "F1", eicar)]);
        assert_eq!(rows(&ev), want);
        assert_eq!(ev[0].uids, vec![Str::from("CF1")]);
        assert_eq!(ev[0].method, Method::ThreatIntelligence);
        // Known only after three questions: asked again on the next records of the window
        // and at its close; reported at the time of the download.
        let ev = run(
            online(3, true),
            &[
                download(4.0, "F1", eicar),
                download(5.0, "F2", "00000000000000000000000000000000"),
            ],
        );
        assert_eq!(rows(&ev), want);
        assert_eq!(ev[0].ts, Timestamp::from_secs(4.0));
        // Offline nothing waits.
        assert!(
            run(
                online(1, false),
                &[download(4.0, "F1", eicar), download(5.0, "F2", eicar)]
            )
            .len()
                == 1
        );
    }

    fn intel_hit(ty: &str, indicator: &str, s: &str, d: &str, seen: &str) -> Flow {
        Flow::from(Record::Intel(Box::new(slips_core::Intel {
            ts: Timestamp::from_secs(7.0),
            uid: Some("CZ1".into()),
            id: ep(s, d, 80),
            indicator: indicator.into(),
            indicator_type: Some(ty.into()),
            seen_where: Some(seen.into()),
            node: Some("zeek".into()),
            matched: vec![ty.into()],
            sources: vec!["feodo".into()],
        })))
    }

    #[test]
    fn zeek_intel_hits() {
        // No IoC database needed: Zeek matched the indicators itself.
        let d = ThreatIntel::from_config(&Config::default(), &Resources::default());
        let ev = run(
            d,
            &[
                intel_hit(
                    "Intel::ADDR",
                    "198.51.100.7",
                    "10.0.2.15",
                    "198.51.100.7",
                    "Conn::IN_RESP",
                ),
                intel_hit(
                    "Intel::ADDR",
                    "203.0.113.9",
                    "203.0.113.9",
                    "10.0.2.16",
                    "Conn::IN_ORIG",
                ),
                intel_hit(
                    "Intel::DOMAIN",
                    "evil.example",
                    "10.0.2.15",
                    "10.0.2.3",
                    "DNS::IN_REQUEST",
                ),
                intel_hit(
                    "Intel::URL",
                    "evil.example/x.exe",
                    "10.0.2.15",
                    "198.51.100.8",
                    "HTTP::IN_URL",
                ),
                intel_hit(
                    "Intel::FILE_HASH",
                    "44d88612fea8a8f36de82e1278abb02f",
                    "10.0.2.15",
                    "198.51.100.8",
                    "Files::IN_HASH",
                ),
                intel_hit(
                    "Intel::EMAIL",
                    "x@evil.example",
                    "10.0.2.15",
                    "198.51.100.9",
                    "SMTP::IN_FROM",
                ),
            ],
        );
        let a = |w: &str| format!("Source: feodo. Zeek intel {w}.");
        let to = format!(
            "connection to blacklisted IP: 198.51.100.7 from 10.0.2.15. {}",
            a("Intel::ADDR seen in Conn::IN_RESP")
        );
        let dom = format!(
            "connection to a blacklisted domain evil.example. {}",
            a("Intel::DOMAIN seen in DNS::IN_REQUEST")
        );
        let mail = format!(
            "connection to 198.51.100.9 with a blacklisted indicator: x@evil.example. {}",
            a("Intel::EMAIL seen in SMTP::IN_FROM")
        );
        use ThreatLevel::{Low, Medium};
        assert_eq!(
            rows(&ev),
            vec![
                row(EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, "198.51.100.7", Side::Dst, Some("10.0.2.15"), Medium, 1.0, &to),
                row(EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, "10.0.2.15", Side::Src, Some("198.51.100.7"), Low, 1.0, &to),
                row(EvidenceType::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP, "203.0.113.9", Side::Src, Some("10.0.2.16"), Medium, 1.0,
                    &format!("connection from blacklisted IP: 203.0.113.9 to 10.0.2.16. {}", a("Intel::ADDR seen in Conn::IN_ORIG"))),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "evil.example", Side::Dst, Some("10.0.2.15"), Medium, 1.0, &dom),
                row(EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN, "10.0.2.15", Side::Src, Some("evil.example"), Low, 1.0, &dom),
                row(EvidenceType::THREAT_INTELLIGENCE_MALICIOUS_URL, "10.0.2.15", Side::Src, Some("evil.example/x.exe"), Medium, 1.0,
                    &format!("connection to a blacklisted URL: evil.example/x.exe. {}", a("Intel::URL seen in HTTP::IN_URL"))),
                row(EvidenceType::MALICIOUS_DOWNLOADED_FILE, "10.0.2.15", Side::Src, Some("198.51.100.8"), Medium, 1.0,
                    &format!("Malicious downloaded file 44d88612fea8a8f36de82e1278abb02f. File was downloaded from server: 198.51.100.8. {}", a("Intel::FILE_HASH seen in Files::IN_HASH"))),
                row(EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, "198.51.100.9", Side::Dst, Some("10.0.2.15"), Medium, 1.0, &mail),
                row(EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, "10.0.2.15", Side::Src, Some("198.51.100.9"), Low, 1.0, &mail),
            ]
        );
        assert!(ev.iter().all(|e| e.uids == vec![Str::from("CZ1")]));
        assert_eq!(ev[0].dst_port, Some(80));
        assert_eq!(ev[0].method, Method::ThreatIntelligence);
    }
}

//! Suricata `eve.json`: one JSON object per line.
//!
//! | event | record | notes |
//! |---|---|---|
//! | `flow` | [`Conn`] | `flow.start` → ts, `end - start` → duration, `*_toserver` → source counts, `*_toclient` → destination counts (IP bytes, as Slips), `app_proto` → service, state from `tcp.tcp_flags_ts/tc` when present, from the packets of each side for UDP (one-way UDP is `S0`, not established, as in the native engine), else `flow.state` ([`ConnState::from_suricata`]); ICMP type/code → ports as Zeek |
//! | `dns` | [`Dns`] | one record per answer (`type: answer`/`response`), with the query's timestamp and the round trip time when the query was seen; a query without an answer within 5 s of event time (or at the end) becomes a record without answer |
//! | `http` | [`Http`] | `hostname, url, http_method, http_user_agent, protocol, status, length, http_content_type` |
//! | `tls` | [`Ssl`] (and [`X509`] when the certificate's validity is logged) | `version` as Zeek writes it (`TLS 1.2` → `TLSv12`), `sni, subject, issuerdn, ja3.hash, ja3s.hash`, the certificate fingerprint as the chain |
//! | `fileinfo` | [`Files`] | sender = `src_ip`, receiver = `dest_ip`, `size, filename, md5/sha1/sha256, magic` |
//! | `ssh` | [`Ssh`] and [`Software`] | banners as Zeek writes them (`SSH-2.0-OpenSSH_7.4` from `proto_version` and `software_version`), `client.proto_version` → version; a software.log record per side (`SSH::CLIENT`, `SSH::SERVER`, once per host and version), as the native engine; no `auth_success` (the detector decides from the connection's bytes) |
//! | `alert` | [`Signature`] | `gid:signature_id:rev`, `signature`, `category`, `severity`, `action`, the rule's `target` |
//!
//! Other events (`anomaly`, `stats`, `drop`, `netflow`, `dhcp`, `smb`...) are valid lines that
//! are counted by event type and not analysed. `flow_id` is the uid of every record of the
//! flow. Timestamps with their offsets are converted to UTC.

use crate::error::LineError;
use crate::source::{LineParser, Parsed};
use crate::text::{ip, parse_time};
use serde::Deserialize;
use slips_core::{
    Conn, ConnState, Dns, Endpoints, Files, Flow, Http, Proto, Record, Signature, Software, Ssh,
    Ssl, Str, TcpFlags, Timestamp, X509,
};
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

type S<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
struct Eve<'a> {
    #[serde(borrow)]
    timestamp: S<'a>,
    flow_id: Option<u64>,
    #[serde(borrow)]
    event_type: S<'a>,
    #[serde(borrow)]
    src_ip: S<'a>,
    src_port: Option<u16>,
    #[serde(borrow)]
    dest_ip: S<'a>,
    dest_port: Option<u16>,
    #[serde(borrow)]
    proto: S<'a>,
    #[serde(borrow)]
    app_proto: S<'a>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    #[serde(borrow)]
    flow: Option<EveFlow<'a>>,
    #[serde(borrow)]
    tcp: Option<EveTcp<'a>>,
    #[serde(borrow)]
    dns: Option<EveDns<'a>>,
    #[serde(borrow)]
    http: Option<EveHttp<'a>>,
    #[serde(borrow)]
    tls: Option<EveTls<'a>>,
    #[serde(borrow)]
    fileinfo: Option<EveFile<'a>>,
    #[serde(borrow)]
    ssh: Option<EveSsh<'a>>,
    #[serde(borrow)]
    alert: Option<EveAlert<'a>>,
}

#[derive(Deserialize)]
struct EveFlow<'a> {
    pkts_toserver: Option<u64>,
    pkts_toclient: Option<u64>,
    bytes_toserver: Option<u64>,
    bytes_toclient: Option<u64>,
    #[serde(borrow)]
    start: S<'a>,
    #[serde(borrow)]
    end: S<'a>,
    #[serde(borrow)]
    state: S<'a>,
}

#[derive(Deserialize)]
struct EveTcp<'a> {
    #[serde(borrow)]
    tcp_flags_ts: S<'a>,
    #[serde(borrow)]
    tcp_flags_tc: S<'a>,
}

#[derive(Deserialize)]
struct EveDns<'a> {
    #[serde(borrow, rename = "type")]
    kind: S<'a>,
    id: Option<u32>,
    #[serde(borrow)]
    rrname: S<'a>,
    #[serde(borrow)]
    rrtype: S<'a>,
    #[serde(borrow)]
    rcode: S<'a>,
    ttl: Option<f64>,
    #[serde(borrow)]
    rdata: S<'a>,
    #[serde(borrow, default)]
    answers: Vec<EveAnswer<'a>>,
    #[serde(borrow, default)]
    queries: Vec<EveQuery<'a>>,
}

#[derive(Deserialize)]
struct EveAnswer<'a> {
    #[serde(borrow)]
    rdata: S<'a>,
    ttl: Option<f64>,
}

#[derive(Deserialize)]
struct EveQuery<'a> {
    #[serde(borrow)]
    rrname: S<'a>,
    #[serde(borrow)]
    rrtype: S<'a>,
}

#[derive(Deserialize)]
struct EveHttp<'a> {
    #[serde(borrow)]
    hostname: S<'a>,
    #[serde(borrow)]
    url: S<'a>,
    #[serde(borrow)]
    http_user_agent: S<'a>,
    #[serde(borrow)]
    http_method: S<'a>,
    #[serde(borrow)]
    protocol: S<'a>,
    #[serde(borrow)]
    http_refer: S<'a>,
    #[serde(borrow)]
    http_content_type: S<'a>,
    status: Option<u16>,
    length: Option<u64>,
    request_body_len: Option<u64>,
}

#[derive(Deserialize)]
struct EveTls<'a> {
    #[serde(borrow)]
    subject: S<'a>,
    #[serde(borrow)]
    issuerdn: S<'a>,
    #[serde(borrow)]
    serial: S<'a>,
    #[serde(borrow)]
    fingerprint: S<'a>,
    #[serde(borrow)]
    sni: S<'a>,
    #[serde(borrow)]
    version: S<'a>,
    #[serde(borrow)]
    notbefore: S<'a>,
    #[serde(borrow)]
    notafter: S<'a>,
    #[serde(borrow)]
    ja3: Option<EveHash<'a>>,
    #[serde(borrow)]
    ja3s: Option<EveHash<'a>>,
}

#[derive(Deserialize)]
struct EveHash<'a> {
    #[serde(borrow)]
    hash: S<'a>,
}

#[derive(Deserialize)]
struct EveFile<'a> {
    #[serde(borrow)]
    filename: S<'a>,
    #[serde(borrow)]
    magic: S<'a>,
    #[serde(borrow)]
    md5: S<'a>,
    #[serde(borrow)]
    sha1: S<'a>,
    #[serde(borrow)]
    sha256: S<'a>,
    size: Option<u64>,
    tx_id: Option<u64>,
    file_id: Option<u64>,
}

#[derive(Deserialize)]
struct EveSsh<'a> {
    #[serde(borrow)]
    client: Option<EveSshSide<'a>>,
    #[serde(borrow)]
    server: Option<EveSshSide<'a>>,
}

#[derive(Deserialize)]
struct EveSshSide<'a> {
    #[serde(borrow)]
    proto_version: S<'a>,
    #[serde(borrow)]
    software_version: S<'a>,
}

#[derive(Deserialize)]
struct EveAlert<'a> {
    #[serde(borrow)]
    action: S<'a>,
    gid: Option<u64>,
    signature_id: Option<u64>,
    rev: Option<u64>,
    #[serde(borrow)]
    signature: S<'a>,
    #[serde(borrow)]
    category: S<'a>,
    severity: Option<u64>,
    #[serde(borrow)]
    target: Option<EveHost<'a>>,
}

#[derive(Deserialize)]
struct EveHost<'a> {
    #[serde(borrow)]
    ip: S<'a>,
}

/// How long (event time) a DNS query waits for its answer before it is reported alone.
const DNS_WAIT: f64 = 5.0;
/// Most DNS queries waiting for their answer (the oldest is reported alone beyond it).
pub const MAX_PENDING_DNS: usize = 65_536;
/// Most (host, software) pairs remembered for software.log records.
pub const MAX_SOFTWARE_SEEN: usize = 65_536;

/// Parser of eve.json lines. See the module documentation.
#[derive(Default)]
pub struct SuricataParser {
    /// Queries waiting for their answer, by (flow id, DNS id).
    queries: HashMap<(u64, u32), Dns>,
    /// Arrival order of the waiting queries.
    order: VecDeque<(Timestamp, (u64, u32))>,
    /// Largest timestamp seen.
    now: Option<Timestamp>,
    /// (host, software) pairs already reported.
    software_seen: std::collections::HashSet<(IpAddr, Str)>,
}

impl std::fmt::Debug for SuricataParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SuricataParser")
            .field("pending_dns", &self.queries.len())
            .finish()
    }
}

fn text(s: &S) -> Option<Str> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(Str::from)
}

fn time(field: &'static str, s: &S) -> Result<Timestamp, LineError> {
    let v = s.as_deref().ok_or(LineError::Missing(field))?;
    parse_time(v).ok_or_else(|| LineError::field(field, v, "not a timestamp"))
}

fn addr(field: &'static str, s: &S) -> Result<IpAddr, LineError> {
    ip(field, s.as_deref().ok_or(LineError::Missing(field))?)
}

/// Zeek's `version` of Suricata's TLS version (`TLS 1.2` → `TLSv12`, `SSLv3` stays).
fn tls_version(v: &str) -> Str {
    match v.strip_prefix("TLS ") {
        Some(n) => compact_str::format_compact!("TLSv{}", n.replace('.', "")),
        None => v.into(),
    }
}

/// Counted name of events that are not analysed.
fn ignored_name(event_type: &str) -> &'static str {
    match event_type {
        "anomaly" => "suricata anomaly events",
        "stats" => "suricata stats events",
        "drop" => "suricata drop events",
        "netflow" => "suricata netflow events",
        "dhcp" => "suricata dhcp events",
        "smb" => "suricata smb events",
        "smtp" => "suricata smtp events",
        "krb5" => "suricata krb5 events",
        "ftp" | "ftp_data" => "suricata ftp events",
        "quic" => "suricata quic events",
        _ => "suricata events of other types",
    }
}

impl SuricataParser {
    pub fn new() -> SuricataParser {
        SuricataParser::default()
    }

    /// A software.log record, once per host and version (as Zeek's software framework and
    /// the native engine; at most [`MAX_SOFTWARE_SEEN`] remembered).
    fn software(
        &mut self,
        ts: Timestamp,
        host: IpAddr,
        port: Option<u16>,
        kind: &'static str,
        unparsed: Str,
        out: &mut VecDeque<Flow>,
    ) {
        if self.software_seen.len() >= MAX_SOFTWARE_SEEN
            || !self.software_seen.insert((host, unparsed.clone()))
        {
            return;
        }
        out.push_back(
            Record::Software(Box::new(Software::from_banner(
                ts, host, port, kind, unparsed,
            )))
            .into(),
        );
    }

    /// Reports the queries that waited too long (or all of them with `all`).
    fn expire(&mut self, out: &mut VecDeque<Flow>, all: bool) {
        while let Some(&(ts, key)) = self.order.front() {
            let old = match self.now {
                Some(now) => ts.secs() + DNS_WAIT < now.secs(),
                None => true,
            };
            if !(all || old || self.order.len() > MAX_PENDING_DNS) {
                break;
            }
            self.order.pop_front();
            if let Some(q) = self.queries.remove(&key) {
                out.push_back(Record::Dns(Box::new(q)).into());
            }
        }
    }

    fn dns(
        &mut self,
        e: &Eve,
        ts: Timestamp,
        id: Option<Endpoints>,
        proto: Option<Proto>,
        uid: Str,
        out: &mut VecDeque<Flow>,
    ) -> Result<(), LineError> {
        let d = e.dns.as_ref().ok_or(LineError::Missing("dns"))?;
        let (qname, qtype) = match d.queries.first() {
            Some(q) => (text(&q.rrname), text(&q.rrtype)),
            None => (text(&d.rrname), text(&d.rrtype)),
        };
        let kind = d.kind.as_deref().unwrap_or("");
        let key = (e.flow_id.unwrap_or(0), d.id.unwrap_or(0));
        let base = Dns {
            ts,
            uid,
            id,
            proto,
            trans_id: d.id,
            query: qname,
            qtype_name: qtype,
            ..Dns::default()
        };
        match kind {
            "query" | "request" => {
                if self.queries.insert(key, base).is_none() {
                    self.order.push_back((ts, key));
                }
            }
            "answer" | "response" => {
                let mut rec = base;
                if let Some(q) = self.queries.remove(&key) {
                    rec.rtt = Some((ts.secs() - q.ts.secs()).max(0.0));
                    rec.ts = q.ts;
                    if rec.query.is_none() {
                        rec.query = q.query;
                        rec.qtype_name = q.qtype_name;
                    }
                }
                rec.rcode_name = text(&d.rcode);
                rec.rcode = rec.rcode_name.as_deref().and_then(rcode);
                if d.answers.is_empty() {
                    if let Some(r) = text(&d.rdata) {
                        rec.answers.push(r);
                        rec.ttls.push(d.ttl.unwrap_or(0.0));
                    }
                } else {
                    for a in &d.answers {
                        if let Some(r) = text(&a.rdata) {
                            rec.answers.push(r);
                            rec.ttls.push(a.ttl.unwrap_or(0.0));
                        }
                    }
                }
                out.push_back(Record::Dns(Box::new(rec)).into());
            }
            other => {
                return Err(LineError::field(
                    "dns.type",
                    other,
                    "unknown DNS event type",
                ))
            }
        }
        Ok(())
    }

    fn event(&mut self, line: &[u8], out: &mut VecDeque<Flow>) -> Result<Parsed, LineError> {
        let e: Eve =
            serde_json::from_slice(line).map_err(|err| LineError::Json(err.to_string()))?;
        let et = e
            .event_type
            .as_deref()
            .ok_or(LineError::Missing("event_type"))?;
        let handled = matches!(
            et,
            "flow" | "dns" | "http" | "tls" | "fileinfo" | "ssh" | "alert"
        );
        if !handled {
            return Ok(Parsed::Ignored(ignored_name(et)));
        }
        let ts = time("timestamp", &e.timestamp)?;
        let saddr = addr("src_ip", &e.src_ip)?;
        let daddr = addr("dest_ip", &e.dest_ip)?;
        let proto = e.proto.as_deref().map(Proto::parse);
        let (sport, dport) = match (e.icmp_type, proto.is_some_and(Proto::is_icmp)) {
            (Some(t), true) => (u16::from(t), u16::from(e.icmp_code.unwrap_or(0))),
            _ => (e.src_port.unwrap_or(0), e.dest_port.unwrap_or(0)),
        };
        let ep = Endpoints {
            saddr,
            sport,
            daddr,
            dport,
        };
        let uid: Str = match e.flow_id {
            Some(id) => compact_str::format_compact!("{id}"),
            None => Str::default(),
        };
        let now = self.now.map_or(ts, |n| n.max(ts));
        self.now = Some(now);
        match et {
            "flow" => {
                let f = e.flow.as_ref().ok_or(LineError::Missing("flow"))?;
                let start = time("flow.start", &f.start)?;
                let duration = match &f.end {
                    Some(end) => {
                        let d = (time("flow.end", &f.end)?.secs() - start.secs()).max(0.0);
                        if !Timestamp::plausible_duration(d) {
                            return Err(LineError::field(
                                "flow.end",
                                end,
                                "more than ten years after flow.start",
                            ));
                        }
                        d
                    }
                    None => 0.0,
                };
                let tcp = match &e.tcp {
                    Some(t) => {
                        let flags = |field: &'static str, v: &S| match v.as_deref() {
                            None => Ok(TcpFlags(0)),
                            Some(s) => TcpFlags::parse_hex(s).ok_or_else(|| {
                                LineError::field(field, s, "not hexadecimal TCP flags")
                            }),
                        };
                        Some((
                            flags("tcp.tcp_flags_ts", &t.tcp_flags_ts)?,
                            flags("tcp.tcp_flags_tc", &t.tcp_flags_tc)?,
                        ))
                    }
                    None => None,
                };
                let state_s = f.state.as_deref().unwrap_or("");
                let pkts = (f.pkts_toserver.unwrap_or(0), f.pkts_toclient.unwrap_or(0));
                let state =
                    ConnState::from_suricata(state_s, tcp, proto, pkts).ok_or_else(|| {
                        LineError::field(
                            "flow.state",
                            state_s,
                            "not a connection state (Suricata, Zeek, Argus or TCP flags)",
                        )
                    })?;
                let service = text(&e.app_proto)
                    .filter(|s| !matches!(s.as_str(), "failed" | "unknown"))
                    .map(|s| Str::from(s.to_ascii_lowercase()));
                let sbytes = f.bytes_toserver.unwrap_or(0);
                let dbytes = f.bytes_toclient.unwrap_or(0);
                out.push_back(
                    Record::Conn(Conn {
                        ts: start,
                        uid,
                        saddr: Some(saddr),
                        sport,
                        daddr: Some(daddr),
                        dport,
                        proto,
                        service,
                        duration,
                        sbytes,
                        dbytes,
                        state,
                        history: Str::default(),
                        spkts: f.pkts_toserver.unwrap_or(0),
                        dpkts: f.pkts_toclient.unwrap_or(0),
                        sip_bytes: sbytes,
                        dip_bytes: dbytes,
                        missed_bytes: 0,
                        smac: None,
                        dmac: None,
                    })
                    .into(),
                );
            }
            "dns" => self.dns(&e, ts, Some(ep), proto, uid, out)?,
            "http" => {
                let h = e.http.as_ref().ok_or(LineError::Missing("http"))?;
                let version = h
                    .protocol
                    .as_deref()
                    .map(|p| Str::from(p.strip_prefix("HTTP/").unwrap_or(p)));
                out.push_back(
                    Record::Http(Box::new(Http {
                        ts,
                        uid,
                        id: Some(ep),
                        trans_depth: None,
                        method: text(&h.http_method),
                        host: text(&h.hostname),
                        uri: text(&h.url),
                        referrer: text(&h.http_refer),
                        version,
                        user_agent: text(&h.http_user_agent),
                        request_body_len: h.request_body_len.unwrap_or(0),
                        response_body_len: h.length.unwrap_or(0),
                        status_code: h.status,
                        status_msg: None,
                        resp_fuids: Vec::new(),
                        resp_mime_types: text(&h.http_content_type).into_iter().collect(),
                    }))
                    .into(),
                );
            }
            "tls" => {
                let t = e.tls.as_ref().ok_or(LineError::Missing("tls"))?;
                let fp = text(&t.fingerprint);
                out.push_back(
                    Record::Ssl(Box::new(Ssl {
                        ts,
                        uid,
                        id: Some(ep),
                        version: t.version.as_deref().map(tls_version),
                        server_name: text(&t.sni),
                        cert_chain: fp.iter().cloned().collect(),
                        subject: text(&t.subject),
                        issuer: text(&t.issuerdn),
                        ja3: t.ja3.as_ref().and_then(|h| text(&h.hash)),
                        ja3s: t.ja3s.as_ref().and_then(|h| text(&h.hash)),
                        ..Ssl::default()
                    }))
                    .into(),
                );
                if t.notbefore.is_some() || t.notafter.is_some() {
                    let validity = |field: &'static str, v: &S| match v.as_deref() {
                        None => Ok(None),
                        Some(s) => parse_time(s)
                            .map(Some)
                            .ok_or_else(|| LineError::field(field, s, "not a timestamp")),
                    };
                    out.push_back(
                        Record::X509(Box::new(X509 {
                            ts,
                            id: fp.unwrap_or_default(),
                            serial: text(&t.serial),
                            subject: text(&t.subject),
                            issuer: text(&t.issuerdn),
                            not_valid_before: validity("tls.notbefore", &t.notbefore)?,
                            not_valid_after: validity("tls.notafter", &t.notafter)?,
                            san_dns: text(&t.sni).into_iter().collect(),
                            ..X509::default()
                        }))
                        .into(),
                    );
                }
            }
            "fileinfo" => {
                let f = e.fileinfo.as_ref().ok_or(LineError::Missing("fileinfo"))?;
                let n = f.file_id.or(f.tx_id).unwrap_or(0);
                out.push_back(
                    Record::Files(Box::new(Files {
                        ts,
                        fuid: compact_str::format_compact!("{uid}-{n}"),
                        tx_hosts: vec![saddr],
                        rx_hosts: vec![daddr],
                        conn_uids: vec![uid],
                        source: text(&e.app_proto).map(|s| Str::from(s.to_ascii_uppercase())),
                        analyzers: Vec::new(),
                        mime_type: text(&f.magic),
                        filename: text(&f.filename),
                        seen_bytes: f.size.unwrap_or(0),
                        total_bytes: f.size,
                        md5: text(&f.md5),
                        sha1: text(&f.sha1),
                        sha256: text(&f.sha256),
                    }))
                    .into(),
                );
            }
            "ssh" => {
                let s = e.ssh.as_ref().ok_or(LineError::Missing("ssh"))?;
                let version = s
                    .client
                    .as_ref()
                    .and_then(|c| c.proto_version.as_deref())
                    .and_then(|v| v.split('.').next())
                    .and_then(|v| v.parse().ok());
                let client = s.client.as_ref().and_then(ssh_banner);
                let server = s.server.as_ref().and_then(ssh_banner);
                // As the native engine: software.log records of both sides (once per host
                // and version), then the ssh.log record. Suricata does not say whether the
                // login succeeded: the detector decides from the bytes of the connection.
                let sides = [
                    (s.client.as_ref(), saddr, None, "SSH::CLIENT"),
                    (s.server.as_ref(), daddr, Some(dport), "SSH::SERVER"),
                ];
                for (side, host, port, kind) in sides {
                    if let Some(v) = side.and_then(|c| text(&c.software_version)) {
                        self.software(ts, host, port, kind, v, out);
                    }
                }
                out.push_back(
                    Record::Ssh(Box::new(Ssh {
                        ts,
                        uid,
                        id: Some(ep),
                        version,
                        client,
                        server,
                        ..Ssh::default()
                    }))
                    .into(),
                );
            }
            "alert" => {
                let a = e.alert.as_ref().ok_or(LineError::Missing("alert"))?;
                let sid = a
                    .signature_id
                    .ok_or(LineError::Missing("alert.signature_id"))?;
                let target = match a.target.as_ref().and_then(|t| t.ip.as_deref()) {
                    Some(t) => Some(ip("alert.target.ip", t)?),
                    None => None,
                };
                out.push_back(
                    Record::Signature(Box::new(Signature {
                        ts,
                        uid: (!uid.is_empty()).then_some(uid),
                        src_addr: Some(saddr),
                        src_port: Some(sport),
                        dst_addr: Some(daddr),
                        dst_port: Some(dport),
                        proto,
                        note: text(&a.action),
                        sig_id: compact_str::format_compact!(
                            "{}:{}:{}",
                            a.gid.unwrap_or(1),
                            sid,
                            a.rev.unwrap_or(0)
                        ),
                        event_msg: text(&a.signature),
                        sub_msg: None,
                        sig_count: None,
                        host_count: None,
                        category: text(&a.category),
                        severity: a.severity.map(|s| s.min(255) as u8),
                        target,
                    }))
                    .into(),
                );
            }
            _ => {}
        }
        self.expire(out, false);
        Ok(Parsed::Records)
    }
}

/// Zeek's (and the native engine's) form of an SSH banner: `SSH-2.0-OpenSSH_7.4` from
/// Suricata's `proto_version` and `software_version`.
fn ssh_banner(side: &EveSshSide) -> Option<Str> {
    let sw = text(&side.software_version)?;
    Some(match text(&side.proto_version) {
        Some(v) => compact_str::format_compact!("SSH-{v}-{sw}"),
        None => sw,
    })
}

/// DNS response code numbers of Suricata's names.
fn rcode(name: &str) -> Option<u16> {
    Some(match name {
        "NOERROR" => 0,
        "FORMERR" => 1,
        "SERVFAIL" => 2,
        "NXDOMAIN" => 3,
        "NOTIMP" => 4,
        "REFUSED" => 5,
        "YXDOMAIN" => 6,
        "YXRRSET" => 7,
        "NXRRSET" => 8,
        "NOTAUTH" => 9,
        "NOTZONE" => 10,
        _ => return None,
    })
}

impl LineParser for SuricataParser {
    fn format(&self) -> &'static str {
        "suricata"
    }

    fn parse(&mut self, line: &[u8], out: &mut VecDeque<Flow>) -> Result<Parsed, LineError> {
        let t = line.trim_ascii();
        if t.first() != Some(&b'{') {
            if std::str::from_utf8(t).is_err() {
                return Err(LineError::Utf8);
            }
            return Err(LineError::Json("not a JSON object".into()));
        }
        self.event(t, out)
    }

    fn finish(&mut self, out: &mut VecDeque<Flow>) {
        self.expire(out, true);
    }
}

#[cfg(test)]
mod tests;

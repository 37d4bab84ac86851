//! Typed flow records, one struct per Zeek log kind.
//!
//! Field names follow Zeek's logs (with Slips' names in the docs where they differ). Every
//! reader (Zeek TSV/JSON today; Argus, Suricata, nfdump and the packet engine later) produces
//! these records, so detectors see one vocabulary whatever the input was.
//!
//! Conventions: unset Zeek values (`-`) are `None` or empty collections; strings are short
//! inline strings ([`Str`]); IPs are `IpAddr`; ports `u16`; byte and packet counts `u64`.

use crate::net::{Mac, Proto};
use crate::state::ConnState;
use crate::time::Timestamp;
use crate::Str;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Ground-truth labels of `.log.labeled` files and labelled binetflows.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct GroundTruth {
    pub label: Str,
    pub detailed_label: Option<Str>,
}

/// A connection (Zeek conn.log; also Argus/Suricata/nfdump flows).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Conn {
    pub ts: Timestamp,
    pub uid: Str,
    pub saddr: Option<IpAddr>,
    pub sport: u16,
    pub daddr: Option<IpAddr>,
    pub dport: u16,
    pub proto: Option<Proto>,
    /// Zeek `service` (application protocol detected from content), e.g. `dns`, `ssl,http`.
    pub service: Option<Str>,
    /// Seconds; 0 when unset.
    pub duration: f64,
    /// Payload bytes from the originator (`orig_bytes`).
    pub sbytes: u64,
    /// Payload bytes from the responder (`resp_bytes`).
    pub dbytes: u64,
    pub state: ConnState,
    pub history: Str,
    pub spkts: u64,
    pub dpkts: u64,
    pub sip_bytes: u64,
    pub dip_bytes: u64,
    pub missed_bytes: u64,
    pub smac: Option<Mac>,
    pub dmac: Option<Mac>,
}

impl Conn {
    pub fn pkts(&self) -> u64 {
        self.spkts.saturating_add(self.dpkts)
    }
    pub fn bytes(&self) -> u64 {
        self.sbytes.saturating_add(self.dbytes)
    }
    pub fn proto(&self) -> Proto {
        self.proto.unwrap_or(Proto::Other)
    }
    pub fn is_established(&self) -> bool {
        self.state.is_established()
    }
    /// Zeek's history contains `^` when it flipped originator and responder.
    pub fn is_flipped(&self) -> bool {
        self.history.contains('^')
    }
    /// A connection attempt that got nowhere: not established, and really opened by the
    /// originator. TCP: with a history, the originator's SYN (`S`) must be in it and the
    /// connection not flipped (a host answering a scan with RSTs or SYN ACKs seen without the
    /// SYN is not scanning); without one, a state where the originator tried (`S0`, `REJ`,
    /// `SH`, `RSTOS0`). UDP: no reply, and not a service's answer to a client (from a port
    /// with a known service to an ephemeral one, as SSDP, mDNS or DNS replies are).
    pub fn is_attempt(&self) -> bool {
        use crate::ConnState as S;
        if self.is_established() || self.is_flipped() {
            return false;
        }
        match self.proto {
            Some(Proto::Tcp) => {
                if self.history.is_empty() {
                    matches!(self.state, S::S0 | S::REJ | S::SH | S::RSTOS0)
                } else {
                    self.history.contains('S')
                }
            }
            Some(Proto::Udp) => {
                let from_service = self.sport < 1024
                    || crate::ports::service_name(self.sport, Proto::Udp).is_some();
                let to_ephemeral = self.dport >= 1024
                    && crate::ports::service_name(self.dport, Proto::Udp).is_none();
                !(from_service && to_ephemeral)
            }
            _ => true,
        }
    }
    pub fn service_is(&self, name: &str) -> bool {
        self.service
            .as_deref()
            .is_some_and(|s| s.split(',').any(|p| p.eq_ignore_ascii_case(name)))
    }
}

/// The 4-tuple shared by application logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoints {
    pub saddr: IpAddr,
    pub sport: u16,
    pub daddr: IpAddr,
    pub dport: u16,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Dns {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub proto: Option<Proto>,
    pub trans_id: Option<u32>,
    pub rtt: Option<f64>,
    pub query: Option<Str>,
    pub qclass_name: Option<Str>,
    pub qtype: Option<u16>,
    pub qtype_name: Option<Str>,
    pub rcode: Option<u16>,
    pub rcode_name: Option<Str>,
    pub answers: Vec<Str>,
    pub ttls: Vec<f64>,
    pub rejected: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Http {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub trans_depth: Option<u32>,
    pub method: Option<Str>,
    pub host: Option<Str>,
    pub uri: Option<Str>,
    pub referrer: Option<Str>,
    pub version: Option<Str>,
    pub user_agent: Option<Str>,
    pub request_body_len: u64,
    pub response_body_len: u64,
    pub status_code: Option<u16>,
    pub status_msg: Option<Str>,
    pub resp_fuids: Vec<Str>,
    pub resp_mime_types: Vec<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Ssl {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub version: Option<Str>,
    pub cipher: Option<Str>,
    pub curve: Option<Str>,
    pub server_name: Option<Str>,
    pub resumed: Option<bool>,
    pub established: Option<bool>,
    /// Certificate chain: file ids (`cert_chain_fuids`) or SHA1 fingerprints (`cert_chain_fps`).
    pub cert_chain: Vec<Str>,
    pub client_cert_chain: Vec<Str>,
    pub subject: Option<Str>,
    pub issuer: Option<Str>,
    pub validation_status: Option<Str>,
    pub ja3: Option<Str>,
    pub ja3s: Option<Str>,
    pub is_doh: Option<bool>,
    /// FoxIO JA4 fingerprint of the ClientHello (e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`).
    pub ja4: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Ssh {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub version: Option<u32>,
    pub auth_success: Option<bool>,
    pub auth_attempts: Option<u32>,
    pub direction: Option<Str>,
    pub client: Option<Str>,
    pub server: Option<Str>,
    pub cipher_alg: Option<Str>,
    pub mac_alg: Option<Str>,
    pub compression_alg: Option<Str>,
    pub kex_alg: Option<Str>,
    pub host_key_alg: Option<Str>,
    pub host_key: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Dhcp {
    pub ts: Timestamp,
    pub uids: Vec<Str>,
    pub client_addr: Option<IpAddr>,
    pub server_addr: Option<IpAddr>,
    pub mac: Option<Mac>,
    pub host_name: Option<Str>,
    pub client_fqdn: Option<Str>,
    pub domain: Option<Str>,
    pub requested_addr: Option<IpAddr>,
    pub assigned_addr: Option<IpAddr>,
    pub lease_time: Option<f64>,
    pub msg_types: Vec<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Smtp {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub helo: Option<Str>,
    pub mailfrom: Option<Str>,
    pub rcptto: Vec<Str>,
    pub last_reply: Option<Str>,
    pub user_agent: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Notice {
    pub ts: Timestamp,
    pub uid: Option<Str>,
    pub id: Option<Endpoints>,
    pub proto: Option<Proto>,
    /// e.g. `Scan::Port_Scan`, `SSH::Password_Guessing`, `ICMP::ICMPAddressScan`.
    pub note: Str,
    pub msg: Option<Str>,
    pub sub: Option<Str>,
    /// The scanning / offending host.
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    /// The port concerned (e.g. the scanned port of an address scan).
    pub p: Option<u16>,
    pub n: Option<u64>,
}

impl Notice {
    /// The host the notice is about: `src`, else the originator of the connection.
    pub fn source(&self) -> Option<IpAddr> {
        self.src.or(self.id.map(|e| e.saddr))
    }
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Files {
    pub ts: Timestamp,
    pub fuid: Str,
    pub tx_hosts: Vec<IpAddr>,
    pub rx_hosts: Vec<IpAddr>,
    pub conn_uids: Vec<Str>,
    pub source: Option<Str>,
    pub analyzers: Vec<Str>,
    pub mime_type: Option<Str>,
    pub filename: Option<Str>,
    pub seen_bytes: u64,
    pub total_bytes: Option<u64>,
    pub md5: Option<Str>,
    pub sha1: Option<Str>,
    pub sha256: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Software {
    pub ts: Timestamp,
    pub host: Option<IpAddr>,
    pub host_p: Option<u16>,
    /// e.g. `SSH::CLIENT`, `HTTP::BROWSER`.
    pub software_type: Option<Str>,
    pub name: Option<Str>,
    pub version_major: Option<u32>,
    pub version_minor: Option<u32>,
    pub unparsed_version: Option<Str>,
}

impl Software {
    /// The software record of a banner (`SSH::CLIENT`, `SSH::SERVER`...), its version
    /// parsed with [`parse_software`].
    pub fn from_banner(
        ts: Timestamp,
        host: IpAddr,
        port: Option<u16>,
        kind: &str,
        unparsed: Str,
    ) -> Software {
        let v = parse_software(&unparsed);
        Software {
            ts,
            host: Some(host),
            host_p: port,
            software_type: Some(Str::from(kind)),
            name: Some(v.name),
            version_major: v.major,
            version_minor: v.minor,
            unparsed_version: Some(unparsed),
        }
    }
}

/// A parsed software version, as Zeek's software.log shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SoftwareVersion {
    pub name: Str,
    pub major: Option<u32>,
    pub minor: Option<u32>,
}

/// Splits `Name_1.2…`, `Name/1.2…` or `Name 1.2` into name and major/minor (the packet
/// engine's software.log and Suricata's SSH banners share it).
pub fn parse_software(s: &str) -> SoftwareVersion {
    let s = s.trim();
    let cut = s
        .char_indices()
        .find(|&(i, c)| {
            (c == '/' || c == '_' || c == ' ' || c == '-')
                && s[i + 1..]
                    .chars()
                    .next()
                    .is_some_and(|n| n.is_ascii_digit())
        })
        .map(|(i, _)| i);
    let (name, ver) = match cut {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s.split([' ', '(']).next().unwrap_or(s), ""),
    };
    let mut nums = ver.split(|c: char| !c.is_ascii_digit());
    let major = nums.next().and_then(|n| n.parse().ok());
    let minor = nums.next().and_then(|n| n.parse().ok());
    SoftwareVersion {
        name: Str::from(name),
        major,
        minor,
    }
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Weird {
    pub ts: Timestamp,
    pub uid: Option<Str>,
    pub id: Option<Endpoints>,
    pub name: Str,
    pub addl: Option<Str>,
    pub notice: Option<bool>,
    pub peer: Option<Str>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Tunnel {
    pub ts: Timestamp,
    pub uid: Option<Str>,
    pub id: Option<Endpoints>,
    /// e.g. `Tunnel::GRE`.
    pub tunnel_type: Option<Str>,
    /// e.g. `Tunnel::DISCOVER`.
    pub action: Option<Str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ArpOp {
    #[default]
    Request,
    Reply,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Arp {
    pub ts: Timestamp,
    pub operation: ArpOp,
    /// Ethernet source / destination.
    pub src_mac: Option<Mac>,
    pub dst_mac: Option<Mac>,
    /// Sender and target protocol addresses (`orig_h`, `resp_h`).
    pub saddr: Option<IpAddr>,
    pub daddr: Option<IpAddr>,
    /// Sender and target hardware addresses inside the ARP payload (`orig_hw`, `resp_hw`).
    pub src_hw: Option<Mac>,
    pub dst_hw: Option<Mac>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct X509 {
    pub ts: Timestamp,
    /// File id of the certificate (`id`), or its fingerprint in newer Zeek versions.
    pub id: Str,
    pub version: Option<u32>,
    pub serial: Option<Str>,
    pub subject: Option<Str>,
    pub issuer: Option<Str>,
    pub not_valid_before: Option<Timestamp>,
    pub not_valid_after: Option<Timestamp>,
    pub key_alg: Option<Str>,
    pub sig_alg: Option<Str>,
    pub key_type: Option<Str>,
    pub key_length: Option<u32>,
    pub san_dns: Vec<Str>,
    pub san_ip: Vec<IpAddr>,
    pub basic_constraints_ca: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Ftp {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub user: Option<Str>,
    pub command: Option<Str>,
    pub arg: Option<Str>,
    pub reply_code: Option<u16>,
    pub reply_msg: Option<Str>,
    /// Port of the data channel the server announced (`data_channel.resp_p`).
    pub data_channel_resp_p: Option<u16>,
}

/// Telnet / rlogin / rsh login records (Slips' `login.log`).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Login {
    pub ts: Timestamp,
    pub uid: Str,
    pub id: Option<Endpoints>,
    pub proto: Option<Str>,
    pub success: Option<bool>,
    pub confused: Option<bool>,
    pub user: Option<Str>,
    pub client_user: Option<Str>,
    pub password: Option<Str>,
}

/// A signature match: Zeek's `signatures.log`, or a Suricata `alert` event.
///
/// `src_addr`/`dst_addr` are the packet's (Suricata) or the connection's (Zeek) source and
/// destination. `target` is the victim the rule names when it says so (Suricata's
/// `alert.target`, from rules with `target:src_ip` / `target:dest_ip`); the attacker is then
/// the other side. [`Signature::attacker`] and [`Signature::victim`] apply that rule.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Signature {
    pub ts: Timestamp,
    /// Zeek `uid`, or the Suricata `flow_id`.
    pub uid: Option<Str>,
    pub src_addr: Option<IpAddr>,
    pub src_port: Option<u16>,
    pub dst_addr: Option<IpAddr>,
    pub dst_port: Option<u16>,
    pub proto: Option<Proto>,
    /// Zeek notice type (e.g. `Signatures::Sensitive_Signature`); Suricata: the `action`
    /// (`allowed`, `blocked`).
    pub note: Option<Str>,
    /// Signature id: Zeek's signature name, Suricata's `gid:signature_id:rev`.
    pub sig_id: Str,
    /// The signature's message (Suricata `alert.signature`).
    pub event_msg: Option<Str>,
    /// Zeek: the matched payload excerpt; Suricata: unused.
    pub sub_msg: Option<Str>,
    pub sig_count: Option<u64>,
    pub host_count: Option<u64>,
    /// Suricata `alert.category` (e.g. `Misc Attack`).
    pub category: Option<Str>,
    /// Suricata `alert.severity`: 1 (highest) to 255; 3 is the default of rules without one.
    pub severity: Option<u8>,
    /// The victim named by the rule (Suricata `alert.target.ip`), when it names one.
    pub target: Option<IpAddr>,
}

impl Signature {
    /// The attacking host: the side that is not the rule's `target`, else the source.
    pub fn attacker(&self) -> Option<IpAddr> {
        match self.target {
            Some(t) if Some(t) == self.src_addr => self.dst_addr,
            _ => self.src_addr,
        }
    }
    /// The attacked host: the rule's `target`, else the destination.
    pub fn victim(&self) -> Option<IpAddr> {
        match self.target {
            Some(t) if Some(t) == self.src_addr => self.src_addr,
            _ => self.dst_addr,
        }
    }
}

/// A hit of Zeek's intelligence framework (`intel.log`): an indicator loaded into Zeek was
/// seen in the traffic.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Intel {
    pub ts: Timestamp,
    /// Zeek `uid` of the connection the indicator was seen in (unset for some sources).
    pub uid: Option<Str>,
    pub id: Option<Endpoints>,
    /// `seen.indicator`: the value that matched (an IP, domain, URL, hash...).
    pub indicator: Str,
    /// `seen.indicator_type`, e.g. `Intel::ADDR`, `Intel::DOMAIN`, `Intel::URL`,
    /// `Intel::FILE_HASH`, `Intel::CERT_HASH`.
    pub indicator_type: Option<Str>,
    /// `seen.where`: where it was seen, e.g. `Conn::IN_RESP`, `DNS::IN_REQUEST`,
    /// `HTTP::IN_HOST_HEADER`.
    pub seen_where: Option<Str>,
    /// `seen.node`: the Zeek node that saw it.
    pub node: Option<Str>,
    /// `matched`: the indicator types that matched.
    pub matched: Vec<Str>,
    /// `sources`: the intel sources (feeds) listing the indicator.
    pub sources: Vec<Str>,
}

/// One record of any kind. `Conn` is the hot path and stays inline; the others are boxed to
/// keep the enum small.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    Conn(Conn),
    Dns(Box<Dns>),
    Http(Box<Http>),
    Ssl(Box<Ssl>),
    Ssh(Box<Ssh>),
    Dhcp(Box<Dhcp>),
    Smtp(Box<Smtp>),
    Notice(Box<Notice>),
    Files(Box<Files>),
    Software(Box<Software>),
    Weird(Box<Weird>),
    Tunnel(Box<Tunnel>),
    Arp(Box<Arp>),
    X509(Box<X509>),
    Ftp(Box<Ftp>),
    Login(Box<Login>),
    Signature(Box<Signature>),
    Intel(Box<Intel>),
}

impl Record {
    pub fn ts(&self) -> Timestamp {
        match self {
            Record::Conn(r) => r.ts,
            Record::Dns(r) => r.ts,
            Record::Http(r) => r.ts,
            Record::Ssl(r) => r.ts,
            Record::Ssh(r) => r.ts,
            Record::Dhcp(r) => r.ts,
            Record::Smtp(r) => r.ts,
            Record::Notice(r) => r.ts,
            Record::Files(r) => r.ts,
            Record::Software(r) => r.ts,
            Record::Weird(r) => r.ts,
            Record::Tunnel(r) => r.ts,
            Record::Arp(r) => r.ts,
            Record::X509(r) => r.ts,
            Record::Ftp(r) => r.ts,
            Record::Login(r) => r.ts,
            Record::Signature(r) => r.ts,
            Record::Intel(r) => r.ts,
        }
    }

    pub fn kind(&self) -> crate::detector::RecordKind {
        use crate::detector::RecordKind as K;
        match self {
            Record::Conn(_) => K::Conn,
            Record::Dns(_) => K::Dns,
            Record::Http(_) => K::Http,
            Record::Ssl(_) => K::Ssl,
            Record::Ssh(_) => K::Ssh,
            Record::Dhcp(_) => K::Dhcp,
            Record::Smtp(_) => K::Smtp,
            Record::Notice(_) => K::Notice,
            Record::Files(_) => K::Files,
            Record::Software(_) => K::Software,
            Record::Weird(_) => K::Weird,
            Record::Tunnel(_) => K::Tunnel,
            Record::Arp(_) => K::Arp,
            Record::X509(_) => K::X509,
            Record::Ftp(_) => K::Ftp,
            Record::Login(_) => K::Login,
            Record::Signature(_) => K::Signature,
            Record::Intel(_) => K::Intel,
        }
    }

    /// The flow uid used to correlate logs (None for logs without one).
    pub fn uid(&self) -> Option<&str> {
        match self {
            Record::Conn(r) => Some(&r.uid),
            Record::Dns(r) => Some(&r.uid),
            Record::Http(r) => Some(&r.uid),
            Record::Ssl(r) => Some(&r.uid),
            Record::Ssh(r) => Some(&r.uid),
            Record::Dhcp(r) => r.uids.first().map(|u| u.as_str()),
            Record::Smtp(r) => Some(&r.uid),
            Record::Notice(r) => r.uid.as_deref(),
            Record::Files(r) => Some(&r.fuid),
            Record::Software(_) => None,
            Record::Weird(r) => r.uid.as_deref(),
            Record::Tunnel(r) => r.uid.as_deref(),
            Record::Arp(_) => None,
            Record::X509(r) => Some(&r.id),
            Record::Ftp(r) => Some(&r.uid),
            Record::Login(r) => Some(&r.uid),
            Record::Signature(r) => r.uid.as_deref(),
            Record::Intel(r) => r.uid.as_deref(),
        }
    }

    /// The source and destination the record is about. The source is the host whose
    /// profile the record belongs to; the destination gets an inbound view when the
    /// analysis direction is `all`.
    pub fn hosts(&self) -> (Option<IpAddr>, Option<IpAddr>) {
        fn ep(e: &Option<Endpoints>) -> (Option<IpAddr>, Option<IpAddr>) {
            match e {
                Some(e) => (Some(e.saddr), Some(e.daddr)),
                None => (None, None),
            }
        }
        match self {
            Record::Conn(r) => (r.saddr, r.daddr),
            Record::Dns(r) => ep(&r.id),
            Record::Http(r) => ep(&r.id),
            Record::Ssl(r) => ep(&r.id),
            Record::Ssh(r) => ep(&r.id),
            Record::Dhcp(r) => (r.client_addr.or(r.requested_addr), r.server_addr),
            Record::Smtp(r) => ep(&r.id),
            Record::Notice(r) => (r.source(), r.dst.or(r.id.map(|e| e.daddr))),
            Record::Files(r) => (r.rx_hosts.first().copied(), r.tx_hosts.first().copied()),
            Record::Software(r) => (r.host, None),
            Record::Weird(r) => ep(&r.id),
            Record::Tunnel(r) => ep(&r.id),
            Record::Arp(r) => (r.saddr, r.daddr),
            Record::X509(_) => (None, None),
            Record::Ftp(r) => ep(&r.id),
            Record::Login(r) => ep(&r.id),
            // The profile of a signature match is its attacker.
            Record::Signature(r) => (r.attacker(), r.victim()),
            Record::Intel(r) => ep(&r.id),
        }
    }
}

/// A record as a reader yields it: the record plus the ground-truth label when the input
/// carries one.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub record: Record,
    pub label: Option<Box<GroundTruth>>,
}

impl From<Record> for Flow {
    fn from(record: Record) -> Self {
        Flow {
            record,
            label: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_stays_small() {
        // Conn is inline (hot path); everything else is boxed.
        assert!(
            std::mem::size_of::<Record>() <= 256,
            "{}",
            std::mem::size_of::<Record>()
        );
    }

    #[test]
    fn service_matching() {
        let c = Conn {
            service: Some("ssl,http".into()),
            ..Default::default()
        };
        assert!(c.service_is("http"));
        assert!(c.service_is("SSL"));
        assert!(!c.service_is("dns"));
    }
}

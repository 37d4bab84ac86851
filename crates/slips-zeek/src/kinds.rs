//! The Zeek fields of each log kind and how they fill the records of `slips_core::flow`.
//!
//! Each kind has an enum of the fields it uses (with Zeek's names, aliases for older or newer
//! Zeek versions), a builder and a setter that is generic over the input format, so that TSV
//! and JSON lines are converted by the same code.

use crate::error::{LineError, ValueError};
use crate::value::Value;
use slips_core::{
    Arp, ArpOp, Conn, ConnState, Dhcp, Dns, Endpoints, Files, Ftp, Http, Intel, Login, Notice,
    Proto, Record, Signature, Smtp, Software, Ssh, Ssl, Str, Timestamp, Tunnel, Weird, X509,
};
use std::net::IpAddr;

/// The field enum of one log kind.
pub(crate) trait FieldSet: Copy + 'static {
    /// The field with this Zeek name.
    fn lookup(name: &str) -> Option<Self>;
    /// Zeek name of the field.
    fn name(self) -> &'static str;
    fn index(self) -> u8;
    fn from_index(i: u8) -> Option<Self>;
}

/// One log kind: its fields, its builder and how values fill it.
pub(crate) trait Kind {
    type F: FieldSet;
    type B: Default;
    fn set<V: Value>(b: &mut Self::B, f: Self::F, v: &V) -> Result<(), ValueError>;
    fn finish(b: Self::B) -> Result<Record, LineError>;
}

macro_rules! fields {
    ($name:ident { $($var:ident = $first:literal $(| $alias:literal)*),* $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum $name { $($var),* }

        impl $name {
            const ALL: &'static [$name] = &[$($name::$var),*];
        }

        impl FieldSet for $name {
            fn lookup(s: &str) -> Option<Self> {
                match s {
                    $($first $(| $alias)* => Some($name::$var),)*
                    _ => None,
                }
            }
            fn name(self) -> &'static str {
                match self { $($name::$var => $first,)* }
            }
            fn index(self) -> u8 {
                self as u8
            }
            fn from_index(i: u8) -> Option<Self> {
                Self::ALL.get(usize::from(i)).copied()
            }
        }
    };
}

/// Runs `$body` with the type alias `$k` bound to the [`Kind`] implementation of `$kind`.
macro_rules! with_kind {
    ($kind:expr, $k:ident => $body:expr) => {{
        use slips_core::RecordKind as RK;
        use $crate::kinds::*;
        match $kind {
            RK::Conn => {
                type $k = ConnK;
                $body
            }
            RK::Dns => {
                type $k = DnsK;
                $body
            }
            RK::Http => {
                type $k = HttpK;
                $body
            }
            RK::Ssl => {
                type $k = SslK;
                $body
            }
            RK::Ssh => {
                type $k = SshK;
                $body
            }
            RK::Dhcp => {
                type $k = DhcpK;
                $body
            }
            RK::Smtp => {
                type $k = SmtpK;
                $body
            }
            RK::Notice => {
                type $k = NoticeK;
                $body
            }
            RK::Files => {
                type $k = FilesK;
                $body
            }
            RK::Software => {
                type $k = SoftwareK;
                $body
            }
            RK::Weird => {
                type $k = WeirdK;
                $body
            }
            RK::Tunnel => {
                type $k = TunnelK;
                $body
            }
            RK::Arp => {
                type $k = ArpK;
                $body
            }
            RK::X509 => {
                type $k = X509K;
                $body
            }
            RK::Ftp => {
                type $k = FtpK;
                $body
            }
            RK::Login => {
                type $k = LoginK;
                $body
            }
            RK::Signature => {
                type $k = SignatureK;
                $body
            }
            RK::Intel => {
                type $k = IntelK;
                $body
            }
        }
    }};
}
pub(crate) use with_kind;

/// The parts of Zeek's `id` record (`id.orig_h`, `id.orig_p`, `id.resp_h`, `id.resp_p`).
#[derive(Default)]
pub(crate) struct Ep {
    saddr: Option<IpAddr>,
    sport: Option<u16>,
    daddr: Option<IpAddr>,
    dport: Option<u16>,
}

impl Ep {
    /// The endpoints when both addresses are known (ports default to 0).
    fn build(&self) -> Option<Endpoints> {
        Some(Endpoints {
            saddr: self.saddr?,
            sport: self.sport.unwrap_or(0),
            daddr: self.daddr?,
            dport: self.dport.unwrap_or(0),
        })
    }
}

/// A record being built: the record, its timestamp (required), its `id` parts and
/// kind-specific extras.
#[derive(Default)]
pub(crate) struct B<R, X = ()> {
    r: R,
    ts: Option<Timestamp>,
    ep: Ep,
    x: X,
}

impl<R, X> B<R, X> {
    fn ts(&self) -> Result<Timestamp, LineError> {
        self.ts.ok_or(LineError::MissingTs)
    }
}

// ---------------------------------------------------------------------------------------
// conn

fields!(ConnF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Proto = "proto",
    Service = "service",
    Duration = "duration",
    OrigBytes = "orig_bytes",
    RespBytes = "resp_bytes",
    State = "conn_state",
    History = "history",
    OrigPkts = "orig_pkts",
    RespPkts = "resp_pkts",
    OrigIpBytes = "orig_ip_bytes",
    RespIpBytes = "resp_ip_bytes",
    Missed = "missed_bytes",
    OrigL2 = "orig_l2_addr",
    RespL2 = "resp_l2_addr",
});

pub(crate) struct ConnK;

impl Kind for ConnK {
    type F = ConnF;
    type B = B<Conn>;

    #[inline]
    fn set<V: Value>(b: &mut Self::B, f: ConnF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            ConnF::Ts => b.ts = v.time()?,
            ConnF::Uid => r.uid = v.text_or_empty()?,
            ConnF::OrigH => r.saddr = v.ip()?,
            ConnF::OrigP => r.sport = v.u16()?.unwrap_or(0),
            ConnF::RespH => r.daddr = v.ip()?,
            ConnF::RespP => r.dport = v.u16()?.unwrap_or(0),
            ConnF::Proto => r.proto = v.with_str(Proto::parse)?,
            ConnF::Service => r.service = v.text()?,
            ConnF::Duration => {
                r.duration = v.float()?.unwrap_or(0.0);
                if !Timestamp::plausible_duration(r.duration) {
                    return Err(ValueError::Duration);
                }
            }
            ConnF::OrigBytes => r.sbytes = v.uint()?.unwrap_or(0),
            ConnF::RespBytes => r.dbytes = v.uint()?.unwrap_or(0),
            ConnF::State => {
                // Unknown states (newer Zeek versions) count as OTH, Zeek's "other".
                r.state = v
                    .with_str(|s| ConnState::parse_zeek(s).unwrap_or_default())?
                    .unwrap_or_default()
            }
            ConnF::History => r.history = v.text_or_empty()?,
            ConnF::OrigPkts => r.spkts = v.uint()?.unwrap_or(0),
            ConnF::RespPkts => r.dpkts = v.uint()?.unwrap_or(0),
            ConnF::OrigIpBytes => r.sip_bytes = v.uint()?.unwrap_or(0),
            ConnF::RespIpBytes => r.dip_bytes = v.uint()?.unwrap_or(0),
            ConnF::Missed => r.missed_bytes = v.uint()?.unwrap_or(0),
            ConnF::OrigL2 => r.smac = v.mac()?,
            ConnF::RespL2 => r.dmac = v.mac()?,
        }
        Ok(())
    }

    #[inline]
    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        Ok(Record::Conn(b.r))
    }
}

// ---------------------------------------------------------------------------------------
// dns

fields!(DnsF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Proto = "proto",
    TransId = "trans_id",
    Rtt = "rtt",
    Query = "query",
    QclassName = "qclass_name",
    Qtype = "qtype",
    QtypeName = "qtype_name",
    Rcode = "rcode",
    RcodeName = "rcode_name",
    Answers = "answers",
    Ttls = "TTLs" | "ttls",
    Rejected = "rejected",
});

pub(crate) struct DnsK;

impl Kind for DnsK {
    type F = DnsF;
    type B = B<Dns>;

    fn set<V: Value>(b: &mut Self::B, f: DnsF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            DnsF::Ts => b.ts = v.time()?,
            DnsF::Uid => r.uid = v.text_or_empty()?,
            DnsF::OrigH => b.ep.saddr = v.ip()?,
            DnsF::OrigP => b.ep.sport = v.u16()?,
            DnsF::RespH => b.ep.daddr = v.ip()?,
            DnsF::RespP => b.ep.dport = v.u16()?,
            DnsF::Proto => r.proto = v.with_str(Proto::parse)?,
            DnsF::TransId => r.trans_id = v.u32()?,
            DnsF::Rtt => r.rtt = v.float()?,
            DnsF::Query => r.query = v.text()?,
            DnsF::QclassName => r.qclass_name = v.text()?,
            DnsF::Qtype => r.qtype = v.u16()?,
            DnsF::QtypeName => r.qtype_name = v.text()?,
            DnsF::Rcode => r.rcode = v.u16()?,
            DnsF::RcodeName => r.rcode_name = v.text()?,
            DnsF::Answers => r.answers = v.texts()?,
            DnsF::Ttls => r.ttls = v.floats()?,
            DnsF::Rejected => r.rejected = v.boolean()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Dns(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// http

fields!(HttpF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    TransDepth = "trans_depth",
    Method = "method",
    Host = "host",
    Uri = "uri",
    Referrer = "referrer",
    Version = "version",
    UserAgent = "user_agent",
    ReqLen = "request_body_len",
    RespLen = "response_body_len",
    StatusCode = "status_code",
    StatusMsg = "status_msg",
    RespFuids = "resp_fuids",
    RespMime = "resp_mime_types",
});

pub(crate) struct HttpK;

impl Kind for HttpK {
    type F = HttpF;
    type B = B<Http>;

    fn set<V: Value>(b: &mut Self::B, f: HttpF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            HttpF::Ts => b.ts = v.time()?,
            HttpF::Uid => r.uid = v.text_or_empty()?,
            HttpF::OrigH => b.ep.saddr = v.ip()?,
            HttpF::OrigP => b.ep.sport = v.u16()?,
            HttpF::RespH => b.ep.daddr = v.ip()?,
            HttpF::RespP => b.ep.dport = v.u16()?,
            HttpF::TransDepth => r.trans_depth = v.u32()?,
            HttpF::Method => r.method = v.text()?,
            HttpF::Host => r.host = v.text()?,
            HttpF::Uri => r.uri = v.text()?,
            HttpF::Referrer => r.referrer = v.text()?,
            HttpF::Version => r.version = v.text()?,
            HttpF::UserAgent => r.user_agent = v.text()?,
            HttpF::ReqLen => r.request_body_len = v.uint()?.unwrap_or(0),
            HttpF::RespLen => r.response_body_len = v.uint()?.unwrap_or(0),
            HttpF::StatusCode => r.status_code = v.u16()?,
            HttpF::StatusMsg => r.status_msg = v.text()?,
            HttpF::RespFuids => r.resp_fuids = v.texts()?,
            HttpF::RespMime => r.resp_mime_types = v.texts()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Http(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// ssl

fields!(SslF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Version = "version",
    Cipher = "cipher",
    Curve = "curve",
    ServerName = "server_name",
    Resumed = "resumed",
    Established = "established",
    CertFps = "cert_chain_fps",
    CertFuids = "cert_chain_fuids",
    ClientFps = "client_cert_chain_fps",
    ClientFuids = "client_cert_chain_fuids",
    Subject = "subject",
    Issuer = "issuer",
    Validation = "validation_status",
    Ja3 = "ja3",
    Ja3s = "ja3s",
    IsDoh = "is_DoH" | "is_doh",
    Ja4 = "ja4",
});

/// Fingerprint chains, which win over file-id chains when both are present.
#[derive(Default)]
pub(crate) struct SslX {
    fps: Vec<Str>,
    client_fps: Vec<Str>,
}

pub(crate) struct SslK;

impl Kind for SslK {
    type F = SslF;
    type B = B<Ssl, SslX>;

    fn set<V: Value>(b: &mut Self::B, f: SslF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            SslF::Ts => b.ts = v.time()?,
            SslF::Uid => r.uid = v.text_or_empty()?,
            SslF::OrigH => b.ep.saddr = v.ip()?,
            SslF::OrigP => b.ep.sport = v.u16()?,
            SslF::RespH => b.ep.daddr = v.ip()?,
            SslF::RespP => b.ep.dport = v.u16()?,
            SslF::Version => r.version = v.text()?,
            SslF::Cipher => r.cipher = v.text()?,
            SslF::Curve => r.curve = v.text()?,
            SslF::ServerName => r.server_name = v.text()?,
            SslF::Resumed => r.resumed = v.boolean()?,
            SslF::Established => r.established = v.boolean()?,
            SslF::CertFps => b.x.fps = v.texts()?,
            SslF::CertFuids => r.cert_chain = v.texts()?,
            SslF::ClientFps => b.x.client_fps = v.texts()?,
            SslF::ClientFuids => r.client_cert_chain = v.texts()?,
            SslF::Subject => r.subject = v.text()?,
            SslF::Issuer => r.issuer = v.text()?,
            SslF::Validation => r.validation_status = v.text()?,
            SslF::Ja3 => r.ja3 = v.text()?,
            SslF::Ja3s => r.ja3s = v.text()?,
            SslF::IsDoh => r.is_doh = v.boolean()?,
            SslF::Ja4 => r.ja4 = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        if !b.x.fps.is_empty() {
            b.r.cert_chain = b.x.fps;
        }
        if !b.x.client_fps.is_empty() {
            b.r.client_cert_chain = b.x.client_fps;
        }
        Ok(Record::Ssl(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// ssh

fields!(SshF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Version = "version",
    AuthSuccess = "auth_success",
    AuthAttempts = "auth_attempts",
    Direction = "direction",
    Client = "client",
    Server = "server",
    CipherAlg = "cipher_alg",
    MacAlg = "mac_alg",
    CompressionAlg = "compression_alg",
    KexAlg = "kex_alg",
    HostKeyAlg = "host_key_alg",
    HostKey = "host_key",
});

pub(crate) struct SshK;

impl Kind for SshK {
    type F = SshF;
    type B = B<Ssh>;

    fn set<V: Value>(b: &mut Self::B, f: SshF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            SshF::Ts => b.ts = v.time()?,
            SshF::Uid => r.uid = v.text_or_empty()?,
            SshF::OrigH => b.ep.saddr = v.ip()?,
            SshF::OrigP => b.ep.sport = v.u16()?,
            SshF::RespH => b.ep.daddr = v.ip()?,
            SshF::RespP => b.ep.dport = v.u16()?,
            SshF::Version => r.version = v.u32()?,
            SshF::AuthSuccess => r.auth_success = v.boolean()?,
            SshF::AuthAttempts => r.auth_attempts = v.u32()?,
            SshF::Direction => r.direction = v.text()?,
            SshF::Client => r.client = v.text()?,
            SshF::Server => r.server = v.text()?,
            SshF::CipherAlg => r.cipher_alg = v.text()?,
            SshF::MacAlg => r.mac_alg = v.text()?,
            SshF::CompressionAlg => r.compression_alg = v.text()?,
            SshF::KexAlg => r.kex_alg = v.text()?,
            SshF::HostKeyAlg => r.host_key_alg = v.text()?,
            SshF::HostKey => r.host_key = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Ssh(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// dhcp

fields!(DhcpF {
    Ts = "ts",
    Uids = "uids",
    Uid = "uid",
    ClientAddr = "client_addr",
    ServerAddr = "server_addr",
    Mac = "mac",
    HostName = "host_name",
    ClientFqdn = "client_fqdn",
    Domain = "domain",
    RequestedAddr = "requested_addr",
    AssignedAddr = "assigned_addr" | "assigned_ip",
    LeaseTime = "lease_time",
    MsgTypes = "msg_types",
});

pub(crate) struct DhcpK;

impl Kind for DhcpK {
    type F = DhcpF;
    type B = B<Dhcp>;

    fn set<V: Value>(b: &mut Self::B, f: DhcpF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            DhcpF::Ts => b.ts = v.time()?,
            DhcpF::Uids => {
                let mut u = v.texts()?;
                u.append(&mut r.uids);
                r.uids = u;
            }
            // Zeek 2.x logged one `uid`.
            DhcpF::Uid => r.uids.extend(v.text()?),
            DhcpF::ClientAddr => r.client_addr = v.ip()?,
            DhcpF::ServerAddr => r.server_addr = v.ip()?,
            DhcpF::Mac => r.mac = v.mac()?,
            DhcpF::HostName => r.host_name = v.text()?,
            DhcpF::ClientFqdn => r.client_fqdn = v.text()?,
            DhcpF::Domain => r.domain = v.text()?,
            DhcpF::RequestedAddr => r.requested_addr = v.ip()?,
            DhcpF::AssignedAddr => r.assigned_addr = v.ip()?,
            DhcpF::LeaseTime => r.lease_time = v.float()?,
            DhcpF::MsgTypes => r.msg_types = v.texts()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        Ok(Record::Dhcp(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// smtp

fields!(SmtpF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Helo = "helo",
    Mailfrom = "mailfrom",
    Rcptto = "rcptto",
    LastReply = "last_reply",
    UserAgent = "user_agent",
});

pub(crate) struct SmtpK;

impl Kind for SmtpK {
    type F = SmtpF;
    type B = B<Smtp>;

    fn set<V: Value>(b: &mut Self::B, f: SmtpF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            SmtpF::Ts => b.ts = v.time()?,
            SmtpF::Uid => r.uid = v.text_or_empty()?,
            SmtpF::OrigH => b.ep.saddr = v.ip()?,
            SmtpF::OrigP => b.ep.sport = v.u16()?,
            SmtpF::RespH => b.ep.daddr = v.ip()?,
            SmtpF::RespP => b.ep.dport = v.u16()?,
            SmtpF::Helo => r.helo = v.text()?,
            SmtpF::Mailfrom => r.mailfrom = v.text()?,
            SmtpF::Rcptto => r.rcptto = v.texts()?,
            SmtpF::LastReply => r.last_reply = v.text()?,
            SmtpF::UserAgent => r.user_agent = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Smtp(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// notice

fields!(NoticeF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Proto = "proto",
    Note = "note",
    Msg = "msg",
    Sub = "sub",
    Src = "src",
    Dst = "dst",
    P = "p",
    N = "n",
});

pub(crate) struct NoticeK;

impl Kind for NoticeK {
    type F = NoticeF;
    type B = B<Notice>;

    fn set<V: Value>(b: &mut Self::B, f: NoticeF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            NoticeF::Ts => b.ts = v.time()?,
            NoticeF::Uid => r.uid = v.text()?,
            NoticeF::OrigH => b.ep.saddr = v.ip()?,
            NoticeF::OrigP => b.ep.sport = v.u16()?,
            NoticeF::RespH => b.ep.daddr = v.ip()?,
            NoticeF::RespP => b.ep.dport = v.u16()?,
            NoticeF::Proto => r.proto = v.with_str(Proto::parse)?,
            NoticeF::Note => r.note = v.text_or_empty()?,
            NoticeF::Msg => r.msg = v.text()?,
            NoticeF::Sub => r.sub = v.text()?,
            NoticeF::Src => r.src = v.ip()?,
            NoticeF::Dst => r.dst = v.ip()?,
            NoticeF::P => r.p = v.u16()?,
            NoticeF::N => r.n = v.uint()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Notice(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// files

fields!(FilesF {
    Ts = "ts",
    Fuid = "fuid",
    TxHosts = "tx_hosts",
    RxHosts = "rx_hosts",
    ConnUids = "conn_uids",
    Source = "source",
    Analyzers = "analyzers",
    MimeType = "mime_type",
    Filename = "filename",
    SeenBytes = "seen_bytes",
    TotalBytes = "total_bytes",
    Md5 = "md5",
    Sha1 = "sha1",
    Sha256 = "sha256",
    // Zeek >= 5 logs the connection (`uid`, `id`) and `is_orig` instead of the host sets.
    Uid = "uid",
    OrigH = "id.orig_h",
    RespH = "id.resp_h",
    IsOrig = "is_orig",
});

#[derive(Default)]
pub(crate) struct FilesX {
    uid: Option<Str>,
    is_orig: Option<bool>,
}

pub(crate) struct FilesK;

impl Kind for FilesK {
    type F = FilesF;
    type B = B<Files, FilesX>;

    fn set<V: Value>(b: &mut Self::B, f: FilesF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            FilesF::Ts => b.ts = v.time()?,
            FilesF::Fuid => r.fuid = v.text_or_empty()?,
            FilesF::TxHosts => r.tx_hosts = v.ips()?,
            FilesF::RxHosts => r.rx_hosts = v.ips()?,
            FilesF::ConnUids => r.conn_uids = v.texts()?,
            FilesF::Source => r.source = v.text()?,
            FilesF::Analyzers => r.analyzers = v.texts()?,
            FilesF::MimeType => r.mime_type = v.text()?,
            FilesF::Filename => r.filename = v.text()?,
            FilesF::SeenBytes => r.seen_bytes = v.uint()?.unwrap_or(0),
            FilesF::TotalBytes => r.total_bytes = v.uint()?,
            FilesF::Md5 => r.md5 = v.text()?,
            FilesF::Sha1 => r.sha1 = v.text()?,
            FilesF::Sha256 => r.sha256 = v.text()?,
            FilesF::Uid => b.x.uid = v.text()?,
            FilesF::OrigH => b.ep.saddr = v.ip()?,
            FilesF::RespH => b.ep.daddr = v.ip()?,
            FilesF::IsOrig => b.x.is_orig = v.boolean()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        if b.r.conn_uids.is_empty() {
            b.r.conn_uids.extend(b.x.uid);
        }
        if b.r.tx_hosts.is_empty() && b.r.rx_hosts.is_empty() {
            if let (Some(o), Some(resp)) = (b.ep.saddr, b.ep.daddr) {
                // The file is sent by the originator when `is_orig`, else by the responder.
                let (tx, rx) = if b.x.is_orig == Some(true) {
                    (o, resp)
                } else {
                    (resp, o)
                };
                b.r.tx_hosts.push(tx);
                b.r.rx_hosts.push(rx);
            }
        }
        Ok(Record::Files(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// software

fields!(SoftwareF {
    Ts = "ts",
    Host = "host",
    HostP = "host_p",
    SoftwareType = "software_type",
    Name = "name",
    Major = "version.major",
    Minor = "version.minor",
    Unparsed = "unparsed_version",
});

pub(crate) struct SoftwareK;

impl Kind for SoftwareK {
    type F = SoftwareF;
    type B = B<Software>;

    fn set<V: Value>(b: &mut Self::B, f: SoftwareF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            SoftwareF::Ts => b.ts = v.time()?,
            SoftwareF::Host => r.host = v.ip()?,
            SoftwareF::HostP => r.host_p = v.u16()?,
            SoftwareF::SoftwareType => r.software_type = v.text()?,
            SoftwareF::Name => r.name = v.text()?,
            SoftwareF::Major => r.version_major = v.u32()?,
            SoftwareF::Minor => r.version_minor = v.u32()?,
            SoftwareF::Unparsed => r.unparsed_version = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        Ok(Record::Software(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// weird

fields!(WeirdF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Name = "name",
    Addl = "addl",
    Notice = "notice",
    Peer = "peer",
});

pub(crate) struct WeirdK;

impl Kind for WeirdK {
    type F = WeirdF;
    type B = B<Weird>;

    fn set<V: Value>(b: &mut Self::B, f: WeirdF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            WeirdF::Ts => b.ts = v.time()?,
            WeirdF::Uid => r.uid = v.text()?,
            WeirdF::OrigH => b.ep.saddr = v.ip()?,
            WeirdF::OrigP => b.ep.sport = v.u16()?,
            WeirdF::RespH => b.ep.daddr = v.ip()?,
            WeirdF::RespP => b.ep.dport = v.u16()?,
            WeirdF::Name => r.name = v.text_or_empty()?,
            WeirdF::Addl => r.addl = v.text()?,
            WeirdF::Notice => r.notice = v.boolean()?,
            WeirdF::Peer => r.peer = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Weird(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// tunnel

fields!(TunnelF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    TunnelType = "tunnel_type",
    Action = "action",
});

pub(crate) struct TunnelK;

impl Kind for TunnelK {
    type F = TunnelF;
    type B = B<Tunnel>;

    fn set<V: Value>(b: &mut Self::B, f: TunnelF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            TunnelF::Ts => b.ts = v.time()?,
            TunnelF::Uid => r.uid = v.text()?,
            TunnelF::OrigH => b.ep.saddr = v.ip()?,
            TunnelF::OrigP => b.ep.sport = v.u16()?,
            TunnelF::RespH => b.ep.daddr = v.ip()?,
            TunnelF::RespP => b.ep.dport = v.u16()?,
            TunnelF::TunnelType => r.tunnel_type = v.text()?,
            TunnelF::Action => r.action = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Tunnel(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// arp (Slips' zeek-scripts/arp.zeek)

fields!(ArpF {
    Ts = "ts",
    Operation = "operation",
    SrcMac = "src_mac",
    DstMac = "dst_mac",
    OrigH = "orig_h",
    RespH = "resp_h",
    OrigHw = "orig_hw",
    RespHw = "resp_hw",
});

pub(crate) struct ArpK;

fn arp_op(s: &str) -> Option<ArpOp> {
    if s.eq_ignore_ascii_case("request") {
        Some(ArpOp::Request)
    } else if s.eq_ignore_ascii_case("reply") {
        Some(ArpOp::Reply)
    } else {
        None
    }
}

impl Kind for ArpK {
    type F = ArpF;
    type B = B<Arp>;

    fn set<V: Value>(b: &mut Self::B, f: ArpF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            ArpF::Ts => b.ts = v.time()?,
            ArpF::Operation => {
                if let Some(op) = v.with_str(arp_op)? {
                    r.operation = op.ok_or(ValueError::ArpOperation)?;
                }
            }
            ArpF::SrcMac => r.src_mac = v.mac()?,
            ArpF::DstMac => r.dst_mac = v.mac()?,
            ArpF::OrigH => r.saddr = v.ip()?,
            ArpF::RespH => r.daddr = v.ip()?,
            ArpF::OrigHw => r.src_hw = v.mac()?,
            ArpF::RespHw => r.dst_hw = v.mac()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        Ok(Record::Arp(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// x509

fields!(X509F {
    Ts = "ts",
    Id = "id",
    Fingerprint = "fingerprint",
    Version = "certificate.version",
    Serial = "certificate.serial",
    Subject = "certificate.subject",
    Issuer = "certificate.issuer",
    NotBefore = "certificate.not_valid_before",
    NotAfter = "certificate.not_valid_after",
    KeyAlg = "certificate.key_alg",
    SigAlg = "certificate.sig_alg",
    KeyType = "certificate.key_type",
    KeyLength = "certificate.key_length",
    SanDns = "san.dns",
    SanIp = "san.ip",
    Ca = "basic_constraints.ca",
});

#[derive(Default)]
pub(crate) struct X509X {
    fingerprint: Option<Str>,
}

pub(crate) struct X509K;

impl Kind for X509K {
    type F = X509F;
    type B = B<X509, X509X>;

    fn set<V: Value>(b: &mut Self::B, f: X509F, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            X509F::Ts => b.ts = v.time()?,
            X509F::Id => r.id = v.text_or_empty()?,
            X509F::Fingerprint => b.x.fingerprint = v.text()?,
            X509F::Version => r.version = v.u32()?,
            X509F::Serial => r.serial = v.text()?,
            X509F::Subject => r.subject = v.text()?,
            X509F::Issuer => r.issuer = v.text()?,
            X509F::NotBefore => r.not_valid_before = v.time()?,
            X509F::NotAfter => r.not_valid_after = v.time()?,
            X509F::KeyAlg => r.key_alg = v.text()?,
            X509F::SigAlg => r.sig_alg = v.text()?,
            X509F::KeyType => r.key_type = v.text()?,
            X509F::KeyLength => r.key_length = v.u32()?,
            X509F::SanDns => r.san_dns = v.texts()?,
            X509F::SanIp => r.san_ip = v.ips()?,
            X509F::Ca => r.basic_constraints_ca = v.boolean()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        if b.r.id.is_empty() {
            if let Some(fp) = b.x.fingerprint {
                b.r.id = fp;
            }
        }
        Ok(Record::X509(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// ftp

fields!(FtpF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    User = "user",
    Command = "command",
    Arg = "arg",
    ReplyCode = "reply_code",
    ReplyMsg = "reply_msg",
    DataRespP = "data_channel.resp_p",
});

pub(crate) struct FtpK;

impl Kind for FtpK {
    type F = FtpF;
    type B = B<Ftp>;

    fn set<V: Value>(b: &mut Self::B, f: FtpF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            FtpF::Ts => b.ts = v.time()?,
            FtpF::Uid => r.uid = v.text_or_empty()?,
            FtpF::OrigH => b.ep.saddr = v.ip()?,
            FtpF::OrigP => b.ep.sport = v.u16()?,
            FtpF::RespH => b.ep.daddr = v.ip()?,
            FtpF::RespP => b.ep.dport = v.u16()?,
            FtpF::User => r.user = v.text()?,
            FtpF::Command => r.command = v.text()?,
            FtpF::Arg => r.arg = v.text()?,
            FtpF::ReplyCode => r.reply_code = v.u16()?,
            FtpF::ReplyMsg => r.reply_msg = v.text()?,
            FtpF::DataRespP => r.data_channel_resp_p = v.u16()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Ftp(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// login (Slips' zeek-scripts/login.zeek)

fields!(LoginF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Proto = "proto",
    Success = "success",
    Confused = "confused",
    User = "user",
    ClientUser = "client_user",
    Password = "password",
});

pub(crate) struct LoginK;

impl Kind for LoginK {
    type F = LoginF;
    type B = B<Login>;

    fn set<V: Value>(b: &mut Self::B, f: LoginF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            LoginF::Ts => b.ts = v.time()?,
            LoginF::Uid => r.uid = v.text_or_empty()?,
            LoginF::OrigH => b.ep.saddr = v.ip()?,
            LoginF::OrigP => b.ep.sport = v.u16()?,
            LoginF::RespH => b.ep.daddr = v.ip()?,
            LoginF::RespP => b.ep.dport = v.u16()?,
            LoginF::Proto => r.proto = v.text()?,
            LoginF::Success => r.success = v.boolean()?,
            LoginF::Confused => r.confused = v.boolean()?,
            LoginF::User => r.user = v.text()?,
            LoginF::ClientUser => r.client_user = v.text()?,
            LoginF::Password => r.password = v.text()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Login(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// signatures (Zeek's signature framework)

fields!(SignatureF {
    Ts = "ts",
    Uid = "uid",
    SrcAddr = "src_addr",
    SrcPort = "src_port",
    DstAddr = "dst_addr",
    DstPort = "dst_port",
    Note = "note",
    SigId = "sig_id",
    EventMsg = "event_msg",
    SubMsg = "sub_msg",
    SigCount = "sig_count",
    HostCount = "host_count",
});

pub(crate) struct SignatureK;

impl Kind for SignatureK {
    type F = SignatureF;
    type B = B<Signature>;

    fn set<V: Value>(b: &mut Self::B, f: SignatureF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            SignatureF::Ts => b.ts = v.time()?,
            SignatureF::Uid => r.uid = v.text()?,
            SignatureF::SrcAddr => r.src_addr = v.ip()?,
            SignatureF::SrcPort => r.src_port = v.u16()?,
            SignatureF::DstAddr => r.dst_addr = v.ip()?,
            SignatureF::DstPort => r.dst_port = v.u16()?,
            SignatureF::Note => r.note = v.text()?,
            SignatureF::SigId => r.sig_id = v.text_or_empty()?,
            SignatureF::EventMsg => r.event_msg = v.text()?,
            SignatureF::SubMsg => r.sub_msg = v.text()?,
            SignatureF::SigCount => r.sig_count = v.uint()?,
            SignatureF::HostCount => r.host_count = v.uint()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        Ok(Record::Signature(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// intel (Zeek's intelligence framework)

fields!(IntelF {
    Ts = "ts",
    Uid = "uid",
    OrigH = "id.orig_h",
    OrigP = "id.orig_p",
    RespH = "id.resp_h",
    RespP = "id.resp_p",
    Indicator = "seen.indicator",
    IndicatorType = "seen.indicator_type",
    Where = "seen.where",
    Node = "seen.node",
    Matched = "matched",
    Sources = "sources",
});

pub(crate) struct IntelK;

impl Kind for IntelK {
    type F = IntelF;
    type B = B<Intel>;

    fn set<V: Value>(b: &mut Self::B, f: IntelF, v: &V) -> Result<(), ValueError> {
        let r = &mut b.r;
        match f {
            IntelF::Ts => b.ts = v.time()?,
            IntelF::Uid => r.uid = v.text()?,
            IntelF::OrigH => b.ep.saddr = v.ip()?,
            IntelF::OrigP => b.ep.sport = v.u16()?,
            IntelF::RespH => b.ep.daddr = v.ip()?,
            IntelF::RespP => b.ep.dport = v.u16()?,
            IntelF::Indicator => r.indicator = v.text_or_empty()?,
            IntelF::IndicatorType => r.indicator_type = v.text()?,
            IntelF::Where => r.seen_where = v.text()?,
            IntelF::Node => r.node = v.text()?,
            IntelF::Matched => r.matched = v.texts()?,
            IntelF::Sources => r.sources = v.texts()?,
        }
        Ok(())
    }

    fn finish(mut b: Self::B) -> Result<Record, LineError> {
        b.r.ts = b.ts()?;
        b.r.id = b.ep.build();
        Ok(Record::Intel(Box::new(b.r)))
    }
}

// ---------------------------------------------------------------------------------------
// Ground-truth labels (netflowlabeler's `label` / `detailed-label` columns).

/// What a column or JSON key holds besides a record field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LabelCol {
    Label,
    Detailed,
}

impl LabelCol {
    pub(crate) fn lookup(name: &str) -> Option<LabelCol> {
        match name {
            "label" | "Label" => Some(LabelCol::Label),
            "detailed-label" | "detailedlabel" | "detailed_label" | "DetailedLabel" => {
                Some(LabelCol::Detailed)
            }
            _ => None,
        }
    }
}

/// Label values seen on a line.
#[derive(Default)]
pub(crate) struct Labels {
    pub label: Option<Str>,
    pub detailed: Option<Str>,
}

impl Labels {
    pub(crate) fn set<V: Value>(&mut self, c: LabelCol, v: &V) -> Result<(), ValueError> {
        let t = v.text()?.filter(|s| !s.is_empty() && s != "-");
        match c {
            LabelCol::Label => self.label = t,
            LabelCol::Detailed => self.detailed = t,
        }
        Ok(())
    }

    pub(crate) fn into_truth(self) -> Option<Box<slips_core::GroundTruth>> {
        if self.label.is_none() && self.detailed.is_none() {
            return None;
        }
        Some(Box::new(slips_core::GroundTruth {
            label: self.label.unwrap_or_default(),
            detailed_label: self.detailed,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::RecordKind;

    #[test]
    fn field_tables_are_consistent() {
        fn check<K: Kind>() {}
        for kind in RecordKind::ALL {
            with_kind!(kind, K => check::<K>());
        }
        for (i, f) in ConnF::ALL.iter().enumerate() {
            assert_eq!(f.index() as usize, i);
            assert_eq!(ConnF::from_index(i as u8), Some(*f));
            assert_eq!(ConnF::lookup(f.name()), Some(*f));
        }
        assert_eq!(ConnF::from_index(200), None);
        assert_eq!(SslF::lookup("is_doh"), Some(SslF::IsDoh));
        assert_eq!(DhcpF::lookup("assigned_ip"), Some(DhcpF::AssignedAddr));
        assert_eq!(X509F::lookup("san.ip"), Some(X509F::SanIp));
        assert_eq!(ConnF::lookup("tunnel_parents"), None);
    }
}

//! The packet engine: packets in, Zeek-like records out.

use crate::banner::{self, FtpConn, SmtpConn, SshConn};
use crate::decode::{
    self, LinkType, TcpHdr, ETH_ARP, ETH_IPV4, ETH_IPV6, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
};
use crate::dhcp;
use crate::dns::{self, DnsMsg};
use crate::frag::{FragOut, Reassembler};
use crate::http::{self, HttpConn};
use crate::stream::{Seg, Stream};
use crate::tls::{self, TlsConn};
use compact_str::format_compact;
use foldhash::{HashMap, HashSet};
use slips_core::{
    Arp, ConnState, Dhcp, Dns, Endpoints, Files, Ftp, Http, Mac, Proto, Record, Smtp, Software,
    Ssh, Ssl, Str, Timestamp, Tunnel, Weird, X509,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::IpAddr;

/// Settings of the engine. The defaults are Zeek's, with Slips' TCP inactivity timeout.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Seconds of packet time without packets after which a TCP connection ends. Zeek's
    /// default is 5 min; Slips runs Zeek with `tcp_inactivity_timeout=60mins`.
    pub tcp_inactivity: f64,
    /// UDP inactivity timeout (Zeek: 1 min).
    pub udp_inactivity: f64,
    /// ICMP inactivity timeout (Zeek: 1 min).
    pub icmp_inactivity: f64,
    /// Seconds a closed or reset TCP connection lingers (Zeek's `tcp_close_delay`, 5 s).
    pub close_delay: f64,
    /// Flows tracked at once; beyond it the flow closest to its timeout is ended early and
    /// its record emitted (counted in `evictions`). About 1 KiB per flow without payload
    /// parsing state.
    pub max_flows: usize,
    /// Seed of the uid generator: the same packets with the same seed give the same uids.
    pub uid_seed: u64,
    /// Weird records emitted per weird name (all are counted).
    pub max_weirds_per_name: u64,
    /// Parse application protocols (DNS, HTTP, TLS, SSH, SMTP, DHCP). Off: conn and ARP only.
    pub app_layer: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            tcp_inactivity: 3600.0,
            udp_inactivity: 60.0,
            icmp_inactivity: 60.0,
            close_delay: 5.0,
            max_flows: 500_000,
            uid_seed: 0x5eed_5eed,
            max_weirds_per_name: 1000,
            app_layer: true,
        }
    }
}

/// Counters of an engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Packets fed.
    pub packets: u64,
    /// Captured bytes fed.
    pub bytes: u64,
    /// Connection records emitted.
    pub flows: u64,
    /// Weird events (all, including those not emitted as records because of the cap).
    pub weirds: u64,
    /// Flows ended early because the flow table was full.
    pub evictions: u64,
    /// Packets without an IP or ARP payload we decode (other ethertypes, LLC).
    pub non_ip: u64,
    /// IP datagrams rebuilt from fragments.
    pub reassembled: u64,
    /// Records emitted (all kinds).
    pub records: u64,
}

const MAX_HISTORY: usize = 64;
const MAX_DNS_PENDING: usize = 64;
const MAX_DHCP_PENDING: usize = 1024;
const DHCP_WATCH: f64 = 30.0;
const MAX_SOFTWARE_SEEN: usize = 65_536;
const MAX_DETECT_TRIES: u8 = 4;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
struct Key {
    proto: u8,
    a: IpAddr,
    ap: u16,
    b: IpAddr,
    bp: u16,
}

impl Key {
    fn new(proto: u8, s: IpAddr, sp: u16, d: IpAddr, dp: u16) -> Key {
        if (s, sp) <= (d, dp) {
            Key {
                proto,
                a: s,
                ap: sp,
                b: d,
                bp: dp,
            }
        } else {
            Key {
                proto,
                a: d,
                ap: dp,
                b: s,
                bp: sp,
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum TcpSt {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

#[derive(Default)]
struct Ep {
    st: TcpSt,
    pkts: u64,
    ip_bytes: u64,
    /// Payload bytes (UDP/ICMP) or highest relative end of data (TCP).
    bytes: u64,
    isn: Option<u32>,
    data_start: u64,
    max_end: u64,
    last_syn: Option<u64>,
    last_fin: Option<u64>,
    last_rst: Option<u64>,
    retx: u64,
    zero_win: u64,
    /// The most recent hole in the sequence space (segments filling it are not
    /// retransmissions).
    gap: Option<(u64, u64)>,
    stream: Stream,
    detect_tries: u8,
}

enum App {
    Undetermined,
    Off,
    Dhcp,
    Dns(Box<DnsState>),
    Http(Box<HttpConn>),
    Tls(Box<TlsConn>),
    Ssh(Box<SshConn>),
    Smtp(Box<SmtpConn>),
    Ftp(Box<FtpConn>),
}

impl App {
    /// Whether stream data still matters (parsers that are done stop the reassembly).
    fn wants_data(&self) -> bool {
        match self {
            App::Off | App::Dhcp => false,
            App::Tls(t) => !t.finished(),
            App::Ssh(s) => s.wants_data(),
            _ => true,
        }
    }
}

#[derive(Default)]
struct DnsState {
    pending: VecDeque<(f64, DnsMsg)>,
    /// TCP: bytes of a length-prefixed message being assembled, per direction.
    tcp_buf: [Vec<u8>; 2],
}

struct Conn {
    id: u64,
    uid: Str,
    proto: u8,
    orig: (IpAddr, u16),
    resp: (IpAddr, u16),
    start: f64,
    last: f64,
    o: Ep,
    r: Ep,
    history: Str,
    hist_mask: u32,
    orig_mac: Option<Mac>,
    resp_mac: Option<Mac>,
    services: Vec<&'static str>,
    app: App,
}

impl Conn {
    fn endpoints(&self) -> Endpoints {
        Endpoints {
            saddr: self.orig.0,
            sport: self.orig.1,
            daddr: self.resp.0,
            dport: self.resp.1,
        }
    }

    fn terminal(&self) -> bool {
        self.proto == 6
            && ((self.o.st == TcpSt::Closed && self.r.st == TcpSt::Closed)
                || self.o.st == TcpSt::Reset
                || self.r.st == TcpSt::Reset)
    }

    fn add_service(&mut self, s: &'static str) {
        if !self.services.contains(&s) {
            self.services.push(s);
        }
    }

    /// Records a history letter once per direction (`A D I Q` and first occurrences).
    fn hist_once(&mut self, orig: bool, letter: u8) -> bool {
        let bit = match letter {
            b'S' => 0,
            b'H' => 1,
            b'A' => 2,
            b'D' => 3,
            b'F' => 4,
            b'R' => 5,
            b'I' => 6,
            b'Q' => 7,
            b'T' => 8,
            b'W' => 9,
            b'G' => 10,
            _ => 15,
        } + if orig { 0 } else { 16 };
        if self.hist_mask & (1 << bit) != 0 {
            return false;
        }
        self.hist_mask |= 1 << bit;
        self.push_hist(orig, letter);
        true
    }

    fn push_hist(&mut self, orig: bool, letter: u8) {
        if self.history.len() < MAX_HISTORY {
            let c = if orig {
                letter
            } else {
                letter.to_ascii_lowercase()
            };
            self.history.push(c as char);
        }
    }

    fn state(&self) -> ConnState {
        match self.proto {
            6 => tcp_conn_state(self),
            17 => ConnState::from_packets(Proto::Udp, self.o.pkts, self.r.pkts),
            _ => ConnState::OTH,
        }
    }
}

fn tcp_conn_state(c: &Conn) -> ConnState {
    use TcpSt::*;
    let (os, rs) = (c.o.st, c.r.st);
    let o_inactive = matches!(os, Inactive | Partial);
    let r_inactive = matches!(rs, Inactive | Partial);
    if rs == Reset {
        if matches!(os, SynSent | SynAckSent) || (os == Reset && c.o.bytes == 0 && c.r.bytes == 0) {
            ConnState::REJ
        } else if o_inactive {
            ConnState::RSTRH
        } else {
            ConnState::RSTR
        }
    } else if os == Reset {
        if r_inactive {
            if rstos0_history(&c.history) {
                ConnState::RSTOS0
            } else {
                ConnState::OTH
            }
        } else {
            ConnState::RSTO
        }
    } else if rs == Closed && os == Closed {
        ConnState::SF
    } else if os == Closed {
        if r_inactive {
            ConnState::SH
        } else {
            ConnState::S2
        }
    } else if rs == Closed {
        if o_inactive {
            ConnState::SHR
        } else {
            ConnState::S3
        }
    } else if os == SynSent && rs == Inactive {
        ConnState::S0
    } else if os == Established && rs == Established {
        ConnState::S1
    } else {
        ConnState::OTH
    }
}

/// Zeek's `/\^?S[^HAFGIQ]*R.*/` on the history.
fn rstos0_history(h: &str) -> bool {
    let h = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = h.strip_prefix('S') else {
        return false;
    };
    for c in rest.chars() {
        if c == 'R' {
            return true;
        }
        if "HAFGIQ".contains(c) {
            return false;
        }
    }
    false
}

/// Ports Zeek's analyzers register (`likely_server_ports`), used to orient connections whose
/// first packet is not a SYN.
fn likely_server(p: u16) -> bool {
    matches!(
        p,
        21 | 22
            | 23
            | 25
            | 53
            | 67
            | 68
            | 69
            | 80
            | 88
            | 110
            | 111
            | 123
            | 135
            | 137
            | 139
            | 143
            | 161
            | 162
            | 389
            | 443
            | 445
            | 465
            | 502
            | 514
            | 546
            | 547
            | 587
            | 636
            | 993
            | 995
            | 1080
            | 1194
            | 1812
            | 1883
            | 2049
            | 3128
            | 3306
            | 3389
            | 5060
            | 5353
            | 5355
            | 5432
            | 5672
            | 6379
            | 6667
            | 8000
            | 8080
            | 8443
            | 8888
            | 9200
            | 20000
    )
}

struct Clock {
    heap: BinaryHeap<Reverse<(i64, u64, Key)>>,
}

struct DhcpTxn {
    xid: u32,
    first: f64,
    rec: Dhcp,
}

/// The packet engine: feed packets with their timestamps, take records.
///
/// Records come out as flows end (like Zeek's logs): application records (dns, http, …) when
/// their transaction completes, conn records when the connection times out, is closed (after
/// the close delay), is evicted, or at [`PacketEngine::finish`]. Everything is driven by packet
/// time; the same packets always give the same records, uids included.
pub struct PacketEngine {
    cfg: EngineConfig,
    /// Boxed so that taking a connection out and back per packet moves a pointer.
    flows: HashMap<Key, Box<Conn>>,
    clock: Clock,
    frags: Reassembler,
    out: VecDeque<Record>,
    stats: EngineStats,
    next_id: u64,
    now: f64,
    weird_counts: HashMap<&'static str, u64>,
    dhcp: VecDeque<DhcpTxn>,
    software_seen: HashSet<(IpAddr, Str)>,
    tunnels_seen: HashSet<(IpAddr, IpAddr)>,
    fuid_counter: u64,
}

impl std::fmt::Debug for PacketEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PacketEngine")
            .field("flows", &self.flows.len())
            .field("stats", &self.stats)
            .finish()
    }
}

/// splitmix64: a bijective mixer, so distinct counters give distinct uids.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A Zeek-like id: the prefix and 17 base62 digits derived from (seed, counter): the
/// 128-bit value `mix(seed ^ mix(n)) << 64 | mix(n ^ 0xa5a5a5a5)` written in base 62, least
/// significant digit first.
fn make_uid(prefix: char, seed: u64, n: u64) -> Str {
    // The 128-bit value as four 32-bit limbs, most significant first; dividing limb by limb
    // by 62 keeps every step in u64 (no 128-bit division).
    let hi = mix(seed ^ mix(n));
    let lo = mix(n ^ 0xa5a5_a5a5);
    let mut limbs = [hi >> 32, hi & 0xffff_ffff, lo >> 32, lo & 0xffff_ffff];
    let mut out = [0u8; 18];
    out[0] = prefix as u8;
    for d in out.iter_mut().skip(1) {
        let mut rem = 0u64;
        for l in limbs.iter_mut() {
            let cur = (rem << 32) | *l;
            *l = cur / 62;
            rem = cur % 62;
        }
        *d = B62[rem as usize];
    }
    // Every byte is ASCII (the prefix and base62 digits).
    Str::from(std::str::from_utf8(&out).unwrap_or_default())
}

impl PacketEngine {
    /// An engine with the given settings.
    pub fn new(cfg: EngineConfig) -> Self {
        PacketEngine {
            cfg,
            flows: HashMap::default(),
            clock: Clock {
                heap: BinaryHeap::new(),
            },
            frags: Reassembler::default(),
            out: VecDeque::new(),
            stats: EngineStats::default(),
            next_id: 0,
            now: f64::NEG_INFINITY,
            weird_counts: HashMap::default(),
            dhcp: VecDeque::new(),
            software_seen: HashSet::default(),
            tunnels_seen: HashSet::default(),
            fuid_counter: 0,
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// Flows currently tracked.
    pub fn open_flows(&self) -> usize {
        self.flows.len()
    }

    /// Takes the next finished record.
    pub fn pop(&mut self) -> Option<Record> {
        self.out.pop_front()
    }

    /// Takes all finished records.
    pub fn drain(&mut self) -> impl Iterator<Item = Record> + '_ {
        self.out.drain(..)
    }

    /// Ends every open flow and transaction (end of input): their records become available.
    /// Flows are emitted in the order they started.
    pub fn finish(&mut self) {
        let mut all: Vec<Box<Conn>> = self.flows.drain().map(|(_, c)| c).collect();
        all.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.id.cmp(&b.id)));
        self.clock.heap.clear();
        for c in all {
            self.emit_conn(*c);
        }
        while let Some(t) = self.dhcp.pop_front() {
            self.emit(Record::Dhcp(Box::new(t.rec)));
        }
    }

    /// Advances packet time without a packet (live capture idle): ends flows whose timeout
    /// passed.
    pub fn advance(&mut self, ts: f64) {
        if ts.is_finite() && ts > self.now {
            self.now = ts;
            self.expire();
        }
    }

    fn emit(&mut self, r: Record) {
        self.stats.records += 1;
        self.out.push_back(r);
    }

    fn weird(
        &mut self,
        ts: f64,
        name: &'static str,
        conn: Option<(Str, Endpoints)>,
        addl: Option<Str>,
    ) {
        self.stats.weirds += 1;
        let n = self.weird_counts.entry(name).or_insert(0);
        *n += 1;
        if *n > self.cfg.max_weirds_per_name {
            return;
        }
        let (uid, id) = match conn {
            Some((u, e)) => (Some(u), Some(e)),
            None => (None, None),
        };
        self.emit(Record::Weird(Box::new(Weird {
            ts: ts_of(ts),
            uid,
            id,
            name: Str::from(name),
            addl,
            notice: Some(false),
            peer: Some(Str::from("slips")),
        })));
    }

    /// Feeds one captured packet. `ts` is the capture time in seconds since the epoch; `wire_len`
    /// the original length on the wire (counted in `bytes`).
    pub fn feed(&mut self, ts: f64, link: LinkType, data: &[u8], wire_len: u32) {
        let ts = if ts.is_finite() {
            ts
        } else {
            self.now.max(0.0)
        };
        self.stats.packets += 1;
        self.stats.bytes += u64::from(wire_len.max(data.len() as u32));
        if ts > self.now {
            let check = ts.floor() > self.now.floor();
            self.now = ts;
            if check {
                self.expire();
            }
        }
        let l2 = match decode::link(link, data) {
            Ok(l2) => l2,
            Err(w) => {
                self.weird(ts, w, None, None);
                return;
            }
        };
        match l2.ethertype {
            ETH_IPV4 | ETH_IPV6 => self.ip(ts, l2.src_mac, l2.dst_mac, l2.ethertype, l2.payload, 0),
            ETH_ARP => match decode::arp(l2.payload) {
                Ok(a) => {
                    let rec = Arp {
                        ts: ts_of(ts),
                        operation: a.op,
                        src_mac: l2.src_mac,
                        dst_mac: l2.dst_mac,
                        saddr: Some(IpAddr::V4(a.spa)),
                        daddr: Some(IpAddr::V4(a.tpa)),
                        src_hw: Some(a.sha),
                        dst_hw: Some(a.tha),
                    };
                    self.emit(Record::Arp(Box::new(rec)));
                }
                Err(w) => self.weird(ts, w, None, None),
            },
            _ => self.stats.non_ip += 1,
        }
    }

    fn ip(&mut self, ts: f64, smac: Option<Mac>, dmac: Option<Mac>, et: u16, p: &[u8], depth: u8) {
        let parsed = if et == ETH_IPV4 {
            decode::ipv4(p)
        } else {
            decode::ipv6(p)
        };
        let ip = match parsed {
            Ok(ip) => ip,
            Err(w) => {
                self.weird(ts, w, None, None);
                return;
            }
        };
        if let Some(f) = ip.frag {
            if ip.missing > 0 {
                self.weird(ts, "incompletely_captured_fragment", None, None);
                return;
            }
            match self.frags.add(
                ts, ip.src, ip.dst, ip.proto, f.id, f.offset, f.more, ip.payload,
            ) {
                FragOut::Done(whole) => {
                    self.stats.reassembled += 1;
                    let ip_len = whole.len() as u32 + if et == ETH_IPV4 { 20 } else { 40 };
                    self.transport(
                        ts, smac, dmac, ip.src, ip.dst, ip.proto, ip_len, &whole, 0, depth,
                    );
                }
                FragOut::Pending => {}
                FragOut::Weird(w) => self.weird(ts, w, None, None),
            }
            return;
        }
        self.transport(
            ts, smac, dmac, ip.src, ip.dst, ip.proto, ip.ip_len, ip.payload, ip.missing, depth,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn transport(
        &mut self,
        ts: f64,
        smac: Option<Mac>,
        dmac: Option<Mac>,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        ip_len: u32,
        p: &[u8],
        missing: u32,
        depth: u8,
    ) {
        match proto {
            6 => match decode::tcp(p) {
                Ok(h) => {
                    let announced = (p.len() as u64 + u64::from(missing))
                        .saturating_sub((p.len() - h.payload.len()) as u64);
                    self.tcp(ts, smac, dmac, src, dst, ip_len, &h, announced);
                }
                Err(w) => self.weird(ts, w, None, None),
            },
            17 => match decode::udp(p) {
                Ok(u) => {
                    let announced = u64::from(decode::be16(p, 4).unwrap_or(0))
                        .saturating_sub(8)
                        .max(u.payload.len() as u64);
                    self.udp(
                        ts, smac, dmac, src, dst, ip_len, u.sport, u.dport, u.payload, announced,
                    );
                }
                Err(w) => self.weird(ts, w, None, None),
            },
            1 | 58 => match decode::icmp(p) {
                Ok((t, code, body)) => {
                    let v6 = proto == 58;
                    let (sp, dp) = match decode::icmp_counterpart(v6, t) {
                        Some((cp, _)) => (u16::from(t), u16::from(cp)),
                        None => (u16::from(t), u16::from(code)),
                    };
                    let plen = (p.len() as u64 + u64::from(missing)).saturating_sub(8);
                    let _ = body;
                    self.simple_flow(ts, smac, dmac, proto, src, sp, dst, dp, ip_len, plen, None);
                }
                Err(w) => self.weird(ts, w, None, None),
            },
            47 if depth < 2 => self.gre(ts, src, dst, p, depth),
            4 | 41 if depth < 2 => {
                self.tunnel_seen(ts, src, dst, "Tunnel::IP");
                let et = if proto == 4 { ETH_IPV4 } else { ETH_IPV6 };
                self.ip(ts, None, None, et, p, depth + 1);
            }
            2 | 47 | 4 | 41 | 50 | 51 | 59 | 89 | 103 | 112 | 132 => {
                // IGMP, ESP, OSPF, PIM, VRRP, SCTP...: not logged in conn.log by Zeek.
            }
            _ => self.weird(
                ts,
                "unknown_protocol",
                None,
                Some(format_compact!("{proto}")),
            ),
        }
    }

    fn tunnel_seen(&mut self, ts: f64, src: IpAddr, dst: IpAddr, kind: &'static str) {
        if self.tunnels_seen.len() < 65_536 && self.tunnels_seen.insert((src, dst)) {
            self.emit(Record::Tunnel(Box::new(Tunnel {
                ts: ts_of(ts),
                uid: None,
                id: Some(Endpoints {
                    saddr: src,
                    sport: 0,
                    daddr: dst,
                    dport: 0,
                }),
                tunnel_type: Some(Str::from(kind)),
                action: Some(Str::from("Tunnel::DISCOVER")),
            })));
        }
    }

    fn gre(&mut self, ts: f64, src: IpAddr, dst: IpAddr, p: &[u8], depth: u8) {
        let (Some(flags), Some(pt)) = (decode::be16(p, 0), decode::be16(p, 2)) else {
            self.weird(ts, "truncated_GRE", None, None);
            return;
        };
        let mut off = 4;
        if flags & 0x8000 != 0 {
            off += 4;
        }
        if flags & 0x2000 != 0 {
            off += 4;
        }
        if flags & 0x1000 != 0 {
            off += 4;
        }
        let Some(inner) = p.get(off..) else {
            self.weird(ts, "truncated_GRE", None, None);
            return;
        };
        self.tunnel_seen(ts, src, dst, "Tunnel::GRE");
        match pt {
            ETH_IPV4 | ETH_IPV6 => self.ip(ts, None, None, pt, inner, depth + 1),
            0x6558 => {
                if let Ok(l2) = decode::link(LinkType::Ethernet, inner) {
                    if matches!(l2.ethertype, ETH_IPV4 | ETH_IPV6) {
                        self.ip(
                            ts,
                            l2.src_mac,
                            l2.dst_mac,
                            l2.ethertype,
                            l2.payload,
                            depth + 1,
                        );
                    }
                }
            }
            _ => self.weird(ts, "unknown_gre_protocol", None, None),
        }
    }

    /// Takes the connection of a packet out of the table, or creates it (`flip` says whether
    /// a new one is oriented against the packet). Returns it with "the packet is from the
    /// originator"; the caller puts it back with `self.flows.insert(key, c)`. One hash lookup
    /// for a known flow (the remove) plus the insert.
    #[allow(clippy::too_many_arguments)]
    fn take_conn(
        &mut self,
        ts: f64,
        key: Key,
        src: IpAddr,
        sp: u16,
        dst: IpAddr,
        dp: u16,
        smac: Option<Mac>,
        dmac: Option<Mac>,
        flip: impl FnOnce() -> bool,
    ) -> (Box<Conn>, bool) {
        if let Some(c) = self.flows.remove(&key) {
            let from_orig = c.orig == (src, sp);
            return (c, from_orig);
        }
        let flip = flip();
        if self.flows.len() >= self.cfg.max_flows {
            self.evict_one();
        }
        let id = self.next_id;
        self.next_id += 1;
        let uid = make_uid('C', self.cfg.uid_seed, id);
        let (orig, resp, om, rm) = if flip {
            ((dst, dp), (src, sp), dmac, smac)
        } else {
            ((src, sp), (dst, dp), smac, dmac)
        };
        let mut c = Conn {
            id,
            uid,
            proto: key.proto,
            orig,
            resp,
            start: ts,
            last: ts,
            o: Ep::default(),
            r: Ep::default(),
            history: Str::default(),
            hist_mask: 0,
            orig_mac: om,
            resp_mac: rm,
            services: Vec::new(),
            app: if self.cfg.app_layer {
                App::Undetermined
            } else {
                App::Off
            },
        };
        if flip && key.proto == 6 {
            c.history.push('^');
        }
        let timeout = self.timeout_of(&c);
        self.clock
            .heap
            .push(Reverse((micros(ts + timeout), id, key)));
        (Box::new(c), !flip)
    }

    fn timeout_of(&self, c: &Conn) -> f64 {
        match c.proto {
            6 if c.terminal() => self.cfg.close_delay,
            6 => self.cfg.tcp_inactivity,
            17 => self.cfg.udp_inactivity,
            _ => self.cfg.icmp_inactivity,
        }
    }

    fn evict_one(&mut self) {
        while let Some(Reverse((_, id, key))) = self.clock.heap.pop() {
            if self.flows.get(&key).is_some_and(|c| c.id == id) {
                if let Some(c) = self.flows.remove(&key) {
                    self.stats.evictions += 1;
                    self.emit_conn(*c);
                }
                return;
            }
        }
    }

    fn expire(&mut self) {
        let now = micros(self.now);
        while let Some(Reverse((deadline, id, key))) = self.clock.heap.peek().copied() {
            if deadline > now {
                break;
            }
            self.clock.heap.pop();
            let Some(c) = self.flows.get(&key) else {
                continue;
            };
            if c.id != id {
                continue;
            }
            let due = micros(c.last + self.timeout_of(c));
            if due > now {
                self.clock.heap.push(Reverse((due, id, key)));
                continue;
            }
            if let Some(c) = self.flows.remove(&key) {
                self.emit_conn(*c);
            }
        }
        while self
            .dhcp
            .front()
            .is_some_and(|t| self.now - t.first > DHCP_WATCH)
        {
            if let Some(t) = self.dhcp.pop_front() {
                self.emit(Record::Dhcp(Box::new(t.rec)));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(
        &mut self,
        ts: f64,
        smac: Option<Mac>,
        dmac: Option<Mac>,
        src: IpAddr,
        dst: IpAddr,
        ip_len: u32,
        h: &TcpHdr,
        plen: u64,
    ) {
        let syn = h.flags & TCP_SYN != 0;
        let ack = h.flags & TCP_ACK != 0;
        let key = Key::new(6, src, h.sport, dst, h.dport);
        // Connection reuse: a new SYN on a finished connection starts a new one.
        if syn && !ack {
            let reuse = self.flows.get(&key).is_some_and(|c| {
                let from_orig = c.orig == (src, h.sport);
                c.terminal() && (!from_orig || c.o.isn != Some(h.seq))
            });
            if reuse {
                if let Some(c) = self.flows.remove(&key) {
                    self.emit_conn(*c);
                }
            }
        }
        let flip = || {
            if syn {
                ack
            } else {
                likely_server(h.sport) && !likely_server(h.dport)
            }
        };
        let (mut c, from_orig) =
            self.take_conn(ts, key, src, h.sport, dst, h.dport, smac, dmac, flip);
        c.last = c.last.max(ts);
        let was_terminal = c.terminal();
        let mut weirds: Vec<&'static str> = Vec::new();
        tcp_update(&mut c, from_orig, h, plen, ip_len, &mut weirds);
        if !was_terminal && c.terminal() {
            // Closed or reset: it ends after the close delay, not the inactivity timeout the
            // timer was set for (that matters for live capture, where no end of file comes).
            let due = micros(c.last + self.cfg.close_delay);
            self.clock.heap.push(Reverse((due, c.id, key)));
        }
        if !h.payload.is_empty() && c.app.wants_data() {
            self.tcp_deliver(ts, &mut c, from_orig, h, syn);
        }
        let info = (c.uid.clone(), c.endpoints());
        self.flows.insert(key, c);
        for w in weirds {
            self.weird(ts, w, Some(info.clone()), None);
        }
    }

    fn tcp_deliver(&mut self, ts: f64, c: &mut Conn, from_orig: bool, h: &TcpHdr, syn: bool) {
        let ep = if from_orig { &mut c.o } else { &mut c.r };
        let Some(isn) = ep.isn else { return };
        let rel = u64::from(h.seq.wrapping_sub(isn)) + u64::from(syn);
        ep.stream.start_at(ep.data_start);
        let d = match ep.stream.segment(rel, h.payload) {
            Seg::Deliver(d) => d,
            Seg::Retransmit | Seg::Held => return,
        };
        if !d.is_empty() {
            self.app_data(ts, c, from_orig, d);
        }
        loop {
            let ep = if from_orig { &mut c.o } else { &mut c.r };
            let Some(more) = ep.stream.pop_ready() else {
                break;
            };
            if !more.is_empty() {
                self.app_data(ts, c, from_orig, &more);
            }
        }
    }

    fn app_data(&mut self, ts: f64, c: &mut Conn, from_orig: bool, d: &[u8]) {
        if matches!(c.app, App::Undetermined) {
            let ep = if from_orig { &mut c.o } else { &mut c.r };
            ep.detect_tries += 1;
            let tries = c.o.detect_tries + c.r.detect_tries;
            c.app = if from_orig && http::looks_like_request(d) {
                App::Http(Box::default())
            } else if from_orig && tls::looks_like_client_hello(d) {
                App::Tls(Box::default())
            } else if banner::looks_like_ssh(d) {
                App::Ssh(Box::default())
            } else if !from_orig && d.starts_with(b"220") && banner::looks_like_ftp(d, c.resp.1) {
                App::Ftp(Box::default())
            } else if !from_orig && d.starts_with(b"220") {
                App::Smtp(Box::default())
            } else if from_orig && is_dns_tcp(d) {
                App::Dns(Box::default())
            } else if tries >= MAX_DETECT_TRIES {
                App::Off
            } else {
                App::Undetermined
            };
        }
        let ep = c.endpoints();
        let uid = c.uid.clone();
        match &mut c.app {
            App::Http(hc) => {
                if from_orig {
                    hc.client(ts, d);
                } else {
                    hc.server(ts, d);
                }
                if !hc.done.is_empty() {
                    let done: Vec<_> = hc.done.drain(..).collect();
                    c.add_service("http");
                    for t in done {
                        self.emit_http(&uid, ep, t);
                    }
                }
            }
            App::Tls(t) => {
                t.data(from_orig, d);
                if t.cert_ts.is_none() && !t.info.certs.is_empty() {
                    t.cert_ts = Some(ts);
                }
                if t.saw_client_hello {
                    c.add_service("ssl");
                }
            }
            App::Ssh(s) => {
                if c.o.stream.missed + c.r.stream.missed > 0 {
                    s.had_gap = true;
                }
                s.data(from_orig, d);
                if s.client.is_some() || s.server.is_some() {
                    if s.ts.is_none() {
                        s.ts = Some(ts);
                    }
                    c.add_service("ssh");
                }
            }
            App::Ftp(f) => {
                f.data(ts, from_orig, d);
                if !f.done.is_empty() {
                    c.add_service("ftp");
                }
            }
            App::Smtp(s) => {
                s.data(ts, from_orig, d);
                if s.saw_client_command {
                    c.add_service("smtp");
                }
            }
            App::Dns(st) => {
                let buf = &mut st.tcp_buf[usize::from(!from_orig)];
                if buf.len() + d.len() > 70_000 {
                    buf.clear();
                    return;
                }
                buf.extend_from_slice(d);
                let mut msgs = Vec::new();
                while buf.len() >= 2 {
                    let l = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
                    if buf.len() < 2 + l {
                        break;
                    }
                    let m: Vec<u8> = buf.drain(..2 + l).skip(2).collect();
                    msgs.push(m);
                }
                for m in msgs {
                    if let Some(msg) = dns::parse(&m) {
                        c.add_service("dns");
                        self.dns_msg(ts, c, msg, Proto::Tcp);
                    }
                }
            }
            App::Undetermined | App::Off | App::Dhcp => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn udp(
        &mut self,
        ts: f64,
        smac: Option<Mac>,
        dmac: Option<Mac>,
        src: IpAddr,
        dst: IpAddr,
        ip_len: u32,
        sp: u16,
        dp: u16,
        payload: &[u8],
        plen: u64,
    ) {
        self.simple_flow(
            ts,
            smac,
            dmac,
            17,
            src,
            sp,
            dst,
            dp,
            ip_len,
            plen,
            Some(payload),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn simple_flow(
        &mut self,
        ts: f64,
        smac: Option<Mac>,
        dmac: Option<Mac>,
        proto: u8,
        src: IpAddr,
        sp: u16,
        dst: IpAddr,
        dp: u16,
        ip_len: u32,
        plen: u64,
        udp_payload: Option<&[u8]>,
    ) {
        let key = Key::new(proto, src, sp, dst, dp);
        let flip = || match proto {
            17 => likely_server(sp) && !likely_server(dp),
            // ICMP replies seen first: the requester is the originator.
            _ => {
                let v6 = proto == 58;
                decode::icmp_counterpart(v6, sp as u8).is_some_and(|(_, req)| !req)
            }
        };
        let (mut c, from_orig) = self.take_conn(ts, key, src, sp, dst, dp, smac, dmac, flip);
        c.last = c.last.max(ts);
        {
            let ep = if from_orig { &mut c.o } else { &mut c.r };
            ep.pkts += 1;
            ep.ip_bytes += u64::from(ip_len);
            ep.bytes += plen;
        }
        if proto == 17 {
            let letter = b'D';
            c.hist_once(from_orig, letter);
            if let Some(p) = udp_payload {
                if !matches!(c.app, App::Off) && !p.is_empty() {
                    self.udp_app(ts, &mut c, from_orig, p);
                }
            }
        }
        self.flows.insert(key, c);
    }

    fn udp_app(&mut self, ts: f64, c: &mut Conn, from_orig: bool, p: &[u8]) {
        let ports = [c.orig.1, c.resp.1];
        let dns_port = ports.iter().any(|p| matches!(p, 53 | 5353 | 5355 | 137));
        match &c.app {
            App::Dhcp => {
                if let Some(d) = dhcp::parse(p) {
                    self.dhcp_msg(ts, c, from_orig, d);
                }
            }
            App::Undetermined | App::Dns(_) => {
                if let Some(d) = dhcp::parse(p).filter(|_| matches!(c.app, App::Undetermined)) {
                    c.add_service("dhcp");
                    c.app = App::Dhcp;
                    self.dhcp_msg(ts, c, from_orig, d);
                    return;
                }
                if let Some(m) = dns::parse(p).filter(|m| dns_port || m.exact) {
                    c.add_service("dns");
                    if matches!(c.app, App::Undetermined) {
                        c.app = App::Dns(Box::default());
                    }
                    self.dns_msg(ts, c, m, Proto::Udp);
                    return;
                }
                if matches!(c.app, App::Undetermined) {
                    if is_ntp(p) {
                        c.add_service("ntp");
                        c.app = App::Off;
                        return;
                    }
                    let ep = if from_orig { &mut c.o } else { &mut c.r };
                    ep.detect_tries += 1;
                    if c.o.detect_tries + c.r.detect_tries >= MAX_DETECT_TRIES {
                        c.app = App::Off;
                    }
                }
            }
            _ => {}
        }
    }

    fn dns_msg(&mut self, ts: f64, c: &mut Conn, m: DnsMsg, proto: Proto) {
        let id = c.endpoints();
        let App::Dns(st) = &mut c.app else { return };
        if !m.is_response {
            if st.pending.len() >= MAX_DNS_PENDING {
                if let Some((qts, q)) = st.pending.pop_front() {
                    let r = dns_record(&c.uid, id, proto, qts, Some(&q), None);
                    self.emit(Record::Dns(Box::new(r)));
                }
            }
            st.pending.push_back((ts, m));
            return;
        }
        let pos = st.pending.iter().position(|(_, q)| q.id == m.id);
        let r = match pos.and_then(|i| st.pending.remove(i)) {
            Some((qts, q)) => dns_record(&c.uid, id, proto, qts, Some(&q), Some((ts, &m))),
            None => dns_record(&c.uid, id, proto, ts, None, Some((ts, &m))),
        };
        self.emit(Record::Dns(Box::new(r)));
    }

    fn dhcp_msg(&mut self, ts: f64, c: &Conn, from_orig: bool, m: dhcp::DhcpMsg) {
        let (src, _) = if from_orig { c.orig } else { c.resp };
        let i = match self.dhcp.iter().position(|t| t.xid == m.xid) {
            Some(i) => i,
            None => {
                if self.dhcp.len() >= MAX_DHCP_PENDING {
                    if let Some(t) = self.dhcp.pop_front() {
                        self.emit(Record::Dhcp(Box::new(t.rec)));
                    }
                }
                self.dhcp.push_back(DhcpTxn {
                    xid: m.xid,
                    first: ts,
                    rec: Dhcp {
                        ts: ts_of(ts),
                        ..Default::default()
                    },
                });
                self.dhcp.len() - 1
            }
        };
        let Some(t) = self.dhcp.get_mut(i) else {
            return;
        };
        let r = &mut t.rec;
        if !r.uids.contains(&c.uid) && r.uids.len() < 8 {
            r.uids.push(c.uid.clone());
        }
        if let Some(mt) = m.msg_type {
            if r.msg_types.len() < 16 {
                r.msg_types.push(dhcp::msg_type_name(mt));
            }
        }
        let unspecified = |ip: std::net::Ipv4Addr| ip.is_unspecified();
        if m.op == 1 {
            if r.mac.is_none() {
                r.mac = m.chaddr;
            }
            if !unspecified(m.ciaddr) {
                r.client_addr = Some(IpAddr::V4(m.ciaddr));
            } else if !src.is_unspecified() && r.client_addr.is_none() {
                r.client_addr = Some(src);
            }
            if m.requested.is_some() {
                r.requested_addr = m.requested.map(IpAddr::V4);
            }
            if m.host_name.is_some() {
                r.host_name = m.host_name;
            }
            if m.client_fqdn.is_some() {
                r.client_fqdn = m.client_fqdn;
            }
        } else {
            r.server_addr = m.server_id.map(IpAddr::V4).or(Some(src));
            if m.domain.is_some() {
                r.domain = m.domain;
            }
            if m.msg_type == Some(5) {
                if !unspecified(m.yiaddr) {
                    r.assigned_addr = Some(IpAddr::V4(m.yiaddr));
                }
                r.lease_time = m.lease.map(f64::from);
            }
            if r.mac.is_none() {
                r.mac = m.chaddr;
            }
        }
        // A transaction ends with ACK or NAK (or a client RELEASE / DECLINE).
        if matches!(m.msg_type, Some(4..=7)) {
            if let Some(t) = self.dhcp.remove(i) {
                self.emit(Record::Dhcp(Box::new(t.rec)));
            }
        }
    }

    fn emit_http(&mut self, uid: &Str, id: Endpoints, t: http::HttpTxn) {
        let mut fuids = Vec::new();
        let mut mimes = Vec::new();
        if let Some(m) = &t.resp_mime {
            mimes.push(m.clone());
        }
        if let (Some(md5), Some(sha1)) = (&t.md5, &t.sha1) {
            self.fuid_counter += 1;
            let fuid = make_uid('F', self.cfg.uid_seed, self.fuid_counter);
            fuids.push(fuid.clone());
            let f = Files {
                ts: ts_of(t.resp_ts.unwrap_or(t.ts)),
                fuid,
                tx_hosts: vec![id.daddr],
                rx_hosts: vec![id.saddr],
                conn_uids: vec![uid.clone()],
                source: Some(Str::from("HTTP")),
                analyzers: vec![Str::from("MD5"), Str::from("SHA1")],
                mime_type: t.resp_mime.clone(),
                filename: None,
                seen_bytes: t.resp_body_len,
                total_bytes: Some(t.resp_body_len),
                md5: Some(md5.clone()),
                sha1: Some(sha1.clone()),
                sha256: None,
            };
            self.emit(Record::Files(Box::new(f)));
        }
        if let Some(ua) = &t.user_agent {
            self.software(t.ts, id.saddr, None, "HTTP::BROWSER", ua);
        }
        if let Some(sv) = &t.server {
            self.software(t.ts, id.daddr, Some(id.dport), "HTTP::SERVER", sv);
        }
        let h = Http {
            ts: ts_of(t.ts),
            uid: uid.clone(),
            id: Some(id),
            trans_depth: Some(t.depth),
            method: t.method,
            host: t.host,
            uri: t.uri,
            referrer: t.referrer,
            version: t.version,
            user_agent: t.user_agent,
            request_body_len: t.req_body_len,
            response_body_len: t.resp_body_len,
            status_code: t.status,
            status_msg: t.status_msg,
            resp_fuids: fuids,
            resp_mime_types: mimes,
        };
        self.emit(Record::Http(Box::new(h)));
    }

    fn software(&mut self, ts: f64, host: IpAddr, port: Option<u16>, kind: &'static str, s: &str) {
        let unparsed = Str::from(s);
        if self.software_seen.len() >= MAX_SOFTWARE_SEEN
            || !self.software_seen.insert((host, unparsed.clone()))
        {
            return;
        }
        self.emit(Record::Software(Box::new(Software::from_banner(
            ts_of(ts),
            host,
            port,
            kind,
            unparsed,
        ))));
    }

    fn emit_conn(&mut self, mut c: Conn) {
        let id = c.endpoints();
        let start = c.start;
        // Deliver what waits behind holes (counted as missed bytes).
        if c.proto == 6 && !matches!(c.app, App::Off | App::Undetermined) {
            for from_orig in [true, false] {
                loop {
                    let ep = if from_orig { &mut c.o } else { &mut c.r };
                    if !ep.stream.skip_hole() {
                        break;
                    }
                    let mut chunks = Vec::new();
                    while let Some(d) = ep.stream.pop_ready() {
                        chunks.push(d);
                    }
                    if chunks.is_empty() {
                        break;
                    }
                    for d in chunks {
                        let ts = c.last;
                        self.app_data(ts, &mut c, from_orig, &d);
                    }
                }
            }
        }
        match std::mem::replace(&mut c.app, App::Off) {
            App::Dns(mut st) => {
                let proto = if c.proto == 6 { Proto::Tcp } else { Proto::Udp };
                for (qts, q) in st.pending.drain(..) {
                    let r = dns_record(&c.uid, id, proto, qts, Some(&q), None);
                    self.emit(Record::Dns(Box::new(r)));
                }
            }
            App::Http(mut h) => {
                h.close();
                if !h.done.is_empty() {
                    c.add_service("http");
                }
                for t in h.done.drain(..) {
                    self.emit_http(&c.uid, id, t);
                }
            }
            App::Tls(t) => {
                if t.saw_client_hello {
                    self.emit_ssl(&c, id, &t);
                }
            }
            App::Ssh(s) => {
                if s.client.is_some() || s.server.is_some() {
                    let start = s.ts.unwrap_or(start);
                    if let Some(cl) = &s.client {
                        self.software(
                            start,
                            id.saddr,
                            None,
                            "SSH::CLIENT",
                            banner::ssh_software(cl),
                        );
                    }
                    if let Some(sv) = &s.server {
                        self.software(
                            start,
                            id.daddr,
                            Some(id.dport),
                            "SSH::SERVER",
                            banner::ssh_software(sv),
                        );
                    }
                    let alg = s.algorithms.clone().unwrap_or_default();
                    let some = |x: Str| (!x.is_empty()).then_some(x);
                    let r = Ssh {
                        ts: ts_of(start),
                        uid: c.uid.clone(),
                        id: Some(id),
                        version: s.version(),
                        auth_success: s.auth_success,
                        auth_attempts: Some(s.auth_attempts),
                        direction: None,
                        client: s.client.clone(),
                        server: s.server.clone(),
                        cipher_alg: some(alg.cipher),
                        mac_alg: some(alg.mac),
                        compression_alg: some(alg.compression),
                        kex_alg: some(alg.kex),
                        host_key_alg: some(alg.host_key),
                        host_key: s.host_key.clone(),
                    };
                    self.emit(Record::Ssh(Box::new(r)));
                }
            }
            App::Ftp(f) => {
                for (t, command, arg, code, msg) in f.done {
                    self.emit(Record::Ftp(Box::new(Ftp {
                        ts: ts_of(t),
                        uid: c.uid.clone(),
                        id: Some(id),
                        user: f.user.clone(),
                        command: Some(command),
                        arg,
                        reply_code: Some(code),
                        reply_msg: Some(msg),
                        data_channel_resp_p: None,
                    })));
                }
            }
            App::Smtp(s) => {
                // One record per refused login (several logins share a connection, as
                // password guessing does), then the session's own record unless its last
                // reply was the last refusal.
                let last_is_failure = s.failures.last().map(|(_, r)| r) == s.last_reply.as_ref();
                for (fts, reply) in s.failures {
                    self.emit(Record::Smtp(Box::new(Smtp {
                        ts: ts_of(fts),
                        uid: c.uid.clone(),
                        id: Some(id),
                        helo: s.helo.clone(),
                        mailfrom: None,
                        rcptto: Vec::new(),
                        last_reply: Some(reply),
                        user_agent: None,
                    })));
                }
                if s.saw_client_command && !last_is_failure {
                    let r = Smtp {
                        ts: ts_of(start),
                        uid: c.uid.clone(),
                        id: Some(id),
                        helo: s.helo,
                        mailfrom: s.mailfrom,
                        rcptto: s.rcptto,
                        last_reply: s.last_reply,
                        user_agent: s.user_agent,
                    };
                    self.emit(Record::Smtp(Box::new(r)));
                }
            }
            App::Undetermined | App::Off | App::Dhcp => {}
        }
        let state = c.state();
        let (sbytes, dbytes) = if c.proto == 6 {
            (
                c.o.max_end.saturating_sub(c.o.data_start),
                c.r.max_end.saturating_sub(c.r.data_start),
            )
        } else {
            (c.o.bytes, c.r.bytes)
        };
        let proto = match c.proto {
            6 => Proto::Tcp,
            17 => Proto::Udp,
            _ => Proto::Icmp,
        };
        let duration = c.last - c.start;
        let service = if c.services.is_empty() {
            None
        } else {
            let mut s = Str::default();
            for (i, x) in c.services.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(x);
            }
            Some(s)
        };
        let rec = slips_core::Conn {
            ts: ts_of(c.start),
            uid: c.uid,
            saddr: Some(c.orig.0),
            sport: c.orig.1,
            daddr: Some(c.resp.0),
            dport: c.resp.1,
            proto: Some(proto),
            service,
            duration: if duration > 0.0 { duration } else { 0.0 },
            sbytes,
            dbytes,
            state,
            history: std::mem::take(&mut c.history),
            spkts: c.o.pkts,
            dpkts: c.r.pkts,
            sip_bytes: c.o.ip_bytes,
            dip_bytes: c.r.ip_bytes,
            missed_bytes: c.o.stream.missed + c.r.stream.missed,
            smac: c.orig_mac,
            dmac: c.resp_mac,
        };
        self.stats.flows += 1;
        self.emit(Record::Conn(rec));
    }

    /// The ssl record and, as Zeek does, one files and one x509 record per server
    /// certificate (file ids in `cert_chain`, as Zeek's `cert_chain_fuids`).
    fn emit_ssl(&mut self, c: &Conn, id: Endpoints, t: &TlsConn) {
        let i = &t.info;
        let now = c.start;
        let leaf = i.certs.first().and_then(|x| x.info.as_ref());
        let validation = match leaf {
            Some(l) if l.not_before.is_some_and(|nb| (now as i64) < nb) => {
                Some(Str::from("certificate is not yet valid"))
            }
            Some(l) if l.not_after.is_some_and(|na| (now as i64) > na) => {
                Some(Str::from("certificate has expired"))
            }
            Some(l) if l.subject == l.issuer && i.certs.len() == 1 => {
                Some(Str::from("self signed certificate"))
            }
            _ => None,
        };
        let cts = ts_of(t.cert_ts.unwrap_or(now));
        let mut chain = Vec::with_capacity(i.certs.len());
        for (n, cert) in i.certs.iter().enumerate() {
            self.fuid_counter += 1;
            let fuid = make_uid('F', self.cfg.uid_seed, self.fuid_counter);
            let mime = if n == 0 {
                "application/x-x509-user-cert"
            } else {
                "application/x-x509-ca-cert"
            };
            self.emit(Record::Files(Box::new(Files {
                ts: cts,
                fuid: fuid.clone(),
                tx_hosts: vec![id.daddr],
                rx_hosts: vec![id.saddr],
                conn_uids: vec![c.uid.clone()],
                source: Some(Str::from("SSL")),
                analyzers: vec![Str::from("MD5"), Str::from("SHA1"), Str::from("X509")],
                mime_type: Some(Str::from(mime)),
                filename: None,
                seen_bytes: cert.len,
                total_bytes: None,
                md5: Some(cert.md5.clone()),
                sha1: Some(cert.sha1.clone()),
                sha256: None,
            })));
            if let Some(x) = &cert.info {
                self.emit(Record::X509(Box::new(X509 {
                    ts: cts,
                    id: fuid.clone(),
                    version: x.version,
                    serial: x.serial.clone(),
                    subject: Some(x.subject.clone()),
                    issuer: Some(x.issuer.clone()),
                    not_valid_before: x.not_before.map(|v| Timestamp::from_secs(v as f64)),
                    not_valid_after: x.not_after.map(|v| Timestamp::from_secs(v as f64)),
                    key_alg: x.key_alg.clone(),
                    sig_alg: x.sig_alg.clone(),
                    key_type: x.key_type.clone(),
                    key_length: x.key_length,
                    san_dns: x.san_dns.clone(),
                    san_ip: x.san_ip.clone(),
                    basic_constraints_ca: x.basic_constraints_ca,
                })));
            }
            chain.push(fuid);
        }
        let r = Ssl {
            ts: ts_of(now),
            uid: c.uid.clone(),
            id: Some(id),
            version: i.version.map(tls::version_name),
            cipher: i.cipher.map(tls::cipher_name),
            curve: i.curve.map(tls::curve_name),
            server_name: i.server_name.clone(),
            resumed: Some(i.resumed),
            established: Some(i.client_ccs && i.server_ccs || (i.client_app && i.server_app)),
            cert_chain: chain,
            client_cert_chain: Vec::new(),
            subject: leaf.map(|l| l.subject.clone()),
            issuer: leaf.map(|l| l.issuer.clone()),
            validation_status: validation,
            ja3: i.ja3.clone(),
            ja3s: i.ja3s.clone(),
            is_doh: None,
            ja4: i.ja4.clone(),
        };
        self.emit(Record::Ssl(Box::new(r)));
    }
}

fn is_dns_tcp(d: &[u8]) -> bool {
    if d.len() < 14 {
        return false;
    }
    let l = usize::from(u16::from_be_bytes([d[0], d[1]]));
    l + 2 >= d.len().min(l + 2)
        && d.len() >= l + 2
        && dns::parse(&d[2..2 + l]).is_some_and(|m| m.exact && !m.is_response)
}

fn is_ntp(p: &[u8]) -> bool {
    if !matches!(p.len(), 48 | 52 | 60 | 68 | 72) {
        return false;
    }
    let v = (p[0] >> 3) & 7;
    let mode = p[0] & 7;
    (1..=4).contains(&v) && (1..=5).contains(&mode) && p[1] <= 16
}

fn dns_record(
    uid: &Str,
    id: Endpoints,
    proto: Proto,
    ts: f64,
    q: Option<&DnsMsg>,
    resp: Option<(f64, &DnsMsg)>,
) -> Dns {
    // A reply seen without its query: Zeek's dns script takes the query name from the first
    // answer and leaves the question's type and class unset.
    let src = q.or(resp.map(|r| r.1));
    let mut r = Dns {
        ts: ts_of(ts),
        uid: uid.clone(),
        id: Some(id),
        proto: Some(proto),
        trans_id: src.map(|m| u32::from(m.id)),
        rtt: None,
        query: match q {
            Some(q) => q.query.clone(),
            None => resp.and_then(|r| r.1.answer_name.clone()),
        },
        qclass_name: q.and_then(|m| m.qclass).map(dns::qclass_name),
        qtype: q.and_then(|m| m.qtype),
        qtype_name: q.and_then(|m| m.qtype).map(dns::qtype_name),
        rcode: None,
        rcode_name: None,
        answers: Vec::new(),
        ttls: Vec::new(),
        rejected: Some(false),
    };
    if let Some((rts, m)) = resp {
        if q.is_some() {
            r.rtt = Some(rts - ts);
        }
        r.rcode = Some(m.rcode);
        r.rcode_name = Some(dns::rcode_name(m.rcode));
        r.answers = m.answers.clone();
        r.ttls = m.ttls.clone();
        r.rejected = Some(m.rcode == 5);
    }
    r
}

fn micros(t: f64) -> i64 {
    (t * 1e6) as i64
}

fn ts_of(t: f64) -> Timestamp {
    Timestamp::from_secs(t)
}

/// Log-scale repeat (Zeek: the 2nd letter at 10 occurrences, the 3rd at 100…).
fn log_scale(count: u64) -> bool {
    let mut t = 1;
    while t <= count {
        if t == count {
            return true;
        }
        t = t.saturating_mul(10);
        if t == u64::MAX {
            break;
        }
    }
    false
}

/// Updates counters, sequence tracking, history and the endpoint state machine of a TCP
/// connection for one packet.
fn tcp_update(
    c: &mut Conn,
    from_orig: bool,
    h: &TcpHdr,
    plen: u64,
    ip_len: u32,
    weirds: &mut Vec<&'static str>,
) {
    let f = h.flags;
    let (syn, ack, fin, rst) = (
        f & TCP_SYN != 0,
        f & TCP_ACK != 0,
        f & TCP_FIN != 0,
        f & TCP_RST != 0,
    );
    let (ep, _) = if from_orig {
        (&mut c.o, &mut c.r)
    } else {
        (&mut c.r, &mut c.o)
    };
    ep.pkts += 1;
    ep.ip_bytes += u64::from(ip_len);
    if ep.isn.is_none() && !rst {
        ep.isn = Some(h.seq);
        ep.data_start = u64::from(syn);
        ep.max_end = ep.data_start;
    }
    // Relative sequence of the first payload byte (SYN takes one number).
    let rel = ep
        .isn
        .map(|isn| u64::from(h.seq.wrapping_sub(isn)) + u64::from(syn));
    let rel_ok = rel.filter(|r| *r < 0x8000_0000);
    let prev_end = ep.max_end;
    let mut retransmit = false;
    if let Some(r) = rel_ok {
        if plen > 0 {
            let end = r + plen;
            match ep.gap {
                Some((gs, ge)) if r >= gs && end <= ge => {
                    // Fills (part of) the hole.
                    ep.gap = if r == gs && end == ge {
                        None
                    } else if r == gs {
                        Some((end, ge))
                    } else if end == ge {
                        Some((gs, r))
                    } else {
                        Some((gs, ge))
                    };
                }
                _ => {
                    if end <= prev_end && prev_end > ep.data_start {
                        retransmit = true;
                    }
                }
            }
            if r > prev_end {
                ep.gap = Some((prev_end, r));
            }
            ep.max_end = ep.max_end.max(end);
        }
    }
    let seq_rel = rel.unwrap_or(0);
    // History (Zeek's TCPSessionAdapter::UpdateHistory).
    let bits = u8::from(syn) + u8::from(fin) + u8::from(rst);
    if bits > 1 {
        if fin && rst {
            c.hist_once(from_orig, b'I');
        } else {
            c.hist_once(from_orig, b'Q');
        }
    } else if bits == 1 {
        let ep = if from_orig { &mut c.o } else { &mut c.r };
        if syn {
            let code = if ack { b'H' } else { b'S' };
            let last = ep.last_syn;
            ep.last_syn = Some(seq_rel);
            if !c.hist_once(from_orig, code) && last != Some(seq_rel) {
                c.push_hist(from_orig, code);
            }
        } else if fin {
            let end = seq_rel + plen;
            let last = ep.last_fin;
            ep.last_fin = Some(end);
            if !c.hist_once(from_orig, b'F') && last != Some(end) {
                c.push_hist(from_orig, b'F');
            }
        } else {
            let last = ep.last_rst;
            ep.last_rst = Some(seq_rel);
            if !c.hist_once(from_orig, b'R') && last != Some(seq_rel) {
                c.push_hist(from_orig, b'R');
            }
        }
    } else if plen > 0 {
        c.hist_once(from_orig, b'D');
    } else if ack {
        c.hist_once(from_orig, b'A');
    }
    if retransmit {
        let ep = if from_orig { &mut c.o } else { &mut c.r };
        ep.retx += 1;
        let n = ep.retx;
        if log_scale(n) && !c.hist_once(from_orig, b'T') {
            c.push_hist(from_orig, b'T');
        }
    }
    if ack && h.win == 0 && bits == 0 {
        let ep = if from_orig { &mut c.o } else { &mut c.r };
        ep.zero_win += 1;
        let n = ep.zero_win;
        if log_scale(n) && !c.hist_once(from_orig, b'W') {
            c.push_hist(from_orig, b'W');
        }
    }
    // Endpoint state machine (Zeek's TCPSessionAdapter::UpdateStateMachine).
    let (ep, peer) = if from_orig {
        (&mut c.o, &mut c.r)
    } else {
        (&mut c.r, &mut c.o)
    };
    use TcpSt::*;
    match ep.st {
        Inactive => {
            if syn {
                if from_orig {
                    ep.st = if ack { SynAckSent } else { SynSent };
                } else if ack {
                    match peer.st {
                        SynSent => peer.st = Established,
                        Inactive => weirds.push("unsolicited_SYN_response"),
                        _ => {}
                    }
                    ep.st = Established;
                } else {
                    weirds.push("simultaneous_open");
                    ep.st = SynSent;
                }
            }
            if fin {
                ep.st = Closed;
                if peer.st != Partial && !syn {
                    weirds.push("spontaneous_FIN");
                }
            }
            if rst {
                ep.st = Reset;
            }
            if ep.st == Inactive {
                ep.st = Partial;
            }
        }
        SynSent | SynAckSent => {
            if fin {
                ep.st = Closed;
            }
            if rst {
                ep.st = Reset;
            } else if plen > 0 && peer.st == Inactive {
                weirds.push("data_before_established");
            }
            if !syn && ack && !fin && !rst && peer.st == Established {
                ep.st = Established;
            }
        }
        Partial | Established => {
            if fin && !rst {
                ep.st = Closed;
            }
            if rst {
                ep.st = Reset;
            }
        }
        Closed => {
            if rst {
                ep.st = Reset;
            }
        }
        Reset => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The uid digits are those of the 128-bit value in base 62.
    #[test]
    fn uids_are_base62_of_the_mixed_value() {
        for (seed, n) in [(1u64, 0u64), (0x5eed_5eed, 12345), (u64::MAX, u64::MAX)] {
            let mut v = (u128::from(mix(seed ^ mix(n))) << 64) | u128::from(mix(n ^ 0xa5a5_a5a5));
            let mut want = String::from("C");
            for _ in 0..17 {
                want.push(B62[(v % 62) as usize] as char);
                v /= 62;
            }
            assert_eq!(make_uid('C', seed, n), want);
        }
    }

    #[test]
    fn uids_are_deterministic_and_distinct() {
        let a = make_uid('C', 1, 0);
        assert_eq!(a, make_uid('C', 1, 0));
        assert_ne!(a, make_uid('C', 1, 1));
        assert_ne!(a, make_uid('C', 2, 0));
        assert_eq!(a.len(), 18);
        assert!(a.starts_with('C'));
    }

    #[test]
    fn rstos0_pattern() {
        assert!(rstos0_history("SR"));
        assert!(rstos0_history("^SR"));
        assert!(rstos0_history("STR"));
        // Zeek's class is case-sensitive: only the originator's letters stop the match.
        assert!(rstos0_history("ShR"));
        assert!(!rstos0_history("SHR"));
        assert!(!rstos0_history("SAR"));
        assert!(log_scale(1) && log_scale(10) && log_scale(100) && !log_scale(11));
    }
}

//! Builders of packets and pcap files for the tests.
#![allow(dead_code)]

use slips_core::Record;
use slips_packet::{EngineConfig, PcapSource};

pub const MAC_C: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
pub const MAC_S: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

pub struct Pcap {
    pub buf: Vec<u8>,
    be: bool,
    nanos: bool,
}

impl Pcap {
    pub fn new(link: u32) -> Pcap {
        Self::with(link, false, false)
    }
    pub fn with(link: u32, be: bool, nanos: bool) -> Pcap {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut p = Pcap {
            buf: Vec::new(),
            be,
            nanos,
        };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(65535);
        p.u32(link);
        p
    }
    fn u32(&mut self, v: u32) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    fn u16(&mut self, v: u16) {
        let b = if self.be {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.buf.extend_from_slice(&b);
    }
    pub fn packet(&mut self, ts: f64, data: &[u8]) {
        let secs = ts.floor();
        let frac = ts - secs;
        self.u32(secs as u32);
        let f = if self.nanos {
            (frac * 1e9).round()
        } else {
            (frac * 1e6).round()
        };
        self.u32(f as u32);
        self.u32(data.len() as u32);
        self.u32(data.len() as u32);
        self.buf.extend_from_slice(data);
    }
}

/// A pcapng file with one interface (microsecond resolution).
pub fn pcapng(link: u16, packets: &[(f64, Vec<u8>)]) -> Vec<u8> {
    let mut b = Vec::new();
    // SHB
    b.extend_from_slice(&0x0A0D_0D0Au32.to_le_bytes());
    b.extend_from_slice(&28u32.to_le_bytes());
    b.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(&(-1i64).to_le_bytes());
    b.extend_from_slice(&28u32.to_le_bytes());
    // IDB
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&20u32.to_le_bytes());
    b.extend_from_slice(&link.to_le_bytes());
    b.extend_from_slice(&0u16.to_le_bytes());
    b.extend_from_slice(&65535u32.to_le_bytes());
    b.extend_from_slice(&20u32.to_le_bytes());
    for (ts, d) in packets {
        let pad = (4 - d.len() % 4) % 4;
        let len = 32 + d.len() + pad;
        let t = (ts * 1e6).round() as u64;
        b.extend_from_slice(&6u32.to_le_bytes());
        b.extend_from_slice(&(len as u32).to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&((t >> 32) as u32).to_le_bytes());
        b.extend_from_slice(&(t as u32).to_le_bytes());
        b.extend_from_slice(&(d.len() as u32).to_le_bytes());
        b.extend_from_slice(&(d.len() as u32).to_le_bytes());
        b.extend_from_slice(d);
        b.extend(std::iter::repeat_n(0u8, pad));
        b.extend_from_slice(&(len as u32).to_le_bytes());
    }
    b
}

pub fn eth(src: [u8; 6], dst: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = dst.to_vec();
    v.extend_from_slice(&src);
    v.extend_from_slice(&ethertype.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

pub fn ipv4_frag(
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    id: u16,
    off: u16,
    more: bool,
    payload: &[u8],
) -> Vec<u8> {
    let total = 20 + payload.len();
    let ff = (off / 8) | if more { 0x2000 } else { 0 };
    let mut v = vec![0x45, 0];
    v.extend_from_slice(&(total as u16).to_be_bytes());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&ff.to_be_bytes());
    v.extend_from_slice(&[64, proto, 0, 0]);
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    v.extend_from_slice(payload);
    v
}

pub fn ipv4(src: [u8; 4], dst: [u8; 4], proto: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_frag(src, dst, proto, 1, 0, false, payload)
}

pub fn tcp(sport: u16, dport: u16, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ack.to_be_bytes());
    v.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    v.extend_from_slice(payload);
    v
}

pub fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    v
}

pub const FIN: u8 = 0x01;
pub const SYN: u8 = 0x02;
pub const RST: u8 = 0x04;
pub const PSH: u8 = 0x08;
pub const ACK: u8 = 0x10;

/// A TCP conversation between a client and a server on Ethernet/IPv4, tracking sequence
/// numbers.
pub struct Tcp {
    pub pcap: Pcap,
    pub c: ([u8; 4], u16),
    pub s: ([u8; 4], u16),
    pub cseq: u32,
    pub sseq: u32,
}

impl Tcp {
    pub fn new(c: ([u8; 4], u16), s: ([u8; 4], u16)) -> Tcp {
        Tcp {
            pcap: Pcap::new(1),
            c,
            s,
            cseq: 1000,
            sseq: 5000,
        }
    }
    /// A packet from the client (`from_client`) or the server with flags and payload; sequence
    /// numbers advance by the payload (and by one for SYN and FIN).
    pub fn send(&mut self, ts: f64, from_client: bool, flags: u8, payload: &[u8]) {
        let (src, dst, smac, dmac) = if from_client {
            (self.c, self.s, MAC_C, MAC_S)
        } else {
            (self.s, self.c, MAC_S, MAC_C)
        };
        let (seq, ack) = if from_client {
            (self.cseq, self.sseq)
        } else {
            (self.sseq, self.cseq)
        };
        let ack = if flags & ACK != 0 { ack } else { 0 };
        let t = tcp(src.1, dst.1, seq, ack, flags, payload);
        let ip = ipv4(src.0, dst.0, 6, &t);
        self.pcap.packet(ts, &eth(smac, dmac, 0x0800, &ip));
        let adv = payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
        if from_client {
            self.cseq = self.cseq.wrapping_add(adv);
        } else {
            self.sseq = self.sseq.wrapping_add(adv);
        }
    }
}

pub fn run_cfg(bytes: Vec<u8>, cfg: EngineConfig) -> Vec<Record> {
    let src = PcapSource::from_reader("mem.pcap", std::io::Cursor::new(bytes), cfg).expect("open");
    src.map(|f| f.record).collect()
}

pub fn run(bytes: Vec<u8>) -> Vec<Record> {
    run_cfg(bytes, EngineConfig::default())
}

pub fn conns(r: &[Record]) -> Vec<slips_core::Conn> {
    r.iter()
        .filter_map(|r| {
            if let Record::Conn(c) = r {
                Some(c.clone())
            } else {
                None
            }
        })
        .collect()
}

/// A DNS query for `name` (type A).
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = vec![(id >> 8) as u8, id as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for l in name.split('.') {
        m.push(l.len() as u8);
        m.extend_from_slice(l.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    m
}

/// The answer to [`dns_query`] with one A record.
pub fn dns_answer(id: u16, name: &str, ip: [u8; 4], ttl: u32) -> Vec<u8> {
    let mut m = dns_query(id, name);
    m[2] = 0x81;
    m[3] = 0x80;
    m[7] = 1;
    m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    m.extend_from_slice(&ttl.to_be_bytes());
    m.extend_from_slice(&[0, 4]);
    m.extend_from_slice(&ip);
    m
}

/// A TLS 1.2 ServerHello record (cipher 0xc02f, renegotiation_info extension; JA3S string
/// `771,49199,65281`) followed by a Certificate record with `certs` (DER, leaf first).
pub fn server_hello_certificate(certs: &[&[u8]]) -> Vec<u8> {
    fn record(hs_type: u8, body: &[u8]) -> Vec<u8> {
        let mut hs = vec![hs_type, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(body);
        let mut rec = vec![22, 3, 3];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[5u8; 32]);
    sh.push(0);
    sh.extend_from_slice(&[0xc0, 0x2f, 0]);
    sh.extend_from_slice(&[0, 5, 0xff, 0x01, 0, 1, 0]);
    let mut list = Vec::new();
    for c in certs {
        list.push(0);
        list.extend_from_slice(&(c.len() as u16).to_be_bytes());
        list.extend_from_slice(c);
    }
    let mut cert = vec![0];
    cert.extend_from_slice(&(list.len() as u16).to_be_bytes());
    cert.extend_from_slice(&list);
    let mut out = record(2, &sh);
    out.extend_from_slice(&record(11, &cert));
    out
}

pub const LEAF_DER: &[u8] = include_bytes!("../data/ec-leaf.der");
pub const CA_DER: &[u8] = include_bytes!("../data/rsa-ca.der");

/// A browser-like ClientHello record: GREASE values, SNI, ALPN (h2, http/1.1),
/// supported_versions (1.3, 1.2), signature algorithms and key share. JA4 (by hand from
/// FoxIO's specification): `t13d1516h2_8daaf6152771_e5627efa2ab1`.
pub fn browser_client_hello(sni: &str) -> Vec<u8> {
    fn ext(t: u16, d: &[u8]) -> Vec<u8> {
        let mut v = t.to_be_bytes().to_vec();
        v.extend_from_slice(&(d.len() as u16).to_be_bytes());
        v.extend_from_slice(d);
        v
    }
    fn list16(v: &[u16]) -> Vec<u8> {
        let mut o = ((v.len() * 2) as u16).to_be_bytes().to_vec();
        for x in v {
            o.extend_from_slice(&x.to_be_bytes());
        }
        o
    }
    let ciphers = [
        0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
        0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    ];
    let mut body = vec![3, 3];
    body.extend_from_slice(&[0x42; 32]);
    body.push(32);
    body.extend_from_slice(&[0x43; 32]);
    body.extend_from_slice(&list16(&ciphers));
    body.extend_from_slice(&[1, 0]);
    let n = sni.as_bytes();
    let mut sni_d = ((n.len() + 3) as u16).to_be_bytes().to_vec();
    sni_d.push(0);
    sni_d.extend_from_slice(&(n.len() as u16).to_be_bytes());
    sni_d.extend_from_slice(n);
    let mut alpn = vec![0, 12, 2];
    alpn.extend_from_slice(b"h2");
    alpn.push(8);
    alpn.extend_from_slice(b"http/1.1");
    let mut key_share = vec![0, 38, 0, 29, 0, 32];
    key_share.extend_from_slice(&[0x44; 32]);
    let mut exts = ext(0x2a2a, &[]);
    for t in [
        0x001bu16, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
        0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
    ] {
        let d: Vec<u8> = match t {
            0x0000 => sni_d.clone(),
            0x0010 => alpn.clone(),
            0x0033 => key_share.clone(),
            0x002b => vec![6, 0x6a, 0x6a, 3, 4, 3, 3],
            0x000d => list16(&[
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ]),
            0x000a => list16(&[0x4a4a, 29, 23, 24]),
            0x000b => vec![1, 0],
            0x002d => vec![1, 1],
            0x001b => vec![2, 0, 2],
            0x0005 => vec![1, 0, 0, 0, 0],
            0x4469 => vec![0, 3, 2, b'h', b'2'],
            0xff01 => vec![0],
            0x0015 => vec![0; 16],
            _ => vec![],
        };
        exts.extend_from_slice(&ext(t, &d));
    }
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

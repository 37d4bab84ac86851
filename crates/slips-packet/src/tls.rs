//! TLS handshake parsing from reassembled streams: ClientHello (version, SNI, JA3),
//! ServerHello (version, cipher, curve, JA3S), Certificate (each certificate's MD5, SHA1 and
//! x509 fields).
//!
//! Caps: handshake bytes buffered per direction [`MAX_HANDSHAKE`]; certificates kept
//! [`MAX_CERTS`].

use md5::{Digest, Md5};
use sha1::Sha1;
use slips_core::Str;
use std::fmt::Write as _;

/// Handshake bytes buffered per direction.
pub const MAX_HANDSHAKE: usize = 64 * 1024;
/// Certificates of a chain kept.
pub const MAX_CERTS: usize = 10;

/// One certificate of the server's chain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerCert {
    /// DER length.
    pub len: u64,
    pub md5: Str,
    pub sha1: Str,
    /// The parsed certificate (`None` when it is not X.509 DER we can read).
    pub info: Option<crate::x509::CertInfo>,
}

/// What the handshake told so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TlsInfo {
    pub client_version: Option<u16>,
    pub version: Option<u16>,
    pub cipher: Option<u16>,
    pub curve: Option<u16>,
    pub server_name: Option<Str>,
    pub ja3: Option<Str>,
    pub ja3s: Option<Str>,
    /// FoxIO JA4 of the ClientHello.
    pub ja4: Option<Str>,
    /// The server's certificates, leaf first.
    pub certs: Vec<ServerCert>,
    pub client_ccs: bool,
    pub server_ccs: bool,
    pub client_app: bool,
    pub server_app: bool,
    pub resumed: bool,
    session_id: Vec<u8>,
}

#[derive(Default)]
struct Dir {
    rec: Vec<u8>,
    hs: Vec<u8>,
    done: bool,
}

/// TLS parser of one connection.
#[derive(Default)]
pub struct TlsConn {
    c: Dir,
    s: Dir,
    pub info: TlsInfo,
    pub saw_client_hello: bool,
    /// Packet time the server's certificates were seen (set by the engine).
    pub cert_ts: Option<f64>,
}

/// Whether `d` starts with a TLS handshake record carrying a ClientHello.
pub fn looks_like_client_hello(d: &[u8]) -> bool {
    d.len() >= 6 && d[0] == 22 && d[1] == 3 && d[2] <= 4 && d[5] == 1
}

fn is_grease(v: u16) -> bool {
    (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    crate::decode::be16(b, at)
}

fn hex(d: &[u8]) -> Str {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = Str::with_capacity(d.len() * 2);
    for &b in d {
        s.push(char::from(H[usize::from(b >> 4)]));
        s.push(char::from(H[usize::from(b & 15)]));
    }
    s
}

/// Appends `v` joined with `-` (JA3's list format).
fn join(out: &mut String, v: &[u16]) {
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        let _ = write!(out, "{x}");
    }
}

impl TlsConn {
    /// Both directions are encrypted (or gave up): nothing more to parse.
    pub fn finished(&self) -> bool {
        self.c.done && self.s.done
    }

    fn dir(&mut self, from_client: bool) -> &mut Dir {
        if from_client {
            &mut self.c
        } else {
            &mut self.s
        }
    }

    /// Feeds stream bytes of one direction. Records and handshake messages that arrive
    /// whole are parsed in place; only incomplete tails are buffered.
    pub fn data(&mut self, from_client: bool, d: &[u8]) {
        let dir = self.dir(from_client);
        if dir.done {
            return;
        }
        if dir.rec.len() + d.len() > MAX_HANDSHAKE {
            dir.done = true;
            dir.rec = Vec::new();
            return;
        }
        let mut rec = std::mem::take(&mut dir.rec);
        if rec.is_empty() {
            let used = self.records(from_client, d);
            rec.extend_from_slice(d.get(used..).unwrap_or(&[]));
        } else {
            rec.extend_from_slice(d);
            let used = self.records(from_client, &rec);
            rec.drain(..used.min(rec.len()));
        }
        let dir = self.dir(from_client);
        if !dir.done {
            dir.rec = rec;
        }
    }

    /// Parses the complete records at the start of `buf`; returns the bytes used.
    fn records(&mut self, from_client: bool, buf: &[u8]) -> usize {
        let mut at = 0;
        loop {
            if self.dir(from_client).done {
                return at;
            }
            let r = buf.get(at..).unwrap_or(&[]);
            if r.len() < 5 {
                return at;
            }
            let ct = r[0];
            let len = usize::from(be16(r, 3).unwrap_or(0));
            if r[1] != 3 || !(20..=24).contains(&ct) {
                self.dir(from_client).done = true;
                return at;
            }
            let Some(body) = r.get(5..5 + len) else {
                return at;
            };
            at += 5 + len;
            match ct {
                20 => {
                    if from_client {
                        self.info.client_ccs = true;
                    } else {
                        self.info.server_ccs = true;
                    }
                }
                22 => {
                    let ccs = if from_client {
                        self.info.client_ccs
                    } else {
                        self.info.server_ccs
                    };
                    if !ccs {
                        // (after ChangeCipherSpec: the encrypted Finished)
                        self.handshake_data(from_client, body);
                    }
                }
                23 => {
                    self.dir(from_client).done = true;
                    if from_client {
                        self.info.client_app = true;
                    } else {
                        self.info.server_app = true;
                    }
                    return at;
                }
                _ => {}
            }
        }
    }

    fn handshake_data(&mut self, from_client: bool, body: &[u8]) {
        let dir = self.dir(from_client);
        if dir.hs.len() + body.len() > MAX_HANDSHAKE {
            dir.done = true;
            dir.hs = Vec::new();
            return;
        }
        let mut hs = std::mem::take(&mut dir.hs);
        if hs.is_empty() {
            let used = self.messages(from_client, body);
            hs.extend_from_slice(body.get(used..).unwrap_or(&[]));
        } else {
            hs.extend_from_slice(body);
            let used = self.messages(from_client, &hs);
            hs.drain(..used.min(hs.len()));
        }
        self.dir(from_client).hs = hs;
    }

    /// Parses the complete handshake messages at the start of `buf`; returns the bytes used.
    fn messages(&mut self, from_client: bool, buf: &[u8]) -> usize {
        let mut at = 0;
        while let Some(h) = buf.get(at..at + 4) {
            let t = h[0];
            let len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
            let Some(msg) = buf.get(at + 4..at + 4 + len) else {
                break;
            };
            at += 4 + len;
            match (from_client, t) {
                (true, 1) => {
                    self.saw_client_hello = true;
                    let _ = self.client_hello(msg);
                }
                (false, 2) => {
                    let _ = self.server_hello(msg);
                }
                (false, 11) => {
                    let _ = self.certificate(msg);
                }
                _ => {}
            }
        }
        at
    }

    fn client_hello(&mut self, m: &[u8]) -> Option<()> {
        let ver = be16(m, 0)?;
        self.info.client_version = Some(ver);
        let sid_len = usize::from(*m.get(34)?);
        self.info.session_id = m.get(35..35 + sid_len)?.to_vec();
        let mut o = 35 + sid_len;
        let cs_len = usize::from(be16(m, o)?);
        let cs = m.get(o + 2..o + 2 + cs_len)?;
        let ciphers: Vec<u16> = u16s(cs).filter(|c| !is_grease(*c)).collect();
        o += 2 + cs_len;
        let comp_len = usize::from(*m.get(o)?);
        o += 1 + comp_len;
        let mut exts = Vec::new();
        let mut curves = Vec::new();
        let mut pfs = Vec::new();
        let mut j4 = Ja4Parts {
            proto: b't',
            version: ver,
            ..Default::default()
        };
        if let Some(total) = be16(m, o) {
            let end = (o + 2 + usize::from(total)).min(m.len());
            o += 2;
            // A malformed extension ends the list; what came before still counts.
            while o + 4 <= end {
                let (Some(et), Some(el)) = (be16(m, o), be16(m, o + 2)) else {
                    break;
                };
                let Some(ed) = m.get(o + 4..o + 4 + usize::from(el)) else {
                    break;
                };
                o += 4 + usize::from(el);
                if is_grease(et) {
                    continue;
                }
                exts.push(et);
                let _ = client_ext(et, ed, &mut self.info, &mut curves, &mut pfs, &mut j4);
            }
        }
        let mut s = String::with_capacity(256);
        let _ = write!(s, "{ver},");
        join(&mut s, &ciphers);
        s.push(',');
        join(&mut s, &exts);
        s.push(',');
        join(&mut s, &curves);
        s.push(',');
        join(&mut s, &pfs);
        self.info.ja3 = Some(hex(&Md5::digest(s.as_bytes())));
        j4.ciphers = ciphers;
        j4.exts = exts;
        self.info.ja4 = Some(ja4(&j4));
        Some(())
    }

    fn server_hello(&mut self, m: &[u8]) -> Option<()> {
        let ver = be16(m, 0)?;
        let sid_len = usize::from(*m.get(34)?);
        let sid = m.get(35..35 + sid_len)?;
        if !sid.is_empty() && sid == self.info.session_id.as_slice() {
            self.info.resumed = true;
        }
        let mut o = 35 + sid_len;
        let cipher = be16(m, o)?;
        o += 3;
        self.info.cipher = Some(cipher);
        self.info.version = Some(ver);
        let mut exts = Vec::new();
        if let Some(total) = be16(m, o) {
            let end = (o + 2 + usize::from(total)).min(m.len());
            o += 2;
            while o + 4 <= end {
                let et = be16(m, o)?;
                let el = usize::from(be16(m, o + 2)?);
                let ed = m.get(o + 4..o + 4 + el)?;
                o += 4 + el;
                exts.push(et);
                match et {
                    43 => self.info.version = be16(ed, 0),
                    51 => self.info.curve = be16(ed, 0),
                    _ => {}
                }
            }
        }
        let mut s = String::with_capacity(64);
        let _ = write!(s, "{ver},{cipher},");
        join(&mut s, &exts);
        self.info.ja3s = Some(hex(&Md5::digest(s.as_bytes())));
        Some(())
    }

    fn certificate(&mut self, m: &[u8]) -> Option<()> {
        let total = (usize::from(*m.first()?) << 16) | usize::from(be16(m, 1)?);
        let list = m.get(3..3 + total)?;
        let mut o = 0;
        if !self.info.certs.is_empty() {
            return None; // a second Certificate message (renegotiation): keep the first
        }
        while o + 3 <= list.len() && self.info.certs.len() < MAX_CERTS {
            let l = (usize::from(list[o]) << 16) | usize::from(be16(list, o + 1)?);
            let der = list.get(o + 3..o + 3 + l)?;
            o += 3 + l;
            self.info.certs.push(ServerCert {
                len: der.len() as u64,
                md5: hex(&Md5::digest(der)),
                sha1: hex(&Sha1::digest(der)),
                info: crate::x509::parse(der),
            });
        }
        Some(())
    }
}

/// Big-endian 16-bit values of a byte list (an odd last byte is ignored).
fn u16s(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]))
}

/// One ClientHello extension: SNI, groups, point formats, and what JA4 needs.
fn client_ext(
    et: u16,
    ed: &[u8],
    info: &mut TlsInfo,
    curves: &mut Vec<u16>,
    pfs: &mut Vec<u16>,
    j4: &mut Ja4Parts,
) -> Option<()> {
    match et {
        // server_name list: type(1) len(2) name
        0 if ed.len() > 5 && ed[2] == 0 => {
            let nl = usize::from(be16(ed, 3)?);
            let n = ed.get(5..5 + nl)?;
            info.server_name = Some(Str::from(String::from_utf8_lossy(n)));
        }
        10 => {
            let l = usize::from(be16(ed, 0)?);
            curves.extend(u16s(ed.get(2..2 + l)?).filter(|v| !is_grease(*v)));
        }
        11 => {
            let l = usize::from(*ed.first()?);
            pfs.extend(ed.get(1..1 + l)?.iter().map(|&b| u16::from(b)));
        }
        // signature_algorithms: len(2), then schemes in order
        13 => {
            let l = usize::from(be16(ed, 0)?);
            j4.sig_algs
                .extend(u16s(ed.get(2..2 + l)?).filter(|v| !is_grease(*v)));
        }
        // ALPN: list len(2), then len(1)-prefixed names; JA4 uses the first
        16 => {
            let l = usize::from(*ed.get(2)?);
            j4.alpn = Some(ed.get(3..3 + l)?.to_vec());
        }
        // supported_versions (client): len(1), then versions
        43 => {
            let l = usize::from(*ed.first()?);
            j4.versions
                .extend(u16s(ed.get(1..1 + l)?).filter(|v| !is_grease(*v)));
        }
        _ => {}
    }
    Some(())
}

/// What JA4 looks at in a ClientHello (GREASE values already removed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ja4Parts {
    /// `t` (TLS over TCP), `q` (QUIC) or `d` (DTLS).
    pub proto: u8,
    /// The ClientHello's protocol version (used when there is no supported_versions).
    pub version: u16,
    /// The supported_versions extension's list.
    pub versions: Vec<u16>,
    /// Cipher suites in the order they appear.
    pub ciphers: Vec<u16>,
    /// Extension types in the order they appear (SNI and ALPN included).
    pub exts: Vec<u16>,
    /// The first ALPN protocol name (`None` without an ALPN extension).
    pub alpn: Option<Vec<u8>>,
    /// Signature algorithms in the order they appear.
    pub sig_algs: Vec<u16>,
}

fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0200 | 0x0002 => "s2",
        0x0100 => "s1",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// First 12 hex digits of the SHA-256 of `s` (`000000000000` for an empty list).
fn sha256_12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".to_owned();
    }
    let d = sha2::Sha256::digest(s.as_bytes());
    let mut out = hex(&d[..6]).to_string();
    out.truncate(12);
    out
}

fn hex4_list(v: &[u16]) -> String {
    let mut s = String::with_capacity(v.len() * 5);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{x:04x}");
    }
    s
}

/// The JA4 fingerprint (FoxIO's specification): `t13d1516h2_8daaf6152771_e5627efa2ab1`.
///
/// a: protocol, TLS version (highest of supported_versions, else the hello's version),
/// `d`/`i` for SNI present or not, cipher and extension counts (two digits, at most 99),
/// first and last characters of the first ALPN value (`00` without; the first and last hex
/// digits of the value when either end is not alphanumeric). b: SHA-256 of the sorted
/// cipher list. c: SHA-256 of the sorted extension list without SNI and ALPN, then `_` and
/// the signature algorithms in their order (no `_` when there are none). Hashes are
/// truncated to 12 hex digits.
pub fn ja4(p: &Ja4Parts) -> Str {
    let version = p.versions.iter().copied().max().unwrap_or(p.version);
    let sni = if p.exts.contains(&0) { 'd' } else { 'i' };
    let alpn: [char; 2] = match p.alpn.as_deref() {
        Some(a @ [first, ..]) => {
            let last = *a.last().unwrap_or(first);
            if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
                [char::from(*first), char::from(last)]
            } else {
                let h = |n: u8| char::from(b"0123456789abcdef"[usize::from(n & 15)]);
                [h(first >> 4), h(last)]
            }
        }
        _ => ['0', '0'],
    };
    let mut ciphers = p.ciphers.clone();
    ciphers.sort_unstable();
    let mut exts: Vec<u16> = p
        .exts
        .iter()
        .copied()
        .filter(|e| *e != 0 && *e != 16)
        .collect();
    exts.sort_unstable();
    let mut c = hex4_list(&exts);
    if !p.sig_algs.is_empty() && !c.is_empty() {
        c.push('_');
        c.push_str(&hex4_list(&p.sig_algs));
    }
    let mut out = String::with_capacity(36);
    out.push(char::from(p.proto));
    out.push_str(ja4_version(version));
    out.push(sni);
    let _ = write!(
        out,
        "{:02}{:02}{}{}_{}_{}",
        p.ciphers.len().min(99),
        p.exts.len().min(99),
        alpn[0],
        alpn[1],
        sha256_12(&hex4_list(&ciphers)),
        sha256_12(&c)
    );
    Str::from(out)
}

/// Zeek's version names.
pub fn version_name(v: u16) -> Str {
    Str::from(match v {
        0x0300 => "SSLv3",
        0x0301 => "TLSv10",
        0x0302 => "TLSv11",
        0x0303 => "TLSv12",
        0x0304 => "TLSv13",
        0x0002 => "SSLv2",
        0xfeff => "DTLSv10",
        0xfefd => "DTLSv12",
        0xfefc => "DTLSv13",
        _ => return compact_str::format_compact!("unknown-{v}"),
    })
}

/// IANA / Zeek cipher suite names (common suites; others `unknown-N`).
pub fn cipher_name(c: u16) -> Str {
    Str::from(match c {
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc028 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc024 => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0x009e => "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        0x009f => "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x003d => "TLS_RSA_WITH_AES_256_CBC_SHA256",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        0x0004 => "TLS_RSA_WITH_RC4_128_MD5",
        0x0033 => "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
        0x0039 => "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        _ => return compact_str::format_compact!("unknown-{c}"),
    })
}

/// Zeek's names of named groups.
pub fn curve_name(c: u16) -> Str {
    Str::from(match c {
        23 => "secp256r1",
        24 => "secp384r1",
        25 => "secp521r1",
        29 => "x25519",
        30 => "x448",
        0x11ec => "X25519MLKEM768",
        _ => return compact_str::format_compact!("unknown-{c}"),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ClientHello record with the given pieces (GREASE values allowed).
    pub(crate) fn client_hello(sni: &str, ciphers: &[u16], exts_extra: &[u16]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7u8; 32]);
        body.push(0);
        body.extend_from_slice(&((ciphers.len() * 2) as u16).to_be_bytes());
        for c in ciphers {
            body.extend_from_slice(&c.to_be_bytes());
        }
        body.extend_from_slice(&[1, 0]);
        let mut ext = Vec::new();
        // SNI
        let n = sni.as_bytes();
        ext.extend_from_slice(&[0, 0]);
        ext.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
        ext.extend_from_slice(n);
        // supported groups 29, 23
        ext.extend_from_slice(&[0, 10, 0, 6, 0, 4, 0, 29, 0, 23]);
        // ec point formats: 0
        ext.extend_from_slice(&[0, 11, 0, 2, 1, 0]);
        for e in exts_extra {
            ext.extend_from_slice(&e.to_be_bytes());
            ext.extend_from_slice(&[0, 0]);
        }
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    /// A ClientHello record with the given version, ciphers and extensions (type, data).
    fn hello_with(ciphers: &[u16], exts: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[9u8; 32]);
        body.push(0);
        body.extend_from_slice(&((ciphers.len() * 2) as u16).to_be_bytes());
        for c in ciphers {
            body.extend_from_slice(&c.to_be_bytes());
        }
        body.extend_from_slice(&[1, 0]);
        let mut ext = Vec::new();
        for (t, d) in exts {
            ext.extend_from_slice(&t.to_be_bytes());
            ext.extend_from_slice(&(d.len() as u16).to_be_bytes());
            ext.extend_from_slice(d);
        }
        body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        body.extend_from_slice(&ext);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    fn sni_ext(n: &str) -> Vec<u8> {
        let n = n.as_bytes();
        let mut e = ((n.len() + 3) as u16).to_be_bytes().to_vec();
        e.push(0);
        e.extend_from_slice(&(n.len() as u16).to_be_bytes());
        e.extend_from_slice(n);
        e
    }

    fn alpn_ext(names: &[&str]) -> Vec<u8> {
        let mut l = Vec::new();
        for n in names {
            l.push(n.len() as u8);
            l.extend_from_slice(n.as_bytes());
        }
        let mut e = (l.len() as u16).to_be_bytes().to_vec();
        e.extend_from_slice(&l);
        e
    }

    fn u16_list(len_bytes: usize, v: &[u16]) -> Vec<u8> {
        let n = v.len() * 2;
        let mut e = if len_bytes == 1 {
            vec![n as u8]
        } else {
            (n as u16).to_be_bytes().to_vec()
        };
        for x in v {
            e.extend_from_slice(&x.to_be_bytes());
        }
        e
    }

    /// Extensions in the given order: SNI, ALPN (h2, http/1.1), supported_versions (GREASE,
    /// 1.3, 1.2), signature_algorithms; the rest empty. A GREASE extension is added first.
    fn browser_hello(order: &[u16]) -> Vec<u8> {
        let ciphers = [
            0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
        ];
        let sig = [
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ];
        let mut exts = vec![(0x2a2a, vec![])];
        for &t in order {
            let d = match t {
                0 => sni_ext("www.example.com"),
                16 => alpn_ext(&["h2", "http/1.1"]),
                43 => u16_list(1, &[0x6a6a, 0x0304, 0x0303]),
                13 => u16_list(2, &sig),
                10 => u16_list(2, &[0x4a4a, 29, 23, 24]),
                _ => vec![],
            };
            exts.push((t, d));
        }
        hello_with(&ciphers, &exts)
    }

    fn ja4_of(rec: &[u8]) -> Option<Str> {
        let mut t = TlsConn::default();
        for c in rec.chunks(7) {
            t.data(true, c);
        }
        t.info.ja4
    }

    #[test]
    fn ja4_matches_the_specification_example() {
        // FoxIO's JA4.md example: JA4_ro lists the ciphers and extensions in this order;
        // JA4 = t13d1516h2_8daaf6152771_e5627efa2ab1.
        let order = [
            0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012,
            0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ];
        assert_eq!(
            ja4_of(&browser_hello(&order)).as_deref(),
            Some("t13d1516h2_8daaf6152771_e5627efa2ab1")
        );
        // A Chrome 143 hello (browserleaks.com): JA4_ro extension order
        // 002d,0033,0010,fe0d,0017,44cd,0000,000b,000a,002b,ff01,0023,0012,0005,000d,001b
        // and JA4 t13d1516h2_8daaf6152771_d8a2da3f94cd.
        let order = [
            0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01,
            0x0023, 0x0012, 0x0005, 0x000d, 0x001b,
        ];
        assert_eq!(
            ja4_of(&browser_hello(&order)).as_deref(),
            Some("t13d1516h2_8daaf6152771_d8a2da3f94cd")
        );
    }

    #[test]
    fn ja4_edge_cases() {
        let base = Ja4Parts {
            proto: b't',
            version: 0x0303,
            ciphers: vec![0x1301, 0x002f],
            exts: vec![
                0x0005, 0x000a, 0x000b, 0x000d, 0x0012, 0x0015, 0x0017, 0x001b, 0x0023, 0x002b,
                0x002d, 0x0033, 0x4469, 0xff01,
            ],
            ..Default::default()
        };
        // No signature algorithms: the spec's hash of the bare extension list, no SNI
        // ("i"), no ALPN ("00"), TLS 1.2 from the hello version.
        assert_eq!(
            ja4(&base).as_str(),
            format!(
                "t12i0214{}_{}_6d807ffa2a79",
                "00",
                &hex(&sha2::Sha256::digest(b"002f,1301"))[..12]
            )
        );
        // Non-alphanumeric ALPN ends: first hex digit of the first byte, last of the last.
        let p = Ja4Parts {
            alpn: Some(vec![0xab, b'x', 0xcd]),
            ..base.clone()
        };
        assert_eq!(&ja4(&p)[..10], "t12i0214ad");
        // One-character ALPN, supported_versions wins over the hello version, DTLS 1.2.
        let p = Ja4Parts {
            proto: b'd',
            version: 0xfeff,
            versions: vec![0xfefd],
            alpn: Some(b"h".to_vec()),
            ..base.clone()
        };
        assert_eq!(&ja4(&p)[..10], "dd2i0214hh");
        // Nothing at all: zero counts and zero hashes; counts stop at 99.
        let p = Ja4Parts {
            proto: b't',
            version: 0x0999,
            ..Default::default()
        };
        assert_eq!(ja4(&p).as_str(), "t00i000000_000000000000_000000000000");
        let p = Ja4Parts {
            ciphers: (1..=150).collect(),
            ..base
        };
        assert_eq!(&ja4(&p)[..10], "t12i991400");
        // Truncated hellos never panic.
        let rec = browser_hello(&[0, 16, 43, 13]);
        for n in 0..rec.len() {
            let _ = ja4_of(&rec[..n]);
        }
    }

    #[test]
    fn ja3_of_known_hello_ignores_grease() {
        let rec = client_hello("example.com", &[0x0a0a, 0xc02f, 0x1301], &[0x1a1a, 23]);
        let mut t = TlsConn::default();
        for c in rec.chunks(10) {
            t.data(true, c);
        }
        assert_eq!(t.info.server_name.as_deref(), Some("example.com"));
        // JA3 string: 771,49199-4865,0-10-11-23,29-23,0
        let want = hex(&Md5::digest(b"771,49199-4865,0-10-11-23,29-23,0"));
        assert_eq!(t.info.ja3.as_deref(), Some(want.as_str()));
        assert_eq!(t.info.client_version, Some(0x0303));
    }
}

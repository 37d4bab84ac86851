//! TLS handshake parsing from reassembled streams: ClientHello (version, SNI, JA3),
//! ServerHello (version, cipher, curve, JA3S), Certificate (SHA1 fingerprints; subject,
//! issuer and validity of the server certificate from a minimal DER walk).
//!
//! Caps: handshake bytes buffered per direction [`MAX_HANDSHAKE`]; certificates kept
//! [`MAX_CERTS`].

use md5::{Digest, Md5};
use sha1::Sha1;
use slips_core::Str;

/// Handshake bytes buffered per direction.
pub const MAX_HANDSHAKE: usize = 64 * 1024;
/// Certificates of a chain kept.
pub const MAX_CERTS: usize = 10;

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
    /// SHA1 fingerprints of the server chain.
    pub cert_fps: Vec<Str>,
    pub subject: Option<Str>,
    pub issuer: Option<Str>,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
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
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    Str::from(s)
}

fn join(v: &[u16]) -> String {
    v.iter().map(u16::to_string).collect::<Vec<_>>().join("-")
}

impl TlsConn {
    /// Both directions are encrypted (or gave up): nothing more to parse.
    pub fn finished(&self) -> bool {
        self.c.done && self.s.done
    }

    /// Feeds stream bytes of one direction.
    pub fn data(&mut self, from_client: bool, d: &[u8]) {
        let dir = if from_client {
            &mut self.c
        } else {
            &mut self.s
        };
        if dir.done {
            return;
        }
        if dir.rec.len() + d.len() > MAX_HANDSHAKE {
            dir.done = true;
            return;
        }
        dir.rec.extend_from_slice(d);
        loop {
            let dir = if from_client {
                &mut self.c
            } else {
                &mut self.s
            };
            if dir.rec.len() < 5 {
                return;
            }
            let ct = dir.rec[0];
            let len = usize::from(be16(&dir.rec, 3).unwrap_or(0));
            if dir.rec[1] != 3 || !(20..=24).contains(&ct) {
                dir.done = true;
                return;
            }
            if dir.rec.len() < 5 + len {
                return;
            }
            let body: Vec<u8> = dir.rec.drain(..5 + len).skip(5).collect();
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
                    if ccs {
                        continue; // encrypted Finished
                    }
                    dir.hs.extend_from_slice(&body);
                    self.handshake(from_client);
                }
                23 => {
                    let dir = if from_client {
                        &mut self.c
                    } else {
                        &mut self.s
                    };
                    dir.done = true;
                    if from_client {
                        self.info.client_app = true;
                    } else {
                        self.info.server_app = true;
                    }
                    return;
                }
                _ => {}
            }
        }
    }

    fn handshake(&mut self, from_client: bool) {
        loop {
            let dir = if from_client {
                &mut self.c
            } else {
                &mut self.s
            };
            if dir.hs.len() < 4 {
                return;
            }
            let t = dir.hs[0];
            let len = (usize::from(dir.hs[1]) << 16)
                | (usize::from(dir.hs[2]) << 8)
                | usize::from(dir.hs[3]);
            if dir.hs.len() < 4 + len {
                return;
            }
            let msg: Vec<u8> = dir.hs.drain(..4 + len).skip(4).collect();
            match (from_client, t) {
                (true, 1) => {
                    self.saw_client_hello = true;
                    let _ = self.client_hello(&msg);
                }
                (false, 2) => {
                    let _ = self.server_hello(&msg);
                }
                (false, 11) => {
                    let _ = self.certificate(&msg);
                }
                _ => {}
            }
        }
    }

    fn client_hello(&mut self, m: &[u8]) -> Option<()> {
        let ver = be16(m, 0)?;
        self.info.client_version = Some(ver);
        let sid_len = usize::from(*m.get(34)?);
        self.info.session_id = m.get(35..35 + sid_len)?.to_vec();
        let mut o = 35 + sid_len;
        let cs_len = usize::from(be16(m, o)?);
        let cs = m.get(o + 2..o + 2 + cs_len)?;
        let ciphers: Vec<u16> = cs
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .filter(|c| !is_grease(*c))
            .collect();
        o += 2 + cs_len;
        let comp_len = usize::from(*m.get(o)?);
        o += 1 + comp_len;
        let mut exts = Vec::new();
        let mut curves = Vec::new();
        let mut pfs = Vec::new();
        if let Some(total) = be16(m, o) {
            let end = (o + 2 + usize::from(total)).min(m.len());
            o += 2;
            while o + 4 <= end {
                let et = be16(m, o)?;
                let el = usize::from(be16(m, o + 2)?);
                let ed = m.get(o + 4..o + 4 + el)?;
                o += 4 + el;
                if is_grease(et) {
                    continue;
                }
                exts.push(et);
                match et {
                    // server_name list: type(1) len(2) name
                    0 if ed.len() > 5 && ed[2] == 0 => {
                        let nl = usize::from(be16(ed, 3)?);
                        if let Some(n) = ed.get(5..5 + nl) {
                            self.info.server_name = Some(Str::from(String::from_utf8_lossy(n)));
                        }
                    }
                    10 => {
                        let l = usize::from(be16(ed, 0)?);
                        for c in ed.get(2..2 + l)?.chunks_exact(2) {
                            let v = u16::from_be_bytes([c[0], c[1]]);
                            if !is_grease(v) {
                                curves.push(v);
                            }
                        }
                    }
                    11 => {
                        let l = usize::from(*ed.first()?);
                        pfs.extend(ed.get(1..1 + l)?.iter().map(|&b| u16::from(b)));
                    }
                    _ => {}
                }
            }
        }
        let s = format!(
            "{},{},{},{},{}",
            ver,
            join(&ciphers),
            join(&exts),
            join(&curves),
            join(&pfs)
        );
        self.info.ja3 = Some(hex(&Md5::digest(s.as_bytes())));
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
        let s = format!("{},{},{}", ver, cipher, join(&exts));
        self.info.ja3s = Some(hex(&Md5::digest(s.as_bytes())));
        Some(())
    }

    fn certificate(&mut self, m: &[u8]) -> Option<()> {
        let total = (usize::from(*m.first()?) << 16) | usize::from(be16(m, 1)?);
        let list = m.get(3..3 + total)?;
        let mut o = 0;
        while o + 3 <= list.len() && self.info.cert_fps.len() < MAX_CERTS {
            let l = (usize::from(list[o]) << 16) | usize::from(be16(list, o + 1)?);
            let der = list.get(o + 3..o + 3 + l)?;
            o += 3 + l;
            if self.info.cert_fps.is_empty() {
                if let Some(c) = crate::x509::parse(der) {
                    self.info.subject = Some(c.subject);
                    self.info.issuer = Some(c.issuer);
                    self.info.not_before = c.not_before;
                    self.info.not_after = c.not_after;
                }
            }
            self.info.cert_fps.push(hex(&Sha1::digest(der)));
        }
        Some(())
    }
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

//! A DER walk of an X.509 certificate: what Zeek's x509.log shows (version, serial,
//! subject and issuer in RFC 2253 order, validity, key and signature algorithms, key type
//! and length, SAN DNS names and IPs, basic constraints). Never panics; `None` when the
//! certificate's skeleton is not what X.509 says, unset fields for parts it cannot read.
//!
//! Caps: [`MAX_SANS`] SAN entries of each kind, 64 RDNs per name.

use slips_core::Str;
use std::fmt::Write as _;
use std::net::IpAddr;

/// SAN DNS names (and IPs) kept per certificate.
pub const MAX_SANS: usize = 256;

/// The parts of a certificate the ssl and x509 records use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CertInfo {
    pub subject: Str,
    pub issuer: Str,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    /// X.509 version (1 to 3).
    pub version: Option<u32>,
    /// Serial number in upper-case hex, as OpenSSL prints it.
    pub serial: Option<Str>,
    /// OpenSSL's short names (`rsaEncryption`, `sha256WithRSAEncryption`), else the dotted
    /// OID.
    pub key_alg: Option<Str>,
    pub sig_alg: Option<Str>,
    /// `rsa`, `dsa` or `ecdsa` (Zeek's names).
    pub key_type: Option<Str>,
    /// Modulus bits (RSA, DSA) or curve size (EC).
    pub key_length: Option<u32>,
    pub san_dns: Vec<Str>,
    pub san_ip: Vec<IpAddr>,
    /// From basicConstraints; unset without the extension.
    pub basic_constraints_ca: Option<bool>,
}

/// One DER element: (tag, content, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let l0 = *b.get(1)?;
    let (len, hdr) = if l0 & 0x80 == 0 {
        (usize::from(l0), 2)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*b.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let content = b.get(hdr..hdr.checked_add(len)?)?;
    Some((tag, content, b.get(hdr + len..)?))
}

/// Parses a certificate.
pub fn parse(der: &[u8]) -> Option<CertInfo> {
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, rest_cert) = tlv(cert)?;
    let (mut tag, mut v, mut rest) = tlv(tbs)?;
    let mut version = Some(1);
    if tag == 0xa0 {
        version = tlv(v).and_then(|(_, n, _)| (n.len() == 1).then(|| u32::from(n[0]) + 1));
        (tag, v, rest) = tlv(rest)?; // serial
    }
    let serial = (tag == 0x02).then(|| serial_hex(v));
    let (_, sig, rest) = tlv(rest)?;
    let (_, issuer, rest) = tlv(rest)?;
    let (_, validity, rest) = tlv(rest)?;
    let (_, subject, rest) = tlv(rest)?;
    let (t1, nb, r) = tlv(validity)?;
    let (t2, na, _) = tlv(r)?;
    let mut c = CertInfo {
        subject: name(subject)?,
        issuer: name(issuer)?,
        not_before: time(t1, nb),
        not_after: time(t2, na),
        version,
        serial,
        ..Default::default()
    };
    // The outer signatureAlgorithm (same as the TBS one).
    c.sig_alg = tlv(rest_cert)
        .and_then(|(_, a, _)| tlv(a))
        .or_else(|| tlv(sig))
        .filter(|(t, _, _)| *t == 0x06)
        .map(|(_, oid, _)| oid_str(oid));
    if let Some((_, spki, rest)) = tlv(rest) {
        public_key(spki, &mut c);
        extensions(rest, &mut c);
    }
    Some(c)
}

fn serial_hex(v: &[u8]) -> Str {
    let v = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => v,
    };
    let mut s = Str::with_capacity(v.len() * 2);
    for b in v {
        let _ = write!(s, "{b:02X}");
    }
    s
}

fn oid_str(oid: &[u8]) -> Str {
    if let Some(n) = known_oid(oid) {
        return Str::from(n);
    }
    let mut s = Str::default();
    let mut acc: u64 = 0;
    let mut first = true;
    for &b in oid {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if acc > u64::MAX >> 8 {
            return Str::from("unknown");
        }
        if b & 0x80 == 0 {
            if first {
                let (x, y) = if acc < 80 {
                    (acc / 40, acc % 40)
                } else {
                    (2, acc - 80)
                };
                let _ = write!(s, "{x}.{y}");
                first = false;
            } else {
                let _ = write!(s, ".{acc}");
            }
            acc = 0;
        }
    }
    s
}

fn known_oid(oid: &[u8]) -> Option<&'static str> {
    const PKCS1: [u8; 8] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    Some(match oid {
        [p @ .., last] if p == PKCS1 => match last {
            1 => "rsaEncryption",
            4 => "md5WithRSAEncryption",
            5 => "sha1WithRSAEncryption",
            10 => "rsassaPss",
            11 => "sha256WithRSAEncryption",
            12 => "sha384WithRSAEncryption",
            13 => "sha512WithRSAEncryption",
            14 => "sha224WithRSAEncryption",
            _ => return None,
        },
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => "id-ecPublicKey",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01] => "ecdsa-with-SHA1",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02] => "ecdsa-with-SHA256",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03] => "ecdsa-with-SHA384",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04] => "ecdsa-with-SHA512",
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01] => "dsaEncryption",
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03] => "dsaWithSHA1",
        [0x2b, 0x65, 0x70] => "ED25519",
        [0x2b, 0x65, 0x71] => "ED448",
        _ => return None,
    })
}

/// Bits of a DER INTEGER (without the sign byte).
fn int_bits(v: &[u8]) -> u32 {
    let mut v = v;
    while let [0, rest @ ..] = v {
        v = rest;
    }
    match v.first() {
        Some(b) => (v.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
        None => 0,
    }
}

fn public_key(spki: &[u8], c: &mut CertInfo) {
    let Some((_, alg, rest)) = tlv(spki) else {
        return;
    };
    let Some((0x06, oid, params)) = tlv(alg) else {
        return;
    };
    c.key_alg = Some(oid_str(oid));
    let key = tlv(rest)
        .filter(|(t, _, _)| *t == 0x03)
        .and_then(|(_, k, _)| k.get(1..));
    match known_oid(oid) {
        Some("rsaEncryption") => {
            c.key_type = Some(Str::from("rsa"));
            c.key_length = key
                .and_then(tlv)
                .and_then(|(_, seq, _)| tlv(seq))
                .map(|(_, n, _)| int_bits(n));
        }
        Some("dsaEncryption") => {
            c.key_type = Some(Str::from("dsa"));
            c.key_length = tlv(params)
                .and_then(|(_, seq, _)| tlv(seq))
                .map(|(_, p, _)| int_bits(p));
        }
        Some("id-ecPublicKey") => {
            c.key_type = Some(Str::from("ecdsa"));
            c.key_length = match tlv(params) {
                Some((0x06, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07], _)) => Some(256),
                Some((0x06, [0x2b, 0x81, 0x04, 0x00, 0x22], _)) => Some(384),
                Some((0x06, [0x2b, 0x81, 0x04, 0x00, 0x23], _)) => Some(521),
                Some((0x06, [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01], _)) => Some(192),
                Some((0x06, [0x2b, 0x81, 0x04, 0x00, 0x21], _)) => Some(224),
                _ => None,
            };
        }
        _ => {}
    }
}

/// `[1]`/`[2]` unique ids are skipped; `[3]` holds the extensions.
fn extensions(mut b: &[u8], c: &mut CertInfo) {
    while let Some((tag, v, rest)) = tlv(b) {
        b = rest;
        if tag != 0xa3 {
            continue;
        }
        let Some((_, mut list, _)) = tlv(v) else {
            return;
        };
        while let Some((_, ext, rest)) = tlv(list) {
            list = rest;
            let Some((0x06, oid, r)) = tlv(ext) else {
                continue;
            };
            // optional critical BOOLEAN, then the OCTET STRING
            let mut val = tlv(r);
            if let Some((0x01, _, r2)) = val {
                val = tlv(r2);
            }
            let Some((0x04, value, _)) = val else {
                continue;
            };
            match oid {
                [0x55, 0x1d, 0x11] => san(value, c),
                [0x55, 0x1d, 0x13] => {
                    c.basic_constraints_ca =
                        Some(tlv(value).and_then(|(_, seq, _)| tlv(seq)).is_some_and(
                            |(t, v, _)| t == 0x01 && v.first().is_some_and(|&x| x != 0),
                        ));
                }
                _ => {}
            }
        }
    }
}

fn san(value: &[u8], c: &mut CertInfo) {
    let Some((_, mut names, _)) = tlv(value) else {
        return;
    };
    while let Some((tag, v, rest)) = tlv(names) {
        names = rest;
        match tag {
            0x82 if c.san_dns.len() < MAX_SANS => {
                c.san_dns.push(Str::from(String::from_utf8_lossy(v)));
            }
            0x87 if c.san_ip.len() < MAX_SANS => {
                if let Ok(a) = <[u8; 4]>::try_from(v) {
                    c.san_ip.push(IpAddr::from(a));
                } else if let Ok(a) = <[u8; 16]>::try_from(v) {
                    c.san_ip.push(IpAddr::from(a));
                }
            }
            _ => {}
        }
    }
}

fn oid_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        _ => return None,
    })
}

fn name(mut b: &[u8]) -> Option<Str> {
    let mut parts = Vec::new();
    while !b.is_empty() {
        let (_, set, rest) = tlv(b)?;
        b = rest;
        let mut s = set;
        while !s.is_empty() {
            let (_, atv, r) = tlv(s)?;
            s = r;
            let (_, oid, r2) = tlv(atv)?;
            let (_, val, _) = tlv(r2)?;
            let key = oid_name(oid)
                .map(str::to_owned)
                .unwrap_or_else(|| oid.iter().map(|x| format!("{x:02x}")).collect::<String>());
            let val: String = String::from_utf8_lossy(val)
                .chars()
                .flat_map(|c| match c {
                    ',' | '+' | '"' | '\\' | '<' | '>' | ';' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            parts.push(format!("{key}={val}"));
        }
        if parts.len() > 64 {
            return None;
        }
    }
    parts.reverse();
    Some(Str::from(parts.join(",")))
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn time(tag: u8, b: &[u8]) -> Option<i64> {
    let (y, r) = match tag {
        0x17 => {
            let y = digits(b.get(..2)?)?;
            (if y >= 50 { 1900 + y } else { 2000 + y }, b.get(2..)?)
        }
        0x18 => (digits(b.get(..4)?)?, b.get(4..)?),
        _ => return None,
    };
    let f = |i: usize| r.get(i..i + 2).and_then(digits);
    let (mo, d, h, mi) = (f(0)?, f(2)?, f(4)?, f(6)?);
    let s = f(8).unwrap_or(0);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
        let body: Vec<u8> = parts.concat();
        let mut v = vec![tag];
        if body.len() < 128 {
            v.push(body.len() as u8);
        } else {
            v.push(0x82);
            v.extend_from_slice(&(body.len() as u16).to_be_bytes());
        }
        v.extend_from_slice(&body);
        v
    }

    pub(crate) fn cert(cn_subject: &str, cn_issuer: &str, nb: &str, na: &str) -> Vec<u8> {
        let nm = |cn: &str| {
            let atv = seq(
                0x30,
                &[&[0x06, 3, 0x55, 4, 3], &seq(0x0c, &[cn.as_bytes()])],
            );
            let c = seq(0x30, &[&[0x06, 3, 0x55, 4, 6], &seq(0x13, &[b"CZ"])]);
            seq(0x30, &[&seq(0x31, &[&c]), &seq(0x31, &[&atv])])
        };
        let validity = seq(
            0x30,
            &[&seq(0x17, &[nb.as_bytes()]), &seq(0x17, &[na.as_bytes()])],
        );
        let tbs = seq(
            0x30,
            &[
                &[0xa0, 3, 2, 1, 2],
                &[2, 1, 5],
                &seq(0x30, &[&[6, 1, 1]]),
                &nm(cn_issuer),
                &validity,
                &nm(cn_subject),
            ],
        );
        seq(0x30, &[&tbs, &seq(0x30, &[&[6, 1, 1]]), &[3, 1, 0]])
    }

    #[test]
    fn subject_issuer_validity() {
        let c = cert("example.com", "Test CA", "200101000000Z", "300101000000Z");
        let i = parse(&c).unwrap();
        assert_eq!(
            i,
            CertInfo {
                subject: "CN=example.com,C=CZ".into(),
                issuer: "CN=Test CA,C=CZ".into(),
                not_before: Some(1_577_836_800),
                not_after: Some(1_893_456_000),
                version: Some(3),
                serial: Some("05".into()),
                sig_alg: Some("0.1".into()),
                ..Default::default()
            }
        );
        for n in 0..c.len() {
            let _ = parse(&c[..n]);
        }
    }

    /// Certificates made with `openssl req`/`openssl x509` (values from `openssl x509 -text
    /// -nameopt RFC2253`).
    #[test]
    fn openssl_certificates() {
        let leaf = include_bytes!("../tests/data/ec-leaf.der");
        assert_eq!(
            parse(leaf),
            Some(CertInfo {
                subject: "CN=www.example.com,O=Example\\, Inc.,L=Prague,C=CZ".into(),
                issuer: "CN=Slips Test CA,O=Slips Test,C=CZ".into(),
                not_before: Some(1_795_825_686),
                not_after: Some(1_867_105_686),
                version: Some(3),
                serial: Some("F00D".into()),
                key_alg: Some("id-ecPublicKey".into()),
                sig_alg: Some("sha256WithRSAEncryption".into()),
                key_type: Some("ecdsa".into()),
                key_length: Some(256),
                san_dns: vec!["www.example.com".into(), "example.com".into()],
                san_ip: vec!["192.0.2.7".parse().unwrap(), "2001:db8::1".parse().unwrap()],
                basic_constraints_ca: Some(false),
            })
        );
        let ca = include_bytes!("../tests/data/rsa-ca.der");
        assert_eq!(
            parse(ca),
            Some(CertInfo {
                subject: "CN=Slips Test CA,O=Slips Test,C=CZ".into(),
                issuer: "CN=Slips Test CA,O=Slips Test,C=CZ".into(),
                not_before: Some(1_795_825_686),
                not_after: Some(2_111_185_686),
                version: Some(3),
                serial: Some("0123456789ABCDEF01".into()),
                key_alg: Some("rsaEncryption".into()),
                sig_alg: Some("sha256WithRSAEncryption".into()),
                key_type: Some("rsa".into()),
                key_length: Some(2048),
                san_dns: vec![],
                san_ip: vec![],
                basic_constraints_ca: Some(true),
            })
        );
        for n in 0..leaf.len() {
            let _ = parse(&leaf[..n]);
        }
        assert_eq!(
            oid_str(&[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37]),
            "1.3.6.1.4.1.311"
        );
    }
}

//! Minimal DER walk of an X.509 certificate: subject, issuer (RFC 2253 order, as Zeek prints
//! them) and the validity period. Never panics; `None` for anything unexpected.

use slips_core::Str;

/// The parts of a certificate the ssl records use.
#[derive(Debug, Clone, PartialEq)]
pub struct CertInfo {
    pub subject: Str,
    pub issuer: Str,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
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
    Some((tag, content, &b[hdr + len..]))
}

/// Parses a certificate.
pub fn parse(der: &[u8]) -> Option<CertInfo> {
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let (mut tag, mut v, mut rest) = tlv(tbs)?;
    if tag == 0xa0 {
        (tag, v, rest) = tlv(rest)?; // serial
    }
    let _ = (tag, v);
    let (_, _sig, rest) = tlv(rest)?;
    let (_, issuer, rest) = tlv(rest)?;
    let (_, validity, rest) = tlv(rest)?;
    let (_, subject, _) = tlv(rest)?;
    let (t1, nb, r) = tlv(validity)?;
    let (t2, na, _) = tlv(r)?;
    Some(CertInfo {
        subject: name(subject)?,
        issuer: name(issuer)?,
        not_before: time(t1, nb),
        not_after: time(t2, na),
    })
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
            }
        );
        for n in 0..c.len() {
            let _ = parse(&c[..n]);
        }
    }
}

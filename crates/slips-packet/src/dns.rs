//! DNS message parsing (RFC 1035), with Zeek's names for types, classes and rcodes and Zeek's
//! rendering of answers (`TXT <len> <text>` for TXT records).

use crate::decode::{be16, be32};
use compact_str::format_compact;
use slips_core::Str;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Answers kept per message.
pub const MAX_ANSWERS: usize = 64;
const MAX_NAME: usize = 255;
const MAX_POINTERS: usize = 32;

/// A parsed DNS message (the parts Zeek's dns.log shows).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DnsMsg {
    pub id: u16,
    pub is_response: bool,
    pub opcode: u8,
    pub rcode: u16,
    pub query: Option<Str>,
    pub qtype: Option<u16>,
    pub qclass: Option<u16>,
    pub answers: Vec<Str>,
    pub ttls: Vec<f64>,
    /// Owner name of the first answer (Zeek's `query` of a reply seen without its query).
    pub answer_name: Option<Str>,
    /// Questions in the message.
    pub questions: u16,
    /// The whole message parsed with no bytes left over (a strong sign it is DNS).
    pub exact: bool,
}

/// Parses one DNS message. `None` when it is not a plausible DNS message.
pub fn parse(m: &[u8]) -> Option<DnsMsg> {
    if m.len() < 12 {
        return None;
    }
    let id = be16(m, 0)?;
    let flags = be16(m, 2)?;
    let qd = be16(m, 4)?;
    let an = be16(m, 6)?;
    let ns = be16(m, 8)?;
    let ar = be16(m, 10)?;
    let opcode = ((flags >> 11) & 0xf) as u8;
    if opcode > 6 || qd > 256 {
        return None;
    }
    // Every RR takes at least 11 bytes, a question 5: reject impossible counts.
    let min = 12 + usize::from(qd) * 5 + (usize::from(an) + usize::from(ns) + usize::from(ar)) * 11;
    if min > m.len() {
        return None;
    }
    let mut msg = DnsMsg {
        id,
        is_response: flags & 0x8000 != 0,
        opcode,
        rcode: flags & 0xf,
        ..Default::default()
    };
    let mut off = 12;
    msg.questions = qd;
    // Zeek raises one `dns_request` per question and its dns script overwrites the record's
    // query, qtype and qclass each time: one dns record per message, with the last question.
    for _ in 0..qd {
        let (name, next) = read_name(m, off)?;
        let qtype = be16(m, next)?;
        let qclass = be16(m, next + 2)?;
        off = next + 4;
        msg.query = Some(name);
        msg.qtype = Some(qtype);
        msg.qclass = Some(qclass);
    }
    if qd == 0 && !msg.is_response {
        return None;
    }
    for _ in 0..an {
        let (name, next) = read_name(m, off)?;
        let rtype = be16(m, next)?;
        let _class = be16(m, next + 2)?;
        let ttl = be32(m, next + 4)?;
        let rdlen = usize::from(be16(m, next + 8)?);
        let rd_start = next + 10;
        let rdata = m.get(rd_start..rd_start + rdlen)?;
        off = rd_start + rdlen;
        if msg.answers.len() >= MAX_ANSWERS {
            continue;
        }
        if msg.answer_name.is_none() {
            msg.answer_name = Some(name);
        }
        if let Some(a) = render_rdata(m, rtype, rd_start, rdata) {
            msg.answers.push(a);
            msg.ttls.push(f64::from(ttl));
        }
    }
    let mut rest_ok = true;
    for _ in 0..(u32::from(ns) + u32::from(ar)) {
        let Some((_, next)) = read_name(m, off) else {
            rest_ok = false;
            break;
        };
        let Some(rdlen) = be16(m, next + 8) else {
            rest_ok = false;
            break;
        };
        off = next + 10 + usize::from(rdlen);
    }
    msg.exact = rest_ok && off == m.len();
    Some(msg)
}

fn render_rdata(m: &[u8], rtype: u16, at: usize, rd: &[u8]) -> Option<Str> {
    Some(match rtype {
        1 if rd.len() == 4 => format_compact!("{}", Ipv4Addr::new(rd[0], rd[1], rd[2], rd[3])),
        28 if rd.len() == 16 => {
            let b: [u8; 16] = rd.try_into().ok()?;
            format_compact!("{}", Ipv6Addr::from(b))
        }
        2 | 5 | 12 => read_name(m, at)?.0,
        15 => read_name(m, at + 2)?.0,
        6 => read_name(m, at)?.0,
        33 => read_name(m, at + 6)?.0,
        16 => {
            let mut out = String::new();
            let mut i = 0;
            while i < rd.len() {
                let l = usize::from(rd[i]);
                let s = rd.get(i + 1..i + 1 + l)?;
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&format!("TXT {} ", l));
                out.push_str(&escape(s));
                i += 1 + l;
            }
            Str::from(out)
        }
        41 => return None,
        _ => format_compact!("<unknown type={}>", rtype),
    })
}

fn escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if (0x20..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Reads a (possibly compressed) domain name at `off`; returns it and the offset after it.
fn read_name(m: &[u8], mut off: usize) -> Option<(Str, usize)> {
    let mut name = String::new();
    let mut after = None;
    let mut jumps = 0;
    loop {
        let l = *m.get(off)?;
        match l & 0xc0 {
            0x00 => {
                if l == 0 {
                    off += 1;
                    break;
                }
                let label = m.get(off + 1..off + 1 + usize::from(l))?;
                if !name.is_empty() {
                    name.push('.');
                }
                for &b in label {
                    if (b.is_ascii_graphic() || b == b' ') && b != b'.' {
                        name.push(b.to_ascii_lowercase() as char);
                    } else {
                        name.push_str(&format!("\\x{b:02x}"));
                    }
                }
                if name.len() > MAX_NAME * 4 {
                    return None;
                }
                off += 1 + usize::from(l);
            }
            0xc0 => {
                let p = usize::from(be16(m, off)? & 0x3fff);
                if after.is_none() {
                    after = Some(off + 2);
                }
                jumps += 1;
                if jumps > MAX_POINTERS {
                    return None;
                }
                off = p;
            }
            _ => return None,
        }
    }
    Some((Str::from(name), after.unwrap_or(off)))
}

/// Zeek's `DNS::query_types` names.
pub fn qtype_name(t: u16) -> Str {
    let s = match t {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        35 => "NAPTR",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        252 => "AXFR",
        255 => "*",
        257 => "CAA",
        _ => return format_compact!("query-{t}"),
    };
    Str::from(s)
}

/// Zeek's `DNS::classes` names.
pub fn qclass_name(c: u16) -> Str {
    let s = match c {
        1 => "C_INTERNET",
        2 => "C_CSNET",
        3 => "C_CHAOS",
        4 => "C_HESIOD",
        254 => "C_NONE",
        255 => "C_ANY",
        _ => return format_compact!("qclass-{c}"),
    };
    Str::from(s)
}

/// Zeek's `DNS::base_errors` names.
pub fn rcode_name(r: u16) -> Str {
    let s = match r {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSet",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        _ => return format_compact!("unknown-{r}"),
    };
    Str::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
        let mut m = vec![(id >> 8) as u8, id as u8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        for l in name.split('.') {
            m.push(l.len() as u8);
            m.extend_from_slice(l.as_bytes());
        }
        m.extend_from_slice(&[0, (qtype >> 8) as u8, qtype as u8, 0, 1]);
        m
    }

    #[test]
    fn query_and_compressed_answers() {
        let mut r = query(0x1234, "example.com", 1);
        r[2] = 0x81;
        r[3] = 0x80;
        r[7] = 3;
        // A 93.184.216.34 ttl 300
        r.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 216, 34]);
        // CNAME -> www.example.com (compressed)
        r.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, b'w', b'w', b'w']);
        r.extend_from_slice(&[0xc0, 12]);
        // TXT "hi there"
        r.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 9, 8]);
        r.extend_from_slice(b"hi there");
        let m = parse(&r).unwrap();
        assert_eq!(
            m,
            DnsMsg {
                id: 0x1234,
                is_response: true,
                opcode: 0,
                rcode: 0,
                query: Some("example.com".into()),
                qtype: Some(1),
                qclass: Some(1),
                answers: vec![
                    "93.184.216.34".into(),
                    "www.example.com".into(),
                    "TXT 8 hi there".into()
                ],
                ttls: vec![300.0, 60.0, 5.0],
                answer_name: Some("example.com".into()),
                questions: 1,
                exact: true,
            }
        );
        for n in 0..r.len() {
            let _ = parse(&r[..n]);
        }
    }

    #[test]
    fn several_questions_keep_the_last_as_zeek() {
        // Two questions: a.example (A) then B.Example (AAAA, lower-cased).
        let mut m = query(7, "a.example", 1);
        m[5] = 2;
        for l in ["B", "Example"] {
            m.push(l.len() as u8);
            m.extend_from_slice(l.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 28, 0, 1]);
        let d = parse(&m).unwrap();
        assert_eq!(
            d,
            DnsMsg {
                id: 7,
                query: Some("b.example".into()),
                qtype: Some(28),
                qclass: Some(1),
                questions: 2,
                exact: true,
                ..Default::default()
            }
        );
    }

    #[test]
    fn pointer_loops_are_rejected() {
        let mut m = query(1, "a", 1);
        m.truncate(12);
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(parse(&m), None);
    }
}

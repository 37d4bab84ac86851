//! DHCP (BOOTP with the magic cookie) message parsing.

use crate::decode::{be32, mac_at};
use slips_core::{Mac, Str};
use std::net::Ipv4Addr;

/// One DHCP message.
#[derive(Debug, Clone, PartialEq)]
pub struct DhcpMsg {
    pub op: u8,
    pub xid: u32,
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub chaddr: Option<Mac>,
    pub msg_type: Option<u8>,
    pub requested: Option<Ipv4Addr>,
    pub server_id: Option<Ipv4Addr>,
    pub host_name: Option<Str>,
    pub domain: Option<Str>,
    pub client_fqdn: Option<Str>,
    pub lease: Option<u32>,
}

fn ip4(b: &[u8]) -> Option<Ipv4Addr> {
    (b.len() == 4).then(|| Ipv4Addr::new(b[0], b[1], b[2], b[3]))
}

fn text(b: &[u8]) -> Str {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    Str::from(String::from_utf8_lossy(b))
}

/// Parses a DHCP message; `None` when it is not one (no magic cookie).
pub fn parse(p: &[u8]) -> Option<DhcpMsg> {
    if p.len() < 240 || be32(p, 236)? != 0x6382_5363 {
        return None;
    }
    let op = p[0];
    if op != 1 && op != 2 {
        return None;
    }
    let mut m = DhcpMsg {
        op,
        xid: be32(p, 4)?,
        ciaddr: ip4(&p[12..16])?,
        yiaddr: ip4(&p[16..20])?,
        chaddr: if p[1] == 1 && p[2] == 6 {
            mac_at(p, 28)
        } else {
            None
        },
        msg_type: None,
        requested: None,
        server_id: None,
        host_name: None,
        domain: None,
        client_fqdn: None,
        lease: None,
    };
    let mut i = 240;
    while i < p.len() {
        let code = p[i];
        if code == 0 {
            i += 1;
            continue;
        }
        if code == 255 {
            break;
        }
        let len = usize::from(*p.get(i + 1)?);
        let v = p.get(i + 2..i + 2 + len)?;
        match code {
            53 => m.msg_type = v.first().copied(),
            50 => m.requested = ip4(v),
            54 => m.server_id = ip4(v),
            12 => m.host_name = Some(text(v)),
            15 => m.domain = Some(text(v)),
            51 => m.lease = be32(v, 0),
            81 if v.len() > 3 => m.client_fqdn = Some(text(&v[3..])),
            _ => {}
        }
        i += 2 + len;
    }
    Some(m)
}

/// Zeek's `DHCP::message_types` names.
pub fn msg_type_name(t: u8) -> Str {
    Str::from(match t {
        1 => "DISCOVER",
        2 => "OFFER",
        3 => "REQUEST",
        4 => "DECLINE",
        5 => "ACK",
        6 => "NAK",
        7 => "RELEASE",
        8 => "INFORM",
        9 => "FORCERENEW",
        10 => "LEASEQUERY",
        11 => "LEASEUNASSIGNED",
        12 => "LEASEUNKNOWN",
        13 => "LEASEACTIVE",
        _ => return compact_str::format_compact!("TYPE-{t}"),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn request(xid: u32, mac: [u8; 6], msg_type: u8, host: &str) -> Vec<u8> {
        let mut p = vec![0u8; 240];
        p[0] = 1;
        p[1] = 1;
        p[2] = 6;
        p[4..8].copy_from_slice(&xid.to_be_bytes());
        p[28..34].copy_from_slice(&mac);
        p[236..240].copy_from_slice(&[0x63, 0x82, 0x53, 0x63]);
        p.extend_from_slice(&[
            53,
            1,
            msg_type,
            50,
            4,
            192,
            168,
            1,
            50,
            12,
            host.len() as u8,
        ]);
        p.extend_from_slice(host.as_bytes());
        p.push(255);
        p
    }

    #[test]
    fn parses_request() {
        let p = request(0xabcd, [2, 0, 0, 0, 0, 1], 3, "laptop");
        let m = parse(&p).unwrap();
        assert_eq!(
            m,
            DhcpMsg {
                op: 1,
                xid: 0xabcd,
                ciaddr: Ipv4Addr::UNSPECIFIED,
                yiaddr: Ipv4Addr::UNSPECIFIED,
                chaddr: Some(Mac([2, 0, 0, 0, 0, 1])),
                msg_type: Some(3),
                requested: Some(Ipv4Addr::new(192, 168, 1, 50)),
                server_id: None,
                host_name: Some("laptop".into()),
                domain: None,
                client_fqdn: None,
                lease: None,
            }
        );
        for n in 0..p.len() {
            let _ = parse(&p[..n]);
        }
    }
}

//! Link, network and transport header decoding. Every function takes untrusted bytes and
//! returns `Err(weird name)` instead of panicking; slices are always bounds-checked.

use slips_core::{ArpOp, Mac};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Link-layer types (pcap `LINKTYPE_*` values) the engine decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// `LINKTYPE_ETHERNET` (1).
    Ethernet,
    /// `LINKTYPE_NULL` (0): BSD loopback, 4-byte address family in host byte order.
    Null,
    /// `LINKTYPE_LOOP` (108): OpenBSD loopback, address family in network byte order.
    Loop,
    /// `LINKTYPE_RAW` (101, also DLT 12/14): raw IPv4 or IPv6.
    Raw,
    /// `LINKTYPE_IPV4` (228).
    Ipv4,
    /// `LINKTYPE_IPV6` (229).
    Ipv6,
    /// `LINKTYPE_LINUX_SLL` (113): Linux cooked capture v1.
    LinuxSll,
    /// `LINKTYPE_LINUX_SLL2` (276): Linux cooked capture v2.
    LinuxSll2,
    /// Anything else (packets are counted and reported once as a weird).
    Unsupported(u32),
}

impl LinkType {
    /// Maps a pcap link-type number.
    pub fn from_pcap(v: u32) -> LinkType {
        match v {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            other => LinkType::Unsupported(other),
        }
    }
}

pub(crate) const ETH_IPV4: u16 = 0x0800;
pub(crate) const ETH_IPV6: u16 = 0x86dd;
pub(crate) const ETH_ARP: u16 = 0x0806;
const ETH_VLAN: u16 = 0x8100;
const ETH_QINQ: u16 = 0x88a8;
const ETH_QINQ_OLD: u16 = 0x9100;
const ETH_PPPOE_SESSION: u16 = 0x8864;
const ETH_MPLS: u16 = 0x8847;
const MAX_VLAN_TAGS: usize = 8;

#[inline]
pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

#[inline]
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

pub(crate) fn mac_at(b: &[u8], at: usize) -> Option<Mac> {
    let s = b.get(at..at.checked_add(6)?)?;
    let mut m = [0u8; 6];
    m.copy_from_slice(s);
    Some(Mac(m))
}

/// A packet after the link layer: the network-layer protocol and its bytes.
#[derive(Debug)]
pub(crate) struct L2<'a> {
    pub src_mac: Option<Mac>,
    pub dst_mac: Option<Mac>,
    pub ethertype: u16,
    pub payload: &'a [u8],
}

/// Strips the link layer. `Ok(None)` for frames that carry no network protocol we decode
/// (802.3 LLC frames, unknown ethertypes are returned with their ethertype).
pub(crate) fn link<'a>(lt: LinkType, d: &'a [u8]) -> Result<L2<'a>, &'static str> {
    match lt {
        LinkType::Ethernet => ethernet(d),
        LinkType::Null | LinkType::Loop => {
            let h = d.get(..4).ok_or("truncated_link_header")?;
            let fam_le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let fam_be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
            // The family is in the writer's byte order: accept either.
            let fam = if fam_le < 256 { fam_le } else { fam_be };
            let ethertype = match fam {
                2 => ETH_IPV4,
                10 | 24 | 28 | 30 => ETH_IPV6,
                _ => return Err("non_ip_packet_in_null_transport"),
            };
            Ok(L2 {
                src_mac: None,
                dst_mac: None,
                ethertype,
                payload: &d[4..],
            })
        }
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => {
            let v = d.first().ok_or("truncated_link_header")? >> 4;
            let ethertype = match v {
                4 => ETH_IPV4,
                6 => ETH_IPV6,
                _ => return Err("unknown_packet_type"),
            };
            Ok(L2 {
                src_mac: None,
                dst_mac: None,
                ethertype,
                payload: d,
            })
        }
        LinkType::LinuxSll => {
            if d.len() < 16 {
                return Err("truncated_link_header");
            }
            let halen = usize::from(be16(d, 4).unwrap_or(0));
            let src_mac = if halen == 6 { mac_at(d, 6) } else { None };
            let proto = be16(d, 14).ok_or("truncated_link_header")?;
            after_ethertype(src_mac, None, proto, &d[16..])
        }
        LinkType::LinuxSll2 => {
            if d.len() < 20 {
                return Err("truncated_link_header");
            }
            let proto = be16(d, 0).ok_or("truncated_link_header")?;
            let halen = d[11];
            let src_mac = if halen == 6 { mac_at(d, 12) } else { None };
            after_ethertype(src_mac, None, proto, &d[20..])
        }
        LinkType::Unsupported(_) => Err("unknown_link_type"),
    }
}

fn ethernet(d: &[u8]) -> Result<L2<'_>, &'static str> {
    if d.len() < 14 {
        return Err("truncated_link_header");
    }
    let dst_mac = mac_at(d, 0);
    let src_mac = mac_at(d, 6);
    let ethertype = be16(d, 12).ok_or("truncated_link_header")?;
    after_ethertype(src_mac, dst_mac, ethertype, &d[14..])
}

fn after_ethertype(
    src_mac: Option<Mac>,
    dst_mac: Option<Mac>,
    mut ethertype: u16,
    mut p: &[u8],
) -> Result<L2<'_>, &'static str> {
    let mut tags = 0;
    while matches!(ethertype, ETH_VLAN | ETH_QINQ | ETH_QINQ_OLD) {
        tags += 1;
        if tags > MAX_VLAN_TAGS {
            return Err("excessive_vlan_tags");
        }
        ethertype = be16(p, 2).ok_or("truncated_VLAN_header")?;
        p = &p[4..];
    }
    match ethertype {
        ETH_PPPOE_SESSION => {
            let ppp = be16(p, 6).ok_or("truncated_PPPoE_header")?;
            ethertype = match ppp {
                0x0021 => ETH_IPV4,
                0x0057 => ETH_IPV6,
                _ => return Err("non_ip_packet_in_pppoe"),
            };
            p = &p[8..];
        }
        ETH_MPLS => {
            let mut n = 0;
            loop {
                let lbl = be32(p, 0).ok_or("truncated_MPLS_header")?;
                p = &p[4..];
                n += 1;
                if lbl & 0x100 != 0 {
                    break;
                }
                if n > 16 {
                    return Err("excessive_mpls_labels");
                }
            }
            ethertype = match p.first().map(|b| b >> 4) {
                Some(4) => ETH_IPV4,
                Some(6) => ETH_IPV6,
                _ => return Err("non_ip_packet_in_mpls"),
            };
        }
        _ => {}
    }
    Ok(L2 {
        src_mac,
        dst_mac,
        ethertype,
        payload: p,
    })
}

/// An ARP packet (Ethernet / IPv4 only, as Zeek's ARP analyzer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArpPkt {
    pub op: ArpOp,
    pub sha: Mac,
    pub spa: Ipv4Addr,
    pub tha: Mac,
    pub tpa: Ipv4Addr,
}

pub(crate) fn arp(p: &[u8]) -> Result<ArpPkt, &'static str> {
    if p.len() < 8 {
        return Err("truncated_ARP");
    }
    let htype = be16(p, 0).unwrap_or(0);
    let ptype = be16(p, 2).unwrap_or(0);
    let (hlen, plen) = (p[4], p[5]);
    if htype != 1 && htype != 6 {
        return Err("unknown_ARP_hardware_type");
    }
    if ptype != ETH_IPV4 || hlen != 6 || plen != 4 {
        return Err("unknown_ARP_protocol_type");
    }
    if p.len() < 28 {
        return Err("truncated_ARP");
    }
    let op = match be16(p, 6).unwrap_or(0) {
        1 => ArpOp::Request,
        2 => ArpOp::Reply,
        _ => return Err("unknown_ARP_opcode"),
    };
    let ip = |at: usize| Ipv4Addr::new(p[at], p[at + 1], p[at + 2], p[at + 3]);
    Ok(ArpPkt {
        op,
        sha: mac_at(p, 8).ok_or("truncated_ARP")?,
        spa: ip(14),
        tha: mac_at(p, 18).ok_or("truncated_ARP")?,
        tpa: ip(24),
    })
}

/// IP fragment information (offset in bytes, more-fragments flag, identification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frag {
    pub id: u32,
    pub offset: u32,
    pub more: bool,
}

/// An IP packet: addresses, the upper protocol and its bytes (cut to the captured length and
/// to the IP length).
#[derive(Debug)]
pub(crate) struct IpPkt<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    /// IP total length from the header (Zeek's `ip_bytes` counts this).
    pub ip_len: u32,
    pub payload: &'a [u8],
    /// Bytes of upper-layer data that the IP header announces but the capture lacks.
    pub missing: u32,
    pub frag: Option<Frag>,
}

pub(crate) fn ipv4(p: &[u8]) -> Result<IpPkt<'_>, &'static str> {
    if p.len() < 20 {
        return Err("truncated_IP");
    }
    if p[0] >> 4 != 4 {
        return Err("IP_version_mismatch");
    }
    let hlen = usize::from(p[0] & 0x0f) * 4;
    if hlen < 20 {
        return Err("invalid_IP_header_size");
    }
    if p.len() < hlen {
        return Err("truncated_IP");
    }
    let total = usize::from(be16(p, 2).unwrap_or(0));
    // TSO / offloaded captures have total length 0: use the captured length.
    let total = if total == 0 { p.len() } else { total };
    if total < hlen {
        return Err("invalid_IP_header_size");
    }
    let end = total.min(p.len());
    let missing = u32::try_from(total - end).unwrap_or(u32::MAX);
    let id = u32::from(be16(p, 4).unwrap_or(0));
    let ff = be16(p, 6).unwrap_or(0);
    let more = ff & 0x2000 != 0;
    let offset = u32::from(ff & 0x1fff) * 8;
    let frag = (more || offset != 0).then_some(Frag { id, offset, more });
    Ok(IpPkt {
        src: IpAddr::V4(Ipv4Addr::new(p[12], p[13], p[14], p[15])),
        dst: IpAddr::V4(Ipv4Addr::new(p[16], p[17], p[18], p[19])),
        proto: p[9],
        ip_len: u32::try_from(total).unwrap_or(u32::MAX),
        payload: &p[hlen..end],
        missing,
        frag,
    })
}

fn v6_at(p: &[u8], at: usize) -> Option<Ipv6Addr> {
    let s: [u8; 16] = p.get(at..at + 16)?.try_into().ok()?;
    Some(Ipv6Addr::from(s))
}

pub(crate) fn ipv6(p: &[u8]) -> Result<IpPkt<'_>, &'static str> {
    if p.len() < 40 {
        return Err("truncated_IP");
    }
    if p[0] >> 4 != 6 {
        return Err("IP_version_mismatch");
    }
    let plen = usize::from(be16(p, 4).unwrap_or(0));
    // Jumbograms (payload length 0 with hop-by-hop) and offloaded captures: captured length.
    let total = if plen == 0 { p.len() } else { 40 + plen };
    let end = total.min(p.len());
    let missing = u32::try_from(total - end).unwrap_or(u32::MAX);
    let src = IpAddr::V6(v6_at(p, 8).ok_or("truncated_IP")?);
    let dst = IpAddr::V6(v6_at(p, 24).ok_or("truncated_IP")?);
    let mut next = p[6];
    let mut off = 40usize;
    let mut frag = None;
    // Walk the extension headers (bounded: at most 16).
    for _ in 0..16 {
        match next {
            0 | 43 | 60 | 135 | 139 | 140 => {
                let h = p.get(off..off + 2).filter(|_| off + 2 <= end);
                let h = h.ok_or("truncated_IPv6_extension_header")?;
                next = h[0];
                off += (usize::from(h[1]) + 1) * 8;
            }
            51 => {
                let h = p.get(off..off + 2).filter(|_| off + 2 <= end);
                let h = h.ok_or("truncated_IPv6_extension_header")?;
                next = h[0];
                off += (usize::from(h[1]) + 2) * 4;
            }
            44 => {
                if off + 8 > end {
                    return Err("truncated_IPv6_extension_header");
                }
                let h = &p[off..off + 8];
                next = h[0];
                let fo = u16::from_be_bytes([h[2], h[3]]);
                let more = fo & 1 != 0;
                let offset = u32::from(fo >> 3) * 8;
                let id = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
                if more || offset != 0 {
                    frag = Some(Frag { id, offset, more });
                }
                off += 8;
                if offset != 0 {
                    // Later fragments: the rest is data of the fragmented part.
                    break;
                }
            }
            _ => break,
        }
        if off > end {
            return Err("truncated_IPv6_extension_header");
        }
    }
    if off > end {
        return Err("truncated_IPv6_extension_header");
    }
    Ok(IpPkt {
        src,
        dst,
        proto: next,
        ip_len: u32::try_from(total).unwrap_or(u32::MAX),
        payload: &p[off..end],
        missing,
        frag,
    })
}

pub(crate) const TCP_FIN: u8 = 0x01;
pub(crate) const TCP_SYN: u8 = 0x02;
pub(crate) const TCP_RST: u8 = 0x04;
pub(crate) const TCP_ACK: u8 = 0x10;

#[derive(Debug)]
pub(crate) struct TcpHdr<'a> {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub flags: u8,
    pub win: u16,
    pub payload: &'a [u8],
}

pub(crate) fn tcp(p: &[u8]) -> Result<TcpHdr<'_>, &'static str> {
    if p.len() < 20 {
        return Err("truncated_header");
    }
    let doff = usize::from(p[12] >> 4) * 4;
    if doff < 20 {
        return Err("bad_TCP_header_len");
    }
    if p.len() < doff {
        return Err("truncated_header");
    }
    Ok(TcpHdr {
        sport: be16(p, 0).unwrap_or(0),
        dport: be16(p, 2).unwrap_or(0),
        seq: be32(p, 4).unwrap_or(0),
        flags: p[13],
        win: be16(p, 14).unwrap_or(0),
        payload: &p[doff..],
    })
}

#[derive(Debug)]
pub(crate) struct UdpHdr<'a> {
    pub sport: u16,
    pub dport: u16,
    pub payload: &'a [u8],
}

pub(crate) fn udp(p: &[u8]) -> Result<UdpHdr<'_>, &'static str> {
    if p.len() < 8 {
        return Err("truncated_header");
    }
    let len = usize::from(be16(p, 4).unwrap_or(0));
    // A UDP length of 0 happens with jumbograms and offloading: take what was captured.
    let end = if len == 0 {
        p.len()
    } else if len < 8 {
        return Err("bad_UDP_len");
    } else {
        len.min(p.len())
    };
    Ok(UdpHdr {
        sport: be16(p, 0).unwrap_or(0),
        dport: be16(p, 2).unwrap_or(0),
        payload: &p[8..end],
    })
}

/// ICMP (v4 or v6) type and code.
pub(crate) fn icmp(p: &[u8]) -> Result<(u8, u8, &[u8]), &'static str> {
    if p.len() < 4 {
        return Err("truncated_header");
    }
    Ok((p[0], p[1], p.get(8..).unwrap_or(&[])))
}

/// Zeek's ICMP "counterpart" types (request ↔ reply) so that both go into one connection;
/// `None` for one-way messages.
pub(crate) fn icmp_counterpart(v6: bool, t: u8) -> Option<(u8, bool)> {
    // (counterpart, this type is the request/originator side)
    if v6 {
        match t {
            128 => Some((129, true)),
            129 => Some((128, false)),
            133 => Some((134, true)),
            134 => Some((133, false)),
            135 => Some((136, true)),
            136 => Some((135, false)),
            130 => Some((131, true)),
            131 => Some((130, false)),
            _ => None,
        }
    } else {
        match t {
            8 => Some((0, true)),
            0 => Some((8, false)),
            13 => Some((14, true)),
            14 => Some((13, false)),
            15 => Some((16, true)),
            16 => Some((15, false)),
            17 => Some((18, true)),
            18 => Some((17, false)),
            10 => Some((9, true)),
            9 => Some((10, false)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_panics_on_prefixes() {
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x81, 0x00, 0, 5, 0x08, 0x00]);
        eth.extend_from_slice(&[
            0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        eth.extend_from_slice(&[0u8; 20]);
        for n in 0..eth.len() {
            let _ = link(LinkType::Ethernet, &eth[..n]).map(|l2| ipv4(l2.payload));
        }
        let l2 = link(LinkType::Ethernet, &eth).unwrap();
        assert_eq!(l2.ethertype, ETH_IPV4);
        let ip = ipv4(l2.payload).unwrap();
        assert_eq!(ip.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(ip.proto, 6);
        assert_eq!(ip.ip_len, 40);
        assert_eq!(ip.payload.len(), 20);
    }

    #[test]
    fn ipv6_extension_headers() {
        let mut p = vec![0x60, 0, 0, 0, 0, 16, 0, 64];
        p.extend_from_slice(&[0u8; 15]);
        p.push(1);
        p.extend_from_slice(&[0u8; 15]);
        p.push(2);
        // hop-by-hop (8 bytes) then UDP (8 bytes)
        p.extend_from_slice(&[17, 0, 0, 0, 0, 0, 0, 0]);
        p.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
        let ip = ipv6(&p).unwrap();
        assert_eq!(ip.proto, 17);
        assert_eq!(ip.payload.len(), 8);
        assert_eq!(ip.ip_len, 56);
        for n in 0..p.len() {
            let _ = ipv6(&p[..n]);
        }
    }
}

//! Network primitives: MAC addresses, transport protocols and IP address classes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An Ethernet MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    pub const ZERO: Mac = Mac([0; 6]);
    pub const BROADCAST: Mac = Mac([0xff; 6]);

    pub fn is_zero(&self) -> bool {
        *self == Mac::ZERO
    }
    pub fn is_broadcast(&self) -> bool {
        *self == Mac::BROADCAST
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid MAC address")]
pub struct MacParseError;

impl FromStr for Mac {
    type Err = MacParseError;
    /// Accepts `aa:bb:cc:dd:ee:ff` and `aa-bb-cc-dd-ee-ff`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if b.len() != 17 {
            return Err(MacParseError);
        }
        let mut out = [0u8; 6];
        for (i, o) in out.iter_mut().enumerate() {
            let p = i * 3;
            if i > 0 && b[p - 1] != b':' && b[p - 1] != b'-' {
                return Err(MacParseError);
            }
            let hi = hex(b[p]).ok_or(MacParseError)?;
            let lo = hex(b[p + 1]).ok_or(MacParseError)?;
            *o = hi << 4 | lo;
        }
        Ok(Mac(out))
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Transport (or link) protocol of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    Icmp6,
    Igmp,
    Gre,
    Arp,
    Esp,
    Other,
}

impl Proto {
    /// Parses the protocol names used by Zeek, Argus, Suricata and nfdump, case-insensitive.
    /// Unknown names map to `Other`; the parse never fails.
    pub fn parse(s: &str) -> Proto {
        match s.len() {
            3 if s.eq_ignore_ascii_case("tcp") => Proto::Tcp,
            3 if s.eq_ignore_ascii_case("udp") => Proto::Udp,
            3 if s.eq_ignore_ascii_case("gre") => Proto::Gre,
            3 if s.eq_ignore_ascii_case("arp") => Proto::Arp,
            3 if s.eq_ignore_ascii_case("esp") => Proto::Esp,
            4 if s.eq_ignore_ascii_case("icmp") => Proto::Icmp,
            4 if s.eq_ignore_ascii_case("igmp") => Proto::Igmp,
            _ if s.eq_ignore_ascii_case("ipv6-icmp")
                || s.eq_ignore_ascii_case("icmp6")
                || s.eq_ignore_ascii_case("icmpv6") =>
            {
                Proto::Icmp6
            }
            _ => Proto::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::Icmp6 => "ipv6-icmp",
            Proto::Igmp => "igmp",
            Proto::Gre => "gre",
            Proto::Arp => "arp",
            Proto::Esp => "esp",
            Proto::Other => "other",
        }
    }

    pub fn is_icmp(self) -> bool {
        matches!(self, Proto::Icmp | Proto::Icmp6)
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 1918 / RFC 4193 private address (not loopback, not link-local).
pub fn is_private(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

pub fn is_multicast(ip: &IpAddr) -> bool {
    ip.is_multicast() || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast())
}

pub fn is_link_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Addresses that no real host scans or is scanned at: multicast, broadcast, link-local,
/// loopback, unspecified and reserved ranges. Port-scan bookkeeping skips them.
pub fn is_special(ip: &IpAddr) -> bool {
    if is_multicast(ip) || is_link_local(ip) || ip.is_loopback() || ip.is_unspecified() {
        return true;
    }
    match ip {
        // 240.0.0.0/4 reserved, 0.0.0.0/8 "this network".
        IpAddr::V4(v4) => v4.octets()[0] >= 240 || v4.octets()[0] == 0,
        IpAddr::V6(_) => false,
    }
}

/// Public (globally routable) address: not private and not special.
pub fn is_public(ip: &IpAddr) -> bool {
    !is_private(ip) && !is_special(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trip() {
        let m: Mac = "08:00:27:7F:09:e1".parse().unwrap();
        assert_eq!(m.to_string(), "08:00:27:7f:09:e1");
        assert!("08:00:27:7f:09".parse::<Mac>().is_err());
        assert!("08:00:27:7f:09:zz".parse::<Mac>().is_err());
        assert!("ff-ff-ff-ff-ff-ff".parse::<Mac>().unwrap().is_broadcast());
    }

    #[test]
    fn proto_names() {
        assert_eq!(Proto::parse("TCP"), Proto::Tcp);
        assert_eq!(Proto::parse("ipv6-icmp"), Proto::Icmp6);
        assert_eq!(Proto::parse("unknown_transport"), Proto::Other);
    }

    #[test]
    fn ip_classes() {
        let p: IpAddr = "192.168.1.1".parse().unwrap();
        let m: IpAddr = "224.0.0.251".parse().unwrap();
        let g: IpAddr = "8.8.8.8".parse().unwrap();
        let ll: IpAddr = "fe80::1".parse().unwrap();
        let ula: IpAddr = "fd00::1".parse().unwrap();
        assert!(is_private(&p) && !is_public(&p));
        assert!(is_special(&m) && !is_public(&m));
        assert!(is_public(&g));
        assert!(is_special(&ll));
        assert!(is_private(&ula));
        assert!(is_special(&"255.255.255.255".parse().unwrap()));
    }
}

//! DIFFERENT_LOCALNET: traffic involving a private IPv4 address outside the local network.
//!
//! The local network is the first private IPv4 network of `parameters.client_ips`; without
//! one, the detector learns it from the traffic as Slips does for files: the RFC 1918 block
//! (`10.0.0.0/8`, `172.16.0.0/12` or `192.168.0.0/16`) containing the first private source
//! IP it sees, in event order.
//!
//! A connection is checked when it is not DNS (UDP port 53), both IPs have the same version
//! and none is special (multicast, broadcast, link-local, loopback, reserved), and either
//! both IPs are private or a public IP connects to a private one:
//! - a private destination outside the local network: HIGH, 1.0, the destination is the
//!   attacker (stored in its profile, never counts for the source's alert);
//! - a private source outside the local network: LOW, 1.0, the source is the attacker.
//!
//! Reported once per source, destination, port and protocol per window (Slips reports every
//! flow); at most [`MAX_KEYS_PER_WINDOW`] of them. Slips' DNS-record variant of this check
//! (private DNS servers) is not done here.

use crate::connections::{out_conn, MAX_KEYS_PER_WINDOW};
use foldhash::HashSet;
use slips_config::Config;
use slips_core::net::{is_private, is_special};
use slips_core::{
    Detector, DetectorCtx, Emitter, EvidenceDraft, EvidenceType, Proto, Record, RecordKind,
    RecordKinds, Side, ThreatLevel,
};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// An IPv4 network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net4 {
    base: Ipv4Addr,
    prefix: u8,
}

impl Net4 {
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Net4 {
        let prefix = prefix.min(32);
        let mask = Self::mask(prefix);
        Net4 {
            base: Ipv4Addr::from(u32::from(addr) & mask),
            prefix,
        }
    }

    fn mask(prefix: u8) -> u32 {
        if prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(prefix))
        }
    }

    pub fn contains(&self, ip: &Ipv4Addr) -> bool {
        u32::from(*ip) & Self::mask(self.prefix) == u32::from(self.base)
    }

    /// The RFC 1918 block of a private address (Slips' rule for files).
    pub fn rfc1918_block(ip: &Ipv4Addr) -> Option<Net4> {
        let o = ip.octets();
        match o[0] {
            10 => Some(Net4::new(*ip, 8)),
            172 if (16..32).contains(&o[1]) => Some(Net4::new(*ip, 12)),
            192 if o[1] == 168 => Some(Net4::new(*ip, 16)),
            _ => None,
        }
    }
}

impl fmt::Display for Net4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// The local network: configured, or learnt from the first private source.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalNet {
    net: Option<Net4>,
    configured: bool,
}

impl LocalNet {
    pub fn from_config(cfg: &Config) -> LocalNet {
        let net = cfg
            .parameters
            .client_ips
            .iter()
            .find_map(|n| match n.addr() {
                IpAddr::V4(a) if a.is_private() => Some(Net4::new(a, n.prefix_len())),
                _ => None,
            });
        LocalNet {
            net,
            configured: net.is_some(),
        }
    }

    pub fn fixed(net: Net4) -> LocalNet {
        LocalNet {
            net: Some(net),
            configured: true,
        }
    }

    /// Learns the network from a source address if none is known yet.
    pub fn learn(&mut self, saddr: &IpAddr) {
        if self.configured || self.net.is_some() {
            return;
        }
        if let IpAddr::V4(a) = saddr {
            self.net = Net4::rfc1918_block(a);
        }
    }

    pub fn get(&self) -> Option<Net4> {
        self.net
    }
}

#[derive(Default)]
pub struct DifferentLocalnet {
    local: LocalNet,
}

impl DifferentLocalnet {
    pub fn new(local: LocalNet) -> Self {
        DifferentLocalnet { local }
    }
}

/// Whether a private IPv4 address lies outside the network.
fn outside(ip: &IpAddr, net: Net4) -> bool {
    match ip {
        IpAddr::V4(a) => a.is_private() && !net.contains(a),
        IpAddr::V6(_) => false,
    }
}

impl Detector for DifferentLocalnet {
    const NAME: &'static str = "different_localnet";
    const DESCRIPTION: &'static str =
        "Connections from or to private IPs outside the local network";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DIFFERENT_LOCALNET];
    const CONFIG_KEYS: &'static [&'static str] = &["parameters.client_ips"];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashSet<(IpAddr, IpAddr, u16, Proto)>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        seen: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if is_private(&saddr) {
            self.local.learn(&saddr);
        }
        let Some(net) = self.local.get() else { return };
        let proto = c.proto();
        if proto == Proto::Udp && c.dport == 53 {
            return;
        }
        if saddr.is_ipv4() != daddr.is_ipv4() || is_special(&saddr) || is_special(&daddr) {
            return;
        }
        if !is_private(&daddr) {
            return;
        }
        let (dst_out, src_out) = (outside(&daddr, net), outside(&saddr, net));
        if !dst_out && !src_out {
            return;
        }
        let key = (saddr, daddr, c.dport, proto);
        if seen.contains(&key) || seen.len() >= MAX_KEYS_PER_WINDOW {
            return;
        }
        seen.insert(key);
        let p = proto.as_str();
        let base = |attacker, side, victim, vside, level, description| {
            EvidenceDraft::new(
                EvidenceType::DIFFERENT_LOCALNET,
                attacker,
                side,
                level,
                1.0,
                c.ts,
                description,
            )
            .victim_ip(victim, vside)
            .proto(proto)
            .ports(Some(c.sport), Some(c.dport))
            .uids([c.uid.clone()])
        };
        if dst_out {
            out.emit(base(
                daddr,
                Side::Dst,
                saddr,
                Side::Src,
                ThreatLevel::High,
                format!(
                    "A connection to a private IP ({daddr}) on port {}/{p} outside of the used local network {net}. From IP: {saddr} on destination port: {}/{}",
                    c.dport,
                    c.dport,
                    p.to_ascii_uppercase()
                ),
            ));
        }
        if src_out {
            out.emit(base(
                saddr,
                Side::Src,
                daddr,
                Side::Dst,
                ThreatLevel::Low,
                format!(
                    "A connection from a private IP ({saddr}) on port {}/{p} outside of the used local network {net}. To IP: {daddr}",
                    c.dport
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::ConnState;

    #[test]
    fn networks() {
        let n = Net4::rfc1918_block(&"172.20.1.1".parse().unwrap()).unwrap();
        assert_eq!(n.to_string(), "172.16.0.0/12");
        assert!(n.contains(&"172.31.255.1".parse().unwrap()));
        assert!(!n.contains(&"172.32.0.1".parse().unwrap()));
        assert_eq!(Net4::rfc1918_block(&"8.8.8.8".parse().unwrap()), None);
        assert_eq!(
            Net4::new("192.168.1.77".parse().unwrap(), 24).to_string(),
            "192.168.1.0/24"
        );
        let mut cfg = Config::default();
        cfg.parameters.client_ips = vec![
            "8.8.8.0/24".parse().unwrap(),
            "10.1.2.0/24".parse().unwrap(),
        ];
        assert_eq!(
            LocalNet::from_config(&cfg).get().unwrap().to_string(),
            "10.1.2.0/24"
        );
    }

    #[test]
    fn learns_the_first_private_source_and_reports_both_sides() {
        let flows = vec![
            conn(
                1.0,
                "C1",
                "192.168.1.5",
                "8.8.8.8",
                443,
                Proto::Tcp,
                ConnState::SF,
            ),
            conn(
                2.0,
                "C2",
                "192.168.1.5",
                "10.0.0.1",
                445,
                Proto::Tcp,
                ConnState::S0,
            ),
            conn(
                3.0,
                "C3",
                "192.168.1.5",
                "10.0.0.1",
                445,
                Proto::Tcp,
                ConnState::S0,
            ),
            conn(
                4.0,
                "C4",
                "10.0.0.9",
                "192.168.1.5",
                22,
                Proto::Tcp,
                ConnState::SF,
            ),
            conn(
                5.0,
                "C5",
                "192.168.1.5",
                "10.0.0.2",
                53,
                Proto::Udp,
                ConnState::SF,
            ),
            conn(
                6.0,
                "C6",
                "192.168.1.5",
                "192.168.7.7",
                80,
                Proto::Tcp,
                ConnState::SF,
            ),
        ];
        let ev = run(DifferentLocalnet::default(), &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.profile.to_string(),
                    e.attacker.side,
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("10.0.0.1".into(), Side::Dst, ThreatLevel::High, 1.0, "A connection to a private IP (10.0.0.1) on port 445/tcp outside of the used local network 192.168.0.0/16. From IP: 192.168.1.5 on destination port: 445/TCP".into()),
                ("10.0.0.9".into(), Side::Src, ThreatLevel::Low, 1.0, "A connection from a private IP (10.0.0.9) on port 22/tcp outside of the used local network 192.168.0.0/16. To IP: 192.168.1.5".into()),
            ]
        );
    }

    #[test]
    fn configured_network_wins() {
        let flows = vec![conn(
            1.0,
            "C1",
            "192.168.1.5",
            "192.168.7.7",
            80,
            Proto::Tcp,
            ConnState::SF,
        )];
        let d = DifferentLocalnet::new(LocalNet::fixed(Net4::new(
            "192.168.1.0".parse().unwrap(),
            24,
        )));
        let ev = run(d, &flows);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].attacker.value, "192.168.7.7");
    }
}

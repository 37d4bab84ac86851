//! UNKNOWN_PORT: a TCP or UDP connection to a destination port without a registered, common
//! service (the IANA table in `slips_core::ports`). LOW, confidence 1 when established and
//! 0.5 otherwise (Slips: HIGH and MEDIUM, which alone would raise alerts on benign
//! peer-to-peer and vendor traffic). Description as Slips: `Connection to unknown destination port 8760/UDP
//! destination IP 122.248.252.67.`
//!
//! Not reported, as in Slips:
//! - ports known to be used by an organisation when the knowledge base says the destination
//!   belongs to it (Google STUN/Meet UDP/TCP 19302–19309, Microsoft Teams UDP 3478–3481);
//! - P2P-like traffic: UDP to ports above 30000 once the profile sent such traffic to 5
//!   distinct IPs, or 6 times to one IP, in the window (Slips keeps that count for the whole
//!   run and for all profiles together);
//! - FTP data channels: ports an FTP server announced in ftp.log (per server IP, at most
//!   [`MAX_FTP_PORTS`], oldest forgotten first);
//! - traffic of a profile that is port scanning in this window:
//!   [`portscan::MIN_TARGETS`] distinct IPs on one port, or ports on one IP, with connection
//!   attempts (the same rule as the port-scan detectors, counted here).
//!
//! Not reported either (Slips does): multicast and broadcast destinations, including UDP to
//! an IPv4 `.255` address that never answered (LAN discovery such as Dropbox 17500, Spotify
//! 57621, Syncthing 21027, MikroTik 5678 is not a connection to a service).
//!
//! Each destination IP, port and protocol is reported once per window (Slips reports every
//! flow). Per-window memory: at most [`MAX_KEYS_PER_WINDOW`] keys per map, scan sets capped
//! at the threshold.

use crate::connections::{is_broadcast_like, out_conn, MAX_KEYS_PER_WINDOW};
use crate::knowledge::{Knowledge, Org};
use crate::portscan;
use foldhash::{HashMap, HashSet};
use slips_core::net::is_special;
use slips_core::ports::is_known;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, ThreatLevel,
};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

/// Most FTP data ports remembered (across windows).
pub const MAX_FTP_PORTS: usize = 4096;

/// Ports used by organisations: `(first, last, proto, org)`.
const ORG_PORTS: &[(u16, u16, Proto, Org)] = &[
    (19302, 19309, Proto::Udp, Org::Google),
    (19302, 19309, Proto::Tcp, Org::Google),
    (3478, 3481, Proto::Udp, Org::Microsoft),
];

pub struct UnknownPort {
    knowledge: Arc<dyn Knowledge>,
    ftp_ports: HashSet<(IpAddr, u16)>,
    ftp_order: VecDeque<(IpAddr, u16)>,
}

impl Default for UnknownPort {
    fn default() -> Self {
        Self::new(Arc::new(crate::NoKnowledge))
    }
}

impl UnknownPort {
    pub fn new(knowledge: Arc<dyn Knowledge>) -> Self {
        UnknownPort {
            knowledge,
            ftp_ports: HashSet::default(),
            ftp_order: VecDeque::new(),
        }
    }

    fn org_port(&self, port: u16, proto: Proto, daddr: IpAddr) -> bool {
        ORG_PORTS.iter().any(|&(a, b, p, org)| {
            p == proto && (a..=b).contains(&port) && self.knowledge.ip_org(daddr) == Some(org)
        })
    }

    fn learn_ftp_port(&mut self, server: IpAddr, port: u16) {
        if !self.ftp_ports.insert((server, port)) {
            return;
        }
        self.ftp_order.push_back((server, port));
        if self.ftp_order.len() > MAX_FTP_PORTS {
            if let Some(old) = self.ftp_order.pop_front() {
                self.ftp_ports.remove(&old);
            }
        }
    }
}

#[derive(Default)]
pub struct UnknownPortState {
    reported: HashSet<(IpAddr, u16, Proto)>,
    /// UDP > 30000: flows per destination.
    p2p: HashMap<IpAddr, u32>,
    /// Not-established targets per (proto, port) and per (proto, IP), capped at the scan
    /// threshold.
    horizontal: HashMap<(Proto, u16), HashSet<IpAddr>>,
    vertical: HashMap<(Proto, IpAddr), HashSet<u16>>,
    scanner: bool,
}

impl UnknownPortState {
    /// Port-scan bookkeeping; true once the profile counts as a scanner in this window.
    fn scan_check(&mut self, proto: Proto, daddr: IpAddr, dport: u16) -> bool {
        if self.scanner {
            return true;
        }
        let over = portscan::MIN_TARGETS;
        if self.horizontal.len() < MAX_KEYS_PER_WINDOW
            || self.horizontal.contains_key(&(proto, dport))
        {
            let s = self.horizontal.entry((proto, dport)).or_default();
            if s.len() < over {
                s.insert(daddr);
            }
            self.scanner |= s.len() >= over;
        }
        if self.vertical.len() < MAX_KEYS_PER_WINDOW || self.vertical.contains_key(&(proto, daddr))
        {
            let s = self.vertical.entry((proto, daddr)).or_default();
            if s.len() < over {
                s.insert(dport);
            }
            self.scanner |= s.len() >= over;
        }
        self.scanner
    }

    /// Slips' P2P rule, per profile and window.
    fn is_p2p(&mut self, proto: Proto, daddr: IpAddr, dport: u16) -> bool {
        if proto != Proto::Udp || dport <= 30000 {
            return false;
        }
        if !self.p2p.contains_key(&daddr) && self.p2p.len() >= MAX_KEYS_PER_WINDOW {
            return true;
        }
        let n = self.p2p.entry(daddr).or_default();
        if *n >= 6 {
            return true;
        }
        *n += 1;
        self.p2p.len() >= 5
    }
}

impl Detector for UnknownPort {
    const NAME: &'static str = "unknown_port";
    const DESCRIPTION: &'static str = "Connections to destination ports without a known service";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::UNKNOWN_PORT];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn, RecordKind::Ftp]);
    type WindowState = UnknownPortState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut UnknownPortState,
        r: &Record,
        out: &mut Emitter,
    ) {
        if let Record::Ftp(f) = r {
            if let (Direction::Out, Some(id), Some(p)) =
                (ctx.direction, f.id, f.data_channel_resp_p)
            {
                self.learn_ftp_port(id.daddr, p);
            }
            return;
        }
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        let proto = match c.proto {
            Some(p @ (Proto::Tcp | Proto::Udp)) => p,
            _ => return,
        };
        if c.is_attempt() && !is_special(&daddr) && st.scan_check(proto, daddr, c.dport) {
            return;
        }
        if st.scanner || c.dport == 0 || is_known(c.dport, proto) || is_broadcast_like(c, &daddr) {
            return;
        }
        if self.org_port(c.dport, proto, daddr) || st.is_p2p(proto, daddr, c.dport) {
            return;
        }
        if self.ftp_ports.contains(&(daddr, c.dport)) {
            return;
        }
        let key = (daddr, c.dport, proto);
        if st.reported.contains(&key) || st.reported.len() >= MAX_KEYS_PER_WINDOW {
            return;
        }
        st.reported.insert(key);
        // An unusual port is interesting, not an attack by itself (docs/scoring.md).
        let conf = if c.is_established() { 1.0 } else { 0.5 };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::UNKNOWN_PORT,
                saddr,
                Side::Src,
                ThreatLevel::Low,
                conf,
                c.ts,
                format!(
                    "Connection to unknown destination port {}/{} destination IP {daddr}.",
                    c.dport,
                    proto.as_str().to_ascii_uppercase()
                ),
            )
            .victim_ip(daddr, Side::Dst)
            .proto(proto)
            .ports(Some(c.sport), Some(c.dport))
            .uids([c.uid.clone()]),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::{ConnState, Flow, Ftp, Timestamp};

    fn descs(ev: &[slips_core::Evidence]) -> Vec<(ThreatLevel, f64, String)> {
        ev.iter()
            .map(|e| (e.threat_level, e.confidence, e.description.clone()))
            .collect()
    }

    #[test]
    fn golden_and_levels() {
        let flows = vec![
            conn(
                1.0,
                "C1",
                "192.168.1.129",
                "122.248.252.67",
                8760,
                Proto::Udp,
                ConnState::SF,
            ),
            conn(
                2.0,
                "C2",
                "192.168.1.129",
                "122.248.252.67",
                8760,
                Proto::Udp,
                ConnState::SF,
            ),
            conn(
                3.0,
                "C3",
                "192.168.1.129",
                "1.2.3.4",
                4444,
                Proto::Tcp,
                ConnState::S0,
            ),
            conn(
                4.0,
                "C4",
                "192.168.1.129",
                "1.2.3.4",
                443,
                Proto::Tcp,
                ConnState::SF,
            ),
            conn(
                5.0,
                "C5",
                "192.168.1.129",
                "1.2.3.4",
                0,
                Proto::Icmp,
                ConnState::OTH,
            ),
        ];
        let ev = run(UnknownPort::default(), &flows);
        assert_eq!(
            descs(&ev),
            vec![
                (ThreatLevel::Low, 1.0, "Connection to unknown destination port 8760/UDP destination IP 122.248.252.67.".into()),
                (ThreatLevel::Low, 0.5, "Connection to unknown destination port 4444/TCP destination IP 1.2.3.4.".into()),
            ]
        );
        assert_eq!(ev[0].attacker.value, "192.168.1.129");
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "122.248.252.67");
        assert_eq!(ev[0].dst_port, Some(8760));
    }

    #[test]
    fn broadcasts_are_not_reported() {
        let flows = vec![
            conn(
                1.0,
                "C1",
                "147.32.83.55",
                "147.32.83.255",
                17500,
                Proto::Udp,
                ConnState::S0,
            ),
            conn(
                2.0,
                "C2",
                "147.32.83.55",
                "255.255.255.255",
                17500,
                Proto::Udp,
                ConnState::S0,
            ),
            conn(
                3.0,
                "C3",
                "147.32.83.55",
                "239.255.255.250",
                17500,
                Proto::Udp,
                ConnState::S0,
            ),
        ];
        assert!(run(UnknownPort::default(), &flows).is_empty());
    }

    #[test]
    fn scanners_are_not_reported() {
        // Ten ports on one host: a vertical scan. The first nine are reported before the
        // scan is known (as in Slips), the rest are not.
        let flows: Vec<_> = (0..12)
            .map(|i| {
                conn(
                    i as f64,
                    "C",
                    "10.0.0.1",
                    "10.0.0.2",
                    40000 + i as u16,
                    Proto::Tcp,
                    ConnState::REJ,
                )
            })
            .collect();
        assert_eq!(run(UnknownPort::default(), &flows).len(), 9);
    }

    #[test]
    fn p2p_like_udp_is_skipped() {
        let flows: Vec<_> = (0..8)
            .map(|i| {
                conn(
                    i as f64,
                    &format!("C{i}"),
                    "10.0.0.1",
                    &format!("5.5.5.{i}"),
                    45000,
                    Proto::Udp,
                    ConnState::SF,
                )
            })
            .collect();
        // Four destinations reported, from the fifth on it is P2P.
        assert_eq!(run(UnknownPort::default(), &flows).len(), 4);
    }

    #[test]
    fn ftp_data_ports_and_org_ports() {
        let ftp = Flow::from(Record::Ftp(Box::new(Ftp {
            ts: Timestamp::from_secs(1.0),
            uid: "F".into(),
            id: Some(slips_core::Endpoints {
                saddr: "10.0.0.1".parse().unwrap(),
                sport: 50000,
                daddr: "5.5.5.5".parse().unwrap(),
                dport: 21,
            }),
            data_channel_resp_p: Some(40123),
            ..Default::default()
        })));
        let data = conn(
            2.0,
            "C",
            "10.0.0.1",
            "5.5.5.5",
            40123,
            Proto::Tcp,
            ConnState::SF,
        );
        assert!(run(UnknownPort::default(), &[ftp, data.clone()]).is_empty());
        assert_eq!(run(UnknownPort::default(), &[data]).len(), 1);

        struct G;
        impl Knowledge for G {
            fn ip_org(&self, _: IpAddr) -> Option<Org> {
                Some(Org::Google)
            }
        }
        let stun = conn(
            1.0,
            "C",
            "10.0.0.1",
            "74.125.1.1",
            19305,
            Proto::Udp,
            ConnState::SF,
        );
        assert!(run(UnknownPort::new(Arc::new(G)), std::slice::from_ref(&stun)).is_empty());
        assert_eq!(run(UnknownPort::default(), &[stun]).len(), 1);
    }
}

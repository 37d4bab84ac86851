//! Connection-level heuristics of Slips' `flow_alerts` that need at most one time window of
//! memory: long connections, reconnection attempts (and telnet), port 0, connections to
//! private IPs, TOR exit nodes, connections to multiple unknown ports, devices changing IPs
//! and GRE tunnels/scans.
//!
//! Thresholds, threat levels, confidences and descriptions are Slips'. Where this differs from
//! Slips it is said in the detector's doc. Only the profile's own traffic (`Direction::Out`)
//! is analysed, so each flow is judged once.

use crate::knowledge::Knowledge;
use crate::util::push_capped;
use foldhash::{HashMap, HashSet};
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::net::{is_link_local, is_multicast, is_private, is_public};
use slips_core::ports::is_known;
use slips_core::{
    Conn, ConnState, Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Mac,
    Proto, Record, RecordKind, RecordKinds, Side, Str, ThreatLevel,
};
use std::net::IpAddr;
use std::sync::Arc;

/// Most keys (destinations, tuples) any per-window map of this module holds; further keys
/// are not tracked (documented per detector).
pub const MAX_KEYS_PER_WINDOW: usize = 16_384;

/// The profile's own connection with both addresses.
pub(crate) fn out_conn<'a>(ctx: &DetectorCtx, r: &'a Record) -> Option<(&'a Conn, IpAddr, IpAddr)> {
    let Record::Conn(c) = r else { return None };
    if ctx.direction != Direction::Out {
        return None;
    }
    Some((c, c.saddr?, c.daddr?))
}

/// A destination that is not one host: multicast, the limited broadcast, or (heuristically)
/// a directed broadcast: UDP to an IPv4 address ending in `.255` that never answered.
pub(crate) fn is_broadcast_like(c: &Conn, daddr: &IpAddr) -> bool {
    is_multicast(daddr)
        || matches!(daddr, IpAddr::V4(v4) if v4.octets()[3] == 255
            && c.proto == Some(Proto::Udp)
            && c.dpkts == 0
            && c.dbytes == 0)
}

/// Slips rounds confidences to two decimals.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

// ---------------------------------------------------------------------------------------

/// LONG_CONNECTION: a connection lasting more than `flow_alerts.long_connection_threshold`
/// seconds (1500), unless either IP is multicast. LOW; confidence grows with the duration,
/// 1 at 24 h (`(dur − 86400)/86400 + 1`, rounded to 0.01).
pub struct LongConnection {
    threshold: f64,
}

impl Default for LongConnection {
    fn default() -> Self {
        LongConnection { threshold: 1500.0 }
    }
}

impl LongConnection {
    pub fn new(threshold: f64) -> Self {
        LongConnection { threshold }
    }
}

impl Detector for LongConnection {
    const NAME: &'static str = "long_connection";
    const DESCRIPTION: &'static str = "Connections lasting longer than the configured threshold";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::LONG_CONNECTION];
    const CONFIG_KEYS: &'static [&'static str] = &["flow_alerts.long_connection_threshold"];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if c.duration <= self.threshold || is_multicast(&saddr) || is_multicast(&daddr) {
            return;
        }
        let conf = round2((c.duration - 86400.0) / 86400.0 + 1.0).min(1.0);
        out.emit(
            EvidenceDraft::new(
                EvidenceType::LONG_CONNECTION,
                saddr,
                Side::Src,
                ThreatLevel::Low,
                conf,
                c.ts,
                format!(
                    "Long Connection. Connection from {saddr} to destination address: {daddr} took {} mins",
                    (c.duration / 60.0) as i64
                ),
            )
            .victim_ip(daddr, Side::Dst)
            .proto(c.proto())
            .ports(Some(c.sport), Some(c.dport))
            .uids([c.uid.clone()]),
        );
    }
}

// ---------------------------------------------------------------------------------------

/// MULTIPLE_RECONNECTION_ATTEMPTS: 5 rejected (`REJ`) connections from the profile to one
/// destination IP and port in a window (then the counter restarts, so 10, 15, ... report
/// again); and 4 not-established TCP connections to one destination's telnet port (23 or
/// 2323). MEDIUM, confidence 0.5. At most [`MAX_KEYS_PER_WINDOW`] destinations tracked per
/// window and kind.
#[derive(Default)]
pub struct ReconnectionAttempts;

#[derive(Default)]
pub struct Reconnections {
    rejected: HashMap<(IpAddr, u16), Vec<Str>>,
    telnet: HashMap<IpAddr, Vec<Str>>,
}

/// Adds a uid to the counter of `key`; returns the uids when the count reached `at` (and
/// restarts the counter).
fn count_to<K: std::hash::Hash + Eq>(
    m: &mut HashMap<K, Vec<Str>>,
    key: K,
    uid: &Str,
    at: usize,
) -> Option<Vec<Str>> {
    if !m.contains_key(&key) && m.len() >= MAX_KEYS_PER_WINDOW {
        return None;
    }
    let v = m.entry(key).or_default();
    v.push(uid.clone());
    (v.len() >= at).then(|| std::mem::take(v))
}

impl Detector for ReconnectionAttempts {
    const NAME: &'static str = "reconnection_attempts";
    const DESCRIPTION: &'static str =
        "Repeated rejected connections, and repeated failed telnet connections, to one host";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::MULTIPLE_RECONNECTION_ATTEMPTS];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = Reconnections;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Reconnections,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        let draft = |uids: Vec<Str>, description: String| {
            EvidenceDraft::new(
                EvidenceType::MULTIPLE_RECONNECTION_ATTEMPTS,
                saddr,
                Side::Src,
                ThreatLevel::Medium,
                0.5,
                c.ts,
                description,
            )
            .victim_ip(daddr, Side::Dst)
            .proto(c.proto())
            .ports(None, Some(c.dport))
            .uids(uids)
        };
        if c.state == ConnState::REJ {
            if let Some(uids) = count_to(&mut st.rejected, (daddr, c.dport), &c.uid, 5) {
                let n = uids.len();
                out.emit(draft(
                    uids,
                    format!("Multiple reconnection attempts from IP: {saddr} to destination IP: {daddr} reconnections: {n}."),
                ));
            }
        }
        if !c.is_established() && c.proto == Some(Proto::Tcp) && matches!(c.dport, 23 | 2323) {
            if let Some(uids) = count_to(&mut st.telnet, daddr, &c.uid, 4) {
                let n = uids.len();
                out.emit(draft(
                    uids,
                    format!("Multiple Telnet reconnection attempts from IP: {saddr} to Destination IP: {daddr} reconnections: {n}"),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------

/// PORT_0_CONNECTION: a TCP or UDP connection from or to port 0 (not to multicast). The
/// attacker is the side using port 0: the source (counts for its alert) or the destination
/// (stored in its profile). HIGH, 0.8. Slips also checks other protocols, whose "ports"
/// Zeek sets to 0 (`unknown_transport`, GRE, ESP): those are not port-0 traffic and are
/// skipped here.
#[derive(Default)]
pub struct PortZero;

impl Detector for PortZero {
    const NAME: &'static str = "port_zero";
    const DESCRIPTION: &'static str = "TCP or UDP connections from or to port 0";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::PORT_0_CONNECTION];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if !matches!(c.proto, Some(Proto::Tcp | Proto::Udp)) || is_multicast(&daddr) {
            return;
        }
        if c.sport != 0 && c.dport != 0 {
            return;
        }
        let (attacker, a_side, victim, v_side) = if c.sport == 0 {
            (saddr, Side::Src, daddr, Side::Dst)
        } else {
            (daddr, Side::Dst, saddr, Side::Src)
        };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::PORT_0_CONNECTION,
                attacker,
                a_side,
                ThreatLevel::High,
                0.8,
                c.ts,
                format!(
                    "Connection on port 0 from {saddr}:{} to {daddr}:{}.",
                    c.sport, c.dport
                ),
            )
            .victim_ip(victim, v_side)
            .proto(c.proto())
            .ports(Some(c.sport), Some(c.dport))
            .uids([c.uid.clone()]),
        );
    }
}

// ---------------------------------------------------------------------------------------

/// CONNECTION_TO_PRIVATE_IP: a connection between two private IPs. INFO, 1.0. Skips
/// broadcasts (see [`is_broadcast_like`]: NetBIOS and discovery protocols), DNS
/// (UDP 53), DHCP (UDP 67/68) and DHCPv6 (UDP 546/547) service traffic; Slips skips DNS and
/// DHCP only when they go to the gateway, which a file analysis rarely knows. Reported once
/// per destination, port and protocol per window (Slips reports every flow, flooding the
/// log with identical lines); at most [`MAX_KEYS_PER_WINDOW`] of them.
#[derive(Default)]
pub struct ConnectionToPrivateIp;

impl Detector for ConnectionToPrivateIp {
    const NAME: &'static str = "connection_to_private_ip";
    const DESCRIPTION: &'static str = "Connections from a private IP to another private IP";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::CONNECTION_TO_PRIVATE_IP];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashSet<(IpAddr, u16, Proto)>;

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
        if !is_private(&saddr) || !is_private(&daddr) || is_broadcast_like(c, &daddr) {
            return;
        }
        let proto = c.proto();
        if proto == Proto::Udp && matches!(c.dport, 53 | 67 | 68 | 546 | 547) {
            return;
        }
        let key = (daddr, c.dport, proto);
        if seen.contains(&key) || seen.len() >= MAX_KEYS_PER_WINDOW {
            return;
        }
        seen.insert(key);
        let description = match proto {
            Proto::Icmp | Proto::Icmp6 => {
                format!("Connecting to private IP: {daddr} protocol: ICMP")
            }
            Proto::Tcp | Proto::Udp => {
                format!(
                    "Connecting to private IP: {daddr} on destination port: {}",
                    c.dport
                )
            }
            _ => format!("Connecting to private IP: {daddr}"),
        };
        out.emit(
            EvidenceDraft::new(
                EvidenceType::CONNECTION_TO_PRIVATE_IP,
                saddr,
                Side::Src,
                ThreatLevel::Info,
                1.0,
                c.ts,
                description,
            )
            .victim_ip(daddr, Side::Dst)
            .proto(proto)
            .ports(Some(c.sport), Some(c.dport))
            .uids([c.uid.clone()]),
        );
    }
}

// ---------------------------------------------------------------------------------------

/// TOR_EXIT_NODE: a connection to an IP that the knowledge base lists as a TOR exit node.
/// INFO, 1.0. Once per destination per window (at most [`MAX_KEYS_PER_WINDOW`]). Without a
/// TOR list nothing is reported.
pub struct TorExitNode {
    knowledge: Arc<dyn Knowledge>,
}

impl Default for TorExitNode {
    fn default() -> Self {
        TorExitNode {
            knowledge: Arc::new(crate::NoKnowledge),
        }
    }
}

impl TorExitNode {
    pub fn new(knowledge: Arc<dyn Knowledge>) -> Self {
        TorExitNode { knowledge }
    }
}

impl Detector for TorExitNode {
    const NAME: &'static str = "tor_exit_node";
    const DESCRIPTION: &'static str = "Connections to known TOR exit nodes";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::TOR_EXIT_NODE];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashSet<IpAddr>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        seen: &mut HashSet<IpAddr>,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if seen.contains(&daddr) || seen.len() >= MAX_KEYS_PER_WINDOW {
            return;
        }
        if !self.knowledge.is_tor_exit_node(daddr) {
            return;
        }
        seen.insert(daddr);
        out.emit(
            EvidenceDraft::new(
                EvidenceType::TOR_EXIT_NODE,
                saddr,
                Side::Src,
                ThreatLevel::Info,
                1.0,
                c.ts,
                format!("A connection to TOR exit node {daddr}."),
            )
            .victim_ip(daddr, Side::Dst)
            .proto(c.proto())
            .ports(Some(c.sport), Some(c.dport))
            .uids([c.uid.clone()]),
        );
    }
}

// ---------------------------------------------------------------------------------------

/// CONNECTION_TO_MULTIPLE_PORTS: established TCP connections from the profile to two or more
/// distinct ports of one destination, on ports without a known service (Zeek recognised no
/// protocol and the port is not a registered service). INFO, 0.5. Reported again each time
/// a new port is added (Slips repeats it for every new flow); at most 64 ports and
/// [`MAX_KEYS_PER_WINDOW`] destinations per window.
#[derive(Default)]
pub struct ConnectionToMultiplePorts;

#[derive(Default)]
pub struct PortsTo {
    ports: Vec<u16>,
    uids: Vec<Str>,
    flows: u64,
}

const MAX_PORTS_PER_DST: usize = 64;

impl Detector for ConnectionToMultiplePorts {
    const NAME: &'static str = "connection_to_multiple_ports";
    const DESCRIPTION: &'static str =
        "Established TCP connections to several unknown ports of one host";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::CONNECTION_TO_MULTIPLE_PORTS];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashMap<IpAddr, PortsTo>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if c.proto != Some(Proto::Tcp) || !c.is_established() {
            return;
        }
        if c.service.as_deref().is_some_and(|s| !s.is_empty()) || is_known(c.dport, Proto::Tcp) {
            return;
        }
        if !st.contains_key(&daddr) && st.len() >= MAX_KEYS_PER_WINDOW {
            return;
        }
        let p = st.entry(daddr).or_default();
        p.flows += 1;
        push_capped(&mut p.uids, c.uid.clone(), MAX_UIDS_PER_EVIDENCE);
        if p.ports.contains(&c.dport) || p.ports.len() >= MAX_PORTS_PER_DST {
            return;
        }
        p.ports.push(c.dport);
        if p.ports.len() < 2 {
            return;
        }
        let list: Vec<String> = p.ports.iter().map(|x| x.to_string()).collect();
        out.emit(
            EvidenceDraft::new(
                EvidenceType::CONNECTION_TO_MULTIPLE_PORTS,
                saddr,
                Side::Src,
                ThreatLevel::Info,
                0.5,
                c.ts,
                format!(
                    "Connection to multiple ports [{}] from {saddr} to {daddr}.",
                    list.join(", ")
                ),
            )
            .victim_ip(daddr, Side::Dst)
            .proto(Proto::Tcp)
            .uids(p.uids.iter().cloned())
            .flow_count(p.flows),
        );
    }
}

// ---------------------------------------------------------------------------------------

/// DEVICE_CHANGING_IP: the first connection of a private IPv4 source whose MAC address
/// (`orig_l2_addr`) was first seen with another private IPv4 source. MEDIUM, 0.8.
///
/// Slips 1.1.21 never fires it from conn.log (it does not read Zeek's MAC fields, bug #3 of
/// the reference); here the MACs are read. Sources that are special (`0.0.0.0`, broadcast,
/// link-local) are skipped, as in Slips. In addition, MACs learnt to be the gateway's (the
/// destination MAC of a private → public connection) are ignored: a router forwards traffic of
/// many IPs under its own MAC. Memory spans windows: at most [`MAX_MACS`] MACs and
/// [`MAX_MACS`] source IPs; beyond that new ones are not checked.
#[derive(Default)]
pub struct DeviceChangingIp {
    first_ip_of_mac: HashMap<Mac, IpAddr>,
    seen_sources: HashSet<IpAddr>,
    gateway_macs: HashSet<Mac>,
}

pub const MAX_MACS: usize = 65_536;
const MAX_GATEWAY_MACS: usize = 16;

fn usable_private_v4(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V4(v4) if v4.is_private()) && !is_link_local(ip)
}

impl Detector for DeviceChangingIp {
    const NAME: &'static str = "device_changing_ip";
    const DESCRIPTION: &'static str = "A MAC address that appears with a new private IP";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DEVICE_CHANGING_IP];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
            return;
        };
        if is_private(&saddr) && is_public(&daddr) {
            if let Some(g) = c.dmac.filter(|m| !m.is_zero() && !m.is_broadcast()) {
                if self.gateway_macs.len() < MAX_GATEWAY_MACS {
                    self.gateway_macs.insert(g);
                }
            }
        }
        let Some(mac) = c.smac.filter(|m| !m.is_zero() && !m.is_broadcast()) else {
            return;
        };
        if !usable_private_v4(&saddr) || self.seen_sources.contains(&saddr) {
            return;
        }
        if self.seen_sources.len() >= MAX_MACS {
            return;
        }
        self.seen_sources.insert(saddr);
        if self.gateway_macs.contains(&mac) {
            return;
        }
        match self.first_ip_of_mac.get(&mac) {
            None => {
                if self.first_ip_of_mac.len() < MAX_MACS {
                    self.first_ip_of_mac.insert(mac, saddr);
                }
            }
            Some(old) if *old != saddr => {
                out.emit(
                    EvidenceDraft::new(
                        EvidenceType::DEVICE_CHANGING_IP,
                        saddr,
                        Side::Src,
                        ThreatLevel::Medium,
                        0.8,
                        c.ts,
                        format!(
                            "A device changing IPs. IP {saddr} was found with MAC address {mac} but the MAC belongs originally to IP: {old}."
                        ),
                    )
                    .proto(c.proto())
                    .uids([c.uid.clone()]),
                );
            }
            Some(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------

/// GRE_TUNNEL / GRE_SCAN from Zeek's tunnel.log: a `Tunnel::GRE` record is a scan when its
/// action is `Tunnel::DISCOVER`, a tunnel otherwise. LOW, 1.0.
#[derive(Default)]
pub struct GreTunnel;

impl Detector for GreTunnel {
    const NAME: &'static str = "gre_tunnel";
    const DESCRIPTION: &'static str = "GRE tunnels and GRE scans reported in Zeek's tunnel.log";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::GRE_TUNNEL, EvidenceType::GRE_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Tunnel]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Tunnel(t) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let Some(id) = t.id else { return };
        if !t.tunnel_type.as_deref().is_some_and(|x| x.contains("GRE")) {
            return;
        }
        let action = t.action.as_deref().unwrap_or("-");
        let (ty, what) = if action.contains("DISCOVER") {
            (EvidenceType::GRE_SCAN, "scan")
        } else {
            (EvidenceType::GRE_TUNNEL, "tunnel")
        };
        let mut d = EvidenceDraft::new(
            ty,
            id.saddr,
            Side::Src,
            ThreatLevel::Low,
            1.0,
            t.ts,
            format!(
                "GRE {what} from {} to {} tunnel action: {action}",
                id.saddr, id.daddr
            ),
        )
        .victim_ip(id.daddr, Side::Dst)
        .proto(Proto::Gre);
        if let Some(uid) = &t.uid {
            d = d.uids([uid.clone()]);
        }
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::{Evidence, Flow, Timestamp, Tunnel};

    type Row = (
        EvidenceType,
        String,
        String,
        Option<String>,
        ThreatLevel,
        f64,
        String,
    );

    fn rows(ev: &[Evidence]) -> Vec<Row> {
        ev.iter()
            .map(|e| {
                (
                    e.evidence_type,
                    e.profile.to_string(),
                    format!("{:?}:{}", e.attacker.side, e.attacker.value),
                    e.victim
                        .as_ref()
                        .map(|v| format!("{:?}:{}", v.side, v.value)),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect()
    }

    fn with(f: Flow, edit: impl FnOnce(&mut Conn)) -> Flow {
        let mut f = f;
        if let Record::Conn(c) = &mut f.record {
            edit(c);
        }
        f
    }

    fn tcp(ts: f64, uid: &str, src: &str, dst: &str, dport: u16, st: ConnState) -> Flow {
        conn(ts, uid, src, dst, dport, Proto::Tcp, st)
    }

    #[test]
    fn long_connection_threshold_and_golden() {
        let f = |dur: f64| {
            with(
                tcp(0.0, "C1", "10.0.0.1", "8.8.8.8", 443, ConnState::SF),
                |c| c.duration = dur,
            )
        };
        assert!(run(LongConnection::default(), &[f(1500.0)]).is_empty());
        let ev = run(LongConnection::default(), &[f(1500.5)]);
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::LONG_CONNECTION,
                "10.0.0.1".into(),
                "Src:10.0.0.1".into(),
                Some("Dst:8.8.8.8".into()),
                ThreatLevel::Low,
                0.02,
                "Long Connection. Connection from 10.0.0.1 to destination address: 8.8.8.8 took 25 mins".into()
            )]
        );
        assert_eq!(ev[0].dst_port, Some(443));
        assert_eq!(
            run(LongConnection::default(), &[f(200_000.0)])[0].confidence,
            1.0
        );
        assert_eq!(
            run(LongConnection::new(100.0), &[f(3456.0)])[0].confidence,
            0.04
        );
        let mc = with(f(5000.0), |c| {
            c.daddr = Some("224.0.0.251".parse().unwrap())
        });
        assert!(run(LongConnection::default(), &[mc]).is_empty());
    }

    #[test]
    fn reconnections_every_five_rejections() {
        let flows: Vec<_> = (0..11)
            .map(|i| {
                tcp(
                    i as f64,
                    &format!("C{i}"),
                    "10.0.0.1",
                    "1.2.3.4",
                    8080,
                    ConnState::REJ,
                )
            })
            .collect();
        assert!(run(ReconnectionAttempts, &flows[..4]).is_empty());
        let ev = run(ReconnectionAttempts, &flows);
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::MULTIPLE_RECONNECTION_ATTEMPTS,
                    "10.0.0.1".into(),
                    "Src:10.0.0.1".into(),
                    Some("Dst:1.2.3.4".into()),
                    ThreatLevel::Medium,
                    0.5,
                    "Multiple reconnection attempts from IP: 10.0.0.1 to destination IP: 1.2.3.4 reconnections: 5.".into()
                );
                2
            ]
        );
        assert_eq!(ev[0].uids, vec!["C0", "C1", "C2", "C3", "C4"]);
        assert_eq!(ev[1].uids, vec!["C5", "C6", "C7", "C8", "C9"]);
        // Different ports do not add up.
        let mixed: Vec<_> = (0..5)
            .map(|i| {
                tcp(
                    i as f64,
                    "C",
                    "10.0.0.1",
                    "1.2.3.4",
                    8080 + i as u16,
                    ConnState::REJ,
                )
            })
            .collect();
        assert!(run(ReconnectionAttempts, &mixed).is_empty());
    }

    #[test]
    fn telnet_reconnections_at_four() {
        let flows: Vec<_> = (0..4)
            .map(|i| {
                tcp(
                    i as f64,
                    &format!("T{i}"),
                    "10.0.0.1",
                    "1.2.3.4",
                    if i % 2 == 0 { 23 } else { 2323 },
                    ConnState::S0,
                )
            })
            .collect();
        assert!(run(ReconnectionAttempts, &flows[..3]).is_empty());
        let ev = run(ReconnectionAttempts, &flows);
        assert_eq!(ev.len(), 1);
        assert_eq!(
            ev[0].description,
            "Multiple Telnet reconnection attempts from IP: 10.0.0.1 to Destination IP: 1.2.3.4 reconnections: 4"
        );
        assert_eq!(
            (ev[0].threat_level, ev[0].confidence),
            (ThreatLevel::Medium, 0.5)
        );
        let est: Vec<_> = (0..4)
            .map(|i| tcp(i as f64, "T", "10.0.0.1", "1.2.3.4", 23, ConnState::SF))
            .collect();
        assert!(run(ReconnectionAttempts, &est).is_empty());
    }

    #[test]
    fn port_zero_attacker_is_the_side_using_it() {
        let from0 = with(
            tcp(1.0, "C1", "10.0.0.1", "1.2.3.4", 80, ConnState::S0),
            |c| c.sport = 0,
        );
        let to0 = tcp(2.0, "C2", "10.0.0.1", "1.2.3.4", 0, ConnState::S0);
        let icmp = conn(
            3.0,
            "C3",
            "10.0.0.1",
            "1.2.3.4",
            0,
            Proto::Icmp,
            ConnState::OTH,
        );
        let other = conn(
            4.0,
            "C4",
            "10.0.0.1",
            "1.2.3.4",
            0,
            Proto::Other,
            ConnState::OTH,
        );
        let fine = tcp(5.0, "C5", "10.0.0.1", "1.2.3.4", 80, ConnState::S0);
        let ev = run(PortZero, &[from0, to0, icmp, other, fine]);
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::PORT_0_CONNECTION,
                    "10.0.0.1".into(),
                    "Src:10.0.0.1".into(),
                    Some("Dst:1.2.3.4".into()),
                    ThreatLevel::High,
                    0.8,
                    "Connection on port 0 from 10.0.0.1:0 to 1.2.3.4:80.".into()
                ),
                (
                    EvidenceType::PORT_0_CONNECTION,
                    "1.2.3.4".into(),
                    "Dst:1.2.3.4".into(),
                    Some("Src:10.0.0.1".into()),
                    ThreatLevel::High,
                    0.8,
                    "Connection on port 0 from 10.0.0.1:50000 to 1.2.3.4:0.".into()
                ),
            ]
        );
    }

    #[test]
    fn private_ip_once_per_destination_port() {
        let flows = vec![
            tcp(1.0, "C1", "192.168.1.5", "192.168.1.1", 80, ConnState::SF),
            tcp(2.0, "C2", "192.168.1.5", "192.168.1.1", 80, ConnState::SF),
            conn(
                3.0,
                "C3",
                "192.168.1.5",
                "10.0.0.1",
                0,
                Proto::Icmp,
                ConnState::OTH,
            ),
            conn(
                4.0,
                "C4",
                "192.168.1.5",
                "192.168.1.1",
                53,
                Proto::Udp,
                ConnState::SF,
            ),
            tcp(5.0, "C5", "192.168.1.5", "8.8.8.8", 80, ConnState::SF),
            tcp(6.0, "C6", "8.8.8.8", "192.168.1.5", 80, ConnState::SF),
            // NetBIOS broadcast to the directed broadcast address.
            conn(
                7.0,
                "C7",
                "192.168.1.5",
                "192.168.1.255",
                137,
                Proto::Udp,
                ConnState::S0,
            ),
        ];
        let ev = run(ConnectionToPrivateIp, &flows);
        let d: Vec<_> = rows(&ev).into_iter().map(|r| (r.4, r.5, r.6)).collect();
        assert_eq!(
            d,
            vec![
                (
                    ThreatLevel::Info,
                    1.0,
                    "Connecting to private IP: 192.168.1.1 on destination port: 80".into()
                ),
                (
                    ThreatLevel::Info,
                    1.0,
                    "Connecting to private IP: 10.0.0.1 protocol: ICMP".into()
                ),
            ]
        );
        assert_eq!(ev[0].uids, vec!["C1"]);
    }

    struct Tor;
    impl Knowledge for Tor {
        fn is_tor_exit_node(&self, ip: IpAddr) -> bool {
            ip.to_string() == "185.220.101.1"
        }
    }

    #[test]
    fn tor_exit_node_needs_knowledge() {
        let flows = vec![
            tcp(1.0, "C1", "10.0.0.1", "185.220.101.1", 443, ConnState::SF),
            tcp(2.0, "C2", "10.0.0.1", "185.220.101.1", 443, ConnState::SF),
            tcp(3.0, "C3", "10.0.0.1", "185.220.101.2", 443, ConnState::SF),
        ];
        assert!(run(TorExitNode::default(), &flows).is_empty());
        let ev = run(TorExitNode::new(Arc::new(Tor)), &flows);
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::TOR_EXIT_NODE,
                "10.0.0.1".into(),
                "Src:10.0.0.1".into(),
                Some("Dst:185.220.101.1".into()),
                ThreatLevel::Info,
                1.0,
                "A connection to TOR exit node 185.220.101.1.".into()
            )]
        );
    }

    #[test]
    fn multiple_unknown_ports() {
        let flows = vec![
            tcp(1.0, "C1", "10.0.0.1", "5.6.7.8", 4444, ConnState::SF),
            tcp(2.0, "C2", "10.0.0.1", "5.6.7.8", 4444, ConnState::SF),
            tcp(3.0, "C3", "10.0.0.1", "5.6.7.8", 443, ConnState::SF),
            tcp(4.0, "C4", "10.0.0.1", "5.6.7.8", 5555, ConnState::S0),
            with(
                tcp(5.0, "C5", "10.0.0.1", "5.6.7.8", 7777, ConnState::SF),
                |c| c.service = Some("http".into()),
            ),
            tcp(6.0, "C6", "10.0.0.1", "5.6.7.8", 6666, ConnState::SF),
            tcp(7.0, "C7", "10.0.0.1", "5.6.7.8", 7778, ConnState::SF),
        ];
        assert!(run(ConnectionToMultiplePorts, &flows[..5]).is_empty());
        let ev = run(ConnectionToMultiplePorts, &flows);
        let d: Vec<_> = rows(&ev).into_iter().map(|r| (r.4, r.5, r.6)).collect();
        assert_eq!(
            d,
            vec![
                (
                    ThreatLevel::Info,
                    0.5,
                    "Connection to multiple ports [4444, 6666] from 10.0.0.1 to 5.6.7.8.".into()
                ),
                (
                    ThreatLevel::Info,
                    0.5,
                    "Connection to multiple ports [4444, 6666, 7778] from 10.0.0.1 to 5.6.7.8."
                        .into()
                ),
            ]
        );
        assert_eq!(ev[0].uids, vec!["C1", "C2", "C6"]);
        assert_eq!(ev[1].flow_count, 4);
    }

    #[test]
    fn device_changing_ip() {
        let mac: Mac = "08:00:27:7f:09:e1".parse().unwrap();
        let gw: Mac = "52:54:00:12:35:02".parse().unwrap();
        let f = |ts: f64, uid: &str, src: &str, dst: &str, smac: Mac, dmac: Mac| {
            with(tcp(ts, uid, src, dst, 443, ConnState::SF), |c| {
                c.smac = Some(smac);
                c.dmac = Some(dmac);
            })
        };
        let flows = vec![
            f(1.0, "C1", "192.168.1.5", "8.8.8.8", mac, gw),
            f(2.0, "C2", "192.168.1.5", "8.8.4.4", mac, gw),
            f(3.0, "C3", "192.168.1.9", "8.8.8.8", mac, gw),
            f(4.0, "C4", "192.168.1.9", "8.8.8.8", mac, gw),
            // The gateway forwarding a VPN client's traffic: not a device changing IPs.
            f(5.0, "C5", "10.8.0.2", "192.168.1.5", gw, mac),
            f(6.0, "C6", "10.8.0.3", "192.168.1.5", gw, mac),
        ];
        let ev = run(DeviceChangingIp::default(), &flows);
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::DEVICE_CHANGING_IP,
                "192.168.1.9".into(),
                "Src:192.168.1.9".into(),
                None,
                ThreatLevel::Medium,
                0.8,
                "A device changing IPs. IP 192.168.1.9 was found with MAC address 08:00:27:7f:09:e1 but the MAC belongs originally to IP: 192.168.1.5.".into()
            )]
        );
        assert!(run(DeviceChangingIp::default(), &flows[..2]).is_empty());
    }

    #[test]
    fn gre_tunnel_and_scan() {
        let t = |ts: f64, action: &str| {
            Flow::from(Record::Tunnel(Box::new(Tunnel {
                ts: Timestamp::from_secs(ts),
                uid: Some(format!("T{ts}").into()),
                id: Some(slips_core::Endpoints {
                    saddr: "10.0.0.1".parse().unwrap(),
                    sport: 0,
                    daddr: "10.0.0.2".parse().unwrap(),
                    dport: 0,
                }),
                tunnel_type: Some("Tunnel::GRE".into()),
                action: Some(action.into()),
            })))
        };
        let ev = run(
            GreTunnel,
            &[t(1.0, "Tunnel::DISCOVER"), t(2.0, "Tunnel::CLOSE")],
        );
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::GRE_SCAN,
                    "10.0.0.1".into(),
                    "Src:10.0.0.1".into(),
                    Some("Dst:10.0.0.2".into()),
                    ThreatLevel::Low,
                    1.0,
                    "GRE scan from 10.0.0.1 to 10.0.0.2 tunnel action: Tunnel::DISCOVER".into()
                ),
                (
                    EvidenceType::GRE_TUNNEL,
                    "10.0.0.1".into(),
                    "Src:10.0.0.1".into(),
                    Some("Dst:10.0.0.2".into()),
                    ThreatLevel::Low,
                    1.0,
                    "GRE tunnel from 10.0.0.1 to 10.0.0.2 tunnel action: Tunnel::CLOSE".into()
                ),
            ]
        );
    }
}

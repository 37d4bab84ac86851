//! Horizontal and vertical port scans from not-established connections (Slips'
//! `network_discovery`).
//!
//! Horizontal: one source, one destination port, many destination IPs. Vertical: one source,
//! one destination IP, many ports. Only the profile's own (outbound) TCP and UDP flows that
//! were not established count, to addresses that can be scanned (not multicast, broadcast,
//! link-local, loopback or reserved); horizontal scans also skip flows whose originator Zeek
//! flipped (`^` in the history).
//!
//! Reporting: the first evidence when more than 5 distinct targets were seen (6), then again
//! each time the count reaches the next power of ten (10, 100, 1000, ...), once per window.
//! Slips needs 10 for the first report and, after it forgets its bucket cache at window
//! close, reports the same scan again; here each level is reported exactly once.

use crate::util::{fmt_confidence, packet_confidence, push_capped};
use foldhash::{HashMap, HashSet};
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::net::is_special;
use slips_core::ports::service_name;
use slips_core::{
    Conn, Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel,
};
use std::net::IpAddr;

/// More than this many distinct targets make a scan.
pub const MIN_TARGETS: usize = 5;
/// Most targets remembered per key: enough for every report level, bounded memory.
const MAX_TRACKED: usize = 1 << 17;

/// Report level of a count: `None` below the minimum, 0 from 6, then `floor(log10(n))`.
fn level(n: usize) -> Option<u32> {
    if n <= MIN_TARGETS {
        None
    } else if n < 10 {
        Some(0)
    } else {
        Some(n.ilog10())
    }
}

/// A flow that counts for scans, with its packets sent.
fn scan_flow<'a>(ctx: &DetectorCtx, r: &'a Record) -> Option<(&'a Conn, IpAddr, u64)> {
    let Record::Conn(c) = r else { return None };
    if ctx.direction != Direction::Out || c.is_established() {
        return None;
    }
    if !matches!(c.proto, Some(Proto::Tcp | Proto::Udp)) {
        return None;
    }
    let daddr = c.daddr?;
    if is_special(&daddr) {
        return None;
    }
    let pkts = if c.spkts > 0 { c.spkts } else { c.pkts() };
    Some((c, daddr, pkts))
}

pub struct Targets<T> {
    seen: HashSet<T>,
    pkts: u64,
    flows: u64,
    reported: Option<u32>,
    uids: Vec<Str>,
}

impl<T> Default for Targets<T> {
    fn default() -> Self {
        Targets {
            seen: HashSet::default(),
            pkts: 0,
            flows: 0,
            reported: None,
            uids: Vec::new(),
        }
    }
}

impl<T: std::hash::Hash + Eq> Targets<T> {
    /// Adds a flow; returns the new count when it reached a level not reported yet.
    fn add(&mut self, target: T, c: &Conn, pkts: u64) -> Option<usize> {
        if self.seen.len() < MAX_TRACKED {
            self.seen.insert(target);
        }
        self.pkts = self.pkts.saturating_add(pkts);
        self.flows += 1;
        push_capped(&mut self.uids, c.uid.clone(), MAX_UIDS_PER_EVIDENCE);
        let n = self.seen.len();
        let l = level(n)?;
        if self.reported.is_some_and(|r| r >= l) {
            return None;
        }
        self.reported = Some(l);
        Some(n)
    }
}

/// Horizontal port scan detector.
#[derive(Default)]
pub struct HorizontalPortScan;

impl Detector for HorizontalPortScan {
    const NAME: &'static str = "horizontal_port_scan";
    const DESCRIPTION: &'static str =
        "A host trying one port on many IPs with connections that are not established";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::HORIZONTAL_PORT_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashMap<(Proto, u16), Targets<IpAddr>>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, daddr, pkts)) = scan_flow(ctx, r) else {
            return;
        };
        if c.is_flipped() {
            return;
        }
        let proto = c.proto();
        let t = st.entry((proto, c.dport)).or_default();
        let Some(n) = t.add(daddr, c, pkts) else {
            return;
        };
        let conf = packet_confidence(t.pkts);
        let service = service_name(c.dport, proto)
            .map(|s| format!("{s} "))
            .unwrap_or_default();
        out.emit(
            EvidenceDraft::new(
                EvidenceType::HORIZONTAL_PORT_SCAN,
                ctx.profile,
                Side::Src,
                ThreatLevel::High,
                conf,
                c.ts,
                format!(
                    "Horizontal port scan to port {service}{}/{}. From {} to {n} unique destination IPs. Total packets sent: {}. Confidence: {}. by Slips",
                    c.dport,
                    proto,
                    ctx.profile,
                    t.pkts,
                    fmt_confidence(conf)
                ),
            )
            .proto(proto)
            .ports(None, Some(c.dport))
            .uids(t.uids.iter().cloned())
            .flow_count(t.flows),
        );
    }
}

/// Vertical port scan detector.
#[derive(Default)]
pub struct VerticalPortScan;

impl Detector for VerticalPortScan {
    const NAME: &'static str = "vertical_port_scan";
    const DESCRIPTION: &'static str =
        "A host trying many ports of one IP with connections that are not established";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::VERTICAL_PORT_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashMap<(Proto, IpAddr), Targets<u16>>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((c, daddr, pkts)) = scan_flow(ctx, r) else {
            return;
        };
        let proto = c.proto();
        let t = st.entry((proto, daddr)).or_default();
        let Some(n) = t.add(c.dport, c, pkts) else {
            return;
        };
        let conf = packet_confidence(t.pkts);
        out.emit(
            EvidenceDraft::new(
                EvidenceType::VERTICAL_PORT_SCAN,
                ctx.profile,
                Side::Src,
                ThreatLevel::High,
                conf,
                c.ts,
                format!(
                    "new vertical port scan to IP {daddr} from {}. Total {n} {} ports were scanned. Total packets sent to all ports: {}. Confidence: {}. by Slips",
                    ctx.profile,
                    proto.as_str().to_ascii_uppercase(),
                    t.pkts,
                    fmt_confidence(conf)
                ),
            )
            .victim_ip(daddr, Side::Dst)
            .proto(proto)
            .uids(t.uids.iter().cloned())
            .flow_count(t.flows),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::ConnState::{REJ, S0, SF};

    #[test]
    fn levels() {
        assert_eq!(level(5), None);
        assert_eq!(level(6), Some(0));
        assert_eq!(level(9), Some(0));
        assert_eq!(level(10), Some(1));
        assert_eq!(level(99), Some(1));
        assert_eq!(level(100), Some(2));
    }

    fn horizontal(n: u32, state: slips_core::ConnState, port: u16) -> Vec<slips_core::Flow> {
        (0..n)
            .map(|i| {
                conn(
                    i as f64,
                    &format!("C{i}"),
                    "192.168.2.12",
                    &format!("147.32.81.{}", i + 1),
                    port,
                    Proto::Tcp,
                    state,
                )
            })
            .collect()
    }

    #[test]
    fn horizontal_golden() {
        let ev = run(HorizontalPortScan, &horizontal(12, S0, 445));
        let d: Vec<_> = ev.iter().map(|e| e.description.as_str()).collect();
        assert_eq!(
            d,
            vec![
                "Horizontal port scan to port microsoft-ds 445/tcp. From 192.168.2.12 to 6 unique destination IPs. Total packets sent: 6. Confidence: 0.6. by Slips",
                "Horizontal port scan to port microsoft-ds 445/tcp. From 192.168.2.12 to 10 unique destination IPs. Total packets sent: 10. Confidence: 1. by Slips",
            ]
        );
        let e = &ev[1];
        assert_eq!(e.evidence_type, EvidenceType::HORIZONTAL_PORT_SCAN);
        assert_eq!(e.threat_level, ThreatLevel::High);
        assert_eq!(e.confidence, 1.0);
        assert_eq!(e.dst_port, Some(445));
        assert_eq!(e.proto, Some(Proto::Tcp));
        assert_eq!(e.uids.len(), 10);
        assert_eq!(e.attacker.value, "192.168.2.12");
    }

    #[test]
    fn horizontal_needs_more_than_five_and_not_established() {
        assert!(run(HorizontalPortScan, &horizontal(5, REJ, 23)).is_empty());
        assert!(run(HorizontalPortScan, &horizontal(50, SF, 23)).is_empty());
        assert_eq!(run(HorizontalPortScan, &horizontal(6, REJ, 23)).len(), 1);
        // 150 targets: 6, 10, 100, each once.
        assert_eq!(run(HorizontalPortScan, &horizontal(150, S0, 23)).len(), 3);
    }

    #[test]
    fn horizontal_ignores_multicast_flipped_and_icmp() {
        let mut flows = horizontal(8, S0, 23);
        for f in &mut flows {
            if let Record::Conn(c) = &mut f.record {
                c.history = "^d".into();
            }
        }
        assert!(run(HorizontalPortScan, &flows).is_empty());
        let mc: Vec<_> = (0..8)
            .map(|i| {
                conn(
                    i as f64,
                    "C",
                    "10.0.0.1",
                    &format!("224.0.0.{i}"),
                    5353,
                    Proto::Udp,
                    S0,
                )
            })
            .collect();
        assert!(run(HorizontalPortScan, &mc).is_empty());
        let icmp: Vec<_> = (0..8)
            .map(|i| {
                conn(
                    i as f64,
                    "C",
                    "10.0.0.1",
                    &format!("8.8.8.{i}"),
                    0,
                    Proto::Icmp,
                    S0,
                )
            })
            .collect();
        assert!(run(HorizontalPortScan, &icmp).is_empty());
    }

    #[test]
    fn vertical_golden() {
        let flows: Vec<_> = (0..10)
            .map(|i| {
                conn(
                    i as f64,
                    &format!("C{i}"),
                    "10.0.0.9",
                    "10.0.0.1",
                    20 + i as u16,
                    Proto::Udp,
                    S0,
                )
            })
            .collect();
        let ev = run(VerticalPortScan, &flows);
        let d: Vec<_> = ev.iter().map(|e| e.description.as_str()).collect();
        assert_eq!(
            d,
            vec![
                "new vertical port scan to IP 10.0.0.1 from 10.0.0.9. Total 6 UDP ports were scanned. Total packets sent to all ports: 6. Confidence: 0.6. by Slips",
                "new vertical port scan to IP 10.0.0.1 from 10.0.0.9. Total 10 UDP ports were scanned. Total packets sent to all ports: 10. Confidence: 1. by Slips",
            ]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "10.0.0.1");
        // Repeated ports do not count twice.
        let same: Vec<_> = (0..20)
            .map(|i| {
                conn(
                    i as f64,
                    "C",
                    "10.0.0.9",
                    "10.0.0.1",
                    20 + (i % 5) as u16,
                    Proto::Tcp,
                    S0,
                )
            })
            .collect();
        assert!(run(VerticalPortScan, &same).is_empty());
    }
}

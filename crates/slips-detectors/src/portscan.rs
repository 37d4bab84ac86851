//! Horizontal and vertical port scans from connection attempts (Slips' `network_discovery`).
//!
//! Horizontal: one source, one destination port, many destination IPs. Vertical: one source,
//! one destination IP, many ports. Only the profile's own (outbound) TCP and UDP connection
//! *attempts* count ([`Conn::is_attempt`]): the originator opened them and got no
//! established connection. A host that answers a scan with RSTs, SYN ACKs or UDP replies is
//! never the scanner, and flows Zeek flipped (`^`) do not count for horizontal scans.
//! Targets that cannot be scanned (multicast, broadcast, link-local, loopback, reserved) are
//! skipped.
//!
//! Reporting (Slips 1.1.21 reports first at 10 targets): evidence at 10 distinct targets,
//! again at each report step (20, 50, 100, 200, 500, ...) and, when the window closes, once
//! more with the true count if it grew since the last report, so a 999-port scan ends as
//! "999 ports". Each report is the same finding for the window score, counted once.
//! Confidence grows with the targets: 0.3 at 10, 1 at 30 ([`ramp`]).

use crate::util::{fmt_confidence, push_capped, ramp, report_step};
use foldhash::HashMap;
use slips_core::bounded::{shed, Distinct};
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::net::is_special;
use slips_core::ports::service_name;
use slips_core::{
    Conn, Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::net::IpAddr;

/// Distinct targets of the first report.
pub const MIN_TARGETS: usize = 10;
/// Targets at which a scan is certain.
pub const FULL_TARGETS: usize = 30;
/// Most keys ((protocol, port) or (protocol, destination)) per profile and window: beyond,
/// the keys with the fewest targets are shed (counted), so a flood of distinct
/// destinations costs bounded memory while a real scan, which gains targets fast, stays.
pub const MAX_KEYS: usize = 8192;

/// Confidence of a scan of `n` distinct targets.
pub fn scan_confidence(n: usize) -> f64 {
    ramp(n as f64, MIN_TARGETS as f64, FULL_TARGETS as f64)
}

/// A flow that counts for scans, with its packets sent.
fn scan_flow<'a>(ctx: &DetectorCtx, r: &'a Record) -> Option<(&'a Conn, IpAddr, u64)> {
    let Record::Conn(c) = r else { return None };
    if ctx.direction != Direction::Out || !c.is_attempt() {
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

/// The distinct targets of one key: destination IPs counted exactly up to
/// [`slips_core::bounded::EXACT_DISTINCT`] and estimated beyond, ports always exactly.
pub trait TargetSet: Default {
    type Item;
    fn insert(&mut self, x: Self::Item);
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TargetSet for Distinct {
    type Item = IpAddr;
    fn insert(&mut self, x: IpAddr) {
        Distinct::insert(self, &x);
    }
    fn len(&self) -> usize {
        Distinct::len(self)
    }
}

const FEW_PORTS: usize = 10;
/// A sorted list costs 2 bytes a port; past this many a bitmap (8 KiB) is smaller.
const LISTED_PORTS: usize = 4096;

/// Ports in three forms by size: inline, a sorted list, a bitmap of all 65,536. Most keys of
/// a flood hold a few ports: 8 KiB each for those would be most of the flood's memory.
#[derive(Default)]
pub struct PortSet {
    n: u32,
    few: [u16; FEW_PORTS],
    more: PortsBeyond,
}

#[derive(Default)]
enum PortsBeyond {
    #[default]
    None,
    Sorted(Vec<u16>),
    Bits(Box<[u64; 1024]>),
}

impl TargetSet for PortSet {
    type Item = u16;
    fn insert(&mut self, p: u16) {
        let n = self.n as usize;
        match &mut self.more {
            PortsBeyond::Bits(bits) => {
                let (w, b) = (usize::from(p / 64), p % 64);
                if bits[w] & (1 << b) == 0 {
                    bits[w] |= 1 << b;
                    self.n += 1;
                }
            }
            PortsBeyond::Sorted(v) => {
                let Err(at) = v.binary_search(&p) else { return };
                v.insert(at, p);
                self.n += 1;
                if v.len() > LISTED_PORTS {
                    let mut bits = Box::new([0u64; 1024]);
                    for q in v.iter().copied() {
                        bits[usize::from(q / 64)] |= 1 << (q % 64);
                    }
                    self.more = PortsBeyond::Bits(bits);
                }
            }
            PortsBeyond::None => {
                if self.few[..n].contains(&p) {
                    return;
                }
                if n < FEW_PORTS {
                    self.few[n] = p;
                } else {
                    let mut v: Vec<u16> = self.few.iter().copied().chain([p]).collect();
                    v.sort_unstable();
                    self.more = PortsBeyond::Sorted(v);
                }
                self.n += 1;
            }
        }
    }
    fn len(&self) -> usize {
        self.n as usize
    }
}

pub struct Targets<S> {
    seen: S,
    pkts: u64,
    flows: u64,
    /// Count of the last report (0: none yet).
    reported: usize,
    last_ts: Timestamp,
    uids: Vec<Str>,
}

impl<S: Default> Default for Targets<S> {
    fn default() -> Self {
        Targets {
            seen: S::default(),
            pkts: 0,
            flows: 0,
            reported: 0,
            last_ts: Timestamp::default(),
            uids: Vec::new(),
        }
    }
}

impl<S: TargetSet> Targets<S> {
    /// Adds a flow; returns the count when it reached a report step not reported yet.
    fn add(&mut self, target: S::Item, c: &Conn, pkts: u64) -> Option<usize> {
        self.seen.insert(target);
        self.pkts = self.pkts.saturating_add(pkts);
        self.flows += 1;
        self.last_ts = self.last_ts.max(c.ts);
        push_capped(&mut self.uids, c.uid.clone(), MAX_UIDS_PER_EVIDENCE);
        let n = self.seen.len();
        if n < MIN_TARGETS || report_step(n as u64) <= report_step(self.reported as u64) {
            return None;
        }
        self.reported = n;
        Some(n)
    }

    /// At window close: the true count, if it grew since the last report.
    fn final_count(&mut self) -> Option<usize> {
        let n = self.seen.len();
        (self.reported > 0 && n > self.reported).then(|| {
            self.reported = n;
            n
        })
    }
}

/// The key's targets, making room first when the window holds [`MAX_KEYS`] keys: those with
/// the fewest targets go, never one that was reported (it would be reported again).
fn targets<'a, K: std::hash::Hash + Eq, S: TargetSet>(
    st: &'a mut HashMap<K, Targets<S>>,
    key: K,
    out: &mut Emitter,
) -> &'a mut Targets<S> {
    if st.len() >= MAX_KEYS && !st.contains_key(&key) {
        out.shed(shed(
            st,
            MAX_KEYS,
            |t| t.seen.len() as u64,
            |t| t.reported > 0,
        ));
    }
    st.entry(key).or_default()
}

fn horizontal_draft(
    ctx: &DetectorCtx,
    proto: Proto,
    dport: u16,
    t: &Targets<Distinct>,
    n: usize,
) -> EvidenceDraft {
    let conf = scan_confidence(n);
    let service = service_name(dport, proto)
        .map(|s| format!("{s} "))
        .unwrap_or_default();
    EvidenceDraft::new(
        EvidenceType::HORIZONTAL_PORT_SCAN,
        ctx.profile,
        Side::Src,
        ThreatLevel::High,
        conf,
        t.last_ts,
        format!(
            "Horizontal port scan to port {service}{dport}/{proto}. From {} to {n} unique destination IPs. Total packets sent: {}. Confidence: {}. by Slips",
            ctx.profile,
            t.pkts,
            fmt_confidence(conf)
        ),
    )
    .proto(proto)
    .ports(None, Some(dport))
    .uids(t.uids.iter().cloned())
    .flow_count(t.flows)
}

fn vertical_draft(
    ctx: &DetectorCtx,
    proto: Proto,
    daddr: IpAddr,
    t: &Targets<PortSet>,
    n: usize,
) -> EvidenceDraft {
    let conf = scan_confidence(n);
    EvidenceDraft::new(
        EvidenceType::VERTICAL_PORT_SCAN,
        ctx.profile,
        Side::Src,
        ThreatLevel::High,
        conf,
        t.last_ts,
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
    .flow_count(t.flows)
}

/// Horizontal port scan detector.
#[derive(Default)]
pub struct HorizontalPortScan;

impl Detector for HorizontalPortScan {
    const NAME: &'static str = "horizontal_port_scan";
    const DESCRIPTION: &'static str =
        "A host trying one port on many IPs with connection attempts that are not established";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::HORIZONTAL_PORT_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashMap<(Proto, u16), Targets<Distinct>>;

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
        let t = targets(st, (proto, c.dport), out);
        if let Some(n) = t.add(daddr, c, pkts) {
            out.emit(horizontal_draft(ctx, proto, c.dport, t, n));
        }
    }

    fn on_window_closed(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        out: &mut Emitter,
    ) {
        let mut keys: Vec<_> = st.keys().copied().collect();
        keys.sort_unstable();
        for (proto, dport) in keys {
            let Some(t) = st.get_mut(&(proto, dport)) else {
                continue;
            };
            if let Some(n) = t.final_count() {
                out.emit(horizontal_draft(ctx, proto, dport, t, n));
            }
        }
    }
}

/// Vertical port scan detector.
#[derive(Default)]
pub struct VerticalPortScan;

impl Detector for VerticalPortScan {
    const NAME: &'static str = "vertical_port_scan";
    const DESCRIPTION: &'static str =
        "A host trying many ports of one IP with connection attempts that are not established";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::VERTICAL_PORT_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = HashMap<(Proto, IpAddr), Targets<PortSet>>;

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
        let t = targets(st, (proto, daddr), out);
        if let Some(n) = t.add(c.dport, c, pkts) {
            out.emit(vertical_draft(ctx, proto, daddr, t, n));
        }
    }

    fn on_window_closed(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut Self::WindowState,
        out: &mut Emitter,
    ) {
        let mut keys: Vec<_> = st.keys().copied().collect();
        keys.sort_unstable();
        for (proto, daddr) in keys {
            let Some(t) = st.get_mut(&(proto, daddr)) else {
                continue;
            };
            if let Some(n) = t.final_count() {
                out.emit(vertical_draft(ctx, proto, daddr, t, n));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::ConnState::{REJ, S0, SF, SH};

    #[test]
    fn confidence_grows_with_targets() {
        assert_eq!(scan_confidence(9), 0.0);
        assert!((scan_confidence(10) - 0.3).abs() < 1e-12);
        assert!(scan_confidence(20) > 0.7 && scan_confidence(20) < 0.8);
        assert_eq!(scan_confidence(30), 1.0);
    }

    #[test]
    fn port_sets_count_exactly_in_every_form() {
        let mut s = PortSet::default();
        // Each port twice, in an order that is neither sorted nor reversed.
        for i in 0..10_000u32 {
            let p = ((i * 7919) % 10_000) as u16;
            s.insert(p);
            s.insert(p);
            let n = i as usize + 1;
            if [
                FEW_PORTS,
                FEW_PORTS + 1,
                LISTED_PORTS,
                LISTED_PORTS + 1,
                10_000,
            ]
            .contains(&n)
            {
                assert_eq!(s.len(), n);
            }
        }
        assert!(matches!(s.more, PortsBeyond::Bits(_)));
        s.insert(65_535);
        s.insert(0);
        assert_eq!(s.len(), 10_001);
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
        let ev = run(HorizontalPortScan, &horizontal(37, S0, 445));
        let d: Vec<_> = ev.iter().map(|e| e.description.as_str()).collect();
        assert_eq!(
            d,
            vec![
                "Horizontal port scan to port microsoft-ds 445/tcp. From 192.168.2.12 to 10 unique destination IPs. Total packets sent: 10. Confidence: 0.3. by Slips",
                "Horizontal port scan to port microsoft-ds 445/tcp. From 192.168.2.12 to 20 unique destination IPs. Total packets sent: 20. Confidence: 0.74. by Slips",
                // The true size when the window closes.
                "Horizontal port scan to port microsoft-ds 445/tcp. From 192.168.2.12 to 37 unique destination IPs. Total packets sent: 37. Confidence: 1. by Slips",
            ]
        );
        let e = &ev[2];
        assert_eq!(e.evidence_type, EvidenceType::HORIZONTAL_PORT_SCAN);
        assert_eq!(e.threat_level, ThreatLevel::High);
        assert_eq!(e.confidence, 1.0);
        assert_eq!(e.dst_port, Some(445));
        assert_eq!(e.proto, Some(Proto::Tcp));
        assert_eq!(e.uids.len(), 37);
        assert_eq!(e.flow_count, 37);
        assert_eq!(e.ts.secs(), 36.0);
        assert_eq!(e.attacker.value, "192.168.2.12");
    }

    #[test]
    fn horizontal_needs_ten_attempts() {
        assert!(run(HorizontalPortScan, &horizontal(9, REJ, 23)).is_empty());
        assert!(run(HorizontalPortScan, &horizontal(50, SF, 23)).is_empty());
        assert_eq!(run(HorizontalPortScan, &horizontal(10, REJ, 23)).len(), 1);
        // 150 targets: 10, 20, 50, 100, then 150 at the close.
        let ev = run(HorizontalPortScan, &horizontal(150, S0, 23));
        let n: Vec<u64> = ev.iter().map(|e| e.flow_count).collect();
        assert_eq!(n, vec![10, 20, 50, 100, 150]);
        // Exactly at a step: nothing more at the close.
        assert_eq!(run(HorizontalPortScan, &horizontal(100, S0, 23)).len(), 4);
    }

    #[test]
    fn the_host_that_answers_is_not_the_scanner() {
        // A victim's RSTs and SYN ACKs, seen without the scanner's SYN.
        for (state, history) in [(REJ, "r"), (S0, "R"), (SH, "hR")] {
            let mut flows = horizontal(40, state, 40000);
            flows.extend((0..40).map(|i| {
                conn(
                    i as f64,
                    &format!("V{i}"),
                    "192.168.2.12",
                    "10.0.0.1",
                    40000 + i as u16,
                    Proto::Tcp,
                    state,
                )
            }));
            for f in &mut flows {
                if let Record::Conn(c) = &mut f.record {
                    c.history = history.into();
                }
            }
            assert!(run(HorizontalPortScan, &flows).is_empty(), "{history}");
            assert!(run(VerticalPortScan, &flows).is_empty(), "{history}");
        }
        // UDP answers of a service (SSDP) to many client ports are not a scan.
        let ssdp: Vec<_> = (0..40)
            .map(|i| {
                let mut f = conn(
                    i as f64,
                    &format!("U{i}"),
                    "192.168.1.1",
                    "192.168.1.20",
                    40000 + i as u16,
                    Proto::Udp,
                    S0,
                );
                if let Record::Conn(c) = &mut f.record {
                    c.sport = 1900;
                }
                f
            })
            .collect();
        assert!(run(VerticalPortScan, &ssdp).is_empty());
        // The scanner's own SYNs do count.
        let mut syns = horizontal(40, REJ, 23);
        for f in &mut syns {
            if let Record::Conn(c) = &mut f.record {
                c.history = "Sr".into();
            }
        }
        assert_eq!(run(HorizontalPortScan, &syns).len(), 3);
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
        let flows: Vec<_> = (0..999)
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
        assert_eq!(d.len(), 7, "{d:#?}");
        assert_eq!(
            d[0],
            "new vertical port scan to IP 10.0.0.1 from 10.0.0.9. Total 10 UDP ports were scanned. Total packets sent to all ports: 10. Confidence: 0.3. by Slips"
        );
        // A 999-port scan is reported as 999 ports.
        assert_eq!(
            d[6],
            "new vertical port scan to IP 10.0.0.1 from 10.0.0.9. Total 999 UDP ports were scanned. Total packets sent to all ports: 999. Confidence: 1. by Slips"
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

//! ARP detections from arp.log (Slips' `arp` module): ARP scans, requests for addresses
//! outside the local network, unsolicited (gratuitous) replies and MAC addresses claimed by
//! a new IP (ARP cache poisoning).
//!
//! Differences from Slips, on purpose:
//! - ARP scan: starts when 5 distinct targets' latest requests fit in 30 seconds; then every
//!   distinct target of the window counts. HIGH (reconnaissance, as a port scan), confidence
//!   0.3 at 5 targets to 1 at 50 ([`ramp`]); re-reported at each report step and with the
//!   true count when the window closes (Slips reports the first scan at once and batches
//!   later ones with a 10-second wall-clock timer, LOW 0.8 whatever its size). Slips skips the gateway; the
//!   gateway is not known to detectors here, so a gateway sweeping the network is reported
//!   too. Targets are capped at 4,096 per window.
//! - Outside-the-local-network requests are reported once per target and window,
//!   unsolicited ARP once per window, a MAC moving to a new IP once per MAC and old IP per
//!   window (ARP records have no uid, so the engine cannot deduplicate them by flow).
//! - The local network is `parameters.home_network` when configured, else the private
//!   ranges (Slips' `home_network` default).
//! - MITM: the first IP seen with each MAC in arp.log is remembered (at most 65,536 MACs);
//!   Slips also learns it from other logs and names the gateway when it knows it.

use crate::appkit::{CappedSet, FifoMap};
use crate::knowledge::Resources;
use crate::util::{fmt_confidence, ramp, report_step};
use crate::FromConfig;
use foldhash::{HashMap, HashSet};
use slips_config::Config;
use slips_core::net::{is_link_local, is_private};
use slips_core::{
    Arp, ArpOp, Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Mac, Proto,
    Record, RecordKind, RecordKinds, Side, ThreatLevel, Timestamp,
};
use std::net::IpAddr;

fn out_arp<'a>(ctx: &DetectorCtx, r: &'a Record) -> Option<(&'a Arp, IpAddr)> {
    match r {
        Record::Arp(a) if ctx.direction == Direction::Out => Some((a, a.saddr?)),
        _ => None,
    }
}

fn is_unspecified(ip: Option<IpAddr>) -> bool {
    ip.is_none_or(|i| i.is_unspecified())
}

/// Distinct targets that make an ARP scan, and the time they must fit in.
pub const ARP_SCAN_THRESHOLD: usize = 5;
pub const ARP_SCAN_SECONDS: f64 = 30.0;
const MAX_ARP_TARGETS: usize = 4096;

/// Targets at which an ARP scan is certain.
pub const ARP_SCAN_FULL: usize = 50;

#[derive(Default)]
pub struct ArpScanState {
    /// Target → time of its latest request (until the scan starts).
    targets: HashMap<IpAddr, Timestamp>,
    /// Every distinct target once the scan started.
    scanned: HashSet<IpAddr>,
    requests: u64,
    /// Count of the last report (0: not a scan yet).
    reported: usize,
    last_ts: Timestamp,
}

fn arp_scan_draft(saddr: IpAddr, st: &ArpScanState) -> EvidenceDraft {
    let n = st.scanned.len();
    let conf = ramp(n as f64, ARP_SCAN_THRESHOLD as f64, ARP_SCAN_FULL as f64);
    EvidenceDraft::new(
        EvidenceType::ARP_SCAN,
        saddr,
        Side::Src,
        ThreatLevel::High,
        conf,
        st.last_ts,
        format!(
            "performing an arp scan of {n} hosts. Confidence {}.",
            fmt_confidence(conf)
        ),
    )
    .proto(Proto::Arp)
    .flow_count(st.requests)
}

/// ARP requests to many addresses.
#[derive(Default)]
pub struct ArpScan;

impl Detector for ArpScan {
    const NAME: &'static str = "arp_scan";
    const DESCRIPTION: &'static str = "ARP requests to many addresses within 30 seconds";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::ARP_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Arp]);
    type WindowState = ArpScanState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut ArpScanState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((a, saddr)) = out_arp(ctx, r) else {
            return;
        };
        if a.operation != ArpOp::Request || saddr.is_unspecified() {
            return;
        }
        // A request for an unknown MAC (`resp_hw` all zeros), not a gratuitous one.
        if !a.dst_hw.is_some_and(|m| m.is_zero()) {
            return;
        }
        let Some(daddr) = a.daddr else { return };
        st.requests += 1;
        st.last_ts = st.last_ts.max(a.ts);
        if st.reported == 0 {
            if st.targets.len() < MAX_ARP_TARGETS || st.targets.contains_key(&daddr) {
                st.targets.insert(daddr, a.ts);
            }
            st.targets
                .retain(|_, ts| a.ts.secs() - ts.secs() <= ARP_SCAN_SECONDS);
            if st.targets.len() < ARP_SCAN_THRESHOLD {
                return;
            }
            st.scanned.extend(st.targets.drain().map(|(ip, _)| ip));
        } else if st.scanned.len() < MAX_ARP_TARGETS {
            st.scanned.insert(daddr);
        }
        let n = st.scanned.len();
        if report_step(n as u64) > report_step(st.reported as u64) {
            st.reported = n;
            out.emit(arp_scan_draft(saddr, st));
        }
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, st: &mut ArpScanState, out: &mut Emitter) {
        if st.reported > 0 && st.scanned.len() > st.reported {
            st.reported = st.scanned.len();
            out.emit(arp_scan_draft(ctx.profile, st));
        }
    }
}

/// Most MACs whose first IP is remembered.
const MAX_MACS: usize = 65_536;

/// ARP requests outside the local network, unsolicited ARP, MACs claimed by a new IP.
pub struct ArpAnomalies {
    /// `parameters.home_network` as (network, prefix length); `None`: the private ranges.
    home_nets: Option<Vec<(IpAddr, u8)>>,
    mac_ip: FifoMap<Mac, IpAddr>,
}

impl Default for ArpAnomalies {
    fn default() -> Self {
        ArpAnomalies {
            home_nets: None,
            mac_ip: FifoMap::new(MAX_MACS),
        }
    }
}

impl FromConfig for ArpAnomalies {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        let home_nets = cfg
            .parameters
            .home_network
            .as_ref()
            .map(|nets| nets.iter().map(|n| (n.network(), n.prefix_len())).collect());
        ArpAnomalies {
            home_nets,
            ..Default::default()
        }
    }
}

fn in_net(ip: IpAddr, (net, len): (IpAddr, u8)) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u32::MAX << (32 - len.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

impl ArpAnomalies {
    fn is_local(&self, ip: IpAddr) -> bool {
        match &self.home_nets {
            Some(nets) => nets.iter().any(|n| in_net(ip, *n)),
            None => is_private(&ip),
        }
    }
}

#[derive(Default)]
pub struct ArpAnomalyState {
    outside: CappedSet<IpAddr>,
    unsolicited: bool,
    mitm: CappedSet<(Mac, IpAddr)>,
}

impl Detector for ArpAnomalies {
    const NAME: &'static str = "arp_anomalies";
    const DESCRIPTION: &'static str =
        "ARP requests outside the local network, unsolicited ARP replies and MACs claimed by a new IP";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::ARP_OUTSIDE_LOCALNET,
        EvidenceType::UNSOLICITED_ARP,
        EvidenceType::MITM_ARP_ATTACK,
    ];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Arp]);
    const CONFIG_KEYS: &'static [&'static str] = &["parameters.home_network"];
    type WindowState = ArpAnomalyState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut ArpAnomalyState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some((a, saddr)) = out_arp(ctx, r) else {
            return;
        };
        let smac = a.src_mac;
        let gratuitous = a.operation == ArpOp::Reply
            && a.dst_hw.is_some_and(|m| m.is_broadcast() || m.is_zero());
        if gratuitous && !saddr.is_unspecified() {
            if let Some(mac) = smac {
                if let Some(&orig) = self.mac_ip.get(&mac) {
                    if orig != saddr && st.mitm.insert((mac, orig)) {
                        out.emit(
                            EvidenceDraft::new(
                                EvidenceType::MITM_ARP_ATTACK,
                                saddr,
                                Side::Src,
                                ThreatLevel::Critical,
                                0.2,
                                a.ts,
                                format!("{saddr} performing a MITM ARP attack. The MAC {mac}, now belonging to {saddr}, was seen before for IP {orig}."),
                            )
                            .victim_ip(orig, Side::Dst)
                            .proto(Proto::Arp),
                        );
                    }
                }
            }
        }
        if let Some(mac) = smac.filter(|m| !m.is_zero() && !m.is_broadcast()) {
            if !saddr.is_unspecified() && self.mac_ip.get(&mac).is_none() {
                self.mac_ip.insert(mac, saddr);
            }
        }
        match a.operation {
            ArpOp::Request => {
                let Some(daddr) = a.daddr else { return };
                let (IpAddr::V4(s4), IpAddr::V4(d4)) = (saddr, daddr) else {
                    return;
                };
                if is_unspecified(Some(saddr))
                    || daddr.is_unspecified()
                    || daddr.is_multicast()
                    || is_link_local(&daddr)
                    || self.is_local(daddr)
                    || s4.octets()[0] == d4.octets()[0]
                    || !st.outside.insert(daddr)
                {
                    return;
                }
                out.emit(
                    EvidenceDraft::new(
                        EvidenceType::ARP_OUTSIDE_LOCALNET,
                        saddr,
                        Side::Src,
                        ThreatLevel::Low,
                        0.6,
                        a.ts,
                        format!("{saddr} sending ARP packet to a destination address outside of local network: {daddr}. "),
                    )
                    .victim_ip(daddr, Side::Dst)
                    .proto(Proto::Arp),
                );
            }
            ArpOp::Reply => {
                let bcast = |m: Option<Mac>| m.is_some_and(|m| m.is_broadcast());
                let nonzero = |m: Option<Mac>| m.is_some_and(|m| !m.is_zero());
                if !(bcast(a.dst_mac) && bcast(a.dst_hw) && nonzero(a.src_mac) && nonzero(a.src_hw))
                    || st.unsolicited
                {
                    return;
                }
                st.unsolicited = true;
                out.emit(
                    EvidenceDraft::new(
                        EvidenceType::UNSOLICITED_ARP,
                        saddr,
                        Side::Src,
                        ThreatLevel::Low,
                        0.8,
                        a.ts,
                        "broadcasting unsolicited ARP".to_string(),
                    )
                    .proto(Proto::Arp),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{arp, run};
    use slips_core::Flow;

    const MAC: &str = "50:5b:c2:db:c3:17";
    const BC: &str = "ff:ff:ff:ff:ff:ff";
    const ZERO: &str = "00:00:00:00:00:00";

    use crate::testkit::rows;

    fn scan(n: u8, spacing: f64) -> Vec<Flow> {
        (0..n)
            .map(|i| {
                arp(
                    i as f64 * spacing,
                    ArpOp::Request,
                    MAC,
                    BC,
                    "192.168.1.15",
                    &format!("192.168.1.{}", 100 + i),
                    MAC,
                    ZERO,
                )
            })
            .collect()
    }

    #[test]
    fn arp_scan_threshold_window_and_golden() {
        assert!(run(ArpScan, &scan(4, 1.0)).is_empty());
        let ev = run(ArpScan, &scan(60, 0.1));
        let r = rows(&ev);
        assert_eq!(
            r[0],
            (
                EvidenceType::ARP_SCAN,
                "192.168.1.15".into(),
                Side::Src,
                ThreatLevel::High,
                0.3,
                "performing an arp scan of 5 hosts. Confidence 0.3.".into()
            )
        );
        assert_eq!(ev[0].flow_count, 5);
        // Re-reported at 10, 20, 50, and with the true size at the close.
        let d: Vec<&str> = r.iter().map(|x| x.5.as_str()).collect();
        assert_eq!(
            d[1..],
            [
                "performing an arp scan of 10 hosts. Confidence 0.51.",
                "performing an arp scan of 20 hosts. Confidence 0.72.",
                "performing an arp scan of 50 hosts. Confidence 1.",
                "performing an arp scan of 60 hosts. Confidence 1.",
            ]
        );
        // Five targets over 40 s: never five within 30 s.
        assert!(run(ArpScan, &scan(5, 10.0)).is_empty());
        // Gratuitous requests (resp_hw not zero) and 0.0.0.0 probes do not count.
        let grat: Vec<Flow> = (0..6)
            .map(|i| {
                arp(
                    i as f64,
                    ArpOp::Request,
                    MAC,
                    BC,
                    "192.168.1.15",
                    &format!("192.168.1.{i}"),
                    MAC,
                    BC,
                )
            })
            .collect();
        assert!(run(ArpScan, &grat).is_empty());
        let probe: Vec<Flow> = (0..6)
            .map(|i| {
                arp(
                    i as f64,
                    ArpOp::Request,
                    MAC,
                    BC,
                    "0.0.0.0",
                    &format!("192.168.1.{i}"),
                    MAC,
                    ZERO,
                )
            })
            .collect();
        assert!(run(ArpScan, &probe).is_empty());
    }

    #[test]
    fn test9_arp_records_golden() {
        // The two records of test9's arp.log.
        let flows = vec![
            arp(
                1.0,
                ArpOp::Request,
                MAC,
                "30:30:30:30:30:30",
                "192.168.1.15",
                "69.220.152.0",
                "50:50:50:50:50:50",
                "30:30:30:30:30:30",
            ),
            arp(
                1.0,
                ArpOp::Reply,
                MAC,
                BC,
                "192.168.1.15",
                "69.220.152.0",
                "50:50:50:50:50:50",
                BC,
            ),
            // Repeats are not reported again in the window.
            arp(
                2.0,
                ArpOp::Request,
                MAC,
                "30:30:30:30:30:30",
                "192.168.1.15",
                "69.220.152.0",
                "50:50:50:50:50:50",
                "30:30:30:30:30:30",
            ),
            arp(
                2.0,
                ArpOp::Reply,
                MAC,
                BC,
                "192.168.1.15",
                "69.220.152.0",
                "50:50:50:50:50:50",
                BC,
            ),
        ];
        let ev = run(ArpAnomalies::default(), &flows);
        assert_eq!(
            rows(&ev),
            vec![
                (EvidenceType::ARP_OUTSIDE_LOCALNET, "192.168.1.15".into(), Side::Src, ThreatLevel::Low, 0.6, "192.168.1.15 sending ARP packet to a destination address outside of local network: 69.220.152.0. ".into()),
                (EvidenceType::UNSOLICITED_ARP, "192.168.1.15".into(), Side::Src, ThreatLevel::Low, 0.8, "broadcasting unsolicited ARP".into()),
            ]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "69.220.152.0");
    }

    #[test]
    fn outside_localnet_edges() {
        let req = |s: &str, d: &str| arp(1.0, ArpOp::Request, MAC, BC, s, d, MAC, ZERO);
        // Same first octet, private target, multicast, link-local: nothing.
        for (s, d) in [
            ("192.168.1.15", "192.1.1.1"),
            ("192.168.1.15", "10.0.0.1"),
            ("192.168.1.15", "224.0.0.1"),
            ("192.168.1.15", "169.254.1.1"),
            ("0.0.0.0", "8.8.8.8"),
        ] {
            assert!(
                run(ArpAnomalies::default(), &[req(s, d)]).is_empty(),
                "{s} -> {d}"
            );
        }
        assert_eq!(
            run(ArpAnomalies::default(), &[req("192.168.1.15", "8.8.8.8")]).len(),
            1
        );
        // With a configured home network, a private target outside it is reported.
        let mut cfg = Config::default();
        cfg.parameters.home_network = Some(vec!["192.168.0.0/16".parse().unwrap()]);
        let d = ArpAnomalies::from_config(&cfg, &Resources::default());
        assert_eq!(run(d, &[req("192.168.1.15", "10.0.0.1")]).len(), 1);
        let d = ArpAnomalies::from_config(&cfg, &Resources::default());
        assert!(run(d, &[req("192.168.1.15", "192.168.7.1")]).is_empty());
    }

    #[test]
    fn mitm_golden() {
        let flows = vec![
            arp(
                1.0,
                ArpOp::Request,
                MAC,
                BC,
                "192.168.1.15",
                "192.168.1.1",
                MAC,
                ZERO,
            ),
            // The same MAC now claims the gateway's IP with a gratuitous reply.
            arp(
                2.0,
                ArpOp::Reply,
                MAC,
                "aa:bb:cc:dd:ee:ff",
                "192.168.1.1",
                "192.168.1.1",
                MAC,
                ZERO,
            ),
            arp(
                3.0,
                ArpOp::Reply,
                MAC,
                "aa:bb:cc:dd:ee:ff",
                "192.168.1.1",
                "192.168.1.1",
                MAC,
                ZERO,
            ),
            // A normal (non-gratuitous) reply of the same MAC is not an attack.
            arp(
                4.0,
                ArpOp::Reply,
                MAC,
                "aa:bb:cc:dd:ee:ff",
                "192.168.1.2",
                "192.168.1.9",
                MAC,
                "aa:bb:cc:dd:ee:ff",
            ),
        ];
        let ev = run(ArpAnomalies::default(), &flows);
        assert_eq!(
            rows(&ev),
            vec![(EvidenceType::MITM_ARP_ATTACK, "192.168.1.1".into(), Side::Src, ThreatLevel::Critical, 0.2, "192.168.1.1 performing a MITM ARP attack. The MAC 50:5b:c2:db:c3:17, now belonging to 192.168.1.1, was seen before for IP 192.168.1.15.".into())]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "192.168.1.15");
    }
}

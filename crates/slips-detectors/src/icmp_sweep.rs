//! ICMP sweeps from connection records: ICMP_ADDRESS_SCAN (echo requests), ICMP_TIMESTAMP_SCAN
//! (timestamp requests) and ICMP_ADDRESS_MASK_SCAN (address-mask requests) to many distinct
//! hosts by one source in a window.
//!
//! Zeek puts the ICMP type in the connection's originator port: 8 echo (128 for ICMPv6), 13
//! timestamp, 17 address mask. Like Slips' `icmp-scans.zeek`, evidence is given every 5
//! distinct hosts (5, 10, ..., 255); the Zeek script then restarts its counter at 255 and
//! repeats the same small numbers, here the count keeps growing and, past 255, is reported at
//! each further multiple of 255. HIGH (a sweep is reconnaissance, as a port scan),
//! confidence from the number of hosts as for Zeek's notices ([`icmp_confidence`]: 0.3 at 5
//! hosts to 1 at 30), description as Zeek's notice
//! (`192.168.1.109 performed ICMP address scan on 5 hosts`).
//!
//! This makes sweeps visible on inputs without Slips' Zeek notices. When Zeek did report the
//! sweep (notice.log `ICMP::ICMPAddressScan`, `ICMP::TimestampScan`, `ICMP::AddressMaskScan`,
//! handled by `zeek_notices`), the flow-based evidence of that source and kind is dropped: to
//! allow for it, each finding waits [`NOTICE_WAIT`] seconds of traffic time (or the window
//! end) before it is reported. Memory: at most [`MAX_HOSTS`] hosts per source, kind and
//! window; at most [`MAX_ZEEK_SOURCES`] sources remembered as reported by Zeek.

use crate::util::push_capped;
use crate::zeek_notices::icmp_confidence;
use foldhash::HashSet;
use slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
use slips_core::net::is_special;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::collections::VecDeque;
use std::net::IpAddr;

pub const MAX_HOSTS: usize = 131_072;
pub const MAX_ZEEK_SOURCES: usize = 65_536;
/// Seconds a finding waits for Zeek's notice about the same sweep.
pub const NOTICE_WAIT: f64 = 60.0;

const KINDS: [EvidenceType; 3] = [
    EvidenceType::ICMP_ADDRESS_SCAN,
    EvidenceType::ICMP_TIMESTAMP_SCAN,
    EvidenceType::ICMP_ADDRESS_MASK_SCAN,
];

fn kind_of(proto: Proto, icmp_type: u16) -> Option<usize> {
    match (proto, icmp_type) {
        (Proto::Icmp, 8) | (Proto::Icmp6, 128) => Some(0),
        (Proto::Icmp, 13) => Some(1),
        (Proto::Icmp, 17) => Some(2),
        _ => None,
    }
}

fn kind_name(k: usize) -> &'static str {
    match k {
        0 => "address",
        1 => "timestamp",
        _ => "address mask",
    }
}

/// Whether a sweep of `n` hosts is reported.
fn reported_at(n: usize) -> bool {
    n > 0
        && if n <= 255 {
            n.is_multiple_of(5)
        } else {
            n.is_multiple_of(255)
        }
}

#[derive(Default)]
pub struct IcmpSweep {
    zeek_reported: HashSet<(IpAddr, usize)>,
}

struct Finding {
    kind: usize,
    hosts: usize,
    ts: Timestamp,
    uids: Vec<Str>,
    flows: u64,
}

#[derive(Default)]
pub struct SweepState {
    hosts: [HashSet<IpAddr>; 3],
    uids: [Vec<Str>; 3],
    flows: [u64; 3],
    queue: VecDeque<Finding>,
}

impl IcmpSweep {
    fn decide(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut SweepState,
        now: Option<Timestamp>,
        out: &mut Emitter,
    ) {
        while let Some(f) = st.queue.front() {
            if now.is_some_and(|t| t.secs() <= f.ts.secs() + NOTICE_WAIT) {
                break;
            }
            let Some(f) = st.queue.pop_front() else { break };
            if self.zeek_reported.contains(&(ctx.profile, f.kind)) {
                continue;
            }
            let conf = icmp_confidence(f.hosts as u64);
            out.emit(
                EvidenceDraft::new(
                    KINDS[f.kind],
                    ctx.profile,
                    Side::Src,
                    ThreatLevel::High,
                    conf,
                    f.ts,
                    format!(
                        "{} performed ICMP {} scan on {} hosts",
                        ctx.profile,
                        kind_name(f.kind),
                        f.hosts
                    ),
                )
                .proto(Proto::Icmp)
                .uids(f.uids)
                .flow_count(f.flows),
            );
        }
    }
}

impl Detector for IcmpSweep {
    const NAME: &'static str = "icmp_sweep";
    const DESCRIPTION: &'static str =
        "ICMP echo, timestamp and address-mask requests to many hosts (from flows)";
    const EVIDENCE: &'static [EvidenceType] = &KINDS;
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn, RecordKind::Notice]);
    type WindowState = SweepState;

    fn on_record(&mut self, ctx: &DetectorCtx, st: &mut SweepState, r: &Record, out: &mut Emitter) {
        if ctx.direction != Direction::Out {
            return;
        }
        match r {
            Record::Notice(n) => {
                let k = if n.note.contains("ICMPAddressScan") {
                    0
                } else if n.note.contains("TimestampScan") {
                    1
                } else if n.note.contains("AddressMaskScan") {
                    2
                } else {
                    return;
                };
                if self.zeek_reported.len() < MAX_ZEEK_SOURCES {
                    self.zeek_reported.insert((ctx.profile, k));
                }
            }
            Record::Conn(c) => {
                self.decide(ctx, st, Some(c.ts), out);
                let (Some(daddr), Some(k)) = (c.daddr, kind_of(c.proto(), c.sport)) else {
                    return;
                };
                if is_special(&daddr) {
                    return;
                }
                st.flows[k] += 1;
                push_capped(&mut st.uids[k], c.uid.clone(), MAX_UIDS_PER_EVIDENCE);
                let hosts = &mut st.hosts[k];
                if hosts.len() >= MAX_HOSTS || !hosts.insert(daddr) {
                    return;
                }
                let n = hosts.len();
                if reported_at(n) {
                    let f = Finding {
                        kind: k,
                        hosts: n,
                        ts: c.ts,
                        uids: st.uids[k].clone(),
                        flows: st.flows[k],
                    };
                    st.queue.push_back(f);
                }
                return;
            }
            _ => {}
        }
        self.decide(ctx, st, Some(r.ts()), out);
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, st: &mut SweepState, out: &mut Emitter) {
        self.decide(ctx, st, None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Conn, ConnState, Flow, Notice};

    fn ping(ts: f64, i: u32, icmp_type: u16) -> Flow {
        Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: format!("I{i}").into(),
            saddr: Some("192.168.1.109".parse().unwrap()),
            sport: icmp_type,
            daddr: Some(format!("192.168.1.{}", i + 1).parse().unwrap()),
            dport: 0,
            proto: Some(Proto::Icmp),
            state: ConnState::OTH,
            spkts: 1,
            ..Default::default()
        }))
    }

    #[test]
    fn bucket_rule() {
        let at: Vec<usize> = (1..=600).filter(|n| reported_at(*n)).collect();
        assert_eq!(at.len(), 51 + 1);
        assert_eq!(&at[..3], &[5, 10, 15]);
        assert_eq!(&at[50..], &[255, 510]);
    }

    #[test]
    fn echo_sweep_golden_and_threshold() {
        let flows: Vec<_> = (0..10).map(|i| ping(i as f64, i, 8)).collect();
        assert!(run(IcmpSweep::default(), &flows[..4]).is_empty());
        let ev = run(IcmpSweep::default(), &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.evidence_type,
                    e.attacker.value.to_string(),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    EvidenceType::ICMP_ADDRESS_SCAN,
                    "192.168.1.109".into(),
                    ThreatLevel::High,
                    0.3,
                    "192.168.1.109 performed ICMP address scan on 5 hosts".into()
                ),
                (
                    EvidenceType::ICMP_ADDRESS_SCAN,
                    "192.168.1.109".into(),
                    ThreatLevel::High,
                    0.5708,
                    "192.168.1.109 performed ICMP address scan on 10 hosts".into()
                ),
            ]
        );
        assert_eq!(ev[0].uids.len(), 5);
        // Repeated pings to the same hosts and echo replies do not count.
        let same: Vec<_> = (0..10)
            .map(|i| ping(i as f64, i % 4, 8))
            .chain((0..10).map(|i| ping(20.0 + i as f64, 10 + i, 0)))
            .collect();
        assert!(run(IcmpSweep::default(), &same).is_empty());
    }

    #[test]
    fn timestamp_and_mask_sweeps() {
        let flows: Vec<_> = (0..5)
            .map(|i| ping(i as f64, i, 13))
            .chain((0..5).map(|i| ping(10.0 + i as f64, i, 17)))
            .collect();
        let d: Vec<_> = run(IcmpSweep::default(), &flows)
            .into_iter()
            .map(|e| (e.evidence_type, e.description))
            .collect();
        assert_eq!(
            d,
            vec![
                (
                    EvidenceType::ICMP_TIMESTAMP_SCAN,
                    "192.168.1.109 performed ICMP timestamp scan on 5 hosts".into()
                ),
                (
                    EvidenceType::ICMP_ADDRESS_MASK_SCAN,
                    "192.168.1.109 performed ICMP address mask scan on 5 hosts".into()
                ),
            ]
        );
    }

    #[test]
    fn zeek_notice_wins() {
        let mut flows: Vec<_> = (0..5).map(|i| ping(i as f64, i, 8)).collect();
        flows.push(Flow::from(Record::Notice(Box::new(Notice {
            ts: Timestamp::from_secs(4.5),
            note: "ICMP::ICMPAddressScan".into(),
            msg: Some("192.168.1.109 performed ICMP address scan on 5 hosts".into()),
            src: Some("192.168.1.109".parse().unwrap()),
            ..Default::default()
        }))));
        assert!(run(IcmpSweep::default(), &flows).is_empty());
    }
}

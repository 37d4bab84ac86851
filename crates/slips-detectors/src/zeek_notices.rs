//! Findings that Zeek itself reported in notice.log: port and address scans, ICMP sweeps
//! and SSH password guessing.

use crate::util::{fmt_confidence, ramp};
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Notice, Proto, Record,
    RecordKind, RecordKinds, Side, ThreatLevel,
};

#[derive(Default)]
pub struct ZeekNotices;

/// ICMP sweep confidence from the number of hosts probed: 0.3 at the first notice (5 hosts)
/// growing to 1 at 30 hosts ([`ramp`]). (Slips' formula gives 0 at 5 hosts and needs 255
/// hosts for 1, so no sweep ever counted.)
pub fn icmp_confidence(hosts: u64) -> f64 {
    ramp(hosts as f64, 5.0, 30.0)
}

/// Hosts count of an ICMP scan notice: the `n` field, else "... on N hosts" in the message.
fn hosts(n: &Notice) -> u64 {
    n.n.or_else(|| {
        let msg = n.msg.as_deref()?;
        let i = msg.find(" on ")?;
        msg[i + 4..].split_whitespace().next()?.parse().ok()
    })
    .unwrap_or(0)
}

/// Protocol named in a scan message like "... on port 23/tcp ...".
fn proto_in_msg(msg: &str) -> Option<Proto> {
    ["tcp", "udp"]
        .into_iter()
        .find(|p| msg.contains(&format!("/{p}")))
        .map(Proto::parse)
}

impl Detector for ZeekNotices {
    const NAME: &'static str = "zeek_notices";
    const DESCRIPTION: &'static str =
        "Scans, ICMP sweeps and SSH password guessing reported by Zeek in notice.log";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::VERTICAL_PORT_SCAN,
        EvidenceType::HORIZONTAL_PORT_SCAN,
        EvidenceType::ICMP_ADDRESS_SCAN,
        EvidenceType::ICMP_TIMESTAMP_SCAN,
        EvidenceType::ICMP_ADDRESS_MASK_SCAN,
        EvidenceType::PASSWORD_GUESSING,
    ];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Notice]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Notice(n) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let msg = n.msg.as_deref().unwrap_or("");
        let note = n.note.as_str();
        let (ty, level, conf, description) = if note.contains("Port_Scan") {
            (
                EvidenceType::VERTICAL_PORT_SCAN,
                ThreatLevel::High,
                1.0,
                format!("vertical port scan by Zeek engine. {msg}"),
            )
        } else if note.contains("Address_Scan") {
            (
                EvidenceType::HORIZONTAL_PORT_SCAN,
                ThreatLevel::High,
                1.0,
                format!("horizontal port scan by Zeek engine. {msg}"),
            )
        } else if note.contains("Password_Guessing") {
            (
                EvidenceType::PASSWORD_GUESSING,
                ThreatLevel::High,
                1.0,
                format!(
                    "SSH brute force detector. {msg}. Confirmed by Zeek notice.log. Confidence: {}. by Zeek",
                    fmt_confidence(1.0)
                ),
            )
        } else {
            let ty = if note.contains("ICMPAddressScan") {
                EvidenceType::ICMP_ADDRESS_SCAN
            } else if note.contains("TimestampScan") {
                EvidenceType::ICMP_TIMESTAMP_SCAN
            } else if note.contains("AddressMaskScan") {
                EvidenceType::ICMP_ADDRESS_MASK_SCAN
            } else {
                return;
            };
            (
                ty,
                ThreatLevel::High,
                icmp_confidence(hosts(n)),
                msg.to_string(),
            )
        };
        let mut d = EvidenceDraft::new(ty, ctx.profile, Side::Src, level, conf, n.ts, description);
        if let Some(dst) = n.dst.or(n.id.map(|e| e.daddr)) {
            d = d.victim_ip(dst, Side::Dst);
        }
        let proto = match ty {
            EvidenceType::ICMP_ADDRESS_SCAN
            | EvidenceType::ICMP_TIMESTAMP_SCAN
            | EvidenceType::ICMP_ADDRESS_MASK_SCAN => Some(Proto::Icmp),
            EvidenceType::PASSWORD_GUESSING => Some(Proto::Tcp),
            _ => n
                .proto
                .filter(|p| *p != Proto::Other)
                .or_else(|| proto_in_msg(msg)),
        };
        if let Some(p) = proto {
            d = d.proto(p);
        }
        let dport = n.p.or(n.id.map(|e| e.dport)).or(match ty {
            EvidenceType::PASSWORD_GUESSING => Some(22),
            _ => None,
        });
        d = d.ports(None, dport);
        if let Some(uid) = &n.uid {
            d = d.uids([uid.clone()]);
        }
        out.emit(d.flow_count(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Flow, Timestamp};

    fn notice(ts: f64, note: &str, msg: &str, src: &str, p: Option<u16>, n: Option<u64>) -> Flow {
        Flow::from(Record::Notice(Box::new(Notice {
            ts: Timestamp::from_secs(ts),
            note: note.into(),
            msg: Some(msg.into()),
            src: Some(src.parse().unwrap()),
            p,
            n,
            ..Default::default()
        })))
    }

    #[test]
    fn golden_notices() {
        let flows = vec![
            notice(
                1.0,
                "Scan::Address_Scan",
                "147.32.83.156 scanned at least 25 unique hosts on port 23/tcp in 1m14s",
                "147.32.83.156",
                Some(23),
                None,
            ),
            notice(
                2.0,
                "Scan::Port_Scan",
                "1.2.3.4 scanned at least 15 unique ports of host 5.6.7.8 in 0m3s",
                "1.2.3.4",
                None,
                None,
            ),
            notice(
                3.0,
                "ICMP::ICMPAddressScan",
                "192.168.1.15 performed ICMP address scan on 5 hosts",
                "192.168.1.15",
                None,
                Some(5),
            ),
            notice(
                4.0,
                "ICMP::TimestampScan",
                "192.168.1.15 performed ICMP timestamp scan on 255 hosts",
                "192.168.1.15",
                None,
                None,
            ),
            notice(
                5.0,
                "SSH::Password_Guessing",
                "222.186.30.112 appears to be guessing SSH passwords (seen in 30 connections).",
                "222.186.30.112",
                None,
                None,
            ),
            notice(
                6.0,
                "SSL::Invalid_Server_Cert",
                "whatever",
                "1.1.1.1",
                None,
                None,
            ),
        ];
        let ev = run(ZeekNotices, &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.evidence_type,
                    e.profile.to_string(),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.dst_port,
                    e.proto,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (EvidenceType::HORIZONTAL_PORT_SCAN, "147.32.83.156".into(), ThreatLevel::High, 1.0, "horizontal port scan by Zeek engine. 147.32.83.156 scanned at least 25 unique hosts on port 23/tcp in 1m14s".into(), Some(23), Some(Proto::Tcp)),
                (EvidenceType::VERTICAL_PORT_SCAN, "1.2.3.4".into(), ThreatLevel::High, 1.0, "vertical port scan by Zeek engine. 1.2.3.4 scanned at least 15 unique ports of host 5.6.7.8 in 0m3s".into(), None, None),
                (EvidenceType::ICMP_ADDRESS_SCAN, "192.168.1.15".into(), ThreatLevel::High, 0.3, "192.168.1.15 performed ICMP address scan on 5 hosts".into(), None, Some(Proto::Icmp)),
                (EvidenceType::ICMP_TIMESTAMP_SCAN, "192.168.1.15".into(), ThreatLevel::High, 1.0, "192.168.1.15 performed ICMP timestamp scan on 255 hosts".into(), None, Some(Proto::Icmp)),
                (EvidenceType::PASSWORD_GUESSING, "222.186.30.112".into(), ThreatLevel::High, 1.0, "SSH brute force detector. 222.186.30.112 appears to be guessing SSH passwords (seen in 30 connections).. Confirmed by Zeek notice.log. Confidence: 1. by Zeek".into(), Some(22), Some(Proto::Tcp)),
            ]
        );
    }

    #[test]
    fn icmp_confidence_grows_to_one() {
        assert!((icmp_confidence(5) - 0.3).abs() < 1e-9);
        assert!(icmp_confidence(15) > 0.7 && icmp_confidence(15) < 0.8);
        assert_eq!(icmp_confidence(30), 1.0);
        assert_eq!(icmp_confidence(1000), 1.0);
    }
}

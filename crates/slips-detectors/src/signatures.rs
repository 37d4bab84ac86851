//! Signature matches: Suricata `alert` events (eve.json) and Zeek's `signatures.log`
//! become `SURICATA_ALERT` evidence. Slips drops Suricata's alerts; slips reports them.
//!
//! * Attacker: the alert's source, or its destination when the rule names the source as
//!   its target (Suricata's `alert.target`, see [`slips_core::Signature::attacker`]); the
//!   engine puts the record in the attacker's profile. Victim: the other side.
//! * Threat level from Suricata's severity (1 is the most severe): 1 → high, 2 → medium,
//!   3 → low, 4 and above → info (Suricata's lowest classification priorities, e.g.
//!   `tcp-connection`, are informational). Zeek signature matches carry no severity: medium.
//! * Confidence 1: the signature matched the traffic.
//! * Repeats: per time window, a (signature, attacker, victim) is reported on its 1st, 10th,
//!   100th... match (the description then says how many), so a noisy rule does not flood
//!   the evidence while the counts stay visible.
//!
//! The per-window state holds one counter per (signature, attacker, victim) seen, capped at
//! [`MAX_KEYS_PER_WINDOW`]; beyond it new keys are reported on every match without counting.

use foldhash::HashMap;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Method, Record,
    RecordKind, RecordKinds, Side, Signature, Str, ThreatLevel,
};
use std::net::IpAddr;

/// Most (signature, attacker, victim) counters kept per profile and window.
pub const MAX_KEYS_PER_WINDOW: usize = 4096;

#[derive(Default)]
pub struct Signatures;

/// Matches per (signature id, victim) in this profile-window.
#[derive(Default)]
pub struct SignaturesState {
    seen: HashMap<(Str, Option<IpAddr>), u64>,
}

/// Threat level of a Suricata severity; `None` (Zeek signatures) is medium.
pub fn severity_level(severity: Option<u8>) -> ThreatLevel {
    match severity {
        Some(1) => ThreatLevel::High,
        Some(2) | None => ThreatLevel::Medium,
        Some(3) => ThreatLevel::Low,
        Some(_) => ThreatLevel::Info,
    }
}

fn is_power_of_ten(n: u64) -> bool {
    let mut p = 1u64;
    while p < n {
        p = p.saturating_mul(10);
    }
    p == n
}

fn endpoint(ip: Option<IpAddr>, port: Option<u16>) -> String {
    match (ip, port) {
        (Some(ip), Some(p)) => format!("{ip}:{p}"),
        (Some(ip), None) => ip.to_string(),
        (None, _) => "-".into(),
    }
}

fn describe(s: &Signature, attacker_port: Option<u16>, victim_port: Option<u16>, n: u64) -> String {
    let attacker = endpoint(s.attacker(), attacker_port);
    let mut victim = endpoint(s.victim(), victim_port);
    if let Some(p) = s.proto {
        victim.push('/');
        victim.push_str(p.as_str());
    }
    let msg = s.event_msg.as_deref().unwrap_or("(no message)");
    let mut d = if s.severity.is_some() || s.category.is_some() {
        format!(
            "Suricata alert: {msg} (signature {}, category {}, severity {}) from {attacker} to {victim}",
            s.sig_id,
            s.category.as_deref().unwrap_or("-"),
            s.severity.map_or("-".to_string(), |v| v.to_string()),
        )
    } else {
        format!(
            "Zeek signature match: {msg} (signature {}) from {attacker} to {victim}",
            s.sig_id
        )
    };
    if n > 1 {
        d.push_str(&format!(", {n} matches in this time window"));
    }
    d.push('.');
    d
}

impl Detector for Signatures {
    const NAME: &'static str = "signatures";
    const DESCRIPTION: &'static str =
        "Signature matches of Suricata (eve.json alert events) and Zeek (signatures.log)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::SURICATA_ALERT];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Signature]);
    type WindowState = SignaturesState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut SignaturesState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Record::Signature(s) = r else { return };
        if ctx.direction != Direction::Out || s.attacker() != Some(ctx.profile) {
            return;
        }
        let victim = s.victim();
        let key = (s.sig_id.clone(), victim);
        let len = st.seen.len();
        let n = match st.seen.get_mut(&key) {
            Some(n) => {
                *n += 1;
                *n
            }
            None if len < MAX_KEYS_PER_WINDOW => {
                st.seen.insert(key, 1);
                1
            }
            None => 1,
        };
        if !is_power_of_ten(n) {
            return;
        }
        let reversed = s.attacker() != s.src_addr;
        let (aport, vport) = if reversed {
            (s.dst_port, s.src_port)
        } else {
            (s.src_port, s.dst_port)
        };
        let mut d = EvidenceDraft::new(
            EvidenceType::SURICATA_ALERT,
            ctx.profile,
            Side::Src,
            severity_level(s.severity),
            1.0,
            s.ts,
            describe(s, aport, vport, n),
        )
        .ports(aport, vport)
        .method(Method::Signature)
        .uids(s.uid.iter().cloned())
        .flow_count(n);
        if let Some(v) = victim {
            d = d.victim_ip(v, Side::Dst);
        }
        if let Some(p) = s.proto {
            d = d.proto(p);
        }
        out.emit(d);
    }
}

/// Records that make this detector fire, for the registry's determinism test.
#[cfg(test)]
pub(crate) fn fixture() -> Vec<slips_core::Flow> {
    (0..3)
        .map(|i| {
            Record::Signature(Box::new(Signature {
                ts: slips_core::Timestamp::from_secs(1500.0 + f64::from(i)),
                uid: Some(compact_str::format_compact!("S{i}")),
                src_addr: Some("10.0.0.5".parse().unwrap()),
                src_port: Some(40000),
                dst_addr: Some("93.184.216.34".parse().unwrap()),
                dst_port: Some(80),
                proto: Some(slips_core::Proto::Tcp),
                sig_id: compact_str::format_compact!("1:{}:1", 2_000_000 + i),
                event_msg: Some("ET TEST fixture".into()),
                category: Some("Misc Attack".into()),
                severity: Some(2),
                ..Signature::default()
            }))
            .into()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Flow, Ioc, Proto, Timestamp};

    fn alert(ts: f64, uid: &str, src: &str, dst: &str, severity: Option<u8>) -> Flow {
        Record::Signature(Box::new(Signature {
            ts: Timestamp::from_secs(ts),
            uid: Some(uid.into()),
            src_addr: Some(src.parse().unwrap()),
            src_port: Some(51698),
            dst_addr: Some(dst.parse().unwrap()),
            dst_port: Some(445),
            proto: Some(Proto::Tcp),
            note: Some("allowed".into()),
            sig_id: "1:2403388:66418".into(),
            event_msg: Some(
                "ET CINS Active Threat Intelligence Poor Reputation IP group 89".into(),
            ),
            category: Some("Misc Attack".into()),
            severity,
            ..Signature::default()
        }))
        .into()
    }

    #[test]
    fn golden_suricata_alert() {
        let ev = run(
            Signatures,
            &[alert(
                1.0,
                "1374195536821504",
                "78.36.196.213",
                "192.168.1.129",
                Some(2),
            )],
        );
        assert_eq!(ev.len(), 1);
        let e = &ev[0];
        assert_eq!(
            (
                e.evidence_type,
                e.profile.to_string(),
                e.attacker.clone(),
                e.victim.clone(),
                e.threat_level,
                e.confidence,
                e.src_port,
                e.dst_port,
                e.proto,
            ),
            (
                EvidenceType::SURICATA_ALERT,
                "78.36.196.213".to_string(),
                Ioc::ip("78.36.196.213".parse().unwrap(), Side::Src),
                Some(Ioc::ip("192.168.1.129".parse().unwrap(), Side::Dst)),
                ThreatLevel::Medium,
                1.0,
                Some(51698),
                Some(445),
                Some(Proto::Tcp),
            )
        );
        assert_eq!(
            (e.uids.clone(), e.flow_count, e.method, e.description.as_str()),
            (
                vec![Str::from("1374195536821504")],
                1,
                Method::Signature,
                "Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 (signature 1:2403388:66418, category Misc Attack, severity 2) from 78.36.196.213:51698 to 192.168.1.129:445/tcp.",
            )
        );
    }

    #[test]
    fn severity_levels() {
        assert_eq!(severity_level(Some(1)), ThreatLevel::High);
        assert_eq!(severity_level(Some(2)), ThreatLevel::Medium);
        assert_eq!(severity_level(Some(3)), ThreatLevel::Low);
        assert_eq!(severity_level(Some(4)), ThreatLevel::Info);
        assert_eq!(severity_level(None), ThreatLevel::Medium);
    }

    #[test]
    fn target_reverses_attacker_and_repeats_are_folded() {
        let mut flows = Vec::new();
        for i in 0..12 {
            flows.push(alert(
                1.0 + f64::from(i),
                &format!("u{i}"),
                "10.0.0.5",
                "8.8.8.8",
                Some(1),
            ));
        }
        // The rule says the source is the victim: the destination attacks.
        let Record::Signature(mut s) =
            alert(30.0, "t1", "192.168.1.129", "45.1.2.3", Some(1)).record
        else {
            unreachable!()
        };
        s.target = s.src_addr;
        flows.push(Record::Signature(s).into());
        let ev = run(Signatures, &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.profile.to_string(),
                    e.flow_count,
                    e.src_port,
                    e.dst_port,
                    e.description.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("10.0.0.5".into(), 1, Some(51698), Some(445), "Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 (signature 1:2403388:66418, category Misc Attack, severity 1) from 10.0.0.5:51698 to 8.8.8.8:445/tcp.".into()),
                ("10.0.0.5".into(), 10, Some(51698), Some(445), "Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 (signature 1:2403388:66418, category Misc Attack, severity 1) from 10.0.0.5:51698 to 8.8.8.8:445/tcp, 10 matches in this time window.".into()),
                ("45.1.2.3".into(), 1, Some(445), Some(51698), "Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 (signature 1:2403388:66418, category Misc Attack, severity 1) from 45.1.2.3:445 to 192.168.1.129:51698/tcp.".into()),
            ]
        );
        assert!(ev.iter().all(|e| e.threat_level == ThreatLevel::High));
    }

    #[test]
    fn zeek_signature_match() {
        let f: Flow = Record::Signature(Box::new(Signature {
            ts: Timestamp::from_secs(5.0),
            uid: Some("CNgrt04tHika5Pgpfi".into()),
            src_addr: Some("10.0.2.15".parse().unwrap()),
            src_port: Some(49158),
            dst_addr: Some("93.184.216.34".parse().unwrap()),
            dst_port: Some(80),
            note: Some("Signatures::Sensitive_Signature".into()),
            sig_id: "http-shellshock".into(),
            event_msg: Some("10.0.2.15: Shellshock attempt".into()),
            ..Signature::default()
        }))
        .into();
        let ev = run(Signatures, &[f]);
        assert_eq!(
            ev.iter().map(|e| (e.threat_level, e.description.as_str())).collect::<Vec<_>>(),
            vec![(ThreatLevel::Medium, "Zeek signature match: 10.0.2.15: Shellshock attempt (signature http-shellshock) from 10.0.2.15:49158 to 93.184.216.34:80.")]
        );
    }

    #[test]
    fn powers_of_ten() {
        let hits: Vec<u64> = (1..=1000).filter(|n| is_power_of_ten(*n)).collect();
        assert_eq!(hits, vec![1, 10, 100, 1000]);
    }
}

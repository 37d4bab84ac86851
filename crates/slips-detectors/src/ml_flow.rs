//! MALICIOUS_FLOW by the flow classifier (Slips' `flow_ml_detection`): every outgoing TCP or
//! UDP connection is scored by the classifier loaded with `--ml-model`
//! ([`Resources::ml`], see `slips_models::ml`); a connection predicted malicious is LOW
//! evidence with confidence 0.1 and Slips' description. Without a classifier it does
//! nothing.

use crate::knowledge::Resources;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Method, Record,
    RecordKind, RecordKinds, Side, ThreatLevel,
};
use slips_models::ml::ClassifierFile;
use std::sync::Arc;

#[derive(Default)]
pub struct MlFlow {
    model: Option<Arc<ClassifierFile>>,
}

impl MlFlow {
    pub fn new(model: Option<Arc<ClassifierFile>>) -> Self {
        MlFlow { model }
    }
    pub fn from_resources(res: &Resources) -> Self {
        Self::new(res.ml.clone())
    }
}

impl Detector for MlFlow {
    const NAME: &'static str = "ml_flow";
    const DESCRIPTION: &'static str =
        "Connections a trained flow classifier predicts malicious (--ml-model)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::MALICIOUS_FLOW];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Some(m) = &self.model else { return };
        let Record::Conn(c) = r else { return };
        let (Direction::Out, Some(s), Some(d)) = (ctx.direction, c.saddr, c.daddr) else {
            return;
        };
        if m.predict(c) != Some(true) {
            return;
        }
        out.emit(
            EvidenceDraft::new(
                EvidenceType::MALICIOUS_FLOW,
                s,
                Side::Src,
                ThreatLevel::Low,
                0.1,
                c.ts,
                format!(
                    "Flow with malicious characteristics by ML. Src IP {s}:{} to {d}:{}",
                    c.sport, c.dport
                ),
            )
            .victim_ip(d, Side::Dst)
            .proto(c.proto())
            .ports(Some(c.sport), Some(c.dport))
            .method(Method::AI)
            .uids([c.uid.clone()]),
        );
    }
}

/// A classifier for the registry test: S0 connections to port 23 are malicious, established
/// HTTPS is normal.
#[cfg(test)]
pub(crate) fn fixture_classifier() -> Arc<ClassifierFile> {
    use slips_core::{Conn, ConnState, Flow, GroundTruth, Proto, Timestamp};
    let flows: Vec<Flow> = (0..200u32)
        .map(|i| {
            let bad = i % 2 == 0;
            Flow {
                record: Record::Conn(Conn {
                    ts: Timestamp::from_secs(f64::from(i)),
                    saddr: Some("10.9.9.9".parse().unwrap()),
                    sport: 40000 + i as u16,
                    daddr: Some("1.1.1.1".parse().unwrap()),
                    dport: if bad { 23 } else { 443 },
                    proto: Some(Proto::Tcp),
                    state: if bad { ConnState::S0 } else { ConnState::SF },
                    duration: if bad { 0.0 } else { 2.0 },
                    sbytes: if bad { 0 } else { 800 },
                    dbytes: if bad { 0 } else { 5000 },
                    spkts: if bad { 2 } else { 8 },
                    dpkts: if bad { 0 } else { 8 },
                    ..Default::default()
                }),
                label: Some(Box::new(GroundTruth {
                    label: if bad { "Malicious" } else { "Benign" }.into(),
                    detailed_label: None,
                })),
            }
        })
        .collect();
    Arc::new(slips_models::ml::ml_train(&flows, &slips_models::ml::MlOptions::default()).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{app_conn, conn, run};
    use slips_core::{ConnState, Proto};

    #[test]
    fn predicted_malicious_flows_are_evidence() {
        let flows = vec![
            conn(
                1.0,
                "A",
                "10.0.0.1",
                "8.8.4.4",
                23,
                Proto::Tcp,
                ConnState::S0,
            ),
            app_conn(2.0, "B", "10.0.0.1", "8.8.4.4", 443, 900, 6000),
        ];
        let ev = run(MlFlow::new(Some(fixture_classifier())), &flows);
        assert_eq!(ev.len(), 1);
        assert_eq!(
            ev[0].description,
            "Flow with malicious characteristics by ML. Src IP 10.0.0.1:50000 to 8.8.4.4:23"
        );
        assert_eq!(
            (ev[0].threat_level, ev[0].confidence),
            (ThreatLevel::Low, 0.1)
        );
        assert_eq!(ev[0].method, Method::AI);
        assert!(run(MlFlow::new(None), &flows).is_empty());
    }
}

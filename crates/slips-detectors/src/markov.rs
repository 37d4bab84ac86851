//! BEHAVIOURAL_MODEL_MATCH: a tuple's letters match a Markov-chain behavioural model (the
//! detector of Slips 0.1–0.4, see `slips_models::markov`).
//!
//! Runs only when models are loaded (`-m DIR`, [`Resources::markov`]). For every outgoing
//! connection, the tuple (destination IP, port, protocol) of the profile's window gains a
//! letter; when it has at least `max(4, Resources::markov_min_letters)` letters (`-a`) it is
//! compared with every model of its protocol and the best match is taken. A malicious best
//! match is evidence naming the model, the tuple and its letters; a normal best match is
//! not. To avoid one evidence per letter, a tuple is reported for a model the first time it
//! matches it in a window and again each time its letters have doubled since.
//!
//! Threat level and confidence (our choice; Slips 0.3 had neither): MEDIUM, confidence
//! `min(1, letters / 100)` as Slips' letter-based C&C detector (`rnn_cc_detection`) uses:
//! a match on a handful of letters is weak, a hundred letters are convincing.
//!
//! Memory: the transition counts of at most [`MAX_TUPLES`] tuples per profile-window; beyond
//! that, tuples are matched from their full letter string each time (no cache).

use crate::knowledge::Resources;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Method, Proto, Record,
    RecordKind, RecordKinds, Side, ThreatLevel,
};
use slips_models::markov::{LetterCounts, MIN_LETTERS};
use slips_models::ModelSet;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Most tuples with cached counts per profile-window.
pub const MAX_TUPLES: usize = 16_384;
/// Letters shown in an evidence description.
pub const MAX_LETTERS_SHOWN: usize = 100;

#[derive(Default)]
pub struct TupleTrack {
    counts: LetterCounts,
    consumed: usize,
    /// Model index → letters at the last report.
    reported: BTreeMap<usize, usize>,
}

#[derive(Default)]
pub struct BehaviouralModels {
    models: Option<Arc<ModelSet>>,
    min_letters: usize,
}

impl BehaviouralModels {
    pub fn new(models: Option<Arc<ModelSet>>, min_letters: usize) -> Self {
        BehaviouralModels {
            models,
            min_letters: min_letters.max(MIN_LETTERS),
        }
    }

    pub fn from_resources(res: &Resources) -> Self {
        Self::new(res.markov.clone(), res.markov_min_letters)
    }
}

fn shown(letters: &str) -> String {
    match letters.get(..MAX_LETTERS_SHOWN) {
        Some(head) if letters.len() > MAX_LETTERS_SHOWN => {
            format!("{head}... ({} letters)", letters.len())
        }
        _ => letters.to_string(),
    }
}

impl Detector for BehaviouralModels {
    const NAME: &'static str = "behavioural_models";
    const DESCRIPTION: &'static str =
        "Tuples whose letters match a Markov-chain behavioural model (-m)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::BEHAVIOURAL_MODEL_MATCH];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = BTreeMap<(IpAddr, u16, Proto), TupleTrack>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        tuples: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some(models) = &self.models else { return };
        let Record::Conn(c) = r else { return };
        let (Direction::Out, Some(letters), Some(daddr)) = (ctx.direction, ctx.letters, c.daddr)
        else {
            return;
        };
        let proto = c.proto();
        if !models.has_protocol(proto.as_str()) {
            return;
        }
        let key = (daddr, c.dport, proto);
        let mut scratch = TupleTrack::default();
        let track = if tuples.contains_key(&key) || tuples.len() < MAX_TUPLES {
            tuples.entry(key).or_default()
        } else {
            &mut scratch
        };
        // Evaluate only when the tuple gained letters (the engine stops adding at its cap).
        let Some(new) = letters.get(track.consumed..) else {
            return;
        };
        if new.is_empty() {
            return;
        }
        track.counts.push_str(new);
        track.consumed = letters.len();
        if letters.len() < self.min_letters {
            return;
        }
        let Some(m) = models.best_match(proto.as_str(), &track.counts) else {
            return;
        };
        if !m.malicious {
            return;
        }
        let n = letters.len();
        match track.reported.get(&m.index) {
            Some(&last) if n < 2 * last => return,
            _ => {
                track.reported.insert(m.index, n);
            }
        }
        let profile = ctx.profile;
        out.emit(
            EvidenceDraft::new(
                EvidenceType::BEHAVIOURAL_MODEL_MATCH,
                profile,
                Side::Src,
                ThreatLevel::Medium,
                (n as f64 / 100.0).min(1.0),
                c.ts,
                format!(
                    "Behavioural model match: tuple {profile}-{daddr}-{}-{proto} behaves like model {} (distance {:.4}, threshold {}). Letters: {}",
                    c.dport,
                    m.label,
                    m.distance,
                    m.threshold,
                    shown(letters)
                ),
            )
            .victim_ip(daddr, Side::Dst)
            .proto(proto)
            .ports(None, Some(c.dport))
            .method(Method::Statistical)
            .uids([c.uid.clone()]),
        );
    }
}

/// A model set for the registry test: a botnet model trained on the periodic tuple of
/// [`crate::beacon::fixture`].
#[cfg(test)]
pub(crate) fn fixture_models() -> Arc<ModelSet> {
    let letters = format!("77,{}", "g,".repeat(60));
    Arc::new(ModelSet::new(vec![slips_models::Model::train(
        "From-Botnet-TCP-Fixture-1",
        &letters,
        1.1,
    )
    .unwrap()]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Conn, ConnState, Evidence, Flow, Timestamp};

    fn conn(ts: f64, uid: &str, dst: &str, dport: u16, bytes: u64, dur: f64) -> Flow {
        Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            saddr: Some("10.0.0.1".parse().unwrap()),
            sport: 40000,
            daddr: Some(dst.parse().unwrap()),
            dport,
            proto: Some(Proto::Tcp),
            duration: dur,
            sbytes: bytes,
            state: ConnState::SF,
            spkts: 3,
            ..Default::default()
        }))
    }

    fn models(specs: &[(&str, &str)]) -> Option<Arc<ModelSet>> {
        Some(Arc::new(ModelSet::new(
            specs
                .iter()
                .map(|(l, s)| slips_models::Model::train(l, s, 1.1).unwrap())
                .collect(),
        )))
    }

    fn rows(ev: &[Evidence]) -> Vec<(String, ThreatLevel, f64)> {
        ev.iter()
            .map(|e| (e.description.clone(), e.threat_level, e.confidence))
            .collect()
    }

    /// A tuple with big, 1 s flows every 30 s: letters 88,h,h,h,...
    fn http_beacon(n: usize) -> Vec<Flow> {
        (0..n)
            .map(|i| {
                conn(
                    1000.0 + 30.0 * i as f64,
                    &format!("C{i}"),
                    "1.2.3.4",
                    80,
                    2000,
                    1.0,
                )
            })
            .collect()
    }

    #[test]
    fn matches_reported_at_first_match_and_when_letters_double() {
        // The model's training prefix is the tuple's own string: distance exactly 1.
        let d = BehaviouralModels::new(
            models(&[(
                "From-Botnet-TCP-HTTP-CC-1",
                &format!("88,{}", "h,".repeat(100)),
            )]),
            4,
        );
        let ev = run(d, &http_beacon(5));
        // Letters after each flow: 8 (1), 88, (3), 88,h, (5), 88,h,h, (7), 88,h,h,h, (9).
        // First evaluated at 5 letters: "88,h," → prefix "88,h," → distance 1 → reported.
        // Reported again at >= 10 letters: not reached with 5 flows.
        assert_eq!(
            rows(&ev),
            vec![(
                "Behavioural model match: tuple 10.0.0.1-1.2.3.4-80-tcp behaves like model From-Botnet-TCP-HTTP-CC-1 (distance 1.0000, threshold 1.1). Letters: 88,h,".to_string(),
                ThreatLevel::Medium,
                0.05
            )]
        );
        assert_eq!(ev[0].uids, vec!["C2"]);
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "1.2.3.4");
        assert_eq!(ev[0].method, Method::Statistical);
        let d = BehaviouralModels::new(
            models(&[(
                "From-Botnet-TCP-HTTP-CC-1",
                &format!("88,{}", "h,".repeat(100)),
            )]),
            4,
        );
        let ev = run(d, &http_beacon(60));
        let lens: Vec<usize> = ev
            .iter()
            .map(|e| e.description.rsplit("Letters: ").next().unwrap().len())
            .collect();
        assert_eq!(lens, [5, 11, 23, 47, 95]);
        assert_eq!(ev.last().unwrap().confidence, 0.95);
    }

    #[test]
    fn normal_models_protocols_and_min_letters() {
        let normal = models(&[(
            "From-Normal-TCP-HTTP-LastFM-1",
            &format!("88,{}", "h,".repeat(100)),
        )]);
        assert!(run(BehaviouralModels::new(normal, 4), &http_beacon(20)).is_empty());
        let udp = models(&[("From-Botnet-UDP-DNS-1", &format!("88,{}", "h,".repeat(100)))]);
        assert!(run(BehaviouralModels::new(udp, 4), &http_beacon(20)).is_empty());
        // -a 12: first evaluated at 13 letters ("88,h,h,h,h,h," has 13).
        let d = BehaviouralModels::new(
            models(&[(
                "From-Botnet-TCP-HTTP-CC-1",
                &format!("88,{}", "h,".repeat(100)),
            )]),
            12,
        );
        let ev = run(d, &http_beacon(20));
        assert!(
            ev[0].description.ends_with("Letters: 88,h,h,h,h,h,"),
            "{}",
            ev[0].description
        );
        // No models: nothing, and nothing kept.
        assert!(run(BehaviouralModels::new(None, 4), &http_beacon(20)).is_empty());
        // Long letter strings are shortened in the description.
        assert_eq!(
            shown(&"h,".repeat(60)),
            format!("{}... (120 letters)", "h,".repeat(50))
        );
    }

    #[test]
    fn imported_stf_models_match_their_own_behaviour() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/slips-data/models-stf/From-Botnet-TCP-Unknown-Lurk.CC-1-261.stfm"
        );
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("skipping: {path} is absent");
            return;
        };
        let m = slips_models::import_stf(&bytes).unwrap();
        let set = Some(Arc::new(ModelSet::new(vec![m])));
        // Lurk C&C: 600-3000 byte, 10-100 s flows every ~10 min → 66*f*f*f*...
        let flows: Vec<Flow> = (0..8)
            .map(|i| {
                conn(
                    1000.0 + 600.0 * f64::from(i),
                    &format!("L{i}"),
                    "5.6.7.8",
                    8080,
                    800,
                    20.0,
                )
            })
            .collect();
        let ev = run(BehaviouralModels::new(set, 4), &flows);
        assert_eq!(
            rows(&ev),
            vec![
                (
                    "Behavioural model match: tuple 10.0.0.1-5.6.7.8-8080-tcp behaves like model From-Botnet-TCP-Unknown-Lurk.CC-1 (distance 1.0000, threshold 1.1). Letters: 66*f*".to_string(),
                    ThreatLevel::Medium,
                    0.05
                ),
                (
                    "Behavioural model match: tuple 10.0.0.1-5.6.7.8-8080-tcp behaves like model From-Botnet-TCP-Unknown-Lurk.CC-1 (distance 1.0000, threshold 1.1). Letters: 66*f*f*f*f*".to_string(),
                    ThreatLevel::Medium,
                    0.11
                ),
            ]
        );
    }
}

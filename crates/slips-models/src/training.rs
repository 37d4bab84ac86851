//! Models from labelled flows.
//!
//! As in the Stratosphere Testing Framework, letters are computed per connection tuple
//! `source IP – destination IP – destination port – protocol` over the whole input (no time
//! windows), with the same letter algorithm as detection ([`slips_core::letters`]). A tuple
//! takes the label most of its flows carry (ties: the smallest label text). Tuples are
//! grouped by model label; each group's letter strings, longest first (ties by tuple), are
//! joined with `#` and trained into one model when they hold at least
//! [`TrainOptions::min_letters`] letters.
//!
//! Model labels follow the STF convention that the third `-` field is the protocol:
//! `From-Botnet-<PROTO>-<label>` for malicious labels and `From-Normal-<PROTO>-<label>` for
//! normal ones, where `<label>` is the ground-truth text (`flow=` removed, detailed label
//! appended). Background (and unlabelled) flows train nothing.

use crate::labels::{classify_truth, truth_text, LabelClass};
use crate::markov::{Model, ModelError, DEFAULT_THRESHOLD, SEPARATOR};
use slips_core::letters::LetterState;
use slips_core::{Flow, Proto, Record};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// Fewest letters (separators excluded) a label needs to get a model.
    pub min_letters: usize,
    /// Fewest letters a tuple needs to be part of a training string.
    pub min_tuple_letters: usize,
    /// Threshold stored in the models.
    pub threshold: f64,
    /// Most letters kept per tuple (as the engine: 10,000).
    pub max_letters_per_tuple: usize,
    /// Most tuples tracked; later tuples are ignored (counted in the report).
    pub max_tuples: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            min_letters: 20,
            min_tuple_letters: 4,
            threshold: DEFAULT_THRESHOLD,
            max_letters_per_tuple: 10_000,
            max_tuples: 1_000_000,
        }
    }
}

/// A tuple's letters and labels.
#[derive(Clone, Debug, Default)]
struct TupleAcc {
    state: LetterState,
    letters: String,
    flows: u64,
    /// Model label → flows carrying it.
    labels: BTreeMap<String, u64>,
}

/// Key of a tuple: source, destination, destination port, protocol.
pub type TupleKey = (IpAddr, IpAddr, u16, Proto);

/// Letters of one tuple with the label it was assigned.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledTuple {
    pub key: TupleKey,
    /// The model label (`From-Botnet-TCP-...`), `None` for background or unlabelled tuples.
    pub label: Option<String>,
    pub letters: String,
    pub flows: u64,
}

/// The model label of a flow's ground truth on a protocol, `None` for background.
pub fn model_label(gt: &slips_core::GroundTruth, proto: Proto) -> Option<String> {
    let kind = match classify_truth(gt) {
        LabelClass::Malicious => "Botnet",
        LabelClass::Normal => "Normal",
        LabelClass::Background => return None,
    };
    let text: String = truth_text(gt)
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect();
    Some(format!(
        "From-{kind}-{}-{text}",
        proto.as_str().to_ascii_uppercase()
    ))
}

/// Computes the letters of every connection tuple of labelled flows (conn records only).
#[derive(Debug, Default)]
pub struct LetterCollector {
    tuples: BTreeMap<TupleKey, TupleAcc>,
    opts: TrainOptions,
    /// Flows ignored because the tuple table was full.
    pub dropped_flows: u64,
    /// Connection flows seen.
    pub flows: u64,
}

impl LetterCollector {
    pub fn new(opts: TrainOptions) -> Self {
        LetterCollector {
            opts,
            ..Default::default()
        }
    }

    /// Adds a flow (non-connection records are ignored).
    pub fn add(&mut self, f: &Flow) {
        let Record::Conn(c) = &f.record else { return };
        let (Some(s), Some(d)) = (c.saddr, c.daddr) else {
            return;
        };
        self.flows += 1;
        let key = (s, d, c.dport, c.proto());
        if !self.tuples.contains_key(&key) && self.tuples.len() >= self.opts.max_tuples {
            self.dropped_flows += 1;
            return;
        }
        let t = self.tuples.entry(key).or_default();
        t.flows += 1;
        if t.letters.len() < self.opts.max_letters_per_tuple {
            t.state
                .push(c.ts.secs(), c.duration, c.bytes(), &mut t.letters);
        }
        if let Some(l) = f.label.as_deref().and_then(|gt| model_label(gt, c.proto())) {
            *t.labels.entry(l).or_default() += 1;
        }
    }

    /// The tuples with their majority label, sorted by key.
    pub fn tuples(&self) -> Vec<LabelledTuple> {
        self.tuples
            .iter()
            .map(|(k, t)| LabelledTuple {
                key: *k,
                // Majority; ties go to the smallest label (BTreeMap order, strict >).
                label: t
                    .labels
                    .iter()
                    .fold(None::<(&String, u64)>, |best, (l, &n)| match best {
                        Some((_, bn)) if bn >= n => best,
                        _ => Some((l, n)),
                    })
                    .map(|(l, _)| l.clone()),
                letters: t.letters.clone(),
                flows: t.flows,
            })
            .collect()
    }

    /// Trains one model per label with enough letters.
    pub fn train(&self) -> Result<Vec<Model>, ModelError> {
        train_from_tuples(&self.tuples(), &self.opts)
    }
}

/// Trains one model per label from labelled tuples (see the module doc).
pub fn train_from_tuples(
    tuples: &[LabelledTuple],
    opts: &TrainOptions,
) -> Result<Vec<Model>, ModelError> {
    let mut groups: BTreeMap<&str, Vec<&LabelledTuple>> = BTreeMap::new();
    for t in tuples {
        if let Some(l) = &t.label {
            if t.letters.len() >= opts.min_tuple_letters {
                groups.entry(l.as_str()).or_default().push(t);
            }
        }
    }
    let mut models = Vec::new();
    for (label, mut ts) in groups {
        let letters: usize = ts.iter().map(|t| t.letters.len()).sum();
        if letters < opts.min_letters {
            tracing::info!("label {label}: {letters} letters, too few for a model");
            continue;
        }
        ts.sort_by(|a, b| {
            b.letters
                .len()
                .cmp(&a.letters.len())
                .then_with(|| a.key.cmp(&b.key))
        });
        let joined = ts
            .iter()
            .map(|t| t.letters.as_str())
            .collect::<Vec<_>>()
            .join(&SEPARATOR.to_string());
        models.push(Model::train(label, &joined, opts.threshold)?);
    }
    Ok(models)
}

/// Trains models from labelled flows (any reader's [`Flow`]s).
pub fn train_from_flows<'a, I>(flows: I, opts: TrainOptions) -> Result<Vec<Model>, ModelError>
where
    I: IntoIterator<Item = &'a Flow>,
{
    let mut c = LetterCollector::new(opts);
    for f in flows {
        c.add(f);
    }
    c.train()
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{Conn, GroundTruth, Timestamp};

    fn flow(ts: f64, dst: &str, dport: u16, bytes: u64, label: &str) -> Flow {
        Flow {
            record: Record::Conn(Conn {
                ts: Timestamp::from_secs(ts),
                saddr: Some("10.0.0.1".parse().unwrap()),
                daddr: Some(dst.parse().unwrap()),
                dport,
                proto: Some(Proto::Tcp),
                duration: 1.0,
                sbytes: bytes,
                ..Default::default()
            }),
            label: (!label.is_empty()).then(|| {
                Box::new(GroundTruth {
                    label: label.into(),
                    detailed_label: None,
                })
            }),
        }
    }

    #[test]
    fn one_model_per_label_with_enough_letters() {
        let mut flows = Vec::new();
        // A C&C tuple every 30 s (big, 1 s flows): 88,h,h,...
        for i in 0..12 {
            flows.push(flow(
                f64::from(i) * 30.0,
                "1.2.3.4",
                80,
                2000,
                "flow=From-Botnet-V1-TCP-CC",
            ));
        }
        // A normal tuple, too short for a model with min_letters 20.
        for i in 0..3 {
            flows.push(flow(
                f64::from(i) * 2.0,
                "5.6.7.8",
                443,
                100,
                "flow=From-Normal-V1-Web",
            ));
        }
        // Background: never trained.
        for i in 0..30 {
            flows.push(flow(
                f64::from(i) * 3.0,
                "9.9.9.9",
                53,
                100,
                "flow=Background-UDP",
            ));
        }
        let models = train_from_flows(&flows, TrainOptions::default()).unwrap();
        assert_eq!(models.len(), 1);
        let m = &models[0];
        assert_eq!(m.label(), "From-Botnet-TCP-From-Botnet-V1-TCP-CC");
        assert_eq!(m.protocol(), "TCP");
        assert_eq!(m.training(), "88,h,h,h,h,h,h,h,h,h,h,");
        // h→, and ,→h are certain; 8→8 and 8→, are ½: logP = 2·ln ½.
        assert!((m.self_probability() - 2.0 * 0.5f64.ln()).abs() < 1e-12);
        // The model recognises its own behaviour.
        let set = crate::ModelSet::new(models);
        let hit = set.best_match_str("tcp", "88,h,h,h,").unwrap();
        assert_eq!(hit.distance, 1.0);
        assert!(hit.malicious);
    }

    #[test]
    fn majority_label_and_joining() {
        let mut c = LetterCollector::new(TrainOptions {
            min_letters: 4,
            ..TrainOptions::default()
        });
        for i in 0..6 {
            let label = if i < 4 { "Malicious" } else { "Benign" };
            c.add(&flow(f64::from(i) * 10.0, "1.1.1.1", 80, 10, label));
        }
        for i in 0..3 {
            c.add(&flow(f64::from(i) * 10.0, "2.2.2.2", 80, 10, "Malicious"));
        }
        let t = c.tuples();
        assert_eq!(t[0].label.as_deref(), Some("From-Botnet-TCP-Malicious"));
        assert_eq!(t[0].letters, "22,b,b,b,b,");
        let models = c.train().unwrap();
        assert_eq!(models.len(), 1);
        assert_eq!(models[0].training(), "22,b,b,b,b,#22,b,");
    }
}

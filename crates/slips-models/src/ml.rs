//! A pure-Rust flow classifier over Slips' `flow_ml_detection` features.
//!
//! Features of a connection, as Slips computes them: `dur`, `proto` (tcp 0, udp 1), `sport`,
//! `dport`, `spkts`, `sbytes`, `state` (1 when established), `pkts`, `allbytes`. ICMP, ARP,
//! IGMP and other protocols are not classified (as in Slips). Difference, deliberate: the
//! heavy-tailed counts (`dur`, `spkts`, `sbytes`, `pkts`, `allbytes`) are taken as
//! `ln(1 + x)` before standardisation, which a linear model needs to use them at all.
//!
//! The model is logistic regression trained by SGD (Slips uses scikit-learn's
//! `SGDClassifier` + `StandardScaler`): features standardised with the training mean and
//! standard deviation, classes weighted to balance, L2 regularisation, a deterministic
//! shuffle. [`ml_train`] returns a [`ClassifierFile`] (versioned JSON), [`ClassifierFile::predict`]
//! scores a connection.

use crate::eval::Counts;
use crate::labels::{classify_truth, LabelClass};
use serde::{Deserialize, Serialize};
use slips_core::{Conn, Flow, Proto, Record};
use std::path::Path;

/// `format` of the classifier files.
pub const FORMAT: &str = "slips-flow-classifier";
/// Current `version`.
pub const VERSION: u32 = 1;
/// Feature names, in order.
pub const FEATURES: [&str; 9] = [
    "dur", "proto", "sport", "dport", "spkts", "sbytes", "state", "pkts", "allbytes",
];

/// Why a classifier could not be trained or read.
#[derive(Debug, thiserror::Error)]
pub enum MlError {
    #[error("need labelled malicious and normal TCP/UDP flows to train; got {malicious} malicious and {normal} normal")]
    NotEnoughData { malicious: usize, normal: usize },
    #[error("not a slips flow classifier: format {0:?}")]
    BadFormat(String),
    #[error("classifier file version {0} is not supported (this slips reads version {VERSION})")]
    BadVersion(u32),
    #[error("invalid classifier: {0}")]
    Invalid(String),
    #[error("invalid classifier JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The features of a connection, or `None` for protocols Slips does not classify.
pub fn features(c: &Conn) -> Option<[f64; 9]> {
    let proto = match c.proto() {
        Proto::Tcp => 0.0,
        Proto::Udp => 1.0,
        _ => return None,
    };
    let l = |x: f64| (x.max(0.0)).ln_1p();
    Some([
        l(c.duration),
        proto,
        f64::from(c.sport),
        f64::from(c.dport),
        l(c.spkts as f64),
        l(c.sbytes as f64),
        if c.is_established() { 1.0 } else { 0.0 },
        l(c.pkts() as f64),
        l(c.bytes() as f64),
    ])
}

/// Training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct MlOptions {
    pub epochs: usize,
    pub learning_rate: f64,
    /// L2 regularisation strength.
    pub alpha: f64,
    pub seed: u64,
    /// Most training examples kept (a deterministic reservoir beyond it).
    pub max_examples: usize,
}

impl Default for MlOptions {
    fn default() -> Self {
        MlOptions {
            epochs: 30,
            learning_rate: 0.05,
            alpha: 1e-4,
            seed: 0x5eed,
            max_examples: 2_000_000,
        }
    }
}

/// The classifier file (JSON): format, version, feature names, the scaler (mean, scale),
/// the weights and bias of the logistic regression, the decision threshold on the
/// probability of "malicious", and how many flows it was trained on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierFile {
    pub format: String,
    pub version: u32,
    pub kind: String,
    pub features: Vec<String>,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    pub weights: Vec<f64>,
    pub bias: f64,
    pub threshold: f64,
    pub trained_malicious: u64,
    pub trained_normal: u64,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Labelled examples: features and 1.0 for malicious, 0.0 for normal.
pub fn examples<'a, I: IntoIterator<Item = &'a Flow>>(flows: I) -> Vec<([f64; 9], f64)> {
    flows
        .into_iter()
        .filter_map(|f| {
            let Record::Conn(c) = &f.record else {
                return None;
            };
            let y = match f.label.as_deref().map(classify_truth)? {
                LabelClass::Malicious => 1.0,
                LabelClass::Normal => 0.0,
                LabelClass::Background => return None,
            };
            Some((features(c)?, y))
        })
        .collect()
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Trains the classifier on labelled flows (background and unlabelled flows are ignored).
pub fn ml_train<'a, I: IntoIterator<Item = &'a Flow>>(
    flows: I,
    opts: &MlOptions,
) -> Result<ClassifierFile, MlError> {
    let mut rng = Rng(opts.seed | 1);
    let mut data: Vec<([f64; 9], f64)> = Vec::new();
    for (i, e) in examples(flows).into_iter().enumerate() {
        if data.len() < opts.max_examples {
            data.push(e);
        } else {
            let j = rng.below(i + 1);
            if j < data.len() {
                data[j] = e;
            }
        }
    }
    let malicious = data.iter().filter(|e| e.1 == 1.0).count();
    let normal = data.len() - malicious;
    if malicious == 0 || normal == 0 {
        return Err(MlError::NotEnoughData { malicious, normal });
    }
    let n = data.len() as f64;
    let mut mean = [0.0; 9];
    for (x, _) in &data {
        for k in 0..9 {
            mean[k] += x[k] / n;
        }
    }
    let mut scale = [0.0; 9];
    for (x, _) in &data {
        for k in 0..9 {
            scale[k] += (x[k] - mean[k]).powi(2) / n;
        }
    }
    for s in &mut scale {
        *s = if *s > 0.0 { s.sqrt() } else { 1.0 };
    }
    let std: Vec<([f64; 9], f64)> = data
        .iter()
        .map(|(x, y)| {
            let mut z = [0.0; 9];
            for k in 0..9 {
                z[k] = (x[k] - mean[k]) / scale[k];
            }
            (z, *y)
        })
        .collect();
    // Balanced class weights, as scikit-learn's class_weight="balanced".
    let w_pos = n / (2.0 * malicious as f64);
    let w_neg = n / (2.0 * normal as f64);
    let mut w = [0.0; 9];
    let mut b = 0.0;
    let mut order: Vec<usize> = (0..std.len()).collect();
    let mut t = 0u64;
    for _ in 0..opts.epochs {
        for i in (1..order.len()).rev() {
            let j = rng.below(i + 1);
            order.swap(i, j);
        }
        for &i in &order {
            let (x, y) = &std[i];
            t += 1;
            let eta = opts.learning_rate / (1.0 + opts.learning_rate * opts.alpha * t as f64);
            let z: f64 = b + (0..9).map(|k| w[k] * x[k]).sum::<f64>();
            let g = (sigmoid(z) - y) * if *y == 1.0 { w_pos } else { w_neg };
            for k in 0..9 {
                w[k] -= eta * (g * x[k] + opts.alpha * w[k]);
            }
            b -= eta * g;
        }
    }
    Ok(ClassifierFile {
        format: FORMAT.into(),
        version: VERSION,
        kind: "logistic_regression".into(),
        features: FEATURES.iter().map(|s| s.to_string()).collect(),
        mean: mean.to_vec(),
        scale: scale.to_vec(),
        weights: w.to_vec(),
        bias: b,
        threshold: 0.5,
        trained_malicious: malicious as u64,
        trained_normal: normal as u64,
    })
}

impl ClassifierFile {
    /// Checks the file's fields.
    pub fn validate(&self) -> Result<(), MlError> {
        if self.format != FORMAT {
            return Err(MlError::BadFormat(self.format.clone()));
        }
        if self.version != VERSION {
            return Err(MlError::BadVersion(self.version));
        }
        if self.kind != "logistic_regression" {
            return Err(MlError::Invalid(format!("unknown kind {:?}", self.kind)));
        }
        if self.features != FEATURES {
            return Err(MlError::Invalid(format!(
                "features {:?}, expected {:?}",
                self.features, FEATURES
            )));
        }
        for (name, v) in [
            ("mean", &self.mean),
            ("scale", &self.scale),
            ("weights", &self.weights),
        ] {
            if v.len() != 9 || v.iter().any(|x| !x.is_finite()) {
                return Err(MlError::Invalid(format!("{name} must be 9 finite numbers")));
            }
        }
        if self.scale.contains(&0.0) {
            return Err(MlError::Invalid("scale must not contain 0".into()));
        }
        if !self.bias.is_finite() || !(0.0..=1.0).contains(&self.threshold) {
            return Err(MlError::Invalid("bias or threshold out of range".into()));
        }
        Ok(())
    }

    /// Probability that the connection is malicious; `None` for unclassified protocols.
    pub fn probability(&self, c: &Conn) -> Option<f64> {
        let x = features(c)?;
        let z = self.bias
            + (0..9)
                .map(|k| {
                    let s = self.scale.get(k).copied().unwrap_or(1.0);
                    let m = self.mean.get(k).copied().unwrap_or(0.0);
                    self.weights.get(k).copied().unwrap_or(0.0) * (x[k] - m) / s
                })
                .sum::<f64>();
        Some(sigmoid(z))
    }

    /// Whether the connection is predicted malicious.
    pub fn predict(&self, c: &Conn) -> Option<bool> {
        self.probability(c).map(|p| p >= self.threshold)
    }

    /// Confusion counts on labelled flows (background and unlabelled flows skipped).
    pub fn evaluate<'a, I: IntoIterator<Item = &'a Flow>>(&self, flows: I) -> Counts {
        let mut c = Counts::default();
        for f in flows {
            let Record::Conn(conn) = &f.record else {
                continue;
            };
            let truth = match f.label.as_deref().map(classify_truth) {
                Some(LabelClass::Malicious) => true,
                Some(LabelClass::Normal) => false,
                _ => continue,
            };
            let Some(pred) = self.predict(conn) else {
                continue;
            };
            match (truth, pred) {
                (true, true) => c.tp += 1,
                (true, false) => c.fn_ += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
            }
        }
        c
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<ClassifierFile, MlError> {
        let f: ClassifierFile = serde_json::from_str(text)?;
        f.validate()?;
        Ok(f)
    }

    pub fn load(path: &Path) -> Result<ClassifierFile, MlError> {
        let t = std::fs::read_to_string(path).map_err(|e| MlError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        ClassifierFile::from_json(&t)
    }

    pub fn save(&self, path: &Path) -> Result<(), MlError> {
        std::fs::write(path, self.to_json() + "\n").map_err(|e| MlError::Io {
            path: path.to_path_buf(),
            source: e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::{ConnState, GroundTruth, Timestamp};

    fn flow(i: u32, malicious: bool) -> Flow {
        let (dport, state, sbytes, spkts, dur) = if malicious {
            (23, ConnState::S0, 0, 1 + u64::from(i % 2), 0.0)
        } else {
            (
                443,
                ConnState::SF,
                500 + u64::from(i % 700),
                8 + u64::from(i % 5),
                1.0 + f64::from(i % 30),
            )
        };
        Flow {
            record: Record::Conn(Conn {
                ts: Timestamp::from_secs(f64::from(i)),
                saddr: Some("10.0.0.1".parse().unwrap()),
                sport: 40000 + (i % 20000) as u16,
                daddr: Some("1.2.3.4".parse().unwrap()),
                dport,
                proto: Some(Proto::Tcp),
                duration: dur,
                sbytes,
                dbytes: sbytes * 3,
                spkts,
                dpkts: spkts,
                state,
                ..Default::default()
            }),
            label: Some(Box::new(GroundTruth {
                label: if malicious { "Malicious" } else { "Benign" }.into(),
                detailed_label: None,
            })),
        }
    }

    #[test]
    fn separable_data_is_learned_and_round_trips() {
        let flows: Vec<Flow> = (0..400).map(|i| flow(i, i % 4 < 2)).collect();
        let (train, test): (Vec<_>, Vec<_>) =
            flows.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let m = ml_train(train.into_iter().map(|(_, f)| f), &MlOptions::default()).unwrap();
        assert_eq!((m.trained_malicious, m.trained_normal), (100, 100));
        let c = m.evaluate(test.into_iter().map(|(_, f)| f));
        assert_eq!(
            c,
            Counts {
                tp: 100,
                fp: 0,
                tn: 100,
                fn_: 0
            }
        );
        let back = ClassifierFile::from_json(&m.to_json()).unwrap();
        assert_eq!(back, m);
        // Deterministic.
        let again = ml_train(flows.iter().step_by(2), &MlOptions::default()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn errors() {
        let flows: Vec<Flow> = (0..10).map(|i| flow(i, true)).collect();
        assert_eq!(
            ml_train(&flows, &MlOptions::default()).unwrap_err().to_string(),
            "need labelled malicious and normal TCP/UDP flows to train; got 10 malicious and 0 normal"
        );
        let flows: Vec<Flow> = (0..10).map(|i| flow(i, i < 5)).collect();
        let m = ml_train(&flows, &MlOptions::default()).unwrap();
        let bad = m.to_json().replace("\"version\": 1", "\"version\": 9");
        assert!(matches!(
            ClassifierFile::from_json(&bad),
            Err(MlError::BadVersion(9))
        ));
        let icmp = Conn {
            proto: Some(Proto::Icmp),
            ..Default::default()
        };
        assert_eq!(m.probability(&icmp), None);
    }
}

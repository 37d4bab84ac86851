//! First-order Markov chains over Stratosphere letters, as Slips 0.1–0.4 used them.
//!
//! # Model
//! A model holds a label (`From-Botnet-TCP-HTTP-CC-23`: `label.split('-')[2]` names the
//! protocol, and a label containing "normal" (any case) is a normal model), the initial-state
//! vector and transition matrix of its chain, the training string (the concatenated letters
//! it was trained on), the training string's log-probability and a threshold (1.1 in every
//! STF model).
//!
//! Maximum likelihood, as the Stratosphere Testing Framework computes it: over the
//! transitions `s[i] → s[i+1]` of the string (each character is a state; transitions from or
//! to the separator `#` that joins several connections are skipped),
//! `M[a][b] = count(a→b) / count(a→·)` and `init[a] = count(a→·) / total transitions`.
//!
//! # Log-probability
//! `logP(s) = Σ log M[s[i]][s[i+1]]`, with a penalty of −4.6 (≈ log 0.01) for a transition
//! the chain does not have. Deliberate choice, following the code rather than its prose
//! description: Slips 0.3 (`compute_probability`) computes `log(init[s[0]])` but never adds
//! it, and 16 of the 18 shipped model files store exactly the transition-only sum as their
//! self-probability (the other two add `log(init[s[0]])`; see the STF import tests).
//!
//! # Matching (Slips 0.3 `MarkovModelsDetection.detect`)
//! For a tuple whose letter string `t` has at least 4 characters, for every model of the
//! tuple's protocol: take the training prefix `train = model.training[..len(t)]`, rebuild the
//! chain from `train` alone, and compute `p_train = logP(train)` and `p_test = logP(t)` under
//! that chain. `distance = p_train / p_test` if `p_train <= p_test`, else `p_test / p_train`
//! (both are ≤ 0, so the distance is ≥ 1); a zero probability gives no distance (Python's
//! `ZeroDivisionError`). A model matches when `1 <= distance <= threshold`; the smallest
//! distance wins (the first model on ties, models being sorted by label); a normal model
//! that wins means "not detected".
//!
//! The [`Matcher`] precomputes, for each model, `p_train` for every prefix length and the
//! positions of each transition in the training string, so a match costs
//! O(distinct transitions of `t` × log n) per model instead of rebuilding the chain.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `format` field of the model files.
pub const FORMAT: &str = "slips-markov";
/// Current `version` of the model files.
pub const VERSION: u32 = 1;
/// Log-probability of a transition the chain does not know (≈ log 0.01).
pub const UNKNOWN_TRANSITION_PENALTY: f64 = -4.6;
/// Joins the letters of several connections in a training string; transitions from or to
/// it are not learned.
pub const SEPARATOR: char = '#';
/// Threshold of the STF models.
pub const DEFAULT_THRESHOLD: f64 = 1.1;
/// Fewest letters a tuple needs before it is compared (Slips 0.3: 4).
pub const MIN_LETTERS: usize = 4;
/// Longest training string accepted (the longest STF model has 60,049 characters).
pub const MAX_TRAINING_LEN: usize = 4_000_000;

/// Why a model is invalid or could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("label {0:?} does not name a protocol (expected e.g. From-Botnet-TCP-HTTP-CC-23: the third '-' field is the protocol)")]
    BadLabel(String),
    #[error("threshold {0} is not a finite number >= 1")]
    BadThreshold(f64),
    #[error("the training string is empty")]
    EmptyTraining,
    #[error("the training string has {0} characters; at most {MAX_TRAINING_LEN} are accepted")]
    TrainingTooLong(usize),
    #[error("the training string contains the non-ASCII character {0:?}; letters are ASCII")]
    NonAsciiTraining(char),
    #[error("state {0:?} is not a single character")]
    BadState(String),
    #[error("probability {value} of {what} is not in [0, 1]")]
    BadProbability { what: String, value: f64 },
    #[error("self probability {0} is not a finite number <= 0")]
    BadSelfProbability(f64),
    #[error("not a slips model file: format is {0:?}, expected \"slips-markov\"")]
    BadFormat(String),
    #[error("model file version {0} is not supported (this slips reads version {VERSION})")]
    BadVersion(u32),
    #[error("invalid model JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: Box<ModelError>,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no labelled letters to train on")]
    NothingToTrain,
}

/// A Markov-chain behavioural model.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    label: String,
    protocol: String,
    normal: bool,
    threshold: f64,
    self_probability: f64,
    init_vector: BTreeMap<char, f64>,
    transitions: BTreeMap<(char, char), f64>,
    training: String,
    source: Option<String>,
}

/// The protocol a label names (`label.split('-')[2]`), upper-cased.
pub fn label_protocol(label: &str) -> Option<String> {
    let p = label.split('-').nth(2)?.trim();
    (!p.is_empty()).then(|| p.to_ascii_uppercase())
}

/// Whether a label is a normal model's (contains "normal", any case).
pub fn label_is_normal(label: &str) -> bool {
    label.to_ascii_lowercase().contains("normal")
}

/// Maximum-likelihood initial vector and transition matrix of a string (see the module doc).
pub fn maximum_likelihood(s: &str) -> (BTreeMap<char, f64>, BTreeMap<(char, char), f64>) {
    let mut pairs: BTreeMap<(char, char), u64> = BTreeMap::new();
    let mut out: BTreeMap<char, u64> = BTreeMap::new();
    let mut total = 0u64;
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev {
            if p != SEPARATOR && c != SEPARATOR {
                *pairs.entry((p, c)).or_default() += 1;
                *out.entry(p).or_default() += 1;
                total += 1;
            }
        }
        prev = Some(c);
    }
    let init = out
        .iter()
        .map(|(&a, &n)| (a, n as f64 / total as f64))
        .collect();
    let trans = pairs
        .iter()
        .map(|(&(a, b), &n)| ((a, b), n as f64 / out[&a] as f64))
        .collect();
    (init, trans)
}

/// `logP(s)` under a transition matrix: the sum of the log-probabilities of the string's
/// transitions, −4.6 for each unknown one (the initial state is not counted; see the module
/// doc).
pub fn log_probability(transitions: &BTreeMap<(char, char), f64>, s: &str) -> f64 {
    let mut p = 0.0;
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(a) = prev {
            p += match transitions.get(&(a, c)) {
                Some(&x) if x > 0.0 => x.ln(),
                _ => UNKNOWN_TRANSITION_PENALTY,
            };
        }
        prev = Some(c);
    }
    p
}

impl Model {
    /// A model from its parts, validated. The protocol and normality come from the label.
    pub fn from_parts(
        label: &str,
        init_vector: BTreeMap<char, f64>,
        transitions: BTreeMap<(char, char), f64>,
        training: String,
        self_probability: f64,
        threshold: f64,
    ) -> Result<Model, ModelError> {
        let protocol = label_protocol(label).ok_or_else(|| ModelError::BadLabel(label.into()))?;
        if !threshold.is_finite() || threshold < 1.0 {
            return Err(ModelError::BadThreshold(threshold));
        }
        if training.is_empty() {
            return Err(ModelError::EmptyTraining);
        }
        if training.len() > MAX_TRAINING_LEN {
            return Err(ModelError::TrainingTooLong(training.len()));
        }
        if let Some(c) = training.chars().find(|c| !c.is_ascii()) {
            return Err(ModelError::NonAsciiTraining(c));
        }
        if !self_probability.is_finite() || self_probability > 0.0 {
            return Err(ModelError::BadSelfProbability(self_probability));
        }
        let check = |what: String, value: f64| {
            if value.is_finite() && (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(ModelError::BadProbability { what, value })
            }
        };
        for (c, &p) in &init_vector {
            check(format!("initial state {c:?}"), p)?;
        }
        for ((a, b), &p) in &transitions {
            check(format!("transition {a:?} -> {b:?}"), p)?;
        }
        Ok(Model {
            label: label.to_string(),
            protocol,
            normal: label_is_normal(label),
            threshold,
            self_probability,
            init_vector,
            transitions,
            training,
            source: None,
        })
    }

    /// Trains a model on one training string by maximum likelihood; the self-probability is
    /// the string's log-probability under its own chain.
    pub fn train(label: &str, training: &str, threshold: f64) -> Result<Model, ModelError> {
        let (init, trans) = maximum_likelihood(training);
        let sp = log_probability(&trans, training);
        Model::from_parts(label, init, trans, training.to_string(), sp, threshold)
    }

    /// Sets where the model came from (e.g. the STF file name), kept in the model file.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }
    /// Upper-case protocol from the label (`TCP`, `UDP`).
    pub fn protocol(&self) -> &str {
        &self.protocol
    }
    /// Normal models never produce a detection.
    pub fn is_normal(&self) -> bool {
        self.normal
    }
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
    pub fn self_probability(&self) -> f64 {
        self.self_probability
    }
    pub fn init_vector(&self) -> &BTreeMap<char, f64> {
        &self.init_vector
    }
    pub fn transitions(&self) -> &BTreeMap<(char, char), f64> {
        &self.transitions
    }
    pub fn training(&self) -> &str {
        &self.training
    }
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// `logP(s)` under this model's full chain.
    pub fn log_probability(&self, s: &str) -> f64 {
        log_probability(&self.transitions, s)
    }

    /// Serialises to the documented JSON model file (see [`ModelFile`]).
    pub fn to_json(&self) -> String {
        let f = ModelFile::from(self);
        // Serialising plain maps of strings and finite floats cannot fail.
        serde_json::to_string_pretty(&f).unwrap_or_default()
    }

    /// Parses and validates a JSON model file.
    pub fn from_json(text: &str) -> Result<Model, ModelError> {
        let f: ModelFile = serde_json::from_str(text)?;
        f.into_model()
    }

    /// Reads a JSON model file.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        Model::from_json(&text).map_err(|e| ModelError::File {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Writes the JSON model file.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        std::fs::write(path, self.to_json() + "\n").map_err(|e| ModelError::Io {
            path: path.to_path_buf(),
            source: e,
        })
    }

    /// A file name for the model: its label with anything but `[A-Za-z0-9._-]` replaced
    /// by `_`, plus `.json`.
    pub fn file_name(&self) -> String {
        let mut s: String = self
            .label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        s.push_str(".json");
        s
    }
}

/// Trains a model from several letter strings (one per connection), joined with the
/// separator `#`, with the STF threshold 1.1.
pub fn train<S: AsRef<str>>(label: &str, letter_strings: &[S]) -> Result<Model, ModelError> {
    let parts: Vec<&str> = letter_strings
        .iter()
        .map(AsRef::as_ref)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(ModelError::NothingToTrain);
    }
    let joined = parts.join(&SEPARATOR.to_string());
    Model::train(label, &joined, DEFAULT_THRESHOLD)
}

/// The model file format, version 1 (JSON):
///
/// ```json
/// {
///   "format": "slips-markov",
///   "version": 1,
///   "label": "From-Botnet-TCP-Unknown-Lurk.CC-1",
///   "protocol": "TCP",
///   "normal": false,
///   "threshold": 1.1,
///   "self_probability": -6.0875709314390605,
///   "init_vector": { "*": 0.488, "6": 0.0238, "a": 0.0119, "f": 0.476 },
///   "transitions": { "*": { "a": 0.0244, "f": 0.9756 }, "6": { "*": 0.5, "6": 0.5 } },
///   "training_string": "66*f*f*...",
///   "source": "stf:From-Botnet-TCP-Unknown-Lurk.CC-1-261.stfm"
/// }
/// ```
///
/// `protocol` and `normal` are informative (recomputed from the label on load and checked);
/// `transitions` maps a state to its successors; states are single characters; `source` is
/// optional. Unknown fields are rejected so that typos do not go unnoticed.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub format: String,
    pub version: u32,
    pub label: String,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub normal: Option<bool>,
    pub threshold: f64,
    pub self_probability: f64,
    pub init_vector: BTreeMap<String, f64>,
    pub transitions: BTreeMap<String, BTreeMap<String, f64>>,
    pub training_string: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl From<&Model> for ModelFile {
    fn from(m: &Model) -> Self {
        let mut transitions: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        for (&(a, b), &p) in &m.transitions {
            transitions
                .entry(a.to_string())
                .or_default()
                .insert(b.to_string(), p);
        }
        ModelFile {
            format: FORMAT.into(),
            version: VERSION,
            label: m.label.clone(),
            protocol: Some(m.protocol.clone()),
            normal: Some(m.normal),
            threshold: m.threshold,
            self_probability: m.self_probability,
            init_vector: m
                .init_vector
                .iter()
                .map(|(c, &p)| (c.to_string(), p))
                .collect(),
            transitions,
            training_string: m.training.clone(),
            source: m.source.clone(),
        }
    }
}

fn single_char(s: &str) -> Result<char, ModelError> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(ModelError::BadState(s.to_string())),
    }
}

impl ModelFile {
    /// Validates the file and builds the model.
    pub fn into_model(self) -> Result<Model, ModelError> {
        if self.format != FORMAT {
            return Err(ModelError::BadFormat(self.format));
        }
        if self.version != VERSION {
            return Err(ModelError::BadVersion(self.version));
        }
        let mut init = BTreeMap::new();
        for (k, p) in self.init_vector {
            init.insert(single_char(&k)?, p);
        }
        let mut trans = BTreeMap::new();
        for (a, row) in self.transitions {
            let a = single_char(&a)?;
            for (b, p) in row {
                trans.insert((a, single_char(&b)?), p);
            }
        }
        let m = Model::from_parts(
            &self.label,
            init,
            trans,
            self.training_string,
            self.self_probability,
            self.threshold,
        )?;
        if let Some(p) = &self.protocol {
            if !p.eq_ignore_ascii_case(&m.protocol) {
                return Err(ModelError::BadLabel(format!(
                    "{} (file says protocol {p}, the label says {})",
                    m.label, m.protocol
                )));
            }
        }
        Ok(match self.source {
            Some(s) => m.with_source(s),
            None => m,
        })
    }
}

/// The transitions of a tuple's letters, counted incrementally (what the matcher needs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LetterCounts {
    len: usize,
    last: Option<u8>,
    pairs: BTreeMap<(u8, u8), u32>,
}

impl LetterCounts {
    pub fn new(s: &str) -> Self {
        let mut c = LetterCounts::default();
        c.push_str(s);
        c
    }

    /// Appends letters.
    pub fn push_str(&mut self, s: &str) {
        for &b in s.as_bytes() {
            if let Some(a) = self.last {
                *self.pairs.entry((a, b)).or_default() += 1;
            }
            self.last = Some(b);
            self.len += 1;
        }
    }

    /// Number of letters (bytes) seen.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Distinct transitions with their counts.
    pub fn pairs(&self) -> impl Iterator<Item = ((u8, u8), u32)> + '_ {
        self.pairs.iter().map(|(&k, &v)| (k, v))
    }

    /// Number of distinct transitions (bounded by the alphabet: at most 256²).
    pub fn distinct_pairs(&self) -> usize {
        self.pairs.len()
    }
}

/// A model prepared for fast matching.
#[derive(Debug)]
struct Compiled {
    model: Arc<Model>,
    /// Start positions of each learned transition, ascending.
    pair_pos: BTreeMap<(u8, u8), Vec<u32>>,
    /// Start positions of the learned transitions leaving each state, ascending.
    out_pos: BTreeMap<u8, Vec<u32>>,
    /// Start positions of transitions from or to the separator (never learned).
    sep_pos: Vec<u32>,
}

fn count_below(v: &[u32], limit: usize) -> usize {
    v.partition_point(|&p| (p as usize) < limit)
}

impl Compiled {
    fn new(model: Arc<Model>) -> Compiled {
        let t = model.training.as_bytes();
        let sep = SEPARATOR as u8;
        let mut pair_pos: BTreeMap<(u8, u8), Vec<u32>> = BTreeMap::new();
        let mut out_pos: BTreeMap<u8, Vec<u32>> = BTreeMap::new();
        let mut sep_pos = Vec::new();
        for (i, w) in t.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            if a == sep || b == sep {
                sep_pos.push(i as u32);
            } else {
                pair_pos.entry((a, b)).or_default().push(i as u32);
                out_pos.entry(a).or_default().push(i as u32);
            }
        }
        Compiled {
            model,
            pair_pos,
            out_pos,
            sep_pos,
        }
    }

    /// Log-probability of one transition under the chain of the prefix whose transitions
    /// start before `limit`.
    fn term(&self, a: u8, b: u8, limit: usize) -> f64 {
        let c = self
            .pair_pos
            .get(&(a, b))
            .map_or(0, |v| count_below(v, limit));
        if c == 0 {
            return UNKNOWN_TRANSITION_PENALTY;
        }
        let o = self.out_pos.get(&a).map_or(0, |v| count_below(v, limit));
        (c as f64 / o as f64).ln()
    }

    /// `(p_train, p_test)` for a test string of `counts.len()` letters. Both sums run over
    /// distinct transitions in the same (sorted) order, so a test string equal to the
    /// training prefix gets exactly `p_test == p_train` (distance 1), as in Slips.
    fn probabilities(&self, counts: &LetterCounts) -> (f64, f64) {
        let l = counts.len().min(self.model.training.len());
        // Transitions of the prefix start at positions < l - 1.
        let limit = l.saturating_sub(1);
        let mut p_train = 0.0;
        for (&(a, b), pos) in &self.pair_pos {
            let c = count_below(pos, limit);
            if c > 0 {
                p_train += c as f64 * self.term(a, b, limit);
            }
        }
        let seps = count_below(&self.sep_pos, limit);
        if seps > 0 {
            p_train += seps as f64 * UNKNOWN_TRANSITION_PENALTY;
        }
        let mut p_test = 0.0;
        for ((a, b), n) in counts.pairs() {
            p_test += f64::from(n) * self.term(a, b, limit);
        }
        (p_train, p_test)
    }
}

/// The distance of Slips 0.3 between the training and test log-probabilities, `None` when
/// Python would have failed (division by zero) or flagged the value (-1).
pub fn distance(p_train: f64, p_test: f64) -> Option<f64> {
    if p_train == -1.0 || p_test == -1.0 || p_train == 0.0 || p_test == 0.0 {
        return None;
    }
    let d = if p_train <= p_test {
        p_train / p_test
    } else {
        p_test / p_train
    };
    d.is_finite().then_some(d)
}

/// The best matching model of a tuple.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// Index of the model in its [`ModelSet`].
    pub index: usize,
    pub label: String,
    pub distance: f64,
    pub threshold: f64,
    /// False for normal models: a normal best match is "not detected".
    pub malicious: bool,
    pub p_train: f64,
    pub p_test: f64,
}

/// A set of models ready for matching, sorted by label (then source) for deterministic
/// tie-breaking.
#[derive(Debug, Default)]
pub struct ModelSet {
    models: Vec<Compiled>,
}

/// An alias: the set of models is the matcher.
pub type Matcher = ModelSet;

impl ModelSet {
    pub fn new(mut models: Vec<Model>) -> ModelSet {
        models.sort_by(|a, b| {
            (a.label.as_str(), a.source.as_deref()).cmp(&(b.label.as_str(), b.source.as_deref()))
        });
        ModelSet {
            models: models
                .into_iter()
                .map(|m| Compiled::new(Arc::new(m)))
                .collect(),
        }
    }

    /// Loads every `*.json` model file of a folder (sorted by name). A file that is not a
    /// valid model is an error naming it.
    pub fn load_dir(dir: &Path) -> Result<ModelSet, ModelError> {
        let io = |e| ModelError::Io {
            path: dir.to_path_buf(),
            source: e,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
            .collect();
        paths.sort();
        let mut models = Vec::with_capacity(paths.len());
        for p in paths {
            models.push(Model::load(&p)?);
        }
        tracing::info!(
            "loaded {} behavioural models from {}",
            models.len(),
            dir.display()
        );
        Ok(ModelSet::new(models))
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    pub fn model(&self, index: usize) -> Option<&Model> {
        self.models.get(index).map(|c| c.model.as_ref())
    }

    pub fn models(&self) -> impl Iterator<Item = &Model> {
        self.models.iter().map(|c| c.model.as_ref())
    }

    /// Whether any model is for this protocol (`tcp`, `udp`, ...).
    pub fn has_protocol(&self, proto: &str) -> bool {
        self.models
            .iter()
            .any(|c| c.model.protocol.eq_ignore_ascii_case(proto))
    }

    /// The best match of a tuple's letters (see the module doc); `None` when the tuple has
    /// fewer than [`MIN_LETTERS`] letters or no model matches.
    pub fn best_match(&self, proto: &str, counts: &LetterCounts) -> Option<Match> {
        if counts.len() < MIN_LETTERS {
            return None;
        }
        let mut best: Option<Match> = None;
        for (index, c) in self.models.iter().enumerate() {
            let m = &c.model;
            if !m.protocol.eq_ignore_ascii_case(proto) {
                continue;
            }
            let (p_train, p_test) = c.probabilities(counts);
            let Some(d) = distance(p_train, p_test) else {
                continue;
            };
            if d >= 1.0 && d <= m.threshold && best.as_ref().is_none_or(|b| d < b.distance) {
                best = Some(Match {
                    index,
                    label: m.label.clone(),
                    distance: d,
                    threshold: m.threshold,
                    malicious: !m.normal,
                    p_train,
                    p_test,
                });
            }
        }
        best
    }

    /// [`ModelSet::best_match`] on a letter string.
    pub fn best_match_str(&self, proto: &str, letters: &str) -> Option<Match> {
        self.best_match(proto, &LetterCounts::new(letters))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    /// Straight transcription of Slips 0.3's detect step for one model, for cross-checking.
    fn naive(model_training: &str, test: &str) -> (f64, f64) {
        let train: String = model_training.chars().take(test.chars().count()).collect();
        let (_, m) = maximum_likelihood(&train);
        (log_probability(&m, &train), log_probability(&m, test))
    }

    #[test]
    fn maximum_likelihood_by_hand() {
        // "aab#ab": transitions a→a, a→b, (b→#, #→a skipped), a→b.
        let (init, m) = maximum_likelihood("aab#ab");
        assert_eq!(m.len(), 2);
        assert!((m[&('a', 'a')] - 1.0 / 3.0).abs() < EPS);
        assert!((m[&('a', 'b')] - 2.0 / 3.0).abs() < EPS);
        assert_eq!(init.len(), 1);
        assert!((init[&'a'] - 1.0).abs() < EPS);
        // logP("abba"): a→b = ln(2/3); b→b, b→a unknown: 2 × −4.6.
        let p = log_probability(&m, "abba");
        assert!((p - ((2.0f64 / 3.0).ln() - 9.2)).abs() < EPS, "{p}");
    }

    #[test]
    fn lurk_self_probability_by_hand() {
        // The Lurk model's training string: 66, then 40 × "*f", then "*a*".
        let s = format!("66{}*a*", "*f".repeat(40));
        let m = Model::train("From-Botnet-TCP-Unknown-Lurk.CC-1", &s, 1.1).unwrap();
        // 6→6 = 6→* = 1/2, *→f = 40/41 (40 times), *→a = 1/41, f→* = a→* = 1.
        let want = 2.0 * 0.5f64.ln() + 40.0 * (40.0f64 / 41.0).ln() + (1.0f64 / 41.0).ln();
        assert!((m.self_probability() - want).abs() < EPS);
        assert!((m.self_probability() - -6.0875709314390605).abs() < 1e-12);
        assert_eq!(m.protocol(), "TCP");
        assert!(!m.is_normal());
        assert!((m.init_vector()[&'*'] - 41.0 / 84.0).abs() < EPS);
    }

    #[test]
    fn matching_rule_hand_computed() {
        // Training "a,a,a,b,b,": prefix for a 6-letter test is "a,a,a,".
        // Prefix chain: a→, = 1 (3 times), ,→a = 1 (2 times) → p_train = 0: no distance.
        let set = ModelSet::new(vec![
            Model::train("From-Botnet-TCP-X-1", "a,a,a,b,b,", 1.1).unwrap()
        ]);
        assert_eq!(set.best_match_str("tcp", "a,a,a,"), None);

        // Training "a,a.a,a.": prefix of 8. Transitions: a→, ×2, ,→a ×2, a→. ×2, .→a ×1.
        // M: a→, = 1/2, a→. = 1/2, ,→a = 1, .→a = 1.
        // p_train = 4·ln(1/2) = −2.7726. Test "a,a,a,a.": a→, ×3, ,→a ×3, a→. ×1 →
        // p_test = 4·ln(1/2) = −2.7726 → distance 1 → match.
        let set = ModelSet::new(vec![
            Model::train("From-Botnet-TCP-X-1", "a,a.a,a.", 1.1).unwrap()
        ]);
        let m = set.best_match_str("tcp", "a,a,a,a.").unwrap();
        assert!((m.p_train - 4.0 * 0.5f64.ln()).abs() < EPS);
        assert!((m.p_test - 4.0 * 0.5f64.ln()).abs() < EPS);
        assert_eq!(m.distance, 1.0);
        assert!(m.malicious);
        // Protocol must match.
        assert_eq!(set.best_match_str("udp", "a,a,a,a."), None);
        // Fewer than 4 letters: not evaluated.
        assert_eq!(set.best_match_str("tcp", "a,a"), None);

        // Test "a,a,b,a.": a→, ×2 (ln ½ each), ,→a ×1 (0), ,→b unknown (−4.6), b→, unknown
        // (−4.6), a→. ×1 (ln ½) → p_test = 3·ln ½ − 9.2 = −11.2794; distance = 4.068 > 1.1.
        assert_eq!(set.best_match_str("tcp", "a,a,b,a."), None);
        let (pt, pe) = naive("a,a.a,a.", "a,a,b,a.");
        assert!((pe - (3.0 * 0.5f64.ln() - 9.2)).abs() < EPS);
        assert!((distance(pt, pe).unwrap() - pe / pt).abs() < EPS);
    }

    #[test]
    fn smallest_distance_wins_and_normal_models_do_not_alert() {
        // Two models with the same training string: the first by label wins ties.
        let a = Model::train("From-Botnet-TCP-A-1", "a,a.a,a.", 1.1).unwrap();
        let b = Model::train("From-Normal-TCP-B-1", "a,a.a,a.", 1.1).unwrap();
        let set = ModelSet::new(vec![b.clone(), a.clone()]);
        let m = set.best_match_str("tcp", "a,a,a,a.").unwrap();
        assert_eq!(m.label, "From-Botnet-TCP-A-1");
        // Both give distance 1 for a normal model with the test's own string: the
        // botnet label sorts first and wins the tie.
        let n = Model::train("From-Normal-TCP-C-1", "a,a,a,a.", 1.1).unwrap();
        let set = ModelSet::new(vec![a, n]);
        let m = set.best_match_str("tcp", "a,a,a,a.").unwrap();
        assert_eq!(m.label, "From-Botnet-TCP-A-1");
        // A normal model with a strictly smaller distance wins and means "not detected".
        // "a,a.a.a.": a→, = 1/4, a→. = 3/4 → p_train = ln ¼ + 3 ln ¾ = −2.2493; the test
        // "a,a,a,a." gives 3 ln ¼ + ln ¾ = −4.4466 → distance 1.9768 (within 2.0).
        let n2 = Model::train("From-Normal-TCP-C-1", "a,a,a,a.", 1.1).unwrap();
        let far = Model::train("From-Botnet-TCP-Z-1", "a,a.a.a.", 2.0).unwrap();
        let set = ModelSet::new(vec![far, n2]);
        let m = set.best_match_str("tcp", "a,a,a,a.").unwrap();
        assert_eq!(m.label, "From-Normal-TCP-C-1");
        assert_eq!(m.distance, 1.0);
        assert!(!m.malicious);
        let only_far = ModelSet::new(vec![
            Model::train("From-Botnet-TCP-Z-1", "a,a.a.a.", 2.0).unwrap()
        ]);
        let m = only_far.best_match_str("tcp", "a,a,a,a.").unwrap();
        let (pt, pe) = (
            0.25f64.ln() + 3.0 * 0.75f64.ln(),
            3.0 * 0.25f64.ln() + 0.75f64.ln(),
        );
        assert!((m.p_train - pt).abs() < EPS && (m.p_test - pe).abs() < EPS);
        assert!((m.distance - pe / pt).abs() < EPS);
        assert!((m.distance - 1.976_830_5).abs() < 1e-6, "{}", m.distance);
    }

    #[test]
    fn fast_matcher_equals_naive_computation() {
        // Deterministic pseudo-random strings over a small alphabet, with separators.
        let alphabet = b"aAbhH,.+*0#";
        let mut x = 0x2545F4914F6CDD1Du64;
        let mut rnd = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for _ in 0..40 {
            let tl = 5 + rnd(60);
            let training: String = (0..tl)
                .map(|_| alphabet[rnd(alphabet.len())] as char)
                .collect();
            let model = Model::train("From-Botnet-TCP-R-1", &training, 1e9).unwrap();
            let compiled = Compiled::new(Arc::new(model));
            for _ in 0..10 {
                let n = 4 + rnd(80);
                let test: String = (0..n)
                    .map(|_| alphabet[rnd(alphabet.len() - 1)] as char)
                    .collect();
                let (pt, pe) = compiled.probabilities(&LetterCounts::new(&test));
                let (nt, ne) = naive(&training, &test);
                assert!((pt - nt).abs() < 1e-9, "{training} {test}: {pt} vs {nt}");
                assert!((pe - ne).abs() < 1e-9, "{training} {test}: {pe} vs {ne}");
            }
        }
    }

    #[test]
    fn json_round_trip_and_validation() {
        let m = Model::train("From-Botnet-UDP-DNS-DGA-1", "11.a.a.a.", 1.1)
            .unwrap()
            .with_source("test");
        let j = m.to_json();
        assert!(j.contains("\"format\": \"slips-markov\""));
        let back = Model::from_json(&j).unwrap();
        assert_eq!(back, m);
        assert_eq!(m.file_name(), "From-Botnet-UDP-DNS-DGA-1.json");
        let bad = j.replace("\"version\": 1", "\"version\": 2");
        assert_eq!(
            Model::from_json(&bad).unwrap_err().to_string(),
            "model file version 2 is not supported (this slips reads version 1)"
        );
        let bad = j.replace("slips-markov", "other");
        assert!(matches!(
            Model::from_json(&bad),
            Err(ModelError::BadFormat(_))
        ));
        let bad = j.replace("\"threshold\": 1.1", "\"threshold\": -3.0");
        assert!(matches!(
            Model::from_json(&bad),
            Err(ModelError::BadThreshold(_))
        ));
        let bad = j.replace("\"protocol\": \"UDP\"", "\"protocol\": \"TCP\"");
        assert!(matches!(
            Model::from_json(&bad),
            Err(ModelError::BadLabel(_))
        ));
        let bad = j.replace("\"format\"", "\"formatt\"");
        assert!(matches!(Model::from_json(&bad), Err(ModelError::Json(_))));
        assert!(matches!(
            Model::train("Botnet", "aaaa", 1.1),
            Err(ModelError::BadLabel(_))
        ));
        assert!(matches!(
            train::<&str>("From-Botnet-TCP-X", &[]),
            Err(ModelError::NothingToTrain)
        ));
        let t = train("From-Botnet-TCP-X", &["88,h,", "", "11.a."]).unwrap();
        assert_eq!(t.training(), "88,h,#11.a.");
    }

    #[test]
    fn load_dir_sorted_and_errors_name_the_file() {
        let d = tempfile::tempdir().unwrap();
        let a = Model::train("From-Botnet-TCP-B-1", "a,a,a,", 1.1).unwrap();
        let b = Model::train("From-Botnet-TCP-A-1", "a,a,a,", 1.1).unwrap();
        a.save(&d.path().join(a.file_name())).unwrap();
        b.save(&d.path().join(b.file_name())).unwrap();
        std::fs::write(d.path().join("README.txt"), "not a model").unwrap();
        let set = ModelSet::load_dir(d.path()).unwrap();
        let labels: Vec<_> = set.models().map(|m| m.label().to_string()).collect();
        assert_eq!(labels, ["From-Botnet-TCP-A-1", "From-Botnet-TCP-B-1"]);
        std::fs::write(d.path().join("broken.json"), "{}").unwrap();
        let e = ModelSet::load_dir(d.path()).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "{}: invalid model JSON",
                d.path().join("broken.json").display()
            )),
            "{e}"
        );
    }
}

//! The score of a profile-window: how the evidence of one window adds up to an alert.
//!
//! Slips sums threat level × confidence of every evidence and alerts at
//! `evidence_detection_threshold × width / 60` (15 for one-hour windows). Two things made that
//! blind to real attacks: a growing attack reported several times counts several times while
//! a strong one reported once counts once, and the threshold grows with the window width, so
//! a 1,000-port scan (a few reports at level high) never reaches 15. Here:
//!
//! - A **finding** is what one evidence is about: its type, attacker, victim, protocol and
//!   destination port. A finding reported again (a scan that grew, a guessing attack that
//!   went on) replaces its earlier weight; the window counts each finding once, at its
//!   strongest (threat level × confidence).
//! - Findings of one **type** add up, but never beyond the type's threat level: more of the
//!   same makes slips surer, not the attack more severe (321 unknown-port connections are
//!   still a low finding).
//! - The **score** is the sum over types. An alert is raised when it reaches the threshold
//!   (`detection.evidence_detection_threshold`, 0.8 by default: one high finding at full
//!   confidence, or several weaker findings of different kinds), whatever the window width.
//!   After an alert, the window alerts again only when its score has grown by another
//!   threshold.

use slips_core::{EvidenceType, ThreatLevel};
use std::collections::HashMap;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Most findings remembered per window; beyond it new findings still count (as new ones).
const MAX_FINDINGS: usize = 4096;

/// Per type: the highest level value seen and the sum of its findings' weights.
#[derive(Clone, Copy, Debug, Default)]
struct TypeScore {
    level: f64,
    sum: f64,
}

impl TypeScore {
    fn contribution(self) -> f64 {
        self.sum.min(self.level)
    }
}

#[derive(Debug, Default)]
pub(crate) struct WindowScore {
    findings: Map<u64, f64>,
    types: Vec<(EvidenceType, TypeScore)>,
    score: f64,
    /// Score when the last alert was raised (0 before the first).
    at_last_alert: f64,
}

impl WindowScore {
    /// Adds the weight of a finding (keyed by `finding`); returns the new score.
    pub fn add(&mut self, finding: u64, t: EvidenceType, level: ThreatLevel, weight: f64) -> f64 {
        let old = if self.findings.len() < MAX_FINDINGS {
            let w = self.findings.entry(finding).or_insert(0.0);
            let old = *w;
            *w = w.max(weight);
            old
        } else {
            self.findings.get(&finding).copied().unwrap_or(0.0)
        };
        let gain = (weight - old).max(0.0);
        if gain == 0.0 && self.types.iter().any(|(x, _)| *x == t) {
            return self.score;
        }
        let i = match self.types.iter().position(|(x, _)| *x == t) {
            Some(i) => i,
            None => {
                self.types.push((t, TypeScore::default()));
                self.types.len() - 1
            }
        };
        let ts = &mut self.types[i].1;
        let before = ts.contribution();
        ts.level = ts.level.max(level.value());
        ts.sum += gain;
        self.score += ts.contribution() - before;
        self.score
    }

    pub fn score(&self) -> f64 {
        self.score
    }

    /// Whether the score calls for an alert under `threshold`; if so, remembers it.
    pub fn take_alert(&mut self, threshold: f64) -> bool {
        // A small tolerance: weights are rounded to 4 decimals in the output.
        if self.score + 1e-9 >= self.at_last_alert + threshold {
            self.at_last_alert = self.score;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EvidenceType::*;
    use ThreatLevel::*;

    #[test]
    fn a_growing_finding_counts_once_at_its_strongest() {
        let mut s = WindowScore::default();
        assert!((s.add(1, VERTICAL_PORT_SCAN, High, 0.24) - 0.24).abs() < 1e-12);
        assert!((s.add(1, VERTICAL_PORT_SCAN, High, 0.8) - 0.8).abs() < 1e-12);
        // A weaker re-report changes nothing.
        assert!((s.add(1, VERTICAL_PORT_SCAN, High, 0.5) - 0.8).abs() < 1e-12);
        assert!(s.take_alert(0.8));
    }

    #[test]
    fn a_type_never_counts_beyond_its_level() {
        let mut s = WindowScore::default();
        for f in 0..321 {
            s.add(f, UNKNOWN_PORT, Low, 0.2);
        }
        assert!((s.score() - 0.2).abs() < 1e-12);
        assert!(!s.take_alert(0.8));
        // Findings of one type below the level add up to it.
        let mut s = WindowScore::default();
        s.add(1, THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, High, 0.4);
        s.add(2, THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, High, 0.3);
        assert!((s.score() - 0.7).abs() < 1e-12);
        s.add(3, THREAT_INTELLIGENCE_TO_BLACKLISTED_IP, High, 0.3);
        assert!((s.score() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn types_add_up_and_realert_needs_another_threshold() {
        let mut s = WindowScore::default();
        s.add(1, SELF_SIGNED_CERTIFICATE, Medium, 0.25);
        assert!(!s.take_alert(0.8));
        s.add(2, BEACONING, High, 0.64);
        assert!(s.take_alert(0.8));
        s.add(3, PASSWORD_GUESSING, High, 0.4);
        assert!(!s.take_alert(0.8));
        s.add(4, DGA_NXDOMAINS, High, 0.4);
        assert!(s.take_alert(0.8));
    }

    #[test]
    fn a_higher_level_finding_raises_the_types_cap() {
        let mut s = WindowScore::default();
        s.add(1, PASSWORD_GUESSING, High, 0.8);
        s.add(1, PASSWORD_GUESSING, Critical, 1.0);
        assert!((s.score() - 1.0).abs() < 1e-12);
    }
}

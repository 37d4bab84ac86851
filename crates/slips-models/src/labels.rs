//! Ground-truth label classes.
//!
//! Labelled traffic comes with free-text labels: CTU binetflows (`flow=From-Botnet-V42-TCP-CC`,
//! `flow=From-Normal-V42-Grill`, `flow=Background-UDP-DNS`), Zeek `.log.labeled` files of
//! netflowlabeler (`Malicious` / `Benign` plus a detailed label) and STF model labels
//! (`From-Botnet-TCP-HTTP-CC-23`, `From-Normal-TCP-HTTP-LastFM-30`).

use slips_core::GroundTruth;

/// What a label says about a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelClass {
    /// Botnet, malware, malicious, attack, C&C.
    Malicious,
    /// Normal or benign.
    Normal,
    /// Background, unknown or empty: excluded from training and evaluation, as in the
    /// Stratosphere methodology.
    Background,
}

/// Classifies a label text, case-insensitively. "Normal"/"benign" wins over the malicious
/// words only when no malicious word is present (`From-Normal-...` never contains them).
pub fn classify(label: &str) -> LabelClass {
    let l = label.to_ascii_lowercase();
    const MAL: [&str; 7] = [
        "botnet",
        "malware",
        "malicious",
        "attack",
        "c&c",
        "cc-",
        "dga",
    ];
    if l.contains("background") {
        return LabelClass::Background;
    }
    if MAL.iter().any(|w| l.contains(w)) {
        return LabelClass::Malicious;
    }
    if l.contains("normal") || l.contains("benign") {
        return LabelClass::Normal;
    }
    LabelClass::Background
}

/// The class of a flow's ground truth (label and detailed label together).
pub fn classify_truth(gt: &GroundTruth) -> LabelClass {
    match classify(&gt.label) {
        LabelClass::Background => match gt.detailed_label.as_deref() {
            Some(d) if !d.is_empty() && d != "-" => classify(d),
            _ => LabelClass::Background,
        },
        c => c,
    }
}

/// The label text of a ground truth: `flow=` prefix removed, the detailed label appended
/// after `-` when present.
pub fn truth_text(gt: &GroundTruth) -> String {
    let base = gt.label.trim();
    let base = base.strip_prefix("flow=").unwrap_or(base);
    match gt.detailed_label.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() && d != "-" => format!("{base}-{d}"),
        _ => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(
            classify("flow=From-Botnet-V42-TCP-CC"),
            LabelClass::Malicious
        );
        assert_eq!(
            classify("From-Normal-TCP-HTTP-LastFM-30"),
            LabelClass::Normal
        );
        assert_eq!(classify("flow=Background-UDP-DNS"), LabelClass::Background);
        assert_eq!(classify("flow=Malware-TCP"), LabelClass::Malicious);
        assert_eq!(classify("Benign"), LabelClass::Normal);
        assert_eq!(classify(""), LabelClass::Background);
        assert_eq!(
            classify("From-Botnet-UDP-DNS-DGA-17"),
            LabelClass::Malicious
        );
        let gt = GroundTruth {
            label: "Malicious".into(),
            detailed_label: Some("C&C-HeartBeat".into()),
        };
        assert_eq!(classify_truth(&gt), LabelClass::Malicious);
        assert_eq!(truth_text(&gt), "Malicious-C&C-HeartBeat");
        let gt = GroundTruth {
            label: "flow=From-Normal-V42-Grill".into(),
            detailed_label: Some("-".into()),
        };
        assert_eq!(classify_truth(&gt), LabelClass::Normal);
        assert_eq!(truth_text(&gt), "From-Normal-V42-Grill");
    }
}

//! The labelled corpus of real attacks and benign traffic (`testdata/corpus/`, made by
//! `scripts/corpus/make-corpus.sh` with real tools in network namespaces): per capture the
//! full evidence list and the alerts (golden files), per labelled host the expected evidence,
//! and over the corpus the alert precision (must be 1) and recall (at least 0.95) per host
//! and window, with the default configuration and window width.

mod common;

use common::{alerts_json, analyse, assert_snapshot, evidence_snapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus")
}

struct Label {
    capture: String,
    host: String,
    label: String,
    expected: Vec<String>,
}

fn labels() -> Vec<Label> {
    let text = std::fs::read_to_string(corpus().join("labels.csv")).expect("labels.csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            // capture,host,label,behaviour,expected (the behaviour has no commas).
            let f: Vec<&str> = l.split(',').collect();
            Label {
                capture: f[0].to_string(),
                host: f[1].to_string(),
                label: f[2].to_string(),
                expected: f[f.len() - 1]
                    .split(';')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect()
}

/// Per capture: evidence types by attacker, and the alerted profiles.
struct Result {
    types: BTreeMap<String, BTreeSet<String>>,
    alerted: BTreeSet<String>,
}

fn analyse_capture(capture: &str) -> Result {
    let cfg = corpus().join("slips.yaml");
    let (dir, _, _) = analyse(&corpus().join(capture), &["-c", cfg.to_str().unwrap()]);
    let out = dir.path().join("out");
    let mut golden = evidence_snapshot(&out);
    let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut alerted = BTreeSet::new();
    for v in alerts_json(&out) {
        let s = &v["Slips"];
        if v["Status"] == "Event" {
            let who = s["attacker"]["value"].as_str().unwrap_or("").to_string();
            let t = s["evidence_type"].as_str().unwrap_or("").to_string();
            types.entry(who).or_default().insert(t);
        } else {
            let p = s["profile"].as_str().unwrap_or("").to_string();
            golden.push_str(&format!(
                "ALERT profile {p} | tw {} | score {}\n",
                s["timewindow"]["number"], s["accumulated_threat_level"]
            ));
            alerted.insert(p);
        }
    }
    assert_snapshot(
        &format!("corpus_{}.txt", capture.trim_end_matches(".pcap")),
        &golden,
    );
    Result { types, alerted }
}

#[test]
fn corpus_alerts_on_attacks_and_only_on_them() {
    let labels = labels();
    let captures: BTreeSet<&str> = labels.iter().map(|l| l.capture.as_str()).collect();
    let results: BTreeMap<&str, Result> =
        captures.iter().map(|c| (*c, analyse_capture(c))).collect();
    let (mut tp, mut fp, mut tn, mut fn_) = (0u32, 0u32, 0u32, 0u32);
    let mut problems = Vec::new();
    let mut table =
        String::from("| capture | host | label | alert | evidence |\n|---|---|---|---|---|\n");
    for l in &labels {
        let r = &results[l.capture.as_str()];
        let got = r.types.get(&l.host).cloned().unwrap_or_default();
        for e in &l.expected {
            if !got.contains(e) {
                problems.push(format!(
                    "{} {}: expected {e}, got {got:?}",
                    l.capture, l.host
                ));
            }
        }
        let alert = r.alerted.contains(&l.host);
        match (l.label.as_str(), alert) {
            ("malicious", true) => tp += 1,
            ("malicious", false) => {
                fn_ += 1;
                problems.push(format!("{} {}: attack without an alert", l.capture, l.host));
            }
            ("benign", true) => {
                fp += 1;
                problems.push(format!("{} {}: alert on benign traffic", l.capture, l.host));
            }
            ("benign", false) => tn += 1,
            _ => {} // "suspicious": evidence expected, no alert required either way
        }
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            l.capture,
            l.host,
            l.label,
            if alert { "yes" } else { "no" },
            got.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let precision = f64::from(tp) / f64::from((tp + fp).max(1));
    let recall = f64::from(tp) / f64::from((tp + fn_).max(1));
    println!(
        "{table}\nTP {tp} FP {fp} TN {tn} FN {fn_}: precision {precision:.3}, recall {recall:.3}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(precision, 1.0);
    assert!(recall >= 0.95, "recall {recall}");
    assert!(
        tp >= 16 && tn >= 40,
        "the corpus is complete: TP {tp}, TN {tn}"
    );
}

//! Dataset tests of the behavioural models (issue 7):
//! * the 18 imported STF models run on the binetflow datasets of Slips; what they match is a
//!   checked-in snapshot (`tests/snapshots/stf_matches.txt`);
//! * per-method evaluation (Stratosphere's IP-per-time-window metric) on labelled synthetic
//!   traffic from `slips-gen`, trained on the first half and evaluated on the second half
//!   (`tests/snapshots/evaluation.txt`).
//!
//! Snapshots are rewritten with `UPDATE_SNAPSHOTS=1`.

use slips_config::Config;
use slips_core::{Evidence, EvidenceType, Flow, GroundTruth, Record};
use slips_detectors::{Resources, REGISTRY};
use slips_engine::{Engine, EngineConfig, Event};
use slips_models::eval::{evaluate, GroundTruth as Truth};
use slips_models::ModelSet;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn shared(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/")).join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} is absent", p.display());
        None
    }
}

fn snapshot(name: &str, now: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, now).unwrap();
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        old,
        now,
        "{} is stale: run with UPDATE_SNAPSHOTS=1",
        path.display()
    );
}

/// Runs one registered detector over flows and returns its evidence.
fn run(name: &str, res: &Resources, flows: &[Flow]) -> Vec<Evidence> {
    let e = REGISTRY.iter().find(|e| e.name == name).unwrap();
    let mut eng = Engine::new(
        EngineConfig {
            threshold: f64::INFINITY,
            ..Default::default()
        },
        vec![e.build(&Config::default(), res)],
    );
    for f in flows {
        eng.process(f);
    }
    eng.finish();
    eng.drain_events()
        .filter_map(|e| match e {
            Event::Evidence(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

fn read_binetflow(path: &Path) -> Vec<Flow> {
    let fmt = slips_flows::detect_path(path).unwrap();
    let mut src = slips_flows::open(path, fmt).unwrap();
    let mut v = Vec::new();
    while let Some(f) = src.next_flow() {
        v.push(f);
    }
    v
}

#[test]
fn stf_models_on_the_binetflow_datasets() {
    let (Some(models), Some(data)) = (shared("slips-data/models-stf"), shared("datasets/slips"))
    else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&models)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let set: Vec<_> = files
        .iter()
        .map(|p| slips_models::import_stf(&std::fs::read(p).unwrap()).unwrap())
        .collect();
    assert_eq!(set.len(), 18);
    let res = Resources {
        markov: Some(Arc::new(ModelSet::new(set))),
        ..Resources::default()
    };
    let mut out = String::new();
    for name in [
        "test2-malicious.binetflow",
        "test3-mixed.binetflow",
        "test4-malicious.binetflow",
        "test5-mixed.binetflow",
    ] {
        let flows = read_binetflow(&data.join(name));
        let ev = run("behavioural_models", &res, &flows);
        out.push_str(&format!(
            "{name}: {} flows, {} matches\n",
            flows.len(),
            ev.len()
        ));
        for e in &ev {
            out.push_str(&format!(
                "  timewindow{} {} | {} {}\n",
                e.timewindow.number, e.description, e.threat_level, e.confidence
            ));
        }
    }
    snapshot("stf_matches.txt", &out);
}

/// Labelled synthetic traffic: beacon and scanner flows are malicious, the rest benign.
fn labelled_generated() -> Vec<Flow> {
    let cfg = slips_gen::ConnConfig {
        flows: 200_000,
        hosts: 300,
        beacons: 3,
        scanners: 2,
        vscanners: 1,
        seed: 7,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conn.log");
    let file = std::fs::File::create(&path).unwrap();
    let s = slips_gen::generate_conn(&cfg, std::io::BufWriter::new(file)).unwrap();
    let ip = |a: std::net::Ipv4Addr| IpAddr::V4(a);
    let beacons: BTreeSet<(IpAddr, IpAddr)> =
        s.beacons.iter().map(|b| (ip(b.src), ip(b.dst))).collect();
    let hscan: BTreeSet<(IpAddr, u16)> = s
        .horizontal_scanners
        .iter()
        .map(|h| (ip(h.src), h.dport))
        .collect();
    let vscan: BTreeSet<(IpAddr, IpAddr)> = s
        .vertical_scanners
        .iter()
        .map(|v| (ip(v.src), ip(v.dst)))
        .collect();
    slips_zeek::ZeekReader::open(&path)
        .unwrap()
        .map(|mut f| {
            if let Record::Conn(c) = &f.record {
                let (src, dst) = (c.saddr.unwrap(), c.daddr.unwrap());
                let bad = beacons.contains(&(src, dst))
                    || vscan.contains(&(src, dst))
                    || (hscan.contains(&(src, c.dport))
                        && matches!(c.state.as_str(), "S0" | "REJ"));
                f.label = Some(Box::new(GroundTruth {
                    label: if bad { "Malicious" } else { "Benign" }.into(),
                    detailed_label: None,
                }));
            }
            f
        })
        .collect()
}

#[test]
fn per_method_evaluation_on_labelled_synthetic_traffic() {
    let flows = labelled_generated();
    // First half of the day for training, second half for evaluation.
    let mid = flows[flows.len() / 2].record.ts();
    let (train, test): (Vec<Flow>, Vec<Flow>) =
        flows.into_iter().partition(|f| f.record.ts() < mid);

    let markov = slips_models::training::train_from_flows(
        &train,
        slips_models::training::TrainOptions::default(),
    )
    .unwrap();
    let ml = slips_models::ml::ml_train(&train, &slips_models::ml::MlOptions::default()).unwrap();
    let res = Resources {
        markov: Some(Arc::new(ModelSet::new(markov.clone()))),
        ml: Some(Arc::new(ml.clone())),
        ..Resources::default()
    };

    let mut truth = Truth::new(3600.0);
    for f in &test {
        truth.add(f);
    }
    let mut out = format!(
        "slips-gen conn --flows 200000 --hosts 300 --beacons 3 --scanners 2 --vscanners 1 --seed 7; \
         trained on {} flows, evaluated on {} flows ({} IP-windows with ground truth)\n\
         markov models trained: {}\n",
        train.len(),
        test.len(),
        truth.len(),
        markov
            .iter()
            .map(|m| format!("{} ({} letters)", m.label(), m.training().len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let c = ml.evaluate(&test);
    out.push_str(&format!(
        "ml_flow per flow: TP {} FP {} TN {} FN {} precision {:.4} recall {:.4} F1 {:.4} accuracy {:.4}\n",
        c.tp,
        c.fp,
        c.tn,
        c.fn_,
        c.precision().unwrap_or(0.0),
        c.recall().unwrap_or(0.0),
        c.f1().unwrap_or(0.0),
        c.accuracy().unwrap_or(0.0)
    ));
    for (name, ty) in [
        ("beaconing", EvidenceType::BEACONING),
        ("behavioural_models", EvidenceType::BEHAVIOURAL_MODEL_MATCH),
        ("ml_flow", EvidenceType::MALICIOUS_FLOW),
        ("horizontal_port_scan", EvidenceType::HORIZONTAL_PORT_SCAN),
    ] {
        let ev = run(name, &res, &test);
        // A detection is evidence of the method in the profile-window.
        let detected: BTreeSet<(IpAddr, i64)> = ev
            .iter()
            .filter(|e| e.evidence_type == ty)
            .map(|e| (e.profile, e.timewindow.number))
            .collect();
        let e = evaluate(&truth, &detected);
        let t = e.total;
        out.push_str(&format!(
            "{name} per IP-window: TP {} FP {} TN {} FN {} precision {} recall {} F1 {}\n",
            t.tp,
            t.fp,
            t.tn,
            t.fn_,
            t.precision().map_or("-".into(), |x| format!("{x:.4}")),
            t.recall().map_or("-".into(), |x| format!("{x:.4}")),
            t.f1().map_or("-".into(), |x| format!("{x:.4}")),
        ));
    }
    println!("{out}");
    snapshot("evaluation.txt", &out);
}

//! External modules through the binary: the Python example (examples/external) reads the
//! DNS records slips sends it and its evidence raises an alert like built-in evidence;
//! malformed and impossible evidence is refused, counted and listed; a module that
//! cannot start stops slips at start.

mod common;
use common::*;
use std::path::Path;

const BAD: &str = r#"
import sys, json
for line in sys.stdin:
    pass
print("not json at all")
print(json.dumps({"type": "X", "attacker": "10.0.0.5", "threat_level": "severe", "confidence": 1, "description": "d", "timestamp": 1600000001}))
print(json.dumps({"type": "X", "attacker": "203.0.113.9", "threat_level": "high", "confidence": 1, "description": "d", "timestamp": 1600000001}))
"#;

#[test]
fn a_python_module_raises_an_alert_and_bad_evidence_is_refused() {
    if std::process::Command::new("python3")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("skipping: python3 is not installed (scripts/deps.sh --test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dns_log(dir.path(), 12);
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, BAD).unwrap();
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        format!(
            "detection:\n  evidence_detection_threshold: 0.1\nmodules:\n  external:\n    - name: tlds\n      command: [python3, '{}', '10']\n      channels: [new_dns]\n    - name: broken\n      command: [python3, '{}']\n      channels: [new_flow, new_dns]\n",
            distinct_tlds_example(),
            bad.display()
        ),
    )
    .unwrap();
    let (out, _, stderr) = analyse(&logs, &["-c", cfg.to_str().unwrap()]);
    let out = out.path().join("out");
    assert!(
        stderr.contains("External modules: 1 evidence accepted, 3 refused"),
        "{stderr}"
    );
    let snap = evidence_snapshot(&out);
    assert!(
        snap.contains("EXTERNAL_MODULE | profile 10.0.0.5 | tw 1 | attacker SRC 10.0.0.5")
            && snap.contains("MANY_DISTINCT_TLDS: 10 distinct top-level domains queried"),
        "{snap}"
    );
    let alerts = alerts_json(&out);
    let ev = alerts
        .iter()
        .find(|a| a["Slips"]["evidence_type"] == "EXTERNAL_MODULE")
        .unwrap();
    assert_eq!(ev["Slips"]["detector"], "tlds");
    // It counts like any evidence: the host is alerted on.
    let log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(
        log.contains("Src IP 10.0.0.5") && log.contains("Generated an alert"),
        "{log}"
    );
    // Every refusal is in errors.log with its reason.
    let errors = std::fs::read_to_string(out.join("errors.log")).unwrap();
    for why in [
        "not evidence JSON",
        "threat_level must be",
        "the attacker is not a profiled IP",
    ] {
        assert!(errors.contains(why), "{why}: {errors}");
    }
}

/// slips on `logs` with the configuration `yaml`; its exit code and standard error.
fn run_with_config(dir: &Path, logs: &Path, name: &str, yaml: &str) -> (Option<i32>, String) {
    let cfg = dir.join(format!("{name}.yaml"));
    std::fs::write(&cfg, yaml).unwrap();
    let o = slips()
        .args([
            "-f",
            logs.to_str().unwrap(),
            "-c",
            cfg.to_str().unwrap(),
            "-o",
        ])
        .arg(dir.join(name))
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_module_that_cannot_start_stops_slips_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dns_log(dir.path(), 2);
    let (code, stderr) = run_with_config(
        dir.path(),
        &logs,
        "ghost",
        "modules:\n  external:\n    - name: ghost\n      command: [/nonexistent/detector]\n      channels: [new_dns]\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("external module ghost: cannot start `/nonexistent/detector`"),
        "{stderr}"
    );
    let (_, stderr) = run_with_config(
        dir.path(),
        &logs,
        "channel",
        "modules:\n  external:\n    - name: x\n      command: [python3]\n      channels: [new_dnss]\n",
    );
    assert!(stderr.contains("unknown channel `new_dnss`"), "{stderr}");
}

//! The `slips-gen` binary end to end.

use std::process::Command;

fn slips_gen() -> Command {
    Command::new(env!("CARGO_BIN_EXE_slips-gen"))
}

#[test]
fn conn_writes_file_summary_and_truth() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("conn.log");
    let truth = dir.path().join("truth.json");
    let out = slips_gen()
        .args([
            "conn",
            "--flows",
            "20000",
            "--hosts",
            "50",
            "--seed",
            "3",
            "--scanners",
            "1",
            "--vscanners",
            "1",
            "--beacons",
            "2",
            "--duration",
            "7200",
            "-o",
        ])
        .arg(&log)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("flows written: 20000"), "{stderr}");
    assert!(stderr.contains("horizontal scanners: 1"), "{stderr}");
    assert!(stderr.contains("vertical scanners: 1"), "{stderr}");
    assert!(stderr.contains("beacons: 2"), "{stderr}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 20_000 + 9);
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth).unwrap()).unwrap();
    assert_eq!(t["flows"], 20_000);
    assert_eq!(t["horizontal_scanners"].as_array().unwrap().len(), 1);
    assert_eq!(t["beacons"].as_array().unwrap().len(), 2);
    let src = t["horizontal_scanners"][0]["src"].as_str().unwrap();
    assert!(stderr.contains(src));

    // Same arguments, same bytes; JSON to stdout.
    let again = dir.path().join("again.log");
    let st = slips_gen()
        .args([
            "conn",
            "--flows",
            "20000",
            "--hosts",
            "50",
            "--seed",
            "3",
            "--scanners",
            "1",
            "--vscanners",
            "1",
            "--beacons",
            "2",
            "--duration",
            "7200",
            "-q",
            "-o",
        ])
        .arg(&again)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(std::fs::read(&log).unwrap() == std::fs::read(&again).unwrap());
    let out = slips_gen()
        .args(["conn", "--flows", "10", "--format", "json", "-q", "-o", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 10);
    assert!(stdout.lines().all(|l| l.starts_with("{\"ts\":")));
}

#[test]
fn conn_reports_impossible_requests() {
    let dir = tempfile::tempdir().unwrap();
    let out = slips_gen()
        .args(["conn", "--flows", "100", "--beacons", "1", "-o"])
        .arg(dir.path().join("x.log"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("attacks need"));
}

#[test]
fn refused_requests_leave_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.log");
    let out = slips_gen()
        .args(["conn", "--flows", "100", "--scanners", "1", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("slips-gen: error: the attacks need"),
        "{stderr}"
    );
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert!(!path.exists());
}

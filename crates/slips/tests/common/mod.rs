//! Helpers shared by the binary's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn slips() -> Command {
    Command::new(env!("CARGO_BIN_EXE_slips"))
}

/// `../shared/datasets/slips/<name>` next to the repository, if present.
pub fn dataset(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/slips")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipping: {} is absent (../shared is not here)",
            p.display()
        );
        None
    }
}

pub fn run_ok(args: &[&str]) -> Output {
    let out = slips().args(args).output().expect("run slips");
    assert!(
        out.status.success(),
        "slips {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `slips -f INPUT -o <tmp>/out --quiet EXTRA...`, which must succeed; returns the
/// temporary folder (output in `out/`), stdout and stderr.
pub fn analyse(input: &Path, extra: &[&str]) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "-f",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = run_ok(&args);
    (
        dir,
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every line of alerts.json, parsed.
pub fn alerts_json(out_dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out_dir.join("alerts.json"))
        .expect("alerts.json")
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// One sorted, readable line per evidence: the machine-readable fields of alerts.json.
pub fn evidence_snapshot(out_dir: &Path) -> String {
    let mut lines: Vec<String> = alerts_json(out_dir)
        .iter()
        .filter(|v| v["Status"] == "Event")
        .map(|v| {
            let s = &v["Slips"];
            let victim = match &s["victim"] {
                serde_json::Value::Null => "-".to_string(),
                x => x["value"].as_str().unwrap_or("?").to_string(),
            };
            format!(
                "{} | profile {} | tw {} | attacker {} {} | victim {} | {}/{} | {} {} | flows {} | {}",
                s["evidence_type"].as_str().unwrap(),
                s["profile"].as_str().unwrap(),
                s["timewindow"]["number"],
                s["attacker"]["side"].as_str().unwrap(),
                s["attacker"]["value"].as_str().unwrap(),
                victim,
                s["dst_port"],
                s["protocol"].as_str().unwrap_or("-"),
                s["threat_level"].as_str().unwrap(),
                s["confidence"],
                s["flow_count"],
                v["Description"].as_str().unwrap(),
            )
        })
        .collect();
    lines.sort();
    lines.join("\n") + "\n"
}

/// Compares with the checked-in snapshot; `UPDATE_SNAPSHOTS=1` rewrites it.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "evidence differs from {}\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// A Zeek JSON conn.log line: connection number `i` of 10.0.0.5 to port 23 of one of 250
/// hosts, one second after the previous one (for inputs fed on standard input).
pub fn zeek_conn_line(i: u32) -> String {
    format!(
        r#"{{"ts":{},"uid":"C{i}","id.orig_h":"10.0.0.5","id.orig_p":{},"id.resp_h":"10.0.1.{}","id.resp_p":23,"proto":"tcp","conn_state":"S0","duration":0.1,"orig_bytes":0,"resp_bytes":0,"orig_pkts":1,"resp_pkts":0}}"#,
        1_600_000_000 + i,
        40000 + i,
        i % 250
    )
}

/// `slips -f zeek -o OUT --quiet EXTRA...` reading Zeek JSON lines from a pipe.
pub fn slips_on_stdin(out: &Path, extra: &[&str]) -> std::process::Child {
    slips()
        .args(["-f", "zeek", "-o", out.to_str().unwrap(), "--quiet"])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start slips")
}

/// Zeek JSON dns.log lines: 10.0.0.5 asks for names under `n` distinct TLDs.
pub fn dns_log(dir: &Path, n: usize) -> PathBuf {
    let tlds = [
        "com", "net", "org", "io", "ru", "cn", "xyz", "top", "info", "biz", "de", "fr",
    ];
    let mut text = String::new();
    for (i, tld) in tlds.iter().take(n).enumerate() {
        text.push_str(&format!(
            "{{\"ts\":{},\"uid\":\"D{i}\",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":{},\"id.resp_h\":\"10.0.0.1\",\"id.resp_p\":53,\"proto\":\"udp\",\"query\":\"host{i}.example.{tld}\",\"qtype_name\":\"A\",\"rcode_name\":\"NOERROR\",\"answers\":[\"192.0.2.{i}\"]}}\n",
            1_600_000_000 + i,
            5000 + i
        ));
    }
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("dns.log"), text).unwrap();
    logs
}

pub fn distinct_tlds_example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/external/distinct_tlds.py")
        .display()
        .to_string()
}

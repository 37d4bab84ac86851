//! The analysis database through the binary: golden query outputs on a shared capture,
//! `-d` reopening, `--no-db`, a live run readable while written and intact after kill -9.

mod common;
use common::*;
use std::io::Write;
use std::time::{Duration, Instant};

fn query(db: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["query", db.to_str().unwrap()];
    all.extend_from_slice(args);
    String::from_utf8(run_ok(&all).stdout).unwrap()
}

#[test]
fn golden_queries_on_a_capture() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    let (dir, _, _) = analyse(&pcap, &[]);
    let out = dir.path().join("out");
    let db = out.join("slips.sqlite");
    assert!(db.is_file());
    let mut golden = String::new();
    for args in [
        &["alerts"][..],
        &["windows"],
        &["profiles", "--ip", "192.168.2.16"],
        &["tuples", "--ip", "192.168.2.16", "--limit", "5"],
        &[
            "evidence",
            "--ip",
            "192.168.2.16",
            "--type",
            "HORIZONTAL_PORT_SCAN",
        ],
        &["flows", "--domain", "0.debian.pool.ntp.org", "--limit", "3"],
        &["flows", "--ip", "192.168.2.16", "--type", "ssh"],
        &["flows", "--type", "software"],
    ] {
        golden.push_str(&format!("$ slips query DB {}\n", args.join(" ")));
        golden.push_str(&query(&out, args));
    }
    assert_snapshot("db_test7_queries.txt", &golden);

    // JSON: every evidence of alerts.json is in the database, with the same ids.
    let json = query(&db, &["evidence", "--json"]);
    let mut ids: Vec<String> = json
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut from_alerts: Vec<String> = alerts_json(&out)
        .iter()
        .filter(|v| v["Status"] == "Event")
        .map(|v| v["ID"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    from_alerts.sort();
    assert_eq!(ids, from_alerts);
    let flows = query(&db, &["flows", "--json"]).lines().count();
    assert!(flows > 500, "{flows} records");

    // `slips query ... | head -1`: the reader closes the pipe early; no panic, exit 0.
    let mut child = slips()
        .args(["query", db.to_str().unwrap(), "flows", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with('{'), "{first}");
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && !err.contains("panicked"), "{err}");

    // -d reopens the run without analysing.
    let o = run_ok(&["-d", db.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("test7-malicious.pcap (pcap)") && text.contains("1 alert(s):"),
        "{text}"
    );

    // Dates: seconds or RFC 3339; bad ones are refused clearly.
    let n = |from: &str| {
        query(&db, &["flows", "--from", from, "--json"])
            .lines()
            .count()
    };
    assert_eq!(n("2018-03-09T20:58:30Z"), n("1520629110"));
    let o = slips()
        .args([
            "query",
            db.to_str().unwrap(),
            "flows",
            "--from",
            "yesterday",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from expects"));

    // --no-db writes none.
    let (dir2, _, _) = analyse(&pcap, &["--no-db"]);
    assert!(!dir2.path().join("out/slips.sqlite").exists());
    // database.enabled: false writes none; store_flows: false keeps all but the records.
    let cfg = dir.path().join("off.yaml");
    std::fs::write(&cfg, "database:\n  enabled: false\n").unwrap();
    let (dir3, _, _) = analyse(&pcap, &["-c", cfg.to_str().unwrap()]);
    assert!(!dir3.path().join("out/slips.sqlite").exists());
    std::fs::write(&cfg, "database:\n  store_flows: false\n").unwrap();
    let (dir4, _, _) = analyse(&pcap, &["-c", cfg.to_str().unwrap()]);
    let db4 = dir4.path().join("out");
    assert_eq!(query(&db4, &["flows", "--json"]).lines().count(), 0);
    assert_eq!(query(&db4, &["alerts", "--json"]).lines().count(), 1);
    assert_eq!(
        query(&db4, &["evidence", "--json"]).lines().count(),
        from_alerts.len()
    );
}

#[test]
fn a_live_database_is_readable_while_written_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = slips_on_stdin(&out, &[]);
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..200 {
        writeln!(stdin, "{}", zeek_conn_line(i)).unwrap();
    }
    stdin.flush().unwrap();
    let db = out.join("slips.sqlite");
    let count = || {
        slips()
            .args(["query", db.to_str().unwrap(), "flows", "--json"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map_or(0, |o| o.stdout.iter().filter(|&&b| b == b'\n').count())
    };
    let t = Instant::now();
    while count() < 200 {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "live rows not visible: {}",
            count()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // kill -9 mid-run: what was committed stays, and the database opens.
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(count(), 200);
    let o = run_ok(&["-d", db.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("The run did not finish"), "{text}");
}

//! Redis through the binary, against a real `redis-server` started on a free loopback port:
//! a subscriber receives the run's messages on Slips' channel names and the capped, expiring
//! keys hold the alerts, evidence and profiles; with Redis down (or killed mid-run) slips
//! finishes with its own outputs complete and says what it dropped. Skips without
//! redis-server (`scripts/deps.sh --test` installs it).

mod common;
use common::*;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn server() -> Option<Server> {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipping: redis-server is not installed (scripts/deps.sh --test installs it)");
        return None;
    }
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = Server { child, port };
    let t = Instant::now();
    while redis::Client::open(s.url().as_str())
        .and_then(|c| c.get_connection())
        .is_err()
    {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(s)
}

impl Server {
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

#[test]
fn a_subscriber_receives_the_run_and_keys_keep_its_results() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    let Some(srv) = server() else { return };
    let client = redis::Client::open(srv.url().as_str()).unwrap();
    let mut sub_conn = client.get_connection().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<(String, String)>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let listener = std::thread::spawn(move || {
        let mut ps = sub_conn.as_pubsub();
        ps.psubscribe("*").unwrap();
        ps.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        ready_tx.send(()).unwrap();
        while let Ok(m) = ps.get_message() {
            let payload: String = m.get_payload().unwrap();
            if tx
                .send((m.get_channel_name().to_string(), payload))
                .is_err()
            {
                break;
            }
        }
    });
    ready_rx.recv().unwrap();
    let (dir, _, stderr) = analyse(&pcap, &["--redis", &srv.url()]);
    let out = dir.path().join("out");
    listener.join().unwrap();
    let got: Vec<(String, String)> = rx.try_iter().collect();
    let count = |ch: &str| got.iter().filter(|(c, _)| c == ch).count();
    let alerts = alerts_json(&out);
    let events = alerts.iter().filter(|v| v["Status"] == "Event").count();
    let incidents = alerts.len() - events;
    assert_eq!(count("evidence_added"), events, "{stderr}");
    assert_eq!(count("new_alert"), incidents);
    assert!(
        count("new_flow") > 300 && count("new_dns") > 100,
        "{}",
        got.len()
    );
    assert!(count("tw_closed") > 0);
    // Every message is {"channel", "profile", "data"} JSON.
    for (ch, payload) in &got {
        let v: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert_eq!(v["channel"], ch.as_str());
        assert!(v["data"].is_object(), "{payload}");
    }
    let mut c = client.get_connection().unwrap();
    let kept: Vec<String> = redis::cmd("LRANGE")
        .arg("slips:alerts")
        .arg(0)
        .arg(-1)
        .query(&mut c)
        .unwrap();
    assert_eq!(kept.len(), incidents);
    let ttl: i64 = redis::cmd("TTL")
        .arg("slips:evidence")
        .query(&mut c)
        .unwrap();
    assert!(ttl > 0 && ttl <= 86_400, "{ttl}");
    let profile: String = redis::cmd("GET")
        .arg("slips:profile:192.168.2.16")
        .query(&mut c)
        .unwrap();
    assert!(profile.contains("black-pearl"), "{profile}");
    let log = std::fs::read_to_string(out.join("slips.log")).unwrap();
    assert!(
        log.contains(" dropped, 0 reconnect(s)") && log.contains("redis: "),
        "{log}"
    );
}

#[test]
fn without_redis_the_analysis_completes_and_says_what_it_dropped() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    let port = free_port();
    let (dir, _, _) = analyse(&pcap, &["--redis", &format!("redis://127.0.0.1:{port}/0")]);
    let (plain, _, _) = analyse(&pcap, &["--no-db"]);
    let out = dir.path().join("out");
    assert_eq!(
        evidence_snapshot(&out),
        evidence_snapshot(&plain.path().join("out"))
    );
    let log = std::fs::read_to_string(out.join("slips.log")).unwrap();
    assert!(log.contains("redis: 0 message(s) published, "), "{log}");
    // A URL that is not one is refused at start.
    let o = slips()
        .args(["-f", pcap.to_str().unwrap(), "--redis", "http://x"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn redis_killed_mid_run_loses_messages_not_outputs() {
    let Some(srv) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = slips_on_stdin(&out, &["--redis", &srv.url()]);
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..100 {
        writeln!(stdin, "{}", zeek_conn_line(i)).unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    drop(srv);
    for i in 100..200 {
        writeln!(stdin, "{}", zeek_conn_line(i)).unwrap();
    }
    drop(stdin);
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "slips did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = std::fs::read_to_string(out.join("slips.log")).unwrap();
    let report = log
        .lines()
        .find(|l| l.contains("redis: ") && l.contains("published"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(!report.contains(" 0 dropped"), "{report}");
    // slips' own outputs are whole: every record in the database.
    let o = run_ok(&["query", out.to_str().unwrap(), "flows", "--json"]);
    assert_eq!(o.stdout.iter().filter(|&&b| b == b'\n').count(), 200);
}

#[test]
fn redis_settings_select_channels_cap_lists_and_set_ttls() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    let Some(srv) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        format!(
            "redis:\n  url: {}\n  publish: [evidence_added]\n  max_list: 5\n  ttl: 100\n",
            srv.url()
        ),
    )
    .unwrap();
    analyse(&pcap, &["-c", cfg.to_str().unwrap()]);
    let client = redis::Client::open(srv.url().as_str()).unwrap();
    let mut c = client.get_connection().unwrap();
    let kept: Vec<String> = redis::cmd("LRANGE")
        .arg("slips:evidence")
        .arg(0)
        .arg(-1)
        .query(&mut c)
        .unwrap();
    assert_eq!(kept.len(), 5);
    let ttl: i64 = redis::cmd("TTL")
        .arg("slips:evidence")
        .query(&mut c)
        .unwrap();
    assert!(ttl > 0 && ttl <= 100, "{ttl}");
    // Alerts were not published, so not kept either.
    let alerts: i64 = redis::cmd("EXISTS")
        .arg("slips:alerts")
        .query(&mut c)
        .unwrap();
    assert_eq!(alerts, 0);
}

/// A module on Redis that answers the first DNS record with two bad messages.
const BAD_ON_REDIS: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
from distinct_tlds import Resp
sub, pub_ = Resp(sys.argv[2]), Resp(sys.argv[2])
sub.command("SUBSCRIBE", "new_dns")
print("subscribed", flush=True)
while True:
    kind, _, payload = sub.reply()
    if kind == b"message":
        pub_.command("PUBLISH", "evidence_in", "not json at all")
        pub_.command("PUBLISH", "evidence_in", json.dumps({"type": "X", "attacker": "10.0.0.5", "threat_level": "severe", "confidence": 1, "description": "d", "timestamp": 1600000001}))
        break
"#;

/// A module process that runs until the test ends.
struct Module(Child);

impl Drop for Module {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `python3 ARGS` and waits for its "subscribed" line.
fn module(args: &[&str]) -> Module {
    use std::io::BufRead;
    let mut child = Command::new("python3")
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "subscribed", "{args:?}");
    Module(child)
}

#[test]
fn a_python_module_on_redis_raises_an_alert_and_bad_evidence_is_refused() {
    let Some(srv) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = dns_log(dir.path(), 12);
    let example = distinct_tlds_example();
    let examples = std::path::Path::new(&example).parent().unwrap();
    let bad = dir.path().join("bad.py");
    std::fs::write(&bad, BAD_ON_REDIS).unwrap();
    let url = srv.url();
    let _tlds = module(&[&example, "--redis", &url, "10"]);
    let _bad = module(&[bad.to_str().unwrap(), examples.to_str().unwrap(), &url]);
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        "detection:\n  evidence_detection_threshold: 0.1\nredis:\n  evidence_in: true\n  evidence_wait: 1\n",
    )
    .unwrap();
    let (out, _, stderr) = analyse(&logs, &["-c", cfg.to_str().unwrap(), "--redis", &url]);
    let out = out.path().join("out");
    assert!(
        stderr.contains("External modules: 1 evidence accepted, 2 refused"),
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
    assert_eq!(ev["Slips"]["detector"], "redis:evidence_in");
    let log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(
        log.contains("Src IP 10.0.0.5") && log.contains("Generated an alert"),
        "{log}"
    );
    let errors = std::fs::read_to_string(out.join("errors.log")).unwrap();
    for why in ["not evidence JSON", "threat_level must be"] {
        assert!(errors.contains(why), "{why}: {errors}");
    }
    let slips_log = std::fs::read_to_string(out.join("slips.log")).unwrap();
    assert!(
        slips_log.contains("redis evidence_in: 3 message(s) received, 0 dropped"),
        "{slips_log}"
    );
}

#[test]
fn evidence_in_is_off_unless_asked_for() {
    let Some(srv) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = dns_log(dir.path(), 12);
    let example = distinct_tlds_example();
    let url = srv.url();
    let _tlds = module(&[&example, "--redis", &url, "10"]);
    let (out, _, stderr) = analyse(&logs, &["--redis", &url]);
    assert!(!stderr.contains("External modules"), "{stderr}");
    let snap = evidence_snapshot(&out.path().join("out"));
    assert!(!snap.contains("EXTERNAL_MODULE"), "{snap}");
}

//! Live capture through the binary: `slips -i` on one end of a veth pair whose other end is
//! in a network namespace made here; a burst of rejected connections becomes a vertical
//! port scan in alerts.log while slips runs, and SIGINT ends it cleanly with everything
//! written. Needs root, `ip` and python3; skips with a message otherwise.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sh(args: &[&str]) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Netns {
    ns: String,
    veth: String,
}

impl Drop for Netns {
    fn drop(&mut self) {
        sh(&["ip", "link", "del", &self.veth]);
        sh(&["ip", "netns", "del", &self.ns]);
    }
}

const CLIENT: &str = r#"
import socket
for p in range(21000, 21030):
    c = socket.socket()
    c.settimeout(1)
    try:
        c.connect(("10.214.0.2", p))
    except OSError:
        pass
    c.close()
"#;

#[test]
fn live_capture_finds_a_scan_and_stops_on_sigint() {
    if !sh(&["ip", "netns", "list"]) || !sh(&["python3", "-c", "pass"]) {
        eprintln!("skipping: needs root, ip netns and python3");
        return;
    }
    let id = std::process::id() % 100_000;
    let env = Netns {
        ns: format!("slbin{id}"),
        veth: format!("sbn{id}a"),
    };
    let peer = format!("sbn{id}b");
    let ns = env.ns.clone();
    let ok = sh(&["ip", "netns", "add", &ns])
        && sh(&[
            "ip", "link", "add", &env.veth, "type", "veth", "peer", "name", &peer,
        ])
        && sh(&["ip", "link", "set", &peer, "netns", &ns])
        && sh(&["ip", "addr", "add", "10.214.0.1/24", "dev", &env.veth])
        && sh(&["ip", "link", "set", &env.veth, "up"])
        && sh(&[
            "ip",
            "netns",
            "exec",
            &ns,
            "ip",
            "addr",
            "add",
            "10.214.0.2/24",
            "dev",
            &peer,
        ])
        && sh(&["ip", "netns", "exec", &ns, "ip", "link", "set", &peer, "up"]);
    if !ok {
        eprintln!("skipping: cannot create a network namespace and veth pair (not root?)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let child = slips()
        .args([
            "-i",
            &env.veth,
            "-F",
            "tcp",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the capture runs (slips.log is written once the input is open).
    std::thread::sleep(Duration::from_millis(1500));
    assert!(sh(&["python3", "-c", CLIENT]), "client failed");
    // Evidence appears while slips runs (alerts.log is flushed for live input).
    let start = Instant::now();
    let mut seen = false;
    while start.elapsed() < Duration::from_secs(20) {
        let log = std::fs::read_to_string(out.join("alerts.log")).unwrap_or_default();
        if log.contains("vertical port scan to IP 10.214.0.2 from 10.214.0.1") {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(sh(&["kill", "-INT", &child.id().to_string()]));
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    assert!(seen, "no scan evidence while running; stderr: {stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Total analyzed IPs: "), "{stdout}");
    let snap = evidence_snapshot(&out);
    assert!(
        snap.contains("VERTICAL_PORT_SCAN | profile 10.214.0.1"),
        "{snap}"
    );
    assert!(out.join("zeek_files/conn.log").exists());
    let info = std::fs::read_to_string(out.join("metadata/info.txt")).unwrap();
    assert!(info.contains("Slips end date"), "{info}");
}

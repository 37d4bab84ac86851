//! `--blocking` end to end. Offline: decisions in blocking.log, nothing touched, the same
//! log twice. Live, inside namespaces made here (an attacker, a victim and a bystander
//! routed through a slips host): a scan gets the attacker blocked both ways within 100 ms
//! of the alert while the bystander still gets through, the probation lets it go again,
//! the gateway and slips' own address are refused, exit removes everything; with
//! iptables, IPv6 and keep_on_exit the block survives a restart and `-cb` clears it; the
//! web interface's Unblock lets a blocked attacker go. The live tests need root; they skip
//! with a message otherwise.

mod common;
#[path = "../../slips-blocking/tests/support/netns.rs"]
mod netns;

use common::*;
use netns::Netns;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

#[test]
fn offline_blocking_records_decisions_and_touches_nothing() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    let (dir, stdout, stderr) = analyse(&pcap, &["--blocking"]);
    let out = dir.path().join("out");
    assert!(
        stderr.contains(
            "blocking: offline input: decisions are recorded, the firewall is not touched"
        ),
        "{stderr}"
    );
    let log = std::fs::read_to_string(out.join("blocking.log")).unwrap();
    assert!(
        log.contains("(dry run) block 192.168.2.16 for 3600 s; until 2018-03-09T21:59:58.703667Z; offence 1; alert "),
        "{log}"
    );
    assert!(
        stdout.contains("Blocking: would have blocked 1 IP(s)"),
        "{stdout}"
    );
    // Nothing was blocked, and every output says so.
    let alerts: Vec<String> = alerts_json(&out).iter().map(|a| a.to_string()).collect();
    assert!(
        alerts.iter().any(|a| a.contains("\"blocked\":false")),
        "no incident says it was not blocked"
    );
    assert!(!alerts.iter().any(|a| a.contains("\"blocked\":true")));
    let alerts_log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(!alerts_log.contains("Is blocked"));

    // Event time drives offline decisions: a second run writes the same log.
    let (dir2, _, _) = analyse(&pcap, &["--blocking"]);
    let log2 = std::fs::read_to_string(dir2.path().join("out/blocking.log")).unwrap();
    assert_eq!(log, log2);

    // -l: Blocked.txt and the window files tell the truth with and without blocking.
    let (dir3, _, _) = analyse(&pcap, &["--blocking", "-l"]);
    let blocked = std::fs::read_to_string(dir3.path().join("out/Blocked.txt")).unwrap();
    assert!(
        blocked.contains("192.168.2.16: timewindow1 not blocked"),
        "{blocked}"
    );
    let (dir4, _, _) = analyse(&pcap, &["-l"]);
    let blocked = std::fs::read_to_string(dir4.path().join("out/Blocked.txt")).unwrap();
    assert!(blocked.starts_with("# Blocking is off"), "{blocked}");
    assert!(!dir4.path().join("out/blocking.log").exists());
}

/// slips as user nobody, without capabilities.
fn unprivileged_slips() -> std::process::Command {
    let mut c = std::process::Command::new("setpriv");
    c.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
    ])
    .arg(env!("CARGO_BIN_EXE_slips"));
    c
}

#[test]
fn without_the_privilege_blocking_fails_at_start_naming_it() {
    if netns::unavailable().is_some() {
        eprintln!("skipped: needs root to drop to an unprivileged user");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = unprivileged_slips()
        .args(["-i", "lo", "--blocking", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("CAP_NET_ADMIN"), "{stderr}");
    assert!(
        !out.exists(),
        "the output folder was created before the check"
    );
    for args in [
        &["--clearblocking"][..],
        &["-cb"],
        &["unblock", "192.0.2.1"],
    ] {
        let o = unprivileged_slips().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(stderr.contains("CAP_NET_ADMIN"), "{args:?}: {stderr}");
    }
}

/// attacker (10.88.1.2, fd88:1::2; also 10.88.1.3, the router's gateway) — router/slips
/// (10.88.1.1 | 10.88.2.1 | 10.88.3.1) — victim (10.88.2.2, fd88:2::2, HTTP on 8080);
/// bystander (10.88.3.2) on a third link.
struct Lab {
    attacker: Netns,
    router: Netns,
    victim: Netns,
    bystander: Netns,
    server: Child,
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn lab() -> Lab {
    let attacker = Netns::new("a");
    let router = Netns::new("r");
    let victim = Netns::new("v");
    let bystander = Netns::new("b");
    let tag = &router.name[6..router.name.len() - 1];
    let (la, lv, lb) = (format!("a{tag}"), format!("v{tag}"), format!("b{tag}"));
    attacker.link(
        &router,
        &la,
        &["10.88.1.2/24", "10.88.1.3/24", "fd88:1::2/64"],
        &["10.88.1.1/24", "fd88:1::1/64"],
    );
    victim.link(
        &router,
        &lv,
        &["10.88.2.2/24", "fd88:2::2/64"],
        &["10.88.2.1/24", "fd88:2::1/64"],
    );
    bystander.link(&router, &lb, &["10.88.3.2/24"], &["10.88.3.1/24"]);
    for (ns, v4, v6) in [
        (&attacker, "10.88.1.1", Some("fd88:1::1")),
        (&victim, "10.88.2.1", Some("fd88:2::1")),
        (&bystander, "10.88.3.1", None),
    ] {
        ns.exec(&["ip", "route", "add", "default", "via", v4])
            .unwrap();
        if let Some(v6) = v6 {
            ns.exec(&["ip", "-6", "route", "add", "default", "via", v6])
                .unwrap();
        }
    }
    router
        .exec(&["ip", "route", "add", "default", "via", "10.88.1.3"])
        .unwrap();
    router
        .exec(&["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        .unwrap();
    router
        .exec(&["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"])
        .unwrap();
    let server = victim
        .command("python3")
        .args(["-m", "http.server", "--bind", "::", "8080"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lab = Lab {
        attacker,
        router,
        victim,
        bystander,
        server,
    };
    // Wait for the server, and for neighbour discovery on every path the tests use.
    let t = Instant::now();
    while !(lab.curl(&lab.bystander, "10.88.2.2")
        && lab.curl(&lab.attacker, "10.88.2.2")
        && lab.curl(&lab.attacker, "fd88:2::2"))
    {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "the lab's paths to the victim's HTTP server do not work"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    lab
}

impl Lab {
    fn curl(&self, from: &Netns, ip: &str) -> bool {
        let url = if ip.contains(':') {
            format!("http://[{ip}]:8080/")
        } else {
            format!("http://{ip}:8080/")
        };
        from.exec(&["curl", "-s", "-o", "/dev/null", "--max-time", "2", &url])
            .is_ok()
    }

    fn attacker_link(&self) -> String {
        format!("a{}b", &self.router.name[6..self.router.name.len() - 1])
    }

    /// slips on the router, capturing on the attacker's link.
    fn slips(&self, config: &Path, out: &Path) -> Child {
        self.router
            .command(env!("CARGO_BIN_EXE_slips"))
            .args(["-i", &self.attacker_link(), "--blocking", "--quiet", "-c"])
            .arg(config)
            .arg("-o")
            .arg(out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }
}

/// A connect scan of 40 closed ports of `target` from `source` (bound), run in `ns`.
fn connect_scan(ns: &Netns, source: &str, target: &str) {
    let script = format!(
        "import socket\nfor p in range(21000, 21040):\n    c = socket.socket(socket.AF_INET6 if ':' in '{target}' else socket.AF_INET)\n    c.settimeout(0.5)\n    try:\n        c.bind(('{source}', 0))\n        c.connect(('{target}', p))\n    except OSError:\n        pass\n    c.close()\n"
    );
    ns.exec(&["python3", "-c", &script]).unwrap();
}

/// Waits until `path` contains `needle`; fails early with slips' output if it exited.
fn wait_for(path: &Path, needle: &str, secs: u64, slips: &mut Child) -> String {
    let t = Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        if let Ok(Some(status)) = slips.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = slips.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!("slips exited ({status}) before {needle:?}: {err}");
        }
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "{needle:?} not in {} after {secs} s:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn config(dir: &Path, duration: u32, extra: &str) -> std::path::PathBuf {
    let p = dir.join("slips.yaml");
    // A low threshold: one scan is an alert. Short blocks for the probation.
    std::fs::write(
        &p,
        format!(
            "detection:\n  evidence_detection_threshold: 0.1\nblocking:\n  duration: {duration}\n  state_dir: {}\n{extra}",
            dir.join("state").display()
        ),
    )
    .unwrap();
    p
}

fn stop(mut child: Child) -> (i32, String) {
    assert!(netns::sh(&["kill", "-INT", &child.id().to_string()]).is_ok());
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(t.elapsed() < Duration::from_secs(20), "slips did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

#[test]
fn a_scanner_is_blocked_both_ways_then_let_go_and_protected_hosts_never_are() {
    if let Some(why) = netns::unavailable() {
        eprintln!("skipped: {why} (this test needs root and network namespaces)");
        return;
    }
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cfg = config(dir.path(), 3, "  backend: nftables\n");
    assert!(lab.attacker.ping("10.88.2.2") && lab.curl(&lab.attacker, "10.88.2.2"));
    let mut child = lab.slips(&cfg, &out);
    let log = out.join("blocking.log");
    wait_for(&log, "# blocking with nftables", 20, &mut child);
    std::thread::sleep(Duration::from_millis(1000));

    // The router's gateway scans: refused.
    connect_scan(&lab.attacker, "10.88.1.3", "10.88.2.2");
    wait_for(
        &log,
        "refuse to block 10.88.1.3: this host's default gateway",
        20,
        &mut child,
    );
    // slips' own host scans: refused.
    connect_scan(&lab.router, "10.88.1.1", "10.88.1.2");
    wait_for(
        &log,
        "refuse to block 10.88.1.1: an address of this host",
        20,
        &mut child,
    );
    // (Only the router's own traffic crosses the captured link: the bystander's would show
    // up there with the router's MAC.)
    assert!(lab.router.ping("10.88.1.3"));

    // The attacker scans: blocked.
    let scan = lab.attacker.exec(&[
        "nmap",
        "-sS",
        "-n",
        "-Pn",
        "-T5",
        "--max-retries",
        "0",
        "-p",
        "1-300",
        "10.88.2.2",
    ]);
    assert!(scan.is_ok(), "{scan:?}");
    let text = wait_for(&log, "block 10.88.1.2 for 3 s", 20, &mut child);
    let line = text
        .lines()
        .find(|l| l.contains("block 10.88.1.2 for 3 s"))
        .unwrap();
    let ms: f64 = line
        .split("applied in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    eprintln!("alert to rule in the kernel: {ms:.1} ms");
    assert!(ms < 100.0, "{line}");
    // Right after the decision: the attacker cannot reach the victim, the router or be
    // reached; the bystander still can.
    if !text.contains("unblock 10.88.1.2") {
        assert!(!lab.attacker.ping("10.88.2.2"), "forward not dropped");
        assert!(!lab.curl(&lab.attacker, "10.88.2.2"), "curl not dropped");
        assert!(!lab.router.ping("10.88.1.2"), "output not dropped");
    }
    assert!(lab.bystander.ping("10.88.2.2") && lab.curl(&lab.bystander, "10.88.2.2"));

    // Probation: no new evidence, so the block ends and traffic flows again.
    wait_for(
        &log,
        "unblock 10.88.1.2 (block ended with no evidence during it)",
        30,
        &mut child,
    );
    assert!(lab.attacker.ping("10.88.2.2") && lab.curl(&lab.attacker, "10.88.2.2"));

    let (code, output) = stop(child);
    assert_eq!(code, 130, "interrupted: {output}");
    let summary = output
        .lines()
        .find(|l| l.starts_with("Blocking: "))
        .unwrap_or_default();
    assert!(
        summary.starts_with("Blocking: blocked 1 IP(s)"),
        "{summary}\n{}",
        &output[output.len().saturating_sub(3000)..]
    );
    let alerts: Vec<String> = alerts_json(&out).iter().map(|a| a.to_string()).collect();
    let blocked: Vec<&String> = alerts
        .iter()
        .filter(|a| a.contains("\"blocked\":true"))
        .collect();
    assert!(
        !blocked.is_empty()
            && blocked
                .iter()
                .all(|a| a.contains("\"profile\":\"10.88.1.2\"")),
        "{alerts:?}"
    );
    // Nothing of slips is left in the firewall after exit.
    assert_eq!(
        lab.router.exec(&["nft", "list", "tables"]).unwrap().trim(),
        ""
    );
    let alerts_log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(alerts_log.contains("Src IP 10.88.1.2"), "{alerts_log}");
}

#[test]
fn iptables_ipv6_blocks_survive_a_restart_with_keep_on_exit_and_clearblocking_removes_them() {
    if let Some(why) = netns::unavailable() {
        eprintln!("skipped: {why} (this test needs root and network namespaces)");
        return;
    }
    let lab = lab();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        600,
        "  backend: iptables\n  keep_on_exit: true\n",
    );
    assert!(lab.curl(&lab.attacker, "fd88:2::2"));
    let out1 = dir.path().join("out1");
    let mut child = lab.slips(&cfg, &out1);
    let log = out1.join("blocking.log");
    wait_for(&log, "# blocking with iptables", 20, &mut child);
    std::thread::sleep(Duration::from_millis(1000));
    connect_scan(&lab.attacker, "fd88:1::2", "fd88:2::2");
    wait_for(&log, "block fd88:1::2 for 600 s", 20, &mut child);
    assert!(!lab.attacker.ping("fd88:2::2") && !lab.curl(&lab.attacker, "fd88:2::2"));
    assert!(
        lab.curl(&lab.attacker, "10.88.2.2"),
        "the attacker's other address is not blocked"
    );
    let (code, output) = stop(child);
    assert_eq!(code, 130, "interrupted: {output}");
    let kept = std::fs::read_to_string(&log).unwrap();
    assert!(
        kept.contains("keep block of fd88:1::2 after exit"),
        "{kept}"
    );
    // Kept after exit.
    assert!(
        !lab.curl(&lab.attacker, "fd88:2::2"),
        "the kept block is gone"
    );

    // The next start re-applies it (its setup empties the sets first).
    let out2 = dir.path().join("out2");
    let mut child = lab.slips(&cfg, &out2);
    wait_for(
        &out2.join("blocking.log"),
        "restore block of fd88:1::2 for the remaining",
        20,
        &mut child,
    );
    assert!(!lab.curl(&lab.attacker, "fd88:2::2"));
    let (code, output) = stop(child);
    assert_eq!(code, 130, "interrupted: {output}");

    // -cb removes exactly what slips created.
    let o = lab
        .router
        .command(env!("CARGO_BIN_EXE_slips"))
        .arg("-cb")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("removed ip6tables chain slipsBlocking"),
        "{text}"
    );
    for bin in ["iptables", "ip6tables"] {
        assert!(!lab.router.exec(&[bin, "-S"]).unwrap().contains("slips"));
    }
    assert_eq!(
        lab.router.exec(&["ipset", "-n", "list"]).unwrap().trim(),
        ""
    );
    assert!(lab.curl(&lab.attacker, "fd88:2::2"));
    assert!(lab.victim.ping("fd88:1::2"));
}

/// The web interface's Unblock button, as the page sends it (a POST with the token cookie
/// and the CSRF token, from the router's namespace where slips serves): refused without
/// the CSRF token; with it the attacker gets through again at once, and the running blocker
/// forgets the block (`slips unblock`'s path).
#[test]
fn the_web_unblock_lets_a_blocked_attacker_go() {
    if let Some(why) = netns::unavailable() {
        eprintln!("skipped: {why} (this test needs root and network namespaces)");
        return;
    }
    let lab = lab();
    lab.router.exec(&["ip", "link", "set", "lo", "up"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cfg = config(dir.path(), 120, "  backend: nftables\n");
    let mut child = lab
        .router
        .command(env!("CARGO_BIN_EXE_slips"))
        .args(["-i", &lab.attacker_link(), "--blocking", "--quiet", "-c"])
        .arg(&cfg)
        .arg("-o")
        .arg(&out)
        .args(["--web", "--web-port", "55000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = l.strip_prefix("slips: web interface at ") {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the web interface's URL");
    let (base, token) = url.split_once("/?token=").unwrap();
    let cookie = format!("slips_token={token}");
    let log = out.join("blocking.log");
    wait_for(&log, "# blocking with nftables", 20, &mut child);
    std::thread::sleep(Duration::from_millis(1000));
    let scan = lab.attacker.exec(&[
        "nmap",
        "-sS",
        "-n",
        "-Pn",
        "-T5",
        "--max-retries",
        "0",
        "-p",
        "1-300",
        "10.88.2.2",
    ]);
    assert!(scan.is_ok(), "{scan:?}");
    wait_for(&log, "block 10.88.1.2 for 120 s", 20, &mut child);
    assert!(!lab.curl(&lab.attacker, "10.88.2.2"), "not blocked");
    let get = |path: &str| {
        lab.router
            .exec(&["curl", "-s", "-b", &cookie, &format!("{base}{path}")])
            .unwrap()
    };
    let session: serde_json::Value = serde_json::from_str(&get("/api/session")).unwrap();
    assert_eq!(session["unblock"], true);
    let csrf = session["csrf"].as_str().unwrap().to_string();
    // The blocking view lists the block (rows reach the database within a second).
    let t = Instant::now();
    while !get("/api/blocking").contains("\"ip\":\"10.88.1.2\"") {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{}",
            get("/api/blocking")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let post = |csrf: Option<&str>| {
        let mut args = vec![
            "curl".to_string(),
            "-s".into(),
            "-o".into(),
            "/dev/null".into(),
            "-w".into(),
            "%{http_code}".into(),
            "-X".into(),
            "POST".into(),
            "-b".into(),
            cookie.clone(),
            "-H".into(),
            "content-type: application/json".into(),
        ];
        if let Some(c) = csrf {
            args.push("-H".into());
            args.push(format!("x-csrf-token: {c}"));
        }
        args.push("-d".into());
        args.push(r#"{"ip":"10.88.1.2"}"#.into());
        args.push(format!("{base}/api/unblock"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        lab.router.exec(&args).unwrap()
    };
    assert_eq!(post(None).trim(), "403");
    assert!(
        !lab.curl(&lab.attacker, "10.88.2.2"),
        "unblocked without CSRF"
    );
    assert_eq!(post(Some(&csrf)).trim(), "200");
    let t = Instant::now();
    while !lab.curl(&lab.attacker, "10.88.2.2") {
        assert!(t.elapsed() < Duration::from_secs(5), "still blocked");
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_for(
        &log,
        "unblock 10.88.1.2 (unblocked by hand)",
        10,
        &mut child,
    );
    let (code, output) = stop(child);
    assert_eq!(code, 130, "interrupted: {output}");
}

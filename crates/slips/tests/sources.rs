//! Every flow source through the binary: Argus binetflows (CSV and TSV), Suricata eve.json
//! and nfdump files of `../shared/datasets/slips/` (flow counts, profile counts, what Slips
//! reports on them, checked-in evidence snapshots), standard input, and a growing Zeek
//! folder stopped with SIGINT.

mod common;
use common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The numbers of the final summary: (records read, malformed lines, analysed IPs).
fn summary(stdout: &str) -> (u64, u64, u64) {
    let num_after = |key: &str| -> u64 {
        let i = stdout
            .find(key)
            .unwrap_or_else(|| panic!("{key} not in {stdout}"))
            + key.len();
        stdout[i..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .unwrap()
    };
    let read = num_after("Read ");
    let malformed = num_after("; ");
    (read, malformed, num_after("Total analyzed IPs: "))
}

fn has_nfdump() -> bool {
    let ok = Command::new("nfdump").arg("-V").output().is_ok();
    if !ok {
        eprintln!("skipping: nfdump is not installed (apt-get install nfdump)");
    }
    ok
}

#[test]
fn test2_binetflow_csv() {
    let Some(input) = dataset("test2-malicious.binetflow") else {
        return;
    };
    let (dir, stdout, _) = analyse(&input, &[]);
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert_snapshot("sources-test2-malicious.binetflow.txt", &snap);
    assert_eq!(summary(&stdout), (6751, 0, 7));
    // Slips: Long Connection 10.8.0.1 -> 10.8.0.69 (57 min).
    assert!(
        snap.contains("LONG_CONNECTION | profile 10.8.0.1 | tw 1 | attacker SRC 10.8.0.1 | victim 10.8.0.69 |"),
        "{snap}"
    );
    assert!(
        snap.contains("Connection from 10.8.0.1 to destination address: 10.8.0.69 took 57 mins")
    );
}

#[test]
fn test3_binetflow_csv_horizontal_scans() {
    let Some(input) = dataset("test3-mixed.binetflow") else {
        return;
    };
    let (dir, stdout, _) = analyse(&input, &[]);
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert_snapshot("sources-test3-mixed.binetflow.txt", &snap);
    let (read, malformed, ips) = summary(&stdout);
    assert_eq!((read, malformed, ips), (89, 0, 28));
    assert!(ips > 20);
    assert!(snap.contains("Horizontal port scan to port ms-wbt-server 3389/tcp. From 46.166.151.160 to 10 unique destination IPs"), "{snap}");
    assert!(snap.contains("Horizontal port scan to port microsoft-ds 445/tcp. From 216.73.23.146 to 10 unique destination IPs"), "{snap}");
}

#[test]
fn test4_binetflow_without_srcpkts() {
    let Some(input) = dataset("test4-malicious.binetflow") else {
        return;
    };
    let (dir, stdout, _) = analyse(&input, &[]);
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    assert_snapshot("sources-test4-malicious.binetflow.txt", &snap);
    assert_eq!(summary(&stdout), (394, 0, 3));
    for port in ["hosts2-ns 81/tcp", "telnet 23/tcp"] {
        assert!(
            snap.contains(&format!("Horizontal port scan to port {port}. From 192.168.2.12 to 10 unique destination IPs")),
            "{port}: {snap}"
        );
    }
    // Slips raised alerts for 192.168.2.12.
    let alerts: Vec<_> = alerts_json(&out)
        .into_iter()
        .filter(|v| v["Status"] != "Event")
        .filter(|v| {
            v["Slips"]["profile"] == "192.168.2.12" || v.to_string().contains("192.168.2.12")
        })
        .collect();
    assert!(!alerts.is_empty());
}

#[test]
fn test5_binetflow_tsv() {
    let Some(input) = dataset("test5-mixed.binetflow") else {
        return;
    };
    let (dir, stdout, _) = analyse(&input, &[]);
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert_snapshot("sources-test5-mixed.binetflow.txt", &snap);
    // 299 flows: the llc flow, Argus' management record and an ARP flow between MAC
    // addresses are not IP traffic.
    assert_eq!(summary(&stdout), (296 + 2, 0, 5));
    // Slips: Long Connection 10.0.2.15 -> 10.0.2.2 (59 min; an ARP "connection").
    assert!(
        snap.contains("Connection from 10.0.2.15 to destination address: 10.0.2.2 took 59 mins"),
        "{snap}"
    );
}

#[test]
fn test6_suricata() {
    let Some(input) = dataset("test6-malicious.suricata.json") else {
        return;
    };
    let (dir, stdout, _) = analyse(&input, &["-e", "1"]);
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    assert_snapshot("sources-test6-malicious.suricata.json.txt", &snap);
    // 3,512 flows, 745 alerts, 340 DNS answers (and their queries), 56 http, 3 fileinfo,
    // 1 tls (and its certificate); the 3 anomaly events are counted, not analysed.
    assert_eq!(summary(&stdout), (4767, 0, 1059));
    assert!(snap.contains(
        "UNKNOWN_PORT | profile 192.168.1.129 | tw 5 | attacker SRC 192.168.1.129 | victim 122.248.252.67 | 8760/udp"
    ), "{snap}");
    assert!(
        snap.contains("VERTICAL_PORT_SCAN | profile 193.46.255.92"),
        "{snap}"
    );
    assert!(
        snap.contains("CONNECTION_TO_PRIVATE_IP | profile 192.168.1.132"),
        "{snap}"
    );
    // Suricata's own alerts are evidence (Slips drops them).
    assert!(snap.contains("SURICATA_ALERT | profile 78.36.196.213 | tw 1 | attacker SRC 78.36.196.213 | victim 192.168.1.129 | 445/tcp | medium 1.0 | flows 1 | Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 (signature 1:2403388:66418, category Misc Attack, severity 2) from 78.36.196.213:51698 to 192.168.1.129:445/tcp. Threat level: medium.\n"), "{snap}");
    // 745 alerts; repeats of a signature between the same hosts in a window are folded.
    assert_eq!(snap.matches("SURICATA_ALERT |").count(), 657);
    let errors = std::fs::read_to_string(out.join("errors.log")).unwrap_or_default();
    assert!(
        errors.contains("not analysed: 3 suricata anomaly events"),
        "{errors}"
    );
}

#[test]
fn test6_sorted_and_as_shipped_give_identical_evidence() {
    // Suricata wrote the flows still open at the end of the capture last, in no order
    // (up to a day late): the reorder stage puts every record back in start-time order,
    // so the file as shipped and a copy sorted by start time give the same evidence.
    let Some(input) = dataset("test6-malicious.suricata.json") else {
        return;
    };
    let text = std::fs::read_to_string(&input).unwrap();
    let mut lines: Vec<(String, usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let start = match v["event_type"].as_str() {
                Some("flow") => v["flow"]["start"].as_str(),
                _ => v["timestamp"].as_str(),
            }
            .unwrap()
            .to_string();
            // One offset in the whole file: the text sorts as the time does.
            assert!(start.ends_with("+0200"), "{start}");
            (start, i, l)
        })
        .collect();
    lines.sort();
    let tmp = tempfile::tempdir().unwrap();
    let sorted = tmp.path().join("test6-sorted.suricata.json");
    let body: Vec<&str> = lines.iter().map(|(_, _, l)| *l).collect();
    std::fs::write(&sorted, body.join("\n") + "\n").unwrap();
    let (a, stdout_a, _) = analyse(&input, &[]);
    let (b, stdout_b, _) = analyse(&sorted, &[]);
    let (snap_a, snap_b) = (
        evidence_snapshot(&a.path().join("out")),
        evidence_snapshot(&b.path().join("out")),
    );
    assert!(snap_a.lines().count() > 2000, "{snap_a}");
    assert!(snap_a == snap_b, "as shipped:\n{snap_a}\nsorted:\n{snap_b}");
    assert!(stdout_a.contains("; 0 late record(s)"), "{stdout_a}");
    assert!(stdout_b.contains("; 0 late record(s)"), "{stdout_b}");
    // With a two-minute bound most of the flows are later than it: analysed anyway, and
    // counted.
    let (c, stdout_c, _) = analyse(&input, &["--reorder-window", "120"]);
    let before = &stdout_c[..stdout_c.find(" late record(s)").expect("late count")];
    let late: u64 = before.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(late > 3000, "{stdout_c}");
    let log = std::fs::read_to_string(c.path().join("out/errors.log")).unwrap();
    assert!(log.contains(&format!("{late} late record(s)")), "{log}");
}

#[test]
fn test1_nfdump() {
    let Some(input) = dataset("test1-malicious.nfdump") else {
        return;
    };
    if !has_nfdump() {
        return;
    }
    let (dir, stdout, stderr) = analyse(&input, &[]);
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert_snapshot("sources-test1-malicious.nfdump.txt", &snap);
    // 4,593 unidirectional records paired into 2,398 connections; no errors.
    assert_eq!(summary(&stdout), (2398, 0, 4));
    assert!(!stderr.contains("malformed"), "{stderr}");
    // 147.32.80.119 knocking on 902/tcp of 147.32.82.62: rejected attempts, not
    // established (Slips thought every nfdump flow was).
    assert!(snap.contains("MULTIPLE_RECONNECTION_ATTEMPTS | profile 147.32.80.119 | tw 1 | attacker SRC 147.32.80.119 | victim 147.32.82.62 | 902/tcp"), "{snap}");
}

/// Runs slips reading `input` on standard input with `-f format`.
fn analyse_stdin(input: &Path, format: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = slips()
        .args(["-f", format, "-o", out.to_str().unwrap(), "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let data = std::fs::read(input).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // Line by line, as a live producer would.
        for chunk in data.split_inclusive(|b| *b == b'\n') {
            stdin.write_all(chunk).unwrap();
        }
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (dir, String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn stdin_binetflow_gives_the_same_evidence_as_the_file() {
    let Some(input) = dataset("test4-malicious.binetflow") else {
        return;
    };
    let (file_dir, file_stdout, _) = analyse(&input, &[]);
    for format in ["argus", "-"] {
        let (dir, stdout) = analyse_stdin(&input, format);
        assert_eq!(
            evidence_snapshot(&dir.path().join("out")),
            evidence_snapshot(&file_dir.path().join("out")),
            "-f {format}"
        );
        assert_eq!(summary(&stdout), summary(&file_stdout));
        assert!(stdout.contains("from standard input"), "{stdout}");
    }
}

#[test]
fn stdin_zeek_json_conn_gives_the_same_evidence_as_the_file() {
    let Some(dir) = dataset("test9-mixed-zeek-dir") else {
        return;
    };
    let input = dir.join("conn.log");
    let (file_dir, file_stdout, _) = analyse(&input, &[]);
    for format in ["zeek", "-"] {
        let (dir, stdout) = analyse_stdin(&input, format);
        let snap = evidence_snapshot(&dir.path().join("out"));
        assert_eq!(
            snap,
            evidence_snapshot(&file_dir.path().join("out")),
            "-f {format}"
        );
        assert!(!snap.is_empty());
        assert_eq!(summary(&stdout), summary(&file_stdout));
    }
}

#[test]
fn stdin_suricata_detected_from_the_first_lines() {
    let Some(input) = dataset("test6-malicious.suricata.json") else {
        return;
    };
    let (dir, stdout) = analyse_stdin(&input, "-");
    assert_eq!(summary(&stdout), (4767, 0, 1059));
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert_eq!(snap.matches("SURICATA_ALERT |").count(), 657);
}

#[test]
fn unrecognised_stdin_names_what_was_expected() {
    let cwd = tempfile::tempdir().unwrap();
    let mut child = slips()
        .args(["-f", "-", "--quiet"])
        .current_dir(cwd.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello\nworld\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "cannot recognise the format of standard input: expected a folder of Zeek logs"
        ),
        "{err}"
    );
    assert!(err.contains("-f zeek, -f suricata or -f argus"), "{err}");
    // Nothing was created.
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
}

const CTU: &str = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label\n";

#[test]
fn bad_binetflow_lines_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("flows.binetflow");
    let mut text = CTU.to_string();
    for i in 0..12 {
        text += &format!(
            "2018/09/27 22:40:{i:02}.000000,0.000000,tcp,192.168.2.12,{},   ->,10.0.0.{i},445,S_RA,0,0,2,120,60,1,\n",
            40000 + i
        );
        if i == 2 {
            text += "2018/09/27 22:40:02.500000,0.0,tcp,192.168.2.12\n";
            text += "2018/09/27 22:40:02.600000,0.0,tcp,192.168.2.300,1,   ->,10.0.0.1,445,S_RA,0,0,2,120,60,1,\n";
            text += "2018/09/27 22:40:02.700000,0.0,tcp,192.168.2.12,1,   ->,10.0.0.1,445,XX?,0,0,2,120,60,1,\n";
            text += "\u{0}\u{1}\u{2}\n";
        }
    }
    // The same flow again: analysed once.
    text += "2018/09/27 22:40:11.000000,0.000000,tcp,192.168.2.12,40011,   ->,10.0.0.11,445,S_RA,0,0,2,120,60,1,\n";
    std::fs::write(&f, text).unwrap();
    let (out, stdout, stderr) = analyse(&f, &[]);
    assert!(stderr.contains("4 malformed line(s) skipped"), "{stderr}");
    let errors = std::fs::read_to_string(out.path().join("out/errors.log")).unwrap();
    let name = f.display().to_string();
    for (line, msg) in [
        (5, "wrong number of columns: expected 16, found 4"),
        (
            6,
            "bad value for `SrcAddr`: `192.168.2.300` (not an IPv4 or IPv6 address)",
        ),
        (
            7,
            "bad value for `State`: `XX?` (not a connection state (Zeek, Argus or TCP flags))",
        ),
        (8, "wrong number of columns: expected 16, found 1"),
    ] {
        assert!(
            errors.contains(&format!("{name}:{line}: {msg}")),
            "{line}: {errors}"
        );
    }
    assert!(
        stdout.contains("Read 13 records from 1 file(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("4 malformed line(s); 1 repeated flow(s) ignored"),
        "{stdout}"
    );
    assert!(stdout.contains("Analyzed flows: 12."), "{stdout}");
    let snap = evidence_snapshot(&out.path().join("out"));
    assert!(snap.contains("Horizontal port scan to port microsoft-ds 445/tcp. From 192.168.2.12 to 10 unique destination IPs"), "{snap}");
}

fn conn_json(ts: f64, uid: &str, dst: &str, dport: u16) -> String {
    format!(
        "{{\"ts\":{ts:.6},\"uid\":\"{uid}\",\"id.orig_h\":\"10.0.0.66\",\"id.orig_p\":40000,\"id.resp_h\":\"{dst}\",\"id.resp_p\":{dport},\"proto\":\"tcp\",\"duration\":0.1,\"orig_bytes\":0,\"resp_bytes\":0,\"conn_state\":\"S0\",\"history\":\"S\",\"orig_pkts\":1,\"orig_ip_bytes\":44,\"resp_pkts\":0,\"resp_ip_bytes\":0}}\n"
    )
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn growing_zeek_folder_until_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let conn = logs.join("conn.log");
    std::fs::write(&conn, conn_json(1000.0, "C0", "10.1.0.1", 445)).unwrap();
    let out = dir.path().join("out");
    let child = slips()
        .args([
            "-g",
            logs.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-l",
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Flows arrive while slips runs: a scan of 445/tcp over 12 hosts, written line by line.
    let mut w = std::fs::OpenOptions::new()
        .append(true)
        .open(&conn)
        .unwrap();
    for i in 1..12 {
        w.write_all(
            conn_json(
                1000.0 + f64::from(i),
                &format!("C{i}"),
                &format!("10.1.0.{}", i + 1),
                445,
            )
            .as_bytes(),
        )
        .unwrap();
        w.flush().unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    // The evidence shows up in alerts.log while slips is still running.
    let alerts = out.join("alerts.log");
    wait_for(
        "the scan evidence in alerts.log",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&alerts)
                .is_ok_and(|t| t.contains("From 10.0.0.66 to 10 unique destination IPs"))
        },
    );
    // The per-profile files of the open window are refreshed while running.
    let profile = out.join("profiles/10.0.0.66");
    wait_for("the live per-profile file", Duration::from_secs(30), || {
        std::fs::read_dir(&profile).is_ok_and(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().contains("timewindow"))
        })
    });
    // A new log file and a line written just before the interrupt are still analysed.
    std::fs::write(
        logs.join("dns.log"),
        "{\"ts\":1012.0,\"uid\":\"D1\",\"id.orig_h\":\"10.0.0.66\",\"id.orig_p\":5353,\"id.resp_h\":\"10.1.0.1\",\"id.resp_p\":53,\"query\":\"example.com\"}\n",
    )
    .unwrap();
    assert!(child.try_wait_ok());
    let pid = child.id().to_string();
    let st = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(st.success());
    let o = wait_with_timeout(child, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    // Interrupted: 128 + SIGINT, as tools exit.
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    // Everything was flushed: 12 conn records + 1 dns, the final summary, alerts.json,
    // the profile files and the metadata end date.
    assert!(
        stdout.contains("Read 13 records from 2 file(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("Total analyzed IPs: 1."), "{stdout}");
    let snap = evidence_snapshot(&out);
    assert_eq!(
        snap.matches("HORIZONTAL_PORT_SCAN | profile 10.0.0.66")
            .count(),
        2,
        "{snap}"
    );
    assert!(profile.join("ProfileData.txt").exists());
    let info = std::fs::read_to_string(out.join("metadata/info.txt")).unwrap();
    assert!(info.contains("Slips end date"), "{info}");
}

trait TryWaitOk {
    fn try_wait_ok(&self) -> bool;
}

impl TryWaitOk for std::process::Child {
    /// Still running.
    fn try_wait_ok(&self) -> bool {
        Path::new(&format!("/proc/{}", self.id())).exists()
    }
}

fn wait_with_timeout(child: std::process::Child, timeout: Duration) -> std::process::Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(timeout) {
        Ok(o) => o.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("slips did not exit within {timeout:?} after SIGINT");
        }
    }
}

fn has(program: &str, arg: &str) -> bool {
    let ok = Command::new(program).arg(arg).output().is_ok();
    if !ok {
        eprintln!(
            "skipping: `{program}` is not installed (apt-get install argus-server argus-client)"
        );
    }
    ok
}

/// The seed's pipeline: Argus on a capture, `ra` output piped into slips, both as `ra`'s
/// default text and as CSV lines without header (Slips' column order).
#[test]
fn argus_ra_pipelines_on_test7() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    if !has("argus", "-h") || !has("ra", "-h") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let argus = dir.path().join("t7.argus");
    let st = Command::new("argus")
        .arg("-r")
        .arg(&pcap)
        .arg("-w")
        .arg(&argus)
        .status()
        .unwrap();
    assert!(st.success());
    let fields =
        "stime dur proto saddr sport dir daddr dport state stos dtos pkts bytes sbytes spkts";
    for (name, ra, format) in [
        ("text", format!("ra -n -r {}", argus.display()), "argus"),
        (
            "csv",
            format!(
                "ra -n -u -c , -r {} -s {fields} | tail -n +2",
                argus.display()
            ),
            "-",
        ),
    ] {
        let out = dir.path().join(name);
        let cmd = format!(
            "{ra} | {} -f {format} -o {} --quiet",
            env!("CARGO_BIN_EXE_slips"),
            out.display()
        );
        let o = Command::new("sh").args(["-c", &cmd]).output().unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("from standard input"), "{stdout}");
        // Slips on test7: a horizontal port scan to port 23.
        let snap = evidence_snapshot(&out);
        assert!(
            snap.contains("Horizontal port scan to port telnet 23/tcp. From 192.168.2.16 to 10 unique destination IPs"),
            "{name}: {snap}"
        );
    }
}

/// Absurd values are malformed lines naming the field, in every format; the rest is read.
#[test]
fn out_of_range_times_and_durations_are_malformed_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = |i: u32| {
        format!(
            r#"{{"ts":{},"uid":"C{i}","id.orig_h":"10.0.0.5","id.orig_p":{},"id.resp_h":"10.0.1.{i}","id.resp_p":23,"proto":"tcp","conn_state":"S0","duration":0.1}}"#,
            1_600_000_000 + i,
            40000 + i
        )
    };
    let zeek = dir.path().join("conn.log");
    let mut text = String::new();
    for i in 0..5 {
        text += &good(i);
        text.push('\n');
    }
    text += &good(5).replace("1600000005", "1e308");
    text.push('\n');
    text += &good(6).replace("1600000006", "-5");
    text.push('\n');
    text += &good(7).replace("\"duration\":0.1", "\"duration\":1e300");
    text.push('\n');
    std::fs::write(&zeek, text).unwrap();
    let (out, stdout, _) = analyse(&zeek, &[]);
    assert!(stdout.contains("Read 5 records"), "{stdout}");
    assert!(stdout.contains("3 malformed line(s)"), "{stdout}");
    let errors = std::fs::read_to_string(out.path().join("out/errors.log")).unwrap();
    for (line, field, why) in [
        (6, "ts", "seconds from 1970 to 2200"),
        (7, "ts", "seconds from 1970 to 2200"),
        (8, "duration", "duration out of range"),
    ] {
        let hit = errors.lines().any(|l| {
            l.contains(&format!("conn.log:{line}:")) && l.contains(field) && l.contains(why)
        });
        assert!(hit, "line {line} ({field}): {errors}");
    }
    assert!(!errors.contains("2.8e296"), "{errors}");

    let f = dir.path().join("flows.binetflow");
    let mut text = CTU.to_string();
    text += "2018/09/27 22:40:01.000000,0.5,tcp,192.168.2.12,40001,   ->,10.0.0.1,445,S_RA,0,0,2,120,60,1,\n";
    text += "2018/09/27 22:40:02.000000,1e300,tcp,192.168.2.12,40002,   ->,10.0.0.2,445,S_RA,0,0,2,120,60,1,\n";
    std::fs::write(&f, text).unwrap();
    let (out, stdout, _) = analyse(&f, &[]);
    assert!(stdout.contains("Read 1 records"), "{stdout}");
    let errors = std::fs::read_to_string(out.path().join("out/errors.log")).unwrap();
    assert!(
        errors.contains(
            "flows.binetflow:3: bad value for `Dur`: `1e300` (a duration of 0 to ten years)"
        ),
        "{errors}"
    );
}

fn gzip(from: &Path, to: &Path) {
    let o = Command::new("gzip").arg("-c").arg(from).output().unwrap();
    assert!(o.status.success());
    std::fs::write(to, o.stdout).unwrap();
}

/// A single file that starts mid-line (the tail of an eve.json) is read with that one
/// malformed line, as inside a folder; a gzip file is read whatever its name, and gives the
/// evidence of the plain file.
#[test]
fn torn_and_compressed_single_files_are_read() {
    let Some(input) = dataset("test6-malicious.suricata.json") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (plain_out, plain_stdout, _) = analyse(&input, &[]);
    let plain = evidence_snapshot(&plain_out.path().join("out"));

    let gz = dir.path().join("eve.gz");
    gzip(&input, &gz);
    let (out, stdout, stderr) = analyse(&gz, &[]);
    assert_eq!(summary(&stdout), summary(&plain_stdout), "{stderr}");
    assert_eq!(evidence_snapshot(&out.path().join("out")), plain);

    let bytes = std::fs::read(&input).unwrap();
    let torn = dir.path().join("tail-of-eve.json");
    std::fs::write(&torn, &bytes[40..]).unwrap();
    let (_out, stdout, stderr) = analyse(&torn, &[]);
    assert!(stdout.contains("1 malformed line(s)"), "{stdout}\n{stderr}");

    // A Zeek JSON log compressed without `.log` in its name (its kind still comes from the
    // name: JSON has no `#path`).
    let conn = dir.path().join("conn.log");
    let lines: Vec<String> = (0..40).map(zeek_conn_line).collect();
    std::fs::write(&conn, lines.join("\n") + "\n").unwrap();
    let capture = dir.path().join("conn.gz");
    gzip(&conn, &capture);
    let (out, stdout, stderr) = analyse(&capture, &[]);
    assert!(stdout.contains("Read 40 records"), "{stdout}\n{stderr}");
    let snap = evidence_snapshot(&out.path().join("out"));
    assert!(snap.contains("profile 10.0.0.5"), "{snap}");
}

/// `-F` on a pcap file gives what the same filter applied by tcpdump gives (libpcap compiles
/// both); on flow input it is refused, and a filter libpcap cannot compile is refused at start.
#[test]
fn bpf_filter_on_a_pcap_file_matches_tcpdump() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    if !has("tcpdump", "--version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let filter = "udp port 53 or tcp port 443";
    let filtered = dir.path().join("filtered.pcap");
    let st = Command::new("tcpdump")
        .args([
            "-r",
            pcap.to_str().unwrap(),
            "-w",
            filtered.to_str().unwrap(),
            filter,
        ])
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let (a, a_out, _) = analyse(&pcap, &["-F", filter]);
    let (b, b_out, _) = analyse(&filtered, &[]);
    let (c, c_out, _) = analyse(&pcap, &[]);
    let read = |s: &str| summary(s).0;
    assert_eq!(read(&a_out), read(&b_out));
    assert!(read(&a_out) < read(&c_out), "{a_out}\n{c_out}");
    assert_eq!(
        evidence_snapshot(&a.path().join("out")),
        evidence_snapshot(&b.path().join("out"))
    );
    drop(c);
    // Every connection slips made is one the filter lets through.
    let conn = std::fs::read_to_string(a.path().join("out/zeek_files/conn.log")).unwrap();
    for l in conn.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split('\t').collect();
        let (port, proto) = (f[5], f[6]);
        assert!(
            (proto == "udp" && (port == "53" || f[3] == "53"))
                || (proto == "tcp" && (port == "443" || f[3] == "443")),
            "{l}"
        );
    }
    let o = slips()
        .args(["-f", pcap.to_str().unwrap(), "-F", "tcp portt 80", "-o"])
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid BPF filter \"tcp portt 80\""), "{err}");
    assert!(
        !dir.path().join("bad").exists(),
        "the output folder was prepared first"
    );
    let logs = dns_log(dir.path(), 3);
    let o = slips()
        .args(["-f", logs.to_str().unwrap(), "-F", "tcp", "-o"])
        .arg(dir.path().join("flows"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("-F filters packets"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

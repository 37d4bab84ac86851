//! The command line: help, usage errors (exit code 2), bad input never panics.

mod common;
use common::*;

fn stderr_of(args: &[&str]) -> (i32, String) {
    let o = slips().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn help_explains_every_flag_with_examples() {
    let o = slips().arg("--help").output().unwrap();
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "-f", "-r", "-c", "-o", "-v", "-e", "-w", "-l", "-D", "-p", "-a",
    ] {
        assert!(
            help.contains(&format!("{flag}, --")) || help.contains(&format!("{flag} ")),
            "{flag} missing:\n{help}"
        );
    }
    assert!(help.contains("Examples:"));
}

#[test]
fn usage_errors_exit_with_2() {
    assert_eq!(stderr_of(&["--no-such-flag"]).0, 2);
    let (code, err) = stderr_of(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("no input"), "{err}");
    let (code, err) = stderr_of(&["-f", "/definitely/not/here.log"]);
    assert_eq!(code, 2);
    assert!(err.contains("/definitely/not/here.log"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, b"hello, this is not a log\n").unwrap();
    let (code, err) = stderr_of(&[
        "-f",
        junk.to_str().unwrap(),
        "-o",
        dir.path().join("o").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("Zeek log"), "{err}");
    for w in ["0", "1e-300", "1e300"] {
        let (code, err) = stderr_of(&["-f", junk.to_str().unwrap(), "-w", w]);
        assert_eq!(code, 2);
        assert!(err.contains("-w expects 1 to 604800 seconds"), "{err}");
    }
    let cfg = dir.path().join("bad.yaml");
    std::fs::write(&cfg, "parameters:\n  time_window_width: abc\n").unwrap();
    let (code, err) = stderr_of(&["-f", junk.to_str().unwrap(), "-c", cfg.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("parameters.time_window_width"), "{err}");
    let pcap = dir.path().join("x.pcap");
    std::fs::write(&pcap, [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]).unwrap();
    let (code, err) = stderr_of(&[
        "-f",
        pcap.to_str().unwrap(),
        "-o",
        dir.path().join("p").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("pcap"), "{err}");
}

const CONN_HEADER: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n";

fn conn_line(ts: f64, uid: &str, src: &str, dst: &str, dport: u16, state: &str) -> String {
    format!("{ts:.6}\t{uid}\t{src}\t40000\t{dst}\t{dport}\ttcp\t-\t0.1\t0\t0\t{state}\t-\t-\t0\tS\t1\t44\t0\t0\t-\n")
}

#[test]
fn malformed_lines_are_reported_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("conn.log");
    let mut text = CONN_HEADER.to_string();
    for i in 0..12 {
        text += &conn_line(
            1000.0 + i as f64,
            &format!("C{i}"),
            "10.0.0.1",
            &format!("8.8.4.{i}"),
            445,
            "S0",
        );
        if i == 3 {
            text += "1000.5\tCbad\tnot-an-ip\t1\t2.2.2.2\t80\ttcp\n";
            text += "\u{0}\u{1}garbage\n";
        }
    }
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("out");
    let o = slips()
        .args([
            "-f",
            log.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("2 malformed line(s)"), "{stderr}");
    let errors = std::fs::read_to_string(out.join("errors.log")).unwrap();
    assert!(
        errors.contains("conn.log:12: wrong number of columns"),
        "{errors}"
    );
    assert!(
        errors.contains("conn.log:13: wrong number of columns"),
        "{errors}"
    );
    // All 12 good flows were analysed: the scan of port 445 was found (6, then 10 targets).
    let snap = evidence_snapshot(&out);
    assert_eq!(
        snap.matches("HORIZONTAL_PORT_SCAN | profile 10.0.0.1")
            .count(),
        2,
        "{snap}"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Analyzed flows: 12."), "{stdout}");
}

#[test]
fn alert_is_raised_and_printed() {
    // 20 scanned ports on each of 25 hosts: vertical scans (HIGH, confidence 1) until the
    // accumulated threat level crosses 0.25 * 300 / 60 = 1.25 in a 5-minute window.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("conn.log");
    let mut text = CONN_HEADER.to_string();
    let mut t = 1000.0;
    for h in 0..25 {
        for p in 0..20 {
            t += 0.01;
            text += &conn_line(
                t,
                &format!("C{h}x{p}"),
                "10.0.0.66",
                &format!("10.0.1.{h}"),
                1000 + p,
                "REJ",
            );
        }
    }
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("out");
    let o = run_ok(&[
        "-f",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-w",
        "300",
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("IP 10.0.0.66 detected as malicious in time window 1"),
        "{stdout}"
    );
    let alerts: Vec<_> = alerts_json(&out)
        .into_iter()
        .filter(|v| v["Status"] == "Incident")
        .collect();
    assert!(!alerts.is_empty());
    assert_eq!(alerts[0]["Slips"]["profile"], "10.0.0.66");
    let log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(
        log.contains("Generated an alert given enough evidence on timewindow 1"),
        "{log}"
    );
}

#[test]
fn no_detection_and_print_letters() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("conn.log");
    let mut text = CONN_HEADER.to_string();
    for i in 0..8 {
        text += &conn_line(
            1000.0 + 30.0 * i as f64,
            &format!("C{i}"),
            "10.0.0.1",
            "8.8.4.4",
            445,
            "S0",
        );
    }
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("out");
    let o = run_ok(&[
        "-f",
        log.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-D",
        "-p",
        "-a",
        "3",
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("8.8.4.4-445-tcp (8 flows): 11,a,a,a,a,a,a,"),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(out.join("alerts.json"))
        .unwrap()
        .is_empty());
}

#[test]
fn application_records_sharing_a_uid_all_reach_the_engine() {
    // Four bad SMTP logins on one connection (four transactions of one uid, identical in
    // every field slips keeps): four records for the detectors, hence a brute force.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("zeek");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("conn.log"),
        r#"{"ts":1000.0,"uid":"CSmtp1","id.orig_h":"10.0.0.5","id.orig_p":40000,"id.resp_h":"10.0.9.9","id.resp_p":25,"proto":"tcp","service":"smtp","duration":8.0,"orig_bytes":900,"resp_bytes":700,"conn_state":"SF","orig_pkts":20,"resp_pkts":18}
"#,
    )
    .unwrap();
    let mut smtp = String::new();
    for depth in 1..=4 {
        smtp += &format!(
            r#"{{"ts":1001.0,"uid":"CSmtp1","id.orig_h":"10.0.0.5","id.orig_p":40000,"id.resp_h":"10.0.9.9","id.resp_p":25,"trans_depth":{depth},"helo":"x","last_reply":"535 5.7.8 Error: authentication failed: bad smtp-auth user"}}
"#
        );
    }
    std::fs::write(logs.join("smtp.log"), smtp).unwrap();
    let out = dir.path().join("out");
    let o = run_ok(&[
        "-f",
        logs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("0 repeated flow(s) ignored"), "{stdout}");
    assert!(stdout.contains("Analyzed flows: 5."), "{stdout}");
    let snap = evidence_snapshot(&out);
    assert!(
        snap.contains("SMTP_LOGIN_BRUTEFORCE | profile 10.0.0.5"),
        "{snap}"
    );
}

/// A one-line conn.log in `dir`, for runs that only look at what was loaded.
fn tiny_log(dir: &std::path::Path) -> std::path::PathBuf {
    let log = dir.join("conn.log");
    std::fs::write(
        &log,
        CONN_HEADER.to_string() + &conn_line(1000.0, "C1", "10.0.0.1", "8.8.8.8", 443, "SF"),
    )
    .unwrap();
    log
}

/// Runs slips from the working folder `cwd`; returns (stderr, slips.log).
fn run_in(cwd: &std::path::Path, args: &[&str], out: &std::path::Path) -> (String, String) {
    let mut all = args.to_vec();
    all.extend_from_slice(&["-o", out.to_str().unwrap(), "--quiet"]);
    let o = slips().current_dir(cwd).args(&all).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (
        String::from_utf8_lossy(&o.stderr).into_owned(),
        std::fs::read_to_string(out.join("slips.log")).unwrap(),
    )
}

#[test]
fn config_paths_resolve_against_the_config_folder_not_the_working_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tiny_log(tmp.path());
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    // A configuration next to its files, named with relative paths.
    let cfgdir = tmp.path().join("cfg");
    std::fs::create_dir_all(cfgdir.join("ti")).unwrap();
    std::fs::write(
        cfgdir.join("ti/own_iocs.csv"),
        "# IoC, level, description\n203.0.113.7,high,test C&C\nbad.example.com,high,test\n",
    )
    .unwrap();
    std::fs::write(cfgdir.join("wl.conf"), "ip,192.0.2.9,both,alerts\n").unwrap();
    let cfg = cfgdir.join("slips.yaml");
    std::fs::write(
        &cfg,
        "threatintelligence:\n  local_threat_intelligence_files: ti/\n  ti_files: ''\n  ja3_feeds: ''\n  ssl_feeds: ''\n  download_remote_feeds: false\n\
         whitelists:\n  local_whitelist_path: wl.conf\n",
    )
    .unwrap();
    let (stderr, slog) = run_in(
        &elsewhere,
        &["-f", log.to_str().unwrap(), "-c", cfg.to_str().unwrap()],
        &tmp.path().join("o1"),
    );
    assert!(slog.contains("threat intelligence: 2 IoCs"), "{slog}");
    assert!(slog.contains("wl.conf: 1 entries"), "{slog}");
    assert!(
        stderr.contains(&format!("resolve against its folder {}", cfgdir.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("WARN"), "{stderr}");

    // Slips' layout: config/slips.yaml with paths relative to the folder above it.
    let root = tmp.path().join("install");
    std::fs::create_dir_all(root.join("config/local_ti_files")).unwrap();
    std::fs::write(
        root.join("config/local_ti_files/own_iocs.csv"),
        "203.0.113.8,high,test\n",
    )
    .unwrap();
    std::fs::write(
        root.join("config/whitelist.conf"),
        "ip,192.0.2.10,both,alerts\n",
    )
    .unwrap();
    let cfg2 = root.join("config/slips.yaml");
    std::fs::write(
        &cfg2,
        "threatintelligence:\n  local_threat_intelligence_files: config/local_ti_files/\n  ti_files: ''\n  ja3_feeds: ''\n  ssl_feeds: ''\n  download_remote_feeds: false\n\
         whitelists:\n  local_whitelist_path: config/whitelist.conf\n",
    )
    .unwrap();
    let (stderr, slog) = run_in(
        &elsewhere,
        &["-f", log.to_str().unwrap(), "-c", cfg2.to_str().unwrap()],
        &tmp.path().join("o2"),
    );
    assert!(slog.contains("threat intelligence: 1 IoCs"), "{slog}");
    assert!(slog.contains("config/whitelist.conf: 1 entries"), "{slog}");
    assert!(stderr.contains("(its parent folder"), "{stderr}");

    // Missing files: warnings on the terminal.
    std::fs::remove_dir_all(cfgdir.join("ti")).unwrap();
    std::fs::remove_file(cfgdir.join("wl.conf")).unwrap();
    let (stderr, _) = run_in(
        &elsewhere,
        &["-f", log.to_str().unwrap(), "-c", cfg.to_str().unwrap()],
        &tmp.path().join("o3"),
    );
    assert!(
        stderr.contains("WARN") && stderr.contains("threat intelligence: 0 IoCs loaded"),
        "{stderr}"
    );
    assert!(
        stderr.contains("local threat intelligence folder") && stderr.contains("not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("wl.conf not found; 0 whitelist entries"),
        "{stderr}"
    );
}

#[test]
fn default_configuration_whitelists_organisations_from_any_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tiny_log(tmp.path());
    let (stderr, slog) = run_in(
        tmp.path(),
        &["-f", log.to_str().unwrap()],
        &tmp.path().join("o"),
    );
    assert!(
        slog.contains("whitelist <built-in data/whitelist.conf>: 4 entries"),
        "{slog}"
    );
    assert!(!stderr.contains("WARN"), "{stderr}");
}

/// SIGTERM stops an analysis that waits for its input: everything read is analysed and
/// written, and the exit code says it was a signal (128 + 15), as tools do.
#[test]
fn sigterm_flushes_and_exits_143() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = slips_on_stdin(&out, &[]);
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..40 {
        writeln!(stdin, "{}", zeek_conn_line(i)).unwrap();
    }
    stdin.flush().unwrap();
    // The input stays open: slips waits for more until the signal.
    let t = std::time::Instant::now();
    while !out.join("slips.log").exists() && t.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(800));
    let st = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let t = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "slips did not stop within 2 s of SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(143));
    let snap = evidence_snapshot(&out);
    assert!(snap.contains("profile 10.0.0.5"), "{snap}");
}

/// Feeds on a server that accepts and never answers do not hold the end of a run: the
/// download in progress is left behind (it only writes slips' feed cache).
#[test]
fn a_feed_server_that_never_answers_does_not_hold_the_exit() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts, reads nothing, answers nothing, for the whole test.
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for s in listener.incoming().take(4) {
            match s {
                Ok(s) => kept.push(s),
                Err(_) => break,
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(30));
        drop(kept);
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("TI_feeds.csv"),
        format!(
            "http://127.0.0.1:{port}/a.txt,medium,['x']\nhttp://127.0.0.1:{port}/b.txt,medium,['x']\n"
        ),
    )
    .unwrap();
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        format!(
            "threatintelligence:\n  ti_files: TI_feeds.csv\n  download_path_for_remote_threat_intelligence: {}\n",
            dir.path().join("cache").display()
        ),
    )
    .unwrap();
    let logs = dns_log(dir.path(), 3);
    let t = std::time::Instant::now();
    let o = slips()
        .args([
            "-f",
            logs.to_str().unwrap(),
            "-c",
            cfg.to_str().unwrap(),
            "-o",
        ])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let took = t.elapsed();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        took < std::time::Duration::from_secs(5),
        "the run took {took:?} with feeds that never answer"
    );
    drop(held);
}

/// Downloaded feeds land in slips' cache folder, not in the working folder or beside the
/// configuration (Slips' default `modules/threat_intelligence/remote_data_files/`).
#[test]
fn feeds_are_cached_in_the_cache_folder_not_the_working_folder() {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten().take(2) {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\n1.2.3.4\n",
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("conf");
    let work = dir.path().join("work");
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        conf.join("TI_feeds.csv"),
        format!("http://127.0.0.1:{port}/feed.txt,medium,['x']\n"),
    )
    .unwrap();
    std::fs::write(
        conf.join("slips.yaml"),
        "threatintelligence:\n  ti_files: TI_feeds.csv\n",
    )
    .unwrap();
    let logs = dns_log(dir.path(), 3);
    let o = slips()
        .current_dir(&work)
        .env("SLIPS_CACHE_DIR", &cache)
        .args(["-f", logs.to_str().unwrap(), "-c"])
        .arg(conf.join("slips.yaml"))
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!work.join("modules").exists());
    assert!(!conf.join("modules").exists());
    assert!(
        std::fs::read_dir(&work).unwrap().next().is_none(),
        "the working folder was written"
    );
    let cached: Vec<_> = std::fs::read_dir(cache.join("feeds"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        cached.iter().any(|n| n.starts_with("feed.txt-")),
        "{cached:?}"
    );
}

/// A full profile table retires the least recently active profiles instead of blinding the
/// analysis to new IPs: every source is profiled, written out and counted.
#[test]
fn the_profile_cap_retires_profiles_and_every_ip_is_still_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..200u32 {
        text += &format!(
            "{{\"ts\":{},\"uid\":\"C{i}\",\"id.orig_h\":\"10.0.2.{}\",\"id.orig_p\":40000,\"id.resp_h\":\"10.0.1.1\",\"id.resp_p\":23,\"proto\":\"tcp\",\"conn_state\":\"S0\",\"duration\":0.1}}\n",
            1_600_000_000 + i,
            i
        );
    }
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("conn.log"), text).unwrap();
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(&cfg, "slips:\n  max_profiles: 50\n").unwrap();
    let out = dir.path().join("out");
    let o = slips()
        .args([
            "-f",
            logs.to_str().unwrap(),
            "-c",
            cfg.to_str().unwrap(),
            "-l",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("Total analyzed IPs: 200."), "{stdout}");
    assert!(
        stderr.contains("profiles retired to make room for new IPs"),
        "{stderr}"
    );
    let profiles = std::fs::read_dir(out.join("profiles")).unwrap().count();
    assert_eq!(profiles, 200);
    let snap = evidence_snapshot(&out);
    let sources: std::collections::BTreeSet<&str> =
        snap.lines().filter_map(|l| l.split(" | ").nth(1)).collect();
    assert_eq!(sources.len(), 200, "{snap}");
    let q = slips()
        .args(["query", out.to_str().unwrap(), "profiles", "--json"])
        .output()
        .unwrap();
    let rows = String::from_utf8_lossy(&q.stdout);
    assert_eq!(
        rows.lines().filter(|l| l.contains("\"ip\"")).count(),
        200,
        "{rows}"
    );
}

//! The output folder against hostile or careless use: planted symbolic links, folders slips
//! did not create, bad input after a previous run, two runs at once, control characters
//! from the traffic, and records of hosts that are not profiled.

mod common;
use common::*;
use std::os::unix::fs::symlink;
use std::path::Path;

fn corpus(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/corpus")
        .join(name)
}

fn run(args: &[&str]) -> std::process::Output {
    slips().args(args).output().expect("run slips")
}

#[test]
fn planted_links_are_replaced_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let pcap = corpus("horizontal-scan.pcap");
    let args = [
        "-f",
        pcap.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "-l",
        "--export-letters",
        "-A",
    ];
    run_ok(&args);
    // An attacker with write access to the folder plants links between runs.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    for name in [
        "alerts.log",
        "alerts.json",
        "strato_letters.tsv",
        "anonymized_ips.csv",
        "slips.log",
        "errors.log",
    ] {
        std::fs::remove_file(out.join(name)).ok();
        symlink(&victim, out.join(name)).unwrap();
    }
    std::fs::remove_dir_all(out.join("zeek_files")).unwrap();
    symlink(&elsewhere, out.join("zeek_files")).unwrap();
    std::fs::remove_dir_all(out.join("profiles")).unwrap();
    symlink(&elsewhere, out.join("profiles")).unwrap();
    run_ok(&args);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    for name in ["alerts.log", "strato_letters.tsv", "zeek_files", "profiles"] {
        let m = std::fs::symlink_metadata(out.join(name)).unwrap();
        assert!(!m.file_type().is_symlink(), "{name} is still a link");
    }
    assert!(out.join("zeek_files/conn.log").is_file());
}

#[test]
fn a_folder_slips_did_not_create_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("alerts.log"), "my notes").unwrap();
    std::fs::create_dir(mine.join("profiles")).unwrap();
    std::fs::write(mine.join("profiles/keep"), "x").unwrap();
    let pcap = corpus("horizontal-scan.pcap");
    let o = run(&["-f", pcap.to_str().unwrap(), "-o", mine.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("was not created by slips"), "{err}");
    assert_eq!(
        std::fs::read_to_string(mine.join("alerts.log")).unwrap(),
        "my notes"
    );
    assert!(mine.join("profiles/keep").exists());
    assert!(!mine.join(".slips-output").exists());
}

#[test]
fn bad_input_keeps_the_previous_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let pcap = corpus("horizontal-scan.pcap");
    let o = out.to_str().unwrap();
    run_ok(&["-f", pcap.to_str().unwrap(), "-o", o, "--quiet"]);
    let before = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(!before.is_empty());
    let short = dir.path().join("short.pcap");
    std::fs::write(&short, [0xd4, 0xc3, 0xb2, 0xa1, 2, 0]).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let bad: [&[&str]; 3] = [
        &["-f", short.to_str().unwrap()],
        &["-f", empty.to_str().unwrap()],
        &["-i", "slips-no-such-interface0"],
    ];
    for args in bad {
        let mut a = args.to_vec();
        a.extend(["-o", o, "--quiet"]);
        let r = run(&a);
        assert!(!r.status.success(), "{a:?} succeeded");
        assert_eq!(
            std::fs::read_to_string(out.join("alerts.log")).unwrap(),
            before,
            "{a:?} touched the previous results: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

#[test]
fn a_second_run_into_a_busy_folder_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let pcap = corpus("horizontal-scan.pcap");
    let o = out.to_str().unwrap();
    run_ok(&["-f", pcap.to_str().unwrap(), "-o", o, "--quiet"]);
    // Another run holds the folder: take its lock as it would.
    let lock = std::fs::OpenOptions::new()
        .append(true)
        .open(out.join(".slips-lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let r = run(&["-f", pcap.to_str().unwrap(), "-o", o, "--quiet"]);
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("is being written by another slips run"),
        "{err}"
    );
    drop(lock);
    run_ok(&["-f", pcap.to_str().unwrap(), "-o", o, "--quiet"]);
}

/// 40 crafted notices whose text clears the screen, sets the window title and prints a fake
/// verdict, in Zeek's JSON (`\u001b`) form.
#[test]
fn control_characters_from_the_traffic_are_escaped_for_humans_only() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let mut notices = String::new();
    for i in 0..40 {
        notices.push_str(&format!(
            "{{\"ts\":{}.0,\"note\":\"Scan::Port_Scan\",\"msg\":\"10.0.0.{i} scanned at least 15 unique ports of host 10.9.9.9 in 0m1s \\u001b[2J\\u001b]0;pwned\\u0007All clear\\nfake line\",\"src\":\"10.0.0.{i}\",\"dst\":\"10.9.9.9\"}}\n",
            1_600_000_000 + i
        ));
    }
    std::fs::write(logs.join("notice.log"), notices).unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "-f",
        logs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "-l",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let no_controls = |what: &str, text: &str| {
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{what} has raw control characters: {text:?}"
        );
    };
    let log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(
        log.contains("\\x1b[2J\\x1b]0;pwned\\x07All clear fake line"),
        "{log}"
    );
    assert_eq!(
        log.lines().filter(|l| l.starts_with("fake line")).count(),
        0
    );
    no_controls("alerts.log", &log);
    no_controls("stdout", &String::from_utf8_lossy(&o.stdout));
    for e in std::fs::read_dir(out.join("profiles")).unwrap() {
        for f in std::fs::read_dir(e.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            no_controls(
                &p.display().to_string(),
                &std::fs::read_to_string(&p).unwrap(),
            );
        }
    }
    // alerts.json keeps the exact value (JSON escapes it itself).
    let json = alerts_json(&out);
    assert!(json.iter().any(|v| v["Description"]
        .as_str()
        .is_some_and(|d| d.contains("\u{1b}]0;pwned\u{7}All clear\nfake line"))));
}

#[test]
fn hosts_outside_the_home_network_get_no_profile_files() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let conn = |ts: u32, uid: &str, src: &str, dst: &str, dport: u16| {
        format!(
            "{{\"ts\":{ts}.0,\"uid\":\"{uid}\",\"id.orig_h\":\"{src}\",\"id.orig_p\":40000,\"id.resp_h\":\"{dst}\",\"id.resp_p\":{dport},\"proto\":\"udp\",\"service\":\"dns\",\"duration\":0.1,\"orig_bytes\":40,\"resp_bytes\":60,\"conn_state\":\"SF\",\"orig_pkts\":1,\"resp_pkts\":1}}\n"
        )
    };
    std::fs::write(
        logs.join("conn.log"),
        conn(1_600_000_000, "C1", "10.0.0.5", "8.8.4.4", 53)
            + &conn(1_600_000_001, "C2", "8.8.4.4", "10.0.0.5", 5353),
    )
    .unwrap();
    let cfg = dir.path().join("home.yaml");
    std::fs::write(&cfg, "parameters:\n  home_network: [10.0.0.0/8]\n").unwrap();
    let out = dir.path().join("out");
    run_ok(&[
        "-f",
        logs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "-l",
        "-c",
        cfg.to_str().unwrap(),
    ]);
    let profiles: Vec<String> = std::fs::read_dir(out.join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(profiles, vec!["10.0.0.5".to_string()]);
}

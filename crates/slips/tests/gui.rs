//! `-G` in a real terminal: tmux runs `slips -f <capture> -G`, keys are sent to it and the
//! screen is read back with `capture-pane`. Skips when tmux is absent (`scripts/deps.sh
//! --test` installs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/corpus")
        .join(name)
}

/// A tmux server of its own (its socket in the test's folder), killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn start(dir: &Path, cmd: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipping: tmux is not installed (scripts/deps.sh --test installs it)");
            return None;
        }
        let t = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let ok = t
            .tmux(&["new-session", "-d", "-s", "g", "-x", "160", "-y", "45", cmd])
            .status
            .success();
        assert!(ok, "tmux new-session failed");
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "g"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let o = self.tmux(&["send-keys", "-t", "g", k]);
            assert!(o.status.success(), "send-keys {k}");
            // Let the interface redraw between keys, as a person would.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn literal(&self, text: &str) {
        let o = self.tmux(&["send-keys", "-t", "g", "-l", text]);
        assert!(o.status.success());
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Waits until the screen satisfies `want`; panics with the screen after `secs`.
    fn wait_for(&self, what: &str, secs: u64, want: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            if want(&s) {
                return s;
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The rows of the profile list (left pane), in order.
fn profile_rows(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .filter(|l| l.starts_with("│! 10.") || l.starts_with("│  10."))
        .collect()
}

#[test]
fn browse_an_offline_analysis_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cmd = format!(
        "'{}' -f '{}' -o '{}' -G; echo SLIPS-EXIT=$?; sleep 120",
        env!("CARGO_BIN_EXE_slips"),
        capture("horizontal-scan.pcap").display(),
        out.display()
    );
    let Some(t) = Tmux::start(dir.path(), &cmd) else {
        return;
    };

    // The analysis ends and the interface stays open, the alerted scanner first.
    let s = t.wait_for("the finished analysis", 120, |s| {
        s.contains("analysis finished") && s.contains("HORIZONTAL_PORT_SCAN")
    });
    assert!(s.contains("Profiles 2/2"), "{s}");
    let first_row = profile_rows(&s)[0];
    assert!(first_row.contains("! 10.77.0.10"), "{s}");
    // Nothing but the interface on the screen: no log line, no alert block.
    assert!(!s.contains("detected as malicious in time window"), "{s}");
    assert!(!s.contains("WARN"), "{s}");

    // Sort by IP: the quiet host comes first; select the malicious one again with a search.
    t.keys(&["s"]);
    let s = t.wait_for("sort by IP", 10, |s| s.contains("sort: ip"));
    let first_row = profile_rows(&s)[0];
    assert!(first_row.contains("  10.77.0.1 "), "{s}");
    t.keys(&["/"]);
    t.literal("0.10");
    let s = t.wait_for("the filter", 10, |s| s.contains("filter: 0.10"));
    assert!(s.contains("Profiles 1/2"), "{s}");
    t.keys(&["Enter"]);

    // Its evidence, and the alert expanded to its evidence.
    t.keys(&["e"]);
    let s = t.wait_for("the evidence of 10.77.0.10", 10, |s| {
        s.contains("10.77.0.10 · TW 1") && s.contains("Horizontal port scan")
    });
    assert!(s.contains("[filter: 0.10]"), "{s}");
    t.keys(&["a", "Enter"]);
    let s = t.wait_for("the expanded alert", 10, |s| s.contains("▾"));
    assert!(s.contains("alert:"), "{s}");
    assert!(s.contains("detected as malicious in time window 1"), "{s}");

    // The flows tab, scrolled, with one flow's details.
    t.keys(&["f", "Down", "Down"]);
    let s = t.wait_for("the flows", 10, |s| {
        s.contains("details") && s.contains("kind: conn")
    });
    assert!(s.contains(":445"), "{s}");

    // Help, then quit: the terminal is back with the summary printed after the interface.
    t.keys(&["?"]);
    t.wait_for("the help", 10, |s| s.contains("any key closes this help"));
    t.keys(&["Escape", "q"]);
    let s = t.wait_for("slips to exit", 30, |s| s.contains("SLIPS-EXIT="));
    assert!(s.contains("SLIPS-EXIT=0"), "{s}");
    assert!(s.contains("Total analyzed IPs: 2."), "{s}");
    assert!(
        !s.contains("Profiles"),
        "the alternate screen was not left:\n{s}"
    );
    // The output folder was written as without -G; logs went to the files.
    let alerts = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(alerts.contains("Generated an alert"), "{alerts}");
    assert!(out.join("slips.log").exists());
}

#[test]
fn quitting_during_a_live_analysis_stops_it_and_flushes() {
    // Standard input is a live input: the interface opens while it is still being read.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A FIFO kept open after the lines, so the input stays live until slips stops.
    let fifo = dir.path().join("feed");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let fifo_feed = format!(
        "(sleep 1; cat '{log}'; sleep 300) > '{fifo}' & '{slips}' -f zeek -o '{out}' -G < '{fifo}'; echo SLIPS-EXIT=$?; sleep 120",
        log = dir.path().join("conn.log").display(),
        fifo = fifo.display(),
        slips = env!("CARGO_BIN_EXE_slips"),
        out = out.display()
    );
    // A few Zeek conn.log lines (JSON): a host scanning 30 ports of another.
    let mut lines = String::new();
    for i in 0..30u32 {
        lines.push_str(&format!(
            "{{\"ts\":{},\"uid\":\"C{i}\",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":40000,\"id.resp_h\":\"10.0.0.9\",\"id.resp_p\":{},\"proto\":\"tcp\",\"conn_state\":\"S0\",\"history\":\"S\",\"orig_pkts\":1,\"resp_pkts\":0}}\n",
            1_600_000_000 + i,
            1000 + i
        ));
    }
    std::fs::write(dir.path().join("conn.log"), lines).unwrap();
    let Some(t) = Tmux::start(dir.path(), &fifo_feed) else {
        return;
    };
    let s = t.wait_for("the live records", 60, |s| {
        s.contains("analysing") && s.contains("10.0.0.5")
    });
    assert!(s.contains("flows 30"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("slips to exit", 30, |s| s.contains("SLIPS-EXIT="));
    assert!(s.contains("SLIPS-EXIT=0"), "{s}");
    assert!(s.contains("Analyzed flows: 30."), "{s}");
    assert!(out.join("alerts.json").exists());
}

#[test]
fn gui_is_refused_without_a_terminal_and_with_evaluate() {
    let pcap = capture("horizontal-scan.pcap");
    let o = common::slips()
        .args(["-f", pcap.to_str().unwrap(), "-G"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("-G needs a terminal"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = common::slips()
        .args(["evaluate", "-f", pcap.to_str().unwrap(), "-G"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not work with evaluate"));
}

#[test]
fn browse_a_past_analysis_from_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    common::run_ok(&[
        "-f",
        capture("horizontal-scan.pcap").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let cmd = format!(
        "'{}' -G -d '{}'; echo SLIPS-EXIT=$?; sleep 120",
        env!("CARGO_BIN_EXE_slips"),
        out.join("slips.sqlite").display()
    );
    let Some(t) = Tmux::start(dir.path(), &cmd) else {
        return;
    };
    // The same profiles, evidence and alert as the run showed, without analysing.
    let s = t.wait_for("the saved analysis", 30, |s| {
        s.contains("analysis finished") && s.contains("HORIZONTAL_PORT_SCAN")
    });
    assert!(s.contains("(from ") && s.contains("slips.sqlite)"), "{s}");
    assert!(
        s.contains("profiles 2 (1 alerted)") && s.contains("alerts 1"),
        "{s}"
    );
    assert!(profile_rows(&s)[0].contains("! 10.77.0.10"), "{s}");
    t.keys(&["a", "Enter"]);
    let s = t.wait_for("the expanded alert", 10, |s| s.contains("▾"));
    assert!(s.contains("detected as malicious in time window 1"), "{s}");
    t.keys(&["f", "Down"]);
    let s = t.wait_for("the flows", 10, |s| {
        s.contains("details") && s.contains(":445")
    });
    assert!(s.contains("REJ") || s.contains("S0"), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("slips to exit", 30, |s| s.contains("SLIPS-EXIT="));
    assert!(s.contains("SLIPS-EXIT=0"), "{s}");
    assert!(
        s.contains("Browsed ") && s.contains(" 1 alerts, 2 profiles"),
        "{s}"
    );
}

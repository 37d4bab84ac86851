//! Dataset tests on Slips' own Zeek logs (`../shared/datasets/slips/`): the exact evidence
//! set (checked-in snapshot) and the findings Slips reports on them.

mod common;
use common::*;

#[test]
fn test10_tsv_folder() {
    let Some(input) = dataset("test10-mixed-zeek-dir") else {
        return;
    };
    let (dir, stdout, _) = analyse(&input, &[]);
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    assert_snapshot("test10-mixed-zeek-dir.txt", &snap);
    // What Slips reports: horizontal scans from Zeek's notices, SSH password guessing.
    assert!(snap.contains("HORIZONTAL_PORT_SCAN | profile 147.32.83.156"));
    assert!(snap.contains("horizontal port scan by Zeek engine. 147.32.83.156 scanned at least 25 unique hosts on port 23/tcp"));
    assert!(snap.contains("PASSWORD_GUESSING | profile 222.186.30.112"));
    assert_eq!(
        snap.matches("horizontal port scan by Zeek engine").count(),
        12
    );
    // And our own scan detection on conn.log: 192.0.2.10 probing 1337/tcp on 10 hosts.
    assert!(snap.contains(
        "Horizontal port scan to port 1337/tcp. From 192.0.2.10 to 10 unique destination IPs"
    ));
    assert!(stdout.contains("Total analyzed IPs: "), "{stdout}");
}

#[test]
fn test9_json_folder() {
    let Some(input) = dataset("test9-mixed-zeek-dir") else {
        return;
    };
    let (dir, _, _) = analyse(&input, &["-l"]);
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    assert_snapshot("test9-mixed-zeek-dir.txt", &snap);
    // The ICMP sweeps Zeek noticed: 9 address, 5 timestamp, 4 address-mask notices.
    assert_eq!(snap.matches("ICMP_ADDRESS_SCAN |").count(), 9);
    assert_eq!(snap.matches("ICMP_TIMESTAMP_SCAN |").count(), 5);
    assert_eq!(snap.matches("ICMP_ADDRESS_MASK_SCAN |").count(), 4);
    // -l wrote the per-profile files and Blocked.txt.
    let p = out.join("profiles/10.0.2.15");
    assert!(p.join("ProfileData.txt").exists());
    assert!(p.join("Complete-timeline-outgoing-actions.txt").exists());
    let windows: Vec<_> = std::fs::read_dir(&p)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".timewindow"))
        .collect();
    assert!(!windows.is_empty());
    let tw = std::fs::read_to_string(windows[0].path()).unwrap();
    assert!(tw.contains("OutTuples:"), "{tw}");
    assert!(out.join("Blocked.txt").exists());
    let info = std::fs::read_to_string(out.join("metadata/info.txt")).unwrap();
    assert!(info.contains("Slips end date"), "{info}");
}

#[test]
fn conn_logs_alone() {
    for name in ["test9-mixed-zeek-dir", "test10-mixed-zeek-dir"] {
        let Some(dir) = dataset(name) else { return };
        let (tmp, stdout, _) = analyse(&dir.join("conn.log"), &[]);
        let snap = evidence_snapshot(&tmp.path().join("out"));
        assert_snapshot(&format!("{name}-conn.txt"), &snap);
        assert!(stdout.contains("Total analyzed IPs: "));
    }
}

#[test]
fn two_runs_give_identical_output() {
    let Some(input) = dataset("test10-mixed-zeek-dir") else {
        return;
    };
    let strip = |dir: &tempfile::TempDir| {
        let text = std::fs::read_to_string(dir.path().join("out/alerts.json")).unwrap();
        text.lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("CreateTime");
                v.to_string()
            })
            .collect::<Vec<_>>()
    };
    let (a, _, _) = analyse(&input, &["-w", "300"]);
    let (b, _, _) = analyse(&input, &["-w", "300"]);
    assert_eq!(strip(&a), strip(&b));
    let log =
        |d: &tempfile::TempDir| std::fs::read_to_string(d.path().join("out/alerts.log")).unwrap();
    assert_eq!(log(&a), log(&b));
    assert!(!log(&a).is_empty());
}

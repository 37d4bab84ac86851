//! Packet input, models, evaluation and the other analysis options, end to end.

mod common;
use common::*;
use std::path::Path;

#[test]
fn pcap_test7_telnet_scanning_and_zeek_files_round_trip() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    let (dir, stdout, _) = analyse(&pcap, &[]);
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    assert_snapshot("pcap-test7-malicious.txt", &snap);
    assert!(
        snap.contains("Horizontal port scan to port telnet 23/tcp. From 192.168.2.16"),
        "{snap}"
    );
    assert!(stdout.contains("Total analyzed IPs: "));
    // The records were also written as Zeek logs, and reading them back finds the scan too.
    let zeek = out.join("zeek_files");
    assert!(zeek.join("conn.log").exists());
    let (again, _, _) = analyse(&zeek, &[]);
    let snap2 = evidence_snapshot(&again.path().join("out"));
    assert!(
        snap2.contains("Horizontal port scan to port telnet 23/tcp. From 192.168.2.16"),
        "{snap2}"
    );
}

#[test]
fn zeek_files_as_json() {
    let Some(pcap) = dataset("test8-malicious.pcap") else {
        return;
    };
    let (dir, _, _) = analyse(&pcap, &["--zeek-files-format", "json"]);
    let out = dir.path().join("out");
    let arp = std::fs::read_to_string(out.join("zeek_files/arp.log")).unwrap();
    let first: serde_json::Value = serde_json::from_str(arp.lines().next().unwrap()).unwrap();
    assert_eq!(first["operation"], "request", "{first}");
    // And slips reads them back.
    let (again, _, _) = analyse(&out.join("zeek_files"), &[]);
    assert!(evidence_snapshot(&again.path().join("out")).contains("ARP_SCAN"));
}

#[test]
fn pcap_test8_arp_scan() {
    let Some(pcap) = dataset("test8-malicious.pcap") else {
        return;
    };
    let (dir, _, _) = analyse(&pcap, &[]);
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert_snapshot("pcap-test8-malicious.txt", &snap);
    assert!(snap.contains("ARP_SCAN | profile 192.168.1."), "{snap}");
}

#[test]
fn list_detectors_prints_the_catalogue() {
    let o = run_ok(&["--list-detectors"]);
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/detections.md"
    ))
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), doc);
}

#[test]
fn missing_interface_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = slips()
        .args([
            "-i",
            "nosuchif0",
            "-o",
            dir.path().join("o").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nosuchif0"), "{err}");
}

#[test]
fn stf_models_import_and_detect() {
    let models_src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/slips-data/models-stf");
    let Some(flows) = dataset("test2-malicious.binetflow") else {
        return;
    };
    if !models_src.exists() {
        eprintln!("skipping: {} is absent", models_src.display());
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&models_src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "stfm"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 18);
    let tmp = tempfile::tempdir().unwrap();
    let models = tmp.path().join("models");
    let mut args = vec!["models".to_string(), "import-stf".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.extend(["-o".into(), models.display().to_string()]);
    let o = slips().args(&args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("18 model(s) imported, 0 failed"));
    // Matches are evidence, and -p marks the matched tuples.
    let (dir, stdout, _) = analyse(&flows, &["-m", models.to_str().unwrap(), "-p", "-a", "4"]);
    let snap = evidence_snapshot(&dir.path().join("out"));
    assert!(
        snap.contains("BEHAVIOURAL_MODEL_MATCH | profile 10.8.0.69"),
        "{snap}"
    );
    assert!(
        stdout.contains("DETECTED: Behavioural model match"),
        "{stdout}"
    );
    // Importing something else fails clearly.
    let bad = tmp.path().join("bad.stfm");
    std::fs::write(&bad, b"not a pickle").unwrap();
    let o = slips()
        .args([
            "models",
            "import-stf",
            bad.to_str().unwrap(),
            "-o",
            models.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.stfm"));
}

/// A small labelled binetflow: a normal host browsing and an infected one beaconing to
/// an IRC server, with CTU-style labels.
fn labelled_binetflow(path: &Path) {
    let mut text = String::from(
        "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label\n",
    );
    for i in 0..60u32 {
        let t = 1000 + i * 60;
        let (h, m, sec) = (t / 3600, t / 60 % 60, t % 60);
        text += &format!(
            "2019/04/04 {h:02}:{m:02}:{sec:02}.000000,2.5,tcp,10.0.0.5,{},->,93.184.216.{},443,FSPA_FSPA,0,0,40,52000,2000,18,flow=From-Normal-V42-Browsing\n",
            40000 + i,
            i % 20
        );
        text += &format!(
            "2019/04/04 {h:02}:{m:02}:{:02}.500000,0.05,tcp,10.0.0.66,{},->,185.100.87.{},6667,S_RA,0,0,2,120,60,1,flow=From-Botnet-V42-TCP-CC\n",
            sec,
            50000 + i,
            i % 3
        );
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn evaluate_ml_anonymize_and_letters() {
    let tmp = tempfile::tempdir().unwrap();
    let flows = tmp.path().join("labelled.binetflow");
    labelled_binetflow(&flows);
    // Evaluation against the input's labels (5-minute windows: the infected host's
    // reconnections alert).
    let out = tmp.path().join("eval");
    let o = run_ok(&[
        "evaluate",
        "-f",
        flows.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        "-w",
        "300",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("precision"), "{stdout}");
    assert!(out.join("evaluation.txt").exists());
    // The flow classifier: train, then detect with it.
    let model = tmp.path().join("ml.json");
    run_ok(&[
        "ml",
        "train",
        flows.to_str().unwrap(),
        "-o",
        model.to_str().unwrap(),
    ]);
    assert!(model.exists());
    let (dir, _, _) = analyse(
        &flows,
        &[
            "--ml-model",
            model.to_str().unwrap(),
            "-A",
            "--export-letters",
        ],
    );
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    assert!(snap.contains("MALICIOUS_FLOW"), "{snap}");
    // -A: sources are hashed, the mapping is written.
    let map = std::fs::read_to_string(out.join("anonymized_ips.csv")).unwrap();
    assert!(map.contains("10.0.0.66"), "{map}");
    assert!(!snap.contains("profile 10.0.0.66 "), "{snap}");
    // Letters export.
    let letters = std::fs::read_to_string(out.join("strato_letters.tsv")).unwrap();
    assert!(letters.starts_with("Outtuple\tLetters\n"), "{letters}");
    assert!(letters.lines().count() > 1);
}

#[test]
fn threat_intelligence_and_enrichment_from_local_files() {
    let Some(input) = dataset("test9-mixed-zeek-dir") else {
        return;
    };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/slips-data");
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        format!(
            "enrichment:\n  geoip_country_db: {d}/databases/GeoLite2-Country.mmdb\n  organizations_info: {d}/organizations_info\n\
             threatintelligence:\n  local_threat_intelligence_files: {d}/config/local_ti_files/\n  download_remote_feeds: false\n",
            d = data.display()
        ),
    )
    .unwrap();
    let (dir, _, _) = analyse(&input, &["-c", cfg.to_str().unwrap(), "-l"]);
    let out = dir.path().join("out");
    let snap = evidence_snapshot(&out);
    // Slips' own JA3 file: Trickbot's JA3 from 10.0.2.15, tor's JA3S for 123.33.22.11.
    assert!(snap.contains("MALICIOUS_JA3 | profile 10.0.2.15"), "{snap}");
    assert!(
        snap.contains("MALICIOUS_JA3S | profile 123.33.22.11"),
        "{snap}"
    );
    // Enrichment where users look: alerts.log, alerts.json, profile files.
    let log = std::fs::read_to_string(out.join("alerts.log")).unwrap();
    assert!(
        log.contains("[IP 123.33.22.11: KR, SNI: www.netflix.com]"),
        "{log}"
    );
    let json = std::fs::read_to_string(out.join("alerts.json")).unwrap();
    assert!(
        json.contains("\"Note\":\"KR, SNI: www.netflix.com\""),
        "{json}"
    );
    let profile =
        std::fs::read_to_string(out.join("profiles/123.33.22.11/ProfileData.txt")).unwrap();
    assert!(
        profile.contains("Info: KR, SNI: www.netflix.com"),
        "{profile}"
    );
}

#[test]
fn pcap_through_suricata_engine() {
    let Some(pcap) = dataset("test7-malicious.pcap") else {
        return;
    };
    if !std::process::Command::new("suricata")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("skipping: suricata is not installed (scripts/deps.sh --test installs it)");
        return;
    }
    let (dir, _, _) = analyse(&pcap, &["--engine", "suricata"]);
    let out = dir.path().join("out");
    assert!(out.join("suricata/eve.json").exists());
    let snap = evidence_snapshot(&out);
    assert!(
        snap.contains("Horizontal port scan to port telnet 23/tcp. From 192.168.2.16"),
        "{snap}"
    );
}

/// Connection states per UDP 5-tuple, SSH banners and ARP records of one run.
#[derive(Default)]
struct EngineView {
    udp: std::collections::BTreeMap<(String, u16, String, u16), bool>,
    ssh: Vec<(Option<String>, Option<String>)>,
    arp: usize,
}

fn view(records: impl Iterator<Item = slips_core::Flow>) -> EngineView {
    use slips_core::{Proto, Record};
    let mut v = EngineView::default();
    for f in records {
        match &f.record {
            Record::Conn(c) if c.proto == Some(Proto::Udp) => {
                // The engines cut long UDP exchanges differently (Zeek's 60 s inactivity
                // natively, one flow in Suricata): a 5-tuple is established when one of
                // its flows is.
                if let (Some(s), Some(d)) = (c.saddr, c.daddr) {
                    *v.udp
                        .entry((s.to_string(), c.sport, d.to_string(), c.dport))
                        .or_default() |= c.state.is_established();
                }
            }
            // Suricata's software_version leaves out the banner's comment (`Raspbian-5`).
            Record::Ssh(s) => {
                let banner = |b: &Option<slips_core::Str>| {
                    b.as_deref()
                        .and_then(|x| x.split(' ').next())
                        .map(str::to_string)
                };
                v.ssh.push((banner(&s.client), banner(&s.server)))
            }
            Record::Arp(_) => v.arp += 1,
            _ => {}
        }
    }
    v.ssh.sort();
    v
}

#[test]
fn suricata_engine_gives_what_the_native_engine_gives() {
    if !std::process::Command::new("suricata")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("skipping: suricata is not installed (scripts/deps.sh --test installs it)");
        return;
    }
    for name in ["test7-malicious.pcap", "test8-malicious.pcap"] {
        let Some(pcap) = dataset(name) else {
            return;
        };
        let native = view(slips_packet::PcapSource::open(&pcap).unwrap());
        let (dir, _, _) = analyse(&pcap, &["--engine", "suricata"]);
        let out = dir.path().join("out");
        let mut eve = slips_flows::open(
            &out.join("suricata/eve.json"),
            slips_flows::InputFormat::Suricata,
        )
        .unwrap();
        let suricata = view(std::iter::from_fn(|| eve.next_flow()));
        // UDP: the same established / not established decision for every 5-tuple both
        // engines saw (one-way UDP is not established, whatever Suricata's flow.state).
        let common: Vec<_> = native
            .udp
            .iter()
            .filter_map(|(k, est)| suricata.udp.get(k).map(|s| (k, *est, *s)))
            .collect();
        assert!(!common.is_empty(), "{name}: no common UDP flows");
        let differ: Vec<_> = common.iter().filter(|(_, a, b)| a != b).collect();
        assert!(differ.is_empty(), "{name}: {differ:?}");
        // SSH records with the banners as the native engine writes them.
        assert_eq!(native.ssh, suricata.ssh, "{name}");
        // ARP: Suricata logs none; slips' packet engine reads them from the same pcap.
        assert_eq!(suricata.arp, 0);
        let log = std::fs::read_to_string(out.join("slips.log")).unwrap();
        assert!(
            log.contains(&format!(
                "{} ARP record(s) read by slips' packet engine",
                native.arp
            )),
            "{name}: {log}"
        );
        if name == "test7-malicious.pcap" {
            assert!(native.udp.values().any(|e| !e), "no one-way UDP in {name}");
            assert_eq!(native.ssh.len(), 2, "{:?}", native.ssh);
            assert!(native.arp > 0);
        } else {
            assert!(native.arp > 500, "{}", native.arp);
            let snap = evidence_snapshot(&out);
            assert!(snap.contains("ARP_SCAN | profile 192.168.1."), "{snap}");
        }
    }
}

//! Properties of the generated conn.log, checked by parsing the output.

use slips_gen::conn::{self, ConnConfig, Format, Summary, FIELDS, TYPES};
use std::collections::{HashMap, HashSet};

fn generate(cfg: &ConnConfig) -> (Vec<u8>, Summary) {
    let mut out = Vec::new();
    let summary = conn::generate_conn(cfg, &mut out).expect("generation succeeds");
    (out, summary)
}

fn attack_cfg() -> ConnConfig {
    ConnConfig {
        flows: 60_000,
        hosts: 300,
        seed: 7,
        scanners: 3,
        vscanners: 2,
        beacons: 4,
        duration: 6 * 3600,
        ..ConnConfig::default()
    }
}

/// A parsed TSV record: the 21 fields.
fn records(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
        .collect()
}

fn field(name: &str) -> usize {
    FIELDS
        .split('\t')
        .skip(1)
        .position(|f| f == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for format in [Format::Tsv, Format::Json] {
        let cfg = ConnConfig {
            format,
            ..attack_cfg()
        };
        let (a, sa) = generate(&cfg);
        let (b, sb) = generate(&cfg);
        assert!(a == b, "same seed must give identical bytes ({format:?})");
        assert_eq!(
            serde_json::to_string(&sa).unwrap(),
            serde_json::to_string(&sb).unwrap()
        );
        let (c, _) = generate(&ConnConfig { seed: 8, ..cfg });
        assert!(a != c, "another seed must give other bytes");
    }
}

#[test]
fn tsv_header_and_footer() {
    let cfg = ConnConfig {
        flows: 100,
        start: 1_601_998_366,
        ..ConnConfig::default()
    };
    let (out, _) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#separator \\x09");
    assert_eq!(lines[1], "#set_separator\t,");
    assert_eq!(lines[2], "#empty_field\t(empty)");
    assert_eq!(lines[3], "#unset_field\t-");
    assert_eq!(lines[4], "#path\tconn");
    assert_eq!(lines[5], "#open\t2020-10-06-15-32-46");
    assert_eq!(
        lines[6],
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"
    );
    assert_eq!(lines[6], FIELDS);
    assert_eq!(lines[7], TYPES);
    assert_eq!(lines[7].split('\t').count(), lines[6].split('\t').count());
    assert_eq!(lines.last().unwrap(), &"#close\t2020-10-07-15-32-46");
    assert!(text.ends_with('\n'));
    for l in &lines[8..lines.len() - 1] {
        assert!(!l.starts_with('#'));
        assert_eq!(l.split('\t').count(), 21, "{l}");
    }
}

#[test]
fn line_count_is_flows_plus_headers() {
    for flows in [0u64, 1, 2, 999, 12_345] {
        let cfg = ConnConfig {
            flows,
            ..ConnConfig::default()
        };
        let (out, s) = generate(&cfg);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count() as u64, flows + 9, "TSV, {flows} flows");
        assert_eq!(records(&text).len() as u64, flows);
        assert_eq!(s.flows, flows);
        let (out, _) = generate(&ConnConfig {
            format: Format::Json,
            ..cfg
        });
        assert_eq!(out.split(|&b| b == b'\n').count() as u64 - 1, flows, "JSON");
    }
    let cfg = attack_cfg();
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(records(&text).len() as u64, cfg.flows);
    assert_eq!(s.background_flows + s.attack_flows, cfg.flows);
    assert_eq!(s.tcp + s.udp + s.icmp, cfg.flows);
}

#[test]
fn records_are_well_formed_and_time_ordered() {
    let cfg = attack_cfg();
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    let (ts, uid, state, proto) = (
        field("ts"),
        field("uid"),
        field("conn_state"),
        field("proto"),
    );
    let start = cfg.start as f64;
    let end = (cfg.start + cfg.duration) as f64;
    let mut prev = start;
    let mut uids = HashSet::new();
    for r in records(&text) {
        let t: f64 = r[ts].parse().unwrap();
        assert!(t >= prev, "timestamps must not decrease: {t} after {prev}");
        assert!(t <= end);
        prev = t;
        assert_eq!(r[ts].split('.').nth(1).unwrap().len(), 6);
        let u = r[uid];
        assert!(u.len() == 18 && u.starts_with('C'), "{u}");
        assert!(u.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(uids.insert(u.to_string()), "duplicate uid {u}");
        assert!(["SF", "S0", "REJ", "RSTO", "OTH"].contains(&r[state]));
        assert!(["tcp", "udp", "icmp"].contains(&r[proto]));
        for name in [
            "id.orig_p",
            "id.resp_p",
            "orig_pkts",
            "orig_ip_bytes",
            "resp_pkts",
        ] {
            r[field(name)].parse::<u64>().unwrap();
        }
    }
    assert!(s.first_ts >= start);
    assert_eq!(s.last_ts, prev);
}

#[test]
fn realistic_mix() {
    let cfg = ConnConfig {
        flows: 100_000,
        hosts: 500,
        ..ConnConfig::default()
    };
    let (out, _) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    let mut count: HashMap<String, f64> = HashMap::new();
    let n = cfg.flows as f64;
    for r in records(&text) {
        let key = format!(
            "{}/{}/{}",
            r[field("proto")],
            r[field("conn_state")],
            r[field("service")]
        );
        *count.entry(key).or_default() += 1.0 / n;
    }
    let share = |prefix: &str| -> f64 {
        count
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v)
            .sum()
    };
    let near = |x: f64, want: f64| (x - want).abs() < 0.02;
    assert!(near(share("tcp/SF/"), 0.60), "{count:?}");
    assert!(share("tcp/SF/ssl") > share("tcp/SF/http"));
    assert!(
        near(share("udp/SF/dns") + share("udp/S0/dns"), 0.25),
        "{count:?}"
    );
    assert!(near(share("tcp/S0/"), 0.04), "{count:?}");
    assert!(near(share("tcp/REJ/"), 0.03), "{count:?}");
    assert!(near(share("tcp/RSTO/"), 0.03), "{count:?}");
    assert!(near(share("icmp/OTH/"), 0.03), "{count:?}");
    // Every DNS flow goes to the resolver.
    for r in records(&text) {
        if r[field("service")] == "dns" {
            assert_eq!(r[field("id.resp_h")], "10.0.0.53");
            assert_eq!(r[field("id.resp_p")], "53");
        }
    }
}

/// Distinct destination IPs of not-established flows per (src, dport).
fn failed_dsts_by_src_port(text: &str) -> HashMap<(String, String), HashSet<String>> {
    let mut m: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for r in records(text) {
        if ["S0", "REJ"].contains(&r[field("conn_state")]) && r[field("proto")] == "tcp" {
            m.entry((r[field("id.orig_h")].into(), r[field("id.resp_p")].into()))
                .or_default()
                .insert(r[field("id.resp_h")].into());
        }
    }
    m
}

#[test]
fn horizontal_scanners_have_the_stated_distinct_destinations() {
    let cfg = attack_cfg();
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(s.horizontal_scanners.len(), 3);
    let failed = failed_dsts_by_src_port(&text);
    for h in &s.horizontal_scanners {
        assert!(conn::HSCAN_PORTS.contains(&h.dport));
        assert!((200..=500).contains(&h.targets), "hundreds of targets");
        let dsts = &failed[&(h.src.to_string(), h.dport.to_string())];
        assert_eq!(dsts.len() as u32, h.targets, "{h:?}");
        // The scan's flows are exactly its stated flows, all not established.
        let flows = records(&text)
            .iter()
            .filter(|r| {
                r[field("id.orig_h")] == h.src.to_string()
                    && r[field("id.resp_p")] == h.dport.to_string()
                    && ["S0", "REJ"].contains(&r[field("conn_state")])
                    && dsts.contains(r[field("id.resp_h")])
            })
            .count();
        assert!(flows as u64 >= h.flows);
        // Within one hour (one Slips time window).
        assert!(h.last_ts - h.first_ts < 3600.0);
    }
    // Nobody else looks like a horizontal scanner (> 5 failed destinations on one port).
    let scanners: HashSet<(String, String)> = s
        .horizontal_scanners
        .iter()
        .map(|h| (h.src.to_string(), h.dport.to_string()))
        .collect();
    for (key, dsts) in &failed {
        if !scanners.contains(key) {
            assert!(dsts.len() <= 5, "{key:?} has {} failed dsts", dsts.len());
        }
    }
}

#[test]
fn vertical_scanners_have_the_stated_distinct_ports() {
    let cfg = ConnConfig {
        scan_size: Some(321),
        ..attack_cfg()
    };
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(s.vertical_scanners.len(), 2);
    for v in &s.vertical_scanners {
        assert_eq!(v.ports, 321);
        assert_ne!(v.src, v.dst);
        let ports: HashSet<&str> = records(&text)
            .into_iter()
            .filter(|r| {
                r[field("id.orig_h")] == v.src.to_string()
                    && r[field("id.resp_h")] == v.dst.to_string()
                    && ["S0", "REJ"].contains(&r[field("conn_state")])
            })
            .map(|r| r[field("id.resp_p")])
            .collect();
        assert_eq!(ports.len(), 321, "{v:?}");
    }
    for h in &s.horizontal_scanners {
        assert_eq!(h.targets, 321);
    }
}

#[test]
fn beacons_are_periodic_with_similar_sizes() {
    let cfg = attack_cfg();
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(s.beacons.len(), 4);
    for b in &s.beacons {
        let flows: Vec<Vec<&str>> = records(&text)
            .into_iter()
            .filter(|r| {
                r[field("id.orig_h")] == b.src.to_string()
                    && r[field("id.resp_h")] == b.dst.to_string()
                    && r[field("id.resp_p")] == b.dport.to_string()
            })
            .collect();
        assert_eq!(flows.len() as u64, b.flows, "{b:?}");
        // ~ duration / interval flows.
        let expected = cfg.duration / cfg.beacon_interval;
        assert!(b.flows.abs_diff(expected) <= expected / 10, "{b:?}");
        let ts: Vec<f64> = flows.iter().map(|r| r[0].parse().unwrap()).collect();
        for w in ts.windows(2) {
            let gap = w[1] - w[0];
            assert!((54.0..=66.0).contains(&gap), "gap {gap}");
        }
        let sizes: Vec<f64> = flows
            .iter()
            .map(|r| r[field("orig_bytes")].parse().unwrap())
            .collect();
        let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
        assert!(sizes.iter().all(|x| (x - mean).abs() <= mean * 0.07));
        assert!(flows.iter().all(|r| r[field("conn_state")] == "SF"));
    }
}

#[test]
fn json_lines_parse_and_omit_unset_fields() {
    let cfg = ConnConfig {
        format: Format::Json,
        ..attack_cfg()
    };
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    let (tsv, _) = generate(&ConnConfig {
        format: Format::Tsv,
        ..cfg.clone()
    });
    let tsv = String::from_utf8(tsv).unwrap();
    let mut n = 0;
    for (line, rec) in text.lines().zip(records(&tsv)) {
        let v: serde_json::Value = serde_json::from_str(line).expect(line);
        let o = v.as_object().unwrap();
        // Same records in both formats.
        assert_eq!(o["uid"], rec[field("uid")]);
        assert_eq!(o["id.orig_h"], rec[field("id.orig_h")]);
        assert_eq!(
            o["id.resp_p"].as_u64().unwrap().to_string(),
            rec[field("id.resp_p")]
        );
        assert_eq!(format!("{:.6}", o["ts"].as_f64().unwrap()), rec[0]);
        for (name, val) in o {
            assert!(
                FIELDS.split('\t').any(|f| f == name),
                "unknown field {name}"
            );
            assert!(!val.is_null());
        }
        for name in ["service", "duration", "orig_bytes", "resp_bytes", "history"] {
            assert_eq!(
                o.contains_key(name),
                rec[field(name)] != "-",
                "{name} in {line}"
            );
        }
        n += 1;
    }
    assert_eq!(n, s.flows);
}

#[test]
fn impossible_configurations_are_refused() {
    let too_many_attacks = ConnConfig {
        flows: 1000,
        beacons: 2,
        ..ConnConfig::default()
    };
    let err = conn::generate_conn(&too_many_attacks, Vec::new()).unwrap_err();
    assert!(err.to_string().contains("attacks need"), "{err}");
    let too_few_hosts = ConnConfig {
        hosts: 3,
        scanners: 2,
        beacons: 2,
        ..ConnConfig::default()
    };
    assert!(conn::generate_conn(&too_few_hosts, Vec::new()).is_err());
    let no_hosts = ConnConfig {
        hosts: 0,
        ..ConnConfig::default()
    };
    assert!(conn::generate_conn(&no_hosts, Vec::new()).is_err());
}

#[test]
fn short_logs_keep_attacks_inside_the_duration() {
    let cfg = ConnConfig {
        flows: 2_000,
        hosts: 20,
        duration: 60,
        scanners: 1,
        vscanners: 1,
        beacons: 1,
        beacon_interval: 10,
        scan_size: Some(300),
        ..ConnConfig::default()
    };
    let (out, s) = generate(&cfg);
    let text = String::from_utf8(out).unwrap();
    let end = (cfg.start + cfg.duration) as f64;
    for r in records(&text) {
        let t: f64 = r[0].parse().unwrap();
        assert!(t >= cfg.start as f64 && t <= end);
    }
    assert_eq!(s.horizontal_scanners[0].targets, 300);
    assert!(s.beacons[0].flows >= 5);
}

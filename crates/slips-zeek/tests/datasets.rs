//! Reads Slips' own Zeek datasets (test9: JSON logs, test10: TSV logs) when they are present
//! beside the repository (`../shared/datasets/slips`); skipped with a message otherwise.

use slips_core::{Flow, Record, RecordKind};
use slips_zeek::{Format, ZeekReader};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DATASETS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/slips"
);

fn dataset(name: &str) -> Option<PathBuf> {
    let p = Path::new(DATASETS).join(name);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: dataset {} is absent", p.display());
        None
    }
}

fn counts(flows: &[Flow]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for f in flows {
        *m.entry(f.record.kind().log_name()).or_insert(0) += 1;
    }
    m
}

/// The k-way merge only goes back in time between two consecutive records of one file
/// (here: one kind per file), and keeps each file's own order.
fn check_merge(dir: &Path, flows: &[Flow]) {
    for w in flows.windows(2) {
        if w[1].record.ts() < w[0].record.ts() {
            assert_eq!(
                w[0].record.kind(),
                w[1].record.kind(),
                "merge went back in time across files: {:?} then {:?}",
                w[0].record,
                w[1].record
            );
        }
    }
    for kind in RecordKind::ALL {
        let file = dir.join(format!("{}.log", kind.log_name()));
        if !file.exists() {
            continue;
        }
        let alone: Vec<Flow> = ZeekReader::open(&file).unwrap().collect();
        let merged: Vec<&Flow> = flows.iter().filter(|f| f.record.kind() == kind).collect();
        assert_eq!(alone.len(), merged.len(), "{kind:?}");
        assert!(
            alone.iter().zip(merged).all(|(a, m)| a == m),
            "{kind:?} order"
        );
    }
}

fn skipped_names(r: &ZeekReader) -> Vec<String> {
    r.stats()
        .skipped_files
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn test9_mixed_zeek_dir_json() {
    let Some(dir) = dataset("test9-mixed-zeek-dir") else {
        return;
    };
    let mut r = ZeekReader::open(&dir).unwrap();
    let flows: Vec<Flow> = r.by_ref().collect();
    assert!(
        r.problems().is_empty(),
        "{:?}",
        &r.problems()[..r.problems().len().min(5)]
    );
    let expected: BTreeMap<&str, usize> = [
        ("arp", 2),
        ("conn", 576),
        ("dhcp", 5),
        ("dns", 239),
        ("files", 936),
        ("http", 516),
        ("notice", 18),
        ("smtp", 5),
        ("software", 3),
        ("ssl", 205),
        ("x509", 154),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts(&flows), expected);
    assert_eq!(
        skipped_names(&r),
        ["loaded_scripts.log", "packet_filter.log", "pe.log"]
    );
    let s = r.stats();
    assert_eq!(s.total.records as usize, flows.len());
    assert_eq!(s.total.malformed, 0);
    assert_eq!(s.total.repaired, 0);
    assert!(s.files.iter().all(|f| f.format == Some(Format::Json)));
    assert_eq!(r.bytes_read(), r.total_bytes());
    check_merge(&dir, &flows);

    // A few facts the detectors rely on.
    let ja3 = flows.iter().find_map(|f| match &f.record {
        Record::Ssl(s) if s.ja3.as_deref() == Some("6734f37431670b3ab4292b8f60f29984") => Some(s),
        _ => None,
    });
    assert_eq!(ja3.unwrap().id.unwrap().saddr.to_string(), "10.0.2.15");
    let versions: Vec<(Option<u32>, Option<u32>)> = flows
        .iter()
        .filter_map(|f| match &f.record {
            Record::Software(s) => Some((s.version_major, s.version_minor)),
            _ => None,
        })
        .collect();
    assert_eq!(
        versions,
        [(Some(8), Some(1)), (Some(9), Some(1)), (Some(2), Some(6))]
    );
    let arp_ops: Vec<slips_core::ArpOp> = flows
        .iter()
        .filter_map(|f| match &f.record {
            Record::Arp(a) => Some(a.operation),
            _ => None,
        })
        .collect();
    assert_eq!(
        arp_ops,
        [slips_core::ArpOp::Request, slips_core::ArpOp::Reply]
    );
    let with_mac = flows
        .iter()
        .filter(|f| matches!(&f.record, Record::Conn(c) if c.smac.is_some()))
        .count();
    assert_eq!(with_mac, 1);
}

#[test]
fn test10_mixed_zeek_dir_tsv() {
    let Some(dir) = dataset("test10-mixed-zeek-dir") else {
        return;
    };
    let mut r = ZeekReader::open(&dir).unwrap();
    let flows: Vec<Flow> = r.by_ref().collect();
    assert!(r.problems().is_empty(), "{:?}", r.problems());
    // conn.log has 141 data lines (150 lines: 8 header lines, `#close`); the README's
    // "conn 142" counts its lines minus the header.
    let expected: BTreeMap<&str, usize> = [
        ("conn", 141),
        ("dns", 93),
        ("files", 6),
        ("notice", 13),
        ("ssl", 13),
        ("weird", 2),
        ("x509", 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts(&flows), expected);
    assert_eq!(
        skipped_names(&r),
        [
            "capture_loss.log",
            "loaded_scripts.log",
            "packet_filter.log",
            "reporter.log"
        ]
    );
    let s = r.stats();
    assert_eq!(s.total.malformed, 0);
    // notice.log's SSH::Password_Guessing line has spaces instead of some tabs.
    assert_eq!(s.total.repaired, 1);
    assert!(s.files.iter().all(|f| f.format == Some(Format::Tsv)));
    assert_eq!(r.bytes_read(), r.total_bytes());
    check_merge(&dir, &flows);

    let notices: Vec<(&str, Option<String>, Option<u16>)> = flows
        .iter()
        .filter_map(|f| match &f.record {
            Record::Notice(n) => Some((n.note.as_str(), n.src.map(|i| i.to_string()), n.p)),
            _ => None,
        })
        .collect();
    assert_eq!(
        notices
            .iter()
            .filter(|n| n.0 == "Scan::Address_Scan" && n.1.as_deref() == Some("147.32.83.156"))
            .count(),
        12
    );
    assert!(notices.contains(&(
        "SSH::Password_Guessing",
        Some("222.186.30.112".to_owned()),
        None
    )));
    // ssl: sets and (empty).
    let chains: Vec<usize> = flows
        .iter()
        .filter_map(|f| match &f.record {
            Record::Ssl(s) if s.server_name.as_deref() == Some("virtual.secai.com") => {
                Some(s.cert_chain.len())
            }
            _ => None,
        })
        .collect();
    assert!(chains.contains(&2), "{chains:?}");
}

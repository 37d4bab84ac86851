//! Dataset test: Slips' test9-mixed-zeek-dir through the engine with the threat-intelligence
//! detector, Slips' own local IoC files, a local feed and whitelists loaded by `Intel::load`.

use slips_config::Config;
use slips_core::{Evidence, EvidenceType, Side, ThreatLevel};
use slips_engine::{Engine, EngineConfig, Event};
use slips_intel::{Intel, LoadOptions};
use std::path::{Path, PathBuf};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared");

fn shared(p: &str) -> Option<PathBuf> {
    let path = Path::new(SHARED).join(p);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

/// A configuration reading only what the test names (no GeoIP, no OUI, no remote feeds).
fn config(dir: &Path, local_ti: &Path, whitelist: Option<&str>) -> Config {
    std::fs::write(
        dir.join("TI_feeds.csv"),
        "# test feeds\n./test_feed.txt,high, ['test']\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("test_feed.txt"),
        "# IPs and domains of the capture\n185.33.223.203\nmsftncsi.com\n195.113.232.75\nedgesuite.net\n",
    )
    .unwrap();
    let mut cfg = Config::default();
    let ti = &mut cfg.threat_intelligence;
    ti.ti_files = dir.join("TI_feeds.csv");
    ti.ja3_feeds = PathBuf::new();
    ti.ssl_feeds = PathBuf::new();
    ti.local_threat_intelligence_files = local_ti.to_owned();
    ti.download_path_for_remote_threat_intelligence = dir.join("cache");
    cfg.enrichment.geoip_country_db = PathBuf::new();
    cfg.enrichment.geoip_asn_db = PathBuf::new();
    cfg.enrichment.mac_vendors_db = PathBuf::new();
    cfg.enrichment.organizations_info = PathBuf::new();
    match whitelist {
        Some(w) => {
            std::fs::write(dir.join("whitelist.conf"), w).unwrap();
            cfg.whitelists.local_whitelist_path = dir.join("whitelist.conf");
        }
        None => cfg.whitelists.enable_local_whitelist = false,
    }
    cfg
}

fn run(cfg: &Config, dir: &Path, logs: &Path) -> Vec<Evidence> {
    let intel = Intel::load_with(
        cfg,
        dir,
        LoadOptions {
            start_refresher: false,
            ..Default::default()
        },
    )
    .unwrap();
    // Slips' own JARM file has one hash of 56 digits: reported and skipped.
    let problems: Vec<String> = intel
        .problems()
        .kept
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        vec!["own_malicious_JARM.csv line 22: not a JARM hash (62 hex digits)"]
    );
    let entry = slips_detectors::REGISTRY
        .iter()
        .find(|e| e.name == "threat_intelligence")
        .unwrap();
    let det = entry.build(cfg, &intel.resources());
    let mut eng = Engine::new(
        EngineConfig {
            threshold: f64::INFINITY,
            ..Default::default()
        },
        vec![det],
    );
    if let Some(f) = intel.filter() {
        eng = eng.with_filter(f);
    }
    let mut reader = slips_zeek::ZeekReader::open(logs).unwrap();
    for flow in reader.by_ref() {
        eng.process(&flow);
    }
    eng.finish();
    eng.drain_events()
        .filter_map(|e| match e {
            Event::Evidence(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

/// (type, attacker, side, victim, level, confidence, description)
type Row = (EvidenceType, String, Side, String, ThreatLevel, f64, String);

fn rows(ev: &[Evidence]) -> Vec<Row> {
    ev.iter()
        .map(|e| {
            (
                e.evidence_type,
                e.attacker.value.to_string(),
                e.attacker.side,
                e.victim
                    .as_ref()
                    .map(|v| v.value.to_string())
                    .unwrap_or_default(),
                e.threat_level,
                e.confidence,
                e.description.clone(),
            )
        })
        .collect()
}

fn row(t: EvidenceType, a: &str, s: Side, v: &str, l: ThreatLevel, c: f64, d: &str) -> Row {
    (t, a.into(), s, v.into(), l, c, d.into())
}

#[test]
fn test9_ja3_ja3s_blacklisted_ip_domain_and_dns_answers() {
    let (Some(logs), Some(local_ti)) = (
        shared("datasets/slips/test9-mixed-zeek-dir"),
        shared("slips-data/config/local_ti_files"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &local_ti, None);
    let ev = run(&cfg, dir.path(), &logs);
    let got = rows(&ev);
    let has = |r: Row| {
        assert!(
            got.contains(&r),
            "missing {r:?}\nall evidence:\n{}",
            got.iter().map(|g| format!("{g:?}\n")).collect::<String>()
        )
    };
    use EvidenceType as T;
    use ThreatLevel as L;
    // Slips' own JA3 file: Trickbot from 10.0.2.15 and the tor client JA3S of 123.33.22.11.
    has(row(T::MALICIOUS_JA3, "10.0.2.15", Side::Src, "22.22.33.22", L::High, 1.0,
        "Malicious JA3: 6734f37431670b3ab4292b8f60f29984 from source address 10.0.2.15 to 22.22.33.22. Description: Trickbot Malware. Source: own_malicious_JA3.csv. Tags: local TI file."));
    let ja3s = "Malicious JA3s: (possible C&C server): e7d705a3286e19ea42f587b344ee6865 to server 123.33.22.11. Description: Standard tor client. Source: own_malicious_JA3.csv. Tags: local TI file.";
    has(row(
        T::MALICIOUS_JA3S,
        "123.33.22.11",
        Side::Dst,
        "10.0.2.15",
        L::Medium,
        1.0,
        ja3s,
    ));
    has(row(
        T::MALICIOUS_JA3S,
        "10.0.2.15",
        Side::Src,
        "123.33.22.11",
        L::Low,
        1.0,
        ja3s,
    ));
    // The local feed: an IP, a domain (matched on a parent), an answer IP and a CNAME.
    let ip = "connection to blacklisted IP: 185.33.223.203 from 10.0.2.15. Source: test_feed.txt. Tags: test.";
    has(row(
        T::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
        "185.33.223.203",
        Side::Dst,
        "10.0.2.15",
        L::High,
        1.0,
        ip,
    ));
    has(row(
        T::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
        "10.0.2.15",
        Side::Src,
        "185.33.223.203",
        L::Low,
        1.0,
        ip,
    ));
    let dom =
        "connection to a blacklisted domain www.msftncsi.com. Source: test_feed.txt. Tags: test.";
    has(row(
        T::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
        "www.msftncsi.com",
        Side::Dst,
        "10.0.2.15",
        L::High,
        0.7,
        dom,
    ));
    has(row(
        T::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
        "10.0.2.15",
        Side::Src,
        "www.msftncsi.com",
        L::High,
        0.7,
        dom,
    ));
    has(row(T::THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY, "195.113.232.73", Side::Dst, "10.0.2.15", L::High, 0.7,
        "DNS answer of a blacklisted query. Query: www.msftncsi.com Answer: 195.113.232.73. Source: test_feed.txt. Tags: test."));
    has(row(T::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER, "10.0.2.15", Side::Src, "195.113.232.75", L::High, 1.0,
        "DNS answer with a blacklisted IP: 195.113.232.75 for query: www.msftncsi.com. Source: test_feed.txt. Tags: test."));
    has(row(T::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER, "10.0.2.15", Side::Src, "www.msftncsi.com.edgesuite.net", L::High, 0.7,
        "DNS answer with a blacklisted CNAME: www.msftncsi.com.edgesuite.net for query: www.msftncsi.com. Source: test_feed.txt. Tags: test."));
    // Once per profile and window: one TO_BLACKLISTED_IP pair although there are 3 flows.
    assert_eq!(
        ev.iter()
            .filter(
                |e| e.evidence_type == T::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP
                    && e.victim
                        .as_ref()
                        .is_some_and(|v| v.value == "185.33.223.203")
            )
            .count(),
        1
    );
    // Deterministic.
    assert_eq!(rows(&run(&cfg, dir.path(), &logs)), got);
}

#[test]
fn test9_with_whitelists() {
    let (Some(logs), Some(local_ti)) = (
        shared("datasets/slips/test9-mixed-zeek-dir"),
        shared("slips-data/config/local_ti_files"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The blacklisted IP is whitelisted for alerts as a destination; the domain for flows.
    let cfg = config(
        dir.path(),
        &local_ti,
        Some("\"IoCType\",\"IoCValue\",\"Direction\",\"IgnoreType\"\nip,185.33.223.203,dst,alerts\ndomain,msftncsi.com,dst,flows\nip,123.33.22.11,src,alerts\n"),
    );
    let ev = run(&cfg, dir.path(), &logs);
    let types_for = |needle: &str| {
        ev.iter()
            .filter(|e| {
                e.attacker.value.contains(needle)
                    || e.victim.as_ref().is_some_and(|v| v.value.contains(needle))
            })
            .map(|e| e.evidence_type)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        types_for("185.33.223.203"),
        vec![],
        "whitelisted for alerts"
    );
    assert_eq!(
        types_for("msftncsi"),
        vec![],
        "DNS flows of the domain dropped"
    );
    assert!(
        !ev.iter()
            .any(|e| e.evidence_type
                == EvidenceType::THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY),
        "its answers too"
    );
    // 123.33.22.11 is whitelisted only as a source: the JA3S evidence stays.
    assert_eq!(
        types_for("123.33.22.11"),
        vec![EvidenceType::MALICIOUS_JA3S, EvidenceType::MALICIOUS_JA3S]
    );
    assert!(ev
        .iter()
        .any(|e| e.evidence_type == EvidenceType::MALICIOUS_JA3));
}

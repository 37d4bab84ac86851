//! Tests of `Intel::load`: remote feeds through a local HTTP server (download, conditional
//! refresh, atomic swap, failure keeping the cache, offline start from the cache, the
//! background refresher) and the assembled resources and filter.

use super::*;
use crate::remote::testserver;
use slips_detectors::knowledge::{Fingerprint, IocLookup};
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn offline_config(dir: &Path) -> Config {
    let mut cfg = Config::default();
    let ti = &mut cfg.threat_intelligence;
    ti.ti_files = dir.join("TI_feeds.csv");
    ti.ja3_feeds = dir.join("JA3_feeds.csv");
    ti.ssl_feeds = PathBuf::new();
    ti.local_threat_intelligence_files = dir.join("local");
    ti.download_path_for_remote_threat_intelligence = dir.join("cache");
    cfg.enrichment.geoip_country_db = PathBuf::new();
    cfg.enrichment.geoip_asn_db = PathBuf::new();
    cfg.enrichment.mac_vendors_db = PathBuf::new();
    cfg.enrichment.organizations_info = PathBuf::new();
    cfg.whitelists.enable_local_whitelist = false;
    cfg
}

fn no_refresher() -> LoadOptions {
    LoadOptions {
        start_refresher: false,
        download_timeout: Duration::from_secs(5),
        ..LoadOptions::default()
    }
}

#[test]
fn remote_feed_download_refresh_failure_and_offline_start() {
    let srv = testserver::start("/lists/ipsum.txt", "# ipsum\n45.148.10.81\t9\n", "\"a\"");
    let ja3 = testserver::start(
        "/blacklist/ja3_fingerprints.csv",
        "# ja3_md5,Firstseen,Lastseen,Listingreason\n6734f37431670b3ab4292b8f60f29984,2017-07-14,2019-07-15,Trickbot\n",
        "\"j\"",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("TI_feeds.csv"),
        format!("{},medium, ['honeypot']\n", srv.url),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("JA3_feeds.csv"),
        format!("{},high,['malicious']\n", ja3.url),
    )
    .unwrap();
    let cfg = offline_config(dir.path());

    // Nothing cached yet: loads empty, without touching the network.
    let intel = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap();
    assert!(srv.state.lock().unwrap().requests.is_empty());
    assert_eq!(intel.feeds().len(), 2);
    assert!(intel.lookup().ip(ip("45.148.10.81")).is_none());

    // Download: both updated, database swapped.
    let r = intel.refresh_now();
    assert_eq!(
        r,
        RefreshReport {
            updated: 2,
            swapped: true,
            ..Default::default()
        }
    );
    let hit = intel.lookup().ip(ip("45.148.10.81")).unwrap();
    assert_eq!(hit.source, "ipsum.txt");
    assert_eq!(hit.tags, "honeypot");
    assert_eq!(hit.threat_level, slips_core::ThreatLevel::Medium);
    let j = intel
        .lookup()
        .fingerprint(Fingerprint::Ja3, "6734f37431670b3ab4292b8f60f29984")
        .unwrap();
    assert_eq!(j.description, "Trickbot");
    assert_eq!(j.threat_level, slips_core::ThreatLevel::High);
    let generation = intel.lookup().generation();

    // Unchanged: 304, no swap.
    let r = intel.refresh_now();
    assert_eq!(r.not_modified, 2);
    assert!(!r.swapped);
    assert_eq!(intel.lookup().generation(), generation);

    // The feed changes: new content swapped in.
    {
        let mut s = srv.state.lock().unwrap();
        s.body = "193.42.33.7\t3\n".into();
        s.etag = "\"b\"".into();
    }
    let r = intel.refresh_now();
    assert_eq!((r.updated, r.not_modified, r.swapped), (1, 1, true));
    assert!(intel.lookup().ip(ip("45.148.10.81")).is_none());
    assert!(intel.lookup().ip(ip("193.42.33.7")).is_some());

    // The server fails: the cached copy stays in use.
    srv.state.lock().unwrap().fail = true;
    let r = intel.refresh_now();
    assert_eq!((r.failed, r.swapped), (1, false));
    assert!(intel.lookup().ip(ip("193.42.33.7")).is_some());

    // A new start while the server is down uses the cache.
    let again = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap();
    assert!(again.lookup().ip(ip("193.42.33.7")).is_some());
    assert!(again
        .lookup()
        .fingerprint(Fingerprint::Ja3, "6734f37431670b3ab4292b8f60f29984")
        .is_some());
}

#[test]
fn background_refresher_swaps_without_blocking_load() {
    let srv = testserver::start("/feed.txt", "evil.example.com\n", "\"x\"");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("TI_feeds.csv"),
        format!("{},high, ['malware']\n", srv.url),
    )
    .unwrap();
    let cfg = offline_config(dir.path());
    let mut intel = Intel::load_with(
        &cfg,
        dir.path(),
        LoadOptions {
            start_refresher: true,
            download_timeout: Duration::from_secs(5),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert!(intel.refresher_running());
    let t0 = std::time::Instant::now();
    while intel.lookup().generation() == 0 && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(intel.lookup().generation(), 1);
    let (hit, parent) = intel.lookup().domain("www.evil.example.com").unwrap();
    assert!(parent);
    assert_eq!(hit.source, "feed.txt");
    intel.stop_refresher();
    assert!(!intel.refresher_running());

    // Downloads switched off: no thread.
    let mut cfg2 = cfg.clone();
    cfg2.threat_intelligence.download_remote_feeds = false;
    let i2 = Intel::load(&cfg2, dir.path()).unwrap();
    assert!(!i2.refresher_running());
}

#[test]
fn local_files_whitelist_resources_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    std::fs::write(
        local.join("own_malicious_iocs.csv"),
        "# IoC, level, description\n23.253.126.58,high,Simda CC\n10.0.0.0/8,high,private range ignored\nbad line\n",
    )
    .unwrap();
    std::fs::write(
        local.join("own_malicious_JA3.csv"),
        "\"6734f37431670b3ab4292b8f60f29984\", \"high\", \"Trickbot Malware\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("TI_feeds.csv"), "./missing.txt,low,[]\n").unwrap();
    std::fs::write(dir.path().join("tor.txt"), "185.220.101.1\n").unwrap();
    std::fs::write(dir.path().join("wl.conf"), "ip,23.253.126.58,both,alerts\n").unwrap();
    let mut cfg = offline_config(dir.path());
    cfg.enrichment.tor_exit_nodes = PathBuf::from("tor.txt");
    cfg.whitelists.enable_local_whitelist = true;
    cfg.whitelists.local_whitelist_path = PathBuf::from("wl.conf");
    let intel = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap();
    let problems: Vec<String> = intel
        .problems()
        .kept
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        problems[0],
        "missing.txt: cannot read ".to_owned()
            + &dir.path().join("./missing.txt").display().to_string()
            + ": No such file or directory (os error 2)"
    );
    assert_eq!(
        problems[1],
        "own_malicious_iocs.csv line 4: not an IP, range, domain, URL, ASN or hash: \"bad line\""
    );
    let c = intel.lookup().snapshot().counts().clone();
    assert_eq!((c.ips, c.ranges, c.ja3), (1, 0, 1), "private range dropped");
    let res = intel.resources();
    let k = &res.knowledge;
    assert!(k.is_tor_exit_node(ip("185.220.101.1")));
    let i = k.intel().unwrap().ip(ip("23.253.126.58")).unwrap();
    assert_eq!(i.description, "Simda CC");
    assert_eq!(i.tags, "local TI file");
    let f = intel.filter().unwrap();
    let ev = EvidenceDraft::new(
        slips_core::EvidenceType::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
        ip("23.253.126.58"),
        slips_core::Side::Dst,
        slips_core::ThreatLevel::High,
        1.0,
        slips_core::Timestamp::ZERO,
        "x".into(),
    );
    assert!(f.skip_evidence(&ev));
}

#[test]
fn unreadable_configured_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = offline_config(dir.path());
    // A folder where a file is expected.
    std::fs::create_dir(dir.path().join("TI_feeds.csv")).unwrap();
    cfg.threat_intelligence.ti_files = dir.path().join("TI_feeds.csv");
    let e = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap_err();
    assert!(e.to_string().starts_with("cannot read "), "{e}");
    // Missing files are not errors.
    let mut cfg = offline_config(dir.path());
    cfg.threat_intelligence.ti_files = dir.path().join("nope.csv");
    cfg.whitelists.enable_local_whitelist = true;
    cfg.whitelists.local_whitelist_path = dir.path().join("nope.conf");
    let i = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap();
    assert!(i.filter().is_none());
    assert_eq!(i.lookup().snapshot().counts().total(), 0);
}

#[test]
fn default_configuration_whitelists_organisations_with_builtin_data() {
    use crate::whitelist::Ignore;
    use slips_core::Side;
    // Slips' default whitelist path, absent here: the built-in whitelist and organisation
    // data are used, whatever the folder.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = offline_config(dir.path());
    cfg.whitelists = Config::default().whitelists;
    assert!(cfg.whitelists.enable_local_whitelist);
    let intel = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap();
    let w = intel.whitelist().expect("built-in whitelist");
    assert_eq!(w.len(), 4);
    assert!(w.ip(ip("8.8.8.8"), Side::Dst, Ignore::Alerts));
    assert!(w.ip(ip("157.240.1.35"), Side::Src, Ignore::Alerts));
    assert!(w.domain("www.google.com", Side::Dst, Ignore::Alerts));
    assert!(w.domain("login.live.com", Side::Dst, Ignore::Alerts));
    // Organisations are whitelisted for alerts, not flows.
    assert!(!w.ip(ip("8.8.8.8"), Side::Dst, Ignore::Flows));
    assert!(!w.ip(ip("192.0.2.1"), Side::Dst, Ignore::Alerts));
    // A whitelist path of one's own that does not exist: nothing (and a warning).
    cfg.whitelists.local_whitelist_path = dir.path().join("mine.conf");
    let intel = Intel::load_with(&cfg, dir.path(), no_refresher()).unwrap();
    assert!(intel.whitelist().is_none());
}

#[test]
fn builtin_organisation_files_are_well_formed() {
    // OrgData::builtin() asserts (debug builds) that no line is malformed.
    let mut names = Vec::new();
    for (name, text) in crate::defaults::ORGANIZATIONS {
        names.push(*name);
        assert!(!text.trim().is_empty(), "{name}");
    }
    assert_eq!(names.len(), 15);
    let data = crate::orgs::OrgData::builtin();
    assert!(!data.is_empty());
}

//! The detectors of slips and their registry.
//!
//! Adding a detector: write one file with a type implementing [`slips_core::Detector`] and
//! [`FromConfig`], declare the module below and add its type to the `registry!` list. The
//! registry test checks that every detector is registered, uniquely named and deterministic.
//! See `template.rs` and `docs/adding-a-detector.md`.

use slips_config::Config;
use slips_core::{Detector, DynDetector, EvidenceType, Hosted};

pub use knowledge::{Knowledge, NoKnowledge, Org, Resources};

pub mod appkit;
pub mod arp;
pub mod beacon;
pub mod connections;
pub mod data_upload;
pub mod dhcp_scan;
pub mod dns;
pub mod dns_resolution;
pub mod ftp;
pub mod http;
pub mod icmp_sweep;
pub mod knowledge;
pub mod localnet;
pub mod login;
pub mod markov;
pub mod ml_flow;
mod pending;
pub mod portscan;
pub mod service_mismatch;
pub mod signatures;
pub mod smtp;
pub mod ssh;
pub mod template;
pub mod threat_intel;
pub mod tls;
pub mod unknown_port;
mod util;
pub mod young_domain;
pub mod zeek_notices;

#[cfg(test)]
mod testkit;

/// How a detector is built from the configuration and the shared resources.
pub trait FromConfig: Detector + Sized {
    fn from_config(cfg: &Config, res: &Resources) -> Self;
}

/// Detectors without settings build from their `Default`.
macro_rules! default_from_config {
    ($($t:ty),* $(,)?) => {
        $(impl FromConfig for $t {
            fn from_config(_: &Config, _: &Resources) -> Self {
                Self::default()
            }
        })*
    };
}

default_from_config!(
    portscan::HorizontalPortScan,
    signatures::Signatures,
    portscan::VerticalPortScan,
    zeek_notices::ZeekNotices,
    template::Template,
    connections::ReconnectionAttempts,
    connections::PortZero,
    connections::ConnectionToPrivateIp,
    connections::ConnectionToMultiplePorts,
    connections::DeviceChangingIp,
    connections::GreTunnel,
    dns_resolution::DnsWithoutConnection,
    service_mismatch::ServiceMismatch,
    icmp_sweep::IcmpSweep,
    dhcp_scan::DhcpScan,
    tls::DnsOverHttps,
    dns::DnsArpaScan,
    ssh::SshVersions,
    smtp::SmtpLogin,
    login::LoginLog,
    ftp::FtpBruteForce,
    http::EmptyConnections,
    http::ExecutableDownload,
    http::WeirdHttpMethod,
    http::HttpTraffic,
    arp::ArpScan,
    beacon::PairLongConnections,
);

// Connection-level detectors with settings or knowledge.
impl FromConfig for connections::LongConnection {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        Self::new(cfg.flow_alerts.long_connection_threshold)
    }
}

impl FromConfig for connections::TorExitNode {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::new(res.knowledge.clone())
    }
}

impl FromConfig for unknown_port::UnknownPort {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::new(res.knowledge.clone())
    }
}

impl FromConfig for localnet::DifferentLocalnet {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        Self::new(localnet::LocalNet::from_config(cfg))
    }
}

impl FromConfig for dns_resolution::ConnectionWithoutDns {
    fn from_config(cfg: &Config, res: &Resources) -> Self {
        Self::from_config(cfg, res.knowledge.clone())
    }
}

impl FromConfig for data_upload::DataUpload {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        Self::new(cfg.flow_alerts.data_exfiltration_threshold)
    }
}

// Behavioural models, RITA-style pair scores and the flow classifier (slips-models).
impl FromConfig for markov::BehaviouralModels {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::from_resources(res)
    }
}

impl FromConfig for ml_flow::MlFlow {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::from_resources(res)
    }
}

impl FromConfig for beacon::Beaconing {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::from_resources(res)
    }
}

impl FromConfig for beacon::DnsTunneling {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::from_resources(res)
    }
}

/// A registered detector.
pub struct Entry {
    pub name: &'static str,
    pub description: &'static str,
    pub evidence: &'static [EvidenceType],
    pub enabled_by_default: bool,
    pub config_keys: &'static [&'static str],
    /// Rust type name, for the registry test.
    pub type_name: fn() -> &'static str,
    build: fn(&Config, &Resources) -> Box<dyn DynDetector>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("name", &self.name).finish()
    }
}

impl Entry {
    pub fn build(&self, cfg: &Config, res: &Resources) -> Box<dyn DynDetector> {
        (self.build)(cfg, res)
    }
}

fn build<D: FromConfig>(cfg: &Config, res: &Resources) -> Box<dyn DynDetector> {
    Hosted::boxed(D::from_config(cfg, res))
}

const fn entry<D: FromConfig>() -> Entry {
    Entry {
        name: D::NAME,
        description: D::DESCRIPTION,
        evidence: D::EVIDENCE,
        enabled_by_default: D::ENABLED_BY_DEFAULT,
        config_keys: D::CONFIG_KEYS,
        type_name: std::any::type_name::<D>,
        build: build::<D>,
    }
}

macro_rules! registry {
    ($($t:ty),* $(,)?) => {
        /// Every detector, in the order they run.
        pub static REGISTRY: &[Entry] = &[$(entry::<$t>()),*];
    };
}

registry!(
    portscan::HorizontalPortScan,
    signatures::Signatures,
    portscan::VerticalPortScan,
    zeek_notices::ZeekNotices,
    template::Template,
    connections::LongConnection,
    unknown_port::UnknownPort,
    connections::ReconnectionAttempts,
    connections::PortZero,
    localnet::DifferentLocalnet,
    dns_resolution::ConnectionWithoutDns,
    dns_resolution::DnsWithoutConnection,
    data_upload::DataUpload,
    connections::ConnectionToMultiplePorts,
    connections::TorExitNode,
    connections::ConnectionToPrivateIp,
    connections::DeviceChangingIp,
    service_mismatch::ServiceMismatch,
    connections::GreTunnel,
    icmp_sweep::IcmpSweep,
    dhcp_scan::DhcpScan,
    tls::SslCertificates,
    tls::DnsOverHttps,
    tls::PastebinDownload,
    dns::DnsAnswers,
    dns::DgaNxdomains,
    dns::DnsArpaScan,
    ssh::SshSuccessful,
    ssh::SshVersions,
    ssh::SshBruteForce,
    smtp::SmtpLogin,
    login::LoginLog,
    ftp::FtpBruteForce,
    http::HttpUserAgents,
    http::EmptyConnections,
    http::ExecutableDownload,
    http::WeirdHttpMethod,
    http::HttpTraffic,
    arp::ArpScan,
    arp::ArpAnomalies,
    threat_intel::ThreatIntel,
    markov::BehaviouralModels,
    beacon::Beaconing,
    beacon::PairLongConnections,
    beacon::DnsTunneling,
    ml_flow::MlFlow,
    young_domain::YoungDomain,
);

/// Names of Slips modules that users may list in `modules.disable`; they have no detector
/// of that name here (their detections are split into several detectors or not built yet).
const SLIPS_MODULES: &[&str] = &[
    "anomaly_detection_https",
    "arp",
    "arp_poisoner",
    "blocking",
    "brute_force_detector",
    "cesnet",
    "cyst",
    "exporting_alerts",
    "fides",
    "flow_alerts",
    "flow_ml_detection",
    "http_analyzer",
    "ip_info",
    "iris",
    "leak_detector",
    "network_discovery",
    "p2p_trust",
    "riskiq",
    "risk_iq",
    "rnn_cc_detection",
    "threat_intelligence",
    "timeline",
    "update_manager",
    "virustotal",
];

/// A name in `modules.disable` / `modules.enable` that is neither one of our detectors nor a
/// Slips module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDetector(pub String);

impl std::fmt::Display for UnknownDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = REGISTRY.iter().map(|e| e.name).collect();
        write!(
            f,
            "unknown detector '{}'; known detectors: {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownDetector {}

/// The detectors that run: those listed in `enable`, and those enabled by default that
/// `disable` does not list.
/// Names that are Slips module names are accepted and ignored.
pub fn select<S: AsRef<str>>(
    disable: &[S],
    enable: &[S],
) -> Result<Vec<&'static Entry>, UnknownDetector> {
    for n in disable.iter().chain(enable) {
        let n = n.as_ref();
        if !REGISTRY.iter().any(|e| e.name == n) && !SLIPS_MODULES.contains(&n) {
            return Err(UnknownDetector(n.to_string()));
        }
    }
    let listed = |list: &[S], name: &str| list.iter().any(|n| n.as_ref() == name);
    Ok(REGISTRY
        .iter()
        .filter(|e| listed(enable, e.name) || (e.enabled_by_default && !listed(disable, e.name)))
        .collect())
}

/// The detector catalogue as Markdown: what `--list-detectors` prints and what
/// `docs/detections.md` contains (a test keeps the two in sync).
pub fn catalogue_markdown() -> String {
    let mut s = String::from(
        "# Detections\n\nGenerated from the detector registry (`slips --list-detectors`). \
         Detectors marked off by default run when `modules.enable` lists them.\n\n\
         | detector | what it detects | evidence types | config keys | default |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for e in REGISTRY {
        let ev: Vec<_> = e.evidence.iter().map(|t| format!("`{t}`")).collect();
        let keys: Vec<_> = e.config_keys.iter().map(|k| format!("`{k}`")).collect();
        s += &format!(
            "| `{}` | {} | {} | {} | {} |\n",
            e.name,
            e.description,
            ev.join(", "),
            if keys.is_empty() {
                "-".to_string()
            } else {
                keys.join(", ")
            },
            if e.enabled_by_default { "on" } else { "off" },
        );
    }
    s
}

/// Builds the selected detectors.
pub fn build_all(entries: &[&Entry], cfg: &Config, res: &Resources) -> Vec<Box<dyn DynDetector>> {
    entries.iter().map(|e| e.build(cfg, res)).collect()
}

#[cfg(test)]
mod registry_tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut seen = BTreeSet::new();
        for e in REGISTRY {
            assert!(seen.insert(e.name), "duplicate detector name {}", e.name);
            assert!(
                e.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{} is not snake_case",
                e.name
            );
            assert!(
                !e.evidence.is_empty(),
                "{} declares no evidence types",
                e.name
            );
            assert!(!e.description.is_empty());
        }
    }

    #[test]
    fn every_detector_in_the_sources_is_registered() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let registered: BTreeSet<String> = REGISTRY
            .iter()
            .map(|e| (e.type_name)().rsplit("::").next().unwrap().to_string())
            .collect();
        let mut found = BTreeSet::new();
        for f in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            for line in text.lines() {
                let line = line.trim();
                if let Some(rest) = line.strip_prefix("impl Detector for ") {
                    found.insert(rest.trim_end_matches(" {").trim().to_string());
                }
            }
        }
        assert!(!found.is_empty());
        assert_eq!(
            found, registered,
            "every `impl Detector` must be in registry!"
        );
    }

    #[test]
    fn docs_page_is_generated_from_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/detections.md");
        let now = catalogue_markdown();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(path, &now).unwrap();
        }
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            doc, now,
            "docs/detections.md is stale: run with UPDATE_SNAPSHOTS=1"
        );
    }

    #[test]
    fn selection() {
        let none: [&str; 0] = [];
        let names = |v: Vec<&Entry>| v.iter().map(|e| e.name).collect::<Vec<_>>();
        let default = names(select(&["template"], &none).unwrap());
        assert!(!default.contains(&"template"));
        assert!(default.contains(&"horizontal_port_scan"));
        assert_eq!(
            names(select(&none, &none).unwrap()),
            default,
            "template is off by default"
        );
        assert!(names(select(&none, &["template"]).unwrap()).contains(&"template"));
        assert!(names(select(&["template"], &["template"]).unwrap()).contains(&"template"));
        assert!(!names(select(&["zeek_notices"], &none).unwrap()).contains(&"zeek_notices"));
        assert!(select(&["rnn_cc_detection"], &none).is_ok());
        let err = select(&["no_such_thing"], &none).unwrap_err();
        assert!(err.to_string().contains("horizontal_port_scan"));
    }

    #[test]
    fn every_detector_is_deterministic() {
        use slips_core::{Conn, ConnState, Flow, Notice, Proto, Record, Timestamp};
        use slips_engine::{Engine, EngineConfig};
        // A mixed fixture that makes every detector fire at least once.
        let mut flows = Vec::new();
        for i in 0..300u32 {
            let dst = format!("93.184.{}.{}", i / 250, i % 250);
            flows.push(Flow::from(Record::Conn(Conn {
                ts: Timestamp::from_secs(1000.0 + i as f64),
                uid: format!("C{i}").into(),
                saddr: Some("10.0.0.5".parse().unwrap()),
                daddr: Some(dst.parse().unwrap()),
                dport: if i % 2 == 0 { 23 } else { (i % 200) as u16 + 1 },
                proto: Some(Proto::Tcp),
                state: ConnState::S0,
                spkts: 2,
                ..Default::default()
            })));
        }
        for i in 0..6u32 {
            flows.push(Flow::from(Record::Ftp(Box::new(slips_core::Ftp {
                ts: Timestamp::from_secs(1290.0 + f64::from(i)),
                uid: format!("F{i}").into(),
                id: Some(slips_core::Endpoints {
                    saddr: "10.0.0.5".parse().unwrap(),
                    sport: 40000,
                    daddr: "93.184.9.21".parse().unwrap(),
                    dport: 21,
                }),
                command: Some("PASS".into()),
                reply_code: Some(530),
                ..Default::default()
            }))));
        }
        for port in 1..=20u16 {
            flows.push(Flow::from(Record::Conn(Conn {
                ts: Timestamp::from_secs(1300.0 + port as f64),
                uid: format!("V{port}").into(),
                saddr: Some("10.0.0.5".parse().unwrap()),
                daddr: Some("93.184.9.9".parse().unwrap()),
                dport: port,
                proto: Some(Proto::Tcp),
                state: ConnState::REJ,
                spkts: 1,
                ..Default::default()
            })));
        }
        flows.push(Flow::from(Record::Notice(Box::new(Notice {
            ts: Timestamp::from_secs(1400.0),
            note: "Scan::Address_Scan".into(),
            msg: Some("10.0.0.5 scanned at least 25 unique hosts on port 23/tcp".into()),
            src: Some("10.0.0.5".parse().unwrap()),
            ..Default::default()
        }))));
        flows.extend(crate::testkit::app_layer_fixture());
        // Signature matches (Suricata alerts).
        flows.extend(crate::signatures::fixture());
        // Connection-level detectors (connections.rs, unknown_port.rs, localnet.rs,
        // dns_resolution.rs, data_upload.rs, service_mismatch.rs, icmp_sweep.rs, dhcp_scan.rs).
        {
            use slips_core::{Dhcp, Dns, Endpoints, Mac, Tunnel};
            let ip = |s: &str| -> std::net::IpAddr { s.parse().unwrap() };
            let c = |ts: f64, uid: &str, src: &str, dst: &str, dport: u16, state: ConnState| Conn {
                ts: Timestamp::from_secs(ts),
                uid: uid.into(),
                saddr: Some(ip(src)),
                sport: 40000,
                daddr: Some(ip(dst)),
                dport,
                proto: Some(Proto::Tcp),
                state,
                history: "ShADadFf".into(),
                sbytes: 100,
                dbytes: 100,
                spkts: 3,
                dpkts: 3,
                ..Default::default()
            };
            let mac: Mac = "08:00:27:7f:09:e1".parse().unwrap();
            let mut conns = vec![
                Conn {
                    duration: 2000.0,
                    sbytes: 200_000_000,
                    service: Some("http".into()),
                    ..c(1401.0, "K1", "10.0.0.7", "5.5.5.5", 443, ConnState::SF)
                },
                c(1402.0, "K2", "10.0.0.7", "5.5.5.5", 4444, ConnState::SF),
                c(1403.0, "K3", "10.0.0.7", "5.5.5.5", 4445, ConnState::SF),
                c(1404.0, "K4", "10.0.0.7", "5.5.5.7", 0, ConnState::S0),
                c(1405.0, "K5", "10.0.0.7", "192.168.1.1", 80, ConnState::SF),
                Conn {
                    smac: Some(mac),
                    ..c(1406.0, "K6", "10.0.0.8", "10.0.0.1", 22, ConnState::SF)
                },
                Conn {
                    smac: Some(mac),
                    ..c(1407.0, "K7", "10.0.0.9", "10.0.0.1", 22, ConnState::SF)
                },
            ];
            for i in 0..5 {
                conns.push(c(
                    1410.0 + i as f64,
                    &format!("R{i}"),
                    "10.0.0.7",
                    "5.5.5.6",
                    8080,
                    ConnState::REJ,
                ));
                conns.push(Conn {
                    proto: Some(Proto::Icmp),
                    sport: 8,
                    ..c(
                        1420.0 + i as f64,
                        &format!("P{i}"),
                        "10.0.0.7",
                        &format!("5.5.6.{i}"),
                        0,
                        ConnState::OTH,
                    )
                });
            }
            flows.extend(conns.into_iter().map(|x| Flow::from(Record::Conn(x))));
            flows.push(Flow::from(Record::Dns(Box::new(Dns {
                ts: Timestamp::from_secs(1430.0),
                uid: "D1".into(),
                id: Some(Endpoints {
                    saddr: ip("10.0.0.7"),
                    sport: 5353,
                    daddr: ip("10.0.0.1"),
                    dport: 53,
                }),
                query: Some("fixture.example.com".into()),
                qtype: Some(1),
                rcode: Some(0),
                answers: vec!["5.5.5.99".into()],
                ..Default::default()
            }))));
            flows.push(Flow::from(Record::Tunnel(Box::new(Tunnel {
                ts: Timestamp::from_secs(1431.0),
                uid: Some("G1".into()),
                id: Some(Endpoints {
                    saddr: ip("10.0.0.7"),
                    sport: 0,
                    daddr: ip("5.5.5.8"),
                    dport: 0,
                }),
                tunnel_type: Some("Tunnel::GRE".into()),
                action: Some("Tunnel::DISCOVER".into()),
            }))));
            for i in 0..4u8 {
                flows.push(Flow::from(Record::Dhcp(Box::new(Dhcp {
                    ts: Timestamp::from_secs(1440.0 + f64::from(i)),
                    uids: vec![format!("H{i}").into()],
                    client_addr: Some(ip("10.0.0.7")),
                    requested_addr: Some(ip(&format!("10.0.0.{}", 100 + i))),
                    ..Default::default()
                }))));
            }
        }
        let cfg = Config::default();
        let res = Resources::default();
        // Knowledge for the detectors that need it: 93.184.0.1 is a TOR exit node.
        struct FixtureKnowledge;
        impl Knowledge for FixtureKnowledge {
            fn is_tor_exit_node(&self, ip: std::net::IpAddr) -> bool {
                ip.to_string() == "93.184.0.1"
            }
            // fixture.example.com was registered 10 days ago.
            fn domain_age_days(&self, domain: &str) -> Option<u32> {
                (domain == "fixture.example.com").then_some(10)
            }
            // 93.184.0.2 is on a threat-intelligence feed.
            fn intel(&self) -> Option<&dyn knowledge::IocLookup> {
                Some(&FixtureIntel)
            }
        }
        struct FixtureIntel;
        impl knowledge::IocLookup for FixtureIntel {
            fn ip(&self, ip: std::net::IpAddr) -> Option<knowledge::IocInfo> {
                (ip.to_string() == "93.184.0.2").then(|| knowledge::IocInfo {
                    threat_level: slips_core::ThreatLevel::High,
                    description: "fixture".into(),
                    source: "fixture.txt".into(),
                    tags: "".into(),
                })
            }
            fn domain(&self, _: &str) -> Option<(knowledge::IocInfo, bool)> {
                None
            }
            fn url(&self, _: &str) -> Option<knowledge::IocInfo> {
                None
            }
            fn fingerprint(
                &self,
                _: knowledge::Fingerprint,
                _: &str,
            ) -> Option<knowledge::IocInfo> {
                None
            }
        }
        drop(res);
        // Beaconing, pair long connections and DNS tunnelling; the Markov models and the
        // flow classifier of the fixture.
        flows.extend(crate::beacon::fixture());
        let res = Resources {
            knowledge: std::sync::Arc::new(FixtureKnowledge),
            markov: Some(crate::markov::fixture_models()),
            ml: Some(crate::ml_flow::fixture_classifier()),
            ..Resources::default()
        };
        for e in REGISTRY {
            let run = || {
                let mut eng = Engine::new(EngineConfig::default(), vec![e.build(&cfg, &res)]);
                for f in &flows {
                    eng.process(f);
                }
                eng.finish();
                eng.drain_events().collect::<Vec<_>>()
            };
            let a = run();
            assert!(!a.is_empty(), "{} produced nothing on the fixture", e.name);
            assert_eq!(a, run(), "{} is not deterministic", e.name);
        }
    }
}

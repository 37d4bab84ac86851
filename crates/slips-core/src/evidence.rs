//! Evidence (what a detector found) and alerts (a profile crossing the threshold).

use crate::net::Proto;
use crate::time::{TimeWindow, Timestamp};
use crate::Str;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Threat levels and their numeric values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThreatLevel {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl ThreatLevel {
    pub fn value(self) -> f64 {
        match self {
            ThreatLevel::Info => 0.0,
            ThreatLevel::Low => 0.2,
            ThreatLevel::Medium => 0.5,
            ThreatLevel::High => 0.8,
            ThreatLevel::Critical => 1.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ThreatLevel::Info => "info",
            ThreatLevel::Low => "low",
            ThreatLevel::Medium => "medium",
            ThreatLevel::High => "high",
            ThreatLevel::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<ThreatLevel> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "info" => ThreatLevel::Info,
            "low" => ThreatLevel::Low,
            "medium" => ThreatLevel::Medium,
            "high" => ThreatLevel::High,
            "critical" => ThreatLevel::Critical,
            _ => return None,
        })
    }

    /// The first level whose value is at least `x` (Slips' `threat_level_to_string`).
    pub fn from_value(x: f64) -> ThreatLevel {
        [
            ThreatLevel::Info,
            ThreatLevel::Low,
            ThreatLevel::Medium,
            ThreatLevel::High,
        ]
        .into_iter()
        .find(|l| l.value() >= x)
        .unwrap_or(ThreatLevel::Critical)
    }
}

impl fmt::Display for ThreatLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! evidence_types {
    ($($(#[$m:meta])* $v:ident),* $(,)?) => {
        /// Every kind of evidence, named as Slips names them (`DisabledAlerts.disabled_detections`
        /// takes these names) plus the ones slips adds.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(non_camel_case_types)]
        pub enum EvidenceType { $($(#[$m])* $v),* }

        impl EvidenceType {
            pub const ALL: &'static [EvidenceType] = &[$(EvidenceType::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $(EvidenceType::$v => stringify!($v)),* }
            }
            pub fn parse(s: &str) -> Option<EvidenceType> {
                match s { $(stringify!($v) => Some(EvidenceType::$v),)* _ => None }
            }
        }
    };
}

evidence_types! {
    ARP_OUTSIDE_LOCALNET,
    ARP_SCAN,
    BAD_SMTP_LOGIN,
    CN_URL_MISMATCH,
    COMMAND_AND_CONTROL_CHANNEL,
    CONNECTION_TO_MULTIPLE_PORTS,
    CONNECTION_TO_PRIVATE_IP,
    CONNECTION_WITHOUT_DNS,
    DATA_UPLOAD,
    DEVICE_CHANGING_IP,
    DGA_NXDOMAINS,
    DHCP_SCAN,
    DIFFERENT_LOCALNET,
    DNS_ARPA_SCAN,
    DNS_WITHOUT_CONNECTION,
    EMPTY_CONNECTIONS,
    EXECUTABLE_MIME_TYPE,
    GRE_SCAN,
    GRE_TUNNEL,
    HIGH_ENTROPY_DNS_ANSWER,
    HORIZONTAL_PORT_SCAN,
    HTTP_TRAFFIC,
    ICMP_ADDRESS_MASK_SCAN,
    ICMP_ADDRESS_SCAN,
    ICMP_TIMESTAMP_SCAN,
    INCOMPATIBLE_CN,
    INCOMPATIBLE_USER_AGENT,
    INVALID_DNS_RESOLUTION,
    LOGIN,
    LONG_CONNECTION,
    MALICIOUS_DOWNLOADED_FILE,
    MALICIOUS_FLOW,
    MALICIOUS_IP_FROM_P2P_NETWORK,
    MALICIOUS_JA3,
    MALICIOUS_JA3S,
    MALICIOUS_JARM,
    MALICIOUS_SSL_CERT,
    MITM_ARP_ATTACK,
    MULTIPLE_RECONNECTION_ATTEMPTS,
    MULTIPLE_SSH_VERSIONS,
    MULTIPLE_USER_AGENT,
    NETWORK_GPS_LOCATION_LEAKED,
    NON_HTTP_PORT_80_CONNECTION,
    NON_SSL_PORT_443_CONNECTION,
    P2P_REPORT,
    PASSWORD_GUESSING,
    PASTEBIN_DOWNLOAD,
    PORT_0_CONNECTION,
    SELF_SIGNED_CERTIFICATE,
    SMTP_LOGIN_BRUTEFORCE,
    SSH_SUCCESSFUL,
    SUSPICIOUS_USER_AGENT,
    THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY,
    THREAT_INTELLIGENCE_BLACKLISTED_ASN,
    THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER,
    THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
    THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP,
    THREAT_INTELLIGENCE_MALICIOUS_URL,
    THREAT_INTELLIGENCE_TO_BLACKLISTED_IP,
    TOR_EXIT_NODE,
    UNKNOWN_PORT,
    UNSOLICITED_ARP,
    VERTICAL_PORT_SCAN,
    WEIRD_HTTP_METHOD,
    YOUNG_DOMAIN,
    // Added by slips (not in Slips 1.1.21).
    /// DNS over HTTPS use (Slips reports it under DIFFERENT_LOCALNET by mistake).
    DNS_OVER_HTTPS,
    /// A Suricata signature alert from eve.json.
    SURICATA_ALERT,
    /// A tuple's letters matched a Markov-chain behavioural model.
    BEHAVIOURAL_MODEL_MATCH,
    /// Evidence of the template detector (disabled by default).
    TEMPLATE,
    /// A TLS server certificate that failed validation for a reason other than being
    /// self-signed (expired, not yet valid, unknown issuer...): Zeek's
    /// `SSL::Invalid_Server_Cert`, which Slips reported as text only.
    CERTIFICATE_VALIDATION_FAILED,
    /// Periodic connections of a host to one IP or server name (RITA's beacon score).
    BEACONING,
    /// Many unique subdomains of one domain queried by a host (RITA's C2 over DNS).
    DNS_TUNNELING,
    /// Evidence sent by an external module under a type name slips does not know (the
    /// name leads the description).
    EXTERNAL_MODULE,
}

impl fmt::Display for EvidenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EvidenceType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EvidenceType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        EvidenceType::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown evidence type {s}")))
    }
}

/// What an indicator is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IocKind {
    Ip,
    Domain,
    Url,
    Md5,
}

/// Which side of the flow the attacker is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Side {
    Src,
    Dst,
}

/// An attacker or victim: an IP, domain, URL or hash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ioc {
    pub kind: IocKind,
    pub value: Str,
    pub side: Side,
}

impl Ioc {
    pub fn ip(ip: IpAddr, side: Side) -> Ioc {
        Ioc {
            kind: IocKind::Ip,
            value: compact_str::format_compact!("{ip}"),
            side,
        }
    }
    pub fn domain(d: &str, side: Side) -> Ioc {
        Ioc {
            kind: IocKind::Domain,
            value: d.into(),
            side,
        }
    }
    pub fn as_ip(&self) -> Option<IpAddr> {
        match self.kind {
            IocKind::Ip => self.value.parse().ok(),
            _ => None,
        }
    }
}

/// How a detection was made (IDMEFv2 `Analyzer.Method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Method {
    #[default]
    Heuristic,
    Statistical,
    AI,
    Signature,
    ThreatIntelligence,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Heuristic => "Heuristic",
            Method::Statistical => "Statistical",
            Method::AI => "AI",
            Method::Signature => "Signature",
            Method::ThreatIntelligence => "Threat Intelligence",
        }
    }
}

/// Most uids kept per evidence: a port scan of a /16 must not store 65k uids per line.
pub const MAX_UIDS_PER_EVIDENCE: usize = 64;

/// A finished piece of evidence, as the engine stores and the sinks write it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Deterministic id (UUID text) derived from the evidence content.
    pub id: Str,
    pub evidence_type: EvidenceType,
    pub description: String,
    /// The profile the evidence is stored in (the attacker's IP for SRC evidence).
    pub profile: IpAddr,
    pub timewindow: TimeWindow,
    pub attacker: Ioc,
    pub victim: Option<Ioc>,
    pub threat_level: ThreatLevel,
    pub confidence: f64,
    /// Timestamp of the (last) flow that caused it.
    pub ts: Timestamp,
    pub proto: Option<Proto>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub uids: Vec<Str>,
    /// Total number of flows behind the evidence (may exceed `uids.len()`).
    pub flow_count: u64,
    pub method: Method,
    /// Name of the detector that produced it.
    pub detector: Str,
    /// Score of the profile-window after this evidence (Slips' "accumulated threat level";
    /// see the engine's `score` module for how evidence adds up).
    pub accumulated_threat_level: f64,
    /// Ids of correlated evidence: the other half of a pair that blames both the source and
    /// the destination of the same flows (IDMEF `RelID`).
    #[serde(default)]
    pub related: Vec<Str>,
    /// What is known about the IPs involved (AS, country, organisation, SNI, TI...), filled
    /// by enrichment outside the engine; shown in alerts.log, alerts.json and profile files.
    #[serde(default)]
    pub notes: Vec<IpNote>,
}

/// Enrichment of one IP of an evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpNote {
    pub ip: IpAddr,
    pub text: String,
}

impl Evidence {
    /// Whether the evidence counts toward its profile's alert: only evidence where the
    /// profile itself is the (source) attacker and the level is above info.
    pub fn counts_toward_alert(&self) -> bool {
        self.attacker.side == Side::Src && self.threat_level != ThreatLevel::Info
    }

    /// Weighted contribution to the accumulated threat level.
    pub fn weight(&self) -> f64 {
        self.threat_level.value() * self.confidence
    }
}

/// An alert: a profile whose accumulated evidence in one window reached the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: Str,
    pub profile: IpAddr,
    pub timewindow: TimeWindow,
    pub accumulated_threat_level: f64,
    pub threat_level: ThreatLevel,
    pub confidence: f64,
    /// Ids of the evidence that caused it, in order.
    pub evidence_ids: Vec<Str>,
    /// Timestamp of the last flow that contributed.
    pub last_ts: Timestamp,
    /// What prevention did about it: `None` when blocking is off; `Some(true)` when the
    /// attacker is blocked in the firewall now; `Some(false)` when a block was asked for
    /// and not applied (refused, dry run, offline input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<bool>,
}

/// Alert confidence: 0.5 when the window score just reaches the threshold, growing to 1 at
/// twice the threshold. (Slips' `(acc − 4.8) / (26 − 4.8)` is tied to its per-minute threshold
/// and one-hour windows.)
/// What prevention did, for the sinks (blocking.log is written by the blocker itself; the
/// database and exports get these).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockingEvent {
    /// Seconds since the epoch (wall clock live, event time offline).
    pub time: f64,
    pub ip: IpAddr,
    /// `block`, `extend`, `unblock`, `refuse`, `restore` or `keep`.
    pub action: Str,
    /// Why (the refusal or the unblock cause), when there is one.
    pub detail: Option<String>,
    pub alert_id: Option<Str>,
    pub until: Option<f64>,
    pub offences: u32,
    pub dry_run: bool,
    pub error: Option<String>,
}

pub fn alert_confidence(score: f64, threshold: f64) -> f64 {
    if threshold <= 0.0 || !threshold.is_finite() {
        return 1.0;
    }
    (score / (2.0 * threshold)).clamp(0.5, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(ThreatLevel::High.value(), 0.8);
        assert_eq!(ThreatLevel::from_value(0.3), ThreatLevel::Medium);
        assert_eq!(ThreatLevel::from_value(0.0), ThreatLevel::Info);
        assert_eq!(ThreatLevel::from_value(0.95), ThreatLevel::Critical);
        assert_eq!(ThreatLevel::parse(" HIGH"), Some(ThreatLevel::High));
    }

    #[test]
    fn evidence_type_names_round_trip() {
        for t in EvidenceType::ALL {
            assert_eq!(EvidenceType::parse(t.as_str()), Some(*t));
        }
        assert!(EvidenceType::ALL.len() >= 65);
        assert_eq!(EvidenceType::parse("ConnectionWithoutDNS"), None);
    }

    #[test]
    fn alert_confidence_is_clamped() {
        assert_eq!(alert_confidence(0.8, 0.8), 0.5);
        assert!((alert_confidence(1.2, 0.8) - 0.75).abs() < 1e-12);
        assert_eq!(alert_confidence(100.0, 0.8), 1.0);
        assert_eq!(alert_confidence(1.0, 0.0), 1.0);
    }
}

//! Hand-made values shared by the tests.

use slips_core::{
    Alert, Evidence, EvidenceType, Ioc, Method, Proto, Side, ThreatLevel, TimeWindow, Timestamp,
};
use std::net::IpAddr;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn ts(s: f64) -> Timestamp {
    Timestamp::from_secs(s)
}

/// Window 1: 2018-09-27T22:00:00 .. 23:00:00 UTC.
pub fn tw1() -> TimeWindow {
    TimeWindow {
        number: 1,
        start: ts(1538085600.0),
        end: ts(1538089200.0),
    }
}

/// A SRC horizontal port scan by 192.168.2.12.
pub fn evidence_scan() -> Evidence {
    Evidence {
        id: "0b5c3b8e-0000-4000-8000-000000000001".into(),
        evidence_type: EvidenceType::HORIZONTAL_PORT_SCAN,
        description:
            "Horizontal port scan to port 81/tcp. From 192.168.2.12 to 15 unique destination IPs."
                .into(),
        profile: ip("192.168.2.12"),
        timewindow: tw1(),
        attacker: Ioc::ip(ip("192.168.2.12"), Side::Src),
        victim: None,
        threat_level: ThreatLevel::High,
        confidence: 1.0,
        ts: ts(1538088246.123456),
        proto: Some(Proto::Tcp),
        src_port: None,
        dst_port: Some(81),
        uids: vec!["CUid1".into(), "CUid2".into()],
        flow_count: 15,
        method: Method::Heuristic,
        detector: "portscan".into(),
        accumulated_threat_level: 0.8,
        related: Vec::new(),
        notes: Vec::new(),
    }
}

/// A DST evidence stored in the profile of the (public) destination, with a line break in
/// the description.
pub fn evidence_dst() -> Evidence {
    Evidence {
        id: "0b5c3b8e-0000-4000-8000-000000000002".into(),
        evidence_type: EvidenceType::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP,
        description: "Connection from a blacklisted IP\n(second line)".into(),
        profile: ip("8.8.4.4"),
        timewindow: tw1(),
        attacker: Ioc::ip(ip("8.8.4.4"), Side::Dst),
        victim: Some(Ioc::ip(ip("192.168.2.12"), Side::Src)),
        threat_level: ThreatLevel::Medium,
        confidence: 0.6,
        ts: ts(1538088600.0),
        proto: Some(Proto::Tcp),
        src_port: Some(50000),
        dst_port: Some(443),
        uids: vec!["CUid3".into()],
        flow_count: 1,
        method: Method::ThreatIntelligence,
        detector: "threat_intelligence".into(),
        accumulated_threat_level: 0.0,
        related: Vec::new(),
        notes: Vec::new(),
    }
}

/// A domain attacker without ports or protocol.
pub fn evidence_domain() -> Evidence {
    Evidence {
        id: "0b5c3b8e-0000-4000-8000-000000000003".into(),
        evidence_type: EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
        description: "Query to a blacklisted domain evil.example.".into(),
        profile: ip("192.168.2.12"),
        timewindow: tw1(),
        attacker: Ioc::domain("evil.example", Side::Dst),
        victim: Some(Ioc::ip(ip("192.168.2.12"), Side::Src)),
        threat_level: ThreatLevel::Critical,
        confidence: 0.5,
        ts: ts(1538088700.25),
        proto: None,
        src_port: None,
        dst_port: None,
        uids: vec![],
        flow_count: 1,
        method: Method::ThreatIntelligence,
        detector: "threat_intelligence".into(),
        accumulated_threat_level: 0.8,
        related: Vec::new(),
        notes: Vec::new(),
    }
}

pub fn alert() -> Alert {
    Alert {
        id: "a1e7a1e7-0000-4000-8000-000000000001".into(),
        profile: ip("192.168.2.12"),
        timewindow: tw1(),
        accumulated_threat_level: 15.2,
        threat_level: ThreatLevel::Critical,
        confidence: 0.490566037735849,
        evidence_ids: vec!["0b5c3b8e-0000-4000-8000-000000000001".into()],
        last_ts: ts(1538089199.5),
        blocked: None,
    }
}

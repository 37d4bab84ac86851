//! The JSON-lines protocol (docs/external-modules.md): channels slips publishes, and the
//! evidence a module sends back, validated before it reaches the engine.

use serde::Deserialize;
use slips_core::{EvidenceDraft, EvidenceType, Ioc, Record, Side, ThreatLevel, Timestamp};
use std::net::IpAddr;

/// What a module can subscribe to (Slips' channel names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    NewFlow,
    NewDns,
    NewHttp,
    NewSsl,
    NewSsh,
    NewNotice,
    NewSoftware,
    EvidenceAdded,
    NewAlert,
    TwClosed,
    NewBlocking,
}

impl Channel {
    pub const ALL: [Channel; 11] = [
        Channel::NewFlow,
        Channel::NewDns,
        Channel::NewHttp,
        Channel::NewSsl,
        Channel::NewSsh,
        Channel::NewNotice,
        Channel::NewSoftware,
        Channel::EvidenceAdded,
        Channel::NewAlert,
        Channel::TwClosed,
        Channel::NewBlocking,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::NewFlow => "new_flow",
            Channel::NewDns => "new_dns",
            Channel::NewHttp => "new_http",
            Channel::NewSsl => "new_ssl",
            Channel::NewSsh => "new_ssh",
            Channel::NewNotice => "new_notice",
            Channel::NewSoftware => "new_software",
            Channel::EvidenceAdded => "evidence_added",
            Channel::NewAlert => "new_alert",
            Channel::TwClosed => "tw_closed",
            Channel::NewBlocking => "new_blocking",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The channel a record is published on, if any.
    pub fn of(r: &Record) -> Option<Channel> {
        Some(match r {
            Record::Conn(_) => Channel::NewFlow,
            Record::Dns(_) => Channel::NewDns,
            Record::Http(_) => Channel::NewHttp,
            Record::Ssl(_) => Channel::NewSsl,
            Record::Ssh(_) => Channel::NewSsh,
            Record::Notice(_) => Channel::NewNotice,
            Record::Software(_) => Channel::NewSoftware,
            _ => return None,
        })
    }

    pub(crate) fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// One message as modules (and Redis subscribers) receive it:
/// `{"channel": c, "profile": profile, "data": data}`.
pub fn message<T: serde::Serialize>(
    c: Channel,
    profile: Option<IpAddr>,
    data: &T,
) -> Option<String> {
    #[derive(serde::Serialize)]
    struct Message<'a, T: serde::Serialize> {
        channel: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        profile: Option<IpAddr>,
        data: &'a T,
    }
    serde_json::to_string(&Message {
        channel: c.as_str(),
        profile,
        data,
    })
    .ok()
}

/// What `tw_closed` carries about the window (its evidence went out on
/// `evidence_added`).
#[derive(Debug, serde::Serialize)]
pub struct WindowInfo {
    pub number: i64,
    pub start: f64,
    pub end: f64,
    pub flows: u64,
    pub evidence: usize,
    pub alerted: bool,
}

impl From<&slips_core::summary::WindowSummary> for WindowInfo {
    fn from(w: &slips_core::summary::WindowSummary) -> Self {
        WindowInfo {
            number: w.window.number,
            start: w.window.start.secs(),
            end: w.window.end.secs(),
            flows: w.flows,
            evidence: w.evidence.len(),
            alerted: w.alerted,
        }
    }
}

/// Limits on what a module may send.
pub const MAX_LINE: usize = 64 * 1024;
pub const MAX_DESCRIPTION: usize = 2_000;
pub const MAX_UIDS: usize = slips_core::evidence::MAX_UIDS_PER_EVIDENCE;
const MAX_UID_LEN: usize = 64;
const MAX_TYPE_LEN: usize = 64;

/// Evidence as a module writes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Incoming {
    #[serde(rename = "type")]
    kind: String,
    attacker: String,
    #[serde(default)]
    victim: Option<String>,
    threat_level: String,
    confidence: f64,
    description: String,
    #[serde(default)]
    uids: Vec<String>,
    /// Event time: seconds since the epoch, as in the records the module read.
    timestamp: f64,
}

/// Parses and checks one line from a module; the error says why it was refused.
pub fn parse_evidence(line: &str) -> Result<EvidenceDraft, String> {
    if line.len() > MAX_LINE {
        return Err(format!("line longer than {MAX_LINE} bytes"));
    }
    let m: Incoming = serde_json::from_str(line).map_err(|e| format!("not evidence JSON: {e}"))?;
    let attacker: IpAddr = m
        .attacker
        .parse()
        .map_err(|_| format!("attacker is not an IP address: {:?}", m.attacker))?;
    let victim = match &m.victim {
        None => None,
        Some(v) => Some(
            v.parse::<IpAddr>()
                .map_err(|_| format!("victim is not an IP address: {v:?}"))?,
        ),
    };
    let level = ThreatLevel::parse(&m.threat_level).ok_or_else(|| {
        format!(
            "threat_level must be info, low, medium, high or critical, not {:?}",
            m.threat_level
        )
    })?;
    if !(0.0..=1.0).contains(&m.confidence) {
        return Err(format!(
            "confidence must be from 0 to 1, got {}",
            m.confidence
        ));
    }
    if !m.timestamp.is_finite() || m.timestamp <= 0.0 || m.timestamp > 1e11 {
        return Err(format!(
            "timestamp must be seconds since the epoch, got {}",
            m.timestamp
        ));
    }
    let description = m.description.trim();
    if description.is_empty() || description.chars().count() > MAX_DESCRIPTION {
        return Err(format!(
            "description must have 1 to {MAX_DESCRIPTION} characters"
        ));
    }
    if m.uids.len() > MAX_UIDS || m.uids.iter().any(|u| u.len() > MAX_UID_LEN) {
        return Err(format!(
            "at most {MAX_UIDS} uids of at most {MAX_UID_LEN} characters"
        ));
    }
    if m.kind.is_empty()
        || m.kind.len() > MAX_TYPE_LEN
        || !m
            .kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "type must be 1 to {MAX_TYPE_LEN} letters, digits, _ or -, got {:?}",
            m.kind
        ));
    }
    // A type slips knows keeps its meaning (and its scoring); any other name is the
    // module's own, kept at the start of the description.
    let (kind, description) = match EvidenceType::parse(&m.kind) {
        Some(t) => (t, description.to_string()),
        None => (
            EvidenceType::EXTERNAL_MODULE,
            format!("{}: {description}", m.kind),
        ),
    };
    let mut d = EvidenceDraft::new(
        kind,
        attacker,
        Side::Src,
        level,
        m.confidence,
        Timestamp::from_secs(m.timestamp),
        description,
    )
    .uids(m.uids.into_iter().map(slips_core::Str::from));
    d.victim = victim.map(|v| Ioc::ip(v, Side::Dst));
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"type":"MANY_TLDS","attacker":"10.0.0.5","victim":"8.8.8.8","threat_level":"high","confidence":0.9,"description":"12 TLDs","uids":["C1"],"timestamp":1600000000.5}"#;

    #[test]
    fn good_evidence_becomes_a_draft() {
        let d = parse_evidence(GOOD).unwrap();
        assert_eq!(d.evidence_type, EvidenceType::EXTERNAL_MODULE);
        assert_eq!(d.description, "MANY_TLDS: 12 TLDs");
        assert_eq!(d.attacker.as_ip(), Some("10.0.0.5".parse().unwrap()));
        assert_eq!(d.threat_level, ThreatLevel::High);
        assert_eq!(d.ts.secs(), 1600000000.5);
        let known = GOOD.replace("MANY_TLDS", "HORIZONTAL_PORT_SCAN");
        let d = parse_evidence(&known).unwrap();
        assert_eq!(d.evidence_type, EvidenceType::HORIZONTAL_PORT_SCAN);
        assert_eq!(d.description, "12 TLDs");
    }

    #[test]
    fn bad_evidence_is_refused_with_the_reason() {
        let cases = [
            ("garbage", "not evidence JSON"),
            (&GOOD.replace("10.0.0.5", "host"), "attacker is not an IP"),
            (&GOOD.replace("8.8.8.8", "x"), "victim is not an IP"),
            (
                &GOOD.replace("\"high\"", "\"severe\""),
                "threat_level must be",
            ),
            (&GOOD.replace("0.9", "1.5"), "confidence must be"),
            (&GOOD.replace("1600000000.5", "-1"), "timestamp must be"),
            (&GOOD.replace("12 TLDs", "  "), "description must have"),
            (&GOOD.replace("MANY_TLDS", "a b"), "type must be"),
            (
                &GOOD.replace("\"uids\"", "\"extra\":1,\"uids\""),
                "unknown field",
            ),
        ];
        for (line, why) in cases {
            let e = parse_evidence(line).unwrap_err();
            assert!(e.contains(why), "{line}: {e}");
        }
        let long = GOOD.replace("12 TLDs", &"x".repeat(MAX_LINE));
        assert!(parse_evidence(&long).unwrap_err().contains("longer than"));
    }

    #[test]
    fn channels_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("new_flows"), None);
    }
}

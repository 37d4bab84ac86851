//! The events exporters carry and the line formats they share: RFC 5424 syslog, CEF and
//! Elastic Common Schema JSON.
//!
//! Every time written is event time (the traffic's), as everywhere else in slips.

use serde_json::{json, Map, Value};
use slips_core::{Alert, Evidence, IocKind, ThreatLevel, Timestamp};

/// One thing to export, owned so that it can cross to the exporter thread.
#[derive(Clone, Debug)]
pub enum Event {
    Evidence(Box<Evidence>),
    /// An alert with the evidence that caused it.
    Alert(Box<Alert>, Vec<Evidence>),
}

/// Who is exporting: the sensor's name (`exporting_alerts.sensor_name`) and slips' version.
#[derive(Clone, Debug)]
pub struct Meta {
    pub sensor: String,
    pub version: String,
}

/// RFC 3339 in UTC with microseconds: `2018-09-27T22:44:06.123456Z`.
pub fn rfc3339(ts: Timestamp) -> String {
    let micros = ts.micros();
    match jiff::Timestamp::from_second(micros.div_euclid(1_000_000)) {
        Ok(t) => format!(
            "{}.{:06}Z",
            t.strftime("%Y-%m-%dT%H:%M:%S"),
            micros.rem_euclid(1_000_000)
        ),
        Err(_) => "1970-01-01T00:00:00.000000Z".to_owned(),
    }
}

/// RFC 3339 with milliseconds, as STIX writes timestamps: `2018-09-27T22:44:06.123Z`.
pub fn rfc3339_millis(ts: Timestamp) -> String {
    let s = rfc3339(ts);
    // `...SS.ffffffZ` → `...SS.fffZ`
    format!("{}Z", &s[..s.len() - 4])
}

/// Syslog severity (RFC 5424 §6.2.1) of a threat level; alerts are critical.
pub fn syslog_severity(level: ThreatLevel) -> u8 {
    match level {
        ThreatLevel::Critical => 2,
        ThreatLevel::High => 3,
        ThreatLevel::Medium => 4,
        ThreatLevel::Low => 5,
        ThreatLevel::Info => 6,
    }
}

/// CEF severity, 0–10.
pub fn cef_severity(level: ThreatLevel) -> u8 {
    match level {
        ThreatLevel::Info => 1,
        ThreatLevel::Low => 3,
        ThreatLevel::Medium => 5,
        ThreatLevel::High => 8,
        ThreatLevel::Critical => 10,
    }
}

impl Event {
    pub fn ts(&self) -> Timestamp {
        match self {
            Event::Evidence(e) => e.ts,
            Event::Alert(a, _) => a.last_ts,
        }
    }
    pub fn level(&self) -> ThreatLevel {
        match self {
            Event::Evidence(e) => e.threat_level,
            Event::Alert(a, _) => a.threat_level,
        }
    }
    pub fn id(&self) -> &str {
        match self {
            Event::Evidence(e) => &e.id,
            Event::Alert(a, _) => &a.id,
        }
    }
    /// `evidence` or `alert`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Evidence(_) => "evidence",
            Event::Alert(..) => "alert",
        }
    }
    /// The evidence type, or `ALERT`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::Evidence(e) => e.evidence_type.as_str(),
            Event::Alert(..) => "ALERT",
        }
    }
    /// One line of text.
    pub fn text(&self) -> String {
        match self {
            Event::Evidence(e) => one_line(&e.description),
            Event::Alert(a, ev) => format!(
                "{} is malicious in timewindow {}: {} evidence, score {:.2}",
                a.profile,
                a.timewindow.number,
                ev.len(),
                a.accumulated_threat_level
            ),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split(['\n', '\r'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `"` `\` `]` escaped for an RFC 5424 SD-PARAM value.
fn sd_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Printable ASCII without spaces, at most `max` bytes; `-` when empty (RFC 5424 header
/// fields).
fn header_field(s: &str, max: usize) -> String {
    let v: String = s
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if v.is_empty() {
        "-".to_owned()
    } else {
        v
    }
}

/// The SD-ID of slips' structured data (32473: the enterprise number for examples,
/// RFC 5612).
pub const SD_ID: &str = "slips@32473";

/// An RFC 5424 message without transport framing. `msg` replaces the text (CEF or ECS
/// payloads); structured data is written only for the plain text form.
pub fn rfc5424(ev: &Event, meta: &Meta, facility: u8, pid: u32, msg: Option<&str>) -> String {
    let pri = u32::from(facility) * 8 + u32::from(syslog_severity(ev.level()));
    let sd = if msg.is_some() {
        "-".to_owned()
    } else {
        let mut p: Vec<(&str, String)> = vec![
            ("kind", ev.kind().to_owned()),
            ("type", ev.type_name().to_owned()),
            ("id", ev.id().to_owned()),
            ("threat_level", ev.level().as_str().to_owned()),
        ];
        match ev {
            Event::Evidence(e) => {
                p.push(("attacker", e.attacker.value.to_string()));
                if let Some(v) = &e.victim {
                    p.push(("victim", v.value.to_string()));
                }
                p.push(("confidence", format!("{}", e.confidence)));
                p.push(("profile", e.profile.to_string()));
                p.push(("timewindow", e.timewindow.number.to_string()));
            }
            Event::Alert(a, ev) => {
                p.push(("attacker", a.profile.to_string()));
                p.push(("confidence", format!("{}", a.confidence)));
                p.push(("timewindow", a.timewindow.number.to_string()));
                p.push(("evidence", ev.len().to_string()));
            }
        }
        let params: Vec<String> = p
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", sd_escape(v)))
            .collect();
        format!("[{SD_ID} {}]", params.join(" "))
    };
    let text = msg.map_or_else(|| ev.text(), one_line);
    format!(
        "<{pri}>1 {} {} slips {pid} {} {sd} {text}",
        rfc3339(ev.ts()),
        header_field(&meta.sensor, 255),
        header_field(ev.kind(), 32),
    )
}

fn cef_header(s: &str) -> String {
    one_line(s).replace('\\', "\\\\").replace('|', "\\|")
}

fn cef_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace('\r', "")
        .replace('\n', "\\n")
}

/// One ArcSight CEF line (`CEF:0|Stratosphere|slips|<version>|<type>|<name>|<sev>|ext`).
pub fn cef(ev: &Event, meta: &Meta) -> String {
    let mut ext: Vec<(&str, String)> = vec![
        ("rt", (ev.ts().micros() / 1000).to_string()),
        ("externalId", ev.id().to_owned()),
        ("cat", ev.kind().to_owned()),
        ("dvchost", meta.sensor.clone()),
    ];
    let name = match ev {
        Event::Evidence(e) => {
            let attacker = &e.attacker;
            match (attacker.kind, attacker.side) {
                (IocKind::Ip, slips_core::Side::Src) => {
                    ext.push(("src", attacker.value.to_string()))
                }
                (IocKind::Ip, slips_core::Side::Dst) => {
                    ext.push(("dst", attacker.value.to_string()))
                }
                _ => ext.push(("cs2", attacker.value.to_string())),
            }
            if !matches!(attacker.kind, IocKind::Ip) {
                ext.push(("cs2Label", "attacker".into()));
            }
            if let Some(v) = e.victim.as_ref().filter(|v| v.kind == IocKind::Ip) {
                let key = if v.side == slips_core::Side::Src {
                    "src"
                } else {
                    "dst"
                };
                if !ext.iter().any(|(k, _)| *k == key) {
                    ext.push((key, v.value.to_string()));
                }
            }
            if let Some(p) = e.src_port {
                ext.push(("spt", p.to_string()));
            }
            if let Some(p) = e.dst_port {
                ext.push(("dpt", p.to_string()));
            }
            if let Some(p) = e.proto {
                ext.push(("proto", p.to_string().to_ascii_uppercase()));
            }
            ext.push(("cn1", e.timewindow.number.to_string()));
            ext.push(("cn1Label", "timewindow".into()));
            ext.push(("cfp1", format!("{:.2}", e.confidence)));
            ext.push(("cfp1Label", "confidence".into()));
            ext.push(("msg", one_line(&e.description)));
            e.evidence_type.as_str().replace('_', " ").to_lowercase()
        }
        Event::Alert(a, _) => {
            ext.push(("src", a.profile.to_string()));
            ext.push(("cn1", a.timewindow.number.to_string()));
            ext.push(("cn1Label", "timewindow".into()));
            ext.push(("cfp1", format!("{:.2}", a.confidence)));
            ext.push(("cfp1Label", "confidence".into()));
            ext.push(("msg", ev.text()));
            "alert".to_owned()
        }
    };
    let ext: Vec<String> = ext
        .into_iter()
        .map(|(k, v)| format!("{k}={}", cef_value(&v)))
        .collect();
    format!(
        "CEF:0|Stratosphere|slips|{}|{}|{}|{}|{}",
        cef_header(&meta.version),
        cef_header(ev.type_name()),
        cef_header(&name),
        cef_severity(ev.level()),
        ext.join(" ")
    )
}

/// The ECS version the field names follow.
pub const ECS_VERSION: &str = "8.11.0";

fn endpoint(v: &str, port: Option<u16>) -> Value {
    let mut m = Map::new();
    if v.parse::<std::net::IpAddr>().is_ok() {
        m.insert("ip".into(), json!(v));
    } else {
        m.insert("domain".into(), json!(v));
    }
    if let Some(p) = port {
        m.insert("port".into(), json!(p));
    }
    Value::Object(m)
}

/// One Elastic Common Schema document (nested objects, as Elasticsearch stores them).
pub fn ecs(ev: &Event, meta: &Meta) -> Value {
    let mut doc = json!({
        "@timestamp": rfc3339(ev.ts()),
        "ecs": {"version": ECS_VERSION},
        "message": ev.text(),
        "observer": {"name": meta.sensor, "product": "slips", "vendor": "Stratosphere",
                      "type": "ids", "version": meta.version},
        "event": {
            "kind": "alert",
            "category": ["intrusion_detection", "network"],
            "type": ["info"],
            "module": "slips",
            "dataset": format!("slips.{}", ev.kind()),
            "id": ev.id(),
            "action": ev.type_name(),
            "severity": cef_severity(ev.level()),
            "start": rfc3339(ev.ts()),
        },
        "labels": {"threat_level": ev.level().as_str()},
    });
    match ev {
        Event::Evidence(e) => {
            let (attacker, victim) = (&e.attacker, e.victim.as_ref());
            let (src, dst) = match attacker.side {
                slips_core::Side::Src => (Some(attacker), victim),
                slips_core::Side::Dst => (victim, Some(attacker)),
            };
            let mut related = Vec::new();
            if let Some(s) = src {
                doc["source"] = endpoint(&s.value, e.src_port);
                related.push(s.value.to_string());
            }
            if let Some(d) = dst {
                doc["destination"] = endpoint(&d.value, e.dst_port);
                related.push(d.value.to_string());
            }
            let (ips, hosts): (Vec<String>, Vec<String>) = related
                .into_iter()
                .partition(|v| v.parse::<std::net::IpAddr>().is_ok());
            if !ips.is_empty() {
                doc["related"]["ip"] = json!(ips);
            }
            if !hosts.is_empty() {
                doc["related"]["hosts"] = json!(hosts);
            }
            if let Some(p) = e.proto {
                doc["network"] = json!({"transport": p.to_string().to_ascii_lowercase()});
            }
            doc["event"]["risk_score"] = json!((e.weight() * 100.0).round());
            doc["rule"] = json!({"name": e.evidence_type.as_str(), "category": e.method.as_str(),
                                 "description": one_line(&e.description)});
            doc["threat"] = json!({"indicator": {"type": match attacker.kind {
                IocKind::Ip => if attacker.value.contains(':') { "ipv6-addr" } else { "ipv4-addr" },
                IocKind::Domain => "domain-name",
                IocKind::Url => "url",
                IocKind::Md5 => "file",
            }, "confidence": if e.confidence >= 0.8 { "High" } else if e.confidence >= 0.55 { "Medium" } else { "Low" }}});
            doc["labels"]["timewindow"] = json!(e.timewindow.number.to_string());
            doc["labels"]["profile"] = json!(e.profile.to_string());
            if !e.uids.is_empty() {
                doc["labels"]["uids"] = json!(e.uids.join(","));
            }
        }
        Event::Alert(a, ev) => {
            doc["source"] = json!({"ip": a.profile.to_string()});
            doc["related"] = json!({"ip": [a.profile.to_string()]});
            doc["event"]["risk_score"] = json!((a.confidence * 100.0).round());
            doc["event"]["start"] = json!(rfc3339(a.timewindow.start));
            doc["event"]["end"] = json!(rfc3339(a.timewindow.end));
            doc["rule"] = json!({"name": "ALERT"});
            doc["labels"]["timewindow"] = json!(a.timewindow.number.to_string());
            let ids: Vec<&str> = ev.iter().map(|e| e.id.as_str()).collect();
            doc["labels"]["evidence_ids"] = json!(ids.join(","));
        }
    }
    doc
}

#[cfg(test)]
pub(crate) mod fixtures {
    use slips_core::{
        Alert, Evidence, EvidenceType, Ioc, Method, Proto, Side, ThreatLevel, TimeWindow, Timestamp,
    };

    pub fn tw() -> TimeWindow {
        TimeWindow {
            number: 2,
            start: Timestamp::from_secs(1_700_000_000.0),
            end: Timestamp::from_secs(1_700_003_600.0),
        }
    }

    pub fn evidence() -> Evidence {
        Evidence {
            id: "e-1".into(),
            evidence_type: EvidenceType::HORIZONTAL_PORT_SCAN,
            description: "Horizontal port scan to 22/tcp | \"x=y\"\nsecond line".into(),
            profile: "10.0.0.5".parse().unwrap(),
            timewindow: tw(),
            attacker: Ioc::ip("10.0.0.5".parse().unwrap(), Side::Src),
            victim: Some(Ioc::ip("10.0.0.9".parse().unwrap(), Side::Dst)),
            threat_level: ThreatLevel::High,
            confidence: 0.9,
            ts: Timestamp::from_secs(1_700_000_123.5),
            proto: Some(Proto::Tcp),
            src_port: Some(40000),
            dst_port: Some(22),
            uids: vec!["C1".into(), "C2".into()],
            flow_count: 2,
            method: Method::Heuristic,
            detector: "portscan".into(),
            accumulated_threat_level: 0.72,
            related: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn domain_evidence() -> Evidence {
        Evidence {
            id: "e-2".into(),
            evidence_type: EvidenceType::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN,
            description: "Query to a blacklisted domain evil.example".into(),
            attacker: Ioc::domain("evil.example", Side::Dst),
            victim: Some(Ioc::ip("10.0.0.5".parse().unwrap(), Side::Src)),
            threat_level: ThreatLevel::Medium,
            proto: None,
            src_port: None,
            dst_port: None,
            ..evidence()
        }
    }

    pub fn alert() -> Alert {
        Alert {
            id: "a-1".into(),
            profile: "10.0.0.5".parse().unwrap(),
            timewindow: tw(),
            accumulated_threat_level: 1.6,
            threat_level: ThreatLevel::Critical,
            confidence: 1.0,
            evidence_ids: vec!["e-1".into(), "e-2".into()],
            last_ts: Timestamp::from_secs(1_700_000_200.0),
            blocked: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    fn meta() -> Meta {
        Meta {
            sensor: "sensor 1".into(),
            version: "0.1.0".into(),
        }
    }

    #[test]
    fn rfc5424_message() {
        let ev = Event::Evidence(Box::new(evidence()));
        let m = rfc5424(&ev, &meta(), 16, 42, None);
        assert!(
            m.starts_with("<131>1 2023-11-14T22:15:23.500000Z sensor1 slips 42 evidence [slips@32473 kind=\"evidence\" type=\"HORIZONTAL_PORT_SCAN\" id=\"e-1\" threat_level=\"high\" attacker=\"10.0.0.5\""),
            "{m}"
        );
        assert!(
            m.ends_with("] Horizontal port scan to 22/tcp | \"x=y\" second line"),
            "{m}"
        );
        assert!(!m.contains('\n'));
        let a = Event::Alert(Box::new(alert()), vec![evidence()]);
        let m = rfc5424(&a, &meta(), 4, 1, Some("CEF:0|x"));
        assert!(m.starts_with("<34>1 "), "{m}");
        assert!(m.ends_with(" alert - CEF:0|x"), "{m}");
        assert_eq!(sd_escape("a\"b]c\\"), "a\\\"b\\]c\\\\");
    }

    #[test]
    fn cef_line_escapes() {
        let ev = Event::Evidence(Box::new(evidence()));
        let c = cef(&ev, &meta());
        assert!(
            c.starts_with("CEF:0|Stratosphere|slips|0.1.0|HORIZONTAL_PORT_SCAN|horizontal port scan|8|rt=1700000123500 "),
            "{c}"
        );
        assert!(
            c.contains(" src=10.0.0.5 dst=10.0.0.9 spt=40000 dpt=22 proto=TCP "),
            "{c}"
        );
        assert!(
            c.contains("msg=Horizontal port scan to 22/tcp | \"x\\=y\" second line"),
            "{c}"
        );
        let d = cef(&Event::Evidence(Box::new(domain_evidence())), &meta());
        assert!(
            d.contains("cs2=evil.example cs2Label=attacker src=10.0.0.5"),
            "{d}"
        );
        let a = cef(&Event::Alert(Box::new(alert()), vec![]), &meta());
        assert!(a.contains("|ALERT|alert|10|"), "{a}");
    }

    #[test]
    fn times() {
        let t = Timestamp::from_secs(1_700_000_123.5);
        assert_eq!(rfc3339(t), "2023-11-14T22:15:23.500000Z");
        assert_eq!(rfc3339_millis(t), "2023-11-14T22:15:23.500Z");
    }
}

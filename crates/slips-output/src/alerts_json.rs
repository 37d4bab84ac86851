//! `alerts.json`: one IDMEFv2 object per line.
//!
//! Evidence becomes an IDMEFv2 "Event" and an alert an "Incident", with the fields Slips
//! 1.1.21 writes (`Version` 2.0.3, `Analyzer`, `Status`, `ID`, `Severity`, `StartTime`,
//! `CreateTime`, ...). Every object also carries a `"Slips"` member with the same facts in a
//! machine-readable form (evidence type, attacker and victim, window bounds, numeric levels),
//! so consumers do not have to parse the `Note` strings.
//!
//! Key order is fixed by the struct field order, so the same input gives the same bytes; the
//! only value not derived from the input is `CreateTime`, which the caller passes in.
//!
//! Source and Target: `Source` is the attacker and `Target` the victim. The attacker's port is
//! the flow's source port when the attacker is on the source side and the destination port
//! when it is on the destination side (the victim gets the other one); with the usual SRC
//! attacker this is `Source.Port = [sport]`, `Target.Port = [dport]` as in Slips. Unknown
//! ports and protocols are omitted. An MD5 indicator is not an address: it goes to
//! `Attachment` (`"Hash": ["md5:..."]`) and the profile IP stands in as the `Source`.

use crate::error::{OutputError, Result};
use crate::timefmt::iso;
use serde::Serialize;
use slips_core::{
    Alert, Evidence, EvidenceType, Ioc, IocKind, Proto, Side, ThreatLevel, TimeWindow,
};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::Path;

/// File name of the IDMEFv2 export inside the output folder.
pub const ALERTS_JSON: &str = "alerts.json";

/// IDMEFv2 version string Slips writes.
pub const IDMEF_VERSION: &str = "2.0.3";

/// `Analyzer.IP` when reading files (Slips uses the host IP only for live interfaces).
pub const DEFAULT_ANALYZER_IP: &str = "0.0.0.0";

/// Buffered writer of `alerts.json`.
#[derive(Debug)]
pub struct AlertsJson<W: Write = BufWriter<File>> {
    out: W,
    model: String,
    analyzer_ip: String,
    buf: Vec<u8>,
}

impl AlertsJson<BufWriter<File>> {
    /// Creates (truncates) `<out_dir>/alerts.json`. `model` is our version string
    /// (`Analyzer.Model`).
    pub fn create(out_dir: &Path, model: &str) -> Result<Self> {
        let path = out_dir.join(ALERTS_JSON);
        let f = crate::atomic::create(out_dir, &path)?;
        Ok(Self::new(BufWriter::with_capacity(64 * 1024, f), model))
    }
}

impl<W: Write> AlertsJson<W> {
    pub fn new(out: W, model: &str) -> Self {
        AlertsJson {
            out,
            model: model.to_owned(),
            analyzer_ip: DEFAULT_ANALYZER_IP.to_owned(),
            buf: Vec::with_capacity(2048),
        }
    }

    /// Sets `Analyzer.IP` (the host's address when sniffing an interface).
    pub fn with_analyzer_ip(mut self, ip: &str) -> Self {
        self.analyzer_ip = ip.to_owned();
        self
    }

    /// Appends the IDMEFv2 "Event" of one piece of evidence. `create_time` is the
    /// wall-clock time of the export, already formatted (ISO-8601).
    pub fn evidence(&mut self, ev: &Evidence, create_time: &str) -> Result<()> {
        let event = event(ev, &self.model, &self.analyzer_ip, create_time)?;
        write_line(&mut self.out, &mut self.buf, &event)
    }

    /// Appends the IDMEFv2 "Incident" of one alert.
    pub fn alert(&mut self, alert: &Alert, create_time: &str) -> Result<()> {
        let incident = incident(alert, &self.model, &self.analyzer_ip, create_time)?;
        write_line(&mut self.out, &mut self.buf, &incident)
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(OutputError::Write)
    }

    /// Flushes and returns the inner writer.
    pub fn into_inner(mut self) -> Result<W> {
        self.flush()?;
        Ok(self.out)
    }
}

fn write_line<W: Write, T: Serialize>(out: &mut W, buf: &mut Vec<u8>, value: &T) -> Result<()> {
    buf.clear();
    serde_json::to_writer(&mut *buf, value)?;
    buf.push(b'\n');
    out.write_all(buf).map_err(OutputError::Write)
}

/// The JSON line of one evidence (without the newline), for callers that export elsewhere.
pub fn evidence_json(ev: &Evidence, model: &str, create_time: &str) -> Result<String> {
    Ok(serde_json::to_string(&event(
        ev,
        model,
        DEFAULT_ANALYZER_IP,
        create_time,
    )?)?)
}

/// The JSON line of one alert (without the newline).
pub fn alert_json(alert: &Alert, model: &str, create_time: &str) -> Result<String> {
    Ok(serde_json::to_string(&incident(
        alert,
        model,
        DEFAULT_ANALYZER_IP,
        create_time,
    )?)?)
}

#[derive(Serialize)]
struct Analyzer<'a> {
    #[serde(rename = "IP")]
    ip: &'a str,
    #[serde(rename = "Name")]
    name: &'static str,
    #[serde(rename = "Model")]
    model: &'a str,
    #[serde(rename = "Category")]
    category: [&'static str; 1],
    #[serde(rename = "Data")]
    data: [&'static str; 2],
    #[serde(rename = "Method")]
    method: [&'static str; 1],
}

impl<'a> Analyzer<'a> {
    fn new(ip: &'a str, model: &'a str, method: &'static str) -> Self {
        Analyzer {
            ip,
            name: "Slips",
            model,
            category: ["NIDS"],
            data: ["Flow", "Network"],
            method: [method],
        }
    }
}

/// One `Source` or `Target` entry.
#[derive(Serialize, Default)]
struct Endpoint<'a> {
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    ip: Option<Cow<'a, str>>,
    #[serde(rename = "Hostname", skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(rename = "URL", skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(rename = "Port", skip_serializing_if = "Option::is_none")]
    port: Option<[u16; 1]>,
    #[serde(rename = "Protocol", skip_serializing_if = "Option::is_none")]
    protocol: Option<[&'static str; 1]>,
    #[serde(rename = "Note", skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

/// The enrichment text of an IP endpoint, if the evidence carries one.
fn note_for<'a>(ev: &'a Evidence, ioc: &Ioc) -> Option<&'a str> {
    let ip = ioc.as_ip()?;
    ev.notes
        .iter()
        .find(|n| n.ip == ip)
        .map(|n| n.text.as_str())
}

#[derive(Serialize)]
struct Attachment<'a> {
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Hash")]
    hash: [String; 1],
}

#[derive(Serialize)]
struct WindowJson {
    number: i64,
    start: f64,
    end: f64,
    start_iso: String,
    end_iso: String,
}

impl WindowJson {
    fn new(tw: &TimeWindow) -> Self {
        WindowJson {
            number: tw.number,
            start: tw.start.secs(),
            end: tw.end.secs(),
            start_iso: iso(tw.start),
            end_iso: iso(tw.end),
        }
    }
}

#[derive(Serialize)]
struct EventNote<'a> {
    uids: &'a [slips_core::Str],
    accumulated_threat_level: f64,
    threat_level: ThreatLevel,
    confidence: &'static str,
    timewindow: i64,
}

#[derive(Serialize)]
struct SlipsEvidence<'a> {
    evidence_type: EvidenceType,
    detector: &'a str,
    method: &'static str,
    profile: IpAddr,
    attacker: &'a Ioc,
    victim: Option<&'a Ioc>,
    src_port: Option<u16>,
    dst_port: Option<u16>,
    protocol: Option<Proto>,
    timewindow: WindowJson,
    threat_level: ThreatLevel,
    confidence: f64,
    uids: &'a [slips_core::Str],
    flow_count: u64,
    accumulated_threat_level: f64,
}

#[derive(Serialize)]
struct Event<'a> {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Analyzer")]
    analyzer: Analyzer<'a>,
    #[serde(rename = "Status")]
    status: &'static str,
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "Severity")]
    severity: &'static str,
    #[serde(rename = "StartTime")]
    start_time: String,
    #[serde(rename = "CreateTime")]
    create_time: &'a str,
    #[serde(rename = "Confidence")]
    confidence: f64,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Source")]
    source: Vec<Endpoint<'a>>,
    #[serde(rename = "Target", skip_serializing_if = "Vec::is_empty")]
    target: Vec<Endpoint<'a>>,
    #[serde(rename = "Attachment", skip_serializing_if = "Vec::is_empty")]
    attachment: Vec<Attachment<'a>>,
    #[serde(rename = "RelID", skip_serializing_if = "<[_]>::is_empty")]
    rel_id: &'a [slips_core::Str],
    #[serde(rename = "Note")]
    note: String,
    #[serde(rename = "Slips")]
    slips: SlipsEvidence<'a>,
}

#[derive(Serialize)]
struct AlertNote {
    accumulated_threat_level: f64,
    timewindow: i64,
    #[serde(rename = "EndTime")]
    end_time: String,
}

#[derive(Serialize)]
struct SlipsAlert<'a> {
    profile: IpAddr,
    timewindow: WindowJson,
    accumulated_threat_level: f64,
    confidence: f64,
    threat_level: ThreatLevel,
    evidence_ids: &'a [slips_core::Str],
    last_flow_time: String,
    /// Whether the attacker was blocked (only with blocking on).
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked: Option<bool>,
}

#[derive(Serialize)]
struct Incident<'a> {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Analyzer")]
    analyzer: Analyzer<'a>,
    #[serde(rename = "Status")]
    status: &'static str,
    #[serde(rename = "ID")]
    id: &'a str,
    #[serde(rename = "Severity")]
    severity: &'static str,
    #[serde(rename = "StartTime")]
    start_time: String,
    #[serde(rename = "CreateTime")]
    create_time: &'a str,
    #[serde(rename = "Source")]
    source: [Endpoint<'a>; 1],
    #[serde(rename = "CorrelID")]
    correl_id: &'a [slips_core::Str],
    #[serde(rename = "Note")]
    note: String,
    #[serde(rename = "Slips")]
    slips: SlipsAlert<'a>,
}

/// IDMEFv2 severity: Critical maps to High (IDMEFv2 has no critical).
pub fn severity(level: ThreatLevel) -> &'static str {
    match level {
        ThreatLevel::Info => "Info",
        ThreatLevel::Low => "Low",
        ThreatLevel::Medium => "Medium",
        ThreatLevel::High | ThreatLevel::Critical => "High",
    }
}

/// Slips' textual confidence in the Note: `>= 0.8` High, `>= 0.55` Medium, else `low`.
pub fn confidence_word(confidence: f64) -> &'static str {
    if confidence >= 0.8 {
        "High"
    } else if confidence >= 0.55 {
        "Medium"
    } else {
        "low"
    }
}

/// IANA protocol keyword for IDMEFv2 `Protocol`; `None` for unknown protocols.
fn protocol_name(p: Proto) -> Option<&'static str> {
    Some(match p {
        Proto::Tcp => "TCP",
        Proto::Udp => "UDP",
        Proto::Icmp => "ICMP",
        Proto::Icmp6 => "IPv6-ICMP",
        Proto::Igmp => "IGMP",
        Proto::Gre => "GRE",
        Proto::Esp => "ESP",
        Proto::Arp => "ARP",
        Proto::Other => return None,
    })
}

/// Fills the address member of an endpoint from an indicator; false for MD5 indicators.
fn set_address<'a>(e: &mut Endpoint<'a>, ioc: &'a Ioc) -> bool {
    match ioc.kind {
        IocKind::Ip => e.ip = Some(Cow::Borrowed(&ioc.value)),
        IocKind::Domain => e.hostname = Some(&ioc.value),
        IocKind::Url => e.url = Some(&ioc.value),
        IocKind::Md5 => return false,
    }
    true
}

fn event<'a>(
    ev: &'a Evidence,
    model: &'a str,
    analyzer_ip: &'a str,
    create_time: &'a str,
) -> Result<Event<'a>> {
    let (attacker_port, victim_port) = match ev.attacker.side {
        Side::Src => (ev.src_port, ev.dst_port),
        Side::Dst => (ev.dst_port, ev.src_port),
    };
    let mut attachment = Vec::new();
    let mut hash = |ioc: &Ioc| {
        attachment.push(Attachment {
            name: &ev.id,
            hash: [format!("md5:{}", ioc.value)],
        })
    };

    let mut src = Endpoint {
        port: attacker_port.map(|p| [p]),
        protocol: ev.proto.and_then(protocol_name).map(|p| [p]),
        ..Default::default()
    };
    if !set_address(&mut src, &ev.attacker) {
        hash(&ev.attacker);
        src.ip = Some(Cow::Owned(ev.profile.to_string()));
    }
    src.note = note_for(ev, &ev.attacker);
    let mut target = Vec::new();
    if let Some(victim) = &ev.victim {
        let mut t = Endpoint {
            port: victim_port.map(|p| [p]),
            note: note_for(ev, victim),
            ..Default::default()
        };
        if set_address(&mut t, victim) {
            target.push(t);
        } else {
            hash(victim);
        }
    }
    let note = serde_json::to_string(&EventNote {
        uids: &ev.uids,
        accumulated_threat_level: ev.accumulated_threat_level,
        threat_level: ev.threat_level,
        confidence: confidence_word(ev.confidence),
        timewindow: ev.timewindow.number,
    })?;
    let mut description = String::with_capacity(ev.description.len() + 24);
    description.push_str(&ev.description);
    description.push_str(" Threat level: ");
    description.push_str(ev.threat_level.as_str());
    description.push('.');
    Ok(Event {
        version: IDMEF_VERSION,
        analyzer: Analyzer::new(analyzer_ip, model, ev.method.as_str()),
        status: "Event",
        id: &ev.id,
        severity: severity(ev.threat_level),
        start_time: iso(ev.ts),
        create_time,
        confidence: ev.confidence,
        description,
        source: vec![src],
        target,
        attachment,
        rel_id: &ev.related,
        note,
        slips: SlipsEvidence {
            evidence_type: ev.evidence_type,
            detector: &ev.detector,
            method: ev.method.as_str(),
            profile: ev.profile,
            attacker: &ev.attacker,
            victim: ev.victim.as_ref(),
            src_port: ev.src_port,
            dst_port: ev.dst_port,
            protocol: ev.proto,
            timewindow: WindowJson::new(&ev.timewindow),
            threat_level: ev.threat_level,
            confidence: ev.confidence,
            uids: &ev.uids,
            flow_count: ev.flow_count,
            accumulated_threat_level: ev.accumulated_threat_level,
        },
    })
}

fn incident<'a>(
    alert: &'a Alert,
    model: &'a str,
    analyzer_ip: &'a str,
    create_time: &'a str,
) -> Result<Incident<'a>> {
    let note = serde_json::to_string(&AlertNote {
        accumulated_threat_level: alert.accumulated_threat_level,
        timewindow: alert.timewindow.number,
        end_time: iso(alert.timewindow.end),
    })?;
    Ok(Incident {
        version: IDMEF_VERSION,
        analyzer: Analyzer::new(analyzer_ip, model, slips_core::Method::Heuristic.as_str()),
        status: "Incident",
        id: &alert.id,
        severity: severity(alert.threat_level),
        start_time: iso(alert.timewindow.start),
        create_time,
        source: [Endpoint {
            ip: Some(Cow::Owned(alert.profile.to_string())),
            ..Default::default()
        }],
        correl_id: &alert.evidence_ids,
        note,
        slips: SlipsAlert {
            profile: alert.profile,
            timewindow: WindowJson::new(&alert.timewindow),
            accumulated_threat_level: alert.accumulated_threat_level,
            confidence: alert.confidence,
            threat_level: alert.threat_level,
            evidence_ids: &alert.evidence_ids,
            last_flow_time: iso(alert.last_ts),
            blocked: alert.blocked,
        },
    })
}

impl<W: Write> crate::sink::Sink for AlertsJson<W> {
    fn name(&self) -> &'static str {
        "alerts.json"
    }
    fn evidence(&mut self, e: &Evidence, now: &crate::sink::Now<'_>) -> Result<()> {
        AlertsJson::evidence(self, e, now.create_time)
    }
    fn alert(&mut self, a: &Alert, _ev: &[Evidence], now: &crate::sink::Now<'_>) -> Result<()> {
        AlertsJson::alert(self, a, now.create_time)
    }
    fn flush(&mut self) -> Result<()> {
        AlertsJson::flush(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{alert, evidence_domain, evidence_dst, evidence_scan};
    use serde_json::Value;

    const NOW: &str = "2024-01-02T03:04:05.000006+00:00";

    fn write_all() -> Vec<u8> {
        let mut j = AlertsJson::new(Vec::new(), "slips-rs 0.1.0");
        j.evidence(&evidence_scan(), NOW).unwrap();
        j.evidence(&evidence_dst(), NOW).unwrap();
        j.evidence(&evidence_domain(), NOW).unwrap();
        j.alert(&alert(), NOW).unwrap();
        j.into_inner().unwrap()
    }

    const GOLDEN_EVENT: &str = concat!(
        r#"{"Version":"2.0.3","Analyzer":{"IP":"0.0.0.0","Name":"Slips","Model":"slips-rs 0.1.0","Category":["NIDS"],"Data":["Flow","Network"],"Method":["Heuristic"]},"#,
        r#""Status":"Event","ID":"0b5c3b8e-0000-4000-8000-000000000001","Severity":"High","StartTime":"2018-09-27T22:44:06.123456+00:00","#,
        r#""CreateTime":"2024-01-02T03:04:05.000006+00:00","Confidence":1.0,"#,
        r#""Description":"Horizontal port scan to port 81/tcp. From 192.168.2.12 to 15 unique destination IPs. Threat level: high.","#,
        r#""Source":[{"IP":"192.168.2.12","Protocol":["TCP"]}],"#,
        r#""Note":"{\"uids\":[\"CUid1\",\"CUid2\"],\"accumulated_threat_level\":0.8,\"threat_level\":\"high\",\"confidence\":\"High\",\"timewindow\":1}","#,
        r#""Slips":{"evidence_type":"HORIZONTAL_PORT_SCAN","detector":"portscan","method":"Heuristic","profile":"192.168.2.12","#,
        r#""attacker":{"kind":"IP","value":"192.168.2.12","side":"SRC"},"victim":null,"src_port":null,"dst_port":81,"protocol":"tcp","#,
        r#""timewindow":{"number":1,"start":1538085600.0,"end":1538089200.0,"start_iso":"2018-09-27T22:00:00+00:00","end_iso":"2018-09-27T23:00:00+00:00"},"#,
        r#""threat_level":"high","confidence":1.0,"uids":["CUid1","CUid2"],"flow_count":15,"accumulated_threat_level":0.8}}"#
    );

    const GOLDEN_INCIDENT: &str = concat!(
        r#"{"Version":"2.0.3","Analyzer":{"IP":"0.0.0.0","Name":"Slips","Model":"slips-rs 0.1.0","Category":["NIDS"],"Data":["Flow","Network"],"Method":["Heuristic"]},"#,
        r#""Status":"Incident","ID":"a1e7a1e7-0000-4000-8000-000000000001","Severity":"High","StartTime":"2018-09-27T22:00:00+00:00","#,
        r#""CreateTime":"2024-01-02T03:04:05.000006+00:00","Source":[{"IP":"192.168.2.12"}],"#,
        r#""CorrelID":["0b5c3b8e-0000-4000-8000-000000000001"],"#,
        r#""Note":"{\"accumulated_threat_level\":15.2,\"timewindow\":1,\"EndTime\":\"2018-09-27T23:00:00+00:00\"}","#,
        r#""Slips":{"profile":"192.168.2.12","#,
        r#""timewindow":{"number":1,"start":1538085600.0,"end":1538089200.0,"start_iso":"2018-09-27T22:00:00+00:00","end_iso":"2018-09-27T23:00:00+00:00"},"#,
        r#""accumulated_threat_level":15.2,"confidence":0.490566037735849,"threat_level":"critical","#,
        r#""evidence_ids":["0b5c3b8e-0000-4000-8000-000000000001"],"last_flow_time":"2018-09-27T22:59:59.500000+00:00"}}"#
    );

    #[test]
    fn golden_lines() {
        let text = String::from_utf8(write_all()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], GOLDEN_EVENT);
        assert_eq!(lines[3], GOLDEN_INCIDENT);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn file_is_written_and_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = AlertsJson::create(dir.path(), "slips-rs 0.1.0").unwrap();
        j.evidence(&evidence_scan(), NOW).unwrap();
        j.evidence(&evidence_dst(), NOW).unwrap();
        j.evidence(&evidence_domain(), NOW).unwrap();
        j.alert(&alert(), NOW).unwrap();
        j.flush().unwrap();
        drop(j);
        let file = std::fs::read(dir.path().join(ALERTS_JSON)).unwrap();
        assert_eq!(file, write_all());
        assert_eq!(write_all(), write_all());
    }

    #[test]
    fn lines_parse_with_idmef_and_slips_fields() {
        let text = String::from_utf8(write_all()).unwrap();
        let v: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        for obj in &v {
            for key in [
                "Version",
                "Analyzer",
                "Status",
                "ID",
                "Severity",
                "StartTime",
                "CreateTime",
                "Source",
                "Note",
                "Slips",
            ] {
                assert!(obj.get(key).is_some(), "{key} missing in {obj}");
            }
            // Note is a JSON string that parses too.
            let note: Value = serde_json::from_str(obj["Note"].as_str().unwrap()).unwrap();
            assert!(note.get("timewindow").is_some());
        }
        // DST attacker: the attacker's port is the destination port, the victim gets the
        // source port; medium confidence word.
        let dst = &v[1];
        assert_eq!(dst["Severity"], "Medium");
        assert_eq!(dst["Analyzer"]["Method"][0], "Threat Intelligence");
        assert_eq!(dst["Source"][0]["IP"], "8.8.4.4");
        assert_eq!(dst["Source"][0]["Port"][0], 443);
        assert_eq!(dst["Target"][0]["IP"], "192.168.2.12");
        assert_eq!(dst["Target"][0]["Port"][0], 50000);
        assert!(dst["Target"][0].get("Protocol").is_none());
        assert_eq!(
            dst["Description"],
            "Connection from a blacklisted IP\n(second line) Threat level: medium."
        );
        let note: Value = serde_json::from_str(dst["Note"].as_str().unwrap()).unwrap();
        assert_eq!(note["confidence"], "Medium");
        assert_eq!(dst["Slips"]["attacker"]["side"], "DST");
        assert_eq!(dst["Slips"]["victim"]["value"], "192.168.2.12");
        // Domain attacker: Hostname, no port or protocol; Critical becomes High.
        let dom = &v[2];
        assert_eq!(dom["Severity"], "High");
        assert_eq!(dom["Slips"]["threat_level"], "critical");
        assert_eq!(
            dom["Source"][0],
            serde_json::json!({"Hostname": "evil.example"})
        );
        assert_eq!(dom["Target"][0], serde_json::json!({"IP": "192.168.2.12"}));
        let note: Value = serde_json::from_str(dom["Note"].as_str().unwrap()).unwrap();
        assert_eq!(note["confidence"], "low");
        assert_eq!(dom["Slips"]["protocol"], Value::Null);
        // Incident.
        assert_eq!(v[3]["Status"], "Incident");
        assert_eq!(v[3]["CorrelID"][0], "0b5c3b8e-0000-4000-8000-000000000001");
    }

    #[test]
    fn md5_goes_to_attachment() {
        let mut ev = evidence_scan();
        ev.attacker = Ioc {
            kind: IocKind::Md5,
            value: "d41d8cd98f00b204e9800998ecf8427e".into(),
            side: Side::Dst,
        };
        let v: Value = serde_json::from_str(&evidence_json(&ev, "m", NOW).unwrap()).unwrap();
        assert_eq!(v["Source"][0]["IP"], "192.168.2.12");
        assert_eq!(v["Source"][0]["Port"][0], 81);
        assert_eq!(
            v["Attachment"][0]["Hash"][0],
            "md5:d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            v["Attachment"][0]["Name"],
            "0b5c3b8e-0000-4000-8000-000000000001"
        );
        let a: Value = serde_json::from_str(&alert_json(&alert(), "m", NOW).unwrap()).unwrap();
        assert_eq!(a["Analyzer"]["Model"], "m");
    }

    #[test]
    fn confidence_words() {
        assert_eq!(confidence_word(0.8), "High");
        assert_eq!(confidence_word(0.79), "Medium");
        assert_eq!(confidence_word(0.55), "Medium");
        assert_eq!(confidence_word(0.5), "low");
    }
}

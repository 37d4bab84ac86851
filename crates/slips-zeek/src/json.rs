//! Zeek JSON logs: one object per line, keys such as `id.orig_h`, arrays for sets.

use crate::error::LineError;
use crate::kinds::{with_kind, FieldSet, Kind, LabelCol, Labels};
use crate::value::{JVal, Key, Value};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use slips_core::{Flow, RecordKind};
use std::fmt;
use std::marker::PhantomData;

/// Parses one Zeek JSON line (one object) of the given log kind into a flow. Unknown keys
/// are ignored; `label` / `detailed-label` / `detailedlabel` fill the ground truth.
pub fn parse_json_line(kind: RecordKind, line: &[u8]) -> Result<Flow, LineError> {
    with_kind!(kind, K => parse_kind::<K>(line))
}

fn parse_kind<K: Kind>(line: &[u8]) -> Result<Flow, LineError> {
    let mut err = None;
    let mut de = serde_json::Deserializer::from_slice(line);
    let seed = Seed::<K> {
        err: &mut err,
        _k: PhantomData,
    };
    let parsed = seed.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok((b, labels)) => Ok(Flow {
            record: K::finish(b)?,
            label: labels.into_truth(),
        }),
        Err(e) => Err(err.unwrap_or_else(|| LineError::Json(e.to_string()))),
    }
}

struct Seed<'e, K> {
    /// The field error that stopped the deserializer, kept typed.
    err: &'e mut Option<LineError>,
    _k: PhantomData<K>,
}

impl<'de, K: Kind> DeserializeSeed<'de> for Seed<'_, K> {
    type Value = (K::B, Labels);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, K: Kind> Visitor<'de> for Seed<'_, K> {
    type Value = (K::B, Labels);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Zeek log record (JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut b = K::B::default();
        let mut labels = Labels::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if let Some(f) = K::F::lookup(&key) {
                let v: JVal<'de> = map.next_value()?;
                if let Err(e) = K::set(&mut b, f, &v) {
                    *self.err = Some(LineError::field(f.name(), &v.describe(), e));
                    return Err(de::Error::custom("bad field value"));
                }
            } else if let Some(c) = LabelCol::lookup(&key) {
                let v: JVal<'de> = map.next_value()?;
                if let Err(e) = labels.set(c, &v) {
                    *self.err = Some(LineError::field("label", &v.describe(), e));
                    return Err(de::Error::custom("bad label"));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok((b, labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ValueError;
    use slips_core::{ArpOp, ConnState, Proto, Record};

    const CONN: &str = r#"{"ts":22.335172,"uid":"C6ce9q3xECAsonga21","id.orig_h":"fe80::1cf4:44d2:904a:14f7","id.orig_p":61099,"id.resp_h":"ff02::1:3","id.resp_p":5355,"proto":"udp","service":"dns","duration":0.09628199999999865,"orig_bytes":50,"resp_bytes":0,"conn_state":"S0","missed_bytes":0,"history":"D","orig_pkts":2,"orig_ip_bytes":146,"resp_pkts":0,"resp_ip_bytes":0,"orig_l2_addr":"08:00:27:7f:09:e1","resp_l2_addr":"ff:ff:ff:ff:ff:ff","tunnel_parents":["a"],"extra":{"x":[1,2]}}"#;

    #[test]
    fn conn() {
        let f = parse_json_line(RecordKind::Conn, CONN.as_bytes()).unwrap();
        let Record::Conn(c) = f.record else { panic!() };
        assert_eq!(c.ts.secs(), 22.335172);
        assert_eq!(c.uid, "C6ce9q3xECAsonga21");
        assert_eq!(c.saddr, Some("fe80::1cf4:44d2:904a:14f7".parse().unwrap()));
        assert_eq!((c.sport, c.dport), (61099, 5355));
        assert_eq!(c.proto, Some(Proto::Udp));
        assert_eq!(c.service.as_deref(), Some("dns"));
        assert_eq!(c.state, ConnState::S0);
        assert_eq!((c.sbytes, c.dbytes, c.spkts, c.dpkts), (50, 0, 2, 0));
        assert_eq!((c.sip_bytes, c.dip_bytes), (146, 0));
        assert_eq!(c.smac.unwrap().to_string(), "08:00:27:7f:09:e1");
        assert!(c.dmac.unwrap().is_broadcast());
        assert!(f.label.is_none());
    }

    #[test]
    fn labels() {
        let line = r#"{"ts":1,"uid":"C","label":"Malicious","detailed-label":"C&C"}"#;
        let l = parse_json_line(RecordKind::Conn, line.as_bytes())
            .unwrap()
            .label
            .unwrap();
        assert_eq!(l.label, "Malicious");
        assert_eq!(l.detailed_label.as_deref(), Some("C&C"));
        let line = r#"{"ts":1,"detailedlabel":"-","label":"Benign"}"#;
        let l = parse_json_line(RecordKind::Dns, line.as_bytes())
            .unwrap()
            .label
            .unwrap();
        assert_eq!(l.label, "Benign");
        assert_eq!(l.detailed_label, None);
    }

    #[test]
    fn escapes_and_iso_time() {
        let line = r#"{"ts":"2020-10-06T15:32:46.5Z","uid":"C\u0041","query":"a\tb"}"#;
        let Record::Dns(d) = parse_json_line(RecordKind::Dns, line.as_bytes())
            .unwrap()
            .record
        else {
            panic!()
        };
        assert_eq!(d.ts.secs(), 1_601_998_366.5);
        assert_eq!(d.uid, "CA");
        assert_eq!(d.query.as_deref(), Some("a\tb"));
    }

    #[test]
    fn errors() {
        let p = |s: &str| parse_json_line(RecordKind::Conn, s.as_bytes());
        assert!(matches!(p("{\"ts\":1,"), Err(LineError::Json(_))));
        assert!(matches!(p("[1,2]"), Err(LineError::Json(_))));
        assert!(matches!(p("{\"ts\":1} x"), Err(LineError::Json(_))));
        assert!(matches!(p(""), Err(LineError::Json(_))));
        assert_eq!(p("{\"uid\":\"x\"}"), Err(LineError::MissingTs));
        assert_eq!(p("{\"ts\":null}"), Err(LineError::MissingTs));
        assert!(matches!(
            p(r#"{"ts":1,"id.orig_h":"1.2.3"}"#),
            Err(LineError::Field {
                field: "id.orig_h",
                reason: ValueError::Ip,
                ..
            })
        ));
        assert!(matches!(
            p(r#"{"ts":1,"id.orig_p":65536}"#),
            Err(LineError::Field {
                field: "id.orig_p",
                reason: ValueError::Int,
                ..
            })
        ));
        assert!(matches!(
            p(r#"{"ts":1,"orig_bytes":"x"}"#),
            Err(LineError::Field {
                field: "orig_bytes",
                ..
            })
        ));
        assert!(matches!(
            p(r#"{"ts":"nan"}"#),
            Err(LineError::Field {
                field: "ts",
                reason: ValueError::Time,
                ..
            })
        ));
        assert!(matches!(
            p(r#"{"ts":1e999}"#),
            Err(LineError::Json(_)) | Err(LineError::Field { .. })
        ));
        assert!(matches!(
            p(r#"{"ts":1,"uid":{"a":1}}"#),
            Err(LineError::Field {
                field: "uid",
                reason: ValueError::Type,
                ..
            })
        ));
        assert!(p("{\"ts\":1,\"uid\":\"\u{7f}\"}").is_ok());
        assert!(matches!(
            parse_json_line(RecordKind::Conn, b"{\"ts\":1,\"uid\":\"\xff\"}"),
            Err(LineError::Json(_))
        ));
        assert!(matches!(
            parse_json_line(RecordKind::Arp, br#"{"ts":1,"operation":"gratuitous"}"#),
            Err(LineError::Field {
                field: "operation",
                reason: ValueError::ArpOperation,
                ..
            })
        ));
    }

    #[test]
    fn arp() {
        let line = r#"{"ts":1665150785.996414,"operation":"reply","src_mac":"50:5b:c2:db:c3:17","dst_mac":"ff:ff:ff:ff:ff:ff","orig_h":"192.168.1.15","resp_h":"69.220.152.0","orig_hw":"50:50:50:50:50:50","resp_hw":"ff:ff:ff:ff:ff:ff"}"#;
        let Record::Arp(a) = parse_json_line(RecordKind::Arp, line.as_bytes())
            .unwrap()
            .record
        else {
            panic!()
        };
        assert_eq!(a.operation, ArpOp::Reply);
        assert_eq!(a.saddr, Some("192.168.1.15".parse().unwrap()));
        assert_eq!(a.daddr, Some("69.220.152.0".parse().unwrap()));
        assert!(a.dst_mac.unwrap().is_broadcast());
        assert_eq!(a.src_hw.unwrap().to_string(), "50:50:50:50:50:50");
        assert!(a.dst_hw.unwrap().is_broadcast());
    }
}

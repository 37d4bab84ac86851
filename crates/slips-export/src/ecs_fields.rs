//! The Elastic Common Schema field names (ECS 8.11 reference, "Field reference") that the
//! ECS export writes, with their published types and allowed values, so that the test
//! fails when a document carries a name ECS does not define.

use serde_json::Value;

/// (field, ECS type). `labels` is an object of keyword values (`labels.*`).
const FIELDS: &[(&str, &str)] = &[
    ("@timestamp", "date"),
    ("message", "match_only_text"),
    ("ecs.version", "keyword"),
    ("event.kind", "keyword"),
    ("event.category", "keyword"),
    ("event.type", "keyword"),
    ("event.module", "keyword"),
    ("event.dataset", "keyword"),
    ("event.id", "keyword"),
    ("event.action", "keyword"),
    ("event.severity", "long"),
    ("event.risk_score", "float"),
    ("event.start", "date"),
    ("event.end", "date"),
    ("observer.name", "keyword"),
    ("observer.product", "keyword"),
    ("observer.vendor", "keyword"),
    ("observer.type", "keyword"),
    ("observer.version", "keyword"),
    ("source.ip", "ip"),
    ("source.port", "long"),
    ("source.domain", "keyword"),
    ("destination.ip", "ip"),
    ("destination.port", "long"),
    ("destination.domain", "keyword"),
    ("related.ip", "ip"),
    ("related.hosts", "keyword"),
    ("network.transport", "keyword"),
    ("rule.name", "keyword"),
    ("rule.category", "keyword"),
    ("rule.description", "keyword"),
    ("threat.indicator.type", "keyword"),
    ("threat.indicator.confidence", "keyword"),
];

/// Allowed values where ECS lists them.
const ALLOWED: &[(&str, &[&str])] = &[
    (
        "event.kind",
        &[
            "alert",
            "asset",
            "enrichment",
            "event",
            "metric",
            "state",
            "pipeline_error",
            "signal",
        ],
    ),
    (
        "event.category",
        &[
            "api",
            "authentication",
            "configuration",
            "database",
            "driver",
            "email",
            "file",
            "host",
            "iam",
            "intrusion_detection",
            "library",
            "malware",
            "network",
            "package",
            "process",
            "registry",
            "session",
            "threat",
            "vulnerability",
            "web",
        ],
    ),
    (
        "event.type",
        &[
            "access",
            "admin",
            "allowed",
            "change",
            "connection",
            "creation",
            "deletion",
            "denied",
            "end",
            "error",
            "group",
            "indicator",
            "info",
            "installation",
            "protocol",
            "start",
            "user",
        ],
    ),
    (
        "threat.indicator.type",
        &[
            "autonomous-system",
            "artifact",
            "directory",
            "domain-name",
            "email-addr",
            "file",
            "ipv4-addr",
            "ipv6-addr",
            "mac-addr",
            "mutex",
            "port",
            "process",
            "software",
            "url",
            "user-account",
            "windows-registry-key",
            "x509-certificate",
        ],
    ),
    (
        "threat.indicator.confidence",
        &["Not Specified", "None", "Low", "Medium", "High"],
    ),
];

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if prefix != "labels" => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        _ => out.push((prefix.to_owned(), v.clone())),
    }
}

/// Panics unless every field of `doc` is an ECS field of the right type and value.
pub fn check(doc: &Value) {
    let mut fields = Vec::new();
    flatten("", doc, &mut fields);
    for (k, v) in &fields {
        if k == "labels" {
            let m = v.as_object().expect("labels is an object");
            assert!(m.values().all(Value::is_string), "labels are keywords: {v}");
            continue;
        }
        let ty = FIELDS
            .iter()
            .find(|(f, _)| f == k)
            .unwrap_or_else(|| panic!("{k} is not an ECS field"))
            .1;
        let values: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for x in values {
            let ok = match ty {
                "long" => x.is_u64() || x.is_i64(),
                "float" => x.is_number(),
                "ip" => x
                    .as_str()
                    .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
                "date" => x
                    .as_str()
                    .is_some_and(|s| s.parse::<jiff::Timestamp>().is_ok()),
                _ => x.is_string(),
            };
            assert!(ok, "{k}: {x} is not an ECS {ty}");
            if let Some((_, allowed)) = ALLOWED.iter().find(|(f, _)| f == k) {
                let s = x.as_str().unwrap_or_default();
                assert!(allowed.contains(&s), "{k}: {s} is not an allowed value");
            }
        }
    }
    for required in ["@timestamp", "ecs.version", "event.kind", "message"] {
        assert!(
            fields.iter().any(|(k, _)| k == required),
            "{required} missing"
        );
    }
}

//! Feed lists (`TI_feeds.csv`, `JA3_feeds.csv`, `SSL_feeds.csv`), local IoC files
//! (`own_malicious_iocs.csv`, `own_malicious_JA3.csv`, `own_malicious_JARM.csv`) and the
//! formats of feed contents: plain lists of IPs/ranges/domains (also netset and hosts
//! files), ipsum (`IP<TAB>count`), CSV with a header naming the IoC column (the header may
//! be a `#` comment, as in abuse.ch files), Zeek intel files and JSON (arrays of strings or
//! objects, or one object per line).
//!
//! Malformed lines are reported with the file name and line number, and skipped.

use crate::ioc::{classify, IocValue};
use crate::text::{split_csv, Problems};
use serde_json::Value;
use slips_core::ThreatLevel;
use slips_detectors::knowledge::Fingerprint;
use std::path::{Path, PathBuf};

/// Which list a feed comes from; decides what a hash in it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// IPs, ranges, domains, URLs, ASNs, file hashes (`TI_feeds.csv`, `own_malicious_iocs.csv`).
    Ti,
    /// JA3 / JA3S fingerprints (`JA3_feeds.csv`, `own_malicious_JA3.csv`).
    Ja3,
    /// SHA1 of TLS certificates (`SSL_feeds.csv`).
    Ssl,
    /// JARM fingerprints (`own_malicious_JARM.csv`).
    Jarm,
}

impl ListKind {
    /// The kind of a local IoC file from its name (`own_malicious_JA3.csv` → JA3).
    pub fn of_local_file(name: &str) -> ListKind {
        let n = name.to_ascii_lowercase();
        if n.contains("ja3") {
            ListKind::Ja3
        } else if n.contains("jarm") {
            ListKind::Jarm
        } else if n.contains("ssl") || n.contains("cert") {
            ListKind::Ssl
        } else {
            ListKind::Ti
        }
    }

    /// Checks an indicator against the list kind; returns the fingerprint set for hashes.
    pub fn accept(self, v: &IocValue) -> Result<Option<Fingerprint>, String> {
        match (self, v) {
            (ListKind::Ti, IocValue::Hash(h)) => match h.len() {
                32 | 40 | 64 => Ok(Some(Fingerprint::FileHash)),
                n => Err(format!(
                    "a hash of {n} hex digits is not an MD5, SHA1 or SHA256"
                )),
            },
            (ListKind::Ti, _) => Ok(None),
            (ListKind::Ja3, IocValue::Hash(h)) if h.len() == 32 => Ok(Some(Fingerprint::Ja3)),
            (ListKind::Ssl, IocValue::Hash(h)) if h.len() == 40 => Ok(Some(Fingerprint::CertSha1)),
            (ListKind::Jarm, IocValue::Hash(h)) if h.len() == 62 => Ok(Some(Fingerprint::Jarm)),
            (ListKind::Ja3, _) => Err("not a JA3 hash (32 hex digits)".into()),
            (ListKind::Ssl, _) => Err("not a certificate SHA1 (40 hex digits)".into()),
            (ListKind::Jarm, _) => Err("not a JARM hash (62 hex digits)".into()),
        }
    }
}

/// Where a feed's content is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedLocation {
    /// `http://` or `https://` URL, downloaded and cached.
    Remote(String),
    /// A file on disk (absolute, or relative to the feed list's folder).
    Local(PathBuf),
}

/// One line of a feed list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedSpec {
    pub location: FeedLocation,
    /// File name shown as the source of its IoCs.
    pub name: String,
    pub threat_level: ThreatLevel,
    pub tags: Vec<String>,
    pub kind: ListKind,
}

/// Parses a feed list: `URL, threat level, ['tag1','tag2']` per line; `#` and `;` start
/// comments. Entries that are not `http(s)://` URLs are local paths (relative to `dir`).
pub fn parse_feed_list(
    text: &str,
    file: &str,
    kind: ListKind,
    dir: &Path,
    problems: &mut Problems,
) -> Vec<FeedSpec> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let mut parts = line.splitn(3, ',');
        let url = parts.next().unwrap_or("").trim().trim_matches('"');
        let level = parts.next().map(|l| l.trim().trim_matches('"'));
        let tags = parts.next().map(parse_tags).unwrap_or_default();
        let Some(level) = level.and_then(ThreatLevel::parse) else {
            problems.push(
                file,
                n,
                format!("expected 'URL, threat level, [tags]' with a level info, low, medium, high or critical: {line}"),
            );
            continue;
        };
        let location = if url.starts_with("http://") || url.starts_with("https://") {
            if url.contains(char::is_whitespace) {
                problems.push(file, n, format!("invalid URL: {url}"));
                continue;
            }
            FeedLocation::Remote(url.to_owned())
        } else if let Some(p) = url.strip_prefix("file://") {
            FeedLocation::Local(dir.join(p))
        } else if url.starts_with('/') || url.starts_with("./") || url.starts_with("../") {
            FeedLocation::Local(dir.join(url))
        } else {
            problems.push(
                file,
                n,
                format!("not an http(s) URL nor a path (start paths with / or ./): {url}"),
            );
            continue;
        };
        out.push(FeedSpec {
            name: crate::text::file_name_of(url),
            location,
            threat_level: level,
            tags,
            kind,
        });
    }
    out
}

/// `['phishing','honeypot']` → `["phishing", "honeypot"]`.
fn parse_tags(s: &str) -> Vec<String> {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|t| {
            t.trim()
                .trim_matches(|c| c == '\'' || c == '"')
                .trim()
                .to_owned()
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// One indicator read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedIoc {
    pub value: IocValue,
    pub fingerprint: Option<Fingerprint>,
    pub description: Option<String>,
    /// Threat level of the line (local files); `None` = the feed's.
    pub threat_level: Option<ThreatLevel>,
}

fn not_ioc(token: &str) -> String {
    let t: String = token.chars().take(80).collect();
    format!("not an IP, range, domain, URL, ASN or hash: \"{t}\"")
}

/// Parses a local IoC file: `IoC, threat level, description[, tag]` per line (quotes
/// optional), `#` comments.
pub fn parse_local_file(
    text: &str,
    name: &str,
    kind: ListKind,
    problems: &mut Problems,
    mut sink: impl FnMut(ParsedIoc),
) {
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let f = split_csv(line, ',');
        let Some(value) = classify(&f[0]) else {
            problems.push(name, n, not_ioc(&f[0]));
            continue;
        };
        let fp = match kind.accept(&value) {
            Ok(fp) => fp,
            Err(e) => {
                problems.push(name, n, e);
                continue;
            }
        };
        let Some(level) = f.get(1).and_then(|l| ThreatLevel::parse(l)) else {
            problems.push(
                name,
                n,
                "missing or invalid threat level (info, low, medium, high or critical)",
            );
            continue;
        };
        sink(ParsedIoc {
            value,
            fingerprint: fp,
            description: f.get(2).filter(|d| !d.is_empty()).cloned(),
            threat_level: Some(level),
        });
    }
}

/// Column names that hold the indicator, in order of preference.
const IOC_COLUMNS: &[&str] = &[
    "ioc",
    "indicator",
    "ip",
    "ip_address",
    "ip address",
    "ipaddress",
    "ip_addr",
    "ipv4",
    "ip_v4",
    "ipv6",
    "dst_ip",
    "src_ip",
    "address",
    "network",
    "cidr",
    "subnet",
    "domain",
    "domain_name",
    "domainaddress",
    "fqdn",
    "hostname",
    "host",
    "url",
    "ja3_md5",
    "ja3",
    "ja3s",
    "sha1",
    "sha256",
    "md5",
    "hash",
    "jarm",
    "asn",
    "value",
];

/// Column names that hold a description.
const DESC_COLUMNS: &[&str] = &[
    "description",
    "desc",
    "listingreason",
    "malware",
    "malware_family",
    "threat",
    "reason",
    "comment",
    "name",
    "category",
];

struct Header {
    sep: char,
    ioc: usize,
    desc: Option<usize>,
}

fn header_of(line: &str) -> Option<Header> {
    let l = line.trim_start_matches(['#', ';']).trim();
    let sep = [',', '\t', ';'].into_iter().find(|c| l.contains(*c))?;
    let cols: Vec<String> = split_csv(l, sep)
        .into_iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if cols.first().is_some_and(|c| classify(c).is_some()) {
        return None;
    }
    let ioc = IOC_COLUMNS
        .iter()
        .find_map(|name| cols.iter().position(|c| c == name))?;
    let desc = DESC_COLUMNS
        .iter()
        .find_map(|name| cols.iter().position(|c| c == name));
    Some(Header { sep, ioc, desc })
}

fn is_comment(line: &str) -> bool {
    line.starts_with('#') || line.starts_with(';') || line.starts_with("//")
}

/// Parses the content of a feed, whatever its format (see the module documentation).
pub fn parse_feed(
    text: &str,
    name: &str,
    kind: ListKind,
    problems: &mut Problems,
    mut sink: impl FnMut(ParsedIoc),
) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start();
    if first.starts_with('[') || first.starts_with('{') {
        return parse_json(text, name, kind, problems, &mut sink);
    }
    if text
        .lines()
        .take(50)
        .any(|l| l.starts_with("#fields") && l.contains("indicator"))
    {
        return parse_zeek_intel(text, name, kind, problems, &mut sink);
    }
    let mut emit = |token: &str, desc: Option<&str>, n: usize, problems: &mut Problems| {
        let Some(value) = classify(token) else {
            problems.push(name, n, not_ioc(token));
            return;
        };
        match kind.accept(&value) {
            Ok(fp) => sink(ParsedIoc {
                value,
                fingerprint: fp,
                description: desc.map(str::to_owned).filter(|d| !d.is_empty()),
                threat_level: None,
            }),
            Err(e) => problems.push(name, n, e),
        }
    };
    let mut header: Option<Header> = None;
    let mut seen_data = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if is_comment(line) {
            // A header in a comment (abuse.ch) counts until the data starts.
            if !seen_data {
                if let Some(h) = header_of(line) {
                    header = Some(h);
                }
            }
            continue;
        }
        if !seen_data {
            seen_data = true;
            if let Some(h) = header_of(line) {
                header = Some(h);
                continue;
            }
        }
        if let Some(h) = &header {
            let f = split_csv(line, h.sep);
            match f.get(h.ioc) {
                Some(tok) => emit(
                    tok,
                    h.desc.and_then(|d| f.get(d)).map(String::as_str),
                    n,
                    problems,
                ),
                None => problems.push(
                    name,
                    n,
                    format!("missing column {} of the header", h.ioc + 1),
                ),
            }
            continue;
        }
        // Plain lists: drop an inline comment, take the first field (the second in hosts
        // files: `0.0.0.0 ads.example.com`).
        let body = line.split('#').next().unwrap_or("").trim();
        let tok = if body.contains(',') {
            split_csv(body, ',').into_iter().next().unwrap_or_default()
        } else {
            let mut it = body.split_whitespace();
            let a = it.next().unwrap_or("");
            match it.next() {
                Some(b) if matches!(a, "0.0.0.0" | "127.0.0.1" | "::" | "::1") => b.to_owned(),
                _ => a.to_owned(),
            }
        };
        emit(&tok, None, n, problems);
    }
}

fn parse_zeek_intel(
    text: &str,
    name: &str,
    kind: ListKind,
    problems: &mut Problems,
    sink: &mut dyn FnMut(ParsedIoc),
) {
    let mut cols: Vec<String> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches(['\r', '\n']);
        if let Some(f) = line.strip_prefix("#fields") {
            cols = f
                .split('\t')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            continue;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let pos = |c: &str| cols.iter().position(|x| x == c);
        let (Some(ic), tc, dc) = (pos("indicator"), pos("indicator_type"), pos("meta.desc")) else {
            problems.push(
                name,
                n,
                "Zeek intel data before a #fields line naming 'indicator'",
            );
            continue;
        };
        let f: Vec<&str> = line.split('\t').collect();
        let Some(tok) = f.get(ic) else {
            problems.push(name, n, "missing indicator column");
            continue;
        };
        let ty = tc.and_then(|t| f.get(t)).copied().unwrap_or("");
        let desc = dc
            .and_then(|d| f.get(d))
            .filter(|d| !d.is_empty() && **d != "-")
            .map(|d| (*d).to_owned());
        let Some(value) = classify(tok) else {
            problems.push(name, n, not_ioc(tok));
            continue;
        };
        let fp = match (ty, &value) {
            ("Intel::CERT_HASH", IocValue::Hash(_)) => Ok(Some(Fingerprint::CertSha1)),
            ("Intel::JA3", IocValue::Hash(_)) => Ok(Some(Fingerprint::Ja3)),
            _ => kind.accept(&value),
        };
        match fp {
            Ok(fp) => sink(ParsedIoc {
                value,
                fingerprint: fp,
                description: desc,
                threat_level: None,
            }),
            Err(e) => problems.push(name, n, e),
        }
    }
}

const JSON_IOC_KEYS: &[&str] = &[
    "ioc",
    "indicator",
    "ip",
    "ip_address",
    "domain",
    "domainaddress",
    "url",
    "host",
    "hash",
    "sha256",
    "sha1",
    "md5",
    "ja3",
    "value",
];
const JSON_DESC_KEYS: &[&str] = &["description", "desc", "malware", "threat", "name"];

fn json_get<'a>(o: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| {
        o.iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    })
}

fn json_ioc_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        // `{"ip": {"v4": "1.2.3.4"}}`
        Value::Object(o) => json_get(o, &["v4", "v6", "value", "ip", "address"])
            .and_then(|x| x.as_str())
            .map(str::to_owned),
        _ => None,
    }
}

fn json_item(
    v: &Value,
    name: &str,
    n: usize,
    kind: ListKind,
    problems: &mut Problems,
    sink: &mut dyn FnMut(ParsedIoc),
) {
    let (tok, desc) = match v {
        Value::String(s) => (Some(s.clone()), None),
        Value::Object(o) => (
            json_get(o, JSON_IOC_KEYS).and_then(json_ioc_string),
            json_get(o, JSON_DESC_KEYS)
                .and_then(|d| d.as_str())
                .map(str::to_owned),
        ),
        _ => (None, None),
    };
    let Some(tok) = tok else {
        problems.push(name, n, "JSON item without an indicator field");
        return;
    };
    let Some(value) = classify(&tok) else {
        problems.push(name, n, not_ioc(&tok));
        return;
    };
    match kind.accept(&value) {
        Ok(fp) => sink(ParsedIoc {
            value,
            fingerprint: fp,
            description: desc.filter(|d| !d.is_empty()),
            threat_level: None,
        }),
        Err(e) => problems.push(name, n, e),
    }
}

fn parse_json(
    text: &str,
    name: &str,
    kind: ListKind,
    problems: &mut Problems,
    sink: &mut dyn FnMut(ParsedIoc),
) {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => {
            // Line numbers are not known inside one JSON document: report item numbers.
            for (i, v) in items.iter().enumerate() {
                json_item(v, name, i + 1, kind, problems, sink);
            }
        }
        Ok(Value::Object(o)) => {
            // `{"data": [...]}` or a single object.
            match o.values().find_map(|v| v.as_array()) {
                Some(items) => {
                    for (i, v) in items.iter().enumerate() {
                        json_item(v, name, i + 1, kind, problems, sink);
                    }
                }
                None => json_item(&Value::Object(o), name, 1, kind, problems, sink),
            }
        }
        Ok(_) => problems.push(name, 0, "JSON feed is neither an array nor objects"),
        Err(_) => {
            // One JSON value per line.
            for (i, line) in text.lines().enumerate() {
                let line = line.trim().trim_end_matches(',');
                if line.is_empty() || line == "[" || line == "]" {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(v) => json_item(&v, name, i + 1, kind, problems, sink),
                    Err(e) => problems.push(name, i + 1, format!("invalid JSON: {e}")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, kind: ListKind) -> (Vec<ParsedIoc>, Problems) {
        let mut p = Problems::default();
        let mut v = Vec::new();
        parse_feed(text, "feed.txt", kind, &mut p, |x| v.push(x));
        (v, p)
    }

    fn ioc(v: &str, desc: Option<&str>) -> ParsedIoc {
        let value = classify(v).unwrap();
        ParsedIoc {
            fingerprint: ListKind::Ti.accept(&value).unwrap(),
            value,
            description: desc.map(str::to_owned),
            threat_level: None,
        }
    }

    fn problem(line: usize, reason: &str) -> crate::text::Problem {
        crate::text::Problem {
            file: "feed.txt".into(),
            line,
            reason: reason.into(),
        }
    }

    #[test]
    fn plain_list_netset_and_hosts() {
        let (v, p) = parse(
            "# netset\n1.2.3.4\n5.6.0.0/16\n\nevil.com\n0.0.0.0 ads.example.net\n2.2.2.2 # Malicious Host\nnot_an_ioc!\n2001:db8::/32\n",
            ListKind::Ti,
        );
        assert_eq!(
            v,
            vec![
                ioc("1.2.3.4", None),
                ioc("5.6.0.0/16", None),
                ioc("evil.com", None),
                ioc("ads.example.net", None),
                ioc("2.2.2.2", None),
                ioc("2001:db8::/32", None),
            ]
        );
        assert_eq!(p.total, 1);
        assert_eq!(
            p.kept,
            vec![problem(
                8,
                "not an IP, range, domain, URL, ASN or hash: \"not_an_ioc!\""
            )]
        );
    }

    #[test]
    fn ipsum_ip_and_count() {
        let (v, p) = parse(
            "# IPsum Threat Intelligence Feed\n# (https://github.com/stamparm/ipsum)\n185.224.128.17\t10\n45.148.10.81\t9\nbad\t3\n",
            ListKind::Ti,
        );
        assert_eq!(
            v,
            vec![ioc("185.224.128.17", None), ioc("45.148.10.81", None)]
        );
        assert_eq!(
            p.kept,
            vec![problem(
                5,
                "not an IP, range, domain, URL, ASN or hash: \"bad\""
            )]
        );
    }

    #[test]
    fn csv_with_header_and_header_in_comment() {
        let (v, p) = parse(
            "Number,IP address,Rating\n1,23.95.97.59,0.2\n2,bad,0.1\n3\n",
            ListKind::Ti,
        );
        assert_eq!(v, vec![ioc("23.95.97.59", None)]);
        assert_eq!(
            p.kept,
            vec![
                problem(3, "not an IP, range, domain, URL, ASN or hash: \"bad\""),
                problem(4, "missing column 2 of the header"),
            ]
        );
        // abuse.ch: the header is the last comment line.
        let (v, p) = parse(
            "################\n# abuse.ch JA3 Fingerprint Blacklist (CSV)\n# ja3_md5,Firstseen,Lastseen,Listingreason\nb386946a5a44d1ddcc843bc75336dfce,2017-07-14 18:08:59,2019-07-15 07:00:18,Dridex\nshort,2017,2019,X\n",
            ListKind::Ja3,
        );
        assert_eq!(
            v,
            vec![ParsedIoc {
                value: IocValue::Hash("b386946a5a44d1ddcc843bc75336dfce".into()),
                fingerprint: Some(Fingerprint::Ja3),
                description: Some("Dridex".into()),
                threat_level: None,
            }]
        );
        assert_eq!(
            p.kept,
            vec![problem(
                5,
                "not an IP, range, domain, URL, ASN or hash: \"short\""
            )]
        );
        let (v, _) = parse(
            "# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n\"2021-01-17 07:30:05\",\"67.213.75.205\",\"443\",\"offline\",\"2023-01-01\",\"Dridex\"\n",
            ListKind::Ti,
        );
        assert_eq!(v, vec![ioc("67.213.75.205", Some("Dridex"))]);
    }

    #[test]
    fn ssl_list_wants_sha1() {
        let (v, p) = parse(
            "# Listingdate,SHA1,Listingreason\n2024-01-01 10:00:00,0123456789abcdef0123456789abcdef01234567,QakBot C&C\n2024-01-01 10:00:00,1.2.3.4,X\n",
            ListKind::Ssl,
        );
        assert_eq!(
            v,
            vec![ParsedIoc {
                value: IocValue::Hash("0123456789abcdef0123456789abcdef01234567".into()),
                fingerprint: Some(Fingerprint::CertSha1),
                description: Some("QakBot C&C".into()),
                threat_level: None,
            }]
        );
        assert_eq!(
            p.kept,
            vec![problem(3, "not a certificate SHA1 (40 hex digits)")]
        );
    }

    #[test]
    fn zeek_intel_file() {
        let text = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n\
                    1.2.3.4\tIntel::ADDR\tabuse.ch\tFeodo C2\n\
                    evil.org\tIntel::DOMAIN\tx\t-\n\
                    0123456789abcdef0123456789abcdef01234567\tIntel::CERT_HASH\tx\tbad cert\n\
                    ???\tIntel::ADDR\tx\t-\n";
        let (v, p) = parse(text, ListKind::Ti);
        assert_eq!(
            v,
            vec![
                ioc("1.2.3.4", Some("Feodo C2")),
                ioc("evil.org", None),
                ParsedIoc {
                    value: IocValue::Hash("0123456789abcdef0123456789abcdef01234567".into()),
                    fingerprint: Some(Fingerprint::CertSha1),
                    description: Some("bad cert".into()),
                    threat_level: None,
                },
            ]
        );
        assert_eq!(
            p.kept,
            vec![problem(
                5,
                "not an IP, range, domain, URL, ASN or hash: \"???\""
            )]
        );
    }

    #[test]
    fn json_arrays_objects_and_lines() {
        let (v, p) = parse(r#"["1.2.3.4", "evil.com", 7]"#, ListKind::Ti);
        assert_eq!(v, vec![ioc("1.2.3.4", None), ioc("evil.com", None)]);
        assert_eq!(
            p.kept,
            vec![problem(3, "JSON item without an indicator field")]
        );
        let (v, _) = parse(
            r#"[{"Register position": 1, "DomainAddress": "phish.pl", "InsertDate": "x"}]"#,
            ListKind::Ti,
        );
        assert_eq!(v, vec![ioc("phish.pl", None)]);
        let (v, p) = parse(
            "{\"ip\": {\"v4\": \"9.9.9.9\"}, \"description\": \"scanner\"}\n{broken\n{\"domain\": \"x.evil.net\"}\n",
            ListKind::Ti,
        );
        assert_eq!(
            v,
            vec![ioc("9.9.9.9", Some("scanner")), ioc("x.evil.net", None)]
        );
        assert_eq!(p.total, 1);
        assert_eq!(p.kept[0].line, 2);
        assert!(
            p.kept[0].reason.starts_with("invalid JSON: "),
            "{}",
            p.kept[0].reason
        );
    }

    #[test]
    fn local_files() {
        let mut p = Problems::default();
        let mut v = Vec::new();
        let text = "# IP/domain/ip range/ASN, Threat level, Description, Tag\n\
                    23.253.126.58,high,Simda CC\n\
                    bncv00.no-ip.info, critical, Variant.Zusy\n\
                    AS39770, high, ELITETEAM\n\
                    1.2.3.4, extreme, bad level\n\
                    nothing here, high, x\n";
        parse_local_file(text, "own.csv", ListKind::Ti, &mut p, |x| v.push(x));
        let with = |v: &str, l, d: &str| ParsedIoc {
            value: classify(v).unwrap(),
            fingerprint: None,
            description: Some(d.into()),
            threat_level: Some(l),
        };
        assert_eq!(
            v,
            vec![
                with("23.253.126.58", ThreatLevel::High, "Simda CC"),
                with("bncv00.no-ip.info", ThreatLevel::Critical, "Variant.Zusy"),
                with("AS39770", ThreatLevel::High, "ELITETEAM"),
            ]
        );
        assert_eq!(p.total, 2);
        assert_eq!(
            p.kept[0].to_string(),
            "own.csv line 5: missing or invalid threat level (info, low, medium, high or critical)"
        );
        assert_eq!(
            p.kept[1].to_string(),
            "own.csv line 6: not an IP, range, domain, URL, ASN or hash: \"nothing here\""
        );

        let mut p = Problems::default();
        let mut v = Vec::new();
        let jarm =
            "22b22b09b22b22b22b22b22b22b22b352842cd5d6b0278445702035e06875c,medium,Trickbot\n\
                    20d14d20d21d20d20c20d14d20d20daddf8a68a1444c74b6dbe09910a,medium,EvilGinx2\n";
        parse_local_file(
            jarm,
            "own_malicious_JARM.csv",
            ListKind::of_local_file("own_malicious_JARM.csv"),
            &mut p,
            |x| v.push(x),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].fingerprint, Some(Fingerprint::Jarm));
        assert_eq!(
            p.kept[0].to_string(),
            "own_malicious_JARM.csv line 2: not a JARM hash (62 hex digits)"
        );
    }

    #[test]
    fn feed_lists() {
        let mut p = Problems::default();
        let text = "# comment\n\
                    https://x.org/lists/ipsum.txt,medium, ['honeypot','scanner']\n\
                    ; removed\n\
                    `https://typo.org/a.txt,medium, ['spyware']\n\
                    https://ok.org/b.csv,extreme,[]\n\
                    ./local/feed.txt,high\n";
        let v = parse_feed_list(
            text,
            "TI_feeds.csv",
            ListKind::Ti,
            Path::new("/etc/slips"),
            &mut p,
        );
        assert_eq!(
            v,
            vec![
                FeedSpec {
                    location: FeedLocation::Remote("https://x.org/lists/ipsum.txt".into()),
                    name: "ipsum.txt".into(),
                    threat_level: ThreatLevel::Medium,
                    tags: vec!["honeypot".into(), "scanner".into()],
                    kind: ListKind::Ti,
                },
                FeedSpec {
                    location: FeedLocation::Local(PathBuf::from("/etc/slips/./local/feed.txt")),
                    name: "feed.txt".into(),
                    threat_level: ThreatLevel::High,
                    tags: vec![],
                    kind: ListKind::Ti,
                },
            ]
        );
        assert_eq!(p.total, 2);
        assert_eq!(p.kept[0].line, 4);
        assert_eq!(p.kept[1].line, 5);
    }
}

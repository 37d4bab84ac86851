//! IDEA0 (CESNET's Intrusion Detection Extensible Alert format) and sending to a Warden 3
//! server (`cesnet.send_alerts`): each alert becomes one IDEA0 event, sent in batches to
//! `<url>/sendEvents?client=<name>` over HTTPS with the client certificate Warden knows the
//! sensor by.
//!
//! The Warden client configuration (`cesnet.configuration_file`) is the usual JSON:
//! `{"url": "https://warden-hub.example/warden3", "certfile": "cert.pem", "keyfile":
//! "key.pem", "cafile": "ca.pem", "name": "org.example.slips", "timeout": 10}` (relative
//! paths: next to the file).

use crate::format::{rfc3339, Meta};
use crate::worker::{Backend, Exporter, Failure, Policy, Stats};
use crate::Error;
use serde_json::{json, Value};
use slips_core::{Alert, Evidence, EvidenceType as T, IocKind};
use slips_output::{Now, Sink};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The IDEA category of an evidence type.
pub fn category(t: T) -> &'static str {
    match t {
        T::HORIZONTAL_PORT_SCAN
        | T::VERTICAL_PORT_SCAN
        | T::CONNECTION_TO_MULTIPLE_PORTS
        | T::ICMP_ADDRESS_SCAN
        | T::ICMP_ADDRESS_MASK_SCAN
        | T::ICMP_TIMESTAMP_SCAN
        | T::ARP_SCAN
        | T::DHCP_SCAN
        | T::GRE_SCAN
        | T::DNS_ARPA_SCAN => "Recon.Scanning",
        T::PASSWORD_GUESSING | T::SMTP_LOGIN_BRUTEFORCE | T::BAD_SMTP_LOGIN => "Attempt.Login",
        T::COMMAND_AND_CONTROL_CHANNEL
        | T::BEACONING
        | T::DGA_NXDOMAINS
        | T::DNS_TUNNELING
        | T::MALICIOUS_JA3
        | T::MALICIOUS_JA3S
        | T::MALICIOUS_JARM
        | T::MALICIOUS_SSL_CERT
        | T::BEHAVIOURAL_MODEL_MATCH
        | T::MALICIOUS_FLOW => "Intrusion.Botnet",
        T::MALICIOUS_DOWNLOADED_FILE | T::EXECUTABLE_MIME_TYPE => "Malware",
        T::MITM_ARP_ATTACK | T::UNSOLICITED_ARP => "Attempt.Exploit",
        T::DATA_UPLOAD | T::NETWORK_GPS_LOCATION_LEAKED => "Information.UnauthorizedAccess",
        T::THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY
        | T::THREAT_INTELLIGENCE_BLACKLISTED_ASN
        | T::THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER
        | T::THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN
        | T::THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP
        | T::THREAT_INTELLIGENCE_MALICIOUS_URL
        | T::THREAT_INTELLIGENCE_TO_BLACKLISTED_IP
        | T::MALICIOUS_IP_FROM_P2P_NETWORK => "Intrusion.Botnet",
        T::SURICATA_ALERT => "Attempt.Exploit",
        T::LONG_CONNECTION | T::EMPTY_CONNECTIONS | T::MULTIPLE_RECONNECTION_ATTEMPTS => {
            "Anomaly.Connection"
        }
        T::WEIRD_HTTP_METHOD
        | T::NON_HTTP_PORT_80_CONNECTION
        | T::NON_SSL_PORT_443_CONNECTION
        | T::INCOMPATIBLE_CN
        | T::CN_URL_MISMATCH
        | T::SELF_SIGNED_CERTIFICATE
        | T::CERTIFICATE_VALIDATION_FAILED
        | T::INVALID_DNS_RESOLUTION
        | T::HIGH_ENTROPY_DNS_ANSWER
        | T::GRE_TUNNEL
        | T::PORT_0_CONNECTION => "Anomaly.Protocol",
        T::INCOMPATIBLE_USER_AGENT | T::SUSPICIOUS_USER_AGENT | T::MULTIPLE_USER_AGENT => {
            "Anomaly.Application"
        }
        _ => "Anomaly.Traffic",
    }
}

fn ip_key(v: &str) -> &'static str {
    if v.contains(':') {
        "IP6"
    } else {
        "IP4"
    }
}

/// An IDEA0 event for an alert and its evidence. `id` must be a UUID; the sensor is
/// `node` (the Warden client name).
pub fn idea_event(a: &Alert, evidence: &[Evidence], node: &str, meta: &Meta) -> Value {
    let categories: BTreeSet<&str> = evidence.iter().map(|e| category(e.evidence_type)).collect();
    let categories: Vec<&str> = if categories.is_empty() {
        vec!["Anomaly.Behaviour"]
    } else {
        categories.into_iter().collect()
    };
    let src = a.profile.to_string();
    let mut targets: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let mut ports: BTreeSet<u16> = BTreeSet::new();
    let mut protos: BTreeSet<String> = BTreeSet::new();
    for e in evidence {
        for ioc in [Some(&e.attacker), e.victim.as_ref()].into_iter().flatten() {
            if ioc.value != src {
                let key = match ioc.kind {
                    IocKind::Ip => ip_key(&ioc.value),
                    IocKind::Domain => "Hostname",
                    IocKind::Url => "URL",
                    IocKind::Md5 => continue,
                };
                if targets.len() < 64 {
                    targets.insert((ioc.value.to_string(), key));
                }
            }
        }
        if let Some(p) = e.dst_port {
            if ports.len() < 64 {
                ports.insert(p);
            }
        }
        if let Some(p) = e.proto {
            protos.insert(p.as_str().to_ascii_lowercase());
        }
    }
    let mut target = serde_json::Map::new();
    for (v, key) in &targets {
        if let Some(a) = target
            .entry(*key)
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            a.push(json!(v));
        }
    }
    if !ports.is_empty() {
        target.insert("Port".into(), json!(ports));
    }
    if !protos.is_empty() {
        target.insert("Proto".into(), json!(protos));
    }
    let first = evidence
        .iter()
        .map(|e| e.ts)
        .min()
        .unwrap_or(a.timewindow.start);
    let mut ev = json!({
        "Format": "IDEA0",
        "ID": uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, format!("slips-alert|{}", a.id).as_bytes()).to_string(),
        "DetectTime": rfc3339(a.last_ts),
        "EventTime": rfc3339(first.min(a.last_ts)),
        "CeaseTime": rfc3339(a.last_ts),
        "Category": categories,
        "Confidence": a.confidence.clamp(0.0, 1.0),
        "Description": format!("slips: {} is malicious in timewindow {} ({} evidence)", a.profile, a.timewindow.number, evidence.len()),
        "ConnCount": evidence.iter().map(|e| e.flow_count).sum::<u64>().max(1),
        "Source": [{ ip_key(&src): [src], "Type": ["Attacker"] }],
        "Node": [{"Name": node, "SW": [format!("slips {}", meta.version)], "Type": ["Flow", "Heuristic"]}],
        "Note": evidence.iter().take(20).map(|e| format!("{}: {}", e.evidence_type, e.description.replace('\n', " "))).collect::<Vec<_>>().join("; "),
    });
    if !target.is_empty() {
        ev["Target"] = json!([Value::Object(target)]);
    }
    ev
}

/// A Warden client configuration.
#[derive(Clone)]
pub struct WardenOptions {
    pub url: String,
    pub name: String,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The CA of the server; empty: Mozilla's roots.
    pub ca: Option<PathBuf>,
    pub timeout: Duration,
}

impl WardenOptions {
    /// Reads a Warden client configuration file.
    pub fn load(path: &Path) -> Result<WardenOptions, Error> {
        let bad =
            |m: String| Error::Config(format!("cesnet.configuration_file {}: {m}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        let file = |k: &str| -> Result<PathBuf, Error> {
            let p = PathBuf::from(s(k).ok_or_else(|| bad(format!("`{k}` is missing")))?);
            Ok(if p.is_absolute() { p } else { base.join(p) })
        };
        Ok(WardenOptions {
            url: s("url").ok_or_else(|| bad("`url` is missing".into()))?,
            name: s("name").ok_or_else(|| bad("`name` is missing".into()))?,
            cert: file("certfile")?,
            key: file("keyfile")?,
            ca: match s("cafile") {
                Some(_) => Some(file("cafile")?),
                None => None,
            },
            timeout: Duration::from_secs_f64(v["timeout"].as_f64().unwrap_or(10.0).max(1.0)),
        })
    }
}

fn read_pem(what: &'static str, p: &Path) -> Result<Vec<ureq::tls::PemItem<'static>>, Error> {
    let bytes = std::fs::read(p).map_err(|source| Error::Secret {
        what,
        path: p.to_owned(),
        source,
    })?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("{what} {}: {e}", p.display())))
}

fn agent(o: &WardenOptions) -> Result<ureq::Agent, Error> {
    use ureq::tls::{ClientCert, PemItem, RootCerts, TlsConfig};
    let certs: Vec<_> = read_pem("warden certfile", &o.cert)?
        .into_iter()
        .filter_map(|i| match i {
            PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    let key = read_pem("warden keyfile", &o.key)?
        .into_iter()
        .find_map(|i| match i {
            PemItem::PrivateKey(k) => Some(k),
            _ => None,
        })
        .ok_or_else(|| {
            Error::Config(format!(
                "warden keyfile {}: no private key",
                o.key.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "warden certfile {}: no certificate",
            o.cert.display()
        )));
    }
    let mut tls = TlsConfig::builder().client_cert(Some(ClientCert::new_with_certs(&certs, key)));
    if let Some(ca) = &o.ca {
        let roots: Vec<_> = read_pem("warden cafile", ca)?
            .into_iter()
            .filter_map(|i| match i {
                PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&roots));
    }
    Ok(ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .tls_config(tls.build())
            .timeout_global(Some(o.timeout))
            .http_status_as_error(false)
            .user_agent("slips")
            .build(),
    ))
}

struct WardenBackend {
    agent: ureq::Agent,
    url: String,
}

impl Backend for WardenBackend {
    type Item = Value;

    fn send(&mut self, ev: &Value) -> Result<(), Failure> {
        let body = Value::Array(vec![ev.clone()]).to_string();
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| Failure::retry(format!("warden: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        match status {
            200..=299 => Ok(()),
            429 | 500..=599 => Err(Failure::retry(format!("warden: HTTP {status}"))),
            _ => Err(Failure::Permanent(format!(
                "warden: HTTP {status}: {}",
                text.chars().take(300).collect::<String>()
            ))),
        }
    }
}

/// The Warden sink: an IDEA0 event per alert.
pub struct WardenSink {
    ex: Exporter<Value>,
    name: String,
    meta: Meta,
}

impl WardenSink {
    pub fn start(o: WardenOptions, meta: Meta, policy: Policy) -> Result<WardenSink, Error> {
        if !o.url.starts_with("https://") {
            return Err(Error::Config(format!(
                "cesnet.configuration_file: url {:?} must be https:// (Warden authenticates clients by certificate)",
                o.url
            )));
        }
        let backend = WardenBackend {
            agent: agent(&o)?,
            url: format!(
                "{}/sendEvents?client={}",
                o.url.trim_end_matches('/'),
                o.name
            ),
        };
        Ok(WardenSink {
            ex: Exporter::start("warden", backend, policy)?,
            name: o.name,
            meta,
        })
    }

    pub fn stats(&self) -> Stats {
        self.ex.stats()
    }
}

impl Sink for WardenSink {
    fn name(&self) -> &'static str {
        "warden"
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.ex.offer(idea_event(a, ev, &self.name, &self.meta));
        Ok(())
    }
    fn finish(&mut self, _: &[slips_core::summary::ProfileSummary]) -> slips_output::Result<()> {
        self.ex.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixtures::*;
    use slips_core::Timestamp;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    fn meta() -> Meta {
        Meta {
            sensor: "s".into(),
            version: "0.1.0".into(),
        }
    }

    #[test]
    fn idea_event_fields() {
        let v = idea_event(
            &alert(),
            &[evidence(), domain_evidence()],
            "cz.test.slips",
            &meta(),
        );
        assert_eq!(v["Format"], "IDEA0");
        assert_eq!(v["Category"], json!(["Intrusion.Botnet", "Recon.Scanning"]));
        assert_eq!(
            v["Source"],
            json!([{"IP4": ["10.0.0.5"], "Type": ["Attacker"]}])
        );
        assert_eq!(v["Target"][0]["IP4"], json!(["10.0.0.9"]));
        assert_eq!(v["Target"][0]["Hostname"], json!(["evil.example"]));
        assert_eq!(v["Target"][0]["Port"], json!([22]));
        assert_eq!(v["Node"][0]["Name"], "cz.test.slips");
        assert!(uuid::Uuid::parse_str(v["ID"].as_str().unwrap()).is_ok());
        assert_eq!(v["DetectTime"], "2023-11-14T22:16:40.000000Z");
    }

    /// A Warden-like HTTPS server (Python's ssl and http.server) that requires the client
    /// certificate signed by the test CA with the client's name as CN, and checks each
    /// event against IDEA0's required fields and types.
    const FAKE_WARDEN: &str = r#"
import json, ssl, sys, re, uuid, http.server, datetime
port_file, ca, cert, key, log = sys.argv[1:6]
CATS = ("Abusive", "Malware", "Recon", "Attempt", "Intrusion", "Availability", "Information", "Fraud", "Vulnerable", "Anomaly", "Other", "Test")
def check(e, client):
    assert e["Format"] == "IDEA0", "Format"
    uuid.UUID(e["ID"])
    for k in ("DetectTime", "EventTime", "CeaseTime"):
        if k in e:
            datetime.datetime.fromisoformat(e[k].replace("Z", "+00:00"))
    assert isinstance(e["Category"], list) and e["Category"], "Category"
    for c in e["Category"]:
        assert c.split(".")[0] in CATS, c
    assert 0 <= e.get("Confidence", 0) <= 1
    for part in e.get("Source", []) + e.get("Target", []):
        for ip in part.get("IP4", []):
            assert re.match(r"^\d+\.\d+\.\d+\.\d+$", ip), ip
        for p in part.get("Port", []):
            assert isinstance(p, int) and 0 <= p < 65536
    assert e["Node"][0]["Name"] == client, "Node.Name must be the client"
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        cn = dict(x[0] for x in self.connection.getpeercert()["subject"])["commonName"]
        client = self.path.split("client=")[-1]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        try:
            assert self.path.startswith("/warden3/sendEvents?"), self.path
            assert cn == client, "certificate CN %s is not client %s" % (cn, client)
            for e in body:
                check(e, client)
        except Exception as ex:
            out = json.dumps({"errors": [{"error": 422, "message": str(ex)}]}).encode()
            self.send_response(422)
        else:
            with open(log, "a") as f:
                for e in body:
                    f.write(json.dumps(e) + "\n")
            out = json.dumps({"saved": len(body)}).encode()
            self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(port_file, "w").write(str(srv.server_address[1]))
srv.serve_forever()
"#;

    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn sends_idea_to_a_warden_server_with_client_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        if !crate::testcerts::make_certs(d) {
            eprintln!("skipping: openssl could not make the test certificates");
            return;
        }
        let port_file = d.join("port");
        let log = d.join("received.jsonl");
        let child = Command::new("python3")
            .arg("-c")
            .arg(FAKE_WARDEN)
            .arg(&port_file)
            .args(["ca.pem", "srv.pem", "srv.key"].map(|f| d.join(f)))
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            eprintln!("skipping: python3 is not installed");
            return;
        };
        let _server = Kill(child);
        let t = Instant::now();
        let port = loop {
            if let Some(p) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| s.trim().parse::<u16>().ok())
            {
                break p;
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the fake Warden did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let conf = d.join("warden.conf");
        std::fs::write(
            &conf,
            json!({"url": format!("https://127.0.0.1:{port}/warden3"), "certfile": "cli.pem",
                   "keyfile": "cli.key", "cafile": "ca.pem", "name": "cz.test.slips", "timeout": 5})
            .to_string(),
        )
        .unwrap();
        let now = Now {
            create_time: "x",
            event_time: Timestamp::ZERO,
        };
        let policy = Policy {
            retries: Some(1),
            backoff: Duration::from_millis(10),
            ..Policy::default()
        };
        let mut s =
            WardenSink::start(WardenOptions::load(&conf).unwrap(), meta(), policy.clone()).unwrap();
        s.alert(&alert(), &[evidence(), domain_evidence()], &now)
            .unwrap();
        s.alert(
            &Alert {
                id: "a-2".into(),
                ..alert()
            },
            &[],
            &now,
        )
        .unwrap();
        s.finish(&[]).unwrap();
        let r = s.stats().report();
        assert_eq!((r.sent, r.failed), (2, 0), "{r:?}");
        let got: Vec<Value> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0]["Source"][0]["IP4"], json!(["10.0.0.5"]));
        // A name the certificate does not carry is refused (422, not retried).
        let mut o = WardenOptions::load(&conf).unwrap();
        o.name = "cz.other".into();
        let mut s = WardenSink::start(o, meta(), policy).unwrap();
        s.alert(&alert(), &[], &now).unwrap();
        s.finish(&[]).unwrap();
        let r = s.stats().report();
        assert_eq!((r.sent, r.failed, r.retries), (0, 1, 0), "{r:?}");
        // Without the CA, the server's certificate is not trusted.
        let mut o = WardenOptions::load(&conf).unwrap();
        o.ca = None;
        let mut s = WardenSink::start(
            o,
            meta(),
            Policy {
                retries: Some(0),
                ..Policy::default()
            },
        )
        .unwrap();
        s.alert(&alert(), &[], &now).unwrap();
        s.finish(&[]).unwrap();
        assert_eq!(s.stats().report().failed, 1);
    }
}

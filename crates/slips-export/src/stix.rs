//! STIX 2.1: the sensor as an `identity`, one `indicator` per attacker (a pattern on its
//! IP, domain, URL or file hash) and a `sighting` of it per alert (and per evidence with
//! `stix_evidence`). Everything goes to `<output>/STIX_data.json` as one bundle and, when a
//! TAXII server is configured, to its collection: as each alert comes (`direct_export`),
//! every `push_delay` seconds (live inputs), and at the end of the run.
//!
//! Ids are UUIDv5 of the content (the same run gives the same objects) and times are event
//! times.

use crate::format::{rfc3339_millis, Event, Meta};
use crate::taxii::{Taxii, TaxiiOptions};
use crate::worker::{backoff, Backend, Exporter, Failure, Policy, Stats};
use crate::Error;
use serde_json::{json, Value};
use slips_core::{Alert, Evidence, Ioc, IocKind, Timestamp};
use slips_output::{Now, Sink};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The bundle file in the output folder.
pub const FILE_NAME: &str = "STIX_data.json";

/// Objects kept for the file; beyond, new ones are counted and not kept.
const MAX_OBJECTS: usize = 200_000;
/// Objects per TAXII envelope.
const PER_PUSH: usize = 500;
/// Least time between two rewrites of the file while running.
const WRITE_EVERY: Duration = Duration::from_secs(5);

/// The namespace of slips' STIX ids (UUIDv5).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_bytes([
    0x5b, 0x1d, 0x2c, 0x4e, 0x8f, 0x3a, 0x4d, 0x61, 0x9c, 0x07, 0x2e, 0x6a, 0x51, 0xd8, 0x90, 0x3f,
]);

fn stix_id(kind: &str, key: &str) -> String {
    format!(
        "{kind}--{}",
        uuid::Uuid::new_v5(&NAMESPACE, format!("{kind}|{key}").as_bytes())
    )
}

/// A STIX pattern for an indicator of compromise.
pub fn pattern(ioc: &Ioc) -> String {
    let v = ioc.value.replace('\\', "\\\\").replace('\'', "\\'");
    match ioc.kind {
        IocKind::Ip if ioc.value.contains(':') => format!("[ipv6-addr:value = '{v}']"),
        IocKind::Ip => format!("[ipv4-addr:value = '{v}']"),
        IocKind::Domain => format!("[domain-name:value = '{v}']"),
        IocKind::Url => format!("[url:value = '{v}']"),
        IocKind::Md5 => format!("[file:hashes.MD5 = '{v}']"),
    }
}

/// Builds the objects.
pub struct Builder {
    meta: Meta,
    identity: Option<Value>,
    indicators: HashMap<String, String>,
    /// Every object, in order, for the file.
    all: Vec<Value>,
    /// Objects not yet pushed to TAXII.
    pending: Vec<Value>,
    /// Objects not kept because of the cap.
    pub skipped: u64,
}

impl Builder {
    pub fn new(meta: Meta) -> Builder {
        Builder {
            meta,
            identity: None,
            indicators: HashMap::new(),
            all: Vec::new(),
            pending: Vec::new(),
            skipped: 0,
        }
    }

    fn keep(&mut self, v: Value) {
        if self.all.len() >= MAX_OBJECTS {
            self.skipped += 1;
            return;
        }
        self.all.push(v.clone());
        self.pending.push(v);
    }

    fn identity(&mut self, ts: Timestamp) -> String {
        if let Some(i) = &self.identity {
            return i["id"].as_str().unwrap_or_default().to_owned();
        }
        let id = stix_id("identity", &self.meta.sensor);
        let t = rfc3339_millis(ts);
        let v = json!({
            "type": "identity", "spec_version": "2.1", "id": id, "created": t, "modified": t,
            "name": self.meta.sensor, "identity_class": "system",
            "description": format!("slips {} sensor", self.meta.version),
        });
        self.identity = Some(v.clone());
        self.keep(v);
        id
    }

    fn indicator(&mut self, ioc: &Ioc, ts: Timestamp, confidence: f64, why: &str) -> String {
        let p = pattern(ioc);
        if let Some(id) = self.indicators.get(&p) {
            return id.clone();
        }
        let by = self.identity(ts);
        let id = stix_id("indicator", &p);
        let t = rfc3339_millis(ts);
        let v = json!({
            "type": "indicator", "spec_version": "2.1", "id": id, "created": t, "modified": t,
            "created_by_ref": by,
            "name": format!("{} {}", match ioc.kind { IocKind::Ip => "IP", IocKind::Domain => "domain", IocKind::Url => "URL", IocKind::Md5 => "file" }, ioc.value),
            "description": why,
            "indicator_types": ["malicious-activity"],
            "pattern": p, "pattern_type": "stix", "pattern_version": "2.1", "valid_from": t,
            "confidence": (confidence.clamp(0.0, 1.0) * 100.0).round() as u64,
        });
        self.indicators.insert(p, id.clone());
        self.keep(v);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn sighting(
        &mut self,
        key: &str,
        of: String,
        first: Timestamp,
        last: Timestamp,
        count: u64,
        description: String,
        confidence: f64,
    ) {
        let by = self.identity(first);
        let (first, last) = (first.min(last), first.max(last));
        let t = rfc3339_millis(last);
        self.keep(json!({
            "type": "sighting", "spec_version": "2.1", "id": stix_id("sighting", key),
            "created": t, "modified": t, "created_by_ref": by,
            "sighting_of_ref": of, "where_sighted_refs": [by],
            "first_seen": rfc3339_millis(first), "last_seen": rfc3339_millis(last),
            "count": count.clamp(1, 999_999_999), "description": description,
            "confidence": (confidence.clamp(0.0, 1.0) * 100.0).round() as u64,
        }));
    }

    pub fn add(&mut self, ev: &Event) {
        match ev {
            Event::Alert(a, evidence) => {
                let attacker = Ioc::ip(a.profile, slips_core::Side::Src);
                let why = format!(
                    "{} was detected as malicious by slips in timewindow {}",
                    a.profile, a.timewindow.number
                );
                let of = self.indicator(&attacker, a.timewindow.start, a.confidence, &why);
                let mut text = format!(
                    "Alert {} on {}: score {:.2}",
                    a.id, a.profile, a.accumulated_threat_level
                );
                for e in evidence.iter().take(20) {
                    text.push_str(&format!(
                        "; {}: {}",
                        e.evidence_type,
                        e.description.replace('\n', " ")
                    ));
                }
                let first = evidence
                    .iter()
                    .map(|e| e.ts)
                    .min()
                    .unwrap_or(a.timewindow.start);
                self.sighting(
                    &a.id,
                    of,
                    first,
                    a.last_ts,
                    evidence.len().max(1) as u64,
                    text,
                    a.confidence,
                );
            }
            Event::Evidence(e) => {
                let of = self.indicator(&e.attacker, e.ts, e.confidence, &e.description);
                self.sighting(
                    &e.id,
                    of,
                    e.ts,
                    e.ts,
                    e.flow_count,
                    format!("{}: {}", e.evidence_type, e.description),
                    e.confidence,
                );
            }
        }
    }

    /// Every object as one bundle.
    pub fn bundle(&self) -> Value {
        let ids: Vec<&str> = self.all.iter().filter_map(|o| o["id"].as_str()).collect();
        json!({
            "type": "bundle",
            "id": stix_id("bundle", &format!("{}|{}", self.meta.sensor, ids.join(","))),
            "objects": self.all,
        })
    }
}

/// TAXII counters.
#[derive(Debug, Default)]
pub struct PushCounters {
    pub pushes: AtomicU64,
    pub objects: AtomicU64,
    pub failed_pushes: AtomicU64,
    pub dropped_objects: AtomicU64,
}

#[derive(Clone, Debug)]
pub struct StixOptions {
    pub meta: Meta,
    /// The output folder (for `STIX_data.json`).
    pub out: PathBuf,
    /// Evidence too, not only alerts.
    pub evidence: bool,
    pub taxii: Option<TaxiiOptions>,
    /// How often to push: `Some(0)`: as alerts come; `Some(d)`: every `d`; `None`: at the end.
    pub push_every: Option<Duration>,
    /// TAXII attempts after a failure; `None`: until the end of the run.
    pub retries: Option<u32>,
    pub backoff: Duration,
    pub max_delay: Duration,
}

struct StixBackend {
    b: Builder,
    path: PathBuf,
    out: PathBuf,
    dirty: bool,
    last_write: Option<Instant>,
    taxii: Option<Taxii>,
    push_every: Option<Duration>,
    last_push: Instant,
    attempts: u32,
    next_attempt: Instant,
    policy: Policy,
    counters: Arc<PushCounters>,
}

impl StixBackend {
    fn write(&mut self) -> Result<(), Failure> {
        let text = serde_json::to_vec_pretty(&self.b.bundle())
            .map_err(|e| Failure::Permanent(e.to_string()))?;
        slips_fs::write_atomic_in(&self.out, &self.path, &text)
            .map_err(|e| Failure::retry(format!("{}: {e}", self.path.display())))?;
        self.dirty = false;
        self.last_write = Some(Instant::now());
        Ok(())
    }

    fn push(&mut self) -> Result<(), Failure> {
        let Some(t) = self.taxii.as_mut() else {
            self.b.pending.clear();
            return Ok(());
        };
        while !self.b.pending.is_empty() {
            let n = self.b.pending.len().min(PER_PUSH);
            t.push(&self.b.pending[..n])?;
            self.counters.pushes.fetch_add(1, Ordering::Relaxed);
            self.counters.objects.fetch_add(n as u64, Ordering::Relaxed);
            self.b.pending.drain(..n);
        }
        Ok(())
    }
}

impl Backend for StixBackend {
    type Item = Event;

    fn send(&mut self, ev: &Event) -> Result<(), Failure> {
        self.b.add(ev);
        self.dirty = true;
        Ok(())
    }

    fn tick(&mut self, closing: bool) -> Result<(), Failure> {
        let write_due =
            self.dirty && (closing || self.last_write.is_none_or(|t| t.elapsed() >= WRITE_EVERY));
        if write_due {
            if let Err(f) = self.write() {
                tracing::warn!("stix: {}", f.reason());
            }
        }
        if self.taxii.is_none() || self.b.pending.is_empty() {
            return Ok(());
        }
        if !closing {
            let due = self
                .push_every
                .is_some_and(|d| self.last_push.elapsed() >= d)
                && Instant::now() >= self.next_attempt;
            if !due {
                return Ok(());
            }
        }
        match self.push() {
            Ok(()) => {
                self.last_push = Instant::now();
                self.attempts = 0;
                Ok(())
            }
            Err(f) => {
                self.counters.failed_pushes.fetch_add(1, Ordering::Relaxed);
                self.attempts += 1;
                let give_up = matches!(f, Failure::Permanent(_))
                    || self.policy.retries.is_some_and(|m| self.attempts > m);
                if give_up && !closing {
                    let n = self.b.pending.len() as u64;
                    self.counters
                        .dropped_objects
                        .fetch_add(n, Ordering::Relaxed);
                    tracing::warn!("stix: {n} object(s) not pushed: {}", f.reason());
                    self.b.pending.clear();
                    self.attempts = 0;
                } else {
                    self.next_attempt = Instant::now() + backoff(&self.policy, self.attempts);
                }
                Err(f)
            }
        }
    }

    fn pending(&self) -> bool {
        !self.b.pending.is_empty()
    }
}

impl Drop for StixBackend {
    fn drop(&mut self) {
        let n = self.b.pending.len() as u64;
        if n > 0 && self.taxii.is_some() {
            self.counters
                .dropped_objects
                .fetch_add(n, Ordering::Relaxed);
            tracing::warn!(
                "stix: {n} object(s) were not pushed to TAXII (they are in {FILE_NAME})"
            );
        }
        if self.b.skipped > 0 {
            tracing::warn!(
                "stix: {} object(s) beyond the cap of {MAX_OBJECTS} were not kept",
                self.b.skipped
            );
        }
    }
}

/// The STIX sink.
pub struct StixSink {
    ex: Exporter<Event>,
    evidence: bool,
    counters: Arc<PushCounters>,
}

impl StixSink {
    pub fn start(o: StixOptions, policy: Policy) -> Result<StixSink, Error> {
        let counters = Arc::new(PushCounters::default());
        let push_policy = Policy {
            retries: o.retries,
            backoff: o.backoff,
            max_delay: o.max_delay,
            ..policy.clone()
        };
        let backend = StixBackend {
            b: Builder::new(o.meta),
            path: o.out.join(FILE_NAME),
            out: o.out,
            dirty: true,
            last_write: None,
            taxii: o.taxii.map(Taxii::new).transpose()?,
            push_every: o.push_every,
            last_push: Instant::now(),
            attempts: 0,
            next_attempt: Instant::now(),
            policy: push_policy.clone(),
            counters: counters.clone(),
        };
        Ok(StixSink {
            // The final push is retried with TAXII's policy within the drain time.
            ex: Exporter::start("stix", backend, push_policy)?,
            evidence: o.evidence,
            counters,
        })
    }

    pub fn stats(&self) -> Stats {
        self.ex.stats()
    }

    pub fn push_counters(&self) -> Arc<PushCounters> {
        self.counters.clone()
    }
}

impl Sink for StixSink {
    fn name(&self) -> &'static str {
        "stix"
    }
    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        if self.evidence {
            self.ex.offer(Event::Evidence(Box::new(e.clone())));
        }
        Ok(())
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.ex
            .offer(Event::Alert(Box::new(a.clone()), ev.to_vec()));
        Ok(())
    }
    fn finish(&mut self, _: &[slips_core::summary::ProfileSummary]) -> slips_output::Result<()> {
        self.ex.close();
        let c = &self.counters;
        let (p, o, f, d) = (
            c.pushes.load(Ordering::Relaxed),
            c.objects.load(Ordering::Relaxed),
            c.failed_pushes.load(Ordering::Relaxed),
            c.dropped_objects.load(Ordering::Relaxed),
        );
        if p + f > 0 {
            tracing::info!("taxii: {o} object(s) in {p} push(es), {f} failed push(es), {d} object(s) not pushed");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixtures::*;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};

    fn meta() -> Meta {
        Meta {
            sensor: "sensor1".into(),
            version: "0.1.0".into(),
        }
    }

    fn now() -> Now<'static> {
        Now {
            create_time: "x",
            event_time: Timestamp::ZERO,
        }
    }

    #[test]
    fn objects_and_patterns() {
        let mut b = Builder::new(meta());
        b.add(&Event::Alert(
            Box::new(alert()),
            vec![evidence(), domain_evidence()],
        ));
        b.add(&Event::Evidence(Box::new(domain_evidence())));
        b.add(&Event::Alert(
            Box::new(Alert {
                id: "a-2".into(),
                ..alert()
            }),
            vec![],
        ));
        let types: Vec<&str> = b.all.iter().map(|o| o["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "identity",
                "indicator",
                "sighting",
                "indicator",
                "sighting",
                "sighting"
            ],
            "one indicator per attacker"
        );
        assert_eq!(b.all[1]["pattern"], "[ipv4-addr:value = '10.0.0.5']");
        assert_eq!(b.all[3]["pattern"], "[domain-name:value = 'evil.example']");
        assert_eq!(b.all[2]["sighting_of_ref"], b.all[1]["id"]);
        assert_eq!(b.all[2]["where_sighted_refs"][0], b.all[0]["id"]);
        assert_eq!(b.all[2]["first_seen"], "2023-11-14T22:15:23.500Z");
        let again = {
            let mut b2 = Builder::new(meta());
            b2.add(&Event::Alert(
                Box::new(alert()),
                vec![evidence(), domain_evidence()],
            ));
            b2.all[2]["id"].clone()
        };
        assert_eq!(again, b.all[2]["id"], "ids are derived from content");
        let v6 = Ioc::ip("2001:db8::1".parse().unwrap(), slips_core::Side::Src);
        assert_eq!(pattern(&v6), "[ipv6-addr:value = '2001:db8::1']");
        assert_eq!(
            pattern(&Ioc::domain("a'b", slips_core::Side::Dst)),
            "[domain-name:value = 'a\\'b']"
        );
    }

    /// The Python venv with medallion and stix2 (`scripts/deps.sh --test`).
    fn venv_python() -> Option<PathBuf> {
        let dir = std::env::var_os("SLIPS_TEST_VENV")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/slips-test/venv"))
            })?;
        let py = dir.join("bin/python");
        let ok = Command::new(&py)
            .args(["-c", "import medallion, stix2"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(py)
    }

    struct Medallion {
        child: Child,
        port: u16,
    }

    impl Drop for Medallion {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    const COLLECTION: &str = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4";

    /// medallion over HTTPS: its app run with an SSL context (its script has no TLS flag).
    const MEDALLION_TLS: &str = r#"
import json, sys
from medallion import application_instance, register_blueprints, set_config
conf = json.load(open(sys.argv[1]))
for k in ("users", "taxii", "backend"):
    set_config(application_instance, k, conf)
register_blueprints(application_instance)
application_instance.run(host="127.0.0.1", port=int(sys.argv[2]), ssl_context=(sys.argv[3], sys.argv[4]))
"#;

    fn start_medallion(py: &Path, dir: &Path) -> Medallion {
        start_medallion_with(py, dir, false)
    }

    fn start_medallion_with(py: &Path, dir: &Path, tls: bool) -> Medallion {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("{}://127.0.0.1:{port}", if tls { "https" } else { "http" });
        let data = json!({
            "/discovery": {
                "title": "slips test TAXII server", "description": "", "contact": "",
                "default": format!("{base}/api1/"), "api_roots": [format!("{base}/api1/")]
            },
            "api1": {
                "information": {"title": "api1", "description": "",
                                "versions": ["application/taxii+json;version=2.1"],
                                "max_content_length": 9_765_625},
                "status": [],
                "collections": [
                    {"id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "title": "Read only",
                     "description": "", "can_read": true, "can_write": false,
                     "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []},
                    {"id": COLLECTION, "title": "Alerts", "description": "", "can_read": true,
                     "can_write": true, "media_types": ["application/stix+json;version=2.1"],
                     "objects": [], "manifest": []}
                ]
            }
        });
        let data_path = dir.join("data.json");
        std::fs::write(&data_path, data.to_string()).unwrap();
        let conf = json!({
            "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                        "filename": data_path},
            "users": {"slips": "p4ss"},
            "taxii": {"max_page_size": 100}
        });
        let conf_path = dir.join("medallion.json");
        std::fs::write(&conf_path, conf.to_string()).unwrap();
        let mut cmd = Command::new(py);
        if tls {
            cmd.args(["-c", MEDALLION_TLS])
                .arg(&conf_path)
                .arg(port.to_string())
                .arg(dir.join("srv.pem"))
                .arg(dir.join("srv.key"));
        } else {
            cmd.args([
                "-m",
                "medallion.scripts.run",
                "--host",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .arg(&conf_path);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("medallion.log")).unwrap())
            .spawn()
            .unwrap();
        let m = Medallion { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "medallion did not start: {}",
                std::fs::read_to_string(dir.join("medallion.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        m
    }

    /// Reads the collection back with Python's requests and validates every object of the
    /// collection and of STIX_data.json with the stix2 library.
    const VALIDATE: &str = r#"
import json, sys, requests, stix2
url, bundle_path = sys.argv[1], sys.argv[2]
r = requests.get(url, auth=("slips", "p4ss"), headers={"Accept": "application/taxii+json;version=2.1"})
r.raise_for_status()
objs = r.json().get("objects", [])
for o in objs:
    stix2.parse(o, allow_custom=False, version="2.1")
bundle = json.load(open(bundle_path))
parsed = stix2.parse(bundle, allow_custom=False, version="2.1")
print(json.dumps({"server": sorted(o["type"] for o in objs), "bundle": len(parsed.objects)}))
"#;

    fn options(dir: &Path, port: u16, collection: &str, password: &str) -> StixOptions {
        StixOptions {
            meta: meta(),
            out: dir.to_owned(),
            evidence: true,
            taxii: Some(TaxiiOptions {
                discovery_url: format!("http://127.0.0.1:{port}/taxii2/"),
                collection: collection.into(),
                username: "slips".into(),
                password: Some(password.into()),
                timeout: Duration::from_secs(10),
                ca: None,
            }),
            push_every: None,
            retries: Some(2),
            backoff: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
        }
    }

    #[test]
    fn pushes_to_medallion_and_validates_with_stix2() {
        let Some(py) = venv_python() else {
            eprintln!(
                "skipping: no Python venv with medallion and stix2 (run scripts/deps.sh --test)"
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let m = start_medallion(&py, dir.path());
        // By title, pushed at the end (a file input).
        let mut s = StixSink::start(
            options(dir.path(), m.port, "Alerts", "p4ss"),
            Policy::default(),
        )
        .unwrap();
        s.evidence(&evidence(), &now()).unwrap();
        s.evidence(&domain_evidence(), &now()).unwrap();
        s.alert(&alert(), &[evidence(), domain_evidence()], &now())
            .unwrap();
        s.finish(&[]).unwrap();
        let c = s.push_counters();
        assert_eq!(
            c.objects.load(Ordering::Relaxed),
            6,
            "identity, 2 indicators, 3 sightings"
        );
        assert_eq!(c.dropped_objects.load(Ordering::Relaxed), 0);
        // By id, as each alert comes (direct export).
        let mut o = options(dir.path(), m.port, COLLECTION, "p4ss");
        o.push_every = Some(Duration::ZERO);
        o.evidence = false;
        let mut s = StixSink::start(o, Policy::default()).unwrap();
        s.alert(
            &Alert {
                id: "a-9".into(),
                ..alert()
            },
            &[evidence()],
            &now(),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            s.push_counters().pushes.load(Ordering::Relaxed),
            1,
            "pushed before the end"
        );
        s.finish(&[]).unwrap();

        let url = format!(
            "http://127.0.0.1:{}/api1/collections/{COLLECTION}/objects/",
            m.port
        );
        let out = Command::new(&py)
            .args(["-c", VALIDATE, &url])
            .arg(dir.path().join(FILE_NAME))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "stix2 validation failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let server: Vec<&str> = v["server"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(
            server,
            [
                "identity",
                "indicator",
                "indicator",
                "sighting",
                "sighting",
                "sighting",
                "sighting"
            ]
        );
        assert_eq!(
            v["bundle"], 3,
            "the second run's file: identity, indicator, sighting"
        );
    }

    #[test]
    fn pushes_over_https_and_every_push_delay() {
        let Some(py) = venv_python() else {
            eprintln!(
                "skipping: no Python venv with medallion and stix2 (run scripts/deps.sh --test)"
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        if !crate::testcerts::make_certs(dir.path()) {
            eprintln!("skipping: openssl could not make the test certificates");
            return;
        }
        let m = start_medallion_with(&py, dir.path(), true);
        let mut o = options(dir.path(), m.port, "Alerts", "p4ss");
        let t = o.taxii.as_mut().unwrap();
        t.discovery_url = t.discovery_url.replace("http://", "https://");
        // Without the CA the server is not trusted.
        let mut s = StixSink::start(o.clone(), Policy::default()).unwrap();
        s.alert(&alert(), &[], &now()).unwrap();
        s.finish(&[]).unwrap();
        assert_eq!(s.push_counters().objects.load(Ordering::Relaxed), 0);
        // With it: a live run pushing every 300 ms.
        o.taxii.as_mut().unwrap().ca = Some(dir.path().join("ca.pem"));
        o.push_every = Some(Duration::from_millis(300));
        o.evidence = false;
        let mut s = StixSink::start(o, Policy::default()).unwrap();
        let c = s.push_counters();
        s.alert(
            &Alert {
                id: "b-1".into(),
                ..alert()
            },
            &[evidence()],
            &now(),
        )
        .unwrap();
        let t = Instant::now();
        while c.pushes.load(Ordering::Relaxed) < 1 {
            assert!(t.elapsed() < Duration::from_secs(10), "no periodic push");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(c.objects.load(Ordering::Relaxed), 3);
        s.alert(
            &Alert {
                id: "b-2".into(),
                ..alert()
            },
            &[evidence()],
            &now(),
        )
        .unwrap();
        while c.pushes.load(Ordering::Relaxed) < 2 {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no second periodic push"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(
            c.objects.load(Ordering::Relaxed),
            4,
            "only the new sighting"
        );
        s.finish(&[]).unwrap();
        assert_eq!(
            c.pushes.load(Ordering::Relaxed),
            2,
            "nothing left for the end"
        );
        assert_eq!(c.dropped_objects.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn bad_credentials_and_read_only_collections_fail_counted() {
        let Some(py) = venv_python() else {
            eprintln!(
                "skipping: no Python venv with medallion and stix2 (run scripts/deps.sh --test)"
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let m = start_medallion(&py, dir.path());
        for (collection, password) in [("Alerts", "wrong"), ("Read only", "p4ss"), ("Nope", "p4ss")]
        {
            let mut s = StixSink::start(
                options(dir.path(), m.port, collection, password),
                Policy::default(),
            )
            .unwrap();
            s.alert(&alert(), &[evidence()], &now()).unwrap();
            s.finish(&[]).unwrap();
            let c = s.push_counters();
            assert_eq!(c.objects.load(Ordering::Relaxed), 0, "{collection}");
            assert!(c.failed_pushes.load(Ordering::Relaxed) >= 1, "{collection}");
            assert_eq!(c.dropped_objects.load(Ordering::Relaxed), 3, "{collection}");
            // The file is written whatever TAXII says.
            let b: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap())
                    .unwrap();
            assert_eq!(b["objects"].as_array().unwrap().len(), 3);
        }
    }
}

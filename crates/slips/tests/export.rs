//! Exports through the binary: a generated Zeek conn.log (a horizontal scan, which alerts)
//! analysed with syslog to a UDP socket of the test, CEF and ECS files, Slack to a local
//! HTTP server of the test, STIX_data.json and labelled flows configured; a live run on
//! standard input scraped through `--metrics`; and the start-up warnings for keys slips does
//! not implement.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn conn_log(dir: &Path, n: u32) -> std::path::PathBuf {
    let p = dir.join("conn.log");
    let mut f = std::fs::File::create(&p).unwrap();
    for i in 0..n {
        writeln!(f, "{}", zeek_conn_line(i)).unwrap();
    }
    p
}

/// An HTTP server that answers 200 to everything and keeps the request bodies.
fn http_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/services/T1/B1/x", l.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let b2 = bodies.clone();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let mut w = c.try_clone().unwrap();
            let mut r = BufReader::new(c);
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 {
                    break;
                }
                let h = h.trim_end().to_ascii_lowercase();
                if h.is_empty() {
                    let mut body = vec![0; len];
                    if r.read_exact(&mut body).is_err() {
                        break;
                    }
                    b2.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&body).into_owned());
                    let _ = w.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                    len = 0;
                    continue;
                }
                if let Some(v) = h.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
    });
    (url, bodies)
}

#[test]
fn a_run_exports_to_syslog_cef_ecs_slack_stix_and_labelled_flows() {
    let dir = tempfile::tempdir().unwrap();
    let input = conn_log(dir.path(), 300);
    let syslog = UdpSocket::bind("127.0.0.1:0").unwrap();
    syslog
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    let syslog_addr = syslog.local_addr().unwrap();
    // The receiver reads while slips runs (a socket's buffer holds only so many datagrams).
    let receiver = std::thread::spawn(move || {
        let mut datagrams = Vec::new();
        let mut buf = [0u8; 65536];
        while let Ok((n, _)) = syslog.recv_from(&mut buf) {
            datagrams.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        datagrams
    });
    let (webhook, bodies) = http_server();
    std::fs::write(dir.path().join("webhook"), format!("{webhook}\n")).unwrap();
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        format!(
            "parameters:\n  export_labeled_flows: true\n  export_format: tsv\n\
             exporting_alerts:\n  export_to: [slack, stix]\n  sensor_name: test-sensor\n  TAXII_server: ''\n\
             export:\n  syslog: udp://{}\n  cef_file: alerts.cef\n  ecs_file: alerts.ecs.json\n  \
             slack_webhook_file: webhook\n  slack_min_interval: 0\n",
            syslog_addr
        ),
    )
    .unwrap();
    let (d, _, _) = analyse(&input, &["-c", cfg.to_str().unwrap()]);
    let out = d.path().join("out");
    let alerts = alerts_json(&out);
    let events = alerts.iter().filter(|v| v["Status"] == "Event").count();
    let incidents = alerts.len() - events;
    assert!(
        events > 0 && incidents > 0,
        "the scan must alert: {alerts:?}"
    );

    let datagrams = receiver.join().unwrap();
    assert_eq!(datagrams.len(), events + incidents);
    assert!(datagrams.iter().all(|d| d.contains(" test-sensor slips ")));
    assert_eq!(
        datagrams
            .iter()
            .filter(|d| d.starts_with("<130>1 "))
            .count(),
        incidents,
        "alerts are local0.crit"
    );

    let cef = std::fs::read_to_string(out.join("alerts.cef")).unwrap();
    assert_eq!(cef.lines().count(), events + incidents);
    assert!(cef
        .lines()
        .all(|l| l.starts_with("CEF:0|Stratosphere|slips|")));
    let ecs = std::fs::read_to_string(out.join("alerts.ecs.json")).unwrap();
    for l in ecs.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["event"]["kind"], "alert");
        assert_eq!(v["observer"]["name"], "test-sensor");
    }

    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), incidents, "one Slack message per alert");
    let msg: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert!(
        msg["text"]
            .as_str()
            .unwrap()
            .contains("*10.0.0.5* is malicious"),
        "{msg}"
    );

    let stix: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("STIX_data.json")).unwrap())
            .unwrap();
    let objects = stix["objects"].as_array().unwrap();
    assert_eq!(stix["type"], "bundle");
    assert!(objects
        .iter()
        .any(|o| o["pattern"] == "[ipv4-addr:value = '10.0.0.5']"));
    assert_eq!(
        objects.iter().filter(|o| o["type"] == "sighting").count(),
        incidents
    );

    let flows = std::fs::read_to_string(out.join("labeled_flows.tsv")).unwrap();
    let rows: Vec<&str> = flows.lines().skip(1).collect();
    assert_eq!(rows.len(), 300);
    assert!(
        rows.iter()
            .any(|r| r.contains("\tmalicious\t") && r.ends_with("HORIZONTAL_PORT_SCAN")),
        "{flows}"
    );
    assert!(!out.join(".labeled_flows.spool").exists());

    let log = std::fs::read_to_string(out.join("slips.log")).unwrap();
    for name in ["syslog", "cef", "ecs", "slack"] {
        assert!(
            log.contains(&format!("export {name}: "))
                && !log.contains(&format!("export {name}: queue full")),
            "{name}: {log}"
        );
    }
    assert!(
        !log.contains("/services/T1/B1/x"),
        "the webhook URL is a secret: {log}"
    );
}

#[test]
fn a_dead_endpoint_does_not_change_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let input = conn_log(dir.path(), 300);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        format!("export:\n  syslog: tcp://127.0.0.1:{port}\n  retries: 1\n  retry_backoff: 0.01\n  drain_timeout: 1\n"),
    )
    .unwrap();
    let t = Instant::now();
    let (d, _, _) = analyse(&input, &["-c", cfg.to_str().unwrap()]);
    assert!(t.elapsed() < Duration::from_secs(30));
    let (plain, _, _) = analyse(&input, &[]);
    assert_eq!(
        evidence_snapshot(&d.path().join("out")),
        evidence_snapshot(&plain.path().join("out"))
    );
    let log = std::fs::read_to_string(d.path().join("out/slips.log")).unwrap();
    assert!(log.contains("export syslog: 0 sent"), "{log}");
}

fn scrape(addr: &str) -> Option<String> {
    let mut c = std::net::TcpStream::connect(addr).ok()?;
    write!(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").ok()?;
    let mut s = String::new();
    c.read_to_string(&mut s).ok()?;
    Some(s)
}

fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[test]
fn metrics_are_scraped_during_a_live_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = slips_on_stdin(&out, &["--metrics", &addr]);
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..300 {
        writeln!(stdin, "{}", zeek_conn_line(i)).unwrap();
    }
    stdin.flush().unwrap();
    let t = Instant::now();
    let text = loop {
        if let Some(s) = scrape(&addr) {
            if sample(&s, "slips_records_total{kind=\"conn\"}") == Some(300.0)
                && sample(&s, "slips_profiles").is_some_and(|p| p >= 1.0)
            {
                break s;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "no metrics: {:?}",
            scrape(&addr)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(text.starts_with("HTTP/1.1 200 OK"));
    assert!(
        sample(&text, "slips_evidence_total{type=\"HORIZONTAL_PORT_SCAN\"}").unwrap() >= 1.0,
        "{text}"
    );
    assert!(sample(&text, "slips_resident_memory_bytes").unwrap() > 1e6);
    assert!(
        sample(&text, "slips_open_windows").unwrap() >= 1.0,
        "{text}"
    );
    drop(stdin);
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(t.elapsed() < Duration::from_secs(30), "slips did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(child.wait().unwrap().success());
}

#[test]
fn keys_slips_does_not_implement_warn_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let input = conn_log(dir.path(), 10);
    let cfg = dir.path().join("slips.yaml");
    std::fs::write(
        &cfg,
        "exporting_alerts:\n  direct_export_workers: 4\ncesnet:\n  receive_alerts: true\n",
    )
    .unwrap();
    let (d, _, _) = analyse(&input, &["-c", cfg.to_str().unwrap()]);
    let log = std::fs::read_to_string(d.path().join("out/slips.log")).unwrap();
    for k in [
        "exporting_alerts.direct_export_workers",
        "cesnet.receive_alerts",
    ] {
        assert!(
            log.contains(&format!("config: {k}")) && log.contains("is not implemented in slips"),
            "{k}: {log}"
        );
    }
    // Slack without a webhook or token is refused at start, naming the key.
    std::fs::write(
        &cfg,
        "exporting_alerts:\n  export_to: [slack]\n  slack_api_path: /nonexistent/token\n",
    )
    .unwrap();
    let o = slips()
        .args(["-f", input.to_str().unwrap(), "-o"])
        .arg(dir.path().join("o2"))
        .args(["-c", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("exporting_alerts.slack_api_path"), "{err}");
    // Warden without its client configuration is refused at start, naming the key.
    std::fs::write(
        &cfg,
        "cesnet:\n  send_alerts: true\n  configuration_file: nonexistent.conf\n",
    )
    .unwrap();
    let o = slips()
        .args(["-f", input.to_str().unwrap(), "-o"])
        .arg(dir.path().join("o3"))
        .args(["-c", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("cesnet.configuration_file"), "{err}");
}

/// The Python venv with medallion and stix2 (`scripts/deps.sh --test`).
fn venv_python() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("SLIPS_TEST_VENV")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| std::path::PathBuf::from(h).join(".cache/slips-test/venv"))
        })?;
    let py = dir.join("bin/python");
    let ok = std::process::Command::new(&py)
        .args(["-c", "import medallion, stix2"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: no Python venv with medallion and stix2 (run scripts/deps.sh --test)");
    }
    ok.then_some(py)
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Slips' own keys (server, port, discovery path, collection title, user) and the password
/// from SLIPS_TAXII_PASSWORD: a file input pushes once at the end; the collection then holds
/// what STIX_data.json holds, valid for the stix2 library.
#[test]
fn stix_reaches_medallion_through_slips_keys() {
    let Some(py) = venv_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let collection = "9c0e5a34-6b0f-4f3e-8a55-2a1c7b7e0d11";
    let data = serde_json::json!({
        "/discovery": {"title": "t", "description": "", "contact": "",
                       "default": format!("{base}/api1/"), "api_roots": [format!("{base}/api1/")]},
        "api1": {
            "information": {"title": "api1", "description": "",
                            "versions": ["application/taxii+json;version=2.1"],
                            "max_content_length": 9_765_625},
            "status": [],
            "collections": [{"id": collection, "title": "Alerts", "description": "",
                             "can_read": true, "can_write": true,
                             "media_types": ["application/stix+json;version=2.1"],
                             "objects": [], "manifest": []}]
        }
    });
    std::fs::write(d.join("data.json"), data.to_string()).unwrap();
    let conf = serde_json::json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": d.join("data.json")},
        "users": {"analyst": "s3cret-pw"},
        "taxii": {"max_page_size": 100}
    });
    std::fs::write(d.join("medallion.json"), conf.to_string()).unwrap();
    let _server = Child(
        std::process::Command::new(&py)
            .args([
                "-m",
                "medallion.scripts.run",
                "--host",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .arg(d.join("medallion.json"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "medallion did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let input = conn_log(d, 300);
    let cfg = d.join("slips.yaml");
    std::fs::write(
        &cfg,
        format!(
            "exporting_alerts:\n  export_to: [stix]\n  TAXII_server: 127.0.0.1\n  port: {port}\n  \
             use_https: false\n  discovery_path: /taxii2/\n  collection_name: Alerts\n  \
             direct_export: false\n  taxii_username: analyst\n  taxii_password: wrong\n"
        ),
    )
    .unwrap();
    let out = d.join("out");
    let o = slips()
        .args([
            "-f",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--quiet",
            "-c",
        ])
        .arg(&cfg)
        .env("SLIPS_TAXII_PASSWORD", "s3cret-pw")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let log = std::fs::read_to_string(out.join("slips.log")).unwrap();
    assert!(!log.contains("s3cret-pw"), "the password is never logged");
    let check = format!(
        r#"
import json, requests, stix2
r = requests.get("{base}/api1/collections/{collection}/objects/", auth=("analyst", "s3cret-pw"),
                 headers={{"Accept": "application/taxii+json;version=2.1"}})
r.raise_for_status()
objs = r.json().get("objects", [])
for o in objs:
    stix2.parse(o, allow_custom=False, version="2.1")
bundle = stix2.parse(json.load(open("{}")), allow_custom=False, version="2.1")
print(len(objs), len(bundle.objects))
"#,
        out.join("STIX_data.json").display()
    );
    let v = std::process::Command::new(&py)
        .args(["-c", &check])
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let counts = String::from_utf8_lossy(&v.stdout).trim().to_owned();
    let (server, file) = counts.split_once(' ').unwrap();
    assert_eq!(
        server, file,
        "the collection holds the bundle: {counts}\n{log}"
    );
    assert!(server.parse::<u32>().unwrap() >= 3, "{counts}");
}

/// A minimal Warden-like HTTPS server: the client certificate is required (signed by the
/// test CA); each POSTed event array is appended to a file.
const WARDEN: &str = r#"
import json, ssl, sys, http.server
port_file, ca, cert, key, log = sys.argv[1:6]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(log, "a") as f:
            for e in body:
                e["_path"] = self.path
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

fn openssl(dir: &Path, args: &[&str]) -> bool {
    std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn alerts_reach_warden_as_idea0_with_the_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("srv.ext"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    std::fs::write(d.join("cli.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    let made = [
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
            "-days", "2", "-subj", "/CN=ca",
        ][..],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "srv.pem",
            "-days",
            "2",
            "-extfile",
            "srv.ext",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "cli.key",
            "-out",
            "cli.csr",
            "-subj",
            "/CN=org.test.slips",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "cli.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cli.pem",
            "-days",
            "2",
            "-extfile",
            "cli.ext",
        ],
    ]
    .iter()
    .all(|a| openssl(d, a));
    if !made {
        eprintln!("skipping: openssl could not make the test certificates");
        return;
    }
    let log = d.join("received.jsonl");
    let Ok(child) = std::process::Command::new("python3")
        .arg("-c")
        .arg(WARDEN)
        .arg(d.join("port"))
        .args(["ca.pem", "srv.pem", "srv.key"].map(|f| d.join(f)))
        .arg(&log)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        eprintln!("skipping: python3 is not installed");
        return;
    };
    let _server = Child(child);
    let t = Instant::now();
    let port = loop {
        if let Some(p) = std::fs::read_to_string(d.join("port"))
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
        {
            break p;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the Warden server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // The client configuration names its files relative to itself, in its own folder.
    let wdir = d.join("warden");
    std::fs::create_dir(&wdir).unwrap();
    for f in ["ca.pem", "cli.pem", "cli.key"] {
        std::fs::copy(d.join(f), wdir.join(f)).unwrap();
    }
    std::fs::write(
        wdir.join("warden.conf"),
        serde_json::json!({"url": format!("https://127.0.0.1:{port}/warden3"), "name": "org.test.slips",
                           "certfile": "cli.pem", "keyfile": "cli.key", "cafile": "ca.pem"})
        .to_string(),
    )
    .unwrap();
    let input = conn_log(d, 300);
    let cfg = d.join("slips.yaml");
    std::fs::write(
        &cfg,
        "cesnet:\n  send_alerts: true\n  configuration_file: warden/warden.conf\n",
    )
    .unwrap();
    let (o, _, _) = analyse(&input, &["-c", cfg.to_str().unwrap()]);
    let incidents = alerts_json(&o.path().join("out"))
        .iter()
        .filter(|v| v["Status"] == "Incident")
        .count();
    let got: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(incidents > 0);
    assert_eq!(got.len(), incidents, "one IDEA0 event per alert");
    for e in &got {
        assert_eq!(e["Format"], "IDEA0");
        assert_eq!(e["_path"], "/warden3/sendEvents?client=org.test.slips");
        assert_eq!(e["Source"][0]["IP4"][0], "10.0.0.5");
        assert_eq!(e["Node"][0]["Name"], "org.test.slips");
        assert!(e["Category"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "Recon.Scanning"));
    }
}

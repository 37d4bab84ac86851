//! The web interface through the real binary: `--web` during and after a run, `slips web`
//! on a folder of runs, and end-to-end in headless Chromium driven over WebDriver
//! (chromedriver, plain HTTP JSON), screenshots of every view in
//! `$CARGO_TARGET_TMPDIR/web-screenshots/`. Browser tests skip where chromium or
//! chromedriver is absent (`scripts/deps.sh --test` installs both).

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What goes through the web interface's escaping: markup and attribute breakers in a DNS
/// query (domain), an HTTP host, a uid, a user agent.
const PAYLOADS: [&str; 3] = [
    "<script>window.__xss=1</script>.example",
    "\"onload=\"window.__xss=1\" x=\".example",
    "<img src=x onerror=window.__xss=1>.example",
];

/// A Zeek folder: 10.0.0.5 scans port 23 of 250 hosts (alerts), and its DNS and HTTP
/// records carry the payloads.
fn zeek_logs(dir: &Path) -> PathBuf {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut conn = String::new();
    for i in 0..300 {
        conn.push_str(&common::zeek_conn_line(i));
        conn.push('\n');
    }
    let mut dns = String::new();
    let mut http = String::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let uid = format!("Cx\"onload=x{i}");
        conn.push_str(
            &json!({"ts": 1_600_000_000.5 + i as f64, "uid": uid, "id.orig_h": "10.0.0.5",
                "id.orig_p": 5000 + i, "id.resp_h": "10.0.0.1", "id.resp_p": 53, "proto": "udp",
                "service": "dns", "conn_state": "SF", "duration": 0.01, "orig_bytes": 40,
                "resp_bytes": 80, "orig_pkts": 1, "resp_pkts": 1})
            .to_string(),
        );
        conn.push('\n');
        dns.push_str(
            &json!({"ts": 1_600_000_000.5 + i as f64, "uid": uid, "id.orig_h": "10.0.0.5",
                "id.orig_p": 5000 + i, "id.resp_h": "10.0.0.1", "id.resp_p": 53, "proto": "udp",
                "query": p, "rcode_name": "NOERROR", "answers": ["192.0.2.80"], "TTLs": [60.0]})
            .to_string(),
        );
        dns.push('\n');
        http.push_str(
            &json!({"ts": 1_600_000_001.0 + i as f64, "uid": format!("H{i}"), "id.orig_h": "10.0.0.5",
                "id.orig_p": 6000 + i, "id.resp_h": "192.0.2.80", "id.resp_p": 80,
                "method": "GET", "host": p, "uri": "/<b>x</b>", "user_agent": PAYLOADS[(i + 1) % 3]})
            .to_string(),
        );
        http.push('\n');
    }
    // In time order, as Zeek writes them.
    let mut lines: Vec<&str> = conn.lines().collect();
    let ts = |l: &str| {
        serde_json::from_str::<Value>(l).unwrap()["ts"]
            .as_f64()
            .unwrap()
    };
    lines.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
    std::fs::write(logs.join("conn.log"), lines.join("\n") + "\n").unwrap();
    std::fs::write(logs.join("dns.log"), dns).unwrap();
    std::fs::write(logs.join("http.log"), http).unwrap();
    logs
}

/// A slips that serves; stdout lines arrive on a channel. Stopped with SIGTERM on drop.
struct Serving {
    child: Child,
    lines: mpsc::Receiver<String>,
    url: String,
    seen: Vec<String>,
}

impl Serving {
    fn start(args: &[&str]) -> Serving {
        let mut child = common::slips()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start slips");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut s = Serving {
            child,
            lines,
            url: String::new(),
            seen: Vec::new(),
        };
        let l = s.wait_line("slips: web interface at ", Duration::from_secs(60));
        s.url = l
            .strip_prefix("slips: web interface at ")
            .unwrap()
            .to_string();
        s
    }

    fn wait_line(&mut self, prefix: &str, timeout: Duration) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return l.clone();
        }
        let t0 = Instant::now();
        loop {
            let left = timeout.saturating_sub(t0.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.starts_with(prefix) {
                        return l;
                    }
                }
                Err(_) => panic!("no line {prefix:?} from slips; saw {:?}", self.seen),
            }
        }
    }

    fn base(&self) -> String {
        self.url.split("/?token=").next().unwrap().to_string()
    }
    fn token(&self) -> String {
        self.url.split("token=").nth(1).unwrap().to_string()
    }

    fn get(&self, path: &str) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = agent
            .get(&format!("{}{path}", self.base()))
            .header("cookie", &format!("slips_token={}", self.token()))
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    }

    fn json(&self, path: &str) -> Value {
        let (s, b) = self.get(path);
        assert_eq!(s, 200, "{path}: {b}");
        serde_json::from_str(&b).unwrap()
    }

    /// SIGTERM (by its pid) and the exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let t0 = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(t0.elapsed() < Duration::from_secs(20), "slips did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `Total analyzed IPs: N. Analyzed flows: F. Evidence: E. Alerts: A.` of the run.
fn totals(line: &str) -> (i64, i64, i64) {
    let num = |key: &str| -> i64 {
        let rest = line.split(key).nth(1).unwrap();
        rest.trim()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (num("Analyzed flows:"), num("Evidence:"), num("Alerts:"))
}

#[test]
fn web_serves_the_run_then_until_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let logs = zeek_logs(dir.path());
    let out = dir.path().join("out");
    let mut s = Serving::start(&[
        "-f",
        logs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--web",
        "--web-port",
        "0",
    ]);
    assert!(s.url.starts_with("http://127.0.0.1:"), "{}", s.url);
    assert_eq!(s.token().len(), 32);
    let total = s.wait_line("Total analyzed IPs:", Duration::from_secs(60));
    s.wait_line(
        "slips: analysis complete; still serving",
        Duration::from_secs(30),
    );
    let (flows, evidence, alerts) = totals(&total);
    let c = s.json("/api/counts");
    assert_eq!(c["complete"], true);
    assert_eq!(c["flows"], flows, "{c} vs {total}");
    assert_eq!(c["evidence"], evidence);
    assert_eq!(c["alerts"], alerts);
    assert!(alerts >= 1, "the scan alerts: {total}");
    assert_eq!(c["progress"]["running"], false);
    // Without the token: refused.
    let r = ureq::get(&format!("{}/api/counts", s.base())).call();
    assert!(matches!(r, Err(ureq::Error::StatusCode(401))), "{r:?}");
    let status = s.stop();
    assert!(status.success(), "{status:?}");
}

/// A live input (Zeek lines on standard input): the interface serves while the run goes on
/// (progress running, counts growing), then the finished analysis.
#[test]
fn web_serves_a_live_run_while_it_runs() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = common::slips()
        .args([
            "-f",
            "zeek",
            "-o",
            out.to_str().unwrap(),
            "--web",
            "--web-port",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    // Serving starts once the input is open: the first lines open it.
    for i in 0..50 {
        writeln!(stdin, "{}", common::zeek_conn_line(i)).unwrap();
    }
    stdin.flush().unwrap();
    let mut s = Serving {
        child,
        lines,
        url: String::new(),
        seen: Vec::new(),
    };
    let l = s.wait_line("slips: web interface at ", Duration::from_secs(60));
    s.url = l
        .strip_prefix("slips: web interface at ")
        .unwrap()
        .to_string();
    let t0 = Instant::now();
    let counts = loop {
        let c = s.json("/api/counts");
        if c["records"].as_i64() == Some(50) {
            break c;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "records never reached the database: {c}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(counts["progress"]["running"], true);
    assert_eq!(counts["complete"], false);
    // Profiles come from the windows while the run goes on.
    // (Open windows reach the database as the live input goes on.)
    let t0 = Instant::now();
    let mut i = 50;
    while s.json("/api/profiles")["total"] != 1 {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "no profile during the run"
        );
        writeln!(stdin, "{}", common::zeek_conn_line(i)).unwrap();
        stdin.flush().unwrap();
        i += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(s.json("/api/counts")["complete"], false);
    for i in i..300 {
        writeln!(stdin, "{}", common::zeek_conn_line(i)).unwrap();
    }
    drop(stdin);
    let total = s.wait_line("Total analyzed IPs:", Duration::from_secs(60));
    s.wait_line("slips: analysis complete", Duration::from_secs(30));
    let (flows, evidence, alerts) = totals(&total);
    let c = s.json("/api/counts");
    assert_eq!(
        (
            c["flows"].as_i64(),
            c["evidence"].as_i64(),
            c["alerts"].as_i64()
        ),
        (Some(flows), Some(evidence), Some(alerts))
    );
    assert_eq!(c["complete"], true);
    assert_eq!(c["progress"]["running"], false);
    assert!(s.stop().success());
}

#[test]
fn slips_web_picks_among_runs_and_d_web_serves_one() {
    let dir = tempfile::tempdir().unwrap();
    let logs = zeek_logs(dir.path());
    for run in ["a", "b"] {
        common::run_ok(&[
            "-f",
            logs.to_str().unwrap(),
            "-o",
            dir.path().join("runs").join(run).to_str().unwrap(),
            "--quiet",
        ]);
    }
    let runs = dir.path().join("runs");
    let s = Serving::start(&["web", runs.to_str().unwrap(), "--web-port", "0"]);
    let r = s.json("/api/runs");
    assert_eq!(r["runs"].as_array().unwrap().len(), 2);
    assert_eq!(s.json("/api/session")["folder"], true);
    let a = s.json("/api/overview?run=a");
    assert_eq!(a["counts"]["complete"], true);
    assert_eq!(s.get("/api/overview").0, 404);
    assert!(s.stop().success());
    let db = runs.join("a").join("slips.sqlite");
    let s = Serving::start(&["-d", db.to_str().unwrap(), "--web", "--web-port", "0"]);
    assert_eq!(
        s.json("/api/overview")["counts"]["alerts"],
        a["counts"]["alerts"]
    );
    assert!(s.stop().success());
    // Another address: served, with a warning.
    let mut child = common::slips()
        .args([
            "web",
            db.to_str().unwrap(),
            "--web-port",
            "0",
            "--web-bind",
            "0.0.0.0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(
        line.contains("warning") && line.contains("0.0.0.0"),
        "{line}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
}

#[test]
fn web_needs_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let logs = zeek_logs(dir.path());
    let o = common::slips()
        .args(["-f", logs.to_str().unwrap(), "-o"])
        .arg(dir.path().join("out"))
        .args(["--web", "--no-db"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--web reads the analysis database"));
    let o = common::slips()
        .args(["web"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

// ---------- WebDriver ----------

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    driver: Child,
    base: String,
    session: String,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn found(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}

impl Browser {
    fn start() -> Option<Browser> {
        let (Some(chrome), Some(driver)) = (
            found("chromium").or_else(|| found("chromium-browser")),
            found("chromedriver"),
        ) else {
            eprintln!(
                "skipping: chromium and chromedriver are needed (scripts/deps.sh --test installs them)"
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let t0 = Instant::now();
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome,
                "args": ["--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let mut b = Browser {
            driver: child,
            base,
            session: String::new(),
            shots: Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots"),
            _profile: profile,
        };
        let v = b.post("/session", caps);
        b.session = v["sessionId"].as_str().expect("a session").to_string();
        std::fs::create_dir_all(&b.shots).unwrap();
        Some(b)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = match (method, body) {
            ("GET", _) => agent.get(&url).call(),
            ("DELETE", _) => agent.delete(&url).call(),
            (_, b) => agent
                .post(&url)
                .header("content-type", "application/json")
                .send(b.unwrap_or(json!({})).to_string()),
        }
        .expect("webdriver");
        let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        v["value"].clone()
    }
    fn post(&self, path: &str, body: Value) -> Value {
        self.call("POST", path, Some(body))
    }
    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }
    fn goto(&self, url: &str) {
        self.post(&self.s("/url"), json!({"url": url}));
    }
    fn exec(&self, script: &str) -> Value {
        self.post(
            &self.s("/execute/sync"),
            json!({"script": script, "args": []}),
        )
    }
    /// Waits for an element matching `css` (and, if given, whose text contains `text`).
    fn wait(&self, css: &str, text: Option<&str>) -> String {
        let t0 = Instant::now();
        loop {
            let v = self.post(
                &self.s("/elements"),
                json!({"using": "css selector", "value": css}),
            );
            if v.get("error").is_some() {
                panic!("webdriver: {v}");
            }
            if let Some(els) = v.as_array() {
                for e in els {
                    let id = e[ELEMENT]
                        .as_str()
                        .unwrap_or_else(|| panic!("element {e}"))
                        .to_string();
                    match text {
                        None => return id,
                        Some(t) if self.text(&id).contains(t) => return id,
                        _ => {}
                    }
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(15),
                "no {css} {text:?}; page: {}",
                self.exec("return document.body.innerText")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    fn text(&self, el: &str) -> String {
        self.call("GET", &self.s(&format!("/element/{el}/text")), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    fn click(&self, el: &str) {
        let v = self.post(&self.s(&format!("/element/{el}/click")), json!({}));
        assert!(v.get("error").is_none(), "click: {v}");
    }
    fn type_in(&self, el: &str, text: &str) {
        self.post(
            &self.s(&format!("/element/{el}/value")),
            json!({"text": text}),
        );
    }
    /// A PNG of the viewport, written as `name.png`; returns its path.
    fn shot(&self, name: &str) -> PathBuf {
        let v = self.call("GET", &self.s("/screenshot"), None);
        let png = base64_decode(v.as_str().unwrap());
        assert_eq!(&png[1..4], b"PNG");
        let p = self.shots.join(format!("{name}.png"));
        std::fs::write(&p, png).unwrap();
        eprintln!("screenshot: {}", p.display());
        p
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &self.s(""), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().take_while(|&&c| c != b'=').count();
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c) << (18 - 6 * i);
        }
        let b = acc.to_be_bytes();
        out.extend_from_slice(&b[1..n.max(1)]);
    }
    out
}

#[test]
fn base64_of_webdriver_screenshots() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
}

/// Overview numbers equal the run's, a malicious profile, its window, an alert's evidence,
/// the flows with the payloads shown as text, a search by uid, the light theme.
#[test]
fn browser_end_to_end() {
    let Some(b) = Browser::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = zeek_logs(dir.path());
    let out = dir.path().join("out");
    let mut s = Serving::start(&[
        "-f",
        logs.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--web",
        "--web-port",
        "0",
        // Offline blocking is a dry run: decisions recorded, no firewall touched.
        "--blocking",
    ]);
    let total = s.wait_line("Total analyzed IPs:", Duration::from_secs(60));
    s.wait_line("slips: analysis complete", Duration::from_secs(30));
    let (flows, evidence, alerts) = totals(&total);
    b.goto(&s.url);
    // Overview: the numbers of the run.
    b.wait("#c-flows", None);
    let card = |id: &str| -> i64 {
        let el = b.wait(&format!("#{id} .card-v"), None);
        b.text(&el).replace(',', "").parse().unwrap()
    };
    assert_eq!(card("c-flows"), flows);
    assert_eq!(card("c-evidence"), evidence);
    assert_eq!(card("c-alerts"), alerts);
    b.wait("svg.chart rect.bar", None);
    assert!(
        b.exec("return location.search").as_str() == Some(""),
        "the token left the address bar"
    );
    b.shot(&format!(
        "1-overview-{}",
        b.exec("return document.documentElement.dataset.theme")
            .as_str()
            .unwrap()
    ));
    // Profiles: the malicious one first, in red.
    b.click(&b.wait("#nav a[data-view=profiles]", None));
    let row = b.wait("table.profiles tr.mal", Some("10.0.0.5"));
    b.shot("2-profiles");
    b.click(&row);
    b.wait("#profile-ip", Some("10.0.0.5"));
    let win = b.wait("table.windows tr.mal", None);
    b.shot("3-profile");
    b.click(&win);
    // The window: alerts tab; expand the alert to its evidence.
    let alert = b.wait("table.alerts tr.mal", None);
    b.click(&alert);
    let ev = b.wait("tr.expand table.evidence tbody tr", None);
    let ev_text = b.text(&ev);
    assert!(ev_text.contains("10.0.0.5"), "{ev_text}");
    b.exec("document.querySelector('tr.expand').scrollIntoView({block: 'center'})");
    b.shot("4-window-alert-evidence");
    b.exec("window.scrollTo(0, 0)");
    // Flows: the payloads are text, nothing ran.
    b.click(&b.wait("#tab-flows", None));
    b.wait("table.flows tbody tr", Some("dns"));
    let dns_row = b.wait("table.flows tbody tr.clickable", Some("Cx\"onload=x0"));
    b.click(&dns_row);
    b.wait("tr.expand", Some("<script>window.__xss=1</script>.example"));
    b.exec("document.querySelector('tr.expand').scrollIntoView({block: 'center'})");
    b.shot("5-window-flows-payloads");
    b.exec("window.scrollTo(0, 0)");
    let body = b
        .exec("return document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        body.contains(PAYLOADS[0]),
        "the <script> payload shown as text"
    );
    let checks = b.exec(
        "return {xss: window.__xss === undefined, scripts: document.scripts.length, \
         imgs: document.images.length, onload: document.querySelectorAll('[onload],[onerror]').length}",
    );
    assert_eq!(
        checks,
        json!({"xss": true, "scripts": 1, "imgs": 0, "onload": 0})
    );
    // HTTP records of the same uid and the timeline.
    b.click(&b.wait("#tab-timeline", None));
    b.wait("ol.timeline li", Some("connection to"));
    b.shot("6-window-timeline");
    b.click(&b.wait("#tab-out", None));
    b.wait("td .letters", None);
    b.shot("7-window-tuples");
    // Search a uid.
    let search = b.wait("#search", None);
    b.type_in(&search, "C42\u{E007}");
    b.wait("table.flows tbody tr", Some("C42"));
    b.shot("8-search-uid");
    // Evidence across the analysis, with uid links.
    b.click(&b.wait("#nav a[data-view=evidence]", None));
    b.wait("table.evidence tbody tr", None);
    b.wait(".exports a", Some("CSV"));
    b.shot("9-evidence");
    b.click(&b.wait("#nav a[data-view=alerts]", None));
    b.wait("table.alerts tbody tr.mal", None);
    b.shot("10-alerts");
    b.click(&b.wait("#nav a[data-view=blocking]", None));
    // The run blocked the scanner, then let it go at its end (a dry run keeps nothing).
    b.wait("h2", Some("Blocked now (0)"));
    b.wait("table tbody tr", Some("exit"));
    b.wait("table tbody tr", Some("block"));
    b.shot("10b-blocking");
    // The other theme.
    let before = b.exec("return document.documentElement.dataset.theme");
    b.click(&b.wait("#theme", None));
    b.click(&b.wait("#nav a[data-view=overview]", None));
    b.wait("#c-flows", None);
    let after = b.exec("return document.documentElement.dataset.theme");
    assert_ne!(before, after);
    assert!(after == json!("light") || after == json!("dark"), "{after}");
    b.wait("svg.chart rect.bar", None);
    b.shot(&format!("11-overview-{}", after.as_str().unwrap()));
    assert!(s.stop().success());
}

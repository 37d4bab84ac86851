//! Prometheus metrics (`--metrics 127.0.0.1:9184`): the text exposition format, served at
//! `/metrics` by a small HTTP listener on its own thread.
//!
//! The engine thread never takes a lock per record: [`MetricsSink`] counts records in
//! relaxed atomics and publishes evidence and alert counts as they come; the run loop sets the engine's gauges
//! ([`EngineGauges`]) about once a second; exporters' counters are atomics read at scrape
//! time.

use crate::worker::Stats;
use slips_core::{Alert, Evidence, Flow};
use slips_output::{Now, Sink};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the engine reports, set by the run loop.
#[derive(Clone, Debug, Default)]
pub struct EngineGauges {
    pub records: u64,
    pub profiles: u64,
    pub open_windows: u64,
    pub closed_windows: u64,
    pub evidence: u64,
    pub alerts: u64,
    pub late_records: u64,
    /// Windows closed early because of `slips.max_open_windows`.
    pub evicted_windows: u64,
    /// Evidence summarised beyond `slips.max_evidence_per_type`.
    pub capped_evidence: u64,
    /// Profiles retired at `slips.max_profiles`, and IPs left unprofiled meanwhile.
    pub retired_profiles: u64,
    pub unprofiled_for_cap: u64,
    /// Window tuples shed at `slips.max_tuples_per_window`, and detector state shed at the
    /// detectors' own caps.
    pub shed_tuples: u64,
    pub shed_detector_state: u64,
    /// Records not profiled (outside `home_network` or over `slips.max_profiles`).
    pub unprofiled_records: u64,
    pub filtered_records: u64,
    pub duplicate_evidence: u64,
    pub disabled_evidence: u64,
    /// Malformed input lines (known when the reader ends).
    pub malformed_lines: u64,
    /// Batches waiting between the reader and the engine.
    pub reader_queue: u64,
}

/// Record kinds counted in atomics (more than there are kinds).
const KINDS: usize = 32;

#[derive(Clone, Debug, Default)]
struct Counts {
    evidence: BTreeMap<&'static str, u64>,
    alerts: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
struct Shared {
    /// Records by kind (`RecordKind as usize`): one relaxed add per record.
    records: [AtomicU64; KINDS],
    /// The names of the kinds seen.
    kinds: Mutex<BTreeMap<&'static str, usize>>,
    counts: Mutex<Counts>,
    engine: Mutex<EngineGauges>,
    exporters: Mutex<Vec<Stats>>,
}

/// The registry, shared by the sink, the run loop and the listener.
#[derive(Clone)]
pub struct Metrics {
    shared: Arc<Shared>,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            shared: Arc::default(),
            started: Instant::now(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Resident memory from `/proc/self/status`, in bytes.
fn resident_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Sets the engine's gauges (the malformed-line count, set at the end, is kept).
    pub fn set_engine(&self, g: EngineGauges) {
        let mut e = lock(&self.shared.engine);
        let malformed = e.malformed_lines.max(g.malformed_lines);
        *e = g;
        e.malformed_lines = malformed;
    }

    pub fn set_malformed(&self, n: u64) {
        lock(&self.shared.engine).malformed_lines = n;
    }

    pub fn add_exporter(&self, s: Stats) {
        lock(&self.shared.exporters).push(s);
    }

    /// A sink that counts records, evidence and alerts.
    pub fn sink(&self) -> MetricsSink {
        MetricsSink {
            metrics: self.clone(),
            counts: Counts::default(),
            seen: [false; KINDS],
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let c = lock(&self.shared.counts).clone();
        let e = lock(&self.shared.engine).clone();
        let family = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        let up = self.started.elapsed().as_secs_f64();
        family(
            &mut o,
            "slips_uptime_seconds",
            "gauge",
            "Seconds since slips started.",
        );
        let _ = writeln!(o, "slips_uptime_seconds {up:.3}");
        family(
            &mut o,
            "slips_records_total",
            "counter",
            "Records analysed, by kind (conn, dns, http...).",
        );
        let kinds = lock(&self.shared.kinds).clone();
        let mut total = 0u64;
        for (k, i) in &kinds {
            let n = self.shared.records[*i].load(Ordering::Relaxed);
            total += n;
            let _ = writeln!(o, "slips_records_total{{kind=\"{}\"}} {n}", label(k));
        }
        family(&mut o, "slips_flows_per_second", "gauge", "Records analysed per second since the start (use rate(slips_records_total[1m]) for the current rate).");
        let _ = writeln!(
            o,
            "slips_flows_per_second {:.3}",
            total as f64 / up.max(1e-9)
        );
        family(
            &mut o,
            "slips_malformed_lines_total",
            "counter",
            "Malformed input lines (counted when the input reader ends).",
        );
        let _ = writeln!(o, "slips_malformed_lines_total {}", e.malformed_lines);
        family(
            &mut o,
            "slips_evidence_total",
            "counter",
            "Evidence, by type.",
        );
        for (k, n) in &c.evidence {
            let _ = writeln!(o, "slips_evidence_total{{type=\"{}\"}} {n}", label(k));
        }
        family(
            &mut o,
            "slips_alerts_total",
            "counter",
            "Alerts, by threat level.",
        );
        for (k, n) in &c.alerts {
            let _ = writeln!(o, "slips_alerts_total{{threat_level=\"{}\"}} {n}", label(k));
        }
        family(
            &mut o,
            "slips_profiles",
            "gauge",
            "Profiles (hosts) the engine holds.",
        );
        let _ = writeln!(o, "slips_profiles {}", e.profiles);
        family(
            &mut o,
            "slips_open_windows",
            "gauge",
            "Profile time windows open.",
        );
        let _ = writeln!(o, "slips_open_windows {}", e.open_windows);
        family(
            &mut o,
            "slips_closed_windows_total",
            "counter",
            "Profile time windows closed.",
        );
        let _ = writeln!(o, "slips_closed_windows_total {}", e.closed_windows);
        family(
            &mut o,
            "slips_late_records_total",
            "counter",
            "Records older than an already closed window.",
        );
        let _ = writeln!(o, "slips_late_records_total {}", e.late_records);
        family(
            &mut o,
            "slips_dropped_total",
            "counter",
            "What was dropped or cut short, by cap or reason.",
        );
        for (cap, n) in [
            ("max_open_windows", e.evicted_windows),
            ("max_evidence_per_type", e.capped_evidence),
            ("max_profiles_retired", e.retired_profiles),
            ("max_profiles_unprofiled", e.unprofiled_for_cap),
            ("max_tuples_per_window", e.shed_tuples),
            ("detector_state", e.shed_detector_state),
            ("unprofiled_records", e.unprofiled_records),
            ("whitelist_records", e.filtered_records),
            ("duplicate_evidence", e.duplicate_evidence),
            ("disabled_evidence", e.disabled_evidence),
        ] {
            let _ = writeln!(o, "slips_dropped_total{{cap=\"{cap}\"}} {n}");
        }
        family(
            &mut o,
            "slips_resident_memory_bytes",
            "gauge",
            "Resident memory of the process.",
        );
        let _ = writeln!(
            o,
            "slips_resident_memory_bytes {}",
            resident_bytes().unwrap_or(0)
        );
        family(
            &mut o,
            "slips_queue_depth",
            "gauge",
            "Items waiting in a queue, by queue.",
        );
        let _ = writeln!(
            o,
            "slips_queue_depth{{queue=\"reader\"}} {}",
            e.reader_queue
        );
        let ex = lock(&self.shared.exporters).clone();
        for s in &ex {
            let _ = writeln!(
                o,
                "slips_queue_depth{{queue=\"export_{}\"}} {}",
                label(s.name),
                s.counters.depth.load(Ordering::Relaxed)
            );
        }
        for (name, help, pick) in [
            (
                "slips_export_sent_total",
                "Events an exporter delivered.",
                0,
            ),
            (
                "slips_export_failures_total",
                "Events an exporter gave up on after its retries.",
                1,
            ),
            (
                "slips_export_dropped_total",
                "Events dropped because an exporter's queue was full.",
                2,
            ),
            (
                "slips_export_retries_total",
                "Repeated attempts of an exporter.",
                3,
            ),
        ] {
            family(&mut o, name, "counter", help);
            for s in &ex {
                let r = s.report();
                let v = [r.sent, r.failed, r.dropped, r.retries][pick];
                let _ = writeln!(o, "{name}{{exporter=\"{}\"}} {v}", label(s.name));
            }
        }
        o
    }

    /// Serves `/metrics` on `addr` (loopback unless you mean otherwise) until the returned
    /// server is dropped.
    pub fn serve(&self, addr: &str) -> Result<MetricsServer, crate::Error> {
        let addr: SocketAddr = addr.parse().map_err(|_| {
            crate::Error::Config(format!(
                "--metrics: {addr:?} is not HOST:PORT (e.g. 127.0.0.1:9184)"
            ))
        })?;
        let l = TcpListener::bind(addr)
            .map_err(|e| crate::Error::Config(format!("--metrics {addr}: {e}")))?;
        let local = l.local_addr()?;
        l.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s2) = (self.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("slips-metrics".into())
            .spawn(move || {
                while !s2.load(Ordering::Relaxed) {
                    match l.accept() {
                        Ok((c, _)) => answer(c, &m),
                        Err(_) => std::thread::sleep(Duration::from_millis(50)),
                    }
                }
            })?;
        tracing::info!("metrics: http://{local}/metrics");
        Ok(MetricsServer {
            addr: local,
            stop,
            thread: Some(thread),
        })
    }
}

fn answer(mut c: TcpStream, m: &Metrics) {
    let _ = c.set_nonblocking(false);
    let _ = c.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = c.set_write_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 2048];
    let mut req = Vec::new();
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 8192 {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&req);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, ctype, body) =
        if method == "GET" && (path == "/metrics" || path.starts_with("/metrics?")) {
            (
                "200 OK",
                "text/plain; version=0.0.4; charset=utf-8",
                m.render(),
            )
        } else {
            ("404 Not Found", "text/plain", "see /metrics\n".to_owned())
        };
    let _ = c.write_all(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
}

/// The listener; stops when dropped.
pub struct MetricsServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Counts on the engine thread: records in relaxed atomics, evidence and alerts (rare)
/// published as they come.
pub struct MetricsSink {
    metrics: Metrics,
    counts: Counts,
    seen: [bool; KINDS],
}

impl MetricsSink {
    fn publish(&mut self) {
        *lock(&self.metrics.shared.counts) = self.counts.clone();
    }
}

impl Sink for MetricsSink {
    fn name(&self) -> &'static str {
        "metrics"
    }
    fn record(&mut self, flow: &Flow, _: Option<IpAddr>) -> slips_output::Result<()> {
        let kind = flow.record.kind();
        let i = (kind as usize).min(KINDS - 1);
        if !self.seen[i] {
            self.seen[i] = true;
            lock(&self.metrics.shared.kinds).insert(kind.as_str(), i);
        }
        self.metrics.shared.records[i].fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        *self
            .counts
            .evidence
            .entry(e.evidence_type.as_str())
            .or_default() += 1;
        self.publish();
        Ok(())
    }
    fn alert(&mut self, a: &Alert, _: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        *self
            .counts
            .alerts
            .entry(a.threat_level.as_str())
            .or_default() += 1;
        self.publish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixtures::*;
    use slips_core::{Conn, Record, Timestamp};

    fn scrape(addr: SocketAddr, path: &str) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn scrape_shows_counts_gauges_and_exporters() {
        let m = Metrics::new();
        let server = m.serve("127.0.0.1:0").unwrap();
        let mut sink = m.sink();
        let now = Now {
            create_time: "x",
            event_time: Timestamp::ZERO,
        };
        for _ in 0..3 {
            sink.record(&Flow::from(Record::Conn(Conn::default())), None)
                .unwrap();
        }
        sink.evidence(&evidence(), &now).unwrap();
        sink.alert(&alert(), &[], &now).unwrap();
        m.set_engine(EngineGauges {
            profiles: 7,
            open_windows: 3,
            evicted_windows: 2,
            reader_queue: 1,
            ..EngineGauges::default()
        });
        let c = Arc::new(crate::worker::Counters::default());
        c.failed.store(4, Ordering::Relaxed);
        m.add_exporter(Stats {
            name: "slack",
            counters: c,
        });
        let text = scrape(server.addr, "/metrics");
        assert!(
            text.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4"),
            "{text}"
        );
        for line in [
            "slips_records_total{kind=\"conn\"} 3",
            "slips_evidence_total{type=\"HORIZONTAL_PORT_SCAN\"} 1",
            "slips_alerts_total{threat_level=\"critical\"} 1",
            "slips_profiles 7",
            "slips_open_windows 3",
            "slips_dropped_total{cap=\"max_open_windows\"} 2",
            "slips_queue_depth{queue=\"reader\"} 1",
            "slips_queue_depth{queue=\"export_slack\"} 0",
            "slips_export_failures_total{exporter=\"slack\"} 4",
            "# TYPE slips_records_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        let rss = text
            .lines()
            .find(|l| l.starts_with("slips_resident_memory_bytes "))
            .unwrap();
        assert!(rss.split(' ').nth(1).unwrap().parse::<u64>().unwrap() > 0);
        // Every sample line is `name{labels} value` with a numeric value.
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        for l in body.lines().filter(|l| !l.starts_with('#')) {
            let v = l.rsplit(' ').next().unwrap();
            assert!(v.parse::<f64>().is_ok(), "{l}");
        }
        assert!(scrape(server.addr, "/").starts_with("HTTP/1.1 404"));
        assert!(m.serve("nonsense").is_err());
    }
}

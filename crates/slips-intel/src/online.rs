//! Optional online enrichers, off by default (`enrichment.online_lookups`): reverse DNS of
//! IPs, domain ages from whois, VirusTotal scores of IPs, and Circl.lu / URLhaus verdicts on
//! downloaded files' hashes.
//!
//! Never on the hot path: the questions detectors and sinks ask ([`Online::reverse_dns`],
//! [`Online::domain_age_days`], [`Online::vt_score`], [`Online::file_verdict`]) are
//! answered from a bounded cache, in one short lock. An unknown key is marked pending and
//! queued (a bounded queue; when it is full the question is dropped, counted, and asked
//! again later) for the service's own background thread, which rate-limits its requests
//! and stores the answer with a time to live. The answer arrives while the analysis goes
//! on, so results with online lookups depend on timing (how fast each service answers):
//! that is why they are off by default, and why offline runs stay reproducible.
//!
//! Memory: at most [`OnlineOptions::cache_cap`] cached answers (oldest evicted first) and
//! [`OnlineOptions::queue_cap`] queued questions per service. A failed lookup is logged
//! once per service and retried after [`RETRY_AFTER`].

use compact_str::CompactString;
use foldhash::HashMap;
use slips_config::Config;
use slips_core::{Str, ThreatLevel};
use slips_detectors::knowledge::FileVerdict;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

/// A failed lookup is asked again after this long.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);
/// Largest response read from a whois server or an HTTP API.
const MAX_RESPONSE: u64 = 256 * 1024;

/// Settings of the online enrichers (see [`OnlineOptions::from_config`]).
#[derive(Clone, Debug)]
pub struct OnlineOptions {
    /// DNS server for reverse lookups; `None`: no reverse DNS.
    pub dns_server: Option<SocketAddr>,
    /// First whois server (`host:port`); `None`: no domain ages.
    pub whois_server: Option<String>,
    /// VirusTotal API v2 base URL and API key; `None`: no VirusTotal.
    pub virustotal: Option<(String, String)>,
    /// URLhaus API base URL; `None`: not asked.
    pub urlhaus: Option<String>,
    /// Circl.lu hashlookup base URL; `None`: not asked.
    pub circl: Option<String>,
    /// Bound of one lookup.
    pub timeout: Duration,
    /// Most requests per minute to each service but VirusTotal.
    pub per_minute: u32,
    /// Most requests per minute to VirusTotal (its public API allows 4).
    pub vt_per_minute: u32,
    /// Most questions queued per service.
    pub queue_cap: usize,
    /// Most answers cached (all services together).
    pub cache_cap: usize,
    /// How long an answer is kept.
    pub ttl: Duration,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            dns_server: None,
            whois_server: None,
            virustotal: None,
            urlhaus: None,
            circl: None,
            timeout: Duration::from_secs(10),
            per_minute: 60,
            vt_per_minute: 4,
            queue_cap: 1024,
            cache_cap: 100_000,
            ttl: Duration::from_secs(86_400),
        }
    }
}

/// The first `nameserver` of a resolv.conf text, on port 53.
pub fn resolv_conf_nameserver(text: &str) -> Option<SocketAddr> {
    text.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next() == Some("nameserver"))
            .then(|| it.next())
            .flatten()
            .and_then(|ip| ip.split('%').next()?.parse::<IpAddr>().ok())
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

/// `IP`, `IP:port` or `[IPv6]:port`.
fn parse_dns_server(s: &str) -> Option<SocketAddr> {
    let s = s.trim();
    s.parse::<SocketAddr>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
}

/// `host` gets whois' port 43.
fn with_whois_port(s: &str) -> String {
    let s = s.trim().trim_start_matches("whois://");
    let s = s.trim_end_matches('/');
    if s.parse::<SocketAddr>().is_ok() || (s.contains(':') && !s.contains("::")) {
        s.to_owned()
    } else {
        format!("{s}:43")
    }
}

impl OnlineOptions {
    /// The enrichers the configuration enables; `None` when `enrichment.online_lookups` is
    /// off. The VirusTotal key is read from `virustotal.api_key_file` (relative to
    /// `base_dir`); without it VirusTotal is not asked.
    pub fn from_config(cfg: &Config, base_dir: &Path) -> Option<OnlineOptions> {
        let e = &cfg.enrichment;
        if !e.online_lookups {
            return None;
        }
        let mut o = OnlineOptions {
            timeout: Duration::from_secs_f64(e.lookup_timeout.clamp(0.1, 600.0)),
            per_minute: e.lookups_per_minute.max(1),
            vt_per_minute: cfg.virustotal.requests_per_minute.max(1),
            ..OnlineOptions::default()
        };
        if e.reverse_dns {
            o.dns_server = if e.dns_server.trim().is_empty() {
                std::fs::read_to_string("/etc/resolv.conf")
                    .ok()
                    .and_then(|t| resolv_conf_nameserver(&t))
            } else {
                parse_dns_server(&e.dns_server)
            };
            if o.dns_server.is_none() {
                tracing::warn!(
                    "no usable DNS server ('{}'); reverse DNS disabled",
                    e.dns_server
                );
            }
        }
        if e.whois && !e.whois_server.trim().is_empty() {
            o.whois_server = Some(with_whois_port(&e.whois_server));
        }
        let vt = &cfg.virustotal;
        if !vt.url.is_empty() && !vt.api_key_file.as_os_str().is_empty() {
            let p = if vt.api_key_file.is_absolute() {
                vt.api_key_file.clone()
            } else {
                base_dir.join(&vt.api_key_file)
            };
            match std::fs::read_to_string(&p) {
                Ok(k) if !k.trim().is_empty() => {
                    o.virustotal = Some((vt.url.trim_end_matches('/').to_owned(), k.trim().into()))
                }
                _ => tracing::info!(
                    "no VirusTotal API key in {}; VirusTotal not asked",
                    p.display()
                ),
            }
        }
        let ti = &cfg.threat_intelligence;
        let url =
            |u: &str| (!u.trim().is_empty()).then(|| u.trim().trim_end_matches('/').to_owned());
        o.urlhaus = url(&ti.urlhaus_url);
        o.circl = url(&ti.circl_url);
        Some(o)
    }
}

/// VirusTotal scores of an IP: for each list of its report, detections over scans
/// (positives / total, summed over the list), from 0 to 1. Stored per IP; no evidence.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct VtScore {
    /// `detected_urls`: URLs on the IP.
    pub urls: f64,
    /// `detected_downloaded_samples`: files downloaded from it.
    pub downloaded: f64,
    /// `detected_referrer_samples`: files referring to it.
    pub referrer: f64,
    /// `detected_communicating_samples`: files talking to it.
    pub communicating: f64,
}

impl std::fmt::Display for VtScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VirusTotal: URLs {:.2}, downloaded files {:.2}, referrer files {:.2}, communicating files {:.2}",
            self.urls, self.downloaded, self.referrer, self.communicating
        )
    }
}

/// The services, one background thread each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Svc {
    Rdns = 0,
    Whois = 1,
    Vt = 2,
    Circl = 3,
    Urlhaus = 4,
}

const SERVICES: usize = 5;

impl Svc {
    fn name(self) -> &'static str {
        match self {
            Svc::Rdns => "reverse DNS",
            Svc::Whois => "whois",
            Svc::Vt => "VirusTotal",
            Svc::Circl => "Circl.lu",
            Svc::Urlhaus => "URLhaus",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Ip(Svc, IpAddr),
    Name(Svc, CompactString),
}

impl Key {
    fn svc(&self) -> Svc {
        match self {
            Key::Ip(s, _) | Key::Name(s, _) => *s,
        }
    }
}

#[derive(Clone, Debug)]
enum Answer {
    Pending,
    Name(Option<Str>),
    Age(Option<u32>),
    Vt(Option<VtScore>),
    File(Option<FileVerdict>),
}

/// Answers with an expiry, evicted oldest first beyond `cap`.
struct Cache {
    map: HashMap<Key, (Answer, Instant, u64)>,
    order: VecDeque<(Key, u64)>,
    next_gen: u64,
    cap: usize,
}

impl Cache {
    fn new(cap: usize) -> Self {
        Cache {
            map: HashMap::default(),
            order: VecDeque::new(),
            next_gen: 0,
            cap: cap.max(1),
        }
    }

    fn get(&mut self, k: &Key, now: Instant) -> Option<Answer> {
        match self.map.get(k) {
            Some((a, exp, _)) if *exp > now => Some(a.clone()),
            Some(_) => {
                self.map.remove(k);
                None
            }
            None => None,
        }
    }

    fn put(&mut self, k: Key, a: Answer, expires: Instant) {
        let gen = self.next_gen;
        self.next_gen += 1;
        self.map.insert(k.clone(), (a, expires, gen));
        self.order.push_back((k, gen));
        while self.map.len() > self.cap {
            let Some((old, g)) = self.order.pop_front() else {
                break;
            };
            if self.map.get(&old).is_some_and(|e| e.2 == g) {
                self.map.remove(&old);
            }
        }
        // Stale order entries (keys re-inserted since) are dropped when they pile up.
        if self.order.len() > 2 * self.cap {
            let map = &self.map;
            self.order
                .retain(|(k, g)| map.get(k).is_some_and(|e| e.2 == *g));
        }
    }

    fn remove(&mut self, k: &Key) {
        self.map.remove(k);
    }
}

/// Counters of the online enrichers.
#[derive(Debug, Default)]
pub struct OnlineStats {
    /// Requests sent to services.
    pub requests: AtomicU64,
    /// Lookups that failed (network error, bad answer).
    pub failures: AtomicU64,
    /// Questions dropped because a queue was full.
    pub dropped: AtomicU64,
}

struct Shared {
    cache: Mutex<Cache>,
    stop: AtomicBool,
    stats: OnlineStats,
    ttl: Duration,
}

/// The online enrichers: a cache, and one rate-limited background thread per enabled
/// service. Dropping it stops the threads. See the module documentation.
pub struct Online {
    shared: Arc<Shared>,
    senders: [Option<SyncSender<Key>>; SERVICES],
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Online {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let on: Vec<_> = [Svc::Rdns, Svc::Whois, Svc::Vt, Svc::Circl, Svc::Urlhaus]
            .into_iter()
            .filter(|s| self.senders[*s as usize].is_some())
            .map(Svc::name)
            .collect();
        f.debug_struct("Online").field("services", &on).finish()
    }
}

type Lookup = Box<dyn FnMut(&Key) -> Result<Answer, String> + Send>;

fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent("slips")
            .build(),
    )
}

impl Online {
    /// Starts a thread for each service the options enable.
    pub fn start(opts: OnlineOptions) -> Online {
        let shared = Arc::new(Shared {
            cache: Mutex::new(Cache::new(opts.cache_cap)),
            stop: AtomicBool::new(false),
            stats: OnlineStats::default(),
            ttl: opts.ttl,
        });
        let mut me = Online {
            shared,
            senders: Default::default(),
            threads: Vec::new(),
        };
        let t = opts.timeout;
        if let Some(server) = opts.dns_server {
            let mut id: u16 = 0x5a17;
            me.spawn(
                Svc::Rdns,
                opts.per_minute,
                opts.queue_cap,
                Box::new(move |k| {
                    let Key::Ip(_, ip) = k else {
                        return Ok(Answer::Name(None));
                    };
                    id = id.wrapping_add(0x9e37);
                    reverse_dns(server, *ip, t, id).map(|n| Answer::Name(n.map(Str::from)))
                }),
            );
        }
        if let Some(server) = opts.whois_server.clone() {
            me.spawn(
                Svc::Whois,
                opts.per_minute,
                opts.queue_cap,
                Box::new(move |k| {
                    let Key::Name(_, d) = k else {
                        return Ok(Answer::Age(None));
                    };
                    let created = whois_creation_day(&server, d, t)?;
                    Ok(Answer::Age(created.map(|c| {
                        u32::try_from((today() - c).max(0)).unwrap_or(u32::MAX)
                    })))
                }),
            );
        }
        if let Some((base, key)) = opts.virustotal.clone() {
            let agent = http_agent(t);
            me.spawn(
                Svc::Vt,
                opts.vt_per_minute,
                opts.queue_cap,
                Box::new(move |k| {
                    let Key::Ip(_, ip) = k else {
                        return Ok(Answer::Vt(None));
                    };
                    virustotal(&agent, &base, &key, *ip).map(Answer::Vt)
                }),
            );
        }
        if let Some(base) = opts.circl.clone() {
            let agent = http_agent(t);
            me.spawn(
                Svc::Circl,
                opts.per_minute,
                opts.queue_cap,
                Box::new(move |k| {
                    let Key::Name(_, h) = k else {
                        return Ok(Answer::File(None));
                    };
                    circl(&agent, &base, h).map(Answer::File)
                }),
            );
        }
        if let Some(base) = opts.urlhaus.clone() {
            let agent = http_agent(t);
            me.spawn(
                Svc::Urlhaus,
                opts.per_minute,
                opts.queue_cap,
                Box::new(move |k| {
                    let Key::Name(_, h) = k else {
                        return Ok(Answer::File(None));
                    };
                    urlhaus(&agent, &base, h).map(Answer::File)
                }),
            );
        }
        me
    }

    fn spawn(&mut self, svc: Svc, per_minute: u32, queue_cap: usize, lookup: Lookup) {
        let (tx, rx) = sync_channel(queue_cap.max(1));
        let shared = Arc::clone(&self.shared);
        let interval = Duration::from_secs_f64(60.0 / f64::from(per_minute.max(1)));
        match std::thread::Builder::new()
            .name(format!("slips-online-{}", svc as usize))
            .spawn(move || worker(svc, rx, shared, interval, lookup))
        {
            Ok(h) => {
                self.threads.push(h);
                self.senders[svc as usize] = Some(tx);
            }
            Err(e) => tracing::warn!("cannot start the {} thread: {e}", svc.name()),
        }
    }

    /// Whether any service is enabled.
    pub fn enabled(&self) -> bool {
        self.senders.iter().any(Option::is_some)
    }

    pub fn stats(&self) -> &OnlineStats {
        &self.shared.stats
    }

    /// The cached answer; on a miss the key is queued for its service (never blocks).
    fn ask(&self, key: Key) -> Option<Answer> {
        let tx = self.senders[key.svc() as usize].as_ref()?;
        let now = Instant::now();
        let mut cache = self.shared.cache.lock().ok()?;
        match cache.get(&key, now) {
            Some(Answer::Pending) => None,
            Some(a) => Some(a),
            None => {
                cache.put(key.clone(), Answer::Pending, now + RETRY_AFTER);
                match tx.try_send(key) {
                    Ok(()) => {}
                    Err(TrySendError::Full(k)) | Err(TrySendError::Disconnected(k)) => {
                        cache.remove(&k);
                        self.shared.stats.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
                None
            }
        }
    }

    /// The reverse DNS name of an IP, when known.
    pub fn reverse_dns(&self, ip: IpAddr) -> Option<Str> {
        match self.ask(Key::Ip(Svc::Rdns, ip))? {
            Answer::Name(n) => n,
            _ => None,
        }
    }

    /// The age in days of the registered domain of `domain` (its parent under the public
    /// suffix: `www.example.co.uk` asks about `example.co.uk`), when known.
    pub fn domain_age_days(&self, domain: &str) -> Option<u32> {
        let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let reg = psl::domain_str(&d)?;
        match self.ask(Key::Name(Svc::Whois, reg.into()))? {
            Answer::Age(a) => a,
            _ => None,
        }
    }

    /// VirusTotal scores of an IP, when known.
    pub fn vt_score(&self, ip: IpAddr) -> Option<VtScore> {
        match self.ask(Key::Ip(Svc::Vt, ip))? {
            Answer::Vt(v) => v,
            _ => None,
        }
    }

    /// What Circl.lu and URLhaus say about a file hash (MD5, SHA1 or SHA256): the first
    /// that lists it as malicious (Circl.lu first), when known.
    pub fn file_verdict(&self, hash: &str) -> Option<FileVerdict> {
        let h = hash.trim().to_ascii_lowercase();
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut found = None;
        for svc in [Svc::Circl, Svc::Urlhaus] {
            if let Some(Answer::File(Some(v))) = self.ask(Key::Name(svc, h.as_str().into())) {
                found.get_or_insert(v);
            }
        }
        found
    }

    /// Stops the threads (also done on drop); waits for lookups in progress.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.senders = Default::default();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Online {
    fn drop(&mut self) {
        self.stop();
    }
}

fn worker(
    svc: Svc,
    rx: Receiver<Key>,
    shared: Arc<Shared>,
    interval: Duration,
    mut lookup: Lookup,
) {
    let mut next = Instant::now();
    let mut warned = false;
    let stopped = || shared.stop.load(Ordering::Relaxed);
    loop {
        let key = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(k) => k,
            Err(RecvTimeoutError::Timeout) if !stopped() => continue,
            Err(_) => return,
        };
        // Rate limit: one request per interval.
        loop {
            if stopped() {
                return;
            }
            let now = Instant::now();
            if now >= next {
                break;
            }
            std::thread::sleep((next - now).min(Duration::from_millis(50)));
        }
        next = Instant::now() + interval;
        shared.stats.requests.fetch_add(1, Ordering::Relaxed);
        let result = lookup(&key);
        let now = Instant::now();
        let Ok(mut cache) = shared.cache.lock() else {
            return;
        };
        match result {
            Ok(a) => cache.put(key, a, now + shared.ttl),
            Err(e) => {
                shared.stats.failures.fetch_add(1, Ordering::Relaxed);
                if !warned {
                    tracing::warn!(
                        "{} lookup failed: {e} (further failures not shown)",
                        svc.name()
                    );
                    warned = true;
                }
                cache.put(key, Answer::Pending, now + RETRY_AFTER);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reverse DNS: one PTR query over UDP.

/// The PTR name of an IP: `4.3.2.1.in-addr.arpa`, or the nibbles of IPv6 under `ip6.arpa`.
pub fn ptr_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v) => {
            let mut s = String::with_capacity(72);
            for b in v.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

/// A DNS query for `name` of type `qtype`, recursion desired.
pub fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = Vec::with_capacity(name.len() + 18);
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let l = &label.as_bytes()[..label.len().min(63)];
        q.push(l.len() as u8);
        q.extend_from_slice(l);
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    q
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// Reads a (possibly compressed) name at `pos`; returns it and the position after it.
fn read_name(b: &[u8], mut pos: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *b.get(pos)? as usize;
        if len == 0 {
            return Some((name, end.unwrap_or(pos + 1)));
        }
        if len & 0xc0 == 0xc0 {
            let off = (u16_at(b, pos)? & 0x3fff) as usize;
            end.get_or_insert(pos + 2);
            pos = off;
            continue;
        }
        let label = b.get(pos + 1..pos + 1 + len)?;
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(&String::from_utf8_lossy(label));
        if name.len() > 255 {
            return None;
        }
        pos += 1 + len;
    }
    None
}

/// The PTR name in a response to query `id`: `Ok(None)` for NXDOMAIN or no PTR answer.
pub fn parse_ptr_response(b: &[u8], id: u16) -> Result<Option<String>, String> {
    if b.len() < 12 || u16_at(b, 0) != Some(id) {
        return Err("not the answer to our query".into());
    }
    let flags = u16_at(b, 2).unwrap_or(0);
    match flags & 0xf {
        0 => {}
        3 => return Ok(None),
        r => return Err(format!("DNS error code {r}")),
    }
    let qd = u16_at(b, 4).unwrap_or(0);
    let an = u16_at(b, 6).unwrap_or(0);
    let mut pos = 12;
    let bad = || "malformed DNS answer".to_string();
    for _ in 0..qd {
        pos = read_name(b, pos).ok_or_else(bad)?.1 + 4;
    }
    for _ in 0..an {
        pos = read_name(b, pos).ok_or_else(bad)?.1;
        let t = u16_at(b, pos).ok_or_else(bad)?;
        let len = u16_at(b, pos + 8).ok_or_else(bad)? as usize;
        let data = pos + 10;
        if t == 12 {
            let (n, _) = read_name(b, data).ok_or_else(bad)?;
            return Ok((!n.is_empty()).then_some(n));
        }
        pos = data + len;
    }
    Ok(None)
}

/// Asks `server` for the PTR record of `ip`.
pub fn reverse_dns(
    server: SocketAddr,
    ip: IpAddr,
    timeout: Duration,
    id: u16,
) -> Result<Option<String>, String> {
    let local: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(local).map_err(|e| e.to_string())?;
    sock.connect(server).map_err(|e| e.to_string())?;
    sock.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    sock.send(&dns_query(id, &ptr_name(ip), 12))
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 1500];
    let deadline = Instant::now() + timeout;
    // A few stray datagrams are skipped; the answer must come before the deadline.
    for _ in 0..4 {
        let n = sock.recv(&mut buf).map_err(|e| e.to_string())?;
        match parse_ptr_response(&buf[..n], id) {
            Err(e) if e == "not the answer to our query" && Instant::now() < deadline => continue,
            r => return r,
        }
    }
    Err("no answer".into())
}

// ---------------------------------------------------------------------------------------
// whois: creation dates, following referrals.

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Today, in days since 1970-01-01 (wall clock: only the whois worker reads it).
fn today() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| (d.as_secs() / 86_400) as i64)
        .unwrap_or(0)
}

/// A date as whois servers write them: `2024-05-01T12:00:00Z`, `2024-05-01 12:00:00`,
/// `2024.05.01`, `2024/05/01`, `20240501`, `01-May-2024`, `01.05.2024`. Days since 1970.
pub fn parse_whois_date(v: &str) -> Option<i64> {
    let tok = v.split_whitespace().next()?;
    let tok = tok.split('T').next()?;
    let parts: Vec<&str> = tok.split(['-', '.', '/']).collect();
    let num = |s: &str| s.parse::<i64>().ok();
    let (y, m, d) = match parts.as_slice() {
        [a] if a.len() == 8 => (num(&a[..4])?, num(&a[4..6])?, num(&a[6..])?),
        [a, b, c] if a.len() == 4 => (num(a)?, num(b)?, num(c)?),
        [a, b, c] if c.len() == 4 => {
            const MONTHS: [&str; 12] = [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ];
            let m = match num(b) {
                Some(m) => m,
                None => {
                    let b = b.to_ascii_lowercase();
                    MONTHS.iter().position(|x| b.starts_with(x))? as i64 + 1
                }
            };
            (num(c)?, m, num(a)?)
        }
        _ => return None,
    };
    ((1970..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| days_from_civil(y, m, d))
}

/// The creation date in a whois answer (days since 1970), if it gives one.
pub fn whois_creation(text: &str) -> Option<i64> {
    const KEYS: [&str; 9] = [
        "creation date",
        "created",
        "created on",
        "registered on",
        "registration time",
        "registration date",
        "domain registration date",
        "registered",
        "domain name commencement date",
    ];
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        let k = k.trim().to_ascii_lowercase();
        KEYS.contains(&k.as_str())
            .then(|| parse_whois_date(v.trim()))
            .flatten()
    })
}

/// The whois server a registry refers to (`refer:`, `whois:`, `Registrar WHOIS Server:`).
fn whois_referral(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        (matches!(
            k.as_str(),
            "refer" | "whois" | "registrar whois server" | "referralserver"
        ) && !v.is_empty())
        .then(|| with_whois_port(v))
    })
}

fn whois_query(server: &str, query: &str, timeout: Duration) -> Result<String, String> {
    let addr = server
        .to_socket_addrs()
        .map_err(|e| format!("{server}: {e}"))?
        .next()
        .ok_or_else(|| format!("{server}: no address"))?;
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{server}: {e}"))?;
    s.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    s.write_all(format!("{query}\r\n").as_bytes())
        .map_err(|e| format!("{server}: {e}"))?;
    let mut out = Vec::new();
    s.take(MAX_RESPONSE)
        .read_to_end(&mut out)
        .map_err(|e| format!("{server}: {e}"))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The creation day of `domain`, asking `server` and following up to two referrals.
pub fn whois_creation_day(
    server: &str,
    domain: &str,
    timeout: Duration,
) -> Result<Option<i64>, String> {
    let mut server = server.to_owned();
    for _ in 0..3 {
        let text = whois_query(&server, domain, timeout)?;
        if let Some(c) = whois_creation(&text) {
            return Ok(Some(c));
        }
        match whois_referral(&text) {
            Some(next) if next != server => server = next,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------
// HTTP services.

fn read_json(mut resp: ureq::http::Response<ureq::Body>) -> Result<serde_json::Value, String> {
    let text = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_string()
        .map_err(|e| format!("reading the answer: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))
}

/// VirusTotal API v2 IP report: `Ok(None)` when VirusTotal does not know the IP.
pub fn virustotal(
    agent: &ureq::Agent,
    base: &str,
    key: &str,
    ip: IpAddr,
) -> Result<Option<VtScore>, String> {
    let resp = agent
        .get(format!("{base}/ip-address/report"))
        .query("apikey", key)
        .query("ip", ip.to_string())
        .call()
        .map_err(|e| e.to_string())?;
    match resp.status().as_u16() {
        200 => {}
        204 => return Err("rate limit exceeded (HTTP 204)".into()),
        403 => return Err("API key refused (HTTP 403)".into()),
        s => return Err(format!("HTTP status {s}")),
    }
    let j = read_json(resp)?;
    if j.get("response_code").and_then(|c| c.as_i64()) != Some(1) {
        return Ok(None);
    }
    let ratio = |field: &str| {
        let (mut pos, mut total) = (0.0, 0.0);
        for d in j
            .get(field)
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            pos += d.get("positives").and_then(|x| x.as_f64()).unwrap_or(0.0);
            total += d.get("total").and_then(|x| x.as_f64()).unwrap_or(0.0);
        }
        if total > 0.0 {
            pos / total
        } else {
            0.0
        }
    };
    Ok(Some(VtScore {
        urls: ratio("detected_urls"),
        downloaded: ratio("detected_downloaded_samples"),
        referrer: ratio("detected_referrer_samples"),
        communicating: ratio("detected_communicating_samples"),
    }))
}

/// Circl.lu hashlookup: `Some` when the hash is `KnownMalicious`. Threat level from the
/// trust score (`(100 - trust) / 100`, trust 50 when absent); confidence 0.5, 0.7 or 1 for
/// one, two or more blacklists (Slips' rules).
pub fn circl(agent: &ureq::Agent, base: &str, hash: &str) -> Result<Option<FileVerdict>, String> {
    let kind = match hash.len() {
        32 => "md5",
        40 => "sha1",
        64 => "sha256",
        _ => return Ok(None),
    };
    let resp = agent
        .get(format!("{base}/lookup/{kind}/{hash}"))
        .header("accept", "application/json")
        .call()
        .map_err(|e| e.to_string())?;
    match resp.status().as_u16() {
        200 => {}
        404 => return Ok(None),
        s => return Err(format!("HTTP status {s}")),
    }
    let j = read_json(resp)?;
    let Some(km) = j.get("KnownMalicious") else {
        return Ok(None);
    };
    let lists: Vec<String> = match km {
        serde_json::Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if lists.is_empty() {
        return Ok(None);
    }
    let trust = j
        .get("hashlookup:trust")
        .and_then(|t| t.as_f64().or_else(|| t.as_str()?.parse().ok()))
        .unwrap_or(50.0)
        .clamp(0.0, 100.0);
    let confidence = match lists.len() {
        1 => 0.5,
        2 => 0.7,
        _ => 1.0,
    };
    Ok(Some(FileVerdict {
        threat_level: ThreatLevel::from_value((100.0 - trust) / 100.0),
        confidence,
        detected_by: format!("Circl.lu (blacklists: {})", lists.join(" ")).into(),
        details: j
            .get("FileName")
            .and_then(|x| x.as_str())
            .map(|n| format!("file name: {n}"))
            .unwrap_or_default()
            .into(),
    }))
}

/// URLhaus payload lookup by MD5 or SHA256: `Some` when URLhaus lists the file. Threat
/// level from the VirusTotal percentage URLhaus reports, HIGH without one; confidence 0.7.
pub fn urlhaus(agent: &ureq::Agent, base: &str, hash: &str) -> Result<Option<FileVerdict>, String> {
    let field = match hash.len() {
        32 => "md5_hash",
        64 => "sha256_hash",
        _ => return Ok(None),
    };
    let resp = agent
        .post(format!("{base}/payload/"))
        .send_form([(field, hash)])
        .map_err(|e| e.to_string())?;
    if resp.status().as_u16() != 200 {
        return Err(format!("HTTP status {}", resp.status().as_u16()));
    }
    let j = read_json(resp)?;
    match j.get("query_status").and_then(|s| s.as_str()) {
        Some("ok") => {}
        Some("no_results") => return Ok(None),
        other => return Err(format!("query_status {}", other.unwrap_or("missing"))),
    }
    let percent = j
        .get("virustotal")
        .and_then(|v| v.get("percent"))
        .and_then(|p| p.as_f64().or_else(|| p.as_str()?.trim().parse().ok()));
    let level = match percent {
        Some(p) => ThreatLevel::from_value((p / 100.0).clamp(0.0, 1.0)),
        None => ThreatLevel::High,
    };
    let mut details = Vec::new();
    if let Some(s) = j.get("signature").and_then(|x| x.as_str()) {
        details.push(format!("signature: {s}"));
    }
    if let Some(t) = j.get("file_type").and_then(|x| x.as_str()) {
        details.push(format!("file type: {t}"));
    }
    if let Some(p) = percent {
        details.push(format!("VirusTotal: {p}%"));
    }
    Ok(Some(FileVerdict {
        threat_level: level,
        confidence: 0.7,
        detected_by: "URLhaus".into(),
        details: details.join(", ").into(),
    }))
}

#[cfg(test)]
mod tests;

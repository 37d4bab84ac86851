//! RITA-style detections over a pair's whole history (they span time windows):
//!
//! * [`Beaconing`] — BEACONING: RITA's v5 beacon score (see `slips_models::beacon`) of each
//!   (source, destination IP) pair and each (source, server name) pair, the server name
//!   coming from the TLS SNI or the HTTP Host of the connection (joined by uid, whichever
//!   record comes first).
//! * [`PairLongConnections`] — LONG_CONNECTION: RITA's long-connection score of the total
//!   duration of all connections of a (source, destination IP) pair.
//! * [`DnsTunneling`] — DNS_TUNNELING: RITA's C2-over-DNS score, unique subdomains of one
//!   registered domain queried by a host.
//!
//! Pairs are scored when a window of the source's profile closes, if they had connections
//! in it; a later window reports the beacon again only when it brought at least
//! [`MIN_CONNECTIONS`] new connections (never the same connections twice). DNS, NTP, ICMP and multicast-discovery connections are
//! periodic by design and never scored. Like RITA, only
//! connections to public destination addresses are scored by IP (internal-to-internal
//! traffic is filtered); server names are scored whatever the address.
//!
//! Threat levels follow RITA's severities of its threat scores (low ≥ 0.2, medium ≥ 0.4,
//! high ≥ 0.6, critical > 0.8). Deliberate additions for beaconing, because evidence in slips
//! accumulates into alerts: a pair is reported only if
//! * its timestamp subscore is at least [`MIN_TS_SCORE`] (0.9, a jitter up to about ±35 %):
//!   RITA's data-size, histogram and duration subscores give 0.72 or more to any fixed-size
//!   connection repeated all day at random times (an NTP or monitoring client), which RITA
//!   rates LOW/MEDIUM; and with a dozen random gaps the timestamp subscore alone reaches
//!   0.8 by chance among thousands of pairs;
//! * it has at least [`MIN_CONNECTIONS`] (12) connections, so that the timing statistics
//!   mean something (a real HTTPS beacon of 22 connections in 67 seconds is caught);
//! * its histogram subscore is not 0 (early in a capture the dataset span is short, and a
//!   few connections would otherwise get a high duration coverage; RITA scores a day).
//!
//! Confidence: 0.3 at 12 connections to 1 at 24 ([`ramp`]).
//!
//! Memory (all bounded): at most [`MAX_PAIRS`] pairs (about 6 KB each at most, see
//! `slips_models::beacon`; a pair keeps its connections as they come, at most 23, until it
//! has [`MIN_CONNECTIONS`] and gets its statistics), pairs idle for a day are dropped when
//! the table is full; the pairs to look at when a source's window closes (a queue per
//! source, each pair at most once); uid join caches of [`MAX_JOIN`] entries each (server
//! names waiting for their connection, connections already joined), the connections
//! themselves being looked up in the engine's index of recent connections; at most
//! [`MAX_DOMAINS`] (source, domain) entries of at most 1,001 subdomain hashes.

use crate::appkit::shannon_entropy;
use crate::knowledge::Resources;
use crate::util::{ramp, report_step, IpPairMap};
use foldhash::HashMap;
use slips_core::net::is_public;
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Ioc, Method, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use slips_models::beacon::{
    bucketed_score, registered_domain, severity, BeaconConfig, PairStats, Severity,
    C2_OVER_DNS_THRESHOLDS, LONG_CONNECTION_THRESHOLDS,
};
use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::IpAddr;
use std::sync::Arc;

/// Most pairs tracked.
pub const MAX_PAIRS: usize = 65_536;
/// Entries of each uid join cache.
pub const MAX_JOIN: usize = 65_536;
/// Most (source, domain) entries of the DNS tunnelling detector.
pub const MAX_DOMAINS: usize = 65_536;
/// Smallest timestamp subscore reported as beaconing.
pub const MIN_TS_SCORE: f64 = 0.9;
/// Fewest connections of a pair reported as beaconing.
pub const MIN_CONNECTIONS: u64 = 12;
/// Connections at which a beacon is certain.
pub const FULL_CONNECTIONS: u64 = 24;

/// Connections that are periodic by design, not beacons: DNS to the resolver, NTP, ICMP
/// (ping, monitoring) and multicast discovery.
fn never_a_beacon(c: &slips_core::Conn) -> bool {
    c.proto().is_icmp()
        || matches!(c.dport, 53 | 123 | 853 | 5353 | 1900 | 137 | 138)
        || c.service_is("dns")
        || c.service_is("ntp")
}

/// What a source beacons to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Ip(IpAddr),
    Name(Str),
}

/// What a pair accumulates from its connections.
trait Accumulate: Default {
    /// Adds a connection: start time (seconds), source bytes, duration.
    fn add(&mut self, ts: f64, bytes: u64, duration: f64);
    /// The latest start time added.
    fn last(&self) -> f64;
}

/// A pair's [`PairStats`], built only once the pair has [`MIN_CONNECTIONS`] connections
/// (fewer are never scored): until then its connections are kept as they came, and they are
/// replayed into the `PairStats` in the same order, which gives the same statistics. Most
/// pairs stay below and never pay for the timing histograms.
#[derive(Debug, Default)]
struct LazyStats {
    /// `PairStats::count` and `PairStats::last`.
    count: u64,
    last: f64,
    early: Vec<(f64, u64, f64)>,
    full: Option<Box<PairStats>>,
}

impl Accumulate for LazyStats {
    fn add(&mut self, ts: f64, bytes: u64, duration: f64) {
        self.last = if self.count == 0 {
            ts
        } else {
            self.last.max(ts)
        };
        self.count += 1;
        match &mut self.full {
            Some(s) => s.add(ts, bytes, duration),
            None if self.count < MIN_CONNECTIONS => self.early.push((ts, bytes, duration)),
            None => {
                let mut s = Box::<PairStats>::default();
                for (t, b, d) in std::mem::take(&mut self.early) {
                    s.add(t, b, d);
                }
                s.add(ts, bytes, duration);
                self.full = Some(s);
            }
        }
    }
    fn last(&self) -> f64 {
        self.last
    }
}

/// What the long-connection score needs of a pair: the count, latest start and total
/// duration of [`PairStats`] (same arithmetic), without its timing histograms.
#[derive(Debug, Default)]
struct Durations {
    count: u64,
    last: f64,
    total_duration: f64,
}

impl Accumulate for Durations {
    fn add(&mut self, ts: f64, _: u64, duration: f64) {
        self.last = if self.count == 0 {
            ts
        } else {
            self.last.max(ts)
        };
        self.count += 1;
        if duration.is_finite() && duration > 0.0 {
            self.total_duration += duration;
        }
    }
    fn last(&self) -> f64 {
        self.last
    }
}

impl Durations {
    fn long_connection_threat(&self) -> f64 {
        bucketed_score(self.total_duration, LONG_CONNECTION_THRESHOLDS)
    }
}

#[derive(Debug, Default)]
struct Pair<S> {
    stats: S,
    /// In its source's queue (it had connections since the queue was last visited).
    queued: bool,
    /// Window number of the latest connection, and of the latest beaconing report.
    last_window: i64,
    reported_window: Option<i64>,
    /// Connections of the pair at its last beaconing report (0: none): a later window
    /// reports the beacon again only with [`MIN_CONNECTIONS`] new connections, never on the
    /// same connections twice.
    beacon_reported_at: u64,
    last_uid: Str,
    /// Highest long-connection severity reported.
    long_reported: Option<Severity>,
}

fn level(s: Severity) -> Option<ThreatLevel> {
    match s {
        Severity::None => None,
        Severity::Low => Some(ThreatLevel::Low),
        Severity::Medium => Some(ThreatLevel::Medium),
        Severity::High => Some(ThreatLevel::High),
        Severity::Critical => Some(ThreatLevel::Critical),
    }
}

/// Pairs keyed by (source, target), with the dataset's time span.
///
/// The pairs live in a vector; a hash map finds a pair by key (the per-connection path).
/// Each source has a queue of its pairs that had connections since they were last looked at
/// (a pair is queued once however many connections it gets), which the detectors visit in
/// target order when one of the source's windows closes, instead of all its pairs.
#[derive(Debug)]
struct PairTable<S> {
    pairs: Vec<(IpAddr, Target, Pair<S>)>,
    /// Positions in `pairs` of the IP targets (compact keys: the per-connection path) and
    /// of the server names.
    by_ip: IpPairMap<u32>,
    by_name: HashMap<(IpAddr, Str), u32>,
    queues: HashMap<IpAddr, Vec<u32>>,
    min_ts: Option<f64>,
    max_ts: f64,
    dropped: u64,
    /// Event time of the last sweep of idle pairs (at most one sweep per hour).
    last_sweep: f64,
}

impl<S> Default for PairTable<S> {
    fn default() -> Self {
        PairTable {
            pairs: Vec::new(),
            by_ip: IpPairMap::default(),
            by_name: HashMap::default(),
            queues: HashMap::default(),
            min_ts: None,
            max_ts: 0.0,
            dropped: 0,
            last_sweep: 0.0,
        }
    }
}

impl<S: Accumulate> PairTable<S> {
    fn see(&mut self, ts: Timestamp) {
        let t = ts.secs();
        self.min_ts = Some(self.min_ts.map_or(t, |m| m.min(t)));
        self.max_ts = self.max_ts.max(t);
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        window: i64,
        src: IpAddr,
        target: Target,
        ts: f64,
        bytes: u64,
        dur: f64,
        uid: &Str,
    ) {
        let found = match &target {
            Target::Ip(dst) => self.by_ip.get(src, *dst),
            Target::Name(n) => self.by_name.get(&(src, n.clone())),
        };
        let i = match found {
            Some(&i) => i as usize,
            None => {
                if self.pairs.len() >= MAX_PAIRS {
                    if self.max_ts - self.last_sweep >= 3600.0 {
                        self.last_sweep = self.max_ts;
                        let horizon = self.max_ts - 86_400.0;
                        let before = self.pairs.len();
                        self.pairs.retain(|(_, _, p)| p.stats.last() >= horizon);
                        if self.pairs.len() < before {
                            self.reindex();
                        }
                    }
                    if self.pairs.len() >= MAX_PAIRS {
                        self.dropped += 1;
                        return;
                    }
                }
                let i = self.pairs.len();
                self.index(src, &target, i as u32);
                self.pairs.push((src, target, Pair::default()));
                i
            }
        };
        let Some((_, _, p)) = self.pairs.get_mut(i) else {
            return;
        };
        p.stats.add(ts, bytes, dur);
        p.last_window = p.last_window.max(window);
        p.last_uid = uid.clone();
        if !p.queued {
            p.queued = true;
            self.queues.entry(src).or_default().push(i as u32);
        }
    }

    fn index(&mut self, src: IpAddr, target: &Target, i: u32) {
        match target {
            Target::Ip(dst) => {
                self.by_ip.insert(src, *dst, i);
            }
            Target::Name(n) => {
                self.by_name.insert((src, n.clone()), i);
            }
        }
    }

    /// Rebuilds the maps after pairs were removed.
    fn reindex(&mut self) {
        self.by_ip = IpPairMap::default();
        self.by_name.clear();
        self.queues.clear();
        let pairs = std::mem::take(&mut self.pairs);
        for (i, (src, target, p)) in pairs.iter().enumerate() {
            self.index(*src, target, i as u32);
            if p.queued {
                self.queues.entry(*src).or_default().push(i as u32);
            }
        }
        self.pairs = pairs;
    }

    /// Visits the queued pairs of a source (in no particular order: what a visit does to a
    /// pair does not depend on the others; callers sort what they report by target); `f`
    /// says whether the pair stays queued.
    fn visit_queue(
        &mut self,
        src: IpAddr,
        mut f: impl FnMut(&IpAddr, &Target, &mut Pair<S>) -> bool,
    ) {
        let Some(queue) = self.queues.get_mut(&src) else {
            return;
        };
        let pairs = &mut self.pairs;
        queue.retain(|&i| match pairs.get_mut(i as usize) {
            Some((s, t, p)) => {
                p.queued = f(s, t, p);
                p.queued
            }
            None => false,
        });
        if queue.is_empty() {
            self.queues.remove(&src);
        }
    }
}

/// A bounded FIFO map for joining records by uid.
type JoinCache<V> = crate::appkit::FifoMap<Str, V>;

/// The source bytes RITA scores: IP bytes when known, else payload bytes.
fn source_bytes(sip_bytes: u64, sbytes: u64) -> u64 {
    if sip_bytes > 0 {
        sip_bytes
    } else {
        sbytes
    }
}

/// BEACONING (see the module doc).
///
/// A server name is joined with its connection by uid, whichever comes first: a name that
/// comes after its connection finds it in the engine's index of recent connections
/// (`slips_core::detector::RecentConns`); a name that comes first waits in `names` for it.
/// A connection gives its name pair one sample: its uid is then `consumed` until a new
/// connection with that uid is seen.
#[derive(Debug)]
pub struct Beaconing {
    cfg: BeaconConfig,
    min_ts_score: f64,
    table: PairTable<LazyStats>,
    names: JoinCache<(IpAddr, Str)>,
    consumed: JoinCache<()>,
}

impl Default for Beaconing {
    fn default() -> Self {
        Beaconing {
            cfg: BeaconConfig::default(),
            min_ts_score: MIN_TS_SCORE,
            table: PairTable::default(),
            names: JoinCache::new(MAX_JOIN),
            consumed: JoinCache::new(MAX_JOIN),
        }
    }
}

impl Beaconing {
    pub fn from_resources(_: &Resources) -> Self {
        Self::default()
    }
}

fn server_name(r: &Record) -> Option<(Str, &Str, IpAddr)> {
    match r {
        Record::Ssl(s) => {
            let n = s.server_name.as_ref()?;
            Some((n.to_ascii_lowercase(), &s.uid, s.id?.saddr))
        }
        Record::Http(h) => {
            let host = h.host.as_ref()?;
            // Strip a port; keep IPv6 literals in brackets whole.
            let name = match host.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => n,
                _ => host.as_str(),
            };
            Some((name.to_ascii_lowercase().into(), &h.uid, h.id?.saddr))
        }
        _ => None,
    }
}

impl Detector for Beaconing {
    const NAME: &'static str = "beaconing";
    const DESCRIPTION: &'static str =
        "Periodic connections to one IP or server name (RITA's beacon score)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::BEACONING];
    const INTERESTS: RecordKinds =
        RecordKinds::of(&[RecordKind::Conn, RecordKind::Ssl, RecordKind::Http]);
    const USES_RECENT_CONNS: bool = true;
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, _: &mut Emitter) {
        self.table.see(r.ts());
        if ctx.direction != Direction::Out {
            return;
        }
        let w = ctx.window.number;
        match r {
            Record::Conn(c) => {
                let (Some(src), Some(dst)) = (c.saddr, c.daddr) else {
                    return;
                };
                if never_a_beacon(c) {
                    return;
                }
                let bytes = source_bytes(c.sip_bytes, c.sbytes);
                let ts = c.ts.secs();
                if is_public(&dst) {
                    self.table
                        .add(w, src, Target::Ip(dst), ts, bytes, c.duration, &c.uid);
                }
                if c.uid.is_empty() {
                    return;
                }
                // A new connection with this uid can be joined again.
                if !self.consumed.is_empty() {
                    self.consumed.remove(c.uid.as_str());
                }
                if self.names.is_empty() {
                    return;
                }
                if let Some((s, name)) = self.names.remove(c.uid.as_str()) {
                    if s == src {
                        self.consumed.insert(c.uid.clone(), ());
                        self.table
                            .add(w, src, Target::Name(name), ts, bytes, c.duration, &c.uid)
                    }
                }
            }
            _ => {
                let Some((name, uid, src)) = server_name(r) else {
                    return;
                };
                if name.is_empty() || uid.is_empty() {
                    return;
                }
                let conn = match self.consumed.get(uid.as_str()) {
                    Some(()) => None,
                    None => ctx.conn_by_uid(uid),
                };
                match conn {
                    Some(c) => {
                        self.consumed.insert(uid.clone(), ());
                        if c.saddr == src {
                            let bytes = source_bytes(c.sip_bytes, c.sbytes);
                            self.table.add(
                                w,
                                src,
                                Target::Name(name),
                                c.ts.secs(),
                                bytes,
                                c.duration,
                                uid,
                            );
                        } else {
                            self.names.insert(uid.clone(), (src, name));
                        }
                    }
                    None => self.names.insert(uid.clone(), (src, name)),
                }
            }
        }
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, _: &mut (), out: &mut Emitter) {
        let Some(min) = self.table.min_ts else { return };
        let max = self.table.max_ts;
        let (cfg, min_ts_score) = (&self.cfg, self.min_ts_score);
        let w = ctx.window.number;
        // Queued: pairs not reported since their latest connection (the others are never
        // reported here: reported_window >= last_window).
        let keep = |p: &Pair<LazyStats>| p.reported_window.is_none_or(|r| r < p.last_window);
        // Reported in target order.
        let mut found: Vec<(Target, EvidenceDraft)> = Vec::new();
        self.table.visit_queue(ctx.profile, |src, target, p| {
            // Pairs with connections in this window (or later ones), once per window.
            if p.last_window < w || p.reported_window.is_some_and(|r| r >= w) {
                return keep(p);
            }
            p.reported_window = Some(w);
            // Below MIN_CONNECTIONS there are no full statistics (and nothing to report).
            let Some(full) = p.stats.full.as_deref() else {
                return keep(p);
            };
            let Some(s) = full.score(min, max, cfg) else {
                return keep(p);
            };
            let Some(lvl) = level(severity(s.threat)) else {
                return keep(p);
            };
            // Regular timing, and presence across the observed span (see the module doc).
            if s.ts < min_ts_score || s.hist == 0.0 || s.connections < MIN_CONNECTIONS {
                return keep(p);
            }
            if p.beacon_reported_at > 0 && s.connections < p.beacon_reported_at + MIN_CONNECTIONS {
                return keep(p);
            }
            let (victim, what) = match target {
                Target::Ip(ip) => (Ioc::ip(*ip, Side::Dst), ip.to_string()),
                Target::Name(n) => (Ioc::domain(n, Side::Dst), n.to_string()),
            };
            p.beacon_reported_at = s.connections;
            found.push((
                target.clone(),
                EvidenceDraft::new(
                    EvidenceType::BEACONING,
                    *src,
                    Side::Src,
                    lvl,
                    ramp(
                        s.connections as f64,
                        MIN_CONNECTIONS as f64,
                        FULL_CONNECTIONS as f64,
                    ),
                    Timestamp::from_secs(p.stats.last),
                    format!(
                        "Beaconing from {src} to {what}: {} connections, beacon score {} (timestamps {}, data sizes {}, histogram {}, duration {}), RITA threat score {:.3}",
                        s.connections, s.score, s.ts, s.ds, s.hist, s.dur, s.threat
                    ),
                )
                .victim(victim)
                .method(Method::Statistical)
                .uids([p.last_uid.clone()])
                .flow_count(s.connections),
            ));
            keep(p)
        });
        found.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, d) in found {
            out.emit(d);
        }
    }
}

/// LONG_CONNECTION accumulated over a pair's connections (RITA): reported when the total
/// duration reaches a higher severity (1 h low, 4 h medium... see the module doc).
#[derive(Debug, Default)]
pub struct PairLongConnections {
    table: PairTable<Durations>,
}

impl Detector for PairLongConnections {
    const NAME: &'static str = "pair_long_connections";
    const DESCRIPTION: &'static str =
        "A host's connections to one IP lasting hours in total (RITA's long connections)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::LONG_CONNECTION];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, _: &mut Emitter) {
        let Record::Conn(c) = r else { return };
        let (Direction::Out, Some(src), Some(dst)) = (ctx.direction, c.saddr, c.daddr) else {
            return;
        };
        self.table.see(c.ts);
        if is_public(&dst) || is_public(&src) {
            self.table.add(
                ctx.window.number,
                src,
                Target::Ip(dst),
                c.ts.secs(),
                source_bytes(c.sip_bytes, c.sbytes),
                c.duration,
                &c.uid,
            );
        }
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, _: &mut (), out: &mut Emitter) {
        // Queued: the pairs with connections since the last close (all are looked at, and
        // leave the queue). Reported in destination order.
        let mut found: Vec<(IpAddr, EvidenceDraft)> = Vec::new();
        self.table.visit_queue(ctx.profile, |src, target, p| {
            let threat = p.stats.long_connection_threat();
            let sev = severity(threat);
            let Some(lvl) = level(sev) else { return false };
            if p.long_reported.is_some_and(|r| r >= sev) {
                return false;
            }
            p.long_reported = Some(sev);
            let Target::Ip(dst) = target else { return false };
            found.push((
                *dst,
                EvidenceDraft::new(
                    EvidenceType::LONG_CONNECTION,
                    *src,
                    Side::Src,
                    lvl,
                    1.0,
                    Timestamp::from_secs(p.stats.last),
                    format!(
                        "Long connections from {src} to {dst}: {:.1} hours in {} connections, RITA threat score {:.3}",
                        p.stats.total_duration / 3600.0,
                        p.stats.count,
                        threat
                    ),
                )
                .victim_ip(*dst, Side::Dst)
                .method(Method::Statistical)
                .uids([p.last_uid.clone()])
                .flow_count(p.stats.count),
            ));
            false
        });
        found.sort_by_key(|(dst, _)| *dst);
        for (_, d) in found {
            out.emit(d);
        }
    }
}

#[derive(Debug, Default)]
struct DomainState {
    subdomains: HashSet<u64>,
    /// Queries, and those of tunnel record types (NULL, TXT, CNAME, PRIVATE, ANY).
    queries: u64,
    tunnel_qtypes: u64,
    /// Bytes of the unique subdomains (the data a tunnel sends up) and their summed
    /// Shannon entropy (bits per character), for the averages.
    sub_bytes: u64,
    entropy_sum: f64,
    /// Bytes of the answers (the data a tunnel brings down).
    answer_bytes: u64,
    /// Last report: its level and unique-subdomain count.
    reported: Option<(ThreatLevel, usize)>,
    last_uid: Str,
    last_ts: Timestamp,
}

impl DomainState {
    fn avg_len(&self) -> f64 {
        self.sub_bytes as f64 / self.subdomains.len().max(1) as f64
    }
    fn avg_entropy(&self) -> f64 {
        self.entropy_sum / self.subdomains.len().max(1) as f64
    }
    /// Names shaped like encoded data: long, high-entropy subdomains, or mostly queries of
    /// the record types tunnels use.
    fn tunnel_shaped(&self) -> bool {
        (self.avg_len() >= TUNNEL_NAME_LEN && self.avg_entropy() >= TUNNEL_ENTROPY)
            || self.tunnel_qtypes * 2 >= self.queries.max(1)
    }
    /// The level and confidence this domain deserves now, if any.
    fn verdict(&self) -> Option<(ThreatLevel, f64, f64)> {
        let n = self.subdomains.len();
        let threat = bucketed_score(n as f64, C2_OVER_DNS_THRESHOLDS);
        if n >= TUNNEL_MIN_NAMES && self.tunnel_shaped() {
            // Data through DNS: the volume and the names say how sure.
            let volume = (self.sub_bytes + self.answer_bytes) as f64;
            let conf =
                ramp(n as f64, TUNNEL_MIN_NAMES as f64, 200.0).max(ramp(volume, 2_000.0, 20_000.0));
            return Some((ThreatLevel::High, conf, threat));
        }
        // RITA's count of unique subdomains alone (100 low, 500 medium, 800 high).
        level(severity(threat)).map(|l| (l, 1.0, threat))
    }
}

/// Unique subdomains before the shape of the names is judged.
pub const TUNNEL_MIN_NAMES: usize = 20;
/// Average subdomain length and entropy of encoded data (base32 of iodine, base64, hex).
pub const TUNNEL_NAME_LEN: f64 = 24.0;
pub const TUNNEL_ENTROPY: f64 = 3.3;

/// DNS_TUNNELING: data carried in DNS names and answers. Per (host, registered domain): the
/// unique subdomains, their length and entropy, the record types asked and the bytes moved.
/// HIGH when at least [`TUNNEL_MIN_NAMES`] unique subdomains look like encoded data (long
/// and high-entropy, or mostly NULL/TXT/CNAME queries), confidence 0.3 to 1 with the names
/// (20 to 200) or the bytes (2 kB to 20 kB); otherwise RITA's C2-over-DNS count (100 low,
/// 500 medium, 800 high). Re-reported at each report step and with the true size when a
/// window of the host closes; whitelisted domains are skipped.
pub struct DnsTunneling {
    knowledge: Arc<dyn crate::knowledge::Knowledge>,
    domains: BTreeMap<(IpAddr, Str), DomainState>,
    dropped: u64,
}

impl Default for DnsTunneling {
    fn default() -> Self {
        DnsTunneling {
            knowledge: Arc::new(crate::NoKnowledge),
            domains: BTreeMap::new(),
            dropped: 0,
        }
    }
}

impl DnsTunneling {
    pub fn from_resources(res: &Resources) -> Self {
        DnsTunneling {
            knowledge: Arc::clone(&res.knowledge),
            ..Default::default()
        }
    }
}

impl std::fmt::Debug for DnsTunneling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsTunneling")
            .field("domains", &self.domains.len())
            .field("dropped", &self.dropped)
            .finish()
    }
}

/// Subdomain hashes kept per domain (enough to reach the top threshold).
const MAX_SUBDOMAINS: usize = 1_001;

fn tunnel_draft(src: IpAddr, domain: &str, st: &DomainState) -> Option<EvidenceDraft> {
    let (lvl, conf, threat) = st.verdict()?;
    let n = st.subdomains.len();
    Some(
        EvidenceDraft::new(
            EvidenceType::DNS_TUNNELING,
            src,
            Side::Src,
            lvl,
            conf,
            st.last_ts,
            format!(
                "Possible DNS tunnelling: {src} queried {n} unique subdomains of {domain} ({:.0} characters on average, entropy {:.2}, {} of {} queries NULL/TXT/CNAME, {} bytes in names and answers), RITA threat score {threat:.3}",
                st.avg_len(),
                st.avg_entropy(),
                st.tunnel_qtypes,
                st.queries,
                st.sub_bytes + st.answer_bytes,
            ),
        )
        .victim(Ioc::domain(domain, Side::Dst))
        .method(Method::Statistical)
        .uids([st.last_uid.clone()])
        .flow_count(st.queries),
    )
}

impl Detector for DnsTunneling {
    const NAME: &'static str = "dns_tunneling";
    const DESCRIPTION: &'static str =
        "Data carried in DNS: many unique, long, high-entropy subdomains or NULL/TXT/CNAME queries of one domain by a host";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DNS_TUNNELING];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Dns]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Dns(d) = r else { return };
        let (Direction::Out, Some(q)) = (ctx.direction, d.query.as_deref()) else {
            return;
        };
        let q = q.trim_end_matches('.').to_ascii_lowercase();
        let Some(domain) = registered_domain(&q) else {
            return;
        };
        let Some(sub) = q
            .strip_suffix(domain)
            .and_then(|s| s.strip_suffix('.'))
            .filter(|s| !s.is_empty())
        else {
            return;
        };
        let src = ctx.profile;
        let key = (src, Str::from(domain));
        if !self.domains.contains_key(&key) {
            if self.domains.len() >= MAX_DOMAINS {
                self.dropped += 1;
                return;
            }
            if self.knowledge.domain_whitelisted(domain) {
                return;
            }
        }
        let st = self.domains.entry(key).or_default();
        st.queries += 1;
        let by_name = d
            .qtype_name
            .as_deref()
            .is_some_and(|n| matches!(n, "NULL" | "TXT" | "CNAME" | "ANY" | "PRIVATE"));
        if by_name || matches!(d.qtype, Some(10 | 16 | 5 | 255 | 65399..=65534)) {
            st.tunnel_qtypes += 1;
        }
        st.answer_bytes = st
            .answer_bytes
            .saturating_add(d.answers.iter().map(|a| a.len() as u64).sum::<u64>());
        st.last_ts = st.last_ts.max(d.ts);
        st.last_uid = d.uid.clone();
        if st.subdomains.len() >= MAX_SUBDOMAINS {
            return;
        }
        let mut h = DefaultHasher::new();
        sub.hash(&mut h);
        if !st.subdomains.insert(h.finish()) {
            return;
        }
        let label_chars: String = sub.chars().filter(|c| *c != '.').collect();
        st.sub_bytes += sub.len() as u64;
        st.entropy_sum += shannon_entropy(&label_chars);
        let n = st.subdomains.len();
        let Some((lvl, _, _)) = st.verdict() else {
            return;
        };
        let new_step = match st.reported {
            None => true,
            Some((l, m)) => lvl > l || report_step(n as u64) > report_step(m as u64),
        };
        if !new_step {
            return;
        }
        st.reported = Some((lvl, n));
        if let Some(e) = tunnel_draft(src, domain, st) {
            out.emit(e);
        }
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, _: &mut (), out: &mut Emitter) {
        let src = ctx.profile;
        let lo = (src, Str::from(""));
        for ((ip, domain), st) in self.domains.range_mut(lo..) {
            if *ip != src {
                break;
            }
            let Some((l, m)) = st.reported else { continue };
            if st.subdomains.len() > m {
                st.reported = Some((l, st.subdomains.len()));
                if let Some(e) = tunnel_draft(src, domain, st) {
                    out.emit(e);
                }
            }
        }
    }
}

/// Flows for the registry test: 10.0.0.6 beaconing to 45.33.32.156:443 every 60 s (31
/// connections of 1,200 bytes), a 2-hour connection and 100 subdomains of one domain.
#[cfg(test)]
pub(crate) fn fixture() -> Vec<slips_core::Flow> {
    use slips_core::{Conn, ConnState, Dns, Endpoints, Flow, Proto};
    let src: IpAddr = "10.0.0.6".parse().unwrap();
    let mut v = Vec::new();
    for i in 0..31u32 {
        v.push(Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(1000.0 + 60.0 * f64::from(i)),
            uid: format!("B{i}").into(),
            saddr: Some(src),
            sport: 40000,
            daddr: Some("45.33.32.156".parse().unwrap()),
            dport: 443,
            proto: Some(Proto::Tcp),
            state: ConnState::SF,
            duration: if i == 30 { 7200.0 } else { 0.05 },
            sbytes: 1200,
            dbytes: 300,
            spkts: 4,
            dpkts: 3,
            ..Default::default()
        })));
    }
    for i in 0..100u32 {
        v.push(Flow::from(Record::Dns(Box::new(Dns {
            ts: Timestamp::from_secs(2900.0 + f64::from(i) * 0.1),
            uid: format!("T{i}").into(),
            id: Some(Endpoints {
                saddr: src,
                sport: 5353,
                daddr: "10.0.0.1".parse().unwrap(),
                dport: 53,
            }),
            query: Some(format!("x{i}.tunnel.example.com").into()),
            ..Default::default()
        }))));
    }
    v.sort_by_key(|f| f.record.ts());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Conn, ConnState, Evidence, Flow, Proto};

    fn conn(ts: f64, uid: &str, src: &str, dst: &str, bytes: u64, dur: f64) -> Flow {
        Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            saddr: Some(src.parse().unwrap()),
            sport: 40000,
            daddr: Some(dst.parse().unwrap()),
            dport: 443,
            proto: Some(Proto::Tcp),
            state: ConnState::SF,
            duration: dur,
            sbytes: bytes,
            spkts: 3,
            ..Default::default()
        }))
    }

    fn rows(ev: &[Evidence]) -> Vec<(String, ThreatLevel, f64, i64)> {
        ev.iter()
            .map(|e| {
                (
                    e.description.clone(),
                    e.threat_level,
                    e.confidence,
                    e.timewindow.number,
                )
            })
            .collect()
    }

    #[test]
    fn lazy_stats_equal_pair_stats() {
        let mut lazy = LazyStats::default();
        let mut direct = PairStats::default();
        let mut x: u64 = 7;
        for i in 0..60u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let ts = 1000.0 + 61.0 * f64::from(i) + (x >> 60) as f64;
            let (bytes, dur) = (600 + (x >> 54), f64::from(i % 7) * 0.5);
            lazy.add(ts, bytes, dur);
            direct.add(ts, bytes, dur);
            assert_eq!(lazy.count, direct.count);
            assert_eq!(lazy.last, direct.last);
            let full = lazy.full.as_deref();
            assert_eq!(full.is_some(), lazy.count >= MIN_CONNECTIONS);
            if let Some(full) = full {
                assert_eq!(format!("{full:?}"), format!("{direct:?}"));
                let cfg = BeaconConfig::default();
                assert_eq!(
                    format!("{:?}", full.score(1000.0, 5000.0, &cfg)),
                    format!("{:?}", direct.score(1000.0, 5000.0, &cfg))
                );
            }
        }
    }

    #[test]
    fn perfect_beacon_reported_per_window_by_ip_and_sni() {
        let mut flows = Vec::new();
        // Three hours of a 5-minute beacon, with the SNI of every connection.
        for i in 0..36u32 {
            let ts = 1000.0 + 300.0 * f64::from(i);
            let uid = format!("C{i}");
            flows.push(conn(ts, &uid, "10.0.0.1", "93.184.216.34", 700, 0.5));
            if i % 2 == 0 {
                flows.push(crate::testkit::ssl(
                    ts,
                    &uid,
                    "10.0.0.1",
                    "93.184.216.34",
                    "c2.example.net",
                ));
            } else {
                // SSL record first, then the connection: the join works both ways.
                let n = flows.len();
                flows.insert(
                    n - 1,
                    crate::testkit::ssl(ts, &uid, "10.0.0.1", "93.184.216.34", "c2.example.net"),
                );
            }
        }
        let ev = run(Beaconing::default(), &flows);
        let d = |what: &str, n: u32| {
            format!("Beaconing from 10.0.0.1 to {what}: {n} connections, beacon score 1 (timestamps 1, data sizes 1, histogram 1, duration 1), RITA threat score 0.800")
        };
        // Window 1 closes when event time passes its end plus one width (ts 8200): the pair
        // then has 24 connections; window 2 brings 12 more (36), window 3 none: it is not
        // reported again on the same connections.
        assert_eq!(
            rows(&ev),
            vec![
                (d("93.184.216.34", 24), ThreatLevel::High, 1.0, 1),
                (d("c2.example.net", 24), ThreatLevel::High, 1.0, 1),
                (d("93.184.216.34", 36), ThreatLevel::High, 1.0, 2),
                (d("c2.example.net", 36), ThreatLevel::High, 1.0, 2),
            ]
        );
        assert_eq!(ev[1].victim.as_ref().unwrap().value, "c2.example.net");
        assert_eq!(ev[0].flow_count, 24);
    }

    #[test]
    fn a_short_real_beacon_is_caught_and_dns_or_ping_are_not_beacons() {
        // 22 HTTPS connections in 67 s (every ~3.2 s, a little jitter).
        let beacon: Vec<Flow> = (0..22u32)
            .map(|i| {
                let jitter = [0.0, 0.1, -0.1, 0.05][(i % 4) as usize];
                conn(
                    1000.0 + 3.2 * f64::from(i) + jitter,
                    &format!("B{i}"),
                    "10.0.0.1",
                    "203.0.113.20",
                    517,
                    0.2,
                )
            })
            .collect();
        let ev = run(Beaconing::default(), &beacon);
        assert_eq!(ev.len(), 1, "{ev:#?}");
        assert_eq!(ev[0].flow_count, 22);
        assert!(ev[0].confidence > 0.8, "{}", ev[0].confidence);
        // The same periodicity to the resolver (DNS) or as pings is not a beacon.
        for (dport, proto) in [(53, Proto::Udp), (123, Proto::Udp), (0, Proto::Icmp)] {
            let flows: Vec<Flow> = beacon
                .iter()
                .cloned()
                .map(|mut f| {
                    if let Record::Conn(c) = &mut f.record {
                        c.dport = dport;
                        c.proto = Some(proto);
                    }
                    f
                })
                .collect();
            assert!(run(Beaconing::default(), &flows).is_empty(), "{dport}");
        }
    }

    #[test]
    fn irregular_and_private_pairs_are_not_beacons() {
        let mut flows = Vec::new();
        let mut x = 12345u64;
        let mut t = 1000.0;
        for i in 0..60u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t += 1.0 + (x % 600) as f64;
            flows.push(conn(
                t,
                &format!("R{i}"),
                "10.0.0.1",
                "93.184.216.34",
                700,
                0.5,
            ));
            // A perfect beacon to a private address: filtered like RITA.
            flows.push(conn(
                1000.0 + 300.0 * f64::from(i),
                &format!("P{i}"),
                "10.0.0.2",
                "10.0.0.53",
                70,
                0.1,
            ));
        }
        flows.sort_by_key(|f| f.record.ts());
        assert!(run(Beaconing::default(), &flows).is_empty());
    }

    #[test]
    fn long_connections_accumulate_over_a_pair() {
        let flows: Vec<Flow> = (0..6u32)
            .map(|i| {
                conn(
                    1000.0 + 3600.0 * f64::from(i),
                    &format!("L{i}"),
                    "10.0.0.1",
                    "93.184.216.34",
                    100,
                    3000.0,
                )
            })
            .collect();
        let ev = run(PairLongConnections::default(), &flows);
        // Window N closes at the first flow after its end plus one width, so at the close
        // of window 1 the pair has 2 connections (6000 s: 0.2 + 2400/10800·0.2 = 0.244, low)
        // and at the close of window 4 it has 5 (15000 s: 0.4 + 600/14400·0.2, medium).
        assert_eq!(
            rows(&ev),
            vec![
                ("Long connections from 10.0.0.1 to 93.184.216.34: 1.7 hours in 2 connections, RITA threat score 0.244".to_string(), ThreatLevel::Low, 1.0, 1),
                ("Long connections from 10.0.0.1 to 93.184.216.34: 4.2 hours in 5 connections, RITA threat score 0.408".to_string(), ThreatLevel::Medium, 1.0, 4),
            ]
        );
    }

    #[test]
    fn dns_tunneling_by_unique_subdomains() {
        let mut flows = Vec::new();
        for i in 0..520u32 {
            flows.push(crate::testkit::dns(
                1000.0 + f64::from(i),
                &format!("D{i}"),
                "10.0.0.1",
                &format!("{i:x}.t.evil.co.uk"),
                "A",
                "NOERROR",
                &[],
            ));
            // Repeats do not count.
            flows.push(crate::testkit::dns(
                1000.5 + f64::from(i),
                &format!("E{i}"),
                "10.0.0.1",
                "0.t.evil.co.uk",
                "A",
                "NOERROR",
                &[],
            ));
        }
        let ev = run(DnsTunneling::default(), &flows);
        // Short names: RITA's count alone, re-reported at the steps and at the close.
        assert_eq!(
            rows(&ev),
            vec![
                ("Possible DNS tunnelling: 10.0.0.1 queried 100 unique subdomains of evil.co.uk (4 characters on average, entropy 1.46, 0 of 199 queries NULL/TXT/CNAME, 384 bytes in names and answers), RITA threat score 0.200".to_string(), ThreatLevel::Low, 1.0, 1),
                ("Possible DNS tunnelling: 10.0.0.1 queried 200 unique subdomains of evil.co.uk (4 characters on average, entropy 1.50, 0 of 399 queries NULL/TXT/CNAME, 784 bytes in names and answers), RITA threat score 0.250".to_string(), ThreatLevel::Low, 1.0, 1),
                ("Possible DNS tunnelling: 10.0.0.1 queried 500 unique subdomains of evil.co.uk (4 characters on average, entropy 1.70, 0 of 999 queries NULL/TXT/CNAME, 2228 bytes in names and answers), RITA threat score 0.400".to_string(), ThreatLevel::Medium, 1.0, 1),
                ("Possible DNS tunnelling: 10.0.0.1 queried 520 unique subdomains of evil.co.uk (4 characters on average, entropy 1.71, 0 of 1040 queries NULL/TXT/CNAME, 2328 bytes in names and answers), RITA threat score 0.413".to_string(), ThreatLevel::Medium, 1.0, 1),
            ]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "evil.co.uk");
    }

    /// A name carrying `i`'s bytes as base32, as iodine's upstream encoding does.
    fn encoded(i: u32) -> String {
        let alphabet = b"abcdefghijklmnopqrstuvwxyz012345";
        let mut x = u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..52)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % 32) as usize] as char
            })
            .collect()
    }

    #[test]
    fn a_tunnel_is_high_from_its_names_and_volume() {
        // 60 NULL queries of 52 base32 characters: an iodine-like tunnel moving ~3 kB up.
        let flows: Vec<_> = (0..60u32)
            .map(|i| {
                crate::testkit::dns(
                    1000.0 + f64::from(i) * 0.2,
                    &format!("D{i}"),
                    "10.0.0.1",
                    &format!("{}.t.tunnel.example.net", encoded(i)),
                    "NULL",
                    "NOERROR",
                    &[],
                )
            })
            .collect();
        let ev = run(DnsTunneling::default(), &flows);
        assert!(!ev.is_empty());
        assert!(ev.iter().all(|e| e.threat_level == ThreatLevel::High));
        let last = ev.last().unwrap();
        assert_eq!(last.flow_count, 60);
        assert!(last.confidence > 0.6, "{}", last.confidence);
        assert!(last.description.contains("60 of 60 queries NULL/TXT/CNAME"));
        // The same count of ordinary names (a CDN) is nothing.
        let cdn: Vec<_> = (0..60u32)
            .map(|i| {
                crate::testkit::dns(
                    1000.0 + f64::from(i),
                    &format!("C{i}"),
                    "10.0.0.1",
                    &format!("img{i}.cdn.example.net"),
                    "A",
                    "NOERROR",
                    &[],
                )
            })
            .collect();
        assert!(run(DnsTunneling::default(), &cdn).is_empty());
    }

    #[test]
    fn registry_fixture_makes_these_detectors_fire() {
        use crate::{Resources, REGISTRY};
        let mut flows = fixture();
        for i in 0..20u32 {
            flows.push(crate::testkit::conn(
                3000.0 + f64::from(i),
                &format!("Z{i}"),
                "10.0.0.5",
                "93.184.0.1",
                23,
                Proto::Tcp,
                ConnState::S0,
            ));
        }
        let res = Resources {
            markov: Some(crate::markov::fixture_models()),
            ml: Some(crate::ml_flow::fixture_classifier()),
            ..Resources::default()
        };
        let cfg = slips_config::Config::default();
        for name in [
            "behavioural_models",
            "beaconing",
            "pair_long_connections",
            "dns_tunneling",
            "ml_flow",
        ] {
            let e = REGISTRY.iter().find(|e| e.name == name).unwrap();
            let mut eng = slips_engine::Engine::new(
                slips_engine::EngineConfig::default(),
                vec![e.build(&cfg, &res)],
            );
            for f in &flows {
                eng.process(f);
            }
            eng.finish();
            let n = eng
                .drain_events()
                .filter(|ev| matches!(ev, slips_engine::Event::Evidence(_)))
                .count();
            assert!(n > 0, "{name} produced nothing");
        }
    }

    fn generated(seed: u64, shuffle: bool) -> (Vec<Flow>, Vec<slips_gen::conn::Beacon>) {
        let cfg = slips_gen::ConnConfig {
            flows: 200_000,
            hosts: 300,
            beacons: 3,
            seed,
            ..Default::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conn.log");
        let file = std::fs::File::create(&path).unwrap();
        let summary = slips_gen::generate_conn(&cfg, std::io::BufWriter::new(file)).unwrap();
        let mut flows: Vec<Flow> = slips_zeek::ZeekReader::open(&path).unwrap().collect();
        assert_eq!(flows.len(), 200_000);
        if shuffle {
            // Each beacon flow gets a uniformly random time within the log's span.
            let (start, span) = (cfg.start as f64, cfg.duration as f64);
            let mut x = seed | 1;
            for f in &mut flows {
                let Record::Conn(c) = &mut f.record else {
                    continue;
                };
                let (Some(s), Some(d)) = (c.saddr, c.daddr) else {
                    continue;
                };
                if summary
                    .beacons
                    .iter()
                    .any(|b| IpAddr::V4(b.src) == s && IpAddr::V4(b.dst) == d)
                {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    c.ts = Timestamp::from_secs(
                        start + span * ((x >> 11) as f64 / (1u64 << 53) as f64),
                    );
                }
            }
            flows.sort_by_key(|f| f.record.ts());
        }
        (flows, summary.beacons)
    }

    #[test]
    fn finds_the_generator_beacons_and_nothing_on_shuffled_timings() {
        let (flows, beacons) = generated(7, false);
        let ev = run(Beaconing::default(), &flows);
        let found: std::collections::BTreeSet<(String, String)> = ev
            .iter()
            .map(|e| {
                (
                    e.attacker.value.to_string(),
                    e.victim.as_ref().unwrap().value.to_string(),
                )
            })
            .collect();
        let want: std::collections::BTreeSet<(String, String)> = beacons
            .iter()
            .map(|b| (b.src.to_string(), b.dst.to_string()))
            .collect();
        assert_eq!(found, want, "{:#?}", rows(&ev));
        assert!(ev.iter().all(|e| e.threat_level >= ThreatLevel::Medium));
        let (flows, _) = generated(7, true);
        let ev = run(Beaconing::default(), &flows);
        assert!(ev.is_empty(), "{:#?}", rows(&ev));
    }
}

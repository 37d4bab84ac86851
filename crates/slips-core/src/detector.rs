//! The detector API.
//!
//! A detector is a plain Rust type: typed records in, evidence out. It keeps its per-window
//! memory in an associated `WindowState` that the engine owns: the engine creates it when a
//! profile's time window first reaches the detector, hands it back on every record of that
//! profile-window and drops it when the window closes (after `on_window_closed`). Detectors
//! do no I/O and read no clock: time is the records' timestamps.
//!
//! See `docs/adding-a-detector.md` and the template detector in `slips-detectors`.

use crate::evidence::{EvidenceType, Ioc, Method, Side, ThreatLevel, MAX_UIDS_PER_EVIDENCE};
use crate::flow::{Conn, Record};
use crate::net::Proto;
use crate::time::{TimeWindow, Timestamp};
use crate::Str;
use std::net::IpAddr;

/// The kinds of records, for subscribing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum RecordKind {
    Conn,
    Dns,
    Http,
    Ssl,
    Ssh,
    Dhcp,
    Smtp,
    Notice,
    Files,
    Software,
    Weird,
    Tunnel,
    Arp,
    X509,
    Ftp,
    Login,
    Signature,
    Intel,
}

impl RecordKind {
    /// The lowercase name, as in the serialised records (`conn`, `dns`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Conn => "conn",
            RecordKind::Dns => "dns",
            RecordKind::Http => "http",
            RecordKind::Ssl => "ssl",
            RecordKind::Ssh => "ssh",
            RecordKind::Dhcp => "dhcp",
            RecordKind::Smtp => "smtp",
            RecordKind::Notice => "notice",
            RecordKind::Files => "files",
            RecordKind::Software => "software",
            RecordKind::Weird => "weird",
            RecordKind::Tunnel => "tunnel",
            RecordKind::Arp => "arp",
            RecordKind::X509 => "x509",
            RecordKind::Ftp => "ftp",
            RecordKind::Login => "login",
            RecordKind::Signature => "signature",
            RecordKind::Intel => "intel",
        }
    }

    pub const ALL: [RecordKind; 18] = [
        RecordKind::Conn,
        RecordKind::Dns,
        RecordKind::Http,
        RecordKind::Ssl,
        RecordKind::Ssh,
        RecordKind::Dhcp,
        RecordKind::Smtp,
        RecordKind::Notice,
        RecordKind::Files,
        RecordKind::Software,
        RecordKind::Weird,
        RecordKind::Tunnel,
        RecordKind::Arp,
        RecordKind::X509,
        RecordKind::Ftp,
        RecordKind::Login,
        RecordKind::Signature,
        RecordKind::Intel,
    ];

    /// The Zeek log name (`conn`, `dns`, ...).
    pub fn log_name(self) -> &'static str {
        match self {
            RecordKind::Conn => "conn",
            RecordKind::Dns => "dns",
            RecordKind::Http => "http",
            RecordKind::Ssl => "ssl",
            RecordKind::Ssh => "ssh",
            RecordKind::Dhcp => "dhcp",
            RecordKind::Smtp => "smtp",
            RecordKind::Notice => "notice",
            RecordKind::Files => "files",
            RecordKind::Software => "software",
            RecordKind::Weird => "weird",
            RecordKind::Tunnel => "tunnel",
            RecordKind::Arp => "arp",
            RecordKind::X509 => "x509",
            RecordKind::Ftp => "ftp",
            RecordKind::Login => "login",
            RecordKind::Signature => "signatures",
            RecordKind::Intel => "intel",
        }
    }

    pub fn from_log_name(name: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.log_name() == name)
    }
}

/// A set of record kinds (bit set).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RecordKinds(u32);

impl RecordKinds {
    pub const NONE: RecordKinds = RecordKinds(0);
    pub const ALL: RecordKinds = RecordKinds(u32::MAX);

    pub const fn of(kinds: &[RecordKind]) -> RecordKinds {
        let mut bits = 0u32;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u8;
            i += 1;
        }
        RecordKinds(bits)
    }

    pub const fn contains(self, k: RecordKind) -> bool {
        self.0 & (1 << k as u8) != 0
    }

    pub const fn union(self, other: RecordKinds) -> RecordKinds {
        RecordKinds(self.0 | other.0)
    }
}

/// Whether the profile is the source of the record (`Out`, its own behaviour) or its
/// destination (`In`, seen only with `analysis_direction: all`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Out,
    In,
}

/// What the engine tells a detector about the record it is looking at.
#[derive(Clone, Copy, Debug)]
pub struct DetectorCtx<'a> {
    pub profile: IpAddr,
    pub direction: Direction,
    pub window: TimeWindow,
    /// For a connection: the behavioural letters of its tuple in this window so far,
    /// including this flow's symbol (`Out`: destination IP, port, protocol; `In`: source IP,
    /// port, protocol). `None` for other records and on window close.
    pub letters: Option<&'a str>,
    /// The engine's index of recent connections, for detectors that declare
    /// [`Detector::USES_RECENT_CONNS`]; use [`DetectorCtx::conn_by_uid`].
    pub conns: Option<&'a dyn RecentConns>,
}

impl<'a> DetectorCtx<'a> {
    /// A context without letters (window close, non-connection records, tests).
    pub fn new(profile: IpAddr, direction: Direction, window: TimeWindow) -> Self {
        DetectorCtx {
            profile,
            direction,
            window,
            letters: None,
            conns: None,
        }
    }

    /// The latest connection with this uid from the engine's index of recent connections
    /// ([`RecentConns`]); `None` when it is not (or no longer) remembered, and outside an
    /// engine.
    pub fn conn_by_uid(&self, uid: &str) -> Option<&'a ConnInfo> {
        self.conns?.by_uid(uid)
    }
}

/// What the engine remembers of a recent connection, for joining an application record
/// (ssh.log, ssl.log, http.log...) with its conn.log record by uid. See [`RecentConns`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConnInfo {
    pub ts: Timestamp,
    pub saddr: IpAddr,
    pub daddr: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub proto: Option<Proto>,
    pub duration: f64,
    /// Payload bytes from the originator and the responder.
    pub sbytes: u64,
    pub dbytes: u64,
    /// IP-level bytes from the originator.
    pub sip_bytes: u64,
}

impl ConnInfo {
    /// The facts of a connection that has both addresses.
    pub fn of(c: &Conn) -> Option<ConnInfo> {
        Some(ConnInfo {
            ts: c.ts,
            saddr: c.saddr?,
            daddr: c.daddr?,
            sport: c.sport,
            dport: c.dport,
            proto: c.proto,
            duration: c.duration,
            sbytes: c.sbytes,
            dbytes: c.dbytes,
            sip_bytes: c.sip_bytes,
        })
    }
}

/// How many uids the engine's index of recent connections holds.
pub const RECENT_CONNS: usize = 65_536;

/// The engine's bounded index of recent connections by uid, which detectors reach through
/// [`DetectorCtx::conn_by_uid`] instead of each keeping a copy of every connection.
///
/// It holds the connections (with both addresses) of the last [`RECENT_CONNS`] distinct uids
/// that reached the detectors, i.e. that passed the filter and belong to a profile. The
/// oldest uid is forgotten first; a uid seen again keeps its age and takes the newer values.
/// A connection enters the index after the detectors have seen it, and only when a detector
/// asks for it ([`Detector::USES_RECENT_CONNS`]).
pub trait RecentConns: std::fmt::Debug {
    /// The latest connection with this uid, if still remembered.
    fn by_uid(&self, uid: &str) -> Option<&ConnInfo>;
}

/// Drops records before they reach detectors and evidence before it is reported: the hook
/// that whitelists plug into. Implementations do no I/O on these calls.
pub trait Filter: Send {
    /// True if the record must not be analysed at all.
    fn skip_record(&self, record: &Record) -> bool;
    /// True if the evidence must not be reported (nor counted).
    fn skip_evidence(&self, evidence: &EvidenceDraft) -> bool;
}

/// Evidence as a detector builds it. The engine adds the profile, window, id and
/// accumulated threat level, and drops duplicates.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceDraft {
    pub evidence_type: EvidenceType,
    pub description: String,
    pub attacker: Ioc,
    pub victim: Option<Ioc>,
    pub threat_level: ThreatLevel,
    pub confidence: f64,
    pub ts: Timestamp,
    pub proto: Option<Proto>,
    pub src_port: Option<u16>,
    pub dst_port: Option<u16>,
    pub uids: Vec<Str>,
    pub flow_count: u64,
    pub method: Method,
}

impl EvidenceDraft {
    /// Evidence whose attacker is an IP on the given side. Fill the rest with the builder
    /// methods.
    pub fn new(
        evidence_type: EvidenceType,
        attacker: IpAddr,
        side: Side,
        threat_level: ThreatLevel,
        confidence: f64,
        ts: Timestamp,
        description: String,
    ) -> Self {
        EvidenceDraft {
            evidence_type,
            description,
            attacker: Ioc::ip(attacker, side),
            victim: None,
            threat_level,
            confidence: confidence.clamp(0.0, 1.0),
            ts,
            proto: None,
            src_port: None,
            dst_port: None,
            uids: Vec::new(),
            flow_count: 0,
            method: Method::Heuristic,
        }
    }

    pub fn victim_ip(mut self, ip: IpAddr, side: Side) -> Self {
        self.victim = Some(Ioc::ip(ip, side));
        self
    }
    pub fn victim(mut self, v: Ioc) -> Self {
        self.victim = Some(v);
        self
    }
    pub fn proto(mut self, p: Proto) -> Self {
        self.proto = Some(p);
        self
    }
    pub fn ports(mut self, src: Option<u16>, dst: Option<u16>) -> Self {
        self.src_port = src;
        self.dst_port = dst;
        self
    }
    pub fn method(mut self, m: Method) -> Self {
        self.method = m;
        self
    }
    /// Sets the flow uids (kept up to [`MAX_UIDS_PER_EVIDENCE`]) and the flow count.
    pub fn uids<I, S>(mut self, uids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Str>,
    {
        let mut n = 0u64;
        self.uids.clear();
        for u in uids {
            n += 1;
            if self.uids.len() < MAX_UIDS_PER_EVIDENCE {
                self.uids.push(u.into());
            }
        }
        self.flow_count = self.flow_count.max(n);
        self
    }
    pub fn flow_count(mut self, n: u64) -> Self {
        self.flow_count = n;
        self
    }
}

/// Where a detector puts its evidence.
#[derive(Debug, Default)]
pub struct Emitter {
    drafts: Vec<EvidenceDraft>,
    shed: u64,
}

impl Emitter {
    /// Says that `n` entries of detector state were dropped at a cap (counted by the engine
    /// and reported at the end, so that a flood never blinds a detector in silence).
    pub fn shed(&mut self, n: u64) {
        self.shed += n;
    }
    /// Entries reported by [`Emitter::shed`] since the last call.
    pub fn take_shed(&mut self) -> u64 {
        std::mem::take(&mut self.shed)
    }
    pub fn emit(&mut self, d: EvidenceDraft) {
        self.drafts.push(d);
    }
    pub fn is_empty(&self) -> bool {
        self.drafts.is_empty()
    }
    pub fn drain(&mut self) -> std::vec::Drain<'_, EvidenceDraft> {
        self.drafts.drain(..)
    }
}

/// A behavioural detector. See the module documentation.
pub trait Detector: Send + 'static {
    /// Unique, stable name (`snake_case`); used in logs and in evidence.
    const NAME: &'static str;
    /// One line saying what it detects.
    const DESCRIPTION: &'static str;
    /// The evidence types it can emit (validated against `disabled_detections`).
    const EVIDENCE: &'static [EvidenceType];
    /// The record kinds it wants to see; others are never passed to it.
    const INTERESTS: RecordKinds;
    /// Whether it runs unless configured otherwise.
    const ENABLED_BY_DEFAULT: bool = true;
    /// The configuration keys it reads (dotted, e.g. `flow_alerts.long_connection_threshold`),
    /// for `--list-detectors` and the documentation.
    const CONFIG_KEYS: &'static [&'static str] = &[];
    /// Whether it looks connections up by uid with [`DetectorCtx::conn_by_uid`]; the engine
    /// keeps its index of recent connections ([`RecentConns`]) only if some detector does.
    const USES_RECENT_CONNS: bool = false;

    /// Memory kept per profile and time window, owned by the engine.
    type WindowState: Default + Send + 'static;

    /// Called for every record of an interesting kind, once per profile the record belongs
    /// to (its source, and its destination with `analysis_direction: all`).
    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        state: &mut Self::WindowState,
        record: &Record,
        out: &mut Emitter,
    );

    /// Called once when the profile's window closes (event time passed its end, or the input
    /// ended), before its state is dropped.
    fn on_window_closed(
        &mut self,
        _ctx: &DetectorCtx,
        _state: &mut Self::WindowState,
        _out: &mut Emitter,
    ) {
    }
}

/// Object-safe view of a detector plus the states the engine assigned to it. The engine
/// addresses open profile-windows by a dense slot number that it reuses after a window
/// closes, so a state lookup is a vector index.
pub trait DynDetector: Send {
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn evidence_types(&self) -> &'static [EvidenceType];
    fn interests(&self) -> RecordKinds;
    /// [`Detector::USES_RECENT_CONNS`].
    fn uses_recent_conns(&self) -> bool {
        false
    }
    fn on_record(&mut self, slot: u32, ctx: &DetectorCtx, record: &Record, out: &mut Emitter);
    /// Runs the close hook if the slot has state, then frees it.
    fn close(&mut self, slot: u32, ctx: &DetectorCtx, out: &mut Emitter);
}

/// Hosts a [`Detector`] and its per-window states.
pub struct Hosted<D: Detector> {
    detector: D,
    states: Vec<Option<D::WindowState>>,
}

impl<D: Detector> Hosted<D> {
    pub fn new(detector: D) -> Self {
        Hosted {
            detector,
            states: Vec::new(),
        }
    }
    pub fn boxed(detector: D) -> Box<dyn DynDetector> {
        Box::new(Self::new(detector))
    }
}

impl<D: Detector> DynDetector for Hosted<D> {
    fn name(&self) -> &'static str {
        D::NAME
    }
    fn description(&self) -> &'static str {
        D::DESCRIPTION
    }
    fn evidence_types(&self) -> &'static [EvidenceType] {
        D::EVIDENCE
    }
    fn interests(&self) -> RecordKinds {
        D::INTERESTS
    }
    fn uses_recent_conns(&self) -> bool {
        D::USES_RECENT_CONNS
    }
    fn on_record(&mut self, slot: u32, ctx: &DetectorCtx, record: &Record, out: &mut Emitter) {
        let i = slot as usize;
        if i >= self.states.len() {
            self.states.resize_with(i + 1, || None);
        }
        let state = self.states[i].get_or_insert_with(Default::default);
        self.detector.on_record(ctx, state, record, out);
    }
    fn close(&mut self, slot: u32, ctx: &DetectorCtx, out: &mut Emitter) {
        if let Some(Some(mut st)) = self.states.get_mut(slot as usize).map(Option::take) {
            self.detector.on_window_closed(ctx, &mut st, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Conn;

    #[derive(Default)]
    struct Counter;
    impl Detector for Counter {
        const NAME: &'static str = "counter";
        const DESCRIPTION: &'static str = "counts conns";
        const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::TEMPLATE];
        const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
        type WindowState = u32;
        fn on_record(&mut self, ctx: &DetectorCtx, n: &mut u32, r: &Record, out: &mut Emitter) {
            *n += 1;
            if *n == 2 {
                out.emit(EvidenceDraft::new(
                    EvidenceType::TEMPLATE,
                    ctx.profile,
                    Side::Src,
                    ThreatLevel::Low,
                    2.0,
                    r.ts(),
                    "two".into(),
                ));
            }
        }
        fn on_window_closed(&mut self, ctx: &DetectorCtx, n: &mut u32, out: &mut Emitter) {
            out.emit(EvidenceDraft::new(
                EvidenceType::TEMPLATE,
                ctx.profile,
                Side::Src,
                ThreatLevel::Info,
                1.0,
                ctx.window.end,
                format!("closed after {n}"),
            ));
        }
    }

    #[test]
    fn hosted_keeps_state_per_slot_and_frees_on_close() {
        let mut h = Hosted::new(Counter);
        let ctx = DetectorCtx::new(
            "10.0.0.1".parse().unwrap(),
            Direction::Out,
            crate::time::WindowClock::new(Timestamp::ZERO, 10.0).window(1),
        );
        let rec = Record::Conn(Conn::default());
        let mut out = Emitter::default();
        h.on_record(3, &ctx, &rec, &mut out);
        h.on_record(0, &ctx, &rec, &mut out);
        assert!(out.is_empty());
        h.on_record(3, &ctx, &rec, &mut out);
        let d: Vec<_> = out.drain().collect();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].confidence, 1.0, "confidence is clamped");
        h.close(3, &ctx, &mut out);
        let d: Vec<_> = out.drain().collect();
        assert_eq!(d[0].description, "closed after 2");
        // Closing again is a no-op; a reused slot starts fresh.
        h.close(3, &ctx, &mut out);
        assert!(out.is_empty());
        h.on_record(3, &ctx, &rec, &mut out);
        h.close(3, &ctx, &mut out);
        assert_eq!(out.drain().next().unwrap().description, "closed after 1");
        assert!(RecordKinds::of(&[RecordKind::Conn]).contains(RecordKind::Conn));
        assert!(!RecordKinds::of(&[RecordKind::Conn]).contains(RecordKind::Dns));
    }
}

use crate::ids::{uuid_of, Fnv};
use crate::recent::RecentIndex;
use crate::window::{Tuple, Window};
use ipnet::IpNet;
use slips_core::detector::{ConnInfo, RecentConns, RECENT_CONNS};
use slips_core::evidence::alert_confidence;
use slips_core::summary::{ProfileSummary, WindowSummary};
use slips_core::{
    Alert, DetectorCtx, Direction, DynDetector, Emitter, Evidence, EvidenceDraft, EvidenceType,
    Filter, Flow, Mac, Record, RecordKind, Str, ThreatLevel, Timestamp, WindowClock,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Whose behaviour is analysed (`parameters.analysis_direction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AnalysisDirection {
    /// Only what each IP does as a source.
    #[default]
    Out,
    /// Also what is done to each IP (inbound view, `InTuples`).
    All,
}

/// Engine settings, derived from the configuration and the command line.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Time-window width in seconds.
    pub width: f64,
    pub direction: AnalysisDirection,
    /// When not empty, only IPs inside these networks get profiles for their traffic.
    pub home_network: Vec<IpNet>,
    /// Window score that makes an alert (`detection.evidence_detection_threshold`; see
    /// [`crate::score`]), whatever the window width.
    pub threshold: f64,
    /// Evidence types that are dropped (`DisabledAlerts.disabled_detections`).
    pub disabled_evidence: Vec<EvidenceType>,
    /// Most profile-windows kept open at once; the oldest are closed early beyond it.
    pub max_open_windows: usize,
    /// Most profiles kept at once; when full, the least recently active ones are retired
    /// (in batches of 1/64 of the cap) to make room.
    pub max_profiles: usize,
    /// Seconds of event time a window stays open after its end, for late records.
    pub close_grace: f64,
    /// Track the features of the window files and emit [`Event::WindowClosed`].
    pub summaries: bool,
    /// Most letters kept per tuple and window.
    pub max_letters: usize,
    /// Most evidence of one type listed per profile and window; the rest are counted and
    /// reported in one summary evidence when the window closes (a scan log of 94 MB once
    /// gave 155,788 evidence and a 220 MB alerts.json).
    pub max_evidence_per_type: usize,
    /// Most tuples (and, with summaries, peers and ports) per direction, profile and window:
    /// beyond, the ones with the fewest flows are shed (counted), so a flood of distinct
    /// destinations costs bounded memory while the busy tuples keep their letters.
    pub max_tuples_per_window: usize,
    /// Most tuples in all open windows together: past it, a window holding more than its
    /// share (this over the open windows, at least [`MIN_TUPLE_SHARE`]) sheds before taking
    /// a new tuple, so many busy windows cost bounded memory too.
    pub max_tuples: usize,
}

/// Tuples a window may always hold, whatever the global budget.
pub const MIN_TUPLE_SHARE: usize = 64;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            width: 3600.0,
            direction: AnalysisDirection::Out,
            home_network: Vec::new(),
            threshold: 0.8,
            disabled_evidence: Vec::new(),
            max_open_windows: 500_000,
            max_profiles: 1_000_000,
            close_grace: 3600.0,
            summaries: false,
            max_letters: 10_000,
            max_evidence_per_type: 100,
            max_tuples_per_window: 10_000,
            max_tuples: 1_000_000,
        }
    }
}

/// What the engine reports, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Evidence(Evidence),
    /// An alert and the evidence that caused it.
    Alert {
        alert: Alert,
        evidence: Vec<Evidence>,
    },
    /// A profile-window closed (only with `summaries`).
    WindowClosed(Box<WindowSummary>),
    /// A profile retired by `max_profiles` to make room for a new IP: its windows are closed
    /// (their events came first) and this is its summary, as the end of the run would give.
    ProfileRetired(Box<ProfileSummary>),
}

/// Counters for progress lines and the final summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub records: u64,
    pub flows: u64,
    pub profiles: u64,
    pub open_windows: u64,
    pub closed_windows: u64,
    pub evidence: u64,
    pub alerts: u64,
    pub duplicate_evidence: u64,
    pub disabled_evidence: u64,
    /// Records older than an already closed window (processed in a reopened window).
    pub late_records: u64,
    /// Windows closed before their time because of `max_open_windows`.
    pub evicted_windows: u64,
    /// Records whose source was not profiled (outside the home network or over the cap).
    pub unprofiled_records: u64,
    /// Records without any IP (e.g. x509), which no profile owns.
    pub hostless_records: u64,
    /// Records dropped by the filter (whitelist) before analysis.
    pub filtered_records: u64,
    /// Evidence dropped by the filter (whitelist).
    pub filtered_evidence: u64,
    /// Evidence not listed one by one beyond `max_evidence_per_type` (each window's are
    /// summarised in one evidence that says how many).
    pub capped_evidence: u64,
    /// Profiles retired by `max_profiles` (their windows closed early, their summary
    /// emitted).
    pub retired_profiles: u64,
    /// IPs not profiled because the cap was full at that moment (evidence naming a new
    /// attacker; a record's second new IP when only one slot was freed).
    pub unprofiled_for_cap: u64,
    /// Tuples, peers and ports of windows shed at `max_tuples_per_window`.
    pub shed_tuples: u64,
    /// Entries of detector state shed at the detectors' own caps (e.g. scan keys).
    pub shed_detector_state: u64,
}

const FACT_CAP: usize = 16;

struct Profile {
    ip: IpAddr,
    first_seen: Timestamp,
    last_seen: Timestamp,
    flows: u64,
    macs: Vec<Mac>,
    host_names: Vec<Str>,
    user_agents: Vec<Str>,
    software: Vec<Str>,
    windows: Vec<i64>,
    alerted_windows: Vec<i64>,
    evidence: u64,
    max_threat_level: Option<ThreatLevel>,
}

/// Paired evidence: a detector that blames both ends of the same flows (the source with one
/// evidence, the destination with another of the same type) links the two, as Slips'
/// `rel_id` does.
fn link_pairs(found: &mut [(u32, u32, Evidence)]) {
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            let (a, b) = (&found[i].2, &found[j].2);
            let paired = a.detector == b.detector
                && a.evidence_type == b.evidence_type
                && a.attacker.side != b.attacker.side
                && a.uids == b.uids
                && (!a.uids.is_empty() || a.ts == b.ts);
            if paired {
                let (ida, idb) = (a.id.clone(), b.id.clone());
                found[i].2.related.push(idb);
                found[j].2.related.push(ida);
            }
        }
    }
}

/// Four decimals are plenty for confidences and threat levels, and spare users float noise
/// such as 0.11800000000000001.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn push_fact<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if v.len() < FACT_CAP && !v.contains(&x) {
        v.push(x);
    }
}

/// The engine. See the crate documentation.
pub struct Engine {
    cfg: EngineConfig,
    disabled: HashSet<EvidenceType>,
    clock: Option<WindowClock>,
    watermark: Option<Timestamp>,
    /// Windows numbered below this were closed by event time.
    closed_below: i64,
    profiles: Map<IpAddr, u32>,
    profile_data: Vec<Profile>,
    /// Ids of retired profiles, for reuse.
    free_profiles: Vec<u32>,
    /// Every profile ever made (live and retired).
    profiles_made: u64,
    windows: Map<(u32, i64), u32>,
    slots: Vec<Option<Window>>,
    free_slots: Vec<u32>,
    open_by_number: BTreeMap<i64, Vec<u32>>,
    detectors: Vec<Box<dyn DynDetector>>,
    routes: Vec<Vec<usize>>,
    emitter: Emitter,
    /// Drafts collected from the detectors of one record, with the detector's name.
    drafts: Vec<(Str, EvidenceDraft)>,
    filter: Option<Box<dyn Filter>>,
    /// Recent connections by uid, kept when a detector uses them.
    recent: Option<RecentIndex>,
    /// The symbols of one flow, appended to its tuple's letters.
    scratch: String,
    /// Tuples held by the open windows (for `max_tuples`).
    tuples_held: usize,
    events: Vec<Event>,
    stats: EngineStats,
    evidence_seq: u64,
}

/// Why [`Engine::submit`] did not take evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// No record was analysed yet: there are no windows.
    NoTraffic,
    /// The attacker is not an IP slips has a profile for.
    UnknownProfile,
    /// Its time falls in a window that is closed already.
    ClosedWindow,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rejected::NoTraffic => "no traffic analysed yet",
            Rejected::UnknownProfile => "the attacker is not a profiled IP",
            Rejected::ClosedWindow => "its time window is closed already",
        })
    }
}

impl Engine {
    pub fn new(cfg: EngineConfig, detectors: Vec<Box<dyn DynDetector>>) -> Self {
        let routes = RecordKind::ALL
            .iter()
            .map(|k| {
                (0..detectors.len())
                    .filter(|&i| detectors[i].interests().contains(*k))
                    .collect()
            })
            .collect();
        let recent = detectors
            .iter()
            .any(|d| d.uses_recent_conns())
            .then(|| RecentIndex::new(RECENT_CONNS));
        Engine {
            recent,
            scratch: String::new(),
            tuples_held: 0,
            disabled: cfg.disabled_evidence.iter().copied().collect(),
            cfg,
            clock: None,
            watermark: None,
            closed_below: i64::MIN,
            profiles: Map::default(),
            profile_data: Vec::new(),
            free_profiles: Vec::new(),
            profiles_made: 0,
            windows: Map::default(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            open_by_number: BTreeMap::new(),
            detectors,
            routes,
            emitter: Emitter::default(),
            drafts: Vec::new(),
            filter: None,
            events: Vec::new(),
            stats: EngineStats::default(),
            evidence_seq: 0,
        }
    }

    /// Installs the filter (whitelist) consulted for every record and evidence.
    pub fn with_filter(mut self, filter: Box<dyn Filter>) -> Self {
        self.filter = Some(filter);
        self
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Names of the detectors that run.
    pub fn detector_names(&self) -> Vec<&'static str> {
        self.detectors.iter().map(|d| d.name()).collect()
    }

    pub fn stats(&self) -> EngineStats {
        let mut s = self.stats.clone();
        s.profiles = self.profiles_made;
        s.open_windows = self.windows.len() as u64;
        s
    }

    /// The window arithmetic, once the first record fixed the anchor.
    pub fn clock(&self) -> Option<WindowClock> {
        self.clock
    }

    /// Events produced since the last call, in order.
    pub fn drain_events(&mut self) -> std::vec::Drain<'_, Event> {
        self.events.drain(..)
    }

    /// Analyses one record. Returns the profile that owns it (its source host), `None`
    /// when the record was not profiled (filtered, hostless, outside the home network or
    /// over the profile cap), so that sinks see only what the engine analysed.
    pub fn process(&mut self, flow: &Flow) -> Option<IpAddr> {
        let rec = &flow.record;
        let ts = rec.ts();
        let clock = *self
            .clock
            .get_or_insert_with(|| WindowClock::new(ts, self.cfg.width));
        self.advance(ts);
        self.stats.records += 1;
        if self.filter.as_ref().is_some_and(|f| f.skip_record(rec)) {
            self.stats.filtered_records += 1;
            return None;
        }
        let is_conn = matches!(rec, Record::Conn(_));
        if is_conn {
            self.stats.flows += 1;
        }
        let number = clock.number(ts);
        if number < self.closed_below {
            self.stats.late_records += 1;
        }
        let (src, dst) = rec.hosts();
        if src.is_none() && dst.is_none() {
            self.stats.hostless_records += 1;
            return None;
        }
        self.make_room(src, dst);
        let mut profiled = None;
        let mut viewed = false;
        if let Some(ip) = src {
            if let Some(pid) = self.profile_for_traffic(ip, ts) {
                self.view(pid, Direction::Out, rec, number);
                profiled = Some(ip);
                viewed = true;
            }
        }
        if self.cfg.direction == AnalysisDirection::All {
            if let Some(ip) = dst.filter(|d| Some(*d) != src) {
                if let Some(pid) = self.profile_for_traffic(ip, ts) {
                    self.view(pid, Direction::In, rec, number);
                    viewed = true;
                }
            }
        }
        if profiled.is_none() {
            self.stats.unprofiled_records += 1;
        }
        // The detectors saw the connection: remember it for their joins by uid.
        if let (true, Some(recent), Record::Conn(c)) = (viewed, self.recent.as_mut(), rec) {
            if let Some(info) = ConnInfo::of(c) {
                recent.insert(&c.uid, info);
            }
        }
        profiled
    }

    /// Evidence from outside the engine's detectors (external modules), attributed to
    /// `source`: the same filter, dedup, scoring and alerts as a detector's. Its attacker
    /// must be a profiled IP and its time in a window that is still open.
    pub fn submit(&mut self, source: &str, draft: EvidenceDraft) -> Result<(), Rejected> {
        let clock = self.clock.ok_or(Rejected::NoTraffic)?;
        let ip = draft.attacker.as_ip().ok_or(Rejected::UnknownProfile)?;
        if !self.profiles.contains_key(&ip) {
            return Err(Rejected::UnknownProfile);
        }
        let number = clock.number(draft.ts);
        if number < self.closed_below {
            return Err(Rejected::ClosedWindow);
        }
        let ctx = DetectorCtx::new(ip, Direction::Out, clock.window(number));
        self.drafts.push((Str::from(source), draft));
        self.take_evidence(&ctx);
        Ok(())
    }

    /// Closes every open window (end of input) and emits what that produces.
    pub fn finish(&mut self) {
        while let Some((&n, _)) = self.open_by_number.first_key_value() {
            self.close_number(n);
        }
    }

    /// Summaries of the windows still open (for live refresh of the profile files), sorted
    /// by profile IP then window number.
    pub fn open_window_summaries(&self) -> Vec<WindowSummary> {
        let mut v: Vec<_> = self
            .slots
            .iter()
            .flatten()
            .map(|w| w.summary(self.profile_data[w.profile as usize].ip))
            .collect();
        v.sort_unstable_by_key(|s| (s.profile, s.window.number));
        v
    }

    /// Facts about every profile, sorted by IP.
    /// The summaries of the live profiles (retired ones were emitted when retired).
    pub fn profile_summaries(&self) -> Vec<ProfileSummary> {
        let mut v: Vec<_> = self
            .profiles
            .values()
            .map(|&id| self.profile_summary(&self.profile_data[id as usize]))
            .collect();
        v.sort_unstable_by_key(|p| p.ip);
        v
    }

    fn profile_summary(&self, p: &Profile) -> ProfileSummary {
        ProfileSummary {
            ip: Some(p.ip),
            first_seen: p.first_seen,
            last_seen: p.last_seen,
            flows: p.flows,
            macs: p.macs.clone(),
            host_names: p.host_names.clone(),
            user_agents: p.user_agents.clone(),
            software: p.software.clone(),
            windows: p.windows.clone(),
            alerted_windows: p.alerted_windows.clone(),
            evidence_count: p.evidence,
            max_threat_level: p.max_threat_level,
            enrichment: None,
        }
    }

    /// Moves event time forward and closes the windows it left behind.
    fn advance(&mut self, ts: Timestamp) {
        match self.watermark {
            Some(w) if ts <= w => return,
            _ => self.watermark = Some(ts),
        }
        let Some(clock) = self.clock else { return };
        while let Some((&n, _)) = self.open_by_number.first_key_value() {
            if clock.window(n).end.secs() + self.cfg.close_grace > ts.secs() {
                break;
            }
            self.close_number(n);
            self.closed_below = self.closed_below.max(n + 1);
        }
    }

    fn home(&self, ip: &IpAddr) -> bool {
        self.cfg.home_network.is_empty() || self.cfg.home_network.iter().any(|n| n.contains(ip))
    }

    fn profile_for_traffic(&mut self, ip: IpAddr, ts: Timestamp) -> Option<u32> {
        if !self.home(&ip) {
            return None;
        }
        let pid = self.profile_id(ip, ts)?;
        let p = &mut self.profile_data[pid as usize];
        p.first_seen = p.first_seen.min(ts);
        p.last_seen = p.last_seen.max(ts);
        Some(pid)
    }

    fn profile_id(&mut self, ip: IpAddr, ts: Timestamp) -> Option<u32> {
        if let Some(&id) = self.profiles.get(&ip) {
            return Some(id);
        }
        if self.profiles.len() >= self.cfg.max_profiles.max(1) {
            // Room is made between records (see `make_room`), never here: this may run
            // while a record or its evidence holds windows that retiring would close.
            self.stats.unprofiled_for_cap += 1;
            return None;
        }
        let fresh = Profile {
            ip,
            first_seen: ts,
            last_seen: ts,
            flows: 0,
            macs: Vec::new(),
            host_names: Vec::new(),
            user_agents: Vec::new(),
            software: Vec::new(),
            windows: Vec::new(),
            alerted_windows: Vec::new(),
            evidence: 0,
            max_threat_level: None,
        };
        let id = match self.free_profiles.pop() {
            Some(id) => {
                self.profile_data[id as usize] = fresh;
                id
            }
            None => {
                self.profile_data.push(fresh);
                (self.profile_data.len() - 1) as u32
            }
        };
        self.profiles.insert(ip, id);
        self.profiles_made += 1;
        Some(id)
    }

    /// Before a record that brings new IPs while the profiles are at the cap: room for them.
    fn make_room(&mut self, src: Option<IpAddr>, dst: Option<IpAddr>) {
        if self.profiles.len() < self.cfg.max_profiles.max(1) {
            return;
        }
        let new = |ip: Option<IpAddr>, this: &Self| {
            ip.is_some_and(|ip| this.home(&ip) && !this.profiles.contains_key(&ip))
        };
        let wants_dst = self.cfg.direction == AnalysisDirection::All && dst != src;
        if new(src, self) || (wants_dst && new(dst, self)) {
            self.retire_profiles();
        }
    }

    /// Makes room under `max_profiles`: the least recently active 1/64 of the profiles
    /// (at least one) are retired. Their open windows close now, as if their time had
    /// come, and their summaries are emitted, so nothing they found is lost; a later record
    /// of such an IP starts a new profile. Batches keep the cost per new IP constant.
    fn retire_profiles(&mut self) {
        let n = (self.cfg.max_profiles / 64).max(1);
        let mut live: Vec<(Timestamp, IpAddr, u32)> = self
            .profiles
            .iter()
            .map(|(&ip, &id)| (self.profile_data[id as usize].last_seen, ip, id))
            .collect();
        let n = n.min(live.len());
        if n == 0 {
            return;
        }
        // By last activity, then IP: the same input retires the same profiles.
        live.select_nth_unstable(n - 1);
        live.truncate(n);
        live.sort_unstable();
        let victims: HashSet<u32> = live.iter().map(|v| v.2).collect();
        let mut slots: Vec<(u32, i64, u32)> = self
            .windows
            .iter()
            .filter(|((pid, _), _)| victims.contains(pid))
            .map(|(&(pid, number), &slot)| (pid, number, slot))
            .collect();
        slots.sort_unstable();
        for (_, number, slot) in slots {
            if let Some(open) = self.open_by_number.get_mut(&number) {
                open.retain(|&s| s != slot);
                if open.is_empty() {
                    self.open_by_number.remove(&number);
                }
            }
            self.close_slot(slot);
        }
        for (_, ip, id) in live {
            let summary = self.profile_summary(&self.profile_data[id as usize]);
            self.events.push(Event::ProfileRetired(Box::new(summary)));
            self.profiles.remove(&ip);
            self.free_profiles.push(id);
            self.stats.retired_profiles += 1;
        }
    }

    fn slot_for(&mut self, pid: u32, number: i64) -> u32 {
        if let Some(&s) = self.windows.get(&(pid, number)) {
            return s;
        }
        if self.windows.len() >= self.cfg.max_open_windows.max(1) {
            self.evict_oldest();
        }
        let clock = self
            .clock
            .unwrap_or(WindowClock::new(Timestamp::ZERO, self.cfg.width));
        let w = Window::new(pid, clock.window(number), self.cfg.summaries);
        let slot = match self.free_slots.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(w);
                s
            }
            None => {
                self.slots.push(Some(w));
                (self.slots.len() - 1) as u32
            }
        };
        self.windows.insert((pid, number), slot);
        self.open_by_number.entry(number).or_default().push(slot);
        slot
    }

    fn evict_oldest(&mut self) {
        let Some(mut entry) = self.open_by_number.first_entry() else {
            return;
        };
        let slot = entry.get_mut().pop();
        if entry.get().is_empty() {
            entry.remove();
        }
        if let Some(slot) = slot {
            self.stats.evicted_windows += 1;
            self.close_slot(slot);
        }
    }

    fn view(&mut self, pid: u32, dir: Direction, rec: &Record, number: i64) {
        let slot = self.slot_for(pid, number);
        let profile_ip = self.profile_data[pid as usize].ip;
        self.learn_facts(pid, dir, rec);
        let mut max_tuples = self.cfg.max_tuples_per_window;
        if self.tuples_held >= self.cfg.max_tuples {
            let share = self.cfg.max_tuples / self.windows.len().max(1);
            max_tuples = max_tuples.min(share.max(MIN_TUPLE_SHARE));
        }
        let caps = (self.cfg.max_letters, max_tuples);
        let w = self.slots[slot as usize].as_mut().expect("open slot");
        let window = w.tw;
        let letters = update_window(
            w,
            dir,
            rec,
            caps,
            &mut self.scratch,
            (&mut self.stats.shed_tuples, &mut self.tuples_held),
        );
        let ctx = DetectorCtx {
            profile: profile_ip,
            direction: dir,
            window,
            letters,
            conns: self.recent.as_ref().map(|r| r as &dyn RecentConns),
        };
        let kind = rec.kind() as usize;
        for &d in &self.routes[kind] {
            self.detectors[d].on_record(slot, &ctx, rec, &mut self.emitter);
            if !self.emitter.is_empty() {
                let name = Str::const_new(self.detectors[d].name());
                self.drafts
                    .extend(self.emitter.drain().map(|x| (name.clone(), x)));
            }
        }
        self.stats.shed_detector_state += self.emitter.take_shed();
        if !self.drafts.is_empty() {
            let ctx = DetectorCtx::new(profile_ip, dir, window);
            self.take_evidence(&ctx);
        }
    }

    fn learn_facts(&mut self, pid: u32, dir: Direction, rec: &Record) {
        let p = &mut self.profile_data[pid as usize];
        match (rec, dir) {
            (Record::Conn(c), Direction::Out) => {
                p.flows += 1;
                if let Some(m) = c.smac {
                    push_fact(&mut p.macs, m);
                }
            }
            (Record::Conn(c), Direction::In) => {
                if let Some(m) = c.dmac {
                    push_fact(&mut p.macs, m);
                }
            }
            (Record::Dhcp(d), Direction::Out) => {
                if let Some(m) = d.mac {
                    push_fact(&mut p.macs, m);
                }
                if let Some(h) = &d.host_name {
                    push_fact(&mut p.host_names, h.clone());
                }
            }
            (Record::Http(h), Direction::Out) => {
                if let Some(ua) = &h.user_agent {
                    push_fact(&mut p.user_agents, ua.clone());
                }
            }
            (Record::Software(s), Direction::Out) => {
                let text = s
                    .unparsed_version
                    .clone()
                    .or_else(|| s.name.clone())
                    .unwrap_or_default();
                if !text.is_empty() {
                    push_fact(&mut p.software, text);
                }
            }
            (Record::Arp(a), Direction::Out) => {
                if let Some(m) = a.src_hw.filter(|m| !m.is_zero() && !m.is_broadcast()) {
                    push_fact(&mut p.macs, m);
                }
            }
            _ => {}
        }
    }

    /// Turns the detector's drafts into evidence: routing, dedup, accumulation, alerts.
    fn take_evidence(&mut self, ctx: &DetectorCtx) {
        let drafts = std::mem::take(&mut self.drafts);
        let mut found: Vec<(u32, u32, Evidence)> = Vec::with_capacity(drafts.len());
        for (name, d) in drafts {
            if self.disabled.contains(&d.evidence_type) {
                self.stats.disabled_evidence += 1;
                continue;
            }
            if self.filter.as_ref().is_some_and(|f| f.skip_evidence(&d)) {
                self.stats.filtered_evidence += 1;
                continue;
            }
            // Evidence lives in the attacker's profile (Slips does the same).
            let target = d.attacker.as_ip().unwrap_or(ctx.profile);
            let Some(pid) = self.profile_id(target, d.ts) else {
                continue;
            };
            let slot = self.slot_for(pid, ctx.window.number);
            let mut key = Fnv::new();
            d.evidence_type.as_str().hash(&mut key);
            d.attacker.hash(&mut key);
            d.victim.hash(&mut key);
            // The description carries the counts (e.g. "to 100 unique destination IPs"), so
            // a growing finding is new evidence while a repeated one is not.
            d.uids.hash(&mut key);
            d.description.hash(&mut key);
            if d.uids.is_empty() {
                // Without flow ids, the time tells repeated findings apart (Zeek repeats a
                // notice text when its counter restarts).
                d.ts.hash(&mut key);
            }
            let key = key.finish();
            let w = self.slots[slot as usize].as_mut().expect("open slot");
            if !w.seen.insert(key) {
                self.stats.duplicate_evidence += 1;
                continue;
            }
            let listed = w.listed.entry(d.evidence_type).or_default();
            if *listed as usize >= self.cfg.max_evidence_per_type {
                // Beyond the cap: counted, and the last one kept for the summary.
                self.stats.capped_evidence += 1;
                match w
                    .held
                    .iter_mut()
                    .find(|h| h.1.evidence_type == d.evidence_type)
                {
                    Some(h) => *h = (h.0 + 1, d, name),
                    None => w.held.push((1, d, name)),
                }
                continue;
            }
            *listed += 1;
            let ev = self.make_evidence(slot, target, key, d, name);
            found.push((slot, pid, ev));
        }
        link_pairs(&mut found);
        for (slot, pid, ev) in found {
            self.report(slot, pid, ev);
        }
    }

    /// The evidence of a draft in the window of `slot` (its id from the dedup `key`).
    fn make_evidence(
        &mut self,
        slot: u32,
        target: IpAddr,
        key: u64,
        d: EvidenceDraft,
        name: Str,
    ) -> Evidence {
        let w = self.slots[slot as usize].as_ref().expect("open slot");
        self.evidence_seq += 1;
        let seq = self.evidence_seq;
        let id = uuid_of(|h| {
            key.hash(h);
            seq.hash(h);
        });
        Evidence {
            id,
            evidence_type: d.evidence_type,
            description: d.description,
            profile: target,
            timewindow: w.tw,
            attacker: d.attacker,
            victim: d.victim,
            threat_level: d.threat_level,
            confidence: round4(d.confidence.clamp(0.0, 1.0)),
            ts: d.ts,
            proto: d.proto,
            src_port: d.src_port,
            dst_port: d.dst_port,
            uids: d.uids,
            flow_count: d.flow_count,
            method: d.method,
            detector: name,
            accumulated_threat_level: w.score.score(),
            related: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A closing window's evidence beyond the cap: one per type, the last one found, saying
    /// how many were not listed.
    fn report_held(&mut self, slot: u32) {
        let Some(w) = self.slots[slot as usize].as_mut() else {
            return;
        };
        let held = std::mem::take(&mut w.held);
        let pid = w.profile;
        let target = self.profile_data[pid as usize].ip;
        for (n, mut d, name) in held {
            d.description = format!(
                "{n} more {} evidence in this time window, not listed one by one (at most {} of \
                 a type per profile and window); the last: {}",
                d.evidence_type.as_str(),
                self.cfg.max_evidence_per_type,
                d.description
            );
            let mut key = Fnv::new();
            d.evidence_type.as_str().hash(&mut key);
            n.hash(&mut key);
            d.description.hash(&mut key);
            let ev = self.make_evidence(slot, target, key.finish(), d, name);
            self.report(slot, pid, ev);
        }
    }

    /// Scores one new evidence in its window, emits it, and the alert it may cause.
    fn report(&mut self, slot: u32, pid: u32, mut ev: Evidence) {
        let target = ev.profile;
        let w = self.slots[slot as usize].as_mut().expect("open slot");
        let counts = ev.counts_toward_alert();
        if counts {
            w.score.add(
                finding_key(&ev),
                ev.evidence_type,
                ev.threat_level,
                ev.weight(),
            );
            w.pending.push(ev.clone());
        }
        ev.accumulated_threat_level = round4(w.score.score());
        if let Some(f) = w.features.as_deref_mut() {
            f.evidence.push(ev.clone());
        }
        let p = &mut self.profile_data[pid as usize];
        p.evidence += 1;
        p.max_threat_level = p.max_threat_level.max(Some(ev.threat_level));
        self.stats.evidence += 1;
        self.events.push(Event::Evidence(ev));
        if counts && w.score.take_alert(self.cfg.threshold) {
            let evidence = std::mem::take(&mut w.pending);
            let acc = round4(w.score.score());
            w.alerted = true;
            let tw = w.tw;
            self.stats.alerts += 1;
            let alerts = self.stats.alerts;
            let alert = Alert {
                id: uuid_of(|h| {
                    target.hash(h);
                    tw.number.hash(h);
                    alerts.hash(h);
                }),
                profile: target,
                timewindow: tw,
                accumulated_threat_level: acc,
                threat_level: ThreatLevel::Critical,
                confidence: alert_confidence(acc, self.cfg.threshold),
                evidence_ids: evidence.iter().map(|e| e.id.clone()).collect(),
                last_ts: evidence.iter().map(|e| e.ts).max().unwrap_or(tw.start),
                blocked: None,
            };
            self.events.push(Event::Alert { alert, evidence });
        }
    }

    fn close_number(&mut self, n: i64) {
        // Close hooks may route evidence to windows of the same number that were not open
        // yet; those are closed in the next round.
        while let Some(slots) = self.open_by_number.remove(&n) {
            for slot in slots {
                self.close_slot(slot);
            }
        }
    }

    fn close_slot(&mut self, slot: u32) {
        let Some(w) = self.slots[slot as usize].as_ref() else {
            return;
        };
        let ctx = DetectorCtx::new(
            self.profile_data[w.profile as usize].ip,
            Direction::Out,
            w.tw,
        );
        for d in 0..self.detectors.len() {
            self.detectors[d].close(slot, &ctx, &mut self.emitter);
            let name = Str::const_new(self.detectors[d].name());
            self.drafts
                .extend(self.emitter.drain().map(|x| (name.clone(), x)));
        }
        self.stats.shed_detector_state += self.emitter.take_shed();
        if !self.drafts.is_empty() {
            self.take_evidence(&ctx);
        }
        self.report_held(slot);
        let Some(w) = self.slots[slot as usize].take() else {
            return;
        };
        self.tuples_held = self
            .tuples_held
            .saturating_sub(w.out_tuples.len() + w.in_tuples.len());
        self.windows.remove(&(w.profile, w.tw.number));
        self.free_slots.push(slot);
        self.stats.closed_windows += 1;
        let p = &mut self.profile_data[w.profile as usize];
        if p.windows.len() < 100_000 {
            p.windows.push(w.tw.number);
            if w.alerted {
                p.alerted_windows.push(w.tw.number);
            }
        }
        if self.cfg.summaries {
            let ip = p.ip;
            self.events
                .push(Event::WindowClosed(Box::new(w.summary(ip))));
        }
    }
}

/// What an evidence is about, for the window score: a finding reported again (with a larger
/// count, or a higher confidence) is the same finding.
fn finding_key(ev: &Evidence) -> u64 {
    let mut h = Fnv::new();
    ev.evidence_type.as_str().hash(&mut h);
    ev.attacker.hash(&mut h);
    ev.victim.hash(&mut h);
    ev.proto.hash(&mut h);
    ev.dst_port.hash(&mut h);
    h.finish()
}

/// Window bookkeeping of a record: flow counts, tuple letters and, with summaries, the
/// features of the window files. Returns the letters of a connection's tuple. A full map
/// sheds its entries with the fewest flows before taking a new key (`shed` counts them).
fn update_window<'w>(
    w: &'w mut Window,
    dir: Direction,
    rec: &Record,
    (max_letters, max_tuples): (usize, usize),
    scratch: &mut String,
    (shed, held): (&mut u64, &mut usize),
) -> Option<&'w str> {
    use slips_core::bounded::shed as make_room;
    let Record::Conn(c) = rec else { return None };
    if dir == Direction::Out {
        w.flows += 1;
    }
    let (saddr, daddr) = (c.saddr?, c.daddr?);
    let proto = c.proto();
    if let Some(f) = w.features.as_deref_mut() {
        let est = c.is_established();
        let (ips, ports, ip) = match dir {
            Direction::Out => (&mut f.dst_ips, &mut f.client_ports, daddr),
            Direction::In => (&mut f.src_ips, &mut f.server_ports, saddr),
        };
        if ips.len() >= max_tuples && !ips.contains_key(&ip) {
            *shed += make_room(ips, max_tuples, |n| *n, |_| false);
        }
        *ips.entry(ip).or_default() += 1;
        let key = (proto, est, c.dport);
        if ports.len() >= max_tuples && !ports.contains_key(&key) {
            *shed += make_room(ports, max_tuples, |c| c.flows, |_| false);
        }
        ports.entry(key).or_default().add(c.pkts(), c.bytes());
    }
    let (peer, tuples) = match dir {
        Direction::Out => (daddr, &mut w.out_tuples),
        Direction::In => (saddr, &mut w.in_tuples),
    };
    let key = (peer, c.dport, proto);
    if !tuples.contains_key(&key) {
        if tuples.len() >= max_tuples {
            // At the global budget `max_tuples` is this window's share, maybe below its size.
            let gone = make_room(tuples, tuples.len(), |t| t.flows, |_| false);
            *shed += gone;
            *held = held.saturating_sub(gone as usize);
        }
        *held += 1;
    }
    let t: &mut Tuple = tuples.entry(key).or_default();
    t.flows += 1;
    if t.letters.len() < max_letters {
        scratch.clear();
        t.state.push(c.ts.secs(), c.duration, c.bytes(), scratch);
        t.letters.push_str(scratch);
    }
    Some(t.letters.as_str())
}

#[cfg(test)]
mod tests;

//! What the interface shows: a bounded copy of the analysis, built from the engine's events
//! as a [`Sink`] sees them, so the UI thread can read it while the analysis runs.
//!
//! Everything is capped ([`Limits`]) and what a cap kept out is counted, so a long live
//! capture cannot grow the UI without bound. Profiles live in a dense vector (the UI keeps
//! index vectors into it for sorting and filtering instead of copying profiles), and two
//! generation counters tell the UI when its indices or caches are stale.

use slips_core::summary::{ProfileSummary, TupleRow, WindowSummary};
use slips_core::{
    Alert, Evidence, EvidenceType, Flow, Mac, Record, Str, ThreatLevel, TimeWindow, Timestamp,
    WindowClock,
};
use slips_output::{Now, Sink};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// Caps of the model. Beyond each, items are counted in [`Dropped`] and not kept.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_profiles: usize,
    pub max_windows_per_profile: usize,
    pub max_evidence_per_window: usize,
    pub max_alerts_per_window: usize,
    /// Evidence kept with each alert.
    pub max_evidence_per_alert: usize,
    /// Records (flows and application records) kept per profile-window, for the flows tab
    /// and the timeline.
    pub max_flows_per_window: usize,
    /// Records kept over the whole model.
    pub max_flows_total: usize,
    /// Tuples kept per direction and window.
    pub max_tuples_per_window: usize,
    /// Destination IPs and ports kept per window for the bar charts (the largest).
    pub max_top_per_window: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_profiles: 1_000_000,
            max_windows_per_profile: 10_000,
            max_evidence_per_window: 2_000,
            max_alerts_per_window: 100,
            max_evidence_per_alert: 200,
            max_flows_per_window: 500,
            max_flows_total: 200_000,
            max_tuples_per_window: 2_000,
            max_top_per_window: 10,
        }
    }
}

/// What the caps kept out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    pub profiles: u64,
    pub windows: u64,
    pub evidence: u64,
    pub alerts: u64,
    pub alert_evidence: u64,
    /// Records not kept because their window had [`Limits::max_flows_per_window`].
    pub flows_window_cap: u64,
    /// Records not kept because the model had [`Limits::max_flows_total`].
    pub flows_total_cap: u64,
    pub tuples: u64,
}

/// Counters of the run, from the events.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counters {
    /// Every record the engine analysed (profiled or not).
    pub records: u64,
    /// Records owned by a profile.
    pub profiled_records: u64,
    pub evidence: u64,
    pub alerts: u64,
    pub alerted_profiles: u64,
    /// Records kept for the flows tab.
    pub flows_kept: u64,
    /// The latest event time.
    pub event_time: Timestamp,
}

/// The traffic of a window as the engine summarised it (when the window closed, or on a
/// live refresh).
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub out_tuples: Vec<TupleRow>,
    pub in_tuples: Vec<TupleRow>,
    /// The largest destination IPs by flows.
    pub top_dst_ips: Vec<(IpAddr, u64)>,
    /// The largest destination ports (as a client) by flows, summed over protocols.
    pub top_dst_ports: Vec<(u16, u64)>,
    /// Whether the summary came from a closed window (else a live refresh).
    pub closed: bool,
}

/// An alert and the evidence that caused it.
#[derive(Clone, Debug)]
pub struct AlertView {
    pub alert: Alert,
    pub evidence: Vec<Evidence>,
    /// Evidence of the alert not kept (cap).
    pub evidence_dropped: u64,
}

/// One time window of a profile.
#[derive(Clone, Debug)]
pub struct WindowView {
    pub window: TimeWindow,
    /// Records of the profile in this window.
    pub flows: u64,
    pub evidence: Vec<Evidence>,
    pub evidence_total: u64,
    pub alerts: Vec<AlertView>,
    /// The score after the latest evidence (accumulated threat level).
    pub score: f64,
    pub alerted: bool,
    pub records: Vec<Record>,
    /// Records of the window not kept (either cap).
    pub records_dropped: u64,
    pub traffic: Option<Traffic>,
    /// Bumped on every change of the window, so caches (the timeline) can tell.
    pub version: u64,
}

impl WindowView {
    fn new(window: TimeWindow) -> Self {
        WindowView {
            window,
            flows: 0,
            evidence: Vec::new(),
            evidence_total: 0,
            alerts: Vec::new(),
            score: 0.0,
            alerted: false,
            records: Vec::new(),
            records_dropped: 0,
            traffic: None,
            version: 0,
        }
    }

    /// The description of the behavioural-model evidence of a tuple, if a model matched it.
    pub fn model_match(&self, daddr: IpAddr, dport: u16) -> Option<&str> {
        self.evidence
            .iter()
            .rev()
            .find(|e| {
                e.evidence_type == EvidenceType::BEHAVIOURAL_MODEL_MATCH
                    && e.dst_port == Some(dport)
                    && e.victim.as_ref().and_then(|v| v.as_ip()) == Some(daddr)
            })
            .map(|e| e.description.as_str())
    }
}

/// Facts about a profiled IP.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub macs: Vec<Mac>,
    /// The vendor of each MAC (same order), when a vendor database is loaded.
    pub vendors: Vec<Option<String>>,
    pub host_names: Vec<Str>,
    pub user_agents: Vec<Str>,
    pub software: Vec<Str>,
    /// Enrichment (AS, country, organisation, ...) of the profile's IP: from the final
    /// profile summaries, or meanwhile from the notes of its evidence.
    pub enrichment: Option<String>,
    /// Threat-intelligence evidence types seen for the profile.
    pub threat_intel: Vec<EvidenceType>,
    /// `None` when blocking is off; else whether the latest alert's attacker was blocked.
    pub blocked: Option<bool>,
}

/// One profiled IP.
#[derive(Clone, Debug)]
pub struct ProfileView {
    pub ip: IpAddr,
    /// The IP as text, lower case, for the filter (made once).
    pub ip_text: String,
    pub alerted: bool,
    /// The highest accumulated threat level of its windows.
    pub score: f64,
    pub max_level: Option<ThreatLevel>,
    pub flows: u64,
    pub evidence: u64,
    pub alerts: u64,
    /// Windows by number.
    pub windows: BTreeMap<i64, WindowView>,
    pub facts: Facts,
}

impl ProfileView {
    fn new(ip: IpAddr) -> Self {
        ProfileView {
            ip,
            ip_text: ip.to_string(),
            alerted: false,
            score: 0.0,
            max_level: None,
            flows: 0,
            evidence: 0,
            alerts: 0,
            windows: BTreeMap::new(),
            facts: Facts::default(),
        }
    }
}

/// The model. See the module documentation.
#[derive(Debug)]
pub struct TuiModel {
    limits: Limits,
    width: f64,
    clock: Option<WindowClock>,
    profiles: Vec<ProfileView>,
    /// The sink looks every record's profile up here, on the analysis thread.
    by_ip: HashMap<IpAddr, u32, foldhash::fast::RandomState>,
    pub counters: Counters,
    pub dropped: Dropped,
    /// Bumped when a profile is added or a profile's sort or filter keys change.
    profiles_generation: u64,
    /// Bumped on every change.
    generation: u64,
    finished: bool,
}

impl TuiModel {
    /// A model for windows `width` seconds wide (the engine's width: records are placed in
    /// windows with the same arithmetic, anchored at the first record).
    pub fn new(width: f64, limits: Limits) -> Self {
        TuiModel {
            limits,
            width: if width.is_finite() && width > 0.0 {
                width
            } else {
                3600.0
            },
            clock: None,
            profiles: Vec::new(),
            by_ip: HashMap::default(),
            counters: Counters::default(),
            dropped: Dropped::default(),
            profiles_generation: 0,
            generation: 0,
            finished: false,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn profiles(&self) -> &[ProfileView] {
        &self.profiles
    }

    pub fn profile(&self, i: usize) -> Option<&ProfileView> {
        self.profiles.get(i)
    }

    pub fn index_of(&self, ip: IpAddr) -> Option<usize> {
        self.by_ip.get(&ip).map(|&i| i as usize)
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn profiles_generation(&self) -> u64 {
        self.profiles_generation
    }

    /// Whether the analysis ended (every window closed, final facts in).
    pub fn finished(&self) -> bool {
        self.finished
    }

    fn touch(&mut self) {
        self.generation += 1;
    }

    fn profile_index(&mut self, ip: IpAddr) -> Option<usize> {
        let i = match self.by_ip.get(&ip) {
            Some(&i) => i as usize,
            None => {
                if self.profiles.len() >= self.limits.max_profiles {
                    self.dropped.profiles += 1;
                    return None;
                }
                let i = self.profiles.len();
                self.profiles.push(ProfileView::new(ip));
                self.by_ip.insert(ip, i as u32);
                self.profiles_generation += 1;
                i
            }
        };
        Some(i)
    }

    fn window_mut<'a>(
        limits: &Limits,
        dropped: &mut Dropped,
        p: &'a mut ProfileView,
        tw: TimeWindow,
    ) -> Option<&'a mut WindowView> {
        if !p.windows.contains_key(&tw.number) && p.windows.len() >= limits.max_windows_per_profile
        {
            dropped.windows += 1;
            return None;
        }
        let w = p
            .windows
            .entry(tw.number)
            .or_insert_with(|| WindowView::new(tw));
        w.version += 1;
        Some(w)
    }

    /// A record the engine analysed, with its owning profile.
    pub fn add_record(&mut self, flow: &Flow, profile: Option<IpAddr>) {
        let ts = flow.record.ts();
        let width = self.width;
        let clock = *self
            .clock
            .get_or_insert_with(|| WindowClock::new(ts, width));
        self.counters.records += 1;
        self.counters.event_time = self.counters.event_time.max(ts);
        self.touch();
        let Some(ip) = profile else { return };
        self.counters.profiled_records += 1;
        let limits = self.limits;
        let total_full = self.counters.flows_kept as usize >= limits.max_flows_total;
        let mut kept = false;
        let Some(i) = self.profile_index(ip) else {
            return;
        };
        let p = &mut self.profiles[i];
        let dropped = &mut self.dropped;
        p.flows += 1;
        if p.facts.first_seen.is_none_or(|f| ts < f) {
            p.facts.first_seen = Some(ts);
        }
        if p.facts.last_seen.is_none_or(|l| ts > l) {
            p.facts.last_seen = Some(ts);
        }
        if let Some(w) = Self::window_mut(&limits, dropped, p, clock.window_of(ts)) {
            w.flows += 1;
            if w.records.len() >= limits.max_flows_per_window {
                w.records_dropped += 1;
                dropped.flows_window_cap += 1;
            } else if total_full {
                w.records_dropped += 1;
                dropped.flows_total_cap += 1;
            } else {
                w.records.push(flow.record.clone());
                kept = true;
            }
        }
        if kept {
            self.counters.flows_kept += 1;
        }
    }

    /// One piece of evidence, stored in its profile and window.
    pub fn add_evidence(&mut self, e: &Evidence) {
        self.counters.evidence += 1;
        self.touch();
        let limits = self.limits;
        if let Some(i) = self.profile_index(e.profile) {
            let p = &mut self.profiles[i];
            let dropped = &mut self.dropped;
            p.evidence += 1;
            if p.max_level.is_none_or(|l| e.threat_level > l) {
                p.max_level = Some(e.threat_level);
            }
            if e.accumulated_threat_level > p.score {
                p.score = e.accumulated_threat_level;
            }
            if e.evidence_type.as_str().starts_with("THREAT_INTELLIGENCE")
                && !p.facts.threat_intel.contains(&e.evidence_type)
            {
                p.facts.threat_intel.push(e.evidence_type);
            }
            if p.facts.enrichment.is_none() {
                if let Some(n) = e.notes.iter().find(|n| n.ip == e.profile) {
                    p.facts.enrichment = Some(n.text.clone());
                }
            }
            if let Some(w) = Self::window_mut(&limits, dropped, p, e.timewindow) {
                w.evidence_total += 1;
                w.score = w.score.max(e.accumulated_threat_level);
                if w.evidence.len() < limits.max_evidence_per_window {
                    w.evidence.push(e.clone());
                } else {
                    dropped.evidence += 1;
                }
            }
            self.profiles_generation += 1;
        }
    }

    /// An alert and its evidence.
    pub fn add_alert(&mut self, a: &Alert, evidence: &[Evidence]) {
        self.counters.alerts += 1;
        self.touch();
        let limits = self.limits;
        let mut newly_alerted = false;
        if let Some(i) = self.profile_index(a.profile) {
            let p = &mut self.profiles[i];
            let dropped = &mut self.dropped;
            newly_alerted = !p.alerted;
            p.alerted = true;
            p.alerts += 1;
            p.score = p.score.max(a.accumulated_threat_level);
            if a.blocked.is_some() {
                p.facts.blocked = a.blocked;
            }
            if let Some(w) = Self::window_mut(&limits, dropped, p, a.timewindow) {
                w.alerted = true;
                w.score = w.score.max(a.accumulated_threat_level);
                if w.alerts.len() < limits.max_alerts_per_window {
                    let keep = evidence.len().min(limits.max_evidence_per_alert);
                    dropped.alert_evidence += (evidence.len() - keep) as u64;
                    w.alerts.push(AlertView {
                        alert: a.clone(),
                        evidence: evidence[..keep].to_vec(),
                        evidence_dropped: (evidence.len() - keep) as u64,
                    });
                } else {
                    dropped.alerts += 1;
                }
            }
            self.profiles_generation += 1;
        }
        if newly_alerted {
            self.counters.alerted_profiles += 1;
        }
    }

    /// A window's summary: its tuples and top destinations.
    pub fn set_traffic(&mut self, s: &WindowSummary, closed: bool) {
        self.touch();
        let limits = self.limits;
        if let Some(i) = self.profile_index(s.profile) {
            let p = &mut self.profiles[i];
            let dropped = &mut self.dropped;
            if let Some(w) = Self::window_mut(&limits, dropped, p, s.window) {
                let mut tuples = |rows: &[TupleRow]| {
                    let keep = rows.len().min(limits.max_tuples_per_window);
                    dropped.tuples += (rows.len() - keep) as u64;
                    rows[..keep].to_vec()
                };
                let out_tuples = tuples(&s.out_tuples);
                let in_tuples = tuples(&s.in_tuples);
                let mut ips = s.dst_ips.clone();
                ips.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                ips.truncate(limits.max_top_per_window);
                let mut ports: BTreeMap<u16, u64> = BTreeMap::new();
                for r in &s.client_ports {
                    *ports.entry(r.port).or_default() += r.counters.flows;
                }
                let mut ports: Vec<(u16, u64)> = ports.into_iter().collect();
                ports.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                ports.truncate(limits.max_top_per_window);
                w.traffic = Some(Traffic {
                    out_tuples,
                    in_tuples,
                    top_dst_ips: ips,
                    top_dst_ports: ports,
                    closed,
                });
            }
        }
    }

    /// The final facts of every profile; `vendor` names the maker of a MAC.
    pub fn finish(&mut self, profiles: &[ProfileSummary], vendor: Option<&VendorLookup>) {
        self.touch();
        for s in profiles {
            let Some(ip) = s.ip else { continue };
            let Some(i) = self.profile_index(ip) else {
                continue;
            };
            let f = &mut self.profiles[i].facts;
            f.first_seen = Some(s.first_seen);
            f.last_seen = Some(s.last_seen);
            f.macs = s.macs.clone();
            f.vendors = match vendor {
                Some(v) => s.macs.iter().map(|&m| v(m)).collect(),
                None => Vec::new(),
            };
            f.host_names = s.host_names.clone();
            f.user_agents = s.user_agents.clone();
            f.software = s.software.clone();
            if s.enrichment.is_some() {
                f.enrichment = s.enrichment.clone();
            }
        }
        self.profiles_generation += 1;
        self.finished = true;
    }
}

/// The model shared between the analysis (writer) and the UI thread (reader).
#[derive(Clone, Debug)]
pub struct SharedModel(Arc<Mutex<TuiModel>>);

impl SharedModel {
    pub fn new(model: TuiModel) -> Self {
        SharedModel(Arc::new(Mutex::new(model)))
    }

    /// The model, locked. A panic of the other thread while it held the lock does not
    /// make the data unreadable: the model is only ever appended to.
    pub fn lock(&self) -> MutexGuard<'_, TuiModel> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A sink that feeds this model.
    pub fn sink(&self) -> TuiSink {
        TuiSink {
            model: self.clone(),
            vendor: None,
        }
    }
}

/// The maker of a MAC address (the binary asks its vendor database).
pub type VendorLookup = Box<dyn Fn(Mac) -> Option<String> + Send>;

/// The model as a [`Sink`]: every engine event goes into the shared model.
pub struct TuiSink {
    model: SharedModel,
    vendor: Option<VendorLookup>,
}

impl TuiSink {
    /// Names the vendors of the profiles' MACs in the final facts.
    pub fn with_vendors(mut self, lookup: VendorLookup) -> Self {
        self.vendor = Some(lookup);
        self
    }
}

impl Sink for TuiSink {
    fn name(&self) -> &'static str {
        "tui"
    }
    fn record(&mut self, flow: &Flow, profile: Option<IpAddr>) -> slips_output::Result<()> {
        self.model.lock().add_record(flow, profile);
        Ok(())
    }
    fn evidence(&mut self, e: &Evidence, _now: &Now<'_>) -> slips_output::Result<()> {
        self.model.lock().add_evidence(e);
        Ok(())
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _now: &Now<'_>) -> slips_output::Result<()> {
        self.model.lock().add_alert(a, ev);
        Ok(())
    }
    fn window_closed(&mut self, w: &WindowSummary) -> slips_output::Result<()> {
        self.model.lock().set_traffic(w, true);
        Ok(())
    }
    fn wants_open_windows(&self) -> bool {
        true
    }
    fn refresh(&mut self, open: &[WindowSummary], _now: &Now<'_>) -> slips_output::Result<()> {
        let mut m = self.model.lock();
        for w in open {
            m.set_traffic(w, false);
        }
        Ok(())
    }
    fn finish(&mut self, profiles: &[ProfileSummary]) -> slips_output::Result<()> {
        self.model.lock().finish(profiles, self.vendor.as_ref());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slips_core::Conn;

    fn flow(t: f64, src: &str) -> Flow {
        Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(t),
            saddr: src.parse().ok(),
            daddr: "1.1.1.1".parse().ok(),
            dport: 53,
            ..Default::default()
        }))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn records_go_to_windows_anchored_at_the_first_record() {
        let mut m = TuiModel::new(100.0, Limits::default());
        m.add_record(&flow(1000.0, "10.0.0.1"), Some(ip("10.0.0.1")));
        m.add_record(&flow(1099.9, "10.0.0.1"), Some(ip("10.0.0.1")));
        m.add_record(&flow(1100.0, "10.0.0.1"), Some(ip("10.0.0.1")));
        m.add_record(&flow(1350.0, "10.0.0.2"), None);
        let p = &m.profiles()[0];
        let counts: Vec<(i64, u64)> = p
            .windows
            .values()
            .map(|w| (w.window.number, w.flows))
            .collect();
        assert_eq!(counts, [(1, 2), (2, 1)]);
        assert_eq!(p.windows[&2].window.start.secs(), 1100.0);
        // Unprofiled records are counted, not shown.
        assert_eq!(m.counters.records, 4);
        assert_eq!(m.counters.profiled_records, 3);
        assert_eq!(m.profiles().len(), 1);
    }

    #[test]
    fn caps_keep_memory_bounded_and_count_what_they_drop() {
        let limits = Limits {
            max_profiles: 2,
            max_flows_per_window: 3,
            max_flows_total: 5,
            max_windows_per_profile: 1,
            ..Limits::default()
        };
        let mut m = TuiModel::new(100.0, limits);
        for i in 0..4 {
            m.add_record(
                &flow(1000.0 + f64::from(i), "10.0.0.1"),
                Some(ip("10.0.0.1")),
            );
        }
        assert_eq!(m.profiles()[0].windows[&1].records.len(), 3);
        assert_eq!(m.profiles()[0].windows[&1].records_dropped, 1);
        assert_eq!(m.dropped.flows_window_cap, 1);
        for i in 0..3 {
            m.add_record(
                &flow(1010.0 + f64::from(i), "10.0.0.2"),
                Some(ip("10.0.0.2")),
            );
        }
        // 3 + 2 kept: the model's total cap.
        assert_eq!(m.counters.flows_kept, 5);
        assert_eq!(m.dropped.flows_total_cap, 1);
        // A third profile and a second window of a profile are over their caps.
        m.add_record(&flow(1020.0, "10.0.0.3"), Some(ip("10.0.0.3")));
        m.add_record(&flow(1200.0, "10.0.0.1"), Some(ip("10.0.0.1")));
        assert_eq!(m.profiles().len(), 2);
        assert_eq!(m.dropped.profiles, 1);
        assert_eq!(m.dropped.windows, 1);
        // Every record is still counted.
        assert_eq!(m.counters.records, 9);
        assert_eq!(m.profiles()[0].flows, 5);
    }

    #[test]
    fn generations_change_with_what_they_cover() {
        let mut m = TuiModel::new(100.0, Limits::default());
        m.add_record(&flow(1000.0, "10.0.0.1"), Some(ip("10.0.0.1")));
        let (g, pg) = (m.generation(), m.profiles_generation());
        // Another record of a known profile: the list order keys did not change.
        m.add_record(&flow(1001.0, "10.0.0.1"), Some(ip("10.0.0.1")));
        assert!(m.generation() > g);
        assert_eq!(m.profiles_generation(), pg);
        m.add_record(&flow(1002.0, "10.0.0.9"), Some(ip("10.0.0.9")));
        assert!(m.profiles_generation() > pg);
    }
}

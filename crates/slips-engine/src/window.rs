//! Per profile-window data kept by the engine.

use foldhash::HashSet;
use slips_core::letters::LetterState;
use slips_core::summary::{Counters, PortRow, TupleRow, WindowSummary};
use slips_core::{Evidence, EvidenceDraft, EvidenceType, Proto, Str, TimeWindow};
use std::collections::HashMap;
use std::net::IpAddr;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A tuple's behaviour so far. The letters are a short string: most tuples keep theirs
/// (up to 24 bytes) inline, without an allocation.
#[derive(Default)]
pub(crate) struct Tuple {
    pub letters: compact_str::CompactString,
    pub state: LetterState,
    pub flows: u64,
}

/// What the window files list; tracked only when summaries are requested.
#[derive(Default)]
pub(crate) struct Features {
    pub dst_ips: Map<IpAddr, u64>,
    pub src_ips: Map<IpAddr, u64>,
    pub client_ports: Map<(Proto, bool, u16), Counters>,
    pub server_ports: Map<(Proto, bool, u16), Counters>,
    pub evidence: Vec<Evidence>,
}

pub(crate) struct Window {
    pub profile: u32,
    pub tw: TimeWindow,
    pub flows: u64,
    /// The window's score (see [`crate::score`]).
    pub score: crate::score::WindowScore,
    pub alerted: bool,
    /// Source evidence not yet part of an alert.
    pub pending: Vec<Evidence>,
    /// Dedup keys of the evidence already reported in this window.
    pub seen: HashSet<u64>,
    /// Evidence listed per type (capped at `max_evidence_per_type`).
    pub listed: Map<EvidenceType, u32>,
    /// Per type beyond the cap: how many, and the last draft (with its detector).
    pub held: Vec<(u64, EvidenceDraft, Str)>,
    pub out_tuples: Map<(IpAddr, u16, Proto), Tuple>,
    pub in_tuples: Map<(IpAddr, u16, Proto), Tuple>,
    pub features: Option<Box<Features>>,
}

impl Window {
    pub fn new(profile: u32, tw: TimeWindow, with_features: bool) -> Self {
        Window {
            profile,
            tw,
            flows: 0,
            score: Default::default(),
            alerted: false,
            pending: Vec::new(),
            seen: HashSet::default(),
            listed: Map::default(),
            held: Vec::new(),
            out_tuples: Map::default(),
            in_tuples: Map::default(),
            features: with_features.then(Default::default),
        }
    }

    pub fn summary(&self, profile: IpAddr) -> WindowSummary {
        fn sorted_ips(m: &Map<IpAddr, u64>) -> Vec<(IpAddr, u64)> {
            let mut v: Vec<_> = m.iter().map(|(k, v)| (*k, *v)).collect();
            v.sort_unstable();
            v
        }
        fn ports(m: &Map<(Proto, bool, u16), Counters>) -> Vec<PortRow> {
            let mut v: Vec<_> = m
                .iter()
                .map(|(&(proto, established, port), c)| PortRow {
                    proto,
                    established,
                    port,
                    counters: *c,
                })
                .collect();
            v.sort_unstable_by_key(|r| (r.proto, !r.established, r.port));
            v
        }
        fn tuples(m: &Map<(IpAddr, u16, Proto), Tuple>) -> Vec<TupleRow> {
            let mut v: Vec<_> = m
                .iter()
                .map(|(&(daddr, dport, proto), t)| TupleRow {
                    daddr,
                    dport,
                    proto,
                    letters: t.letters.to_string(),
                    flows: t.flows,
                })
                .collect();
            v.sort_unstable_by_key(|t| (t.daddr, t.dport, t.proto));
            v
        }
        let empty = Features::default();
        let f = self.features.as_deref().unwrap_or(&empty);
        WindowSummary {
            profile,
            window: self.tw,
            flows: self.flows,
            dst_ips: sorted_ips(&f.dst_ips),
            src_ips: sorted_ips(&f.src_ips),
            client_ports: ports(&f.client_ports),
            server_ports: ports(&f.server_ports),
            out_tuples: tuples(&self.out_tuples),
            in_tuples: tuples(&self.in_tuples),
            evidence: f.evidence.clone(),
            alerted: self.alerted,
        }
    }
}

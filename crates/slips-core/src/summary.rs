//! What the engine knows about a profile and its time windows, as plain data for sinks
//! (per-profile files, UIs). Built on demand, never on the per-flow hot path.

use crate::evidence::{Evidence, ThreatLevel};
use crate::net::{Mac, Proto};
use crate::time::{TimeWindow, Timestamp};
use crate::Str;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Flows, packets and bytes seen for one port class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub flows: u64,
    pub pkts: u64,
    pub bytes: u64,
}

impl Counters {
    pub fn add(&mut self, pkts: u64, bytes: u64) {
        self.flows += 1;
        self.pkts = self.pkts.saturating_add(pkts);
        self.bytes = self.bytes.saturating_add(bytes);
    }
}

/// One row of the port tables: as a client (profile was the source) or as a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRow {
    pub proto: Proto,
    pub established: bool,
    pub port: u16,
    pub counters: Counters,
}

/// A tuple (destination IP, port, protocol) and its behaviour letters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TupleRow {
    pub daddr: IpAddr,
    pub dport: u16,
    pub proto: Proto,
    pub letters: String,
    pub flows: u64,
}

/// Everything the window file lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowSummary {
    pub profile: IpAddr,
    pub window: TimeWindow,
    pub flows: u64,
    /// Destination IPs contacted, with their flow counts (sorted by IP).
    pub dst_ips: Vec<(IpAddr, u64)>,
    /// Source IPs that contacted the profile (only with `analysis_direction: all`).
    pub src_ips: Vec<(IpAddr, u64)>,
    /// Destination ports as a client, by protocol and state.
    pub client_ports: Vec<PortRow>,
    /// Destination ports as a server (only with `analysis_direction: all`).
    pub server_ports: Vec<PortRow>,
    pub out_tuples: Vec<TupleRow>,
    pub in_tuples: Vec<TupleRow>,
    pub evidence: Vec<Evidence>,
    /// Whether an alert (and so a blocking request) was raised in this window.
    pub alerted: bool,
}

/// Facts about a profiled IP.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct ProfileSummary {
    pub ip: Option<IpAddr>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub flows: u64,
    pub macs: Vec<Mac>,
    pub host_names: Vec<Str>,
    pub user_agents: Vec<Str>,
    pub software: Vec<Str>,
    pub windows: Vec<i64>,
    pub alerted_windows: Vec<i64>,
    pub evidence_count: u64,
    pub max_threat_level: Option<ThreatLevel>,
    /// Enrichment (AS, country, organisation, ...), filled outside the engine.
    pub enrichment: Option<String>,
}

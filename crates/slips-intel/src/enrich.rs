//! Enrichment, the stage between the engine and the sinks: what is known about the IPs of
//! evidence and profiles (threat intelligence, GeoIP, ASN, organisations, and the TLS
//! server names seen for them) is added as notes, so every sink shows the same facts.

use crate::IntelKnowledge;
use slips_core::summary::ProfileSummary;
use slips_core::{Evidence, IpNote, Record, Str};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Most server names remembered for enrichment.
pub const SNI_CAP: usize = 100_000;

/// The enrichment stage.
pub struct Enricher {
    knowledge: Arc<IntelKnowledge>,
    /// Server names seen in TLS for each server IP (bounded by [`SNI_CAP`]).
    sni: BTreeMap<IpAddr, Str>,
    /// Server names not remembered because of the cap.
    dropped: u64,
}

impl Enricher {
    pub fn new(knowledge: Arc<IntelKnowledge>) -> Self {
        Enricher {
            knowledge,
            sni: BTreeMap::new(),
            dropped: 0,
        }
    }

    /// Looks at a record before the engine: remembers the TLS server name of server IPs.
    pub fn observe(&mut self, r: &Record) {
        if let Record::Ssl(s) = r {
            if let (Some(id), Some(name)) = (s.id, &s.server_name) {
                if self.sni.len() < SNI_CAP || self.sni.contains_key(&id.daddr) {
                    self.sni.insert(id.daddr, name.clone());
                } else {
                    self.dropped += 1;
                }
            }
        }
    }

    /// What is known about `ip`, as one line.
    pub fn describe(&self, ip: IpAddr) -> Option<String> {
        self.knowledge
            .enrichment(ip, self.sni.get(&ip).map(|s| s.as_str()))
    }

    /// Adds a note for each IP of the evidence (attacker, victim) that has none yet.
    pub fn annotate(&self, e: &mut Evidence) {
        let ips = [
            e.attacker.as_ip(),
            e.victim.as_ref().and_then(|v| v.as_ip()),
        ];
        for ip in ips.into_iter().flatten() {
            if e.notes.iter().any(|n| n.ip == ip) {
                continue;
            }
            if let Some(text) = self.describe(ip) {
                e.notes.push(IpNote { ip, text });
            }
        }
    }

    /// Fills the `enrichment` line of each profile.
    pub fn profiles(&self, profiles: &mut [ProfileSummary]) {
        for p in profiles {
            p.enrichment = p.ip.and_then(|ip| self.describe(ip));
        }
    }

    /// Server names not remembered because [`SNI_CAP`] were.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

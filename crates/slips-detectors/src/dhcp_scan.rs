//! DHCP_SCAN: a DHCP client requesting many different IP addresses (dhcp.log
//! `requested_addr`) in one window. Evidence at 4, 8, 12, ... distinct addresses, HIGH
//! (Slips: MEDIUM 0.8), confidence 0.3 at 4 addresses to 1 at 10 ([`ramp`]),
//! `Performing a DHCP scan by requesting {n} different IP addresses. Confidence: {c}. by
//! Slips`.
//!
//! The client is identified by its MAC when dhcp.log has one, else by the profile: a client
//! without an address yet has no `client_addr`, and the engine then files the record under
//! the requested address, which changes with every request. The evidence's attacker is the
//! client address when known, else the profile of the client's first request in the window. Slips keeps at
//! most 50 addresses per profile-window; here at most [`MAX_ADDRS`] per client and window
//! and [`MAX_CLIENTS`] clients are tracked.

use crate::util::{fmt_confidence, ramp};
use foldhash::{HashMap, HashSet};
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Mac, Proto, Record,
    RecordKind, RecordKinds, Side, ThreatLevel,
};
use std::net::IpAddr;

pub const MAX_ADDRS: usize = 1024;
pub const MAX_CLIENTS: usize = 16_384;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    Mac(Mac),
    Ip(IpAddr),
}

/// Requested addresses per (window number, client). Spans profiles, hence kept in the
/// detector; entries of windows older than the one closing are dropped on window close.
#[derive(Default)]
pub struct DhcpScan {
    requested: HashMap<(i64, Client), Requests>,
}

/// Distinct addresses at which a DHCP scan is certain.
const DHCP_SCAN_FULL: f64 = 10.0;

struct Requests {
    /// The profile of the client's first request: the attacker of every report, so that a
    /// client without an address (filed under each requested address in turn) is one
    /// attacker whose findings add up.
    first_profile: IpAddr,
    addrs: HashSet<IpAddr>,
}

impl Detector for DhcpScan {
    const NAME: &'static str = "dhcp_scan";
    const DESCRIPTION: &'static str = "A DHCP client requesting many different IP addresses";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DHCP_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Dhcp]);
    type WindowState = ();

    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Dhcp(d) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        let Some(addr) = d.requested_addr else { return };
        let client = match d.mac.filter(|m| !m.is_zero() && !m.is_broadcast()) {
            Some(m) => Client::Mac(m),
            None => Client::Ip(ctx.profile),
        };
        let key = (ctx.window.number, client);
        if !self.requested.contains_key(&key) && self.requested.len() >= MAX_CLIENTS {
            return;
        }
        let req = self.requested.entry(key).or_insert_with(|| Requests {
            first_profile: ctx.profile,
            addrs: HashSet::default(),
        });
        if req.addrs.len() >= MAX_ADDRS || !req.addrs.insert(addr) {
            return;
        }
        let n = req.addrs.len();
        if !n.is_multiple_of(4) {
            return;
        }
        let attacker = d.client_addr.unwrap_or(req.first_profile);
        let conf = ramp(n as f64, 4.0, DHCP_SCAN_FULL);
        let mut e = EvidenceDraft::new(
            EvidenceType::DHCP_SCAN,
            attacker,
            Side::Src,
            ThreatLevel::High,
            conf,
            d.ts,
            format!(
                "Performing a DHCP scan by requesting {n} different IP addresses. Confidence: {}. by Slips",
                fmt_confidence(conf)
            ),
        )
        .proto(Proto::Udp)
        .ports(None, Some(67));
        if let Some(s) = d.server_addr {
            e = e.victim_ip(s, Side::Dst);
        }
        out.emit(e.uids(d.uids.iter().cloned()));
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, _: &mut (), _: &mut Emitter) {
        if !self.requested.is_empty() {
            let n = ctx.window.number;
            self.requested.retain(|(w, _), _| *w >= n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::run;
    use slips_core::{Dhcp, Flow, Timestamp};

    fn req(ts: f64, i: u32, client: Option<&str>) -> Flow {
        Flow::from(Record::Dhcp(Box::new(Dhcp {
            ts: Timestamp::from_secs(ts),
            uids: vec![format!("D{i}").into()],
            client_addr: client.map(|c| c.parse().unwrap()),
            server_addr: Some("192.168.1.1".parse().unwrap()),
            mac: Some("aa:bb:cc:dd:ee:ff".parse().unwrap()),
            requested_addr: Some(format!("192.168.1.{}", 100 + i).parse().unwrap()),
            ..Default::default()
        })))
    }

    #[test]
    fn every_four_addresses() {
        let flows: Vec<_> = (0..9)
            .map(|i| req(i as f64, i, Some("192.168.1.50")))
            .collect();
        assert!(run(DhcpScan::default(), &flows[..3]).is_empty());
        let ev = run(DhcpScan::default(), &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.attacker.value.to_string(),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect();
        let row = |n: usize, c: f64, cs: &str| {
            ("192.168.1.50".to_string(), ThreatLevel::High, c, format!("Performing a DHCP scan by requesting {n} different IP addresses. Confidence: {cs}. by Slips"))
        };
        assert_eq!(got, vec![row(4, 0.3, "0.3"), row(8, 0.8295, "0.83")]);
        assert_eq!(ev[0].uids, vec!["D3"]);
    }

    #[test]
    fn clients_without_address_are_followed_by_mac() {
        let flows: Vec<_> = (0..4).map(|i| req(i as f64, i, None)).collect();
        let ev = run(DhcpScan::default(), &flows);
        assert_eq!(ev.len(), 1);
        // Blamed on the profile of the client's first request, whatever it asks for later.
        assert_eq!(ev[0].attacker.value, "192.168.1.100");
        // The same address requested again does not count.
        let same: Vec<_> = (0..8).map(|i| req(i as f64, i % 3, None)).collect();
        assert!(run(DhcpScan::default(), &same).is_empty());
    }
}

//! NON_HTTP_PORT_80_CONNECTION and NON_SSL_PORT_443_CONNECTION: an established TCP
//! connection with payload to port 80 (443) that is not HTTP (SSL/TLS).
//!
//! A connection is not HTTP (SSL) when Zeek's `service` names another protocol, or when
//! `service` is unset although Zeek saw the connection from its start (the history has the
//! originator's SYN `S` and was not flipped) and the input does service detection at all
//! (some connection so far had a `service`). Without service detection (Argus, nfdump) or
//! for connections picked up midstream Zeek cannot tell, and nothing is reported: Slips
//! reports every such flow there (bug #9 of the reference; 162 false evidence on test5).
//!
//! As in Slips, the finding is dropped when an http.log (ssl.log) record between the same
//! two IPs lies within 5 minutes before or after the connection. The wait is in traffic
//! time: the question stays open until event time passes the connection + 5 min (or the
//! window closes).
//!
//! Port 80: LOW with the source as attacker and MEDIUM with the destination as attacker,
//! confidence 0.8, `non-HTTP established connection to port 80. destination IP: {daddr}`.
//! Port 443: MEDIUM for the source, 0.8, `non-SSL established connection to port 443.
//! destination IP: {daddr}`. Once per destination and port per window.
//!
//! Memory: last http/ssl record time per IP pair, at most 262,144 pairs (oldest forgotten
//! when full, then nothing more is reported); at most 65,536 open questions.

use crate::connections::{out_conn, MAX_KEYS_PER_WINDOW};
use crate::pending::Pending;
use foldhash::{HashMap, HashSet};
use slips_core::{
    Detector, DetectorCtx, Direction, Emitter, EvidenceDraft, EvidenceType, Proto, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::collections::VecDeque;
use std::net::IpAddr;

/// How far before or after a connection an http/ssl record between the same IPs counts.
pub const WINDOW_SECS: f64 = 300.0;
const MAX_PAIRS: usize = 262_144;
const MAX_OPEN: usize = 65_536;

/// `(lower IP, higher IP, is_ssl)`.
type PairKey = (IpAddr, IpAddr, bool);

fn pair(a: IpAddr, b: IpAddr, ssl: bool) -> PairKey {
    if a <= b {
        (a, b, ssl)
    } else {
        (b, a, ssl)
    }
}

struct Open {
    id: u64,
    deadline: Timestamp,
    ts: Timestamp,
    uid: Str,
    saddr: IpAddr,
    daddr: IpAddr,
    sport: u16,
    dport: u16,
    needs_detection: bool,
}

#[derive(Default)]
pub struct MismatchState {
    queue: VecDeque<Open>,
    reported: HashSet<(IpAddr, u16)>,
}

pub struct ServiceMismatch {
    last_seen: HashMap<PairKey, Timestamp>,
    saturated: bool,
    pending: Pending<PairKey>,
    service_detection: bool,
}

impl Default for ServiceMismatch {
    fn default() -> Self {
        ServiceMismatch {
            last_seen: HashMap::default(),
            saturated: false,
            pending: Pending::new(MAX_OPEN),
            service_detection: false,
        }
    }
}

impl ServiceMismatch {
    fn seen(&mut self, key: PairKey, ts: Timestamp) {
        self.pending.satisfy(&key, ts);
        if let Some(t) = self.last_seen.get_mut(&key) {
            *t = (*t).max(ts);
            return;
        }
        if self.last_seen.len() >= MAX_PAIRS {
            let min = ts.secs() - WINDOW_SECS;
            self.last_seen.retain(|_, t| t.secs() >= min);
            if self.last_seen.len() >= MAX_PAIRS {
                self.saturated = true;
                return;
            }
        }
        self.last_seen.insert(key, ts);
    }

    fn decide(&mut self, st: &mut MismatchState, now: Option<Timestamp>, out: &mut Emitter) {
        while let Some(o) = st.queue.front() {
            if now.is_some_and(|t| t <= o.deadline) {
                break;
            }
            let Some(o) = st.queue.pop_front() else { break };
            let answered = self.pending.take(o.id).unwrap_or(true);
            if answered || self.saturated || (o.needs_detection && !self.service_detection) {
                continue;
            }
            if st.reported.contains(&(o.daddr, o.dport)) || st.reported.len() >= MAX_KEYS_PER_WINDOW
            {
                continue;
            }
            st.reported.insert((o.daddr, o.dport));
            let daddr = o.daddr;
            let draft = |attacker, side, victim, vside, level, description: String| {
                EvidenceDraft::new(
                    if o.dport == 80 {
                        EvidenceType::NON_HTTP_PORT_80_CONNECTION
                    } else {
                        EvidenceType::NON_SSL_PORT_443_CONNECTION
                    },
                    attacker,
                    side,
                    level,
                    0.8,
                    o.ts,
                    description,
                )
                .victim_ip(victim, vside)
                .proto(Proto::Tcp)
                .ports(Some(o.sport), Some(o.dport))
                .uids([o.uid.clone()])
            };
            if o.dport == 80 {
                let d =
                    format!("non-HTTP established connection to port 80. destination IP: {daddr}");
                out.emit(draft(
                    o.saddr,
                    Side::Src,
                    daddr,
                    Side::Dst,
                    ThreatLevel::Low,
                    d.clone(),
                ));
                out.emit(draft(
                    daddr,
                    Side::Dst,
                    o.saddr,
                    Side::Src,
                    ThreatLevel::Medium,
                    d,
                ));
            } else {
                let d =
                    format!("non-SSL established connection to port 443. destination IP: {daddr}");
                out.emit(draft(
                    o.saddr,
                    Side::Src,
                    daddr,
                    Side::Dst,
                    ThreatLevel::Medium,
                    d,
                ));
            }
        }
    }
}

impl Detector for ServiceMismatch {
    const NAME: &'static str = "service_mismatch";
    const DESCRIPTION: &'static str =
        "Established connections to port 80 that are not HTTP, or to port 443 that are not SSL";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::NON_HTTP_PORT_80_CONNECTION,
        EvidenceType::NON_SSL_PORT_443_CONNECTION,
    ];
    const INTERESTS: RecordKinds =
        RecordKinds::of(&[RecordKind::Conn, RecordKind::Http, RecordKind::Ssl]);
    type WindowState = MismatchState;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        st: &mut MismatchState,
        r: &Record,
        out: &mut Emitter,
    ) {
        if ctx.direction != Direction::Out {
            return;
        }
        self.decide(st, Some(r.ts()), out);
        match r {
            Record::Http(h) => {
                if let Some(id) = h.id {
                    self.seen(pair(id.saddr, id.daddr, false), h.ts);
                }
            }
            Record::Ssl(s) => {
                if let Some(id) = s.id {
                    self.seen(pair(id.saddr, id.daddr, true), s.ts);
                }
            }
            Record::Conn(_) => {
                let Some((c, saddr, daddr)) = out_conn(ctx, r) else {
                    return;
                };
                let service = c.service.as_deref().filter(|s| !s.is_empty() && *s != "-");
                self.service_detection |= service.is_some();
                if c.proto != Some(Proto::Tcp) || !c.is_established() || c.bytes() == 0 {
                    return;
                }
                let (expected, ssl) = match c.dport {
                    80 => ("http", false),
                    443 => ("ssl", true),
                    _ => return,
                };
                let needs_detection = match service {
                    Some(_) if c.service_is(expected) => return,
                    Some(_) => false,
                    None if c.history.contains('S') && !c.is_flipped() => true,
                    None => return,
                };
                if st.reported.contains(&(daddr, c.dport)) {
                    return;
                }
                let key = pair(saddr, daddr, ssl);
                if self
                    .last_seen
                    .get(&key)
                    .is_some_and(|t| t.secs() >= c.ts.secs() - WINDOW_SECS)
                {
                    return;
                }
                let deadline = c.ts.plus(WINDOW_SECS);
                let Some(id) = self.pending.add(key, c.ts.plus(-WINDOW_SECS), deadline) else {
                    return;
                };
                st.queue.push_back(Open {
                    id,
                    deadline,
                    ts: c.ts,
                    uid: c.uid.clone(),
                    saddr,
                    daddr,
                    sport: c.sport,
                    dport: c.dport,
                    needs_detection,
                });
            }
            _ => {}
        }
    }

    fn on_window_closed(&mut self, _: &DetectorCtx, st: &mut MismatchState, out: &mut Emitter) {
        self.decide(st, None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{conn, run};
    use slips_core::{Conn, ConnState, Endpoints, Flow, Http, Ssl};

    fn c(ts: f64, uid: &str, dst: &str, dport: u16, service: Option<&str>, history: &str) -> Flow {
        let mut f = conn(ts, uid, "10.0.2.15", dst, dport, Proto::Tcp, ConnState::SF);
        if let Record::Conn(x) = &mut f.record {
            *x = Conn {
                service: service.map(Str::from),
                history: history.into(),
                sbytes: 5,
                dbytes: 3,
                ..x.clone()
            };
        }
        f
    }

    fn id(dst: &str, dport: u16) -> Option<Endpoints> {
        Some(Endpoints {
            saddr: "10.0.2.15".parse().unwrap(),
            sport: 40000,
            daddr: dst.parse().unwrap(),
            dport,
        })
    }

    fn http(ts: f64, dst: &str) -> Flow {
        Flow::from(Record::Http(Box::new(Http {
            ts: Timestamp::from_secs(ts),
            uid: "H".into(),
            id: id(dst, 80),
            ..Default::default()
        })))
    }

    fn ssl(ts: f64, dst: &str) -> Flow {
        Flow::from(Record::Ssl(Box::new(Ssl {
            ts: Timestamp::from_secs(ts),
            uid: "S".into(),
            id: id(dst, 443),
            ..Default::default()
        })))
    }

    fn rows(
        ev: &[slips_core::Evidence],
    ) -> Vec<(EvidenceType, String, Side, ThreatLevel, f64, String)> {
        ev.iter()
            .map(|e| {
                (
                    e.evidence_type,
                    e.profile.to_string(),
                    e.attacker.side,
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn non_http_port_80_golden() {
        let flows = vec![
            c(1.0, "C0", "93.184.216.34", 80, Some("http"), "ShADadFf"),
            c(252.7, "C1", "194.132.197.198", 80, None, "ShAFaf"),
        ];
        let ev = run(ServiceMismatch::default(), &flows);
        let d = "non-HTTP established connection to port 80. destination IP: 194.132.197.198"
            .to_string();
        assert_eq!(
            rows(&ev),
            vec![
                (
                    EvidenceType::NON_HTTP_PORT_80_CONNECTION,
                    "10.0.2.15".into(),
                    Side::Src,
                    ThreatLevel::Low,
                    0.8,
                    d.clone()
                ),
                (
                    EvidenceType::NON_HTTP_PORT_80_CONNECTION,
                    "194.132.197.198".into(),
                    Side::Dst,
                    ThreatLevel::Medium,
                    0.8,
                    d
                ),
            ]
        );
        assert_eq!(ev[0].uids, vec!["C1"]);
        // Without any service detection in the input (e.g. Argus), nothing.
        assert!(run(ServiceMismatch::default(), &flows[1..]).is_empty());
    }

    #[test]
    fn non_ssl_port_443_with_known_service_and_lookaround() {
        let flows = vec![
            c(1.0, "C1", "5.5.5.5", 443, Some("ssh"), "ShAdDaFf"),
            c(2.0, "C2", "6.6.6.6", 443, Some("ssl"), "ShAdDaFf"),
            // Midstream (no SYN seen) and flipped connections: Zeek cannot tell.
            c(3.0, "C3", "7.7.7.7", 443, None, "DdAa"),
            c(4.0, "C4", "7.7.7.8", 443, None, "^aAdfF"),
            // An ssl record between the same IPs 299 s later clears it.
            c(5.0, "C5", "8.8.8.8", 443, Some("http"), "ShAdDaFf"),
            ssl(304.0, "8.8.8.8"),
            // ... one 301 s earlier does not.
            ssl(310.0, "9.9.9.9"),
            c(611.0, "C6", "9.9.9.9", 443, Some("http"), "ShAdDaFf"),
        ];
        let ev = run(ServiceMismatch::default(), &flows);
        let got: Vec<_> = ev
            .iter()
            .map(|e| {
                (
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.uids.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    ThreatLevel::Medium,
                    0.8,
                    "non-SSL established connection to port 443. destination IP: 5.5.5.5".into(),
                    vec![Str::from("C1")]
                ),
                (
                    ThreatLevel::Medium,
                    0.8,
                    "non-SSL established connection to port 443. destination IP: 9.9.9.9".into(),
                    vec![Str::from("C6")]
                ),
            ]
        );
        // An http record shortly before the port-80 connection clears it.
        let f = vec![
            c(0.0, "X", "1.1.1.1", 80, Some("http"), "S"),
            http(10.0, "2.2.2.2"),
            c(20.0, "C", "2.2.2.2", 80, None, "ShAFaf"),
        ];
        assert!(run(ServiceMismatch::default(), &f).is_empty());
    }
}

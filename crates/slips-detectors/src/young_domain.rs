//! Young domains: a DNS query for a domain registered less than 60 days ago (Slips'
//! `YOUNG_DOMAIN` of `flow_alerts`, with the domain age that `ip_info` gets from whois).
//!
//! The age comes from [`Knowledge::domain_age_days`], which is only known when online
//! lookups (whois) are enabled; offline the detector reports nothing. Whois answers arrive
//! in the background: a query whose domain's age is not known yet is kept (bounded, per
//! profile and window) and asked again on the profile's later DNS records of the window and
//! when the window closes. So with online lookups the result depends on how fast the whois
//! server answers, which is why they are off by default.
//!
//! Evidence (Slips' table): LOW with each IP of the answer as destination attacker, and INFO
//! for the querying host; confidence 1; once per domain per profile and window.

use crate::knowledge::Knowledge;
use crate::{FromConfig, Resources};
use slips_config::Config;
use slips_core::{
    Detector, DetectorCtx, Direction, Dns, Emitter, EvidenceDraft, EvidenceType, Ioc, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::net::IpAddr;
use std::sync::Arc;

/// Domains younger than this many days are reported (Slips' `age_threshold`).
pub const AGE_THRESHOLD_DAYS: u32 = 60;
/// Most queries waiting for a whois answer per profile and window.
pub const MAX_PENDING: usize = 64;
/// Most domains remembered as reported per profile and window (beyond it, repeats are left
/// to the engine's dedup).
pub const MAX_REPORTED: usize = 1024;

/// See the module documentation.
pub struct YoungDomain {
    knowledge: Arc<dyn Knowledge>,
}

impl YoungDomain {
    pub fn new(knowledge: Arc<dyn Knowledge>) -> Self {
        YoungDomain { knowledge }
    }
}

impl FromConfig for YoungDomain {
    fn from_config(_: &Config, res: &Resources) -> Self {
        Self::new(Arc::clone(&res.knowledge))
    }
}

/// A query whose domain age was unknown when it was seen.
struct Waiting {
    domain: Str,
    answers: Vec<IpAddr>,
    ts: Timestamp,
    uid: Str,
}

/// Per profile and window: queries waiting for their domain's age, domains reported.
#[derive(Default)]
pub struct State {
    waiting: Vec<Waiting>,
    reported: Vec<Str>,
}

/// Domains that are never registered (Slips skips `.arpa` and `.local`).
fn skipped(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d.is_empty()
        || d.ends_with(".arpa")
        || d.ends_with(".local")
        || !d.contains('.')
        || d.parse::<IpAddr>().is_ok()
}

impl YoungDomain {
    /// Emits the evidence if the age is known and young; true when the query is decided
    /// (known age, young or not).
    fn decide(&self, profile: IpAddr, st: &mut State, w: &Waiting, out: &mut Emitter) -> bool {
        let Some(age) = self.knowledge.domain_age_days(&w.domain) else {
            return false;
        };
        if age >= AGE_THRESHOLD_DAYS || st.reported.contains(&w.domain) {
            return true;
        }
        if st.reported.len() < MAX_REPORTED {
            st.reported.push(w.domain.clone());
        }
        let desc = format!(
            "connection to a young domain: {} registered {age} days ago.",
            w.domain
        );
        let domain = Ioc::domain(&w.domain, Side::Dst);
        for ip in &w.answers {
            out.emit(
                EvidenceDraft::new(
                    EvidenceType::YOUNG_DOMAIN,
                    *ip,
                    Side::Dst,
                    ThreatLevel::Low,
                    1.0,
                    w.ts,
                    desc.clone(),
                )
                .victim_ip(profile, Side::Src)
                .uids([w.uid.clone()]),
            );
        }
        out.emit(
            EvidenceDraft::new(
                EvidenceType::YOUNG_DOMAIN,
                profile,
                Side::Src,
                ThreatLevel::Info,
                1.0,
                w.ts,
                desc,
            )
            .victim(domain)
            .uids([w.uid.clone()]),
        );
        true
    }

    /// Asks again about the queries still waiting.
    fn retry(&self, profile: IpAddr, st: &mut State, out: &mut Emitter) {
        if st.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut st.waiting);
        for w in waiting {
            if !self.decide(profile, st, &w, out) {
                st.waiting.push(w);
            }
        }
    }
}

fn answer_ips(d: &Dns) -> Vec<IpAddr> {
    d.answers
        .iter()
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect()
}

impl Detector for YoungDomain {
    const NAME: &'static str = "young_domain";
    const DESCRIPTION: &'static str =
        "DNS queries for domains registered less than 60 days ago (domain age from whois; needs enrichment.online_lookups)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::YOUNG_DOMAIN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Dns]);
    const CONFIG_KEYS: &'static [&'static str] = &["enrichment.online_lookups", "enrichment.whois"];
    type WindowState = State;

    fn on_record(&mut self, ctx: &DetectorCtx, st: &mut State, r: &Record, out: &mut Emitter) {
        let Record::Dns(d) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        self.retry(ctx.profile, st, out);
        let Some(q) = d.query.as_deref() else { return };
        if skipped(q) || st.reported.iter().any(|x| x == q) {
            return;
        }
        let w = Waiting {
            domain: q.into(),
            answers: answer_ips(d),
            ts: d.ts,
            uid: d.uid.clone(),
        };
        if !self.decide(ctx.profile, st, &w, out)
            && self.knowledge.online_lookups()
            && st.waiting.len() < MAX_PENDING
            && !st.waiting.iter().any(|x| x.domain == w.domain)
        {
            st.waiting.push(w);
        }
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, st: &mut State, out: &mut Emitter) {
        self.retry(ctx.profile, st, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{dns, run};
    use slips_core::{Evidence, Flow};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Ages by domain; with `after`, an age is only known from the `after`-th question on
    /// (an answer arriving late).
    struct Ages {
        ages: Vec<(&'static str, u32)>,
        after: usize,
        asked: AtomicUsize,
        online: bool,
    }

    impl Knowledge for Ages {
        fn domain_age_days(&self, domain: &str) -> Option<u32> {
            let n = self.asked.fetch_add(1, Ordering::Relaxed);
            if n < self.after {
                return None;
            }
            self.ages
                .iter()
                .find(|(d, _)| *d == domain)
                .map(|(_, a)| *a)
        }
        fn online_lookups(&self) -> bool {
            self.online
        }
    }

    fn det(ages: Vec<(&'static str, u32)>, after: usize, online: bool) -> YoungDomain {
        YoungDomain::new(Arc::new(Ages {
            ages,
            after,
            asked: AtomicUsize::new(0),
            online,
        }))
    }

    type Row = (
        String,
        Side,
        Option<String>,
        ThreatLevel,
        f64,
        String,
        Vec<Str>,
    );

    fn rows(ev: &[Evidence]) -> Vec<Row> {
        ev.iter()
            .map(|e| {
                assert_eq!(e.evidence_type, EvidenceType::YOUNG_DOMAIN);
                (
                    e.attacker.value.to_string(),
                    e.attacker.side,
                    e.victim.as_ref().map(|v| v.value.to_string()),
                    e.threat_level,
                    e.confidence,
                    e.description.clone(),
                    e.uids.clone(),
                )
            })
            .collect()
    }

    fn q(ts: f64, uid: &str, query: &str, answers: &[&str]) -> Flow {
        dns(ts, uid, "10.0.2.15", query, "A", "NOERROR", answers)
    }

    #[test]
    fn young_domains_are_reported_once_with_each_answer() {
        let d = det(
            vec![("new-shop.example", 12), ("old.example", 4000)],
            0,
            false,
        );
        let ev = run(
            d,
            &[
                q(
                    10.0,
                    "D1",
                    "new-shop.example",
                    &["93.184.216.34", "93.184.216.35"],
                ),
                q(11.0, "D2", "new-shop.example", &["93.184.216.34"]),
                q(12.0, "D3", "old.example", &["1.2.3.4"]),
                q(13.0, "D4", "unknown.example", &["1.2.3.5"]),
                q(14.0, "D5", "1.0.0.10.in-addr.arpa", &[]),
            ],
        );
        let desc = "connection to a young domain: new-shop.example registered 12 days ago.";
        let u = vec![Str::from("D1")];
        assert_eq!(
            rows(&ev),
            vec![
                (
                    "93.184.216.34".into(),
                    Side::Dst,
                    Some("10.0.2.15".into()),
                    ThreatLevel::Low,
                    1.0,
                    desc.into(),
                    u.clone()
                ),
                (
                    "93.184.216.35".into(),
                    Side::Dst,
                    Some("10.0.2.15".into()),
                    ThreatLevel::Low,
                    1.0,
                    desc.into(),
                    u.clone()
                ),
                (
                    "10.0.2.15".into(),
                    Side::Src,
                    Some("new-shop.example".into()),
                    ThreatLevel::Info,
                    1.0,
                    desc.into(),
                    u
                ),
            ]
        );
        assert_eq!(ev[0].profile, "93.184.216.34".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn late_answers_are_picked_up_while_the_window_is_open() {
        // The age is unknown on the first two questions (whois still running), known after.
        let ev = run(
            det(vec![("fresh.example", 3)], 2, true),
            &[
                q(10.0, "D1", "fresh.example", &["5.6.7.8"]),
                q(20.0, "D2", "other.example", &[]),
            ],
        );
        let desc = "connection to a young domain: fresh.example registered 3 days ago.";
        assert_eq!(
            rows(&ev),
            vec![
                (
                    "5.6.7.8".into(),
                    Side::Dst,
                    Some("10.0.2.15".into()),
                    ThreatLevel::Low,
                    1.0,
                    desc.into(),
                    vec![Str::from("D1")]
                ),
                (
                    "10.0.2.15".into(),
                    Side::Src,
                    Some("fresh.example".into()),
                    ThreatLevel::Info,
                    1.0,
                    desc.into(),
                    vec![Str::from("D1")]
                ),
            ]
        );
        assert_eq!(
            ev[0].ts,
            slips_core::Timestamp::from_secs(10.0),
            "at the query's time"
        );
        // Offline nothing is kept pending: the same late answer is never seen.
        let ev = run(
            det(vec![("fresh.example", 3)], 1, false),
            &[
                q(10.0, "D1", "fresh.example", &["5.6.7.8"]),
                q(20.0, "D2", "other.example", &[]),
            ],
        );
        assert!(ev.is_empty(), "{ev:?}");
    }

    #[test]
    fn nothing_without_knowledge_and_pending_is_bounded() {
        let flows: Vec<Flow> = (0..200)
            .map(|i| {
                q(
                    i as f64,
                    &format!("D{i}"),
                    &format!("d{i}.example"),
                    &["1.1.1.1"],
                )
            })
            .collect();
        assert!(run(YoungDomain::new(Arc::new(crate::NoKnowledge)), &flows).is_empty());
        let mut st = State::default();
        let mut d = det(vec![], usize::MAX, true);
        let window = slips_core::TimeWindow {
            number: 1,
            start: slips_core::Timestamp::from_secs(0.0),
            end: slips_core::Timestamp::from_secs(3600.0),
        };
        let ctx = DetectorCtx::new("10.0.2.15".parse().unwrap(), Direction::Out, window);
        let mut out = Emitter::default();
        for f in &flows {
            d.on_record(&ctx, &mut st, &f.record, &mut out);
        }
        assert_eq!(st.waiting.len(), MAX_PENDING);
        assert!(out.is_empty());
    }
}

//! DNS detections from dns.log (Slips' `flow_alerts/dns.py`): TXT answers with high
//! entropy, private IPs in answers, many NXDOMAINs (DGA) and reverse-DNS (ARPA) scans.
//!
//! Differences from Slips, on purpose:
//! - DGA (Slips bug §8.1-7): Slips' "already seen" test looks inside a tuple of two lists,
//!   so repeated names count, and it clears the list after each evidence, so it reports every
//!   10 NXDOMAINs. Here the *distinct* names (case-insensitive) of the profile-window are
//!   counted; evidence comes at 10, at each report step (20, 50, 100...) and with the true
//!   count when the window closes. Confidence 0.3 at 10 names to 1 at 50 (Slips: 0.1 at 10,
//!   so no DGA ever raised an alert). Reverse lookups (`.arpa`, DNSBL queries), local and
//!   single-label names and whitelisted domains do not count. Remembered names are capped at
//!   10,000 per window (beyond that the count stops growing).
//! - ARPA scan: Slips compares the first query ever stored with the last one, so after two
//!   seconds of any reverse lookups it never fires again. Here it is a sliding window: 10
//!   distinct `*.in-addr.arpa` names within 2 seconds (at most 1,024 recent queries kept),
//!   after which the window restarts.
//! - High-entropy TXT answers blame the querier (MEDIUM, 0.6), the host that pulled the
//!   data; Slips blames the resolver (MEDIUM) and the client only LOW, so a DNS server
//!   relaying a tunnel was the "attacker".
//! - Invalid (private) answers are reported once per query name and answer per window.

use crate::appkit::{py_float, round_to, shannon_entropy, CappedSet};
use crate::knowledge::{Knowledge, Resources};
use crate::util::{ramp, report_step};
use crate::FromConfig;
use slips_config::Config;
use slips_core::net::{is_link_local, is_multicast, is_private};
use slips_core::{
    Detector, DetectorCtx, Direction, Dns, Emitter, EvidenceDraft, EvidenceType, Ioc, Record,
    RecordKind, RecordKinds, Side, Str, ThreatLevel, Timestamp,
};
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;

fn out_dns<'a>(ctx: &DetectorCtx, r: &'a Record) -> Option<&'a Dns> {
    match r {
        Record::Dns(d) if ctx.direction == Direction::Out => Some(d),
        _ => None,
    }
}

fn query(d: &Dns) -> Option<&str> {
    d.query.as_deref().filter(|q| !q.is_empty())
}

/// High-entropy TXT answers and private IPs in answers.
pub struct DnsAnswers {
    entropy_threshold: f64,
}

impl Default for DnsAnswers {
    fn default() -> Self {
        DnsAnswers {
            entropy_threshold: 5.0,
        }
    }
}

impl FromConfig for DnsAnswers {
    fn from_config(cfg: &Config, _: &Resources) -> Self {
        DnsAnswers {
            entropy_threshold: cfg.flow_alerts.entropy_threshold,
        }
    }
}

/// Whether an answer IP is one a public name should never resolve to.
fn is_invalid_answer(ip: &IpAddr) -> bool {
    is_private(ip) || ip.is_loopback() || is_link_local(ip)
}

impl Detector for DnsAnswers {
    const NAME: &'static str = "dns_answers";
    const DESCRIPTION: &'static str =
        "DNS TXT answers with high entropy and names resolved to private IPs";
    const EVIDENCE: &'static [EvidenceType] = &[
        EvidenceType::HIGH_ENTROPY_DNS_ANSWER,
        EvidenceType::INVALID_DNS_RESOLUTION,
    ];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Dns]);
    /// (query, private answer) pairs already reported in the window (capped at 4,096).
    const CONFIG_KEYS: &'static [&'static str] = &["flow_alerts.entropy_threshold"];
    type WindowState = CappedSet<(Str, IpAddr)>;

    fn on_record(
        &mut self,
        ctx: &DetectorCtx,
        seen: &mut Self::WindowState,
        r: &Record,
        out: &mut Emitter,
    ) {
        let Some(d) = out_dns(ctx, r) else { return };
        let Some(e) = d.id else { return };
        let q = query(d).unwrap_or("");
        if !is_multicast(&e.saddr) {
            for answer in d.answers.iter().filter(|a| a.contains("TXT")) {
                let entropy = shannon_entropy(answer);
                if entropy < self.entropy_threshold {
                    continue;
                }
                let description = format!(
                    "A DNS TXT answer with high entropy. query: {q} answer: \"{answer}\" entropy: {} ",
                    py_float(round_to(entropy, 2))
                );
                // The querier pulled the data; the resolver only relayed it.
                let mut ev = EvidenceDraft::new(
                    EvidenceType::HIGH_ENTROPY_DNS_ANSWER,
                    e.saddr,
                    Side::Src,
                    ThreatLevel::Medium,
                    0.6,
                    d.ts,
                    description,
                )
                .ports(Some(e.sport), Some(e.dport))
                .uids([d.uid.clone()]);
                if !is_multicast(&e.daddr) {
                    ev = ev.victim_ip(e.daddr, Side::Dst);
                }
                out.emit(ev);
            }
        }
        let ql = q.to_ascii_lowercase();
        if ql.is_empty() || ql == "localhost" || ql.ends_with(".local") || ql.ends_with(".arpa") {
            return;
        }
        for answer in &d.answers {
            let Ok(ip) = answer.trim().parse::<IpAddr>() else {
                continue;
            };
            if !is_invalid_answer(&ip) || !seen.insert((ql.as_str().into(), ip)) {
                continue;
            }
            out.emit(
                EvidenceDraft::new(
                    EvidenceType::INVALID_DNS_RESOLUTION,
                    e.saddr,
                    Side::Src,
                    ThreatLevel::Info,
                    0.8,
                    d.ts,
                    format!(
                        "Invalid DNS answer. The DNS query {q} was resolved to the private IP: {ip}"
                    ),
                )
                .victim(Ioc::domain(q, Side::Dst))
                .uids([d.uid.clone()]),
            );
        }
    }
}

/// Reports start at this many distinct NXDOMAIN names; then at each report step.
pub const DGA_THRESHOLD: usize = 10;
/// Distinct names at which a DGA is certain.
pub const DGA_FULL: usize = 50;
const MAX_NXDOMAINS: usize = 10_000;

#[derive(Default)]
pub struct DgaState {
    names: CappedSet<Str>,
    uids: Vec<Str>,
    flows: u64,
    /// Count of the last report (0: none yet).
    reported: usize,
    last_ts: Timestamp,
}

/// Many distinct names that do not exist (DGA or domain scanning).
pub struct DgaNxdomains {
    knowledge: Arc<dyn Knowledge>,
}

impl Default for DgaNxdomains {
    fn default() -> Self {
        DgaNxdomains {
            knowledge: Arc::new(crate::NoKnowledge),
        }
    }
}

impl FromConfig for DgaNxdomains {
    fn from_config(_: &Config, res: &Resources) -> Self {
        DgaNxdomains {
            knowledge: Arc::clone(&res.knowledge),
        }
    }
}

/// Names that fail for reasons other than a DGA: reverse lookups (`.arpa`, and DNSBL
/// queries such as `4.3.2.1.zen.spamhaus.org`, whose first four labels are an IPv4 address),
/// local names, and single-label names (search-list and browser probes).
fn is_dga_candidate(q: &str) -> bool {
    if q.ends_with(".arpa") || q.ends_with(".local") || !q.contains('.') {
        return false;
    }
    let mut labels = q.split('.');
    let reversed_ip = labels
        .by_ref()
        .take(4)
        .filter(|l| !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit()))
        .count()
        == 4;
    !(reversed_ip && labels.next().is_some())
}

fn dga_draft(ctx: &DetectorCtx, st: &DgaState) -> EvidenceDraft {
    let n = st.names.len();
    let confidence = ramp(n as f64, DGA_THRESHOLD as f64, DGA_FULL as f64);
    EvidenceDraft::new(
        EvidenceType::DGA_NXDOMAINS,
        ctx.profile,
        Side::Src,
        ThreatLevel::High,
        confidence,
        st.last_ts,
        format!(
            "Possible DGA or domain scanning. {} failed to resolve {n} different domains",
            ctx.profile
        ),
    )
    .uids(st.uids.iter().cloned())
    .flow_count(st.flows)
}

impl Detector for DgaNxdomains {
    const NAME: &'static str = "dga_nxdomains";
    const DESCRIPTION: &'static str =
        "A host failing to resolve many different domains (DGA or domain scanning)";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DGA_NXDOMAINS];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Dns]);
    type WindowState = DgaState;

    fn on_record(&mut self, ctx: &DetectorCtx, st: &mut DgaState, r: &Record, out: &mut Emitter) {
        let Some(d) = out_dns(ctx, r) else { return };
        if !d
            .rcode_name
            .as_deref()
            .is_some_and(|c| c.contains("NXDOMAIN"))
        {
            return;
        }
        let Some(q) = query(d) else { return };
        let q = q.trim_end_matches('.').to_ascii_lowercase();
        if !is_dga_candidate(&q) || self.knowledge.domain_whitelisted(&q) {
            return;
        }
        if st.names.len() >= MAX_NXDOMAINS || !st.names.insert(q.as_str().into()) {
            return;
        }
        st.flows += 1;
        st.last_ts = st.last_ts.max(d.ts);
        crate::util::push_capped(
            &mut st.uids,
            d.uid.clone(),
            slips_core::evidence::MAX_UIDS_PER_EVIDENCE,
        );
        let n = st.names.len();
        if n < DGA_THRESHOLD || report_step(n as u64) <= report_step(st.reported as u64) {
            return;
        }
        st.reported = n;
        out.emit(dga_draft(ctx, st));
    }

    fn on_window_closed(&mut self, ctx: &DetectorCtx, st: &mut DgaState, out: &mut Emitter) {
        if st.reported > 0 && st.names.len() > st.reported {
            st.reported = st.names.len();
            out.emit(dga_draft(ctx, st));
        }
    }
}

/// Distinct reverse lookups that make an ARPA scan, and the time they must fit in.
pub const ARPA_SCAN_THRESHOLD: usize = 10;
pub const ARPA_SCAN_SECONDS: f64 = 2.0;
const MAX_RECENT_ARPA: usize = 1024;

#[derive(Default)]
pub struct ArpaState {
    recent: VecDeque<(Timestamp, Str, Str)>,
}

/// Many reverse-DNS lookups in a short time.
#[derive(Default)]
pub struct DnsArpaScan;

impl Detector for DnsArpaScan {
    const NAME: &'static str = "dns_arpa_scan";
    const DESCRIPTION: &'static str =
        "A host doing many reverse DNS (in-addr.arpa) lookups within 2 seconds";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DNS_ARPA_SCAN];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Dns]);
    type WindowState = ArpaState;

    fn on_record(&mut self, ctx: &DetectorCtx, st: &mut ArpaState, r: &Record, out: &mut Emitter) {
        let Some(d) = out_dns(ctx, r) else { return };
        let Some(q) = query(d) else { return };
        let q = q.to_ascii_lowercase();
        if !q.ends_with(".in-addr.arpa") {
            return;
        }
        while st
            .recent
            .front()
            .is_some_and(|(ts, _, _)| d.ts.secs() - ts.secs() > ARPA_SCAN_SECONDS)
        {
            st.recent.pop_front();
        }
        if st.recent.len() >= MAX_RECENT_ARPA {
            st.recent.pop_front();
        }
        st.recent
            .push_back((d.ts, q.as_str().into(), d.uid.clone()));
        let mut names: Vec<&Str> = st.recent.iter().map(|(_, n, _)| n).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() < ARPA_SCAN_THRESHOLD {
            return;
        }
        let uids: Vec<Str> = st.recent.iter().map(|(_, _, u)| u.clone()).collect();
        st.recent.clear();
        out.emit(
            EvidenceDraft::new(
                EvidenceType::DNS_ARPA_SCAN,
                ctx.profile,
                Side::Src,
                ThreatLevel::Medium,
                0.7,
                d.ts,
                format!(
                    "Doing DNS ARPA scan. Scanned {ARPA_SCAN_THRESHOLD} hosts within 2 seconds."
                ),
            )
            .uids(uids),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{dns, run};

    use crate::testkit::rows;

    const HIGH: &str = "TXT 60 aB3xQ9zK1mN7pL2vR8sT4uW6yE0cF5gH+jD/oI=ZkYhXbVnMqPwLtSrUeAyBz";

    #[test]
    fn high_entropy_txt_blames_the_querier() {
        let e = shannon_entropy(HIGH);
        assert!(e >= 5.0, "{e}");
        let ev = run(
            DnsAnswers::default(),
            &[dns(
                1.0,
                "D1",
                "10.0.0.5",
                "x.example.com",
                "TXT",
                "NOERROR",
                &[HIGH, "TXT 9 txtvers=1"],
            )],
        );
        let d = format!(
            "A DNS TXT answer with high entropy. query: x.example.com answer: \"{HIGH}\" entropy: {} ",
            py_float(round_to(e, 2))
        );
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::HIGH_ENTROPY_DNS_ANSWER,
                "10.0.0.5".into(),
                Side::Src,
                ThreatLevel::Medium,
                0.6,
                d
            )]
        );
        // The querier is blamed; the resolver is the victim.
        assert_eq!(ev[0].profile.to_string(), "10.0.0.5");
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "8.8.8.8");
    }

    #[test]
    fn entropy_threshold_edge() {
        // "TXT 0123456789abcdefghijklmnopqrstuv": distinct characters except 'T' twice.
        let answer = "TXT 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS";
        let e = shannon_entropy(answer);
        let at = |t: f64| {
            let mut cfg = Config::default();
            cfg.flow_alerts.entropy_threshold = t;
            let d = DnsAnswers::from_config(&cfg, &Resources::default());
            run(
                d,
                &[dns(
                    1.0,
                    "D1",
                    "10.0.0.5",
                    "x.example.com",
                    "TXT",
                    "NOERROR",
                    &[answer],
                )],
            )
            .len()
        };
        assert_eq!(at(e), 1, "at the threshold");
        assert_eq!(at(e + 1e-9), 0, "just above the entropy");
        // Low-entropy answers and non-TXT answers never fire with the default threshold.
        assert!(run(
            DnsAnswers::default(),
            &[dns(
                1.0,
                "D1",
                "10.0.0.5",
                "x.example.com",
                "A",
                "NOERROR",
                &["1.2.3.4", "TXT 9 txtvers=1"]
            )]
        )
        .is_empty());
    }

    #[test]
    fn invalid_resolution_golden() {
        let ev = run(
            DnsAnswers::default(),
            &[
                dns(
                    1.0,
                    "D1",
                    "10.0.0.5",
                    "evil.example.com",
                    "A",
                    "NOERROR",
                    &["192.168.1.9", "8.8.4.4"],
                ),
                dns(
                    2.0,
                    "D2",
                    "10.0.0.5",
                    "evil.example.com",
                    "A",
                    "NOERROR",
                    &["192.168.1.9"],
                ),
                dns(
                    3.0,
                    "D3",
                    "10.0.0.5",
                    "localhost",
                    "A",
                    "NOERROR",
                    &["127.0.0.1"],
                ),
                dns(
                    4.0,
                    "D4",
                    "10.0.0.5",
                    "nas.local",
                    "A",
                    "NOERROR",
                    &["192.168.1.2"],
                ),
                dns(
                    5.0,
                    "D5",
                    "10.0.0.5",
                    "9.1.168.192.in-addr.arpa",
                    "PTR",
                    "NOERROR",
                    &["10.0.0.1"],
                ),
            ],
        );
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::INVALID_DNS_RESOLUTION,
                "10.0.0.5".into(),
                Side::Src,
                ThreatLevel::Info,
                0.8,
                "Invalid DNS answer. The DNS query evil.example.com was resolved to the private IP: 192.168.1.9".into()
            )]
        );
        assert_eq!(ev[0].victim.as_ref().unwrap().value, "evil.example.com");
    }

    fn nx(n: usize, distinct: usize) -> Vec<slips_core::Flow> {
        (0..n)
            .map(|i| {
                dns(
                    i as f64,
                    &format!("N{i}"),
                    "10.0.0.5",
                    &format!("q{}.example.com", i % distinct),
                    "A",
                    "NXDOMAIN",
                    &[],
                )
            })
            .collect()
    }

    #[test]
    fn dga_counts_distinct_names_with_their_true_count() {
        assert!(run(DgaNxdomains::default(), &nx(9, 9)).is_empty());
        // Repeats of 9 names never reach 10 distinct (Slips counted them).
        assert!(run(DgaNxdomains::default(), &nx(40, 9)).is_empty());
        let ev = run(DgaNxdomains::default(), &nx(60, 60));
        assert_eq!(
            rows(&ev),
            vec![
                (EvidenceType::DGA_NXDOMAINS, "10.0.0.5".into(), Side::Src, ThreatLevel::High, 0.3, "Possible DGA or domain scanning. 10.0.0.5 failed to resolve 10 different domains".into()),
                (EvidenceType::DGA_NXDOMAINS, "10.0.0.5".into(), Side::Src, ThreatLevel::High, 0.6015, "Possible DGA or domain scanning. 10.0.0.5 failed to resolve 20 different domains".into()),
                (EvidenceType::DGA_NXDOMAINS, "10.0.0.5".into(), Side::Src, ThreatLevel::High, 1.0, "Possible DGA or domain scanning. 10.0.0.5 failed to resolve 50 different domains".into()),
                (EvidenceType::DGA_NXDOMAINS, "10.0.0.5".into(), Side::Src, ThreatLevel::High, 1.0, "Possible DGA or domain scanning. 10.0.0.5 failed to resolve 60 different domains".into()),
            ]
        );
        assert_eq!(ev[0].uids.len(), 10);
        // .arpa and .local names do not count.
        let mut flows = nx(9, 9);
        flows.push(dns(
            20.0,
            "X",
            "10.0.0.5",
            "1.0.0.10.in-addr.arpa",
            "PTR",
            "NXDOMAIN",
            &[],
        ));
        flows.push(dns(
            21.0,
            "Y",
            "10.0.0.5",
            "printer.local",
            "A",
            "NXDOMAIN",
            &[],
        ));
        // DNSBL lookups are reverse lookups too; single-label names are probes.
        for (i, q) in [
            "4.3.2.1.zen.spamhaus.org",
            "qxkzjwhd",
            "12.0.0.127.dnsbl.example",
        ]
        .into_iter()
        .enumerate()
        {
            flows.push(dns(
                30.0 + i as f64,
                "Z",
                "10.0.0.5",
                q,
                "A",
                "NXDOMAIN",
                &[],
            ));
        }
        assert!(run(DgaNxdomains::default(), &flows).is_empty());
        assert!(is_dga_candidate("kq3vx9z1pl.com"));
        assert!(is_dga_candidate("1.2.3.example.com"));
        assert!(!is_dga_candidate("1.2.3.4.zen.spamhaus.org"));
    }

    fn arpa(n: usize, spacing: f64) -> Vec<slips_core::Flow> {
        (0..n)
            .map(|i| {
                dns(
                    i as f64 * spacing,
                    &format!("R{i}"),
                    "10.0.0.5",
                    &format!("{i}.1.168.192.in-addr.arpa"),
                    "PTR",
                    "NOERROR",
                    &[],
                )
            })
            .collect()
    }

    #[test]
    fn arpa_scan_threshold_and_window() {
        assert!(run(DnsArpaScan, &arpa(9, 0.1)).is_empty());
        let ev = run(DnsArpaScan, &arpa(10, 0.1));
        assert_eq!(
            rows(&ev),
            vec![(
                EvidenceType::DNS_ARPA_SCAN,
                "10.0.0.5".into(),
                Side::Src,
                ThreatLevel::Medium,
                0.7,
                "Doing DNS ARPA scan. Scanned 10 hosts within 2 seconds.".into()
            )]
        );
        assert_eq!(ev[0].uids.len(), 10);
        // 10 lookups spread over 2.7 s: never 10 within 2 s.
        assert!(run(DnsArpaScan, &arpa(10, 0.3)).is_empty());
        // A slow start does not prevent a later burst (Slips never fired again).
        let mut flows = arpa(3, 5.0);
        for (i, f) in arpa(10, 0.1).into_iter().enumerate() {
            let mut f = f;
            if let Record::Dns(d) = &mut f.record {
                d.ts = Timestamp::from_secs(100.0 + i as f64 * 0.1);
                d.query = Some(format!("{i}.2.168.192.in-addr.arpa").into());
            }
            flows.push(f);
        }
        assert_eq!(run(DnsArpaScan, &flows).len(), 1);
        // 20 within 2 s: one evidence per 10.
        assert_eq!(run(DnsArpaScan, &arpa(20, 0.05)).len(), 2);
    }
}

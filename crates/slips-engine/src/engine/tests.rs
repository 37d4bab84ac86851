use super::*;
use slips_core::detector::RecordKinds;
use slips_core::{Conn, ConnState, Detector, EvidenceDraft, Filter, Hosted, Proto, Side};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn conn(ts: f64, uid: &str, s: &str, d: &str, dport: u16) -> Flow {
    Flow::from(Record::Conn(Conn {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        saddr: Some(ip(s)),
        sport: 40000,
        daddr: Some(ip(d)),
        dport,
        proto: Some(Proto::Tcp),
        duration: 1.0,
        sbytes: 100,
        dbytes: 2000,
        state: ConnState::SF,
        spkts: 3,
        dpkts: 4,
        ..Default::default()
    }))
}

/// Emits one evidence per conn: HIGH/1.0 for the source, plus a DST-side evidence for the
/// destination when the port is 99; counts conns per window and reports them on close.
#[derive(Default)]
struct Probe;
impl Detector for Probe {
    const NAME: &'static str = "probe";
    const DESCRIPTION: &'static str = "test probe";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::TEMPLATE];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = u64;
    fn on_record(&mut self, ctx: &DetectorCtx, n: &mut u64, r: &Record, out: &mut Emitter) {
        let Record::Conn(c) = r else { return };
        if ctx.direction != Direction::Out {
            return;
        }
        *n += 1;
        out.emit(
            EvidenceDraft::new(
                EvidenceType::TEMPLATE,
                ctx.profile,
                Side::Src,
                ThreatLevel::High,
                1.0,
                c.ts,
                format!("conn {}", c.uid),
            )
            .uids([c.uid.clone()]),
        );
        if c.dport == 99 {
            out.emit(EvidenceDraft::new(
                EvidenceType::PORT_0_CONNECTION,
                c.daddr.unwrap(),
                Side::Dst,
                ThreatLevel::High,
                1.0,
                c.ts,
                "dst side".into(),
            ));
        }
    }
    fn on_window_closed(&mut self, ctx: &DetectorCtx, n: &mut u64, out: &mut Emitter) {
        out.emit(EvidenceDraft::new(
            EvidenceType::LONG_CONNECTION,
            ctx.profile,
            Side::Src,
            ThreatLevel::Info,
            1.0,
            ctx.window.end,
            format!("window {} had {n} conns", ctx.window.number),
        ));
    }
}

fn engine(cfg: EngineConfig) -> Engine {
    Engine::new(cfg, vec![Hosted::boxed(Probe)])
}

fn descriptions(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Evidence(ev) => format!(
                "E {} {} {}",
                ev.profile, ev.timewindow.number, ev.description
            ),
            Event::Alert { alert, evidence } => format!(
                "A {} {} {:.1} {}",
                alert.profile,
                alert.timewindow.number,
                alert.accumulated_threat_level,
                evidence.len()
            ),
            Event::WindowClosed(s) => format!("W {} {} {}", s.profile, s.window.number, s.flows),
            Event::ProfileRetired(p) => format!("R {:?}", p.ip),
        })
        .collect()
}

#[test]
fn windows_close_by_event_time_after_grace() {
    let mut e = engine(EngineConfig {
        width: 100.0,
        close_grace: 50.0,
        threshold: 1000.0,
        ..Default::default()
    });
    e.process(&conn(1000.0, "C1", "10.0.0.1", "1.1.1.1", 80));
    e.process(&conn(1099.0, "C2", "10.0.0.1", "1.1.1.1", 80));
    // 1100 starts window 2; window 1 stays open until 1100 + 50.
    e.process(&conn(1149.0, "C3", "10.0.0.1", "1.1.1.1", 80));
    let ev: Vec<_> = e.drain_events().collect();
    assert_eq!(ev.len(), 3, "{:?}", descriptions(&ev));
    e.process(&conn(1150.0, "C4", "10.0.0.1", "1.1.1.1", 80));
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert_eq!(
        d,
        vec![
            "E 10.0.0.1 1 window 1 had 2 conns".to_string(),
            "E 10.0.0.1 2 conn C4".to_string()
        ]
    );
    e.finish();
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert_eq!(d, vec!["E 10.0.0.1 2 window 2 had 2 conns".to_string()]);
    let s = e.stats();
    assert_eq!(
        (s.flows, s.closed_windows, s.open_windows, s.profiles),
        (4, 2, 0, 1)
    );
}

/// Emits one HIGH/1.0 source evidence per conn, of a type chosen by the destination port
/// (`TYPES[dport % 4]`), with the destination as victim.
#[derive(Default)]
struct TypedProbe;
const TYPES: [EvidenceType; 4] = [
    EvidenceType::TEMPLATE,
    EvidenceType::BEACONING,
    EvidenceType::DGA_NXDOMAINS,
    EvidenceType::ARP_SCAN,
];
impl Detector for TypedProbe {
    const NAME: &'static str = "typed_probe";
    const DESCRIPTION: &'static str = "test probe";
    const EVIDENCE: &'static [EvidenceType] = &TYPES;
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();
    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Conn(c) = r else { return };
        out.emit(
            EvidenceDraft::new(
                TYPES[usize::from(c.dport % 4)],
                ctx.profile,
                Side::Src,
                ThreatLevel::High,
                1.0,
                c.ts,
                format!("conn {}", c.uid),
            )
            .victim_ip(c.daddr.unwrap(), Side::Dst)
            .uids([c.uid.clone()]),
        );
    }
}

#[test]
fn alert_when_the_score_reaches_the_threshold_then_another_threshold() {
    // Threshold 1.6: two high findings of different types.
    let mut e = Engine::new(
        EngineConfig {
            threshold: 1.6,
            ..Default::default()
        },
        vec![Hosted::boxed(TypedProbe)],
    );
    let conns = [
        (0, "1.1.1.1"), // TEMPLATE: 0.8
        (0, "1.1.1.1"), // the same finding again: still 0.8
        (0, "2.2.2.2"), // another TEMPLATE finding: the type stays at its level, 0.8
        (1, "1.1.1.1"), // BEACONING: 1.6 -> alert
        (1, "1.1.1.1"), // same finding: no new alert
        (2, "1.1.1.1"), // DGA: 2.4
        (3, "1.1.1.1"), // ARP: 3.2 -> second alert
    ];
    for (i, (port, dst)) in conns.iter().enumerate() {
        e.process(&conn(i as f64, &format!("C{i}"), "10.0.0.1", dst, *port));
    }
    let ev: Vec<_> = e.drain_events().collect();
    let scores: Vec<f64> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Evidence(x) => Some(x.accumulated_threat_level),
            _ => None,
        })
        .collect();
    assert_eq!(scores, vec![0.8, 0.8, 0.8, 1.6, 1.6, 2.4, 3.2]);
    let alerts: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            Event::Alert { alert, evidence } => Some((alert.clone(), evidence.len())),
            _ => None,
        })
        .collect();
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[0].1, 4);
    assert!((alerts[0].0.accumulated_threat_level - 1.6).abs() < 1e-9);
    assert_eq!(alerts[0].0.threat_level, ThreatLevel::Critical);
    assert_eq!(alerts[0].0.confidence, 0.5, "at the threshold");
    assert_eq!(alerts[1].1, 3);
    assert_eq!(alerts[1].0.confidence, 1.0, "at twice the threshold");
    // The alert follows the evidence that crossed the threshold.
    let pos = ev
        .iter()
        .position(|e| matches!(e, Event::Alert { .. }))
        .unwrap();
    assert_eq!(pos, 4);
    e.finish();
    assert_eq!(e.stats().alerts, 2);
}

#[test]
fn the_threshold_does_not_depend_on_the_window_width() {
    for width in [300.0, 3600.0, 86_400.0] {
        let mut e = Engine::new(
            EngineConfig {
                width,
                ..Default::default()
            },
            vec![Hosted::boxed(TypedProbe)],
        );
        e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 0));
        e.finish();
        assert_eq!(
            e.stats().alerts,
            1,
            "one high finding alerts with width {width}"
        );
    }
}

#[test]
fn duplicate_and_disabled_evidence_are_dropped() {
    let mut e = engine(EngineConfig {
        disabled_evidence: vec![EvidenceType::LONG_CONNECTION],
        threshold: 1000.0,
        ..Default::default()
    });
    e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 80));
    e.process(&conn(2.0, "C1", "10.0.0.1", "1.1.1.1", 80));
    e.finish();
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert_eq!(d, vec!["E 10.0.0.1 1 conn C1".to_string()]);
    let s = e.stats();
    assert_eq!((s.duplicate_evidence, s.disabled_evidence), (1, 1));
}

#[test]
fn dst_evidence_goes_to_the_attacker_profile_and_does_not_count() {
    let mut e = engine(EngineConfig {
        threshold: 0.5,
        disabled_evidence: vec![EvidenceType::TEMPLATE, EvidenceType::LONG_CONNECTION],
        ..Default::default()
    });
    e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 99));
    e.finish();
    let ev: Vec<_> = e.drain_events().collect();
    assert_eq!(descriptions(&ev), vec!["E 1.1.1.1 1 dst side".to_string()]);
    let Event::Evidence(x) = &ev[0] else { panic!() };
    assert_eq!(x.accumulated_threat_level, 0.0);
    assert_eq!(e.stats().profiles, 2);
}

#[test]
fn summaries_have_letters_ports_and_in_tuples() {
    let mut e = Engine::new(
        EngineConfig {
            summaries: true,
            direction: AnalysisDirection::All,
            ..Default::default()
        },
        vec![],
    );
    for i in 0..4 {
        e.process(&conn(
            i as f64 * 30.0,
            &format!("C{i}"),
            "10.0.0.1",
            "1.1.1.1",
            443,
        ));
    }
    e.finish();
    let mut sums: Vec<_> = e
        .drain_events()
        .filter_map(|e| match e {
            Event::WindowClosed(s) => Some(*s),
            _ => None,
        })
        .collect();
    sums.sort_by_key(|s| s.profile);
    assert_eq!(sums.len(), 2);
    let (dst, src) = (&sums[0], &sums[1]);
    assert_eq!(dst.profile, ip("1.1.1.1"));
    assert_eq!(dst.in_tuples.len(), 1);
    assert_eq!(dst.in_tuples[0].daddr, ip("10.0.0.1"));
    assert_eq!(dst.src_ips, vec![(ip("10.0.0.1"), 4)]);
    assert_eq!(dst.flows, 0, "inbound flows are not the profile's own");
    assert_eq!(src.out_tuples[0].letters, "88,h,h,");
    assert_eq!(src.flows, 4);
    assert_eq!(src.dst_ips, vec![(ip("1.1.1.1"), 4)]);
    assert_eq!(src.client_ports.len(), 1);
    assert_eq!(src.client_ports[0].counters.flows, 4);
    assert_eq!(src.client_ports[0].counters.pkts, 28);
    assert!(src.client_ports[0].established);
}

#[test]
fn open_window_cap_evicts_oldest() {
    let mut e = engine(EngineConfig {
        max_open_windows: 2,
        threshold: 1000.0,
        ..Default::default()
    });
    e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 80));
    e.process(&conn(2.0, "C2", "10.0.0.2", "1.1.1.1", 80));
    e.process(&conn(3.0, "C3", "10.0.0.3", "1.1.1.1", 80));
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert!(
        d.contains(&"E 10.0.0.2 1 window 1 had 1 conns".to_string()),
        "{d:?}"
    );
    let s = e.stats();
    assert_eq!((s.evicted_windows, s.open_windows), (1, 2));
}

#[test]
fn home_network_limits_profiles() {
    let mut e = engine(EngineConfig {
        home_network: vec!["10.0.0.0/24".parse().unwrap()],
        ..Default::default()
    });
    e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 80));
    e.process(&conn(2.0, "C2", "8.8.8.8", "10.0.0.1", 80));
    let s = e.stats();
    assert_eq!((s.profiles, s.unprofiled_records), (1, 1));
}

#[test]
fn same_input_same_events() {
    let run = || {
        let mut e = engine(EngineConfig {
            threshold: 2.0,
            ..Default::default()
        });
        for i in 0..50 {
            let src = format!("10.0.0.{}", i % 7);
            e.process(&conn(
                i as f64 * 97.0,
                &format!("C{i}"),
                &src,
                "1.1.1.1",
                80 + (i % 3) as u16,
            ));
        }
        e.finish();
        e.drain_events().collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

/// Emits the tuple letters it is shown, to check what the engine passes.
#[derive(Default)]
struct LetterProbe;
impl Detector for LetterProbe {
    const NAME: &'static str = "letter_probe";
    const DESCRIPTION: &'static str = "echoes letters";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::TEMPLATE];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
    type WindowState = ();
    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        out.emit(EvidenceDraft::new(
            EvidenceType::TEMPLATE,
            ctx.profile,
            Side::Src,
            ThreatLevel::Info,
            1.0,
            r.ts(),
            format!("letters {}", ctx.letters.unwrap_or("none")),
        ));
    }
}

#[test]
fn detectors_see_the_tuple_letters() {
    let mut e = Engine::new(EngineConfig::default(), vec![Hosted::boxed(LetterProbe)]);
    for i in 0..3 {
        e.process(&conn(
            i as f64 * 30.0,
            &format!("C{i}"),
            "10.0.0.1",
            "1.1.1.1",
            443,
        ));
    }
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert_eq!(
        d,
        vec![
            "E 10.0.0.1 1 letters 8".to_string(),
            "E 10.0.0.1 1 letters 88,".to_string(),
            "E 10.0.0.1 1 letters 88,h,".to_string()
        ]
    );
}

struct DropSome;
impl Filter for DropSome {
    fn skip_record(&self, r: &Record) -> bool {
        r.hosts().0 == Some(ip("10.0.0.9"))
    }
    fn skip_evidence(&self, e: &EvidenceDraft) -> bool {
        e.evidence_type == EvidenceType::LONG_CONNECTION
    }
}

#[test]
fn filter_drops_records_and_evidence() {
    let mut e = engine(EngineConfig {
        threshold: 1000.0,
        ..Default::default()
    })
    .with_filter(Box::new(DropSome));
    e.process(&conn(1.0, "C1", "10.0.0.9", "1.1.1.1", 80));
    e.process(&conn(2.0, "C2", "10.0.0.1", "1.1.1.1", 80));
    e.finish();
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert_eq!(d, vec!["E 10.0.0.1 1 conn C2".to_string()]);
    let s = e.stats();
    assert_eq!(
        (s.filtered_records, s.filtered_evidence, s.profiles),
        (1, 1, 1)
    );
}

#[test]
fn paired_evidence_is_linked() {
    // Probe emits, for port 99, a source-side TEMPLATE and a destination-side
    // PORT_0_CONNECTION (different types: not a pair); make a detector that blames both ends
    // with the same type.
    #[derive(Default)]
    struct Pair;
    impl Detector for Pair {
        const NAME: &'static str = "pair";
        const DESCRIPTION: &'static str = "blames both ends";
        const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::DATA_UPLOAD];
        const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Conn]);
        type WindowState = ();
        fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
            let Record::Conn(c) = r else { return };
            for (ip, side) in [(ctx.profile, Side::Src), (c.daddr.unwrap(), Side::Dst)] {
                out.emit(
                    EvidenceDraft::new(
                        EvidenceType::DATA_UPLOAD,
                        ip,
                        side,
                        ThreatLevel::High,
                        1.0,
                        c.ts,
                        "up".into(),
                    )
                    .uids([c.uid.clone()]),
                );
            }
        }
    }
    let mut e = Engine::new(EngineConfig::default(), vec![Hosted::boxed(Pair)]);
    e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 80));
    let ev: Vec<_> = e
        .drain_events()
        .filter_map(|e| match e {
            Event::Evidence(x) => Some(x),
            _ => None,
        })
        .collect();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].related, vec![ev[1].id.clone()]);
    assert_eq!(ev[1].related, vec![ev[0].id.clone()]);
    // The probe's two different types are not linked.
    let mut e = engine(EngineConfig::default());
    e.process(&conn(1.0, "C1", "10.0.0.1", "1.1.1.1", 99));
    assert!(e.drain_events().all(|x| match x {
        Event::Evidence(x) => x.related.is_empty(),
        _ => true,
    }));
}

/// On every ssh record, reports what the engine's index of recent connections holds for
/// its uid.
#[derive(Default)]
struct Joiner;
impl Detector for Joiner {
    const NAME: &'static str = "joiner";
    const DESCRIPTION: &'static str = "test joiner";
    const EVIDENCE: &'static [EvidenceType] = &[EvidenceType::TEMPLATE];
    const INTERESTS: RecordKinds = RecordKinds::of(&[RecordKind::Ssh]);
    const USES_RECENT_CONNS: bool = true;
    type WindowState = ();
    fn on_record(&mut self, ctx: &DetectorCtx, _: &mut (), r: &Record, out: &mut Emitter) {
        let Record::Ssh(s) = r else { return };
        let found = match ctx.conn_by_uid(&s.uid) {
            Some(c) => format!(
                "{} {}->{}:{} {}",
                s.uid, c.saddr, c.daddr, c.dport, c.dbytes
            ),
            None => format!("{} unknown", s.uid),
        };
        out.emit(EvidenceDraft::new(
            EvidenceType::TEMPLATE,
            ctx.profile,
            Side::Src,
            ThreatLevel::Info,
            1.0,
            s.ts,
            found,
        ));
    }
}

fn ssh(ts: f64, uid: &str, s: &str, d: &str) -> Flow {
    Flow::from(Record::Ssh(Box::new(slips_core::Ssh {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        id: Some(slips_core::Endpoints {
            saddr: ip(s),
            sport: 40000,
            daddr: ip(d),
            dport: 22,
        }),
        ..Default::default()
    })))
}

#[test]
fn detectors_join_connections_by_uid_through_the_engine() {
    let mut e = Engine::new(
        EngineConfig {
            home_network: vec!["10.0.0.0/24".parse().unwrap()],
            ..Default::default()
        },
        vec![Hosted::boxed(Joiner)],
    );
    let flows = [
        conn(1.0, "A", "10.0.0.1", "10.0.0.2", 22),
        // Not profiled (outside the home network): the detectors never saw it.
        conn(2.0, "B", "192.168.9.9", "10.0.0.2", 22),
        ssh(3.0, "A", "10.0.0.1", "10.0.0.2"),
        ssh(3.5, "B", "10.0.0.3", "10.0.0.2"),
        ssh(4.0, "C", "10.0.0.1", "10.0.0.2"),
        // A uid seen again takes the newer values.
        conn(5.0, "A", "10.0.0.1", "10.0.0.9", 2222),
        ssh(6.0, "A", "10.0.0.1", "10.0.0.9"),
    ];
    for f in &flows {
        e.process(f);
    }
    e.finish();
    let got: Vec<String> = e
        .drain_events()
        .filter_map(|ev| match ev {
            Event::Evidence(ev) => Some(ev.description),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [
            "A 10.0.0.1->10.0.0.2:22 2000",
            "B unknown",
            "C unknown",
            "A 10.0.0.1->10.0.0.9:2222 2000"
        ]
    );
    // Without a detector that asks, the engine keeps no index.
    assert!(
        Engine::new(EngineConfig::default(), vec![Hosted::boxed(Probe)])
            .recent
            .is_none()
    );
}

#[test]
fn submitted_evidence_counts_like_a_detectors_and_is_checked() {
    let mut e = Engine::new(
        EngineConfig {
            width: 100.0,
            close_grace: 0.0,
            threshold: 0.5,
            ..EngineConfig::default()
        },
        Vec::new(),
    );
    let draft = |attacker: &str, ts: f64| {
        EvidenceDraft::new(
            EvidenceType::HORIZONTAL_PORT_SCAN,
            ip(attacker),
            Side::Src,
            ThreatLevel::High,
            1.0,
            Timestamp::from_secs(ts),
            "from a module".into(),
        )
    };
    assert_eq!(
        e.submit("ext", draft("10.0.0.5", 10.0)),
        Err(Rejected::NoTraffic)
    );
    e.process(&conn(10.0, "C1", "10.0.0.5", "10.0.0.9", 80));
    assert_eq!(
        e.submit("ext", draft("10.9.9.9", 10.0)),
        Err(Rejected::UnknownProfile)
    );
    e.submit("ext", draft("10.0.0.5", 20.0)).unwrap();
    let events: Vec<Event> = e.drain_events().collect();
    let Event::Evidence(ev) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(ev.detector, "ext");
    assert_eq!(ev.timewindow.number, 1);
    // Scored like any evidence: a high, certain finding crosses the threshold.
    assert!(matches!(events[1], Event::Alert { .. }), "{events:?}");
    // Once its window closed, late evidence is refused.
    e.process(&conn(500.0, "C2", "10.0.0.5", "10.0.0.9", 80));
    assert_eq!(
        e.submit("ext", draft("10.0.0.5", 20.0)),
        Err(Rejected::ClosedWindow)
    );
}

#[test]
fn evidence_beyond_the_cap_per_type_is_summarised_with_its_count() {
    let mut e = engine(EngineConfig {
        max_evidence_per_type: 3,
        threshold: 1000.0,
        disabled_evidence: vec![EvidenceType::LONG_CONNECTION],
        ..Default::default()
    });
    for i in 0..10 {
        e.process(&conn(
            1.0 + f64::from(i),
            &format!("C{i}"),
            "10.0.0.1",
            "1.1.1.1",
            80,
        ));
    }
    // A repeat of a held finding is a duplicate, not one more.
    e.process(&conn(20.0, "C9", "10.0.0.1", "1.1.1.1", 80));
    e.finish();
    let d = descriptions(&e.drain_events().collect::<Vec<_>>());
    assert_eq!(
        d,
        vec![
            "E 10.0.0.1 1 conn C0".to_string(),
            "E 10.0.0.1 1 conn C1".to_string(),
            "E 10.0.0.1 1 conn C2".to_string(),
            "E 10.0.0.1 1 7 more TEMPLATE evidence in this time window, not listed one by one \
             (at most 3 of a type per profile and window); the last: conn C9"
                .to_string(),
        ]
    );
    let s = e.stats();
    assert_eq!(
        (s.capped_evidence, s.duplicate_evidence, s.evidence),
        (7, 1, 4)
    );
}

#[test]
fn a_full_profile_table_retires_the_least_recently_active() {
    let mut e = engine(EngineConfig {
        max_profiles: 2,
        threshold: 1000.0,
        ..Default::default()
    });
    e.process(&conn(1.0, "A1", "10.0.0.1", "1.1.1.1", 80));
    e.process(&conn(2.0, "B1", "10.0.0.2", "1.1.1.1", 80));
    e.process(&conn(3.0, "A2", "10.0.0.1", "1.1.1.1", 80));
    let _ = e.drain_events().count();
    // A new IP: 10.0.0.2, quiet the longest, makes room; its window closes first.
    e.process(&conn(4.0, "C1", "10.0.0.3", "1.1.1.1", 80));
    let events: Vec<Event> = e.drain_events().collect();
    let d = descriptions(&events);
    let retired: Vec<IpAddr> = events
        .iter()
        .filter_map(|ev| match ev {
            Event::ProfileRetired(p) => p.ip,
            _ => None,
        })
        .collect();
    assert_eq!(retired, vec![ip("10.0.0.2")]);
    assert_eq!(d[0], "E 10.0.0.2 1 window 1 had 1 conns");
    assert!(d.contains(&"E 10.0.0.3 1 conn C1".to_string()), "{d:?}");
    let live: Vec<IpAddr> = e.profile_summaries().iter().filter_map(|p| p.ip).collect();
    assert_eq!(live, vec![ip("10.0.0.1"), ip("10.0.0.3")]);
    // The retired IP comes back: a new profile, and the next quietest makes room.
    e.process(&conn(5.0, "B2", "10.0.0.2", "1.1.1.1", 80));
    let live: Vec<IpAddr> = e.profile_summaries().iter().filter_map(|p| p.ip).collect();
    assert_eq!(live, vec![ip("10.0.0.2"), ip("10.0.0.3")]);
    e.finish();
    let s = e.stats();
    assert_eq!(
        (s.profiles, s.retired_profiles, s.unprofiled_records),
        (4, 2, 0)
    );
}

fn out_tuples_of(e: &mut Engine) -> Vec<(IpAddr, Vec<IpAddr>)> {
    e.finish();
    let mut v: Vec<_> = e
        .drain_events()
        .filter_map(|e| match e {
            Event::WindowClosed(s) => Some((
                s.profile,
                s.out_tuples.iter().map(|t| t.daddr).collect::<Vec<_>>(),
            )),
            _ => None,
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_window_full_of_tuples_sheds_the_ones_with_fewest_flows() {
    let mut e = Engine::new(
        EngineConfig {
            summaries: true,
            max_tuples_per_window: 100,
            ..Default::default()
        },
        vec![],
    );
    for i in 0..1000u32 {
        let d = std::net::Ipv4Addr::from(0x0100_0000 + i).to_string();
        e.process(&conn(f64::from(i), &format!("C{i}"), "10.0.0.1", &d, 80));
        if i % 20 == 0 {
            e.process(&conn(
                f64::from(i),
                &format!("B{i}"),
                "10.0.0.1",
                "9.9.9.9",
                443,
            ));
        }
    }
    let held = e.tuples_held;
    let shed = e.stats().shed_tuples;
    let w = out_tuples_of(&mut e);
    assert_eq!(w.len(), 1);
    let kept = &w[0].1;
    // One-flow tuples are all alike: a full window sheds every one of them at once.
    assert!(kept.len() <= 100, "{}", kept.len());
    assert!(kept.contains(&ip("9.9.9.9")), "the busy tuple stays");
    // Tuples, and as many peers (the window files' lists) as tuples.
    assert_eq!(shed as usize, 2 * (1001 - kept.len()));
    assert_eq!(held, kept.len());
}

#[test]
fn many_windows_share_the_global_tuple_budget() {
    let mut e = Engine::new(
        EngineConfig {
            summaries: true,
            max_tuples: 1000,
            ..Default::default()
        },
        vec![],
    );
    // 40 sources, 100 new tuples each, interleaved: 4,000 tuples for a budget of 1,000.
    for k in 0..100u32 {
        for s in 0..40u32 {
            let d = std::net::Ipv4Addr::from(0x0100_0000 + k).to_string();
            let src = format!("10.0.1.{s}");
            e.process(&conn(f64::from(k), &format!("C{k}-{s}"), &src, &d, 80));
        }
    }
    let held = e.tuples_held;
    let shed = e.stats().shed_tuples as usize;
    let w = out_tuples_of(&mut e);
    assert_eq!(w.len(), 40);
    let total: usize = w.iter().map(|(_, t)| t.len()).sum();
    assert!(w.iter().all(|(_, t)| t.len() <= MIN_TUPLE_SHARE), "shares");
    assert!(
        (1000 / 2..=40 * MIN_TUPLE_SHARE).contains(&total),
        "{total}"
    );
    assert!(shed >= 4000 - total, "{shed}");
    assert_eq!(held, total);
}

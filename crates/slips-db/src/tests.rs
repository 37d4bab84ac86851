use super::*;
use slips_core::summary::{ProfileSummary, TupleRow, WindowSummary};
use slips_core::{
    Alert, BlockingEvent, Conn, Dns, Endpoints, Evidence, EvidenceType, Flow, Ioc, Method, Proto,
    Record, Side, ThreatLevel, TimeWindow, Timestamp,
};
use slips_output::{Now, Sink};
use std::net::IpAddr;
use std::time::{Duration, Instant};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn tw() -> TimeWindow {
    TimeWindow {
        number: 1,
        start: Timestamp::from_secs(1000.0),
        end: Timestamp::from_secs(4600.0),
    }
}

fn conn(uid: &str, t: f64, d: &str, dport: u16) -> Flow {
    Record::Conn(Conn {
        ts: Timestamp::from_secs(t),
        uid: uid.into(),
        saddr: Some(ip("10.0.0.5")),
        sport: 40000,
        daddr: Some(ip(d)),
        dport,
        proto: Some(Proto::Tcp),
        ..Default::default()
    })
    .into()
}

fn dns(t: f64, query: &str) -> Flow {
    Record::Dns(Box::new(Dns {
        ts: Timestamp::from_secs(t),
        uid: "Cdns".into(),
        id: Some(Endpoints {
            saddr: ip("10.0.0.5"),
            sport: 5353,
            daddr: ip("10.0.0.1"),
            dport: 53,
        }),
        query: Some(query.into()),
        ..Default::default()
    }))
    .into()
}

fn evidence(id: &str, t: EvidenceType, desc: &str) -> Evidence {
    Evidence {
        id: id.into(),
        evidence_type: t,
        description: desc.into(),
        profile: ip("10.0.0.5"),
        timewindow: tw(),
        attacker: Ioc::ip(ip("10.0.0.5"), Side::Src),
        victim: Some(Ioc::ip(ip("192.0.2.1"), Side::Dst)),
        threat_level: ThreatLevel::High,
        confidence: 0.8,
        ts: Timestamp::from_secs(1500.0),
        proto: Some(Proto::Tcp),
        src_port: None,
        dst_port: Some(23),
        uids: vec!["C1".into()],
        flow_count: 1,
        method: Method::Heuristic,
        detector: "test".into(),
        accumulated_threat_level: 0.8,
        related: Vec::new(),
        notes: Vec::new(),
    }
}

fn alert() -> Alert {
    Alert {
        id: "alert-1".into(),
        profile: ip("10.0.0.5"),
        timewindow: tw(),
        accumulated_threat_level: 1.6,
        threat_level: ThreatLevel::High,
        confidence: 0.9,
        evidence_ids: vec!["ev-1".into(), "ev-2".into()],
        last_ts: Timestamp::from_secs(1600.0),
        blocked: Some(true),
    }
}

fn window(flows: u64) -> WindowSummary {
    WindowSummary {
        profile: ip("10.0.0.5"),
        window: tw(),
        flows,
        dst_ips: vec![],
        src_ips: vec![],
        client_ports: vec![],
        server_ports: vec![],
        out_tuples: vec![TupleRow {
            daddr: ip("192.0.2.1"),
            dport: 23,
            proto: Proto::Tcp,
            letters: "11.1".into(),
            flows,
        }],
        in_tuples: vec![],
        evidence: vec![],
        alerted: true,
    }
}

const NOW: Now<'static> = Now {
    create_time: "x",
    event_time: Timestamp::ZERO,
};

fn write(path: &std::path::Path, live: bool) -> DbSink {
    let mut db = DbSink::create(
        path,
        Options {
            store_records: true,
            live,
        },
        &[("slips_version", "0.1.0".into()), ("input", "test".into())],
    )
    .unwrap();
    db.record(&conn("C1", 1500.0, "192.0.2.1", 23), Some(ip("10.0.0.5")))
        .unwrap();
    db.record(&conn("C2", 1510.0, "192.0.2.2", 80), Some(ip("10.0.0.5")))
        .unwrap();
    db.record(&dns(1520.0, "evil.example"), Some(ip("10.0.0.5")))
        .unwrap();
    db.evidence(
        &evidence("ev-1", EvidenceType::HORIZONTAL_PORT_SCAN, "scan"),
        &NOW,
    )
    .unwrap();
    db.evidence(
        &evidence("ev-2", EvidenceType::UNKNOWN_PORT, "port \u{1b}[31m23"),
        &NOW,
    )
    .unwrap();
    db.alert(&alert(), &[], &NOW).unwrap();
    db.refresh(&[window(1)], &NOW).unwrap();
    db.window_closed(&window(2)).unwrap();
    db.blocking(&BlockingEvent {
        time: 1600.0,
        ip: ip("10.0.0.5"),
        action: "block".into(),
        detail: None,
        alert_id: Some("alert-1".into()),
        until: Some(5200.0),
        offences: 1,
        dry_run: false,
        error: None,
    })
    .unwrap();
    db
}

#[test]
fn everything_written_is_queried_back() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(FILE_NAME);
    let mut db = write(&path, false);
    db.finish(&[ProfileSummary {
        ip: Some(ip("10.0.0.5")),
        first_seen: Timestamp::from_secs(1500.0),
        last_seen: Timestamp::from_secs(1520.0),
        flows: 3,
        windows: vec![1],
        alerted_windows: vec![1],
        evidence_count: 2,
        max_threat_level: Some(ThreatLevel::High),
        ..Default::default()
    }])
    .unwrap();
    let r = Reader::open(&path).unwrap();
    assert_eq!(r.meta("input").as_deref(), Some("test"));
    assert_eq!(r.meta("complete").as_deref(), Some("true"));
    let all = Filter::default();

    let flows = r.query(Table::Flows, &all).unwrap();
    assert_eq!(flows.rows.len(), 3);
    let j = flows.to_json();
    assert_eq!(j[0]["kind"], "conn");
    assert_eq!(j[0]["uid"], "C1");
    assert_eq!(j[0]["dport"], 23);
    assert_eq!(j[0]["proto"], "tcp");
    // Connections are columns; other records also whole, with the same kind tag as the
    // record's serde form.
    assert_eq!(j[0]["data"], serde_json::Value::Null);
    assert_eq!(j[0]["state"], "OTH");
    assert_eq!(j[0]["sbytes"], 0);
    assert_eq!(j[2]["kind"], "dns");
    assert_eq!(j[2]["data"]["kind"], "dns");
    assert_eq!(j[2]["domain"], "evil.example");
    let by_domain = Filter {
        domain: Some("evil.example".into()),
        ..Default::default()
    };
    assert_eq!(r.query(Table::Flows, &by_domain).unwrap().rows.len(), 1);
    let by_uid = Filter {
        uid: Some("C2".into()),
        ..Default::default()
    };
    assert_eq!(r.query(Table::Flows, &by_uid).unwrap().rows.len(), 1);
    // An IP matches either end of a flow.
    let by_dst = Filter {
        ip: Some(ip("192.0.2.2")),
        ..Default::default()
    };
    assert_eq!(r.query(Table::Flows, &by_dst).unwrap().rows.len(), 1);
    let range = Filter {
        from: Some(1505.0),
        to: Some(1520.0),
        ..Default::default()
    };
    assert_eq!(r.query(Table::Flows, &range).unwrap().rows.len(), 1);

    let ev = r.query(Table::Evidence, &all).unwrap();
    assert_eq!(ev.rows.len(), 2);
    let by_type = Filter {
        kind: Some("UNKNOWN_PORT".into()),
        ..Default::default()
    };
    let ev = r.query(Table::Evidence, &by_type).unwrap();
    assert_eq!(ev.rows.len(), 1);
    // Text from traffic is escaped in tables, intact in JSON.
    let table = ev.to_table();
    assert!(
        !table.contains('\u{1b}') && table.contains("port \\x1b[31m23"),
        "{table}"
    );
    assert_eq!(ev.to_json()[0]["description"], "port \u{1b}[31m23");

    let alerts = r.query(Table::Alerts, &all).unwrap().to_json();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["blocked"], 1);
    assert_eq!(alerts[0]["evidence"], 2);

    // The closed window replaced its live version, tuples included.
    let windows = r.query(Table::Windows, &all).unwrap().to_json();
    assert_eq!(windows.len(), 1);
    let tuples = r.query(Table::Tuples, &all).unwrap().to_json();
    assert_eq!(tuples.len(), 1);
    assert_eq!(tuples[0]["peer"], "192.0.2.1");
    assert_eq!(tuples[0]["letters"], "11.1");
    assert_eq!(tuples[0]["flows"], 2);
    assert_eq!(tuples[0]["direction"], "out");
    let in_window_1 = Filter {
        ip: Some(ip("10.0.0.5")),
        window: Some(1),
        ..Default::default()
    };
    assert_eq!(r.query(Table::Tuples, &in_window_1).unwrap().rows.len(), 1);
    assert_eq!(windows[0]["flows"], 2);
    assert_eq!(windows[0]["closed"], 1);

    let profiles = r.query(Table::Profiles, &all).unwrap().to_json();
    assert_eq!(profiles[0]["ip"], "10.0.0.5");
    assert_eq!(profiles[0]["alerted_windows"], serde_json::json!([1]));
    let in_window_2 = Filter {
        window: Some(2),
        ..Default::default()
    };
    assert!(r
        .query(Table::Profiles, &in_window_2)
        .unwrap()
        .rows
        .is_empty());

    let b = r.query(Table::Blocking, &all).unwrap().to_json();
    assert_eq!(b[0]["action"], "block");
    assert_eq!(b[0]["alert"], "alert-1");
}

#[test]
fn a_live_database_is_readable_while_it_is_written() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(FILE_NAME);
    let mut db = write(&path, true);
    db.flush().unwrap();
    let t = Instant::now();
    loop {
        let seen = Reader::open(&path)
            .ok()
            .and_then(|r| r.query(Table::Flows, &Filter::default()).ok())
            .map_or(0, |rows| rows.rows.len());
        if seen == 3 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(3),
            "live rows not visible"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    db.close().unwrap();
}

#[test]
fn other_schema_versions_and_other_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(FILE_NAME);
    let mut db = write(&path, false);
    db.close().unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "UPDATE meta SET value = '999' WHERE key = 'schema_version'",
        [],
    )
    .unwrap();
    drop(c);
    let e = Reader::open(&path).err().unwrap().to_string();
    assert!(
        e.contains("schema 999") && e.contains("reads schema 1"),
        "{e}"
    );

    let other = d.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE x (a)")
        .unwrap();
    let e = Reader::open(&other).err().unwrap().to_string();
    assert!(e.contains("is not a slips database"), "{e}");
    let text = d.path().join("notes.txt");
    std::fs::write(&text, "hello, not sqlite at all, just text").unwrap();
    assert!(Reader::open(&text).is_err());
    assert!(Reader::open(&d.path().join("missing.sqlite")).is_err());
}

#[test]
fn a_new_run_replaces_the_database_of_the_last() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(FILE_NAME);
    write(&path, false).close().unwrap();
    write(&path, false).close().unwrap();
    let r = Reader::open(&path).unwrap();
    assert_eq!(
        r.query(Table::Flows, &Filter::default())
            .unwrap()
            .rows
            .len(),
        3
    );
}

/// Records what a replay hands over.
#[derive(Default)]
struct Recorder {
    records: Vec<(Flow, Option<IpAddr>)>,
    evidence: Vec<Evidence>,
    alerts: Vec<(Alert, usize)>,
    windows: Vec<WindowSummary>,
    profiles: Vec<ProfileSummary>,
}

impl Sink for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn record(&mut self, f: &Flow, p: Option<IpAddr>) -> slips_output::Result<()> {
        self.records.push((f.clone(), p));
        Ok(())
    }
    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        self.evidence.push(e.clone());
        Ok(())
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.alerts.push((a.clone(), ev.len()));
        Ok(())
    }
    fn window_closed(&mut self, w: &WindowSummary) -> slips_output::Result<()> {
        self.windows.push(w.clone());
        Ok(())
    }
    fn finish(&mut self, p: &[ProfileSummary]) -> slips_output::Result<()> {
        self.profiles = p.to_vec();
        Ok(())
    }
}

#[test]
fn a_replay_hands_the_sinks_what_the_run_gave_them() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join(FILE_NAME);
    let mut db = write(&path, false);
    let profile = ProfileSummary {
        ip: Some(ip("10.0.0.5")),
        flows: 3,
        windows: vec![1],
        ..Default::default()
    };
    db.finish(std::slice::from_ref(&profile)).unwrap();
    let mut rec = Recorder::default();
    let done = Reader::open(&path).unwrap().replay(&mut rec).unwrap();
    assert_eq!(
        done,
        Replayed {
            records: 3,
            evidence: 2,
            alerts: 1,
            windows: 1,
            profiles: 1,
            unreadable: 0
        }
    );
    // Connections come back from their columns, other records from their JSON.
    assert_eq!(rec.records[0].0, conn("C1", 1500.0, "192.0.2.1", 23));
    assert_eq!(rec.records[0].1, Some(ip("10.0.0.5")));
    assert_eq!(rec.records[2].0, dns(1520.0, "evil.example"));
    let ev = evidence("ev-2", EvidenceType::UNKNOWN_PORT, "port \u{1b}[31m23");
    assert_eq!(rec.evidence[1], ev);
    assert_eq!(rec.alerts[0].0, alert());
    assert_eq!(rec.alerts[0].1, 2);
    // The window closed last, with its evidence and tuples.
    let mut w = window(2);
    w.evidence = rec.evidence.clone();
    assert_eq!(rec.windows[0], w);
    assert_eq!(rec.profiles, vec![profile]);
}

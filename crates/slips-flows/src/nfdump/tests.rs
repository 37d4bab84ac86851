use super::*;

fn run(lines: &[&str]) -> (Vec<Flow>, Vec<Result<Parsed, LineError>>) {
    let mut p = NfdumpParser::new();
    let mut out = VecDeque::new();
    let res = lines
        .iter()
        .map(|l| p.parse(l.as_bytes(), &mut out))
        .collect();
    p.finish(&mut out);
    (out.into_iter().collect(), res)
}

fn conn(f: &Flow) -> &Conn {
    match &f.record {
        Record::Conn(c) => c,
        other => panic!("{other:?}"),
    }
}

// test1's first connection: 147.32.80.119:53778 -> 147.32.82.62:902 SYN, answered by RST ACK.
const SYN: &str = "2|1515771467334|1515771467334|6|0|0|0|2468368503|53778|0|0|0|2468368958|902|2852|2852|0|0|2|0|1|60";
const RST: &str = "2|1515771467334|1515771467334|6|0|0|0|2468368958|902|0|0|0|2468368503|53778|2852|2852|0|0|20|0|1|40";

#[test]
fn a_rejected_connection_is_one_flow() {
    for order in [[SYN, RST], [RST, SYN]] {
        let (flows, res) = run(&order);
        assert_eq!(res, vec![Ok(Parsed::Records); 2]);
        assert_eq!(flows.len(), 1, "{order:?}");
        let c = conn(&flows[0]);
        let ts = Timestamp::from_secs(1_515_771_467.334);
        let sa: IpAddr = "147.32.80.119".parse().unwrap();
        let da: IpAddr = "147.32.82.62".parse().unwrap();
        assert_eq!(
            *c,
            Conn {
                ts,
                uid: flow_uid('N', Proto::Tcp, Some(sa), 53778, Some(da), 902, ts),
                saddr: Some(sa),
                sport: 53778,
                daddr: Some(da),
                dport: 902,
                proto: Some(Proto::Tcp),
                service: None,
                duration: 0.0,
                sbytes: 60,
                dbytes: 40,
                state: ConnState::REJ,
                history: Str::default(),
                spkts: 1,
                dpkts: 1,
                sip_bytes: 60,
                dip_bytes: 40,
                missed_bytes: 0,
                smac: None,
                dmac: None,
            }
        );
    }
}

#[test]
fn established_unanswered_udp_icmp_and_ipv6() {
    let (flows, _) = run(&[
        // SSH: both sides SYN ACK PSH FIN.
        "2|1515771450940|1515771450960|6|0|0|0|2468368958|22|0|0|0|2468369361|44948|2852|2852|0|0|27|16|3|580",
        "2|1515771450941|1515771450960|6|0|0|0|2468369361|44948|0|0|0|2468368958|22|2852|2852|0|0|27|16|3|156",
        // A SYN nobody answered.
        "2|1515771451000|1515771451000|6|0|0|0|1|1000|0|0|0|2|80|0|0|0|0|2|0|1|60",
        // UDP with an answer, UDP without.
        "2|1515771452000|1515771452001|17|0|0|0|1|5353|0|0|0|2|53|0|0|0|0|0|0|1|70",
        "2|1515771452001|1515771452001|17|0|0|0|2|53|0|0|0|1|5353|0|0|0|0|0|0|1|120",
        "2|1515771453000|1515771453000|17|0|0|0|1|5000|0|0|0|3|9999|0|0|0|0|0|0|1|70",
        // ICMP echo request: type 8, code 0 in the destination port.
        "2|1515771454000|1515771454000|1|0|0|0|1|0|0|0|0|3|2048|0|0|0|0|0|0|1|84",
        // IPv6 (af 10): 2001:db8::1 -> 2001:db8::2.
        "10|1515771455000|1515771455000|17|536939960|0|0|1|5000|536939960|0|0|2|53|0|0|0|0|0|0|1|70",
    ]);
    let summary: Vec<_> = flows
        .iter()
        .map(|f| {
            let c = conn(f);
            (c.proto(), c.sport, c.dport, c.state, c.spkts, c.dpkts)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (Proto::Tcp, 22, 44948, ConnState::SF, 3, 3),
            (Proto::Tcp, 1000, 80, ConnState::S0, 1, 0),
            (Proto::Udp, 5353, 53, ConnState::SF, 1, 1),
            (Proto::Udp, 5000, 9999, ConnState::S0, 1, 0),
            (Proto::Icmp, 8, 0, ConnState::OTH, 1, 0),
            (Proto::Udp, 5000, 53, ConnState::S0, 1, 0),
        ]
    );
    assert!(conn(&flows[0]).is_established());
    assert_eq!(conn(&flows[0]).duration, 0.02);
    assert_eq!(conn(&flows[5]).saddr, Some("2001:db8::1".parse().unwrap()));
}

#[test]
fn records_leave_in_start_order_and_memory_is_bounded() {
    let line =
        |ms: u64, sp: u32| format!("2|{ms}|{ms}|17|0|0|0|1|{sp}|0|0|0|2|53|0|0|0|0|0|0|1|70");
    let mut p = NfdumpParser::new();
    let mut out = VecDeque::new();
    // Slightly out of order input.
    for (ms, sp) in [(2000, 1), (1000, 2), (3000, 3)] {
        p.parse(line(ms, sp).as_bytes(), &mut out).unwrap();
    }
    assert!(out.is_empty(), "records wait for their reply");
    // Far later: the earlier ones are released, in start order.
    p.parse(line(1_000_000, 4).as_bytes(), &mut out).unwrap();
    let sports: Vec<u16> = out.iter().map(|f| conn(f).sport).collect();
    assert_eq!(sports, vec![2, 1, 3]);
    p.finish(&mut out);
    assert_eq!(out.len(), 4);
    assert!(p.pending.is_empty() && p.index.is_empty());
}

#[test]
fn a_lone_reset_is_a_rejected_attempt() {
    let (flows, _) = run(&[RST]);
    let c = conn(&flows[0]);
    assert_eq!(
        (c.saddr, c.sport, c.daddr, c.dport, c.state, c.spkts, c.dpkts, c.dbytes),
        (
            Some("147.32.80.119".parse().unwrap()),
            53778,
            Some("147.32.82.62".parse().unwrap()),
            902,
            ConnState::REJ,
            0,
            1,
            40
        )
    );
}

#[test]
fn bad_lines() {
    let (flows, res) = run(&[
        "2|1515771467334|1515771467334|6|0|0|0|2468368503",
        "2|1515771467334|1515771467334|6|0|0|0|x|53778|0|0|0|2468368958|902|2852|2852|0|0|2|0|1|60",
        "7|1515771467334|1515771467334|6|0|0|0|1|53778|0|0|0|2|902|2852|2852|0|0|2|0|1|60",
        "2|1515771467334|1515771467334|6|0|0|0|1|70000|0|0|0|2|902|2852|2852|0|0|2|0|1|60",
        "\u{0}\u{1}",
        SYN,
    ]);
    assert_eq!(
        res,
        vec![
            Err(LineError::ColumnCount {
                expected: 22,
                found: 8
            }),
            Err(LineError::field("src_addr", "x", "not an unsigned integer")),
            Err(LineError::field("af", "7", "unknown address family")),
            Err(LineError::field(
                "src_port",
                "70000",
                "not an unsigned integer"
            )),
            Err(LineError::ColumnCount {
                expected: 22,
                found: 1
            }),
            Ok(Parsed::Records),
        ]
    );
    assert_eq!(flows.len(), 1);
    let mut p = NfdumpParser::new();
    assert_eq!(
        p.parse(b"\xff|\xfe", &mut VecDeque::new()),
        Err(LineError::Utf8)
    );
}

#[test]
fn missing_program_says_how_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.nfcapd");
    std::fs::write(&f, [0x0c, 0xa5, 1, 0]).unwrap();
    let err = open_nfdump_with("/nonexistent/nfdump".as_ref(), &f).unwrap_err();
    let reason = std::process::Command::new("/nonexistent/nfdump")
        .spawn()
        .unwrap_err()
        .to_string();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: reading nfdump files needs the `nfdump` program ({reason}); install it with `apt-get install nfdump` (Debian/Ubuntu), `brew install nfdump` (macOS) or from https://github.com/phaag/nfdump",
            f.display()
        )
    );
}

#[test]
fn a_failing_nfdump_is_reported_with_its_message() {
    // `false` exits 1 without output: no flows, one problem naming the failure.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.nfcapd");
    std::fs::write(&f, [0x0c, 0xa5, 1, 0]).unwrap();
    let mut src = open_nfdump_with("false".as_ref(), &f).unwrap();
    assert!(src.next_flow().is_none());
    assert_eq!(src.stats().malformed, 1);
    assert_eq!(src.problems()[0].line, 0);
    assert_eq!(
        src.problems()[0].message,
        "nfdump failed (exit status: 1): "
    );
}

#[test]
fn dataset_file_through_nfdump() {
    let p = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/slips/test1-malicious.nfdump"
    ));
    if !p.exists() {
        eprintln!(
            "skipping: {} is absent (../shared is not here)",
            p.display()
        );
        return;
    }
    if std::process::Command::new("nfdump")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("skipping: nfdump is not installed (apt-get install nfdump)");
        return;
    }
    let mut src = open_nfdump(p).unwrap();
    let flows: Vec<Flow> = src.by_ref().collect();
    let st = src.stats().clone();
    assert_eq!(st.lines, 4593);
    assert_eq!(st.malformed, 0, "{:?}", src.problems());
    assert_eq!(st.records, flows.len() as u64);
    let first = conn(&flows[0]);
    assert!(flows
        .windows(2)
        .all(|w| w[0].record.ts() <= w[1].record.ts()));
    let established = flows.iter().filter(|f| conn(f).is_established()).count();
    let to_902 = flows
        .iter()
        .filter(|f| conn(f).dport == 902 && conn(f).state == ConnState::REJ)
        .count();
    // 2,305 SYNs to 902/tcp, 2,177 of them answered by a RST (in the file), and 80 RSTs
    // whose SYN is not in the file (read as rejected attempts to 902 as well); 2 SSH
    // connections and 8 DNS exchanges are established.
    assert_eq!(
        (flows.len(), established, to_902, first.ts.secs()),
        (2398, 10, 2177 + 80, 1_515_771_450.94)
    );
}

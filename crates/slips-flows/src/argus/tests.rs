use super::*;
use slips_core::Record;

const CTU: &str = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label";

fn run(lines: &[&str]) -> (Vec<Flow>, Vec<Result<Parsed, LineError>>) {
    let mut p = ArgusParser::new();
    let mut out = VecDeque::new();
    let res = lines
        .iter()
        .map(|l| p.parse(l.as_bytes(), &mut out))
        .collect();
    (out.into_iter().collect(), res)
}

fn conn(f: &Flow) -> &Conn {
    match &f.record {
        Record::Conn(c) => c,
        other => panic!("{other:?}"),
    }
}

#[test]
fn ctu_csv_line_becomes_a_full_conn() {
    let (flows, res) = run(&[
        CTU,
        "2019/04/04 16:23:00.355768,129.927856,tcp,10.8.0.69,48009,   ->,31.13.83.2,443,SPA_SRPA,0,164,26,5723,1621,13,flow=From-Botnet",
    ]);
    assert_eq!(res, vec![Ok(Parsed::Header), Ok(Parsed::Records)]);
    let ts = Timestamp::from_secs(1_554_394_980.355_768);
    let expected = Conn {
        ts,
        uid: flow_uid(
            'A',
            Proto::Tcp,
            Some("10.8.0.69".parse().unwrap()),
            48009,
            Some("31.13.83.2".parse().unwrap()),
            443,
            ts,
        ),
        saddr: Some("10.8.0.69".parse().unwrap()),
        sport: 48009,
        daddr: Some("31.13.83.2".parse().unwrap()),
        dport: 443,
        proto: Some(Proto::Tcp),
        service: None,
        duration: 129.927856,
        sbytes: 1621,
        dbytes: 5723 - 1621,
        state: ConnState::RSTR,
        history: Str::default(),
        spkts: 13,
        dpkts: 13,
        sip_bytes: 1621,
        dip_bytes: 5723 - 1621,
        missed_bytes: 0,
        smac: None,
        dmac: None,
    };
    assert_eq!(conn(&flows[0]), &expected);
    assert!(expected.is_established());
    assert_eq!(
        flows[0].label.as_deref(),
        Some(&GroundTruth {
            label: "flow=From-Botnet".into(),
            detailed_label: None
        })
    );
}

#[test]
fn tsv_and_missing_columns() {
    // test4's layout: no SrcPkts column; test5's: tab separated.
    let (flows, res) = run(&[
        "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label",
        "2018/09/27 22:40:53.115509,0.004629,udp,192.168.2.12,44192,  <->,192.168.2.1,53,CON,0,0,2,174,79,",
        "2018/09/27 22:40:54.000000,0,tcp,192.168.2.12,40000,   ->,1.2.3.4,23,REQ,0,0,1,60,60",
    ]);
    assert_eq!(res[1..], [Ok(Parsed::Records), Ok(Parsed::Records)]);
    let c = conn(&flows[0]);
    assert_eq!((c.spkts, c.dpkts, c.sbytes, c.dbytes), (2, 0, 79, 95));
    assert_eq!(c.state, ConnState::SF);
    assert_eq!(conn(&flows[1]).state, ConnState::S0);
    assert!(!conn(&flows[1]).is_established());

    let (flows, _) = run(&[
        "StartTime\tDur\tProto\tSrcAddr\tSport\tDir\tDstAddr\tDport\tState\tsTos\tdTos\tTotPkts\tTotBytes\tSrcBytes\tSrcPkts\tLabel",
        "1970/01/01 01:00:08.140269\t71.165138\tudp\t10.0.2.2\t67\t   ->\t10.0.2.15\t68\tINT\t16\t\t3\t1770\t1770\t3\tflow=Background-UDP-Attempt",
    ]);
    let c = conn(&flows[0]);
    assert_eq!(c.ts.secs(), 3608.140269);
    assert_eq!((c.sport, c.dport, c.state), (67, 68, ConnState::S0));
    assert_eq!(
        flows[0].label.as_ref().unwrap().label,
        "flow=Background-UDP-Attempt"
    );
}

#[test]
fn icmp_ports_in_hex_become_type_and_code() {
    let (flows, _) = run(&[
        CTU,
        "2019/04/04 16:23:07.963960,0.000000,icmp,10.8.0.69,0x0008,   ->,192.168.170.1,0x7208,ECO,0,,1,72,72,1,",
        "2019/04/04 16:25:29.214219,3469.472168,icmp,10.8.0.1,0x0403,   ->,10.8.0.69,0x0000,URF,192,,96,55296,55296,96,",
    ]);
    let a = conn(&flows[0]);
    assert_eq!((a.sport, a.dport, a.state), (8, 0, ConnState::OTH));
    let b = conn(&flows[1]);
    assert_eq!((b.sport, b.dport, b.state), (3, 4, ConnState::S0));
}

#[test]
fn headerless_lines_use_slips_fixed_order() {
    let (flows, res) = run(&[
        "2018/12/18 14:00:00.527012,0.699716,tcp,216.73.23.146,52798,   ->,147.32.81.58,445,S_RA,0,0,2,134,70,1,",
        "2018/12/18 14:00:01.000000\t1.0\tudp\t10.0.0.1\t5000\t<->\t10.0.0.2\t53\tCON",
    ]);
    assert_eq!(res[0], Ok(Parsed::Records));
    let c = conn(&flows[0]);
    assert_eq!(
        (c.sport, c.dport, c.state, c.spkts, c.dpkts),
        (52798, 445, ConnState::REJ, 1, 1)
    );
    // The first line fixed the delimiter: a tab line is one column.
    assert_eq!(
        res[1],
        Err(LineError::ColumnCount {
            expected: 16,
            found: 1
        })
    );
}

#[test]
fn link_layer_flows_are_counted_not_analysed() {
    let (flows, res) = run(&[
        CTU,
        "1970/01/01 01:00:00.000000,0.000000,llc,00:00:00:00:00:00,0,   ->,00:00:00:00:00:00,0,INT,,,1,60,60,1,flow=Background",
        "2018/09/27 22:41:57.854743,127.995537,arp,192.168.2.12,,  who,192.168.2.1,,CON,,,10,510,300,",
    ]);
    assert_eq!(
        res[1..],
        [Ok(Parsed::Ignored(IGNORED_NON_IP)), Ok(Parsed::Records)]
    );
    // ARP between IP addresses is kept, as Slips does (test5's 59-minute "connection").
    let c = conn(&flows[0]);
    assert_eq!(
        (c.proto(), c.sport, c.dport, c.state, c.duration),
        (Proto::Arp, 0, 0, ConnState::SF, 127.995537)
    );
    assert_eq!(flows.len(), 1);
}

#[test]
fn bad_lines_have_clear_errors() {
    let (flows, res) = run(&[
        CTU,
        // truncated line
        "2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69",
        // bad IP
        "2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.690,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,",
        // unknown state
        "2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,C?N,0,0,2,142,63,1,",
        // bad timestamp
        "yesterday,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,",
        // bad port
        "2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,99999,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,",
        // bad number
        "2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,1,  <->,8.8.8.8,53,CON,0,0,two,142,63,1,",
        // repeated header is fine
        CTU,
        // and the rest is still read
        "2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,",
    ]);
    assert_eq!(
        res[1..],
        [
            Err(LineError::ColumnCount {
                expected: 16,
                found: 4
            }),
            Err(LineError::field(
                "SrcAddr",
                "10.8.0.690",
                "not an IPv4 or IPv6 address"
            )),
            Err(LineError::field(
                "State",
                "C?N",
                "not a connection state (Zeek, Argus or TCP flags)"
            )),
            Err(LineError::field(
                "StartTime",
                "yesterday",
                "not a timestamp"
            )),
            Err(LineError::field("Sport", "99999", "not a port number")),
            Err(LineError::field(
                "TotPkts",
                "two",
                "not an unsigned integer"
            )),
            Ok(Parsed::Header),
            Ok(Parsed::Records),
        ]
    );
    assert_eq!(flows.len(), 1);
    // Binary garbage.
    let mut p = ArgusParser::new();
    let mut out = VecDeque::new();
    assert_eq!(p.parse(b"\xff\x00\xfe", &mut out), Err(LineError::Utf8));
    // A header without addresses.
    assert_eq!(
        p.parse(b"StartTime,Dur,Proto,SrcAddr,Sport", &mut out),
        Err(LineError::Header("no `DstAddr` column".into()))
    );
}

#[test]
fn ra_default_text_output() {
    let (flows, res) = run(&[
        "         StartTime      Flgs  Proto            SrcAddr  Sport   Dir            DstAddr  Dport  TotPkts   TotBytes State ",
        "   23:43:38.003696              man                  0      0                        0      0        0          0   STA",
        "   20:49:16.553183  e           udp        192.168.2.1.5353      ->        224.0.0.251.5353          3       1299   INT",
        "   20:49:17.000000  e d         tcp        192.168.2.1.40000     ->        10.0.0.1.80               5       900   FSPA_FSPA",
        "   20:49:16.520403  e        ipv6-* fe80::d2:4591:568*.133       ->            ff02::2.0             2        132   NRS",
        "   00:00:01.000000  e           udp        192.168.2.1.5353      ->        224.0.0.251.5353          3       1299   INT",
    ]);
    assert_eq!(res[0], Ok(Parsed::Header));
    assert_eq!(res[1], Ok(Parsed::Ignored(IGNORED_NON_IP)));
    assert_eq!(res[2], Ok(Parsed::Records));
    assert_eq!(res[3], Ok(Parsed::Records));
    assert_eq!(
        res[4],
        Err(LineError::field(
            "SrcAddr",
            "fe80::d2:4591:568*",
            "not an IPv4 or IPv6 address"
        ))
    );
    let a = conn(&flows[0]);
    assert_eq!(a.ts.secs(), 74_956.553_183);
    assert_eq!(a.saddr, Some("192.168.2.1".parse().unwrap()));
    assert_eq!((a.sport, a.dport, a.spkts, a.sbytes), (5353, 5353, 3, 1299));
    assert_eq!(a.state, ConnState::S0);
    let b = conn(&flows[1]);
    assert_eq!((b.dport, b.state), (80, ConnState::SF));
    // The clock went back by more than 12 hours: next day.
    assert_eq!(conn(&flows[2]).ts.secs(), 86_401.0);
}

#[test]
fn delimited_time_of_day_and_epoch() {
    let (flows, res) = run(&[
        "StartTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,TotPkts,TotBytes,State",
        "23:43:38.003696,          ,man,0,0,,0,0,0,0,STA",
        "20:49:16.520001, e        ,udp,10.0.0.1,5353,   ->,224.0.0.251,5353,1,86,INT",
        "00:00:01.000000, e        ,udp,10.0.0.1,5353,   ->,224.0.0.251,5353,1,86,INT",
    ]);
    assert_eq!(res[1], Ok(Parsed::Ignored(IGNORED_NON_IP)));
    let ts: Vec<f64> = flows.iter().map(|f| conn(f).ts.secs()).collect();
    assert_eq!(ts, vec![74_956.520_001, 86_401.0]);
    let (flows, _) = run(&[
        "1795823018.003696,0.000569,man,0,0,,0,0,STA,,,0,0,0,0",
        "1520628556.520001,0.000000,ipv6-icmp,::,135,   ->,ff02::1:ff8e:c3d1,0,NNS,0,,1,86,86,1",
    ]);
    let c = conn(&flows[0]);
    assert_eq!(
        (c.ts.secs(), c.proto(), c.sport, c.dport),
        (1_520_628_556.520_001, Proto::Icmp6, 135, 0)
    );
}

#[test]
fn zeek_states_and_flag_strings_are_states_too() {
    // A vertical scan of 20 ports of one host, written with Zeek's states (a binetflow
    // converted from Zeek): every line parses, with Zeek's meaning.
    let states = [
        "S0", "REJ", "SF", "RSTO", "OTH", "S1", "RSTOS0", "SH", "S0", "REJ",
    ];
    let mut lines = vec![CTU.to_string()];
    for i in 0..20u16 {
        lines.push(format!(
            "2019/04/04 16:23:{:02}.000000,0.001,tcp,10.0.0.5,40000,   ->,10.0.0.9,{},{},0,0,2,120,60,1,",
            i,
            1000 + i,
            states[usize::from(i) % states.len()]
        ));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (flows, res) = run(&refs);
    assert!(
        res[1..].iter().all(|r| *r == Ok(Parsed::Records)),
        "{res:?}"
    );
    assert_eq!(flows.len(), 20);
    let got: Vec<ConnState> = flows.iter().map(|f| conn(f).state).collect();
    assert_eq!(got[0], ConnState::S0);
    assert_eq!(got[1], ConnState::REJ);
    assert_eq!(got[2], ConnState::SF);
    assert_eq!(got[3], ConnState::RSTO);
    assert_eq!(got[4], ConnState::OTH);
    let dports: std::collections::BTreeSet<u16> = flows.iter().map(|f| conn(f).dport).collect();
    assert_eq!(dports.len(), 20);
    // Argus states and TCP flag strings still work, in the same file.
    let (flows, res) = run(&[
        CTU,
        "2019/04/04 16:23:00.0,0.1,tcp,10.0.0.5,40001,   ->,10.0.0.9,22,S_RA,0,0,2,120,60,1,",
        "2019/04/04 16:23:00.1,0.1,udp,10.0.0.5,40002,   ->,10.0.0.9,53,INT,0,0,1,60,60,1,",
        "2019/04/04 16:23:00.2,0.1,tcp,10.0.0.5,40003,   ->,10.0.0.9,80,...A.RS.,0,0,2,120,60,1,",
        "2019/04/04 16:23:00.3,0.1,tcp,10.0.0.5,40004,   ->,10.0.0.9,443,FSPA,0,0,9,900,300,5,",
    ]);
    assert!(
        res[1..].iter().all(|r| *r == Ok(Parsed::Records)),
        "{res:?}"
    );
    let got: Vec<ConnState> = flows.iter().map(|f| conn(f).state).collect();
    assert_eq!(
        got,
        [ConnState::REJ, ConnState::S0, ConnState::REJ, ConnState::SF]
    );
}

use super::*;

fn run(lines: &[&str]) -> (Vec<Flow>, Vec<Result<Parsed, LineError>>) {
    let mut p = SuricataParser::new();
    let mut out = VecDeque::new();
    let res = lines
        .iter()
        .map(|l| p.parse(l.as_bytes(), &mut out))
        .collect();
    p.finish(&mut out);
    (out.into_iter().collect(), res)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ts(s: &str) -> Timestamp {
    parse_time(s).unwrap()
}

const FLOW: &str = r#"{"timestamp":"2021-06-06T15:57:37.272281+0200","flow_id":1275287857268217,"event_type":"flow","src_ip":"192.168.1.129","src_port":36101,"dest_ip":"122.248.252.67","dest_port":8760,"proto":"UDP","app_proto":"failed","flow":{"pkts_toserver":2,"pkts_toclient":2,"bytes_toserver":256,"bytes_toclient":468,"start":"2021-06-06T20:45:12.198137+0200","end":"2021-06-06T20:45:12.391044+0200","age":0,"state":"established","reason":"timeout","alerted":false},"host":"stratosphere.org"}"#;

#[test]
fn flow_event() {
    let (flows, res) = run(&[FLOW]);
    assert_eq!(res, vec![Ok(Parsed::Records)]);
    let Record::Conn(c) = &flows[0].record else {
        panic!()
    };
    let start = ts("2021-06-06T20:45:12.198137+0200");
    assert_eq!(
        *c,
        Conn {
            ts: start,
            uid: "1275287857268217".into(),
            saddr: Some(ip("192.168.1.129")),
            sport: 36101,
            daddr: Some(ip("122.248.252.67")),
            dport: 8760,
            proto: Some(Proto::Udp),
            service: None,
            duration: ts("2021-06-06T20:45:12.391044+0200").secs() - start.secs(),
            sbytes: 256,
            dbytes: 468,
            // UDP with packets both ways: SF, as the native engine says.
            state: ConnState::SF,
            history: Str::default(),
            spkts: 2,
            dpkts: 2,
            sip_bytes: 256,
            dip_bytes: 468,
            missed_bytes: 0,
            smac: None,
            dmac: None,
        }
    );
}

#[test]
fn tcp_flags_decide_the_state() {
    let rejected = r#"{"timestamp":"2021-06-06T15:57:37.272281+0200","flow_id":7,"event_type":"flow","src_ip":"1.2.3.4","src_port":40000,"dest_ip":"192.168.1.129","dest_port":22,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":1,"bytes_toserver":60,"bytes_toclient":54,"start":"2021-06-06T15:57:37.000000+0200","end":"2021-06-06T15:57:37.100000+0200","state":"closed"},"tcp":{"tcp_flags":"16","tcp_flags_ts":"02","tcp_flags_tc":"14","syn":true,"rst":true,"ack":true,"state":"closed"}}"#;
    let full = rejected
        .replace(
            r#""tcp_flags_ts":"02","tcp_flags_tc":"14""#,
            r#""tcp_flags_ts":"1b","tcp_flags_tc":"1b""#,
        )
        .replace("\"flow_id\":7", "\"flow_id\":8");
    let (flows, _) = run(&[rejected, &full]);
    let states: Vec<_> = flows
        .iter()
        .map(|f| match &f.record {
            Record::Conn(c) => (c.state, c.is_established()),
            _ => panic!(),
        })
        .collect();
    assert_eq!(states, vec![(ConnState::REJ, false), (ConnState::SF, true)]);
}

#[test]
fn alert_event_becomes_a_signature() {
    let line = r#"{"timestamp":"2021-06-06T15:59:46.457984+0200","flow_id":1374195536821504,"pcap_cnt":313,"event_type":"alert","src_ip":"78.36.196.213","src_port":51698,"dest_ip":"192.168.1.129","dest_port":445,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2403388,"rev":66418,"signature":"ET CINS Active Threat Intelligence Poor Reputation IP group 89","category":"Misc Attack","severity":2,"metadata":{"tag":["CINS"]}},"flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":60,"bytes_toclient":0,"start":"2021-06-06T15:59:46.457984+0200"},"host":"stratosphere.org"}"#;
    let (flows, _) = run(&[line]);
    let Record::Signature(s) = &flows[0].record else {
        panic!()
    };
    assert_eq!(
        **s,
        Signature {
            ts: ts("2021-06-06T15:59:46.457984+0200"),
            uid: Some("1374195536821504".into()),
            src_addr: Some(ip("78.36.196.213")),
            src_port: Some(51698),
            dst_addr: Some(ip("192.168.1.129")),
            dst_port: Some(445),
            proto: Some(Proto::Tcp),
            note: Some("allowed".into()),
            sig_id: "1:2403388:66418".into(),
            event_msg: Some(
                "ET CINS Active Threat Intelligence Poor Reputation IP group 89".into()
            ),
            sub_msg: None,
            sig_count: None,
            host_count: None,
            category: Some("Misc Attack".into()),
            severity: Some(2),
            target: None,
        }
    );
    assert_eq!(s.attacker(), Some(ip("78.36.196.213")));
    // A rule naming the source as its target: the attacker is the destination.
    let targeted = line.replace(
        r#""severity":2,"#,
        r#""severity":1,"source":{"ip":"192.168.1.129","port":445},"target":{"ip":"78.36.196.213","port":51698},"#,
    );
    let (flows, _) = run(&[&targeted]);
    let Record::Signature(s) = &flows[0].record else {
        panic!()
    };
    assert_eq!(s.target, Some(ip("78.36.196.213")));
    assert_eq!(s.attacker(), Some(ip("192.168.1.129")));
    assert_eq!(s.victim(), Some(ip("78.36.196.213")));
    assert_eq!(
        flows[0].record.hosts(),
        (Some(ip("192.168.1.129")), Some(ip("78.36.196.213")))
    );
}

#[test]
fn dns_query_and_answer_become_one_record() {
    let q = r#"{"timestamp":"2021-06-06T16:26:27.431769+0200","flow_id":15,"event_type":"dns","src_ip":"192.168.1.129","src_port":35790,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":{"type":"query","id":2,"rrname":"www.google.com","rrtype":"A","tx_id":0}}"#;
    let a = r#"{"timestamp":"2021-06-06T16:26:27.451769+0200","flow_id":15,"event_type":"dns","src_ip":"192.168.1.129","src_port":35790,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":2,"flags":"8180","qr":true,"rd":true,"ra":true,"rrname":"www.google.com","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"www.google.com","rrtype":"A","ttl":220,"rdata":"142.250.185.100"}],"grouped":{"A":["142.250.185.100"]}}}"#;
    // A query that is never answered.
    let lonely = q
        .replace("\"flow_id\":15", "\"flow_id\":16")
        .replace("www.google.com", "nx.example");
    let (flows, res) = run(&[q, a, &lonely]);
    assert_eq!(res, vec![Ok(Parsed::Records); 3]);
    assert_eq!(flows.len(), 2);
    let Record::Dns(d) = &flows[0].record else {
        panic!()
    };
    let qts = ts("2021-06-06T16:26:27.431769+0200");
    let ep = Endpoints {
        saddr: ip("192.168.1.129"),
        sport: 35790,
        daddr: ip("192.168.1.1"),
        dport: 53,
    };
    let rtt = ts("2021-06-06T16:26:27.451769+0200").secs() - qts.secs();
    assert_eq!(
        **d,
        Dns {
            ts: qts,
            uid: "15".into(),
            id: Some(ep),
            proto: Some(Proto::Udp),
            trans_id: Some(2),
            rtt: Some(rtt),
            query: Some("www.google.com".into()),
            qclass_name: None,
            qtype: None,
            qtype_name: Some("A".into()),
            rcode: Some(0),
            rcode_name: Some("NOERROR".into()),
            answers: vec!["142.250.185.100".into()],
            ttls: vec![220.0],
            rejected: None,
        }
    );
    let Record::Dns(d) = &flows[1].record else {
        panic!()
    };
    assert_eq!(d.query.as_deref(), Some("nx.example"));
    assert_eq!((d.rcode, d.answers.len()), (None, 0));
}

#[test]
fn http_tls_fileinfo_ssh() {
    let http = r#"{"timestamp":"2021-06-07T09:25:25.523057+0200","flow_id":48,"event_type":"http","src_ip":"162.142.125.53","src_port":51230,"dest_ip":"192.168.1.129","dest_port":554,"proto":"TCP","tx_id":0,"http":{"hostname":"147.32.82.197","http_port":554,"url":"/","http_content_type":"text/html","http_method":"GET","protocol":"HTTP/1.1","status":404,"length":47,"http_user_agent":"curl/7"}}"#;
    let tls = r#"{"timestamp":"2021-06-06T16:54:00.074627+0200","flow_id":26,"event_type":"tls","src_ip":"192.168.1.129","src_port":60316,"dest_ip":"122.248.252.67","dest_port":55443,"proto":"TCP","tls":{"subject":"CN=www.myedimax.com","issuerdn":"CN=AlphaSSL CA","serial":"17:8E","fingerprint":"2d:d1","sni":"www.myedimax.com","version":"TLS 1.1","notbefore":"2020-03-19T09:44:08","notafter":"2022-03-20T09:44:08","ja3":{"hash":"b720","string":"x"},"ja3s":{"hash":"ad90","string":"y"}}}"#;
    let file = r#"{"timestamp":"2021-06-07T09:25:25.523057+0200","flow_id":48,"event_type":"fileinfo","src_ip":"192.168.1.129","src_port":554,"dest_ip":"162.142.125.53","dest_port":51230,"proto":"TCP","app_proto":"http","fileinfo":{"filename":"/","sid":[],"gaps":false,"state":"CLOSED","stored":false,"size":47,"tx_id":0,"md5":"abc"}}"#;
    let ssh = r#"{"timestamp":"2021-06-07T09:25:25.523057+0200","flow_id":49,"event_type":"ssh","src_ip":"10.0.0.1","src_port":40000,"dest_ip":"10.0.0.2","dest_port":22,"proto":"TCP","ssh":{"client":{"proto_version":"2.0","software_version":"OpenSSH_8.1"},"server":{"proto_version":"2.0","software_version":"OpenSSH_9.1"}}}"#;
    let (flows, res) = run(&[http, tls, file, ssh, ssh]);
    assert_eq!(res, vec![Ok(Parsed::Records); 5]);
    let kinds: Vec<_> = flows.iter().map(|f| f.record.kind().log_name()).collect();
    // software.log records once per host and version, as the native engine.
    assert_eq!(
        kinds,
        ["http", "ssl", "x509", "files", "software", "software", "ssh", "ssh"]
    );
    let Record::Http(h) = &flows[0].record else {
        panic!()
    };
    assert_eq!(
        (
            h.method.as_deref(),
            h.host.as_deref(),
            h.uri.as_deref(),
            h.version.as_deref(),
            h.status_code,
            h.response_body_len,
            h.user_agent.as_deref()
        ),
        (
            Some("GET"),
            Some("147.32.82.197"),
            Some("/"),
            Some("1.1"),
            Some(404),
            47,
            Some("curl/7")
        )
    );
    assert_eq!(h.resp_mime_types, vec![Str::from("text/html")]);
    let Record::Ssl(s) = &flows[1].record else {
        panic!()
    };
    assert_eq!(
        (
            s.version.as_deref(),
            s.server_name.as_deref(),
            s.issuer.as_deref(),
            s.ja3.as_deref(),
            s.ja3s.as_deref()
        ),
        (
            Some("TLSv11"),
            Some("www.myedimax.com"),
            Some("CN=AlphaSSL CA"),
            Some("b720"),
            Some("ad90")
        )
    );
    assert_eq!(s.cert_chain, vec![Str::from("2d:d1")]);
    let Record::X509(x) = &flows[2].record else {
        panic!()
    };
    assert_eq!(x.not_valid_before, Some(ts("2020-03-19T09:44:08")));
    assert_eq!(x.not_valid_after, Some(ts("2022-03-20T09:44:08")));
    let Record::Files(f) = &flows[3].record else {
        panic!()
    };
    assert_eq!(
        (
            f.fuid.as_str(),
            f.tx_hosts.clone(),
            f.rx_hosts.clone(),
            f.conn_uids.clone(),
            f.total_bytes,
            f.md5.as_deref(),
            f.source.as_deref()
        ),
        (
            "48-0",
            vec![ip("192.168.1.129")],
            vec![ip("162.142.125.53")],
            vec![Str::from("48")],
            Some(47),
            Some("abc"),
            Some("HTTP")
        )
    );
    let Record::Ssh(s) = &flows[6].record else {
        panic!()
    };
    // The banners as Zeek and the native engine write them.
    assert_eq!(
        (s.version, s.client.as_deref(), s.server.as_deref()),
        (
            Some(2),
            Some("SSH-2.0-OpenSSH_8.1"),
            Some("SSH-2.0-OpenSSH_9.1")
        )
    );
    let Record::Software(c) = &flows[4].record else {
        panic!()
    };
    assert_eq!(
        (
            c.host,
            c.host_p,
            c.software_type.as_deref(),
            c.name.as_deref(),
            c.version_major,
            c.version_minor
        ),
        (
            Some(ip("10.0.0.1")),
            None,
            Some("SSH::CLIENT"),
            Some("OpenSSH"),
            Some(8),
            Some(1)
        )
    );
    let Record::Software(v) = &flows[5].record else {
        panic!()
    };
    assert_eq!(
        (
            v.host,
            v.host_p,
            v.software_type.as_deref(),
            v.version_major
        ),
        (Some(ip("10.0.0.2")), Some(22), Some("SSH::SERVER"), Some(9))
    );
}

#[test]
fn other_events_are_counted_and_bad_lines_explained() {
    let anomaly = r#"{"timestamp":"2021-06-07T12:37:29.781936+0200","flow_id":1,"event_type":"anomaly","src_ip":"86.105.49.243","anomaly":{"type":"applayer"}}"#;
    let stats = r#"{"timestamp":"2021-06-07T12:37:29.781936+0200","event_type":"stats","stats":{"uptime":1}}"#;
    let bad_ip = FLOW.replace("192.168.1.129", "192.168.1.300");
    let bad_state = FLOW
        .replace("\"UDP\"", "\"TCP\"")
        .replace("\"established\"", "\"sle?ping\"");
    let no_flow = r#"{"timestamp":"2021-06-06T15:57:37.272281+0200","flow_id":1,"event_type":"flow","src_ip":"1.2.3.4","dest_ip":"1.2.3.5"}"#;
    let truncated = &FLOW[..120];
    let (flows, res) = run(&[
        anomaly,
        stats,
        &bad_ip,
        &bad_state,
        no_flow,
        truncated,
        "\u{1}\u{2}garbage",
        "{\"event_type\":\"flow\"}",
        FLOW,
    ]);
    assert_eq!(res[0], Ok(Parsed::Ignored("suricata anomaly events")));
    assert_eq!(res[1], Ok(Parsed::Ignored("suricata stats events")));
    assert_eq!(
        res[2],
        Err(LineError::field(
            "src_ip",
            "192.168.1.300",
            "not an IPv4 or IPv6 address"
        ))
    );
    assert_eq!(
        res[3],
        Err(LineError::field(
            "flow.state",
            "sle?ping",
            "not a connection state (Suricata, Zeek, Argus or TCP flags)"
        ))
    );
    assert_eq!(res[4], Err(LineError::Missing("flow")));
    assert!(
        matches!(&res[5], Err(LineError::Json(m)) if m.contains("EOF")),
        "{:?}",
        res[5]
    );
    assert_eq!(res[6], Err(LineError::Json("not a JSON object".into())));
    assert_eq!(res[7], Err(LineError::Missing("timestamp")));
    assert_eq!(res[8], Ok(Parsed::Records));
    assert_eq!(flows.len(), 1);
    let mut p = SuricataParser::new();
    assert_eq!(
        p.parse(b"\xff\xfe{", &mut VecDeque::new()),
        Err(LineError::Utf8)
    );
}

#[test]
fn one_way_udp_is_not_established_whatever_flow_state_says() {
    // Suricata calls a flow `new` until it sees a reply; natively (and in Zeek) one-way
    // UDP is S0. One meaning whatever the engine.
    let one_way = FLOW
        .replace("\"pkts_toclient\":2", "\"pkts_toclient\":0")
        .replace("\"bytes_toclient\":468", "\"bytes_toclient\":0")
        .replace("\"established\"", "\"new\"");
    let (flows, res) = run(&[&one_way]);
    assert_eq!(res, vec![Ok(Parsed::Records)]);
    let Record::Conn(c) = &flows[0].record else {
        panic!()
    };
    assert_eq!(c.state, ConnState::S0);
    assert!(!c.state.is_established());
}

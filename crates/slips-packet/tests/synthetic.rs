//! Pcaps built in code: every field of the resulting records is checked.

mod common;
use common::*;
use slips_core::{Conn, ConnState, Dns, Endpoints, Files, Http, Mac, Proto, Record, Ssl};
use slips_packet::{EngineConfig, PcapSource};
use std::net::IpAddr;

const C: [u8; 4] = [10, 0, 0, 1];
const S: [u8; 4] = [10, 0, 0, 2];
const T0: f64 = 1_600_000_000.0;

fn ip(a: [u8; 4]) -> IpAddr {
    IpAddr::from(a)
}

/// The expected conn with the given fields; duration is compared with a tolerance and then
/// copied.
#[allow(clippy::too_many_arguments)]
fn expect_conn(
    got: &Conn,
    sport: u16,
    dport: u16,
    proto: Proto,
    service: Option<&str>,
    dur: f64,
    bytes: (u64, u64),
    state: ConnState,
    history: &str,
    pkts: (u64, u64),
    ip_bytes: (u64, u64),
) {
    assert!(
        (got.duration - dur).abs() < 1e-5,
        "duration {} != {dur}",
        got.duration
    );
    let want = Conn {
        ts: got.ts,
        uid: got.uid.clone(),
        saddr: Some(ip(C)),
        sport,
        daddr: Some(ip(S)),
        dport,
        proto: Some(proto),
        service: service.map(Into::into),
        duration: got.duration,
        sbytes: bytes.0,
        dbytes: bytes.1,
        state,
        history: history.into(),
        spkts: pkts.0,
        dpkts: pkts.1,
        sip_bytes: ip_bytes.0,
        dip_bytes: ip_bytes.1,
        missed_bytes: 0,
        smac: Some(Mac(MAC_C)),
        dmac: Some(Mac(MAC_S)),
    };
    assert_eq!(got, &want);
    assert_eq!(got.ts.secs(), T0);
    assert_eq!(got.uid.len(), 18);
    assert!(got.uid.starts_with('C'));
}

#[test]
fn handshake_data_and_fin_is_sf() {
    let mut t = Tcp::new((C, 40000), (S, 8000));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.1, false, SYN | ACK, b"");
    t.send(T0 + 0.2, true, ACK, b"");
    t.send(T0 + 0.3, true, PSH | ACK, b"hello world");
    t.send(T0 + 0.4, false, ACK, b"");
    t.send(T0 + 0.5, false, PSH | ACK, &[b'x'; 20]);
    t.send(T0 + 0.6, true, ACK, b"");
    t.send(T0 + 0.7, true, FIN | ACK, b"");
    t.send(T0 + 0.8, false, FIN | ACK, b"");
    t.send(T0 + 0.9, true, ACK, b"");
    let r = run(t.pcap.buf);
    assert_eq!(r.len(), 1, "{r:?}");
    let c = &conns(&r)[0];
    expect_conn(
        c,
        40000,
        8000,
        Proto::Tcp,
        None,
        0.9,
        (11, 20),
        ConnState::SF,
        "ShADadFf",
        (6, 4),
        (251, 180),
    );
}

#[test]
fn rejected_half_open_and_syn_only() {
    // REJ: SYN answered by RST-ACK.
    let mut t = Tcp::new((C, 40001), (S, 23));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.01, false, RST | ACK, b"");
    let c = conns(&run(t.pcap.buf)).remove(0);
    expect_conn(
        &c,
        40001,
        23,
        Proto::Tcp,
        None,
        0.01,
        (0, 0),
        ConnState::REJ,
        "Sr",
        (1, 1),
        (40, 40),
    );

    // Half-open scan of an open port: SYN, SYN-ACK, RST from the scanner.
    let mut t = Tcp::new((C, 40002), (S, 22));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.01, false, SYN | ACK, b"");
    t.send(T0 + 0.02, true, RST, b"");
    let c = conns(&run(t.pcap.buf)).remove(0);
    expect_conn(
        &c,
        40002,
        22,
        Proto::Tcp,
        None,
        0.02,
        (0, 0),
        ConnState::RSTO,
        "ShR",
        (2, 1),
        (80, 40),
    );

    // Unanswered SYN with two retransmissions (same sequence number): one S.
    let mut t = Tcp::new((C, 40003), (S, 2323));
    for i in 0..3 {
        t.send(T0 + f64::from(i), true, SYN, b"");
        t.cseq -= 1;
    }
    let c = conns(&run(t.pcap.buf)).remove(0);
    expect_conn(
        &c,
        40003,
        2323,
        Proto::Tcp,
        None,
        2.0,
        (0, 0),
        ConnState::S0,
        "S",
        (3, 0),
        (120, 0),
    );

    // SYN then RST from the originator, no answer: RSTOS0.
    let mut t = Tcp::new((C, 40004), (S, 80));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.5, true, RST, b"");
    let c = conns(&run(t.pcap.buf)).remove(0);
    expect_conn(
        &c,
        40004,
        80,
        Proto::Tcp,
        None,
        0.5,
        (0, 0),
        ConnState::RSTOS0,
        "SR",
        (2, 0),
        (80, 0),
    );
}

#[test]
fn syn_ack_first_is_flipped_and_midstream_is_oth() {
    let mut t = Tcp::new((C, 40005), (S, 443));
    t.send(T0, false, SYN | ACK, b"");
    let c = conns(&run(t.pcap.buf)).remove(0);
    expect_conn(
        &c,
        40005,
        443,
        Proto::Tcp,
        None,
        0.0,
        (0, 0),
        ConnState::OTH,
        "^h",
        (0, 1),
        (0, 40),
    );

    let mut t = Tcp::new((C, 40006), (S, 9999));
    t.send(T0, true, PSH | ACK, b"abc");
    t.send(T0 + 1.0, false, PSH | ACK, b"defg");
    let c = conns(&run(t.pcap.buf)).remove(0);
    expect_conn(
        &c,
        40006,
        9999,
        Proto::Tcp,
        None,
        1.0,
        (3, 4),
        ConnState::OTH,
        "Dd",
        (1, 1),
        (43, 44),
    );
}

fn dns_pcap(link: u32) -> Pcap {
    let mut p = Pcap::new(link);
    let q = udp(33333, 53, &dns_query(0x1234, "example.com"));
    p.packet(T0, &eth(MAC_C, MAC_S, 0x0800, &ipv4(C, S, 17, &q)));
    let a = udp(
        53,
        33333,
        &dns_answer(0x1234, "example.com", [93, 184, 216, 34], 300),
    );
    p.packet(T0 + 0.05, &eth(MAC_S, MAC_C, 0x0800, &ipv4(S, C, 17, &a)));
    p
}

fn expected_dns(uid: &str) -> Dns {
    Dns {
        ts: slips_core::Timestamp::from_secs(T0),
        uid: uid.into(),
        id: Some(Endpoints {
            saddr: ip(C),
            sport: 33333,
            daddr: ip(S),
            dport: 53,
        }),
        proto: Some(Proto::Udp),
        trans_id: Some(0x1234),
        rtt: None,
        query: Some("example.com".into()),
        qclass_name: Some("C_INTERNET".into()),
        qtype: Some(1),
        qtype_name: Some("A".into()),
        rcode: Some(0),
        rcode_name: Some("NOERROR".into()),
        answers: vec!["93.184.216.34".into()],
        ttls: vec![300.0],
        rejected: Some(false),
    }
}

#[test]
fn dns_query_and_answer() {
    let r = run(dns_pcap(1).buf);
    assert_eq!(r.len(), 2, "{r:?}");
    let c = conns(&r).remove(0);
    expect_conn(
        &c,
        33333,
        53,
        Proto::Udp,
        Some("dns"),
        0.05,
        (29, 45),
        ConnState::SF,
        "Dd",
        (1, 1),
        (57, 73),
    );
    let Record::Dns(d) = &r[0] else {
        panic!("{r:?}")
    };
    assert!((d.rtt.unwrap() - 0.05).abs() < 1e-5);
    let mut want = expected_dns(&c.uid);
    want.rtt = d.rtt;
    assert_eq!(**d, want);
}

#[test]
fn dns_in_ipv4_fragments_is_reassembled() {
    let mut p = Pcap::new(1);
    let q = udp(33333, 53, &dns_query(0x1234, "example.com"));
    p.packet(T0, &eth(MAC_C, MAC_S, 0x0800, &ipv4(C, S, 17, &q)));
    let a = udp(
        53,
        33333,
        &dns_answer(0x1234, "example.com", [93, 184, 216, 34], 300),
    );
    // second fragment first
    p.packet(
        T0 + 0.05,
        &eth(
            MAC_S,
            MAC_C,
            0x0800,
            &ipv4_frag(S, C, 17, 77, 24, false, &a[24..]),
        ),
    );
    p.packet(
        T0 + 0.05,
        &eth(
            MAC_S,
            MAC_C,
            0x0800,
            &ipv4_frag(S, C, 17, 77, 0, true, &a[..24]),
        ),
    );
    let r = run(p.buf);
    let c = conns(&r).remove(0);
    expect_conn(
        &c,
        33333,
        53,
        Proto::Udp,
        Some("dns"),
        0.05,
        (29, 45),
        ConnState::SF,
        "Dd",
        (1, 1),
        (57, 73),
    );
    let Record::Dns(d) = &r[0] else {
        panic!("{r:?}")
    };
    assert_eq!(d.answers, vec!["93.184.216.34"]);
}

/// The same DNS query through every link type and file format gives the same records.
#[test]
fn link_types_and_file_formats() {
    let q = udp(33333, 53, &dns_query(7, "example.com"));
    let ipv4p = ipv4(C, S, 17, &q);
    let ether = eth(MAC_C, MAC_S, 0x0800, &ipv4p);
    let mut sll = vec![0, 0, 0, 1, 0, 6];
    sll.extend_from_slice(&MAC_C);
    sll.extend_from_slice(&[0, 0, 0x08, 0x00]);
    sll.extend_from_slice(&ipv4p);
    let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6];
    sll2.extend_from_slice(&MAC_C);
    sll2.extend_from_slice(&[0, 0]);
    sll2.extend_from_slice(&ipv4p);
    let mut null = 2u32.to_le_bytes().to_vec();
    null.extend_from_slice(&ipv4p);
    let mut qinq = MAC_S.to_vec();
    qinq.extend_from_slice(&MAC_C);
    qinq.extend_from_slice(&[0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00]);
    qinq.extend_from_slice(&ipv4p);

    let one = |link: u32, be: bool, nanos: bool, d: &[u8]| {
        let mut p = Pcap::with(link, be, nanos);
        p.packet(T0 + 0.25, d);
        p.buf
    };
    let inputs: Vec<(&str, Vec<u8>, bool)> = vec![
        ("ethernet", one(1, false, false, &ether), true),
        ("big-endian", one(1, true, false, &ether), true),
        ("nanoseconds", one(1, false, true, &ether), true),
        ("pcapng", pcapng(1, &[(T0 + 0.25, ether.clone())]), true),
        ("sll", one(113, false, false, &sll), false),
        ("sll2", one(276, false, false, &sll2), false),
        ("raw", one(101, false, false, &ipv4p), false),
        ("null", one(0, false, false, &null), false),
        ("qinq", one(1, false, false, &qinq), true),
    ];
    for (name, bytes, has_macs) in inputs {
        let r = run(bytes);
        assert_eq!(r.len(), 2, "{name}: {r:?}");
        let Record::Dns(d) = &r[0] else {
            panic!("{name}: {r:?}")
        };
        let c = conns(&r).remove(0);
        assert_eq!(c.ts.secs(), T0 + 0.25, "{name}");
        assert_eq!(
            (c.saddr, c.sport, c.daddr, c.dport),
            (Some(ip(C)), 33333, Some(ip(S)), 53),
            "{name}"
        );
        assert_eq!(
            (c.state, c.history.as_str(), c.spkts, c.sbytes, c.sip_bytes),
            (ConnState::S0, "D", 1, 29, 57),
            "{name}"
        );
        assert_eq!(c.service.as_deref(), Some("dns"), "{name}");
        let macs = if has_macs {
            (Some(Mac(MAC_C)), Some(Mac(MAC_S)))
        } else if name.starts_with("sll") {
            (Some(Mac(MAC_C)), None)
        } else {
            (None, None)
        };
        assert_eq!((c.smac, c.dmac), macs, "{name}");
        assert_eq!(d.query.as_deref(), Some("example.com"), "{name}");
        assert_eq!((d.rcode, d.trans_id), (None, Some(7)), "{name}");
    }
}

#[test]
fn http_get_and_response_with_file_hashes() {
    let mut t = Tcp::new((C, 40100), (S, 8080));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.01, false, SYN | ACK, b"");
    t.send(T0 + 0.02, true, ACK, b"");
    let req = b"GET /a.exe HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Wget/1.21\r\nReferer: http://x.test/\r\n\r\n";
    t.send(T0 + 0.03, true, PSH | ACK, &req[..30]);
    t.send(T0 + 0.04, true, PSH | ACK, &req[30..]);
    let head = b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Length: 5\r\n\r\nMZ";
    t.send(T0 + 0.05, false, PSH | ACK, head);
    t.send(T0 + 0.06, false, PSH | ACK, b"xyz");
    t.send(T0 + 0.07, true, FIN | ACK, b"");
    t.send(T0 + 0.08, false, FIN | ACK, b"");
    t.send(T0 + 0.09, true, ACK, b"");
    let r = run(t.pcap.buf);
    let c = conns(&r).remove(0);
    let resp_len = head.len() as u64 + 3;
    expect_conn(
        &c,
        40100,
        8080,
        Proto::Tcp,
        Some("http"),
        0.09,
        (req.len() as u64, resp_len),
        ConnState::SF,
        "ShADdFf",
        (6, 4),
        (40 * 6 + req.len() as u64, 160 + resp_len),
    );
    let files: Vec<&Files> = r
        .iter()
        .filter_map(|r| {
            if let Record::Files(f) = r {
                Some(&**f)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(files.len(), 1);
    let f = files[0];
    assert_eq!(
        *f,
        Files {
            ts: slips_core::Timestamp::from_secs(T0 + 0.05),
            fuid: f.fuid.clone(),
            tx_hosts: vec![ip(S)],
            rx_hosts: vec![ip(C)],
            conn_uids: vec![c.uid.clone()],
            source: Some("HTTP".into()),
            analyzers: vec!["MD5".into(), "SHA1".into()],
            mime_type: Some("application/x-dosexec".into()),
            filename: None,
            seen_bytes: 5,
            total_bytes: Some(5),
            md5: Some("aedc20bced64081f952d0553597c3427".into()),
            sha1: Some("4634aebf49fe1ae96a0657ee903a0498450a53cd".into()),
            sha256: None,
        }
    );
    let http: Vec<&Http> = r
        .iter()
        .filter_map(|r| {
            if let Record::Http(h) = r {
                Some(&**h)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        *http[0],
        Http {
            ts: slips_core::Timestamp::from_secs(T0 + 0.04),
            uid: c.uid.clone(),
            id: Some(Endpoints {
                saddr: ip(C),
                sport: 40100,
                daddr: ip(S),
                dport: 8080
            }),
            trans_depth: Some(1),
            method: Some("GET".into()),
            host: Some("example.com".into()),
            uri: Some("/a.exe".into()),
            referrer: Some("http://x.test/".into()),
            version: Some("1.1".into()),
            user_agent: Some("Wget/1.21".into()),
            request_body_len: 0,
            response_body_len: 5,
            status_code: Some(200),
            status_msg: Some("OK".into()),
            resp_fuids: vec![f.fuid.clone()],
            resp_mime_types: vec!["application/x-dosexec".into()],
        }
    );
    let sw: Vec<String> = r
        .iter()
        .filter(|r| matches!(r, Record::Software(_)))
        .map(slips_packet::render)
        .collect();
    assert_eq!(
        sw,
        vec![
            "software 1600000000.040000 host=10.0.0.1 port=- type=HTTP::BROWSER name=Wget major=1 minor=21 unparsed=Wget/1.21",
            "software 1600000000.040000 host=10.0.0.2 port=8080 type=HTTP::SERVER name=nginx major=1 minor=18 unparsed=nginx/1.18.0",
        ]
    );
}

/// A ClientHello with GREASE values; JA3 string `771,49199-4865,0-10-11-23,29-23,0`.
fn client_hello(sni: &str) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 6, 0x0a, 0x0a, 0xc0, 0x2f, 0x13, 0x01]);
    body.extend_from_slice(&[1, 0]);
    let n = sni.as_bytes();
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
    ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
    ext.extend_from_slice(n);
    ext.extend_from_slice(&[0, 10, 0, 6, 0, 4, 0, 29, 0, 23]);
    ext.extend_from_slice(&[0, 11, 0, 2, 1, 0]);
    ext.extend_from_slice(&[0x1a, 0x1a, 0, 0, 0, 23, 0, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn tls_client_hello_with_known_ja3() {
    let mut t = Tcp::new((C, 40200), (S, 4443));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.01, false, SYN | ACK, b"");
    t.send(T0 + 0.02, true, ACK, b"");
    let hello = client_hello("www.example.org");
    // split across two segments, delivered out of order
    let (a, b) = hello.split_at(40);
    let seq0 = t.cseq;
    t.cseq = seq0 + a.len() as u32;
    t.send(T0 + 0.03, true, PSH | ACK, b);
    t.cseq = seq0;
    t.send(T0 + 0.04, true, PSH | ACK, a);
    t.cseq = seq0 + hello.len() as u32;
    t.send(T0 + 0.05, false, RST | ACK, b"");
    let r = run(t.pcap.buf);
    let c = conns(&r).remove(0);
    assert_eq!(
        (c.service.as_deref(), c.state, c.history.as_str(), c.sbytes),
        (Some("ssl"), ConnState::RSTR, "ShADr", hello.len() as u64)
    );
    let Record::Ssl(s) = &r[0] else {
        panic!("{r:?}")
    };
    assert_eq!(
        **s,
        Ssl {
            ts: slips_core::Timestamp::from_secs(T0),
            uid: c.uid.clone(),
            id: Some(Endpoints {
                saddr: ip(C),
                sport: 40200,
                daddr: ip(S),
                dport: 4443
            }),
            version: None,
            cipher: None,
            curve: None,
            server_name: Some("www.example.org".into()),
            resumed: Some(false),
            established: Some(false),
            cert_chain: vec![],
            client_cert_chain: vec![],
            subject: None,
            issuer: None,
            validation_status: None,
            ja3: Some("cdade4564509e127203896336f406ecb".into()),
            ja3s: None,
            is_doh: None,
            // t, TLS 1.2 (no supported_versions), SNI, 2 ciphers and 4 extensions without
            // GREASE, no ALPN; sha256("1301,c02f"), sha256("000a,000b,0017") (no signature
            // algorithms, so no `_`).
            ja4: Some("t12d020400_c1929292aa6b_1332affee883".into()),
        }
    );
}

#[test]
fn tls_server_certificates_give_files_and_x509_records() {
    let t0 = 1_800_000_000.0; // inside the leaf's validity (2026-11-28 .. 2029-03-02)
    let mut t = Tcp::new((C, 40300), (S, 443));
    t.send(t0, true, SYN, b"");
    t.send(t0 + 0.01, false, SYN | ACK, b"");
    t.send(t0 + 0.02, true, ACK, b"");
    t.send(t0 + 0.03, true, PSH | ACK, &client_hello("www.example.com"));
    let server = server_hello_certificate(&[LEAF_DER, CA_DER]);
    let (a, b) = server.split_at(700);
    t.send(t0 + 0.04, false, ACK, a);
    t.send(t0 + 0.05, false, PSH | ACK, b);
    t.send(
        t0 + 0.06,
        true,
        PSH | ACK,
        &[20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 2, 0, 0],
    );
    t.send(
        t0 + 0.07,
        false,
        PSH | ACK,
        &[20, 3, 3, 0, 1, 1, 22, 3, 3, 0, 2, 0, 0],
    );
    t.send(t0 + 0.08, true, PSH | ACK, &[23, 3, 3, 0, 2, 0, 0]);
    t.send(t0 + 0.09, false, PSH | ACK, &[23, 3, 3, 0, 2, 0, 0]);
    t.send(t0 + 0.10, true, FIN | ACK, b"");
    t.send(t0 + 0.11, false, FIN | ACK, b"");
    t.send(t0 + 0.12, true, ACK, b"");
    let r = run(t.pcap.buf);
    let c = conns(&r).remove(0);
    assert_eq!(
        (c.service.as_deref(), c.state, c.history.as_str()),
        (Some("ssl"), ConnState::SF, "ShADdFf")
    );
    let kinds: Vec<&str> = r
        .iter()
        .map(|x| match x {
            Record::Files(_) => "files",
            Record::X509(_) => "x509",
            Record::Ssl(_) => "ssl",
            Record::Conn(_) => "conn",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["files", "x509", "files", "x509", "ssl", "conn"]);
    let (Record::Files(f1), Record::X509(x1), Record::Files(f2), Record::X509(x2), Record::Ssl(s)) =
        (&r[0], &r[1], &r[2], &r[3], &r[4])
    else {
        panic!("{r:?}")
    };
    let cts = slips_core::Timestamp::from_secs(t0 + 0.05);
    let ep = Endpoints {
        saddr: ip(C),
        sport: 40300,
        daddr: ip(S),
        dport: 443,
    };
    // sha1sum / md5sum of the DER files
    assert_eq!(
        **f1,
        Files {
            ts: cts,
            fuid: f1.fuid.clone(),
            tx_hosts: vec![ip(S)],
            rx_hosts: vec![ip(C)],
            conn_uids: vec![c.uid.clone()],
            source: Some("SSL".into()),
            analyzers: vec!["MD5".into(), "SHA1".into(), "X509".into()],
            mime_type: Some("application/x-x509-user-cert".into()),
            filename: None,
            seen_bytes: 735,
            total_bytes: None,
            md5: Some("b54899b6d761221878f630aa497f4a38".into()),
            sha1: Some("6eadd914af42495f94235f042779bc523a91721c".into()),
            sha256: None,
        }
    );
    assert_eq!(
        (
            f2.mime_type.as_deref(),
            f2.seen_bytes,
            f2.sha1.as_deref(),
            f2.md5.as_deref()
        ),
        (
            Some("application/x-x509-ca-cert"),
            846,
            Some("fc0530145b8b5741fd31e53dd3da04c6a4332fa4"),
            Some("12a68f4516cad5ccb7e6c0f0f282208b")
        )
    );
    assert!(f1.fuid.starts_with('F') && f1.fuid.len() == 18 && f1.fuid != f2.fuid);
    assert_eq!(
        **x1,
        slips_core::X509 {
            ts: cts,
            id: f1.fuid.clone(),
            version: Some(3),
            serial: Some("F00D".into()),
            subject: Some("CN=www.example.com,O=Example\\, Inc.,L=Prague,C=CZ".into()),
            issuer: Some("CN=Slips Test CA,O=Slips Test,C=CZ".into()),
            not_valid_before: Some(slips_core::Timestamp::from_secs(1_795_825_686.0)),
            not_valid_after: Some(slips_core::Timestamp::from_secs(1_867_105_686.0)),
            key_alg: Some("id-ecPublicKey".into()),
            sig_alg: Some("sha256WithRSAEncryption".into()),
            key_type: Some("ecdsa".into()),
            key_length: Some(256),
            san_dns: vec!["www.example.com".into(), "example.com".into()],
            san_ip: vec![ip([192, 0, 2, 7]), "2001:db8::1".parse().unwrap()],
            basic_constraints_ca: Some(false),
        }
    );
    assert_eq!(
        (
            x2.id == f2.fuid,
            x2.key_type.as_deref(),
            x2.key_length,
            x2.basic_constraints_ca
        ),
        (true, Some("rsa"), Some(2048), Some(true))
    );
    assert_eq!(
        **s,
        Ssl {
            ts: slips_core::Timestamp::from_secs(t0),
            uid: c.uid.clone(),
            id: Some(ep),
            version: Some("TLSv12".into()),
            cipher: Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into()),
            curve: None,
            server_name: Some("www.example.com".into()),
            resumed: Some(false),
            established: Some(true),
            cert_chain: vec![f1.fuid.clone(), f2.fuid.clone()],
            client_cert_chain: vec![],
            subject: Some("CN=www.example.com,O=Example\\, Inc.,L=Prague,C=CZ".into()),
            issuer: Some("CN=Slips Test CA,O=Slips Test,C=CZ".into()),
            validation_status: None,
            ja3: Some("cdade4564509e127203896336f406ecb".into()),
            // md5("771,49199,65281")
            ja3s: Some("fbe78c619e7ea20046131294ad087f05".into()),
            is_doh: None,
            ja4: Some("t12d020400_c1929292aa6b_1332affee883".into()),
        }
    );
    // Validation against packet time; a lone self-issued certificate.
    type Case<'a> = (f64, &'a [&'a [u8]], Option<&'a str>);
    let cases: [Case; 4] = [
        (
            T0,
            &[LEAF_DER, CA_DER],
            Some("certificate is not yet valid"),
        ),
        (
            1_900_000_000.0,
            &[LEAF_DER],
            Some("certificate has expired"),
        ),
        (t0, &[CA_DER], Some("self signed certificate")),
        (t0, &[LEAF_DER], None),
    ];
    for (ts, certs, want) in cases {
        let mut t = Tcp::new((C, 40301), (S, 443));
        t.send(ts, true, SYN, b"");
        t.send(ts + 0.01, false, SYN | ACK, b"");
        t.send(ts + 0.02, true, ACK, b"");
        t.send(ts + 0.03, true, PSH | ACK, &client_hello("a.example"));
        t.send(
            ts + 0.04,
            false,
            PSH | ACK,
            &server_hello_certificate(certs),
        );
        let r = run(t.pcap.buf);
        let s: Vec<_> = r
            .iter()
            .filter_map(|x| match x {
                Record::Ssl(s) => Some(s.validation_status.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(s, vec![want.map(Into::into)], "{ts}");
    }
}

#[test]
fn inactivity_timeouts_split_flows_and_eviction_emits() {
    let mut p = Pcap::new(1);
    let d = ipv4(C, S, 17, &udp(5000, 6000, b"x"));
    p.packet(T0, &eth(MAC_C, MAC_S, 0x0800, &d));
    p.packet(T0 + 30.0, &eth(MAC_C, MAC_S, 0x0800, &d));
    p.packet(T0 + 120.0, &eth(MAC_C, MAC_S, 0x0800, &d));
    let r = conns(&run(p.buf));
    assert_eq!(
        r.iter()
            .map(|c| (c.ts.secs() - T0, c.spkts))
            .collect::<Vec<_>>(),
        vec![(0.0, 2), (120.0, 1)]
    );
    assert_ne!(r[0].uid, r[1].uid);

    // TCP: 60 min inactivity (Slips' setting).
    let mut t = Tcp::new((C, 40300), (S, 23));
    t.send(T0, true, SYN, b"");
    t.cseq -= 1;
    t.send(T0 + 3000.0, true, SYN, b"");
    t.cseq -= 1;
    t.send(T0 + 7000.0, true, SYN, b"");
    let r = conns(&run(t.pcap.buf));
    assert_eq!(
        r.iter()
            .map(|c| (c.ts.secs() - T0, c.spkts))
            .collect::<Vec<_>>(),
        vec![(0.0, 2), (7000.0, 1)]
    );

    // Flow cap: 5 flows with room for 2; all 5 records come out.
    let mut p = Pcap::new(1);
    for i in 0..5u16 {
        let d = ipv4(C, S, 17, &udp(5000 + i, 6000, b"x"));
        p.packet(T0 + f64::from(i), &eth(MAC_C, MAC_S, 0x0800, &d));
    }
    let cfg = EngineConfig {
        max_flows: 2,
        ..Default::default()
    };
    let mut src = PcapSource::from_reader("m", std::io::Cursor::new(p.buf), cfg).unwrap();
    let got: Vec<u16> = src
        .by_ref()
        .filter_map(|f| {
            if let Record::Conn(c) = f.record {
                Some(c.sport)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(got, vec![5000, 5001, 5002, 5003, 5004]);
    assert_eq!(src.stats().evictions, 3);
    assert_eq!(src.stats().flows, 5);
}

#[test]
fn truncated_file_and_garbage_never_panic() {
    let mut t = Tcp::new((C, 40400), (S, 23));
    t.send(T0, true, SYN, b"");
    t.send(T0 + 0.1, false, RST | ACK, b"");
    let mut bytes = t.pcap.buf;
    bytes.truncate(bytes.len() - 10);
    let mut src = PcapSource::from_reader(
        "cut.pcap",
        std::io::Cursor::new(bytes),
        EngineConfig::default(),
    )
    .unwrap();
    let r: Vec<Record> = src.by_ref().map(|f| f.record).collect();
    assert_eq!(
        src.problems(),
        ["file truncated: the last block is incomplete"]
    );
    let c = conns(&r).remove(0);
    assert_eq!(
        (c.state, c.history.as_str(), c.spkts, c.dpkts),
        (ConnState::S0, "S", 1, 0)
    );

    // Garbage packets on every link type: counted, no panic, bounded output.
    let mut seed = 0x1234_5678_u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for link in [1u32, 0, 101, 113, 276, 228, 229, 147] {
        let mut p = Pcap::new(link);
        for i in 0..300 {
            let n = (rnd() % 200) as usize;
            let mut d: Vec<u8> = (0..n).map(|_| rnd() as u8).collect();
            if i % 3 == 0 && d.len() > 34 {
                // plausible Ethernet/IPv4 header, garbage after
                d[12] = 0x08;
                d[13] = 0;
                d[14] = 0x45;
            }
            p.packet(T0 + f64::from(i), &d);
        }
        let mut src = PcapSource::from_reader(
            "g.pcap",
            std::io::Cursor::new(p.buf),
            EngineConfig::default(),
        )
        .unwrap();
        let n = src.by_ref().count();
        assert_eq!(src.stats().packets, 300, "link {link}");
        assert!(n <= 300 + 1000, "link {link}: {n}");
    }
    // Not a capture at all.
    let e = PcapSource::from_reader(
        "x",
        std::io::Cursor::new(b"hello world, not a pcap file at all....".to_vec()),
        EngineConfig::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a pcap or pcapng file"), "{e}");
}

#[test]
fn same_input_same_records() {
    let a = run(dns_pcap(1).buf);
    let b = run(dns_pcap(1).buf);
    assert_eq!(a, b);
    let other_seed = run_cfg(
        dns_pcap(1).buf,
        EngineConfig {
            uid_seed: 99,
            ..Default::default()
        },
    );
    assert_ne!(a[0].uid(), other_seed[0].uid());
}

#[test]
fn large_blocks_grow_the_buffer_and_bogus_lengths_stop() {
    // A 1.5 MiB packet (larger than the initial 1 MiB buffer) followed by a normal one.
    let mut p = Pcap::new(1);
    let big = eth(MAC_C, MAC_S, 0x0800, &vec![0u8; 1_500_000]);
    p.packet(T0, &big);
    p.packet(T0 + 1.0, &dns_pcap(1).buf[40..]);
    let mut src =
        PcapSource::from_reader("big", std::io::Cursor::new(p.buf), EngineConfig::default())
            .unwrap();
    let _ = src.by_ref().count();
    assert_eq!(src.stats().packets, 2);
    assert!(src.problems().is_empty(), "{:?}", src.problems());

    // A record header announcing 100 MiB: reading stops with a problem, no panic.
    let mut p = Pcap::new(1);
    p.packet(T0, &[0u8; 60]);
    p.buf.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    p.buf.extend_from_slice(&(100u32 << 20).to_le_bytes());
    p.buf.extend_from_slice(&(100u32 << 20).to_le_bytes());
    p.buf.extend_from_slice(&[0u8; 4000]);
    let mut src = PcapSource::from_reader(
        "bogus",
        std::io::Cursor::new(p.buf),
        EngineConfig::default(),
    )
    .unwrap();
    let _ = src.by_ref().count();
    assert_eq!(src.stats().packets, 1);
    assert_eq!(src.problems().len(), 1, "{:?}", src.problems());
}

#[test]
fn reset_connections_end_after_the_close_delay_without_more_packets() {
    // Live capture has no end of file: a rejected connection must come out once the close
    // delay passed in packet time (idle time advanced by the capture), not after the TCP
    // inactivity timeout.
    use slips_packet::{LinkType, PacketEngine};
    let mut e = PacketEngine::new(EngineConfig::default());
    let syn = ipv4(C, S, 6, &tcp(40001, 23, 1000, 0, 0x02, b""));
    let rst = ipv4(S, C, 6, &tcp(23, 40001, 0, 1001, 0x14, b""));
    e.feed(T0, LinkType::Raw, &syn, syn.len() as u32);
    e.feed(T0 + 0.01, LinkType::Raw, &rst, rst.len() as u32);
    e.advance(T0 + 4.0);
    assert!(e.pop().is_none(), "still within the close delay");
    e.advance(T0 + 6.0);
    match e.pop() {
        Some(Record::Conn(c)) => assert_eq!(c.state, ConnState::REJ),
        other => panic!("expected the REJ connection, got {other:?}"),
    }
}

//! Helpers for detector tests: build flows, run one detector through the real engine.

use slips_core::{Conn, ConnState, Detector, Evidence, Flow, Hosted, Proto, Record, Timestamp};
use slips_engine::{Engine, EngineConfig, Event};

pub fn conn(
    ts: f64,
    uid: &str,
    src: &str,
    dst: &str,
    dport: u16,
    proto: Proto,
    state: ConnState,
) -> Flow {
    Flow::from(Record::Conn(Conn {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        saddr: Some(src.parse().unwrap()),
        sport: 50000,
        daddr: Some(dst.parse().unwrap()),
        dport,
        proto: Some(proto),
        state,
        spkts: 1,
        ..Default::default()
    }))
}

/// Runs the flows through an engine with only this detector and returns all evidence.
pub fn run<D: Detector>(d: D, flows: &[Flow]) -> Vec<Evidence> {
    let mut e = Engine::new(
        EngineConfig {
            threshold: f64::INFINITY,
            ..Default::default()
        },
        vec![Hosted::boxed(d)],
    );
    for f in flows {
        e.process(f);
    }
    e.finish();
    e.drain_events()
        .filter_map(|e| match e {
            Event::Evidence(ev) => Some(ev),
            _ => None,
        })
        .collect()
}

// ---- Application-layer helpers (tls, dns, http, ssh, smtp, arp, login detectors) ----

fn endpoints(src: &str, dst: &str, dport: u16) -> Option<slips_core::Endpoints> {
    Some(slips_core::Endpoints {
        saddr: src.parse().unwrap(),
        sport: 50000,
        daddr: dst.parse().unwrap(),
        dport,
    })
}

/// An established TCP connection with payload bytes.
pub fn app_conn(
    ts: f64,
    uid: &str,
    src: &str,
    dst: &str,
    dport: u16,
    sbytes: u64,
    dbytes: u64,
) -> Flow {
    Flow::from(Record::Conn(Conn {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        saddr: Some(src.parse().unwrap()),
        sport: 50000,
        daddr: Some(dst.parse().unwrap()),
        dport,
        proto: Some(Proto::Tcp),
        state: ConnState::SF,
        sbytes,
        dbytes,
        spkts: 5,
        dpkts: 5,
        ..Default::default()
    }))
}

/// A TLS session to port 443 with an SNI.
pub fn ssl(ts: f64, uid: &str, src: &str, dst: &str, sni: &str) -> Flow {
    Flow::from(Record::Ssl(Box::new(slips_core::Ssl {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        id: endpoints(src, dst, 443),
        server_name: Some(sni.into()),
        established: Some(true),
        ..Default::default()
    })))
}

/// A DNS answer (udp/53).
pub fn dns(
    ts: f64,
    uid: &str,
    src: &str,
    query: &str,
    qtype: &str,
    rcode: &str,
    answers: &[&str],
) -> Flow {
    Flow::from(Record::Dns(Box::new(slips_core::Dns {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        id: endpoints(src, "8.8.8.8", 53),
        proto: Some(Proto::Udp),
        query: Some(query.into()),
        qtype_name: Some(qtype.into()),
        rcode_name: Some(rcode.into()),
        answers: answers.iter().map(|a| (*a).into()).collect(),
        ..Default::default()
    })))
}

/// An HTTP request to port 80.
pub fn http(ts: f64, uid: &str, src: &str, dst: &str, host: &str, uri: &str, ua: &str) -> Flow {
    Flow::from(Record::Http(Box::new(slips_core::Http {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        id: endpoints(src, dst, 80),
        method: Some("GET".into()),
        host: Some(host.into()),
        uri: Some(uri.into()),
        user_agent: (!ua.is_empty()).then(|| ua.into()),
        status_code: Some(200),
        ..Default::default()
    })))
}

/// An ssh.log record to port 22.
pub fn ssh(
    ts: f64,
    uid: &str,
    src: &str,
    dst: &str,
    auth_success: Option<bool>,
    attempts: Option<u32>,
) -> Flow {
    Flow::from(Record::Ssh(Box::new(slips_core::Ssh {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        id: endpoints(src, dst, 22),
        version: Some(2),
        auth_success,
        auth_attempts: attempts,
        ..Default::default()
    })))
}

/// A software.log record.
pub fn software(ts: f64, host: &str, kind: &str, name: &str, major: u32, minor: u32) -> Flow {
    Flow::from(Record::Software(Box::new(slips_core::Software {
        ts: Timestamp::from_secs(ts),
        host: Some(host.parse().unwrap()),
        software_type: Some(kind.into()),
        name: Some(name.into()),
        version_major: Some(major),
        version_minor: Some(minor),
        unparsed_version: Some(format!("{name}_{major}.{minor}").into()),
        ..Default::default()
    })))
}

/// An smtp.log record to port 25.
pub fn smtp(ts: f64, uid: &str, src: &str, dst: &str, last_reply: &str) -> Flow {
    Flow::from(Record::Smtp(Box::new(slips_core::Smtp {
        ts: Timestamp::from_secs(ts),
        uid: uid.into(),
        id: endpoints(src, dst, 25),
        last_reply: Some(last_reply.into()),
        ..Default::default()
    })))
}

/// An arp.log record.
#[allow(clippy::too_many_arguments)]
pub fn arp(
    ts: f64,
    op: slips_core::ArpOp,
    src_mac: &str,
    dst_mac: &str,
    saddr: &str,
    daddr: &str,
    src_hw: &str,
    dst_hw: &str,
) -> Flow {
    Flow::from(Record::Arp(Box::new(slips_core::Arp {
        ts: Timestamp::from_secs(ts),
        operation: op,
        src_mac: src_mac.parse().ok(),
        dst_mac: dst_mac.parse().ok(),
        saddr: saddr.parse().ok(),
        daddr: daddr.parse().ok(),
        src_hw: src_hw.parse().ok(),
        dst_hw: dst_hw.parse().ok(),
    })))
}

/// A weird.log record of a connection.
pub fn weird(ts: f64, uid: &str, src: &str, dst: &str, name: &str, addl: &str) -> Flow {
    Flow::from(Record::Weird(Box::new(slips_core::Weird {
        ts: Timestamp::from_secs(ts),
        uid: Some(uid.into()),
        id: endpoints(src, dst, 80),
        name: name.into(),
        addl: (!addl.is_empty()).then(|| addl.into()),
        ..Default::default()
    })))
}

/// Records that make every application-layer detector fire at least once (for the
/// registry's determinism test). All from 10.0.0.5, after the other fixtures' flows.
pub fn app_layer_fixture() -> Vec<Flow> {
    use slips_core::ArpOp;
    let s = "10.0.0.5";
    let mut v = Vec::new();
    let mut t = 2000.0;
    let mut next = || {
        t += 0.1;
        t
    };
    // TLS: self-signed, CN claims Microsoft for another domain, DoH, pastebin.
    let mut f = ssl(next(), "T1", s, "123.33.22.11", "www.netflix.com");
    if let Record::Ssl(x) = &mut f.record {
        x.subject = Some("CN=www.microsoft.com,O=Microsoft Corporation".into());
        x.validation_status = Some("self signed certificate".into());
        x.is_doh = Some(true);
    }
    v.push(f);
    let mut f = ssl(next(), "T2", s, "123.33.22.12", "www.example.com");
    if let Record::Ssl(x) = &mut f.record {
        x.validation_status = Some("certificate has expired".into());
    }
    v.push(f);
    v.push(app_conn(next(), "P1", s, "104.20.67.143", 443, 100, 5000));
    v.push(ssl(next(), "P1", s, "104.20.67.143", "pastebin.com"));
    // DNS: TXT with high entropy, private answer, NXDOMAINs, ARPA scan.
    v.push(dns(
        next(),
        "D1",
        s,
        "x.example.com",
        "TXT",
        "NOERROR",
        &["TXT 60 aB3xQ9zK1mN7pL2vR8sT4uW6yE0cF5gH+jD/oI=ZkYhXbVnMqPwLtSrUeAyBz"],
    ));
    v.push(dns(
        next(),
        "D2",
        s,
        "printer.example.com",
        "A",
        "NOERROR",
        &["192.168.1.9"],
    ));
    for i in 0..10 {
        v.push(dns(
            next(),
            &format!("N{i}"),
            s,
            &format!("q{i}.example.com"),
            "A",
            "NXDOMAIN",
            &[],
        ));
    }
    for i in 0..10 {
        v.push(dns(
            next(),
            &format!("R{i}"),
            s,
            &format!("{i}.1.168.192.in-addr.arpa"),
            "PTR",
            "NOERROR",
            &[],
        ));
    }
    // HTTP: suspicious UA, empty connections, UAs of two OSes, executable, weird method.
    let win = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
    let lin = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0";
    for i in 0..4 {
        v.push(http(
            next(),
            &format!("H{i}"),
            s,
            "13.107.21.200",
            "www.bing.com",
            "/",
            win,
        ));
    }
    v.push(http(
        next(),
        "H5",
        s,
        "1.2.3.4",
        "evil.example",
        "/x",
        "httpsend",
    ));
    v.push(http(next(), "H6", s, "1.2.3.4", "evil.example", "/y", lin));
    let mut f = http(next(), "H7", s, "1.2.3.4", "evil.example", "/a.exe", win);
    if let Record::Http(x) = &mut f.record {
        x.resp_mime_types = vec!["application/x-dosexec".into()];
    }
    v.push(f);
    v.push(weird(
        next(),
        "W1",
        s,
        "1.2.3.4",
        "unknown_HTTP_method",
        "MYMETHOD",
    ));
    // SSH: successful by Zeek, versions changing, brute force.
    v.push(app_conn(next(), "S0", s, "1.2.3.5", 22, 3000, 3000));
    v.push(ssh(next(), "S0", s, "1.2.3.5", Some(true), Some(1)));
    v.push(software(next(), s, "SSH::CLIENT", "OpenSSH", 8, 1));
    v.push(software(next(), s, "SSH::CLIENT", "OpenSSH", 9, 1));
    for i in 0..9 {
        v.push(ssh(
            next(),
            &format!("B{i}"),
            s,
            "1.2.3.6",
            Some(false),
            Some(1),
        ));
    }
    // SMTP bad logins, login.log.
    for i in 0..3 {
        v.push(smtp(
            next(),
            &format!("M{i}"),
            s,
            "80.75.42.226",
            "554 5.7.1 bad smtp-auth user",
        ));
    }
    v.push(Flow::from(Record::Login(Box::new(slips_core::Login {
        ts: Timestamp::from_secs(next()),
        uid: "L1".into(),
        id: endpoints(s, "1.2.3.7", 23),
        proto: Some("telnet".into()),
        success: Some(true),
        user: Some("root".into()),
        ..Default::default()
    }))));
    // ARP: scan, outside the local network, unsolicited, MITM.
    let mac = "50:5b:c2:db:c3:17";
    for i in 1..=5 {
        v.push(arp(
            next(),
            ArpOp::Request,
            mac,
            "ff:ff:ff:ff:ff:ff",
            s,
            &format!("10.0.0.{}", 100 + i),
            mac,
            "00:00:00:00:00:00",
        ));
    }
    v.push(arp(
        next(),
        ArpOp::Request,
        mac,
        "ff:ff:ff:ff:ff:ff",
        s,
        "69.220.152.1",
        mac,
        "30:30:30:30:30:30",
    ));
    v.push(arp(
        next(),
        ArpOp::Reply,
        mac,
        "ff:ff:ff:ff:ff:ff",
        s,
        "10.0.0.5",
        mac,
        "ff:ff:ff:ff:ff:ff",
    ));
    v.push(arp(
        next(),
        ArpOp::Reply,
        mac,
        "ff:ff:ff:ff:ff:ff",
        "10.0.0.1",
        "10.0.0.1",
        mac,
        "ff:ff:ff:ff:ff:ff",
    ));
    v
}

/// One evidence as (type, attacker, side, level, confidence, description), for golden
/// assertions on complete evidence.
pub type Row = (
    slips_core::EvidenceType,
    String,
    slips_core::Side,
    slips_core::ThreatLevel,
    f64,
    String,
);

pub fn rows(ev: &[Evidence]) -> Vec<Row> {
    ev.iter()
        .map(|e| {
            (
                e.evidence_type,
                e.attacker.value.to_string(),
                e.attacker.side,
                e.threat_level,
                e.confidence,
                e.description.clone(),
            )
        })
        .collect()
}

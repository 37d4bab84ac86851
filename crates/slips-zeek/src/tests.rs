//! Tests of the whole crate: every log kind in both formats, the reader on fixtures (merge
//! order, bad input, folders, labels, `.gz`), and robustness on arbitrary bytes.

use crate::*;
use proptest::prelude::*;
use slips_core::{ArpOp, ConnState, Proto, Record, RecordKind};
use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// One field of a fixture: Zeek name, TSV text, JSON text (`None`: absent from the JSON).
type Field = (&'static str, &'static str, Option<&'static str>);

/// Builds a TSV log (header + one line) and a JSON line from the same fields.
fn both_formats(kind: &str, fields: &[Field]) -> (String, String) {
    let names: Vec<&str> = fields.iter().map(|f| f.0).collect();
    let values: Vec<&str> = fields.iter().map(|f| f.1).collect();
    let tsv = format!(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{kind}\n#fields\t{}\n{}\n",
        names.join("\t"),
        values.join("\t")
    );
    let json: Vec<String> = fields
        .iter()
        .filter_map(|(n, _, j)| j.map(|j| format!("\"{n}\":{j}")))
        .collect();
    (tsv, format!("{{{}}}", json.join(",")))
}

/// Parses the fixture in both formats, checks they agree and returns the record.
fn parse_both(kind: RecordKind, fields: &[Field]) -> Record {
    let (tsv, json) = both_formats(kind.log_name(), fields);
    let mut schema = TsvSchema::new();
    let mut from_tsv = None;
    for line in tsv.lines() {
        if line.starts_with('#') {
            schema.feed_header(line.as_bytes()).unwrap();
        } else {
            from_tsv = Some(schema.parse_line(line.as_bytes()).unwrap());
        }
    }
    assert_eq!(schema.kind(), Some(kind));
    let from_tsv = from_tsv.unwrap();
    let from_json = parse_json_line(kind, json.as_bytes()).unwrap();
    assert_eq!(
        from_tsv, from_json,
        "TSV and JSON differ for {kind:?}\n{json}"
    );
    assert_eq!(from_tsv.record.kind(), kind);
    from_tsv.record
}

const ID: [Field; 4] = [
    ("id.orig_h", "10.0.2.15", Some("\"10.0.2.15\"")),
    ("id.orig_p", "49158", Some("49158")),
    (
        "id.resp_h",
        "2a00:1450:4014:801::200a",
        Some("\"2a00:1450:4014:801::200a\""),
    ),
    ("id.resp_p", "443", Some("443")),
];

fn with_id(head: &[Field], tail: &[Field]) -> Vec<Field> {
    head.iter().chain(ID.iter()).chain(tail).copied().collect()
}

fn check_id(id: Option<slips_core::Endpoints>) {
    let id = id.unwrap();
    assert_eq!(id.saddr, ip("10.0.2.15"));
    assert_eq!(id.sport, 49158);
    assert_eq!(id.daddr, ip("2a00:1450:4014:801::200a"));
    assert_eq!(id.dport, 443);
}

const TS: Field = ("ts", "1601998366.785668", Some("1601998366.785668"));
const UID: Field = ("uid", "CNgrt04tHika5Pgpfi", Some("\"CNgrt04tHika5Pgpfi\""));

#[test]
fn kind_conn() {
    let f = with_id(
        &[TS, UID],
        &[
            ("proto", "tcp", Some("\"tcp\"")),
            ("service", "ssl,http", Some("\"ssl,http\"")),
            ("duration", "0.25", Some("0.25")),
            ("orig_bytes", "10", Some("10")),
            ("resp_bytes", "20", Some("20")),
            ("conn_state", "RSTO", Some("\"RSTO\"")),
            ("local_orig", "T", Some("true")),
            ("missed_bytes", "7", Some("7")),
            ("history", "ShADadfR^", Some("\"ShADadfR^\"")),
            ("orig_pkts", "3", Some("3")),
            ("orig_ip_bytes", "30", Some("30")),
            ("resp_pkts", "4", Some("4")),
            ("resp_ip_bytes", "40", Some("40")),
            ("tunnel_parents", "(empty)", Some("[]")),
            (
                "orig_l2_addr",
                "08:00:27:7f:09:e1",
                Some("\"08:00:27:7f:09:e1\""),
            ),
            ("resp_l2_addr", "-", None),
        ],
    );
    let Record::Conn(c) = parse_both(RecordKind::Conn, &f) else {
        panic!()
    };
    assert_eq!(c.ts.secs(), 1601998366.785668);
    assert_eq!(c.uid, "CNgrt04tHika5Pgpfi");
    assert_eq!((c.saddr, c.sport), (Some(ip("10.0.2.15")), 49158));
    assert_eq!(
        (c.daddr, c.dport),
        (Some(ip("2a00:1450:4014:801::200a")), 443)
    );
    assert_eq!(c.proto, Some(Proto::Tcp));
    assert!(c.service_is("http"));
    assert_eq!(c.duration, 0.25);
    assert_eq!((c.sbytes, c.dbytes, c.spkts, c.dpkts), (10, 20, 3, 4));
    assert_eq!((c.sip_bytes, c.dip_bytes, c.missed_bytes), (30, 40, 7));
    assert_eq!(c.state, ConnState::RSTO);
    assert!(c.is_flipped());
    assert_eq!(c.smac.unwrap().to_string(), "08:00:27:7f:09:e1");
    assert_eq!(c.dmac, None);
}

#[test]
fn kind_dns() {
    let f = with_id(
        &[TS, UID],
        &[
            ("proto", "udp", Some("\"udp\"")),
            ("trans_id", "3478", Some("3478")),
            ("rtt", "0.00697", Some("0.00697")),
            (
                "query",
                "clients6.google.com",
                Some("\"clients6.google.com\""),
            ),
            ("qclass", "1", Some("1")),
            ("qclass_name", "C_INTERNET", Some("\"C_INTERNET\"")),
            ("qtype", "28", Some("28")),
            ("qtype_name", "AAAA", Some("\"AAAA\"")),
            ("rcode", "0", Some("0")),
            ("rcode_name", "NOERROR", Some("\"NOERROR\"")),
            ("AA", "F", Some("false")),
            (
                "answers",
                "clients.l.google.com,2a00:1450:4014:80c::200e",
                Some("[\"clients.l.google.com\",\"2a00:1450:4014:80c::200e\"]"),
            ),
            ("TTLs", "15.000000,105.000000", Some("[15.0,105.0]")),
            ("rejected", "F", Some("false")),
        ],
    );
    let Record::Dns(d) = parse_both(RecordKind::Dns, &f) else {
        panic!()
    };
    check_id(d.id);
    assert_eq!(d.uid, "CNgrt04tHika5Pgpfi");
    assert_eq!(d.proto, Some(Proto::Udp));
    assert_eq!(d.trans_id, Some(3478));
    assert_eq!(d.rtt, Some(0.00697));
    assert_eq!(d.query.as_deref(), Some("clients6.google.com"));
    assert_eq!(d.qclass_name.as_deref(), Some("C_INTERNET"));
    assert_eq!((d.qtype, d.qtype_name.as_deref()), (Some(28), Some("AAAA")));
    assert_eq!(
        (d.rcode, d.rcode_name.as_deref()),
        (Some(0), Some("NOERROR"))
    );
    assert_eq!(
        d.answers,
        vec!["clients.l.google.com", "2a00:1450:4014:80c::200e"]
    );
    assert_eq!(d.ttls, vec![15.0, 105.0]);
    assert_eq!(d.rejected, Some(false));
}

#[test]
fn kind_http() {
    let f = with_id(
        &[TS, UID],
        &[
            ("trans_depth", "1", Some("1")),
            ("method", "GET", Some("\"GET\"")),
            ("host", "112.255.161.10", Some("\"112.255.161.10\"")),
            ("uri", "/bin.sh?a=1&b=2", Some("\"/bin.sh?a=1&b=2\"")),
            ("referrer", "-", None),
            ("version", "1.1", Some("\"1.1\"")),
            (
                "user_agent",
                "Mozilla/5.0 (Windows NT 6.1)",
                Some("\"Mozilla/5.0 (Windows NT 6.1)\""),
            ),
            ("request_body_len", "0", Some("0")),
            ("response_body_len", "593", Some("593")),
            ("status_code", "200", Some("200")),
            ("status_msg", "OK", Some("\"OK\"")),
            ("tags", "(empty)", Some("[]")),
            (
                "resp_fuids",
                "FqhaAy4xsmJ3AR63A3",
                Some("[\"FqhaAy4xsmJ3AR63A3\"]"),
            ),
            ("resp_mime_types", "text/plain", Some("[\"text/plain\"]")),
        ],
    );
    let Record::Http(h) = parse_both(RecordKind::Http, &f) else {
        panic!()
    };
    check_id(h.id);
    assert_eq!(h.trans_depth, Some(1));
    assert_eq!(h.method.as_deref(), Some("GET"));
    assert_eq!(h.host.as_deref(), Some("112.255.161.10"));
    assert_eq!(h.uri.as_deref(), Some("/bin.sh?a=1&b=2"));
    assert_eq!(h.referrer, None);
    assert_eq!(h.version.as_deref(), Some("1.1"));
    assert_eq!(
        h.user_agent.as_deref(),
        Some("Mozilla/5.0 (Windows NT 6.1)")
    );
    assert_eq!((h.request_body_len, h.response_body_len), (0, 593));
    assert_eq!(h.status_code, Some(200));
    assert_eq!(h.status_msg.as_deref(), Some("OK"));
    assert_eq!(h.resp_fuids, vec!["FqhaAy4xsmJ3AR63A3"]);
    assert_eq!(h.resp_mime_types, vec!["text/plain"]);
}

#[test]
fn kind_ssl() {
    let f = with_id(
        &[TS, UID],
        &[
            ("version", "TLSv12", Some("\"TLSv12\"")),
            (
                "cipher",
                "TLS_AES_128_GCM_SHA256",
                Some("\"TLS_AES_128_GCM_SHA256\""),
            ),
            ("curve", "x25519", Some("\"x25519\"")),
            (
                "server_name",
                "virtual.secai.com",
                Some("\"virtual.secai.com\""),
            ),
            ("resumed", "F", Some("false")),
            ("established", "T", Some("true")),
            (
                "cert_chain_fuids",
                "FRBu481kCfyF0aScA1,Fyjto01jEK20hLjiY1",
                Some("[\"FRBu481kCfyF0aScA1\",\"Fyjto01jEK20hLjiY1\"]"),
            ),
            ("client_cert_chain_fuids", "(empty)", Some("[]")),
            (
                "subject",
                "CN=virtual.secai.com",
                Some("\"CN=virtual.secai.com\""),
            ),
            (
                "issuer",
                "CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US",
                Some("\"CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US\""),
            ),
            (
                "validation_status",
                "certificate is not yet valid",
                Some("\"certificate is not yet valid\""),
            ),
            (
                "ja3",
                "6734f37431670b3ab4292b8f60f29984",
                Some("\"6734f37431670b3ab4292b8f60f29984\""),
            ),
            (
                "ja3s",
                "e7d705a3286e19ea42f587b344ee6865",
                Some("\"e7d705a3286e19ea42f587b344ee6865\""),
            ),
            ("is_DoH", "T", Some("true")),
            (
                "ja4",
                "t13d1516h2_8daaf6152771_e5627efa2ab1",
                Some("\"t13d1516h2_8daaf6152771_e5627efa2ab1\""),
            ),
        ],
    );
    let Record::Ssl(s) = parse_both(RecordKind::Ssl, &f) else {
        panic!()
    };
    check_id(s.id);
    assert_eq!(s.version.as_deref(), Some("TLSv12"));
    assert_eq!(s.cipher.as_deref(), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(s.curve.as_deref(), Some("x25519"));
    assert_eq!(s.server_name.as_deref(), Some("virtual.secai.com"));
    assert_eq!((s.resumed, s.established), (Some(false), Some(true)));
    assert_eq!(
        s.cert_chain,
        vec!["FRBu481kCfyF0aScA1", "Fyjto01jEK20hLjiY1"]
    );
    assert!(s.client_cert_chain.is_empty());
    assert_eq!(s.subject.as_deref(), Some("CN=virtual.secai.com"));
    assert_eq!(
        s.issuer.as_deref(),
        Some("CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US")
    );
    assert_eq!(
        s.validation_status.as_deref(),
        Some("certificate is not yet valid")
    );
    assert_eq!(s.ja3.as_deref(), Some("6734f37431670b3ab4292b8f60f29984"));
    assert_eq!(s.ja3s.as_deref(), Some("e7d705a3286e19ea42f587b344ee6865"));
    assert_eq!(s.is_doh, Some(true));
    assert_eq!(
        s.ja4.as_deref(),
        Some("t13d1516h2_8daaf6152771_e5627efa2ab1")
    );
}

#[test]
fn ssl_fingerprint_chains_win() {
    let f = [
        TS,
        ("cert_chain_fuids", "F1,F2", Some("[\"F1\",\"F2\"]")),
        ("cert_chain_fps", "aa11,bb22", Some("[\"aa11\",\"bb22\"]")),
        ("client_cert_chain_fps", "cc33", Some("[\"cc33\"]")),
    ];
    let Record::Ssl(s) = parse_both(RecordKind::Ssl, &f) else {
        panic!()
    };
    assert_eq!(s.cert_chain, vec!["aa11", "bb22"]);
    assert_eq!(s.client_cert_chain, vec!["cc33"]);
    assert_eq!(s.id, None);
    let f = [TS, ("cert_chain_fps", "aa11", Some("[\"aa11\"]"))];
    let Record::Ssl(s) = parse_both(RecordKind::Ssl, &f) else {
        panic!()
    };
    assert_eq!(s.cert_chain, vec!["aa11"]);
}

#[test]
fn kind_ssh() {
    let f = with_id(
        &[TS, UID],
        &[
            ("version", "2", Some("2")),
            ("auth_success", "T", Some("true")),
            ("auth_attempts", "3", Some("3")),
            ("direction", "OUTBOUND", Some("\"OUTBOUND\"")),
            (
                "client",
                "SSH-2.0-OpenSSH_8.1",
                Some("\"SSH-2.0-OpenSSH_8.1\""),
            ),
            (
                "server",
                "SSH-2.0-OpenSSH_7.4",
                Some("\"SSH-2.0-OpenSSH_7.4\""),
            ),
            (
                "cipher_alg",
                "chacha20-poly1305@openssh.com",
                Some("\"chacha20-poly1305@openssh.com\""),
            ),
            (
                "mac_alg",
                "umac-64-etm@openssh.com",
                Some("\"umac-64-etm@openssh.com\""),
            ),
            ("compression_alg", "none", Some("\"none\"")),
            (
                "kex_alg",
                "curve25519-sha256",
                Some("\"curve25519-sha256\""),
            ),
            ("host_key_alg", "ssh-ed25519", Some("\"ssh-ed25519\"")),
            ("host_key", "e4:b1:8e:ca", Some("\"e4:b1:8e:ca\"")),
        ],
    );
    let Record::Ssh(s) = parse_both(RecordKind::Ssh, &f) else {
        panic!()
    };
    check_id(s.id);
    assert_eq!(s.version, Some(2));
    assert_eq!((s.auth_success, s.auth_attempts), (Some(true), Some(3)));
    assert_eq!(s.direction.as_deref(), Some("OUTBOUND"));
    assert_eq!(s.client.as_deref(), Some("SSH-2.0-OpenSSH_8.1"));
    assert_eq!(s.server.as_deref(), Some("SSH-2.0-OpenSSH_7.4"));
    assert_eq!(
        s.cipher_alg.as_deref(),
        Some("chacha20-poly1305@openssh.com")
    );
    assert_eq!(s.mac_alg.as_deref(), Some("umac-64-etm@openssh.com"));
    assert_eq!(s.compression_alg.as_deref(), Some("none"));
    assert_eq!(s.kex_alg.as_deref(), Some("curve25519-sha256"));
    assert_eq!(s.host_key_alg.as_deref(), Some("ssh-ed25519"));
    assert_eq!(s.host_key.as_deref(), Some("e4:b1:8e:ca"));
}

#[test]
fn kind_dhcp() {
    let f = [
        TS,
        (
            "uids",
            "CS6Wmy1mA7yYBY7uCl,C2lDP23oXq7SQTx8Wh",
            Some("[\"CS6Wmy1mA7yYBY7uCl\",\"C2lDP23oXq7SQTx8Wh\"]"),
        ),
        ("client_addr", "10.0.2.15", Some("\"10.0.2.15\"")),
        ("server_addr", "10.0.2.2", Some("\"10.0.2.2\"")),
        ("mac", "08:00:27:7f:09:e1", Some("\"08:00:27:7f:09:e1\"")),
        ("host_name", "John-PC", Some("\"John-PC\"")),
        ("client_fqdn", "John-PC", Some("\"John-PC\"")),
        ("domain", "felk.cvut.cz", Some("\"felk.cvut.cz\"")),
        ("requested_addr", "10.0.2.15", Some("\"10.0.2.15\"")),
        ("assigned_addr", "10.0.2.16", Some("\"10.0.2.16\"")),
        ("lease_time", "86400.000000", Some("86400.0")),
        ("msg_types", "REQUEST,ACK", Some("[\"REQUEST\",\"ACK\"]")),
        ("duration", "4.04", Some("4.04")),
    ];
    let Record::Dhcp(d) = parse_both(RecordKind::Dhcp, &f) else {
        panic!()
    };
    assert_eq!(d.uids, vec!["CS6Wmy1mA7yYBY7uCl", "C2lDP23oXq7SQTx8Wh"]);
    assert_eq!(d.client_addr, Some(ip("10.0.2.15")));
    assert_eq!(d.server_addr, Some(ip("10.0.2.2")));
    assert_eq!(d.mac.unwrap().to_string(), "08:00:27:7f:09:e1");
    assert_eq!(d.host_name.as_deref(), Some("John-PC"));
    assert_eq!(d.client_fqdn.as_deref(), Some("John-PC"));
    assert_eq!(d.domain.as_deref(), Some("felk.cvut.cz"));
    assert_eq!(d.requested_addr, Some(ip("10.0.2.15")));
    assert_eq!(d.assigned_addr, Some(ip("10.0.2.16")));
    assert_eq!(d.lease_time, Some(86400.0));
    assert_eq!(d.msg_types, vec!["REQUEST", "ACK"]);
}

#[test]
fn kind_smtp() {
    let f = with_id(
        &[TS, UID],
        &[
            ("trans_depth", "1", Some("1")),
            ("helo", "[0.0.0.0]", Some("\"[0.0.0.0]\"")),
            (
                "mailfrom",
                "aon.913289727@aon.at",
                Some("\"aon.913289727@aon.at\""),
            ),
            (
                "rcptto",
                "a@gmail.com,b@gmail.com",
                Some("[\"a@gmail.com\",\"b@gmail.com\"]"),
            ),
            (
                "last_reply",
                "554 5.7.1 bad smtp-auth user",
                Some("\"554 5.7.1 bad smtp-auth user\""),
            ),
            ("user_agent", "Outlook", Some("\"Outlook\"")),
        ],
    );
    let Record::Smtp(s) = parse_both(RecordKind::Smtp, &f) else {
        panic!()
    };
    check_id(s.id);
    assert_eq!(s.helo.as_deref(), Some("[0.0.0.0]"));
    assert_eq!(s.mailfrom.as_deref(), Some("aon.913289727@aon.at"));
    assert_eq!(s.rcptto, vec!["a@gmail.com", "b@gmail.com"]);
    assert_eq!(
        s.last_reply.as_deref(),
        Some("554 5.7.1 bad smtp-auth user")
    );
    assert_eq!(s.user_agent.as_deref(), Some("Outlook"));
}

#[test]
fn kind_notice() {
    let f = [
        TS,
        ("uid", "-", None),
        ("id.orig_h", "-", None),
        ("id.orig_p", "-", None),
        ("id.resp_h", "-", None),
        ("id.resp_p", "-", None),
        ("proto", "tcp", Some("\"tcp\"")),
        ("note", "Scan::Address_Scan", Some("\"Scan::Address_Scan\"")),
        (
            "msg",
            "147.32.83.156 scanned at least 25 unique hosts on port 23/tcp in 1m14s",
            Some("\"147.32.83.156 scanned at least 25 unique hosts on port 23/tcp in 1m14s\""),
        ),
        ("sub", "remote", Some("\"remote\"")),
        ("src", "147.32.83.156", Some("\"147.32.83.156\"")),
        ("dst", "147.32.83.1", Some("\"147.32.83.1\"")),
        ("p", "23", Some("23")),
        ("n", "25", Some("25")),
        (
            "actions",
            "Notice::ACTION_LOG",
            Some("[\"Notice::ACTION_LOG\"]"),
        ),
        ("suppress_for", "3600.000000", Some("3600.0")),
    ];
    let Record::Notice(n) = parse_both(RecordKind::Notice, &f) else {
        panic!()
    };
    assert_eq!(n.uid, None);
    assert_eq!(n.id, None);
    assert_eq!(n.proto, Some(Proto::Tcp));
    assert_eq!(n.note, "Scan::Address_Scan");
    assert!(n.msg.as_deref().unwrap().contains("25 unique hosts"));
    assert_eq!(n.sub.as_deref(), Some("remote"));
    assert_eq!(n.src, Some(ip("147.32.83.156")));
    assert_eq!(n.dst, Some(ip("147.32.83.1")));
    assert_eq!((n.p, n.n), (Some(23), Some(25)));
    assert_eq!(n.source(), Some(ip("147.32.83.156")));
}

#[test]
fn kind_files() {
    let f = [
        TS,
        ("fuid", "FRBu481kCfyF0aScA1", Some("\"FRBu481kCfyF0aScA1\"")),
        ("tx_hosts", "3.232.121.231", Some("[\"3.232.121.231\"]")),
        (
            "rx_hosts",
            "147.32.83.156,::1",
            Some("[\"147.32.83.156\",\"::1\"]"),
        ),
        (
            "conn_uids",
            "CYetmM3b29tLNkUk42",
            Some("[\"CYetmM3b29tLNkUk42\"]"),
        ),
        ("source", "SSL", Some("\"SSL\"")),
        ("depth", "0", Some("0")),
        (
            "analyzers",
            "MD5,X509,SHA1",
            Some("[\"MD5\",\"X509\",\"SHA1\"]"),
        ),
        (
            "mime_type",
            "application/x-x509-user-cert",
            Some("\"application/x-x509-user-cert\""),
        ),
        ("filename", "-", None),
        ("seen_bytes", "1638", Some("1638")),
        ("total_bytes", "-", None),
        (
            "md5",
            "aeeb74a57c1f9df4cfc4536d26a38b8c",
            Some("\"aeeb74a57c1f9df4cfc4536d26a38b8c\""),
        ),
        (
            "sha1",
            "0a6b201a7bff643cc5dd6631e5940e858ee07d25",
            Some("\"0a6b201a7bff643cc5dd6631e5940e858ee07d25\""),
        ),
        ("sha256", "fc85d5ae", Some("\"fc85d5ae\"")),
    ];
    let Record::Files(x) = parse_both(RecordKind::Files, &f) else {
        panic!()
    };
    assert_eq!(x.fuid, "FRBu481kCfyF0aScA1");
    assert_eq!(x.tx_hosts, vec![ip("3.232.121.231")]);
    assert_eq!(x.rx_hosts, vec![ip("147.32.83.156"), ip("::1")]);
    assert_eq!(x.conn_uids, vec!["CYetmM3b29tLNkUk42"]);
    assert_eq!(x.source.as_deref(), Some("SSL"));
    assert_eq!(x.analyzers, vec!["MD5", "X509", "SHA1"]);
    assert_eq!(x.mime_type.as_deref(), Some("application/x-x509-user-cert"));
    assert_eq!(x.filename, None);
    assert_eq!((x.seen_bytes, x.total_bytes), (1638, None));
    assert_eq!(x.md5.as_deref(), Some("aeeb74a57c1f9df4cfc4536d26a38b8c"));
    assert_eq!(
        x.sha1.as_deref(),
        Some("0a6b201a7bff643cc5dd6631e5940e858ee07d25")
    );
    assert_eq!(x.sha256.as_deref(), Some("fc85d5ae"));
}

#[test]
fn files_of_newer_zeek() {
    // Zeek >= 5: the connection instead of tx/rx host sets.
    let f = with_id(
        &[TS, ("fuid", "F1", Some("\"F1\"")), UID],
        &[("is_orig", "F", Some("false"))],
    );
    let Record::Files(x) = parse_both(RecordKind::Files, &f) else {
        panic!()
    };
    assert_eq!(x.conn_uids, vec!["CNgrt04tHika5Pgpfi"]);
    assert_eq!(x.tx_hosts, vec![ip("2a00:1450:4014:801::200a")]);
    assert_eq!(x.rx_hosts, vec![ip("10.0.2.15")]);
}

#[test]
fn kind_software() {
    let f = [
        TS,
        ("host", "192.168.1.247", Some("\"192.168.1.247\"")),
        ("host_p", "22", Some("22")),
        ("software_type", "SSH::CLIENT", Some("\"SSH::CLIENT\"")),
        ("name", "OpenSSH", Some("\"OpenSSH\"")),
        ("version.major", "8", Some("8")),
        ("version.minor", "1", Some("1")),
        ("version.minor2", "-", None),
        ("unparsed_version", "OpenSSH_8.1", Some("\"OpenSSH_8.1\"")),
    ];
    let Record::Software(s) = parse_both(RecordKind::Software, &f) else {
        panic!()
    };
    assert_eq!(s.host, Some(ip("192.168.1.247")));
    assert_eq!(s.host_p, Some(22));
    assert_eq!(s.software_type.as_deref(), Some("SSH::CLIENT"));
    assert_eq!(s.name.as_deref(), Some("OpenSSH"));
    assert_eq!((s.version_major, s.version_minor), (Some(8), Some(1)));
    assert_eq!(s.unparsed_version.as_deref(), Some("OpenSSH_8.1"));
}

#[test]
fn kind_weird() {
    let f = with_id(
        &[TS, UID],
        &[
            (
                "name",
                "DNS_TXT_char_str_past_rdlen",
                Some("\"DNS_TXT_char_str_past_rdlen\""),
            ),
            ("addl", "-", None),
            ("notice", "F", Some("false")),
            ("peer", "zeek", Some("\"zeek\"")),
        ],
    );
    let Record::Weird(w) = parse_both(RecordKind::Weird, &f) else {
        panic!()
    };
    check_id(w.id);
    assert_eq!(w.uid.as_deref(), Some("CNgrt04tHika5Pgpfi"));
    assert_eq!(w.name, "DNS_TXT_char_str_past_rdlen");
    assert_eq!(w.addl, None);
    assert_eq!(w.notice, Some(false));
    assert_eq!(w.peer.as_deref(), Some("zeek"));
}

#[test]
fn kind_tunnel() {
    let f = with_id(
        &[TS, UID],
        &[
            ("tunnel_type", "Tunnel::GRE", Some("\"Tunnel::GRE\"")),
            ("action", "Tunnel::DISCOVER", Some("\"Tunnel::DISCOVER\"")),
        ],
    );
    let Record::Tunnel(t) = parse_both(RecordKind::Tunnel, &f) else {
        panic!()
    };
    check_id(t.id);
    assert_eq!(t.tunnel_type.as_deref(), Some("Tunnel::GRE"));
    assert_eq!(t.action.as_deref(), Some("Tunnel::DISCOVER"));
}

#[test]
fn kind_arp() {
    let f = [
        TS,
        ("operation", "request", Some("\"request\"")),
        (
            "src_mac",
            "50:5b:c2:db:c3:17",
            Some("\"50:5b:c2:db:c3:17\""),
        ),
        (
            "dst_mac",
            "ff:ff:ff:ff:ff:ff",
            Some("\"ff:ff:ff:ff:ff:ff\""),
        ),
        ("orig_h", "192.168.1.15", Some("\"192.168.1.15\"")),
        ("resp_h", "192.168.1.1", Some("\"192.168.1.1\"")),
        (
            "orig_hw",
            "50:5b:c2:db:c3:17",
            Some("\"50:5b:c2:db:c3:17\""),
        ),
        (
            "resp_hw",
            "00:00:00:00:00:00",
            Some("\"00:00:00:00:00:00\""),
        ),
    ];
    let Record::Arp(a) = parse_both(RecordKind::Arp, &f) else {
        panic!()
    };
    assert_eq!(a.operation, ArpOp::Request);
    assert_eq!(a.src_mac.unwrap().to_string(), "50:5b:c2:db:c3:17");
    assert!(a.dst_mac.unwrap().is_broadcast());
    assert_eq!(
        (a.saddr, a.daddr),
        (Some(ip("192.168.1.15")), Some(ip("192.168.1.1")))
    );
    assert_eq!(a.src_hw, a.src_mac);
    assert!(a.dst_hw.unwrap().is_zero());
}

#[test]
fn kind_x509() {
    let f = [
        TS,
        ("id", "FRBu481kCfyF0aScA1", Some("\"FRBu481kCfyF0aScA1\"")),
        ("certificate.version", "3", Some("3")),
        (
            "certificate.serial",
            "032E779AD148",
            Some("\"032E779AD148\""),
        ),
        (
            "certificate.subject",
            "CN=virtual.rsecai.com",
            Some("\"CN=virtual.rsecai.com\""),
        ),
        (
            "certificate.issuer",
            "CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US",
            Some("\"CN=Let's Encrypt Authority X3,O=Let's Encrypt,C=US\""),
        ),
        (
            "certificate.not_valid_before",
            "1599538205.000000",
            Some("1599538205.0"),
        ),
        (
            "certificate.not_valid_after",
            "1607317805.000000",
            Some("1607317805.0"),
        ),
        (
            "certificate.key_alg",
            "rsaEncryption",
            Some("\"rsaEncryption\""),
        ),
        (
            "certificate.sig_alg",
            "sha256WithRSAEncryption",
            Some("\"sha256WithRSAEncryption\""),
        ),
        ("certificate.key_type", "rsa", Some("\"rsa\"")),
        ("certificate.key_length", "4096", Some("4096")),
        ("certificate.exponent", "65537", Some("\"65537\"")),
        (
            "san.dns",
            "virtual.secai.com,*.secai.com",
            Some("[\"virtual.secai.com\",\"*.secai.com\"]"),
        ),
        ("san.ip", "1.2.3.4", Some("[\"1.2.3.4\"]")),
        ("basic_constraints.ca", "F", Some("false")),
    ];
    let Record::X509(x) = parse_both(RecordKind::X509, &f) else {
        panic!()
    };
    assert_eq!(x.id, "FRBu481kCfyF0aScA1");
    assert_eq!(x.version, Some(3));
    assert_eq!(x.serial.as_deref(), Some("032E779AD148"));
    assert_eq!(x.subject.as_deref(), Some("CN=virtual.rsecai.com"));
    assert!(x.issuer.as_deref().unwrap().starts_with("CN=Let's Encrypt"));
    assert_eq!(x.not_valid_before.unwrap().secs(), 1599538205.0);
    assert_eq!(x.not_valid_after.unwrap().secs(), 1607317805.0);
    assert_eq!(x.key_alg.as_deref(), Some("rsaEncryption"));
    assert_eq!(x.sig_alg.as_deref(), Some("sha256WithRSAEncryption"));
    assert_eq!(x.key_type.as_deref(), Some("rsa"));
    assert_eq!(x.key_length, Some(4096));
    assert_eq!(x.san_dns, vec!["virtual.secai.com", "*.secai.com"]);
    assert_eq!(x.san_ip, vec![ip("1.2.3.4")]);
    assert_eq!(x.basic_constraints_ca, Some(false));
    // Newer Zeek: the fingerprint identifies the certificate.
    let f = [TS, ("fingerprint", "ab12", Some("\"ab12\""))];
    let Record::X509(x) = parse_both(RecordKind::X509, &f) else {
        panic!()
    };
    assert_eq!(x.id, "ab12");
}

#[test]
fn kind_ftp() {
    let f = with_id(
        &[TS, UID],
        &[
            ("user", "anonymous", Some("\"anonymous\"")),
            ("password", "-", None),
            ("command", "RETR", Some("\"RETR\"")),
            (
                "arg",
                "ftp://1.2.3.4/x.bin",
                Some("\"ftp://1.2.3.4/x.bin\""),
            ),
            ("reply_code", "226", Some("226")),
            (
                "reply_msg",
                "Transfer complete.",
                Some("\"Transfer complete.\""),
            ),
            ("data_channel.passive", "T", Some("true")),
            ("data_channel.resp_p", "50000", Some("50000")),
        ],
    );
    let Record::Ftp(x) = parse_both(RecordKind::Ftp, &f) else {
        panic!()
    };
    check_id(x.id);
    assert_eq!(x.user.as_deref(), Some("anonymous"));
    assert_eq!(x.command.as_deref(), Some("RETR"));
    assert_eq!(x.arg.as_deref(), Some("ftp://1.2.3.4/x.bin"));
    assert_eq!(x.reply_code, Some(226));
    assert_eq!(x.reply_msg.as_deref(), Some("Transfer complete."));
    assert_eq!(x.data_channel_resp_p, Some(50000));
}

#[test]
fn kind_login() {
    let f = with_id(
        &[TS, UID],
        &[
            ("proto", "telnet", Some("\"telnet\"")),
            ("success", "T", Some("true")),
            ("confused", "F", Some("false")),
            ("user", "root", Some("\"root\"")),
            ("client_user", "-", None),
            ("password", "123456", Some("\"123456\"")),
        ],
    );
    let Record::Login(x) = parse_both(RecordKind::Login, &f) else {
        panic!()
    };
    check_id(x.id);
    assert_eq!(x.proto.as_deref(), Some("telnet"));
    assert_eq!((x.success, x.confused), (Some(true), Some(false)));
    assert_eq!(x.user.as_deref(), Some("root"));
    assert_eq!(x.client_user, None);
    assert_eq!(x.password.as_deref(), Some("123456"));
}

#[test]
fn kind_signatures() {
    let f: Vec<Field> = vec![
        TS,
        UID,
        ("src_addr", "10.0.2.15", Some("\"10.0.2.15\"")),
        ("src_port", "49158", Some("49158")),
        ("dst_addr", "93.184.216.34", Some("\"93.184.216.34\"")),
        ("dst_port", "80", Some("80")),
        (
            "note",
            "Signatures::Sensitive_Signature",
            Some("\"Signatures::Sensitive_Signature\""),
        ),
        ("sig_id", "http-shellshock", Some("\"http-shellshock\"")),
        (
            "event_msg",
            "10.0.2.15: Shellshock attempt",
            Some("\"10.0.2.15: Shellshock attempt\""),
        ),
        ("sub_msg", "() { :;};", Some("\"() { :;};\"")),
        ("sig_count", "-", None),
        ("host_count", "3", Some("3")),
    ];
    let Record::Signature(x) = parse_both(RecordKind::Signature, &f) else {
        panic!()
    };
    assert_eq!(
        *x,
        slips_core::Signature {
            ts: x.ts,
            uid: Some(x.uid.clone().unwrap()),
            src_addr: Some("10.0.2.15".parse().unwrap()),
            src_port: Some(49158),
            dst_addr: Some("93.184.216.34".parse().unwrap()),
            dst_port: Some(80),
            proto: None,
            note: Some("Signatures::Sensitive_Signature".into()),
            sig_id: "http-shellshock".into(),
            event_msg: Some("10.0.2.15: Shellshock attempt".into()),
            sub_msg: Some("() { :;};".into()),
            sig_count: None,
            host_count: Some(3),
            category: None,
            severity: None,
            target: None,
        }
    );
    assert!(x.uid.is_some());
    assert_eq!(x.attacker(), x.src_addr);
    assert_eq!(
        RecordKind::from_log_name("signatures"),
        Some(RecordKind::Signature)
    );
}

#[test]
fn every_kind_needs_a_timestamp() {
    for kind in RecordKind::ALL {
        assert_eq!(
            parse_json_line(kind, b"{}"),
            Err(LineError::MissingTs),
            "{kind:?}"
        );
        let rec = parse_json_line(kind, b"{\"ts\":5}").unwrap();
        assert_eq!(rec.record.kind(), kind);
        assert_eq!(rec.record.ts().secs(), 5.0);
        let mut s = TsvSchema::with_kind(kind);
        s.feed_header(b"#fields\tts").unwrap();
        assert_eq!(s.parse_line(b"-"), Err(LineError::MissingTs));
        assert_eq!(s.parse_line(b"5").unwrap().record.kind(), kind);
    }
}

#[test]
fn reader_is_send() {
    fn send<T: Send>() {}
    send::<ZeekReader>();
    send::<TsvSchema>();
}

#[test]
fn format_detection() {
    assert_eq!(detect_format(b"{\"ts\":1}"), Some(Format::Json));
    assert_eq!(
        detect_format(b"\xEF\xBB\xBF  {\"ts\":1}"),
        Some(Format::Json)
    );
    assert_eq!(detect_format(b"#separator \\x09"), Some(Format::Tsv));
    assert_eq!(detect_format(b"\t#separator \\x09"), Some(Format::Tsv));
    assert_eq!(detect_format(b"1.0\tC1\t1.2.3.4"), Some(Format::Tsv));
    assert_eq!(detect_format(b"hello world"), None);
    assert_eq!(detect_format(b""), None);
}

// ---------------------------------------------------------------------------------------
// The reader on fixtures.

const CONN_HEADER: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2020-10-06-17-32-56
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]
";

fn conn_line(ts: &str, uid: &str) -> String {
    format!("{ts}\t{uid}\t10.0.0.1\t1234\t10.0.0.2\t80\ttcp\t-\t1.0\t1\t2\tSF\t-\t-\t0\tShAdDaFf\t3\t4\t5\t6\t-\n")
}

fn write(dir: &Path, name: &str, content: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn summary(reader: &mut ZeekReader) -> Vec<(RecordKind, f64, String)> {
    reader
        .by_ref()
        .map(|f| {
            let uid = f.record.uid().unwrap_or("").to_owned();
            (f.record.kind(), f.record.ts().secs(), uid)
        })
        .collect()
}

#[test]
fn merge_by_timestamp_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = CONN_HEADER.to_owned();
    for (ts, uid) in [
        ("1", "c1"),
        ("3", "c3"),
        ("5", "c5"),
        ("5", "c5b"),
        ("9", "c9"),
    ] {
        conn.push_str(&conn_line(ts, uid));
    }
    conn.push_str("#close\t2020-10-06-17-33-29\n");
    write(dir.path(), "conn.log", conn.as_bytes());
    let dns = [
        r#"{"ts":2,"uid":"d2","query":"a"}"#,
        r#"{"ts":5,"uid":"d5","query":"b"}"#,
        r#"{"ts":10,"uid":"d10","query":"c"}"#,
    ]
    .join("\n");
    write(dir.path(), "dns.log", dns.as_bytes());
    // Not sorted inside the file: the order within a file is kept.
    let http = [
        r#"{"ts":4,"uid":"h4"}"#,
        r#"{"ts":0.5,"uid":"h0"}"#,
        r#"{"ts":6,"uid":"h6"}"#,
    ]
    .join("\n");
    write(dir.path(), "http.log", http.as_bytes());
    let mut r = ZeekReader::open(dir.path()).unwrap();
    assert_eq!(r.files().len(), 3);
    let got: Vec<String> = summary(&mut r).into_iter().map(|x| x.2).collect();
    assert_eq!(
        got,
        ["c1", "d2", "c3", "h4", "h0", "c5", "c5b", "d5", "h6", "c9", "d10"]
    );
    assert!(r.problems().is_empty());
    let s = r.stats();
    assert_eq!(s.total.records, 11);
    assert_eq!(s.files[0].counts.records, 5);
    assert_eq!(s.files[0].format, Some(Format::Tsv));
    assert_eq!(s.files[1].format, Some(Format::Json));
    assert_eq!(s.files[0].counts.skipped, 9);
    assert_eq!(r.bytes_read(), r.total_bytes());
    assert!(r.next_flow().is_none());
}

#[test]
fn merge_is_sorted_when_files_are() {
    let dir = tempfile::tempdir().unwrap();
    // Four files with pseudo-random increasing timestamps, some shared.
    let mut seed = 42u64;
    let mut rnd = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut expected = 0;
    for name in [
        "conn.log",
        "conn.01:00:00-02:00:00.log",
        "dns.log",
        "ssl.log",
    ] {
        let mut t = 0u64;
        let mut body = String::new();
        for _ in 0..500 {
            t += rnd() % 5;
            body.push_str(&format!("{{\"ts\":{t},\"uid\":\"x\"}}\n"));
            expected += 1;
        }
        write(dir.path(), name, body.as_bytes());
    }
    let mut r = ZeekReader::open(dir.path()).unwrap();
    let out = summary(&mut r);
    assert_eq!(out.len(), expected);
    assert!(out.windows(2).all(|w| w[0].1 <= w[1].1));
    // Ties are broken by file order (name order).
    let files = r.files().to_vec();
    assert_eq!(files[0].file_name().unwrap(), "conn.01:00:00-02:00:00.log");
}

#[test]
fn bad_lines_are_counted_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let good = conn_line("100.5", "Cgood");
    let mut content = CONN_HEADER.as_bytes().to_vec(); // lines 1-8
    let mut add = |l: &[u8]| {
        content.extend_from_slice(l);
        content.push(b'\n');
    };
    add(good.trim_end().as_bytes()); // 9
    add(b"101\tCtrunc\t10.0.0.1\t12"); // 10: truncated
    add(&good.trim_end().replace("\tShAdDaFf", "").into_bytes()); // 11: one column less
    add(&good
        .trim_end()
        .replace("10.0.0.1", "10.0.0.256")
        .into_bytes()); // 12: bad IP
    add(&good
        .trim_end()
        .replace("\t1\t2\tSF", "\t1\tx2\tSF")
        .into_bytes()); // 13: bad number
    add(b"\x00\x01\xfe\xff garbage \x80\x81"); // 14: binary garbage
    add(&good.trim_end().replacen("100.5", "NaN", 1).into_bytes()); // 15: NaN ts
    add(&good.trim_end().replacen("100.5", "inf", 1).into_bytes()); // 16: inf ts
    add(&good.trim_end().replacen("100.5", "-", 1).into_bytes()); // 17: missing ts
    add(b""); // 18: blank
    add(b"{\"ts\": 5, \"uid\": "); // 19: invalid JSON
    let non_utf8: Vec<u8> = good
        .trim_end()
        .replace("Cgood", "Cnon~utf8")
        .bytes()
        .map(|b| if b == b'~' { 0xff } else { b })
        .collect();
    add(&non_utf8); // 20: not UTF-8
    add(good.trim_end().replace("Cgood", "Clast").as_bytes()); // 21
    let p = write(dir.path(), "conn.log", &content);
    let mut r = ZeekReader::open(&p).unwrap();
    let got: Vec<String> = summary(&mut r).into_iter().map(|x| x.2).collect();
    assert_eq!(got, ["Cgood", "Clast"]);
    let lines: Vec<u64> = r.problems().iter().map(|p| p.line).collect();
    assert_eq!(lines, [10, 11, 12, 13, 14, 15, 16, 17, 19, 20]);
    assert!(r.problems().iter().all(|x| x.file == p));
    let msg = |line: u64| {
        r.problems()
            .iter()
            .find(|x| x.line == line)
            .unwrap()
            .message
            .clone()
    };
    assert!(
        msg(10).contains("wrong number of columns: expected 21, found 4"),
        "{}",
        msg(10)
    );
    assert!(msg(11).contains("expected 21, found 20"));
    assert!(msg(12).contains("id.orig_h") && msg(12).contains("10.0.0.256"));
    assert!(msg(13).contains("resp_bytes"));
    assert!(
        msg(14).contains("UTF-8") || msg(14).contains("columns"),
        "{}",
        msg(14)
    );
    assert!(msg(15).contains("`ts`"));
    assert!(msg(17).contains("missing timestamp"));
    assert!(msg(19).contains("JSON"));
    assert!(msg(20).contains("UTF-8"));
    let s = r.stats().total;
    assert_eq!(s.lines, 21);
    assert_eq!(s.records, 2);
    assert_eq!(s.malformed, 10);
    assert_eq!(s.skipped, 9);
    assert_eq!(s.lines, s.records + s.malformed + s.skipped);
    assert_eq!(r.stats().files[0].counts, s);
}

#[test]
fn bad_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let content: &[u8] = b"{\"ts\":1,\"uid\":\"a\",\"query\":\"x\"}
{\"ts\":2,\"uid\":\"b\",\"id.orig_h\":\"300.1.1.1\"}
{\"ts\":\"soon\"}
not json at all
{\"ts\":3,\"uid\":\"\xff\"}
[1,2,3]
{\"ts\":4,\"uid\":\"c\",\"qtype\":70000}
{\"ts\":5,\"uid\":\"d\"}";
    let p = write(dir.path(), "dns.log", content);
    let mut r = ZeekReader::open(&p).unwrap();
    let got: Vec<String> = summary(&mut r).into_iter().map(|x| x.2).collect();
    assert_eq!(got, ["a", "d"]);
    let lines: Vec<u64> = r.problems().iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
    assert!(r.problems()[2]
        .message
        .contains("neither a Zeek TSV nor a Zeek JSON line"));
    assert_eq!(r.stats().total.malformed, 6);
}

#[test]
fn problems_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::new();
    for i in 0..1500 {
        content.push_str(&format!("{{\"ts\":{i},\"id.orig_h\":\"bad\"}}\n"));
    }
    content.push_str("{\"ts\":2000}\n");
    let p = write(dir.path(), "conn.log", content.as_bytes());
    let mut r = ZeekReader::open(&p).unwrap();
    assert_eq!(r.by_ref().count(), 1);
    assert_eq!(r.problems().len(), MAX_PROBLEMS);
    assert_eq!(r.stats().total.malformed, 1500);
    assert_eq!(r.problems()[999].line, 1000);
}

#[test]
fn missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nope").join("conn.log");
    let e = ZeekReader::open(&p).unwrap_err();
    assert!(matches!(e, OpenError::NotFound { .. }));
    assert!(e.to_string().contains("nope/conn.log"), "{e}");
    assert!(e.to_string().contains("no such file or folder"));
}

#[test]
fn folders_skip_other_logs() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "capture_loss.log",
        b"#separator \\x09\n#path\tcapture_loss\n#fields\tts\n1\n",
    );
    write(dir.path(), "loaded_scripts.log", b"{\"name\":\"x\"}\n");
    write(dir.path(), "README.md", b"hello");
    write(dir.path(), ".hidden.log", b"{\"ts\":1}");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    // Named like nothing known, but #path says weird.
    write(
        dir.path(),
        "mystery.log",
        b"#separator \\x09\n#path\tweird\n#fields\tts\tname\n3\tbad_checksum\n",
    );
    // Named conn, but #path says x509: the header wins.
    write(
        dir.path(),
        "conn.log",
        b"#separator \\x09\n#path\tx509\n#fields\tts\tid\n2\tF1\n",
    );
    write(
        dir.path(),
        "ssh.log.labeled",
        b"{\"ts\":1,\"uid\":\"s\",\"label\":\"Malicious\",\"detailedlabel\":\"Bruteforce\"}\n",
    );
    let mut r = ZeekReader::open(dir.path()).unwrap();
    let names: Vec<String> = r
        .files()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["conn.log", "mystery.log", "ssh.log.labeled"]);
    let skipped: Vec<(String, String)> = r
        .stats()
        .skipped_files
        .iter()
        .map(|s| {
            (
                s.path.file_name().unwrap().to_string_lossy().into_owned(),
                s.reason.clone(),
            )
        })
        .collect();
    assert_eq!(skipped.len(), 3);
    assert_eq!(skipped[0].0, "README.md");
    assert_eq!(skipped[1].0, "capture_loss.log");
    assert!(skipped[1].1.contains("capture_loss"));
    assert_eq!(skipped[2].0, "loaded_scripts.log");
    let flows: Vec<slips_core::Flow> = r.by_ref().collect();
    let kinds: Vec<RecordKind> = flows.iter().map(|f| f.record.kind()).collect();
    assert_eq!(
        kinds,
        [RecordKind::Ssh, RecordKind::X509, RecordKind::Weird]
    );
    let label = flows[0].label.as_ref().unwrap();
    assert_eq!(label.label, "Malicious");
    assert_eq!(label.detailed_label.as_deref(), Some("Bruteforce"));
    assert!(r.problems().is_empty());

    // A single file of a kind that is not read, and an empty folder.
    let e = ZeekReader::open(&dir.path().join("capture_loss.log")).unwrap_err();
    assert!(matches!(e, OpenError::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("capture_loss"));
    let e = ZeekReader::open(&dir.path().join("README.md")).unwrap_err();
    assert!(matches!(e, OpenError::Unsupported { .. }), "{e}");
    let e = ZeekReader::open(&dir.path().join("sub")).unwrap_err();
    assert!(matches!(e, OpenError::NoLogs { .. }), "{e}");
}

#[test]
fn labeled_tsv_file() {
    let dir = tempfile::tempdir().unwrap();
    let header = CONN_HEADER
        .replace("tunnel_parents", "tunnel_parents   label   detailed-label")
        .replace("set[string]", "set[string]   string   string");
    let mut content = header;
    content
        .push_str(&conn_line("1", "a").replace("\t-\n", "\t(empty)   Malicious   C&C-HeartBeat\n"));
    content.push_str(&conn_line("2", "b").replace("\t-\n", "\t-   Benign   -\n"));
    let p = write(dir.path(), "conn.log.labeled", content.as_bytes());
    let mut r = ZeekReader::open(&p).unwrap();
    let flows: Vec<slips_core::Flow> = r.by_ref().collect();
    assert_eq!(flows.len(), 2);
    let l0 = flows[0].label.as_ref().unwrap();
    assert_eq!(
        (l0.label.as_str(), l0.detailed_label.as_deref()),
        ("Malicious", Some("C&C-HeartBeat"))
    );
    let l1 = flows[1].label.as_ref().unwrap();
    assert_eq!(
        (l1.label.as_str(), l1.detailed_label.as_deref()),
        ("Benign", None)
    );
    assert!(r.problems().is_empty());
    assert_eq!(r.stats().total.repaired, 0);
}

#[test]
fn close_and_second_header_block() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::from("\t");
    content.push_str(CONN_HEADER);
    content.push_str(&conn_line("1", "a"));
    content.push_str("#close\t2020\n");
    content.push_str(&conn_line("2", "after-close"));
    // A second block (concatenated rotation) with another column order.
    content.push_str(
        "#separator \\x09\n#path\tconn\n#fields\tuid\tts\tid.orig_h\n#types\tstring\ttime\taddr\n",
    );
    content.push_str("b\t3\t1.1.1.1\n");
    content.push_str("#close\t2020\n");
    let p = write(dir.path(), "conn.log", content.as_bytes());
    let mut r = ZeekReader::open(&p).unwrap();
    let got = summary(&mut r);
    assert_eq!(
        got.iter().map(|x| (x.1, x.2.as_str())).collect::<Vec<_>>(),
        [(1.0, "a"), (3.0, "b")]
    );
    assert!(r.problems().is_empty());
    assert_eq!(r.stats().total.skipped, 8 + 1 + 1 + 4 + 1);
}

#[test]
fn data_without_header() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "conn.log", conn_line("1", "a").as_bytes());
    let mut r = ZeekReader::open(&p).unwrap();
    assert_eq!(r.by_ref().count(), 0);
    assert_eq!(r.problems().len(), 1);
    assert!(r.problems()[0]
        .message
        .contains("before the `#fields` header"));
}

#[test]
fn gzip_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = CONN_HEADER.to_owned();
    for i in 0..100 {
        content.push_str(&conn_line(&i.to_string(), &format!("C{i}")));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(content.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    write(dir.path(), "conn.00:00:00-01:00:00.log.gz", &bytes);
    write(dir.path(), "dns.log", b"{\"ts\":50.5,\"uid\":\"D\"}\n");
    let mut r = ZeekReader::open(dir.path()).unwrap();
    assert_eq!(r.files().len(), 2);
    assert_eq!(r.stats().files[0].kind, RecordKind::Conn);
    let got = summary(&mut r);
    assert_eq!(got.len(), 101);
    assert_eq!(got[51].2, "D");
    assert!(r.problems().is_empty());
    assert_eq!(r.bytes_read(), r.total_bytes());
    assert_eq!(r.total_bytes(), bytes.len() as u64 + 22);
}

#[test]
fn progress_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut content = String::new();
    for i in 0..10 {
        content.push_str(&format!("{{\"ts\":{i}}}\n"));
    }
    let p = write(dir.path(), "conn.log", content.as_bytes());
    let mut r = ZeekReader::open(&p).unwrap();
    assert_eq!(r.bytes_read(), 0);
    r.next_flow().unwrap();
    assert_eq!(r.bytes_read(), 9);
    r.by_ref().for_each(drop);
    assert_eq!(r.bytes_read(), r.total_bytes());
}

// ---------------------------------------------------------------------------------------
// Robustness: arbitrary input never panics.

fn conn_schema() -> TsvSchema {
    let mut s = TsvSchema::new();
    for l in CONN_HEADER.lines() {
        s.feed_header(l.as_bytes()).unwrap();
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let schema = conn_schema();
        let _ = schema.parse_line(&data);
        for kind in RecordKind::ALL {
            let _ = parse_json_line(kind, &data);
        }
        let mut s = TsvSchema::with_kind(RecordKind::Dns);
        let _ = s.feed_header(&data);
        let _ = s.parse_line(&data);
        let _ = detect_format(&data);
    }

    #[test]
    fn mangled_tsv_lines_never_panic(
        fields in proptest::collection::vec("[ -~]{0,12}", 0..26),
        sep in prop_oneof![Just("\t"), Just(" "), Just("\t "), Just(",")],
    ) {
        let line = fields.join(sep);
        let schema = conn_schema();
        let _ = schema.parse_line(line.as_bytes());
        let _ = parse_json_line(RecordKind::Conn, line.as_bytes());
    }

    #[test]
    fn json_like_lines_never_panic(
        keys in proptest::collection::vec(
            prop_oneof![Just("ts"), Just("uid"), Just("id.orig_h"), Just("id.orig_p"), Just("answers"),
                        Just("TTLs"), Just("label"), Just("san.ip"), Just("operation"), Just("mac")],
            0..8),
        vals in proptest::collection::vec(
            prop_oneof![Just("1"), Just("-1"), Just("1e308"), Just("\"x\""), Just("[]"), Just("[1,\"a\",null]"),
                        Just("{}"), Just("null"), Just("true"), Just("\"1.2.3.4\""), Just("[[[]]]"), Just("1.5")],
            8),
    ) {
        let body: Vec<String> = keys.iter().zip(&vals).map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let line = format!("{{{}}}", body.join(","));
        for kind in RecordKind::ALL {
            let _ = parse_json_line(kind, line.as_bytes());
        }
    }

    #[test]
    fn conn_values_round_trip(
        ts in 0u64..4_000_000_000, frac in 0u32..1_000_000,
        a in any::<[u8; 4]>(), b in any::<[u8; 16]>(),
        sport in any::<u16>(), dport in any::<u16>(),
        sbytes in any::<u64>(), dpkts in any::<u32>(),
    ) {
        let ts_s = format!("{ts}.{frac:06}");
        let saddr = IpAddr::from(a);
        let daddr = IpAddr::from(b);
        let tsv = format!("{ts_s}\tCx\t{saddr}\t{sport}\t{daddr}\t{dport}\ttcp\t-\t0.5\t{sbytes}\t0\tS0\t-\t-\t0\tS\t1\t2\t{dpkts}\t3\t-");
        let json = format!(r#"{{"ts":{ts_s},"uid":"Cx","id.orig_h":"{saddr}","id.orig_p":{sport},"id.resp_h":"{daddr}","id.resp_p":{dport},"proto":"tcp","duration":0.5,"orig_bytes":{sbytes},"resp_bytes":0,"conn_state":"S0","missed_bytes":0,"history":"S","orig_pkts":1,"orig_ip_bytes":2,"resp_pkts":{dpkts},"resp_ip_bytes":3}}"#);
        let t = conn_schema().parse_line(tsv.as_bytes()).unwrap();
        let j = parse_json_line(RecordKind::Conn, json.as_bytes()).unwrap();
        let (Record::Conn(t), Record::Conn(j)) = (t.record, j.record) else { panic!() };
        prop_assert_eq!(t.saddr, Some(saddr));
        prop_assert_eq!(t.daddr, Some(daddr));
        prop_assert_eq!((t.sport, t.dport, t.sbytes, t.dpkts), (sport, dport, sbytes, u64::from(dpkts)));
        prop_assert_eq!(t.ts.secs(), ts_s.parse::<f64>().unwrap());
        prop_assert_eq!(t.saddr, j.saddr);
        prop_assert_eq!(t.daddr, j.daddr);
        prop_assert_eq!((t.sport, t.dport, t.sbytes, t.dpkts), (j.sport, j.dport, j.sbytes, j.dpkts));
        prop_assert!((t.ts.secs() - j.ts.secs()).abs() < 1e-6);
    }
}

#[test]
fn random_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = 7u64;
    for round in 0..20 {
        let mut data = Vec::new();
        if round % 2 == 0 {
            data.extend_from_slice(CONN_HEADER.as_bytes());
        }
        for _ in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = (seed >> 56) as u8;
            // Mostly separators and printable bytes, to reach deep into the parsers.
            data.push(match b % 8 {
                0 => b'\t',
                1 => b'\n',
                2 => b'{',
                3 => b'#',
                _ => b,
            });
        }
        let p = write(dir.path(), "conn.log", &data);
        let mut r = ZeekReader::open(&p).unwrap();
        let n = r.by_ref().count() as u64;
        let s = r.stats().total;
        assert_eq!(n, s.records);
        assert_eq!(s.lines, s.records + s.malformed + s.skipped);
    }
}

#[test]
fn kind_intel() {
    let f: Vec<Field> = vec![
        TS,
        UID,
        ("id.orig_h", "10.0.2.15", Some("\"10.0.2.15\"")),
        ("id.orig_p", "49158", Some("49158")),
        ("id.resp_h", "198.51.100.7", Some("\"198.51.100.7\"")),
        ("id.resp_p", "80", Some("80")),
        ("seen.indicator", "198.51.100.7", Some("\"198.51.100.7\"")),
        (
            "seen.indicator_type",
            "Intel::ADDR",
            Some("\"Intel::ADDR\""),
        ),
        ("seen.where", "Conn::IN_RESP", Some("\"Conn::IN_RESP\"")),
        ("seen.node", "zeek", Some("\"zeek\"")),
        ("matched", "Intel::ADDR", Some("[\"Intel::ADDR\"]")),
        (
            "sources",
            "abuse.ch feodo,my list",
            Some("[\"abuse.ch feodo\",\"my list\"]"),
        ),
    ];
    let Record::Intel(x) = parse_both(RecordKind::Intel, &f) else {
        panic!()
    };
    assert_eq!(
        *x,
        slips_core::Intel {
            ts: x.ts,
            uid: Some(x.uid.clone().unwrap()),
            id: Some(slips_core::Endpoints {
                saddr: ip("10.0.2.15"),
                sport: 49158,
                daddr: ip("198.51.100.7"),
                dport: 80,
            }),
            indicator: "198.51.100.7".into(),
            indicator_type: Some("Intel::ADDR".into()),
            seen_where: Some("Conn::IN_RESP".into()),
            node: Some("zeek".into()),
            matched: vec!["Intel::ADDR".into()],
            sources: vec!["abuse.ch feodo".into(), "my list".into()],
        }
    );
    assert_eq!(RecordKind::from_log_name("intel"), Some(RecordKind::Intel));
    assert_eq!(x.ts, slips_core::Timestamp::from_secs(1601998366.785668));
}

#[test]
fn intel_log_in_a_folder() {
    // An intel.log from Zeek (file hit without connection endpoints) next to a conn.log.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "intel.log",
        b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tintel\n\
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tseen.indicator\tseen.indicator_type\tseen.where\tseen.node\tmatched\tsources\n\
#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tenum\tenum\tstring\tset[enum]\tset[string]\n\
1320279566.452687\tCHhAvVGS1DHFjwGM9\t10.0.0.1\t49285\t198.51.100.7\t80\tevil.example.com\tIntel::DOMAIN\tHTTP::IN_HOST_HEADER\tzeek\tIntel::DOMAIN\tsource1\n\
1320279567.000000\t-\t-\t-\t-\t-\t44d88612fea8a8f36de82e1278abb02f\tIntel::FILE_HASH\tFiles::IN_HASH\tzeek\tIntel::FILE_HASH\t(empty)\n",
    );
    let mut r = ZeekReader::open(dir.path()).unwrap();
    let recs: Vec<_> = r.by_ref().collect();
    assert_eq!(recs.len(), 2);
    let Record::Intel(a) = &recs[0].record else {
        panic!("{:?}", recs[0])
    };
    assert_eq!(a.indicator, "evil.example.com");
    assert_eq!(a.uid.as_deref(), Some("CHhAvVGS1DHFjwGM9"));
    assert_eq!(a.seen_where.as_deref(), Some("HTTP::IN_HOST_HEADER"));
    assert_eq!(a.sources, vec![slips_core::Str::from("source1")]);
    assert_eq!(
        recs[0].record.hosts(),
        (Some(ip("10.0.0.1")), Some(ip("198.51.100.7")))
    );
    let Record::Intel(b) = &recs[1].record else {
        panic!()
    };
    assert_eq!(b.uid, None);
    assert_eq!(b.id, None);
    assert!(b.sources.is_empty());
    assert_eq!(b.indicator_type.as_deref(), Some("Intel::FILE_HASH"));
    assert_eq!(r.stats().total.malformed, 0);
}

#[test]
fn links_to_nothing_fifos_and_devices_named_like_logs_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("conn.log"),
        b"{\"ts\":1,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.resp_h\":\"10.0.0.2\"}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(d.join("gone"), d.join("dns.log")).unwrap();
    std::os::unix::fs::symlink(d.join("http.log"), d.join("http.log")).unwrap();
    std::os::unix::fs::symlink("/dev/null", d.join("weird.log")).unwrap();
    std::fs::create_dir(d.join("notice.log")).unwrap();
    std::fs::create_dir(d.join("extract_files")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(d.join("ssl.log"))
        .status()
        .is_ok_and(|s| s.success());
    let r = ZeekReader::open(d).unwrap();
    let names: Vec<String> = r
        .files()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["conn.log"]);
    let skipped: Vec<(String, String)> = r
        .stats()
        .skipped_files
        .iter()
        .map(|s| {
            (
                s.path.file_name().unwrap().to_string_lossy().into_owned(),
                s.reason.clone(),
            )
        })
        .collect();
    let reason = |n: &str| {
        skipped
            .iter()
            .find(|(f, _)| f == n)
            .map(|(_, r)| r.as_str())
            .unwrap_or("not skipped")
    };
    assert!(
        reason("dns.log").contains("dangling or looping"),
        "{skipped:?}"
    );
    assert!(
        reason("http.log").contains("dangling or looping"),
        "{skipped:?}"
    );
    assert!(reason("weird.log").contains("a device"), "{skipped:?}");
    assert!(reason("notice.log").contains("a folder"), "{skipped:?}");
    if fifo {
        assert!(reason("ssl.log").contains("FIFO"), "{skipped:?}");
    }
    // A subfolder that does not look like a log is no news.
    assert_eq!(reason("extract_files"), "not skipped");
}

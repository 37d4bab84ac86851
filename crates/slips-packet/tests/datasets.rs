//! The shared Slips captures: record snapshots, the ARP scan of test8, the telnet scan of test7,
//! the Zeek-log round trip through slips-zeek and a cross-check against tshark.
//!
//! Snapshots live in `tests/snapshots/`; regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p
//! slips-packet --test datasets` and review the diff.

mod common;
use slips_core::{ArpOp, ConnState, Mac, Record};
use slips_packet::{render, LogFormat, PcapSource, SourceStats, ZeekLogWriter};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/slips/"
);

fn dataset(name: &str) -> Option<PathBuf> {
    let p = Path::new(DATA).join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: {} not found (../shared is absent)", p.display());
        None
    }
}

fn read(path: &Path) -> (Vec<Record>, SourceStats, Vec<String>) {
    let mut src = PcapSource::open(path).expect("open");
    let r: Vec<Record> = src.by_ref().map(|f| f.record).collect();
    (r, src.stats(), src.problems().to_vec())
}

fn snapshot(name: &str, records: &[Record]) {
    let got: String = records.iter().map(|r| render(r) + "\n").collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &got).expect("write snapshot");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    if got != want {
        let (i, (g, w)) = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .find(|(_, (g, w))| g != w)
            .unwrap_or((0, ("", "")));
        panic!(
            "{name}: records differ from {} ({} lines vs {}); first difference at line {}:\n got: {g}\nwant: {w}",
            path.display(),
            got.lines().count(),
            want.lines().count(),
            i + 1
        );
    }
}

#[test]
fn test8_arp_scan() {
    let Some(p) = dataset("test8-malicious.pcap") else {
        return;
    };
    let (r, stats, problems) = read(&p);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((stats.packets, stats.weirds, stats.evictions), (534, 0, 0));
    snapshot("test8", &r);
    let arps: Vec<_> = r
        .iter()
        .filter_map(|r| {
            if let Record::Arp(a) = r {
                Some(&**a)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(arps.len(), 519);
    // ARP requests asking for an unknown MAC, per sender: the distinct targets.
    let mut targets: BTreeMap<IpAddr, BTreeSet<IpAddr>> = BTreeMap::new();
    for a in &arps {
        if a.operation == ArpOp::Request && a.dst_hw == Some(Mac::ZERO) {
            if let (Some(s), Some(d)) = (a.saddr, a.daddr) {
                targets.entry(s).or_default().insert(d);
            }
        }
    }
    let (scanner, t) = targets.iter().max_by_key(|(_, t)| t.len()).unwrap();
    assert_eq!(scanner.to_string(), "192.168.1.247");
    assert_eq!(t.len(), 255);
    let conns: Vec<_> = r.iter().filter(|r| matches!(r, Record::Conn(_))).collect();
    assert_eq!(conns.len(), 1);
}

#[test]
fn test7_telnet_scan() {
    let Some(p) = dataset("test7-malicious.pcap") else {
        return;
    };
    let (r, stats, problems) = read(&p);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((stats.packets, stats.weirds, stats.evictions), (2000, 0, 0));
    snapshot("test7", &r);
    let mut by_port: BTreeMap<u16, BTreeSet<IpAddr>> = BTreeMap::new();
    let scanner: IpAddr = "192.168.2.16".parse().unwrap();
    for rec in &r {
        if let Record::Conn(c) = rec {
            if c.saddr == Some(scanner) && c.state == ConnState::S0 {
                if let Some(d) = c.daddr {
                    by_port.entry(c.dport).or_default().insert(d);
                }
            }
        }
    }
    let counts: Vec<(u16, usize)> = by_port
        .iter()
        .filter(|(_, s)| s.len() >= 5)
        .map(|(p, s)| (*p, s.len()))
        .collect();
    // tshark: 55, 27 and 40 destinations got SYNs on 23, 2323 and 8080; 1, 1 and 3 answered.
    assert_eq!(counts, vec![(23, 54), (2323, 26), (8080, 37), (9527, 10)]);
    let kinds: BTreeMap<String, usize> = r.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(format!("{:?}", r.kind())).or_insert(0) += 1;
        m
    });
    assert_eq!(
        format!("{kinds:?}"),
        r#"{"Arp": 31, "Conn": 366, "Dhcp": 14, "Dns": 112, "Software": 2, "Ssh": 2}"#
    );
}

fn sorted_render(r: &[Record]) -> Vec<String> {
    let mut v: Vec<String> = r.iter().map(render).collect();
    v.sort();
    v
}

/// Records written as Zeek logs and read back by slips-zeek are the same records.
#[test]
fn zeek_log_round_trip() {
    let mut inputs: Vec<(String, Vec<Record>)> = Vec::new();
    for name in ["test7-malicious.pcap", "test8-malicious.pcap"] {
        if let Some(p) = dataset(name) {
            inputs.push((name.into(), read(&p).0));
        }
    }
    // A capture built here covers http, files, ssl and software too.
    inputs.push(("synthetic".into(), common::run(synthetic_http_tls().buf)));
    for (name, recs) in inputs {
        for format in [LogFormat::Tsv, LogFormat::Json] {
            let dir = tempfile::tempdir().unwrap();
            let mut w = ZeekLogWriter::new(dir.path(), format).unwrap();
            for r in &recs {
                w.write(r).unwrap();
            }
            let last = recs.iter().map(Record::ts).max().unwrap_or_default();
            let files = w.finish(last).unwrap();
            assert!(!files.is_empty());
            let mut reader = slips_zeek::ZeekReader::open(dir.path()).unwrap();
            let back: Vec<Record> = reader.by_ref().map(|f| f.record).collect();
            assert_eq!(reader.stats().total.malformed, 0, "{name} {format:?}");
            assert_eq!(
                sorted_render(&back),
                sorted_render(&recs),
                "{name} {format:?}"
            );
        }
    }
}

/// An HTTP exchange and a TLS handshake with server certificates, for the round trip and
/// the tshark cross-check.
fn synthetic_http_tls() -> common::Pcap {
    use common::*;
    let mut t = Tcp::new(([10, 0, 0, 1], 40100), ([10, 0, 0, 2], 80));
    t.send(1e9, true, SYN, b"");
    t.send(1e9 + 0.01, false, SYN | ACK, b"");
    t.send(1e9 + 0.02, true, ACK, b"");
    t.send(
        1e9 + 0.03,
        true,
        PSH | ACK,
        b"GET /x HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8.5.0\r\n\r\n",
    );
    t.send(
        1e9 + 0.05,
        false,
        PSH | ACK,
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
    );
    t.send(1e9 + 0.07, true, FIN | ACK, b"");
    t.send(1e9 + 0.08, false, FIN | ACK, b"");
    t.send(1e9 + 0.09, true, ACK, b"");
    let mut pcap = t.pcap;
    let mut t = Tcp::new(([10, 0, 0, 1], 40200), ([10, 0, 0, 3], 443));
    t.pcap = pcap;
    t.send(1e9 + 1.0, true, SYN, b"");
    t.send(1e9 + 1.01, false, SYN | ACK, b"");
    t.send(1e9 + 1.02, true, ACK, b"");
    let hello = tls_hello("tls.example.net");
    t.send(1e9 + 1.03, true, PSH | ACK, &hello);
    let server = server_hello_certificate(&[LEAF_DER, CA_DER]);
    t.send(1e9 + 1.035, false, PSH | ACK, &server);
    t.send(1e9 + 1.04, false, RST | ACK, b"");
    pcap = t.pcap;
    pcap
}

fn tls_hello(sni: &str) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[9u8; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 6, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2b]);
    body.extend_from_slice(&[1, 0]);
    let n = sni.as_bytes();
    let mut ext = vec![0, 0];
    ext.extend_from_slice(&((n.len() + 5) as u16).to_be_bytes());
    ext.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
    ext.push(0);
    ext.extend_from_slice(&(n.len() as u16).to_be_bytes());
    ext.extend_from_slice(n);
    ext.extend_from_slice(&[0, 10, 0, 4, 0, 2, 0, 29]);
    ext.extend_from_slice(&[0, 11, 0, 2, 1, 0]);
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

fn tshark() -> bool {
    let ok = || {
        Command::new("tshark")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ok() {
        return true;
    }
    eprintln!("skipping: tshark is not installed (scripts/deps.sh --test installs it)");
    false
}

fn tshark_fields(pcap: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    tshark_fields_at(pcap, filter, fields, "f")
}

/// `occurrence` is tshark's `-E occurrence=` (`f` first, `l` last).
fn tshark_fields_at(
    pcap: &Path,
    filter: &str,
    fields: &[&str],
    occurrence: &str,
) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args([
        "-n",
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        &format!("occurrence={occurrence}"),
    ]);
    if !filter.is_empty() {
        cmd.args(["-Y", filter]);
    }
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

type Tuple = (String, u8, String, u16, String, u16);

fn tuple(proto: u8, a: String, ap: u16, b: String, bp: u16) -> Tuple {
    let (x, y) = ((a.clone(), ap), (b.clone(), bp));
    if x <= y {
        (proto.to_string(), proto, a, ap, b, bp)
    } else {
        (proto.to_string(), proto, b, bp, a, ap)
    }
}

/// Compares flows (5-tuples), packet and byte counts, DNS queries, HTTP hosts, TLS SNIs and
/// JA3s with tshark's dissection of the same capture.
fn cross_check(pcap: &Path) {
    let (recs, _, _) = read(pcap);
    // tshark: per packet (TCP/UDP only; Zeek-style flows of ICMP differ by design).
    let rows = tshark_fields(
        pcap,
        "(tcp or udp) and not icmp and not icmpv6 and not ip.flags.mf == 1 and not ip.frag_offset > 0",
        &["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "ip.len", "ipv6.plen"],
    );
    let mut theirs: BTreeMap<Tuple, (u64, u64)> = BTreeMap::new();
    for r in rows {
        let g = |i: usize| r.get(i).cloned().unwrap_or_default();
        let src = if g(0).is_empty() { g(1) } else { g(0) };
        let dst = if g(2).is_empty() { g(3) } else { g(2) };
        let (proto, sp, dp) = if !g(4).is_empty() {
            (6u8, g(4), g(5))
        } else {
            (17u8, g(6), g(7))
        };
        let (Ok(sp), Ok(dp)) = (sp.parse::<u16>(), dp.parse::<u16>()) else {
            continue;
        };
        let len: u64 = match g(8).parse() {
            Ok(l) => l,
            Err(_) => g(9).parse::<u64>().map(|l| l + 40).unwrap_or(0),
        };
        let e = theirs.entry(tuple(proto, src, sp, dst, dp)).or_default();
        e.0 += 1;
        e.1 += len;
    }
    let mut ours: BTreeMap<Tuple, (u64, u64)> = BTreeMap::new();
    for r in &recs {
        if let Record::Conn(c) = r {
            let proto = match c.proto {
                Some(slips_core::Proto::Tcp) => 6,
                Some(slips_core::Proto::Udp) => 17,
                _ => continue,
            };
            let (Some(s), Some(d)) = (c.saddr, c.daddr) else {
                continue;
            };
            let e = ours
                .entry(tuple(proto, s.to_string(), c.sport, d.to_string(), c.dport))
                .or_default();
            e.0 += c.spkts + c.dpkts;
            e.1 += c.sip_bytes + c.dip_bytes;
        }
    }
    let tk: BTreeSet<_> = theirs.keys().collect();
    let ok: BTreeSet<_> = ours.keys().collect();
    assert_eq!(ok, tk, "{}: 5-tuples differ", pcap.display());
    for (k, (tp, tb)) in &theirs {
        let (op, ob) = ours[k];
        assert_eq!(op, *tp, "{}: packets of {k:?}", pcap.display());
        let diff = (ob as f64 - *tb as f64).abs() / (*tb as f64).max(1.0);
        assert!(
            diff <= 0.01,
            "{}: bytes of {k:?}: ours {ob} tshark {tb}",
            pcap.display()
        );
    }
    // DNS query names: one record per query message with its last question (Zeek's dns
    // script overwrites the query for each question). Replies seen without their query take
    // the first answer's name and have no qtype; they are left out here.
    let theirs: BTreeSet<String> =
        tshark_fields_at(pcap, "dns.flags.response == 0", &["dns.qry.name"], "l")
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .filter(|s| !s.is_empty())
            .map(|s| s.to_lowercase())
            .collect();
    let ours: BTreeSet<String> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Dns(d) = r {
                d.query
                    .as_ref()
                    .filter(|_| d.qtype.is_some())
                    .map(|q| q.to_string())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(ours, theirs, "{}: DNS queries", pcap.display());
    // HTTP hosts, TLS SNIs, JA3.
    let set = |filter: &str, field: &str| -> BTreeSet<String> {
        tshark_fields(pcap, filter, &[field])
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let hosts: BTreeSet<String> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Http(h) = r {
                h.host.as_ref().map(|x| x.to_string())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        hosts,
        set("http.request", "http.host"),
        "{}: HTTP hosts",
        pcap.display()
    );
    let snis: BTreeSet<String> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Ssl(s) = r {
                s.server_name.as_ref().map(|x| x.to_string())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        snis,
        set(
            "tls.handshake.type == 1",
            "tls.handshake.extensions_server_name"
        ),
        "{}: SNIs",
        pcap.display()
    );
    let ja3: BTreeSet<String> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Ssl(s) = r {
                s.ja3.as_ref().map(|x| x.to_string())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        ja3,
        set("tls.handshake.type == 1", "tls.handshake.ja3"),
        "{}: JA3",
        pcap.display()
    );
}

#[test]
fn cross_check_with_tshark() {
    if !tshark() {
        return;
    }
    for name in ["test7-malicious.pcap", "test8-malicious.pcap"] {
        if let Some(p) = dataset(name) {
            cross_check(&p);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("synthetic.pcap");
    std::fs::write(&p, synthetic_http_tls().buf).unwrap();
    cross_check(&p);
    let (recs, _, _) = read(&p);
    let hosts: Vec<_> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Http(h) = r {
                h.host.clone()
            } else {
                None
            }
        })
        .collect();
    assert_eq!(hosts, vec!["www.example.com"]);
}

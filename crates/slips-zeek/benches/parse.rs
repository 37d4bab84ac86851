//! Throughput of Zeek conn.log parsing: single lines (TSV, JSON) and whole files through
//! `ZeekReader` (read from the page cache).
//!
//! `cargo bench -p slips-zeek -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slips_core::RecordKind;
use slips_zeek::{parse_json_line, TsvSchema, ZeekReader};
use std::hint::black_box;
use std::io::Write;

const HEADER: &str = "#separator \\x09
#set_separator\t,
#empty_field\t(empty)
#unset_field\t-
#path\tconn
#open\t2020-10-06-17-32-56
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]
";

const N: usize = 10_000;

struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Realistic conn lines: mixed protocols, states, unset fields and IPv6.
fn lines(n: usize) -> (Vec<String>, Vec<String>) {
    let mut g = Gen(1);
    let mut tsv = Vec::with_capacity(n);
    let mut json = Vec::with_capacity(n);
    let protos = ["tcp", "udp", "icmp"];
    let states = ["SF", "S0", "REJ", "RSTO", "OTH", "SH"];
    let services = ["-", "dns", "http", "ssl", "-"];
    let mut ts = 1_601_998_366.0f64;
    for i in 0..n {
        ts += (g.next() % 1000) as f64 / 1e4;
        let uid = format!("C{:017x}", g.next() ^ (i as u64));
        let saddr = format!("10.0.{}.{}", g.next() % 4, g.next() % 255);
        let daddr = if i % 7 == 0 {
            format!("2a00:1450:4014:80{}::200e", g.next() % 9)
        } else {
            format!(
                "{}.{}.{}.{}",
                g.next() % 223 + 1,
                g.next() % 255,
                g.next() % 255,
                g.next() % 255
            )
        };
        let sport = 1024 + g.next() % 60000;
        let dport = [53, 80, 443, 22, 8080][(g.next() % 5) as usize];
        let proto = protos[(g.next() % 3) as usize];
        let service = services[(g.next() % 5) as usize];
        let state = states[(g.next() % 6) as usize];
        let dur = (g.next() % 100_000) as f64 / 1e4;
        let (sb, db) = (g.next() % 5000, g.next() % 50_000);
        let (sp, dp) = (g.next() % 50, g.next() % 50);
        tsv.push(format!(
            "{ts:.6}\t{uid}\t{saddr}\t{sport}\t{daddr}\t{dport}\t{proto}\t{service}\t{dur:.6}\t{sb}\t{db}\t{state}\t-\t-\t0\tShADadfF\t{sp}\t{}\t{dp}\t{}\t-",
            sb + sp * 40,
            db + dp * 40
        ));
        let service_json = if service == "-" {
            String::new()
        } else {
            format!(",\"service\":\"{service}\"")
        };
        json.push(format!(
            "{{\"ts\":{ts:.6},\"uid\":\"{uid}\",\"id.orig_h\":\"{saddr}\",\"id.orig_p\":{sport},\"id.resp_h\":\"{daddr}\",\"id.resp_p\":{dport},\"proto\":\"{proto}\"{service_json},\"duration\":{dur},\"orig_bytes\":{sb},\"resp_bytes\":{db},\"conn_state\":\"{state}\",\"local_orig\":true,\"local_resp\":false,\"missed_bytes\":0,\"history\":\"ShADadfF\",\"orig_pkts\":{sp},\"orig_ip_bytes\":{},\"resp_pkts\":{dp},\"resp_ip_bytes\":{}}}",
            sb + sp * 40,
            db + dp * 40
        ));
    }
    (tsv, json)
}

fn bench(c: &mut Criterion) {
    let (tsv, json) = lines(N);
    let mut schema = TsvSchema::new();
    for l in HEADER.lines() {
        schema.feed_header(l.as_bytes()).unwrap();
    }
    for l in &tsv {
        schema.parse_line(l.as_bytes()).unwrap();
    }
    for l in &json {
        parse_json_line(RecordKind::Conn, l.as_bytes()).unwrap();
    }

    let mut g = c.benchmark_group("conn_line");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("tsv", |b| {
        b.iter(|| {
            for l in &tsv {
                black_box(schema.parse_line(black_box(l.as_bytes())).ok());
            }
        })
    });
    g.bench_function("json", |b| {
        b.iter(|| {
            for l in &json {
                black_box(parse_json_line(RecordKind::Conn, black_box(l.as_bytes())).ok());
            }
        })
    });
    g.finish();

    // Whole files through the reader: 10 x N lines each.
    let dir = tempfile::tempdir().unwrap();
    let tsv_dir = dir.path().join("tsv");
    let json_dir = dir.path().join("json");
    std::fs::create_dir_all(&tsv_dir).unwrap();
    std::fs::create_dir_all(&json_dir).unwrap();
    let mut f = std::fs::File::create(tsv_dir.join("conn.log")).unwrap();
    f.write_all(HEADER.as_bytes()).unwrap();
    let mut j = std::fs::File::create(json_dir.join("conn.log")).unwrap();
    for _ in 0..10 {
        for l in &tsv {
            writeln!(f, "{l}").unwrap();
        }
        for l in &json {
            writeln!(j, "{l}").unwrap();
        }
    }
    drop((f, j));
    let mut g = c.benchmark_group("conn_file");
    g.throughput(Throughput::Elements(10 * N as u64));
    g.sample_size(20);
    for (name, path) in [("tsv", &tsv_dir), ("json", &json_dir)] {
        let file = path.join("conn.log");
        g.bench_function(name, |b| {
            b.iter(|| {
                let r = ZeekReader::open(&file).unwrap();
                let n = r.fold(0u64, |n, f| {
                    n + u64::from(black_box(&f).record.ts().secs() > 0.0)
                });
                assert_eq!(n, 10 * N as u64);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

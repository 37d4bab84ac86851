//! Read throughput per format, in flows per second: Argus binetflow (CSV), Suricata
//! eve.json and nfdump `-o pipe` lines (the pairing included), parsed from memory.
//!
//! `cargo bench -p slips-flows --bench read`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slips_flows::{ArgusParser, LineParser, NfdumpParser, SuricataParser};
use std::collections::VecDeque;
use std::hint::black_box;

const N: usize = 20_000;

fn argus_lines() -> Vec<String> {
    let mut v = vec!["StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label".to_string()];
    for i in 0..N {
        v.push(format!(
            "2019/04/04 16:{:02}:{:02}.{:06},0.027947,tcp,10.8.{}.{},{},   ->,31.13.{}.{},443,FSPA_FSPA,0,0,12,5723,1621,6,flow=Background",
            (i / 60) % 60,
            i % 60,
            i,
            i / 256 % 256,
            i % 256,
            1024 + i % 60000,
            i / 7 % 256,
            i % 251
        ));
    }
    v
}

fn suricata_lines() -> Vec<String> {
    (0..N)
        .map(|i| {
            format!(
                r#"{{"timestamp":"2021-06-06T15:57:37.272281+0200","flow_id":{},"event_type":"flow","src_ip":"192.168.1.{}","src_port":{},"dest_ip":"122.248.{}.{}","dest_port":8760,"proto":"TCP","app_proto":"failed","flow":{{"pkts_toserver":2,"pkts_toclient":2,"bytes_toserver":256,"bytes_toclient":468,"start":"2021-06-06T20:45:{:02}.198137+0200","end":"2021-06-06T20:45:59.391044+0200","age":0,"state":"closed","reason":"timeout","alerted":false}},"tcp":{{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}},"host":"stratosphere.org"}}"#,
                1_000_000 + i,
                i % 250,
                1024 + i % 60000,
                i / 256 % 256,
                i % 256,
                i % 60
            )
        })
        .collect()
}

fn nfdump_lines() -> Vec<String> {
    // Each connection: the request, then its reply.
    (0..N / 2)
        .flat_map(|i| {
            let t = 1_515_771_467_334u64 + i as u64 * 10;
            let a = 2_468_368_503u64 + (i % 1000) as u64;
            let b = 2_468_368_958u64;
            let sp = 1024 + i % 60000;
            [
                format!("2|{t}|{t}|6|0|0|0|{a}|{sp}|0|0|0|{b}|902|2852|2852|0|0|2|0|1|60"),
                format!("2|{t}|{t}|6|0|0|0|{b}|902|0|0|0|{a}|{sp}|2852|2852|0|0|20|0|1|40"),
            ]
        })
        .collect()
}

fn run(parser: &mut dyn LineParser, lines: &[String]) -> usize {
    let mut out = VecDeque::new();
    let mut n = 0;
    for l in lines {
        let _ = parser.parse(l.as_bytes(), &mut out);
        n += out.drain(..).count();
    }
    parser.finish(&mut out);
    n + out.len()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    let argus = argus_lines();
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("argus_csv", |b| {
        b.iter(|| black_box(run(&mut ArgusParser::new(), &argus)))
    });
    let suricata = suricata_lines();
    g.bench_function("suricata_flow", |b| {
        b.iter(|| black_box(run(&mut SuricataParser::new(), &suricata)))
    });
    let nfdump = nfdump_lines();
    // Throughput in unidirectional nfdump records (two per connection).
    g.bench_function("nfdump_pipe", |b| {
        b.iter(|| black_box(run(&mut NfdumpParser::new(), &nfdump)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Engine throughput: synthetic conn records through profiles, windows, letters and the
//! detectors given to it (none here: the engine's own cost).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slips_core::{Conn, ConnState, Flow, Proto, Record, Timestamp};
use slips_engine::{Engine, EngineConfig};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

fn flows(n: usize) -> Vec<Flow> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let src = IpAddr::V4(Ipv4Addr::new(10, 0, (x % 8) as u8, (x >> 8) as u8 % 250));
            let dst = IpAddr::V4(Ipv4Addr::new(
                93,
                184,
                (x >> 16) as u8 % 64,
                (x >> 24) as u8,
            ));
            Flow::from(Record::Conn(Conn {
                ts: Timestamp::from_secs(1_600_000_000.0 + i as f64 * 0.05),
                uid: "CHhAvVGS1DHFjwGM9".into(),
                saddr: Some(src),
                sport: 40000,
                daddr: Some(dst),
                dport: [80, 443, 53, 22][(x >> 40) as usize % 4],
                proto: Some(Proto::Tcp),
                duration: (x % 1000) as f64 / 100.0,
                sbytes: x % 5000,
                dbytes: (x >> 12) % 50000,
                state: ConnState::SF,
                spkts: 5,
                dpkts: 6,
                ..Default::default()
            }))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let input = flows(200_000);
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(input.len() as u64));
    g.sample_size(10);
    for summaries in [false, true] {
        g.bench_function(format!("conn_no_detectors_summaries_{summaries}"), |b| {
            b.iter(|| {
                let mut e = Engine::new(
                    EngineConfig {
                        summaries,
                        ..Default::default()
                    },
                    vec![],
                );
                for f in &input {
                    e.process(f);
                }
                e.finish();
                black_box(e.drain_events().count())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

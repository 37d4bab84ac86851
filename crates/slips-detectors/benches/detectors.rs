//! Throughput of the whole default detector registry: ~200k synthetic conn.log records
//! (slips-gen, seed 1: background traffic of 400 hosts over a day, port scanners and C&C
//! beacons) through an `Engine` with every detector enabled by default, built from
//! `Config::default()` and `Resources::default()`. The engine alone is measured beside it,
//! so the detectors' share is the difference.
//!
//! `SLIPS_BENCH_EACH=1 cargo bench -p slips-detectors --bench detectors` adds one benchmark
//! per detector (the engine plus that detector alone), to find the one that regressed.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slips_config::Config;
use slips_core::{DynDetector, Flow};
use slips_detectors::{build_all, select, Resources};
use slips_engine::{Engine, EngineConfig};
use std::hint::black_box;

const FLOWS: u64 = 200_000;

/// The synthetic records, generated and parsed once (deterministic: fixed seed).
fn flows() -> Vec<Flow> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("conn.log");
    let cfg = slips_gen::ConnConfig {
        flows: FLOWS,
        hosts: 400,
        seed: 1,
        scanners: 5,
        vscanners: 5,
        beacons: 20,
        ..Default::default()
    };
    let file = std::fs::File::create(&path).expect("create conn.log");
    slips_gen::generate_conn(&cfg, std::io::BufWriter::new(file)).expect("generate conn.log");
    let flows: Vec<Flow> = slips_zeek::ZeekReader::open(&path)
        .expect("open conn.log")
        .collect();
    assert!(
        flows.len() as u64 >= FLOWS * 9 / 10,
        "{} flows",
        flows.len()
    );
    flows
}

/// Runs the records through an engine with these detectors; returns the evidence count.
fn run(input: &[Flow], detectors: Vec<Box<dyn DynDetector>>) -> usize {
    let mut e = Engine::new(EngineConfig::default(), detectors);
    let mut events = 0;
    for f in input {
        e.process(f);
        events += e.drain_events().count();
    }
    e.finish();
    events + e.drain_events().count()
}

fn bench(c: &mut Criterion) {
    let input = flows();
    let cfg = Config::default();
    let res = Resources::default();
    let none: [&str; 0] = [];
    let entries = select(&none, &none).expect("default selection");
    let mut g = c.benchmark_group("detectors");
    g.throughput(Throughput::Elements(input.len() as u64));
    g.sample_size(10);
    g.bench_function("registry_default", |b| {
        b.iter(|| black_box(run(&input, build_all(&entries, &cfg, &res))))
    });
    g.bench_function("engine_only", |b| b.iter(|| black_box(run(&input, vec![]))));
    if std::env::var_os("SLIPS_BENCH_EACH").is_some() {
        for e in &entries {
            g.bench_function(format!("single/{}", e.name), |b| {
                b.iter(|| black_box(run(&input, vec![e.build(&cfg, &res)])))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

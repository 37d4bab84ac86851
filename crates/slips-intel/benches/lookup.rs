//! Cost of the threat-intelligence check per flow with 1,000,000 IoCs loaded, plus the load
//! time and the memory those IoCs take (printed once before the measurements).
//!
//! `cargo bench -p slips-intel --bench lookup`

use criterion::{criterion_group, criterion_main, Criterion};
use slips_config::Config;
use slips_core::{
    Conn, Detector, DetectorCtx, Direction, Emitter, Proto, Record, Timestamp, WindowClock,
};
use slips_detectors::threat_intel::{Seen, ThreatIntel};
use slips_detectors::{FromConfig, Resources};
use slips_intel::feeds::{parse_feed, ListKind};
use slips_intel::{Geo, IntelDbBuilder, IntelKnowledge, Problems, SharedIntel};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;

const IOCS: usize = 1_000_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A public IPv4 address.
    fn ip(&mut self) -> Ipv4Addr {
        loop {
            let a = Ipv4Addr::from(self.next() as u32);
            if slips_core::net::is_public(&IpAddr::V4(a)) {
                return a;
            }
        }
    }
}

/// Resident memory of this process, bytes.
fn rss() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Feed text: 900,000 IPs (ipsum format), 50,000 CIDR ranges, 50,000 domains.
fn feed_text() -> String {
    let mut r = Rng(0x1234_5678_9abc_def0);
    let mut s = String::with_capacity(IOCS * 18);
    for _ in 0..900_000 {
        s.push_str(&format!("{}\t3\n", r.ip()));
    }
    for _ in 0..50_000 {
        let len = 16 + (r.next() % 13) as u8;
        let net = ipnet::Ipv4Net::new(r.ip(), len).unwrap().trunc();
        s.push_str(&format!("{net}\n"));
    }
    for i in 0..50_000 {
        s.push_str(&format!(
            "host{i}.bad{}.example{}.com\n",
            r.next() % 1000,
            i % 97
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let rss0 = rss();
    let text = feed_text();
    let t0 = Instant::now();
    let mut b = IntelDbBuilder::new();
    let src = b.source("bench.txt", "bench").unwrap();
    let mut problems = Problems::default();
    parse_feed(&text, "bench.txt", ListKind::Ti, &mut problems, |ioc| {
        let _ = b.add(
            src,
            slips_core::ThreatLevel::Medium,
            ioc.value,
            ioc.fingerprint,
            ioc.description.as_deref(),
        );
    });
    let db = b.build();
    let load = t0.elapsed();
    drop(text);
    let counts = db.counts().clone();
    let estimate = db.memory_bytes();
    let intel = Arc::new(SharedIntel::new(db, None));
    let rss1 = rss();
    eprintln!(
        "loaded {} IoCs ({} IPs, {} ranges, {} domains) in {:.2} s; {} malformed; \
         memory: {:.1} MB by structure size; process RSS {:.1} MB before generating the feed, {:.1} MB after loading it (feed text freed)",
        counts.total(),
        counts.ips,
        counts.ranges,
        counts.domains,
        load.as_secs_f64(),
        problems.total,
        estimate as f64 / 1e6,
        rss0 as f64 / 1e6,
        rss1 as f64 / 1e6,
    );

    // Flows: random public destinations that are not listed (as in real traffic) from a
    // private host, plus one listed destination in every 1,000.
    let mut r = Rng(42);
    let listed: Vec<Ipv4Addr> = {
        let mut rr = Rng(0x1234_5678_9abc_def0);
        (0..1000).map(|_| rr.ip()).collect()
    };
    let flows: Vec<Record> = (0..4096)
        .map(|i| {
            let d = if i % 1000 == 0 {
                listed[i / 1000]
            } else {
                // Random ranges cover ~10% of the space: keep the other flows clean so that
                // the hit rate is exactly 0.1%.
                loop {
                    let x = r.ip();
                    if !intel.contains_ip(IpAddr::V4(x)) {
                        break x;
                    }
                }
            };
            Record::Conn(Conn {
                ts: Timestamp::from_secs(1000.0 + i as f64 * 0.01),
                uid: format!("C{i}").into(),
                saddr: Some("10.0.0.5".parse().unwrap()),
                sport: 50000,
                daddr: Some(IpAddr::V4(d)),
                dport: 443,
                proto: Some(Proto::Tcp),
                ..Default::default()
            })
        })
        .collect();

    let mut g = c.benchmark_group("ti_check_per_flow");
    g.throughput(criterion::Throughput::Elements(flows.len() as u64));
    g.bench_function("both_ips_lookup", |bch| {
        bch.iter(|| {
            let mut hits = 0u32;
            for f in &flows {
                let Record::Conn(c) = f else { continue };
                hits += u32::from(intel.contains_ip(black_box(c.saddr.unwrap())));
                hits += u32::from(intel.contains_ip(black_box(c.daddr.unwrap())));
            }
            hits
        })
    });

    let knowledge = Arc::new(IntelKnowledge::new(
        Arc::clone(&intel),
        Arc::new(Geo::default()),
        Arc::default(),
        Default::default(),
        Default::default(),
    ));
    let mut det = ThreatIntel::from_config(
        &Config::default(),
        &Resources {
            knowledge: knowledge as Arc<dyn slips_detectors::Knowledge>,
            ..Resources::default()
        },
    );
    let ctx = DetectorCtx::new(
        "10.0.0.5".parse().unwrap(),
        Direction::Out,
        WindowClock::new(Timestamp::ZERO, 3600.0).window(1),
    );
    g.bench_function("detector_on_record", |bch| {
        let mut out = Emitter::default();
        bch.iter(|| {
            // A fresh window per pass, so hits are reported (not only remembered).
            let mut seen = Seen::default();
            for f in &flows {
                det.on_record(&ctx, &mut seen, black_box(f), &mut out);
            }
            out.drain().count()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);

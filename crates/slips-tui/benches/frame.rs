//! Frame time of the interface on 100,000 profiles: a redraw when nothing changed (the
//! common case, every 250 ms), a redraw after the model changed (the profile list is
//! re-sorted), and a redraw with a filter typed.

use criterion::{criterion_group, criterion_main, Criterion};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use slips_tui::App;
use std::hint::black_box;

#[path = "../tests/fixture/mod.rs"]
mod fixture;

const PROFILES: u32 = 100_000;

fn frames(c: &mut Criterion) {
    let model = fixture::large(PROFILES);
    let mut m = model.lock();
    assert_eq!(m.profiles().len(), PROFILES as usize);
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
    let mut app = App::new("bench");
    terminal.draw(|f| slips_tui::draw(f, &mut app, &m)).unwrap();

    let mut g = c.benchmark_group("frame_100k_profiles");
    g.sample_size(30);
    g.bench_function("redraw", |b| {
        b.iter(|| {
            terminal.draw(|f| slips_tui::draw(f, &mut app, &m)).unwrap();
            black_box(terminal.backend().buffer().area);
        })
    });
    // Scrolled deep into the list: the cost must not depend on the position.
    for _ in 0..50 {
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), &m);
    }
    app.on_key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE), &m);
    g.bench_function("redraw_at_the_end_of_the_list", |b| {
        b.iter(|| {
            terminal.draw(|f| slips_tui::draw(f, &mut app, &m)).unwrap();
        })
    });
    let e = fixture::evidence(
        slips_core::EvidenceType::SSH_SUCCESSFUL,
        "10.0.0.7",
        1,
        slips_core::ThreatLevel::Medium,
        1.0,
        0.5,
        "SSH successful",
        None,
        Some(22),
        fixture::BASE,
    );
    g.bench_function("redraw_after_new_evidence_resort", |b| {
        b.iter(|| {
            m.add_evidence(&e);
            terminal.draw(|f| slips_tui::draw(f, &mut app, &m)).unwrap();
        })
    });
    let mut filtered = App::new("bench");
    for ch in "/10.1.".chars() {
        filtered.on_key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE), &m);
    }
    g.bench_function("redraw_after_new_evidence_with_filter", |b| {
        b.iter(|| {
            m.add_evidence(&e);
            terminal
                .draw(|f| slips_tui::draw(f, &mut filtered, &m))
                .unwrap();
        })
    });
    g.finish();
}

/// What the sink costs the analysis per record (it runs on the analysis thread): 200,000
/// connections of 2,000 hosts, the first 200,000 kept for the flows tab.
fn sink(c: &mut Criterion) {
    use slips_output::Sink;
    let flows: Vec<(slips_core::Flow, std::net::IpAddr)> = (0..200_000u32)
        .map(|i| {
            let host = format!("10.0.{}.{}", (i % 2000) / 250, i % 250);
            let f = fixture::conn(
                fixture::BASE + f64::from(i) * 0.01,
                &host,
                40000,
                "1.2.3.4",
                443,
                slips_core::ConnState::SF,
            );
            (f, fixture::ip(&host))
        })
        .collect();
    let mut g = c.benchmark_group("sink");
    g.sample_size(10);
    g.throughput(criterion::Throughput::Elements(flows.len() as u64));
    g.bench_function("200k_records", |b| {
        b.iter(|| {
            let model =
                slips_tui::SharedModel::new(slips_tui::TuiModel::new(3600.0, Default::default()));
            let mut sink = model.sink();
            for (f, ip) in &flows {
                sink.record(f, Some(*ip)).unwrap();
            }
            let records = model.lock().counters.records;
            black_box(records)
        })
    });
    g.finish();
}

criterion_group!(benches, frames, sink);
criterion_main!(benches);

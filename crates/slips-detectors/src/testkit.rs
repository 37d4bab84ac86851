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

//! The whole packet path: the first byte picks the link type, the rest is a sequence of
//! length-prefixed packets fed to one engine (so flows, reassembly and parsers keep state).
#![no_main]
use libfuzzer_sys::fuzz_target;
use slips_packet::{EngineConfig, LinkType, PacketEngine};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, mut rest)) = data.split_first() else {
        return;
    };
    let link = LinkType::from_pcap([1, 0, 101, 113, 276, 228, 229, 108][usize::from(sel % 8)]);
    let cfg = EngineConfig {
        max_flows: 64,
        ..Default::default()
    };
    let mut e = PacketEngine::new(cfg);
    let mut ts = 1.0e9;
    while rest.len() >= 2 {
        let n = usize::from(u16::from_le_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let (pkt, tail) = rest[2..].split_at(n);
        ts += f64::from(rest[0] % 16);
        e.feed(ts, link, pkt, pkt.len() as u32);
        while e.pop().is_some() {}
        rest = tail;
    }
    e.finish();
    while e.pop().is_some() {}
});

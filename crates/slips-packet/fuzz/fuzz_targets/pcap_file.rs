//! Arbitrary bytes as a pcap / pcapng file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use slips_packet::{EngineConfig, PcapSource};

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = PcapSource::from_reader(
        "fuzz",
        std::io::Cursor::new(data.to_vec()),
        EngineConfig::default(),
    ) {
        for _ in src {}
    }
});

//! Arbitrary lines to the Suricata eve.json parser, alone and after a DNS query waiting
//! for its answer. Nothing may panic.
//!
//! `cargo +nightly fuzz run suricata_line` (from crates/slips-flows).

#![no_main]

use libfuzzer_sys::fuzz_target;
use slips_flows::{LineParser, SuricataParser};
use std::collections::VecDeque;

const QUERY: &[u8] = br#"{"timestamp":"2021-06-06T16:26:27.431769+0200","flow_id":15,"event_type":"dns","src_ip":"192.168.1.129","src_port":35790,"dest_ip":"192.168.1.1","dest_port":53,"proto":"UDP","dns":{"type":"query","id":2,"rrname":"www.google.com","rrtype":"A","tx_id":0}}"#;

fuzz_target!(|data: &[u8]| {
    let mut out = VecDeque::new();
    let mut p = SuricataParser::new();
    let _ = p.parse(QUERY, &mut out);
    for line in data.split(|b| *b == b'\n') {
        let _ = p.parse(line, &mut out);
    }
    p.finish(&mut out);
});

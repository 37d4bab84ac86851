//! Arbitrary lines to the nfdump `-o pipe` parser and its pairing of records. Nothing may
//! panic.
//!
//! `cargo +nightly fuzz run nfdump_line` (from crates/slips-flows).

#![no_main]

use libfuzzer_sys::fuzz_target;
use slips_flows::{LineParser, NfdumpParser};
use std::collections::VecDeque;

const SYN: &[u8] = b"2|1515771467334|1515771467334|6|0|0|0|2468368503|53778|0|0|0|2468368958|902|2852|2852|0|0|2|0|1|60";

fuzz_target!(|data: &[u8]| {
    let mut out = VecDeque::new();
    let mut p = NfdumpParser::new();
    let _ = p.parse(SYN, &mut out);
    for line in data.split(|b| *b == b'\n') {
        let _ = p.parse(line, &mut out);
    }
    p.finish(&mut out);
});

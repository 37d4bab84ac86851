//! Arbitrary lines to the Argus parser: after each possible first line (a CTU header, a
//! headerless flow, `ra`'s text header, the input itself). Nothing may panic.
//!
//! `cargo +nightly fuzz run argus_line` (from crates/slips-flows).

#![no_main]

use libfuzzer_sys::fuzz_target;
use slips_flows::{ArgusParser, LineParser};
use std::collections::VecDeque;

const FIRST: &[&[u8]] = &[
    b"StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label",
    b"StartTime\tDur\tProto\tSrcAddr\tSport\tDir\tDstAddr\tDport\tState\tsTos\tdTos\tTotPkts\tTotBytes\tSrcBytes\tLabel",
    b"2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,",
    b"         StartTime      Flgs  Proto            SrcAddr  Sport   Dir            DstAddr  Dport  TotPkts   TotBytes State ",
];

fuzz_target!(|data: &[u8]| {
    let mut out = VecDeque::new();
    for first in FIRST {
        let mut p = ArgusParser::new();
        let _ = p.parse(first, &mut out);
        for line in data.split(|b| *b == b'\n') {
            let _ = p.parse(line, &mut out);
        }
        p.finish(&mut out);
        out.clear();
    }
    let mut p = ArgusParser::new();
    for line in data.split(|b| *b == b'\n') {
        let _ = p.parse(line, &mut out);
    }
});

//! Feeds arbitrary bytes to the line parsers of slips-zeek: a conn TSV schema, the JSON
//! parser of every log kind and the TSV header parser. Nothing may panic.
//!
//! `cargo +nightly fuzz run zeek_line` (from crates/slips-zeek).

#![no_main]

use libfuzzer_sys::fuzz_target;
use slips_core::RecordKind;
use slips_zeek::{detect_format, parse_json_line, TsvSchema};

const CONN_HEADER: &[&str] = &[
    "#separator \\x09",
    "#set_separator\t,",
    "#empty_field\t(empty)",
    "#unset_field\t-",
    "#path\tconn",
    "#open\t2020-10-06-17-32-56",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents   label   detailed-label",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]",
];

fuzz_target!(|data: &[u8]| {
    let mut schema = TsvSchema::new();
    for line in CONN_HEADER {
        schema
            .feed_header(line.as_bytes())
            .expect("the fixed header is valid");
    }
    let _ = schema.parse_line(data);
    for kind in RecordKind::ALL {
        let _ = parse_json_line(kind, data);
    }
    let _ = detect_format(data);
    // The data as a header line, then as a data line of whatever schema results.
    let _ = schema.feed_header(data);
    let _ = schema.parse_line(data);
});

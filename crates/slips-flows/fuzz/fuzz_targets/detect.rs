//! Arbitrary bytes to the format detection. Nothing may panic.
//!
//! `cargo +nightly fuzz run detect` (from crates/slips-flows).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = slips_flows::detect_bytes(data);
    if let Ok((_, mut r)) = slips_flows::detect_stream(std::io::Cursor::new(data.to_vec())) {
        let mut all = Vec::new();
        let _ = std::io::Read::read_to_end(&mut r, &mut all);
        assert_eq!(all, data);
    }
});

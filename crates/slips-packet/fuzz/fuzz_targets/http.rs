//! Client and server streams cut into pieces at the positions the input chooses.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut h = slips_packet::http::HttpConn::default();
    for (i, chunk) in data.split(|&b| b == 0xff).enumerate() {
        if i % 2 == 0 {
            h.client(i as f64, chunk);
        } else {
            h.server(i as f64, chunk);
        }
    }
    h.close();
});

#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut t = slips_packet::tls::TlsConn::default();
    for (i, chunk) in data.split(|&b| b == 0xfe).enumerate() {
        t.data(i % 2 == 0, chunk);
    }
    let _ = slips_packet::tls::looks_like_client_hello(data);
});

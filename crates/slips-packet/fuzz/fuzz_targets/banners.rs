#![no_main]
use libfuzzer_sys::fuzz_target;
use slips_packet::banner::{parse_software, ssh_software, SmtpConn, SshConn};

fuzz_target!(|data: &[u8]| {
    let mut s = SshConn::default();
    let mut m = SmtpConn::default();
    for (i, chunk) in data.split(|&b| b == 0xfd).enumerate() {
        s.data(i % 2 == 0, chunk);
        m.data(i % 2 == 1, chunk);
    }
    let _ = s.version();
    let text = String::from_utf8_lossy(data);
    let _ = parse_software(&text);
    let _ = ssh_software(&text);
});

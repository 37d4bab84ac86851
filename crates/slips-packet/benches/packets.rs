//! Packets per second from a pcap held in memory to records.
//!
//! `cargo bench -p slips-packet -- --warm-up-time 1 --measurement-time 5`
//!
//! "typical" is a synthetic mix: TCP connections with handshakes, HTTP requests and responses
//! of a few KiB in MSS-sized segments, bulk transfers, DNS over UDP, half-open scans and
//! NTP; test7 is the shared Slips capture when present.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use slips_packet::{EngineConfig, PcapSource};
use std::hint::black_box;

struct Gen(u64);
impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

struct W {
    buf: Vec<u8>,
    packets: u64,
}

impl W {
    fn packet(&mut self, ts: f64, d: &[u8]) {
        self.buf.extend_from_slice(&(ts as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(((ts.fract()) * 1e6) as u32).to_le_bytes());
        self.buf.extend_from_slice(&(d.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(&(d.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(d);
        self.packets += 1;
    }
}

fn frame(src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8]) -> Vec<u8> {
    let mut v = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
    let total = 20 + l4.len();
    v.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ]);
    v.extend_from_slice(&src);
    v.extend_from_slice(&dst);
    v.extend_from_slice(l4);
    v
}

fn tcp(sp: u16, dp: u16, seq: u32, ack: u32, flags: u8, p: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(20 + p.len());
    v.extend_from_slice(&sp.to_be_bytes());
    v.extend_from_slice(&dp.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ack.to_be_bytes());
    v.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    v.extend_from_slice(p);
    v
}

fn udp(sp: u16, dp: u16, p: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + p.len());
    v.extend_from_slice(&sp.to_be_bytes());
    v.extend_from_slice(&dp.to_be_bytes());
    v.extend_from_slice(&((8 + p.len()) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(p);
    v
}

/// A minimal TLS 1.2 ClientHello record with SNI.
fn client_hello() -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7u8; 32]);
    body.push(0);
    body.extend_from_slice(&[0, 4, 0xc0, 0x2f, 0x13, 0x01, 1, 0]);
    let sni = b"www.example.com";
    let mut ext = vec![
        0,
        0,
        0,
        (sni.len() + 5) as u8,
        0,
        (sni.len() + 3) as u8,
        0,
        0,
        sni.len() as u8,
    ];
    ext.extend_from_slice(sni);
    ext.extend_from_slice(&[0, 10, 0, 4, 0, 2, 0, 29, 0, 11, 0, 2, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1, 0, (body.len() >> 8) as u8, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 3, 1, (hs.len() >> 8) as u8, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

/// A synthetic capture of about `n` packets of typical traffic.
fn typical(n: u64) -> (Vec<u8>, u64) {
    let mut w = W {
        buf: Vec::new(),
        packets: 0,
    };
    for x in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        w.buf.extend_from_slice(&x.to_le_bytes());
    }
    let mut g = Gen(42);
    let mut ts = 1_600_000_000.0;
    let body = vec![b'a'; 1400];
    let mut tls_record = vec![23u8, 3, 3, 0x05, 0x73];
    tls_record.resize(1400, 0x5a);
    let mut i = 0u32;
    while w.packets < n {
        i = i.wrapping_add(1);
        ts += 0.001;
        let c = [10, 0, (i >> 8) as u8, i as u8];
        let s = [93, 184, (g.next() % 200) as u8, (g.next() % 250) as u8];
        let sp = 30000 + (i % 30000) as u16;
        match g.next() % 10 {
            0..=3 => {
                // HTTP: handshake, request, 8 KiB response, close
                let (mut cs, mut ss) = (1000u32, 9000u32);
                let port = if i.is_multiple_of(2) { 80 } else { 443 };
                w.packet(ts, &frame(c, s, 6, &tcp(sp, port, cs, 0, 0x02, b"")));
                cs += 1;
                w.packet(ts, &frame(s, c, 6, &tcp(port, sp, ss, cs, 0x12, b"")));
                ss += 1;
                w.packet(ts, &frame(c, s, 6, &tcp(sp, port, cs, ss, 0x10, b"")));
                let (req, head): (Vec<u8>, Vec<u8>) = if port == 80 {
                    (
                        b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\n\r\n".to_vec(),
                        b"HTTP/1.1 200 OK\r\nContent-Length: 8400\r\nContent-Type: text/html\r\n\r\n".to_vec(),
                    )
                } else {
                    (client_hello(), vec![22, 3, 3, 0, 4, 14, 0, 0, 0])
                };
                w.packet(ts, &frame(c, s, 6, &tcp(sp, port, cs, ss, 0x18, &req)));
                cs += req.len() as u32;
                w.packet(ts, &frame(s, c, 6, &tcp(port, sp, ss, cs, 0x18, &head)));
                ss += head.len() as u32;
                for k in 0..6 {
                    let seg = if port == 80 {
                        body.clone()
                    } else {
                        tls_record.clone()
                    };
                    w.packet(ts, &frame(s, c, 6, &tcp(port, sp, ss, cs, 0x10, &seg)));
                    ss += seg.len() as u32;
                    if k % 2 == 1 {
                        w.packet(ts, &frame(c, s, 6, &tcp(sp, port, cs, ss, 0x10, b"")));
                    }
                }
                w.packet(ts, &frame(c, s, 6, &tcp(sp, port, cs, ss, 0x11, b"")));
                w.packet(ts, &frame(s, c, 6, &tcp(port, sp, ss, cs + 1, 0x11, b"")));
                w.packet(
                    ts,
                    &frame(c, s, 6, &tcp(sp, port, cs + 1, ss + 1, 0x10, b"")),
                );
            }
            4..=6 => {
                // DNS query and answer
                let mut q = vec![
                    (i >> 8) as u8,
                    i as u8,
                    1,
                    0,
                    0,
                    1,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    3,
                    b'w',
                    b'w',
                    b'w',
                ];
                q.extend_from_slice(&[
                    7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0, 1, 0, 1,
                ]);
                let mut a = q.clone();
                a[2] = 0x81;
                a[3] = 0x80;
                a[7] = 1;
                a.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 93, 184, 216, 34]);
                let dns = [10, 0, 0, 53];
                w.packet(ts, &frame(c, dns, 17, &udp(sp, 53, &q)));
                w.packet(ts, &frame(dns, c, 17, &udp(53, sp, &a)));
            }
            7 | 8 => {
                // half-open scan probes
                for k in 0..4u8 {
                    let t = [s[0], s[1], s[2], k];
                    w.packet(ts, &frame(c, t, 6, &tcp(sp, 23, 777, 0, 0x02, b"")));
                }
            }
            _ => {
                let ntp = [0x23u8; 48];
                w.packet(ts, &frame(c, s, 17, &udp(123, 123, &ntp)));
                w.packet(ts, &frame(s, c, 17, &udp(123, 123, &ntp)));
            }
        }
    }
    let n = w.packets;
    (w.buf, n)
}

fn run_cfg(bytes: &'static [u8], cfg: EngineConfig) -> usize {
    let src = PcapSource::from_reader("bench", bytes, cfg).expect("pcap");
    src.count()
}

fn run(bytes: &'static [u8]) -> usize {
    run_cfg(bytes, EngineConfig::default())
}

fn bench(c: &mut Criterion) {
    let (bytes, n) = typical(200_000);
    // Held in memory for the whole run: the reader borrows it, nothing is copied up front.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    let mut g = c.benchmark_group("pcap_to_records");
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function("typical_200k_packets", |b| b.iter(|| black_box(run(bytes))));
    let conn_only = EngineConfig {
        app_layer: false,
        ..Default::default()
    };
    g.bench_function("typical_200k_packets_conn_only", |b| {
        b.iter(|| black_box(run_cfg(bytes, conn_only.clone())))
    });
    let t7 = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets/slips/test7-malicious.pcap"
    );
    if let Ok(b7) = std::fs::read(t7) {
        let b7: &'static [u8] = Box::leak(b7.into_boxed_slice());
        g.throughput(Throughput::Elements(2000));
        g.bench_function("test7_2000_packets", |b| b.iter(|| black_box(run(b7))));
    } else {
        eprintln!("skipping test7 bench: {t7} not found");
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Synthetic Zeek `conn.log`: background traffic of many internal hosts plus mixed-in attacks
//! (horizontal and vertical port scanners, periodic C&C beacons).
//!
//! The output is a pure function of [`ConnConfig`]: the same configuration gives the same
//! bytes. Background traffic, attacks and uids use independent random streams derived from
//! the seed, so changing the attack mix does not reshuffle the background.
//!
//! Layout of the simulated network:
//! * internal hosts `10.0.1.1 ..` (host `i` is `10.0.(1 + i / 254).(1 + i % 254)`), at most
//!   [`MAX_HOSTS`]; the resolver is [`RESOLVER`];
//! * a pool of public destinations whose popularity is skewed (a few are very popular);
//! * background mix: ~60 % established TCP (`SF`, `ssl`/`http`), ~25 % DNS over UDP to the
//!   resolver, ~4 % `S0`, ~3 % `REJ`, ~3 % `RSTO`, ~3 % ICMP echo, ~2 % NTP. Failed
//!   background connections of a host go to at most three destinations on one port, so that
//!   background traffic alone never looks like a port scan.

use crate::fmt::{push_ipv4, push_micros, push_u64, zeek_header_time};
use crate::rng::Rng;
use anyhow::{bail, Result};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::net::Ipv4Addr;

/// Default `--start`: 2023-11-14 22:13:20 UTC.
pub const DEFAULT_START: u64 = 1_700_000_000;
/// Default `--duration`: one day.
pub const DEFAULT_DURATION: u64 = 86_400;
/// Internal hosts live in 10.0.1.1 – 10.0.255.254.
pub const MAX_HOSTS: u32 = 254 * 255;
/// The DNS resolver every host uses.
pub const RESOLVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 53);
/// Horizontal scanners probe one of these ports.
pub const HSCAN_PORTS: [u16; 2] = [23, 445];
/// Default range of targets (IPs or ports) per scanner when `scan_size` is not given.
pub const SCAN_SIZE_RANGE: (u32, u32) = (200, 500);

/// The TSV header lines of Zeek's conn.log after `#open`.
pub mod flood;

pub const FIELDS: &str = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents";
pub const TYPES: &str = "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Zeek's tab-separated format with `#` header lines.
    Tsv,
    /// Zeek's JSON lines (`LogAscii::use_json=T`): unset fields are omitted.
    Json,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct ConnConfig {
    /// Total number of flows (background + attacks).
    pub flows: u64,
    /// Number of internal hosts.
    pub hosts: u32,
    pub seed: u64,
    pub format: Format,
    /// First timestamp, epoch seconds.
    pub start: u64,
    /// Seconds covered by the log.
    pub duration: u64,
    /// Horizontal port scanners.
    pub scanners: u32,
    /// Vertical port scanners.
    pub vscanners: u32,
    /// C&C beacons.
    pub beacons: u32,
    /// Seconds between two flows of a beacon (±10 % jitter).
    pub beacon_interval: u64,
    /// Targets (IPs or ports) per scanner; random in [`SCAN_SIZE_RANGE`] when `None`.
    pub scan_size: Option<u32>,
}

impl Default for ConnConfig {
    fn default() -> Self {
        Self {
            flows: 10_000,
            hosts: 100,
            seed: 1,
            format: Format::Tsv,
            start: DEFAULT_START,
            duration: DEFAULT_DURATION,
            scanners: 0,
            vscanners: 0,
            beacons: 0,
            beacon_interval: 60,
            scan_size: None,
        }
    }
}

/// A horizontal scanner: one source, one port, many destination IPs.
#[derive(Clone, Debug, Serialize)]
pub struct HorizontalScan {
    pub src: Ipv4Addr,
    pub dport: u16,
    pub proto: &'static str,
    /// Distinct destination IPs probed.
    pub targets: u32,
    pub flows: u64,
    pub first_ts: f64,
    pub last_ts: f64,
}

/// A vertical scanner: one source, one destination IP, many ports.
#[derive(Clone, Debug, Serialize)]
pub struct VerticalScan {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: &'static str,
    /// Distinct destination ports probed.
    pub ports: u32,
    pub flows: u64,
    pub first_ts: f64,
    pub last_ts: f64,
}

/// A beacon: periodic flows from one host to one C&C `IP:port`.
#[derive(Clone, Debug, Serialize)]
pub struct Beacon {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub dport: u16,
    pub proto: &'static str,
    /// Nominal seconds between flows.
    pub interval: u64,
    pub flows: u64,
    pub first_ts: f64,
    pub last_ts: f64,
}

/// What was generated: counts and the ground truth of the attacks.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub format: Format,
    pub seed: u64,
    pub flows: u64,
    pub background_flows: u64,
    pub attack_flows: u64,
    pub hosts: u32,
    pub tcp: u64,
    pub udp: u64,
    pub icmp: u64,
    pub first_ts: f64,
    pub last_ts: f64,
    pub horizontal_scanners: Vec<HorizontalScan>,
    pub vertical_scanners: Vec<VerticalScan>,
    pub beacons: Vec<Beacon>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "flows written: {} ({} background, {} attack; tcp {}, udp {}, icmp {}) over {} hosts, ts {:.6} .. {:.6}, seed {}",
            self.flows,
            self.background_flows,
            self.attack_flows,
            self.tcp,
            self.udp,
            self.icmp,
            self.hosts,
            self.first_ts,
            self.last_ts,
            self.seed
        )?;
        writeln!(f, "horizontal scanners: {}", self.horizontal_scanners.len())?;
        for s in &self.horizontal_scanners {
            writeln!(
                f,
                "  {} -> {} distinct IPs on {}/{} ({} flows, ts {:.0} .. {:.0})",
                s.src, s.targets, s.dport, s.proto, s.flows, s.first_ts, s.last_ts
            )?;
        }
        writeln!(f, "vertical scanners: {}", self.vertical_scanners.len())?;
        for s in &self.vertical_scanners {
            writeln!(
                f,
                "  {} -> {}: {} distinct {} ports ({} flows, ts {:.0} .. {:.0})",
                s.src, s.dst, s.ports, s.proto, s.flows, s.first_ts, s.last_ts
            )?;
        }
        writeln!(f, "beacons: {}", self.beacons.len())?;
        for b in &self.beacons {
            writeln!(
                f,
                "  {} -> {}:{}/{} every ~{} s ({} flows)",
                b.src, b.dst, b.dport, b.proto, b.interval, b.flows
            )?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Tcp,
    Udp,
    Icmp,
}

impl Proto {
    fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
        }
    }
}

/// One conn.log record (without uid, which is drawn in output order).
#[derive(Clone, Copy, Debug)]
struct Flow {
    /// Microseconds since the epoch.
    ts: u64,
    orig_h: Ipv4Addr,
    orig_p: u16,
    resp_h: Ipv4Addr,
    resp_p: u16,
    proto: Proto,
    /// Empty = unset.
    service: &'static str,
    /// Microseconds.
    duration: Option<u64>,
    orig_bytes: Option<u64>,
    resp_bytes: Option<u64>,
    state: &'static str,
    /// Empty = unset.
    history: &'static str,
    orig_pkts: u64,
    orig_ip_bytes: u64,
    resp_pkts: u64,
    resp_ip_bytes: u64,
}

const TCP_HDR: u64 = 52;
const UDP_HDR: u64 = 28;
const SF_HISTORIES: [&str; 4] = ["ShADadfF", "ShADadFf", "ShADadtfF", "ShADdaFf"];

impl Flow {
    fn tcp_sf(
        ts: u64,
        (orig_h, orig_p): (Ipv4Addr, u16),
        (resp_h, resp_p): (Ipv4Addr, u16),
        service: &'static str,
        duration: u64,
        (ob, rb): (u64, u64),
        history: &'static str,
    ) -> Self {
        let orig_pkts = 3 + ob.div_ceil(1300);
        let resp_pkts = 2 + rb.div_ceil(1400);
        Flow {
            ts,
            orig_h,
            orig_p,
            resp_h,
            resp_p,
            proto: Proto::Tcp,
            service,
            duration: Some(duration),
            orig_bytes: Some(ob),
            resp_bytes: Some(rb),
            state: "SF",
            history,
            orig_pkts,
            orig_ip_bytes: orig_pkts * TCP_HDR + ob,
            resp_pkts,
            resp_ip_bytes: resp_pkts * TCP_HDR + rb,
        }
    }

    /// An unanswered SYN (`S0`); `syns > 1` means retransmissions.
    fn tcp_s0(ts: u64, o: (Ipv4Addr, u16), r: (Ipv4Addr, u16), syns: u64) -> Self {
        let (duration, bytes) = if syns > 1 {
            // 1 s, then 2 s between retransmissions: Zeek reports the span and 0 bytes.
            (Some((1..syns).map(|i| 1_000_000 << (i - 1)).sum()), Some(0))
        } else {
            (None, None)
        };
        Flow {
            ts,
            orig_h: o.0,
            orig_p: o.1,
            resp_h: r.0,
            resp_p: r.1,
            proto: Proto::Tcp,
            service: "",
            duration,
            orig_bytes: bytes,
            resp_bytes: bytes,
            state: "S0",
            history: "S",
            orig_pkts: syns,
            orig_ip_bytes: syns * 60,
            resp_pkts: 0,
            resp_ip_bytes: 0,
        }
    }

    /// A SYN answered by a RST (`REJ`).
    fn tcp_rej(ts: u64, o: (Ipv4Addr, u16), r: (Ipv4Addr, u16), rtt: u64) -> Self {
        Flow {
            ts,
            orig_h: o.0,
            orig_p: o.1,
            resp_h: r.0,
            resp_p: r.1,
            proto: Proto::Tcp,
            service: "",
            duration: Some(rtt),
            orig_bytes: Some(0),
            resp_bytes: Some(0),
            state: "REJ",
            history: "Sr",
            orig_pkts: 1,
            orig_ip_bytes: 60,
            resp_pkts: 1,
            resp_ip_bytes: 40,
        }
    }
}

fn host_ip(i: u32) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, (1 + i / 254) as u8, (1 + i % 254) as u8)
}

/// First octets of public unicast space (no private, loopback, multicast or documentation).
const PUBLIC_FIRST_OCTETS: [u8; 40] = [
    2, 5, 8, 13, 17, 20, 23, 31, 34, 35, 37, 40, 45, 46, 52, 54, 62, 64, 66, 69, 72, 74, 77, 81,
    85, 91, 93, 104, 108, 140, 142, 146, 151, 157, 162, 173, 185, 195, 208, 216,
];

fn public_ip(rng: &mut Rng) -> Ipv4Addr {
    Ipv4Addr::new(
        *rng.pick(&PUBLIC_FIRST_OCTETS),
        rng.below(256) as u8,
        rng.below(256) as u8,
        rng.range(1, 254) as u8,
    )
}

fn ephemeral_port(rng: &mut Rng) -> u16 {
    rng.range(32_768, 65_535) as u16
}

/// Background traffic, produced lazily in timestamp order.
struct Background<'a> {
    rng: Rng,
    k: u64,
    n: u64,
    start_us: u64,
    dur_us: u64,
    hosts: u32,
    pool: &'a [Ipv4Addr],
}

/// Bends uniform time into a day-like shape (quieter at both ends, busier in the middle).
/// Monotone on [0, 1] with w(0) = 0 and w(1) = 1, using only arithmetic (bit-reproducible).
fn warp(x: f64) -> f64 {
    const A: f64 = 0.6;
    x + A * x * (1.0 - x) * (2.0 * x - 1.0)
}

impl Background<'_> {
    fn next_flow(&mut self) -> Option<Flow> {
        if self.k >= self.n {
            return None;
        }
        let r = &mut self.rng;
        let x = (self.k as f64 + r.unit()) / self.n as f64;
        self.k += 1;
        let ts = self.start_us + ((warp(x) * self.dur_us as f64) as u64).min(self.dur_us);
        // Skewed host activity: low indices are busier.
        let u = r.unit();
        let h = ((u * u * f64::from(self.hosts)) as u32).min(self.hosts - 1);
        let src = (host_ip(h), ephemeral_port(r));
        let p = self.pool.len() as u64;
        let popular = |r: &mut Rng| {
            let u = r.unit();
            self.pool[((u * u * p as f64) as u64).min(p - 1) as usize]
        };
        // Per-host "broken" destinations for failed connections: <= 3 IPs on one port.
        let broken = |r: &mut Rng| {
            let j = r.below(3);
            let idx = (u64::from(h).wrapping_mul(0x9e37_79b9) + j * 7919) % p;
            let port = [443u16, 80, 8080, 22, 3389, 8443][h as usize % 6];
            (self.pool[idx as usize], port)
        };
        let roll = r.unit();
        let flow = if roll < 0.60 {
            let s = r.unit();
            let (service, port, ob, rb) = if s < 0.72 {
                let ob = 300 + (r.unit().powi(3) * 20_000.0) as u64 + r.below(1500);
                let rb = 500 + (r.unit().powi(3) * 500_000.0) as u64 + r.below(5000);
                ("ssl", 443, ob, rb)
            } else {
                let ob = 200 + r.below(700);
                let rb = 300 + (r.unit().powi(3) * 2_000_000.0) as u64 + r.below(2000);
                ("http", if s < 0.97 { 80 } else { 8080 }, ob, rb)
            };
            let dur = 20_000 + (r.unit().powi(3) * 120_000_000.0) as u64 + r.below(200_000);
            let history = *r.pick(&SF_HISTORIES);
            Flow::tcp_sf(ts, src, (popular(r), port), service, dur, (ob, rb), history)
        } else if roll < 0.85 {
            let ob = r.range(28, 64);
            if r.chance(0.03) {
                Flow {
                    ts,
                    orig_h: src.0,
                    orig_p: src.1,
                    resp_h: RESOLVER,
                    resp_p: 53,
                    proto: Proto::Udp,
                    service: "dns",
                    duration: None,
                    orig_bytes: None,
                    resp_bytes: None,
                    state: "S0",
                    history: "D",
                    orig_pkts: 1,
                    orig_ip_bytes: UDP_HDR + ob,
                    resp_pkts: 0,
                    resp_ip_bytes: 0,
                }
            } else {
                let rb = ob + r.range(16, 260);
                Flow {
                    ts,
                    orig_h: src.0,
                    orig_p: src.1,
                    resp_h: RESOLVER,
                    resp_p: 53,
                    proto: Proto::Udp,
                    service: "dns",
                    duration: Some(r.range(300, 60_000)),
                    orig_bytes: Some(ob),
                    resp_bytes: Some(rb),
                    state: "SF",
                    history: "Dd",
                    orig_pkts: 1,
                    orig_ip_bytes: UDP_HDR + ob,
                    resp_pkts: 1,
                    resp_ip_bytes: UDP_HDR + rb,
                }
            }
        } else if roll < 0.89 {
            let syns = if r.chance(0.3) { r.range(2, 3) } else { 1 };
            Flow::tcp_s0(ts, src, broken(r), syns)
        } else if roll < 0.92 {
            let rtt = r.range(200, 150_000);
            Flow::tcp_rej(ts, src, broken(r), rtt)
        } else if roll < 0.95 {
            let (service, port) = if r.chance(0.7) {
                ("ssl", 443)
            } else {
                ("http", 80)
            };
            let ob = 100 + r.below(2000);
            let rb = r.below(20_000);
            let mut f = Flow::tcp_sf(
                ts,
                src,
                (popular(r), port),
                service,
                r.range(10_000, 30_000_000),
                (ob, rb),
                "ShADadR",
            );
            f.state = "RSTO";
            f
        } else if roll < 0.98 {
            let n = r.range(1, 4);
            let dst = self.pool[r.below(p.min(8)) as usize];
            Flow {
                ts,
                orig_h: src.0,
                orig_p: 8,
                resp_h: dst,
                resp_p: 0,
                proto: Proto::Icmp,
                service: "",
                duration: Some(if n > 1 {
                    (n - 1) * 1_000_000 + r.below(5000)
                } else {
                    0
                }),
                orig_bytes: Some(56 * n),
                resp_bytes: Some(56 * n),
                state: "OTH",
                history: "",
                orig_pkts: n,
                orig_ip_bytes: 84 * n,
                resp_pkts: n,
                resp_ip_bytes: 84 * n,
            }
        } else {
            let dst = self.pool[r.below(p.min(4)) as usize];
            Flow {
                ts,
                orig_h: src.0,
                orig_p: 123,
                resp_h: dst,
                resp_p: 123,
                proto: Proto::Udp,
                service: "ntp",
                duration: Some(r.range(5_000, 80_000)),
                orig_bytes: Some(48),
                resp_bytes: Some(48),
                state: "SF",
                history: "Dd",
                orig_pkts: 1,
                orig_ip_bytes: UDP_HDR + 48,
                resp_pkts: 1,
                resp_ip_bytes: UDP_HDR + 48,
            }
        };
        Some(flow)
    }
}

fn secs(us: u64) -> f64 {
    us as f64 / 1e6
}

/// Attack flows (sorted by ts) and their ground truth.
struct Attacks {
    flows: Vec<Flow>,
    horizontal: Vec<HorizontalScan>,
    vertical: Vec<VerticalScan>,
    beacons: Vec<Beacon>,
}

fn plan_attacks(cfg: &ConnConfig) -> Attacks {
    let mut rng = Rng::stream(cfg.seed, 2);
    let start_us = cfg.start * 1_000_000;
    let dur_us = cfg.duration * 1_000_000;
    let end_us = start_us + dur_us;

    // Distinct attacker hosts.
    let attackers = (cfg.scanners + cfg.vscanners + cfg.beacons) as usize;
    let mut used = HashSet::new();
    let mut hosts = Vec::with_capacity(attackers);
    while hosts.len() < attackers {
        let h = rng.below(u64::from(cfg.hosts)) as u32;
        if used.insert(h) {
            hosts.push(h);
        }
    }
    let mut hosts = hosts.into_iter();
    let mut flows = Vec::new();
    let scan_size = |rng: &mut Rng| {
        cfg.scan_size.unwrap_or_else(|| {
            rng.range(u64::from(SCAN_SIZE_RANGE.0), u64::from(SCAN_SIZE_RANGE.1)) as u32
        })
    };
    // A scan's probes are 20–600 ms apart (less if the log is too short), starting at a
    // random time that leaves room for the whole scan.
    let scan_times = |rng: &mut Rng, n: u32| -> Vec<u64> {
        let max_gap = (600_000u64).min(dur_us / (2 * u64::from(n.max(1)))).max(1);
        let min_gap = (20_000u64).min(max_gap);
        let span = max_gap * u64::from(n);
        let mut t = start_us + rng.below(dur_us.saturating_sub(span).max(1));
        (0..n)
            .map(|_| {
                t += rng.range(min_gap, max_gap);
                t.min(end_us)
            })
            .collect()
    };

    let mut horizontal = Vec::new();
    for _ in 0..cfg.scanners {
        let src = host_ip(hosts.next().expect("attacker hosts"));
        let dport = *rng.pick(&HSCAN_PORTS);
        let n = scan_size(&mut rng);
        let mut seen = HashSet::new();
        let times = scan_times(&mut rng, n);
        for &ts in &times {
            let dst = loop {
                let ip = public_ip(&mut rng);
                if seen.insert(ip) {
                    break ip;
                }
            };
            let o = (src, ephemeral_port(&mut rng));
            flows.push(if rng.chance(0.75) {
                Flow::tcp_s0(ts, o, (dst, dport), if rng.chance(0.2) { 2 } else { 1 })
            } else {
                Flow::tcp_rej(ts, o, (dst, dport), rng.range(5_000, 200_000))
            });
        }
        horizontal.push(HorizontalScan {
            src,
            dport,
            proto: "tcp",
            targets: n,
            flows: u64::from(n),
            first_ts: secs(times[0]),
            last_ts: secs(times[times.len() - 1]),
        });
    }

    let mut vertical = Vec::new();
    for _ in 0..cfg.vscanners {
        let si = hosts.next().expect("attacker hosts");
        let src = host_ip(si);
        let dst = loop {
            let t = rng.below(u64::from(cfg.hosts)) as u32;
            if t != si {
                break host_ip(t);
            }
        };
        let n = scan_size(&mut rng).min(65_535);
        let mut seen = HashSet::new();
        let times = scan_times(&mut rng, n);
        let sport = ephemeral_port(&mut rng);
        for &ts in &times {
            let dport = loop {
                // nmap's default scan covers the low ports most; favour them.
                let p = if rng.chance(0.8) {
                    rng.range(1, 10_000)
                } else {
                    rng.range(1, 65_535)
                } as u16;
                if seen.insert(p) {
                    break p;
                }
            };
            flows.push(if rng.chance(0.85) {
                Flow::tcp_rej(ts, (src, sport), (dst, dport), rng.range(100, 2_000))
            } else {
                Flow::tcp_s0(ts, (src, sport), (dst, dport), 1)
            });
        }
        vertical.push(VerticalScan {
            src,
            dst,
            proto: "tcp",
            ports: n,
            flows: u64::from(n),
            first_ts: secs(times[0]),
            last_ts: secs(times[times.len() - 1]),
        });
    }

    let mut beacons = Vec::new();
    let interval_us = cfg.beacon_interval * 1_000_000;
    for _ in 0..cfg.beacons {
        let src = host_ip(hosts.next().expect("attacker hosts"));
        let dst = public_ip(&mut rng);
        let dport = *rng.pick(&[443u16, 8443, 8080, 80, 4444, 1337]);
        let service = match dport {
            443 | 8443 => "ssl",
            80 | 8080 => "http",
            _ => "",
        };
        let history = *rng.pick(&SF_HISTORIES);
        let ob = rng.range(200, 1500);
        let rb = rng.range(100, 4000);
        let dur = rng.range(50_000, 2_000_000);
        let mut ts = start_us + rng.below(interval_us.min(dur_us).max(1));
        let mut count = 0;
        let first = ts;
        let mut last = ts;
        while ts <= end_us {
            let o = (src, ephemeral_port(&mut rng));
            flows.push(Flow::tcp_sf(
                ts,
                o,
                (dst, dport),
                service,
                rng.jitter(dur, 0.2),
                (rng.jitter(ob, 0.03), rng.jitter(rb, 0.03)),
                history,
            ));
            count += 1;
            last = ts;
            ts += rng.jitter(interval_us, 0.1);
        }
        beacons.push(Beacon {
            src,
            dst,
            dport,
            proto: "tcp",
            interval: cfg.beacon_interval,
            flows: count,
            first_ts: secs(first),
            last_ts: secs(last),
        });
    }

    flows.sort_by_key(|f| f.ts);
    Attacks {
        flows,
        horizontal,
        vertical,
        beacons,
    }
}

/// Checks `cfg` without writing anything; returns the number of flows its attacks need.
///
/// Fails exactly when [`generate_conn`] would fail before writing.
pub fn check(cfg: &ConnConfig) -> Result<u64> {
    validate(cfg)?;
    let attacks = plan_attacks(cfg);
    check_budget(cfg, attacks.flows.len() as u64)
}

fn check_budget(cfg: &ConnConfig, attack_flows: u64) -> Result<u64> {
    if attack_flows > cfg.flows {
        bail!(
            "the attacks need {attack_flows} flows but --flows is {}: raise --flows, or lower --scanners/--vscanners/--scan-size/--beacons, or raise --beacon-interval or shorten --duration",
            cfg.flows
        );
    }
    Ok(attack_flows)
}

fn validate(cfg: &ConnConfig) -> Result<()> {
    if cfg.hosts == 0 || cfg.hosts > MAX_HOSTS {
        bail!("--hosts must be in 1..={MAX_HOSTS}, got {}", cfg.hosts);
    }
    if cfg.duration == 0 {
        bail!("--duration must be at least 1 second");
    }
    if cfg.beacon_interval == 0 {
        bail!("--beacon-interval must be at least 1 second");
    }
    if cfg.scan_size == Some(0) {
        bail!("--scan-size must be at least 1");
    }
    if cfg
        .scan_size
        .is_some_and(|s| cfg.vscanners > 0 && s > 65_535)
    {
        bail!("--scan-size is more than the 65535 ports a vertical scan can probe");
    }
    let attackers = u64::from(cfg.scanners) + u64::from(cfg.vscanners) + u64::from(cfg.beacons);
    let needed = attackers + u64::from(cfg.vscanners > 0);
    if needed > u64::from(cfg.hosts) {
        bail!(
            "{attackers} attackers (scanners, vertical scanners, beacons) need at least {needed} hosts, got --hosts {}",
            cfg.hosts
        );
    }
    Ok(())
}

const UID_ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A Zeek-like uid: `C` followed by 17 base-62 characters.
fn uid(rng: &mut Rng) -> [u8; 18] {
    let mut out = [b'C'; 18];
    let (mut a, mut b) = (rng.next_u64(), rng.next_u64());
    for (i, c) in out[1..].iter_mut().enumerate() {
        let v = if i < 9 { &mut a } else { &mut b };
        *c = UID_ALPHABET[(*v % 62) as usize];
        *v /= 62;
    }
    out
}

fn push_opt_tsv(buf: &mut Vec<u8>, v: Option<u64>, micros: bool) {
    match v {
        Some(v) if micros => push_micros(buf, v),
        Some(v) => push_u64(buf, v),
        None => buf.push(b'-'),
    }
}

fn push_str_tsv(buf: &mut Vec<u8>, s: &str) {
    if s.is_empty() {
        buf.push(b'-');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

fn write_tsv(buf: &mut Vec<u8>, f: &Flow, uid: &[u8; 18]) {
    push_micros(buf, f.ts);
    buf.push(b'\t');
    buf.extend_from_slice(uid);
    buf.push(b'\t');
    push_ipv4(buf, f.orig_h);
    buf.push(b'\t');
    push_u64(buf, u64::from(f.orig_p));
    buf.push(b'\t');
    push_ipv4(buf, f.resp_h);
    buf.push(b'\t');
    push_u64(buf, u64::from(f.resp_p));
    buf.push(b'\t');
    buf.extend_from_slice(f.proto.as_str().as_bytes());
    buf.push(b'\t');
    push_str_tsv(buf, f.service);
    buf.push(b'\t');
    push_opt_tsv(buf, f.duration, true);
    buf.push(b'\t');
    push_opt_tsv(buf, f.orig_bytes, false);
    buf.push(b'\t');
    push_opt_tsv(buf, f.resp_bytes, false);
    buf.push(b'\t');
    buf.extend_from_slice(f.state.as_bytes());
    // local_orig, local_resp unset; missed_bytes 0.
    buf.extend_from_slice(b"\t-\t-\t0\t");
    push_str_tsv(buf, f.history);
    buf.push(b'\t');
    push_u64(buf, f.orig_pkts);
    buf.push(b'\t');
    push_u64(buf, f.orig_ip_bytes);
    buf.push(b'\t');
    push_u64(buf, f.resp_pkts);
    buf.push(b'\t');
    push_u64(buf, f.resp_ip_bytes);
    // tunnel_parents unset.
    buf.extend_from_slice(b"\t-\n");
}

fn write_json(buf: &mut Vec<u8>, f: &Flow, uid: &[u8; 18]) {
    buf.extend_from_slice(b"{\"ts\":");
    push_micros(buf, f.ts);
    buf.extend_from_slice(b",\"uid\":\"");
    buf.extend_from_slice(uid);
    buf.extend_from_slice(b"\",\"id.orig_h\":\"");
    push_ipv4(buf, f.orig_h);
    buf.extend_from_slice(b"\",\"id.orig_p\":");
    push_u64(buf, u64::from(f.orig_p));
    buf.extend_from_slice(b",\"id.resp_h\":\"");
    push_ipv4(buf, f.resp_h);
    buf.extend_from_slice(b"\",\"id.resp_p\":");
    push_u64(buf, u64::from(f.resp_p));
    buf.extend_from_slice(b",\"proto\":\"");
    buf.extend_from_slice(f.proto.as_str().as_bytes());
    buf.push(b'"');
    if !f.service.is_empty() {
        buf.extend_from_slice(b",\"service\":\"");
        buf.extend_from_slice(f.service.as_bytes());
        buf.push(b'"');
    }
    if let Some(d) = f.duration {
        buf.extend_from_slice(b",\"duration\":");
        push_micros(buf, d);
    }
    if let Some(b) = f.orig_bytes {
        buf.extend_from_slice(b",\"orig_bytes\":");
        push_u64(buf, b);
    }
    if let Some(b) = f.resp_bytes {
        buf.extend_from_slice(b",\"resp_bytes\":");
        push_u64(buf, b);
    }
    buf.extend_from_slice(b",\"conn_state\":\"");
    buf.extend_from_slice(f.state.as_bytes());
    buf.extend_from_slice(b"\",\"missed_bytes\":0");
    if !f.history.is_empty() {
        buf.extend_from_slice(b",\"history\":\"");
        buf.extend_from_slice(f.history.as_bytes());
        buf.push(b'"');
    }
    buf.extend_from_slice(b",\"orig_pkts\":");
    push_u64(buf, f.orig_pkts);
    buf.extend_from_slice(b",\"orig_ip_bytes\":");
    push_u64(buf, f.orig_ip_bytes);
    buf.extend_from_slice(b",\"resp_pkts\":");
    push_u64(buf, f.resp_pkts);
    buf.extend_from_slice(b",\"resp_ip_bytes\":");
    push_u64(buf, f.resp_ip_bytes);
    buf.extend_from_slice(b"}\n");
}

/// The TSV header (everything before the first record).
pub fn tsv_header(cfg: &ConnConfig) -> String {
    format!(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t{}\n{FIELDS}\n{TYPES}\n",
        zeek_header_time(cfg.start)
    )
}

/// The TSV footer line.
pub fn tsv_footer(cfg: &ConnConfig) -> String {
    format!(
        "#close\t{}\n",
        zeek_header_time(cfg.start.saturating_add(cfg.duration))
    )
}

const FLUSH_AT: usize = 240 * 1024;

/// Writes a synthetic conn.log for `cfg` to `out` and returns what was written.
///
/// Fails when the configuration is invalid, when the attacks alone need more flows than
/// `cfg.flows`, or when writing fails.
pub fn generate_conn<W: Write>(cfg: &ConnConfig, mut out: W) -> Result<Summary> {
    validate(cfg)?;
    let attacks = plan_attacks(cfg);
    let attack_flows = check_budget(cfg, attacks.flows.len() as u64)?;
    let background_flows = cfg.flows - attack_flows;

    let mut pool_rng = Rng::stream(cfg.seed, 1);
    let pool_size = (cfg.flows / 100).clamp(256, 65_536) as usize;
    let pool: Vec<Ipv4Addr> = (0..pool_size).map(|_| public_ip(&mut pool_rng)).collect();
    let mut bg = Background {
        rng: Rng::stream(cfg.seed, 3),
        k: 0,
        n: background_flows,
        start_us: cfg.start * 1_000_000,
        dur_us: cfg.duration * 1_000_000,
        hosts: cfg.hosts,
        pool: &pool,
    };
    let mut uid_rng = Rng::stream(cfg.seed, 4);

    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    if cfg.format == Format::Tsv {
        buf.extend_from_slice(tsv_header(cfg).as_bytes());
    }
    let mut summary = Summary {
        format: cfg.format,
        seed: cfg.seed,
        flows: 0,
        background_flows,
        attack_flows,
        hosts: cfg.hosts,
        tcp: 0,
        udp: 0,
        icmp: 0,
        first_ts: 0.0,
        last_ts: 0.0,
        horizontal_scanners: attacks.horizontal,
        vertical_scanners: attacks.vertical,
        beacons: attacks.beacons,
    };
    let (mut first, mut last) = (None, 0u64);
    let mut atk = attacks.flows.into_iter().peekable();
    let mut next_bg = bg.next_flow();
    loop {
        let flow = match (&next_bg, atk.peek()) {
            (Some(b), Some(a)) if a.ts < b.ts => atk.next(),
            (Some(_), _) => std::mem::replace(&mut next_bg, bg.next_flow()),
            (None, Some(_)) => atk.next(),
            (None, None) => break,
        };
        let Some(f) = flow else { break };
        let id = uid(&mut uid_rng);
        match cfg.format {
            Format::Tsv => write_tsv(&mut buf, &f, &id),
            Format::Json => write_json(&mut buf, &f, &id),
        }
        summary.flows += 1;
        match f.proto {
            Proto::Tcp => summary.tcp += 1,
            Proto::Udp => summary.udp += 1,
            Proto::Icmp => summary.icmp += 1,
        }
        first.get_or_insert(f.ts);
        last = f.ts;
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    if cfg.format == Format::Tsv {
        buf.extend_from_slice(tsv_footer(cfg).as_bytes());
    }
    out.write_all(&buf)?;
    out.flush()?;
    summary.first_ts = secs(first.unwrap_or(0));
    summary.last_ts = secs(last);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_shape() {
        let mut r = Rng::new(5);
        for _ in 0..1000 {
            let u = uid(&mut r);
            assert_eq!(u[0], b'C');
            assert!(u[1..].iter().all(u8::is_ascii_alphanumeric));
        }
    }

    #[test]
    fn warp_is_monotone_and_bounded() {
        assert_eq!(warp(0.0), 0.0);
        assert_eq!(warp(1.0), 1.0);
        let mut prev = 0.0;
        for i in 0..=10_000 {
            let w = warp(f64::from(i) / 10_000.0);
            assert!(w >= prev && w <= 1.0);
            prev = w;
        }
    }

    #[test]
    fn host_addresses() {
        assert_eq!(host_ip(0), Ipv4Addr::new(10, 0, 1, 1));
        assert_eq!(host_ip(253), Ipv4Addr::new(10, 0, 1, 254));
        assert_eq!(host_ip(254), Ipv4Addr::new(10, 0, 2, 1));
        assert_eq!(host_ip(MAX_HOSTS - 1), Ipv4Addr::new(10, 0, 255, 254));
    }

    #[test]
    fn s0_retransmissions() {
        let o = (Ipv4Addr::new(10, 0, 1, 1), 40000);
        let r = (Ipv4Addr::new(8, 8, 8, 8), 443);
        let one = Flow::tcp_s0(0, o, r, 1);
        assert_eq!((one.duration, one.orig_bytes), (None, None));
        let three = Flow::tcp_s0(0, o, r, 3);
        assert_eq!(three.duration, Some(3_000_000));
        assert_eq!(three.orig_pkts, 3);
    }
}

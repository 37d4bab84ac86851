//! Floods: conn.logs of one hostile shape, for the memory benchmark (`bench/flood.sh`).
//!
//! Every flow is an unanswered SYN (`S0`), spread evenly over `duration` seconds, so a flood
//! that fits in one time window stresses one window's state as hard as possible.

use super::{tsv_footer, tsv_header, uid, write_tsv, ConnConfig, Flow, FLUSH_AT};
use crate::rng::Rng;
use anyhow::{bail, Result};
use std::io::Write;
use std::net::Ipv4Addr;

/// What the flood looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One source (10.0.0.66) to `flows` distinct destination IPs, port 80.
    OneToMany,
    /// `sources` distinct sources (from 100.64.0.0 up) to one server, 10.0.1.1:80.
    ManySources,
    /// 1,000 sources, each to distinct (destination, port) pairs: every flow a new tuple.
    Tuples,
}

/// A flood of `flows` flows.
#[derive(Clone, Debug)]
pub struct FloodConfig {
    pub shape: Shape,
    pub flows: u64,
    /// For [`Shape::ManySources`].
    pub sources: u32,
    pub seed: u64,
    pub start: u64,
    pub duration: u64,
}

fn offset(base: Ipv4Addr, i: u64) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(base).wrapping_add(i as u32))
}

/// The `i`-th flow's (origin, responder).
fn endpoints(c: &FloodConfig, i: u64, rng: &mut Rng) -> ((Ipv4Addr, u16), (Ipv4Addr, u16)) {
    let sport = 1024 + (rng.next_u64() % 64_000) as u16;
    match c.shape {
        Shape::OneToMany => (
            (Ipv4Addr::new(10, 0, 0, 66), sport),
            (offset(Ipv4Addr::new(1, 0, 0, 0), i), 80),
        ),
        Shape::ManySources => (
            (
                offset(Ipv4Addr::new(100, 64, 0, 0), i % u64::from(c.sources)),
                sport,
            ),
            (Ipv4Addr::new(10, 0, 1, 1), 80),
        ),
        Shape::Tuples => {
            // (i % 1000, i / 1000) is distinct for every i: a new (source, destination,
            // port) tuple per flow.
            let (src, k) = (i % 1000, i / 1000);
            (
                (offset(Ipv4Addr::new(10, 1, 0, 0), src), sport),
                (
                    offset(Ipv4Addr::new(1, 0, 0, 0), k / 1000),
                    1 + (k % 1000) as u16,
                ),
            )
        }
    }
}

/// Writes the flood as a Zeek TSV conn.log.
pub fn generate_flood<W: Write>(c: &FloodConfig, mut out: W) -> Result<u64> {
    if c.flows == 0 || c.duration == 0 {
        bail!("a flood needs --flows and --duration above 0");
    }
    if c.shape == Shape::ManySources && c.sources == 0 {
        bail!("--sources must be above 0");
    }
    if c.flows > u64::from(u32::MAX) {
        bail!("at most {} flows", u32::MAX);
    }
    let header = ConnConfig {
        start: c.start,
        duration: c.duration,
        ..ConnConfig::default()
    };
    let mut rng = Rng::stream(c.seed, 7);
    let mut uid_rng = Rng::stream(c.seed, 8);
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 4096);
    buf.extend_from_slice(tsv_header(&header).as_bytes());
    let (start_us, span_us) = (c.start * 1_000_000, c.duration * 1_000_000);
    for i in 0..c.flows {
        let ts = start_us + (u128::from(i) * u128::from(span_us) / u128::from(c.flows)) as u64;
        let (o, r) = endpoints(c, i, &mut rng);
        write_tsv(&mut buf, &Flow::tcp_s0(ts, o, r, 1), &uid(&mut uid_rng));
        if buf.len() >= FLUSH_AT {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(tsv_footer(&header).as_bytes());
    out.write_all(&buf)?;
    out.flush()?;
    Ok(c.flows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn lines(shape: Shape, flows: u64) -> Vec<Vec<String>> {
        let c = FloodConfig {
            shape,
            flows,
            sources: 7,
            seed: 1,
            start: 1_700_000_000,
            duration: 60,
        };
        let mut out = Vec::new();
        generate_flood(&c, &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn shapes_have_the_promised_cardinalities() {
        let n = 3000;
        let one = lines(Shape::OneToMany, n);
        assert_eq!(one.len(), n as usize);
        assert_eq!(one.iter().map(|f| &f[2]).collect::<HashSet<_>>().len(), 1);
        assert_eq!(
            one.iter().map(|f| &f[4]).collect::<HashSet<_>>().len(),
            n as usize
        );
        let many = lines(Shape::ManySources, n);
        assert_eq!(many.iter().map(|f| &f[2]).collect::<HashSet<_>>().len(), 7);
        let t = lines(Shape::Tuples, n);
        let tuples: HashSet<_> = t.iter().map(|f| (&f[2], &f[4], &f[5])).collect();
        assert_eq!(tuples.len(), n as usize);
        // Time goes forward and stays inside the duration.
        let ts: Vec<f64> = t.iter().map(|f| f[0].parse().unwrap()).collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]));
        assert!(ts[0] >= 1_700_000_000.0 && *ts.last().unwrap() < 1_700_000_060.0);
    }
}

//! nfdump files, read through the `nfdump` program.
//!
//! slips runs `nfdump -r FILE -q -N -o pipe` and parses its output. The `pipe` format is the
//! best machine format of nfdump 1.7: times in milliseconds since the epoch (the `csv`
//! format of 1.7.1 has whole seconds only, in the local time zone), full IPv6 addresses
//! and the TCP flags as a number. Its 22 fields are
//! `af|first|last|proto|sa0|sa1|sa2|sa3|sport|da0|da1|da2|da3|dport|src_as|dst_as|in|out|flags|tos|packets|bytes`
//! (addresses as four 32-bit words; IPv4 in the last one).
//!
//! Records of nfdump files are unidirectional: the reply of a connection is a record of its
//! own. slips pairs them itself (`nfdump -b` keeps the flags of one direction only, which
//! would lose the answer of a handshake): a record whose reverse 5-tuple is waiting,
//! started within [`PAIR_WINDOW_MS`] of the waiting record's end, becomes its reply. The
//! originator is the earlier record (at the same millisecond, the one with a SYN and no
//! ACK). A record waits at most [`HOLD_MS`] of event time, or until [`MAX_PENDING`] records
//! wait, and records leave in start-time order. The state comes from the flags of both
//! sides ([`ConnState::from_tcp_flags`]) for TCP, and from whether there was a reply
//! ([`ConnState::from_reply`]) for the others: unlike Slips, a completed handshake is
//! established. A lone TCP reset from the lower port (its request is not in the file) is
//! read from the other side: a rejected attempt to that port. ICMP: nfdump puts `type * 256 + code` in the destination port; it becomes
//! Zeek's source port = type, destination port = code.

use crate::error::{LineError, OpenError};
use crate::source::{Finisher, LineParser, LineSource, Parsed};
use crate::text::flow_uid;
use foldhash::HashMap;
use slips_core::{Conn, ConnState, Flow, Proto, Record, Str, TcpFlags, Timestamp};
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A reply must start within this many milliseconds of the end of the record it answers.
pub const PAIR_WINDOW_MS: i64 = 60_000;
/// A record waits at most this long (event time, milliseconds) for its reply.
pub const HOLD_MS: i64 = 120_000;
/// Most records waiting for a reply; beyond it the oldest leaves unpaired.
pub const MAX_PENDING: usize = 200_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    proto: u8,
    sa: IpAddr,
    sp: u16,
    da: IpAddr,
    dp: u16,
}

impl Key {
    fn reversed(self) -> Key {
        Key {
            sa: self.da,
            sp: self.dp,
            da: self.sa,
            dp: self.sp,
            ..self
        }
    }
}

/// One unidirectional nfdump record.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Uni {
    first: i64,
    last: i64,
    key: Key,
    flags: TcpFlags,
    pkts: u64,
    bytes: u64,
}

#[derive(Debug)]
struct Pair {
    fwd: Uni,
    rev: Option<Uni>,
}

/// Parser of `nfdump -o pipe` lines, pairing records into bidirectional flows.
#[derive(Debug, Default)]
pub struct NfdumpParser {
    /// Waiting records by (start, arrival number).
    pending: BTreeMap<(i64, u64), Pair>,
    /// Waiting records without a reply, by their 5-tuple.
    index: HashMap<Key, (i64, u64)>,
    seq: u64,
    /// Largest start time seen.
    now: i64,
}

fn field<'a>(f: &[&'a str], i: usize) -> &'a str {
    f.get(i).copied().unwrap_or("").trim()
}

fn num<T: std::str::FromStr>(name: &'static str, s: &str) -> Result<T, LineError> {
    s.parse()
        .map_err(|_| LineError::field(name, s, "not an unsigned integer"))
}

fn addr(name: &'static str, af: u32, words: [&str; 4]) -> Result<IpAddr, LineError> {
    let mut w = [0u32; 4];
    for (o, s) in w.iter_mut().zip(words) {
        *o = num(name, s)?;
    }
    Ok(match af {
        2 => IpAddr::V4(Ipv4Addr::from(w[3])),
        10 => {
            let mut b = [0u8; 16];
            for (i, x) in w.iter().enumerate() {
                b[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => {
            return Err(LineError::field(
                "af",
                &af.to_string(),
                "unknown address family",
            ))
        }
    })
}

fn proto_of(n: u8) -> Proto {
    match n {
        1 => Proto::Icmp,
        2 => Proto::Igmp,
        6 => Proto::Tcp,
        17 => Proto::Udp,
        47 => Proto::Gre,
        50 => Proto::Esp,
        58 => Proto::Icmp6,
        _ => Proto::Other,
    }
}

/// Parses one `-o pipe` line.
fn parse_uni(line: &str) -> Result<Uni, LineError> {
    let f: Vec<&str> = line.split('|').collect();
    if f.len() != 22 {
        return Err(LineError::ColumnCount {
            expected: 22,
            found: f.len(),
        });
    }
    let af: u32 = num("af", field(&f, 0))?;
    let first: i64 = num("first", field(&f, 1))?;
    let last: i64 = num("last", field(&f, 2))?;
    if !(0..=i64::MAX / 2).contains(&first) || !(0..=i64::MAX / 2).contains(&last) {
        return Err(LineError::field("first", field(&f, 1), "out of range"));
    }
    let proto: u8 = num("proto", field(&f, 3))?;
    let sa = addr(
        "src_addr",
        af,
        [field(&f, 4), field(&f, 5), field(&f, 6), field(&f, 7)],
    )?;
    let sp: u16 = num("src_port", field(&f, 8))?;
    let da = addr(
        "dst_addr",
        af,
        [field(&f, 9), field(&f, 10), field(&f, 11), field(&f, 12)],
    )?;
    let dp: u16 = num("dst_port", field(&f, 13))?;
    let flags: u8 = num("flags", field(&f, 18))?;
    let pkts: u64 = num("packets", field(&f, 20))?;
    let bytes: u64 = num("bytes", field(&f, 21))?;
    Ok(Uni {
        first,
        last: last.max(first),
        key: Key {
            proto,
            sa,
            sp,
            da,
            dp,
        },
        flags: TcpFlags(flags),
        pkts,
        bytes,
    })
}

/// Looks like the first packet of a handshake: SYN without ACK.
fn opener(u: &Uni) -> bool {
    u.flags.has(TcpFlags::SYN) && !u.flags.has(TcpFlags::ACK)
}

/// An unpaired TCP record that is a reset sent by a server (RST without SYN, from the lower
/// port): the reply of a connection whose request is not in the file. It is read from the
/// other side, as Zeek does when it sees a reply first.
fn lone_reply(p: &Pair) -> bool {
    let f = &p.fwd;
    p.rev.is_none()
        && f.key.proto == 6
        && f.flags.has(TcpFlags::RST)
        && !f.flags.has(TcpFlags::SYN)
        && f.key.sp < f.key.dp
}

fn to_flow(mut p: Pair) -> Flow {
    if lone_reply(&p) {
        let r = p.fwd;
        p.fwd = Uni {
            key: r.key.reversed(),
            flags: TcpFlags(0),
            pkts: 0,
            bytes: 0,
            ..r
        };
        p.rev = Some(r);
    }
    let Pair { fwd, rev } = p;
    let proto = proto_of(fwd.key.proto);
    let ts = Timestamp::from_secs(fwd.first as f64 / 1000.0);
    let end = rev.map_or(fwd.last, |r| r.last.max(fwd.last));
    let state = if proto == Proto::Tcp {
        ConnState::from_tcp_flags(fwd.flags, rev.map_or(TcpFlags(0), |r| r.flags))
    } else {
        ConnState::from_reply(proto, rev.is_some())
    };
    let (sport, dport) = if proto.is_icmp() {
        (fwd.key.dp >> 8, fwd.key.dp & 0xff)
    } else {
        (fwd.key.sp, fwd.key.dp)
    };
    let (sa, da) = (Some(fwd.key.sa), Some(fwd.key.da));
    let (dpkts, dbytes) = rev.map_or((0, 0), |r| (r.pkts, r.bytes));
    Record::Conn(Conn {
        ts,
        uid: flow_uid('N', proto, sa, sport, da, dport, ts),
        saddr: sa,
        sport,
        daddr: da,
        dport,
        proto: Some(proto),
        service: None,
        duration: (end - fwd.first) as f64 / 1000.0,
        sbytes: fwd.bytes,
        dbytes,
        state,
        history: Str::default(),
        spkts: fwd.pkts,
        dpkts,
        sip_bytes: fwd.bytes,
        dip_bytes: dbytes,
        missed_bytes: 0,
        smac: None,
        dmac: None,
    })
    .into()
}

impl NfdumpParser {
    pub fn new() -> NfdumpParser {
        NfdumpParser::default()
    }

    fn add(&mut self, u: Uni) {
        self.now = self.now.max(u.first);
        if let Some(&slot) = self.index.get(&u.key.reversed()) {
            if let Some(p) = self.pending.get_mut(&slot) {
                let fits = u.first >= p.fwd.first - PAIR_WINDOW_MS
                    && u.first <= p.fwd.last + PAIR_WINDOW_MS;
                if p.rev.is_none() && fits {
                    self.index.remove(&u.key.reversed());
                    let swap = u.first < p.fwd.first
                        || (u.first == p.fwd.first && opener(&u) && !opener(&p.fwd));
                    if swap {
                        let old = std::mem::replace(&mut p.fwd, u);
                        p.rev = Some(old);
                        // Keep the pair under its earlier start.
                        if u.first < slot.0 {
                            if let Some(p) = self.pending.remove(&slot) {
                                self.pending.insert((u.first, slot.1), p);
                            }
                        }
                    } else {
                        p.rev = Some(u);
                    }
                    return;
                }
            }
        }
        self.seq += 1;
        let slot = (u.first, self.seq);
        self.index.insert(u.key, slot);
        self.pending.insert(slot, Pair { fwd: u, rev: None });
    }

    /// Moves the records that waited long enough (or all) to `out`, in start order.
    fn release(&mut self, out: &mut VecDeque<Flow>, all: bool) {
        loop {
            let len = self.pending.len();
            let Some(entry) = self.pending.first_entry() else {
                break;
            };
            let slot = *entry.key();
            if !(all || slot.0 + HOLD_MS < self.now || len > MAX_PENDING) {
                break;
            }
            let p = entry.remove();
            if self.index.get(&p.fwd.key) == Some(&slot) {
                self.index.remove(&p.fwd.key);
            }
            out.push_back(to_flow(p));
        }
    }
}

impl LineParser for NfdumpParser {
    fn format(&self) -> &'static str {
        "nfdump"
    }

    fn parse(&mut self, line: &[u8], out: &mut VecDeque<Flow>) -> Result<Parsed, LineError> {
        let line = std::str::from_utf8(line).map_err(|_| LineError::Utf8)?;
        let u = parse_uni(line.trim())?;
        self.add(u);
        self.release(out, false);
        Ok(Parsed::Records)
    }

    fn finish(&mut self, out: &mut VecDeque<Flow>) {
        self.release(out, true);
    }
}

/// Waits for the `nfdump` child and reports a failure with what it wrote on stderr.
struct Child2 {
    child: Child,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Finisher for Child2 {
    fn finish(&mut self) -> Option<String> {
        let status = self.child.wait();
        let err = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        match status {
            Ok(s) if s.success() => None,
            Ok(s) => Some(format!("nfdump failed ({s}): {}", err.trim())),
            Err(e) => Some(format!("nfdump could not be waited for: {e}")),
        }
    }
}

/// The program run for nfdump files (`nfdump`, or `$SLIPS_NFDUMP` when set).
pub fn nfdump_program() -> std::ffi::OsString {
    std::env::var_os("SLIPS_NFDUMP").unwrap_or_else(|| "nfdump".into())
}

/// Opens an nfdump file: starts `nfdump -r FILE -q -N -o pipe` and parses its output as it
/// comes.
pub fn open_nfdump(path: &Path) -> Result<LineSource, OpenError> {
    open_nfdump_with(&nfdump_program(), path)
}

/// [`open_nfdump`] with another program than `nfdump` (tests, unusual installs).
pub fn open_nfdump_with(program: &std::ffi::OsStr, path: &Path) -> Result<LineSource, OpenError> {
    let size = std::fs::metadata(path)
        .map_err(|e| OpenError::io(path, e))?
        .len();
    let mut child = Command::new(program)
        .arg("-r")
        .arg(path)
        .args(["-q", "-N", "-o", "pipe"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| OpenError::NfdumpMissing {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| OpenError::NfdumpMissing {
            path: path.to_path_buf(),
            reason: "no output pipe".into(),
        })?;
    // Drain stderr on the side (bounded to 64 KiB) so nfdump never blocks on it.
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = (&mut e).take(64 << 10).read_to_end(&mut s);
            let _ = std::io::copy(&mut e, &mut std::io::sink());
            String::from_utf8_lossy(&s).into_owned()
        })
    });
    let src = LineSource::new(
        path,
        Box::new(BufReader::with_capacity(256 << 10, stdout)),
        Box::new(NfdumpParser::new()),
        size,
    )
    .with_finisher(Box::new(Child2 { child, stderr }), size);
    Ok(src)
}

#[cfg(test)]
mod tests;

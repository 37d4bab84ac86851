//! Argus flows: binetflow files (comma or tab separated, columns found by the header line),
//! headerless lines in Slips' fixed column order, and `ra`'s default text output.
//!
//! * Header-driven: the first line naming `StartTime` and `SrcAddr` (any case, any order;
//!   CTU's `StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,
//!   TotBytes,SrcBytes,SrcPkts,Label` and variants without some columns; `ra -c ,` output).
//! * Headerless comma or tab separated lines (`ra -c , ...` piped in): Slips' fixed order
//!   `StartTime Dur Proto SrcAddr Sport Dir DstAddr Dport State sTos dTos TotPkts TotBytes
//!   SrcBytes SrcPkts Label`.
//! * `ra`'s default text output (whitespace aligned, header `StartTime Flgs Proto SrcAddr
//!   Sport Dir DstAddr Dport TotPkts TotBytes State`, addresses written `addr.port`, only the
//!   time of day): read on a best-effort basis; the date is taken as 1970-01-01 (each time
//!   the clock goes back by more than 12 hours a day is added). `ra` truncates long IPv6
//!   addresses with `*` in this format: such lines are reported as malformed. Prefer
//!   `ra -n -c , -u -s stime dur proto saddr sport dir daddr dport state stos dtos pkts bytes
//!   sbytes spkts`. (Delimited lines with only the time of day are read the same way.)
//!
//! Timestamps are read as UTC. States go through [`ConnState::interpret`] (Argus states,
//! and also Zeek states and TCP flag strings, which converted files carry); ICMP "ports" are
//! Argus' `0xCCTT` (code, type): they become Zeek's convention, source port = ICMP type and
//! destination port = ICMP code. The `Label` column fills [`Flow::label`]. ARP flows between
//! IP addresses are connections of protocol `arp`, as Slips reads them; link-layer flows
//! without IP addresses (`llc`, `man`, ARP by MAC) are counted and not analysed. Argus has no flow id:
//! the uid is a stable hash of protocol, addresses, ports and start time.

use crate::error::LineError;
use crate::source::{LineParser, Parsed};
use crate::text::{duration, flow_uid, ip, parse_time, parse_time_of_day, port, uint};
use slips_core::{Conn, ConnState, Flow, GroundTruth, Mac, Proto, Record, Str, Timestamp};
use std::collections::VecDeque;

/// The columns slips reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Start,
    End,
    Dur,
    Proto,
    Saddr,
    Sport,
    Dir,
    Daddr,
    Dport,
    State,
    Pkts,
    Bytes,
    SBytes,
    DBytes,
    SPkts,
    DPkts,
    Label,
    AppProto,
    SMac,
    DMac,
    Other,
}

impl Col {
    /// Column of a header name (case-insensitive; Argus' `ra -s` names and Slips' substrings).
    fn lookup(name: &str) -> Col {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "starttime" | "stime" | "start" => Col::Start,
            "lasttime" | "ltime" | "endtime" => Col::End,
            "dur" | "duration" => Col::Dur,
            "proto" => Col::Proto,
            "srcaddr" | "saddr" => Col::Saddr,
            "sport" => Col::Sport,
            "dir" => Col::Dir,
            "dstaddr" | "daddr" => Col::Daddr,
            "dport" => Col::Dport,
            "state" => Col::State,
            "totpkts" | "pkts" => Col::Pkts,
            "totbytes" | "bytes" => Col::Bytes,
            "srcbytes" | "sbytes" => Col::SBytes,
            "dstbytes" | "dbytes" => Col::DBytes,
            "srcpkts" | "spkts" => Col::SPkts,
            "dstpkts" | "dpkts" => Col::DPkts,
            "label" => Col::Label,
            "appproto" => Col::AppProto,
            "srcmac" | "smac" => Col::SMac,
            "dstmac" | "dmac" => Col::DMac,
            _ if n.contains("srca") => Col::Saddr,
            _ if n.contains("dsta") => Col::Daddr,
            _ => Col::Other,
        }
    }
}

/// Slips' fixed order for headerless lines.
const FIXED: [Col; 16] = [
    Col::Start,
    Col::Dur,
    Col::Proto,
    Col::Saddr,
    Col::Sport,
    Col::Dir,
    Col::Daddr,
    Col::Dport,
    Col::State,
    Col::Other,
    Col::Other,
    Col::Pkts,
    Col::Bytes,
    Col::SBytes,
    Col::SPkts,
    Col::Label,
];

/// Fewest columns of a headerless line: up to `State`.
const FIXED_MIN: usize = 9;

/// `ra`'s default text columns.
const RA_TEXT: [&str; 11] = [
    "starttime",
    "flgs",
    "proto",
    "srcaddr",
    "sport",
    "dir",
    "dstaddr",
    "dport",
    "totpkts",
    "totbytes",
    "state",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// Before the first data line.
    Unknown,
    /// Delimited, columns from a header line.
    Header(u8),
    /// Delimited, Slips' fixed order.
    Fixed(u8),
    /// `ra`'s whitespace-aligned default output.
    RaText,
}

/// Parser of Argus lines. See the module documentation.
#[derive(Debug)]
pub struct ArgusParser {
    layout: Layout,
    cols: Vec<Col>,
    /// `ra` text: days added to the time of day, and the last time of day.
    day: i64,
    last_tod: Option<f64>,
}

impl Default for ArgusParser {
    fn default() -> Self {
        ArgusParser::new()
    }
}

/// Protocols of flows that are not IP traffic.
fn non_ip(proto: &str) -> bool {
    matches!(
        proto.trim().to_ascii_lowercase().as_str(),
        "arp" | "rarp" | "llc" | "man" | "lldp" | "stp" | "ipx" | "ipx/spx" | "8021q" | "wlan"
    )
}

/// Values of one line, by column.
#[derive(Default)]
struct Fields<'a> {
    start: Option<&'a str>,
    end: Option<&'a str>,
    dur: Option<&'a str>,
    proto: Option<&'a str>,
    saddr: Option<&'a str>,
    sport: Option<&'a str>,
    daddr: Option<&'a str>,
    dport: Option<&'a str>,
    state: Option<&'a str>,
    pkts: Option<&'a str>,
    bytes: Option<&'a str>,
    sbytes: Option<&'a str>,
    dbytes: Option<&'a str>,
    spkts: Option<&'a str>,
    dpkts: Option<&'a str>,
    label: Option<&'a str>,
    appproto: Option<&'a str>,
    smac: Option<&'a str>,
    dmac: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn set(&mut self, c: Col, v: &'a str) {
        let slot = match c {
            Col::Start => &mut self.start,
            Col::End => &mut self.end,
            Col::Dur => &mut self.dur,
            Col::Proto => &mut self.proto,
            Col::Saddr => &mut self.saddr,
            Col::Sport => &mut self.sport,
            Col::Daddr => &mut self.daddr,
            Col::Dport => &mut self.dport,
            Col::State => &mut self.state,
            Col::Pkts => &mut self.pkts,
            Col::Bytes => &mut self.bytes,
            Col::SBytes => &mut self.sbytes,
            Col::DBytes => &mut self.dbytes,
            Col::SPkts => &mut self.spkts,
            Col::DPkts => &mut self.dpkts,
            Col::Label => &mut self.label,
            Col::AppProto => &mut self.appproto,
            Col::SMac => &mut self.smac,
            Col::DMac => &mut self.dmac,
            Col::Dir | Col::Other => return,
        };
        *slot = Some(v);
    }
}

fn is_header(fields: &[&str]) -> bool {
    let cols: Vec<Col> = fields.iter().map(|f| Col::lookup(f)).collect();
    cols.contains(&Col::Start) && (cols.contains(&Col::Saddr) || cols.contains(&Col::Daddr))
}

fn split(line: &str, delim: u8) -> Vec<&str> {
    line.split(delim as char).collect()
}

fn delimiter(line: &str) -> Option<u8> {
    if line.contains('\t') {
        Some(b'\t')
    } else if line.contains(',') {
        Some(b',')
    } else {
        None
    }
}

impl ArgusParser {
    pub fn new() -> ArgusParser {
        ArgusParser {
            layout: Layout::Unknown,
            cols: Vec::new(),
            day: 0,
            last_tod: None,
        }
    }

    /// Sets up the layout from the first non-empty line; returns true if it was a header.
    fn learn(&mut self, line: &str) -> Result<bool, LineError> {
        match delimiter(line) {
            Some(d) => {
                let fields = split(line, d);
                if is_header(&fields) {
                    self.cols = fields.iter().map(|f| Col::lookup(f)).collect();
                    self.check_header()?;
                    self.layout = Layout::Header(d);
                    Ok(true)
                } else {
                    self.cols = FIXED.to_vec();
                    self.layout = Layout::Fixed(d);
                    Ok(false)
                }
            }
            None => {
                let names: Vec<String> = line
                    .split_ascii_whitespace()
                    .map(|s| s.to_ascii_lowercase())
                    .collect();
                if names.iter().map(String::as_str).eq(RA_TEXT) {
                    self.layout = Layout::RaText;
                    Ok(true)
                } else {
                    Err(LineError::Header(
                        "expected a binetflow header (StartTime,...,SrcAddr,...), comma or tab \
                         separated flows in Slips' column order, or ra's default text output"
                            .into(),
                    ))
                }
            }
        }
    }

    fn check_header(&self) -> Result<(), LineError> {
        for (c, name) in [
            (Col::Start, "StartTime"),
            (Col::Proto, "Proto"),
            (Col::Saddr, "SrcAddr"),
            (Col::Daddr, "DstAddr"),
        ] {
            if !self.cols.contains(&c) {
                return Err(LineError::Header(format!("no `{name}` column")));
            }
        }
        Ok(())
    }

    /// A start time: a date and time, epoch seconds, or (`ra` without `-u` and without a
    /// date format) only the time of day, counted from 1970-01-01 with a day added each
    /// time the clock goes back by more than 12 hours.
    fn start_time(&mut self, s: &str) -> Option<Timestamp> {
        if let Some(t) = parse_time(s) {
            return Some(t);
        }
        let tod = parse_time_of_day(s)?;
        if let Some(last) = self.last_tod {
            if tod + 43_200.0 < last {
                self.day += 1;
            }
        }
        self.last_tod = Some(tod);
        Timestamp::new(self.day as f64 * 86_400.0 + tod)
    }

    fn delimited(&mut self, line: &str, d: u8, fixed: bool) -> Result<Option<Flow>, LineError> {
        let values = split(line, d);
        let expected = self.cols.len();
        let found = values.len();
        let ok = if fixed {
            (FIXED_MIN..=FIXED.len()).contains(&found)
        } else {
            // A missing trailing empty Label is tolerated.
            found == expected || (found + 1 == expected && self.cols.last() == Some(&Col::Label))
        };
        if !ok {
            return Err(LineError::ColumnCount { expected, found });
        }
        let mut f = Fields::default();
        for (c, v) in self.cols.iter().zip(values) {
            f.set(*c, v);
        }
        let ts = f.start.unwrap_or("");
        let ts = self
            .start_time(ts)
            .ok_or_else(|| LineError::field("StartTime", ts, "not a timestamp"))?;
        build(f, ts)
    }

    fn ra_text(&mut self, line: &str) -> Result<Option<Flow>, LineError> {
        let tokens: Vec<&str> = line.split_ascii_whitespace().collect();
        let first = tokens.first().copied().unwrap_or("");
        // Date and time, epoch seconds, or the time of day.
        let (ts, mut i) = if let Some(t) = tokens
            .get(1)
            .and_then(|t2| parse_time(&format!("{first} {t2}")))
        {
            (t, 2)
        } else if let Some(t) = self.start_time(first) {
            (t, 1)
        } else {
            return Err(LineError::field("StartTime", first, "not a timestamp"));
        };
        // Flags (zero or more tokens) until the protocol.
        while i < tokens.len() && !is_proto_token(tokens[i]) {
            i += 1;
        }
        let n = tokens.len();
        if i + 6 > n {
            return Err(LineError::ColumnCount {
                expected: RA_TEXT.len(),
                found: n,
            });
        }
        let proto = tokens[i];
        if non_ip(proto) {
            return Ok(None);
        }
        let dir = (i + 2..n - 3)
            .find(|&k| is_dir_token(tokens[k]))
            .ok_or(LineError::Missing("Dir"))?;
        let (saddr, sport) = addr_port(&tokens[i + 1..dir]);
        let (daddr, dport) = addr_port(&tokens[dir + 1..n - 3]);
        let f = Fields {
            proto: Some(proto),
            saddr: Some(saddr),
            sport: Some(sport),
            daddr: Some(daddr),
            dport: Some(dport),
            pkts: Some(tokens[n - 3]),
            bytes: Some(tokens[n - 2]),
            state: Some(tokens[n - 1]),
            ..Fields::default()
        };
        build(f, ts)
    }
}

fn is_proto_token(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    Proto::parse(&l) != Proto::Other
        || non_ip(&l)
        || l.starts_with("ipv6")
        || matches!(
            l.as_str(),
            "sctp" | "pim" | "ospf" | "rtp" | "rtcp" | "udt" | "ipnip"
        )
        || (!l.is_empty() && l.len() <= 3 && l.bytes().all(|c| c.is_ascii_digit()))
}

fn is_dir_token(t: &str) -> bool {
    matches!(
        t,
        "->" | "<-" | "<->" | "<?>" | "?>" | "<?" | "who" | "|>" | "<|" | "<|>"
    )
}

/// `192.168.2.1.5353` → address and port; one or two tokens.
fn addr_port<'a>(tokens: &[&'a str]) -> (&'a str, &'a str) {
    match tokens {
        [a, p] => (a, p),
        [a] => {
            if a.parse::<std::net::IpAddr>().is_ok() {
                (a, "")
            } else {
                a.rsplit_once('.').unwrap_or((a, ""))
            }
        }
        _ => ("", ""),
    }
}

/// Builds the flow; `Ok(None)` for flows of non-IP protocols.
fn build(f: Fields, ts: Timestamp) -> Result<Option<Flow>, LineError> {
    let proto_s = f.proto.unwrap_or("").trim();
    if proto_s.is_empty() {
        return Err(LineError::Missing("Proto"));
    }
    let proto = Proto::parse(proto_s);
    let addrs = (
        ip("SrcAddr", f.saddr.unwrap_or("")),
        ip("DstAddr", f.daddr.unwrap_or("")),
    );
    let (saddr, daddr) = match addrs {
        (Ok(s), Ok(d)) => (s, d),
        // Link-layer flows (MAC addresses, Argus' management records): not IP traffic.
        _ if non_ip(proto_s) => return Ok(None),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let mut sport = port("Sport", f.sport.unwrap_or(""))?;
    let mut dport = port("Dport", f.dport.unwrap_or(""))?;
    if proto.is_icmp() {
        // Argus: 0xCCTT (code, type) in the source port; the destination port is the ICMP id.
        dport = sport >> 8;
        sport &= 0xff;
    }
    let mut duration = f
        .dur
        .map(|d| duration("Dur", d))
        .transpose()?
        .unwrap_or(0.0);
    if let (0.0, Some(end)) = (duration, f.end) {
        if let Some(e) = parse_time(end) {
            duration = (e.secs() - ts.secs()).max(0.0);
        }
    }
    let pkts = f.pkts.map(|v| uint("TotPkts", v)).transpose()?;
    let bytes = f.bytes.map(|v| uint("TotBytes", v)).transpose()?;
    let spkts = f.spkts.map(|v| uint("SrcPkts", v)).transpose()?;
    let dpkts = f.dpkts.map(|v| uint("DstPkts", v)).transpose()?;
    let sbytes = f.sbytes.map(|v| uint("SrcBytes", v)).transpose()?;
    let dbytes = f.dbytes.map(|v| uint("DstBytes", v)).transpose()?;
    let (spkts, dpkts) = split_total(pkts, spkts, dpkts);
    let (sbytes, dbytes) = split_total(bytes, sbytes, dbytes);
    let total_pkts = spkts.saturating_add(dpkts);
    let state_s = f.state.unwrap_or("").trim();
    let state = ConnState::interpret(state_s, total_pkts).ok_or_else(|| {
        LineError::field(
            "State",
            state_s,
            "not a connection state (Zeek, Argus or TCP flags)",
        )
    })?;
    let mac = |field: &'static str, v: Option<&str>| -> Result<Option<Mac>, LineError> {
        match v.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| LineError::field(field, s, "not a MAC address")),
        }
    };
    let smac = mac("SrcMac", f.smac)?;
    let dmac = mac("DstMac", f.dmac)?;
    let (sport, dport) = (sport as u16, dport as u16);
    let uid = flow_uid('A', proto, Some(saddr), sport, Some(daddr), dport, ts);
    let service = f
        .appproto
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-")
        .map(Str::from);
    let conn = Conn {
        ts,
        uid,
        saddr: Some(saddr),
        sport,
        daddr: Some(daddr),
        dport,
        proto: Some(proto),
        service,
        duration,
        sbytes,
        dbytes,
        state,
        history: Str::default(),
        spkts,
        dpkts,
        sip_bytes: sbytes,
        dip_bytes: dbytes,
        missed_bytes: 0,
        smac,
        dmac,
    };
    let label = f.label.map(str::trim).filter(|s| !s.is_empty()).map(|l| {
        Box::new(GroundTruth {
            label: l.into(),
            detailed_label: None,
        })
    });
    Ok(Some(Flow {
        record: Record::Conn(conn),
        label,
    }))
}

/// Source and destination shares of a total: from the per-side columns when present, else
/// the total minus the other side, else all on the source side.
fn split_total(total: Option<u64>, src: Option<u64>, dst: Option<u64>) -> (u64, u64) {
    match (total, src, dst) {
        (_, Some(s), Some(d)) => (s, d),
        (Some(t), Some(s), None) => (s, t.saturating_sub(s)),
        (Some(t), None, Some(d)) => (t.saturating_sub(d), d),
        (Some(t), None, None) => (t, 0),
        (None, s, d) => (s.unwrap_or(0), d.unwrap_or(0)),
    }
}

/// Counted name of flows of non-IP protocols.
pub const IGNORED_NON_IP: &str = "argus link-layer flows without IP addresses (llc, man...)";

impl LineParser for ArgusParser {
    fn format(&self) -> &'static str {
        "argus"
    }

    fn parse(&mut self, line: &[u8], out: &mut VecDeque<Flow>) -> Result<Parsed, LineError> {
        let line = std::str::from_utf8(line).map_err(|_| LineError::Utf8)?;
        if line.trim_start().starts_with('#') {
            return Ok(Parsed::Header);
        }
        if self.layout == Layout::Unknown && self.learn(line)? {
            return Ok(Parsed::Header);
        }
        let flow = match self.layout {
            Layout::Header(d) if is_header(&split(line, d)) => return Ok(Parsed::Header),
            Layout::Header(d) => self.delimited(line, d, false)?,
            Layout::Fixed(d) => self.delimited(line, d, true)?,
            Layout::RaText => self.ra_text(line)?,
            Layout::Unknown => return Err(LineError::Header("no header".into())),
        };
        match flow {
            Some(f) => {
                out.push_back(f);
                Ok(Parsed::Records)
            }
            None => Ok(Parsed::Ignored(IGNORED_NON_IP)),
        }
    }
}

#[cfg(test)]
mod tests;

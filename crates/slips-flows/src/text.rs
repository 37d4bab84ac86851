//! Small value parsers shared by the flow formats: timestamps, addresses, numbers, ports,
//! and a stable hash for generated uids.

use crate::error::LineError;
use slips_core::{Str, Timestamp};
use std::net::IpAddr;

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian calendar).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
}

/// `HH:MM:SS[.ffffff]` → seconds since midnight.
fn time_of_day(s: &[u8]) -> Option<f64> {
    if s.len() < 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let h = num(&s[0..2])?;
    let m = num(&s[3..5])?;
    let sec = num(&s[6..8])?;
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let frac = match &s[8..] {
        [] => 0.0,
        [b'.', digits @ ..] if !digits.is_empty() && digits.len() <= 9 => {
            num(digits)? as f64 / 10f64.powi(digits.len() as i32)
        }
        _ => return None,
    };
    Some((h * 3600 + m * 60 + sec) as f64 + frac)
}

/// `YYYY/MM/DD` or `YYYY-MM-DD` → days since the epoch.
fn date(s: &[u8]) -> Option<i64> {
    if s.len() != 10 || !matches!(s[4], b'/' | b'-') || s[7] != s[4] {
        return None;
    }
    let y = num(&s[0..4])?;
    let m = num(&s[5..7])?;
    let d = num(&s[8..10])?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Timestamps as flow tools write them, all read as UTC:
/// `2019/04/04 16:23:00.325010` (Argus), `2019-04-04 16:23:00.325`, ISO 8601 with `T` and an
/// optional `Z` / `+hhmm` / `+hh:mm` offset (Suricata), or seconds since the epoch
/// (`ra -u`). `None` for anything else.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.first().is_some_and(|c| c.is_ascii_digit())
        && b.get(4).is_some_and(|c| *c == b'/' || *c == b'-')
    {
        let days = date(b.get(..10)?)?;
        let rest = b.get(10..)?;
        let (sep, rest) = rest.split_first()?;
        if *sep != b' ' && *sep != b'T' {
            return None;
        }
        // Offset: the last `+`/`-`/`Z` after the seconds.
        let (clock, offset) = split_offset(rest)?;
        let tod = time_of_day(clock)?;
        return Timestamp::new(days as f64 * 86_400.0 + tod - offset as f64);
    }
    // Epoch seconds.
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_digit() || *c == b'.') && b[0] != b'.' {
        return s.parse::<f64>().ok().and_then(Timestamp::new);
    }
    None
}

/// Splits `HH:MM:SS.ffffff+0200` into the clock and the offset in seconds.
fn split_offset(s: &[u8]) -> Option<(&[u8], i64)> {
    if let Some(clock) = s.strip_suffix(b"Z") {
        return Some((clock, 0));
    }
    let Some(pos) = s.iter().rposition(|c| *c == b'+' || *c == b'-') else {
        return Some((s, 0));
    };
    let (clock, off) = s.split_at(pos);
    let sign = if off[0] == b'-' { -1 } else { 1 };
    let digits: Vec<u8> = off[1..].iter().copied().filter(|c| *c != b':').collect();
    if digits.len() != 4 && digits.len() != 2 {
        return None;
    }
    let h = num(&digits[0..2])?;
    let m = if digits.len() == 4 {
        num(&digits[2..4])?
    } else {
        0
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some((clock, sign * (h * 3600 + m * 60)))
}

/// Time of day only (`20:49:16.520001`, `ra`'s default text output), as seconds since
/// midnight.
pub(crate) fn parse_time_of_day(s: &str) -> Option<f64> {
    time_of_day(s.trim().as_bytes())
}

pub(crate) fn ip(field: &'static str, s: &str) -> Result<IpAddr, LineError> {
    let t = s.trim();
    // IPv6 with a zone (`fe80::1%eth0`) keeps the address.
    let t = t.split('%').next().unwrap_or(t);
    t.parse()
        .map_err(|_| LineError::field(field, s, "not an IPv4 or IPv6 address"))
}

pub(crate) fn uint(field: &'static str, s: &str) -> Result<u64, LineError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse()
        .map_err(|_| LineError::field(field, s, "not an unsigned integer"))
}

/// A duration column: a number of seconds from 0 to ten years.
pub(crate) fn duration(field: &'static str, s: &str) -> Result<f64, LineError> {
    let d = float(field, s)?;
    if Timestamp::plausible_duration(d) {
        Ok(d)
    } else {
        Err(LineError::field(field, s, "a duration of 0 to ten years"))
    }
}

pub(crate) fn float(field: &'static str, s: &str) -> Result<f64, LineError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0.0);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(LineError::field(
            field,
            s,
            "not a finite non-negative number",
        )),
    }
}

/// A port: decimal, or hexadecimal with `0x` (Argus writes ICMP type/code that way).
pub(crate) fn port(field: &'static str, s: &str) -> Result<u32, LineError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => t.parse::<u32>().ok(),
    };
    match v {
        Some(p) if p <= 0xffff => Ok(p),
        _ => Err(LineError::field(field, s, "not a port number")),
    }
}

/// FNV-1a, 64 bits: a stable hash for uids generated from flow keys (the same flow gets the
/// same uid in every run).
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub(crate) fn bytes(mut self, b: &[u8]) -> Fnv {
        for &c in b {
            self.0 ^= u64::from(c);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    pub(crate) fn ip(self, ip: Option<IpAddr>) -> Fnv {
        match ip {
            Some(IpAddr::V4(a)) => self.bytes(&a.octets()),
            Some(IpAddr::V6(a)) => self.bytes(&a.octets()),
            None => self.bytes(&[0]),
        }
    }
    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// A Zeek-like uid: a letter for the source format and 16 hex digits of a stable hash of
/// the flow's key (protocol, addresses, ports, start time).
pub(crate) fn flow_uid(
    prefix: char,
    proto: slips_core::Proto,
    saddr: Option<IpAddr>,
    sport: u16,
    daddr: Option<IpAddr>,
    dport: u16,
    ts: Timestamp,
) -> Str {
    let h = Fnv::new()
        .bytes(proto.as_str().as_bytes())
        .ip(saddr)
        .bytes(&sport.to_be_bytes())
        .ip(daddr)
        .bytes(&dport.to_be_bytes())
        .bytes(&ts.micros().to_be_bytes())
        .finish();
    compact_str::format_compact!("{prefix}{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = |s: &str| parse_time(s).map(|t| t.secs());
        assert_eq!(t("1970/01/01 00:00:01.5"), Some(1.5));
        assert_eq!(t("2019/04/04 16:23:00.325010"), Some(1_554_394_980.325_01));
        assert_eq!(t("2019-04-04 16:23:00"), Some(1_554_394_980.0));
        assert_eq!(
            t("2021-06-06T15:59:46.457984+0200"),
            Some(1_622_987_986.457_984)
        );
        assert_eq!(
            t("2021-06-06T13:59:46.457984Z"),
            Some(1_622_987_986.457_984)
        );
        assert_eq!(
            t("2021-06-06T15:59:46.457984+02:00"),
            Some(1_622_987_986.457_984)
        );
        assert_eq!(
            t("2021-06-06T09:59:46.457984-0400"),
            Some(1_622_987_986.457_984)
        );
        assert_eq!(t("2020-03-19T09:44:08"), Some(1_584_611_048.0));
        assert_eq!(t("1554394980.25"), Some(1_554_394_980.25));
        for bad in [
            "",
            "x",
            "2019/13/04 16:23:00",
            "2019/04/04 25:00:00",
            "2019/04/04",
            "16:23:00",
            "2019/04/04 16:23:00.x",
            "1e999",
            "2019/04-04 16:23:00",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        assert_eq!(parse_time_of_day("20:49:16.520001"), Some(74_956.520_001));
    }

    #[test]
    fn ports_and_numbers() {
        assert_eq!(port("sport", "0x0008"), Ok(8));
        assert_eq!(port("sport", "443"), Ok(443));
        assert_eq!(port("sport", ""), Ok(0));
        assert!(port("sport", "0x10000").is_err());
        assert!(port("sport", "70000").is_err());
        assert!(port("sport", "http").is_err());
        assert_eq!(uint("pkts", " 12 "), Ok(12));
        assert!(uint("pkts", "-1").is_err());
        assert!(float("dur", "nan").is_err());
        assert_eq!(ip("saddr", "fe80::1%eth0"), Ok("fe80::1".parse().unwrap()));
        assert_eq!(
            ip("saddr", "1.2.3"),
            Err(LineError::field(
                "saddr",
                "1.2.3",
                "not an IPv4 or IPv6 address"
            ))
        );
    }

    #[test]
    fn stable_uids() {
        let a = flow_uid(
            'A',
            slips_core::Proto::Tcp,
            Some("1.2.3.4".parse().unwrap()),
            1,
            None,
            2,
            Timestamp::from_secs(5.0),
        );
        let b = flow_uid(
            'A',
            slips_core::Proto::Tcp,
            Some("1.2.3.4".parse().unwrap()),
            1,
            None,
            2,
            Timestamp::from_secs(5.0),
        );
        let c = flow_uid(
            'A',
            slips_core::Proto::Tcp,
            Some("1.2.3.4".parse().unwrap()),
            1,
            None,
            3,
            Timestamp::from_secs(5.0),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 17);
        assert!(a.starts_with('A'));
    }
}

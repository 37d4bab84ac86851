//! Allocation-free formatting helpers that append ASCII to a reused byte buffer.

use std::net::Ipv4Addr;

/// Appends the decimal digits of `v`.
#[inline]
pub fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends a microsecond count as seconds with six decimals (`1700000000.123456`), the way
/// Zeek writes `time` and `interval` values.
#[inline]
pub fn push_micros(buf: &mut Vec<u8>, us: u64) {
    push_u64(buf, us / 1_000_000);
    buf.push(b'.');
    let frac = us % 1_000_000;
    let mut digits = [b'0'; 6];
    let mut f = frac;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (f % 10) as u8;
        f /= 10;
    }
    buf.extend_from_slice(&digits);
}

/// Appends a dotted-quad IPv4 address.
#[inline]
pub fn push_ipv4(buf: &mut Vec<u8>, ip: Ipv4Addr) {
    let o = ip.octets();
    for (i, b) in o.iter().enumerate() {
        if i > 0 {
            buf.push(b'.');
        }
        push_u64(buf, u64::from(*b));
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats epoch seconds (UTC) the way Zeek's `#open`/`#close` lines do: `2020-10-06-17-32-56`.
pub fn zeek_header_time(epoch_secs: u64) -> String {
    let days = (epoch_secs / 86_400) as i64;
    let rem = epoch_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}-{:02}-{:02}-{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut b = Vec::new();
        push_u64(&mut b, 0);
        b.push(b' ');
        push_u64(&mut b, u64::MAX);
        b.push(b' ');
        push_micros(&mut b, 1_601_998_366_000_042);
        b.push(b' ');
        push_micros(&mut b, 7);
        b.push(b' ');
        push_ipv4(&mut b, Ipv4Addr::new(10, 0, 255, 1));
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "0 18446744073709551615 1601998366.000042 0.000007 10.0.255.1"
        );
    }

    #[test]
    fn header_time() {
        assert_eq!(zeek_header_time(0), "1970-01-01-00-00-00");
        assert_eq!(zeek_header_time(1_601_998_376), "2020-10-06-15-32-56");
        assert_eq!(zeek_header_time(1_700_000_000), "2023-11-14-22-13-20");
        assert_eq!(zeek_header_time(951_782_400), "2000-02-29-00-00-00");
    }
}

//! Formatting of event timestamps as UTC dates.
//!
//! Every function here is pure: timestamps come from the traffic (or from the caller for
//! wall-clock values), never from the clock. Relative timestamps (a capture starting at 0 s)
//! are formatted as dates in 1970 like any other value.

use slips_core::Timestamp;

/// Splits a timestamp into whole seconds and microseconds in `0..1_000_000`, as a jiff
/// timestamp. `None` when the value is outside the range jiff supports (years ±9999).
fn split(ts: Timestamp) -> Option<(jiff::Timestamp, i64)> {
    let micros = ts.micros();
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let t = jiff::Timestamp::from_second(secs).ok()?;
    Some((t, frac))
}

/// ISO-8601 in UTC as Python's `datetime.isoformat()` writes it:
/// `2018-09-27T22:44:06.123456+00:00`, without the fraction when it is zero.
///
/// Values out of the representable range are written as raw seconds (`1e300` never comes
/// from a parser, but formatting must not fail).
pub fn iso(ts: Timestamp) -> String {
    match split(ts) {
        Some((t, 0)) => format!("{}+00:00", t.strftime("%Y-%m-%dT%H:%M:%S")),
        Some((t, frac)) => format!("{}.{frac:06}+00:00", t.strftime("%Y-%m-%dT%H:%M:%S")),
        None => ts.to_string(),
    }
}

/// `YYYY/mm/dd HH:MM:SS` (UTC), as the terminal alert block shows window bounds.
pub fn slash(ts: Timestamp) -> String {
    fmt_whole(ts, "%Y/%m/%d %H:%M:%S")
}

/// `YYYY-mm-ddTHH:MM:SS` (UTC): the prefix of time-window file names.
pub fn window_file_stamp(ts: Timestamp) -> String {
    fmt_whole(ts, "%Y-%m-%dT%H:%M:%S")
}

/// `YYYY-mm-dd_HH:MM:SS` (UTC): the suffix of default output folder names.
pub fn dir_stamp(ts: Timestamp) -> String {
    fmt_whole(ts, "%Y-%m-%d_%H:%M:%S")
}

fn fmt_whole(ts: Timestamp, f: &str) -> String {
    match split(ts) {
        Some((t, _)) => t.strftime(f).to_string(),
        None => ts.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: f64) -> Timestamp {
        Timestamp::from_secs(s)
    }

    #[test]
    fn iso_like_python() {
        assert_eq!(iso(t(1538088246.0)), "2018-09-27T22:44:06+00:00");
        assert_eq!(
            iso(t(1538088246.123456)),
            "2018-09-27T22:44:06.123456+00:00"
        );
        assert_eq!(iso(t(1538088246.5)), "2018-09-27T22:44:06.500000+00:00");
        // Relative timestamps are formatted as dates anyway.
        assert_eq!(iso(t(22.3)), "1970-01-01T00:00:22.300000+00:00");
        // Before the epoch the fraction stays positive.
        assert_eq!(iso(t(-0.25)), "1969-12-31T23:59:59.750000+00:00");
        let huge = iso(t(1e300));
        assert!(
            huge.starts_with("1000000") && huge.ends_with(".000000"),
            "{huge}"
        );
    }

    #[test]
    fn other_formats() {
        assert_eq!(slash(t(1538088246.9)), "2018/09/27 22:44:06");
        assert_eq!(window_file_stamp(t(1538088246.9)), "2018-09-27T22:44:06");
        assert_eq!(dir_stamp(t(0.0)), "1970-01-01_00:00:00");
    }
}

//! Event time. Slips is driven by the timestamps inside the traffic, never by the wall clock.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// Seconds since the Unix epoch (or since the start of a capture for relative logs), as the
/// traffic says. Always finite: parsers reject NaN and infinities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(f64);

impl Timestamp {
    pub const ZERO: Timestamp = Timestamp(0.0);

    /// The latest event time a record may carry (2200-01-01): beyond it a value is a
    /// corrupt or hostile field, not a time (1e308 once made windows of 1e304).
    pub const MAX_EVENT_SECS: f64 = 7_258_118_400.0;
    /// The longest duration a record may state (ten years; a "Long connection of 2.8e296
    /// hours" came from a duration of 1e300).
    pub const MAX_DURATION_SECS: f64 = 315_576_000.0;

    /// An event time: `None` for NaN, infinite, negative or beyond
    /// [`Timestamp::MAX_EVENT_SECS`], so that a bad timestamp can never poison ordering or
    /// window arithmetic. Every reader builds its records' times through this.
    pub fn new(secs: f64) -> Option<Self> {
        (0.0..=Self::MAX_EVENT_SECS)
            .contains(&secs)
            .then_some(Timestamp(secs))
    }

    /// Whether `secs` is a duration a record may state (0 to ten years).
    pub fn plausible_duration(secs: f64) -> bool {
        (0.0..=Self::MAX_DURATION_SECS).contains(&secs)
    }

    /// For values known to be finite (constants, sums of finite values in range).
    pub fn from_secs(secs: f64) -> Self {
        debug_assert!(secs.is_finite());
        Timestamp(if secs.is_finite() { secs } else { 0.0 })
    }

    pub fn secs(self) -> f64 {
        self.0
    }

    pub fn plus(self, secs: f64) -> Self {
        Timestamp::from_secs(self.0 + secs)
    }

    /// Whole microseconds, for keys and stable formatting.
    pub fn micros(self) -> i64 {
        (self.0 * 1_000_000.0).round() as i64
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}", self.0)
    }
}

/// One time window of a profile: `timewindow<number>` covering `[start, end)`.
///
/// Windows are global: they are anchored at the timestamp of the first flow of the analysis
/// (as Slips does), so window N has the same bounds for every profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimeWindow {
    pub number: i64,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl std::hash::Hash for Timestamp {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

/// Computes window numbers from an anchor (first flow) and a width in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowClock {
    pub anchor: Timestamp,
    pub width: f64,
}

impl WindowClock {
    pub fn new(anchor: Timestamp, width: f64) -> Self {
        debug_assert!(width > 0.0);
        WindowClock { anchor, width }
    }

    /// `N = floor((ts - anchor) / width) + 1`: the first window is 1, a flow exactly on a
    /// boundary belongs to the next window and flows older than the anchor get N <= 0.
    pub fn number(&self, ts: Timestamp) -> i64 {
        ((ts.secs() - self.anchor.secs()) / self.width).floor() as i64 + 1
    }

    pub fn window(&self, number: i64) -> TimeWindow {
        let start = self.anchor.secs() + self.width * (number - 1) as f64;
        TimeWindow {
            number,
            start: Timestamp::from_secs(start),
            end: Timestamp::from_secs(start + self.width),
        }
    }

    pub fn window_of(&self, ts: Timestamp) -> TimeWindow {
        self.window(self.number(ts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_numbers_follow_slips() {
        let c = WindowClock::new(Timestamp::from_secs(1000.0), 3600.0);
        assert_eq!(c.number(Timestamp::from_secs(1000.0)), 1);
        assert_eq!(c.number(Timestamp::from_secs(4599.999)), 1);
        assert_eq!(c.number(Timestamp::from_secs(4600.0)), 2);
        assert_eq!(c.number(Timestamp::from_secs(999.0)), 0);
        assert_eq!(
            c.number(Timestamp::from_secs(1000.0 - 3.0 * 3600.0 - 1.0)),
            -3
        );
        let w = c.window(2);
        assert_eq!(w.start.secs(), 4600.0);
        assert_eq!(w.end.secs(), 8200.0);
    }

    #[test]
    fn timestamps_reject_non_finite() {
        assert!(Timestamp::new(f64::NAN).is_none());
        assert!(Timestamp::new(f64::INFINITY).is_none());
        assert!(Timestamp::new(1.5).is_some());
    }
}

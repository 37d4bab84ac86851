//! Small strongly typed values used by [`crate::Config`].

use std::fmt;
use std::str::FromStr;

/// Width of a time window, in seconds; always positive and finite.
///
/// Slips also accepts the word `only_one_tw`, meaning "one window for the whole capture",
/// which it implements as a width of 9,999,999,999 s (about 317 years). This type does the
/// same: [`TimeWindowWidth::ONLY_ONE`] is that width, and any width at least as large is
/// reported as `only_one_tw`.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct TimeWindowWidth(f64);

impl TimeWindowWidth {
    /// The width Slips uses for `only_one_tw`.
    pub const ONLY_ONE_SECONDS: f64 = 9_999_999_999.0;
    /// One huge window (`only_one_tw`).
    pub const ONLY_ONE: TimeWindowWidth = TimeWindowWidth(Self::ONLY_ONE_SECONDS);
    /// Slips' default: one hour.
    pub const DEFAULT: TimeWindowWidth = TimeWindowWidth(3600.0);

    /// The narrowest window: below a second windows say nothing about behaviour, and a
    /// width of 1e-300 made every record its own window.
    pub const MIN_SECONDS: f64 = 1.0;
    /// The widest window short of `only_one_tw` (one week).
    pub const MAX_SECONDS: f64 = 604_800.0;

    /// A width of `seconds`, or `None` unless it is from one second to one week (or Slips'
    /// `only_one_tw` number itself).
    pub fn from_seconds(seconds: f64) -> Option<TimeWindowWidth> {
        if seconds == Self::ONLY_ONE_SECONDS {
            return Some(Self::ONLY_ONE);
        }
        (Self::MIN_SECONDS..=Self::MAX_SECONDS)
            .contains(&seconds)
            .then_some(TimeWindowWidth(seconds))
    }

    /// Parse `"300"`, `"1.5"` or `"only_one_tw"` (surrounding blanks and quotes ignored,
    /// case-insensitive).
    pub fn parse(s: &str) -> Option<TimeWindowWidth> {
        let t = s.trim().trim_matches(|c| c == '\'' || c == '"').trim();
        if t.eq_ignore_ascii_case("only_one_tw") {
            return Some(Self::ONLY_ONE);
        }
        t.parse::<f64>().ok().and_then(Self::from_seconds)
    }

    /// The width in seconds (9,999,999,999 for `only_one_tw`).
    pub fn seconds(self) -> f64 {
        self.0
    }

    /// Is this the single-window mode (`only_one_tw`)?
    pub fn is_only_one(self) -> bool {
        self.0 >= Self::ONLY_ONE_SECONDS
    }
}

impl Default for TimeWindowWidth {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for TimeWindowWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_only_one() {
            f.write_str("only_one_tw")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// A time-window width that could not be parsed (for command-line parsing).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected 1 to 604800 seconds (one week) or \"only_one_tw\", got {0:?}")]
pub struct InvalidWindowWidth(pub String);

impl FromStr for TimeWindowWidth {
    type Err = InvalidWindowWidth;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeWindowWidth::parse(s).ok_or_else(|| InvalidWindowWidth(s.to_owned()))
    }
}

/// `parameters.analysis_direction`: which traffic of a profile is analysed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AnalysisDirection {
    /// Only what each profile (source IP) sends out (Slips' default).
    #[default]
    Out,
    /// Also the traffic coming in to each profile.
    All,
}

impl AnalysisDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisDirection::Out => "out",
            AnalysisDirection::All => "all",
        }
    }

    /// `out` or `all`, case-insensitive.
    pub fn parse(s: &str) -> Option<AnalysisDirection> {
        match s.trim().to_ascii_lowercase().as_str() {
            "out" => Some(AnalysisDirection::Out),
            "all" => Some(AnalysisDirection::All),
            _ => None,
        }
    }
}

impl fmt::Display for AnalysisDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `parameters.export_format`: format of the labelled-flows export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    #[default]
    Json,
    Tsv,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Tsv => "tsv",
        }
    }

    /// `json` or `tsv`, case-insensitive.
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Some(ExportFormat::Json),
            "tsv" => Some(ExportFormat::Tsv),
            _ => None,
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of `exporting_alerts.export_to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportTarget {
    Slack,
    Stix,
}

impl ExportTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportTarget::Slack => "slack",
            ExportTarget::Stix => "stix",
        }
    }

    /// `slack` or `stix`, case-insensitive.
    pub fn parse(s: &str) -> Option<ExportTarget> {
        match s.trim().to_ascii_lowercase().as_str() {
            "slack" => Some(ExportTarget::Slack),
            "stix" => Some(ExportTarget::Stix),
            _ => None,
        }
    }
}

impl fmt::Display for ExportTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parse a duration written Slips/Zeek style: `"10080 mins"`, `"1 day"`, `"1day"`,
/// `"30sec"`, `"2hr"`. A bare number is in `default_unit` seconds (e.g. 60 for minutes).
/// Returns seconds, or `None` if the text is not such a duration.
pub(crate) fn parse_duration(s: &str, default_unit: f64) -> Option<f64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.replace('_', "").parse().ok()?;
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" => default_unit,
        "us" | "usec" | "usecs" => 1e-6,
        "ms" | "msec" | "msecs" => 1e-3,
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 604_800.0,
        _ => return None,
    };
    let secs = n * unit;
    (secs.is_finite() && secs >= 0.0).then_some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_width_parsing() {
        assert_eq!(
            TimeWindowWidth::parse("300").map(|w| w.seconds()),
            Some(300.0)
        );
        assert_eq!(
            TimeWindowWidth::parse(" 'only_one_tw' "),
            Some(TimeWindowWidth::ONLY_ONE)
        );
        assert_eq!(TimeWindowWidth::parse("0"), None);
        assert_eq!(TimeWindowWidth::parse("-5"), None);
        assert_eq!(TimeWindowWidth::parse("abc"), None);
        assert_eq!(TimeWindowWidth::parse("inf"), None);
        // Bounded: a second to a week, or Slips' only_one_tw number.
        assert_eq!(TimeWindowWidth::parse("1e-300"), None);
        assert_eq!(TimeWindowWidth::parse("0.5"), None);
        assert_eq!(TimeWindowWidth::parse("1e300"), None);
        assert_eq!(TimeWindowWidth::parse("604801"), None);
        assert_eq!(TimeWindowWidth::parse("1").map(|w| w.seconds()), Some(1.0));
        assert_eq!(
            TimeWindowWidth::parse("604800").map(|w| w.seconds()),
            Some(604_800.0)
        );
        assert_eq!(
            TimeWindowWidth::parse("9999999999"),
            Some(TimeWindowWidth::ONLY_ONE)
        );
        assert!(TimeWindowWidth::ONLY_ONE.is_only_one());
        assert!(!TimeWindowWidth::DEFAULT.is_only_one());
        assert_eq!(TimeWindowWidth::ONLY_ONE.to_string(), "only_one_tw");
        assert_eq!(TimeWindowWidth::DEFAULT.to_string(), "3600");
        let e = "x".parse::<TimeWindowWidth>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected 1 to 604800 seconds (one week) or \"only_one_tw\", got \"x\""
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10080 mins", 60.0), Some(604_800.0));
        assert_eq!(parse_duration("1 day", 86400.0), Some(86400.0));
        assert_eq!(parse_duration("1day", 1.0), Some(86400.0));
        assert_eq!(parse_duration("30sec", 1.0), Some(30.0));
        assert_eq!(parse_duration("2hr", 1.0), Some(7200.0));
        assert_eq!(parse_duration("0 day", 86400.0), Some(0.0));
        assert_eq!(parse_duration("15", 60.0), Some(900.0));
        assert_eq!(parse_duration("soon", 1.0), None);
        assert_eq!(parse_duration("5 fortnights", 1.0), None);
        assert_eq!(parse_duration("", 1.0), None);
    }

    #[test]
    fn enums() {
        assert_eq!(
            AnalysisDirection::parse("ALL"),
            Some(AnalysisDirection::All)
        );
        assert_eq!(AnalysisDirection::parse("in"), None);
        assert_eq!(ExportFormat::parse("TSV"), Some(ExportFormat::Tsv));
        assert_eq!(ExportTarget::parse("stix"), Some(ExportTarget::Stix));
    }
}

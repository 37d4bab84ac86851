//! Errors (loading stops) and warnings (loading goes on).

use slips_core::EvidenceType;
use std::fmt;
use std::path::PathBuf;

/// Where a problem is: a line, and the file when the configuration came from one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub file: Option<PathBuf>,
    pub line: Option<u64>,
}

impl Position {
    fn is_known(&self) -> bool {
        self.file.is_some() || self.line.is_some()
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{l}", p.display()),
            (Some(p), None) => write!(f, "{}", p.display()),
            (None, Some(l)) => write!(f, "line {l}"),
            (None, None) => Ok(()),
        }
    }
}

/// A position suffix `" (at file:line)"`, empty when nothing is known.
struct At<'a>(&'a Position);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_known() {
            write!(f, " (at {})", self.0)
        } else {
            Ok(())
        }
    }
}

/// Why a configuration could not be loaded.
///
/// Every message names what is wrong precisely enough to fix it: the file, the dotted key
/// (`parameters.time_window_width`), the offending value and what was expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read configuration file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The text is not valid YAML (or holds several documents, or a duplicate key).
    #[error("{}: invalid YAML{}: {message}", origin_name(origin), line_col(*line, *column))]
    Syntax {
        /// The file, or `None` for a string given to `from_yaml_str`.
        origin: Option<PathBuf>,
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    },

    /// A known key has a value of the wrong type or out of range.
    #[error("{key}: expected {expected}, got {got}{}", At(at))]
    Invalid {
        /// Dotted key, e.g. `parameters.time_window_width`.
        key: String,
        /// What the key accepts.
        expected: String,
        /// The value found, as written (strings quoted).
        got: String,
        at: Position,
    },

    /// A name in `DisabledAlerts.disabled_detections` is not an evidence type.
    #[error(
        "{key}: unknown detection {value:?}{}; valid names are evidence type names such as {} ({} in total){}",
        did_you_mean(suggestions),
        evidence_examples(),
        EvidenceType::ALL.len(),
        At(at)
    )]
    UnknownEvidenceType {
        key: String,
        value: String,
        /// The closest valid names, best first (may be empty).
        suggestions: Vec<String>,
        at: Position,
    },
}

/// A few valid evidence type names, to show what they look like.
fn evidence_examples() -> String {
    const EXAMPLES: &[&str] = &[
        "ARP_SCAN",
        "CONNECTION_WITHOUT_DNS",
        "HORIZONTAL_PORT_SCAN",
        "LONG_CONNECTION",
        "SSH_SUCCESSFUL",
        "THREAT_INTELLIGENCE_TO_BLACKLISTED_IP",
    ];
    let names: Vec<&str> = EXAMPLES
        .iter()
        .copied()
        .filter(|n| EvidenceType::parse(n).is_some())
        .collect();
    names.join(", ")
}

fn origin_name(origin: &Option<PathBuf>) -> String {
    match origin {
        Some(p) => p.display().to_string(),
        None => "configuration".to_owned(),
    }
}

fn line_col(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        many => format!(" (did you mean one of {}?)", many.join(", ")),
    }
}

impl ConfigError {
    /// The dotted key the error is about, if it is about a key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } | ConfigError::UnknownEvidenceType { key, .. } => {
                Some(key)
            }
            ConfigError::Read { .. } | ConfigError::Syntax { .. } => None,
        }
    }

    /// Attach the file the configuration was read from.
    pub(crate) fn in_file(mut self, path: PathBuf) -> Self {
        match &mut self {
            ConfigError::Invalid { at, .. } | ConfigError::UnknownEvidenceType { at, .. } => {
                at.file = Some(path);
            }
            ConfigError::Syntax { origin, .. } => *origin = Some(path),
            ConfigError::Read { .. } => {}
        }
        self
    }
}

/// Something odd in the file that did not stop loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Dotted key (`flow_alerts.long_conection_threshold`) or section name.
    pub key: String,
    /// 1-based line in the file, when known.
    pub line: Option<u64>,
    pub kind: WarningKind,
}

/// The kinds of [`Warning`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// A top-level section that is not known; it is ignored.
    UnknownSection {
        /// A close known section (or dotted key) the user probably meant.
        suggestion: Option<String>,
    },
    /// A key that is not known in its section; it is ignored.
    UnknownKey {
        /// A close known dotted key the user probably meant.
        suggestion: Option<String>,
    },
    /// An old section name that is still read; the new name should be used.
    RenamedSection { replacement: String },
    /// The file holds no settings at all; defaults are used.
    Empty,
    /// `detection.evidence_detection_threshold` below 0.5: probably a Slips 1.x value, which
    /// was a rate per minute of window; slips reads it as the window score for an alert.
    SlipsThresholdUnit { value: String },
    /// A key slips accepts but does not implement: its value changes nothing.
    NotImplemented { detail: String },
    /// Slips' keys that slips accepts and ignores (its own features need none of them:
    /// updates, profilers, P2P, Docker, ...), all named in one warning.
    Ignored { keys: Vec<String> },
}

impl Warning {
    /// Is this about an unknown section or key (as opposed to a deprecation)?
    pub fn is_unknown(&self) -> bool {
        matches!(
            self.kind,
            WarningKind::UnknownSection { .. } | WarningKind::UnknownKey { .. }
        )
    }

    /// The suggested replacement for an unknown section or key, if any.
    pub fn suggestion(&self) -> Option<&str> {
        match &self.kind {
            WarningKind::UnknownSection { suggestion } | WarningKind::UnknownKey { suggestion } => {
                suggestion.as_deref()
            }
            WarningKind::RenamedSection { replacement } => Some(replacement),
            WarningKind::Empty
            | WarningKind::SlipsThresholdUnit { .. }
            | WarningKind::NotImplemented { .. }
            | WarningKind::Ignored { .. } => None,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match self.line {
            Some(l) => format!(" (line {l})"),
            None => String::new(),
        };
        match &self.kind {
            WarningKind::UnknownSection { suggestion } => {
                write!(f, "unknown section {}{at} is ignored", self.key)?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean {s}?")?;
                }
                Ok(())
            }
            WarningKind::UnknownKey { suggestion } => {
                write!(f, "unknown key {}{at} is ignored", self.key)?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean {s}?")?;
                }
                Ok(())
            }
            WarningKind::RenamedSection { replacement } => write!(
                f,
                "section {}{at} has an old name; it is read, but please rename it to {replacement}",
                self.key
            ),
            WarningKind::Empty => write!(f, "the configuration is empty; using the defaults"),
            WarningKind::NotImplemented { detail } => {
                write!(f, "{}{at} is not implemented in slips: {detail}", self.key)
            }
            WarningKind::Ignored { keys } => write!(
                f,
                "{} key(s) of Slips that slips does not implement are ignored: {}",
                keys.len(),
                keys.join(", ")
            ),
            WarningKind::SlipsThresholdUnit { value } => write!(
                f,
                "{}{at} is {value}: Slips 1.x read it per minute of time window; slips reads it \
                 as the window score that raises an alert (default 0.8, docs/scoring.md), so \
                 {value} is very sensitive",
                self.key
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_message_format() {
        let e = ConfigError::Invalid {
            key: "parameters.time_window_width".into(),
            expected: "a positive number of seconds or \"only_one_tw\"".into(),
            got: "\"abc\"".into(),
            at: Position::default(),
        };
        assert_eq!(
            e.to_string(),
            "parameters.time_window_width: expected a positive number of seconds or \"only_one_tw\", got \"abc\""
        );
        let e = e.in_file(PathBuf::from("x.yaml"));
        assert!(e.to_string().ends_with("(at x.yaml)"), "{e}");
    }

    #[test]
    fn warning_display() {
        let w = Warning {
            key: "flow_alerts.long_conection_threshold".into(),
            line: Some(3),
            kind: WarningKind::UnknownKey {
                suggestion: Some("flow_alerts.long_connection_threshold".into()),
            },
        };
        assert_eq!(
            w.to_string(),
            "unknown key flow_alerts.long_conection_threshold (line 3) is ignored; did you mean flow_alerts.long_connection_threshold?"
        );
    }
}

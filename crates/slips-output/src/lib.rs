//! Writers of the slips output folder.
//!
//! * `alerts.log`, one human line per evidence and alert, by [`AlertsLog`];
//! * `alerts.json`, IDMEFv2 Event/Incident objects plus a `"Slips"` member, by
//!   [`AlertsJson`];
//! * Slips' old `-l` output, `profiles/<ip>/<start>.timewindow<N>`,
//!   `profiles/<ip>/ProfileData.txt` and `Blocked.txt`, by [`ProfileFiles`];
//! * `profiles/<ip>/Complete-timeline-outgoing-actions.txt` by [`Timeline`];
//! * `metadata/info.txt` and a copy of the configuration by [`Metadata`];
//! * creating and clearing the folder by [`OutputDir`];
//! * the terminal's alert block and progress line in [`terminal`];
//! * the [`Sink`] trait all of them implement, through which they get engine events.
//!
//! All writers are buffered or write whole files at once, and the output only depends on the
//! input: timestamps come from the traffic, and the only wall-clock values (`CreateTime` of
//! alerts.json, the dates of info.txt) are passed in by the caller.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod alerts_json;
pub mod alerts_log;
pub mod atomic;
pub mod error;
pub mod metadata;
pub mod outdir;
pub mod profiles;
pub mod sink;
pub mod terminal;
pub mod timefmt;
pub mod timeline;

#[cfg(test)]
mod fixtures;

pub use alerts_json::{AlertsJson, ALERTS_JSON};
pub use alerts_log::{AlertsLog, ALERTS_LOG};
pub use error::{OutputError, Result};
pub use metadata::{Info, Metadata};
pub use outdir::OutputDir;
pub use profiles::{ProfileFiles, ProfilesSink};
pub use sink::{Now, Sink, Sinks};
pub use terminal::{alert_block, stats_line, Stats, TerminalSink};
pub use timeline::{Timeline, TimelineStats};

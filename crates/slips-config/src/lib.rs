//! Loading and validating the slips configuration file.
//!
//! slips reads the same YAML file as Slips (`config/slips.yaml`): every section and key of
//! Slips' file is accepted, with the same defaults. The file is parsed into a generic YAML
//! tree first and then walked against a table of known keys, so that
//!
//! * an unknown section or key is a [`Warning`] naming the full dotted key and, when a
//!   known key is close, suggesting it — never an error;
//! * a known key with a value of the wrong type or out of range is a [`ConfigError`] that
//!   names the dotted key, the value found and what was expected;
//! * Slips' YAML habits are accepted: `True`/`False`/`yes`/`no` booleans, numbers written
//!   as strings, `"10080 mins"`-style durations, `client_ips` as a list or as a string.
//!
//! Only what slips applies is stored in [`Config`] (typed: seconds as `f64`, networks as
//! [`ipnet::IpNet`], enums for choices, [`slips_core::EvidenceType`] for disabled
//! detections); the rest is accepted and dropped. Slips-only extensions live in the
//! `slips:` section ([`Engine`]).
//!
//! ```
//! use slips_config::Config;
//! let (cfg, warnings) = Config::from_yaml_str("parameters:\n  time_window_width: 300\n")?;
//! assert!(warnings.is_empty());
//! assert_eq!(cfg.threshold_per_window(), 0.8); // the same for every window width
//! # Ok::<(), slips_config::ConfigError>(())
//! ```

#![forbid(unsafe_code)]

mod config;
mod error;
mod schema;
mod suggest;
mod types;
mod value;

pub use config::{
    Blocking, BlockingBackend, BruteForceDetector, Cesnet, Config, Detection, DisabledAlerts,
    Engine, Enrichment, Export, ExportingAlerts, ExternalModule, FlowAlerts, Modules, Output,
    Overrides, Parameters, Secret, ThreatIntelligence, VirusTotal, WebInterface, Whitelists,
};
pub use error::{ConfigError, Position, Warning, WarningKind};
pub use types::{
    AnalysisDirection, ExportFormat, ExportTarget, InvalidWindowWidth, TimeWindowWidth,
};

/// The sample configuration shipped with slips (`crates/slips-config/slips.yaml`): the keys
/// slips applies, with their defaults and short explanations. It loads without warnings
/// and equals [`Config::default()`].
pub const SAMPLE_CONFIG: &str = include_str!("../slips.yaml");

/// Every known key, as `section.key` (Slips' keys plus slips' own `slips.*`).
pub fn known_keys() -> Vec<String> {
    schema::known_keys().collect()
}

//! Exports of slips' alerts and evidence to the tools around it.
//!
//! Every export is one [`slips_output::Sink`] whose work happens on its own thread
//! ([`worker`]): the engine thread clones the event into a bounded queue and goes on; the
//! thread formats, sends, retries with backoff on failures a retry can fix, and counts what
//! it had to drop or give up on. A slow or dead endpoint never slows the analysis.
//!
//! * [`lines`]: RFC 5424 syslog over UDP/TCP or to a file, CEF and ECS JSON lines.
//! * [`slack`]: a message per alert through an incoming webhook or `chat.postMessage`.
//! * [`stix`]: STIX 2.1 bundles in `STIX_data.json`, pushed to a TAXII 2.1 collection.
//! * [`idea`]: IDEA0 events to a Warden server over HTTPS with client certificates.
//! * [`labeled`]: every flow with the label slips gave it, as TSV or JSON.
//! * [`metrics`]: a Prometheus text endpoint.
//! * [`notify`]: desktop notifications through `notify-send`.
//!
//! Secrets (tokens, passwords, webhook URLs) come from files or environment variables and
//! are never logged.

#![forbid(unsafe_code)]

#[cfg(test)]
mod ecs_fields;
pub mod format;
pub mod idea;
pub mod labeled;
pub mod lines;
pub mod metrics;
pub mod notify;
pub mod slack;
pub mod stix;
pub mod taxii;
#[cfg(test)]
mod testcerts;
#[cfg(test)]
mod testserver;
pub mod worker;

pub use format::{Event, Meta};
pub use worker::{Backend, Exporter, Failure, Policy, Report, Stats};

/// What can stop an export from starting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting that cannot work, naming the key.
    #[error("{0}")]
    Config(String),
    /// A secret file that cannot be read (its content is never shown).
    #[error("{what}: cannot read {path}: {source}")]
    Secret {
        what: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads a secret: the environment variable `env` when set and not empty, else the first
/// line of `path` (trimmed). `None` when neither gives one.
pub fn read_secret(
    what: &'static str,
    env: &str,
    path: Option<&std::path::Path>,
) -> Result<Option<String>, Error> {
    if let Ok(v) = std::env::var(env) {
        if !v.trim().is_empty() {
            return Ok(Some(v.trim().to_owned()));
        }
    }
    let Some(path) = path.filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Secret {
        what,
        path: path.to_owned(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned))
}

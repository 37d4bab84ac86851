//! Threat intelligence, whitelists and enrichment for slips, offline first.
//!
//! * **Threat intelligence**: IoC feeds listed in feed lists with the format of Slips'
//!   `TI_feeds.csv` / `JA3_feeds.csv` / `SSL_feeds.csv`, and local files in the format of
//!   `own_malicious_iocs.csv` / `own_malicious_JA3.csv` / `own_malicious_JARM.csv`
//!   ([`feeds`]). Everything is loaded into an [`IntelDb`] (hash sets and a flattened
//!   longest-prefix table, [`db`]) behind a [`SharedIntel`] handle that is swapped
//!   atomically when remote feeds are refreshed ([`remote`]: conditional downloads, disk
//!   cache, background thread; analysis never waits).
//! * **Whitelists** ([`whitelist`]): Slips' `whitelist.conf`, as a [`slips_core::Filter`].
//! * **Enrichment**: GeoIP country and ASN ([`geo`]), MAC vendors ([`oui`]), organisations
//!   ([`orgs`]), TOR exit nodes, all behind [`IntelKnowledge`], the
//!   [`slips_detectors::Knowledge`] that detectors get through [`slips_detectors::Resources`].
//!
//! Wiring it in (what the binary does):
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use slips_intel::Intel;
//! let (cfg, _) = slips_config::Config::load("config/slips.yaml")?;
//! let intel = Intel::load(&cfg, std::path::Path::new("."))?;
//! let resources = intel.resources();          // give to slips_detectors::build_all
//! let filter = intel.filter();                // Option<Box<dyn Filter>>: Engine::with_filter
//! for p in &intel.problems().kept { eprintln!("{p}"); }
//! let note = intel.knowledge().enrichment("8.8.8.8".parse()?, None); // for alerts.log
//! // Keep `intel` alive for the run: dropping it stops the feed refresher.
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod db;
pub mod defaults;
pub mod enrich;
pub mod feeds;
pub mod geo;
pub mod ioc;
pub mod knowledge;
pub mod online;
pub mod orgs;
pub mod oui;
pub mod ranges;
pub mod remote;
pub mod text;
pub mod whitelist;

pub use db::{DbCounts, IntelDb, IntelDbBuilder, SharedIntel};
pub use enrich::Enricher;
pub use feeds::{FeedLocation, FeedSpec, ListKind};
pub use geo::Geo;
pub use knowledge::IntelKnowledge;
pub use online::{Online, OnlineOptions, VtScore};
pub use remote::{Downloader, FetchOutcome, Refresher};
pub use text::{Problem, Problems};
pub use whitelist::Whitelist;

use db::{join_tags, AsnSource};
use feeds::{parse_feed, parse_feed_list, parse_local_file};
use orgs::OrgData;
use oui::MacVendors;
use slips_config::Config;
use slips_core::{EvidenceDraft, Filter, Record};
use slips_detectors::Resources;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Errors that stop loading: a configured file that exists but cannot be read. Missing
/// files are not errors (they disable what they provide, with one warning).
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Options of [`Intel::load_with`].
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Start the background refresher for remote feeds (when the configuration allows
    /// downloads and there are remote feeds). Default true.
    pub start_refresher: bool,
    /// Bound of one download (default 60 s).
    pub download_timeout: Duration,
    /// Start the online enrichers when `enrichment.online_lookups` is on. Default true.
    pub start_online: bool,
    /// Warn when Slips' default whitelist path (`config/whitelist.conf`) is missing and the
    /// built-in whitelist is used instead (true when a configuration file was given).
    /// Default true.
    pub warn_missing_default_whitelist: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            start_refresher: true,
            download_timeout: Duration::from_secs(60),
            start_online: true,
            warn_missing_default_whitelist: true,
        }
    }
}

/// Reads a file that may be absent: `Ok(None)` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, IntelError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(IntelError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// All IoC sources, enough to rebuild the database.
#[derive(Debug)]
struct SourceSet {
    feeds: Vec<FeedSpec>,
    local_files: Vec<(PathBuf, ListKind)>,
    downloader: Downloader,
}

impl SourceSet {
    fn remote_urls(&self) -> impl Iterator<Item = &str> {
        self.feeds.iter().filter_map(|f| match &f.location {
            FeedLocation::Remote(u) => Some(u.as_str()),
            FeedLocation::Local(_) => None,
        })
    }

    /// Builds the database from local files and cached remote feeds.
    fn build(&self, problems: &mut Problems) -> IntelDb {
        let mut b = IntelDbBuilder::new();
        let mut rejected = 0usize;
        for f in &self.feeds {
            let path = match &f.location {
                FeedLocation::Remote(u) => self.downloader.cache_path(u),
                FeedLocation::Local(p) => p.clone(),
            };
            let text = match std::fs::read(&path) {
                Ok(t) => String::from_utf8_lossy(&t).into_owned(),
                Err(e) => {
                    if matches!(f.location, FeedLocation::Local(_)) {
                        problems.push(&f.name, 0, format!("cannot read {}: {e}", path.display()));
                    }
                    continue;
                }
            };
            let Some(src) = b.source(&f.name, &join_tags(&f.tags)) else {
                problems.push(&f.name, 0, "too many feeds; ignored");
                continue;
            };
            parse_feed(&text, &f.name, f.kind, problems, |ioc| {
                let level = ioc.threat_level.unwrap_or(f.threat_level);
                if b.add(
                    src,
                    level,
                    ioc.value,
                    ioc.fingerprint,
                    ioc.description.as_deref(),
                )
                .is_err()
                {
                    rejected += 1;
                }
            });
        }
        for (path, kind) in &self.local_files {
            let name = text::file_name_of(&path.to_string_lossy());
            let text = match std::fs::read(path) {
                Ok(t) => String::from_utf8_lossy(&t).into_owned(),
                Err(e) => {
                    problems.push(&name, 0, format!("cannot read {}: {e}", path.display()));
                    continue;
                }
            };
            let Some(src) = b.source(&name, "local TI file") else {
                continue;
            };
            parse_local_file(&text, &name, *kind, problems, |ioc| {
                let level = ioc.threat_level.unwrap_or(slips_core::ThreatLevel::Medium);
                if b.add(
                    src,
                    level,
                    ioc.value,
                    ioc.fingerprint,
                    ioc.description.as_deref(),
                )
                .is_err()
                {
                    rejected += 1;
                }
            });
        }
        if rejected > 0 {
            tracing::debug!("{rejected} non-global addresses or ranges in feeds ignored");
        }
        b.build()
    }
}

/// What one refresh pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshReport {
    pub updated: usize,
    pub not_modified: usize,
    pub failed: usize,
    /// Feeds whose cache was fresh enough to skip.
    pub skipped: usize,
    /// Whether the database was rebuilt and swapped.
    pub swapped: bool,
}

fn refresh_pass(
    sources: &SourceSet,
    intel: &SharedIntel,
    max_age: Option<Duration>,
    stopped: &dyn Fn() -> bool,
) -> RefreshReport {
    let mut r = RefreshReport::default();
    for url in sources.remote_urls() {
        if stopped() {
            break;
        }
        let fresh = max_age.is_some_and(|max| {
            sources
                .downloader
                .cache_age(url)
                .is_some_and(|age| age < max)
        });
        if fresh {
            r.skipped += 1;
            continue;
        }
        match sources.downloader.fetch(url) {
            FetchOutcome::Updated => r.updated += 1,
            FetchOutcome::NotModified => r.not_modified += 1,
            FetchOutcome::Failed { .. } => r.failed += 1,
        }
    }
    if r.updated > 0 {
        let mut problems = Problems::default();
        let db = sources.build(&mut problems);
        let c = db.counts().total();
        intel.swap(db);
        r.swapped = true;
        tracing::info!(
            "threat intelligence refreshed: {} feeds updated, {c} IoCs, {} malformed lines",
            r.updated,
            problems.total
        );
    }
    r
}

/// A whitelist shared with the engine.
#[derive(Clone, Debug)]
pub struct WhitelistFilter(pub Arc<Whitelist>);

impl Filter for WhitelistFilter {
    fn skip_record(&self, record: &Record) -> bool {
        self.0.skip_record(record)
    }
    fn skip_evidence(&self, evidence: &EvidenceDraft) -> bool {
        self.0.skip_evidence(evidence)
    }
}

/// Everything loaded: the IoC database, the whitelist, the knowledge for detectors and the
/// feed refresher. See the crate documentation for the wiring.
#[derive(Debug)]
pub struct Intel {
    intel: Arc<SharedIntel>,
    knowledge: Arc<IntelKnowledge>,
    whitelist: Option<Arc<Whitelist>>,
    sources: Arc<SourceSet>,
    problems: Problems,
    refresher: Option<Refresher>,
}

impl Intel {
    /// Loads everything the configuration names, relative paths against `base_dir`, and
    /// starts the feed refresher. Only reads local files and cached feeds: never waits on
    /// the network.
    pub fn load(cfg: &Config, base_dir: &Path) -> Result<Intel, IntelError> {
        Self::load_with(cfg, base_dir, LoadOptions::default())
    }

    pub fn load_with(
        cfg: &Config,
        base_dir: &Path,
        opts: LoadOptions,
    ) -> Result<Intel, IntelError> {
        let p = |x: &Path| -> PathBuf {
            if x.is_absolute() {
                x.to_owned()
            } else {
                base_dir.join(x)
            }
        };
        let set = |x: &Path| !x.as_os_str().is_empty();
        let mut problems = Problems::default();
        let e = &cfg.enrichment;
        let ti = &cfg.threat_intelligence;

        let geo = Arc::new(Geo::open(
            set(&e.geoip_country_db)
                .then(|| p(&e.geoip_country_db))
                .as_deref(),
            set(&e.geoip_asn_db).then(|| p(&e.geoip_asn_db)).as_deref(),
        ));
        let orgs = Arc::new(if set(&e.organizations_info) {
            let dir = p(&e.organizations_info);
            if dir.is_dir() {
                OrgData::load(&dir, &mut problems)
            } else {
                tracing::warn!(
                    "organisations folder {} not found; using slips' built-in organisation data",
                    dir.display()
                );
                OrgData::builtin()
            }
        } else {
            OrgData::builtin()
        });
        let vendors = if set(&e.mac_vendors_db) {
            let path = p(&e.mac_vendors_db);
            match read_optional(&path)? {
                Some(t) => MacVendors::parse(&t, &path.display().to_string(), &mut problems),
                None => {
                    tracing::warn!(
                        "MAC vendor registry {} not found; MAC vendors unknown",
                        path.display()
                    );
                    MacVendors::default()
                }
            }
        } else {
            MacVendors::default()
        };
        let tor = if set(&e.tor_exit_nodes) {
            let path = p(&e.tor_exit_nodes);
            match read_optional(&path)? {
                Some(t) => {
                    knowledge::parse_tor_list(&t, &path.display().to_string(), &mut problems)
                }
                None => {
                    tracing::warn!("TOR exit node list {} not found", path.display());
                    Default::default()
                }
            }
        } else {
            Default::default()
        };

        let mut feeds = Vec::new();
        for (list, kind) in [
            (&ti.ti_files, ListKind::Ti),
            (&ti.ja3_feeds, ListKind::Ja3),
            (&ti.ssl_feeds, ListKind::Ssl),
        ] {
            if !set(list) {
                continue;
            }
            let path = p(list);
            match read_optional(&path)? {
                Some(t) => {
                    let dir = path.parent().unwrap_or(base_dir);
                    let name = path.display().to_string();
                    feeds.extend(parse_feed_list(&t, &name, kind, dir, &mut problems));
                }
                None => tracing::warn!(
                    "feed list {} not found; no threat intelligence feeds from it",
                    path.display()
                ),
            }
        }
        let mut local_files = Vec::new();
        if set(&ti.local_threat_intelligence_files) {
            let dir = p(&ti.local_threat_intelligence_files);
            match std::fs::read_dir(&dir) {
                Ok(rd) => {
                    let mut files: Vec<PathBuf> = rd
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file())
                        .filter(|p| {
                            p.extension().is_some_and(|x| {
                                x.eq_ignore_ascii_case("csv") || x.eq_ignore_ascii_case("txt")
                            })
                        })
                        .collect();
                    files.sort();
                    for f in files {
                        let kind = ListKind::of_local_file(&f.to_string_lossy());
                        local_files.push((f, kind));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tracing::warn!(
                        "local threat intelligence folder {} not found; no IoCs from local files",
                        dir.display()
                    )
                }
                Err(source) => return Err(IntelError::Read { path: dir, source }),
            }
        }
        let sources = Arc::new(SourceSet {
            feeds,
            local_files,
            downloader: Downloader::new(
                p(&ti.download_path_for_remote_threat_intelligence),
                opts.download_timeout,
            ),
        });
        let db = sources.build(&mut problems);
        let counts = db.counts().clone();
        let asn: Option<Arc<dyn AsnSource>> = geo
            .has_asn()
            .then(|| Arc::clone(&geo) as Arc<dyn AsnSource>);
        let intel = Arc::new(SharedIntel::new(db, asn.clone()));

        let whitelist = if cfg.whitelists.enable_local_whitelist {
            let configured = &cfg.whitelists.local_whitelist_path;
            let path = p(configured);
            let text = if !set(configured) {
                None
            } else {
                read_optional(&path)?.map(|t| (t, path.display().to_string()))
            };
            let text = match text {
                Some(t) => Some(t),
                // Slips' default path (or none): slips' built-in whitelist.
                None if !set(configured)
                    || *configured == Config::default().whitelists.local_whitelist_path =>
                {
                    if set(configured) && opts.warn_missing_default_whitelist {
                        tracing::warn!(
                            "whitelist {} not found; using slips' built-in whitelist",
                            path.display()
                        );
                    }
                    Some((
                        defaults::WHITELIST.to_owned(),
                        defaults::WHITELIST_NAME.to_owned(),
                    ))
                }
                None => {
                    tracing::warn!(
                        "whitelist {} not found; 0 whitelist entries, nothing is whitelisted",
                        path.display()
                    );
                    None
                }
            };
            text.map(|(t, name)| {
                let w = Whitelist::parse(&t, &name, Arc::clone(&orgs), asn, &mut problems);
                if w.is_empty() {
                    tracing::warn!("whitelist {name}: 0 entries, nothing is whitelisted");
                } else {
                    tracing::info!("whitelist {name}: {} entries", w.len());
                }
                Arc::new(w)
            })
        } else {
            None
        };

        // Online enrichers (off unless enrichment.online_lookups): their threads start
        // here and answer in the background.
        let online = if opts.start_online {
            OnlineOptions::from_config(cfg, base_dir).map(|o| Arc::new(Online::start(o)))
        } else {
            None
        };
        if let Some(o) = &online {
            tracing::info!("online lookups enabled: {o:?}");
        }
        let knowledge = Arc::new(
            IntelKnowledge::new(Arc::clone(&intel), Arc::clone(&geo), orgs, vendors, tor)
                .with_online(online)
                .with_whitelist(whitelist.clone()),
        );

        for pr in problems.kept.iter().take(20) {
            tracing::warn!("skipped: {pr}");
        }
        if problems.total > 20 {
            tracing::warn!("{} more malformed lines skipped", problems.total - 20);
        }
        tracing::info!(
            "threat intelligence: {} IoCs ({} IPs, {} ranges, {} domains, {} JA3, {} certificates) from {} feeds and {} local files",
            counts.total(),
            counts.ips,
            counts.ranges,
            counts.domains,
            counts.ja3,
            counts.cert_sha1,
            sources.feeds.len(),
            sources.local_files.len()
        );
        let ti_configured = [
            &ti.ti_files,
            &ti.ja3_feeds,
            &ti.ssl_feeds,
            &ti.local_threat_intelligence_files,
        ]
        .into_iter()
        .any(|x| set(x));
        if ti_configured && counts.total() == 0 {
            tracing::warn!(
                "threat intelligence: 0 IoCs loaded (no feed or local file found, or all empty; \
                 relative paths resolve against {})",
                base_dir.display()
            );
        }

        let mut me = Intel {
            intel,
            knowledge,
            whitelist,
            sources,
            problems,
            refresher: None,
        };
        if opts.start_refresher
            && ti.download_remote_feeds
            && me.sources.remote_urls().next().is_some()
        {
            let period = Duration::from_secs_f64(ti.ti_files_update_period.max(60.0));
            let sources = Arc::clone(&me.sources);
            let intel = Arc::clone(&me.intel);
            me.refresher = Some(Refresher::spawn(period, move |stopped| {
                refresh_pass(&sources, &intel, Some(period), stopped);
            }));
        }
        Ok(me)
    }

    /// Resources for building detectors; the other fields keep their defaults (the
    /// binary sets them, e.g. behavioural models).
    pub fn resources(&self) -> Resources {
        Resources {
            knowledge: Arc::clone(&self.knowledge) as Arc<dyn slips_detectors::Knowledge>,
            ..Resources::default()
        }
    }

    /// The whitelist as an engine filter; `None` when no whitelist is loaded.
    pub fn filter(&self) -> Option<Box<dyn Filter>> {
        self.whitelist
            .as_ref()
            .map(|w| Box::new(WhitelistFilter(Arc::clone(w))) as Box<dyn Filter>)
    }

    pub fn whitelist(&self) -> Option<&Arc<Whitelist>> {
        self.whitelist.as_ref()
    }

    /// The IoC database handle (implements [`slips_detectors::knowledge::IocLookup`]).
    pub fn lookup(&self) -> &Arc<SharedIntel> {
        &self.intel
    }

    pub fn knowledge(&self) -> &Arc<IntelKnowledge> {
        &self.knowledge
    }

    /// Malformed lines and unreadable sources found while loading.
    pub fn problems(&self) -> &Problems {
        &self.problems
    }

    /// The feeds of the feed lists.
    pub fn feeds(&self) -> &[FeedSpec] {
        &self.sources.feeds
    }

    /// Downloads every remote feed now (conditionally) and swaps the database when one
    /// changed. Blocks: for tests and explicit updates, not for the analysis thread.
    pub fn refresh_now(&self) -> RefreshReport {
        refresh_pass(&self.sources, &self.intel, None, &|| false)
    }

    /// Whether the background refresher runs.
    pub fn refresher_running(&self) -> bool {
        self.refresher.is_some()
    }

    /// Stops the background refresher (also done on drop).
    pub fn stop_refresher(&mut self) {
        if let Some(r) = self.refresher.take() {
            r.stop();
        }
    }
}

#[cfg(test)]
mod tests;

//! The typed configuration and its defaults.
//!
//! Field names follow the YAML keys (`ssh_succesful_detection_threshold` keeps Slips'
//! spelling) so that a key in the file is easy to find here. Defaults are those of Slips'
//! own `config/slips.yaml`. Sections that slips does not use are accepted by the loader but
//! not stored.

use crate::types::{AnalysisDirection, ExportFormat, ExportTarget, TimeWindowWidth};
use ipnet::IpNet;
use slips_core::EvidenceType;
use std::path::PathBuf;

/// The whole configuration. [`Config::default()`] equals Slips' shipped `slips.yaml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// `output:` log file names (used in daemon mode).
    pub output: Output,
    /// `parameters:` general settings.
    pub parameters: Parameters,
    /// `detection:` alerting.
    pub detection: Detection,
    /// `modules:` which modules run.
    pub modules: Modules,
    /// `DisabledAlerts:` evidence types that are dropped.
    pub disabled_alerts: DisabledAlerts,
    /// `flow_alerts:` thresholds of the flow heuristics.
    pub flow_alerts: FlowAlerts,
    /// `brute_force_detector:`.
    pub brute_force_detector: BruteForceDetector,
    /// `virustotal:`.
    pub virustotal: VirusTotal,
    /// `threatintelligence:` feeds and local TI files.
    pub threat_intelligence: ThreatIntelligence,
    /// `whitelists:`.
    pub whitelists: Whitelists,
    /// `exporting_alerts:` Slack / STIX export.
    pub exporting_alerts: ExportingAlerts,
    /// `cesnet:` Warden sharing.
    pub cesnet: Cesnet,
    /// `web_interface:`.
    pub web_interface: WebInterface,
    /// `slips:` settings of this implementation that Slips does not have.
    pub engine: Engine,
    /// `enrichment:` data files for GeoIP, ASN, MAC vendors, organisations and TOR exit
    /// nodes (slips' own section; Slips hard-codes these paths).
    pub enrichment: Enrichment,
    /// `blocking:` prevention in the kernel firewall (slips' own section; Slips keeps a
    /// few of these as command-line flags).
    pub blocking: Blocking,
    /// `database:` the analysis database `slips.sqlite` (slips' own section).
    pub database: Database,
    /// `redis:` publishing to Redis (slips' own section).
    pub redis: Redis,
    /// `export:` syslog, CEF, ECS, Slack webhooks, TAXII secrets and metrics (slips' own
    /// section; Slips' keys stay in `exporting_alerts:`).
    pub export: Export,
}

/// `export:` section (slips' own): the exports Slips does not have, and the settings of
/// its exports that Slips hard-codes.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// `syslog`: `udp://host:port`, `tcp://host:port`, `tls://host:port` (RFC 5425) or a
    /// file path (relative: in the output folder); empty (default): off.
    pub syslog: String,
    /// `syslog_ca_file`: the CA certificate (PEM) a `tls://` receiver's certificate is
    /// checked against; empty (default): the public roots.
    pub syslog_ca_file: PathBuf,
    /// `syslog_format`: what each syslog message carries: `rfc5424` (text with structured
    /// data, default), `cef` or `ecs`.
    pub syslog_format: String,
    /// `syslog_facility`: 0–23 (default 16, local0).
    pub syslog_facility: u8,
    /// `cef_file`: CEF lines (relative: in the output folder); empty (default): off.
    pub cef_file: PathBuf,
    /// `ecs_file`: Elastic Common Schema JSON lines; empty (default): off.
    pub ecs_file: PathBuf,
    /// `evidence`: syslog, CEF and ECS also get every evidence, not only alerts (default
    /// true).
    pub evidence: bool,
    /// `slack_webhook_file`: a file holding a Slack incoming-webhook URL; when set it is
    /// used instead of `chat.postMessage` with the bot token.
    pub slack_webhook_file: PathBuf,
    /// `slack_api_url`: the `chat.postMessage` endpoint (default Slack's).
    pub slack_api_url: String,
    /// `slack_min_interval`: seconds between two Slack messages (default 1).
    pub slack_min_interval: f64,
    /// `web_url`: the web interface's address, linked from Slack messages; empty: none.
    pub web_url: String,
    /// `stix_evidence`: STIX bundles also carry every evidence (default false: alerts).
    pub stix_evidence: bool,
    /// `taxii_password_file`: a file holding the TAXII password (wins over
    /// `exporting_alerts.taxii_password`; `SLIPS_TAXII_PASSWORD` wins over both).
    pub taxii_password_file: PathBuf,
    /// `taxii_ca_file`: a CA certificate (PEM) to trust for the TAXII server's HTTPS instead
    /// of Mozilla's roots; empty: those.
    pub taxii_ca_file: PathBuf,
    /// `queue`: events each exporter holds before new ones are dropped (default 10,000).
    pub queue: usize,
    /// `retries`: attempts after the first failed send (default 5).
    pub retries: u32,
    /// `retry_backoff`: first pause between attempts, doubled each time (default 0.5 s).
    pub retry_backoff: f64,
    /// `retry_max_delay`: longest pause between attempts (default 30 s).
    pub retry_max_delay: f64,
    /// `drain_timeout`: how long the end of a run waits for exporters (default 10 s).
    pub drain_timeout: f64,
    /// `metrics`: `host:port` for the Prometheus endpoint (as `--metrics`); empty: off.
    pub metrics: String,
}

impl Default for Export {
    fn default() -> Self {
        Export {
            syslog: String::new(),
            syslog_format: "rfc5424".to_owned(),
            syslog_facility: 16,
            cef_file: PathBuf::new(),
            ecs_file: PathBuf::new(),
            evidence: true,
            slack_webhook_file: PathBuf::new(),
            slack_api_url: "https://slack.com/api/chat.postMessage".to_owned(),
            slack_min_interval: 1.0,
            web_url: String::new(),
            stix_evidence: false,
            taxii_password_file: PathBuf::new(),
            taxii_ca_file: PathBuf::new(),
            syslog_ca_file: PathBuf::new(),
            queue: 10_000,
            retries: 5,
            retry_backoff: 0.5,
            retry_max_delay: 30.0,
            drain_timeout: 10.0,
            metrics: String::new(),
        }
    }
}

/// `redis:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Redis {
    /// `url`: e.g. `redis://127.0.0.1:6379/0`; empty (default): no Redis.
    pub url: String,
    /// `publish`: the channels to publish; empty (default): all.
    pub publish: Vec<String>,
    /// `ttl`: seconds the kept alerts, evidence and profile keys live (default one day).
    pub ttl: f64,
    /// `max_list`: most alerts, evidence and blocking decisions kept in their lists
    /// (default 10,000).
    pub max_list: usize,
    /// `evidence_in`: take evidence that modules publish on the `evidence_in` channel
    /// (default off: whoever may publish on the server could then raise alerts and blocks).
    pub evidence_in: bool,
    /// `evidence_wait`: at the end of the input, how long a quiet `evidence_in` is waited
    /// for before the last windows close (seconds, default 2).
    pub evidence_wait: f64,
}

impl Default for Redis {
    fn default() -> Self {
        Redis {
            url: String::new(),
            publish: Vec::new(),
            ttl: 86_400.0,
            max_list: 10_000,
            evidence_in: false,
            evidence_wait: 2.0,
        }
    }
}

/// `database:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    /// `enabled`: write `<output>/slips.sqlite` (default true; `--no-db` turns it off).
    pub enabled: bool,
    /// `store_flows`: keep every record too, not only profiles, windows, tuples, evidence,
    /// alerts and blocking (default true).
    pub store_flows: bool,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            enabled: true,
            store_flows: true,
        }
    }
}

/// `output:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// `stdout` (default `slips.log`).
    pub stdout: String,
    /// `stderr` (default `errors.log`).
    pub stderr: String,
    /// `logs` (default `slips.log`).
    pub logs: String,
}

/// `parameters:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameters {
    /// `verbose`: how much is printed about detections, 0–3 (default 1).
    pub verbose: u8,
    /// `debug`: how much is printed about errors and warnings, 0–3 (default 0).
    pub debug: u8,
    /// `time_window_width`: seconds, or `only_one_tw` (default 3600).
    pub time_window_width: TimeWindowWidth,
    /// `export_strato_letters`: write `strato_letters.tsv` (default false).
    pub export_strato_letters: bool,
    /// `analysis_direction`: `out` or `all` (default out).
    pub analysis_direction: AnalysisDirection,
    /// `delete_zeek_files` (default false).
    pub delete_zeek_files: bool,
    /// `store_a_copy_of_zeek_files` (default false).
    pub store_a_copy_of_zeek_files: bool,
    /// `store_zeek_files_in_the_output_dir` (default true).
    pub store_zeek_files_in_the_output_dir: bool,
    /// `metadata_dir`: write `metadata/` in the output folder (default true).
    pub metadata_dir: bool,
    /// `permanent_dir`: data kept across runs (default `permanent`).
    pub permanent_dir: PathBuf,
    /// `pcapfilter`: BPF filter given to Zeek (default empty = none).
    pub pcapfilter: String,
    /// `tcp_inactivity_timeout`: in **minutes**, given to Zeek (default 60).
    pub tcp_inactivity_timeout: u32,
    /// `deletePrevdb`: start from an empty database (default true).
    pub delete_prev_db: bool,
    /// `label`: ground-truth label given to every flow (default `normal`).
    pub label: String,
    /// `rotation`: rotate Zeek logs on live captures (default true).
    pub rotation: bool,
    /// `default_rotation_interval`, in seconds (default `1day` = 86400).
    pub default_rotation_interval: f64,
    /// `keep_rotated_files_for`, in seconds (default `1 day` = 86400).
    pub keep_rotated_files_for: f64,
    /// `wait_for_modules_to_finish`, in seconds (default `10080 mins` = one week).
    pub wait_for_modules_to_finish: f64,
    /// `export_labeled_flows` (default false).
    pub export_labeled_flows: bool,
    /// `export_format`: `json` or `tsv` (default json).
    pub export_format: ExportFormat,
    /// `client_ips`: addresses and networks considered local ("ours"). Plain addresses
    /// are stored as /32 or /128 networks; networks are truncated to their base address.
    pub client_ips: Vec<IpNet>,
    /// `home_network` (a key of older Slips versions): when set, only IPs inside these
    /// networks get profiles. `None` = every IP may get a profile.
    pub home_network: Option<Vec<IpNet>>,
    /// `reorder_window` (ours): how late, in seconds of event time, a record of an input
    /// that is not in time order (Suricata eve.json, Argus, nfdump...) may arrive and still
    /// be put back in start-time order. `None` (default): one day for files, 120 s for
    /// standard input (see `slips_flows::reorder`).
    pub reorder_window: Option<f64>,
}

/// `detection:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// `evidence_detection_threshold`: the window score (threat level × confidence of the
    /// window's findings, docs/scoring.md) that raises an alert; positive (default 0.8).
    /// Slips 1.x read it per minute of window (0.25 × 60 = 15 for one hour); slips does not
    /// scale it with the window width. See [`Config::threshold_per_window`].
    pub evidence_detection_threshold: f64,
    /// `popup_alerts`: desktop notifications (default false).
    pub popup_alerts: bool,
}

/// `modules:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Modules {
    /// `disable`: module names not to run (default `[template]`).
    pub disable: Vec<String>,
    /// `enable` (ours): detectors that are off by default to run anyway, e.g. `[template]`
    /// (default none). `enable` wins over `disable`.
    pub enable: Vec<String>,
    /// `timeline_human_timestamp`: human-readable times in the timeline (default true).
    pub timeline_human_timestamp: bool,
    /// `external` (ours): detectors in other languages, run as programs that read JSON
    /// lines on standard input and write evidence as JSON lines (docs/external-modules.md).
    pub external: Vec<ExternalModule>,
}

/// `DisabledAlerts:` section.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DisabledAlerts {
    /// `disabled_detections`: evidence of these types is dropped (default none).
    pub disabled_detections: Vec<EvidenceType>,
}

/// `flow_alerts:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowAlerts {
    /// `long_connection_threshold`: seconds (default 1500).
    pub long_connection_threshold: f64,
    /// `ssh_succesful_detection_threshold` (Slips' spelling): bytes (default 4290).
    pub ssh_succesful_detection_threshold: u64,
    /// `data_exfiltration_threshold`: megabytes (default 500).
    pub data_exfiltration_threshold: f64,
    /// `entropy_threshold`: Shannon entropy of DNS TXT answers (default 5).
    pub entropy_threshold: f64,
    /// `pastebin_download_threshold`: bytes (default 700).
    pub pastebin_download_threshold: u64,
}

/// `brute_force_detector:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct BruteForceDetector {
    /// `ssh_attempt_threshold`: SSH attempts from one source to one destination (default 9).
    pub ssh_attempt_threshold: u32,
}

/// `virustotal:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct VirusTotal {
    /// `api_key_file` (default `config/vt_api_key`).
    pub api_key_file: PathBuf,
    /// `virustotal_update_period`: seconds (default 259200 = 3 days).
    pub virustotal_update_period: f64,
    /// `url` (slips' own): base URL of the VirusTotal API v2 (default
    /// `https://www.virustotal.com/vtapi/v2`). Used only with `enrichment.online_lookups`
    /// and an API key in `api_key_file`.
    pub url: String,
    /// `requests_per_minute` (slips' own): VirusTotal's public API limit (default 4).
    pub requests_per_minute: u32,
}

/// `threatintelligence:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreatIntelligence {
    /// `wait_for_TI_to_finish` (default false).
    pub wait_for_ti_to_finish: bool,
    /// `local_threat_intelligence_files`: folder of the user's own IoC files
    /// (default `config/local_ti_files/`).
    pub local_threat_intelligence_files: PathBuf,
    /// `download_path_for_remote_threat_intelligence`.
    pub download_path_for_remote_threat_intelligence: PathBuf,
    /// `TI_files_update_period`: seconds (default 86400).
    pub ti_files_update_period: f64,
    /// `mac_db_update`: seconds (default 1209600 = 2 weeks).
    pub mac_db_update: f64,
    /// `mac_db`: URL of the MAC vendor database.
    pub mac_db: String,
    /// `ti_files`: list of IP/domain feeds (default `config/TI_feeds.csv`).
    pub ti_files: PathBuf,
    /// `ja3_feeds` (default `config/JA3_feeds.csv`).
    pub ja3_feeds: PathBuf,
    /// `ssl_feeds` (default `config/SSL_feeds.csv`).
    pub ssl_feeds: PathBuf,
    /// `RiskIQ_credentials_path` (default `config/RiskIQ_credentials`).
    pub riskiq_credentials_path: PathBuf,
    /// `riskiq_update_period`: seconds (default 604800).
    pub riskiq_update_period: f64,
    /// `download_remote_feeds` (slips' own key): download the remote feeds of the feed
    /// lists in the background (default true). Cached copies are used either way.
    pub download_remote_feeds: bool,
    /// `urlhaus_url` (slips' own): base URL of the URLhaus API, asked about the MD5 of
    /// downloaded files when `enrichment.online_lookups` is on (default
    /// `https://urlhaus-api.abuse.ch/v1`; empty: not asked).
    pub urlhaus_url: String,
    /// `circl_url` (slips' own): base URL of Circl.lu's hashlookup, asked like URLhaus
    /// (default `https://hashlookup.circl.lu`; empty: not asked).
    pub circl_url: String,
}

/// `whitelists:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Whitelists {
    /// `enable_online_whitelist`: Tranco top domains (default true).
    pub enable_online_whitelist: bool,
    /// `online_whitelist_update_period`: seconds (default 86400).
    pub online_whitelist_update_period: f64,
    /// `online_whitelist`: URL of the Tranco list.
    pub online_whitelist: String,
    /// `enable_local_whitelist` (default true).
    pub enable_local_whitelist: bool,
    /// `local_whitelist_path` (default `config/whitelist.conf`).
    pub local_whitelist_path: PathBuf,
}

/// `enrichment:` section (slips' own). Relative paths are relative to the folder slips
/// runs in. A missing file disables what it provides, with one warning.
#[derive(Clone, Debug, PartialEq)]
pub struct Enrichment {
    /// `geoip_country_db`: MaxMind country database (default empty: no country; e.g.
    /// `databases/GeoLite2-Country.mmdb`).
    pub geoip_country_db: PathBuf,
    /// `geoip_asn_db`: MaxMind ASN database (default empty: no ASN; e.g.
    /// `databases/GeoLite2-ASN.mmdb`).
    pub geoip_asn_db: PathBuf,
    /// `mac_vendors_db`: IEEE OUI registry in CSV (default
    /// `/usr/share/ieee-data/oui.csv`, Debian package `ieee-data`).
    pub mac_vendors_db: PathBuf,
    /// `organizations_info`: folder with `<org>_asn`, `<org>_ip_ranges` and
    /// `<org>_domains` files (default empty: none; e.g. `config/organizations_info/`).
    pub organizations_info: PathBuf,
    /// `tor_exit_nodes`: file with one TOR exit node IP per line (default empty: none).
    pub tor_exit_nodes: PathBuf,
    /// `online_lookups`: allow the online enrichers (reverse DNS, whois, VirusTotal,
    /// URLhaus, Circl.lu) (default false). They run in the background and never hold up
    /// the analysis, but their answers arrive while it runs, so results depend on timing.
    pub online_lookups: bool,
    /// `reverse_dns`: reverse DNS names of IPs, with `online_lookups` (default true).
    pub reverse_dns: bool,
    /// `whois`: domain ages from whois (young domain evidence), with `online_lookups`
    /// (default true).
    pub whois: bool,
    /// `dns_server`: `IP` or `IP:port` asked for reverse DNS (default empty: the first
    /// `nameserver` of `/etc/resolv.conf`).
    pub dns_server: String,
    /// `whois_server`: `host` or `host:port` asked first; its referral is followed (default
    /// `whois.iana.org`).
    pub whois_server: String,
    /// `lookup_timeout`: seconds one online lookup may take (default 10).
    pub lookup_timeout: f64,
    /// `lookups_per_minute`: most requests per minute to each online service other than
    /// VirusTotal (default 60).
    pub lookups_per_minute: u32,
}

impl Default for Enrichment {
    fn default() -> Self {
        Enrichment {
            geoip_country_db: PathBuf::new(),
            geoip_asn_db: PathBuf::new(),
            mac_vendors_db: PathBuf::from("/usr/share/ieee-data/oui.csv"),
            organizations_info: PathBuf::new(),
            tor_exit_nodes: PathBuf::new(),
            online_lookups: false,
            reverse_dns: true,
            whois: true,
            dns_server: String::new(),
            whois_server: "whois.iana.org".to_owned(),
            lookup_timeout: 10.0,
            lookups_per_minute: 60,
        }
    }
}

/// `exporting_alerts:` section (Slips' keys; `direct_export_workers` and
/// `direct_export_max_workers` are accepted with a warning: one thread exports).
#[derive(Clone, Debug, PartialEq)]
pub struct ExportingAlerts {
    /// `export_to`: `slack` and/or `stix` (default none).
    pub export_to: Vec<ExportTarget>,
    /// `slack_channel_name`.
    pub slack_channel_name: String,
    /// `sensor_name` (default `sensor1`).
    pub sensor_name: String,
    /// `slack_api_path`: file holding the Slack token.
    pub slack_api_path: PathBuf,
    /// `TAXII_server` (default `localhost`).
    pub taxii_server: String,
    /// `port` of the TAXII server (default 1234).
    pub port: u16,
    /// `use_https` (default false).
    pub use_https: bool,
    /// `discovery_path` (default `/taxii2/`).
    pub discovery_path: String,
    /// `taxii_version`: 1 or 2 (default 2).
    pub taxii_version: u8,
    /// `collection_name` (default `Alerts`).
    pub collection_name: String,
    /// `push_delay`: seconds (default 3600).
    pub push_delay: f64,
    /// `direct_export`: push each alert to TAXII as it comes instead of every
    /// `push_delay` (default true).
    pub direct_export: bool,
    /// `direct_export_retry_max`: TAXII attempts after a failed push; 0: until the end of
    /// the run (default 0).
    pub direct_export_retry_max: u32,
    /// `direct_export_retry_backoff`: first pause between TAXII attempts (default 0.5 s).
    pub direct_export_retry_backoff: f64,
    /// `direct_export_retry_max_delay`: longest pause between TAXII attempts (default 5 s).
    pub direct_export_retry_max_delay: f64,
    /// `taxii_username` (default `admin`).
    pub taxii_username: String,
    /// `taxii_password` (never logged; `export.taxii_password_file` and
    /// `SLIPS_TAXII_PASSWORD` win over it).
    pub taxii_password: Secret,
    /// `taxii_timeout`: seconds per TAXII request (default 10).
    pub taxii_timeout: f64,
}

/// A secret value from the configuration: compared and cloned, never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// `cesnet:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Cesnet {
    /// `send_alerts`: each alert as IDEA0 to the Warden server of `configuration_file`
    /// (default false).
    pub send_alerts: bool,
    /// `receive_alerts` (default false).
    pub receive_alerts: bool,
    /// `configuration_file` (default `config/warden.conf`).
    pub configuration_file: PathBuf,
    /// `receive_delay`: seconds (default 86400).
    pub receive_delay: f64,
}

/// `web_interface:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct WebInterface {
    /// `port` (default 55000).
    pub port: u16,
    /// `token`: the access token of the web interface (`--web`, `slips web`); empty: a
    /// random one per start.
    pub token: String,
}

/// Which firewall blocking talks to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BlockingBackend {
    /// nftables when `nft` is present, else iptables.
    #[default]
    Auto,
    /// A table `inet slips` with timed sets.
    Nftables,
    /// A `slipsBlocking` chain and ipset sets.
    Iptables,
}

/// `blocking:` section.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocking {
    /// `backend`: `auto`, `nftables` or `iptables` (default auto).
    pub backend: BlockingBackend,
    /// `duration`: seconds a first block lasts; `None` (absent) means one time window.
    pub duration: Option<f64>,
    /// `max_duration`: cap of the doubling durations of repeat offenders (default one day).
    pub max_duration: f64,
    /// `dry_run`: decide and log, never touch the firewall (default false).
    pub dry_run: bool,
    /// `keep_on_exit`: leave the blocks in place at exit and re-apply them, with their
    /// remaining time, on the next start (default false: everything is removed at exit).
    pub keep_on_exit: bool,
    /// `never`: ranges that are never blocked, besides the host's own addresses, its
    /// gateway and resolvers, loopback, link-local, multicast and the whitelist.
    pub never: Vec<IpNet>,
    /// `state_dir`: where the state of kept blocks and manual unblocks live. `None`:
    /// `/var/lib/slips` for root, else `$XDG_STATE_HOME/slips` (`~/.local/state/slips`).
    pub state_dir: Option<PathBuf>,
    /// `max_blocked`: most IPs blocked at once; further blocks are refused and counted
    /// (default 100,000).
    pub max_blocked: usize,
}

impl Default for Blocking {
    fn default() -> Self {
        Blocking {
            backend: BlockingBackend::Auto,
            duration: None,
            max_duration: 86_400.0,
            dry_run: false,
            keep_on_exit: false,
            never: Vec::new(),
            state_dir: None,
            max_blocked: 100_000,
        }
    }
}

/// `slips:` section: limits of this implementation (Slips has no such section).
#[derive(Clone, Debug, PartialEq)]
pub struct Engine {
    /// `max_open_windows`: most profile-time-windows kept in memory at once; when the cap
    /// is reached the oldest are closed early (default 500,000).
    pub max_open_windows: usize,
    /// `max_profiles`: most profiles (IPs) tracked at once (default 1,000,000).
    pub max_profiles: usize,
    /// `max_evidence_per_type`: most evidence of one type listed per profile and window;
    /// the rest are summarised in one evidence with their count (default 100).
    pub max_evidence_per_type: usize,
    /// `max_tuples_per_window`: most tuples (peers and ports, for the window files) per
    /// direction, profile and window; beyond, those with the fewest flows are dropped and
    /// counted (default 10,000).
    pub max_tuples_per_window: usize,
    /// `max_tuples`: most tuples in all open windows together; past it a window holding
    /// more than its share sheds first (default 1,000,000).
    pub max_tuples: usize,
    /// `close_grace`: seconds of traffic time a window stays open after its end, so that
    /// late (out-of-order) flows still land in it. `None` (the key absent) means one window
    /// width, like Slips, which closes a window once its profile saw no flow for one width.
    /// Use [`Config::close_grace`] for the effective value.
    pub close_grace: Option<f64>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            stdout: "slips.log".to_owned(),
            stderr: "errors.log".to_owned(),
            logs: "slips.log".to_owned(),
        }
    }
}

impl Default for Parameters {
    fn default() -> Self {
        Parameters {
            verbose: 1,
            debug: 0,
            time_window_width: TimeWindowWidth::DEFAULT,
            export_strato_letters: false,
            analysis_direction: AnalysisDirection::Out,
            delete_zeek_files: false,
            store_a_copy_of_zeek_files: false,
            store_zeek_files_in_the_output_dir: true,
            metadata_dir: true,
            permanent_dir: PathBuf::from("permanent"),
            pcapfilter: String::new(),
            tcp_inactivity_timeout: 60,
            reorder_window: None,
            delete_prev_db: true,
            label: "normal".to_owned(),
            rotation: true,
            default_rotation_interval: 86_400.0,
            keep_rotated_files_for: 86_400.0,
            wait_for_modules_to_finish: 10_080.0 * 60.0,
            export_labeled_flows: false,
            export_format: ExportFormat::Json,
            client_ips: Vec::new(),
            home_network: None,
        }
    }
}

impl Default for Detection {
    fn default() -> Self {
        Detection {
            evidence_detection_threshold: 0.8,
            popup_alerts: false,
        }
    }
}

impl Default for Modules {
    fn default() -> Self {
        Modules {
            disable: vec!["template".to_owned()],
            enable: Vec::new(),
            timeline_human_timestamp: true,
            external: Vec::new(),
        }
    }
}

/// One `modules.external` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalModule {
    /// Its name (in evidence and logs).
    pub name: String,
    /// The program and its arguments (no shell).
    pub command: Vec<String>,
    /// The channels it subscribes to (`new_flow`, `new_dns`, `evidence_added`...).
    pub channels: Vec<String>,
}

impl Default for FlowAlerts {
    fn default() -> Self {
        FlowAlerts {
            long_connection_threshold: 1500.0,
            ssh_succesful_detection_threshold: 4290,
            data_exfiltration_threshold: 500.0,
            entropy_threshold: 5.0,
            pastebin_download_threshold: 700,
        }
    }
}

impl Default for BruteForceDetector {
    fn default() -> Self {
        BruteForceDetector {
            ssh_attempt_threshold: 9,
        }
    }
}

impl Default for VirusTotal {
    fn default() -> Self {
        VirusTotal {
            api_key_file: PathBuf::from("config/vt_api_key"),
            virustotal_update_period: 259_200.0,
            url: "https://www.virustotal.com/vtapi/v2".to_owned(),
            requests_per_minute: 4,
        }
    }
}

impl Default for ThreatIntelligence {
    fn default() -> Self {
        ThreatIntelligence {
            wait_for_ti_to_finish: false,
            local_threat_intelligence_files: PathBuf::from("config/local_ti_files/"),
            download_path_for_remote_threat_intelligence: PathBuf::from(
                "modules/threat_intelligence/remote_data_files/",
            ),
            ti_files_update_period: 86_400.0,
            mac_db_update: 1_209_600.0,
            mac_db: "https://maclookup.app/downloads/json-database/get-db".to_owned(),
            ti_files: PathBuf::from("config/TI_feeds.csv"),
            ja3_feeds: PathBuf::from("config/JA3_feeds.csv"),
            ssl_feeds: PathBuf::from("config/SSL_feeds.csv"),
            riskiq_credentials_path: PathBuf::from("config/RiskIQ_credentials"),
            riskiq_update_period: 604_800.0,
            download_remote_feeds: true,
            urlhaus_url: "https://urlhaus-api.abuse.ch/v1".to_owned(),
            circl_url: "https://hashlookup.circl.lu".to_owned(),
        }
    }
}

impl Default for Whitelists {
    fn default() -> Self {
        Whitelists {
            enable_online_whitelist: true,
            online_whitelist_update_period: 86_400.0,
            online_whitelist: "https://tranco-list.eu/download/X5QNN/10000".to_owned(),
            enable_local_whitelist: true,
            local_whitelist_path: PathBuf::from("config/whitelist.conf"),
        }
    }
}

impl Default for ExportingAlerts {
    fn default() -> Self {
        ExportingAlerts {
            export_to: Vec::new(),
            slack_channel_name: "proj_slips_alerting_module".to_owned(),
            sensor_name: "sensor1".to_owned(),
            slack_api_path: PathBuf::from("config/slack_bot_token_secret"),
            taxii_server: "localhost".to_owned(),
            port: 1234,
            use_https: false,
            discovery_path: "/taxii2/".to_owned(),
            taxii_version: 2,
            collection_name: "Alerts".to_owned(),
            push_delay: 3600.0,
            direct_export: true,
            direct_export_retry_max: 0,
            direct_export_retry_backoff: 0.5,
            direct_export_retry_max_delay: 5.0,
            taxii_username: "admin".to_owned(),
            taxii_password: Secret("changeme_before_installing_a_medallion_server".to_owned()),
            taxii_timeout: 10.0,
        }
    }
}

impl Default for Cesnet {
    fn default() -> Self {
        Cesnet {
            send_alerts: false,
            receive_alerts: false,
            configuration_file: PathBuf::from("config/warden.conf"),
            receive_delay: 86_400.0,
        }
    }
}

impl Default for WebInterface {
    fn default() -> Self {
        WebInterface {
            port: 55000,
            token: String::new(),
        }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            max_open_windows: 500_000,
            max_profiles: 1_000_000,
            max_evidence_per_type: 100,
            max_tuples_per_window: 10_000,
            max_tuples: 1_000_000,
            close_grace: None,
        }
    }
}

/// Settings given on the command line; they win over the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    /// `-w` (seconds, or `only_one_tw`).
    pub time_window_width: Option<TimeWindowWidth>,
    /// `-v`.
    pub verbose: Option<u8>,
    /// `-e`.
    pub debug: Option<u8>,
}

impl Config {
    /// Apply command-line settings over the values read from the file.
    pub fn apply_overrides(&mut self, o: &Overrides) {
        if let Some(w) = o.time_window_width {
            tracing::debug!(width = %w, "time window width overridden on the command line");
            self.parameters.time_window_width = w;
        }
        if let Some(v) = o.verbose {
            self.parameters.verbose = v;
        }
        if let Some(d) = o.debug {
            self.parameters.debug = d;
        }
    }

    /// Width of a time window in seconds.
    pub fn window_width(&self) -> f64 {
        self.parameters.time_window_width.seconds()
    }

    /// The score a profile needs within one time window for an alert: the
    /// `evidence_detection_threshold`, the same for every window width.
    pub fn threshold_per_window(&self) -> f64 {
        self.detection.evidence_detection_threshold
    }

    /// Effective `slips.close_grace` in seconds: the configured value, or one window width.
    pub fn close_grace(&self) -> f64 {
        self.engine
            .close_grace
            .unwrap_or_else(|| self.window_width())
    }

    /// Is evidence of this type dropped (`DisabledAlerts.disabled_detections`)?
    pub fn is_detection_disabled(&self, t: EvidenceType) -> bool {
        self.disabled_alerts.disabled_detections.contains(&t)
    }

    /// Is this module listed in `modules.disable`?
    pub fn is_module_disabled(&self, name: &str) -> bool {
        self.modules.disable.iter().any(|m| m == name)
    }

    /// The settings slips applies, as `(dotted key, value)` pairs, for `slips.log`.
    /// Secrets are never listed.
    pub fn effective_summary(&self) -> Vec<(String, String)> {
        let p = &self.parameters;
        let nets = |v: &[IpNet]| {
            let items: Vec<String> = v.iter().map(ToString::to_string).collect();
            format!("[{}]", items.join(", "))
        };
        let mut out: Vec<(&str, String)> = vec![
            ("parameters.verbose", p.verbose.to_string()),
            ("parameters.debug", p.debug.to_string()),
            (
                "parameters.time_window_width",
                p.time_window_width.to_string(),
            ),
            (
                "parameters.analysis_direction",
                p.analysis_direction.to_string(),
            ),
            (
                "parameters.export_strato_letters",
                p.export_strato_letters.to_string(),
            ),
            ("parameters.metadata_dir", p.metadata_dir.to_string()),
            ("parameters.pcapfilter", format!("{:?}", p.pcapfilter)),
            (
                "parameters.tcp_inactivity_timeout",
                format!("{} min", p.tcp_inactivity_timeout),
            ),
            ("parameters.label", p.label.clone()),
            (
                "parameters.reorder_window",
                p.reorder_window
                    .map_or("default".to_owned(), |w| format!("{w} s")),
            ),
            (
                "parameters.export_labeled_flows",
                p.export_labeled_flows.to_string(),
            ),
            ("parameters.export_format", p.export_format.to_string()),
            ("parameters.client_ips", nets(&p.client_ips)),
        ];
        if let Some(h) = &p.home_network {
            out.push(("parameters.home_network", nets(h)));
        }
        let d = &self.detection;
        let disabled: Vec<&str> = self
            .disabled_alerts
            .disabled_detections
            .iter()
            .map(|t| t.as_str())
            .collect();
        let f = &self.flow_alerts;
        let ti = &self.threat_intelligence;
        let w = &self.whitelists;
        let e = &self.engine;
        let export_to: Vec<&str> = self
            .exporting_alerts
            .export_to
            .iter()
            .map(|t| t.as_str())
            .collect();
        out.extend([
            (
                "detection.evidence_detection_threshold",
                d.evidence_detection_threshold.to_string(),
            ),
            ("detection.popup_alerts", d.popup_alerts.to_string()),
            (
                "modules.disable",
                format!("[{}]", self.modules.disable.join(", ")),
            ),
            (
                "modules.timeline_human_timestamp",
                self.modules.timeline_human_timestamp.to_string(),
            ),
            (
                "DisabledAlerts.disabled_detections",
                format!("[{}]", disabled.join(", ")),
            ),
            (
                "flow_alerts.long_connection_threshold",
                format!("{} s", f.long_connection_threshold),
            ),
            (
                "flow_alerts.ssh_succesful_detection_threshold",
                format!("{} bytes", f.ssh_succesful_detection_threshold),
            ),
            (
                "flow_alerts.data_exfiltration_threshold",
                format!("{} MB", f.data_exfiltration_threshold),
            ),
            (
                "flow_alerts.entropy_threshold",
                f.entropy_threshold.to_string(),
            ),
            (
                "flow_alerts.pastebin_download_threshold",
                format!("{} bytes", f.pastebin_download_threshold),
            ),
            (
                "brute_force_detector.ssh_attempt_threshold",
                self.brute_force_detector.ssh_attempt_threshold.to_string(),
            ),
            (
                "threatintelligence.local_threat_intelligence_files",
                ti.local_threat_intelligence_files.display().to_string(),
            ),
            (
                "threatintelligence.ti_files",
                ti.ti_files.display().to_string(),
            ),
            (
                "threatintelligence.ja3_feeds",
                ti.ja3_feeds.display().to_string(),
            ),
            (
                "threatintelligence.ssl_feeds",
                ti.ssl_feeds.display().to_string(),
            ),
            (
                "whitelists.enable_local_whitelist",
                w.enable_local_whitelist.to_string(),
            ),
            (
                "whitelists.local_whitelist_path",
                w.local_whitelist_path.display().to_string(),
            ),
            (
                "whitelists.enable_online_whitelist",
                w.enable_online_whitelist.to_string(),
            ),
            (
                "enrichment.online_lookups",
                self.enrichment.online_lookups.to_string(),
            ),
            (
                "exporting_alerts.export_to",
                format!("[{}]", export_to.join(", ")),
            ),
            ("cesnet.send_alerts", self.cesnet.send_alerts.to_string()),
            ("export.syslog", format!("{:?}", self.export.syslog)),
            ("export.syslog_format", self.export.syslog_format.clone()),
            (
                "export.cef_file",
                self.export.cef_file.display().to_string(),
            ),
            (
                "export.ecs_file",
                self.export.ecs_file.display().to_string(),
            ),
            ("export.metrics", format!("{:?}", self.export.metrics)),
            ("web_interface.port", self.web_interface.port.to_string()),
            (
                "blocking.duration",
                match self.blocking.duration {
                    Some(d) => format!("{d} s"),
                    None => format!("{} s (one window width)", self.window_width()),
                },
            ),
            ("blocking.dry_run", self.blocking.dry_run.to_string()),
            ("database.enabled", self.database.enabled.to_string()),
            (
                "database.store_flows",
                self.database.store_flows.to_string(),
            ),
            (
                "blocking.keep_on_exit",
                self.blocking.keep_on_exit.to_string(),
            ),
            ("slips.max_open_windows", e.max_open_windows.to_string()),
            ("slips.max_profiles", e.max_profiles.to_string()),
            (
                "slips.max_evidence_per_type",
                e.max_evidence_per_type.to_string(),
            ),
            (
                "slips.max_tuples_per_window",
                e.max_tuples_per_window.to_string(),
            ),
            ("slips.max_tuples", e.max_tuples.to_string()),
            (
                "slips.close_grace",
                match e.close_grace {
                    Some(g) => format!("{g} s"),
                    None => format!("{} s (one window width)", self.close_grace()),
                },
            ),
        ]);
        out.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_slips_defaults() {
        let c = Config::default();
        let p = &c.parameters;
        assert_eq!(p.verbose, 1);
        assert_eq!(p.debug, 0);
        assert_eq!(p.time_window_width.seconds(), 3600.0);
        assert_eq!(p.analysis_direction, AnalysisDirection::Out);
        assert!(p.metadata_dir);
        assert_eq!(p.pcapfilter, "");
        assert_eq!(p.tcp_inactivity_timeout, 60);
        assert_eq!(p.reorder_window, None);
        assert_eq!(p.label, "normal");
        assert!(!p.export_labeled_flows);
        assert_eq!(p.export_format, ExportFormat::Json);
        assert!(p.client_ips.is_empty());
        assert_eq!(p.home_network, None);
        assert_eq!(c.detection.evidence_detection_threshold, 0.8);
        assert!(!c.detection.popup_alerts);
        assert_eq!(c.modules.disable, vec!["template".to_owned()]);
        assert!(c.modules.timeline_human_timestamp);
        assert!(c.disabled_alerts.disabled_detections.is_empty());
        assert_eq!(c.flow_alerts.long_connection_threshold, 1500.0);
        assert_eq!(c.flow_alerts.ssh_succesful_detection_threshold, 4290);
        assert_eq!(c.flow_alerts.data_exfiltration_threshold, 500.0);
        assert_eq!(c.flow_alerts.entropy_threshold, 5.0);
        assert_eq!(c.flow_alerts.pastebin_download_threshold, 700);
        assert_eq!(c.brute_force_detector.ssh_attempt_threshold, 9);
        assert_eq!(c.web_interface.port, 55000);
        assert_eq!(c.engine.max_open_windows, 500_000);
        assert_eq!(c.engine.max_profiles, 1_000_000);
        assert_eq!(c.close_grace(), 3600.0);
        assert_eq!(c.threshold_per_window(), 0.8);
        assert!(c.is_module_disabled("template"));
        assert!(!c.is_detection_disabled(EvidenceType::ARP_SCAN));
    }

    #[test]
    fn threshold_per_window_does_not_scale_with_width() {
        let mut c = Config::default();
        assert_eq!(c.threshold_per_window(), 0.8);
        c.parameters.time_window_width = TimeWindowWidth::from_seconds(300.0).unwrap_or_default();
        assert_eq!(c.threshold_per_window(), 0.8);
        c.detection.evidence_detection_threshold = 1.3;
        c.parameters.time_window_width = TimeWindowWidth::DEFAULT;
        assert_eq!(c.threshold_per_window(), 1.3);
    }

    #[test]
    fn overrides_win() {
        let mut c = Config::default();
        c.apply_overrides(&Overrides {
            time_window_width: "300".parse().ok(),
            verbose: Some(3),
            debug: None,
        });
        assert_eq!(c.window_width(), 300.0);
        assert_eq!(c.parameters.verbose, 3);
        assert_eq!(c.parameters.debug, 0);
        assert_eq!(c.close_grace(), 300.0);
        c.apply_overrides(&Overrides {
            time_window_width: Some(TimeWindowWidth::ONLY_ONE),
            ..Overrides::default()
        });
        assert!(c.parameters.time_window_width.is_only_one());
        c.apply_overrides(&Overrides::default());
        assert!(c.parameters.time_window_width.is_only_one());
    }

    #[test]
    fn summary_lists_applied_keys() {
        let s = Config::default().effective_summary();
        let get = |k: &str| s.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("parameters.time_window_width"), Some("3600"));
        assert_eq!(get("detection.evidence_detection_threshold"), Some("0.8"));
        assert_eq!(get("modules.disable"), Some("[template]"));
        assert_eq!(get("slips.close_grace"), Some("3600 s (one window width)"));
        assert_eq!(get("parameters.home_network"), None);
        assert_eq!(get("enrichment.online_lookups"), Some("false"));
    }
}

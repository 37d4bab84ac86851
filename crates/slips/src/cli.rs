//! Command-line interface. Flags follow Slips' where they exist.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  slips -f capture_logs/                  analyse a folder of Zeek logs (TSV or JSON)
  slips -f conn.log                       analyse one Zeek log file
  slips -f logs/ -o out/ -w 300 -l        5-minute windows, per-profile files in out/
  slips -f logs/ -c slips.yaml -v 2       use a configuration file, more output
  slips -f logs/ -D -p -a 3               no detection: print tuples with >= 3 letters
  slips -f eve.json                       Suricata eve.json (alerts become evidence)
  slips -f capture.binetflow              Argus binetflow (CSV or TSV)
  slips -f capture.nfcapd                 nfdump file (needs the nfdump program)
  cat x.binetflow | slips -f argus        flows on standard input (-f zeek|suricata|argus|-)
  slips -g /opt/zeek/logs/current         follow a folder Zeek is writing, until Ctrl-C
  slips -f capture.pcap                   packets, read natively (no Zeek needed)
  sudo slips -i eth0 -F 'tcp or udp'      live capture with a BPF filter, until Ctrl-C
  slips -f logs/ -m models/ -p            Markov-chain models; print tuples, matches marked
  sudo slips -i eth0 --blocking           block every attacker that raises an alert (IPS)
  slips -f capture.pcap --blocking        offline: blocking decisions recorded, firewall untouched
  sudo slips --clearblocking              remove everything slips put in the firewall (also -cb)
  sudo slips unblock 192.0.2.7            let a blocked IP go now
  slips query out/slips.sqlite alerts     the alerts of a past analysis (also profiles, evidence, flows...)
  slips query out/slips.sqlite flows --ip 10.0.0.5 --json
  slips -d out/slips.sqlite               reopen a past analysis without re-analysing
  slips -f capture.pcap -G                analyse and browse the result in the terminal
  slips -f capture.pcap --web             analyse, and browse it in a web browser (URL printed)
  slips web output/                       browse past analyses in a web browser
  slips evaluate -f labeled.binetflow     precision/recall of the alerts against the labels
  slips models import-stf *.stfm -o models/
  slips --list-detectors                  every detector, its evidence and config keys";

/// slips: behavioural network intrusion detection. Groups flows into a profile per IP and
/// time windows, runs behavioural detectors, and raises alerts when a profile's evidence in
/// a window crosses the threshold.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "slips",
    version,
    about,
    long_about = None,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub analyse: Analyse,
}

/// Other things slips does besides analysing traffic.
#[derive(Subcommand, Debug, Clone)]
// Parsed once per run: the size of `Evaluate(Analyse)` does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Analyse like `slips -f ...`, then compare the alerts with the ground-truth labels the
    /// input carries (binetflow Label column, Zeek .log.labeled) and print precision, recall
    /// and F1 per time window and per IP.
    Evaluate(Analyse),
    /// Markov-chain behavioural models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// The machine-learning flow classifier.
    #[command(subcommand)]
    Ml(MlCommand),
    /// Print what a past analysis found, from its database (`<output>/slips.sqlite`).
    Query(QueryArgs),
    /// Browse past analyses in a web browser: PATH is an output folder, a folder of output
    /// folders to pick from, or a slips.sqlite. Prints the URL to open (with its access
    /// token) and serves until Ctrl-C.
    Web(WebArgs),
    /// Let a blocked IP go now: removes it from slips' firewall sets and tells a running
    /// slips to forget the block (needs CAP_NET_ADMIN).
    Unblock {
        /// The IP address (IPv4 or IPv6).
        ip: std::net::IpAddr,
        /// Configuration file (for `blocking.state_dir`).
        #[arg(short = 'c', long = "config", value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// `slips query`.
#[derive(Args, Debug, Clone)]
pub struct QueryArgs {
    /// The database (`slips.sqlite` in an output folder, or the folder).
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// What to list.
    #[arg(value_enum, default_value_t = QueryTable::Alerts)]
    pub table: QueryTable,
    /// Only this IP (the profile; for flows either end; for blocking the blocked IP).
    #[arg(long, value_name = "IP")]
    pub ip: Option<std::net::IpAddr>,
    /// Only this time-window number.
    #[arg(long, value_name = "N")]
    pub window: Option<i64>,
    /// Only this evidence type (evidence), record kind (flows: conn, dns, http...) or
    /// action (blocking).
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// Only from this time on: seconds since the epoch or an RFC 3339 date.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Only before this time.
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Only the records of this connection uid (flows).
    #[arg(long, value_name = "UID")]
    pub uid: Option<String>,
    /// Only records naming this domain: DNS query, HTTP host or TLS server name (flows).
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// At most this many rows (0: all).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub limit: usize,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `slips web`.
#[derive(Args, Debug, Clone)]
pub struct WebArgs {
    /// An output folder, a folder of them, or a slips.sqlite.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    #[command(flatten)]
    pub serve: WebServe,
    /// Configuration file (`web_interface.port`, `web_interface.token`,
    /// `blocking.state_dir`).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where the web interface listens.
#[derive(Args, Debug, Clone, Default)]
pub struct WebServe {
    /// The web interface's port (default `web_interface.port`, 55000; 0: any free port).
    #[arg(long = "web-port", value_name = "PORT")]
    pub web_port: Option<u16>,
    /// The address the web interface listens on (default 127.0.0.1). Another address makes
    /// the analysis readable from other machines by whoever has the token (plain HTTP):
    /// slips warns.
    #[arg(long = "web-bind", value_name = "ADDR")]
    pub web_bind: Option<std::net::IpAddr>,
}

/// The tables of `slips query`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryTable {
    Profiles,
    Windows,
    /// The tuples of each window with their behavioural letters.
    Tuples,
    Alerts,
    Evidence,
    Flows,
    Blocking,
    Meta,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ModelsCommand {
    /// Convert Stratosphere Testing Framework model files (.stfm) into slips' JSON models.
    ImportStf {
        /// The .stfm files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Folder to write the models to.
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: PathBuf,
    },
    /// Train one model per ground-truth label from labelled flows (any input slips reads).
    Train {
        /// Labelled inputs (binetflow with a Label column, Zeek .log.labeled files...).
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// Folder to write the models to.
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum MlCommand {
    /// Train the flow classifier on labelled flows and write it as a JSON model file.
    Train {
        /// Labelled inputs.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<PathBuf>,
        /// Model file to write.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
    },
}

/// How packets are turned into flows.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PacketEngineKind {
    /// slips' own packet engine.
    #[default]
    Native,
    /// Run Suricata on the pcap and analyse its eve.json.
    Suricata,
}

/// Format of the Zeek logs slips writes for packet input.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeekFilesFormat {
    /// Zeek's tab-separated logs with `#` headers.
    #[default]
    Tsv,
    /// One JSON object per line.
    Json,
}

/// The analysis options.
#[derive(Args, Debug, Clone, Default)]
pub struct Analyse {
    /// Input to analyse: a folder of Zeek logs, a Zeek log file (TSV or JSON), a Suricata
    /// eve.json, an Argus binetflow (CSV or TSV) or an nfdump file; the format is detected
    /// from the content. `zeek`, `suricata` or `argus` (when no such file exists) read flows
    /// of that format from standard input until its end; `-` detects the format of standard
    /// input from its first lines.
    #[arg(
        short = 'f',
        long = "filepath",
        visible_alias = "file",
        value_name = "PATH"
    )]
    pub filepath: Option<PathBuf>,

    /// Same as -f (Slips' old flag for reading a capture).
    #[arg(
        short = 'r',
        long = "read",
        value_name = "PATH",
        conflicts_with = "filepath"
    )]
    pub read: Option<PathBuf>,

    /// Follow a folder that Zeek is still writing (new files, appended lines, rotation)
    /// until interrupted (Ctrl-C / SIGTERM); everything is then flushed.
    #[arg(
        short = 'g',
        long = "growing",
        value_name = "DIR",
        conflicts_with_all = ["filepath", "read"]
    )]
    pub growing: Option<PathBuf>,

    /// Configuration file (YAML, Slips' slips.yaml keys). Default: built-in settings.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output folder. Default: output/<input name>_<YYYY-mm-dd_HH:MM:SS>/.
    /// An existing folder is emptied of slips' files first.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Verbosity on the terminal, 0-3 (default from the config, 1).
    #[arg(short = 'v', long = "verbose", value_name = "0-3", value_parser = clap::value_parser!(u8).range(0..=3))]
    pub verbose: Option<u8>,

    /// Debug level of errors.log, 0-3 (default from the config, 0).
    #[arg(short = 'e', long = "debug", value_name = "0-3", value_parser = clap::value_parser!(u8).range(0..=3))]
    pub debug: Option<u8>,

    /// Time-window width in seconds (default from the config, 3600).
    #[arg(short = 'w', long = "window-width", value_name = "SECONDS")]
    pub window_width: Option<f64>,

    /// How late (seconds of event time) a record of an input that is not in time order
    /// (Suricata eve.json, Argus, nfdump, Zeek logs written as flows end) may arrive and
    /// still be analysed in start-time order; later ones are analysed at once and counted
    /// as late. Overrides `parameters.reorder_window` (default: one day for files, 120 for
    /// standard input; at most 200,000 records wait in any case).
    #[arg(long = "reorder-window", value_name = "SECONDS")]
    pub reorder_window: Option<f64>,

    /// Write per-profile files: one folder per IP with a file per time window, a timeline and
    /// the profile's facts, plus Blocked.txt.
    #[arg(short = 'l', long = "create-log-files")]
    pub log_files: bool,

    /// Do not detect: only build profiles, windows and letters (use with -p).
    #[arg(short = 'D', long = "no-detection")]
    pub no_detection: bool,

    /// Print the tuples of each time window with their behavioural letters.
    #[arg(short = 'p', long = "print-letters")]
    pub print_letters: bool,

    /// Minimum number of letters (flows) for a tuple to be printed with -p.
    #[arg(
        short = 'a',
        long = "min-letters",
        value_name = "N",
        default_value_t = 1
    )]
    pub min_letters: u64,

    /// Do not show the progress bar and periodic statistics line.
    #[arg(long = "quiet")]
    pub quiet: bool,

    /// Capture packets live from this network interface (needs CAP_NET_RAW), until Ctrl-C.
    #[arg(short = 'i', long = "interface", value_name = "IFACE", conflicts_with_all = ["filepath", "read", "growing"])]
    pub interface: Option<String>,

    /// BPF filter for packet input (pcap files and -i), e.g. "tcp port 80".
    #[arg(short = 'F', long = "pcapfilter", value_name = "EXPR")]
    pub pcapfilter: Option<String>,

    /// Packet engine for pcap files.
    #[arg(long = "engine", value_enum, default_value_t = PacketEngineKind::Native)]
    pub engine: PacketEngineKind,

    /// Format of the Zeek logs written to <output>/zeek_files/ for packet input.
    #[arg(long = "zeek-files-format", value_enum, default_value_t = ZeekFilesFormat::Tsv)]
    pub zeek_files_format: ZeekFilesFormat,

    /// Folder of Markov-chain models (JSON, see `slips models`); without it no model-based
    /// detection runs.
    #[arg(short = 'm', long = "models", value_name = "DIR")]
    pub models: Option<PathBuf>,

    /// Flow classifier model file (from `slips ml train`).
    #[arg(long = "ml-model", value_name = "FILE")]
    pub ml_model: Option<PathBuf>,

    /// Play a sound on each alert (the system's audio if present, else the terminal bell).
    #[arg(short = 's', long = "sound")]
    pub sound: bool,

    /// Anonymise source IPs (MD5) before analysis; the hashed -> original mapping is written
    /// to anonymized_ips.csv in the output folder.
    #[arg(short = 'A', long = "anonymize")]
    pub anonymize: bool,

    /// Write the letters of every tuple to strato_letters.tsv (also
    /// `parameters.export_strato_letters`).
    #[arg(long = "export-letters")]
    pub export_letters: bool,

    /// Publish the analysis to Redis (`redis://HOST:PORT/DB`) on Slips' channel names, as
    /// `redis.url` does; a Redis that is down or slow never holds up the analysis.
    #[arg(long = "redis", value_name = "URL")]
    pub redis: Option<String>,

    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9184), as
    /// `export.metrics` does.
    #[arg(long = "metrics", value_name = "ADDR")]
    pub metrics: Option<String>,

    /// Do not write the analysis database `slips.sqlite` (also `database.enabled: false`).
    #[arg(long = "no-db")]
    pub no_db: bool,

    /// Reopen a past analysis from its database (`slips.sqlite`) without re-analysing:
    /// prints its run and alerts (with -G, browse it).
    #[arg(short = 'd', long = "db", value_name = "DB", conflicts_with_all = ["filepath", "read", "growing", "interface"])]
    pub db: Option<PathBuf>,

    /// Prevention: block the attacker of every alert in the kernel firewall, both ways
    /// (nftables, else iptables with ipset; `blocking:` in the config). Live inputs need
    /// CAP_NET_ADMIN; offline inputs (-f) only record the decisions in blocking.log.
    #[arg(long = "blocking")]
    pub blocking: bool,

    /// Remove every table, chain and set slips put in the firewall, then exit (also -cb).
    #[arg(long = "clearblocking")]
    pub clear_blocking: bool,

    /// Terminal interface: browse profiles, time windows, evidence, alerts, tuples and flows
    /// while the analysis runs and after it ends (until `q`). Logs go to the log files only.
    #[arg(short = 'G', long = "gui")]
    pub gui: bool,

    /// Web interface: serve the analysis to a web browser while it runs and, once it is
    /// over, until Ctrl-C (prints the URL to open, with its access token). With -d, serve
    /// that past analysis.
    #[arg(long = "web", conflicts_with = "gui")]
    pub web: bool,

    #[command(flatten)]
    pub web_serve: WebServe,

    /// Print every detector, the evidence types it emits and its config keys, then exit.
    #[arg(long = "list-detectors")]
    pub list_detectors: bool,
}

impl Analyse {
    pub fn input(&self) -> Option<crate::input::InputSpec> {
        use crate::input::InputSpec;
        if let Some(i) = &self.interface {
            return Some(InputSpec::Interface(i.clone()));
        }
        match &self.growing {
            Some(g) => Some(InputSpec::Growing(g.clone())),
            None => self
                .filepath
                .as_ref()
                .or(self.read.as_ref())
                .map(|p| InputSpec::Path(p.clone())),
        }
    }
}

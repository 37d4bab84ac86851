//! `slips-gen`: writes synthetic Zeek logs for benchmarks and tests.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use slips_gen::conn::{self, ConnConfig, Format};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "slips-gen",
    version,
    about = "Deterministic generator of synthetic Zeek logs for slips benchmarks and tests"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Write a Zeek conn.log: background traffic plus scanners and beacons.
    Conn(ConnArgs),
    /// Write a Zeek conn.log of one flood shape (unanswered SYNs), for memory benchmarks.
    Flood(FloodArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ShapeArg {
    /// One source to --flows distinct destinations.
    OneToMany,
    /// --sources distinct sources to one server.
    ManySources,
    /// Every flow a new (source, destination, port) tuple, from 1,000 sources.
    Tuples,
}

#[derive(clap::Args, Debug)]
struct FloodArgs {
    #[arg(long, value_enum)]
    shape: ShapeArg,
    #[arg(long, default_value_t = 1_000_000)]
    flows: u64,
    /// Distinct sources of --shape many-sources.
    #[arg(long, default_value_t = 100_000)]
    sources: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = conn::DEFAULT_START)]
    start: u64,
    /// Seconds the flood lasts (3600: one default time window).
    #[arg(long, default_value_t = 3000)]
    duration: u64,
    /// Output file ("-" for standard output).
    #[arg(short = 'o', long)]
    output: PathBuf,
}

fn run_flood(a: FloodArgs) -> Result<()> {
    use slips_gen::conn::flood::{generate_flood, FloodConfig, Shape};
    let c = FloodConfig {
        shape: match a.shape {
            ShapeArg::OneToMany => Shape::OneToMany,
            ShapeArg::ManySources => Shape::ManySources,
            ShapeArg::Tuples => Shape::Tuples,
        },
        flows: a.flows,
        sources: a.sources,
        seed: a.seed,
        start: a.start,
        duration: a.duration,
    };
    if a.output.as_os_str() == "-" {
        generate_flood(&c, BufWriter::with_capacity(1 << 20, io::stdout().lock()))?;
    } else {
        let file = File::create(&a.output)
            .with_context(|| format!("cannot create {}", a.output.display()))?;
        generate_flood(&c, BufWriter::with_capacity(1 << 20, file))
            .with_context(|| format!("writing {}", a.output.display()))?;
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Tsv,
    Json,
}

#[derive(clap::Args, Debug)]
struct ConnArgs {
    /// Total number of flows, attacks included.
    #[arg(long, default_value_t = 10_000)]
    flows: u64,
    /// Number of internal hosts (10.0.1.1, 10.0.1.2, ...; at most 64770).
    #[arg(long, default_value_t = 100)]
    hosts: u32,
    /// Seed of the generator: the same arguments and seed give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output format: Zeek TSV with headers, or Zeek JSON lines.
    #[arg(long, value_enum, default_value_t = FormatArg::Tsv)]
    format: FormatArg,
    /// Timestamp of the start of the log, epoch seconds.
    #[arg(long, default_value_t = conn::DEFAULT_START)]
    start: u64,
    /// Seconds covered by the log.
    #[arg(long, default_value_t = conn::DEFAULT_DURATION)]
    duration: u64,
    /// Horizontal port scanners (one host, port 23 or 445, hundreds of destination IPs).
    #[arg(long, default_value_t = 0)]
    scanners: u32,
    /// Vertical port scanners (one host, one internal IP, hundreds of ports) [default: same as --scanners].
    #[arg(long)]
    vscanners: Option<u32>,
    /// Targets (IPs or ports) per scanner [default: random in 200..=500 per scanner].
    #[arg(long)]
    scan_size: Option<u32>,
    /// C&C beacons (one host to one IP:port, a flow every --beacon-interval seconds ±10 %).
    #[arg(long, default_value_t = 0)]
    beacons: u32,
    /// Nominal seconds between two flows of a beacon.
    #[arg(long, default_value_t = 60)]
    beacon_interval: u64,
    /// Output file ("-" for standard output).
    #[arg(short = 'o', long)]
    output: PathBuf,
    /// Also write the summary (ground truth of the attacks) as JSON to this file.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Do not print the summary.
    #[arg(short, long)]
    quiet: bool,
}

fn run_conn(a: ConnArgs) -> Result<()> {
    let cfg = ConnConfig {
        flows: a.flows,
        hosts: a.hosts,
        seed: a.seed,
        format: match a.format {
            FormatArg::Tsv => Format::Tsv,
            FormatArg::Json => Format::Json,
        },
        start: a.start,
        duration: a.duration,
        scanners: a.scanners,
        vscanners: a.vscanners.unwrap_or(a.scanners),
        beacons: a.beacons,
        beacon_interval: a.beacon_interval,
        scan_size: a.scan_size,
    };
    // Refuse impossible requests before creating (and truncating) the output file.
    conn::check(&cfg)?;
    let started = Instant::now();
    let summary = if a.output.as_os_str() == "-" {
        let stdout = io::stdout();
        conn::generate_conn(&cfg, BufWriter::with_capacity(1 << 20, stdout.lock()))?
    } else {
        let file = File::create(&a.output)
            .with_context(|| format!("cannot create {}", a.output.display()))?;
        conn::generate_conn(&cfg, BufWriter::with_capacity(1 << 20, file))
            .with_context(|| format!("writing {}", a.output.display()))?
    };
    let secs = started.elapsed().as_secs_f64();
    if let Some(path) = &a.truth {
        let mut f = BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        );
        serde_json::to_writer_pretty(&mut f, &summary)?;
        writeln!(f)?;
        f.flush()?;
    }
    if !a.quiet {
        eprint!("{summary}");
        eprintln!(
            "wrote {} in {:.2} s ({:.0} flows/s)",
            a.output.display(),
            secs,
            summary.flows as f64 / secs.max(1e-9)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let result = match Cli::parse().cmd {
        Cmd::Conn(a) => run_conn(a),
        Cmd::Flood(a) => run_flood(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slips-gen: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

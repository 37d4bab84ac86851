//! `--web` (serve the analysis while it runs, then until Ctrl-C), `-d DB --web` and
//! `slips web PATH` (serve past analyses): the binary's side of `slips-web`.

use crate::cli::{Analyse, WebServe};
use crate::input::{Progress, UsageError};
use anyhow::{Context, Result};
use slips_blocking::Tools;
use slips_config::Config;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The server options from the flags and the configuration.
fn options(source: slips_web::Source, serve: &WebServe, cfg: &Config) -> slips_web::Options {
    let mut o = slips_web::Options::new(source);
    o.port = serve.web_port.unwrap_or(cfg.web_interface.port);
    if let Some(b) = serve.web_bind {
        o.bind = b;
    }
    o.vendor = vendors(cfg);
    let token = cfg.web_interface.token.trim();
    if !token.is_empty() {
        o.token = Some(token.to_string());
    }
    o
}

/// MAC vendors from the OUI registry of the configuration, when it is there.
fn vendors(cfg: &Config) -> Option<slips_web::VendorFn> {
    let path = &cfg.enrichment.mac_vendors_db;
    let text = std::fs::read_to_string(path).ok()?;
    let mut problems = slips_intel::Problems::default();
    let v = slips_intel::oui::MacVendors::parse(&text, &path.display().to_string(), &mut problems);
    if v.is_empty() {
        return None;
    }
    Some(Arc::new(move |mac: &str| {
        mac.parse::<slips_core::Mac>()
            .ok()
            .and_then(|m| v.vendor(m))
            .map(|s| s.to_string())
    }))
}

/// `slips unblock`'s path: out of the firewall sets now, and queued for the running
/// blocker (which reads the queue about once a second).
fn unblocker(cfg: &Config) -> slips_web::UnblockFn {
    let state_dir = cfg.blocking.state_dir.clone();
    Arc::new(move |ip: IpAddr| {
        slips_blocking::check_privilege().map_err(|e| e.to_string())?;
        slips_blocking::unblock_now(ip, state_dir.as_deref(), &Tools::default())
            .map_err(|e| e.to_string())
    })
}

/// Starts serving and prints the one line with the URL (and a warning for an address
/// other machines reach).
fn start(o: slips_web::Options) -> Result<slips_web::Server> {
    let bind = o.bind;
    let server = slips_web::start(o).context("web interface")?;
    if !bind.is_loopback() {
        eprintln!(
            "slips: warning: the web interface listens on {bind}, reachable from other machines: \
             whoever has the token can read the analysis, over plain HTTP"
        );
    }
    println!("slips: web interface at {}", server.url());
    let _ = std::io::stdout().flush();
    Ok(server)
}

fn load(config: Option<&PathBuf>) -> Result<Config> {
    Ok(match config {
        Some(p) => Config::load(p)?.0,
        None => Config::default(),
    })
}

/// Waits for SIGINT or SIGTERM.
fn wait_for_signal(stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `slips web PATH` and `-d DB --web`: serves until Ctrl-C.
pub fn serve_past(path: &Path, serve: &WebServe, config: Option<&PathBuf>) -> Result<()> {
    let cfg = load(config)?;
    let source = slips_web::Source::from_path(path).map_err(|e| UsageError(e.to_string()))?;
    let mut o = options(source.clone(), serve, &cfg);
    // Blocks a run kept in the firewall can be let go from here too (real blocks only: a
    // dry run blocked nothing).
    let real_blocks = source.runs().iter().any(|(_, db)| {
        slips_db::Reader::open(db)
            .and_then(|r| r.scalar("SELECT 1 FROM blocking WHERE dry_run = 0 LIMIT 1", &[]))
            .is_ok_and(|v| v.is_some())
    });
    if real_blocks {
        o.unblock = Some(unblocker(&cfg));
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, stop.clone())?;
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let server = start(o)?;
    wait_for_signal(&stop);
    server.stop();
    Ok(())
}

/// `--web` during an analysis.
pub struct Live {
    server: slips_web::Server,
    running: Arc<AtomicBool>,
}

impl Live {
    /// Serves `db` (the run's database, already created) with the run's progress; the
    /// Unblock button with live blocking.
    pub fn start(
        cli: &Analyse,
        cfg: &Config,
        db: &Path,
        progress: Arc<Progress>,
        live_blocking: bool,
    ) -> Result<Live> {
        let mut o = options(slips_web::Source::Db(db.to_path_buf()), &cli.web_serve, cfg);
        let running = Arc::new(AtomicBool::new(true));
        let r = running.clone();
        o.progress = Some(Arc::new(move || slips_web::Progress {
            bytes_read: progress.bytes_read.load(Ordering::Relaxed),
            total_bytes: progress.total_bytes.load(Ordering::Relaxed),
            records: progress.records.load(Ordering::Relaxed),
            running: r.load(Ordering::Relaxed),
        }));
        if live_blocking {
            o.unblock = Some(unblocker(cfg));
        }
        Ok(Live {
            server: start(o)?,
            running,
        })
    }

    /// The analysis is over: unless it was interrupted, keeps serving until Ctrl-C.
    pub fn finished(self, interrupted: bool, stop: &AtomicBool) {
        self.running.store(false, Ordering::Relaxed);
        if !interrupted {
            println!(
                "slips: analysis complete; still serving {} until Ctrl-C",
                self.server.url()
            );
            let _ = std::io::stdout().flush();
            wait_for_signal(stop);
        }
        self.server.stop();
    }
}

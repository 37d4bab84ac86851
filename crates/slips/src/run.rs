//! One analysis run: input → engine → outputs.

use crate::cli::{Analyse, Cli, Command, MlCommand, ModelsCommand, PacketEngineKind};
use crate::input::{self, InputKind, InputSpec, PacketOptions, Progress, UsageError};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use slips_config::{Config, Overrides, TimeWindowWidth};
use slips_core::summary::ProfileSummary;
use slips_core::summary::WindowSummary;
use slips_core::{Alert, Evidence};
use slips_core::{Flow, Timestamp};
use slips_engine::{AnalysisDirection, Engine, EngineConfig, Event};
use slips_intel::Enricher;
use slips_output::{
    stats_line, AlertsJson, AlertsLog, Info, Metadata, Now, OutputDir, ProfilesSink, Sink, Sinks,
    Stats, TerminalSink,
};
use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tracing::{info, warn};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
const STATS_EVERY: Duration = Duration::from_secs(5);
/// How often the engine's gauges of `--metrics` are updated.
const METRICS_EVERY: Duration = Duration::from_secs(1);
/// Live inputs (stdin, -g): how often the per-profile files of open windows are rewritten.
const LIVE_REFRESH: Duration = Duration::from_secs(5);
/// Malformed input lines listed one by one in errors.log (all are counted).
const PROBLEMS_LISTED: usize = 1000;

fn wall_now(fmt: &str) -> String {
    jiff::ZonedDateTime::now().strftime(fmt).to_string()
}

/// Loads the configuration and applies the command line over it.
fn load_config(cli: &Analyse) -> Result<(Config, Vec<String>)> {
    let (mut cfg, warnings) = match &cli.config {
        Some(p) => Config::load(p)?,
        None => (Config::default(), Vec::new()),
    };
    let width = match cli.window_width {
        Some(w) => Some(TimeWindowWidth::from_seconds(w).ok_or_else(|| {
            UsageError(format!(
                "-w expects 1 to 604800 seconds (one week; only_one_tw in the configuration \
                 for one window), got {w}"
            ))
        })?),
        None => None,
    };
    cfg.apply_overrides(&Overrides {
        time_window_width: width,
        verbose: cli.verbose,
        debug: cli.debug,
    });
    Ok((cfg, warnings.iter().map(|w| w.to_string()).collect()))
}

fn engine_config(cfg: &Config, cli: &Analyse, summaries: bool) -> EngineConfig {
    EngineConfig {
        width: cfg.window_width(),
        direction: match cfg.parameters.analysis_direction {
            slips_config::AnalysisDirection::Out => AnalysisDirection::Out,
            slips_config::AnalysisDirection::All => AnalysisDirection::All,
        },
        home_network: cfg.parameters.home_network.clone().unwrap_or_default(),
        threshold: cfg.threshold_per_window(),
        disabled_evidence: cfg.disabled_alerts.disabled_detections.clone(),
        max_open_windows: cfg.engine.max_open_windows,
        max_profiles: cfg.engine.max_profiles,
        max_evidence_per_type: cfg.engine.max_evidence_per_type,
        max_tuples_per_window: cfg.engine.max_tuples_per_window,
        max_tuples: cfg.engine.max_tuples,
        close_grace: cfg.close_grace(),
        summaries: summaries || cli.log_files || cli.print_letters,
        ..EngineConfig::default()
    }
}

/// `strato_letters.tsv` (`--export-letters`): the letters of every closed window.
struct LettersSink(std::io::BufWriter<std::fs::File>);

impl Sink for LettersSink {
    fn name(&self) -> &'static str {
        "strato_letters.tsv"
    }
    fn window_closed(&mut self, w: &WindowSummary) -> slips_output::Result<()> {
        let mut rows = String::new();
        slips_models::export::write_rows(&mut rows, w);
        self.0
            .write_all(rows.as_bytes())
            .map_err(slips_output::OutputError::Write)
    }
    fn flush(&mut self) -> slips_output::Result<()> {
        self.0.flush().map_err(slips_output::OutputError::Write)
    }
}

/// `--sound`: a tone per alert.
struct SoundSink(crate::sound::Sound);

impl Sink for SoundSink {
    fn name(&self) -> &'static str {
        "sound"
    }
    fn alert(&mut self, _: &Alert, _: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.0.play();
        Ok(())
    }
}

/// `slips evaluate`: ground truth from the labels of every record, against the alerted
/// profile-windows; `evaluation.txt` at the end.
struct EvaluationSink {
    run: slips_models::cli_support::EvaluationRun,
    out: PathBuf,
}

impl Sink for EvaluationSink {
    fn name(&self) -> &'static str {
        "evaluation"
    }
    fn record(&mut self, flow: &Flow, _profile: Option<IpAddr>) -> slips_output::Result<()> {
        self.run.flow(flow);
        Ok(())
    }
    fn alert(&mut self, a: &Alert, _: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.run.alert(a);
        Ok(())
    }
    fn finish(&mut self, _: &[ProfileSummary]) -> slips_output::Result<()> {
        let text = self.run.finish().report();
        let path = self.out.join("evaluation.txt");
        slips_fs::write_atomic(&path, text.as_bytes()).map_err(|source| {
            slips_output::OutputError::Io {
                op: "write",
                path,
                source,
            }
        })?;
        println!("{text}");
        Ok(())
    }
}

/// Hands the engine's events to the sinks, evidence enriched first.
/// Blocking acts on alerts before the sinks see them, so that they say what was done.
fn dispatch(
    events: impl Iterator<Item = Event>,
    enricher: &Enricher,
    prevention: &mut Option<crate::blocking::Prevention>,
    sinks: &mut Sinks,
    now: &Now<'_>,
) -> Result<()> {
    for ev in events {
        match ev {
            Event::Evidence(mut e) => {
                enricher.annotate(&mut e);
                if let Some(p) = prevention.as_mut() {
                    p.evidence(&e);
                }
                sinks.evidence(&e, now)?;
            }
            Event::Alert {
                mut alert,
                evidence,
            } => {
                let action = prevention
                    .as_mut()
                    .and_then(|p| p.alert(&mut alert, &evidence, now.event_time));
                sinks.alert(&alert, &evidence, now)?;
                if let Some(a) = action {
                    sinks.blocking(&a)?;
                }
            }
            Event::WindowClosed(w) => sinks.window_closed(&w)?,
            Event::ProfileRetired(mut p) => {
                enricher.profiles(std::slice::from_mut(&mut *p));
                sinks.profile_retired(&p)?;
            }
        }
    }
    Ok(())
}

/// The last SIGINT or SIGTERM received, if any.
static SIGNAL: OnceLock<Arc<AtomicUsize>> = OnceLock::new();

/// The signal that had arrived when the analysis ended.
static ANALYSIS_SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// The exit code after an analysis a signal stopped (130 for SIGINT, 143 for SIGTERM).
pub fn signal_exit_code() -> Option<u8> {
    let sig = ANALYSIS_SIGNAL.load(Ordering::Relaxed);
    (sig != 0).then(|| u8::try_from(128 + sig).unwrap_or(u8::MAX))
}

/// The stop was asked for, not a signal from outside (quitting the terminal interface).
pub fn forget_signal() {
    ANALYSIS_SIGNAL.store(0, Ordering::Relaxed);
}

/// Dispatches the command line: analysis, evaluation, model and classifier tools.
pub fn main(cli: Cli) -> Result<()> {
    match cli.command {
        None if cli.analyse.list_detectors => {
            print!("{}", slips_detectors::catalogue_markdown());
            Ok(())
        }
        None if cli.analyse.clear_blocking => crate::blocking::clear(),
        None if cli.analyse.gui && cli.analyse.db.is_some() => {
            crate::gui::browse(cli.analyse.db.as_deref().expect("checked"))
        }
        None if cli.analyse.gui => crate::gui::main(cli.analyse),
        None if cli.analyse.web && cli.analyse.db.is_some() => crate::web::serve_past(
            &crate::db::resolve(cli.analyse.db.as_deref().expect("checked")),
            &cli.analyse.web_serve,
            cli.analyse.config.as_ref(),
        ),
        Some(Command::Web(w)) => crate::web::serve_past(&w.path, &w.serve, w.config.as_ref()),
        None if cli.analyse.db.is_some() => {
            crate::db::reopen(cli.analyse.db.as_deref().expect("checked"))
        }
        Some(Command::Query(q)) => crate::db::query(q),
        None => run(cli.analyse, false),
        Some(Command::Unblock { ip, config }) => crate::blocking::unblock(ip, config.as_ref()),
        Some(Command::Evaluate(a)) => run(a, true),
        Some(Command::Models(ModelsCommand::ImportStf { files, output })) => {
            let (ok, failed) = slips_models::cli_support::import_stf_files(&files, &output)
                .with_context(|| format!("cannot write to {}", output.display()))?;
            for m in &ok {
                println!(
                    "{} -> {} ({})",
                    m.input.display(),
                    m.output.display(),
                    m.label
                );
            }
            for f in &failed {
                eprintln!("slips: {}: {}", f.input.display(), f.error);
            }
            println!("{} model(s) imported, {} failed", ok.len(), failed.len());
            if failed.is_empty() {
                Ok(())
            } else {
                anyhow::bail!("{} file(s) could not be imported", failed.len())
            }
        }
        Some(Command::Models(ModelsCommand::Train { inputs, output })) => {
            let flows = read_all(&inputs)?;
            let written = slips_models::cli_support::train_models(
                flows,
                slips_models::training::TrainOptions::default(),
                &output,
            )?;
            for p in &written {
                println!("{}", p.display());
            }
            println!("{} model(s) written to {}", written.len(), output.display());
            Ok(())
        }
        Some(Command::Ml(MlCommand::Train { inputs, output })) => {
            let flows = read_all(&inputs)?;
            let model = slips_models::cli_support::ml_train_to_file(
                flows,
                &slips_models::ml::MlOptions::default(),
                &output,
            )?;
            println!("classifier written to {}", output.display());
            tracing::debug!("{model:?}");
            Ok(())
        }
    }
}

/// Every flow of some inputs (any format slips reads), for training.
fn read_all(inputs: &[PathBuf]) -> Result<Vec<Flow>> {
    let mut flows = Vec::new();
    for path in inputs {
        let spec = InputSpec::Path(path.clone());
        let kind = input::detect(&spec)?;
        if kind.is_live() {
            anyhow::bail!(UsageError(format!(
                "{}: training needs files, not live input",
                path.display()
            )));
        }
        let (rx, reader) = input::spawn_reader(
            &spec,
            kind,
            None,
            Arc::new(Progress::default()),
            Arc::new(AtomicBool::new(false)),
            &PacketOptions::default(),
            None,
        )?;
        for batch in rx {
            flows.extend(batch);
        }
        let report = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the input reader thread failed"))?;
        if report.malformed > 0 {
            eprintln!(
                "slips: {}: {} malformed line(s) skipped",
                path.display(),
                report.malformed
            );
        }
    }
    Ok(flows)
}

pub fn run(cli: Analyse, evaluate: bool) -> Result<()> {
    if cli.gui {
        return Err(
            UsageError("-G (the terminal interface) does not work with evaluate".into()).into(),
        );
    }
    run_with(cli, evaluate, None)
}

/// The analysis; with `gui`, for the terminal interface (see `gui.rs`).
pub fn run_with(cli: Analyse, evaluate: bool, gui: Option<crate::gui::Attach>) -> Result<()> {
    let started = Instant::now();
    let start_date = wall_now("%Y/%m/%d %H:%M:%S%.6f");
    let spec = cli
        .input()
        .ok_or_else(|| UsageError("no input given: use -f PATH or -g DIR (see --help)".into()))?;
    let (cfg, config_warnings) = load_config(&cli)?;
    let kind = input::detect(&spec)?;
    let block_mode = cli.blocking.then(|| crate::blocking::mode(kind));
    if let Some(m) = block_mode {
        // Missing privilege or firewall fails here, before anything is written.
        crate::blocking::preflight(&cfg, m)?;
    }
    let stdin = input::open_stdin(kind)?;
    let input_path = match kind {
        InputKind::Stdin(_) => PathBuf::from("stdin"),
        _ => spec.path().to_path_buf(),
    };
    // SIGINT / SIGTERM: stop reading, flush everything, exit 128 + the signal as tools do; a
    // second signal exits at once.
    let stop = Arc::new(AtomicBool::new(false));
    let signal = SIGNAL.get_or_init(|| Arc::new(AtomicUsize::new(0)));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, stop.clone())?;
        signal_hook::flag::register_usize(sig, signal.clone(), sig as usize)?;
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let entries = if cli.no_detection {
        Vec::new()
    } else {
        slips_detectors::select(&cfg.modules.disable, &cfg.modules.enable)
            .map_err(|e| UsageError(format!("modules: {e}")))?
    };

    let out_path = match &cli.output {
        Some(p) => p.clone(),
        None => OutputDir::default_name(&input_path, &wall_now("%Y-%m-%d_%H:%M:%S")),
    };
    let packet_input = matches!(
        kind,
        InputKind::File(slips_flows::InputFormat::Pcap) | InputKind::Interface
    );
    let packets = PacketOptions {
        bpf: cli
            .pcapfilter
            .clone()
            .or_else(|| Some(cfg.parameters.pcapfilter.clone()).filter(|f| !f.trim().is_empty())),
        suricata: cli.engine == PacketEngineKind::Suricata,
        zeek_files: packet_input.then(|| out_path.join("zeek_files")),
        zeek_json: cli.zeek_files_format == crate::cli::ZeekFilesFormat::Json,
    };
    if packets.bpf.is_some() && !packet_input {
        // A filter of packets says nothing about flows already made.
        if cli.pcapfilter.is_some() {
            anyhow::bail!(UsageError(
                "-F filters packets: it applies to pcap files and interfaces, not to flow or \
                 log input"
                    .into()
            ));
        }
        warn!("parameters.pcapfilter applies to packet input only; this input is not filtered");
    }
    let reorder_window = match cli.reorder_window {
        Some(w) if w.is_finite() && w >= 0.0 => Some(w),
        Some(w) => {
            return Err(UsageError(format!(
                "--reorder-window expects a number of seconds (0 or more), got {w}"
            ))
            .into())
        }
        None => cfg.parameters.reorder_window,
    };
    // Everything that can be wrong with the input is found before the output folder is
    // touched: a bad input never wipes the results of a previous run.
    let opened = input::open(&spec, kind, stdin, stop.clone(), &packets)?;
    let outdir = OutputDir::create(&out_path, true)
        .with_context(|| format!("cannot prepare output folder {}", out_path.display()))?;
    let out = outdir.path().to_path_buf();
    crate::logging::init(
        &out,
        cfg.parameters.verbose,
        cfg.parameters.debug,
        gui.is_none(),
    )?;
    for w in &config_warnings {
        warn!("config: {w}");
    }
    info!(
        "slips {VERSION} analysing {} ({})",
        input_path.display(),
        kind.as_str()
    );
    for (k, v) in cfg.effective_summary() {
        info!("config {k} = {v}");
    }
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let mut meta = Info {
        version: VERSION.to_string(),
        command_line,
        input: input_path.display().to_string(),
        input_type: kind.as_str().to_string(),
        start: start_date,
        end: None,
        config_path: cli.config.clone(),
    };
    if cfg.parameters.metadata_dir {
        Metadata::write_info(&out, &meta)?;
    }

    // Threat intelligence, whitelists and enrichment: local files and cached feeds only.
    // Relative paths resolve against the configuration file's folder (or its parent, see
    // `config_base_dir`); without -c nothing is looked up in the working folder: the
    // built-in whitelist and organisation data are used.
    let mut cfg = cfg;
    let base_dir = match &cli.config {
        Some(c) => {
            let (dir, note) = config_base_dir(c, &cfg);
            if let Some(n) = note {
                eprintln!("slips: {n}");
                info!("{n}");
            }
            dir
        }
        None => {
            let ti = &mut cfg.threat_intelligence;
            for p in [
                &mut ti.ti_files,
                &mut ti.ja3_feeds,
                &mut ti.ssl_feeds,
                &mut ti.local_threat_intelligence_files,
            ] {
                *p = PathBuf::new();
            }
            cfg.whitelists.local_whitelist_path = PathBuf::new();
            info!(
                "no configuration file: built-in whitelist and organisation data, no threat \
                 intelligence files (use -c to name them)"
            );
            PathBuf::from(".")
        }
    };
    // Downloaded feeds go to slips' cache folder, not next to the configuration (which may
    // be read-only, or someone else's) unless the configuration names a folder of its own.
    let default_cache = Config::default()
        .threat_intelligence
        .download_path_for_remote_threat_intelligence;
    if cfg
        .threat_intelligence
        .download_path_for_remote_threat_intelligence
        == default_cache
    {
        cfg.threat_intelligence
            .download_path_for_remote_threat_intelligence = cache_dir().join("feeds");
    }
    let cfg = cfg;
    let intel = slips_intel::Intel::load(&cfg, &base_dir).context("threat intelligence")?;
    for p in intel.problems().kept.iter().take(PROBLEMS_LISTED) {
        warn!(target: "slips::problems", "{}:{}: {}", p.file, p.line, p.reason);
    }
    if intel.problems().total > 0 {
        warn!(
            "threat intelligence: {} malformed line(s) skipped (listed in errors.log)",
            intel.problems().total
        );
    }
    let mut resources = intel.resources();
    if let Some(dir) = &cli.models {
        let models = slips_models::cli_support::load_models(dir)
            .map_err(|e| UsageError(format!("-m {}: {e}", dir.display())))?;
        info!(
            "loaded {} behavioural model(s) from {}",
            models.len(),
            dir.display()
        );
        resources.markov = Some(Arc::new(models));
    }
    resources.markov_min_letters = (cli.min_letters as usize).max(4);
    if let Some(f) = &cli.ml_model {
        let m = slips_models::cli_support::load_classifier(f)
            .map_err(|e| UsageError(format!("--ml-model {}: {e}", f.display())))?;
        resources.ml = Some(Arc::new(m));
    }
    let detectors = slips_detectors::build_all(&entries, &cfg, &resources);
    let export_letters = cli.export_letters || cfg.parameters.export_strato_letters;
    let database = cfg.database.enabled && !cli.no_db;
    if cli.web && !database {
        return Err(UsageError(
            "--web reads the analysis database: it does not work with --no-db or database.enabled: false"
                .into(),
        )
        .into());
    }
    let summaries = export_letters || database || gui.is_some();
    let mut engine = Engine::new(engine_config(&cfg, &cli, summaries), detectors);
    if let Some(f) = intel.filter() {
        engine = engine.with_filter(f);
    }
    info!("detectors: {}", engine.detector_names().join(", "));

    let (mut prevention, restored) = match block_mode {
        Some(m) => {
            let (p, restored) =
                crate::blocking::Prevention::open(&cfg, m, &out, intel.whitelist().cloned())?;
            (Some(p), restored)
        }
        None => (None, Vec::new()),
    };

    let external = crate::external::External::start(&cfg)?;

    // The pipeline: transforms (anonymisation) → engine → enrichment → blocking → sinks.
    let mut enricher = Enricher::new(Arc::clone(intel.knowledge()));
    let mut sinks = Sinks::default();
    sinks.push(Box::new(AlertsLog::create(&out)?));
    sinks.push(Box::new(AlertsJson::create(&out, VERSION)?));
    if database {
        let meta = [
            ("slips_version", VERSION.to_string()),
            ("command_line", meta.command_line.clone()),
            ("input", meta.input.clone()),
            ("input_type", meta.input_type.clone()),
            ("start", meta.start.clone()),
            ("window_width", cfg.window_width().to_string()),
            (
                "config",
                cli.config
                    .as_ref()
                    .map_or_else(|| "built-in defaults".into(), |c| c.display().to_string()),
            ),
        ];
        let opts = slips_db::Options {
            store_records: cfg.database.store_flows,
            live: kind.is_live(),
        };
        sinks.push(Box::new(slips_db::DbSink::create(
            &out.join(slips_db::FILE_NAME),
            opts,
            &meta,
        )?));
    }
    if cli.log_files {
        sinks.push(Box::new(
            ProfilesSink::new(&out).with_blocking(cli.blocking),
        ));
    }
    match &gui {
        Some(g) => sinks.push(g.sink(cfg.window_width(), Arc::clone(intel.knowledge()))),
        None => sinks.push(Box::new(TerminalSink::new(
            std::io::stdout(),
            std::io::stdout().is_terminal(),
            cli.print_letters.then_some(cli.min_letters),
        ))),
    }
    if cli.sound {
        sinks.push(Box::new(SoundSink(crate::sound::Sound::new(&out))));
    }
    if export_letters {
        let mut f = std::io::BufWriter::new(slips_fs::create(&out.join("strato_letters.tsv"))?);
        f.write_all(slips_models::export::HEADER.as_bytes())?;
        sinks.push(Box::new(LettersSink(f)));
    }
    if evaluate {
        sinks.push(Box::new(EvaluationSink {
            run: slips_models::cli_support::EvaluationRun::new(cfg.window_width()),
            out: out.clone(),
        }));
    }
    let redis_url = cli.redis.clone().unwrap_or_else(|| cfg.redis.url.clone());
    let mut redis_sent = None;
    if !redis_url.trim().is_empty() {
        let sink = slips_redis::RedisSink::start(slips_redis::Options {
            url: redis_url.trim().to_string(),
            publish: cfg.redis.publish.clone(),
            ttl: cfg.redis.ttl.ceil() as u64,
            max_list: cfg.redis.max_list,
            prefix: "slips:".into(),
        })
        .map_err(|e| UsageError(e.to_string()))?;
        redis_sent = Some(sink.sent());
        sinks.push(Box::new(sink));
    }
    let exports = crate::export::start(
        &cfg,
        &base_dir,
        &out,
        kind.is_live(),
        cli.metrics.as_deref(),
        VERSION,
    )?;
    for s in exports.sinks {
        sinks.push(s);
    }
    let metrics = exports.metrics;
    let mut external = external.map(|(x, sink)| {
        sinks.push(sink);
        x
    });
    if let (true, Some(sent)) = (cfg.redis.evidence_in, redis_sent) {
        let quiet = Duration::from_secs_f64(cfg.redis.evidence_wait);
        external = Some(crate::external::External::listen_redis(
            external,
            redis_url.trim(),
            sent,
            quiet,
        )?);
    } else if cfg.redis.evidence_in {
        warn!("redis.evidence_in is set but no Redis URL is given (--redis or redis.url): ignored");
    }
    info!("sinks: {}", sinks.names().join(", "));
    for r in &restored {
        sinks.blocking(r)?;
    }
    let mut anonymizer = cli
        .anonymize
        .then(slips_models::cli_support::Anonymizer::default);

    let progress = Arc::new(Progress::default());
    let (rx, reader) = input::start(
        opened,
        kind,
        progress.clone(),
        stop.clone(),
        &packets,
        reorder_window,
    )?;
    if let Some(g) = &gui {
        g.started(progress.clone());
    }
    // --web: serves the database the run writes, from now on.
    let web = if cli.web {
        Some(crate::web::Live::start(
            &cli,
            &cfg,
            &out.join(slips_db::FILE_NAME),
            progress.clone(),
            block_mode.is_some() && kind.is_live(),
        )?)
    } else {
        None
    };
    let live = kind.is_live();
    // With -G the interface shows the progress; nothing else may write on the screen.
    let show_progress = !cli.quiet && gui.is_none();
    let live_refresh = if gui.is_some() {
        crate::gui::LIVE_REFRESH
    } else {
        LIVE_REFRESH
    };
    let bar = if show_progress && !live && std::io::stderr().is_terminal() {
        let b = ProgressBar::new(progress.total_bytes.load(Ordering::Relaxed));
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };

    let stats = |engine: &Engine, elapsed: f64| {
        let s = engine.stats();
        Stats {
            analyzed_ips: s.profiles,
            flows: s.records,
            evidence: s.evidence,
            alerts: s.alerts,
            flows_per_sec: s.records as f64 / elapsed.max(1e-9),
        }
    };
    let mut last_stats = Instant::now();
    let mut last_metrics = Instant::now();
    let mut event_time = Timestamp::ZERO;
    let mut last_refresh = Instant::now();
    let mut interrupted = false;
    loop {
        if stop.load(Ordering::Relaxed)
            && !matches!(kind, InputKind::Growing | InputKind::Interface)
        {
            // The follower of -g and live capture stop by themselves after a last read and
            // flush; other readers may be blocked (stdin): stop waiting for them.
            interrupted = true;
            break;
        }
        let batch = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(b) => b,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => Vec::new(),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        let batch_len = batch.len();
        for mut flow in batch {
            if let Some(a) = anonymizer.as_mut() {
                a.anonymize(&mut flow);
            }
            enricher.observe(&flow.record);
            event_time = event_time.max(flow.record.ts());
            let profile = engine.process(&flow);
            sinks.record(&flow, profile)?;
        }
        let create_time = wall_now("%Y-%m-%dT%H:%M:%S%.6f%:z");
        let now = Now {
            create_time: &create_time,
            event_time,
        };
        if let Some(x) = external.as_mut() {
            x.submit_to(&mut engine);
        }
        dispatch(
            engine.drain_events(),
            &enricher,
            &mut prevention,
            &mut sinks,
            &now,
        )?;
        if let Some(p) = prevention.as_mut() {
            for a in p.tick(event_time) {
                sinks.blocking(&a)?;
            }
        }
        if live {
            // Evidence shows up in alerts.log as it is found.
            if batch_len > 0 {
                sinks.flush()?;
            }
            if last_refresh.elapsed() >= live_refresh {
                last_refresh = Instant::now();
                let open = if sinks.wants_open_windows() {
                    engine.open_window_summaries()
                } else {
                    Vec::new()
                };
                sinks.refresh(&open, &now)?;
            }
        }
        bar.set_position(progress.bytes_read.load(Ordering::Relaxed));
        if let Some((m, _)) = &metrics {
            if last_metrics.elapsed() >= METRICS_EVERY {
                last_metrics = Instant::now();
                m.set_engine(crate::export::gauges(&engine.stats(), rx.len()));
            }
        }
        if show_progress && last_stats.elapsed() >= STATS_EVERY {
            last_stats = Instant::now();
            let line = stats_line(&stats(&engine, started.elapsed().as_secs_f64()));
            if bar.is_hidden() {
                eprintln!("{line}");
            } else {
                bar.set_message(line);
            }
        }
    }
    if let Some(x) = external.take() {
        // Their input ends with ours: their last evidence still lands in open windows.
        x.finish(&mut engine);
    }
    engine.finish();
    let create_time = wall_now("%Y-%m-%dT%H:%M:%S%.6f%:z");
    let now = Now {
        create_time: &create_time,
        event_time,
    };
    dispatch(
        engine.drain_events(),
        &enricher,
        &mut prevention,
        &mut sinks,
        &now,
    )?;
    if let Some(p) = prevention.as_mut() {
        for a in p.finish(event_time)? {
            sinks.blocking(&a)?;
        }
    }
    sinks.flush()?;
    bar.finish_and_clear();
    let report = if interrupted && !reader.is_finished() {
        // The reader is blocked on its input; what it sent was analysed.
        info!("interrupted: stopped reading the input");
        input::ReaderReport {
            records: progress.records.load(Ordering::Relaxed),
            ..Default::default()
        }
    } else {
        reader
            .join()
            .map_err(|_| anyhow::anyhow!("the input reader thread failed"))?
    };
    if interrupted || stop.load(Ordering::Relaxed) {
        eprintln!("slips: interrupted; the flows read so far were analysed and all output written");
    }

    if let Some((m, _)) = &metrics {
        m.set_engine(crate::export::gauges(&engine.stats(), 0));
        m.set_malformed(report.malformed);
    }
    let mut profiles = engine.profile_summaries();
    enricher.profiles(&mut profiles);
    sinks.finish(&profiles)?;
    sinks.flush()?;
    // With -G the summary below is printed once the interface gave the terminal back; the
    // time spent browsing is not analysis time.
    let started = match &gui {
        Some(g) => started + g.wait_closed(),
        None => started,
    };

    if let Some(a) = &anonymizer {
        a.write_mapping(&out.join("anonymized_ips.csv"))?;
    }
    drop(intel);

    let elapsed = started.elapsed().as_secs_f64();
    report_problems(&report, &out);
    meta.end = Some(wall_now("%Y/%m/%d %H:%M:%S%.6f"));
    if cfg.parameters.metadata_dir {
        Metadata::write_info(&out, &meta)?;
    }
    let s = engine.stats();
    info!("engine stats: {s:?}");
    // Every cap that held something back says so, on the terminal and in errors.log.
    let mut capped = Vec::new();
    if s.capped_evidence > 0 {
        capped.push(format!(
            "{} evidence summarised instead of listed (slips.max_evidence_per_type {} per type, \
             profile and window)",
            s.capped_evidence, cfg.engine.max_evidence_per_type
        ));
    }
    if s.retired_profiles > 0 {
        capped.push(format!(
            "{} profiles retired to make room for new IPs, the least recently active first \
             (slips.max_profiles {}; each written out when retired)",
            s.retired_profiles, cfg.engine.max_profiles
        ));
    }
    if s.unprofiled_for_cap > 0 {
        capped.push(format!(
            "{} IPs not profiled because the profiles were at the cap at that moment",
            s.unprofiled_for_cap
        ));
    }
    if s.shed_tuples > 0 {
        capped.push(format!(
            "{} tuples of windows dropped, the ones with the fewest flows (slips.max_tuples_per_window {} per direction, profile and window; slips.max_tuples {} in all open windows)",
            s.shed_tuples, cfg.engine.max_tuples_per_window, cfg.engine.max_tuples
        ));
    }
    if s.shed_detector_state > 0 {
        capped.push(format!(
            "{} entries of detector state dropped at the detectors' caps, the least advanced first (e.g. scan keys with the fewest targets)",
            s.shed_detector_state
        ));
    }
    if s.evicted_windows > 0 {
        capped.push(format!(
            "{} time windows closed early (slips.max_open_windows {})",
            s.evicted_windows, cfg.engine.max_open_windows
        ));
    }
    if !capped.is_empty() {
        let line = format!("Caps reached: {}", capped.join("; "));
        eprintln!("slips: {line}");
        warn!("{line}");
    }
    println!("{}", stats_line(&stats(&engine, elapsed)));
    if let Some(p) = &prevention {
        let line = p.summary();
        println!("{line}");
        info!("{line}");
    }
    let late = report.reorder.map_or(0, |(_, _, r)| r.late);
    println!(
        "Read {} records from {} in {elapsed:.2} s; {} malformed line(s); {} repeated flow(s) ignored; {late} late record(s). Output: {}",
        report.records,
        match kind {
            InputKind::Stdin(_) => "standard input".to_string(),
            _ => format!("{} file(s)", report.files.len().max(1)),
        },
        report.malformed,
        report.duplicates,
        out.display()
    );
    if let Some((window, cap, r)) = report.reorder {
        let bound = if window.is_finite() {
            format!("a lateness bound of {window} s")
        } else {
            format!("up to {cap} records held")
        };
        let msg = format!(
            "reorder: {} of {} records arrived out of time order and were put back in order \
             with {bound}; {} late record(s) (after a later record had been analysed; analysed \
             out of order); {} record(s) sent on early because {} were waiting",
            r.out_of_order, r.records, r.late, r.forced, cap
        );
        if r.late > 0 || r.forced > 0 {
            warn!("{msg}");
        } else {
            info!("{msg}");
        }
    }
    for (what, n) in &report.ignored {
        info!("not analysed: {n} {what}");
    }
    if let Some(f) = report.format {
        info!("input read as {f}");
    }
    if let Some(clock) = engine.clock() {
        info!(
            "time windows of {} s anchored at {}",
            clock.width,
            Timestamp::from_secs(clock.anchor.secs())
        );
    }
    // The exit code tells whether the analysis was interrupted; the Ctrl-C that ends
    // serving a finished analysis (--web) is how one stops a server, not an interruption.
    if let Some(sig) = SIGNAL.get() {
        ANALYSIS_SIGNAL.store(sig.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    if let Some(w) = web {
        // Interrupted: the user wants out. Otherwise serve the finished analysis.
        w.finished(interrupted || stop.load(Ordering::Relaxed), &stop);
    }
    Ok(())
}

/// slips' cache folder: `$SLIPS_CACHE_DIR`, else `$XDG_CACHE_HOME/slips`, else
/// `~/.cache/slips` (the XDG default), else `.slips-cache` in the system's temporary folder.
fn cache_dir() -> PathBuf {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("SLIPS_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("slips")))
        .or_else(|| var("HOME").map(|h| h.join(".cache/slips")))
        .unwrap_or_else(|| std::env::temp_dir().join(".slips-cache"))
}

/// The folder relative paths of the configuration file `config` resolve against: the
/// file's own folder, or its parent when the parent holds more of the files the
/// configuration names (Slips' own `config/slips.yaml` names `config/whitelist.conf`,
/// relative to Slips' install root). Also what to tell the user, when there are relative
/// paths at all.
fn config_base_dir(config: &Path, cfg: &Config) -> (PathBuf, Option<String>) {
    let dir = match config.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let ti = &cfg.threat_intelligence;
    let en = &cfg.enrichment;
    let mut paths = vec![
        &ti.ti_files,
        &ti.ja3_feeds,
        &ti.ssl_feeds,
        &ti.local_threat_intelligence_files,
        &en.geoip_country_db,
        &en.geoip_asn_db,
        &en.mac_vendors_db,
        &en.organizations_info,
        &en.tor_exit_nodes,
    ];
    if cfg.whitelists.enable_local_whitelist {
        paths.push(&cfg.whitelists.local_whitelist_path);
    }
    let relative: Vec<&PathBuf> = paths
        .into_iter()
        .filter(|p| !p.as_os_str().is_empty() && p.is_relative())
        .collect();
    if relative.is_empty() {
        return (dir, None);
    }
    let found = |base: &Path| relative.iter().filter(|p| base.join(p).exists()).count();
    let here = found(&dir);
    let parent = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf));
    match parent {
        Some(up) if found(&up) > here => {
            let n = format!(
                "relative paths of {} resolve against {} (its parent folder, which holds {} of \
                 the {} files it names; its own folder holds {here})",
                config.display(),
                up.display(),
                found(&up),
                relative.len()
            );
            (up, Some(n))
        }
        _ => {
            let n = format!(
                "relative paths of {} resolve against its folder {} ({here} of the {} files it \
                 names found there)",
                config.display(),
                dir.display(),
                relative.len()
            );
            (dir, Some(n))
        }
    }
}

/// Malformed lines: counted, listed in errors.log with file and line, summarised on the
/// terminal.
fn report_problems(report: &input::ReaderReport, out: &Path) {
    for p in report.problems.iter().take(PROBLEMS_LISTED) {
        warn!(target: "slips::problems", "{}:{}: {}", p.file.display(), p.line, p.message);
    }
    let total = report.malformed;
    if total > 0 {
        eprintln!(
            "slips: {total} malformed line(s) skipped; see {} for file and line of each",
            out.join("errors.log").display()
        );
    }
}

//! `-G`: the analysis runs on a background thread and the terminal interface
//! (`slips-tui`) on this one.
//!
//! The interface opens once the analysis has its input and output ready (so errors about
//! them are printed on a normal terminal), logs go only to the log files, and the terminal
//! sink, progress bar and statistics line are off. When the analysis ends the interface
//! stays open for browsing; the analysis thread waits for it to close before printing its
//! final summary, which therefore lands on the restored terminal. Quitting while the
//! analysis runs stops it as Ctrl-C would (everything read so far is analysed and written).

use crate::cli::Analyse;
use crate::input::Progress;
use anyhow::{Context, Result};
use slips_tui::{Limits, RunOptions, SharedModel, Status, TuiModel};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// What the analysis thread reports to the interface.
#[derive(Default)]
struct Shared {
    /// The input's progress, once the reader started.
    progress: Option<Arc<Progress>>,
    /// The analysis is ready (interface may open) or over.
    started: bool,
    /// The interface closed.
    closed: bool,
}

/// The analysis side of `-G`, handed to [`crate::run::run_with`].
#[derive(Clone)]
pub struct Attach {
    model: Arc<Mutex<Option<SharedModel>>>,
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl Attach {
    fn new() -> Self {
        Attach {
            model: Arc::new(Mutex::new(None)),
            shared: Arc::new((Mutex::new(Shared::default()), Condvar::new())),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> T {
        let (lock, cv) = &*self.shared;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        let out = f(&mut s);
        cv.notify_all();
        out
    }

    /// The sink that feeds the interface, for windows `width` seconds wide; MAC vendors
    /// come from `knowledge`.
    pub fn sink(
        &self,
        width: f64,
        knowledge: Arc<slips_intel::IntelKnowledge>,
    ) -> Box<dyn slips_output::Sink> {
        use slips_detectors::Knowledge;
        let model = SharedModel::new(TuiModel::new(width, Limits::default()));
        let sink = model.sink().with_vendors(Box::new(move |mac| {
            knowledge.mac_vendor(mac).map(|v| v.to_string())
        }));
        *self.model.lock().unwrap_or_else(|e| e.into_inner()) = Some(model);
        Box::new(sink)
    }

    /// The input is open and read: the interface may take the terminal.
    pub fn started(&self, progress: Arc<Progress>) {
        self.with(|s| {
            s.progress = Some(progress);
            s.started = true;
        });
    }

    /// The analysis is over: waits until the user closes the interface; returns how long
    /// that took.
    pub fn wait_closed(&self) -> std::time::Duration {
        let t0 = std::time::Instant::now();
        let (lock, cv) = &*self.shared;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        while !s.closed {
            s = cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        t0.elapsed()
    }

    /// Waits until the analysis is ready or has ended; false when it ended first.
    fn wait_started(&self, done: &AtomicBool) -> bool {
        let (lock, cv) = &*self.shared;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if s.started {
                return true;
            }
            if done.load(Ordering::Acquire) {
                return false;
            }
            s = cv
                .wait_timeout(s, std::time::Duration::from_millis(100))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn close(&self) {
        self.with(|s| s.closed = true);
    }
}

/// Marks the interface closed however the UI ends (panics included), so the analysis
/// thread never waits for a window that is gone.
struct ClosedOnDrop(Attach);

impl Drop for ClosedOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Marks the analysis over however it ends (panics included) and wakes the interface,
/// which closes if it is still open (the analysis failed).
struct Done(Arc<AtomicBool>, Attach);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
        self.1.with(|_| ());
    }
}

/// `slips -G ...`.
pub fn main(cli: Analyse) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(
            crate::input::UsageError("-G needs a terminal on standard output".into()).into(),
        );
    }
    let title = cli
        .input()
        .map(|i| i.path().display().to_string())
        .unwrap_or_default();
    let attach = Attach::new();
    let closed = ClosedOnDrop(attach.clone());
    let done = Arc::new(AtomicBool::new(false));
    let analysis = {
        let attach = attach.clone();
        let done = done.clone();
        std::thread::Builder::new()
            .name("analysis".into())
            .spawn(move || {
                let _done = Done(done, attach.clone());
                crate::run::run_with(cli, false, Some(attach))
            })
            .context("cannot start the analysis thread")?
    };
    let mut quit_early = false;
    let ui = if attach.wait_started(&done) {
        let model = attach
            .model
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match model {
            Some(model) => {
                let progress = attach.with(|s| s.progress.clone());
                let status = progress.map(|p| {
                    Box::new(move || Status {
                        bytes_read: p.bytes_read.load(Ordering::Relaxed),
                        total_bytes: p.total_bytes.load(Ordering::Relaxed),
                    }) as Box<dyn Fn() -> Status>
                });
                let r = slips_tui::run(
                    &model,
                    RunOptions {
                        title,
                        status,
                        // The analysis thread waits for the interface after a
                        // success, so `done` while the interface is open means it failed:
                        // close it and report.
                        close: done.clone(),
                    },
                );
                if !model.lock().finished() {
                    // Quit while the analysis runs: stop it as Ctrl-C does.
                    quit_early = true;
                    let _ = signal_hook::low_level::raise(signal_hook::consts::SIGINT);
                }
                r.map_err(anyhow::Error::from)
            }
            None => Ok(()),
        }
    } else {
        Ok(())
    };
    drop(closed);
    let analysed = analysis
        .join()
        .map_err(|_| anyhow::anyhow!("the analysis thread failed"))?;
    analysed?;
    if quit_early {
        // Quitting is how one ends a live analysis in the interface, not an interruption.
        crate::run::forget_signal();
    }
    ui
}

/// `slips -G -d DB`: browses a past analysis from its database, without analysing.
pub fn browse(db: &std::path::Path) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(
            crate::input::UsageError("-G needs a terminal on standard output".into()).into(),
        );
    }
    let reader = slips_db::Reader::open(&crate::db::resolve(db))?;
    let width = reader
        .meta("window_width")
        .and_then(|w| w.parse::<f64>().ok())
        .unwrap_or(3600.0);
    let model = SharedModel::new(TuiModel::new(width, Limits::default()));
    let mut sink = model.sink();
    let done = reader.replay(&mut sink)?;
    let title = format!(
        "{} (from {})",
        reader.meta("input").unwrap_or_default(),
        reader.path().display()
    );
    slips_tui::run(
        &model,
        RunOptions {
            title,
            status: None,
            close: Arc::new(AtomicBool::new(false)),
        },
    )?;
    println!(
        "Browsed {}: {} records, {} evidence, {} alerts, {} profiles{}",
        reader.path().display(),
        done.records,
        done.evidence,
        done.alerts,
        done.profiles,
        if done.unreadable > 0 {
            format!("; {} unreadable row(s) skipped", done.unreadable)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Live inputs with `-G`: how often the open windows' tuples are refreshed (the interface
/// redraws at least this often).
pub const LIVE_REFRESH: std::time::Duration = std::time::Duration::from_secs(1);

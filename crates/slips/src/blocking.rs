//! `--blocking`, `--clearblocking` and `slips unblock`: the prevention stage between the
//! alerts and the sinks.

use crate::input::InputKind;
use anyhow::{Context, Result};
use slips_blocking::{Action, Blocker, Decision, Mode, Tools, UnblockCause};
use slips_config::Config;
use slips_core::{Alert, BlockingEvent, Evidence, Timestamp};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use tracing::info;

/// A decision as the sinks see it; `None` for "already blocked" (nothing changed).
fn event(d: &Decision) -> Option<BlockingEvent> {
    let (action, detail) = match &d.action {
        Action::Block => ("block", None),
        Action::Extend => ("extend", None),
        Action::AlreadyBlocked => return None,
        Action::Unblock(c) => (
            "unblock",
            Some(match c {
                UnblockCause::Expired => "expired",
                UnblockCause::Manual => "manual",
                UnblockCause::Exit => "exit",
            }),
        ),
        Action::Refuse(r) => {
            return Some(BlockingEvent {
                action: "refuse".into(),
                detail: Some(r.to_string()),
                ..base(d)
            })
        }
        Action::Restore => ("restore", None),
        Action::Keep => ("keep", None),
    };
    Some(BlockingEvent {
        action: action.into(),
        detail: detail.map(str::to_string),
        ..base(d)
    })
}

fn base(d: &Decision) -> BlockingEvent {
    BlockingEvent {
        time: d.time,
        ip: d.ip,
        action: "".into(),
        detail: None,
        alert_id: (!d.alert_id.is_empty()).then(|| d.alert_id.as_str().into()),
        until: d.until,
        offences: d.offences,
        dry_run: d.dry_run,
        error: d.error.clone(),
    }
}

/// Blocking during one analysis.
pub struct Prevention {
    blocker: Blocker,
    mode: Mode,
}

/// Live inputs block for real; files only record decisions.
pub fn mode(kind: InputKind) -> Mode {
    if kind.is_live() {
        Mode::Live
    } else {
        Mode::Offline
    }
}

/// What must hold before anything is written: the privilege and a firewall program.
pub fn preflight(cfg: &Config, mode: Mode) -> Result<()> {
    if mode == Mode::Live && !cfg.blocking.dry_run {
        slips_blocking::check_privilege()?;
        slips_blocking::firewall::choose(cfg.blocking.backend, &Tools::default())?;
    }
    Ok(())
}

fn wall_secs() -> f64 {
    jiff::Timestamp::now().as_microsecond() as f64 / 1e6
}

impl Prevention {
    /// Sets the firewall up, writes `blocking.log` in `out` and re-applies kept blocks
    /// (returned for the sinks).
    pub fn open(
        cfg: &Config,
        mode: Mode,
        out: &Path,
        whitelist: Option<std::sync::Arc<slips_intel::Whitelist>>,
    ) -> Result<(Prevention, Vec<BlockingEvent>)> {
        let mut blocker = Blocker::open(
            &cfg.blocking,
            cfg.window_width(),
            mode,
            Some(out),
            &Tools::default(),
        )
        .context("blocking")?;
        if let Some(w) = whitelist {
            blocker = blocker.with_whitelist(Box::new(move |ip| w.never_block(ip)));
        }
        let mut p = Prevention { blocker, mode };
        let restored = p.blocker.restore(wall_secs()).context("blocking")?;
        let msg = match (p.blocker.backend(), p.blocker.dry_run()) {
            (Some(fw), _) => format!(
                "blocking with {fw}: the attacker of each alert is dropped both ways; blocks are \
                 removed at exit{}",
                if cfg.blocking.keep_on_exit {
                    " unless kept (blocking.keep_on_exit)"
                } else {
                    ""
                }
            ),
            (None, Some(why)) => format!("blocking: {why}"),
            (None, None) => "blocking: no firewall".into(),
        };
        eprintln!("slips: {msg}; see blocking.log");
        info!("{msg}");
        if !restored.is_empty() {
            eprintln!(
                "slips: re-applied {} block(s) kept by the previous run",
                restored.len()
            );
        }
        Ok((p, restored.iter().filter_map(event).collect()))
    }

    /// The time blocking runs on: the wall clock for live traffic (the blocks are real),
    /// event time for files (so that two runs write the same blocking.log).
    fn now(&self, event_time: Timestamp) -> f64 {
        match self.mode {
            Mode::Live => wall_secs(),
            Mode::Offline => event_time.secs(),
        }
    }

    pub fn evidence(&mut self, e: &Evidence) {
        self.blocker.evidence(e.profile);
    }

    /// Blocks the alert's profile and records on the alert whether it is blocked.
    pub fn alert(
        &mut self,
        alert: &mut Alert,
        evidence: &[Evidence],
        event_time: Timestamp,
    ) -> Option<BlockingEvent> {
        let mut types: Vec<&str> = evidence.iter().map(|e| e.evidence_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        let reason = format!(
            "{} evidence in timewindow{} (accumulated threat level {:.2}): {}",
            evidence.len(),
            alert.timewindow.number,
            alert.accumulated_threat_level,
            types.join(", ")
        );
        let d: Decision =
            self.blocker
                .alert(alert.profile, &alert.id, &reason, self.now(event_time));
        alert.blocked = Some(d.blocked() && !d.dry_run);
        event(&d)
    }

    /// Ends or extends blocks whose time is over.
    pub fn tick(&mut self, event_time: Timestamp) -> Vec<BlockingEvent> {
        let d = self.blocker.tick(self.now(event_time));
        d.iter().filter_map(event).collect()
    }

    /// What blocking did, for the end-of-run summary.
    pub fn summary(&self) -> String {
        let c = self.blocker.counts();
        let what = if self.blocker.dry_run().is_some() {
            "would have blocked"
        } else {
            "blocked"
        };
        format!(
            "Blocking: {what} {} IP(s), {} extension(s), {} unblock(s), {} refused, {} failed \
             (blocking.log)",
            c.blocks, c.extensions, c.unblocks, c.refusals, c.failures
        )
    }

    /// Removes (or keeps) the blocks; what that did goes to the sinks.
    pub fn finish(&mut self, event_time: Timestamp) -> Result<Vec<BlockingEvent>> {
        let now = self.now(event_time);
        let mut done = self.blocker.tick(now);
        done.extend(self.blocker.shutdown(now).context("blocking at exit")?);
        Ok(done.iter().filter_map(event).collect())
    }
}

/// `--clearblocking` / `-cb`.
pub fn clear() -> Result<()> {
    slips_blocking::check_privilege()?;
    let removed = slips_blocking::clear_all(&Tools::default())?;
    if removed.is_empty() {
        println!("slips: nothing of slips' in the firewall");
    }
    for r in removed {
        println!("slips: removed {r}");
    }
    Ok(())
}

/// `slips unblock IP`.
pub fn unblock(ip: IpAddr, config: Option<&PathBuf>) -> Result<()> {
    let cfg = match config {
        Some(p) => Config::load(p)?.0,
        None => Config::default(),
    };
    slips_blocking::check_privilege()?;
    let done =
        slips_blocking::unblock_now(ip, cfg.blocking.state_dir.as_deref(), &Tools::default())?;
    for d in done {
        println!("slips: {d}");
    }
    Ok(())
}

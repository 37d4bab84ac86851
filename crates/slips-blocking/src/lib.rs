//! Prevention: attackers that raise an alert are blocked in the kernel firewall, both
//! ways, and let go again after a probation.
//!
//! - [`Blocker`] decides: it refuses protected addresses (the host's own, its gateways and
//!   resolvers, loopback, link-local, multicast, unspecified, `blocking.never`, whitelisted
//!   IPs), blocks for `blocking.duration` (default one time window), and when a block ends
//!   lets the IP go only if it produced no evidence meanwhile; otherwise the block is
//!   extended, doubling up to `blocking.max_duration`. Repeat offenders start from their
//!   doubled duration. Every decision is a [`Decision`] and a line of `blocking.log`.
//! - [`firewall`] applies: nftables (table `inet slips`, timed sets) or iptables (chain
//!   `slipsBlocking`, ipset sets). Kernel timeouts outlive ours by a margin, so a killed
//!   slips never leaves a block forever.
//! - In a dry run (`blocking.dry_run`, or any offline input) decisions are made and logged
//!   exactly the same way and nothing touches the firewall.
//!
//! The caller passes the time: wall-clock for live inputs (blocks are real), event time
//! for offline ones (so that two runs give the same `blocking.log`).

pub mod firewall;
pub mod host;
mod state;

pub use firewall::{clear_all, Change, Firewall, Tools};
pub use host::{check_privilege, HostAddresses};

use ipnet::IpNet;
use slips_core::text::escape_controls;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Errors of blocking; all of them are found at start except firewall command failures,
/// which are reported per decision.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("blocking needs the CAP_NET_ADMIN capability: {detail}")]
    Privilege { detail: String },
    #[error("blocking needs {0}, which is not installed")]
    Missing(String),
    #[error("`{command}` failed: {message}")]
    Command { command: String, message: String },
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("blocking state {path}: {message}")]
    State { path: PathBuf, message: String },
}

/// How the analysis is fed, which decides whether the firewall may be touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Live traffic (-i, -g, stdin): blocks are applied unless `dry_run`.
    Live,
    /// A file read after the fact: blocking an IP now would protect nothing, so decisions
    /// are only recorded.
    Offline,
}

/// Why a block was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Loopback, link-local, multicast, unspecified or broadcast.
    Special(&'static str),
    /// The host's own address, gateway or resolver.
    Host(&'static str),
    /// In `blocking.never`.
    Never(IpNet),
    /// Whitelisted.
    Whitelisted,
    /// `blocking.max_blocked` IPs are blocked already.
    Cap(usize),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Special(what) => write!(f, "{what} address"),
            Refusal::Host(what) => f.write_str(what),
            Refusal::Never(net) => write!(f, "in blocking.never ({net})"),
            Refusal::Whitelisted => f.write_str("whitelisted"),
            Refusal::Cap(n) => write!(f, "{n} IPs are blocked already (blocking.max_blocked)"),
        }
    }
}

/// Why a block ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnblockCause {
    /// Its time ended without new evidence.
    Expired,
    /// `slips unblock IP`.
    Manual,
    /// slips stopped (and `keep_on_exit` is off).
    Exit,
}

/// What was decided.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Blocked now.
    Block,
    /// Its time ended but it kept producing evidence: blocked longer.
    Extend,
    /// Already blocked: the new alert counts as evidence for the probation.
    AlreadyBlocked,
    /// Let go.
    Unblock(UnblockCause),
    /// Not blocked, and why.
    Refuse(Refusal),
    /// Re-applied at start from the state a previous run kept.
    Restore,
    /// Left in place at exit (`keep_on_exit`).
    Keep,
}

/// One decision, as logged.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Seconds since the epoch (wall clock live, event time offline).
    pub time: f64,
    pub ip: IpAddr,
    pub action: Action,
    /// The alert that asked for the block.
    pub alert_id: String,
    /// The alert's description.
    pub reason: String,
    /// When the block ends (for blocks, extensions, restores and kept blocks).
    pub until: Option<f64>,
    /// How many times this IP was blocked or extended.
    pub offences: u32,
    /// Decided only, the firewall was not touched.
    pub dry_run: bool,
    /// The firewall command failed (the IP is then not blocked).
    pub error: Option<String>,
    /// How long the firewall took to apply it, in milliseconds.
    pub applied_ms: Option<f64>,
}

impl Decision {
    /// Whether the IP is blocked (or, in a dry run, would be) after this decision.
    pub fn blocked(&self) -> bool {
        self.error.is_none()
            && matches!(
                self.action,
                Action::Block | Action::Extend | Action::AlreadyBlocked | Action::Restore
            )
    }
}

/// `2026-12-04T01:02:03.000000Z`.
fn iso(secs: f64) -> String {
    let micros = (secs * 1e6).round() as i64;
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| format!("{t:.6}"))
        .unwrap_or_else(|_| format!("{secs:.6}"))
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let would = if self.dry_run { "(dry run) " } else { "" };
        write!(f, "{} {would}", iso(self.time))?;
        let duration = self.until.map(|u| (u - self.time).max(0.0).round() as u64);
        match (&self.action, duration) {
            (Action::Block, Some(d)) => write!(f, "block {} for {d} s", self.ip)?,
            (Action::Extend, Some(d)) => write!(
                f,
                "extend block of {} by {d} s (evidence during the block)",
                self.ip
            )?,
            (Action::Restore, Some(d)) => {
                write!(f, "restore block of {} for the remaining {d} s", self.ip)?
            }
            (Action::Keep, _) => write!(f, "keep block of {} after exit", self.ip)?,
            (Action::AlreadyBlocked, _) => write!(f, "already blocked {}", self.ip)?,
            (Action::Unblock(c), _) => {
                let why = match c {
                    UnblockCause::Expired => "block ended with no evidence during it",
                    UnblockCause::Manual => "unblocked by hand",
                    UnblockCause::Exit => "slips stopped",
                };
                write!(f, "unblock {} ({why})", self.ip)?
            }
            (Action::Refuse(r), _) => write!(f, "refuse to block {}: {r}", self.ip)?,
            (a, None) => write!(f, "{a:?} {}", self.ip)?,
        }
        if let Some(u) = self.until {
            write!(f, "; until {}", iso(u))?;
        }
        if self.offences > 0 {
            write!(f, "; offence {}", self.offences)?;
        }
        if !self.alert_id.is_empty() {
            write!(f, "; alert {}", escape_controls(&self.alert_id))?;
        }
        if let Some(ms) = self.applied_ms {
            write!(f, "; applied in {ms:.1} ms")?;
        }
        if let Some(e) = &self.error {
            write!(f, "; FAILED: {}", escape_controls(e))?;
        }
        if !self.reason.is_empty() {
            write!(f, "; {}", escape_controls(&self.reason))?;
        }
        Ok(())
    }
}

/// Counts of what blocking did in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub blocks: u64,
    pub extensions: u64,
    pub unblocks: u64,
    pub refusals: u64,
    pub failures: u64,
    pub restored: u64,
    /// Past offences forgotten because too many IPs had been let go.
    pub history_evicted: u64,
}

/// A blocked IP.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    until: f64,
    duration: f64,
    offences: u32,
    /// Evidence since the block (or its last extension) began.
    evidence: bool,
    alert_id: String,
    reason: String,
}

/// Extra seconds the kernel keeps an element after our own expiry: we decide at the
/// expiry (extend or let go), the kernel's timeout is only the safety net for a dead slips.
fn kernel_timeout(duration: f64) -> u32 {
    let margin = (duration * 0.1).clamp(5.0, 600.0);
    (duration + margin).ceil().min(u32::MAX as f64) as u32
}

/// How the attacker-protection predicate of the whitelist is given.
pub type NeverBlock = Box<dyn Fn(IpAddr) -> bool + Send>;

/// The blocking policy and its firewall.
pub struct Blocker {
    firewall: Option<Box<dyn Firewall>>,
    /// Why nothing touches the firewall, when nothing does.
    dry_run: Option<&'static str>,
    base: f64,
    max: f64,
    max_blocked: usize,
    keep_on_exit: bool,
    never: Vec<IpNet>,
    host: HostAddresses,
    whitelist: Option<NeverBlock>,
    blocked: BTreeMap<IpAddr, Entry>,
    /// Offences of IPs let go, so that repeat offenders get longer blocks.
    history: BTreeMap<IpAddr, u32>,
    log: Option<std::io::BufWriter<std::fs::File>>,
    log_path: Option<PathBuf>,
    state_dir: Option<PathBuf>,
    counts: Counts,
    /// `shutdown` ran.
    shut: bool,
    /// The earliest end of a block (may be early after an unblock: then a tick only
    /// recomputes it), so that a tick with nothing due costs a comparison.
    earliest: f64,
    /// When manual unblock requests are next looked for (once a second: a file check).
    next_poll: f64,
}

impl Drop for Blocker {
    /// A run that ends without `shutdown` (an error, a panic) still removes its rules.
    fn drop(&mut self) {
        if self.shut || self.keep_on_exit {
            return;
        }
        if let Some(fw) = &mut self.firewall {
            if let Err(e) = fw.teardown() {
                tracing::error!("blocking: cannot remove slips' firewall rules: {e}");
            }
        }
    }
}

/// Most remembered past offenders (the oldest entries by address go first).
const HISTORY_CAP: usize = 100_000;

impl Blocker {
    /// Prepares blocking. Live and not a dry run: checks the privilege, picks and sets up
    /// the firewall, learns the host's addresses and, with `keep_on_exit`, re-applies the
    /// blocks a previous run kept (see [`Blocker::restore`]). Everything that can fail
    /// fails here, before the analysis starts. `log_dir` receives `blocking.log`.
    pub fn open(
        cfg: &slips_config::Blocking,
        window_width: f64,
        mode: Mode,
        log_dir: Option<&Path>,
        tools: &Tools,
    ) -> Result<Blocker, Error> {
        let dry_run = match (mode, cfg.dry_run) {
            (Mode::Offline, _) => {
                Some("offline input: decisions are recorded, the firewall is not touched")
            }
            (Mode::Live, true) => {
                Some("blocking.dry_run: decisions are recorded, the firewall is not touched")
            }
            (Mode::Live, false) => None,
        };
        let (firewall, host) = match dry_run {
            None => {
                check_privilege()?;
                let mut fw = firewall::choose(cfg.backend, tools)?;
                let host = HostAddresses::discover(tools)?;
                fw.setup()?;
                (Some(fw), host)
            }
            // The host's addresses say nothing about a capture made elsewhere.
            Some(_) => (None, HostAddresses::default()),
        };
        let state_dir = match &cfg.state_dir {
            Some(d) => Some(d.clone()),
            None => state::default_dir(),
        };
        Blocker::build(
            cfg,
            window_width,
            firewall,
            dry_run,
            host,
            log_dir,
            state_dir.filter(|_| dry_run.is_none()),
        )
    }

    /// A blocker on a given firewall (`None` with the reason of the dry run), for callers
    /// that set the firewall up themselves (and tests).
    pub fn build(
        cfg: &slips_config::Blocking,
        window_width: f64,
        firewall: Option<Box<dyn Firewall>>,
        dry_run: Option<&'static str>,
        host: HostAddresses,
        log_dir: Option<&Path>,
        state_dir: Option<PathBuf>,
    ) -> Result<Blocker, Error> {
        let (log, log_path) = match log_dir {
            Some(dir) => {
                let p = dir.join("blocking.log");
                let f = slips_fs::append(&p).map_err(|source| Error::Io {
                    op: "open",
                    path: p.clone(),
                    source,
                })?;
                (Some(std::io::BufWriter::new(f)), Some(p))
            }
            None => (None, None),
        };
        let base = cfg.duration.unwrap_or(window_width).max(1.0);
        let mut b = Blocker {
            firewall,
            dry_run,
            base,
            max: cfg.max_duration.max(base),
            max_blocked: cfg.max_blocked,
            keep_on_exit: cfg.keep_on_exit,
            never: cfg.never.clone(),
            host,
            whitelist: None,
            blocked: BTreeMap::new(),
            history: BTreeMap::new(),
            log,
            log_path,
            state_dir,
            counts: Counts::default(),
            shut: false,
            earliest: f64::INFINITY,
            next_poll: f64::NEG_INFINITY,
        };
        if let Some(why) = b.dry_run {
            b.note(&format!("dry run ({why})"));
        } else if let Some(fw) = &b.firewall {
            b.note(&format!(
                "blocking with {} (first block {base} s, at most {} s)",
                fw.name(),
                b.max
            ));
        }
        Ok(b)
    }

    /// Adds the whitelist's "never block" predicate.
    pub fn with_whitelist(mut self, never_block: NeverBlock) -> Self {
        self.whitelist = Some(never_block);
        self
    }

    /// The firewall in use, `None` in a dry run.
    pub fn backend(&self) -> Option<&'static str> {
        self.firewall.as_ref().map(|f| f.name())
    }

    /// Why nothing touches the firewall, in a dry run.
    pub fn dry_run(&self) -> Option<&'static str> {
        self.dry_run
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// IPs blocked now, with the end of their block.
    pub fn blocked(&self) -> impl Iterator<Item = (IpAddr, f64)> + '_ {
        self.blocked.iter().map(|(ip, e)| (*ip, e.until))
    }

    /// `blocking.log`, when written.
    pub fn log_path(&self) -> Option<&Path> {
        self.log_path.as_deref()
    }

    fn note(&mut self, text: &str) {
        if let Some(l) = &mut self.log {
            // The log is a record of decisions: losing a line is reported, not fatal.
            if writeln!(l, "# {text}").and_then(|_| l.flush()).is_err() {
                tracing::warn!("cannot write blocking.log");
            }
        }
    }

    fn record(&mut self, d: &Decision) {
        match &d.action {
            Action::Block if d.error.is_none() => self.counts.blocks += 1,
            Action::Extend if d.error.is_none() => self.counts.extensions += 1,
            Action::Restore if d.error.is_none() => self.counts.restored += 1,
            Action::Unblock(_) => self.counts.unblocks += 1,
            Action::Refuse(_) => self.counts.refusals += 1,
            _ => {}
        }
        if d.error.is_some() {
            self.counts.failures += 1;
            tracing::error!("blocking: {d}");
        } else {
            tracing::info!("blocking: {d}");
        }
        if let Some(l) = &mut self.log {
            if writeln!(l, "{d}").and_then(|_| l.flush()).is_err() {
                tracing::warn!("cannot write blocking.log");
            }
        }
    }

    /// Why `ip` must not be blocked, if it must not.
    pub fn refusal(&self, ip: IpAddr) -> Option<Refusal> {
        let special = match ip {
            IpAddr::V4(a) if a.is_loopback() => Some("loopback"),
            IpAddr::V4(a) if a.is_link_local() => Some("link-local"),
            IpAddr::V4(a) if a.is_multicast() => Some("multicast"),
            IpAddr::V4(a) if a.is_broadcast() => Some("broadcast"),
            IpAddr::V4(a) if a.is_unspecified() => Some("unspecified"),
            IpAddr::V6(a) if a.is_loopback() => Some("loopback"),
            IpAddr::V6(a) if a.is_unspecified() => Some("unspecified"),
            IpAddr::V6(a) if a.is_multicast() => Some("multicast"),
            IpAddr::V6(a) if (a.segments()[0] & 0xffc0) == 0xfe80 => Some("link-local"),
            IpAddr::V6(a) if a.to_ipv4_mapped().is_some() => Some("IPv4-mapped IPv6"),
            _ => None,
        };
        if let Some(s) = special {
            return Some(Refusal::Special(s));
        }
        if let Some(role) = self.host.role(ip) {
            return Some(Refusal::Host(role));
        }
        if let Some(net) = self.never.iter().find(|n| n.contains(&ip)) {
            return Some(Refusal::Never(*net));
        }
        if self.whitelist.as_ref().is_some_and(|w| w(ip)) {
            return Some(Refusal::Whitelisted);
        }
        None
    }

    fn decision(&self, now: f64, ip: IpAddr, action: Action) -> Decision {
        Decision {
            time: now,
            ip,
            action,
            alert_id: String::new(),
            reason: String::new(),
            until: None,
            offences: 0,
            dry_run: self.dry_run.is_some(),
            error: None,
            applied_ms: None,
        }
    }

    /// Applies `changes`; the error text and the time it took.
    fn apply(&mut self, changes: &[Change]) -> (Option<String>, Option<f64>) {
        match &mut self.firewall {
            None => (None, None),
            Some(fw) => {
                let t = Instant::now();
                let r = fw.apply(changes);
                let ms = t.elapsed().as_secs_f64() * 1e3;
                (r.err().map(|e| e.to_string()), Some(ms))
            }
        }
    }

    /// An alert about `ip` (its attacker): block it, unless it is protected or blocked
    /// already (then the alert counts as evidence during the block).
    pub fn alert(&mut self, ip: IpAddr, alert_id: &str, reason: &str, now: f64) -> Decision {
        let mut d = self.decision(now, ip, Action::Block);
        d.alert_id = alert_id.to_string();
        d.reason = reason.to_string();
        if let Some(r) = self.refusal(ip) {
            d.action = Action::Refuse(r);
            self.record(&d);
            return d;
        }
        if let Some(e) = self.blocked.get_mut(&ip) {
            e.evidence = true;
            d.action = Action::AlreadyBlocked;
            d.until = Some(e.until);
            d.offences = e.offences;
            return d;
        }
        if self.blocked.len() >= self.max_blocked {
            d.action = Action::Refuse(Refusal::Cap(self.max_blocked));
            self.record(&d);
            return d;
        }
        let offences = self.history.remove(&ip).unwrap_or(0) + 1;
        let duration = self.duration_for(offences);
        let (error, ms) = self.apply(&[Change::Put {
            ip,
            timeout: kernel_timeout(duration),
        }]);
        d.until = Some(now + duration);
        d.offences = offences;
        d.applied_ms = ms;
        d.error = error;
        if d.error.is_none() {
            self.earliest = self.earliest.min(now + duration);
            self.blocked.insert(
                ip,
                Entry {
                    until: now + duration,
                    duration,
                    offences,
                    evidence: false,
                    alert_id: d.alert_id.clone(),
                    reason: d.reason.clone(),
                },
            );
        } else {
            self.remember(ip, offences - 1);
        }
        self.record(&d);
        d
    }

    /// `base × 2^(offences-1)`, capped.
    fn duration_for(&self, offences: u32) -> f64 {
        let doubled = self.base * 2f64.powi(offences.saturating_sub(1).min(60) as i32);
        doubled.min(self.max)
    }

    fn remember(&mut self, ip: IpAddr, offences: u32) {
        if offences == 0 {
            return;
        }
        if self.history.len() >= HISTORY_CAP && !self.history.contains_key(&ip) {
            self.history.pop_first();
            self.counts.history_evicted += 1;
        }
        self.history.insert(ip, offences);
    }

    /// Evidence whose attacker is `ip`: a blocked IP that keeps producing evidence has its
    /// block extended when it ends.
    pub fn evidence(&mut self, ip: IpAddr) {
        if let Some(e) = self.blocked.get_mut(&ip) {
            e.evidence = true;
        }
    }

    /// Ends or extends the blocks whose time is over, and applies the manual unblocks
    /// `slips unblock` queued. Call it often (live: every fraction of a second).
    pub fn tick(&mut self, now: f64) -> Vec<Decision> {
        let mut out = Vec::new();
        if now >= self.next_poll {
            self.next_poll = now + 1.0;
            for ip in state::take_unblock_requests(self.state_dir.as_deref()) {
                if self.blocked.contains_key(&ip) {
                    out.push(self.unblock(ip, now, UnblockCause::Manual));
                }
            }
        }
        if now < self.earliest {
            return out;
        }
        let out = self.expire(now, out);
        self.earliest = self
            .blocked
            .values()
            .map(|e| e.until)
            .fold(f64::INFINITY, f64::min);
        out
    }

    /// Ends or extends every block due at `now`.
    fn expire(&mut self, now: f64, mut out: Vec<Decision>) -> Vec<Decision> {
        let due: Vec<IpAddr> = self
            .blocked
            .iter()
            .filter(|(_, e)| e.until <= now)
            .map(|(ip, _)| *ip)
            .collect();
        if due.is_empty() {
            return out;
        }
        let mut changes = Vec::with_capacity(due.len());
        let mut pending = Vec::with_capacity(due.len());
        for ip in due {
            let Some(e) = self.blocked.get(&ip) else {
                continue;
            };
            if e.evidence {
                let offences = e.offences + 1;
                let duration = (e.duration * 2.0).min(self.max);
                changes.push(Change::Put {
                    ip,
                    timeout: kernel_timeout(duration),
                });
                pending.push((ip, Some((offences, duration))));
            } else {
                changes.push(Change::Remove { ip });
                pending.push((ip, None));
            }
        }
        // One transaction for everything due at once.
        let (error, ms) = self.apply(&changes);
        for (ip, extend) in pending {
            let Some(e) = self.blocked.get(&ip).cloned() else {
                continue;
            };
            let action = match extend {
                Some(_) => Action::Extend,
                None => Action::Unblock(UnblockCause::Expired),
            };
            let mut d = self.decision(now, ip, action);
            d.alert_id = e.alert_id.clone();
            d.reason = e.reason.clone();
            d.applied_ms = ms;
            d.error = error.clone();
            match extend {
                Some((offences, duration)) => {
                    d.offences = offences;
                    d.until = Some(now + duration);
                    if error.is_none() {
                        let entry = self.blocked.get_mut(&ip).expect("present");
                        entry.offences = offences;
                        entry.duration = duration;
                        entry.until = now + duration;
                        entry.evidence = false;
                    } else {
                        // The old element stays until its kernel timeout; try again soon.
                        self.blocked.get_mut(&ip).expect("present").until = now + 1.0;
                    }
                }
                None => {
                    d.offences = e.offences;
                    if error.is_none() {
                        self.blocked.remove(&ip);
                        self.remember(ip, e.offences);
                    } else {
                        self.blocked.get_mut(&ip).expect("present").until = now + 1.0;
                    }
                }
            }
            self.record(&d);
            out.push(d);
        }
        out
    }

    /// Lets `ip` go now.
    pub fn unblock(&mut self, ip: IpAddr, now: f64, cause: UnblockCause) -> Decision {
        let e = self.blocked.remove(&ip);
        let (error, ms) = self.apply(&[Change::Remove { ip }]);
        let mut d = self.decision(now, ip, Action::Unblock(cause));
        d.applied_ms = ms;
        d.error = error;
        if let Some(e) = e {
            d.alert_id = e.alert_id;
            d.reason = e.reason;
            d.offences = e.offences;
            self.remember(ip, e.offences);
        }
        self.record(&d);
        d
    }

    /// Re-applies the blocks a previous run kept (`keep_on_exit`) with their remaining
    /// time; expired ones are dropped. Does nothing in a dry run or without a state file.
    pub fn restore(&mut self, now: f64) -> Result<Vec<Decision>, Error> {
        let Some(dir) = self.state_dir.clone() else {
            return Ok(Vec::new());
        };
        let kept = state::load(&dir)?;
        if !self.keep_on_exit {
            // Setup emptied the firewall; a state file of an earlier keep_on_exit run is
            // obsolete.
            if !kept.is_empty() {
                self.note(&format!(
                    "{} kept block(s) in {} not restored: blocking.keep_on_exit is off",
                    kept.len(),
                    dir.display()
                ));
            }
            state::remove(&dir)?;
            return Ok(Vec::new());
        }
        let live: Vec<state::Kept> = kept
            .into_iter()
            .filter(|k| k.until > now && self.refusal(k.ip).is_none())
            .take(self.max_blocked)
            .collect();
        let changes: Vec<Change> = live
            .iter()
            .map(|k| Change::Put {
                ip: k.ip,
                timeout: kernel_timeout(k.until - now),
            })
            .collect();
        let (error, ms) = self.apply(&changes);
        let mut out = Vec::with_capacity(live.len());
        for k in live {
            let mut d = self.decision(now, k.ip, Action::Restore);
            d.until = Some(k.until);
            d.offences = k.offences;
            d.alert_id = k.alert_id.clone();
            d.reason = k.reason.clone();
            d.applied_ms = ms;
            d.error = error.clone();
            if error.is_none() {
                self.earliest = self.earliest.min(k.until);
                self.blocked.insert(
                    k.ip,
                    Entry {
                        until: k.until,
                        duration: k.duration,
                        offences: k.offences,
                        evidence: false,
                        alert_id: k.alert_id,
                        reason: k.reason,
                    },
                );
            }
            self.record(&d);
            out.push(d);
        }
        state::remove(&dir)?;
        Ok(out)
    }

    /// At exit: with `keep_on_exit` the blocks stay and are saved for the next start;
    /// otherwise everything slips put in the firewall is removed.
    pub fn shutdown(&mut self, now: f64) -> Result<Vec<Decision>, Error> {
        self.shut = true;
        let ips: Vec<IpAddr> = self.blocked.keys().copied().collect();
        let mut out = Vec::with_capacity(ips.len());
        if self.keep_on_exit && self.firewall.is_some() {
            let kept: Vec<state::Kept> = self
                .blocked
                .iter()
                .map(|(ip, e)| state::Kept {
                    ip: *ip,
                    until: e.until,
                    duration: e.duration,
                    offences: e.offences,
                    alert_id: e.alert_id.clone(),
                    reason: e.reason.clone(),
                })
                .collect();
            if let Some(dir) = &self.state_dir {
                state::save(dir, &kept)?;
            }
            for k in kept {
                let mut d = self.decision(now, k.ip, Action::Keep);
                d.until = Some(k.until);
                d.offences = k.offences;
                d.alert_id = k.alert_id;
                self.record(&d);
                out.push(d);
            }
            return Ok(out);
        }
        for ip in ips {
            let e = self.blocked.remove(&ip).expect("listed");
            let mut d = self.decision(now, ip, Action::Unblock(UnblockCause::Exit));
            d.offences = e.offences;
            d.alert_id = e.alert_id;
            self.record(&d);
            out.push(d);
        }
        if let Some(fw) = &mut self.firewall {
            fw.teardown()?;
            self.note("removed slips' firewall table and sets");
        }
        Ok(out)
    }
}

/// `slips unblock IP`: removes `ip` from slips' sets now (whichever backend holds them)
/// and queues it for a running slips, which then forgets the block.
pub fn unblock_now(
    ip: IpAddr,
    state_dir: Option<&Path>,
    tools: &Tools,
) -> Result<Vec<String>, Error> {
    let mut done = Vec::new();
    if firewall::available(tools, &tools.nft)
        && firewall::run(
            tools,
            &tools.nft,
            &["list", "table", "inet", firewall::NFT_TABLE],
            None,
        )
        .is_ok()
    {
        firewall::Nft::new(tools).apply(&[Change::Remove { ip }])?;
        done.push(format!(
            "removed {ip} from nftables table inet {}",
            firewall::NFT_TABLE
        ));
    }
    let set = if ip.is_ipv4() {
        firewall::IPSET4
    } else {
        firewall::IPSET6
    };
    if firewall::available(tools, &tools.ipset)
        && firewall::run(tools, &tools.ipset, &["-n", "list", set], None).is_ok()
    {
        firewall::Iptables::new(tools).apply(&[Change::Remove { ip }])?;
        done.push(format!("removed {ip} from ipset {set}"));
    }
    let dir = state_dir.map(Path::to_path_buf).or_else(state::default_dir);
    if let Some(dir) = dir {
        state::request_unblock(&dir, ip)?;
        done.push(format!(
            "asked a running slips to forget the block ({})",
            dir.display()
        ));
    }
    Ok(done)
}

#[cfg(test)]
mod tests;

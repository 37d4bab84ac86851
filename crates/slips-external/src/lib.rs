//! Detectors in any language. Each external module is a program slips starts (no shell):
//! it reads the channels it subscribed to as JSON lines on standard input and writes
//! evidence as JSON lines on standard output (see [`protocol`] and
//! docs/external-modules.md). Its standard error goes to slips' log.
//!
//! [`Modules::start`] gives a [`Publisher`] (the sink side: it never blocks; a module that
//! reads too slowly loses messages, counted) and an inbox of validated evidence for the
//! engine. Evidence from modules arrives when it arrives: with modules, results depend on
//! their timing, as with online enrichment.

pub mod protocol;

pub use protocol::{message, parse_evidence, Channel, WindowInfo};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use slips_core::EvidenceDraft;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("external module {name}: cannot start `{command}`: {source}")]
    Spawn {
        name: String,
        command: String,
        source: std::io::Error,
    },
    #[error("external module {name}: unknown channel `{channel}` (known: {known})")]
    Channel {
        name: String,
        channel: String,
        known: String,
    },
}

/// How a module is started.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub command: Vec<String>,
    pub channels: Vec<String>,
}

/// Messages waiting for one module before new ones are dropped.
const QUEUE: usize = 10_000;

/// What came back from a module.
#[derive(Debug)]
pub struct Inbound {
    pub module: Arc<str>,
    /// The evidence, or why its line was refused.
    pub evidence: Result<EvidenceDraft, String>,
}

/// Counts per module.
#[derive(Debug, Default)]
pub struct Counters {
    pub sent: AtomicU64,
    pub dropped: AtomicU64,
    pub received: AtomicU64,
    pub malformed: AtomicU64,
}

struct Running {
    name: Arc<str>,
    closing: Arc<AtomicBool>,
    tx: Option<Sender<Arc<str>>>,
    child: Child,
    threads: Vec<JoinHandle<()>>,
    counters: Arc<Counters>,
}

/// The sink side: publishes one line to the modules subscribed to its channel.
#[derive(Clone)]
pub struct Publisher {
    targets: Vec<(u16, Sender<Arc<str>>, Arc<Counters>)>,
    mask: u16,
}

impl Publisher {
    /// Whether any module subscribed to `c` (so that nothing is serialised for nobody).
    pub fn wants(&self, c: Channel) -> bool {
        self.mask & c.bit() != 0
    }

    /// Sends `{"channel": c, "profile": profile, "data": data}` to the subscribers of `c`
    /// (serialised only when there are some).
    pub fn send<T: serde::Serialize>(&self, c: Channel, profile: Option<IpAddr>, data: &T) {
        if !self.wants(c) {
            return;
        }
        if let Some(line) = protocol::message(c, profile, data) {
            self.publish(c, &line);
        }
    }

    /// Sends `line` (one JSON object, no newline) to the subscribers of `c`.
    pub fn publish(&self, c: Channel, line: &str) {
        let line: Arc<str> = Arc::from(line);
        for (mask, tx, counters) in &self.targets {
            if mask & c.bit() == 0 {
                continue;
            }
            match tx.try_send(line.clone()) {
                Ok(()) => {
                    counters.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    counters.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// The running modules.
pub struct Modules {
    running: Vec<Running>,
    inbox: Receiver<Inbound>,
}

/// What a module did, for the end-of-run report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    pub sent: u64,
    pub dropped: u64,
    pub received: u64,
    pub malformed: u64,
    /// Its exit status, or that it was stopped.
    pub exit: String,
}

impl Modules {
    /// Starts every module; a program that cannot be started or an unknown channel is an
    /// error here, before the analysis.
    pub fn start(specs: &[Spec]) -> Result<(Modules, Publisher), Error> {
        let (in_tx, inbox) = bounded::<Inbound>(QUEUE);
        let mut running = Vec::new();
        let mut publisher = Publisher {
            targets: Vec::new(),
            mask: 0,
        };
        for s in specs {
            let mut mask = 0u16;
            for c in &s.channels {
                let ch = Channel::parse(c).ok_or_else(|| Error::Channel {
                    name: s.name.clone(),
                    channel: c.clone(),
                    known: Channel::ALL.map(|c| c.as_str()).join(", "),
                })?;
                mask |= ch.bit();
            }
            let mut child = Command::new(&s.command[0])
                .args(&s.command[1..])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|source| Error::Spawn {
                    name: s.name.clone(),
                    command: s.command.join(" "),
                    source,
                })?;
            let name: Arc<str> = Arc::from(s.name.as_str());
            let counters = Arc::new(Counters::default());
            let (tx, rx) = bounded::<Arc<str>>(QUEUE);
            let mut threads = Vec::new();
            let closing = Arc::new(AtomicBool::new(false));
            if let Some(mut stdin) = child.stdin.take() {
                let closing = closing.clone();
                threads.push(std::thread::spawn(move || loop {
                    // The publisher lives on in the sinks: `closing` (set by `finish`)
                    // ends the input once what was queued is written.
                    let line = match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok(l) => l,
                        Err(RecvTimeoutError::Timeout) if !closing.load(Ordering::Acquire) => {
                            continue
                        }
                        Err(_) => break,
                    };
                    // A module that exited stops reading: what is left is dropped.
                    if stdin
                        .write_all(line.as_bytes())
                        .and_then(|_| stdin.write_all(b"\n"))
                        .is_err()
                    {
                        break;
                    }
                    if rx.is_empty() && stdin.flush().is_err() {
                        break;
                    }
                }));
            }
            if let Some(stdout) = child.stdout.take() {
                let (name, counters, in_tx) = (name.clone(), counters.clone(), in_tx.clone());
                threads.push(std::thread::spawn(move || {
                    read_evidence(stdout, &name, &counters, &in_tx)
                }));
            }
            if let Some(stderr) = child.stderr.take() {
                let name = name.clone();
                threads.push(std::thread::spawn(move || {
                    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                        tracing::warn!(target: "slips::external", "{name}: {}", slips_core::text::escape_controls(&line));
                    }
                }));
            }
            publisher.targets.push((mask, tx.clone(), counters.clone()));
            publisher.mask |= mask;
            running.push(Running {
                name,
                closing,
                tx: Some(tx),
                child,
                threads,
                counters,
            });
        }
        Ok((Modules { running, inbox }, publisher))
    }

    /// Evidence that arrived so far.
    pub fn drain(&self) -> Vec<Inbound> {
        self.inbox.try_iter().collect()
    }

    /// Ends the modules: closes their input (their cue that the analysis is over), waits
    /// up to `grace` for them to finish writing, stops those still running, and returns
    /// the last evidence with the report.
    pub fn finish(mut self, grace: Duration) -> (Vec<Inbound>, Vec<Report>) {
        let deadline = Instant::now() + grace;
        for r in &mut self.running {
            r.tx = None;
            r.closing.store(true, Ordering::Release);
        }
        let mut last = Vec::new();
        let mut reports = Vec::new();
        for r in &mut self.running {
            let exit = loop {
                // Taking what arrives keeps a module that still writes from blocking.
                last.extend(self.inbox.try_iter());
                match r.child.try_wait() {
                    Ok(Some(status)) => break status.to_string(),
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    _ => {
                        let _ = r.child.kill();
                        let _ = r.child.wait();
                        break format!("stopped after {} s", grace.as_secs_f64());
                    }
                }
            };
            for t in r.threads.drain(..) {
                while !t.is_finished() {
                    last.extend(self.inbox.try_iter());
                    std::thread::sleep(Duration::from_millis(5));
                }
                let _ = t.join();
            }
            let c = &r.counters;
            reports.push(Report {
                name: r.name.to_string(),
                sent: c.sent.load(Ordering::Relaxed),
                dropped: c.dropped.load(Ordering::Relaxed),
                received: c.received.load(Ordering::Relaxed),
                malformed: c.malformed.load(Ordering::Relaxed),
                exit,
            });
        }
        last.extend(self.inbox.try_iter());
        (last, reports)
    }
}

impl Drop for Modules {
    fn drop(&mut self) {
        for r in &mut self.running {
            let _ = r.child.kill();
            let _ = r.child.wait();
        }
    }
}

/// Reads a module's output: one evidence per line, lines capped in length.
fn read_evidence(out: impl Read, name: &Arc<str>, counters: &Counters, tx: &Sender<Inbound>) {
    let mut reader = BufReader::new(out);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // At most one byte past the limit is read into the line: a longer one is refused
        // and the rest of it skipped.
        let n = match (&mut reader)
            .take(protocol::MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let too_long = n > protocol::MAX_LINE && buf.last() != Some(&b'\n');
        if too_long {
            let mut skip = Vec::new();
            let _ = reader.read_until(b'\n', &mut skip);
        }
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        counters.received.fetch_add(1, Ordering::Relaxed);
        let evidence = if too_long {
            Err(format!("line longer than {} bytes", protocol::MAX_LINE))
        } else {
            parse_evidence(line)
        };
        if evidence.is_err() {
            counters.malformed.fetch_add(1, Ordering::Relaxed);
        }
        let msg = Inbound {
            module: name.clone(),
            evidence,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

impl Modules {
    /// No modules (what is left after `finish` moved the running ones out).
    pub fn none() -> Modules {
        Modules {
            running: Vec::new(),
            inbox: bounded(1).1,
        }
    }
}

//! The exporter thread every export runs on.
//!
//! The engine thread only turns an event into an item and offers it ([`Exporter::offer`]):
//! a bounded queue takes it or the item is dropped and counted, so a slow or dead endpoint
//! never holds the analysis back. The thread hands each item to its [`Backend`]; a failed
//! send is retried with a doubling pause (a server's `Retry-After` wins), then counted as
//! failed and logged. At the end of the run the thread gets `drain` to empty the queue;
//! what is left then is counted as failed.

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why a send failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Worth another attempt (a refused connection, a timeout, HTTP 429 or 5xx), after
    /// `after` when the server said so.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Another attempt would fail the same way (HTTP 4xx, a bad answer).
    Permanent(String),
}

impl Failure {
    pub fn retry(reason: impl Into<String>) -> Failure {
        Failure::Retry {
            reason: reason.into(),
            after: None,
        }
    }
    pub fn reason(&self) -> &str {
        match self {
            Failure::Retry { reason, .. } | Failure::Permanent(reason) => reason,
        }
    }
}

/// What an exporter does with its items, on its own thread.
pub trait Backend: Send + 'static {
    type Item: Send + 'static;

    /// Sends one item.
    fn send(&mut self, item: &Self::Item) -> Result<(), Failure>;

    /// Called about every 100 ms whatever comes in: periodic work (a TAXII push every
    /// `push_delay`). Nothing to do by default.
    fn tick(&mut self, _closing: bool) -> Result<(), Failure> {
        Ok(())
    }

    /// Whether [`Backend::tick`] still has work that must be retried before the end.
    fn pending(&self) -> bool {
        false
    }
}

/// Retries and queue size.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Items held before new ones are dropped.
    pub queue: usize,
    /// Attempts after the first failure; `None`: until the end of the run.
    pub retries: Option<u32>,
    /// First pause; doubled after each failure.
    pub backoff: Duration,
    /// Longest pause.
    pub max_delay: Duration,
    /// How long the end of the run waits for the queue to empty.
    pub drain: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            queue: 10_000,
            retries: Some(5),
            backoff: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            drain: Duration::from_secs(10),
        }
    }
}

/// An exporter's counters, shared with the metrics endpoint.
#[derive(Debug, Default)]
pub struct Counters {
    /// Items taken into the queue.
    pub queued: AtomicU64,
    /// Items sent.
    pub sent: AtomicU64,
    /// Items dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Items given up on after the retries (or left at the end of the drain).
    pub failed: AtomicU64,
    /// Attempts that were repeated.
    pub retries: AtomicU64,
    /// Items in the queue now.
    pub depth: AtomicU64,
}

/// The counters of one exporter by name.
#[derive(Clone, Debug)]
pub struct Stats {
    pub name: &'static str,
    pub counters: Arc<Counters>,
}

/// What an exporter did, for the end-of-run line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: u64,
    pub dropped: u64,
    pub failed: u64,
    pub retries: u64,
}

impl Stats {
    pub fn report(&self) -> Report {
        let c = &self.counters;
        Report {
            sent: c.sent.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }
}

/// The engine-side end of an exporter thread.
pub struct Exporter<I: Send + 'static> {
    name: &'static str,
    tx: Option<Sender<I>>,
    counters: Arc<Counters>,
    thread: Option<JoinHandle<()>>,
    report: Option<Report>,
}

impl<I: Send + 'static> Exporter<I> {
    /// Starts the thread `slips-export-<name>`.
    pub fn start<B: Backend<Item = I>>(
        name: &'static str,
        backend: B,
        policy: Policy,
    ) -> std::io::Result<Exporter<I>> {
        let (tx, rx) = bounded(policy.queue.max(1));
        let counters = Arc::new(Counters::default());
        let c2 = counters.clone();
        let thread = std::thread::Builder::new()
            .name(format!("slips-export-{name}"))
            .spawn(move || run(name, backend, rx, &policy, &c2))?;
        Ok(Exporter {
            name,
            tx: Some(tx),
            counters,
            thread: Some(thread),
            report: None,
        })
    }

    pub fn stats(&self) -> Stats {
        Stats {
            name: self.name,
            counters: self.counters.clone(),
        }
    }

    /// Queues an item, or drops and counts it when the queue is full. Never waits.
    pub fn offer(&self, item: I) {
        let Some(tx) = &self.tx else { return };
        // Counted before it can be received, so that the depth never goes below zero.
        self.counters.depth.fetch_add(1, Ordering::Relaxed);
        match tx.try_send(item) {
            Ok(()) => {
                self.counters.queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.counters.depth.fetch_sub(1, Ordering::Relaxed);
                let n = self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                if n == 0 {
                    tracing::warn!(
                        "export {}: queue full; events are dropped (counted) until it drains",
                        self.name
                    );
                }
            }
        }
    }

    /// Lets the thread send what is queued (within the drain time) and stops it.
    pub fn close(&mut self) -> Report {
        if let Some(r) = &self.report {
            return r.clone();
        }
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let r = self.stats().report();
        let line = format!(
            "export {}: {} sent, {} dropped (queue full), {} failed, {} retries",
            self.name, r.sent, r.dropped, r.failed, r.retries
        );
        if r.dropped + r.failed > 0 {
            tracing::warn!("{line}");
        } else {
            tracing::info!("{line}");
        }
        self.report = Some(r.clone());
        r
    }
}

impl<I: Send + 'static> Drop for Exporter<I> {
    fn drop(&mut self) {
        self.close();
    }
}

/// The pause before attempt `n` (1-based) after a failure.
pub fn backoff(policy: &Policy, n: u32) -> Duration {
    let factor = 2u32.saturating_pow(n.saturating_sub(1).min(20));
    policy.backoff.saturating_mul(factor).min(policy.max_delay)
}

/// Sleeps up to `d`, in short steps, not past `deadline`. Returns false when the deadline
/// came first.
fn pause(d: Duration, deadline: Option<Instant>) -> bool {
    let until = Instant::now() + d;
    loop {
        let now = Instant::now();
        if deadline.is_some_and(|t| now >= t) {
            return false;
        }
        if now >= until {
            return true;
        }
        let mut step = until - now;
        if let Some(t) = deadline {
            step = step.min(t - now);
        }
        std::thread::sleep(step.min(Duration::from_millis(50)));
    }
}

/// Runs `op` until it succeeds, fails permanently, or the retries (or the deadline) run
/// out. Counts repeated attempts in `counters.retries`.
pub fn with_retries(
    name: &str,
    policy: &Policy,
    counters: &Counters,
    deadline: Option<Instant>,
    mut op: impl FnMut() -> Result<(), Failure>,
) -> Result<(), Failure> {
    let mut attempt = 0u32;
    loop {
        match op() {
            Ok(()) => return Ok(()),
            Err(Failure::Permanent(r)) => return Err(Failure::Permanent(r)),
            Err(Failure::Retry { reason, after }) => {
                attempt += 1;
                if policy.retries.is_some_and(|max| attempt > max) {
                    return Err(Failure::Retry { reason, after });
                }
                let d = after
                    .map(|a| a.min(policy.max_delay.max(policy.backoff)))
                    .unwrap_or_else(|| backoff(policy, attempt));
                tracing::debug!("export {name}: {reason}; attempt {} in {d:?}", attempt + 1);
                counters.retries.fetch_add(1, Ordering::Relaxed);
                if !pause(d, deadline) {
                    return Err(Failure::Retry { reason, after });
                }
            }
        }
    }
}

/// Runs a backend call, turning a panic (a library's) into a permanent failure so that the
/// exporter thread lives on and counts it.
fn guarded(f: impl FnOnce() -> Result<(), Failure>) -> Result<(), Failure> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("panic");
            Err(Failure::Permanent(format!("internal error: {msg}")))
        }
    }
}

fn run<B: Backend>(
    name: &'static str,
    mut backend: B,
    rx: Receiver<B::Item>,
    policy: &Policy,
    counters: &Counters,
) {
    let mut deadline: Option<Instant> = None;
    let mut logged_failures = 0u64;
    let mut fail = |what: &str, f: &Failure, n: u64| {
        counters.failed.fetch_add(n, Ordering::Relaxed);
        logged_failures += 1;
        // The first failures are logged, then one in a thousand (all are counted).
        if logged_failures <= 10 || logged_failures.is_multiple_of(1000) {
            tracing::warn!("export {name}: {what} failed: {}", f.reason());
        }
    };
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(item) => {
                counters.depth.fetch_sub(1, Ordering::Relaxed);
                match with_retries(name, policy, counters, deadline, || {
                    guarded(|| backend.send(&item))
                }) {
                    Ok(()) => {
                        counters.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(f) => fail("send", &f, 1),
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                deadline.get_or_insert_with(|| Instant::now() + policy.drain);
            }
        }
        let closing = deadline.is_some() && rx.is_empty();
        if closing {
            // The end: the backend's last periodic work (the final TAXII push), retried
            // within the drain time.
            let r = with_retries(name, policy, counters, deadline, || {
                guarded(|| backend.tick(true))
            });
            if let Err(f) = r {
                fail("final push", &f, 1);
            }
            return;
        }
        if let Err(f) = guarded(|| backend.tick(false)) {
            if !backend.pending() {
                fail("periodic push", &f, 1);
            } else {
                tracing::debug!("export {name}: {}; kept for the next push", f.reason());
            }
        }
        if deadline.is_some_and(|t| Instant::now() >= t) {
            let left = rx.try_iter().count() as u64;
            counters.depth.store(0, Ordering::Relaxed);
            if left > 0 {
                fail(
                    "drain",
                    &Failure::Permanent(format!("{left} event(s) left when the drain time ended")),
                    left,
                );
            }
            let _ = backend.tick(true);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Flaky {
        fails_left: u32,
        got: Arc<Mutex<Vec<u32>>>,
        permanent: bool,
        slow: Duration,
    }

    impl Backend for Flaky {
        type Item = u32;
        fn send(&mut self, item: &u32) -> Result<(), Failure> {
            std::thread::sleep(self.slow);
            if self.permanent {
                return Err(Failure::Permanent("no".into()));
            }
            if self.fails_left > 0 {
                self.fails_left -= 1;
                return Err(Failure::retry("down"));
            }
            self.got.lock().unwrap().push(*item);
            Ok(())
        }
    }

    fn fast() -> Policy {
        Policy {
            queue: 4,
            retries: Some(3),
            backoff: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            drain: Duration::from_secs(5),
        }
    }

    #[test]
    fn retries_then_succeeds_in_order() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let b = Flaky {
            fails_left: 2,
            got: got.clone(),
            permanent: false,
            slow: Duration::ZERO,
        };
        let mut ex = Exporter::start(
            "t",
            b,
            Policy {
                queue: 100,
                ..fast()
            },
        )
        .unwrap();
        for i in 0..10 {
            ex.offer(i);
        }
        let r = ex.close();
        assert_eq!(*got.lock().unwrap(), (0..10).collect::<Vec<_>>());
        assert_eq!(r.sent, 10);
        assert_eq!(r.retries, 2);
        assert_eq!((r.dropped, r.failed), (0, 0));
    }

    #[test]
    fn gives_up_after_retries_and_counts() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let b = Flaky {
            fails_left: 1000,
            got,
            permanent: false,
            slow: Duration::ZERO,
        };
        let mut ex = Exporter::start(
            "t",
            b,
            Policy {
                queue: 100,
                ..fast()
            },
        )
        .unwrap();
        ex.offer(1);
        ex.offer(2);
        let r = ex.close();
        assert_eq!(r.failed, 2);
        assert_eq!(r.retries, 6, "three retries each");
        let b = Flaky {
            fails_left: 0,
            got: Arc::new(Mutex::new(Vec::new())),
            permanent: true,
            slow: Duration::ZERO,
        };
        let mut ex = Exporter::start("t", b, fast()).unwrap();
        ex.offer(1);
        let r = ex.close();
        assert_eq!(
            (r.failed, r.retries),
            (1, 0),
            "permanent failures are not retried"
        );
    }

    #[test]
    fn a_slow_endpoint_never_blocks_the_caller() {
        let b = Flaky {
            fails_left: 0,
            got: Arc::new(Mutex::new(Vec::new())),
            permanent: false,
            slow: Duration::from_millis(200),
        };
        let mut ex = Exporter::start(
            "t",
            b,
            Policy {
                drain: Duration::from_millis(300),
                ..fast()
            },
        )
        .unwrap();
        let t = Instant::now();
        for i in 0..1000 {
            ex.offer(i);
        }
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        let r = ex.close();
        assert!(r.dropped >= 990, "{r:?}");
        assert_eq!(r.sent + r.dropped + r.failed, 1000, "{r:?}");
    }

    struct Panicky;
    impl Backend for Panicky {
        type Item = u32;
        fn send(&mut self, item: &u32) -> Result<(), Failure> {
            if *item == 1 {
                panic!("library bug");
            }
            Ok(())
        }
    }

    #[test]
    fn a_panicking_send_is_counted_and_the_thread_lives_on() {
        let mut ex = Exporter::start("t", Panicky, fast()).unwrap();
        ex.offer(1);
        ex.offer(2);
        let r = ex.close();
        assert_eq!((r.sent, r.failed), (1, 1), "{r:?}");
    }

    #[test]
    fn backoff_doubles_up_to_the_max() {
        let p = Policy {
            backoff: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..Policy::default()
        };
        let d: Vec<u128> = (1..=4).map(|n| backoff(&p, n).as_millis()).collect();
        assert_eq!(d, [100, 200, 350, 350]);
    }
}

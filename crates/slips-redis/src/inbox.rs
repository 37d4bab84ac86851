//! Evidence back from Redis: external modules that read slips' channels publish evidence on
//! `evidence_in` (the JSON of docs/external-modules.md). A subscriber thread checks each
//! message with the same rules as the modules slips starts itself and queues it for the
//! engine thread, which takes it between batches. Bounded like the publisher: what does not
//! fit is counted and dropped; a lost connection is retried with a growing pause.

use crossbeam_channel::{bounded, Receiver, TrySendError};
use slips_external::{parse_evidence, Inbound};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Messages waiting for the engine before new ones are dropped.
const QUEUE: usize = 10_000;
/// How often the subscriber looks up from a quiet connection (to notice the end).
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct Counts {
    received: AtomicU64,
    dropped: AtomicU64,
    reconnects: AtomicU64,
}

/// What came in, for the end-of-run report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxReport {
    pub received: u64,
    /// Dropped because the engine was this far behind.
    pub dropped: u64,
    pub reconnects: u64,
}

/// The subscriber to `evidence_in`.
pub struct Inbox {
    rx: Receiver<Inbound>,
    stop: Arc<AtomicBool>,
    subscribed: Arc<AtomicBool>,
    last_message: Arc<Mutex<Option<Instant>>>,
    counts: Arc<Counts>,
    thread: Option<JoinHandle<()>>,
    source: Arc<str>,
}

impl Inbox {
    /// Subscribes to `channel` at `url` in the background (a Redis that is down delays the
    /// subscription; it does not stop the analysis).
    pub fn start(url: &str, channel: &str) -> Result<Inbox, crate::Error> {
        let client = redis::Client::open(url)
            .map_err(|e| crate::Error::Url(url.to_string(), e.to_string()))?;
        let (tx, rx) = bounded(QUEUE);
        let stop = Arc::new(AtomicBool::new(false));
        let subscribed = Arc::new(AtomicBool::new(false));
        let last_message = Arc::new(Mutex::new(None));
        let counts = Arc::new(Counts::default());
        // Evidence is attributed to the transport: anyone who may publish on the server may
        // send it (docs/external-modules.md says so).
        let source: Arc<str> = Arc::from(format!("redis:{channel}"));
        let thread = {
            let (stop, subscribed, last, counts, source) = (
                stop.clone(),
                subscribed.clone(),
                last_message.clone(),
                counts.clone(),
                source.clone(),
            );
            let (url, channel) = (url.to_string(), channel.to_string());
            std::thread::Builder::new()
                .name("slips-redis-in".into())
                .spawn(move || {
                    let mut pause = Duration::from_millis(100);
                    while !stop.load(Ordering::Relaxed) {
                        let r = listen(&client, &channel, &stop, &subscribed, &mut |payload| {
                            *last.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                            counts.received.fetch_add(1, Ordering::Relaxed);
                            let m = Inbound {
                                module: source.clone(),
                                evidence: parse_evidence(payload),
                            };
                            if let Err(TrySendError::Full(_)) = tx.try_send(m) {
                                counts.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                        subscribed.store(false, Ordering::Relaxed);
                        match r {
                            Ok(()) => return,
                            Err(e) => {
                                if counts.reconnects.fetch_add(1, Ordering::Relaxed) == 0 {
                                    tracing::warn!("redis {url} ({channel}): {e}; retrying");
                                }
                                let until = Instant::now() + pause;
                                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                                    std::thread::sleep(POLL);
                                }
                                pause = (pause * 2).min(Duration::from_secs(5));
                            }
                        }
                    }
                })
                .ok()
        };
        Ok(Inbox {
            rx,
            stop,
            subscribed,
            last_message,
            counts,
            thread,
            source,
        })
    }

    /// The name evidence from here is attributed to (`redis:evidence_in`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the subscription is in place (messages published before it are not seen:
    /// Redis pub/sub keeps nothing).
    pub fn subscribed(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed)
    }

    /// Waits at most `timeout` for the subscription; whether it is in place.
    pub fn wait_subscribed(&self, timeout: Duration) -> bool {
        let t = Instant::now();
        while !self.subscribed() && t.elapsed() < timeout {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.subscribed()
    }

    /// What arrived since the last call.
    pub fn drain(&self) -> Vec<Inbound> {
        self.rx.try_iter().collect()
    }

    /// The end of the input: waits until `quiet` has passed without a message (counted from
    /// now or the last message), at most `max`, then stops listening and returns what is
    /// left. Modules answer when they answer; this is how long slips gives them.
    pub fn finish(mut self, quiet: Duration, max: Duration) -> (Vec<Inbound>, InboxReport) {
        let start = Instant::now();
        loop {
            let last = *self.last_message.lock().unwrap_or_else(|p| p.into_inner());
            let since = last.map_or(start, |l| l.max(start));
            if since.elapsed() >= quiet || start.elapsed() >= max {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let left = self.drain();
        (left, self.report())
    }

    pub fn report(&self) -> InboxReport {
        InboxReport {
            received: self.counts.received.load(Ordering::Relaxed),
            dropped: self.counts.dropped.load(Ordering::Relaxed),
            reconnects: self.counts.reconnects.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One connection's life: subscribe, hand over each message, until `stop` (Ok) or an error.
fn listen(
    client: &redis::Client,
    channel: &str,
    stop: &AtomicBool,
    subscribed: &AtomicBool,
    on_message: &mut dyn FnMut(&str),
) -> redis::RedisResult<()> {
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(1))?;
    let mut ps = conn.as_pubsub();
    ps.subscribe(channel)?;
    ps.set_read_timeout(Some(POLL))?;
    subscribed.store(true, Ordering::Relaxed);
    while !stop.load(Ordering::Relaxed) {
        match ps.get_message() {
            Ok(m) => {
                // A payload that is not text is refused like any malformed line.
                let payload = String::from_utf8_lossy(m.get_payload_bytes());
                on_message(&payload);
            }
            Err(e) if e.is_timeout() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

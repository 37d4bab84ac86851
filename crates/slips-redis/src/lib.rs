//! Redis, for the tools that read Slips' Redis: slips publishes its events on Slips' channel
//! names (`new_flow`, `new_dns`, ..., `evidence_added`, `new_alert`, `tw_closed`,
//! `new_blocking`), the messages of docs/external-modules.md, and keeps the latest alerts and
//! evidence in capped lists and each profile in a key, all with a TTL.
//!
//! [`RedisSink`] only serialises and queues on the engine thread; a publisher thread sends in
//! pipelines. When Redis is slow or gone nothing waits: the queue is bounded, what does not fit
//! is dropped and counted, and the thread reconnects with a growing pause.
//!
//! [`Inbox`] is the other direction: evidence that modules publish on `evidence_in`.

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use slips_core::summary::{ProfileSummary, WindowSummary};
use slips_core::{Alert, BlockingEvent, Evidence, Flow};
use slips_external::{message, Channel, WindowInfo};
use slips_output::{Now, Sink};
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod inbox;
pub use inbox::{Inbox, InboxReport};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("redis: {0} is not a Redis URL: {1}")]
    Url(String, String),
    #[error("redis: unknown channel `{0}` in redis.publish (known: {1})")]
    Channel(String, String),
}

/// Settings (`redis:` in the configuration, `--redis URL`).
#[derive(Clone, Debug)]
pub struct Options {
    pub url: String,
    /// Channels to publish; empty: all.
    pub publish: Vec<String>,
    /// Seconds the kept keys live.
    pub ttl: u64,
    /// Most alerts and evidence kept in their lists.
    pub max_list: usize,
    /// Key prefix (`slips:`).
    pub prefix: String,
}

/// Messages waiting for Redis before new ones are dropped.
const QUEUE: usize = 200_000;
/// Messages per pipeline.
const PIPELINE: usize = 2_000;
/// How long the end of a run waits for the queue to drain.
const FLUSH: Duration = Duration::from_secs(2);

enum Msg {
    Publish(Channel, String),
    /// The run ended: each profile's summary.
    Profiles(Vec<(IpAddr, String)>),
}

#[derive(Debug, Default)]
struct Counts {
    published: AtomicU64,
    dropped: AtomicU64,
    reconnects: AtomicU64,
    /// Queued and not yet sent (or given up on).
    in_flight: AtomicI64,
}

/// Waits for the publisher (the end of a run with modules on Redis: they must have seen
/// everything before slips stops listening to them).
#[derive(Clone)]
pub struct Sent(Arc<Counts>);

impl Sent {
    /// Waits at most `timeout` until everything queued so far was sent; whether it was.
    pub fn wait(&self, timeout: Duration) -> bool {
        let t = Instant::now();
        while self.0.in_flight.load(Ordering::Relaxed) > 0 {
            if t.elapsed() >= timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }
}

/// What reached Redis, for the end-of-run report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub published: u64,
    pub dropped: u64,
    pub reconnects: u64,
}

/// The sink.
pub struct RedisSink {
    tx: Option<Sender<Msg>>,
    mask: u32,
    counts: Arc<Counts>,
    thread: Option<JoinHandle<()>>,
    report: Option<Report>,
}

fn bit(c: Channel) -> u32 {
    1 << (c as u32)
}

impl RedisSink {
    /// Checks the URL and channels and starts the publisher (which connects in the
    /// background: a Redis that is down does not stop the analysis).
    pub fn start(opts: Options) -> Result<RedisSink, Error> {
        let client = redis::Client::open(opts.url.as_str())
            .map_err(|e| Error::Url(opts.url.clone(), e.to_string()))?;
        let mut mask = 0u32;
        if opts.publish.is_empty() {
            mask = Channel::ALL.iter().map(|c| bit(*c)).fold(0, |a, b| a | b);
        }
        for name in &opts.publish {
            let c = Channel::parse(name).ok_or_else(|| {
                Error::Channel(name.clone(), Channel::ALL.map(|c| c.as_str()).join(", "))
            })?;
            mask |= bit(c);
        }
        let (tx, rx) = bounded(QUEUE);
        let counts = Arc::new(Counts::default());
        let c2 = counts.clone();
        let thread = std::thread::Builder::new()
            .name("slips-redis".into())
            .spawn(move || publish_loop(client, rx, &opts, &c2))
            .ok();
        Ok(RedisSink {
            tx: Some(tx),
            mask,
            counts,
            thread,
            report: None,
        })
    }

    fn send<T: serde::Serialize>(&self, c: Channel, profile: Option<IpAddr>, data: &T) {
        if self.mask & bit(c) == 0 {
            return;
        }
        if let (Some(tx), Some(line)) = (&self.tx, message(c, profile, data)) {
            self.push(tx, Msg::Publish(c, line));
        }
    }

    fn push(&self, tx: &Sender<Msg>, m: Msg) {
        // Counted before it is queued: the publisher may send it at once.
        self.counts.in_flight.fetch_add(1, Ordering::Relaxed);
        if let Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) = tx.try_send(m) {
            self.counts.in_flight.fetch_sub(1, Ordering::Relaxed);
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A handle that waits until what was queued is sent.
    pub fn sent(&self) -> Sent {
        Sent(self.counts.clone())
    }

    /// Sends what is queued (waiting at most two seconds) and stops the publisher.
    pub fn close(&mut self) -> Report {
        if let Some(r) = &self.report {
            return r.clone();
        }
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let r = Report {
            published: self.counts.published.load(Ordering::Relaxed),
            dropped: self.counts.dropped.load(Ordering::Relaxed),
            reconnects: self.counts.reconnects.load(Ordering::Relaxed),
        };
        self.report = Some(r.clone());
        r
    }
}

impl Drop for RedisSink {
    fn drop(&mut self) {
        self.close();
    }
}

impl Sink for RedisSink {
    fn name(&self) -> &'static str {
        "redis"
    }
    fn record(&mut self, flow: &Flow, profile: Option<IpAddr>) -> slips_output::Result<()> {
        if let Some(c) = Channel::of(&flow.record) {
            self.send(c, profile, &flow.record);
        }
        Ok(())
    }
    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        self.send(Channel::EvidenceAdded, Some(e.profile), e);
        Ok(())
    }
    fn alert(&mut self, a: &Alert, _: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.send(Channel::NewAlert, Some(a.profile), a);
        Ok(())
    }
    fn window_closed(&mut self, w: &WindowSummary) -> slips_output::Result<()> {
        self.send(Channel::TwClosed, Some(w.profile), &WindowInfo::from(w));
        Ok(())
    }
    fn blocking(&mut self, b: &BlockingEvent) -> slips_output::Result<()> {
        self.send(Channel::NewBlocking, Some(b.ip), b);
        Ok(())
    }
    fn profile_retired(&mut self, p: &ProfileSummary) -> slips_output::Result<()> {
        if let (Some(tx), Some(ip), Ok(json)) = (self.tx.clone(), p.ip, serde_json::to_string(p)) {
            self.push(&tx, Msg::Profiles(vec![(ip, json)]));
        }
        Ok(())
    }
    fn finish(&mut self, profiles: &[ProfileSummary]) -> slips_output::Result<()> {
        let rows: Vec<(IpAddr, String)> = profiles
            .iter()
            .filter_map(|p| Some((p.ip?, serde_json::to_string(p).ok()?)))
            .collect();
        if let Some(tx) = self.tx.clone() {
            self.push(&tx, Msg::Profiles(rows));
        }
        let r = self.close();
        let line = format!(
            "redis: {} message(s) published, {} dropped, {} reconnect(s)",
            r.published, r.dropped, r.reconnects
        );
        if r.dropped > 0 {
            tracing::warn!("{line}");
        } else {
            tracing::info!("{line}");
        }
        Ok(())
    }
}

fn publish_loop(client: redis::Client, rx: Receiver<Msg>, opts: &Options, counts: &Counts) {
    let mut conn: Option<redis::Connection> = None;
    let mut pause = Duration::from_millis(100);
    let mut next_try = Instant::now();
    let mut batch: Vec<Msg> = Vec::with_capacity(PIPELINE);
    let mut closing_since: Option<Instant> = None;
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(m) => {
                batch.push(m);
                batch.extend(rx.try_iter().take(PIPELINE - 1));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                closing_since.get_or_insert_with(Instant::now);
            }
        }
        let give_up = closing_since.is_some_and(|t| t.elapsed() >= FLUSH);
        if conn.is_none() && Instant::now() >= next_try && !give_up {
            match client.get_connection_with_timeout(Duration::from_secs(1)) {
                Ok(c) => {
                    conn = Some(c);
                    pause = Duration::from_millis(100);
                }
                Err(e) => {
                    if counts.reconnects.fetch_add(1, Ordering::Relaxed) == 0 {
                        tracing::warn!("redis {}: {e}; retrying, messages meanwhile are dropped once the queue is full", opts.url);
                    }
                    next_try = Instant::now() + pause;
                    pause = (pause * 2).min(Duration::from_secs(5));
                }
            }
        }
        if let Some(c) = conn.as_mut() {
            if !batch.is_empty() {
                let n = batch.len() as u64;
                if let Err(e) = send(c, &batch, opts) {
                    tracing::warn!("redis {}: {e}; reconnecting", opts.url);
                    conn = None;
                    counts.dropped.fetch_add(n, Ordering::Relaxed);
                } else {
                    counts.published.fetch_add(n, Ordering::Relaxed);
                }
                counts.in_flight.fetch_sub(n as i64, Ordering::Relaxed);
                batch.clear();
            }
        } else if give_up || batch.len() >= PIPELINE {
            // Nowhere to send: what is held is lost (the queue keeps the rest).
            counts
                .dropped
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            counts
                .in_flight
                .fetch_sub(batch.len() as i64, Ordering::Relaxed);
            batch.clear();
        }
        if let Some(t) = closing_since {
            if (rx.is_empty() && batch.is_empty()) || t.elapsed() >= FLUSH {
                let left = rx.try_iter().count() + batch.len();
                counts.dropped.fetch_add(left as u64, Ordering::Relaxed);
                counts.in_flight.store(0, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// One pipeline: PUBLISH each message; alerts and evidence also go to capped lists, and
/// profiles to their keys, all with the TTL.
fn send(c: &mut redis::Connection, batch: &[Msg], o: &Options) -> redis::RedisResult<()> {
    let mut p = redis::pipe();
    let list = |p: &mut redis::Pipeline, key: String, v: &str| {
        p.cmd("LPUSH").arg(&key).arg(v).ignore();
        p.cmd("LTRIM")
            .arg(&key)
            .arg(0)
            .arg(o.max_list.saturating_sub(1))
            .ignore();
        p.cmd("EXPIRE").arg(&key).arg(o.ttl).ignore();
    };
    for m in batch {
        match m {
            Msg::Publish(ch, line) => {
                p.cmd("PUBLISH").arg(ch.as_str()).arg(line).ignore();
                match ch {
                    Channel::NewAlert => list(&mut p, format!("{}alerts", o.prefix), line),
                    Channel::EvidenceAdded => list(&mut p, format!("{}evidence", o.prefix), line),
                    Channel::NewBlocking => list(&mut p, format!("{}blocking", o.prefix), line),
                    _ => {}
                }
            }
            Msg::Profiles(rows) => {
                for (ip, json) in rows {
                    let key = format!("{}profile:{ip}", o.prefix);
                    p.cmd("SET")
                        .arg(&key)
                        .arg(json)
                        .arg("EX")
                        .arg(o.ttl)
                        .ignore();
                }
            }
        }
    }
    p.query::<()>(c)
}

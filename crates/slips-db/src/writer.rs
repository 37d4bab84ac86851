//! The database as a sink: the engine thread only clones events into batches; a writer
//! thread turns them into rows in large transactions.

use crate::schema::{RECORD_INDEXES, SCHEMA_VERSION, TABLES};
use crate::Error;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use rusqlite::{params, Connection};
use slips_core::summary::{ProfileSummary, WindowSummary};
use slips_core::Mac;
use slips_core::{Alert, BlockingEvent, Evidence, Flow, Record};
use slips_output::{Now, OutputError, Sink};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the database keeps.
#[derive(Clone, Debug)]
pub struct Options {
    /// The records themselves (`database.store_flows`); everything else is always kept.
    pub store_records: bool,
    /// A live input: commit at least every second and index the records from the start,
    /// so that a UI can read while the run goes on.
    pub live: bool,
}

enum Msg {
    Record(Flow, Option<IpAddr>),
    Evidence(Evidence),
    Alert(Alert),
    Window(WindowSummary, bool),
    Blocking(BlockingEvent),
    Profiles(Vec<ProfileSummary>),
    Meta(String, String),
}

/// Events per batch handed to the writer; batches waiting at most (bounded memory: the
/// engine waits when the writer is this far behind).
const BATCH: usize = 4096;
const BATCHES_WAITING: usize = 8;
/// Rows per transaction for files, and the longest a live row waits to be visible.
const ROWS_PER_COMMIT: usize = 200_000;
const LIVE_COMMIT: Duration = Duration::from_millis(500);
/// The page cache while the record indexes are built at the end (negative: KiB).
const INDEX_SORT_CACHE_KIB: i64 = -1024;

/// Writes `slips.sqlite`.
pub struct DbSink {
    path: PathBuf,
    batch: Vec<Msg>,
    tx: Option<Sender<Vec<Msg>>>,
    writer: Option<JoinHandle<Result<u64, Error>>>,
    store_records: bool,
}

impl DbSink {
    /// Creates the database (replacing one of an earlier run at `path`) and starts its
    /// writer. `meta` describes the run (version, command line, input...).
    pub fn create(path: &Path, opts: Options, meta: &[(&str, String)]) -> Result<DbSink, Error> {
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::Io { path: p, source: e })
                }
                _ => {}
            }
        }
        let conn = Connection::open(path).map_err(|e| Error::sql(path, e))?;
        let setup = || -> rusqlite::Result<()> {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // Every commit survives a killed process either way (the data is in the OS);
            // live runs also sync at checkpoints, files (re-readable) do not.
            conn.pragma_update(
                None,
                "synchronous",
                if opts.live { "NORMAL" } else { "OFF" },
            )?;
            conn.pragma_update(None, "cache_size", -65536)?;
            conn.execute_batch(TABLES)?;
            if opts.live {
                conn.execute_batch(RECORD_INDEXES)?;
            }
            let mut st =
                conn.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
            st.execute(params!["schema_version", SCHEMA_VERSION.to_string()])?;
            for (k, v) in meta {
                st.execute(params![k, v])?;
            }
            Ok(())
        };
        setup().map_err(|e| Error::sql(path, e))?;
        let (tx, rx) = bounded::<Vec<Msg>>(BATCHES_WAITING);
        let p = path.to_path_buf();
        let live = opts.live;
        let writer = std::thread::Builder::new()
            .name("slips-db".into())
            .spawn(move || write_loop(conn, rx, live, &p))
            .map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
        Ok(DbSink {
            path: path.to_path_buf(),
            batch: Vec::with_capacity(BATCH),
            tx: Some(tx),
            writer: Some(writer),
            store_records: opts.store_records,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn push(&mut self, m: Msg) {
        self.batch.push(m);
        if self.batch.len() >= BATCH {
            self.send();
        }
    }

    fn send(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        if let Some(tx) = &self.tx {
            // A writer that stopped (on an error) has reported it; its batches are dropped.
            let _ = tx.send(batch);
        }
    }

    /// Sends what is left, stops the writer and returns the number of rows written.
    pub fn close(&mut self) -> Result<u64, Error> {
        self.send();
        self.tx = None;
        match self.writer.take() {
            Some(h) => h.join().unwrap_or_else(|_| {
                Err(Error::Writer("the database writer thread panicked".into()))
            }),
            None => Ok(0),
        }
    }
}

impl Drop for DbSink {
    fn drop(&mut self) {
        // Whatever was handed over is committed before the process goes on.
        let _ = self.close();
    }
}

impl Sink for DbSink {
    fn name(&self) -> &'static str {
        "slips.sqlite"
    }
    fn record(&mut self, flow: &Flow, profile: Option<IpAddr>) -> slips_output::Result<()> {
        if self.store_records {
            self.push(Msg::Record(flow.clone(), profile));
        }
        Ok(())
    }
    fn evidence(&mut self, e: &Evidence, _now: &Now<'_>) -> slips_output::Result<()> {
        self.push(Msg::Evidence(e.clone()));
        Ok(())
    }
    fn alert(&mut self, a: &Alert, _ev: &[Evidence], _now: &Now<'_>) -> slips_output::Result<()> {
        self.push(Msg::Alert(a.clone()));
        Ok(())
    }
    fn blocking(&mut self, e: &BlockingEvent) -> slips_output::Result<()> {
        self.push(Msg::Blocking(e.clone()));
        Ok(())
    }
    fn window_closed(&mut self, w: &WindowSummary) -> slips_output::Result<()> {
        self.push(Msg::Window(w.clone(), true));
        Ok(())
    }
    fn wants_open_windows(&self) -> bool {
        true
    }
    fn refresh(&mut self, open: &[WindowSummary], _now: &Now<'_>) -> slips_output::Result<()> {
        for w in open {
            self.push(Msg::Window(w.clone(), false));
        }
        Ok(())
    }
    fn flush(&mut self) -> slips_output::Result<()> {
        self.send();
        Ok(())
    }
    fn profile_retired(&mut self, p: &ProfileSummary) -> slips_output::Result<()> {
        self.push(Msg::Profiles(vec![p.clone()]));
        Ok(())
    }
    fn finish(&mut self, profiles: &[ProfileSummary]) -> slips_output::Result<()> {
        self.push(Msg::Profiles(profiles.to_vec()));
        self.push(Msg::Meta("complete".into(), "true".into()));
        let t = Instant::now();
        self.close()
            .map(|rows| {
                tracing::info!(
                    "database: {rows} rows in {} (the end of the analysis waited {:.2} s for it)",
                    self.path.display(),
                    t.elapsed().as_secs_f64()
                )
            })
            .map_err(|e| OutputError::Sink {
                sink: "slips.sqlite",
                message: e.to_string(),
            })
    }
}

/// Rows are counted for the log; the first error stops writing (batches still sent are
/// dropped, so the analysis never waits for a broken database).
fn write_loop(
    conn: Connection,
    rx: Receiver<Vec<Msg>>,
    live: bool,
    path: &Path,
) -> Result<u64, Error> {
    let insert_record = match conn.prepare(INSERT_RECORD) {
        Ok(st) => st,
        Err(e) => return Err(Error::sql(path, e)),
    };
    let mut w = Writer {
        conn: &conn,
        insert_record,
        open: false,
        rows: 0,
        since_commit: 0,
        last_commit: Instant::now(),
        text: Text::default(),
    };
    let result = loop {
        match rx.recv_timeout(LIVE_COMMIT) {
            Ok(batch) => {
                if let Err(e) = w.apply(batch) {
                    break Err(Error::sql(path, e));
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break Ok(()),
        }
        let due = if live {
            w.last_commit.elapsed() >= LIVE_COMMIT
        } else {
            w.since_commit >= ROWS_PER_COMMIT
        };
        if due {
            if let Err(e) = w.commit() {
                break Err(Error::sql(path, e));
            }
        }
    };
    match result {
        Ok(()) => {
            w.commit().map_err(|e| Error::sql(path, e))?;
            if !live {
                // SQLite's sorter sorts in runs the size of the page cache: small runs stay
                // in the CPU caches and build the indexes in about half the time of one big
                // sort (measured on 1M records: 1.6 s instead of 2.8 s).
                let t = Instant::now();
                w.conn
                    .pragma_update(None, "cache_size", INDEX_SORT_CACHE_KIB)
                    .and_then(|()| w.conn.execute_batch(RECORD_INDEXES))
                    .map_err(|e| Error::sql(path, e))?;
                tracing::info!(
                    "database: record indexes built in {:.2} s",
                    t.elapsed().as_secs_f64()
                );
            }
            Ok(w.rows)
        }
        Err(e) => {
            tracing::error!("database: {e}; it stops here, the other outputs are complete");
            // What was committed stays readable; drain so senders never block.
            let _ = w.commit();
            for _ in rx.iter() {}
            Err(e)
        }
    }
}

const INSERT_RECORD: &str = "INSERT INTO records (ts, kind, uid, profile, saddr, sport, daddr, \
     dport, proto, domain, duration, sbytes, dbytes, spkts, dpkts, state, history, service, smac, \
     dmac, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
     ?17, ?18, ?19, ?20, ?21)";

struct Writer<'c> {
    conn: &'c Connection,
    /// The statement of every record, prepared once (looking it up per row costs).
    insert_record: rusqlite::Statement<'c>,
    open: bool,
    rows: u64,
    since_commit: usize,
    last_commit: Instant,
    text: Text,
}

/// The text of a record's addresses, reused from row to row.
#[derive(Default)]
struct Text {
    profile: String,
    saddr: String,
    daddr: String,
    smac: String,
    dmac: String,
}

/// `ip` as text in `buf` (IPv4 by hand: most addresses are).
fn ip_text(ip: IpAddr, buf: &mut String) -> &str {
    buf.clear();
    match ip {
        IpAddr::V4(a) => {
            for (i, o) in a.octets().into_iter().enumerate() {
                if i > 0 {
                    buf.push('.');
                }
                if o >= 100 {
                    buf.push(char::from(b'0' + o / 100));
                }
                if o >= 10 {
                    buf.push(char::from(b'0' + o / 10 % 10));
                }
                buf.push(char::from(b'0' + o % 10));
            }
        }
        IpAddr::V6(a) => {
            let _ = write!(buf, "{a}");
        }
    }
    buf
}

fn mac_text(m: Mac, buf: &mut String) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.clear();
    for (i, b) in m.0.into_iter().enumerate() {
        if i > 0 {
            buf.push(':');
        }
        buf.push(char::from(HEX[usize::from(b >> 4)]));
        buf.push(char::from(HEX[usize::from(b & 15)]));
    }
    buf
}

/// SQLite integers are signed; counts never come near the limit.
fn n(x: impl TryInto<i64>) -> i64 {
    x.try_into().unwrap_or(i64::MAX)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Ports of records that carry them.
fn ports(r: &Record) -> (Option<u16>, Option<u16>) {
    let id = match r {
        Record::Conn(c) => return (Some(c.sport), Some(c.dport)),
        Record::Dns(r) => r.id,
        Record::Http(r) => r.id,
        Record::Ssl(r) => r.id,
        Record::Ssh(r) => r.id,
        Record::Smtp(r) => r.id,
        Record::Weird(r) => r.id,
        Record::Tunnel(r) => r.id,
        Record::Ftp(r) => r.id,
        Record::Login(r) => r.id,
        _ => None,
    };
    id.map_or((None, None), |e| (Some(e.sport), Some(e.dport)))
}

/// The domain a record names (DNS query, HTTP host, TLS server name).
fn domain(r: &Record) -> Option<&str> {
    match r {
        Record::Dns(d) => d.query.as_deref(),
        Record::Http(h) => h.host.as_deref(),
        Record::Ssl(s) => s.server_name.as_deref(),
        _ => None,
    }
}

impl Writer<'_> {
    fn begin(&mut self) -> rusqlite::Result<()> {
        if !self.open {
            self.conn.execute_batch("BEGIN")?;
            self.open = true;
        }
        Ok(())
    }

    fn commit(&mut self) -> rusqlite::Result<()> {
        if self.open {
            self.conn.execute_batch("COMMIT")?;
            self.open = false;
        }
        self.since_commit = 0;
        self.last_commit = Instant::now();
        Ok(())
    }

    fn apply(&mut self, batch: Vec<Msg>) -> rusqlite::Result<()> {
        self.begin()?;
        for m in batch {
            self.rows += 1;
            self.since_commit += 1;
            match m {
                Msg::Record(f, profile) => self.record(&f.record, profile)?,
                Msg::Evidence(e) => self.evidence(&e)?,
                Msg::Alert(a) => self.alert(&a)?,
                Msg::Window(w, closed) => self.window(w, closed)?,
                Msg::Blocking(b) => self.blocking(&b)?,
                Msg::Profiles(p) => self.profiles(&p)?,
                Msg::Meta(k, v) => {
                    self.conn
                        .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                        .execute(params![k, v])?;
                }
            }
        }
        Ok(())
    }

    fn record(&mut self, r: &Record, profile: Option<IpAddr>) -> rusqlite::Result<()> {
        let (saddr, daddr) = r.hosts();
        let (sport, dport) = ports(r);
        // Addresses are written into buffers kept from row to row (formatting them through
        // `Display` and a new String each was a tenth of the writer's time).
        let Text {
            profile: pt,
            saddr: st,
            daddr: dt,
            smac: smt,
            dmac: dmt,
        } = &mut self.text;
        let profile = profile.map(|p| ip_text(p, pt));
        let saddr = saddr.map(|a| ip_text(a, st));
        let daddr = daddr.map(|a| ip_text(a, dt));
        // Connections are columns only: serialising a million of them as JSON would cost
        // more than the rest of the row. Other records have no connection columns.
        let conn = match r {
            Record::Conn(c) => Some(c),
            _ => None,
        };
        self.insert_record.execute(params![
            r.ts().secs(),
            r.kind().as_str(),
            r.uid().filter(|u| !u.is_empty()),
            profile,
            saddr,
            sport,
            daddr,
            dport,
            conn.map(|c| c.proto().as_str()),
            domain(r),
            conn.map(|c| c.duration),
            conn.map(|c| n(c.sbytes)),
            conn.map(|c| n(c.dbytes)),
            conn.map(|c| n(c.spkts)),
            conn.map(|c| n(c.dpkts)),
            conn.map(|c| c.state.as_str()),
            conn.map(|c| c.history.as_str()).filter(|h| !h.is_empty()),
            conn.and_then(|c| c.service.as_deref()),
            conn.and_then(|c| c.smac).map(|m| mac_text(m, smt)),
            conn.and_then(|c| c.dmac).map(|m| mac_text(m, dmt)),
            conn.is_none().then(|| json(r)),
        ])?;
        Ok(())
    }

    fn evidence(&mut self, e: &Evidence) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO evidence (id, ts, type, profile, window, attacker, victim, \
                 threat_level, confidence, description, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                e.id.as_str(),
                e.ts.secs(),
                e.evidence_type.as_str(),
                e.profile.to_string(),
                e.timewindow.number,
                e.attacker.value.as_str(),
                e.victim.as_ref().map(|v| v.value.as_str()),
                e.threat_level.as_str(),
                e.confidence,
                e.description,
                json(e),
            ])?;
        Ok(())
    }

    fn alert(&mut self, a: &Alert) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO alerts (id, ts, profile, window, window_start, window_end, \
                 accumulated_threat_level, threat_level, confidence, blocked, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                a.id.as_str(),
                a.last_ts.secs(),
                a.profile.to_string(),
                a.timewindow.number,
                a.timewindow.start.secs(),
                a.timewindow.end.secs(),
                a.accumulated_threat_level,
                a.threat_level.as_str(),
                a.confidence,
                a.blocked,
                json(a),
            ])?;
        let mut st = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO alert_evidence (alert, evidence) VALUES (?1, ?2)",
        )?;
        for e in &a.evidence_ids {
            st.execute(params![a.id.as_str(), e.as_str()])?;
        }
        Ok(())
    }

    fn window(&mut self, mut w: WindowSummary, closed: bool) -> rusqlite::Result<()> {
        let profile = w.profile.to_string();
        let evidence = w.evidence.len();
        // The evidence is in its own table.
        w.evidence.clear();
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO windows (profile, number, start, end, flows, evidence, alerted, closed, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                profile,
                w.window.number,
                w.window.start.secs(),
                w.window.end.secs(),
                n(w.flows),
                n(evidence),
                w.alerted,
                closed,
                json(&w),
            ])?;
        Ok(())
    }

    fn blocking(&mut self, b: &BlockingEvent) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO blocking (ts, ip, action, detail, alert, until, offences, dry_run, error) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                b.time,
                b.ip.to_string(),
                b.action.as_str(),
                b.detail,
                b.alert_id.as_deref(),
                b.until,
                b.offences,
                b.dry_run,
                b.error,
            ])?;
        Ok(())
    }

    fn profiles(&mut self, profiles: &[ProfileSummary]) -> rusqlite::Result<()> {
        let mut st = self.conn.prepare_cached(
            "INSERT OR REPLACE INTO profiles (ip, first_seen, last_seen, flows, macs, host_names, \
             user_agents, software, windows, alerted_windows, evidence, max_threat_level, enrichment, data) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        for p in profiles {
            let Some(ip) = p.ip else { continue };
            let macs: Vec<String> = p.macs.iter().map(|m| m.to_string()).collect();
            st.execute(params![
                ip.to_string(),
                p.first_seen.secs(),
                p.last_seen.secs(),
                n(p.flows),
                json(&macs),
                json(&p.host_names),
                json(&p.user_agents),
                json(&p.software),
                n(p.windows.len()),
                json(&p.alerted_windows),
                n(p.evidence_count),
                p.max_threat_level.map(|l| l.as_str()),
                p.enrichment,
                json(p),
            ])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;

    #[test]
    fn addresses_are_written_as_display_writes_them() {
        let mut buf = String::new();
        for ip in [
            "0.0.0.0",
            "9.10.99.100",
            "255.255.255.255",
            "192.168.1.7",
            "::1",
            "2001:db8::ff00:42:8329",
            "::ffff:10.0.0.1",
        ] {
            let a: IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(a, &mut buf), a.to_string());
        }
        for o in 0..=255u8 {
            let a = IpAddr::from([o, 255 - o, o / 3, o.wrapping_mul(7)]);
            assert_eq!(ip_text(a, &mut buf), a.to_string());
        }
        for m in [[0u8; 6], [0xff; 6], [0x00, 0x1b, 0x2c, 0xa0, 0x0f, 0xf0]] {
            assert_eq!(mac_text(Mac(m), &mut buf), Mac(m).to_string());
        }
    }
}

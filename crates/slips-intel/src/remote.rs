//! Remote feeds: downloaded over HTTP(S) with conditional requests (`If-None-Match` /
//! `If-Modified-Since` from the cached `ETag` / `Last-Modified`), cached on disk, refreshed
//! on a period by a background thread. A failed download keeps the cached copy and is
//! reported once (again only after a success).

use crate::text::{file_name_of, fnv1a};
use foldhash::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// Largest feed accepted (bytes); bigger downloads fail (bounded memory).
pub const MAX_FEED_BYTES: u64 = 256 * 1024 * 1024;

/// Result of one download attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchOutcome {
    /// New content written to the cache.
    Updated,
    /// The server said 304 Not Modified; the cache is current.
    NotModified,
    /// The download failed; the cached copy (if any) is kept. `first` is true the first
    /// time this feed fails after a success (the one time it is logged).
    Failed { error: String, first: bool },
}

/// Downloads feeds into a cache folder.
/// Connecting to a feed's server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// From the request to the response's headers.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long stopping waits for a download in progress before leaving it behind.
const STOP_WAIT: Duration = Duration::from_millis(500);

pub struct Downloader {
    agent: ureq::Agent,
    cache_dir: PathBuf,
    failing: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Downloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Downloader")
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

#[derive(Default, Debug, PartialEq, Eq)]
struct Meta {
    etag: Option<String>,
    last_modified: Option<String>,
}

impl Meta {
    fn read(p: &Path) -> Meta {
        let mut m = Meta::default();
        if let Ok(t) = std::fs::read_to_string(p) {
            for l in t.lines() {
                if let Some(v) = l.strip_prefix("etag: ") {
                    m.etag = Some(v.to_owned());
                } else if let Some(v) = l.strip_prefix("last-modified: ") {
                    m.last_modified = Some(v.to_owned());
                }
            }
        }
        m
    }
    fn write(&self, p: &Path) -> std::io::Result<()> {
        let mut s = String::new();
        if let Some(e) = &self.etag {
            s.push_str(&format!("etag: {e}\n"));
        }
        if let Some(l) = &self.last_modified {
            s.push_str(&format!("last-modified: {l}\n"));
        }
        write_atomic(p, s.as_bytes())
    }
}

fn write_atomic(p: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = p.with_extension("part");
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, p)
}

impl Downloader {
    /// `timeout` bounds a whole request (connect, headers and body); connecting and the
    /// first response byte have a few seconds each, so a server that never answers costs
    /// seconds, not the whole bound.
    pub fn new(cache_dir: PathBuf, timeout: Duration) -> Downloader {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .timeout_connect(Some(CONNECT_TIMEOUT.min(timeout)))
            .timeout_recv_response(Some(RESPONSE_TIMEOUT.min(timeout)))
            .http_status_as_error(false)
            .user_agent("slips")
            .build();
        Downloader {
            agent: ureq::Agent::new_with_config(config),
            cache_dir,
            failing: Mutex::new(HashSet::default()),
        }
    }

    /// The cache file of a URL: `<file name>-<hash of the URL>`.
    pub fn cache_path(&self, url: &str) -> PathBuf {
        let name: String = file_name_of(url)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        self.cache_dir.join(format!("{name}-{:016x}", fnv1a(url)))
    }

    fn meta_path(&self, url: &str) -> PathBuf {
        let mut p = self.cache_path(url).into_os_string();
        p.push(".meta");
        PathBuf::from(p)
    }

    /// Age of the cached copy (by its modification time), `None` when there is none.
    pub fn cache_age(&self, url: &str) -> Option<Duration> {
        let m = std::fs::metadata(self.cache_path(url)).ok()?;
        let t = m.modified().ok()?;
        Some(SystemTime::now().duration_since(t).unwrap_or_default())
    }

    /// Downloads one feed (conditionally when cached).
    pub fn fetch(&self, url: &str) -> FetchOutcome {
        let out = self.try_fetch(url);
        let mut failing = self.failing.lock().unwrap_or_else(|e| e.into_inner());
        match out {
            Ok(o) => {
                failing.remove(url);
                o
            }
            Err(error) => {
                let first = failing.insert(url.to_owned());
                if first {
                    let cached = self.cache_path(url).exists();
                    tracing::warn!(
                        "feed {url}: download failed ({error}); {}",
                        if cached {
                            "keeping the cached copy"
                        } else {
                            "no cached copy, feed not used"
                        }
                    );
                }
                FetchOutcome::Failed { error, first }
            }
        }
    }

    fn try_fetch(&self, url: &str) -> Result<FetchOutcome, String> {
        std::fs::create_dir_all(&self.cache_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.cache_dir.display()))?;
        let path = self.cache_path(url);
        let meta_path = self.meta_path(url);
        let meta = if path.exists() {
            Meta::read(&meta_path)
        } else {
            Meta::default()
        };
        let mut req = self.agent.get(url);
        if let Some(e) = &meta.etag {
            req = req.header("If-None-Match", e);
        }
        if let Some(l) = &meta.last_modified {
            req = req.header("If-Modified-Since", l);
        }
        let mut resp = req.call().map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        if status == 304 {
            // Touch the cache so that its age restarts.
            if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
            return Ok(FetchOutcome::NotModified);
        }
        if status != 200 {
            return Err(format!("HTTP status {status}"));
        }
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let new_meta = Meta {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_FEED_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| format!("reading the body: {e}"))?;
        if body.len() as u64 > MAX_FEED_BYTES {
            return Err(format!("larger than {MAX_FEED_BYTES} bytes"));
        }
        write_atomic(&path, &body).map_err(|e| format!("writing {}: {e}", path.display()))?;
        new_meta
            .write(&meta_path)
            .map_err(|e| format!("writing {}: {e}", meta_path.display()))?;
        Ok(FetchOutcome::Updated)
    }
}

/// Stops the background refresher when dropped.
pub struct Refresher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Refresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresher").finish_non_exhaustive()
    }
}

impl Refresher {
    /// Runs `pass` now and then every `period` on a background thread until stopped.
    /// `pass` gets a check that says when it should stop (between downloads).
    pub fn spawn(
        period: Duration,
        mut pass: impl FnMut(&dyn Fn() -> bool) + Send + 'static,
    ) -> Refresher {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let s = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("slips-feeds".into())
            .spawn(move || loop {
                let stopped = || *s.0.lock().unwrap_or_else(|e| e.into_inner());
                pass(&stopped);
                let (lock, cv) = &*s;
                let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                let (guard, _) = cv
                    .wait_timeout_while(guard, period, |stopped| !*stopped)
                    .unwrap_or_else(|e| e.into_inner());
                if *guard {
                    return;
                }
            })
            .ok();
        if thread.is_none() {
            tracing::warn!(
                "could not start the feed refresher thread; feeds will not be refreshed"
            );
        }
        Refresher { stop, thread }
    }

    /// Stops the thread. A download in progress is waited for briefly, then left behind:
    /// it only writes slips' feed cache (atomically), never the analysis' outputs, and
    /// stopping slips must not wait for a server that does not answer.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let (lock, cv) = &*self.stop;
        *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            let start = std::time::Instant::now();
            while !t.is_finished() && start.elapsed() < STOP_WAIT {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            } else {
                tracing::info!("a feed download was still running at the end; left behind");
            }
        }
    }
}

impl Drop for Refresher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
pub(crate) mod testserver {
    //! A tiny HTTP/1.1 server on 127.0.0.1 for the tests: serves one body with an ETag,
    //! answers 304 to a matching `If-None-Match`, 500 when told to fail, and records the
    //! request headers it saw.
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    pub struct State {
        pub body: String,
        pub etag: String,
        pub fail: bool,
        pub requests: Vec<Vec<String>>,
    }

    pub struct Server {
        pub url: String,
        pub state: Arc<Mutex<State>>,
    }

    pub fn start(path: &str, body: &str, etag: &str) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            body: body.into(),
            etag: etag.into(),
            ..Default::default()
        }));
        let st = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let l = line.trim_end().to_owned();
                    if l.is_empty() {
                        break;
                    }
                    headers.push(l);
                }
                let mut s = st.lock().unwrap();
                let inm = headers.iter().find_map(|h| {
                    h.to_ascii_lowercase()
                        .strip_prefix("if-none-match: ")
                        .map(str::to_owned)
                });
                s.requests.push(headers);
                let resp = if s.fail {
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
                } else if inm.as_deref() == Some(s.etag.to_ascii_lowercase().as_str()) {
                    format!(
                        "HTTP/1.1 304 Not Modified\r\netag: {}\r\nconnection: close\r\n\r\n",
                        s.etag
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\netag: {}\r\nlast-modified: Wed, 21 Oct 2015 07:28:00 GMT\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                        s.etag,
                        s.body.len(),
                        s.body
                    )
                };
                let _ = stream.write_all(resp.as_bytes());
            }
        });
        Server { url, state }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_requests_cache_and_failures() {
        let srv = testserver::start("/lists/bad.txt", "1.2.3.4\n", "\"v1\"");
        let dir = tempfile::tempdir().unwrap();
        let d = Downloader::new(dir.path().join("cache"), Duration::from_secs(5));
        assert_eq!(d.cache_age(&srv.url), None);
        assert_eq!(d.fetch(&srv.url), FetchOutcome::Updated);
        let cached = d.cache_path(&srv.url);
        assert!(cached
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("bad.txt-"));
        assert_eq!(std::fs::read_to_string(&cached).unwrap(), "1.2.3.4\n");
        assert!(d.cache_age(&srv.url).is_some());

        // Second time: conditional request, 304.
        assert_eq!(d.fetch(&srv.url), FetchOutcome::NotModified);
        {
            let s = srv.state.lock().unwrap();
            let last = s.requests.last().unwrap();
            assert!(
                last.iter()
                    .any(|h| h.eq_ignore_ascii_case("if-none-match: \"v1\"")),
                "{last:?}"
            );
            assert!(
                last.iter()
                    .any(|h| h
                        .eq_ignore_ascii_case("if-modified-since: Wed, 21 Oct 2015 07:28:00 GMT")),
                "{last:?}"
            );
            assert!(!s.requests[0]
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with("if-none-match")));
        }

        // New version.
        {
            let mut s = srv.state.lock().unwrap();
            s.body = "5.6.7.8\n".into();
            s.etag = "\"v2\"".into();
        }
        assert_eq!(d.fetch(&srv.url), FetchOutcome::Updated);
        assert_eq!(std::fs::read_to_string(&cached).unwrap(), "5.6.7.8\n");

        // Failure: the cache stays, reported once.
        srv.state.lock().unwrap().fail = true;
        assert_eq!(
            d.fetch(&srv.url),
            FetchOutcome::Failed {
                error: "HTTP status 500".into(),
                first: true
            }
        );
        assert_eq!(
            d.fetch(&srv.url),
            FetchOutcome::Failed {
                error: "HTTP status 500".into(),
                first: false
            }
        );
        assert_eq!(std::fs::read_to_string(&cached).unwrap(), "5.6.7.8\n");
        // Recovery resets the "once".
        srv.state.lock().unwrap().fail = false;
        assert_eq!(d.fetch(&srv.url), FetchOutcome::NotModified);
        srv.state.lock().unwrap().fail = true;
        assert!(matches!(
            d.fetch(&srv.url),
            FetchOutcome::Failed { first: true, .. }
        ));
    }

    #[test]
    fn unreachable_server_fails_without_cache() {
        // A port nobody listens on.
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x.txt", l.local_addr().unwrap());
        drop(l);
        let dir = tempfile::tempdir().unwrap();
        let d = Downloader::new(dir.path().to_path_buf(), Duration::from_secs(2));
        assert!(matches!(
            d.fetch(&url),
            FetchOutcome::Failed { first: true, .. }
        ));
        assert!(!d.cache_path(&url).exists());
    }

    #[test]
    fn refresher_runs_and_stops() {
        let n = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let m = Arc::clone(&n);
        let r = Refresher::spawn(Duration::from_millis(10), move |_| {
            m.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let t0 = std::time::Instant::now();
        while n.load(std::sync::atomic::Ordering::SeqCst) < 3
            && t0.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        r.stop();
        let after = n.load(std::sync::atomic::Ordering::SeqCst);
        assert!(after >= 3);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(
            n.load(std::sync::atomic::Ordering::SeqCst),
            after,
            "stopped"
        );
    }
}

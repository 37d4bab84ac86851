//! The web interface: an HTTP server over the analysis database (`slips.sqlite`) of one run,
//! live or past, or of a folder of runs to pick from.
//!
//! - [`start`] binds (127.0.0.1 by default) and serves from a thread of its own (a small
//!   tokio runtime confined to this crate); the analysis never waits for it: it only reads
//!   the database, through WAL readers.
//! - Every request needs the access token: `?token=` on the first load, which sets an
//!   HttpOnly SameSite=Strict cookie and redirects to a URL without it. State-changing
//!   requests (unblock) are POSTs that also carry the CSRF token the page fetched from
//!   `/api/session` (same origin only: no CORS).
//! - The page is one hand-written HTML/CSS/JS app compiled into the binary; it builds the
//!   DOM with `textContent`, never HTML from data, and the Content-Security-Policy allows
//!   only its own script and style.
//! - Every list is paged in SQL (`queries.rs`); scans that no index serves run under a
//!   time budget.

mod api;
mod auth;
pub mod queries;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use api::router;

/// What the interface shows.
#[derive(Clone, Debug)]
pub enum Source {
    /// One database.
    Db(PathBuf),
    /// A folder whose sub-folders (and itself) hold runs' databases.
    Folder(PathBuf),
}

impl Source {
    /// A database file, an output folder with `slips.sqlite`, or a folder of output folders.
    pub fn from_path(path: &Path) -> Result<Source, Error> {
        if path.is_file() {
            return Ok(Source::Db(path.to_path_buf()));
        }
        if path.is_dir() {
            let db = path.join(slips_db::FILE_NAME);
            if db.is_file() {
                return Ok(Source::Db(db));
            }
            let s = Source::Folder(path.to_path_buf());
            if s.runs().is_empty() {
                return Err(Error::NoRuns(path.to_path_buf()));
            }
            return Ok(s);
        }
        Err(Error::NoRuns(path.to_path_buf()))
    }

    /// The runs: (id, database). The id of a single database is `""`; in a folder it is
    /// the sub-folder's name (the only thing a request may name: never a path).
    pub fn runs(&self) -> Vec<(String, PathBuf)> {
        match self {
            Source::Db(p) => vec![(String::new(), p.clone())],
            Source::Folder(dir) => {
                let mut out = Vec::new();
                if let Ok(rd) = std::fs::read_dir(dir) {
                    for e in rd.flatten() {
                        let Ok(name) = e.file_name().into_string() else {
                            continue;
                        };
                        let db = e.path().join(slips_db::FILE_NAME);
                        if db.is_file() {
                            out.push((name, db));
                        }
                    }
                }
                out.sort();
                out
            }
        }
    }

    /// The database of run `id`.
    pub fn run(&self, id: Option<&str>) -> Option<PathBuf> {
        let id = id.unwrap_or("");
        let runs = self.runs();
        if id.is_empty() && runs.len() == 1 {
            return runs.into_iter().next().map(|r| r.1);
        }
        runs.into_iter().find(|(n, _)| n == id).map(|r| r.1)
    }
}

/// The analysis' progress (live runs): bytes of the input read, of how many (0: unknown),
/// records analysed.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Progress {
    pub bytes_read: u64,
    pub total_bytes: u64,
    pub records: u64,
    pub running: bool,
}

pub type ProgressFn = Arc<dyn Fn() -> Progress + Send + Sync>;
/// The vendor of a MAC address (`aa:bb:cc:dd:ee:ff`), from the OUI registry.
pub type VendorFn = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;
/// Unblocks an IP now (the same path as `slips unblock`); returns what was done.
pub type UnblockFn = Arc<dyn Fn(IpAddr) -> Result<Vec<String>, String> + Send + Sync>;

/// How to serve.
#[derive(Clone)]
pub struct Options {
    pub source: Source,
    pub bind: IpAddr,
    /// 0: any free port.
    pub port: u16,
    /// The access token; `None`: a random one.
    pub token: Option<String>,
    pub progress: Option<ProgressFn>,
    /// `None`: the Unblock button is not offered.
    pub unblock: Option<UnblockFn>,
    pub vendor: Option<VendorFn>,
}

impl Options {
    pub fn new(source: Source) -> Options {
        Options {
            source,
            bind: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            token: None,
            progress: None,
            unblock: None,
            vendor: None,
        }
    }
}

/// Slips' web interface port.
pub const DEFAULT_PORT: u16 = 55000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}: no slips database there (slips.sqlite, or folders of runs holding one)")]
    NoRuns(PathBuf),
    #[error("the web interface could not start: {0}")]
    Start(std::io::Error),
    #[error("web.token must be at least 16 characters of letters, digits, '-' or '_'")]
    BadToken,
}

/// Shared by every request.
pub(crate) struct App {
    pub token: String,
    pub csrf: String,
    pub source: Source,
    pub progress: Option<ProgressFn>,
    pub unblock: Option<UnblockFn>,
    pub vendor: Option<VendorFn>,
    /// Open readers per database, reused.
    pub pool: Mutex<Vec<(PathBuf, slips_db::Reader)>>,
    /// Overviews of complete runs (they no longer change).
    pub cache: Mutex<Vec<(PathBuf, serde_json::Value)>>,
    /// Set when the server stops: event streams end.
    pub stopping: std::sync::atomic::AtomicBool,
}

/// A running server.
pub struct Server {
    url: String,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// The URL to open, with the token.
    pub fn url(&self) -> &str {
        &self.url
    }
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// Stops serving (open event streams are closed) and waits for the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }
    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// 32 hex digits from the kernel's random source.
pub fn random_token() -> Result<String, Error> {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(Error::Start)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Binds and serves on a thread of its own until [`Server::stop`] (or drop).
pub fn start(opts: Options) -> Result<Server, Error> {
    let token = match opts.token {
        Some(t) => {
            if t.len() < 16
                || !t
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Error::BadToken);
            }
            t
        }
        None => random_token()?,
    };
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener =
        std::net::TcpListener::bind(addr).map_err(|source| Error::Bind { addr, source })?;
    listener.set_nonblocking(true).map_err(Error::Start)?;
    let addr = listener.local_addr().map_err(Error::Start)?;
    let host = match addr.ip() {
        IpAddr::V4(v) if v.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(v) if v.is_unspecified() => "[::1]".to_string(),
        IpAddr::V6(v) => format!("[{v}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{host}:{}/?token={token}", addr.port());
    let app = Arc::new(App {
        csrf: random_token()?,
        token,
        source: opts.source,
        progress: opts.progress,
        unblock: opts.unblock,
        vendor: opts.vendor,
        pool: Mutex::new(Vec::new()),
        cache: Mutex::new(Vec::new()),
        stopping: std::sync::atomic::AtomicBool::new(false),
    });
    let app2 = app.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .thread_name("web")
        .enable_all()
        .build()
        .map_err(Error::Start)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("web".into())
        .spawn(move || {
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!("web interface: {e}");
                        return;
                    }
                };
                let r = axum::serve(listener, router(app))
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                        app2.stopping
                            .store(true, std::sync::atomic::Ordering::Release);
                    })
                    .await;
                if let Err(e) = r {
                    tracing::error!("web interface: {e}");
                }
            });
            // Event streams never end by themselves: do not wait for them.
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
        })
        .map_err(Error::Start)?;
    tracing::info!("web interface on http://{addr}/");
    Ok(Server {
        url,
        addr,
        stop: Some(tx),
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests;

//! Line exports: RFC 5424 syslog over UDP or TCP (octet counting, RFC 6587) or to a file,
//! and CEF or ECS JSON lines to files (for Filebeat, Logstash or Elastic Agent).

use crate::format::{cef, ecs, rfc5424, Event, Meta};
use crate::worker::{Backend, Exporter, Failure, Policy, Stats};
use crate::Error;
use slips_core::{Alert, Evidence};
use slips_output::{Now, Sink};
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What each line carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// Plain text with slips' structured data.
    Text,
    Cef,
    Ecs,
}

impl Payload {
    /// `rfc5424`, `cef` or `ecs`.
    pub fn parse(s: &str) -> Option<Payload> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rfc5424" | "text" => Some(Payload::Text),
            "cef" => Some(Payload::Cef),
            "ecs" => Some(Payload::Ecs),
            _ => None,
        }
    }
}

/// Where lines go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp(String),
    Tcp(String),
    /// RFC 5425: octet-counted frames over TLS (the server's certificate checked against
    /// `export.syslog_ca_file`, or the public roots).
    Tls(String),
    File(PathBuf),
}

impl Transport {
    /// `udp://host:port`, `tcp://host:port`, `tls://host:port`, or a path (relative: inside
    /// `out`).
    pub fn parse(s: &str, out: &Path) -> Result<Transport, Error> {
        let s = s.trim();
        let addr = |rest: &str| -> Result<String, Error> {
            if rest
                .rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            {
                Ok(rest.to_owned())
            } else {
                Err(Error::Config(format!(
                    "export.syslog: {s:?} needs host:port"
                )))
            }
        };
        if let Some(r) = s.strip_prefix("udp://") {
            return Ok(Transport::Udp(addr(r)?));
        }
        if let Some(r) = s.strip_prefix("tcp://") {
            return Ok(Transport::Tcp(addr(r)?));
        }
        if let Some(r) = s.strip_prefix("tls://") {
            return Ok(Transport::Tls(addr(r)?));
        }
        if s.contains("://") {
            return Err(Error::Config(format!(
                "export.syslog: {s:?}: expected udp://host:port, tcp://host:port, \
                 tls://host:port or a file path"
            )));
        }
        let p = Path::new(s.strip_prefix("file://").unwrap_or(s));
        Ok(Transport::File(if p.is_absolute() {
            p.to_owned()
        } else {
            out.join(p)
        }))
    }
}

/// Lines longer than this are cut (UDP datagrams must fit).
const MAX_LINE: usize = 60_000;

struct LinesBackend {
    syslog: bool,
    payload: Payload,
    facility: u8,
    meta: Meta,
    transport: Transport,
    udp: Option<(UdpSocket, SocketAddr)>,
    tcp: Option<TcpStream>,
    tls_config: Option<Arc<rustls::ClientConfig>>,
    tls: Option<Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>>,
    file: Option<std::fs::File>,
}

/// The TLS client of `tls://`: the server's certificate checked against `ca` (PEM) when
/// given, else against the public roots.
fn tls_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, Error> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(ca) => {
            let bad =
                |e: String| Error::Config(format!("export.syslog_ca_file {}: {e}", ca.display()));
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(ca)
                .map_err(|e| bad(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("no PEM certificate".into()));
            }
            for c in certs {
                roots.add(c).map_err(|e| bad(e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("export.syslog: TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A TLS connection to `addr` (its host name or address is the name checked).
fn tls_connect(
    addr: &str,
    config: &Arc<rustls::ClientConfig>,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, Failure> {
    let host = addr
        .rsplit_once(':')
        .map_or(addr, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let name = rustls_pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| Failure::Permanent(format!("tls {addr}: {e}")))?;
    let to = resolve(addr)?;
    let s = TcpStream::connect_timeout(&to, Duration::from_secs(5))
        .map_err(|e| Failure::retry(format!("tls {addr}: {e}")))?;
    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.set_nodelay(true);
    let conn = rustls::ClientConnection::new(Arc::clone(config), name)
        .map_err(|e| Failure::Permanent(format!("tls {addr}: {e}")))?;
    let mut stream = rustls::StreamOwned::new(conn, s);
    // The handshake now, so that a certificate the server cannot prove fails here.
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| Failure::retry(format!("tls {addr}: {e}")))?;
    }
    Ok(stream)
}

impl LinesBackend {
    fn line(&self, ev: &Event) -> String {
        let body = match self.payload {
            Payload::Text => None,
            Payload::Cef => Some(cef(ev, &self.meta)),
            Payload::Ecs => Some(ecs(ev, &self.meta).to_string()),
        };
        let mut line = if self.syslog {
            rfc5424(
                ev,
                &self.meta,
                self.facility,
                std::process::id(),
                body.as_deref(),
            )
        } else {
            body.unwrap_or_else(|| ev.text())
        };
        if line.len() > MAX_LINE {
            let mut cut = MAX_LINE;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
        }
        line
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, Failure> {
    addr.to_socket_addrs()
        .map_err(|e| Failure::retry(format!("{addr}: {e}")))?
        .next()
        .ok_or_else(|| Failure::retry(format!("{addr}: no address")))
}

impl Backend for LinesBackend {
    type Item = Event;

    fn send(&mut self, ev: &Event) -> Result<(), Failure> {
        let line = self.line(ev);
        match &self.transport {
            Transport::Udp(addr) => {
                if self.udp.is_none() {
                    let to = resolve(addr)?;
                    let bind = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
                    let s = UdpSocket::bind(bind).map_err(|e| Failure::retry(e.to_string()))?;
                    self.udp = Some((s, to));
                }
                let (s, to) = self
                    .udp
                    .as_ref()
                    .ok_or_else(|| Failure::retry("no socket"))?;
                s.send_to(line.as_bytes(), to).map_err(|e| {
                    let f = Failure::retry(format!("udp {addr}: {e}"));
                    self.udp = None;
                    f
                })?;
            }
            Transport::Tcp(addr) => {
                if self.tcp.is_none() {
                    let to = resolve(addr)?;
                    let s = TcpStream::connect_timeout(&to, Duration::from_secs(5))
                        .map_err(|e| Failure::retry(format!("tcp {addr}: {e}")))?;
                    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
                    let _ = s.set_nodelay(true);
                    self.tcp = Some(s);
                }
                let framed = format!("{} {line}", line.len());
                let r = match self.tcp.as_mut() {
                    Some(s) => s.write_all(framed.as_bytes()),
                    None => return Err(Failure::retry("no connection")),
                };
                if let Err(e) = r {
                    self.tcp = None;
                    return Err(Failure::retry(format!("tcp {addr}: {e}")));
                }
            }
            Transport::Tls(addr) => {
                if self.tls.is_none() {
                    let config = self
                        .tls_config
                        .as_ref()
                        .ok_or_else(|| Failure::Permanent("no TLS configuration".into()))?;
                    self.tls = Some(Box::new(tls_connect(addr, config)?));
                }
                let framed = format!("{} {line}", line.len());
                let r = match self.tls.as_mut() {
                    Some(s) => s.write_all(framed.as_bytes()).and_then(|()| s.flush()),
                    None => return Err(Failure::retry("no connection")),
                };
                if let Err(e) = r {
                    self.tls = None;
                    return Err(Failure::retry(format!("tls {addr}: {e}")));
                }
            }
            Transport::File(path) => {
                if self.file.is_none() {
                    let f = slips_fs::append(path)
                        .map_err(|e| Failure::retry(format!("{}: {e}", path.display())))?;
                    self.file = Some(f);
                }
                let r = match self.file.as_mut() {
                    Some(f) => f.write_all(format!("{line}\n").as_bytes()),
                    None => return Err(Failure::retry("no file")),
                };
                if let Err(e) = r {
                    self.file = None;
                    return Err(Failure::retry(format!("{}: {e}", path.display())));
                }
            }
        }
        Ok(())
    }
}

/// Options of a line export.
#[derive(Clone, Debug)]
pub struct LinesOptions {
    /// Wrap each line in an RFC 5424 header.
    pub syslog: bool,
    pub payload: Payload,
    pub facility: u8,
    pub transport: Transport,
    /// The CA that signed a `tls://` receiver's certificate (PEM); public roots without.
    pub tls_ca: Option<PathBuf>,
    /// Every evidence too, not only alerts.
    pub evidence: bool,
    pub meta: Meta,
}

/// The sink of a line export (`syslog`, `cef` or `ecs`).
pub struct LinesSink {
    name: &'static str,
    evidence: bool,
    ex: Exporter<Event>,
}

impl LinesSink {
    pub fn start(name: &'static str, o: LinesOptions, policy: Policy) -> Result<LinesSink, Error> {
        if let Transport::File(p) = &o.transport {
            // A file that cannot be created is a configuration error, found at start.
            slips_fs::append(p)
                .map_err(|e| Error::Config(format!("{name}: {}: {e}", p.display())))?;
        }
        // A CA file that cannot be read is a configuration error, found at start.
        let tls_config = match &o.transport {
            Transport::Tls(_) => Some(tls_config(o.tls_ca.as_deref())?),
            _ => None,
        };
        let backend = LinesBackend {
            syslog: o.syslog,
            payload: o.payload,
            facility: o.facility,
            meta: o.meta,
            transport: o.transport,
            udp: None,
            tcp: None,
            tls_config,
            tls: None,
            file: None,
        };
        Ok(LinesSink {
            name,
            evidence: o.evidence,
            ex: Exporter::start(name, backend, policy)?,
        })
    }

    pub fn stats(&self) -> Stats {
        self.ex.stats()
    }
}

impl Sink for LinesSink {
    fn name(&self) -> &'static str {
        self.name
    }
    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        if self.evidence {
            self.ex.offer(Event::Evidence(Box::new(e.clone())));
        }
        Ok(())
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.ex
            .offer(Event::Alert(Box::new(a.clone()), ev.to_vec()));
        Ok(())
    }
    fn finish(&mut self, _: &[slips_core::summary::ProfileSummary]) -> slips_output::Result<()> {
        self.ex.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixtures::*;
    use slips_core::Timestamp;
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpListener;

    fn now() -> Now<'static> {
        Now {
            create_time: "2026-01-01T00:00:00",
            event_time: Timestamp::ZERO,
        }
    }

    fn opts(transport: Transport, payload: Payload, syslog: bool) -> LinesOptions {
        LinesOptions {
            syslog,
            payload,
            facility: 16,
            transport,
            tls_ca: None,
            evidence: true,
            meta: Meta {
                sensor: "sensor1".into(),
                version: "0.1.0".into(),
            },
        }
    }

    fn fast() -> Policy {
        Policy {
            backoff: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..Policy::default()
        }
    }

    fn feed(s: &mut LinesSink) {
        s.evidence(&evidence(), &now()).unwrap();
        s.evidence(&domain_evidence(), &now()).unwrap();
        s.alert(&alert(), &[evidence(), domain_evidence()], &now())
            .unwrap();
        s.finish(&[]).unwrap();
    }

    #[test]
    fn transports_parse() {
        let out = Path::new("/o");
        assert_eq!(
            Transport::parse("udp://127.0.0.1:514", out).unwrap(),
            Transport::Udp("127.0.0.1:514".into())
        );
        assert_eq!(
            Transport::parse("tcp://[::1]:6514", out).unwrap(),
            Transport::Tcp("[::1]:6514".into())
        );
        assert_eq!(
            Transport::parse("syslog.log", out).unwrap(),
            Transport::File("/o/syslog.log".into())
        );
        assert!(Transport::parse("udp://host", out).is_err());
        assert_eq!(
            Transport::parse("tls://logs.example:6514", out).unwrap(),
            Transport::Tls("logs.example:6514".into())
        );
        assert!(Transport::parse("tls://logs.example", out).is_err());
    }

    #[test]
    fn syslog_over_udp_reaches_a_receiver() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let addr = rx.local_addr().unwrap();
        let mut s = LinesSink::start(
            "syslog",
            opts(Transport::Udp(addr.to_string()), Payload::Text, true),
            fast(),
        )
        .unwrap();
        feed(&mut s);
        let mut got = Vec::new();
        let mut buf = [0u8; 65536];
        for _ in 0..3 {
            let (n, _) = rx.recv_from(&mut buf).unwrap();
            got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
        }
        assert!(
            got[0].starts_with("<131>1 2023-11-14T22:15:23.500000Z sensor1 slips "),
            "{}",
            got[0]
        );
        assert!(got[0].contains("[slips@32473 kind=\"evidence\" type=\"HORIZONTAL_PORT_SCAN\""));
        assert!(
            got[1].starts_with("<132>1 "),
            "medium is warning: {}",
            got[1]
        );
        assert!(
            got[2].starts_with("<130>1 "),
            "alerts are critical: {}",
            got[2]
        );
        assert!(
            got[2].contains(" alert [slips@32473 kind=\"alert\""),
            "{}",
            got[2]
        );
        assert_eq!(s.stats().report().sent, 3);
    }

    #[test]
    fn syslog_over_tcp_is_octet_counted_and_reconnects() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let mut frames: Vec<String> = Vec::new();
            l.set_nonblocking(true).unwrap();
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let mut first = true;
            while std::time::Instant::now() < deadline
                && !frames.iter().any(|f| f.contains("|ALERT|"))
            {
                let c = match l.accept() {
                    Ok((c, _)) => c,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                };
                if first {
                    // The first connection is closed at once: the exporter must reconnect.
                    first = false;
                    drop(c);
                    continue;
                }
                c.set_nonblocking(false).unwrap();
                c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut r = BufReader::new(c);
                loop {
                    let mut len = Vec::new();
                    if r.read_until(b' ', &mut len).unwrap_or(0) == 0 {
                        break;
                    }
                    let n: usize = std::str::from_utf8(&len[..len.len() - 1])
                        .unwrap()
                        .parse()
                        .unwrap();
                    let mut msg = vec![0; n];
                    if r.read_exact(&mut msg).is_err() {
                        break;
                    }
                    frames.push(String::from_utf8(msg).unwrap());
                }
            }
            frames
        });
        let mut s = LinesSink::start(
            "syslog",
            opts(Transport::Tcp(addr.to_string()), Payload::Cef, true),
            fast(),
        )
        .unwrap();
        // Give the server time to drop the first connection after it is made.
        s.evidence(&evidence(), &now()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        s.evidence(&domain_evidence(), &now()).unwrap();
        s.alert(&alert(), &[], &now()).unwrap();
        s.finish(&[]).unwrap();
        let frames = server.join().unwrap();
        // The message written into the connection the receiver closed may be lost (TCP
        // reports the reset on the next write); the rest arrive on the new connection.
        assert!(frames.len() >= 2, "{frames:?}");
        for f in &frames {
            assert!(
                f.starts_with('<') && f.contains(" - CEF:0|Stratosphere|slips|0.1.0|"),
                "{f}"
            );
        }
        assert!(frames.last().unwrap().contains("|ALERT|alert|10|"));
        let r = s.stats().report();
        assert_eq!(r.sent + r.failed, 3, "{r:?}");
    }

    /// A TLS syslog receiver (Python's ssl module with a certificate our CA signed): prints
    /// its port, then each octet-counted frame of the first connection as a JSON string.
    const TLS_RECEIVER: &str = r#"
import json, socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
print(l.getsockname()[1], flush=True)
l.settimeout(10)
for attempt in range(2):
    try:
        c, _ = l.accept()
        s = ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError) as e:
        print(json.dumps("refused: " + str(e)), flush=True)
        continue
    f = s.makefile("rb")
    while True:
        n = b""
        while not n.endswith(b" "):
            b = f.read(1)
            if not b:
                break
            n += b
        if not n.endswith(b" "):
            break
        print(json.dumps(f.read(int(n)).decode()), flush=True)
    break
"#;

    #[test]
    fn syslog_over_tls_reaches_a_receiver_that_proves_its_certificate() {
        use std::io::BufRead as _;
        let dir = tempfile::tempdir().unwrap();
        if !crate::testcerts::make_certs(dir.path()) {
            eprintln!("skipping: openssl is not installed");
            return;
        }
        let receiver = |ca: Option<PathBuf>| {
            let mut child = std::process::Command::new("python3")
                .args(["-c", TLS_RECEIVER])
                .arg(dir.path().join("srv.pem"))
                .arg(dir.path().join("srv.key"))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
            let mut port = String::new();
            out.read_line(&mut port).unwrap();
            let mut o = opts(
                Transport::Tls(format!("127.0.0.1:{}", port.trim())),
                Payload::Text,
                true,
            );
            o.tls_ca = ca;
            let mut s = LinesSink::start("syslog", o, fast()).unwrap();
            feed(&mut s);
            let report = s.stats().report();
            drop(s);
            let _ = child.wait();
            let got: Vec<String> = out
                .lines()
                .map_while(Result::ok)
                .map(|l| serde_json::from_str::<String>(&l).unwrap())
                .collect();
            (got, report)
        };
        // Our CA: every message arrives, RFC 5424 inside TLS.
        let (frames, r) = receiver(Some(dir.path().join("ca.pem")));
        assert_eq!(frames.len(), 3, "{frames:?}");
        assert!(frames.iter().all(|f| f.starts_with("<13")), "{frames:?}");
        assert_eq!((r.sent, r.failed), (3, 0), "{r:?}");
        // The public roots do not know our CA: nothing is sent in clear, every send fails.
        let (frames, r) = receiver(None);
        assert!(
            frames.iter().all(|f| f.starts_with("refused")),
            "{frames:?}"
        );
        assert_eq!((r.sent, r.failed), (0, 3), "{r:?}");
        // A CA file that is not one is refused at start.
        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        let mut o = opts(Transport::Tls("127.0.0.1:1".into()), Payload::Text, true);
        o.tls_ca = Some(bad);
        let e = LinesSink::start("syslog", o, fast()).err().unwrap();
        assert!(e.to_string().contains("syslog_ca_file"), "{e}");
    }

    #[test]
    fn cef_and_ecs_files() {
        let dir = tempfile::tempdir().unwrap();
        for (name, payload) in [("cef", Payload::Cef), ("ecs", Payload::Ecs)] {
            let p = dir.path().join(format!("{name}.log"));
            let mut s = LinesSink::start(
                name,
                opts(Transport::File(p.clone()), payload, false),
                fast(),
            )
            .unwrap();
            feed(&mut s);
            let text = std::fs::read_to_string(&p).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3, "{text}");
            match payload {
                Payload::Cef => assert!(lines.iter().all(|l| l.starts_with("CEF:0|"))),
                _ => {
                    for l in lines {
                        let v: serde_json::Value = serde_json::from_str(l).unwrap();
                        crate::ecs_fields::check(&v);
                    }
                }
            }
        }
    }

    #[test]
    fn a_dead_receiver_costs_the_caller_nothing() {
        // Nothing listens on this port: connects are refused, retried, then counted.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let mut s = LinesSink::start(
            "syslog",
            opts(Transport::Tcp(addr.to_string()), Payload::Text, true),
            Policy {
                queue: 100,
                retries: Some(1),
                drain: Duration::from_millis(500),
                ..fast()
            },
        )
        .unwrap();
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            s.evidence(&evidence(), &now()).unwrap();
        }
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
        s.finish(&[]).unwrap();
        let r = s.stats().report();
        assert_eq!(r.sent, 0);
        assert_eq!(r.dropped + r.failed, 1000, "{r:?}");
    }
}

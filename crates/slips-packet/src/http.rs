//! HTTP/1.x over reassembled TCP streams: requests and responses paired in order, body
//! lengths (Content-Length, chunked or until close), response MIME type sniffed from the body,
//! MD5/SHA1 of bodies.
//!
//! Caps: header block [`MAX_HEADER`] bytes, [`MAX_PENDING`] requests waiting for responses.

use md5::{Digest, Md5};
use sha1::Sha1;
use slips_core::Str;

/// Largest header block parsed.
pub const MAX_HEADER: usize = 16 * 1024;
/// Requests waiting for their response.
pub const MAX_PENDING: usize = 32;

/// A finished HTTP transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpTxn {
    pub ts: f64,
    pub depth: u32,
    pub method: Option<Str>,
    pub uri: Option<Str>,
    pub host: Option<Str>,
    pub referrer: Option<Str>,
    pub user_agent: Option<Str>,
    pub version: Option<Str>,
    pub req_body_len: u64,
    pub status: Option<u16>,
    pub status_msg: Option<Str>,
    pub server: Option<Str>,
    pub resp_body_len: u64,
    pub resp_mime: Option<Str>,
    pub resp_ts: Option<f64>,
    pub md5: Option<Str>,
    pub sha1: Option<Str>,
}

#[derive(Debug, Default)]
enum Body {
    #[default]
    None,
    Length(u64),
    Chunked(ChunkState),
    UntilClose,
}

#[derive(Debug, Default, Clone, Copy)]
enum ChunkState {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailer,
}

#[derive(Default)]
struct Side {
    head: Vec<u8>,
    body: Body,
    chunk_line: Vec<u8>,
    hasher: Option<(Md5, Sha1)>,
    sniff: Vec<u8>,
    body_len: u64,
    failed: bool,
}

/// The HTTP parser of one connection.
#[derive(Default)]
pub struct HttpConn {
    req: Side,
    resp: Side,
    depth: u32,
    pending: std::collections::VecDeque<HttpTxn>,
    /// The request currently receiving its body / the response being received.
    cur_req: Option<HttpTxn>,
    cur_resp: Option<HttpTxn>,
    pub done: Vec<HttpTxn>,
}

/// Whether `d` starts like an HTTP request.
pub fn looks_like_request(d: &[u8]) -> bool {
    const M: [&[u8]; 9] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"CONNECT ",
        b"PATCH ",
        b"TRACE ",
    ];
    M.iter().any(|m| d.starts_with(m))
}

fn hex(d: &[u8]) -> Str {
    let mut s = String::with_capacity(d.len() * 2);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    Str::from(s)
}

/// MIME type from the first bytes of a body, as libmagic would say for common types.
pub fn sniff_mime(b: &[u8]) -> Option<Str> {
    let t = |s: &str| Some(Str::from(s));
    let trimmed = b.trim_ascii_start();
    let lower: Vec<u8> = trimmed
        .iter()
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    if b.starts_with(b"MZ") {
        t("application/x-dosexec")
    } else if b.starts_with(b"\x7fELF") {
        t("application/x-executable")
    } else if b.starts_with(b"%PDF") {
        t("application/pdf")
    } else if b.starts_with(b"\x89PNG") {
        t("image/png")
    } else if b.starts_with(b"GIF8") {
        t("image/gif")
    } else if b.starts_with(b"\xff\xd8\xff") {
        t("image/jpeg")
    } else if b.starts_with(b"PK\x03\x04") {
        t("application/zip")
    } else if b.starts_with(b"\x1f\x8b") {
        t("application/x-gzip")
    } else if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        t("text/html")
    } else if lower.starts_with(b"<?xml") {
        t("application/xml")
    } else if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        t("application/json")
    } else if !b.is_empty()
        && b.iter()
            .take(512)
            .all(|c| c.is_ascii_graphic() || c.is_ascii_whitespace())
    {
        t("text/plain")
    } else if b.is_empty() {
        None
    } else {
        t("application/octet-stream")
    }
}

impl HttpConn {
    /// Feeds client→server bytes.
    pub fn client(&mut self, ts: f64, mut d: &[u8]) {
        while !d.is_empty() && !self.req.failed {
            if self.cur_req.is_some() {
                let (used, end) = body(&mut self.req, d);
                d = &d[used..];
                if end {
                    if let Some(mut t) = self.cur_req.take() {
                        t.req_body_len = self.req.body_len;
                        self.push_pending(t);
                    }
                }
                continue;
            }
            let Some((used, head)) = take_head(&mut self.req, d) else {
                return;
            };
            d = &d[used..];
            let Some(t) = self.parse_request(ts, &head) else {
                self.req.failed = true;
                return;
            };
            self.req.body = body_kind(&head, false);
            self.req.body_len = 0;
            if matches!(self.req.body, Body::None) {
                self.push_pending(t);
            } else {
                self.cur_req = Some(t);
            }
        }
    }

    fn push_pending(&mut self, t: HttpTxn) {
        if self.pending.len() >= MAX_PENDING {
            if let Some(old) = self.pending.pop_front() {
                self.done.push(old);
            }
        }
        self.pending.push_back(t);
    }

    fn parse_request(&mut self, ts: f64, head: &[u8]) -> Option<HttpTxn> {
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let first = lines.next()?;
        let mut parts = first.splitn(3, |&b| b == b' ');
        let method = parts.next()?;
        let uri = parts.next()?;
        let version = parts.next().unwrap_or(b"");
        if !method.iter().all(u8::is_ascii_uppercase) || method.is_empty() {
            return None;
        }
        self.depth += 1;
        let mut t = HttpTxn {
            ts,
            depth: self.depth,
            method: Some(lossy(method)),
            uri: Some(lossy(uri)),
            version: version.strip_prefix(b"HTTP/").map(lossy),
            ..Default::default()
        };
        for l in lines {
            let Some((k, v)) = header(l) else { continue };
            if k.eq_ignore_ascii_case(b"host") {
                t.host = Some(lossy(v));
            } else if k.eq_ignore_ascii_case(b"user-agent") {
                t.user_agent = Some(lossy(v));
            } else if k.eq_ignore_ascii_case(b"referer") {
                t.referrer = Some(lossy(v));
            }
        }
        Some(t)
    }

    /// Feeds server→client bytes.
    pub fn server(&mut self, ts: f64, mut d: &[u8]) {
        while !d.is_empty() && !self.resp.failed {
            if self.cur_resp.is_some() {
                let (used, end) = body(&mut self.resp, d);
                d = &d[used..];
                if end {
                    self.finish_response();
                }
                continue;
            }
            let Some((used, head)) = take_head(&mut self.resp, d) else {
                return;
            };
            d = &d[used..];
            let mut lines = head
                .split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
            let first = lines.next().unwrap_or(b"");
            if !first.starts_with(b"HTTP/") {
                self.resp.failed = true;
                return;
            }
            let mut parts = first.splitn(3, |&b| b == b' ');
            let version = parts.next().unwrap_or(b"");
            let code = parts
                .next()
                .and_then(|c| std::str::from_utf8(c).ok())
                .and_then(|c| c.parse::<u16>().ok());
            let msg = parts.next().map(lossy);
            if code.is_some_and(|c| (100..200).contains(&c)) {
                continue; // interim response
            }
            let mut t = self.pending.pop_front().unwrap_or_else(|| {
                self.depth += 1;
                HttpTxn {
                    ts,
                    depth: self.depth,
                    version: version.strip_prefix(b"HTTP/").map(lossy),
                    ..Default::default()
                }
            });
            t.status = code;
            t.status_msg = msg;
            t.resp_ts = Some(ts);
            for l in lines {
                if let Some((k, v)) = header(l) {
                    if k.eq_ignore_ascii_case(b"server") {
                        t.server = Some(lossy(v));
                    }
                }
            }
            let no_body =
                t.method.as_deref() == Some("HEAD") || code.is_some_and(|c| c == 204 || c == 304);
            self.resp.body = if no_body {
                Body::None
            } else {
                body_kind(&head, true)
            };
            self.resp.body_len = 0;
            self.resp.sniff.clear();
            self.resp.hasher = None;
            self.cur_resp = Some(t);
            if matches!(self.resp.body, Body::None) {
                self.finish_response();
            }
        }
    }

    fn finish_response(&mut self) {
        let Some(mut t) = self.cur_resp.take() else {
            return;
        };
        t.resp_body_len = self.resp.body_len;
        if self.resp.body_len > 0 {
            t.resp_mime = sniff_mime(&self.resp.sniff);
            if let Some((m, s)) = self.resp.hasher.take() {
                t.md5 = Some(hex(&m.finalize()));
                t.sha1 = Some(hex(&s.finalize()));
            }
        }
        self.resp.body = Body::None;
        self.done.push(t);
    }

    /// The connection ended: finish a body delimited by the close and flush waiting requests.
    pub fn close(&mut self) {
        if let Some(mut t) = self.cur_req.take() {
            t.req_body_len = self.req.body_len;
            self.pending.push_back(t);
        }
        if self.cur_resp.is_some() {
            self.finish_response();
        }
        self.done.extend(self.pending.drain(..));
    }
}

fn lossy(b: &[u8]) -> Str {
    Str::from(String::from_utf8_lossy(b))
}

fn header(l: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = l.iter().position(|&b| b == b':')?;
    Some((l[..i].trim_ascii(), l[i + 1..].trim_ascii()))
}

fn body_kind(head: &[u8], response: bool) -> Body {
    let mut cl = None;
    let mut chunked = false;
    for l in head.split(|&b| b == b'\n').skip(1) {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let Some((k, v)) = header(l) else { continue };
        if k.eq_ignore_ascii_case(b"content-length") {
            cl = std::str::from_utf8(v)
                .ok()
                .and_then(|v| v.parse::<u64>().ok());
        } else if k.eq_ignore_ascii_case(b"transfer-encoding")
            && v.to_ascii_lowercase().windows(7).any(|w| w == b"chunked")
        {
            chunked = true;
        }
    }
    if chunked {
        Body::Chunked(ChunkState::Size)
    } else if let Some(n) = cl {
        if n == 0 {
            Body::None
        } else {
            Body::Length(n)
        }
    } else if response {
        Body::UntilClose
    } else {
        Body::None
    }
}

/// Accumulates a header block; returns the bytes of `d` used and the block when complete.
fn take_head(s: &mut Side, d: &[u8]) -> Option<(usize, Vec<u8>)> {
    let start = s.head.len().saturating_sub(3);
    let room = MAX_HEADER.saturating_sub(s.head.len());
    let take = d.len().min(room);
    s.head.extend_from_slice(&d[..take]);
    if let Some(p) = s.head[start..].windows(4).position(|w| w == b"\r\n\r\n") {
        let end = start + p + 4;
        let used = take - (s.head.len() - end);
        let head: Vec<u8> = s.head.drain(..).take(end).collect();
        return Some((used, head));
    }
    if let Some(p) = s.head[start.saturating_sub(0)..]
        .windows(2)
        .position(|w| w == b"\n\n")
    {
        let end = start + p + 2;
        let used = take - (s.head.len() - end);
        let head: Vec<u8> = s.head.drain(..).take(end).collect();
        return Some((used, head));
    }
    if s.head.len() >= MAX_HEADER {
        s.failed = true;
    }
    None
}

fn consume_body(s: &mut Side, d: &[u8]) {
    s.body_len += d.len() as u64;
    if s.sniff.len() < 512 {
        let n = (512 - s.sniff.len()).min(d.len());
        s.sniff.extend_from_slice(&d[..n]);
    }
    let (m, h) = s.hasher.get_or_insert_with(|| (Md5::new(), Sha1::new()));
    m.update(d);
    h.update(d);
}

/// Consumes body bytes; returns (bytes used, body complete).
fn body(s: &mut Side, d: &[u8]) -> (usize, bool) {
    match s.body {
        Body::None => (0, true),
        Body::UntilClose => {
            consume_body(s, d);
            (d.len(), false)
        }
        Body::Length(rem) => {
            let n = usize::try_from(rem).unwrap_or(usize::MAX).min(d.len());
            consume_body(s, &d[..n]);
            let rem = rem - n as u64;
            s.body = if rem == 0 {
                Body::None
            } else {
                Body::Length(rem)
            };
            (n, rem == 0)
        }
        Body::Chunked(st) => {
            let mut i = 0;
            let mut st = st;
            while i < d.len() {
                match st {
                    ChunkState::Size | ChunkState::DataEnd | ChunkState::Trailer => {
                        let Some(p) = d[i..].iter().position(|&b| b == b'\n') else {
                            if s.chunk_line.len() < 1024 {
                                s.chunk_line.extend_from_slice(&d[i..]);
                            }
                            i = d.len();
                            break;
                        };
                        s.chunk_line.extend_from_slice(&d[i..i + p]);
                        i += p + 1;
                        let line = std::mem::take(&mut s.chunk_line);
                        let line = line.strip_suffix(b"\r").unwrap_or(&line);
                        match st {
                            ChunkState::Size => {
                                let hexpart = line.split(|&b| b == b';').next().unwrap_or(b"");
                                let n = std::str::from_utf8(hexpart)
                                    .ok()
                                    .and_then(|h| u64::from_str_radix(h.trim(), 16).ok());
                                match n {
                                    Some(0) => st = ChunkState::Trailer,
                                    Some(n) => st = ChunkState::Data(n),
                                    None => {
                                        s.failed = true;
                                        s.body = Body::None;
                                        return (d.len(), true);
                                    }
                                }
                            }
                            ChunkState::DataEnd => st = ChunkState::Size,
                            _ => {
                                if line.is_empty() {
                                    s.body = Body::None;
                                    return (i, true);
                                }
                            }
                        }
                    }
                    ChunkState::Data(rem) => {
                        let n = usize::try_from(rem).unwrap_or(usize::MAX).min(d.len() - i);
                        consume_body(s, &d[i..i + n]);
                        i += n;
                        let rem = rem - n as u64;
                        st = if rem == 0 {
                            ChunkState::DataEnd
                        } else {
                            ChunkState::Data(rem)
                        };
                    }
                }
            }
            s.body = Body::Chunked(st);
            (i, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_response_pairs_in_pieces() {
        let mut h = HttpConn::default();
        let req = b"GET /a.exe HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n\r\n";
        for c in req.chunks(7) {
            h.client(1.0, c);
        }
        let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nServer: nginx\r\n\r\n3\r\nMZx\r\n2\r\nyz\r\n0\r\n\r\n";
        for c in resp.chunks(5) {
            h.server(2.0, c);
        }
        assert_eq!(h.done.len(), 1);
        let t = &h.done[0];
        assert_eq!(t.method.as_deref(), Some("GET"));
        assert_eq!(t.host.as_deref(), Some("example.com"));
        assert_eq!(t.uri.as_deref(), Some("/a.exe"));
        assert_eq!(t.user_agent.as_deref(), Some("curl/8.0"));
        assert_eq!(t.version.as_deref(), Some("1.1"));
        assert_eq!(t.status, Some(200));
        assert_eq!(t.status_msg.as_deref(), Some("OK"));
        assert_eq!(t.resp_body_len, 5);
        assert_eq!(t.resp_mime.as_deref(), Some("application/x-dosexec"));
        // md5("MZxyz")
        assert_eq!(t.md5.as_deref(), Some(hex(&Md5::digest(b"MZxyz")).as_str()));
    }
}

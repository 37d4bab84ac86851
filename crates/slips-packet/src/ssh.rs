//! SSH from reassembled streams: banners, the cleartext key exchange (KEXINIT algorithm
//! negotiation, the server host key) and Zeek's authentication heuristic for SSH2.
//!
//! # The authentication heuristic (Zeek's `SSH_Analyzer::ProcessEncrypted`)
//!
//! After a side sends NEWKEYS, everything it sends is encrypted; only the sizes of the
//! encrypted TCP segments are looked at, and only the server's, once the client has sent
//! encrypted data:
//!
//! 1. the server's first encrypted segment is taken as SERVICE_ACCEPT; its size is `A`;
//! 2. a later server segment of size `A - 16` is USERAUTH_SUCCESS: an attempt that
//!    succeeded, and the decision is made (nothing more is looked at);
//! 3. otherwise the first other server segment is taken as USERAUTH_FAILURE, its size `F`
//!    remembered (not counted as an attempt); a segment more than 256 bytes larger than `A`
//!    is skipped once as a pre-authentication banner;
//! 4. each later server segment of size `F` is a failed attempt.
//!
//! As in Zeek's ssh script, `auth_attempts` counts the attempts (0 when none were seen),
//! `auth_success` is the result of the last one (unset when there was none; a success
//! sticks), and no attempt is counted when compression (`zlib`, `zlib@openssh.com`) was
//! negotiated.
//!
//! Limits (the same as Zeek's): it relies on the sizes of OpenSSH-like messages with block
//! ciphers or AEAD where SUCCESS is 16 bytes shorter than SERVICE_ACCEPT, so other
//! implementations, MAC/cipher combinations, keystroke-sized segments before the decision,
//! several messages in one segment, or a server that coalesces FAILURE with the next
//! message may give no decision or a wrong one. Only SSH2; nothing after a gap in the
//! stream.
//!
//! Caps: banner lines [`crate::banner::MAX_LINE`]; cleartext key-exchange bytes buffered per
//! direction [`MAX_KEX_BYTES`]; name-lists kept [`MAX_NAMES`] names each.

use crate::banner::MAX_LINE;
use md5::{Digest, Md5};
use slips_core::Str;

/// Cleartext binary-packet bytes buffered per direction before NEWKEYS.
pub const MAX_KEX_BYTES: usize = 64 * 1024;
/// Names kept per algorithm name-list.
pub const MAX_NAMES: usize = 64;
/// Largest binary packet accepted before NEWKEYS (RFC 4253 §6.1 requires 35,000).
const MAX_PACKET: usize = 35_000;

const MSG_KEXINIT: u8 = 20;
const MSG_NEWKEYS: u8 = 21;
const MSG_KEX_31: u8 = 31;
const MSG_KEX_DH_GEX_REPLY: u8 = 33;

/// The algorithm lists of one KEXINIT.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KexInit {
    pub kex: Vec<Str>,
    pub host_key: Vec<Str>,
    pub enc_c2s: Vec<Str>,
    pub enc_s2c: Vec<Str>,
    pub mac_c2s: Vec<Str>,
    pub mac_s2c: Vec<Str>,
    pub comp_c2s: Vec<Str>,
    pub comp_s2c: Vec<Str>,
}

/// The negotiated algorithms (Zeek's ssh.log fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Algorithms {
    pub kex: Str,
    pub host_key: Str,
    pub cipher: Str,
    pub mac: Str,
    pub compression: Str,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the banner line.
    #[default]
    Banner,
    /// Cleartext binary packets (key exchange).
    Clear,
    /// After NEWKEYS.
    Encrypted,
    /// Garbage or caps reached: nothing more is parsed in this direction.
    GaveUp,
}

#[derive(Debug, Default)]
struct Dir {
    phase: Phase,
    buf: Vec<u8>,
}

/// SSH state of a connection.
#[derive(Debug, Default)]
pub struct SshConn {
    pub client: Option<Str>,
    pub server: Option<Str>,
    c: Dir,
    s: Dir,
    pub client_kexinit: Option<KexInit>,
    pub server_kexinit: Option<KexInit>,
    /// Negotiated algorithms, once both KEXINITs were seen.
    pub algorithms: Option<Algorithms>,
    /// MD5 fingerprint (`aa:bb:…`) of the server's host key blob.
    pub host_key: Option<Str>,
    /// Set by the engine when the stream had a hole: the heuristic stops.
    pub had_gap: bool,
    saw_encrypted_client: bool,
    service_accept_size: usize,
    userauth_failure_size: usize,
    skipped_banner: bool,
    /// The heuristic decided (a success was seen): nothing more to look at.
    pub auth_decided: bool,
    pub auth_success: Option<bool>,
    pub auth_attempts: u32,
    /// Packet time of the first banner (set by the engine): the ssh record's `ts`.
    pub ts: Option<f64>,
}

/// Zeek's `find_alg`: the first client algorithm the server also offers.
fn find_alg(client: &[Str], server: &[Str]) -> Str {
    client
        .iter()
        .find(|c| server.contains(c))
        .cloned()
        .unwrap_or_else(|| Str::from("Algorithm negotiation failed"))
}

/// Zeek's `find_bidirectional_alg`.
fn find_bidi(c2s: (&[Str], &[Str]), s2c: (&[Str], &[Str])) -> Str {
    let a = find_alg(c2s.0, c2s.1);
    let b = find_alg(s2c.0, s2c.1);
    if a == b {
        a
    } else {
        compact_str::format_compact!("To server: {a}, to client: {b}")
    }
}

fn be32(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_be_bytes([s[0], s[1], s[2], s[3]])).ok()
}

/// An SSH `string` at `at`: (content, offset after it).
fn ssh_string(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let l = be32(b, at)?;
    let start = at.checked_add(4)?;
    let end = start.checked_add(l)?;
    Some((b.get(start..end)?, end))
}

fn name_list(b: &[u8], at: usize) -> Option<(Vec<Str>, usize)> {
    let (s, next) = ssh_string(b, at)?;
    let names = s
        .split(|&c| c == b',')
        .filter(|n| !n.is_empty())
        .take(MAX_NAMES)
        .map(|n| Str::from(String::from_utf8_lossy(n)))
        .collect();
    Some((names, next))
}

/// Parses a KEXINIT payload (message type byte first).
pub fn parse_kexinit(p: &[u8]) -> Option<KexInit> {
    if *p.first()? != MSG_KEXINIT {
        return None;
    }
    let mut o = 17; // type + 16-byte cookie
    let mut lists: [Vec<Str>; 8] = Default::default();
    for l in lists.iter_mut() {
        let (v, next) = name_list(p, o)?;
        *l = v;
        o = next;
    }
    let [kex, host_key, enc_c2s, enc_s2c, mac_c2s, mac_s2c, comp_c2s, comp_s2c] = lists;
    Some(KexInit {
        kex,
        host_key,
        enc_c2s,
        enc_s2c,
        mac_c2s,
        mac_s2c,
        comp_c2s,
        comp_s2c,
    })
}

/// `aa:bb:…` MD5 of a host key blob, as Zeek's `host_key`.
pub fn host_key_fingerprint(blob: &[u8]) -> Str {
    let d = Md5::digest(blob);
    let mut s = Str::with_capacity(47);
    for (i, b) in d.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

impl SshConn {
    /// Feeds stream bytes of one direction.
    pub fn data(&mut self, from_client: bool, d: &[u8]) {
        let phase = self.dir(from_client).phase;
        match phase {
            Phase::Banner => {
                let rest = self.banner(from_client, d);
                if let Some(rest) = rest {
                    self.dir(from_client).phase = Phase::Clear;
                    if !rest.is_empty() {
                        self.clear(from_client, rest);
                    }
                }
            }
            Phase::Clear => self.clear(from_client, d),
            Phase::Encrypted => self.encrypted(from_client, d.len()),
            Phase::GaveUp => {}
        }
    }

    /// Whether more stream bytes can still change the record.
    pub fn wants_data(&self) -> bool {
        if self.auth_decided || self.had_gap {
            return false;
        }
        !(self.c.phase == Phase::GaveUp && self.s.phase == Phase::GaveUp)
    }

    fn dir(&mut self, from_client: bool) -> &mut Dir {
        if from_client {
            &mut self.c
        } else {
            &mut self.s
        }
    }

    /// Looks for the banner line; returns the bytes after it once found.
    fn banner<'a>(&mut self, from_client: bool, mut d: &'a [u8]) -> Option<&'a [u8]> {
        // Lines before the banner are allowed (RFC 4253 §4.2).
        while !d.is_empty() {
            let (line_part, rest, complete) = match d.iter().position(|&b| b == b'\n') {
                Some(p) => (&d[..p], &d[p + 1..], true),
                None => (d, &d[d.len()..], false),
            };
            d = rest;
            let buf = &mut self.dir(from_client).buf;
            let room = MAX_LINE.saturating_sub(buf.len());
            buf.extend_from_slice(&line_part[..line_part.len().min(room)]);
            if !complete {
                if buf.len() >= MAX_LINE {
                    buf.clear();
                }
                return None;
            }
            let line = std::mem::take(buf);
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            if line.starts_with(b"SSH-") {
                let b = Some(Str::from(String::from_utf8_lossy(line)));
                if from_client {
                    self.client = b;
                } else {
                    self.server = b;
                }
                return Some(d);
            }
        }
        None
    }

    /// Cleartext binary packets until NEWKEYS.
    fn clear(&mut self, from_client: bool, d: &[u8]) {
        let dir = self.dir(from_client);
        if dir.buf.len() + d.len() > MAX_KEX_BYTES {
            dir.phase = Phase::GaveUp;
            dir.buf = Vec::new();
            return;
        }
        dir.buf.extend_from_slice(d);
        let mut at = 0;
        loop {
            let dir = self.dir(from_client);
            let Some(plen) = be32(&dir.buf, at) else {
                break;
            };
            if !(5..=MAX_PACKET).contains(&plen) {
                dir.phase = Phase::GaveUp;
                dir.buf = Vec::new();
                return;
            }
            let end = at + 4 + plen;
            if dir.buf.len() < end {
                break;
            }
            let pad = usize::from(dir.buf[at + 4]);
            let payload_end = end.saturating_sub(pad).max(at + 5);
            let payload = dir.buf[at + 5..payload_end].to_vec();
            at = end;
            if payload.first() == Some(&MSG_NEWKEYS) {
                let dir = self.dir(from_client);
                let rest = dir.buf.len() - at;
                dir.phase = Phase::Encrypted;
                dir.buf = Vec::new();
                if rest > 0 {
                    self.encrypted(from_client, rest);
                }
                return;
            }
            self.message(from_client, &payload);
        }
        self.dir(from_client).buf.drain(..at);
    }

    fn message(&mut self, from_client: bool, p: &[u8]) {
        match p.first().copied() {
            Some(MSG_KEXINIT) => {
                let k = parse_kexinit(p);
                if from_client {
                    self.client_kexinit = k;
                } else {
                    self.server_kexinit = k;
                }
                if let (Some(c), Some(s)) = (&self.client_kexinit, &self.server_kexinit) {
                    self.algorithms = Some(Algorithms {
                        kex: find_alg(&c.kex, &s.kex),
                        host_key: find_alg(&c.host_key, &s.host_key),
                        cipher: find_bidi((&c.enc_c2s, &s.enc_c2s), (&c.enc_s2c, &s.enc_s2c)),
                        mac: find_bidi((&c.mac_c2s, &s.mac_c2s), (&c.mac_s2c, &s.mac_s2c)),
                        compression: find_bidi(
                            (&c.comp_c2s, &s.comp_c2s),
                            (&c.comp_s2c, &s.comp_s2c),
                        ),
                    });
                }
            }
            // The server's reply carrying its host key: message 31 (KEXDH_REPLY,
            // KEX_ECDH_REPLY) except with group exchange, where 31 is the group and the
            // reply is 33.
            Some(t @ (MSG_KEX_31 | MSG_KEX_DH_GEX_REPLY)) if !from_client => {
                let Some(a) = &self.algorithms else { return };
                let gex = a.kex.contains("group-exchange");
                let want = if gex {
                    MSG_KEX_DH_GEX_REPLY
                } else {
                    MSG_KEX_31
                };
                if t == want && self.host_key.is_none() {
                    if let Some((blob, _)) = ssh_string(p, 1) {
                        self.host_key = Some(host_key_fingerprint(blob));
                    }
                }
            }
            _ => {}
        }
    }

    /// One encrypted segment of `len` bytes (Zeek's heuristic, see the module docs).
    fn encrypted(&mut self, from_client: bool, len: usize) {
        if self.auth_decided || self.had_gap || self.version() != Some(2) {
            return;
        }
        if from_client {
            self.saw_encrypted_client = true;
            return;
        }
        if !self.saw_encrypted_client {
            return;
        }
        if self.service_accept_size == 0 {
            self.service_accept_size = len;
            return;
        }
        let success = len + 16 == self.service_accept_size;
        if self.userauth_failure_size == 0 {
            if success {
                self.auth_decided = true;
                self.attempt(true);
                return;
            }
            if !self.skipped_banner && len > self.service_accept_size + 256 {
                self.skipped_banner = true;
                return;
            }
            self.userauth_failure_size = len;
            return;
        }
        if len == self.userauth_failure_size {
            self.attempt(false);
        } else if success {
            self.auth_decided = true;
            self.attempt(true);
        }
    }

    /// Zeek's `ssh_auth_attempted` handler.
    fn attempt(&mut self, authenticated: bool) {
        if self.auth_success == Some(true) {
            return;
        }
        let compressed = self
            .algorithms
            .as_ref()
            .is_some_and(|a| matches!(a.compression.as_str(), "zlib" | "zlib@openssh.com"));
        if compressed {
            return;
        }
        self.auth_success = Some(authenticated);
        self.auth_attempts = self.auth_attempts.saturating_add(1);
    }

    /// Protocol version from both banners, as Zeek's `set_version` (`None` until both are
    /// known or when they are incompatible).
    pub fn version(&self) -> Option<u32> {
        let c = self.client.as_deref()?.as_bytes();
        let s = self.server.as_deref()?.as_bytes();
        if c.len() <= 4 || s.len() <= 4 {
            return None;
        }
        let v199 = |b: &[u8]| b.len() > 7 && b[6] == b'9' && b[7] == b'9';
        match (c[4], s[4]) {
            (b'1', b'2') => v199(c).then_some(2),
            (b'2', b'1') => v199(s).then_some(2),
            (b'1', b'1') => Some(if v199(s) && v199(c) { 2 } else { 1 }),
            (b'2', b'2') => Some(2),
            _ => None,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn string(b: &[u8]) -> Vec<u8> {
        let mut v = (b.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b);
        v
    }

    /// A cleartext binary packet around `payload` (padding to a multiple of 8, at least 4).
    pub(crate) fn packet(payload: &[u8]) -> Vec<u8> {
        let mut pad = 8 - (payload.len() + 5) % 8;
        if pad < 4 {
            pad += 8;
        }
        let mut v = ((payload.len() + pad + 1) as u32).to_be_bytes().to_vec();
        v.push(pad as u8);
        v.extend_from_slice(payload);
        v.extend(std::iter::repeat_n(0u8, pad));
        v
    }

    pub(crate) fn kexinit(lists: [&str; 10]) -> Vec<u8> {
        let mut p = vec![MSG_KEXINIT];
        p.extend_from_slice(&[0x11; 16]);
        for l in lists {
            p.extend_from_slice(&string(l.as_bytes()));
        }
        p.push(0);
        p.extend_from_slice(&[0, 0, 0, 0]);
        packet(&p)
    }

    pub(crate) const CLIENT_KEX: [&str; 10] = [
        "curve25519-sha256,ecdh-sha2-nistp256,ext-info-c",
        "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512",
        "chacha20-poly1305@openssh.com,aes128-ctr",
        "chacha20-poly1305@openssh.com,aes128-ctr",
        "umac-64-etm@openssh.com,hmac-sha2-256",
        "umac-64-etm@openssh.com,hmac-sha2-256",
        "none,zlib@openssh.com",
        "none,zlib@openssh.com",
        "",
        "",
    ];
    pub(crate) const SERVER_KEX: [&str; 10] = [
        "ecdh-sha2-nistp256,curve25519-sha256",
        "rsa-sha2-512,ssh-ed25519",
        "aes128-ctr,chacha20-poly1305@openssh.com",
        "aes128-ctr",
        "hmac-sha2-256,umac-64-etm@openssh.com",
        "hmac-sha2-256,umac-64-etm@openssh.com",
        "none",
        "none",
        "",
        "",
    ];

    pub(crate) const HOST_KEY: &[u8] =
        b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20abcdefghijklmnopqrstuvwxyz012345";

    /// Banner and KEXINIT of each side, the server's ECDH reply, NEWKEYS both ways.
    pub(crate) fn handshake(s: &mut SshConn) {
        s.data(false, b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n");
        let mut c = b"SSH-2.0-OpenSSH_9.6\r\n".to_vec();
        c.extend_from_slice(&kexinit(CLIENT_KEX)); // banner and KEXINIT in one segment
        s.data(true, &c);
        // server KEXINIT split across segments
        let k = kexinit(SERVER_KEX);
        s.data(false, &k[..10]);
        s.data(false, &k[10..]);
        let mut ecdh_init = vec![30];
        ecdh_init.extend_from_slice(&string(&[7; 32]));
        s.data(true, &packet(&ecdh_init));
        let mut reply = vec![31];
        reply.extend_from_slice(&string(HOST_KEY));
        reply.extend_from_slice(&string(&[8; 32]));
        reply.extend_from_slice(&string(&[9; 83]));
        let mut seg = packet(&reply);
        seg.extend_from_slice(&packet(&[MSG_NEWKEYS]));
        s.data(false, &seg);
    }

    #[test]
    fn kexinit_negotiation_and_host_key() {
        let mut s = SshConn::default();
        handshake(&mut s);
        assert_eq!(
            s.algorithms,
            Some(Algorithms {
                kex: "curve25519-sha256".into(),
                host_key: "ssh-ed25519".into(),
                cipher: "To server: chacha20-poly1305@openssh.com, to client: aes128-ctr".into(),
                mac: "umac-64-etm@openssh.com".into(),
                compression: "none".into(),
            })
        );
        let want = Md5::digest(HOST_KEY);
        let hex: Vec<String> = want.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(s.host_key.as_deref(), Some(hex.join(":").as_str()));
        assert_eq!(s.client.as_deref(), Some("SSH-2.0-OpenSSH_9.6"));
        assert_eq!(s.version(), Some(2));
        assert_eq!(s.s.phase, Phase::Encrypted);
        assert_eq!(s.c.phase, Phase::Clear);
        // No common algorithm.
        let c = ["a", "b", "c", "c", "m", "m", "none", "none", "", ""];
        let mut x = SshConn::default();
        x.data(true, b"SSH-2.0-x\n");
        x.data(true, &kexinit(c));
        x.data(false, b"SSH-2.0-y\n");
        x.data(false, &kexinit(SERVER_KEX));
        let a = x.algorithms.unwrap();
        assert_eq!(a.kex, "Algorithm negotiation failed");
        assert_eq!(a.compression, "none");
    }

    /// Encrypted segments after the handshake: client NEWKEYS + SERVICE_REQUEST (one
    /// segment), then the given (from_client, size) segments.
    fn run(segments: &[(bool, usize)]) -> SshConn {
        let mut s = SshConn::default();
        handshake(&mut s);
        let mut seg = packet(&[MSG_NEWKEYS]);
        seg.extend_from_slice(&[0xee; 52]);
        s.data(true, &seg);
        for &(c, n) in segments {
            s.data(c, &vec![0xab; n]);
        }
        s
    }

    #[test]
    fn auth_heuristic_success_after_failures() {
        // SERVICE_ACCEPT 52; failure 68 (first one only sets the size); two more failures;
        // then success 36 = 52 - 16; later traffic is ignored.
        let s = run(&[
            (false, 52),
            (true, 84),
            (false, 68),
            (true, 148),
            (false, 68),
            (true, 148),
            (false, 68),
            (true, 148),
            (false, 36),
            (false, 68),
        ]);
        assert_eq!(
            (s.auth_success, s.auth_attempts, s.auth_decided),
            (Some(true), 3, true)
        );
        assert!(!s.wants_data());
    }

    #[test]
    fn auth_heuristic_failures_banner_and_none_method() {
        // Only failures: unset result would be F after the first counted attempt.
        let s = run(&[
            (false, 52),
            (false, 68),
            (false, 68),
            (false, 68),
            (false, 100),
        ]);
        assert_eq!((s.auth_success, s.auth_attempts), (Some(false), 2));
        assert!(s.wants_data());
        // A pre-auth banner (> 256 bytes larger) is skipped once.
        let s = run(&[(false, 52), (false, 600), (false, 68), (false, 68)]);
        assert_eq!((s.auth_success, s.auth_attempts), (Some(false), 1));
        // "none" authentication: SUCCESS right after SERVICE_ACCEPT.
        let s = run(&[(false, 52), (false, 36)]);
        assert_eq!((s.auth_success, s.auth_attempts), (Some(true), 1));
        // Nothing after SERVICE_ACCEPT: no decision.
        let s = run(&[(false, 52)]);
        assert_eq!((s.auth_success, s.auth_attempts), (None, 0));
        // Server data before any client encrypted data is ignored.
        let mut s = SshConn::default();
        handshake(&mut s);
        s.data(false, &[1; 52]);
        s.data(false, &[1; 36]);
        assert_eq!((s.auth_success, s.auth_attempts), (None, 0));
    }

    #[test]
    fn auth_heuristic_skipped_with_compression_gap_or_ssh1() {
        let mut s = SshConn::default();
        s.data(false, b"SSH-2.0-a\r\n");
        s.data(true, b"SSH-2.0-b\r\n");
        let mut c = CLIENT_KEX;
        c[6] = "zlib@openssh.com,none";
        c[7] = "zlib@openssh.com,none";
        let mut sv = SERVER_KEX;
        sv[6] = "zlib@openssh.com,none";
        sv[7] = "zlib@openssh.com,none";
        s.data(true, &kexinit(c));
        s.data(false, &kexinit(sv));
        s.data(true, &packet(&[MSG_NEWKEYS]));
        s.data(false, &packet(&[MSG_NEWKEYS]));
        for (c, n) in [(true, 52), (false, 52), (true, 100), (false, 36)] {
            s.data(c, &vec![0; n]);
        }
        assert_eq!(
            s.algorithms.as_ref().map(|a| a.compression.as_str()),
            Some("zlib@openssh.com")
        );
        assert_eq!(
            (s.auth_success, s.auth_attempts, s.auth_decided),
            (None, 0, true)
        );

        let mut s = run(&[(false, 52)]);
        s.had_gap = true;
        s.data(false, &[0; 36]);
        assert_eq!((s.auth_success, s.auth_attempts), (None, 0));
        assert!(!s.wants_data());

        let mut s = SshConn::default();
        s.data(false, b"SSH-1.5-old\n");
        s.data(true, b"SSH-1.5-old\n");
        assert_eq!(s.version(), Some(1));
    }

    #[test]
    fn versions_as_zeek() {
        let v = |c: &str, s: &str| {
            SshConn {
                client: Some(c.into()),
                server: Some(s.into()),
                ..Default::default()
            }
            .version()
        };
        assert_eq!(v("SSH-2.0-a", "SSH-2.0-b"), Some(2));
        assert_eq!(v("SSH-1.99-a", "SSH-2.0-b"), Some(2));
        assert_eq!(v("SSH-1.5-a", "SSH-2.0-b"), None);
        assert_eq!(v("SSH-2.0-a", "SSH-1.99-b"), Some(2));
        assert_eq!(v("SSH-1.99-a", "SSH-1.99-b"), Some(2));
        assert_eq!(v("SSH-1.5-a", "SSH-1.99-b"), Some(1));
        assert_eq!(v("SSH-", "SSH-2.0"), None);
        let one = SshConn {
            server: Some("SSH-2.0-b".into()),
            ..Default::default()
        };
        assert_eq!(one.version(), None);
    }

    #[test]
    fn garbage_never_panics() {
        let mut s = SshConn::default();
        handshake(&mut s);
        let mut x = SshConn::default();
        x.data(true, b"SSH-2.0-x\n");
        x.data(true, &[0xff; 9]);
        assert_eq!(x.c.phase, Phase::GaveUp);
        let k = kexinit(CLIENT_KEX);
        for n in 0..k.len() {
            let _ = parse_kexinit(&k[5..n.max(5)]);
        }
    }
}

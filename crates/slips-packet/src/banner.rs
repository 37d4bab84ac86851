//! SSH banners and SMTP dialogues from reassembled streams, and software versions.

use slips_core::Str;

/// Bytes looked at for a banner line.
pub const MAX_LINE: usize = 1024;

/// Whether the first bytes of a direction look like an SSH banner.
pub fn looks_like_ssh(d: &[u8]) -> bool {
    d.starts_with(b"SSH-")
}

pub use crate::ssh::SshConn;

/// The software part of an SSH banner (`SSH-2.0-OpenSSH_8.2p1 Ubuntu` → `OpenSSH_8.2p1 Ubuntu`).
pub fn ssh_software(banner: &str) -> &str {
    let rest = banner.strip_prefix("SSH-").unwrap_or(banner);
    rest.split_once('-').map(|(_, s)| s).unwrap_or(rest)
}

pub use slips_core::flow::{parse_software, SoftwareVersion};

/// Appends `d` to a direction's line buffer (bounded) and returns the complete lines,
/// without their line ends, for the line-based dialogues (SMTP, FTP).
fn take_lines(buf: &mut Vec<u8>, d: &[u8]) -> Vec<String> {
    let room = (4 * MAX_LINE).saturating_sub(buf.len());
    buf.extend_from_slice(&d[..d.len().min(room)]);
    let mut lines = Vec::new();
    while let Some(p) = buf.iter().position(|&b| b == b'\n') {
        let l: Vec<u8> = buf.drain(..=p).collect();
        lines.push(String::from_utf8_lossy(l.trim_ascii_end()).into_owned());
    }
    if buf.len() >= 4 * MAX_LINE {
        buf.clear();
    }
    lines
}

/// Refused logins remembered per connection.
pub const MAX_FAILURES: usize = 1024;

/// SMTP state of a connection.
#[derive(Default, Debug)]
pub struct SmtpConn {
    pub helo: Option<Str>,
    pub mailfrom: Option<Str>,
    pub rcptto: Vec<Str>,
    pub last_reply: Option<Str>,
    pub user_agent: Option<Str>,
    pub auth_failures: u32,
    /// Each refused login (`535` reply): its time and reply, for one record each.
    pub failures: Vec<(f64, Str)>,
    cbuf: Vec<u8>,
    sbuf: Vec<u8>,
    in_data: bool,
    pub saw_client_command: bool,
}

impl SmtpConn {
    pub fn data(&mut self, ts: f64, from_client: bool, d: &[u8]) {
        let buf = if from_client {
            &mut self.cbuf
        } else {
            &mut self.sbuf
        };
        for l in take_lines(buf, d) {
            if from_client {
                self.client_line(&l);
            } else if l.len() >= 3 && l.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
                if l.starts_with("535") {
                    self.auth_failures += 1;
                    if self.failures.len() < MAX_FAILURES {
                        self.failures.push((ts, Str::from(l.as_str())));
                    }
                }
                if l.starts_with("354") {
                    self.in_data = true;
                }
                self.last_reply = Some(Str::from(l.as_str()));
            }
        }
    }

    fn client_line(&mut self, l: &str) {
        if self.in_data {
            if l == "." {
                self.in_data = false;
            } else if let Some(v) = l
                .strip_prefix("User-Agent:")
                .or(l.strip_prefix("X-Mailer:"))
            {
                self.user_agent = Some(Str::from(v.trim()));
            }
            return;
        }
        let up = l.to_ascii_uppercase();
        if let Some(v) = up.strip_prefix("HELO ").or(up.strip_prefix("EHLO ")) {
            let _ = v;
            self.helo = Some(Str::from(l[5..].trim()));
            self.saw_client_command = true;
        } else if up.starts_with("MAIL FROM:") {
            self.mailfrom = Some(Str::from(l[10..].trim()));
        } else if up.starts_with("RCPT TO:") && self.rcptto.len() < 100 {
            self.rcptto.push(Str::from(l[8..].trim()));
        }
    }
}

/// FTP control connection: each command with its final reply, as Zeek's ftp.log.
#[derive(Default, Debug)]
pub struct FtpConn {
    pub user: Option<Str>,
    /// Commands waiting for their final reply: (time, command, argument).
    pending: std::collections::VecDeque<(f64, Str, Option<Str>)>,
    /// Commands answered: (time, command, argument, reply code, reply text).
    pub done: Vec<(f64, Str, Option<Str>, u16, Str)>,
    cbuf: Vec<u8>,
    sbuf: Vec<u8>,
}

/// Commands remembered per FTP connection.
pub const MAX_FTP_COMMANDS: usize = 1024;

/// Whether a server greeting and port look like FTP rather than SMTP (both greet with 220).
pub fn looks_like_ftp(greeting: &[u8], server_port: u16) -> bool {
    server_port == 21 || greeting.windows(3).any(|w| w.eq_ignore_ascii_case(b"ftp"))
}

impl FtpConn {
    pub fn data(&mut self, ts: f64, from_client: bool, d: &[u8]) {
        let buf = if from_client {
            &mut self.cbuf
        } else {
            &mut self.sbuf
        };
        for l in take_lines(buf, d) {
            if from_client {
                let (cmd, arg) = match l.split_once(' ') {
                    Some((c, a)) => (c.to_ascii_uppercase(), Some(a.trim())),
                    None => (l.trim().to_ascii_uppercase(), None),
                };
                if cmd.is_empty() || self.pending.len() >= MAX_FTP_COMMANDS {
                    continue;
                }
                if cmd == "USER" {
                    self.user = arg.map(Str::from);
                }
                // Passwords are never logged (Zeek logs `<hidden>` too).
                let arg = if cmd == "PASS" {
                    Some(Str::from("<hidden>"))
                } else {
                    arg.map(Str::from)
                };
                self.pending.push_back((ts, Str::from(cmd.as_str()), arg));
            } else {
                // A final reply line: three digits and a space (`230-` lines continue).
                let b = l.as_bytes();
                if b.len() < 4 || !b[..3].iter().all(u8::is_ascii_digit) || b[3] != b' ' {
                    continue;
                }
                let code: u16 = l[..3].parse().unwrap_or(0);
                if code < 200 {
                    continue;
                }
                if let Some((t, cmd, arg)) = self.pending.pop_front() {
                    if self.done.len() < MAX_FTP_COMMANDS {
                        self.done
                            .push((t, cmd, arg, code, Str::from(l[4..].trim())));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftp_commands_get_their_replies() {
        assert!(looks_like_ftp(b"220 (vsFTPd 3.0.3)", 2121));
        assert!(!looks_like_ftp(b"220 mx ESMTP", 25));
        let mut f = FtpConn::default();
        f.data(1.0, false, b"220 (vsFTPd 3.0.3)\r\n");
        f.data(2.0, true, b"USER alice\r\nPASS secret\r\n");
        f.data(
            3.0,
            false,
            b"331 Please specify the password.\r\n530-Login\r\n530 Login incorrect.\r\n",
        );
        assert_eq!(f.user.as_deref(), Some("alice"));
        let codes: Vec<_> = f
            .done
            .iter()
            .map(|d| (d.1.as_str(), d.2.as_deref(), d.3))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("USER", Some("alice"), 331),
                ("PASS", Some("<hidden>"), 530)
            ]
        );
    }

    #[test]
    fn software_versions() {
        assert_eq!(
            parse_software("OpenSSH_8.2p1 Ubuntu-4ubuntu0.5"),
            SoftwareVersion {
                name: "OpenSSH".into(),
                major: Some(8),
                minor: Some(2)
            }
        );
        assert_eq!(
            parse_software("curl/7.68.0"),
            SoftwareVersion {
                name: "curl".into(),
                major: Some(7),
                minor: Some(68)
            }
        );
        assert_eq!(
            parse_software("dropbear"),
            SoftwareVersion {
                name: "dropbear".into(),
                major: None,
                minor: None
            }
        );
        assert_eq!(ssh_software("SSH-2.0-OpenSSH_8.2p1"), "OpenSSH_8.2p1");
    }

    #[test]
    fn ssh_banners_and_smtp() {
        let mut s = SshConn::default();
        s.data(false, b"SSH-2.0-dropbear_2019.78\r\n");
        s.data(true, b"SSH-2.0-libssh");
        s.data(true, b"_0.9\r\n");
        assert_eq!(s.server.as_deref(), Some("SSH-2.0-dropbear_2019.78"));
        assert_eq!(s.client.as_deref(), Some("SSH-2.0-libssh_0.9"));
        assert_eq!(s.version(), Some(2));
        // Lines before the banner are skipped.
        let mut s = SshConn::default();
        s.data(false, b"hello\r\nSSH-2.0-x\r\n");
        assert_eq!(s.server.as_deref(), Some("SSH-2.0-x"));
        let mut m = SmtpConn::default();
        m.data(1.0, false, b"220 mx ESMTP\r\n");
        m.data(1.0, true, b"EHLO box\r\nAUTH LOGIN\r\n");
        m.data(1.0, false, b"535 5.7.8 Authentication failed\r\n");
        assert_eq!(m.helo.as_deref(), Some("box"));
        assert_eq!(
            m.last_reply.as_deref(),
            Some("535 5.7.8 Authentication failed")
        );
        assert_eq!(m.auth_failures, 1);
    }
}

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

/// SMTP state of a connection.
#[derive(Default, Debug)]
pub struct SmtpConn {
    pub helo: Option<Str>,
    pub mailfrom: Option<Str>,
    pub rcptto: Vec<Str>,
    pub last_reply: Option<Str>,
    pub user_agent: Option<Str>,
    pub auth_failures: u32,
    cbuf: Vec<u8>,
    sbuf: Vec<u8>,
    in_data: bool,
    pub saw_client_command: bool,
}

impl SmtpConn {
    pub fn data(&mut self, from_client: bool, d: &[u8]) {
        let buf = if from_client {
            &mut self.cbuf
        } else {
            &mut self.sbuf
        };
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
        for l in lines {
            if from_client {
                self.client_line(&l);
            } else if l.len() >= 3 && l.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
                if l.starts_with("535") {
                    self.auth_failures += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

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
        m.data(false, b"220 mx ESMTP\r\n");
        m.data(true, b"EHLO box\r\nAUTH LOGIN\r\n");
        m.data(false, b"535 5.7.8 Authentication failed\r\n");
        assert_eq!(m.helo.as_deref(), Some("box"));
        assert_eq!(
            m.last_reply.as_deref(),
            Some("535 5.7.8 Authentication failed")
        );
        assert_eq!(m.auth_failures, 1);
    }
}

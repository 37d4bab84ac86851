//! Desktop notifications (`detection.popup_alerts`): one per alert through `notify-send`
//! (libnotify), run with an argument vector (never a shell) from the exporter thread.

use crate::worker::{Backend, Exporter, Failure, Policy, Stats};
use slips_core::{Alert, Evidence};
use slips_output::{Now, Sink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `notify-send` on `PATH`, if there is one.
pub fn find_notify_send() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("notify-send"))
        .find(|p| p.is_file())
}

struct NotifyBackend {
    program: PathBuf,
}

impl Backend for NotifyBackend {
    type Item = (String, String);

    fn send(&mut self, (title, body): &(String, String)) -> Result<(), Failure> {
        let out = Command::new(&self.program)
            .args(["--app-name=slips", "--urgency=critical", "--"])
            .arg(title)
            .arg(body)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| Failure::Permanent(format!("{}: {e}", self.program.display())))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Failure::retry(format!(
                "{}: {}: {}",
                self.program.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }
}

pub struct NotifySink {
    ex: Exporter<(String, String)>,
}

impl NotifySink {
    pub fn start(program: &Path, policy: Policy) -> std::io::Result<NotifySink> {
        let backend = NotifyBackend {
            program: program.to_owned(),
        };
        Ok(NotifySink {
            ex: Exporter::start("notify", backend, policy)?,
        })
    }

    pub fn stats(&self) -> Stats {
        self.ex.stats()
    }
}

impl Sink for NotifySink {
    fn name(&self) -> &'static str {
        "notify"
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        let title = format!("slips: {} is malicious", a.profile);
        let mut body = format!("timewindow {}, {} evidence", a.timewindow.number, ev.len());
        if let Some(e) = ev.iter().max_by(|x, y| x.weight().total_cmp(&y.weight())) {
            body.push_str(&format!("\n{}: {}", e.evidence_type, e.description));
        }
        self.ex.offer((title, body));
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
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn runs_notify_send_with_arguments() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("args");
        let fake = dir.path().join("notify-send");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> {}\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut s = NotifySink::start(&fake, Policy::default()).unwrap();
        let now = Now {
            create_time: "x",
            event_time: Timestamp::ZERO,
        };
        s.alert(&alert(), &[evidence()], &now).unwrap();
        s.finish(&[]).unwrap();
        let args = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<&str> = args.lines().collect();
        assert_eq!(
            &lines[..4],
            [
                "--app-name=slips",
                "--urgency=critical",
                "--",
                "slips: 10.0.0.5 is malicious"
            ]
        );
        assert_eq!(lines[4], "timewindow 2, 1 evidence");
        assert!(lines[5].starts_with("HORIZONTAL_PORT_SCAN: Horizontal port scan"));
        assert_eq!(s.stats().report().sent, 1);
    }
}

//! Network namespaces for tests: tests block inside namespaces they create, never in the
//! host's own firewall. Shared by the tests of slips-blocking and of the binary (`#[path]`),
//! each of which uses a part of it.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// Why namespaces cannot be used here, if they cannot (not root, no `ip`, no netns).
pub fn unavailable() -> Option<String> {
    let uid0 = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|v| v.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if !uid0 {
        return Some("not root".into());
    }
    let probe = Netns::try_new("probe");
    match probe {
        Ok(_) => None,
        Err(e) => Some(format!("cannot create a network namespace: {e}")),
    }
}

/// Runs a program, returning its output; `Err` with stderr when it fails.
pub fn sh(args: &[&str]) -> Result<String, String> {
    let out: Output = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A network namespace, deleted on drop.
pub struct Netns {
    pub name: String,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl Netns {
    /// `slipst<pid>_<n><tag>` with loopback up.
    pub fn try_new(tag: &str) -> Result<Netns, String> {
        let name = format!(
            "slipst{}_{}{tag}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        sh(&["ip", "netns", "add", &name])?;
        let ns = Netns { name };
        ns.exec(&["ip", "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    pub fn new(tag: &str) -> Netns {
        Netns::try_new(tag).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `args` inside the namespace.
    pub fn exec(&self, args: &[&str]) -> Result<String, String> {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        sh(&full)
    }

    /// A command that runs inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Whether one ping to `ip` from here is answered within a second.
    pub fn ping(&self, ip: &str) -> bool {
        let flag = if ip.contains(':') { "-6" } else { "-4" };
        self.exec(&["ping", flag, "-c", "1", "-W", "1", ip]).is_ok()
    }

    /// A veth pair between `self` (`a_addr`, CIDR) and `other` (`b_addr`), named
    /// `<prefix>a` / `<prefix>b`; IPv6 addresses are added without duplicate detection.
    pub fn link(&self, other: &Netns, prefix: &str, a_addr: &[&str], b_addr: &[&str]) {
        let (a, b) = (format!("{prefix}a"), format!("{prefix}b"));
        sh(&[
            "ip",
            "link",
            "add",
            &a,
            "netns",
            &self.name,
            "type",
            "veth",
            "peer",
            "name",
            &b,
            "netns",
            &other.name,
        ])
        .unwrap();
        for (ns, dev, addrs) in [(self, &a, a_addr), (other, &b, b_addr)] {
            for addr in addrs {
                let mut args = vec!["ip", "addr", "add", addr, "dev", dev];
                if addr.contains(':') {
                    args.push("nodad");
                }
                ns.exec(&args).unwrap();
            }
            ns.exec(&["ip", "link", "set", dev, "up"]).unwrap();
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = sh(&["ip", "netns", "del", &self.name]);
    }
}

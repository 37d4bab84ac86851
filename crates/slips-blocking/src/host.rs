//! What the host itself needs: the privilege to change the firewall, and the addresses
//! that must never be blocked (its own, its gateways, its DNS resolvers).

use crate::firewall::{run, Tools};
use crate::Error;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// CAP_NET_ADMIN's bit in the capability sets of `/proc/self/status`.
const CAP_NET_ADMIN: u32 = 12;

/// Fails unless this process may change the firewall (CAP_NET_ADMIN in its effective set).
pub fn check_privilege() -> Result<(), Error> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| Error::Privilege {
        detail: format!("cannot read /proc/self/status: {e}"),
    })?;
    if has_net_admin(&status) {
        Ok(())
    } else {
        Err(Error::Privilege {
            detail: "this process lacks CAP_NET_ADMIN: run slips as root (sudo), or grant the \
                     capability (setcap cap_net_admin,cap_net_raw+ep $(which slips))"
                .into(),
        })
    }
}

/// A field of `/proc/self/status` (e.g. `Uid:`), after its name.
pub(crate) fn proc_status(field: &str) -> Option<String> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field).map(str::to_owned))
}

fn has_net_admin(status: &str) -> bool {
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_NET_ADMIN) != 0)
}

/// The host's own addresses, default gateways and resolvers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostAddresses {
    pub own: BTreeSet<IpAddr>,
    pub gateways: BTreeSet<IpAddr>,
    pub resolvers: BTreeSet<IpAddr>,
}

impl HostAddresses {
    /// Asks `ip` for addresses and default routes and reads `/etc/resolv.conf`. Failing to
    /// learn the host's addresses is an error: blocking blind could cut the host off.
    pub fn discover(tools: &Tools) -> Result<HostAddresses, Error> {
        let mut h = HostAddresses::default();
        let addrs = run(tools, &tools.ip, &["-j", "addr", "show"], None)?;
        h.own = parse_addrs(&addrs).map_err(|e| Error::Command {
            command: format!("{} -j addr show", tools.ip),
            message: e,
        })?;
        for family in ["-4", "-6"] {
            // A host without an IPv6 default route answers with an empty list.
            let routes = run(
                tools,
                &tools.ip,
                &["-j", family, "route", "show", "default"],
                None,
            )?;
            h.gateways
                .extend(parse_gateways(&routes).map_err(|e| Error::Command {
                    command: format!("{} -j {family} route show default", tools.ip),
                    message: e,
                })?);
        }
        if let Ok(text) = std::fs::read_to_string("/etc/resolv.conf") {
            h.resolvers = parse_resolv_conf(&text);
        }
        Ok(h)
    }

    /// Why `ip` is one of the host's, if it is.
    pub fn role(&self, ip: IpAddr) -> Option<&'static str> {
        if self.own.contains(&ip) {
            Some("an address of this host")
        } else if self.gateways.contains(&ip) {
            Some("this host's default gateway")
        } else if self.resolvers.contains(&ip) {
            Some("this host's DNS resolver")
        } else {
            None
        }
    }
}

fn parse_addrs(json: &str) -> Result<BTreeSet<IpAddr>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let mut out = BTreeSet::new();
    for iface in v.as_array().into_iter().flatten() {
        for a in iface["addr_info"].as_array().into_iter().flatten() {
            if let Some(ip) = a["local"].as_str().and_then(|s| s.parse().ok()) {
                out.insert(ip);
            }
        }
    }
    Ok(out)
}

fn parse_gateways(json: &str) -> Result<BTreeSet<IpAddr>, String> {
    if json.trim().is_empty() {
        return Ok(BTreeSet::new());
    }
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["gateway"].as_str().and_then(|s| s.parse().ok()))
        .collect())
}

fn parse_resolv_conf(text: &str) -> BTreeSet<IpAddr> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        // A scoped IPv6 resolver (fe80::1%eth0) is link-local, protected anyway.
        .filter_map(|v| v.trim().split('%').next()?.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_bit_is_read_from_the_effective_set() {
        assert!(has_net_admin("Name:\tx\nCapEff:\t000001ffffffffff\n"));
        assert!(has_net_admin("CapEff:\t0000000000001000\n"));
        assert!(!has_net_admin(
            "CapEff:\t0000000000000000\nCapPrm:\t0000000000001000\n"
        ));
        assert!(!has_net_admin("Name:\tx\n"));
    }

    #[test]
    fn ip_json_and_resolv_conf_are_parsed() {
        let addrs = r#"[{"ifname":"lo","addr_info":[{"family":"inet","local":"127.0.0.1"}]},
            {"ifname":"eth0","addr_info":[{"local":"10.0.2.15"},{"local":"fe80::1"}]},{"ifname":"x"}]"#;
        let own = parse_addrs(addrs).unwrap();
        assert_eq!(own.len(), 3);
        assert!(own.contains(&"10.0.2.15".parse().unwrap()));
        let gw =
            parse_gateways(r#"[{"dst":"default","gateway":"10.0.2.2","dev":"eth0"}]"#).unwrap();
        assert_eq!(
            gw.into_iter().collect::<Vec<_>>(),
            vec!["10.0.2.2".parse::<IpAddr>().unwrap()]
        );
        assert!(parse_gateways("").unwrap().is_empty());
        assert!(parse_addrs("not json").is_err());
        let r = parse_resolv_conf(
            "# x\nnameserver 1.1.1.1\nnameserver fe80::1%eth0\nsearch lan\nnameserver bad\n",
        );
        assert_eq!(r.len(), 2);
    }
}

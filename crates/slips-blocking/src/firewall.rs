//! The kernel side: nftables (a table `inet slips` with timed sets) and iptables (a
//! `slipsBlocking` chain matching ipset sets). Both keep one rule per direction whatever
//! the number of blocked IPs: blocking an IP is adding an element to a set. Programs are
//! run with argument vectors, never through a shell.

use crate::Error;
use nftables::batch::Batch;
use nftables::expr::{Elem, Expression, NamedExpression, Payload, PayloadField};
use nftables::schema::{
    Chain, Element, NfListObject, Rule, Set, SetFlag, SetType, SetTypeValue, Table,
};
use nftables::stmt::{Match, Operator, Statement};
use nftables::types::{NfChainPolicy, NfChainType, NfFamily, NfHook};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};

/// Names of what slips creates; `--clearblocking` removes exactly these.
pub const NFT_TABLE: &str = "slips";
pub const NFT_SET4: &str = "blocked4";
pub const NFT_SET6: &str = "blocked6";
pub const IPT_CHAIN: &str = "slipsBlocking";
pub const IPSET4: &str = "slips4";
pub const IPSET6: &str = "slips6";

/// One change to the blocked sets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// Block (or re-block with a new expiry): the kernel drops the element by itself after
    /// `timeout` seconds, so a dead slips never leaves a block forever.
    Put { ip: IpAddr, timeout: u32 },
    /// Let the IP go (no error when it is not blocked).
    Remove { ip: IpAddr },
}

/// A firewall slips can block in.
pub trait Firewall: Send {
    /// `nftables` or `iptables`.
    fn name(&self) -> &'static str;
    /// Creates slips' table or chains, empty (what a previous run left is replaced).
    fn setup(&mut self) -> Result<(), Error>;
    /// Applies the changes in one transaction where the backend has them.
    fn apply(&mut self, changes: &[Change]) -> Result<(), Error>;
    /// Removes everything slips created.
    fn teardown(&mut self) -> Result<(), Error>;
}

/// Paths of the programs (overridable for tests and unusual installs).
#[derive(Clone, Debug)]
pub struct Tools {
    pub nft: String,
    pub iptables: String,
    pub ip6tables: String,
    pub ipset: String,
    pub ip: String,
    /// Runs every program through this command, e.g. `ip netns exec NAME` (tests).
    pub prefix: Vec<String>,
}

impl Tools {
    /// The programs run inside the network namespace `name`.
    pub fn in_netns(name: &str) -> Tools {
        Tools {
            prefix: vec!["ip".into(), "netns".into(), "exec".into(), name.into()],
            ..Tools::default()
        }
    }

    fn command(&self, program: &str) -> Command {
        match self.prefix.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(program);
                c
            }
            None => Command::new(program),
        }
    }
}

impl Default for Tools {
    fn default() -> Self {
        Tools {
            nft: "nft".into(),
            iptables: "iptables".into(),
            ip6tables: "ip6tables".into(),
            ipset: "ipset".into(),
            ip: "ip".into(),
            prefix: Vec::new(),
        }
    }
}

/// Runs `program args`, with `stdin` fed when given; the error names the command and
/// carries its stderr.
pub(crate) fn run(
    tools: &Tools,
    program: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Result<String, Error> {
    let command = || format!("{program} {}", args.join(" "));
    let mut child = tools
        .command(program)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Command {
            command: command(),
            message: e.to_string(),
        })?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| Error::Command {
                command: command(),
                message: e.to_string(),
            })?;
    }
    let out = child.wait_with_output().map_err(|e| Error::Command {
        command: command(),
        message: e.to_string(),
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::Command {
            command: command(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// Whether `program --version` runs.
pub(crate) fn available(tools: &Tools, program: &str) -> bool {
    tools
        .command(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// nftables through its JSON interface (`nft -j -f -`).
pub struct Nft {
    tools: Tools,
}

impl Nft {
    pub fn new(tools: &Tools) -> Nft {
        Nft {
            tools: tools.clone(),
        }
    }

    fn table() -> Table<'static> {
        Table {
            family: NfFamily::INet,
            name: NFT_TABLE.into(),
            handle: None,
        }
    }

    fn send(&self, batch: Batch<'_>) -> Result<(), Error> {
        let doc = batch.to_nftables();
        let json = serde_json::to_string(&doc).map_err(|e| Error::Command {
            command: format!("{} -j -f -", self.tools.nft),
            message: e.to_string(),
        })?;
        run(
            &self.tools,
            &self.tools.nft,
            &["-j", "-f", "-"],
            Some(&json),
        )
        .map(|_| ())
    }

    fn element(ip: IpAddr, timeout: Option<u32>) -> NfListObject<'static> {
        let set = if ip.is_ipv4() { NFT_SET4 } else { NFT_SET6 };
        let val = Expression::String(Cow::Owned(ip.to_string()));
        let elem = match timeout {
            Some(t) => Expression::Named(NamedExpression::Elem(Elem {
                val: Box::new(val),
                timeout: Some(t),
                expires: None,
                comment: None,
                counter: None,
            })),
            None => val,
        };
        NfListObject::Element(Element {
            family: NfFamily::INet,
            table: NFT_TABLE.into(),
            name: set.into(),
            elem: Cow::Owned(vec![elem]),
        })
    }

    fn drop_rule(chain: &'static str, v6: bool, field: &'static str) -> NfListObject<'static> {
        let (proto, set) = if v6 {
            ("ip6", NFT_SET6)
        } else {
            ("ip", NFT_SET4)
        };
        NfListObject::Rule(Rule {
            family: NfFamily::INet,
            table: NFT_TABLE.into(),
            chain: chain.into(),
            expr: Cow::Owned(vec![
                Statement::Match(Match {
                    left: Expression::Named(NamedExpression::Payload(Payload::PayloadField(
                        PayloadField {
                            protocol: proto.into(),
                            field: field.into(),
                        },
                    ))),
                    right: Expression::String(Cow::Owned(format!("@{set}"))),
                    op: Operator::EQ,
                }),
                Statement::Drop(None),
            ]),
            handle: None,
            index: None,
            comment: Some("slips blocking".into()),
        })
    }
}

impl Firewall for Nft {
    fn name(&self) -> &'static str {
        "nftables"
    }

    fn setup(&mut self) -> Result<(), Error> {
        let mut b = Batch::new();
        // "add" then "delete" never fails: a table left by an earlier run is replaced.
        b.add(NfListObject::Table(Self::table()));
        b.delete(NfListObject::Table(Self::table()));
        b.add(NfListObject::Table(Self::table()));
        for (name, ty) in [(NFT_SET4, SetType::Ipv4Addr), (NFT_SET6, SetType::Ipv6Addr)] {
            b.add(NfListObject::Set(Box::new(Set {
                family: NfFamily::INet,
                table: NFT_TABLE.into(),
                name: name.into(),
                set_type: SetTypeValue::Single(ty),
                flags: Some(HashSet::from([SetFlag::Timeout])),
                ..Set::default()
            })));
        }
        for (chain, hook) in [
            ("input", NfHook::Input),
            ("output", NfHook::Output),
            ("forward", NfHook::Forward),
        ] {
            // Before the usual filter chains (priority 0), so an accept elsewhere cannot
            // let a blocked IP through first.
            b.add(NfListObject::Chain(Chain {
                family: NfFamily::INet,
                table: NFT_TABLE.into(),
                name: chain.into(),
                _type: Some(NfChainType::Filter),
                hook: Some(hook),
                prio: Some(-10),
                policy: Some(NfChainPolicy::Accept),
                ..Chain::default()
            }));
            for v6 in [false, true] {
                for field in ["saddr", "daddr"] {
                    b.add(Self::drop_rule(chain, v6, field));
                }
            }
        }
        self.send(b)
    }

    fn apply(&mut self, changes: &[Change]) -> Result<(), Error> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut b = Batch::new();
        for c in changes {
            // add + delete first makes each change independent of whether the element is
            // there (it may have timed out in the kernel): "add" of a present element does
            // not update its timeout, so re-blocking deletes and adds it again.
            match *c {
                Change::Put { ip, timeout } => {
                    b.add(Self::element(ip, Some(timeout)));
                    b.delete(Self::element(ip, None));
                    b.add(Self::element(ip, Some(timeout)));
                }
                Change::Remove { ip } => {
                    b.add(Self::element(ip, Some(1)));
                    b.delete(Self::element(ip, None));
                }
            }
        }
        self.send(b)
    }

    fn teardown(&mut self) -> Result<(), Error> {
        let mut b = Batch::new();
        b.add(NfListObject::Table(Self::table()));
        b.delete(NfListObject::Table(Self::table()));
        self.send(b)
    }
}

/// iptables and ip6tables: a `slipsBlocking` chain jumped to from the top of INPUT, OUTPUT
/// and FORWARD, dropping what matches the ipset sets `slips4` / `slips6`.
pub struct Iptables {
    tools: Tools,
}

impl Iptables {
    pub fn new(tools: &Tools) -> Iptables {
        Iptables {
            tools: tools.clone(),
        }
    }

    fn families(&self) -> [(&str, &'static str, &'static str); 2] {
        [
            (self.tools.iptables.as_str(), IPSET4, "inet"),
            (self.tools.ip6tables.as_str(), IPSET6, "inet6"),
        ]
    }

    fn unhook(tools: &Tools, iptables: &str) {
        for chain in ["INPUT", "OUTPUT", "FORWARD"] {
            // Every jump slips added (a crash between two runs could leave several).
            while run(tools, iptables, &["-w", "-C", chain, "-j", IPT_CHAIN], None).is_ok() {
                if run(tools, iptables, &["-w", "-D", chain, "-j", IPT_CHAIN], None).is_err() {
                    break;
                }
            }
        }
    }
}

impl Firewall for Iptables {
    fn name(&self) -> &'static str {
        "iptables"
    }

    fn setup(&mut self) -> Result<(), Error> {
        let ipset = self.tools.ipset.clone();
        for (iptables, set, family) in self.families() {
            // timeout 0: elements carry their own timeouts.
            run(
                &self.tools,
                &ipset,
                &[
                    "-exist", "create", set, "hash:ip", "family", family, "timeout", "0",
                    "maxelem", "1000000",
                ],
                None,
            )?;
            run(&self.tools, &ipset, &["flush", set], None)?;
            if run(&self.tools, iptables, &["-w", "-n", "-L", IPT_CHAIN], None).is_err() {
                run(&self.tools, iptables, &["-w", "-N", IPT_CHAIN], None)?;
            }
            run(&self.tools, iptables, &["-w", "-F", IPT_CHAIN], None)?;
            for dir in ["src", "dst"] {
                run(
                    &self.tools,
                    iptables,
                    &[
                        "-w",
                        "-A",
                        IPT_CHAIN,
                        "-m",
                        "set",
                        "--match-set",
                        set,
                        dir,
                        "-j",
                        "DROP",
                    ],
                    None,
                )?;
            }
            Self::unhook(&self.tools, iptables);
            for chain in ["INPUT", "OUTPUT", "FORWARD"] {
                run(
                    &self.tools,
                    iptables,
                    &["-w", "-I", chain, "1", "-j", IPT_CHAIN],
                    None,
                )?;
            }
        }
        Ok(())
    }

    fn apply(&mut self, changes: &[Change]) -> Result<(), Error> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut script = String::new();
        for c in changes {
            let (ip, line) = match *c {
                // With -exist, "add" of a present element updates its timeout.
                Change::Put { ip, timeout } => (ip, format!("add {{}} {ip} timeout {timeout}\n")),
                Change::Remove { ip } => (ip, format!("del {{}} {ip}\n")),
            };
            let set = if ip.is_ipv4() { IPSET4 } else { IPSET6 };
            script.push_str(&line.replacen("{}", set, 1));
        }
        run(
            &self.tools,
            &self.tools.ipset,
            &["-exist", "restore"],
            Some(&script),
        )
        .map(|_| ())
    }

    fn teardown(&mut self) -> Result<(), Error> {
        let mut first_error = None;
        for (iptables, set, _) in self.families() {
            Self::unhook(&self.tools, iptables);
            if run(&self.tools, iptables, &["-w", "-n", "-L", IPT_CHAIN], None).is_ok() {
                for args in [["-w", "-F", IPT_CHAIN], ["-w", "-X", IPT_CHAIN]] {
                    if let Err(e) = run(&self.tools, iptables, &args, None) {
                        first_error.get_or_insert(e);
                    }
                }
            }
            if run(&self.tools, &self.tools.ipset, &["-n", "list", set], None).is_ok() {
                if let Err(e) = run(&self.tools, &self.tools.ipset, &["destroy", set], None) {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// The backend `choice` names; `Auto` is nftables when `nft` runs, else iptables.
pub fn choose(
    choice: slips_config::BlockingBackend,
    tools: &Tools,
) -> Result<Box<dyn Firewall>, Error> {
    use slips_config::BlockingBackend as B;
    let nft_ok = || available(tools, &tools.nft);
    let ipt_ok = || available(tools, &tools.iptables) && available(tools, &tools.ipset);
    match choice {
        B::Nftables if nft_ok() => Ok(Box::new(Nft::new(tools))),
        B::Nftables => Err(Error::Missing("nft (package nftables)".into())),
        B::Iptables if ipt_ok() => Ok(Box::new(Iptables::new(tools))),
        B::Iptables => Err(Error::Missing(
            "iptables and ipset (packages iptables, ipset)".into(),
        )),
        B::Auto if nft_ok() => Ok(Box::new(Nft::new(tools))),
        B::Auto if ipt_ok() => Ok(Box::new(Iptables::new(tools))),
        B::Auto => Err(Error::Missing(
            "nft (package nftables), or iptables with ipset".into(),
        )),
    }
}

/// Removes every table, chain and set slips creates, in both backends, whichever ran.
/// Returns what was found and removed.
pub fn clear_all(tools: &Tools) -> Result<Vec<String>, Error> {
    let mut removed = Vec::new();
    if available(tools, &tools.nft)
        && run(
            tools,
            &tools.nft,
            &["list", "table", "inet", NFT_TABLE],
            None,
        )
        .is_ok()
    {
        Nft::new(tools).teardown()?;
        removed.push(format!("nftables table inet {NFT_TABLE}"));
    }
    let ipt = Iptables::new(tools);
    let mut found = false;
    for (iptables, set, _) in ipt.families() {
        if available(tools, iptables)
            && run(tools, iptables, &["-w", "-n", "-L", IPT_CHAIN], None).is_ok()
        {
            found = true;
            removed.push(format!("{iptables} chain {IPT_CHAIN}"));
        }
        if available(tools, &tools.ipset)
            && run(tools, &tools.ipset, &["-n", "list", set], None).is_ok()
        {
            found = true;
            removed.push(format!("ipset {set}"));
        }
    }
    if found {
        Iptables::new(tools).teardown()?;
    }
    Ok(removed)
}

//! Both firewall backends against the real kernel, inside network namespaces these tests
//! create: blocked traffic is dropped both ways, unblocking lets it through, 10,000 blocked
//! IPs stay one set (not 10,000 rules) and leave blocking fast, teardown and
//! `clear_all` leave nothing of slips behind. Skipped (with a message) without root.

#[path = "support/netns.rs"]
mod netns;

use netns::Netns;
use slips_blocking::firewall::{Iptables, Nft};
use slips_blocking::{clear_all, Change, Firewall, Tools};
use std::net::IpAddr;
use std::time::Instant;

macro_rules! need_netns {
    () => {
        if let Some(why) = netns::unavailable() {
            eprintln!("skipped: {why} (these tests need root and network namespaces)");
            return;
        }
    };
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// `fw` runs in `slips`; `peer` is on the other side of a veth pair.
fn pair() -> (Netns, Netns) {
    let slips = Netns::new("s");
    let peer = Netns::new("p");
    slips.link(
        &peer,
        "vb",
        &["10.77.0.1/24", "fd77::1/64"],
        &["10.77.0.2/24", "fd77::2/64"],
    );
    (slips, peer)
}

fn exercise(fw: &mut dyn Firewall, slips: &Netns, peer: &Netns) {
    fw.setup().unwrap();
    assert!(peer.ping("10.77.0.1") && peer.ping("fd77::1"));
    for attacker in ["10.77.0.2", "fd77::2"] {
        let t = Instant::now();
        fw.apply(&[Change::Put {
            ip: ip(attacker),
            timeout: 60,
        }])
        .unwrap();
        let ms = t.elapsed().as_secs_f64() * 1e3;
        eprintln!("{}: blocking {attacker} took {ms:.1} ms", fw.name());
        assert!(ms < 100.0, "{ms} ms");
    }
    // Both ways: the peer cannot reach slips' host, and slips' host cannot reach it.
    assert!(!peer.ping("10.77.0.1"), "input not dropped");
    assert!(!slips.ping("10.77.0.2"), "output not dropped");
    assert!(!peer.ping("fd77::1"), "IPv6 input not dropped");
    // Re-blocking (an extension) is not an error.
    fw.apply(&[Change::Put {
        ip: ip("10.77.0.2"),
        timeout: 120,
    }])
    .unwrap();
    fw.apply(&[
        Change::Remove {
            ip: ip("10.77.0.2"),
        },
        Change::Remove { ip: ip("fd77::2") },
        // Removing what is not blocked is not an error either.
        Change::Remove {
            ip: ip("10.77.0.99"),
        },
    ])
    .unwrap();
    assert!(
        peer.ping("10.77.0.1") && peer.ping("fd77::1"),
        "unblock did not let go"
    );

    // 10,000 blocked IPs: one transaction, and the next block is still fast.
    let many: Vec<Change> = (0..10_000u32)
        .map(|i| Change::Put {
            ip: IpAddr::from([172, 16, (i >> 8) as u8, i as u8]),
            timeout: 300,
        })
        .collect();
    let t = Instant::now();
    fw.apply(&many).unwrap();
    eprintln!(
        "{}: 10,000 IPs blocked in {:.0} ms",
        fw.name(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    fw.apply(&[Change::Put {
        ip: ip("10.77.0.2"),
        timeout: 60,
    }])
    .unwrap();
    let ms = t.elapsed().as_secs_f64() * 1e3;
    eprintln!(
        "{}: one more block with 10,000 blocked: {ms:.1} ms",
        fw.name()
    );
    assert!(ms < 100.0, "{ms} ms");
    assert!(!peer.ping("10.77.0.1"));
    fw.apply(&[Change::Remove {
        ip: ip("10.77.0.2"),
    }])
    .unwrap();
    assert!(
        peer.ping("10.77.0.1"),
        "traffic of others is slowed or dropped"
    );
}

#[test]
fn nftables_blocks_in_sets_and_tears_down() {
    need_netns!();
    let (slips, peer) = pair();
    let tools = Tools::in_netns(&slips.name);
    let mut fw = Nft::new(&tools);
    exercise(&mut fw, &slips, &peer);
    // Still 4 rules per chain (v4/v6 × source/destination) with 10,000 blocked.
    let rules = slips
        .exec(&["nft", "list", "chain", "inet", "slips", "input"])
        .unwrap();
    assert_eq!(rules.matches(" drop").count(), 4, "{rules}");
    let set = slips
        .exec(&["nft", "list", "set", "inet", "slips", "blocked4"])
        .unwrap();
    assert!(
        set.contains("172.16.39.15 timeout 5m"),
        "{}",
        &set[..set.len().min(400)]
    );
    // A second setup (the next run) starts empty.
    fw.setup().unwrap();
    let set = slips
        .exec(&["nft", "list", "set", "inet", "slips", "blocked4"])
        .unwrap();
    assert!(!set.contains("172.16."), "setup kept old elements");
    fw.teardown().unwrap();
    assert_eq!(slips.exec(&["nft", "list", "tables"]).unwrap().trim(), "");
}

#[test]
fn kernel_timeouts_unblock_even_without_slips() {
    need_netns!();
    let (slips, peer) = pair();
    let mut fw = Nft::new(&Tools::in_netns(&slips.name));
    fw.setup().unwrap();
    fw.apply(&[Change::Put {
        ip: ip("10.77.0.2"),
        timeout: 1,
    }])
    .unwrap();
    assert!(!peer.ping("10.77.0.1"));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        peer.ping("10.77.0.1"),
        "the kernel did not expire the element"
    );
}

#[test]
fn iptables_blocks_with_ipset_and_tears_down() {
    need_netns!();
    let (slips, peer) = pair();
    let tools = Tools::in_netns(&slips.name);
    let mut fw = Iptables::new(&tools);
    exercise(&mut fw, &slips, &peer);
    let chain = slips.exec(&["iptables", "-S", "slipsBlocking"]).unwrap();
    assert_eq!(chain.matches("-j DROP").count(), 2, "{chain}");
    for builtin in ["INPUT", "OUTPUT", "FORWARD"] {
        let rules = slips.exec(&["iptables", "-S", builtin]).unwrap();
        let first = rules.lines().nth(1).unwrap_or_default();
        assert_eq!(first, format!("-A {builtin} -j slipsBlocking"), "{rules}");
    }
    // Setting up twice does not add a second jump.
    fw.setup().unwrap();
    let input = slips.exec(&["iptables", "-S", "INPUT"]).unwrap();
    assert_eq!(input.matches("slipsBlocking").count(), 1, "{input}");
    fw.teardown().unwrap();
    for bin in ["iptables", "ip6tables"] {
        let all = slips.exec(&[bin, "-S"]).unwrap();
        assert!(!all.contains("slipsBlocking"), "{all}");
    }
    assert_eq!(slips.exec(&["ipset", "-n", "list"]).unwrap().trim(), "");
}

#[test]
fn clear_all_removes_only_what_slips_created() {
    need_netns!();
    let (slips, _peer) = pair();
    let tools = Tools::in_netns(&slips.name);
    // Someone else's rules and table.
    slips
        .exec(&["nft", "add", "table", "inet", "theirs"])
        .unwrap();
    slips
        .exec(&["iptables", "-A", "INPUT", "-s", "10.99.0.1", "-j", "DROP"])
        .unwrap();
    Nft::new(&tools).setup().unwrap();
    Iptables::new(&tools).setup().unwrap();
    let removed = clear_all(&tools).unwrap();
    assert!(
        removed.iter().any(|r| r.contains("inet slips")),
        "{removed:?}"
    );
    assert!(
        removed.iter().any(|r| r.contains("slipsBlocking")),
        "{removed:?}"
    );
    let tables = slips.exec(&["nft", "list", "tables"]).unwrap();
    assert!(
        tables.contains("theirs") && !tables.contains("inet slips"),
        "{tables}"
    );
    let input = slips.exec(&["iptables", "-S", "INPUT"]).unwrap();
    assert!(
        input.contains("10.99.0.1") && !input.contains("slipsBlocking"),
        "{input}"
    );
    // Nothing left: a second clear finds nothing.
    assert!(clear_all(&tools).unwrap().is_empty());
}

use super::*;
use std::sync::{Arc, Mutex};

/// A firewall that records what it is asked, and can be made to fail.
#[derive(Clone, Default)]
struct Recorder {
    changes: Arc<Mutex<Vec<Change>>>,
    fail: Arc<Mutex<bool>>,
    torn_down: Arc<Mutex<bool>>,
}

impl Firewall for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn setup(&mut self) -> Result<(), Error> {
        Ok(())
    }
    fn apply(&mut self, changes: &[Change]) -> Result<(), Error> {
        if *self.fail.lock().unwrap() {
            return Err(Error::Command {
                command: "nft".into(),
                message: "Operation not permitted".into(),
            });
        }
        self.changes.lock().unwrap().extend_from_slice(changes);
        Ok(())
    }
    fn teardown(&mut self) -> Result<(), Error> {
        *self.torn_down.lock().unwrap() = true;
        Ok(())
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn cfg() -> slips_config::Blocking {
    slips_config::Blocking {
        duration: Some(100.0),
        max_duration: 350.0,
        ..Default::default()
    }
}

fn host() -> HostAddresses {
    HostAddresses {
        own: [ip("10.0.0.1")].into(),
        gateways: [ip("10.0.0.254")].into(),
        resolvers: [ip("10.0.0.53")].into(),
    }
}

fn live(
    c: &slips_config::Blocking,
    log: Option<&Path>,
    state: Option<PathBuf>,
) -> (Blocker, Recorder) {
    let r = Recorder::default();
    let b = Blocker::build(
        c,
        3600.0,
        Some(Box::new(r.clone())),
        None,
        host(),
        log,
        state,
    )
    .unwrap();
    (b, r)
}

#[test]
fn block_then_unblock_after_a_quiet_probation() {
    let d = tempfile::tempdir().unwrap();
    let (mut b, r) = live(&cfg(), Some(d.path()), None);
    let a = ip("192.0.2.7");
    let dec = b.alert(a, "alert-1", "horizontal port scan", 1000.0);
    assert_eq!(dec.action, Action::Block);
    assert!(dec.blocked());
    assert_eq!(dec.until, Some(1100.0));
    assert_eq!(dec.offences, 1);
    assert!(dec.applied_ms.is_some());
    // The kernel's own timeout outlives ours.
    assert_eq!(
        r.changes.lock().unwrap().as_slice(),
        &[Change::Put {
            ip: a,
            timeout: 110
        }]
    );
    assert!(b.tick(1099.0).is_empty());
    let t = b.tick(1100.0);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].action, Action::Unblock(UnblockCause::Expired));
    assert_eq!(
        r.changes.lock().unwrap().last(),
        Some(&Change::Remove { ip: a })
    );
    assert_eq!(b.blocked().count(), 0);
    let log = std::fs::read_to_string(d.path().join("blocking.log")).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("1970-01-01T00:16:40.000000Z block 192.0.2.7 for 100 s; until 1970-01-01T00:18:20.000000Z; offence 1; alert alert-1; applied in "), "{}", lines[0]);
    assert!(lines[0].ends_with("; horizontal port scan"));
    assert!(
        lines[1].contains("unblock 192.0.2.7 (block ended with no evidence during it)"),
        "{}",
        lines[1]
    );
}

#[test]
fn evidence_during_the_block_extends_it_doubling_up_to_the_cap() {
    let (mut b, r) = live(&cfg(), None, None);
    let a = ip("2001:db8::9");
    b.alert(a, "a1", "scan", 0.0);
    b.evidence(a);
    let t = b.tick(100.0);
    assert_eq!(t[0].action, Action::Extend);
    assert_eq!(t[0].until, Some(300.0));
    assert_eq!(t[0].offences, 2);
    // Another alert while blocked counts as evidence, not as a new block.
    let again = b.alert(a, "a2", "scan", 150.0);
    assert_eq!(again.action, Action::AlreadyBlocked);
    assert!(again.blocked());
    let t = b.tick(300.0);
    assert_eq!(t[0].action, Action::Extend);
    // 400 s would exceed max_duration 350.
    assert_eq!(t[0].until, Some(650.0));
    assert_eq!(
        r.changes.lock().unwrap().last(),
        Some(&Change::Put {
            ip: a,
            timeout: 385
        })
    );
    let t = b.tick(650.0);
    assert_eq!(t[0].action, Action::Unblock(UnblockCause::Expired));
    // A repeat offender starts from a doubled duration.
    let d = b.alert(a, "a3", "scan", 1000.0);
    assert_eq!(d.offences, 4);
    assert_eq!(d.until, Some(1350.0));
}

#[test]
fn protected_addresses_are_refused_with_the_reason() {
    let mut c = cfg();
    c.never = vec!["203.0.113.0/24".parse().unwrap()];
    let (b, _) = live(&c, None, None);
    let mut b = b.with_whitelist(Box::new(|ip| {
        ip == "198.51.100.1".parse::<IpAddr>().unwrap()
    }));
    let cases = [
        ("127.0.0.1", "loopback address"),
        ("::1", "loopback address"),
        ("169.254.1.1", "link-local address"),
        ("fe80::1", "link-local address"),
        ("224.0.0.251", "multicast address"),
        ("ff02::fb", "multicast address"),
        ("255.255.255.255", "broadcast address"),
        ("0.0.0.0", "unspecified address"),
        ("10.0.0.1", "an address of this host"),
        ("10.0.0.254", "this host's default gateway"),
        ("10.0.0.53", "this host's DNS resolver"),
        ("203.0.113.9", "in blocking.never (203.0.113.0/24)"),
        ("198.51.100.1", "whitelisted"),
    ];
    for (addr, why) in cases {
        let d = b.alert(ip(addr), "x", "y", 0.0);
        match &d.action {
            Action::Refuse(r) => assert_eq!(r.to_string(), why, "{addr}"),
            a => panic!("{addr}: {a:?}"),
        }
        assert!(!d.blocked());
    }
    assert_eq!(b.counts().refusals, cases.len() as u64);
    assert_eq!(b.blocked().count(), 0);
}

#[test]
fn the_cap_refuses_and_counts() {
    let mut c = cfg();
    c.max_blocked = 2;
    let (mut b, _) = live(&c, None, None);
    assert!(b.alert(ip("192.0.2.1"), "a", "", 0.0).blocked());
    assert!(b.alert(ip("192.0.2.2"), "a", "", 0.0).blocked());
    let d = b.alert(ip("192.0.2.3"), "a", "", 0.0);
    assert_eq!(d.action, Action::Refuse(Refusal::Cap(2)));
}

#[test]
fn a_failing_firewall_is_reported_and_the_ip_not_counted_as_blocked() {
    let (mut b, r) = live(&cfg(), None, None);
    *r.fail.lock().unwrap() = true;
    let d = b.alert(ip("192.0.2.1"), "a", "", 0.0);
    assert!(!d.blocked());
    assert!(d
        .error
        .as_deref()
        .unwrap()
        .contains("Operation not permitted"));
    assert_eq!(b.counts().failures, 1);
    assert_eq!(b.blocked().count(), 0);
    assert!(
        d.to_string()
            .contains("FAILED: `nft` failed: Operation not permitted"),
        "{d}"
    );
}

#[test]
fn dry_run_decides_the_same_and_touches_nothing() {
    let d = tempfile::tempdir().unwrap();
    let c = cfg();
    let mut b = Blocker::open(
        &c,
        3600.0,
        Mode::Offline,
        Some(d.path()),
        &Tools {
            nft: "/nonexistent/nft".into(),
            ..Tools::default()
        },
    )
    .unwrap();
    assert_eq!(b.backend(), None);
    let dec = b.alert(ip("192.0.2.1"), "a", "x\u{1b}[2Jy", 10.0);
    assert!(dec.blocked() && dec.dry_run);
    assert_eq!(dec.applied_ms, None);
    let log = std::fs::read_to_string(d.path().join("blocking.log")).unwrap();
    assert!(log.starts_with("# dry run (offline input"), "{log}");
    assert!(log.contains("(dry run) block 192.0.2.1 for 100 s"), "{log}");
    // Text from traffic is escaped.
    assert!(!log.contains('\u{1b}'), "{log}");
    // An offline capture says nothing about this host: its addresses are not refused.
    assert!(b.refusal(ip("10.0.0.1")).is_none());
}

#[test]
fn keep_on_exit_saves_and_the_next_run_restores_the_remaining_time() {
    let state = tempfile::tempdir().unwrap();
    let mut c = cfg();
    c.keep_on_exit = true;
    let (mut b, r) = live(&c, None, Some(state.path().to_path_buf()));
    b.alert(ip("192.0.2.1"), "a1", "scan", 1000.0);
    b.alert(ip("192.0.2.2"), "a2", "scan", 1050.0);
    let kept = b.shutdown(1060.0).unwrap();
    assert_eq!(kept.len(), 2);
    assert!(kept.iter().all(|d| d.action == Action::Keep));
    assert!(!*r.torn_down.lock().unwrap());

    let (mut b2, r2) = live(&c, None, Some(state.path().to_path_buf()));
    // 192.0.2.1's block ended at 1100.
    let restored = b2.restore(1120.0).unwrap();
    assert_eq!(restored.len(), 1);
    assert_eq!(restored[0].ip, ip("192.0.2.2"));
    assert_eq!(restored[0].until, Some(1150.0));
    assert_eq!(
        r2.changes.lock().unwrap().as_slice(),
        &[Change::Put {
            ip: ip("192.0.2.2"),
            timeout: 35
        }]
    );
    // The state file is consumed.
    assert!(b2.restore(1120.0).unwrap().is_empty());
    let t = b2.tick(1150.0);
    assert_eq!(t[0].action, Action::Unblock(UnblockCause::Expired));
}

#[test]
fn without_keep_on_exit_everything_is_removed_at_exit() {
    let (mut b, r) = live(&cfg(), None, None);
    b.alert(ip("192.0.2.1"), "a1", "scan", 0.0);
    let out = b.shutdown(5.0).unwrap();
    assert_eq!(out[0].action, Action::Unblock(UnblockCause::Exit));
    assert!(*r.torn_down.lock().unwrap());
}

#[test]
fn manual_unblock_requests_reach_a_running_blocker() {
    let state = tempfile::tempdir().unwrap();
    let (mut b, r) = live(&cfg(), None, Some(state.path().to_path_buf()));
    let a = ip("192.0.2.1");
    b.alert(a, "a1", "scan", 0.0);
    state::request_unblock(state.path(), a).unwrap();
    state::request_unblock(state.path(), ip("192.0.2.99")).unwrap();
    let t = b.tick(1.0);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].action, Action::Unblock(UnblockCause::Manual));
    assert_eq!(
        r.changes.lock().unwrap().last(),
        Some(&Change::Remove { ip: a })
    );
    assert!(b.tick(2.0).is_empty());
}

#[test]
fn ticks_find_each_expiry_and_poll_requests_once_a_second() {
    let state = tempfile::tempdir().unwrap();
    let (mut b, _) = live(&cfg(), None, Some(state.path().to_path_buf()));
    b.alert(ip("192.0.2.1"), "a", "", 0.0);
    b.alert(ip("192.0.2.2"), "b", "", 50.0);
    let t = b.tick(100.0);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].ip, ip("192.0.2.1"));
    assert!(b.tick(149.9).is_empty());
    let t = b.tick(150.0);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].ip, ip("192.0.2.2"));

    // Manual requests are read at most once a second of `now`.
    b.alert(ip("192.0.2.3"), "c", "", 200.0);
    assert!(b.tick(200.0).is_empty());
    state::request_unblock(state.path(), ip("192.0.2.3")).unwrap();
    assert!(b.tick(200.5).is_empty());
    let t = b.tick(201.0);
    assert_eq!(t[0].action, Action::Unblock(UnblockCause::Manual));
}

#[test]
fn a_live_dry_run_needs_no_privilege_and_touches_nothing() {
    let mut c = cfg();
    c.dry_run = true;
    let tools = Tools {
        nft: "/nonexistent/nft".into(),
        iptables: "/nonexistent/iptables".into(),
        ip: "/nonexistent/ip".into(),
        ..Tools::default()
    };
    let mut b = Blocker::open(&c, 3600.0, Mode::Live, None, &tools).unwrap();
    assert_eq!(b.backend(), None);
    assert!(b.dry_run().unwrap().starts_with("blocking.dry_run"));
    let d = b.alert(ip("192.0.2.1"), "a", "", 0.0);
    assert!(d.blocked() && d.dry_run && d.applied_ms.is_none());
}

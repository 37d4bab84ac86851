//! Live capture on a veth pair whose other end is in a network namespace created here: a
//! local HTTP server and client, DNS to a local resolver and a burst of rejected TCP
//! connections appear as records; setting the stop flag ends the capture and flushes.
//!
//! Needs the `live` feature, root (or CAP_NET_ADMIN + CAP_NET_RAW), `ip`, `python3` and
//! `curl`; skips with a message otherwise.
#![cfg(feature = "live")]

use slips_core::{ConnState, Record};
use slips_packet::{LiveSource, PacketError};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn sh(args: &[&str]) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Netns {
    ns: String,
    veth: String,
    children: Vec<Child>,
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        sh(&["ip", "link", "del", &self.veth]);
        sh(&["ip", "netns", "del", &self.ns]);
    }
}

const DNS_SERVER: &str = r#"
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.213.0.2", 53))
while True:
    q, a = s.recvfrom(512)
    end = 12
    while q[end] != 0:
        end += 1 + q[end]
    question = q[12:end + 5]
    r = q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question
    r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([10, 213, 0, 53])
    s.sendto(r, a)
"#;

const CLIENT: &str = r#"
import socket, time
q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + b"\x04live\x07example\x04test\x00" + b"\x00\x01\x00\x01"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(q, ("10.213.0.2", 53))
s.recvfrom(512)
for p in range(20000, 20020):
    c = socket.socket()
    c.settimeout(1)
    try:
        c.connect(("10.213.0.2", p))
    except OSError:
        pass
    c.close()
"#;

#[test]
fn missing_interface_is_a_clear_error() {
    let stop = Arc::new(AtomicBool::new(false));
    let e = LiveSource::open("nosuchif0", None, stop).unwrap_err();
    assert!(matches!(e, PacketError::Live { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "cannot capture on nosuchif0: no interface named \"nosuchif0\" (`ip link` lists them)"
    );
}

#[test]
fn live_capture_on_veth_pair() {
    let tools = sh(&["ip", "netns", "list"])
        && sh(&["python3", "-c", "pass"])
        && sh(&["curl", "--version"]);
    if !tools {
        eprintln!("skipping: needs root, ip netns, python3 and curl");
        return;
    }
    let id = std::process::id() % 100_000;
    let mut env = Netns {
        ns: format!("slpk{id}"),
        veth: format!("spk{id}a"),
        children: Vec::new(),
    };
    let peer = format!("spk{id}b");
    let ns = env.ns.clone();
    let ok = sh(&["ip", "netns", "add", &ns])
        && sh(&[
            "ip", "link", "add", &env.veth, "type", "veth", "peer", "name", &peer,
        ])
        && sh(&["ip", "link", "set", &peer, "netns", &ns])
        && sh(&["ip", "addr", "add", "10.213.0.1/24", "dev", &env.veth])
        && sh(&["ip", "link", "set", &env.veth, "up"])
        && sh(&[
            "ip",
            "netns",
            "exec",
            &ns,
            "ip",
            "addr",
            "add",
            "10.213.0.2/24",
            "dev",
            &peer,
        ])
        && sh(&["ip", "netns", "exec", &ns, "ip", "link", "set", &peer, "up"])
        && sh(&["ip", "netns", "exec", &ns, "ip", "link", "set", "lo", "up"]);
    if !ok {
        eprintln!("skipping: cannot create a network namespace and veth pair (not root?)");
        return;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let src = match LiveSource::open(&env.veth, Some("ip"), stop.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("skipping: {e}");
            return;
        }
    };
    let reader = std::thread::spawn(move || src.map(|f| f.record).collect::<Vec<Record>>());
    let spawn = |args: &[&str]| {
        Command::new(args[0])
            .args(&args[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    env.children.push(spawn(&[
        "ip",
        "netns",
        "exec",
        &ns,
        "python3",
        "-m",
        "http.server",
        "8080",
        "--bind",
        "10.213.0.2",
    ]));
    env.children.push(spawn(&[
        "ip", "netns", "exec", &ns, "python3", "-c", DNS_SERVER,
    ]));
    let mut up = false;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        if sh(&[
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-A",
            "slips-live-test/1.0",
            "http://10.213.0.2:8080/",
        ]) {
            up = true;
            break;
        }
    }
    assert!(up, "HTTP server in the namespace did not come up");
    assert!(sh(&["python3", "-c", CLIENT]), "DNS/TCP client failed");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let recs = reader.join().expect("reader thread");

    let http: Vec<_> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Http(h) = r {
                Some(h)
            } else {
                None
            }
        })
        .collect();
    assert!(!http.is_empty(), "no http record in {recs:#?}");
    let h = http.last().unwrap();
    assert_eq!(
        (
            h.method.as_deref(),
            h.host.as_deref(),
            h.uri.as_deref(),
            h.user_agent.as_deref(),
            h.status_code
        ),
        (
            Some("GET"),
            Some("10.213.0.2:8080"),
            Some("/"),
            Some("slips-live-test/1.0"),
            Some(200)
        )
    );
    assert_eq!(h.resp_mime_types, vec!["text/html"]);
    let dns: Vec<_> = recs
        .iter()
        .filter_map(|r| {
            if let Record::Dns(d) = r {
                Some(d)
            } else {
                None
            }
        })
        .collect();
    let d = dns
        .iter()
        .find(|d| d.query.as_deref() == Some("live.example.test"))
        .expect("dns record");
    assert_eq!(
        (d.answers.clone(), d.ttls.clone(), d.rcode_name.as_deref()),
        (vec!["10.213.0.53".into()], vec![60.0], Some("NOERROR"))
    );
    let rej = recs
        .iter()
        .filter(|r| matches!(r, Record::Conn(c) if (20000..20020).contains(&c.dport) && c.state == ConnState::REJ && c.history == "Sr"))
        .count();
    let probes: Vec<String> = recs
        .iter()
        .filter(|r| matches!(r, Record::Conn(c) if (20000..20020).contains(&c.dport)))
        .map(slips_packet::render)
        .collect();
    assert_eq!(rej, 20, "rejected connections: {probes:#?}");
    let web = recs.iter().find_map(|r| match r {
        Record::Conn(c) if c.dport == 8080 && c.service.as_deref() == Some("http") => Some(c),
        _ => None,
    });
    let web = web.expect("http conn");
    assert_eq!(web.state, ConnState::SF);
    // Either side may close first.
    assert!(
        ["ShADadFf", "ShADadfF"].contains(&web.history.as_str()),
        "{}",
        web.history
    );
}

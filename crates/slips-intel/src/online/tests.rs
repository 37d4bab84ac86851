//! Each online enricher against a fake service started here on 127.0.0.1 (bounded loops:
//! each fake serves a fixed number of requests or stops at a deadline).

use super::*;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex as StdMutex;

/// Requests a fake saw: (method, path with query, body).
type Seen = Arc<StdMutex<Vec<(String, String, String)>>>;

/// A fake HTTP/1.1 server: answers up to `max` requests with `route`, then exits (also
/// after 20 s).
fn fake_http(
    max: usize,
    route: impl Fn(&str, &str, &str) -> (u16, String) + Send + 'static,
) -> (String, Seen) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let s2 = Arc::clone(&seen);
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut served = 0;
        while served < max && Instant::now() < deadline {
            let stream = match l.accept() {
                Ok((s, _)) => s,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
            };
            served += 1;
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if r.read_line(&mut first).is_err() {
                continue;
            }
            let mut len = 0usize;
            for _ in 0..100 {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; len.min(65_536)];
            let _ = r.read_exact(&mut body);
            let mut parts = first.split_whitespace();
            let method = parts.next().unwrap_or("").to_owned();
            let path = parts.next().unwrap_or("").to_owned();
            let body = String::from_utf8_lossy(&body).into_owned();
            let (status, text) = route(&method, &path, &body);
            s2.lock().unwrap().push((method, path, body));
            let mut w = stream;
            let _ = write!(
                w,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (base, seen)
}

/// A fake whois server: answers up to `max` queries with `answer(query)`.
fn fake_whois(max: usize, answer: impl Fn(&str) -> String + Send + 'static) -> (String, Seen) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let seen: Seen = Arc::default();
    let s2 = Arc::clone(&seen);
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut served = 0;
        while served < max && Instant::now() < deadline {
            let Ok((stream, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            served += 1;
            stream.set_nonblocking(false).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut q = String::new();
            let _ = r.read_line(&mut q);
            let q = q.trim().to_owned();
            let mut w = stream;
            let _ = w.write_all(answer(&q).as_bytes());
            s2.lock().unwrap().push(("WHOIS".into(), q, String::new()));
        }
    });
    (addr, seen)
}

/// A fake DNS server: answers up to `max` PTR queries, `name` for 1.2.3.4 and NXDOMAIN
/// for anything else.
fn fake_dns(max: usize, name: &'static str) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut served = 0;
        let mut buf = [0u8; 512];
        while served < max && Instant::now() < deadline {
            let Ok((n, from)) = sock.recv_from(&mut buf) else {
                continue;
            };
            served += 1;
            let q = &buf[..n];
            let (qname, _) = read_name(q, 12).unwrap();
            let mut r = q.to_vec();
            r[2] = 0x81; // response, recursion desired
            if qname == "4.3.2.1.in-addr.arpa" {
                r[3] = 0x80;
                r[7] = 1; // one answer
                r.extend_from_slice(&[0xc0, 0x0c, 0, 12, 0, 1, 0, 0, 0x0e, 0x10]);
                let rdata = dns_query(0, name, 0)[12..].to_vec(); // the encoded name (+4)
                let rdata = &rdata[..rdata.len() - 4];
                r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                r.extend_from_slice(rdata);
            } else {
                r[3] = 0x83; // NXDOMAIN
            }
            let _ = sock.send_to(&r, from);
        }
    });
    addr
}

/// Asks until `f` answers (the background thread needs a moment), at most 10 s.
fn wait<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(x) = f() {
            return Some(x);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn opts() -> OnlineOptions {
    OnlineOptions {
        timeout: Duration::from_secs(3),
        per_minute: 60_000,
        vt_per_minute: 60_000,
        ..OnlineOptions::default()
    }
}

#[test]
fn reverse_dns_from_a_fake_server() {
    let server = fake_dns(3, "host-1.example.net");
    let on = Online::start(OnlineOptions {
        dns_server: Some(server),
        ..opts()
    });
    let ip: IpAddr = "1.2.3.4".parse().unwrap();
    assert_eq!(on.reverse_dns(ip), None, "first question: not known yet");
    assert_eq!(
        wait(|| on.reverse_dns(ip)).as_deref(),
        Some("host-1.example.net")
    );
    // NXDOMAIN is an answer too: no name, and not asked again.
    let other: IpAddr = "5.6.7.8".parse().unwrap();
    assert_eq!(on.reverse_dns(other), None);
    wait(|| (on.stats().requests.load(Ordering::Relaxed) == 2).then_some(()))
        .expect("two requests");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(on.reverse_dns(other), None);
    assert_eq!(on.stats().requests.load(Ordering::Relaxed), 2);
    assert_eq!(on.stats().failures.load(Ordering::Relaxed), 0);
}

#[test]
fn dns_wire_format() {
    assert_eq!(
        ptr_name("10.0.2.15".parse().unwrap()),
        "15.2.0.10.in-addr.arpa"
    );
    assert_eq!(
        ptr_name("2001:db8::1".parse().unwrap()),
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    );
    let q = dns_query(7, "a.bc", 12);
    assert_eq!(
        q,
        vec![0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 2, b'b', b'c', 0, 0, 12, 0, 1]
    );
    // Garbage and truncated answers are errors, never panics.
    assert!(parse_ptr_response(&[0, 7, 0x81, 0x80, 0, 1, 0, 1], 7).is_err());
    let mut looped = q.clone();
    looped[7] = 1;
    looped.extend_from_slice(&[0xc0, 22, 0, 12, 0, 1, 0, 0, 0, 1, 0, 2, 0xc0, 22]);
    assert!(parse_ptr_response(&looped, 7).is_err(), "pointer loop");
    assert!(parse_ptr_response(&q, 8).is_err(), "other id");
}

#[test]
fn whois_dates_and_referrals() {
    let d = |y, m, dd| days_from_civil(y, m, dd);
    assert_eq!(d(1970, 1, 1), 0);
    assert_eq!(
        parse_whois_date("2024-05-01T12:00:00Z"),
        Some(d(2024, 5, 1))
    );
    assert_eq!(parse_whois_date("2024-05-01 12:00:00"), Some(d(2024, 5, 1)));
    assert_eq!(parse_whois_date("2024.05.01"), Some(d(2024, 5, 1)));
    assert_eq!(parse_whois_date("20240501"), Some(d(2024, 5, 1)));
    assert_eq!(parse_whois_date("01-May-2024"), Some(d(2024, 5, 1)));
    assert_eq!(parse_whois_date("01.05.2024"), Some(d(2024, 5, 1)));
    assert_eq!(parse_whois_date("before 1996"), None);
    assert_eq!(parse_whois_date("2024-13-01"), None);
    assert_eq!(
        whois_creation("Domain Name: X\n   Creation Date: 1997-09-15T04:00:00Z\n"),
        Some(d(1997, 9, 15))
    );
    assert_eq!(
        whois_creation("domain: x.cz\ncreated:      15.10.2000 12:00:00\n"),
        Some(d(2000, 10, 15))
    );
    assert_eq!(whois_creation("No match for domain"), None);
    assert_eq!(
        whois_referral("% IANA WHOIS server\nrefer:        whois.verisign-grs.com\n"),
        Some("whois.verisign-grs.com:43".into())
    );
    assert_eq!(
        whois_referral("Registrar WHOIS Server: 127.0.0.1:4343\n"),
        Some("127.0.0.1:4343".into())
    );
}

#[test]
fn domain_ages_from_a_fake_whois_with_a_referral() {
    // The registry knows the dates; the first server (like IANA) refers to it.
    let created = today() - 12;
    let (y, m, dd) = civil_from_days(created);
    let (registry, reg_seen) = fake_whois(2, move |q| {
        if q == "new-shop.com" {
            format!(
                "Domain Name: NEW-SHOP.COM\r\nCreation Date: {y:04}-{m:02}-{dd:02}T10:00:00Z\r\n"
            )
        } else {
            "No match for domain\r\n".into()
        }
    });
    let reg = registry.clone();
    let (iana, iana_seen) = fake_whois(2, move |_| format!("refer:        {reg}\n\ndomain: COM\n"));
    let on = Online::start(OnlineOptions {
        whois_server: Some(iana),
        ..opts()
    });
    // Asked about the registered domain, whatever the subdomain.
    assert_eq!(on.domain_age_days("www.new-shop.com"), None);
    assert_eq!(wait(|| on.domain_age_days("shop.new-shop.com.")), Some(12));
    assert_eq!(on.domain_age_days("unknown-domain.com"), None);
    wait(|| (reg_seen.lock().unwrap().len() == 2).then_some(())).expect("asked twice");
    let q: Vec<String> = iana_seen
        .lock()
        .unwrap()
        .iter()
        .map(|x| x.1.clone())
        .collect();
    assert_eq!(q, vec!["new-shop.com", "unknown-domain.com"]);
    assert_eq!(
        on.domain_age_days("co.uk"),
        None,
        "a public suffix is no domain"
    );
}

/// Inverse of `days_from_civil`, for the test.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[test]
fn virustotal_scores_with_the_key_and_a_rate_limit() {
    let (base, seen) = fake_http(3, |_, path, _| {
        if path.contains("ip=8.8.8.8") {
            (200, r#"{"response_code":1,"detected_urls":[{"positives":3,"total":60},{"positives":0,"total":60}],"detected_downloaded_samples":[],"detected_communicating_samples":[{"positives":30,"total":60}]}"#.into())
        } else if path.contains("ip=9.9.9.9") {
            (
                200,
                r#"{"response_code":0,"verbose_msg":"not found"}"#.into(),
            )
        } else {
            (204, String::new())
        }
    });
    let on = Online::start(OnlineOptions {
        virustotal: Some((format!("{base}/vtapi/v2"), "SECRET".into())),
        vt_per_minute: 240, // one request every 250 ms
        ..opts()
    });
    let t0 = Instant::now();
    let a: IpAddr = "8.8.8.8".parse().unwrap();
    let b: IpAddr = "9.9.9.9".parse().unwrap();
    let c: IpAddr = "7.7.7.7".parse().unwrap();
    assert_eq!(on.vt_score(a), None);
    assert_eq!(on.vt_score(b), None);
    assert_eq!(on.vt_score(c), None);
    let s = wait(|| on.vt_score(a)).unwrap();
    assert_eq!(
        s,
        VtScore {
            urls: 3.0 / 120.0,
            downloaded: 0.0,
            referrer: 0.0,
            communicating: 0.5
        }
    );
    assert_eq!(
        s.to_string(),
        "VirusTotal: URLs 0.03, downloaded files 0.00, referrer files 0.00, communicating files 0.50"
    );
    wait(|| (seen.lock().unwrap().len() == 3).then_some(())).unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(500),
        "three requests at 4 per second take at least 0.5 s: {:?}",
        t0.elapsed()
    );
    assert_eq!(
        seen.lock().unwrap()[0].1,
        "/vtapi/v2/ip-address/report?apikey=SECRET&ip=8.8.8.8"
    );
    wait(|| (on.stats().failures.load(Ordering::Relaxed) == 1).then_some(()))
        .expect("HTTP 204 (quota) is a failure");
    assert_eq!(on.vt_score(b), None, "unknown to VirusTotal");
    assert_eq!(on.vt_score(c), None, "failed: retried later, not now");
}

#[test]
fn file_hashes_from_fake_circl_and_urlhaus() {
    let eicar = "44d88612fea8a8f36de82e1278abb02f";
    let (circl_base, circl_seen) = fake_http(3, move |_, path, _| {
        if path == "/lookup/md5/44d88612fea8a8f36de82e1278abb02f" {
            (200, r#"{"FileName":"eicar.com","hashlookup:trust":10,"KnownMalicious":"MalwareBazaar VirusShare"}"#.into())
        } else if path.starts_with("/lookup/md5/") {
            (404, r#"{"message":"Non existing MD5"}"#.into())
        } else {
            (
                200,
                r#"{"FileName":"clean.dll","hashlookup:trust":90}"#.into(),
            )
        }
    });
    let (uh_base, uh_seen) = fake_http(3, move |method, _, body| {
        assert_eq!(method, "POST");
        if body == "md5_hash=0cc175b9c0f1b6a831c399e269772661" {
            (200, r#"{"query_status":"ok","md5_hash":"0cc175b9c0f1b6a831c399e269772661","signature":"Emotet","file_type":"exe","virustotal":{"result":"40 / 60","percent":"66.67"}}"#.into())
        } else {
            (200, r#"{"query_status":"no_results"}"#.into())
        }
    });
    let on = Online::start(OnlineOptions {
        circl: Some(circl_base),
        urlhaus: Some(format!("{uh_base}/v1")),
        ..opts()
    });
    assert_eq!(on.file_verdict(eicar), None, "not known yet");
    assert_eq!(
        wait(|| on.file_verdict(&eicar.to_uppercase())),
        Some(FileVerdict {
            // trust 10: (100 - 10) / 100 = 0.9, above HIGH's 0.8.
            threat_level: ThreatLevel::Critical,
            confidence: 0.7,
            detected_by: "Circl.lu (blacklists: MalwareBazaar VirusShare)".into(),
            details: "file name: eicar.com".into(),
        })
    );
    let emotet = "0cc175b9c0f1b6a831c399e269772661";
    assert_eq!(
        wait(|| on.file_verdict(emotet)),
        Some(FileVerdict {
            threat_level: ThreatLevel::High,
            confidence: 0.7,
            detected_by: "URLhaus".into(),
            details: "signature: Emotet, file type: exe, VirusTotal: 66.67%".into(),
        })
    );
    // A SHA1 that Circl.lu knows as clean; URLhaus takes no SHA1.
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    assert_eq!(on.file_verdict(sha1), None);
    wait(|| (circl_seen.lock().unwrap().len() == 3).then_some(())).unwrap();
    assert_eq!(on.file_verdict(sha1), None);
    assert_eq!(on.file_verdict("not a hash"), None);
    let uh: Vec<String> = uh_seen
        .lock()
        .unwrap()
        .iter()
        .map(|x| x.1.clone())
        .collect();
    assert_eq!(uh, vec!["/v1/payload/", "/v1/payload/"]);
    assert_eq!(on.stats().failures.load(Ordering::Relaxed), 0);
}

#[test]
fn queue_and_cache_are_bounded_and_stop_is_prompt() {
    // One request a minute: the first is served (by nobody: refused), the rest queue up.
    let on = Online::start(OnlineOptions {
        dns_server: Some("127.0.0.1:9".parse().unwrap()),
        per_minute: 1,
        queue_cap: 2,
        timeout: Duration::from_millis(200),
        ..OnlineOptions::default()
    });
    for i in 0..10u8 {
        assert_eq!(on.reverse_dns(IpAddr::from([10, 0, 0, i])), None);
    }
    let dropped = on.stats().dropped.load(Ordering::Relaxed);
    assert!(
        (6..=8).contains(&dropped),
        "queue of 2 (+1 or 2 taken by the thread): {dropped} dropped"
    );
    let t = Instant::now();
    drop(on);
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

    let mut c = Cache::new(3);
    let now = Instant::now();
    let later = now + Duration::from_secs(60);
    for i in 0..5u8 {
        c.put(
            Key::Ip(Svc::Rdns, IpAddr::from([1, 1, 1, i])),
            Answer::Name(None),
            later,
        );
    }
    assert_eq!(c.map.len(), 3);
    assert!(
        c.get(&Key::Ip(Svc::Rdns, IpAddr::from([1, 1, 1, 0])), now)
            .is_none(),
        "oldest evicted"
    );
    assert!(c
        .get(&Key::Ip(Svc::Rdns, IpAddr::from([1, 1, 1, 4])), now)
        .is_some());
    assert!(
        c.get(&Key::Ip(Svc::Rdns, IpAddr::from([1, 1, 1, 4])), later)
            .is_none(),
        "expired"
    );
    for _ in 0..100 {
        c.put(
            Key::Ip(Svc::Rdns, IpAddr::from([1, 1, 1, 1])),
            Answer::Name(None),
            later,
        );
    }
    assert!(c.order.len() <= 6, "{}", c.order.len());
}

#[test]
fn options_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    assert!(
        OnlineOptions::from_config(&cfg, dir.path()).is_none(),
        "off by default"
    );
    cfg.enrichment.online_lookups = true;
    cfg.enrichment.dns_server = "127.0.0.1:5353".into();
    cfg.enrichment.whois_server = "127.0.0.1:4343".into();
    cfg.threat_intelligence.circl_url = String::new();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/vt_api_key"), "KEY\n").unwrap();
    let o = OnlineOptions::from_config(&cfg, dir.path()).unwrap();
    assert_eq!(o.dns_server, Some("127.0.0.1:5353".parse().unwrap()));
    assert_eq!(o.whois_server.as_deref(), Some("127.0.0.1:4343"));
    assert_eq!(
        o.virustotal,
        Some(("https://www.virustotal.com/vtapi/v2".into(), "KEY".into()))
    );
    assert_eq!(
        o.urlhaus.as_deref(),
        Some("https://urlhaus-api.abuse.ch/v1")
    );
    assert_eq!(o.circl, None);
    assert_eq!(o.vt_per_minute, 4);
    assert_eq!(o.timeout, Duration::from_secs(10));
    cfg.enrichment.whois_server = "whois.iana.org".into();
    cfg.enrichment.reverse_dns = false;
    let o = OnlineOptions::from_config(&cfg, Path::new("/nonexistent")).unwrap();
    assert_eq!(o.whois_server.as_deref(), Some("whois.iana.org:43"));
    assert_eq!(o.dns_server, None);
    assert_eq!(o.virustotal, None, "no key file");
    assert_eq!(
        resolv_conf_nameserver("# x\nsearch lan\nnameserver 192.168.1.1\nnameserver 8.8.8.8\n"),
        Some("192.168.1.1:53".parse().unwrap())
    );
    assert_eq!(parse_dns_server("::1"), Some("[::1]:53".parse().unwrap()));
}

/// The whole path: `Intel::load` with online lookups against fake services; the alerts.log
/// enrichment gets rDNS and VirusTotal, and the young_domain and threat_intelligence
/// detectors get the whois age and the hash verdict.
#[test]
fn intel_load_with_online_lookups_end_to_end() {
    use slips_core::{Dns, Endpoints, Files, Flow, Record, Timestamp};
    use slips_engine::{Engine, EngineConfig, Event};
    let created = today() - 20;
    let (y, m, dd) = civil_from_days(created);
    let (whois, _) = fake_whois(1, move |_| {
        format!("Creation Date: {y:04}-{m:02}-{dd:02}\n")
    });
    let dns = fake_dns(1, "host-1.example.net");
    let (vt, _) = fake_http(1, |_, _, _| {
        (
            200,
            r#"{"response_code":1,"detected_urls":[{"positives":1,"total":4}]}"#.into(),
        )
    });
    let (circl_base, _) = fake_http(1, |_, _, _| {
        (
            200,
            r#"{"hashlookup:trust":50,"KnownMalicious":"MalwareBazaar"}"#.into(),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vt_key"), "K\n").unwrap();
    let mut cfg = Config::default();
    cfg.threat_intelligence.ti_files = PathBuf::new();
    cfg.threat_intelligence.ja3_feeds = PathBuf::new();
    cfg.threat_intelligence.ssl_feeds = PathBuf::new();
    cfg.threat_intelligence.local_threat_intelligence_files = PathBuf::new();
    cfg.threat_intelligence.download_remote_feeds = false;
    cfg.threat_intelligence.urlhaus_url = String::new();
    cfg.threat_intelligence.circl_url = circl_base;
    cfg.enrichment.mac_vendors_db = PathBuf::new();
    cfg.whitelists.enable_local_whitelist = false;
    cfg.enrichment.online_lookups = true;
    cfg.enrichment.dns_server = dns.to_string();
    cfg.enrichment.whois_server = whois;
    cfg.enrichment.lookup_timeout = 3.0;
    cfg.virustotal.api_key_file = PathBuf::from("vt_key");
    cfg.virustotal.url = vt;
    cfg.virustotal.requests_per_minute = 60_000;
    let intel = crate::Intel::load(&cfg, dir.path()).unwrap();
    let k = intel.knowledge();
    use slips_detectors::Knowledge;
    assert!(k.online_lookups());
    let ip: IpAddr = "1.2.3.4".parse().unwrap();
    assert_eq!(
        wait(|| k
            .enrichment(ip, Some("x.example"))
            .filter(|e| e.contains("rDNS") && e.contains("VirusTotal"))),
        Some("rDNS: host-1.example.net, SNI: x.example, VirusTotal: URLs 0.25, downloaded files 0.00, referrer files 0.00, communicating files 0.00".into())
    );
    // Prime the caches, so that the detectors' results below do not depend on timing.
    assert_eq!(wait(|| k.domain_age_days("young.example.org")), Some(20));
    let md5 = "0123456789abcdef0123456789abcdef";
    assert!(wait(|| k.file_hash_verdict(md5)).is_some());

    let res = intel.resources();
    let dets = ["young_domain", "threat_intelligence"]
        .iter()
        .map(|n| {
            slips_detectors::REGISTRY
                .iter()
                .find(|e| e.name == *n)
                .unwrap()
                .build(&cfg, &res)
        })
        .collect();
    let mut eng = Engine::new(
        EngineConfig {
            threshold: f64::INFINITY,
            ..Default::default()
        },
        dets,
    );
    let me: IpAddr = "10.0.2.15".parse().unwrap();
    eng.process(&Flow::from(Record::Dns(Box::new(Dns {
        ts: Timestamp::from_secs(100.0),
        uid: "D1".into(),
        id: Some(Endpoints {
            saddr: me,
            sport: 5000,
            daddr: "10.0.2.3".parse().unwrap(),
            dport: 53,
        }),
        query: Some("www.young.example.org".into()),
        answers: vec!["93.184.216.34".into()],
        ..Default::default()
    }))));
    eng.process(&Flow::from(Record::Files(Box::new(Files {
        ts: Timestamp::from_secs(101.0),
        fuid: "F1".into(),
        conn_uids: vec!["C1".into()],
        tx_hosts: vec!["93.184.216.34".parse().unwrap()],
        rx_hosts: vec![me],
        source: Some("HTTP".into()),
        seen_bytes: 10,
        md5: Some(md5.into()),
        ..Default::default()
    }))));
    eng.finish();
    let got: Vec<(String, String, String, f64)> = eng
        .drain_events()
        .filter_map(|e| match e {
            Event::Evidence(ev) => Some((
                ev.evidence_type.to_string(),
                ev.attacker.value.to_string(),
                ev.description.clone(),
                ev.confidence,
            )),
            _ => None,
        })
        .collect();
    let young = "connection to a young domain: www.young.example.org registered 20 days ago.";
    assert_eq!(
        got,
        vec![
            ("YOUNG_DOMAIN".into(), "93.184.216.34".into(), young.into(), 1.0),
            ("YOUNG_DOMAIN".into(), "10.0.2.15".into(), young.into(), 1.0),
            (
                "MALICIOUS_DOWNLOADED_FILE".into(),
                "10.0.2.15".into(),
                "Malicious downloaded file 0123456789abcdef0123456789abcdef. size: 10 bytes. File was downloaded from server: 93.184.216.34. Detected by: Circl.lu (blacklists: MalwareBazaar).".into(),
                0.5
            ),
        ]
    );
}

//! Indicators of compromise: recognising a token (IP, range, domain, URL, ASN, hash) and
//! normalising domains and URLs for matching.

use ipnet::IpNet;
use std::borrow::Cow;
use std::net::IpAddr;

/// One indicator as read from a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IocValue {
    Ip(IpAddr),
    Net(IpNet),
    /// Lowercase, without trailing dot or leading `*.`.
    Domain(String),
    /// Without scheme, lowercase host (see [`normalize_url`]).
    Url(String),
    Asn(u32),
    /// Lowercase hex (MD5, SHA1, SHA256, JA3, JARM...).
    Hash(String),
}

/// Recognises one token. `None` when it is none of the known kinds.
pub fn classify(token: &str) -> Option<IocValue> {
    let t = token.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if t.is_empty() {
        return None;
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(IocValue::Ip(ip));
    }
    if t.contains('/') && !t.contains("://") {
        if let Ok(net) = t.parse::<IpNet>() {
            let net = net.trunc();
            return Some(if net.prefix_len() == net.max_prefix_len() {
                IocValue::Ip(net.addr())
            } else {
                IocValue::Net(net)
            });
        }
    }
    if let Some(n) = t
        .strip_prefix("AS")
        .or_else(|| t.strip_prefix("as"))
        .or_else(|| t.strip_prefix("As"))
    {
        if !n.is_empty() && n.len() <= 10 && n.bytes().all(|b| b.is_ascii_digit()) {
            return n.parse().ok().map(IocValue::Asn);
        }
    }
    if t.contains("://") {
        return normalize_url(t).map(IocValue::Url);
    }
    if (32..=64).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(IocValue::Hash(t.to_ascii_lowercase()));
    }
    ioc_domain(t).map(IocValue::Domain)
}

/// A domain as an IoC: valid host name syntax, at least two labels, not only a public
/// suffix (`co.uk`), not numeric.
pub fn ioc_domain(t: &str) -> Option<String> {
    let d = normalize_domain(t.trim_start_matches("*."))?;
    if !d.contains('.') {
        return None;
    }
    let last = d.rsplit('.').next().unwrap_or("");
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // A bare public suffix would blacklist a whole TLD.
    // (Private suffixes such as `edgesuite.net` are real domains and stay listable.)
    if psl::suffix(d.as_bytes())
        .is_some_and(|s| s.typ() == Some(psl::Type::Icann) && s.as_bytes().len() == d.len())
    {
        return None;
    }
    Some(d.into_owned())
}

/// Lowercases a domain and drops a trailing dot and a leading dot; `None` when it is not a
/// syntactically valid host name (letters, digits, `-`, `_`, labels of 1–63 bytes, at most
/// 253 bytes). Borrows when nothing changes.
pub fn normalize_domain(d: &str) -> Option<Cow<'_, str>> {
    let d = d.strip_suffix('.').unwrap_or(d);
    let d = d.strip_prefix('.').unwrap_or(d);
    if d.is_empty() || d.len() > 253 {
        return None;
    }
    let mut upper = false;
    for label in d.split('.') {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        for b in label.bytes() {
            match b {
                b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {}
                b'A'..=b'Z' => upper = true,
                _ => return None,
            }
        }
    }
    Some(if upper {
        Cow::Owned(d.to_ascii_lowercase())
    } else {
        Cow::Borrowed(d)
    })
}

/// `d` and its parent domains, longest first, down to two labels (`a.b.example.com`,
/// `b.example.com`, `example.com`).
pub fn domain_and_parents(d: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(d);
    std::iter::from_fn(move || {
        let cur = next?;
        next = cur
            .find('.')
            .map(|i| &cur[i + 1..])
            .filter(|rest| rest.contains('.'));
        Some(cur)
    })
}

/// A URL without its scheme, host lowercased, a lone trailing `/` dropped:
/// `HTTP://Evil.COM/a/b` → `evil.com/a/b`.
pub fn normalize_url(u: &str) -> Option<String> {
    let u = u.trim();
    let rest = match u.find("://") {
        Some(i) => &u[i + 3..],
        None => u,
    };
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let path = if path == "/" { "" } else { path };
    Some(format!("{}{}", host.to_ascii_lowercase(), path))
}

/// Whether the address may be an IoC: Slips keeps only global addresses from feeds.
pub fn is_listable(ip: &IpAddr) -> bool {
    slips_core::net::is_public(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_kind() {
        assert_eq!(
            classify(" 23.253.126.58 "),
            Some(IocValue::Ip("23.253.126.58".parse().unwrap()))
        );
        assert_eq!(
            classify("2001:db8::1"),
            Some(IocValue::Ip("2001:db8::1".parse().unwrap()))
        );
        assert_eq!(
            classify("1.2.3.77/24"),
            Some(IocValue::Net("1.2.3.0/24".parse().unwrap()))
        );
        assert_eq!(
            classify("1.2.3.4/32"),
            Some(IocValue::Ip("1.2.3.4".parse().unwrap()))
        );
        assert_eq!(
            classify("2a00:1450::/32"),
            Some(IocValue::Net("2a00:1450::/32".parse().unwrap()))
        );
        assert_eq!(classify("AS39770"), Some(IocValue::Asn(39770)));
        assert_eq!(
            classify("bncv00.No-IP.info."),
            Some(IocValue::Domain("bncv00.no-ip.info".into()))
        );
        assert_eq!(
            classify("edgesuite.net"),
            Some(IocValue::Domain("edgesuite.net".into()))
        );
        assert_eq!(
            classify("*.evil.com"),
            Some(IocValue::Domain("evil.com".into()))
        );
        assert_eq!(
            classify("https://Evil.COM/x/y.exe"),
            Some(IocValue::Url("evil.com/x/y.exe".into()))
        );
        assert_eq!(
            classify("\"6734F37431670B3AB4292B8F60F29984\""),
            Some(IocValue::Hash("6734f37431670b3ab4292b8f60f29984".into()))
        );
        for bad in [
            "",
            "hello",
            "co.uk",
            "com",
            "1.2.3",
            "ex ample.com",
            "AS",
            "a..b",
        ] {
            assert_eq!(classify(bad), None, "{bad}");
        }
    }

    #[test]
    fn parents() {
        let v: Vec<_> = domain_and_parents("a.b.example.com").collect();
        assert_eq!(v, vec!["a.b.example.com", "b.example.com", "example.com"]);
        let v: Vec<_> = domain_and_parents("example.com").collect();
        assert_eq!(v, vec!["example.com"]);
        let v: Vec<_> = domain_and_parents("localhost").collect();
        assert_eq!(v, vec!["localhost"]);
    }

    #[test]
    fn domains_normalise() {
        assert_eq!(
            normalize_domain("WWW.Example.COM.").unwrap(),
            "www.example.com"
        );
        assert!(matches!(
            normalize_domain("www.example.com").unwrap(),
            Cow::Borrowed(_)
        ));
        assert!(normalize_domain("bad domain.com").is_none());
        assert!(normalize_domain("").is_none());
        assert_eq!(normalize_url("http://a.com/").unwrap(), "a.com");
    }
}

//! "Did you mean …?" suggestions by edit distance.

/// Levenshtein distance between two strings, by characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or_default()
}

/// Lower-case and drop everything but letters and digits, so that `ConnectionWithoutDNS`,
/// `connection-without-dns` and `CONNECTION_WITHOUT_DNS` compare equal.
pub(crate) fn normalize(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The candidates close to `wanted`, best first, at most `max` of them.
///
/// Names are compared after [`normalize`]; a candidate is close when its distance is at
/// most 2, or at most a third of the longer name, or when one name contains the other
/// (`MALICIOUS_URL` in `THREAT_INTELLIGENCE_MALICIOUS_URL`).
pub(crate) fn closest<'a, I>(wanted: &str, candidates: I, max: usize) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let w = normalize(wanted);
    let mut scored: Vec<(usize, &'a str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let n = normalize(c);
            let d = distance(&w, &n);
            let longest = w.len().max(n.len());
            let shortest = w.len().min(n.len());
            let contains = shortest >= 4 && (n.contains(&w) || w.contains(&n));
            // Containment ranks like a one-letter typo.
            let score = if contains { d.min(1) } else { d };
            (d <= 2 || d * 3 <= longest || contains).then_some((score, c))
        })
        .collect();
    scored.sort_by_key(|&(d, c)| (d, c.len()));
    scored.dedup_by_key(|&mut (_, c)| c);
    scored.into_iter().take(max).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn closest_names() {
        let keys = ["long_connection_threshold", "entropy_threshold", "port"];
        assert_eq!(
            closest("long_conection_threshold", keys, 1),
            vec!["long_connection_threshold"]
        );
        assert_eq!(closest("Port", keys, 3), vec!["port"]);
        assert!(closest("completely_different", keys, 3).is_empty());
        assert_eq!(
            closest(
                "MALICIOUS_URL",
                ["MALICIOUS_JA3", "THREAT_INTELLIGENCE_MALICIOUS_URL"],
                1
            ),
            vec!["THREAT_INTELLIGENCE_MALICIOUS_URL"]
        );
        assert_eq!(
            closest(
                "ConnectionWithoutDNS",
                ["CONNECTION_WITHOUT_DNS", "ARP_SCAN"],
                3
            ),
            vec!["CONNECTION_WITHOUT_DNS"]
        );
    }
}

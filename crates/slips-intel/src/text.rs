//! Small text helpers shared by the parsers: CSV fields with quotes, problems with file and
//! line, a stable hash for cache file names.

use std::fmt;

/// Most problems kept per load (all are counted).
pub const MAX_PROBLEMS: usize = 1_000;

/// A line of an input file that was skipped, with where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// File (or feed) name.
    pub file: String,
    /// 1-based line number; 0 when the problem is about the whole file.
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.reason)
        } else {
            write!(f, "{} line {}: {}", self.file, self.line, self.reason)
        }
    }
}

/// Problems found while loading, capped at [`MAX_PROBLEMS`] kept (all counted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems {
    pub kept: Vec<Problem>,
    pub total: usize,
}

impl Problems {
    pub fn push(&mut self, file: &str, line: usize, reason: impl Into<String>) {
        self.total += 1;
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(Problem {
                file: file.to_owned(),
                line,
                reason: reason.into(),
            });
        }
    }
    pub fn extend(&mut self, other: Problems) {
        self.total += other.total;
        for p in other.kept {
            if self.kept.len() < MAX_PROBLEMS {
                self.kept.push(p);
            }
        }
    }
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// Splits one CSV line into trimmed fields. Double quotes group a field (a doubled quote
/// inside is a literal quote); spaces around fields and quotes are dropped.
pub fn split_csv(line: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c == sep {
            out.push(cur.trim().to_owned());
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    out.push(cur.trim().to_owned());
    out
}

/// FNV-1a, 64 bits: a stable hash for cache file names.
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The last path component of a URL or path (the "source" name Slips shows).
pub fn file_name_of(location: &str) -> String {
    let no_query = location.split(['?', '#']).next().unwrap_or(location);
    let trimmed = no_query.trim_end_matches('/');
    trimmed
        .rsplit(['/', '\\'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(trimmed)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields() {
        assert_eq!(
            split_csv(r#""e7d705a3","medium","Standard tor client""#, ','),
            vec!["e7d705a3", "medium", "Standard tor client"]
        );
        assert_eq!(
            split_csv(r#" a , "b, c" ,"d ""q"" e""#, ','),
            vec!["a", "b, c", r#"d "q" e"#]
        );
        assert_eq!(split_csv("", ','), vec![""]);
    }

    #[test]
    fn names() {
        assert_eq!(
            file_name_of("https://lists.blocklist.de/lists/ssh.txt"),
            "ssh.txt"
        );
        assert_eq!(file_name_of("https://x.org/a/b.csv?x=1"), "b.csv");
        assert_eq!(file_name_of("/tmp/own.csv"), "own.csv");
        assert_ne!(fnv1a("a"), fnv1a("b"));
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
    }
}

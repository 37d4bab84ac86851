//! A generic YAML value that remembers where each node came from.
//!
//! The file is first parsed into this tree (with `serde-saphyr`), then the tree is walked
//! against the table of known keys in `schema.rs`. Keeping the line of every node lets
//! errors and warnings point at the offending line.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A node of the YAML tree with its source location.
pub(crate) type Node = Spanned<Raw>;

/// A YAML value of any kind.
#[derive(Debug)]
pub(crate) enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order (the parser rejects duplicate keys).
    Map(Vec<(Spanned<Key>, Node)>),
}

/// A mapping key, always turned into text (`1: x` has the key `"1"`).
#[derive(Debug)]
pub(crate) struct Key(pub String);

/// The 1-based line of a node, if the parser knew it.
pub(crate) fn line_of<T>(s: &Spanned<T>) -> Option<u64> {
    match s.referenced.line() {
        0 => None,
        l => Some(l),
    }
}

/// Parse a whole YAML document into a [`Node`].
///
/// Booleans follow YAML 1.1 like PyYAML (which Slips uses): `True`, `yes`, `on`… are
/// booleans. Non-finite floats (`.inf`, `.nan`) are passed through so that the
/// validators report them with the key's name instead of as a syntax error.
pub(crate) fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    let options = serde_saphyr::options! {
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
    };
    serde_saphyr::from_str_with_options(text, options)
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i128::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom("integer too large"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = a.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = a.next_key::<Spanned<Key>>()? {
            let value = a.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
        Ok(Key(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(Key(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Key, E> {
        Ok(Key(v))
    }

    fn visit_unit<E>(self) -> Result<Key, E> {
        Ok(Key("null".to_owned()))
    }

    fn visit_none<E>(self) -> Result<Key, E> {
        Ok(Key("null".to_owned()))
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

/// A short human description of a value for error messages: strings quoted, numbers as
/// written, containers by kind.
pub(crate) fn describe(raw: &Raw) -> String {
    const MAX: usize = 60;
    match raw {
        Raw::Null => "nothing (null)".to_owned(),
        Raw::Bool(b) => b.to_string(),
        Raw::Int(i) => i.to_string(),
        Raw::Float(f) => f.to_string(),
        Raw::Str(s) if s.chars().count() > MAX => {
            let cut: String = s.chars().take(MAX).collect();
            format!("{cut:?}…")
        }
        Raw::Str(s) => format!("{s:?}"),
        Raw::Seq(_) => "a list".to_owned(),
        Raw::Map(_) => "a mapping".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        match parse(text) {
            Ok(n) => n,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    #[test]
    fn parses_scalars_yaml11_style() {
        let n = root("a: True\nb: yes\nc: 3600\nd: 0.25\ne: 10080 mins\nf:\ng: .inf\n");
        let Raw::Map(entries) = &n.value else {
            panic!("not a map")
        };
        let vals: Vec<(&str, &Raw)> = entries
            .iter()
            .map(|(k, v)| (k.value.0.as_str(), &v.value))
            .collect();
        assert!(matches!(vals[0], ("a", Raw::Bool(true))));
        assert!(matches!(vals[1], ("b", Raw::Bool(true))));
        assert!(matches!(vals[2], ("c", Raw::Int(3600))));
        assert!(matches!(vals[3], ("d", Raw::Float(x)) if (*x - 0.25).abs() < 1e-12));
        assert!(matches!(vals[4], ("e", Raw::Str(s)) if s == "10080 mins"));
        assert!(matches!(vals[5], ("f", Raw::Null)));
        assert!(matches!(vals[6], ("g", Raw::Float(x)) if x.is_infinite()));
    }

    #[test]
    fn keeps_lines() {
        let n = root("a:\n  b: 1\n  c: [x, y]\n");
        let Raw::Map(top) = &n.value else {
            panic!("not a map")
        };
        let Raw::Map(inner) = &top[0].1.value else {
            panic!("not a map")
        };
        assert_eq!(line_of(&inner[0].0), Some(2));
        assert_eq!(line_of(&inner[1].1), Some(3));
    }

    #[test]
    fn empty_document_is_null() {
        assert!(matches!(root("").value, Raw::Null));
        assert!(matches!(root("# only a comment\n").value, Raw::Null));
    }

    #[test]
    fn describe_values() {
        assert_eq!(describe(&Raw::Str("abc".into())), "\"abc\"");
        assert_eq!(describe(&Raw::Int(-3)), "-3");
        assert_eq!(describe(&Raw::Seq(vec![])), "a list");
    }
}

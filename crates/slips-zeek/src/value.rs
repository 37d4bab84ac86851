//! Field values as the two formats give them (a TSV column, a JSON value) and their
//! conversions to the typed fields of the records.

use crate::error::ValueError;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use slips_core::{Mac, Str, Timestamp};
use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

/// A value of one field, whatever the input format.
///
/// Every conversion returns `Ok(None)` (or an empty vector) for an unset value and an error
/// for a value that is present but malformed.
pub(crate) trait Value {
    /// The value as text, for error messages.
    fn describe(&self) -> Cow<'_, str>;
    /// Runs `f` on the value as a string, without copying it.
    fn with_str<T>(&self, f: impl FnOnce(&str) -> T) -> Result<Option<T>, ValueError>;
    fn text(&self) -> Result<Option<Str>, ValueError>;
    fn ip(&self) -> Result<Option<IpAddr>, ValueError>;
    fn uint(&self) -> Result<Option<u64>, ValueError>;
    fn float(&self) -> Result<Option<f64>, ValueError>;
    fn boolean(&self) -> Result<Option<bool>, ValueError>;
    fn mac(&self) -> Result<Option<Mac>, ValueError>;
    fn time(&self) -> Result<Option<Timestamp>, ValueError>;
    fn texts(&self) -> Result<Vec<Str>, ValueError>;
    fn ips(&self) -> Result<Vec<IpAddr>, ValueError>;
    fn floats(&self) -> Result<Vec<f64>, ValueError>;

    fn u16(&self) -> Result<Option<u16>, ValueError> {
        match self.uint()? {
            Some(n) => u16::try_from(n).map(Some).map_err(|_| ValueError::Int),
            None => Ok(None),
        }
    }

    fn u32(&self) -> Result<Option<u32>, ValueError> {
        match self.uint()? {
            Some(n) => u32::try_from(n).map(Some).map_err(|_| ValueError::Int),
            None => Ok(None),
        }
    }

    /// Non-optional text fields: unset becomes the empty string.
    fn text_or_empty(&self) -> Result<Str, ValueError> {
        Ok(self.text()?.unwrap_or_default())
    }
}

// ---------------------------------------------------------------------------------------
// Scalar parsers shared by both formats.

/// Parses an unsigned decimal integer (no sign, no spaces).
#[inline]
pub(crate) fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut n: u64 = 0;
    if b.len() < 20 {
        // At most 19 digits: cannot overflow.
        for &c in b {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
    } else {
        for &c in b {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(d))?;
        }
    }
    Some(n)
}

/// Parses a finite decimal number.
#[inline]
pub(crate) fn parse_f64(s: &str) -> Option<f64> {
    // Rust accepts "inf", "NaN", "infinity": all rejected by the finiteness check.
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Parses a timestamp: seconds since the epoch, or ISO 8601 (as Zeek writes with
/// `LogAscii::json_timestamps=JSON::TS_ISO8601`).
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    match parse_f64(s) {
        Some(f) => Timestamp::new(f),
        None => parse_iso8601(s).and_then(Timestamp::new),
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]` to seconds since the epoch.
pub(crate) fn parse_iso8601(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let y = digits(&b[0..4])?;
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    let h = digits(&b[11..13])?;
    let mi = digits(&b[14..16])?;
    let sec = digits(&b[17..19])?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac = 0.0;
    if i < b.len() && b[i] == b'.' {
        let start = i;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start + 1 {
            return None;
        }
        frac = s.get(start..i)?.parse::<f64>().ok()?;
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) => {
            let rest = &b[i + 1..];
            let (oh, om) = match rest.len() {
                5 if rest[2] == b':' => (digits(&rest[0..2])?, digits(&rest[3..5])?),
                4 => (digits(&rest[0..2])?, digits(&rest[2..4])?),
                2 => (digits(rest)?, 0),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if c == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Some(secs as f64 + frac)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "T" | "true" | "TRUE" | "True" => Some(true),
        "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Undoes Zeek's `\xHH` escapes of TSV values (separators, non-printable bytes). The text is
/// kept as written when the decoded bytes would not be UTF-8.
pub(crate) fn unescape(raw: &str) -> Str {
    if memchr::memchr(b'\\', raw.as_bytes()).is_none() {
        return Str::from(raw);
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
            if let (Some(h), Some(l)) = (hex_val(b[i + 2]), hex_val(b[i + 3])) {
                out.push(h << 4 | l);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match std::str::from_utf8(&out) {
        Ok(s) => Str::from(s),
        Err(_) => Str::from(raw),
    }
}

// ---------------------------------------------------------------------------------------
// TSV values.

/// The markers of one TSV header block.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Markers {
    pub unset: String,
    pub empty: String,
    pub set_sep: u8,
}

impl Default for Markers {
    fn default() -> Self {
        Markers {
            unset: "-".to_owned(),
            empty: "(empty)".to_owned(),
            set_sep: b',',
        }
    }
}

/// One TSV column value.
#[derive(Clone, Copy)]
pub(crate) struct Tv<'a> {
    pub raw: &'a str,
    pub m: &'a Markers,
}

impl<'a> Tv<'a> {
    #[inline]
    fn is_unset(&self) -> bool {
        self.raw == self.m.unset
    }

    #[inline]
    fn is_empty_marker(&self) -> bool {
        self.raw == self.m.empty
    }

    /// The value unless unset or empty (both mean "nothing" for scalars other than strings).
    #[inline]
    fn scalar(&self) -> Option<&'a str> {
        if self.is_unset() || self.is_empty_marker() || self.raw.is_empty() {
            None
        } else {
            Some(self.raw)
        }
    }

    fn elements(&self) -> impl Iterator<Item = &'a str> {
        let raw = self.scalar().unwrap_or_default();
        let sep = self.m.set_sep;
        let mut rest = Some(raw).filter(|r| !r.is_empty());
        std::iter::from_fn(move || {
            let r = rest?;
            match memchr::memchr(sep, r.as_bytes()) {
                Some(i) => {
                    rest = Some(&r[i + 1..]);
                    Some(&r[..i])
                }
                None => {
                    rest = None;
                    Some(r)
                }
            }
        })
    }
}

impl Value for Tv<'_> {
    fn describe(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.raw)
    }

    fn with_str<T>(&self, f: impl FnOnce(&str) -> T) -> Result<Option<T>, ValueError> {
        Ok(self.scalar().map(f))
    }

    #[inline]
    fn text(&self) -> Result<Option<Str>, ValueError> {
        if self.is_unset() {
            Ok(None)
        } else if self.is_empty_marker() {
            Ok(Some(Str::default()))
        } else {
            Ok(Some(unescape(self.raw)))
        }
    }

    #[inline]
    fn ip(&self) -> Result<Option<IpAddr>, ValueError> {
        match self.scalar() {
            Some(s) => s.parse().map(Some).map_err(|_| ValueError::Ip),
            None => Ok(None),
        }
    }

    #[inline]
    fn uint(&self) -> Result<Option<u64>, ValueError> {
        match self.scalar() {
            Some(s) => parse_u64(s.as_bytes()).map(Some).ok_or(ValueError::Int),
            None => Ok(None),
        }
    }

    #[inline]
    fn float(&self) -> Result<Option<f64>, ValueError> {
        match self.scalar() {
            Some(s) => parse_f64(s).map(Some).ok_or(ValueError::Float),
            None => Ok(None),
        }
    }

    fn boolean(&self) -> Result<Option<bool>, ValueError> {
        match self.scalar() {
            Some(s) => parse_bool(s).map(Some).ok_or(ValueError::Bool),
            None => Ok(None),
        }
    }

    fn mac(&self) -> Result<Option<Mac>, ValueError> {
        match self.scalar() {
            Some(s) => s.parse().map(Some).map_err(|_| ValueError::Mac),
            None => Ok(None),
        }
    }

    #[inline]
    fn time(&self) -> Result<Option<Timestamp>, ValueError> {
        match self.scalar() {
            Some(s) => parse_time(s).map(Some).ok_or(ValueError::Time),
            None => Ok(None),
        }
    }

    fn texts(&self) -> Result<Vec<Str>, ValueError> {
        Ok(self.elements().map(unescape).collect())
    }

    fn ips(&self) -> Result<Vec<IpAddr>, ValueError> {
        self.elements()
            .map(|e| e.parse().map_err(|_| ValueError::Ip))
            .collect()
    }

    fn floats(&self) -> Result<Vec<f64>, ValueError> {
        self.elements()
            .map(|e| parse_f64(e).ok_or(ValueError::Float))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// JSON values.

/// One JSON value, borrowing strings from the line when they have no escapes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum JVal<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'a, str>),
    Arr(Vec<JVal<'a>>),
    Obj,
}

impl<'de> Deserialize<'de> for JVal<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JValVisitor)
    }
}

struct JValVisitor;

impl<'de> Visitor<'de> for JValVisitor {
    type Value = JVal<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(JVal::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(match u64::try_from(v) {
            Ok(u) => JVal::U64(u),
            Err(_) => JVal::I64(v),
        })
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(JVal::U64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(JVal::F64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(JVal::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(JVal::Str(Cow::Borrowed(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(JVal::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(JVal::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(JVal::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        JVal::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(x) = seq.next_element::<JVal<'de>>()? {
            v.push(x);
        }
        Ok(JVal::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(JVal::Obj)
    }
}

/// A JSON object key, borrowed when it has no escapes.
pub(crate) struct Key<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl JVal<'_> {
    fn scalar_text(&self) -> Result<Option<Str>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::Str(s) => Ok(Some(Str::from(s.as_ref()))),
            JVal::U64(n) => Ok(Some(Str::from(n.to_string()))),
            JVal::I64(n) => Ok(Some(Str::from(n.to_string()))),
            JVal::F64(n) => Ok(Some(Str::from(n.to_string()))),
            JVal::Bool(b) => Ok(Some(Str::from(if *b { "T" } else { "F" }))),
            JVal::Arr(_) | JVal::Obj => Err(ValueError::Type),
        }
    }

    fn items(&self) -> Result<&[JVal<'_>], ValueError> {
        match self {
            JVal::Arr(v) => Ok(v),
            JVal::Null => Ok(&[]),
            _ => Err(ValueError::Type),
        }
    }
}

impl Value for JVal<'_> {
    fn describe(&self) -> Cow<'_, str> {
        match self {
            JVal::Str(s) => Cow::Borrowed(s.as_ref()),
            JVal::Null => Cow::Borrowed("null"),
            JVal::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            JVal::U64(n) => Cow::Owned(n.to_string()),
            JVal::I64(n) => Cow::Owned(n.to_string()),
            JVal::F64(n) => Cow::Owned(n.to_string()),
            JVal::Arr(_) => Cow::Borrowed("[…]"),
            JVal::Obj => Cow::Borrowed("{…}"),
        }
    }

    fn with_str<T>(&self, f: impl FnOnce(&str) -> T) -> Result<Option<T>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::Str(s) => Ok(Some(f(s))),
            _ => Err(ValueError::Type),
        }
    }

    fn text(&self) -> Result<Option<Str>, ValueError> {
        self.scalar_text()
    }

    fn ip(&self) -> Result<Option<IpAddr>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::Str(s) => s.parse().map(Some).map_err(|_| ValueError::Ip),
            _ => Err(ValueError::Ip),
        }
    }

    fn uint(&self) -> Result<Option<u64>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::U64(n) => Ok(Some(*n)),
            JVal::F64(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 18_446_744_073_709_551_615.0 => {
                Ok(Some(*f as u64))
            }
            JVal::Str(s) => parse_u64(s.as_bytes()).map(Some).ok_or(ValueError::Int),
            _ => Err(ValueError::Int),
        }
    }

    fn float(&self) -> Result<Option<f64>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::U64(n) => Ok(Some(*n as f64)),
            JVal::I64(n) => Ok(Some(*n as f64)),
            JVal::F64(f) if f.is_finite() => Ok(Some(*f)),
            JVal::Str(s) => parse_f64(s).map(Some).ok_or(ValueError::Float),
            _ => Err(ValueError::Float),
        }
    }

    fn boolean(&self) -> Result<Option<bool>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::Bool(b) => Ok(Some(*b)),
            JVal::Str(s) => parse_bool(s).map(Some).ok_or(ValueError::Bool),
            _ => Err(ValueError::Bool),
        }
    }

    fn mac(&self) -> Result<Option<Mac>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::Str(s) => s.parse().map(Some).map_err(|_| ValueError::Mac),
            _ => Err(ValueError::Mac),
        }
    }

    fn time(&self) -> Result<Option<Timestamp>, ValueError> {
        match self {
            JVal::Null => Ok(None),
            JVal::U64(n) => Timestamp::new(*n as f64).map(Some).ok_or(ValueError::Time),
            JVal::I64(n) => Timestamp::new(*n as f64).map(Some).ok_or(ValueError::Time),
            JVal::F64(f) => Timestamp::new(*f).map(Some).ok_or(ValueError::Time),
            JVal::Str(s) => parse_time(s).map(Some).ok_or(ValueError::Time),
            _ => Err(ValueError::Time),
        }
    }

    fn texts(&self) -> Result<Vec<Str>, ValueError> {
        if let JVal::Str(s) = self {
            return Ok(vec![Str::from(s.as_ref())]);
        }
        let mut out = Vec::new();
        for v in self.items()? {
            if let Some(t) = v.scalar_text()? {
                out.push(t);
            }
        }
        Ok(out)
    }

    fn ips(&self) -> Result<Vec<IpAddr>, ValueError> {
        if let JVal::Str(_) = self {
            return Ok(self.ip()?.into_iter().collect());
        }
        let mut out = Vec::new();
        for v in self.items()? {
            if let Some(ip) = v.ip()? {
                out.push(ip);
            }
        }
        Ok(out)
    }

    fn floats(&self) -> Result<Vec<f64>, ValueError> {
        let mut out = Vec::new();
        for v in self.items()? {
            if let Some(f) = v.float()? {
                out.push(f);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"99999999999999999999"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"1.0"), None);
        assert_eq!(parse_u64(b" 1"), None);
    }

    #[test]
    fn floats_reject_non_finite() {
        assert_eq!(parse_f64("1601998366.785668"), Some(1601998366.785668));
        for s in ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "", "x"] {
            assert_eq!(parse_f64(s), None, "{s}");
        }
    }

    #[test]
    fn iso_timestamps() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_iso8601("2020-10-06T15:32:46.5Z"),
            Some(1_601_998_366.5)
        );
        assert_eq!(
            parse_iso8601("2020-10-06T17:32:46.5+02:00"),
            Some(1_601_998_366.5)
        );
        assert_eq!(parse_iso8601("2020-10-06 15:32:46"), Some(1_601_998_366.0));
        assert_eq!(parse_iso8601("2020-13-06T15:32:46Z"), None);
        assert_eq!(parse_iso8601("2020-10-06T15:32:46.Z"), None);
        assert_eq!(parse_iso8601("2020-10-06T15:32:46Q"), None);
        assert_eq!(parse_iso8601("2020-10-06"), None);
        assert_eq!(parse_time("22.5").map(|t| t.secs()), Some(22.5));
    }

    #[test]
    fn unescaping() {
        assert_eq!(unescape("plain"), "plain");
        assert_eq!(unescape("a\\x2cb"), "a,b");
        assert_eq!(unescape("tab\\x09x"), "tab\tx");
        assert_eq!(unescape("\\xc3\\xa9"), "é");
        // Not UTF-8 once decoded: kept as written.
        assert_eq!(unescape("\\xff"), "\\xff");
        // Incomplete escapes are kept.
        assert_eq!(unescape("a\\x2"), "a\\x2");
        assert_eq!(unescape("\\"), "\\");
    }

    #[test]
    fn tsv_values() {
        let m = Markers::default();
        let v = |raw| Tv { raw, m: &m };
        assert_eq!(v("-").text().unwrap(), None);
        assert_eq!(v("(empty)").text().unwrap(), Some(Str::default()));
        assert_eq!(v("-").uint().unwrap(), None);
        assert_eq!(v("(empty)").texts().unwrap(), Vec::<Str>::new());
        assert_eq!(v("-").texts().unwrap(), Vec::<Str>::new());
        assert_eq!(v("a,b\\x2cc").texts().unwrap(), vec!["a", "b,c"]);
        assert_eq!(v("1.5,2").floats().unwrap(), vec![1.5, 2.0]);
        assert_eq!(v("1.5,x").floats(), Err(ValueError::Float));
        assert_eq!(v("T").boolean().unwrap(), Some(true));
        assert_eq!(v("F").boolean().unwrap(), Some(false));
        assert_eq!(v("Y").boolean(), Err(ValueError::Bool));
        assert_eq!(v("70000").u16(), Err(ValueError::Int));
        assert_eq!(v("1.2.3.4,::1").ips().unwrap().len(), 2);
        assert_eq!(v("nan").time(), Err(ValueError::Time));
    }

    #[test]
    fn json_values() {
        let v: JVal = serde_json::from_str(r#"[1, "a", null, 2.5]"#).unwrap();
        assert_eq!(v.texts().unwrap(), vec!["1", "a", "2.5"]);
        let v: JVal = serde_json::from_str(r#""a\"b""#).unwrap();
        assert_eq!(v.text().unwrap().unwrap(), "a\"b");
        let v: JVal = serde_json::from_str("-3").unwrap();
        assert_eq!(v.uint(), Err(ValueError::Int));
        let v: JVal = serde_json::from_str("3.0").unwrap();
        assert_eq!(v.uint(), Ok(Some(3)));
        let v: JVal = serde_json::from_str(r#"{"a":[1,{}]}"#).unwrap();
        assert_eq!(v, JVal::Obj);
        assert_eq!(v.text(), Err(ValueError::Type));
    }
}

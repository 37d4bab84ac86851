//! MAC vendors from the IEEE OUI registry (`oui.csv`, as the Debian package `ieee-data`
//! installs it in `/usr/share/ieee-data/`): `Registry,Assignment,Organization Name,...`.

use crate::text::{split_csv, Problems};
use foldhash::HashMap;
use slips_core::{Mac, Str};

/// Vendors by the first three bytes of the MAC address (MA-L assignments).
#[derive(Clone, Debug, Default)]
pub struct MacVendors {
    by_oui: HashMap<[u8; 3], Str>,
}

impl MacVendors {
    /// Parses `oui.csv`. Lines that are not `MA-L,<6 hex digits>,<name>,...` are reported.
    pub fn parse(text: &str, file: &str, problems: &mut Problems) -> MacVendors {
        let mut by_oui = HashMap::default();
        for (i, line) in csv_records(text) {
            let line = line.trim();
            if i == 0 && line.starts_with("Registry,") || line.is_empty() {
                continue;
            }
            let f = split_csv(line, ',');
            let (Some(hex), Some(name)) = (f.get(1), f.get(2)) else {
                problems.push(
                    file,
                    i + 1,
                    "expected Registry,Assignment,Organization Name",
                );
                continue;
            };
            let Some(oui) = parse_oui(hex) else {
                problems.push(file, i + 1, format!("invalid assignment '{hex}'"));
                continue;
            };
            if !name.is_empty() {
                by_oui
                    .entry(oui)
                    .or_insert_with(|| Str::from(name.as_str()));
            }
        }
        MacVendors { by_oui }
    }

    pub fn len(&self) -> usize {
        self.by_oui.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_oui.is_empty()
    }

    /// The vendor; `None` for unknown, locally administered or multicast addresses.
    pub fn vendor(&self, mac: Mac) -> Option<Str> {
        if mac.0[0] & 0x03 != 0 {
            return None;
        }
        self.by_oui.get(&[mac.0[0], mac.0[1], mac.0[2]]).cloned()
    }
}

/// CSV records with their 0-based starting line: a quoted field may span lines (the
/// registry's addresses do).
fn csv_records(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text;
    let mut line = 0usize;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (mut quoted, mut end, mut newlines) = (false, rest.len(), 0usize);
        for (i, b) in rest.bytes().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => {
                    end = i;
                    break;
                }
                b'\n' => newlines += 1,
                _ => {}
            }
        }
        let record = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        let start = line;
        line += newlines + 1;
        Some((start, record))
    })
}

fn parse_oui(hex: &str) -> Option<[u8; 3]> {
    let h = hex.trim();
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_may_span_lines() {
        let text = "Registry,Assignment,Organization Name,Organization Address\n\
                    MA-L,001122,\"Acme, Ltd\",\"Main St\nEast 2nd Section\nTW\"\n\
                    MA-L,XYZ,Broken,\n";
        let mut p = Problems::default();
        let v = MacVendors::parse(text, "oui.csv", &mut p);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v.vendor("00:11:22:00:00:01".parse().unwrap()).as_deref(),
            Some("Acme, Ltd")
        );
        assert_eq!(p.total, 1);
        assert_eq!(
            p.kept[0].to_string(),
            "oui.csv line 5: invalid assignment 'XYZ'"
        );
    }

    #[test]
    fn the_installed_registry_parses_cleanly() {
        let path = "/usr/share/ieee-data/oui.csv";
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipping: {path} is absent (Debian package ieee-data)");
            return;
        };
        let mut p = Problems::default();
        let v = MacVendors::parse(&text, path, &mut p);
        assert!(v.len() > 30_000, "{}", v.len());
        assert_eq!(p.total, 0, "{:?}", p.kept.first());
    }

    #[test]
    fn parses_the_registry_format() {
        let text = "Registry,Assignment,Organization Name,Organization Address\n\
                    MA-L,080027,PCS Systemtechnik GmbH,Pfaffenbergstr. DE\n\
                    MA-L,00D0EF,\"IGT, Inc.\",RENO NV US\n\
                    MA-L,XYZ,Broken,\n\
                    garbage\n";
        let mut p = Problems::default();
        let v = MacVendors::parse(text, "oui.csv", &mut p);
        assert_eq!(v.len(), 2);
        let mac = |s: &str| s.parse::<Mac>().unwrap();
        assert_eq!(
            v.vendor(mac("08:00:27:7f:09:e1")).as_deref(),
            Some("PCS Systemtechnik GmbH")
        );
        assert_eq!(
            v.vendor(mac("00:d0:ef:00:00:01")).as_deref(),
            Some("IGT, Inc.")
        );
        assert_eq!(
            v.vendor(mac("0a:00:27:7f:09:e1")),
            None,
            "locally administered"
        );
        assert_eq!(v.vendor(mac("00:00:01:00:00:00")), None);
        assert_eq!(p.total, 2);
        assert_eq!(
            p.kept[0].to_string(),
            "oui.csv line 4: invalid assignment 'XYZ'"
        );
        assert_eq!(
            p.kept[1].to_string(),
            "oui.csv line 5: expected Registry,Assignment,Organization Name"
        );
    }

    #[test]
    fn system_registry_when_installed() {
        let path = "/usr/share/ieee-data/oui.csv";
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipping: {path} is absent (Debian package ieee-data)");
            return;
        };
        let mut p = Problems::default();
        let v = MacVendors::parse(&text, path, &mut p);
        assert!(v.len() > 30_000, "{}", v.len());
        // 08:00:27 is VirtualBox's prefix (PCS Systemtechnik / Oracle).
        let vendor = v.vendor("08:00:27:00:00:01".parse().unwrap()).unwrap();
        assert!(vendor.starts_with("PCS"), "{vendor}");
    }
}

//! GeoIP country and ASN (with organisation) from MaxMind DB files. A missing or unreadable
//! database disables its field with one warning.

use crate::db::AsnSource;
use maxminddb::{geoip2, Reader};
use slips_core::Str;
use std::net::IpAddr;
use std::path::Path;

/// The GeoIP databases that could be opened.
#[derive(Default)]
pub struct Geo {
    country: Option<Reader<Vec<u8>>>,
    asn: Option<Reader<Vec<u8>>>,
}

impl std::fmt::Debug for Geo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Geo")
            .field("country", &self.country.is_some())
            .field("asn", &self.asn.is_some())
            .finish()
    }
}

fn open(path: Option<&Path>, what: &str) -> Option<Reader<Vec<u8>>> {
    let path = path.filter(|p| !p.as_os_str().is_empty())?;
    match Reader::open_readfile(path) {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(
                "GeoIP {what} database {} not usable ({e}); {what} enrichment disabled",
                path.display()
            );
            None
        }
    }
}

impl Geo {
    /// Opens the databases; `None` or an empty path means not configured (no warning).
    pub fn open(country: Option<&Path>, asn: Option<&Path>) -> Geo {
        Geo {
            country: open(country, "country"),
            asn: open(asn, "ASN"),
        }
    }

    pub fn has_country(&self) -> bool {
        self.country.is_some()
    }
    pub fn has_asn(&self) -> bool {
        self.asn.is_some()
    }

    /// ISO country code (`GB`).
    pub fn country(&self, ip: IpAddr) -> Option<Str> {
        let r = self.country.as_ref()?;
        let c: geoip2::Country = r.lookup(ip).ok()?.decode().ok()??;
        c.country
            .iso_code
            .or(c.registered_country.iso_code)
            .map(Str::from)
    }

    /// Autonomous system number and organisation.
    pub fn asn(&self, ip: IpAddr) -> Option<(u32, Option<Str>)> {
        let r = self.asn.as_ref()?;
        let a: geoip2::Asn = r.lookup(ip).ok()?.decode().ok()??;
        Some((
            a.autonomous_system_number?,
            a.autonomous_system_organization.map(Str::from),
        ))
    }
}

impl AsnSource for Geo {
    fn asn_of(&self, ip: IpAddr) -> Option<u32> {
        self.asn(ip).map(|(n, _)| n)
    }
    fn asn_org(&self, ip: IpAddr) -> Option<Str> {
        self.asn(ip).and_then(|(_, o)| o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MM: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/maxmind"
    );
    const GEOLITE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/slips-data/databases/GeoLite2-Country.mmdb"
    );

    #[test]
    fn test_databases() {
        let dir = Path::new(MM);
        if !dir.exists() {
            eprintln!("skipping: {MM} is absent");
            return;
        }
        let g = Geo::open(
            Some(&dir.join("GeoLite2-Country-Test.mmdb")),
            Some(&dir.join("GeoLite2-ASN-Test.mmdb")),
        );
        assert!(g.has_country() && g.has_asn());
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(g.country(ip("81.2.69.160")).as_deref(), Some("GB"));
        assert_eq!(g.country(ip("2001:218::1")).as_deref(), Some("JP"));
        assert_eq!(g.country(ip("10.0.0.1")), None);
        assert_eq!(
            g.asn(ip("1.128.0.0")),
            Some((1221, Some("Telstra Pty Ltd".into())))
        );
        assert_eq!(g.asn(ip("12.81.92.0")).map(|a| a.0), Some(7018));
        assert_eq!(g.asn(ip("2600:6000::1")).map(|a| a.0), Some(237));
        assert_eq!(g.asn_of(ip("10.0.0.1")), None);
    }

    #[test]
    fn real_country_database() {
        if !Path::new(GEOLITE).exists() {
            eprintln!("skipping: {GEOLITE} is absent");
            return;
        }
        let g = Geo::open(Some(Path::new(GEOLITE)), None);
        assert!(g.has_country());
        assert!(!g.has_asn());
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // 8.8.8.8 is registered in the US; 147.32.0.0/16 is CTU in Prague.
        assert_eq!(g.country(ip("8.8.8.8")).as_deref(), Some("US"));
        assert_eq!(g.country(ip("147.32.80.9")).as_deref(), Some("CZ"));
        assert_eq!(g.asn(ip("8.8.8.8")), None, "no ASN database");
    }

    #[test]
    fn missing_database_disables_the_field() {
        let g = Geo::open(Some(Path::new("/nonexistent/GeoLite2-ASN.mmdb")), None);
        assert!(!g.has_asn() && !g.has_country());
        assert_eq!(g.asn("8.8.8.8".parse().unwrap()), None);
        assert_eq!(g.country("8.8.8.8".parse().unwrap()), None);
    }
}

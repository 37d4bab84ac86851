//! A TAXII 2.1 client for pushing: discovery, API root, the collection by id or title,
//! then "add objects" envelopes, with HTTP Basic authentication over HTTP or HTTPS.

use crate::worker::Failure;
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;

pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// Where and how to push.
#[derive(Clone)]
pub struct TaxiiOptions {
    /// The discovery URL (`http(s)://server:port/taxii2/`).
    pub discovery_url: String,
    /// The collection's id or title.
    pub collection: String,
    pub username: String,
    /// Never logged.
    pub password: Option<String>,
    pub timeout: Duration,
    /// A CA certificate (PEM) to trust for HTTPS instead of Mozilla's roots.
    pub ca: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for TaxiiOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaxiiOptions")
            .field("discovery_url", &self.discovery_url)
            .field("collection", &self.collection)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The discovery URL from Slips' keys: `TAXII_server`, `port`, `use_https` and
/// `discovery_path` (a path, or a full URL that wins over the others).
pub fn discovery_url(server: &str, port: u16, https: bool, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_owned();
    }
    let scheme = if https { "https" } else { "http" };
    let server = server
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    format!("{scheme}://{server}:{port}{path}")
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> &str {
    let after = url.find("://").map_or(0, |i| i + 3);
    match url[after..].find('/') {
        Some(i) => &url[..after + i],
        None => url,
    }
}

/// An URL the server gave (absolute, or a path on the discovery server), with a trailing
/// slash.
fn join(base: &str, s: &str) -> String {
    let mut u = if s.starts_with("http://") || s.starts_with("https://") {
        s.to_owned()
    } else if s.starts_with('/') {
        format!("{}{s}", origin(base))
    } else {
        format!("{}/{s}", origin(base))
    };
    if !u.ends_with('/') {
        u.push('/');
    }
    u
}

pub struct Taxii {
    agent: ureq::Agent,
    opts: TaxiiOptions,
    objects_url: Option<String>,
}

fn status_failure(what: &str, status: u16, body: &str) -> Failure {
    let text: String = body.chars().take(200).collect();
    let reason = format!("taxii {what}: HTTP {status}: {text}");
    if status == 429 || status >= 500 || status == 408 {
        Failure::retry(reason)
    } else {
        Failure::Permanent(reason)
    }
}

impl Taxii {
    pub fn new(opts: TaxiiOptions) -> Result<Taxii, crate::Error> {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .user_agent("slips");
        if let Some(ca) = &opts.ca {
            let bytes = std::fs::read(ca).map_err(|e| {
                crate::Error::Config(format!("export.taxii_ca_file {}: {e}", ca.display()))
            })?;
            let roots: Vec<_> = ureq::tls::parse_pem(&bytes)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if roots.is_empty() {
                return Err(crate::Error::Config(format!(
                    "export.taxii_ca_file {}: no PEM certificate",
                    ca.display()
                )));
            }
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                    .build(),
            );
        }
        Ok(Taxii {
            agent: ureq::Agent::new_with_config(config.build()),
            opts,
            objects_url: None,
        })
    }

    fn auth(&self) -> Option<String> {
        let p = self.opts.password.as_deref()?;
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{p}", self.opts.username));
        Some(format!("Basic {token}"))
    }

    fn get(&self, what: &str, url: &str) -> Result<Value, Failure> {
        let mut req = self.agent.get(url).header("Accept", MEDIA_TYPE);
        if let Some(a) = self.auth() {
            req = req.header("Authorization", a);
        }
        let mut resp = req
            .call()
            .map_err(|e| Failure::retry(format!("taxii {what} {url}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        if !(200..300).contains(&status) {
            return Err(status_failure(what, status, &body));
        }
        serde_json::from_str(&body)
            .map_err(|e| Failure::Permanent(format!("taxii {what} {url}: not JSON: {e}")))
    }

    /// Discovery → API root → the collection's objects URL.
    pub fn resolve(&mut self) -> Result<String, Failure> {
        if let Some(u) = &self.objects_url {
            return Ok(u.clone());
        }
        let d = &self.opts.discovery_url;
        let disc = self.get("discovery", d)?;
        let root = disc["default"]
            .as_str()
            .or_else(|| disc["api_roots"].as_array()?.first()?.as_str())
            .ok_or_else(|| Failure::Permanent(format!("taxii discovery {d}: no API root")))?;
        let root = join(d, root);
        let cols = self.get("collections", &format!("{root}collections/"))?;
        let want = &self.opts.collection;
        let c = cols["collections"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"].as_str() == Some(want) || c["title"].as_str() == Some(want))
            .ok_or_else(|| {
                let known: Vec<String> = cols["collections"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        format!(
                            "{} ({})",
                            c["title"].as_str().unwrap_or("?"),
                            c["id"].as_str().unwrap_or("?")
                        )
                    })
                    .collect();
                Failure::Permanent(format!(
                    "taxii: no collection {want:?} at {root} (there are: {})",
                    known.join(", ")
                ))
            })?;
        if c["can_write"] != Value::Bool(true) {
            return Err(Failure::Permanent(format!(
                "taxii: collection {want:?} at {root} is not writable"
            )));
        }
        let id = c["id"].as_str().unwrap_or_default();
        let url = format!("{root}collections/{id}/objects/");
        tracing::info!("taxii: pushing to {url}");
        self.objects_url = Some(url.clone());
        Ok(url)
    }

    /// Adds objects to the collection (one envelope).
    pub fn push(&mut self, objects: &[Value]) -> Result<(), Failure> {
        let url = self.resolve()?;
        let body = json!({ "objects": objects }).to_string();
        let mut req = self
            .agent
            .post(&url)
            .header("Accept", MEDIA_TYPE)
            .header("Content-Type", MEDIA_TYPE);
        if let Some(a) = self.auth() {
            req = req.header("Authorization", a);
        }
        let mut resp = req
            .send(body)
            .map_err(|e| Failure::retry(format!("taxii push {url}: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        if !(200..300).contains(&status) {
            if status == 404 {
                // The collection may have moved: look it up again next time.
                self.objects_url = None;
            }
            return Err(status_failure("push", status, &text));
        }
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        tracing::debug!(
            "taxii: pushed {} object(s): {} succeeded, {} failed",
            objects.len(),
            v["success_count"],
            v["failure_count"]
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            discovery_url("localhost", 1234, false, "/taxii2/"),
            "http://localhost:1234/taxii2/"
        );
        assert_eq!(
            discovery_url("https://t.example/", 443, true, "taxii2/"),
            "https://t.example:443/taxii2/"
        );
        assert_eq!(
            discovery_url("x", 1, false, "https://other/taxii2/"),
            "https://other/taxii2/"
        );
        assert_eq!(join("http://h:1/taxii2/", "/api1/"), "http://h:1/api1/");
        assert_eq!(join("http://h:1/taxii2/", "api1"), "http://h:1/api1/");
        assert_eq!(join("http://h:1/taxii2/", "https://o/a"), "https://o/a/");
        let o = TaxiiOptions {
            discovery_url: "u".into(),
            collection: "c".into(),
            username: "u".into(),
            password: Some("hunter2".into()),
            timeout: Duration::from_secs(1),
            ca: None,
        };
        assert!(!format!("{o:?}").contains("hunter2"));
    }
}

//! Slack: one message per alert (the attacker, its time window, the strongest evidence and
//! a link to the web interface when there is one), through an incoming webhook or
//! `chat.postMessage` with a bot token. Messages are spaced by a minimum interval; HTTP 429
//! (with its `Retry-After`), Slack's `ratelimited` and 5xx answers are retried with backoff.

use crate::format::Meta;
use crate::worker::{Backend, Exporter, Failure, Policy, Stats};
use crate::Error;
use serde_json::json;
use slips_core::{Alert, Evidence};
use slips_output::{timefmt, Now, Sink};
use std::time::{Duration, Instant};

/// How messages reach Slack. Both hold secrets: never logged.
#[derive(Clone)]
pub enum Auth {
    /// An incoming-webhook URL.
    Webhook(String),
    /// `chat.postMessage` at `api_url` with a bot token, to `channel`.
    Bot {
        token: String,
        api_url: String,
        channel: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Webhook(_) => f.write_str("Webhook(***)"),
            Auth::Bot {
                api_url, channel, ..
            } => write!(
                f,
                "Bot {{ api_url: {api_url:?}, channel: {channel:?}, token: *** }}"
            ),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SlackOptions {
    pub auth: Auth,
    pub meta: Meta,
    /// The web interface's base URL, linked from each message.
    pub web_url: Option<String>,
    /// Least time between two messages.
    pub min_interval: Duration,
    /// Per request.
    pub timeout: Duration,
}

/// Evidence listed in a message.
const TOP_EVIDENCE: usize = 3;

/// `&`, `<` and `>` escaped as Slack's text format wants.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text of the message for an alert.
pub fn message(a: &Alert, evidence: &[Evidence], meta: &Meta, web_url: Option<&str>) -> String {
    let mut top: Vec<&Evidence> = evidence.iter().collect();
    top.sort_by(|x, y| {
        y.weight()
            .total_cmp(&x.weight())
            .then_with(|| x.ts.cmp(&y.ts))
    });
    let mut text = format!(
        ":rotating_light: *slips alert* on {}: *{}* is malicious in timewindow {} ({} – {} UTC), score {:.2}, confidence {:.2}, {} evidence",
        escape(&meta.sensor),
        a.profile,
        a.timewindow.number,
        timefmt::slash(a.timewindow.start),
        timefmt::slash(a.timewindow.end),
        a.accumulated_threat_level,
        a.confidence,
        evidence.len(),
    );
    if a.blocked == Some(true) {
        text.push_str(" (blocked)");
    }
    if !top.is_empty() {
        text.push_str("\nTop evidence:");
        for e in top.iter().take(TOP_EVIDENCE) {
            text.push_str(&format!(
                "\n• {} `{}`: {}",
                e.threat_level,
                e.evidence_type,
                escape(&e.description.replace('\n', " "))
            ));
        }
    }
    if let Some(u) = web_url.filter(|u| !u.is_empty()) {
        text.push_str(&format!(
            "\n<{}/?ip={}&tw={}|Open in the web interface>",
            u.trim_end_matches('/'),
            a.profile,
            a.timewindow.number
        ));
    }
    text
}

struct SlackBackend {
    agent: ureq::Agent,
    opts: SlackOptions,
    last: Option<Instant>,
}

fn retry_after(resp: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    resp.headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

impl SlackBackend {
    /// An error text without the secret URL or token in it.
    fn scrub(&self, s: String) -> String {
        let secret = match &self.opts.auth {
            Auth::Webhook(u) => u.as_str(),
            Auth::Bot { token, .. } => token.as_str(),
        };
        if secret.is_empty() {
            s
        } else {
            s.replace(secret, "***")
        }
    }
}

impl Backend for SlackBackend {
    type Item = String;

    fn send(&mut self, text: &String) -> Result<(), Failure> {
        if let Some(t) = self.last {
            let next = t + self.opts.min_interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        self.last = Some(Instant::now());
        let (req, body, bot) = match &self.opts.auth {
            Auth::Webhook(url) => (
                self.agent.post(url),
                json!({ "text": text, "mrkdwn": true }),
                false,
            ),
            Auth::Bot {
                token,
                api_url,
                channel,
            } => (
                self.agent
                    .post(api_url)
                    .header("Authorization", format!("Bearer {token}")),
                json!({ "channel": channel, "text": text, "mrkdwn": true }),
                true,
            ),
        };
        let resp = req
            .header("Content-Type", "application/json; charset=utf-8")
            .send(body.to_string());
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => return Err(Failure::retry(self.scrub(format!("slack: {e}")))),
        };
        let status = resp.status().as_u16();
        let after = retry_after(&resp);
        let answer = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        if status == 429 || status >= 500 {
            return Err(Failure::Retry {
                reason: format!("slack: HTTP {status}"),
                after,
            });
        }
        if !(200..300).contains(&status) {
            return Err(Failure::Permanent(format!(
                "slack: HTTP {status}: {}",
                self.scrub(answer.chars().take(200).collect())
            )));
        }
        if bot {
            // chat.postMessage answers 200 with {"ok": false, "error": ...} on errors.
            let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
            if v["ok"] != serde_json::Value::Bool(true) {
                let err = v["error"].as_str().unwrap_or("no answer").to_owned();
                return Err(if err == "ratelimited" {
                    Failure::Retry {
                        reason: "slack: ratelimited".into(),
                        after,
                    }
                } else {
                    Failure::Permanent(format!("slack: chat.postMessage: {err}"))
                });
            }
        }
        Ok(())
    }
}

/// The Slack sink.
pub struct SlackSink {
    ex: Exporter<String>,
    meta: Meta,
    web_url: Option<String>,
}

impl SlackSink {
    pub fn start(opts: SlackOptions, policy: Policy) -> Result<SlackSink, Error> {
        let url = match &opts.auth {
            Auth::Webhook(u) => u,
            Auth::Bot { api_url, .. } => api_url,
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::Config(
                "slack: the webhook or API URL must start with https:// (or http://)".into(),
            ));
        }
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_global(Some(opts.timeout))
                .http_status_as_error(false)
                .user_agent("slips")
                .build(),
        );
        let (meta, web_url) = (opts.meta.clone(), opts.web_url.clone());
        let backend = SlackBackend {
            agent,
            opts,
            last: None,
        };
        Ok(SlackSink {
            ex: Exporter::start("slack", backend, policy)?,
            meta,
            web_url,
        })
    }

    pub fn stats(&self) -> Stats {
        self.ex.stats()
    }
}

impl Sink for SlackSink {
    fn name(&self) -> &'static str {
        "slack"
    }
    fn alert(&mut self, a: &Alert, ev: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.ex
            .offer(message(a, ev, &self.meta, self.web_url.as_deref()));
        Ok(())
    }
    fn finish(&mut self, _: &[slips_core::summary::ProfileSummary]) -> slips_output::Result<()> {
        self.ex.close();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixtures::*;
    use crate::testserver::{Answer, Server};
    use slips_core::Timestamp;

    fn now() -> Now<'static> {
        Now {
            create_time: "x",
            event_time: Timestamp::ZERO,
        }
    }

    fn meta() -> Meta {
        Meta {
            sensor: "sensor<1>".into(),
            version: "0.1.0".into(),
        }
    }

    fn policy() -> Policy {
        Policy {
            retries: Some(3),
            backoff: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
            ..Policy::default()
        }
    }

    fn opts(auth: Auth) -> SlackOptions {
        SlackOptions {
            auth,
            meta: meta(),
            web_url: Some("http://127.0.0.1:55000/".into()),
            min_interval: Duration::from_millis(150),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn message_lists_top_evidence_and_links() {
        let mut low = domain_evidence();
        low.threat_level = slips_core::ThreatLevel::Low;
        let m = message(
            &alert(),
            &[low, evidence()],
            &meta(),
            Some("http://w:55000"),
        );
        assert!(m.contains("on sensor&lt;1&gt;: *10.0.0.5* is malicious in timewindow 2 (2023/11/14 22:13:20 – 2023/11/14 23:13:20 UTC)"), "{m}");
        let first = m.find("HORIZONTAL_PORT_SCAN").unwrap();
        let second = m.find("THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN").unwrap();
        assert!(first < second, "strongest first: {m}");
        assert!(
            m.ends_with("<http://w:55000/?ip=10.0.0.5&tw=2|Open in the web interface>"),
            "{m}"
        );
    }

    #[test]
    fn webhook_retries_429_and_5xx_then_delivers_spaced() {
        let server = Server::start(vec![
            Answer::new(429, "").with_header("Retry-After", "0"),
            Answer::new(503, ""),
            Answer::new(200, "ok"),
        ]);
        let url = server.url("/services/T000/B000/XXXX");
        let mut s = SlackSink::start(opts(Auth::Webhook(url)), policy()).unwrap();
        s.alert(&alert(), &[evidence()], &now()).unwrap();
        s.alert(&alert(), &[], &now()).unwrap();
        s.finish(&[]).unwrap();
        let r = s.stats().report();
        assert_eq!((r.sent, r.failed, r.retries), (2, 0, 2), "{r:?}");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 4);
        for q in &reqs {
            assert_eq!(q.method, "POST");
            assert_eq!(q.path, "/services/T000/B000/XXXX");
            assert!(q
                .header("content-type")
                .unwrap()
                .starts_with("application/json"));
            assert!(q.header("authorization").is_none());
            let v: serde_json::Value = serde_json::from_str(&q.body).unwrap();
            assert!(v["text"].as_str().unwrap().contains("is malicious"));
        }
    }

    #[test]
    fn bot_token_and_rate_limit() {
        let server = Server::start(vec![
            Answer::new(200, r#"{"ok":false,"error":"ratelimited"}"#)
                .with_header("Retry-After", "0"),
            Answer::new(200, r#"{"ok":true,"ts":"1.2"}"#),
        ]);
        let mut s = SlackSink::start(
            opts(Auth::Bot {
                token: "xoxb-secret".into(),
                api_url: server.url("/api/chat.postMessage"),
                channel: "alerts".into(),
            }),
            policy(),
        )
        .unwrap();
        let t = Instant::now();
        for _ in 0..3 {
            s.alert(&alert(), &[evidence()], &now()).unwrap();
        }
        s.finish(&[]).unwrap();
        let r = s.stats().report();
        assert_eq!((r.sent, r.retries), (3, 1), "{r:?}");
        // Four requests, each at least 150 ms after the previous.
        assert!(
            t.elapsed() >= Duration::from_millis(450),
            "{:?}",
            t.elapsed()
        );
        for q in server.requests() {
            assert_eq!(q.header("authorization"), Some("Bearer xoxb-secret"));
            let v: serde_json::Value = serde_json::from_str(&q.body).unwrap();
            assert_eq!(v["channel"], "alerts");
        }
    }

    #[test]
    fn permanent_errors_are_not_retried_and_never_show_the_secret() {
        let server = Server::start(vec![Answer::new(
            200,
            r#"{"ok":false,"error":"invalid_auth"}"#,
        )]);
        let mut s = SlackSink::start(
            opts(Auth::Bot {
                token: "xoxb-secret".into(),
                api_url: server.url("/api/chat.postMessage"),
                channel: "c".into(),
            }),
            policy(),
        )
        .unwrap();
        s.alert(&alert(), &[], &now()).unwrap();
        s.finish(&[]).unwrap();
        let r = s.stats().report();
        assert_eq!((r.sent, r.failed, r.retries), (0, 1, 0), "{r:?}");
        let dbg = format!("{:?}", opts(Auth::Webhook("https://hooks/secret".into())));
        assert!(!dbg.contains("secret"), "{dbg}");
    }
}

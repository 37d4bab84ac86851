//! Detectors in other languages, wired between the sinks (what they read) and the engine
//! (where their evidence goes): the programs of `modules.external` (slips-external, JSON
//! lines on their standard input and output) and, with `redis.evidence_in`, whatever
//! publishes evidence on Redis' `evidence_in` channel (slips-redis).

use anyhow::Result;
use slips_core::summary::WindowSummary;
use slips_core::{Alert, BlockingEvent, Evidence, Flow};
use slips_engine::Engine;
use slips_external::{Channel, Modules, Publisher, Spec, WindowInfo};
use slips_output::{Now, Sink};
use std::net::IpAddr;
use std::time::Duration;
use tracing::{info, warn};

/// How long modules may take to write their last evidence once their input is closed.
const GRACE: Duration = Duration::from_secs(5);
/// Refused evidence listed one by one in errors.log (all are counted).
const LISTED: u64 = 100;

/// The running modules and what their evidence became.
pub struct External {
    modules: Modules,
    redis: Option<RedisIn>,
    accepted: u64,
    refused: u64,
}

/// Evidence from Redis, and the publisher the modules there read.
struct RedisIn {
    inbox: slips_redis::Inbox,
    sent: slips_redis::Sent,
    quiet: Duration,
}

/// How long the end of a run waits for the Redis publisher to send what is queued.
const REDIS_SENT: Duration = Duration::from_secs(2);

/// The sink that publishes to the modules.
struct ExternalSink(Publisher);

impl Sink for ExternalSink {
    fn name(&self) -> &'static str {
        "external modules"
    }
    fn record(&mut self, flow: &Flow, profile: Option<IpAddr>) -> slips_output::Result<()> {
        if let Some(c) = Channel::of(&flow.record) {
            self.0.send(c, profile, &flow.record);
        }
        Ok(())
    }
    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        self.0.send(Channel::EvidenceAdded, Some(e.profile), e);
        Ok(())
    }
    fn alert(&mut self, a: &Alert, _: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        self.0.send(Channel::NewAlert, Some(a.profile), a);
        Ok(())
    }
    fn window_closed(&mut self, w: &WindowSummary) -> slips_output::Result<()> {
        self.0
            .send(Channel::TwClosed, Some(w.profile), &WindowInfo::from(w));
        Ok(())
    }
    fn blocking(&mut self, b: &BlockingEvent) -> slips_output::Result<()> {
        self.0.send(Channel::NewBlocking, Some(b.ip), b);
        Ok(())
    }
}

impl External {
    /// Starts the configured modules, with the sink that feeds them; `None` without any.
    pub fn start(cfg: &slips_config::Config) -> Result<Option<(External, Box<dyn Sink>)>> {
        if cfg.modules.external.is_empty() {
            return Ok(None);
        }
        let specs: Vec<Spec> = cfg
            .modules
            .external
            .iter()
            .map(|m| Spec {
                name: m.name.clone(),
                command: m.command.clone(),
                channels: m.channels.clone(),
            })
            .collect();
        let (modules, publisher) = Modules::start(&specs)?;
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        info!("external modules: {}", names.join(", "));
        Ok(Some((
            External {
                modules,
                redis: None,
                accepted: 0,
                refused: 0,
            },
            Box::new(ExternalSink(publisher)),
        )))
    }

    /// Takes evidence from Redis' `evidence_in` too (or only), published by modules that read
    /// what `sent` publishes. Waits a little for the subscription, so that a module's answer
    /// to the first records is not missed (pub/sub keeps nothing).
    pub fn listen_redis(
        this: Option<External>,
        url: &str,
        sent: slips_redis::Sent,
        quiet: Duration,
    ) -> Result<External> {
        let inbox = slips_redis::Inbox::start(url, "evidence_in")
            .map_err(|e| crate::input::UsageError(e.to_string()))?;
        if !inbox.wait_subscribed(Duration::from_secs(2)) {
            warn!(
                "redis {url}: not subscribed to evidence_in yet; evidence published before is lost"
            );
        }
        info!("external modules: listening on {}", inbox.source());
        let mut x = this.unwrap_or(External {
            modules: Modules::none(),
            redis: None,
            accepted: 0,
            refused: 0,
        });
        x.redis = Some(RedisIn { inbox, sent, quiet });
        Ok(x)
    }

    fn take(&mut self, engine: &mut Engine, inbound: Vec<slips_external::Inbound>) {
        for m in inbound {
            let outcome = match m.evidence {
                Ok(d) => engine.submit(&m.module, d).map_err(|r| r.to_string()),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => self.accepted += 1,
                Err(why) => {
                    self.refused += 1;
                    if self.refused <= LISTED {
                        warn!(
                            "external module {}: evidence refused: {}",
                            m.module,
                            slips_core::text::escape_controls(&why)
                        );
                    }
                }
            }
        }
    }

    /// Hands the evidence that arrived to the engine.
    pub fn submit_to(&mut self, engine: &mut Engine) {
        let mut inbound = self.modules.drain();
        if let Some(r) = &self.redis {
            inbound.extend(r.inbox.drain());
        }
        if !inbound.is_empty() {
            self.take(engine, inbound);
        }
    }

    /// End of input: the modules' input is closed, their last evidence taken, and what they
    /// did reported.
    pub fn finish(mut self, engine: &mut Engine) {
        let modules = std::mem::replace(&mut self.modules, Modules::none());
        let (last, reports) = modules.finish(GRACE);
        self.take(engine, last);
        if let Some(r) = self.redis.take() {
            if !r.sent.wait(REDIS_SENT) {
                warn!("redis: the last messages were not all sent; modules may miss them");
            }
            let (last, report) = r.inbox.finish(r.quiet, r.quiet * 10);
            self.take(engine, last);
            let line = format!(
                "redis evidence_in: {} message(s) received, {} dropped (the engine was too far \
                 behind), {} reconnect(s)",
                report.received, report.dropped, report.reconnects
            );
            if report.dropped > 0 || report.reconnects > 0 {
                warn!("{line}");
            } else {
                info!("{line}");
            }
        }
        for r in reports {
            let line = format!(
                "external module {}: {} message(s) sent, {} dropped (it read too slowly), {} \
                 line(s) received, {} malformed; {}",
                r.name, r.sent, r.dropped, r.received, r.malformed, r.exit
            );
            if r.dropped > 0 || r.malformed > 0 {
                warn!("{line}");
            } else {
                info!("{line}");
            }
        }
        let line = format!(
            "External modules: {} evidence accepted, {} refused (see errors.log)",
            self.accepted, self.refused
        );
        eprintln!("slips: {line}");
        if self.refused > 0 {
            warn!("{line}");
        } else {
            info!("{line}");
        }
    }
}

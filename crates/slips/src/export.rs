//! Wiring of the exports (`slips-export`): which sinks the configuration asks for, their
//! secrets, and the metrics endpoint. Misconfigurations fail here, before the analysis
//! starts, naming the key.

use crate::input::UsageError;
use anyhow::Result;
use slips_config::{Config, ExportFormat, ExportTarget};
use slips_export::labeled::{Format, LabeledFlows};
use slips_export::lines::{LinesOptions, LinesSink, Payload, Transport};
use slips_export::metrics::{EngineGauges, Metrics, MetricsServer};
use slips_export::slack::{Auth, SlackOptions, SlackSink};
use slips_export::stix::{StixOptions, StixSink};
use slips_export::taxii::{discovery_url, TaxiiOptions};
use slips_export::{read_secret, Meta, Policy};
use slips_output::Sink;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tracing::{info, warn};

/// The exports of a run.
pub struct Exports {
    pub sinks: Vec<Box<dyn Sink>>,
    pub metrics: Option<(Metrics, MetricsServer)>,
}

fn secs(x: f64) -> Duration {
    Duration::from_secs_f64(if x.is_finite() { x.max(0.0) } else { 0.0 })
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_owned()
    } else {
        base.join(p)
    }
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

/// Starts every export the configuration asks for. `base` is the folder relative secret
/// paths resolve against (the configuration's), `out` the output folder.
pub fn start(
    cfg: &Config,
    base: &Path,
    out: &Path,
    live: bool,
    metrics_addr: Option<&str>,
    version: &str,
) -> Result<Exports> {
    let x = &cfg.export;
    let ea = &cfg.exporting_alerts;
    let policy = Policy {
        queue: x.queue,
        retries: Some(x.retries),
        backoff: secs(x.retry_backoff),
        max_delay: secs(x.retry_max_delay),
        drain: secs(x.drain_timeout),
    };
    let meta = Meta {
        sensor: ea.sensor_name.clone(),
        version: version.to_owned(),
    };
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    let mut stats = Vec::new();

    let metrics_addr = metrics_addr
        .map(str::to_owned)
        .or_else(|| Some(x.metrics.trim().to_owned()).filter(|m| !m.is_empty()));
    let metrics = match metrics_addr {
        Some(a) => {
            let m = Metrics::new();
            let server = m.serve(&a).map_err(usage)?;
            sinks.push(Box::new(m.sink()));
            Some((m, server))
        }
        None => None,
    };

    let lines = |name: &'static str, syslog: bool, payload: Payload, transport: Transport| {
        LinesSink::start(
            name,
            LinesOptions {
                syslog,
                payload,
                facility: x.syslog_facility,
                transport,
                tls_ca: Some(x.syslog_ca_file.as_path())
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(|p| resolve(base, p)),
                evidence: x.evidence,
                meta: meta.clone(),
            },
            policy.clone(),
        )
        .map_err(usage)
    };
    if !x.syslog.trim().is_empty() {
        let t = Transport::parse(&x.syslog, out).map_err(usage)?;
        let payload = Payload::parse(&x.syslog_format).unwrap_or(Payload::Text);
        info!("export: syslog ({}) to {t:?}", x.syslog_format);
        let s = lines("syslog", true, payload, t)?;
        stats.push(s.stats());
        sinks.push(Box::new(s));
    }
    for (name, path, payload) in [
        ("cef", &x.cef_file, Payload::Cef),
        ("ecs", &x.ecs_file, Payload::Ecs),
    ] {
        if path.as_os_str().is_empty() {
            continue;
        }
        let p = resolve(out, path);
        info!("export: {name} lines to {}", p.display());
        let s = lines(name, false, payload, Transport::File(p))?;
        stats.push(s.stats());
        sinks.push(Box::new(s));
    }

    if ea.export_to.contains(&ExportTarget::Slack) {
        let webhook_file = Some(x.slack_webhook_file.as_path())
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| resolve(base, p));
        let auth = match read_secret(
            "export.slack_webhook_file",
            "SLIPS_SLACK_WEBHOOK",
            webhook_file.as_deref(),
        )
        .map_err(usage)?
        {
            Some(url) => Auth::Webhook(url),
            None => {
                let token_file = resolve(base, &ea.slack_api_path);
                let token = read_secret(
                    "exporting_alerts.slack_api_path",
                    "SLIPS_SLACK_TOKEN",
                    Some(&token_file),
                )
                .map_err(|e| {
                    usage(format!(
                        "exporting_alerts.export_to has slack, but there is no webhook \
                         (export.slack_webhook_file, SLIPS_SLACK_WEBHOOK) and no bot token: {e}"
                    ))
                })?
                .ok_or_else(|| {
                    usage(format!(
                        "exporting_alerts.slack_api_path: {} is empty",
                        token_file.display()
                    ))
                })?;
                Auth::Bot {
                    token,
                    api_url: x.slack_api_url.clone(),
                    channel: ea.slack_channel_name.clone(),
                }
            }
        };
        info!("export: slack ({auth:?})");
        let s = SlackSink::start(
            SlackOptions {
                auth,
                meta: meta.clone(),
                web_url: Some(x.web_url.clone()).filter(|u| !u.is_empty()),
                min_interval: secs(x.slack_min_interval),
                timeout: Duration::from_secs(10),
            },
            policy.clone(),
        )
        .map_err(usage)?;
        stats.push(s.stats());
        sinks.push(Box::new(s));
    }

    if ea.export_to.contains(&ExportTarget::Stix) {
        let taxii = if ea.taxii_server.trim().is_empty() {
            info!("export: stix to STIX_data.json only (exporting_alerts.TAXII_server is empty)");
            None
        } else {
            let pw_file = Some(x.taxii_password_file.as_path())
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| resolve(base, p));
            let password = read_secret(
                "export.taxii_password_file",
                "SLIPS_TAXII_PASSWORD",
                pw_file.as_deref(),
            )
            .map_err(usage)?
            .or_else(|| Some(ea.taxii_password.expose().to_owned()).filter(|p| !p.is_empty()));
            let o = TaxiiOptions {
                discovery_url: discovery_url(
                    &ea.taxii_server,
                    ea.port,
                    ea.use_https,
                    &ea.discovery_path,
                ),
                collection: ea.collection_name.clone(),
                username: ea.taxii_username.clone(),
                password,
                timeout: secs(ea.taxii_timeout),
                ca: Some(x.taxii_ca_file.as_path())
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(|p| resolve(base, p)),
            };
            info!("export: stix to STIX_data.json and TAXII {o:?}");
            Some(o)
        };
        let push_every = if ea.direct_export {
            Some(Duration::ZERO)
        } else if live {
            Some(secs(ea.push_delay))
        } else {
            None
        };
        let s = StixSink::start(
            StixOptions {
                meta: meta.clone(),
                out: out.to_owned(),
                evidence: x.stix_evidence,
                taxii,
                push_every,
                retries: (ea.direct_export_retry_max > 0).then_some(ea.direct_export_retry_max),
                backoff: secs(ea.direct_export_retry_backoff),
                max_delay: secs(ea.direct_export_retry_max_delay),
            },
            policy.clone(),
        )
        .map_err(usage)?;
        stats.push(s.stats());
        sinks.push(Box::new(s));
    }

    if cfg.cesnet.send_alerts {
        let conf = resolve(base, &cfg.cesnet.configuration_file);
        let o = slips_export::idea::WardenOptions::load(&conf).map_err(usage)?;
        info!("export: IDEA0 alerts to Warden {} as {}", o.url, o.name);
        let s = slips_export::idea::WardenSink::start(o, meta.clone(), policy.clone())
            .map_err(usage)?;
        stats.push(s.stats());
        sinks.push(Box::new(s));
    }

    if cfg.parameters.export_labeled_flows {
        let f = match cfg.parameters.export_format {
            ExportFormat::Tsv => Format::Tsv,
            ExportFormat::Json => Format::Json,
        };
        sinks.push(Box::new(LabeledFlows::create(out, f)?));
    }

    if cfg.detection.popup_alerts {
        match slips_export::notify::find_notify_send() {
            Some(p) => {
                let s = slips_export::notify::NotifySink::start(&p, policy.clone())?;
                stats.push(s.stats());
                sinks.push(Box::new(s));
            }
            None => warn!(
                "detection.popup_alerts: notify-send is not installed (package libnotify-bin); \
                 no desktop notifications"
            ),
        }
    }

    if let Some((m, _)) = &metrics {
        for s in stats {
            m.add_exporter(s);
        }
    }
    Ok(Exports { sinks, metrics })
}

/// The engine's figures for the metrics endpoint.
pub fn gauges(s: &slips_engine::EngineStats, reader_queue: usize) -> EngineGauges {
    EngineGauges {
        records: s.records,
        profiles: s.profiles,
        open_windows: s.open_windows,
        closed_windows: s.closed_windows,
        evidence: s.evidence,
        alerts: s.alerts,
        late_records: s.late_records,
        evicted_windows: s.evicted_windows,
        capped_evidence: s.capped_evidence,
        retired_profiles: s.retired_profiles,
        unprofiled_for_cap: s.unprofiled_for_cap,
        shed_tuples: s.shed_tuples,
        shed_detector_state: s.shed_detector_state,
        unprofiled_records: s.unprofiled_records,
        filtered_records: s.filtered_records,
        duplicate_evidence: s.duplicate_evidence,
        disabled_evidence: s.disabled_evidence,
        malformed_lines: 0,
        reader_queue: reader_queue as u64,
    }
}

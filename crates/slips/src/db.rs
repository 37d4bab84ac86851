//! `slips query DB ...` and `slips -d DB`: reading the analysis database of a past run.

use crate::cli::{QueryArgs, QueryTable};
use crate::input::UsageError;
use anyhow::Result;
use slips_db::{Filter, Reader, Table};
use std::path::{Path, PathBuf};

/// The database file: the path itself, or `slips.sqlite` in that folder.
pub fn resolve(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(slips_db::FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

/// Seconds since the epoch, or an RFC 3339 / ISO 8601 date.
fn parse_time(flag: &str, s: &str) -> Result<f64> {
    if let Ok(x) = s.parse::<f64>() {
        if x.is_finite() {
            return Ok(x);
        }
    }
    let t: jiff::Timestamp = s.parse().map_err(|e| {
        UsageError(format!(
            "{flag} expects seconds since the epoch or a date like 2026-12-04T10:00:00Z, got {s:?} ({e})"
        ))
    })?;
    Ok(t.as_microsecond() as f64 / 1e6)
}

pub fn query(q: QueryArgs) -> Result<()> {
    let path = resolve(&q.db);
    let reader = Reader::open(&path)?;
    let table = match q.table {
        QueryTable::Profiles => Table::Profiles,
        QueryTable::Windows => Table::Windows,
        QueryTable::Tuples => Table::Tuples,
        QueryTable::Alerts => Table::Alerts,
        QueryTable::Evidence => Table::Evidence,
        QueryTable::Flows => Table::Flows,
        QueryTable::Blocking => Table::Blocking,
        QueryTable::Meta => Table::Meta,
    };
    let filter = Filter {
        ip: q.ip,
        window: q.window,
        kind: q.kind,
        from: q
            .from
            .as_deref()
            .map(|s| parse_time("--from", s))
            .transpose()?,
        to: q.to.as_deref().map(|s| parse_time("--to", s)).transpose()?,
        uid: q.uid,
        domain: q.domain,
        limit: q.limit,
    };
    let rows = reader.query(table, &filter)?;
    let written = (|| -> std::io::Result<()> {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        if q.json {
            for r in rows.to_json() {
                writeln!(out, "{r}")?;
            }
        } else {
            out.write_all(rows.to_table().as_bytes())?;
        }
        out.flush()
    })();
    match written {
        // `slips query ... | head`: the reader had enough, as with any Unix tool.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        r => r?,
    }
    if !q.json {
        eprintln!("{} row(s)", rows.rows.len());
    }
    Ok(())
}

/// `-d DB` without an interface: what the run was and what it alerted.
pub fn reopen(db: &Path) -> Result<()> {
    let path = resolve(db);
    let reader = Reader::open(&path)?;
    let meta = |k: &str| reader.meta(k).unwrap_or_else(|| "?".into());
    println!(
        "Analysis of {} ({}) by slips {}: {}",
        meta("input"),
        meta("input_type"),
        meta("slips_version"),
        meta("command_line")
    );
    println!("Started {}", meta("start"));
    if reader.meta("complete").is_none() {
        println!("The run did not finish (killed or still running): what it committed is shown.");
    }
    let alerts = reader.query(Table::Alerts, &Filter::default())?;
    println!("{} alert(s):", alerts.rows.len());
    print!("{}", alerts.to_table());
    println!(
        "More: slips query {} profiles|windows|evidence|flows|blocking [--ip IP] [--json]",
        path.display()
    );
    Ok(())
}

//! Labelled flows (`parameters.export_labeled_flows`): every connection with the label
//! slips gave it, as `labeled_flows.tsv` or `labeled_flows.json` (one object per line) at
//! the end of the run.
//!
//! A flow is `malicious` when it is one of the flows of evidence that became part of an
//! alert (as Slips relabels them), else `benign`; `evidence` lists the types of every
//! evidence that named the flow, alert or not. Labels are known only once the analysis has
//! seen what came after a flow, so flows are spooled to a file in the output folder as they
//! come (memory stays flat) and labelled when the run ends. Only the uids named by
//! evidence are kept in memory (capped).

use slips_core::{Alert, Evidence, EvidenceType, Flow, Record};
use slips_output::{Now, OutputError, Sink};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Most uids whose evidence is remembered; beyond, flows are labelled benign (counted).
const MAX_UIDS: usize = 4_000_000;

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "ts",
    "uid",
    "saddr",
    "sport",
    "daddr",
    "dport",
    "proto",
    "service",
    "duration",
    "sbytes",
    "dbytes",
    "spkts",
    "dpkts",
    "state",
    "history",
    "ground_truth",
    "label",
    "evidence",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Tsv,
    Json,
}

#[derive(Default)]
struct Mark {
    malicious: bool,
    types: Vec<EvidenceType>,
}

pub struct LabeledFlows {
    format: Format,
    out: PathBuf,
    spool_path: PathBuf,
    spool: Option<BufWriter<std::fs::File>>,
    marks: HashMap<String, Mark>,
    over_cap: u64,
    flows: u64,
}

fn io(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutputError {
    let path = path.to_owned();
    move |e| OutputError::Sink {
        sink: "labeled_flows",
        message: format!("{op} {}: {e}", path.display()),
    }
}

fn field(s: &str) -> String {
    if s.is_empty() {
        "-".to_owned()
    } else {
        s.replace(['\t', '\n', '\r'], " ")
    }
}

impl LabeledFlows {
    /// The final file's name.
    pub fn file_name(format: Format) -> &'static str {
        match format {
            Format::Tsv => "labeled_flows.tsv",
            Format::Json => "labeled_flows.json",
        }
    }

    pub fn create(out: &Path, format: Format) -> Result<LabeledFlows, OutputError> {
        let spool_path = out.join(".labeled_flows.spool");
        let f = slips_fs::create(&spool_path).map_err(io("create", &spool_path))?;
        Ok(LabeledFlows {
            format,
            out: out.to_owned(),
            spool_path,
            spool: Some(BufWriter::with_capacity(1 << 16, f)),
            marks: HashMap::new(),
            over_cap: 0,
            flows: 0,
        })
    }

    fn mark(&mut self, e: &Evidence, malicious: bool) {
        for uid in &e.uids {
            if !self.marks.contains_key(uid.as_str()) && self.marks.len() >= MAX_UIDS {
                self.over_cap += 1;
                continue;
            }
            let m = self.marks.entry(uid.to_string()).or_default();
            m.malicious |= malicious;
            if !m.types.contains(&e.evidence_type) {
                m.types.push(e.evidence_type);
            }
        }
    }

    fn write_final(&mut self) -> Result<(), OutputError> {
        if let Some(mut s) = self.spool.take() {
            s.flush().map_err(io("write", &self.spool_path))?;
        }
        let path = self.out.join(Self::file_name(self.format));
        let f = slips_fs::create(&path).map_err(io("create", &path))?;
        let mut w = BufWriter::with_capacity(1 << 16, f);
        if self.format == Format::Tsv {
            writeln!(w, "{}", COLUMNS.join("\t")).map_err(io("write", &path))?;
        }
        let spool = std::fs::File::open(&self.spool_path).map_err(io("read", &self.spool_path))?;
        let (mut malicious, mut total) = (0u64, 0u64);
        for line in BufReader::with_capacity(1 << 16, spool).lines() {
            let line = line.map_err(io("read", &self.spool_path))?;
            let cols: Vec<&str> = line.split('\t').collect();
            let Some(uid) = cols.get(1) else { continue };
            let (label, types) = match self.marks.get(*uid) {
                Some(m) => {
                    let mut t: Vec<&str> = m.types.iter().map(|t| t.as_str()).collect();
                    t.sort_unstable();
                    (
                        if m.malicious { "malicious" } else { "benign" },
                        t.join(","),
                    )
                }
                None => ("benign", String::new()),
            };
            total += 1;
            if label == "malicious" {
                malicious += 1;
            }
            match self.format {
                Format::Tsv => writeln!(w, "{line}\t{label}\t{}", field(&types)),
                Format::Json => {
                    // Written by hand (one allocation per row): numbers are checked, text
                    // escaped by serde_json.
                    let mut row = String::with_capacity(line.len() + 160);
                    row.push('{');
                    for (k, v) in COLUMNS.iter().zip(cols.iter()) {
                        row.push('"');
                        row.push_str(k);
                        row.push_str("\":");
                        let numeric = matches!(
                            *k,
                            "ts" | "duration"
                                | "sport"
                                | "dport"
                                | "sbytes"
                                | "dbytes"
                                | "spkts"
                                | "dpkts"
                        );
                        if *v == "-"
                            || (numeric && v.parse::<f64>().map_or(true, |x| !x.is_finite()))
                        {
                            row.push_str("null");
                        } else if numeric {
                            row.push_str(v);
                        } else {
                            row.push_str(&serde_json::Value::from(*v).to_string());
                        }
                        row.push(',');
                    }
                    row.push_str("\"label\":\"");
                    row.push_str(label);
                    row.push_str("\",\"evidence\":[");
                    for (i, t) in types.split(',').filter(|t| !t.is_empty()).enumerate() {
                        if i > 0 {
                            row.push(',');
                        }
                        row.push('"');
                        row.push_str(t);
                        row.push('"');
                    }
                    row.push_str("]}");
                    writeln!(w, "{row}")
                }
            }
            .map_err(io("write", &path))?;
        }
        w.flush().map_err(io("write", &path))?;
        let _ = std::fs::remove_file(&self.spool_path);
        tracing::info!(
            "labeled flows: {total} flow(s) in {}, {malicious} malicious",
            path.display()
        );
        if self.over_cap > 0 {
            tracing::warn!(
                "labeled flows: {} evidence uid(s) beyond the cap of {MAX_UIDS} were labelled benign",
                self.over_cap
            );
        }
        Ok(())
    }
}

impl Sink for LabeledFlows {
    fn name(&self) -> &'static str {
        "labeled_flows"
    }

    fn record(&mut self, flow: &Flow, _: Option<IpAddr>) -> slips_output::Result<()> {
        let Record::Conn(c) = &flow.record else {
            return Ok(());
        };
        let Some(w) = self.spool.as_mut() else {
            return Ok(());
        };
        let ip = |a: Option<IpAddr>| a.map_or("-".to_owned(), |a| a.to_string());
        let truth = flow
            .label
            .as_ref()
            .map_or("-".to_owned(), |l| match &l.detailed_label {
                Some(d) => field(&format!("{} {d}", l.label)),
                None => field(&l.label),
            });
        writeln!(
            w,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            c.ts,
            field(&c.uid),
            ip(c.saddr),
            c.sport,
            ip(c.daddr),
            c.dport,
            c.proto().as_str(),
            field(c.service.as_deref().unwrap_or("")),
            c.duration,
            c.sbytes,
            c.dbytes,
            c.spkts,
            c.dpkts,
            c.state,
            field(&c.history),
            truth,
        )
        .map_err(io("write", &self.spool_path))?;
        self.flows += 1;
        Ok(())
    }

    fn evidence(&mut self, e: &Evidence, _: &Now<'_>) -> slips_output::Result<()> {
        self.mark(e, false);
        Ok(())
    }

    fn alert(&mut self, _: &Alert, evidence: &[Evidence], _: &Now<'_>) -> slips_output::Result<()> {
        for e in evidence {
            self.mark(e, true);
        }
        Ok(())
    }

    fn finish(&mut self, _: &[slips_core::summary::ProfileSummary]) -> slips_output::Result<()> {
        self.write_final()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixtures::*;
    use slips_core::{Conn, Proto, Timestamp};

    fn conn(uid: &str, ts: f64) -> Flow {
        Flow::from(Record::Conn(Conn {
            ts: Timestamp::from_secs(ts),
            uid: uid.into(),
            saddr: Some("10.0.0.5".parse().unwrap()),
            sport: 40000,
            daddr: Some("10.0.0.9".parse().unwrap()),
            dport: 22,
            proto: Some(Proto::Tcp),
            sbytes: 10,
            ..Conn::default()
        }))
    }

    fn now() -> Now<'static> {
        Now {
            create_time: "x",
            event_time: Timestamp::ZERO,
        }
    }

    fn run(format: Format) -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = LabeledFlows::create(dir.path(), format).unwrap();
        for (uid, ts) in [("C1", 1.0), ("C2", 2.0), ("C3", 3.0)] {
            s.record(&conn(uid, ts), None).unwrap();
        }
        // C3 is named by evidence that never made an alert; C1 and C2 by evidence of one.
        let mut lone = domain_evidence();
        lone.uids = vec!["C3".into()];
        s.evidence(&lone, &now()).unwrap();
        s.evidence(&evidence(), &now()).unwrap();
        s.alert(&alert(), &[evidence()], &now()).unwrap();
        s.finish(&[]).unwrap();
        assert!(!dir.path().join(".labeled_flows.spool").exists());
        let text =
            std::fs::read_to_string(dir.path().join(LabeledFlows::file_name(format))).unwrap();
        (dir, text)
    }

    #[test]
    fn tsv_labels() {
        let (_d, text) = run(Format::Tsv);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], COLUMNS.join("\t"));
        assert_eq!(lines.len(), 4);
        assert!(
            lines[1].starts_with(
                "1.000000\tC1\t10.0.0.5\t40000\t10.0.0.9\t22\ttcp\t-\t0\t10\t0\t0\t0\t"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with("\tmalicious\tHORIZONTAL_PORT_SCAN"),
            "{}",
            lines[1]
        );
        assert!(lines[2].ends_with("\tmalicious\tHORIZONTAL_PORT_SCAN"));
        assert!(
            lines[3].ends_with("\tbenign\tTHREAT_INTELLIGENCE_BLACKLISTED_DOMAIN"),
            "{}",
            lines[3]
        );
        for l in &lines {
            assert_eq!(l.split('\t').count(), COLUMNS.len());
        }
    }

    #[test]
    fn json_labels() {
        let (_d, text) = run(Format::Json);
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["uid"], "C1");
        assert_eq!(rows[0]["dport"], 22);
        assert_eq!(rows[0]["ts"], 1.0);
        assert_eq!(rows[0]["service"], serde_json::Value::Null);
        assert_eq!(rows[0]["label"], "malicious");
        assert_eq!(
            rows[0]["evidence"],
            serde_json::json!(["HORIZONTAL_PORT_SCAN"])
        );
        assert_eq!(rows[2]["label"], "benign");
    }
}
